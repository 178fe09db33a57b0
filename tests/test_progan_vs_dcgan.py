#!/usr/bin/env python3
"""The ProGAN-against-DCGAN benchmark trains both on the coloured discs
and reports mode coverage for each.

The quick mode's 1,400 images teach neither model anything worth
quoting, and its real training takes about a minute on 2 cores, so it is
marked slow; the default run checks the bookkeeping (scores, means, the
report and its picture) on stand-in models whose scores are known.
"""
import json

import numpy as np
import pytest

from benchmarks import progan_vs_dcgan


def perfect_trainer(images, budget, seed):
    """A stand-in model that draws from the discs' own law."""
    mixture = progan_vs_dcgan.toy.colour_discs()
    return lambda count: mixture.sample(count, seed=50 + seed).reshape(
        -1, 32, 32, 3)


def collapsed_trainer(images, budget, seed):
    """A stand-in model that draws the first prototype every time."""
    prototype = progan_vs_dcgan.toy.colour_discs().centres[:1]
    return lambda count: np.repeat(prototype, count, 0).reshape(
        -1, 32, 32, 3)


def test_bookkeeping_on_stand_in_models(tmp_path, monkeypatch):
    """Each model is trained and scored once per seed, on 2,000 samples;
    the means average the seeds; JSON and PNG are written. The stand-ins'
    scores are known: the discs' own law covers 16 modes evenly, a model
    that always draws one prototype covers 1 with mode KL log 16."""
    monkeypatch.setattr(progan_vs_dcgan, "TRAINERS", {
        "perfect": perfect_trainer, "collapsed": collapsed_trainer})
    report = progan_vs_dcgan.main(["--images", "224", "--seeds", "0", "1",
                                   "--out", str(tmp_path)])
    written = json.loads((tmp_path / "progan_vs_dcgan.json").read_text())
    assert (tmp_path / "progan_vs_dcgan.png").stat().st_size > 0
    assert set(written["runs"]) == {"real data", "perfect", "collapsed"}
    assert [run["seed"] for run in written["runs"]["perfect"]] == [0, 1]
    for run in written["runs"]["perfect"]:
        assert run["modes_covered"] == 16 and run["mode_kl"] < .01
        assert sum(run["high_quality_per_mode"]) == pytest.approx(
            run["high_quality_fraction"] * 2000)
    for run in written["runs"]["collapsed"]:
        assert run["modes_covered"] == 1
        assert run["high_quality_fraction"] == 1.
        assert run["mode_kl"] == pytest.approx(np.log(16))
    perfect = written["runs"]["perfect"]
    assert written["means"]["perfect"]["high_quality_fraction"] == (
        pytest.approx(np.mean([run["high_quality_fraction"]
                               for run in perfect])))
    assert written["means"]["collapsed"]["modes_covered"] == 1.
    assert written["images_per_model"] == 224
    assert written["command"].endswith("--seeds 0 1 --out " + str(tmp_path))
    assert report["means"] == written["means"]


@pytest.mark.slow
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
