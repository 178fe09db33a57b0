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

from tests.helpers import ROOT

# Observed here: the largest relative difference is about 1e-7 (the two
# halves of each gradient are added in another order); the batch norm
# statistics are pooled over the devices, so nothing else differs.
TOLERANCE = 1e-5
# Steps per run: 2 epochs of 10 for the MLP GAN, which agrees over all of
# them; 2 epochs of 2 for the convolutional models, held to their first
# step (AGREEING_STEPS below), whose longer runs would only cost time.
STEPS = {"r3gan": 4, "mlp": 20, "conv": 4, "faces": 4, "dcgan": 4, "progan": 6}

# model -> (the data set's shape, the flags that fit the model to it);
# every random number these models draw (latent vectors, real samples,
# flips, dropout masks, DiffAugment) is drawn once for the global batch
MODELS = {
    "r3gan": ((96, 16, 16, 3), ["--img_size", "16", "--channels", "3",
                                "--augment", "color,translation,cutout",
                                "--latent_dim", "16", "--capacity", "0.25"]),
    "mlp": ((96, 28, 28), ["--img_size", "12", "--latent_dim", "16",
                           "--augment", "none"]),
    "conv": ((96, 28, 28), ["--img_size", "12", "--latent_dim", "16",
                            "--augment", "none"]),
    "faces": ((96, 16, 16), ["--img_size", "16", "--channels", "1",
                             "--augment", "color,translation,cutout"]),
    "dcgan": ((96, 32, 32, 3), ["--img_size", "32", "--channels", "3",
                                "--augment", "color,translation,cutout",
                                "--latent_dim", "16"]),
    # grown 4x4 -> 8x8 in 3 phases of 2 steps (--n_epochs sets the
    # images of a phase: 2 passes over 96 images spread over 3 phases)
    "progan": ((96, 8, 8, 3), ["--img_size", "8", "--channels", "3",
                               "--augment", "color,translation,cutout",
                               "--latent_dim", "16", "--n_epochs", "2"]),
}


