#!/usr/bin/env python3
"""Training under ``tf.distribute`` computes what one device computes:
two logical CPU devices under MirroredStrategy, and two worker processes
on this machine under MultiWorkerMirroredStrategy.

The CPU can only be split into logical devices before TensorFlow starts
its devices, and each worker is a process, so every run here is a
``python -m ganlab train`` process of its own.
"""
import csv
import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT

# Observed here: the largest relative difference is about 1e-7 (the two
# halves of each gradient are added in another order); the batch norm
# statistics are pooled over the devices, so nothing else differs.
TOLERANCE = 1e-5


def command(data, out, extra=()):
    """The training command: a global batch of 32, 8 steps, without
    DiffAugment (each device would draw its own augmentations; a
    multi-device run refuses it)."""
    return [sys.executable, "-m", "ganlab", "train", "--dataset", str(data),
            "--augment", "none",
            "--img_size", "12", "--batch_size", "32", "--latent_dim", "16",
            "--n_epochs", "2", "--steps-per-epoch", "4", "--sample_interval",
            "1000", "--no-tensorboard", "--verbose", "0", "--deterministic",
            "--out", str(out)] + list(extra)


def read_losses(out):
    """The (step, discr_loss, gen_loss) rows a run wrote."""
    with open(out / "losses.csv", newline="") as stream:
        return np.array([list(map(float, row))
                         for row in list(csv.reader(stream))[1:]])


def train(data, out, extra=()):
    """Run the command; return its standard output and its step losses."""
    done = subprocess.run(command(data, out, extra), cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, read_losses(out)


@pytest.fixture(scope="module")
def one_device(tmp_path_factory):
    """The data, and the losses of the run on one device."""
    folder = tmp_path_factory.mktemp("one_device")
    data = folder / "digits.npy"
    np.save(data, np.random.default_rng(0).integers(0, 256, (96, 28, 28),
                                                    dtype=np.uint8))
    output, losses = train(data, folder / "run")
    assert "1 device(s)" in output
    assert losses.shape == (8, 3)
    # The losses move, so agreeing on them is not trivial.
    assert np.ptp(losses[:, 2]) > 1e-3
    return data, losses


def test_two_devices_give_the_losses_of_one(one_device, tmp_path):
    """Same global batch of 32: 16 on each of two devices, or 32 on one."""
    data, expected = one_device
    output, losses = train(data, tmp_path / "two",
                           ["--strategy", "mirrored", "--devices", "2"])
    assert "2 device(s)" in output
    # shown with pytest -n 0 -s: the figure the README quotes
    print(f"largest relative loss difference, 2 devices against 1: "
          f"{np.max(np.abs(losses - expected) / np.abs(expected)):.2g}")
    np.testing.assert_allclose(losses, expected, rtol=TOLERANCE, atol=0)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_two_workers_give_the_losses_of_one(one_device, tmp_path):
    """Two processes joined by TF_CONFIG, one device each: the chief
    writes the losses and checkpoints, the other worker nothing.

    About 20 s on 2 idle cores (two TensorFlow processes starting at
    once), so it is left out of the default run: python -m pytest -m slow
    tests/test_distribute.py."""
    data, expected = one_device
    cluster = {"worker": [f"127.0.0.1:{free_port()}" for _ in range(2)]}
    workers = [subprocess.Popen(
        command(data, tmp_path / "run", ["--strategy", "multi-worker"]),
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, TF_CONFIG=json.dumps(
            {"cluster": cluster, "task": {"type": "worker", "index": index}})))
        for index in range(2)]
    try:
        outputs = [worker.communicate(timeout=300) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    for worker, (output, errors) in zip(workers, outputs):
        assert worker.returncode == 0, errors[-3000:]
        assert "2 device(s)" in output
    assert "generator:" in outputs[0][0] and "generator:" not in outputs[1][0]
    np.testing.assert_allclose(read_losses(tmp_path / "run"), expected,
                               rtol=TOLERANCE, atol=0)
    assert (tmp_path / "run" / "checkpoints" / "ckpt-2.index").is_file()
