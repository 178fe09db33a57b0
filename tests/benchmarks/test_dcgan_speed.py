#!/usr/bin/env python3
"""The DCGAN speed benchmark runs end to end and reports what it promises.

Only the shape of the report is checked here, never the speed: timings on
shared machines are too noisy for a unit test, and the quick mode's tiny
networks measure nothing worth quoting. The real quick run (about 10 s of
tracing on 2 cores, more on slower CPUs) is marked slow; the default run
checks the bookkeeping on stand-in contestants timed by a fake clock.
"""
import functools
import json

import pytest

import dcgan_speed


class FakeClock:
    """A clock that moves only when a stand-in contestant trains."""

    def __init__(self):
        """Start at zero."""
        self.now = 0.

    def __call__(self):
        """Return the current time."""
        return self.now


def stand_in(clock, calls, seconds_per_step):
    """Return a contestant class whose ``train(steps)`` takes
    ``seconds_per_step(generator)`` seconds a step on ``clock`` and logs
    its name and steps in ``calls``."""
    class Contestant:
        """Takes the networks and whatever else the real one takes."""

        def __init__(self, generator, discriminator, *rest):
            """Keep the step time this generator earns."""
            self.step_seconds = seconds_per_step(generator)

        def train(self, steps):
            """Move the clock; log the call."""
            clock.now += steps * self.step_seconds
            calls.append((self.step_seconds, steps))
    return Contestant


def test_bookkeeping_on_stand_in_contestants(tmp_path, monkeypatch):
    """Warm-up steps are not timed; rounds rotate the order; images per
    second are timed steps x batch / seconds; the speed-up is the median
    of the per-round ratios. Stand-ins: the reference loop takes 2 s a
    step, fit 1.25 s in float32 and 1 s in bfloat16 (told apart by the
    generator's compute dtype, as use_bfloat16 set it)."""
    clock, calls = FakeClock(), []
    monkeypatch.setattr(dcgan_speed.common, "measure", functools.partial(
        dcgan_speed.common.measure, clock=clock))
    monkeypatch.setattr(dcgan_speed, "ReferenceLoop",
                        stand_in(clock, calls, lambda generator: 2.))
    monkeypatch.setattr(dcgan_speed, "FitPath", stand_in(
        clock, calls, lambda generator: 1. if any(
            layer.compute_dtype == "bfloat16" for layer in generator.layers)
        else 1.25))
    report = dcgan_speed.main(["--quick", "--out", str(tmp_path)])
    written = json.loads((tmp_path / "dcgan_speed.json").read_text())
    assert (tmp_path / "dcgan_speed.png").stat().st_size > 0
    # quick: 2 warm-up steps each, then 2 rounds of 2 steps, rotated
    assert calls == [(2., 2), (1.25, 2), (1., 2),
                     (2., 2), (1.25, 2), (1., 2),
                     (1.25, 2), (1., 2), (2., 2)]
    assert written["images_per_second"] == pytest.approx({
        "reference loop, float32": 4., "fit x2, float32": 6.4,
        "fit x2, bfloat16": 8.})
    assert written["rounds"]["fit x2, bfloat16"] == [8., 8.]
    assert written["speedup"] == written["speedup_of_medians"] == 2.
    assert written["speedup_per_round"] == [2., 2.]
    assert report["speedup"] == 2.


@pytest.mark.slow
def test_quick_run_writes_the_report(tmp_path):
    """--quick times all three contestants and writes JSON and PNG."""
    report = dcgan_speed.main(["--quick", "--out", str(tmp_path)])
    written = json.loads((tmp_path / "dcgan_speed.json").read_text())
    assert (tmp_path / "dcgan_speed.png").stat().st_size > 0
    assert written["reference"] == "reference loop, float32"
    assert written["ours"] == "fit x2, bfloat16"
    names = {written["reference"], "fit x2, float32", written["ours"]}
    assert set(written["images_per_second"]) == names
    assert all(len(rounds) == 2 for rounds in written["rounds"].values())
    assert all(speed > 0 for speed in written["images_per_second"].values())
    assert len(written["speedup_per_round"]) == 2
    assert written["speedup"] > 0 and written["speedup_of_medians"] > 0
    assert written["settings"]["quick"] is True
    assert {"tensorflow", "keras", "cpus"} <= set(written["machine"])
    assert report["speedup"] == written["speedup"]


def test_steps_must_fill_whole_executions(capsys):
    """Timed steps that are not a multiple of the fused steps are refused
    with the flag's name."""
    with pytest.raises(SystemExit) as stopped:
        dcgan_speed.arguments_from(["--steps", "10",
                                    "--steps-per-execution", "4"])
    assert stopped.value.code == 2
    assert "--steps (10) must be a multiple" in capsys.readouterr().err