def command(model, data, out, extra=()):
    """The training command: a global batch of 32, ``STEPS[model]``
    steps in 2 epochs (the ProGAN's in its 3 phases)."""
    flags = MODELS[model][1]
    length = [] if "--n_epochs" in flags else [
        "--n_epochs", "2", "--steps-per-epoch", str(STEPS[model] // 2)]
    return [sys.executable, "-m", "ganlab", "train", "--model", model,
            "--dataset", str(data), *flags, *length,
            "--batch_size", "32", "--sample_interval", "1000",
            "--no-tensorboard", "--verbose", "0", "--deterministic",
            "--out", str(out)] + list(extra)


def read_losses(out):
    """The rows (step, losses...) a run wrote."""
    with open(out / "losses.csv", newline="") as stream:
        return np.array([list(map(float, row))
                         for row in list(csv.reader(stream))[1:]])


def train(model, data, out, extra=()):
    """Run the command; return its standard output and its step losses."""
    done = subprocess.run(command(model, data, out, extra), cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, read_losses(out)


# The default run keeps the two trainings that draw their own batches:
# conv, the MLP GAN's training (as mlp's, with other networks) plus a
# lazy R1 whose several-replica form is its own (computed every step,
# weighted 0 off its steps: the minibatch deviation's all-reduce cannot
# sit in a tf.cond there), and r3gan, the relativistic training with R1
# and R2. The others run under -m slow, keeping the default run within
# CI's 10 minutes: their steps' agreement on two devices is checked
# weight by weight in tests/training/test_replicas.py (task 2's WGAN_GP, which
# faces trains with, task 5's DCGAN fed tf.data batches, and task 4's
# ProGAN), and with classes in tests/training/test_conditional.py (conv,
# r3gan).
DEFAULT_RUN = ("r3gan", "conv")


@pytest.fixture(scope="module", params=[
    pytest.param(model, marks=[] if model in DEFAULT_RUN
                 else [pytest.mark.slow])
    for model in sorted(MODELS)])
def one_device(request, tmp_path_factory):
    """A model, its data, and the losses of its run on one device."""
    model = request.param
    folder = tmp_path_factory.mktemp(f"one_device_{model}")
    data = folder / "images.npy"
    np.save(data, np.random.default_rng(0).integers(
        0, 256, MODELS[model][0], dtype=np.uint8))
    output, losses = train(model, data, folder / "run")
    assert "1 device(s)" in output
    assert losses.shape[0] == STEPS[model]
    # The losses move, so agreeing on them is not trivial.
    assert np.ptp(losses[:, 2]) > 1e-3
    return model, data, losses


# Steps over which one and two devices must agree within TOLERANCE. The
# convolutional models agree at their first step, after which their Adam
# optimizers amplify the last-digit differences of the two sums: Adam
# divides each gradient by its own size, so a weight whose gradient is
# almost 0 (the sum of large terms that cancel) moves by a full step
# either way, and the GAN's game then spreads that difference through
# both networks (about 1e-5 after two steps, 1e-2 after 20, also with
# Adam's epsilon raised to 1e-3). With SGD, where no gradient is divided
# by its own size, their weights agree within 1.2e-7 after 20 steps:
# tests/training/test_replicas.py. The MLP GAN agrees over all 20 steps. Conv,
# its training with small convolutional networks, agreed over 20 steps within
# 1.2e-7 with AVX-512 kernels, but drifted to 3.4e-4 under
# ONEDNN_MAX_CPU_ISA=AVX2: it is held to the first step, as the others.
AGREEING_STEPS = {"r3gan": 1, "mlp": STEPS["mlp"], "conv": 1, "faces": 1, "dcgan": 1,
                  "progan": 1}


def test_two_devices_give_the_losses_of_one(one_device, tmp_path):
    """Same global batch of 32: 16 on each of two devices, or 32 on one,
    for every model that trains on several devices; prints the largest
    difference over its steps."""
    model, data, expected = one_device
    output, losses = train(model, data, tmp_path / "two",
                           ["--strategy", "mirrored", "--devices", "2"])
    assert "2 device(s)" in output
    # relative, or absolute for losses below 1 (Wasserstein losses cross 0)
    difference = np.abs(losses - expected) / np.maximum(np.abs(expected), 1)
    # shown with pytest -n 0 -s: the figures the closing note quotes
    print(f"{model}: largest relative loss difference, 2 devices against "
          f"1: {difference[0].max():.2g} at the first step, "
          f"{difference.max():.2g} over {STEPS[model]} steps")
    agreeing = AGREEING_STEPS[model]
    assert difference[:agreeing].max() < TOLERANCE
    # the same steps, whatever the numbers
    np.testing.assert_array_equal(losses[:, 0], expected[:, 0])


def test_every_model_that_trains_on_several_devices_is_checked_here():
    """A model that gains --strategy joins MODELS above."""
    from ganlab.training import registry
    assert {entry.name for entry in registry.ENTRIES
            if entry.spec.accepts.several_devices} == set(MODELS)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_two_workers_give_the_losses_of_one(one_device, tmp_path):
    """Two processes joined by TF_CONFIG, one device each: the chief
    writes the losses and checkpoints, the other worker nothing; the
    losses agree with one device's as two mirrored devices' do.

    About 40 s a model on 2 idle cores (two TensorFlow processes starting at
    once), so it is left out of the default run: python -m pytest -m slow
    tests/training/test_distribute.py."""
    model, data, expected = one_device
    if model in ("dcgan", "progan"):
        pytest.skip(f"a multi-worker run shards the {model}'s tf.data "
                    "batches by worker, in another order than one device "
                    "reads them; mlp and the convolutional faces model "
                    "draw their own batches")
    cluster = {"worker": [f"127.0.0.1:{free_port()}" for _ in range(2)]}
    workers = [subprocess.Popen(
        command(model, data, tmp_path / "run",
                ["--strategy", "multi-worker"]),
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
    losses = read_losses(tmp_path / "run")
    difference = np.abs(losses - expected) / np.maximum(np.abs(expected), 1)
    print(f"{model}: largest relative loss difference, 2 workers against "
          f"1 device: {difference[0].max():.2g} at the first step, "
          f"{difference.max():.2g} over {STEPS[model]} steps")
    assert difference[:AGREEING_STEPS[model]].max() < TOLERANCE
    assert (tmp_path / "run" / "checkpoints" / "ckpt-2.index").is_file()
