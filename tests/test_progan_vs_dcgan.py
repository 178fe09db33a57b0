#!/usr/bin/env python3
"""The ProGAN-against-DCGAN benchmark trains both on the coloured discs
and reports mode coverage for each.

The quick mode's 1,400 images teach neither model anything worth
quoting; only the report's shape and its bookkeeping are checked here.
"""
import json
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT))

from benchmarks import progan_vs_dcgan  # noqa: E402


def test_quick_run_writes_the_report(tmp_path):
    """--quick: one seed per model, scores within their ranges, the real
    data's own scores beside them, JSON and PNG."""
    report = progan_vs_dcgan.main(["--quick", "--out", str(tmp_path)])
    written = json.loads((tmp_path / "progan_vs_dcgan.json").read_text())
    assert (tmp_path / "progan_vs_dcgan.png").stat().st_size > 0
    assert set(written["runs"]) == {"real data", *progan_vs_dcgan.TRAINERS}
    for name in progan_vs_dcgan.TRAINERS:
        (run,) = written["runs"][name]
        assert run["seed"] == 0 and run["seconds"] > 0
        assert 0 <= run["modes_covered"] <= 16
        assert 0 <= run["high_quality_fraction"] <= 1
        assert run["mode_kl"] >= 0
    (real,) = written["runs"]["real data"]
    assert real["modes_covered"] == 16
    assert written["images_per_model"] == 1400
    assert "--quick" in written["command"]
    assert report["means"] == written["means"]


def test_too_few_images_is_refused(capsys):
    """Fewer images than a batch per phase of growth exits with code 2."""
    with pytest.raises(SystemExit) as stopped:
        progan_vs_dcgan.main(["--images", "10"])
    assert stopped.value.code == 2
    assert "--images must be at least" in capsys.readouterr().err
