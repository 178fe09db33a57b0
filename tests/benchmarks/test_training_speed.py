#!/usr/bin/env python3
"""The training-speed benchmark runs end to end and reports what it
promises, and its FLOP count is right on layers counted by hand.

Only the report's shape and the arithmetic are checked, never the speed:
timings on shared machines are too noisy for a unit test, and the quick
mode's tiny networks measure nothing worth quoting. The quick run traces
a dozen graphs (a minute or more on slower CPUs), so it is marked slow;
the FLOP count, the benchmark's own arithmetic, is checked by default.
The timing rounds are ``benchmarks.common.measure``'s, whose bookkeeping
``tests/benchmarks/test_dcgan_speed.py`` checks on a fake clock.
"""
import json

import keras
import pytest
import tensorflow as tf

from benchmarks import training_speed


def check_task_report(task):
    """Assert the fields of one task's report and their consistency."""
    reference = training_speed.REFERENCE
    names = set(task["examples_per_second"])
    assert {reference, "fit", "fit x2"} <= names
    assert set(task["rounds"]) == names
    assert all(len(rounds) == 2 for rounds in task["rounds"].values())
    assert all(rate > 0 for rate in task["examples_per_second"].values())
    assert set(task["speedup"]) == names - {reference}
    for name in names - {reference}:
        # the ratio of the medians is ours / reference, by definition
        assert task["speedup_of_medians"][name] == pytest.approx(
            task["examples_per_second"][name]
            / task["examples_per_second"][reference])
        assert task["speedup"][name] > 0
    assert task["flops_per_step"] > 0
    for name, rate in task["examples_per_second"].items():
        assert task["flops_per_second"][name] == pytest.approx(
            rate / task["examples_per_step"] * task["flops_per_step"])
        assert task["share_of_matmul_peak"][name] > 0


@pytest.mark.slow
def test_quick_run_of_a_lesson_and_the_progan(tmp_path):
    """--quick on task 1 (a lesson through fit) and task 4 (the ProGAN,
    with its bfloat16 contestant) writes JSON and PNG with every field."""
    report = training_speed.main(["--quick", "--tasks", "1,4", "--out",
                                  str(tmp_path)])
    written = json.loads((tmp_path / "training_speed.json").read_text())
    assert (tmp_path / "training_speed.png").stat().st_size > 0
    assert written["reference"] == "reference loop, float32"
    assert set(written["tasks"]) == {"1", "4"}
    for task in written["tasks"].values():
        check_task_report(task)
    assert "fit x2, bfloat16" in written["tasks"]["4"]["examples_per_second"]
    # WGAN_clip reads disc_iter * batch_size real examples per step
    assert written["tasks"]["1"]["examples_per_step"] == 5 * 20
    assert written["matmul_peak_flops"] > 0
    assert written["settings"]["quick"] is True
    assert {"processor", "cpus", "tensorflow", "memory_gib"} <= set(
        written["machine"])
    assert report["tasks"]["4"]["speedup"] == written["tasks"]["4"][
        "speedup"]


def test_flops_are_counted_from_the_graph():
    """A dense layer and a convolution, forward then backward, counted by
    hand: 2 FLOPs per multiply-add."""
    dense = keras.layers.Dense(4)
    dense.build((None, 3))

    def dense_step(inputs):
        """Forward and the gradients of a dense layer."""
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            loss = tf.reduce_sum(dense(inputs))
        return tape.gradient(loss, [inputs, dense.kernel])

    forward = 2 * 5 * 3 * 4
    flops = training_speed.train_step_flops(
        dense_step, tf.TensorSpec((5, 3), tf.float32))
    # backward: one product for the input's gradient, one for the kernel's
    assert flops == 3 * forward

    convolution = keras.layers.Conv2D(8, 3, padding="same")
    convolution.build((None, 6, 6, 2))
    flops = training_speed.train_step_flops(
        lambda images: convolution(images),
        tf.TensorSpec((4, 6, 6, 2), tf.float32))
    assert flops == 2 * 4 * 6 * 6 * 8 * 3 * 3 * 2


def test_bad_flags_stop_with_exit_code_2(capsys):
    """An unknown task and a zero count are refused, naming the flag."""
    for argv, message in ((["--tasks", "0,9"], "--tasks must list"),
                          (["--rounds", "0"], "--rounds must be at least")):
        with pytest.raises(SystemExit) as stopped:
            training_speed.arguments_from(argv)
        assert stopped.value.code == 2
        assert message in capsys.readouterr().err
