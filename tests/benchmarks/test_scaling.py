#!/usr/bin/env python3
"""The scaling benchmark times the MLP GAN at several batch sizes and on
one against two logical CPU devices, and reports what it promises.

Only the report's shape and bookkeeping are checked, never the speed:
timings on shared machines are too noisy for a unit test. The CPU can be
split into logical devices only before TensorFlow starts its devices,
which in this process other tests may already have done, so the quick
run is a process of its own, as in ``tests/training/test_distribute.py``; it
takes about 20 s on 2 cores, more on slower CPUs, so it is marked slow.
The default run checks the batch-size part's bookkeeping in this process,
on stand-in contestants timed by a fake clock.
"""
import functools
import json
import subprocess
import sys

import pytest
from tests.helpers import ROOT

from benchmarks import scaling


class FakeClock:
    """A clock that moves only when a stand-in contestant trains."""

    def __init__(self):
        """Start at zero."""
        self.now = 0.

    def __call__(self):
        """Return the current time."""
        return self.now


def test_batch_size_bookkeeping_on_stand_in_contestants(monkeypatch):
    """Each batch size trains ``repeats_for`` training steps per benchmark
    step, so every round reads about the same images; images per second
    and the ratio to the smallest batch follow from the clock. Stand-ins
    train 16 x batch images a second."""
    clock, built = FakeClock(), []

    class StandIn:
        """Trains nothing; takes its images' worth of time."""

        def __init__(self, strategy, batch_size, real_examples, repeats,
                     model="mlp"):
            """Keep the sizes, as fit_contestant's contestant does."""
            self.batch_size, self.repeats = batch_size, repeats
            self.images_per_step = repeats * batch_size
            built.append((type(strategy).__name__, batch_size, repeats))

        def train(self, steps):
            """Move the clock by this batch's time for ``steps``."""
            clock.now += (steps * self.images_per_step
                          / (16. * self.batch_size))

    monkeypatch.setattr(scaling, "fit_contestant", StandIn)
    monkeypatch.setattr(scaling.common, "measure", functools.partial(
        scaling.common.measure, clock=clock))
    arguments = scaling.arguments_from(["--batch-sizes", "16,32,64",
                                        "--steps", "2", "--rounds", "3"])
    rows = scaling.measure_batch_sizes(arguments, None, largest=64)
    assert built == [("OneDeviceStrategy", 16, 4),
                     ("OneDeviceStrategy", 32, 2),
                     ("OneDeviceStrategy", 64, 1)]
    assert [row["training_steps_per_round"] for row in rows] == [8, 4, 2]
    assert [row["images_per_second"] for row in rows] == [256., 512., 1024.]
    assert [row["rounds"] for row in rows] == [[256.] * 3, [512.] * 3,
                                               [1024.] * 3]
    assert [row["relative_to_smallest"] for row in rows] == [1., 2., 4.]
    assert rows[2]["relative_to_smallest_per_round"] == [4.] * 3


@pytest.mark.slow
def test_dcgan_contestant_is_the_command_lines_dcgan():
    """--model dcgan times task 5's DCGAN as ``train --model dcgan``
    builds it, fed tf.data batches: one benchmark step of two training
    steps reads 2 x 4 real 32x32 RGB images and moves the weights.
    About 10 s (it traces the full-size DCGAN), so under -m slow."""
    import numpy as np
    import tensorflow as tf
    examples = np.random.default_rng(0).uniform(
        -1, 1, (16, 32, 32, 3)).astype(np.float32)
    contestant = scaling.fit_contestant(
        tf.distribute.OneDeviceStrategy("/cpu:0"), 4, examples, 2, "dcgan")
    assert contestant.images_per_step == 8
    assert contestant.gan.generator.output_shape == (None, 32, 32, 3)
    before = [weight.copy() for weight in contestant.gan.generator.get_weights()]
    contestant.train(1)
    assert int(contestant.gan.generator.optimizer.iterations) == 2
    assert any(not np.array_equal(start, now) for start, now in zip(
        before, contestant.gan.generator.get_weights()))


@pytest.mark.slow
@pytest.mark.parametrize("model", ["mlp", "dcgan"])
def test_quick_run_writes_the_report(tmp_path, model):
    """--quick: batches 16 and 32, then batch 32 on 1 and 2 devices,
    2 rounds each; JSON and PNG written."""
    done = subprocess.run(
        [sys.executable, "benchmarks/scaling.py", "--quick", "--model",
         model, "--out", str(tmp_path)], cwd=ROOT, capture_output=True,
        text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "share the same" in done.stdout
    written = json.loads((tmp_path / "scaling.json").read_text())
    assert (tmp_path / "scaling.png").stat().st_size > 0
    settings = written["settings"]
    assert settings["quick"] is True and settings["rounds"] == 2
    assert settings["largest_batch"] == 32

    rows = written["batch_sizes"]
    assert [row["batch_size"] for row in rows] == [16, 32]
    # a batch half as large trains twice the steps: the same images a round
    assert [row["training_steps_per_round"] for row in rows] == [
        2 * settings["steps_at_largest_batch"],
        settings["steps_at_largest_batch"]]
    for row in rows:
        assert len(row["rounds"]) == 2
        assert all(rate > 0 for rate in row["rounds"])
        assert row["images_per_second"] > 0
        assert len(row["relative_to_smallest_per_round"]) == 2
    assert rows[0]["relative_to_smallest"] == 1

    part = written["devices"]
    assert part["global_batch"] == 32
    assert [contestant["devices"] for contestant in part["contestants"]] == [
        1, 2]
    assert [contestant["batch_per_device"]
            for contestant in part["contestants"]] == [32, 16]
    assert [contestant["strategy"] for contestant in part["contestants"]] == [
        "OneDeviceStrategy", "MirroredStrategy"]
    for contestant in part["contestants"]:
        assert len(contestant["rounds"]) == 2
        assert all(rate > 0 for rate in contestant["rounds"])
        assert contestant["images_per_second"] > 0
    assert part["two_over_one"] > 0
    assert len(part["two_over_one_per_round"]) == 2
    assert "share the same" in part["note"]
    assert {"tensorflow", "keras", "cpus"} <= set(written["machine"])
    assert written["model_name"] == model
    assert written["data"]["shape"] == list(scaling.IMAGE_SHAPES[model])


@pytest.mark.parametrize("argv, message", [
    (["--device-batch", "255"], "--device-batch must be even"),
    (["--device-batch", "0"], "--device-batch must be even"),
    (["--batch-sizes", "1,32"], "--batch-sizes must lie between 2"),
    (["--batch-sizes", "32,x"], "--batch-sizes: must list int values"),
    (["--steps", "0"], "--steps must be at least 1"),
    (["--rounds", "0"], "--rounds must be at least 1"),
])
def test_bad_flags_stop_with_exit_code_2(argv, message, capsys):
    """Flags that cannot work are refused with a message naming them."""
    with pytest.raises(SystemExit) as stopped:
        scaling.arguments_from(argv)
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err


def test_refuses_when_tensorflow_already_started(tmp_path):
    """In a process whose devices are started with one CPU device, main
    says why it cannot split the CPU instead of failing later."""
    import tensorflow as tf
    if len(tf.config.list_logical_devices("CPU")) >= 2:
        pytest.skip("this process already has two logical CPU devices")
    with pytest.raises(RuntimeError, match="already initialised"):
        scaling.main(["--quick", "--out", str(tmp_path)])
    assert not (tmp_path / "scaling.json").exists()
