#!/usr/bin/env python3
"""The ProGAN-against-DCGAN benchmark trains both on 32x32 emoji and
scores each against the held-out emoji, collapse included.

Training either model for real takes minutes (``--quick``, a slow test,
about 2 minutes on 2 cores); the default run checks the bookkeeping
(scores, means, report and picture) on stand-in models whose scores are
known: one draws real training emoji, the other one emoji every time.
"""
import json

import numpy as np
import pytest

from benchmarks import progan_vs_dcgan
from ganlab.data import emoji, image_sets


def copying_trainer(epochs, seed, folder):
    """A stand-in that draws training emoji: the data's own variety."""
    training = image_sets.to_symmetric(emoji.load_emoji(32, "train"))
    rng = np.random.default_rng(50 + seed)
    return lambda count: training[rng.choice(len(training), count,
                                             replace=False)]


def collapsed_trainer(epochs, seed, folder):
    """A stand-in that draws the same training emoji every time."""
    one = image_sets.to_symmetric(emoji.load_emoji(32, "train")[:1])
    return lambda count: np.repeat(one, count, 0)


def test_bookkeeping_on_stand_in_models(tmp_path, monkeypatch):
    """Each model is trained and scored once per seed; the means average
    the seeds; JSON and PNG are written. A model that draws one emoji
    covers 1 held-out emoji of 455 and has no diversity; one that draws
    training emoji scores as the floor row does, to sampling noise."""
    monkeypatch.setattr(progan_vs_dcgan, "TRAINERS", {
        "copying": copying_trainer, "collapsed": collapsed_trainer})
    # 300 samples, not 1,000, and 8x8 colour blocks for features in place
    # of the emoji classifier: the bookkeeping is the same, and so are the
    # stand-ins' coverages (one emoji drawn has one nearest, whatever the
    # features), at a fraction of the cost
    monkeypatch.setattr(progan_vs_dcgan, "SCORED_SAMPLES", 300)
    monkeypatch.setattr(progan_vs_dcgan.features, "EmojiFeatures",
                        lambda: progan_vs_dcgan.features.PixelFeatures(8))
    report = progan_vs_dcgan.main(["--epochs", "1", "--seeds", "0", "1",
                                   "--out", str(tmp_path)])
    written = json.loads((tmp_path / "progan_vs_dcgan.json").read_text())
    assert (tmp_path / "progan_vs_dcgan.png").stat().st_size > 0
    assert set(written["runs"]) == {"training emoji (floor)", "copying",
                                    "collapsed"}
    assert [run["seed"] for run in written["runs"]["copying"]] == [0, 1]
    (floor,) = written["runs"]["training emoji (floor)"]
    for run in written["runs"]["collapsed"]:
        assert run["held_out_coverage"] == pytest.approx(1 / 455)
        assert run["relative_diversity"] == pytest.approx(0, abs=1e-6)
    for run in written["runs"]["copying"]:
        assert run["held_out_coverage"] == pytest.approx(
            floor["held_out_coverage"], abs=.05)
        assert run["frechet_distance"] < 2 * floor["frechet_distance"]
    copying = written["runs"]["copying"]
    assert written["means"]["copying"]["frechet_distance"] == pytest.approx(
        np.mean([run["frechet_distance"] for run in copying]))
    assert written["training_emoji"] == len(emoji.load_emoji(32, "train"))
    assert written["command"].endswith("--seeds 0 1 --out " + str(tmp_path))
    assert report["means"] == written["means"]


@pytest.mark.slow
def test_quick_run_writes_the_report(tmp_path):
    """--quick: one seed per model, one epoch each, scores in their
    ranges, the floor row beside them, each run's folder kept in --runs."""
    report = progan_vs_dcgan.main(["--quick", "--out", str(tmp_path),
                                   "--runs", str(tmp_path / "runs")])
    written = json.loads((tmp_path / "progan_vs_dcgan.json").read_text())
    assert (tmp_path / "progan_vs_dcgan.png").stat().st_size > 0
    assert set(written["runs"]) == {"training emoji (floor)",
                                    *progan_vs_dcgan.TRAINERS}
    for name in progan_vs_dcgan.TRAINERS:
        (run,) = written["runs"][name]
        assert run["seed"] == 0 and run["seconds"] > 0
        assert 0 < run["held_out_coverage"] <= 1
        assert run["frechet_distance"] > 0
    assert (tmp_path / "runs" / "dcgan_seed0" / "5-generator.keras").is_file()
    assert (tmp_path / "runs" / "progan_seed0" / "generator.keras").is_file()
    assert written["epochs"] == 1 and "--quick" in written["command"]
    assert report["means"] == written["means"]


def test_no_epochs_is_refused(capsys):
    """--epochs 0 exits with code 2, naming the flag."""
    with pytest.raises(SystemExit) as stopped:
        progan_vs_dcgan.main(["--epochs", "0"])
    assert stopped.value.code == 2
    assert "--epochs must be at least 1" in capsys.readouterr().err
