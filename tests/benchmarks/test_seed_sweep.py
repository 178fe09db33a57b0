#!/usr/bin/env python3
"""The seed sweep runs the toy demos over seeds and instruction-set paths
and reports each demo's range of scores.

The whole sweep takes minutes per demo; here the ranges are checked on
hand-made runs, and one real run of a demo is a few steps long.
"""

import pytest

from benchmarks import seed_sweep


def fake_run(demo, seed, isa, distance):
    """A circle demo's run record with ``distance`` as its mean."""
    return {"demo": demo, "seed": seed, "isa": isa, "seconds": 1.,
            "scores": {"mean_distance": distance, "arcs_covered": 12 - seed,
                       "arcs": 12}}


def test_ranges_per_path_and_over_all():
    """Each quoted score gets its minimum and maximum, per path and over
    every path."""
    runs = [fake_run(0, 0, "native", .02), fake_run(0, 1, "native", .01),
            fake_run(0, 0, "avx2", .03), fake_run(0, 1, "avx2", .015)]
    assert seed_sweep.summarise(runs) == {0: {
        "native": {"mean_distance": [.01, .02], "arcs_covered": [11, 12]},
        "avx2": {"mean_distance": [.015, .03], "arcs_covered": [11, 12]},
        "all": {"mean_distance": [.01, .03], "arcs_covered": [11, 12]}}}


def test_paths_set_or_clear_the_onednn_cap(monkeypatch):
    """``native`` runs without any cap, even one set outside; another
    path caps oneDNN's instruction set at its name."""
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX512_CORE")
    assert "ONEDNN_MAX_CPU_ISA" not in seed_sweep.environment("native")
    assert seed_sweep.environment("avx2")["ONEDNN_MAX_CPU_ISA"] == "AVX2"


def test_flags_and_the_demos_own_flags(capsys):
    """Flags after ``--`` go to the demo; unknown demos are refused."""
    arguments = seed_sweep.arguments_from(
        ["--demos", "2", "--seeds", "3", "--isa", "AVX2", "--", "--long"])
    assert (arguments.demos, arguments.seeds, arguments.isa,
            arguments.demo_flags) == ([2], 3, ["avx2"], ["--long"])
    with pytest.raises(SystemExit) as stopped:
        seed_sweep.arguments_from(["--demos", "0,4"])
    assert stopped.value.code == 2
    assert "--demos: no toy demo 4" in capsys.readouterr().err
    quick = seed_sweep.arguments_from(["--quick", "--", "--long"])
    assert quick.seeds == 1
    assert quick.demo_flags == seed_sweep.QUICK_DEMO_FLAGS + ["--long"]
    with pytest.raises(SystemExit):
        seed_sweep.arguments_from(["--seeds", "0"])
    assert "--seeds must be at least 1; got 0" in capsys.readouterr().err


def test_one_real_run_of_a_demo(tmp_path):
    """A demo runs in a process of its own and its scores are read back
    from the JSON it writes."""
    run = seed_sweep.run_demo(0, 3, "native", ["--epochs", "1",
                                               "--steps-per-epoch", "2"],
                              tmp_path)
    assert (run["demo"], run["seed"], run["isa"]) == (0, 3, "native")
    assert {"mean_distance", "arcs_covered"} <= set(run["scores"])
    assert 0 <= run["scores"]["arcs_covered"] <= 12
