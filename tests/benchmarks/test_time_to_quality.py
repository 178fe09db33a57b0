#!/usr/bin/env python3
"""The time-to-quality benchmark trains task 2's demo model, scores it at
every check and reports what it promises.

The quick mode's 20 steps reach no quality worth quoting; only the
report's shape and its bookkeeping are checked here, the training time on
a clock the test gives (nothing here may hang on the machine's speed).
"""
import json

import pytest

from benchmarks import time_to_quality
from ganlab.training.recipes import RING_SETTINGS


class TickingClock:
    """A clock that moves 1.5 s each time it is read: every epoch of
    training (read at its start and its end) takes 1.5 s."""

    def __init__(self):
        """Start at zero."""
        self.now = 0.

    def __call__(self):
        """Move on; return the time."""
        self.now += 1.5
        return self.now


def test_quick_run_writes_the_report(tmp_path):
    """--quick: one seed, a check every 10 of 20 steps, JSON and PNG;
    each check's seconds add up the training epochs' time, scoring
    excluded."""
    report = time_to_quality.main(["--quick", "--out", str(tmp_path)],
                                  clock=TickingClock())
    written = json.loads((tmp_path / "time_to_quality.json").read_text())
    assert (tmp_path / "time_to_quality.png").stat().st_size > 0
    assert written["target"] == {"modes": 8, "high_quality_fraction": .8,
                                 "scored_samples": 2000}
    settings = dict(RING_SETTINGS, hidden=list(RING_SETTINGS["hidden"]))
    assert written["settings"] == settings
    (seed,) = written["seeds"]
    assert [check["steps"] for check in seed["checks"]] == [10, 20]
    assert [check["seconds"] for check in seed["checks"]] == [1.5, 3.]
    for check in seed["checks"]:
        assert 0 <= check["modes_covered"] <= 8
        assert 0 <= check["high_quality_fraction"] <= 1
    assert seed["final"] == seed["checks"][-1]
    reached = [check for check in seed["checks"]
               if time_to_quality.meets_target(check)]
    assert seed["steps_to_quality"] == (reached[0]["steps"] if reached
                                        else None)
    assert written["seeds_meeting_target"] == int(seed["meets_target"])
    assert report["seeds"][0]["checks"] == seed["checks"]


def test_target_needs_all_modes_and_80_percent():
    """8/8 modes and >= 80 % high quality, both."""
    meets = time_to_quality.meets_target
    assert meets({"modes_covered": 8, "high_quality_fraction": .8})
    assert not meets({"modes_covered": 7, "high_quality_fraction": .95})
    assert not meets({"modes_covered": 8, "high_quality_fraction": .79})


@pytest.mark.parametrize("argv, message", [
    (["--hidden", "128,x"], "--hidden: must list int values"),
    (["--max-steps", "250"], "must be a multiple of --check-every"),
    (["--seeds", "0"], "--seeds must be at least 1"),
    (["--batch-size", "3000"], "must not exceed the 2,000"),
])
def test_bad_flags_stop_with_exit_code_2(argv, message, capsys):
    """Flags that cannot work are refused with a message naming them."""
    with pytest.raises(SystemExit) as stopped:
        time_to_quality.arguments_from(argv, RING_SETTINGS)
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err
