#!/usr/bin/env python3
"""The DCGAN speed benchmark runs end to end and reports what it promises.

Only the shape of the report is checked here, never the speed: timings on
shared machines are too noisy for a unit test, and the quick mode's tiny
networks measure nothing worth quoting.
"""
import json
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import dcgan_speed  # noqa: E402


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
