#!/usr/bin/env python3
"""Training under ``tf.distribute``: two logical CPU devices under
MirroredStrategy compute what one device computes.

The CPU can only be split into logical devices before TensorFlow starts
its devices, so each run is a process of its own (``python -m ganlab
train --strategy mirrored --devices 2``).
"""
import csv
import subprocess
import sys

import numpy as np

from conftest import ROOT

# Observed here: the largest relative difference is about 1e-7 (the two
# halves of each gradient are added in another order); the batch norm
# statistics are pooled over both devices, so nothing else differs.
TOLERANCE = 1e-5


def train(out, data, extra):
    """Run the command; return its standard output and its step losses."""
    done = subprocess.run(
        [sys.executable, "-m", "ganlab", "train", "--dataset", str(data),
         "--img_size", "12", "--batch_size", "32", "--latent_dim", "16",
         "--n_epochs", "2", "--steps-per-epoch", "4", "--sample_interval",
         "1000", "--no-tensorboard", "--verbose", "0", "--deterministic",
         "--out", str(out)] + extra,
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    with open(out / "losses.csv", newline="") as stream:
        rows = [list(map(float, row)) for row in list(csv.reader(stream))[1:]]
    return done.stdout, np.array(rows)


def test_two_devices_give_the_losses_of_one(tmp_path):
    """Same global batch of 32: 16 per device, or 32 on one."""
    data = tmp_path / "digits.npy"
    np.save(data, np.random.default_rng(0).integers(0, 256, (96, 28, 28),
                                                    dtype=np.uint8))
    one_out, one = train(tmp_path / "one", data, [])
    two_out, two = train(tmp_path / "two", data,
                         ["--strategy", "mirrored", "--devices", "2"])
    assert "1 device(s)" in one_out and "2 device(s)" in two_out
    assert one.shape == two.shape == (8, 3)
    np.testing.assert_allclose(two, one, rtol=TOLERANCE, atol=0)
    # The losses move, so agreeing on them is not trivial.
    assert np.ptp(one[:, 1]) > 1e-3
