#!/usr/bin/env python3
"""Training works and repeats: the demos reach their stated quality, and
the same seeds give the same loss histories.

The budgets here are the demos' defaults (``main/N-main.py``); each run
takes 15-30 s on 2 cores. The demos' recipes were chosen so that every
seed 0-4 passes with margin both on AVX-512 and on the AVX2 path
(``ONEDNN_MAX_CPU_ISA=AVX2``), whose rounding differs: the figures in the
docstrings come from ``python benchmarks/seed_sweep.py``, and the
thresholds are not one seed's luck.
"""
import subprocess
import sys

import keras
import numpy as np
import pytest

from ganlab.data import toy
from ganlab.nets import builders
from tests.helpers import ROOT, load_demo, load_gan_class


def run_demo(number, tmp_path):
    """Run a demo at its default budget; return its scores."""
    return load_demo(number).main(["--verbose", "0", "--out",
                                   str(tmp_path)])


# the demo's whole run; the ring test below keeps a toy mixture's
# coverage in the default run, this one runs under -m slow
@pytest.mark.slow
def test_simple_gan_puts_its_samples_on_the_circle(tmp_path):
    """3,000 steps, latent points on a circle, learning rates decaying
    from .005: over seeds 0-4 on both paths, mean distance .009 to .018
    and 12/12 arcs."""
    scores = run_demo(0, tmp_path)
    assert scores["mean_distance"] < .03
    assert scores["arcs_covered"] >= 11
    assert (tmp_path / "0-simple_gan.png").stat().st_size > 10000


@pytest.mark.slow
def test_wgan_clip_puts_its_samples_on_the_circle(tmp_path):
    """2,000 steps, 5 critic updates each, latent points on a circle,
    learning rates decaying from .001: over seeds 0-4 on both paths, mean
    distance .005 to .018 and 12/12 arcs."""
    scores = run_demo(1, tmp_path)
    assert scores["mean_distance"] < .04
    assert scores["arcs_covered"] >= 11


def test_wgan_gp_covers_the_ring_of_8_gaussians(tmp_path):
    """2,000 steps, 5 critic updates each, learning rates decaying from
    .002: measured 8/8 modes and 92 % of samples within 3 standard
    deviations of a mode (seed 0; seeds 0-4 gave 89 % to 93 %, and 91 %
    to 93 % on AVX2), so the issue's target of 8/8 and 80 % is
    asserted."""
    scores = run_demo(2, tmp_path)
    assert scores["modes_covered"] == 8
    assert scores["high_quality_fraction"] >= .8
    assert (tmp_path / "2-wgan_gp.json").is_file()


@pytest.mark.parametrize("name", ["Simple_GAN", "WGAN_clip", "WGAN_GP"])
def test_same_seeds_give_identical_loss_histories(name):
    """Seeding Python, NumPy and TensorFlow makes a run repeat exactly."""
    first, second = small_run_history(name), small_run_history(name)
    assert first == second
    assert len(set(np.round(first["gen_loss"], 6))) == 3


def small_run_history(name, **compile_arguments):
    """Train a small model from seed 7 for 3 epochs of 20 steps; return
    its loss history."""
    keras.utils.set_random_seed(7)
    real = toy.circle(400, seed=0)
    generator, critic, latent = builders.fully_connected_GenDiscr(
        [2, 32, 32, 2], real)
    gan = load_gan_class(name)(generator, critic, latent, real,
                               batch_size=100)
    gan.compile(**compile_arguments)
    gan.fit(real, epochs=3, steps_per_epoch=20, verbose=0)
    return gan.history.history


@pytest.mark.parametrize("name", ["Simple_GAN", "WGAN_clip"])
def test_fused_steps_change_no_loss(name):
    """compile(steps_per_execution=10), the opt-in speed-up of tasks 0-1
    (BENCHMARKS.md), runs the same steps: the same loss history exactly."""
    assert (small_run_history(name, steps_per_execution=10)
            == small_run_history(name))


@pytest.mark.slow
def test_demo_script_runs_and_refuses_bad_flags(tmp_path):
    """The script runs from the command line, and a zero epoch count stops
    it with a one-line error and exit code 2."""
    script = str(ROOT / "main" / "2-main.py")
    done = subprocess.run([sys.executable, script, "--epochs", "1",
                           "--steps-per-epoch", "5", "--verbose", "0",
                           "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "WGAN_GP: modes_covered" in done.stdout
    refused = subprocess.run([sys.executable, script, "--epochs", "0"],
                             capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2
    assert "--epochs must be at least 1" in refused.stderr
