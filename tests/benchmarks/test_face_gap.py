#!/usr/bin/env python3
"""benchmarks/face_gap.py takes the face Frechet distance apart and sets
it beside real faces with known flaws: its pieces by hand, one real quick
run on a file of random faces, and its refusals."""
import json

import numpy as np
import pytest

import face_gap


def test_degraded_blurs_each_face_on_its_own_and_adds_seeded_noise():
    """No blur and no noise leave faces as they are; a blur keeps a flat
    face flat and a face's mean (reflecting edges), does not leak from
    one face into the next, and lowers the pixel variance; noise is the
    same for the same seed and is clipped to [0, 1]."""
    rng = np.random.default_rng(0)
    faces = rng.uniform(size=(3, 16, 16, 1))
    faces[1] = .5
    np.testing.assert_array_equal(face_gap.degraded(faces), faces)
    blurred = face_gap.degraded(faces, blur=.5)
    np.testing.assert_allclose(blurred[1], .5, atol=1e-12)
    np.testing.assert_allclose(blurred.mean(axis=(1, 2, 3)),
                               faces.mean(axis=(1, 2, 3)), atol=1e-12)
    assert blurred[0].var() < faces[0].var() / 2
    noisy = face_gap.degraded(faces, noise=.05, seed=3)
    np.testing.assert_array_equal(
        noisy, face_gap.degraded(faces, noise=.05, seed=3))
    assert not np.array_equal(noisy, faces)
    assert noisy.min() >= 0 and noisy.max() <= 1


def test_summary_averages_each_figure_and_keeps_the_range():
    """Two draws: each figure is their mean; the range is the whole
    distance's lowest and highest."""
    parts = [{"frechet_distance": .05, "mean_term": .01,
              "covariance_term": .04, "spread_ratio": .8},
             {"frechet_distance": .07, "mean_term": .02,
              "covariance_term": .05, "spread_ratio": .9}]
    figures = face_gap.summary(parts)
    assert figures["frechet_distance"] == pytest.approx(.06)
    assert figures["mean_term"] == pytest.approx(.015)
    assert figures["spread_ratio"] == pytest.approx(.85)
    assert figures["frechet_range"] == [.05, .07]
    assert figures["draws"] == 2


def test_quick_run_writes_every_row(faces_file, tmp_path, capsys):
    """On random faces: the floor, one row per blur and noise, the shipped
    generator; the parts add up, a stronger blur moves the real faces
    further, and the report is written."""
    report = face_gap.main(["--faces", str(faces_file), "--quick",
                            "--blur", "0.5,1.5", "--noise", "0.05",
                            "--out", str(tmp_path)])
    rows = report["rows"]
    assert list(rows) == ["real training faces (floor)",
                          "real, blurred 0.5 px", "real, blurred 1.5 px",
                          "real, noise 0.05", "task 3, shipped weights"]
    for figures in rows.values():
        assert figures["frechet_distance"] == pytest.approx(
            figures["mean_term"] + figures["covariance_term"])
        assert figures["draws"] == 1
    assert (rows["real, blurred 1.5 px"]["frechet_distance"]
            > rows["real training faces (floor)"]["frechet_distance"])
    assert report["samples"] == face_gap.QUICK_SAMPLES
    assert json.loads((tmp_path / "face_gap.json").read_text())[
        "rows"] == rows
    assert "task 3, shipped weights" in capsys.readouterr().out


@pytest.mark.parametrize("flags, flag", [
    (["--faces", "missing.npy"], "--faces"),
    (["--weights", "missing.weights.h5"], "--weights"),
    (["--samples", "1"], "--samples"),
    (["--blur", "-1"], "--blur"),
    (["--noise", "x"], "--noise"),
])
def test_bad_flags_stop_naming_the_flag(faces_file, capsys, flags, flag):
    """Exit code 2 and the flag named, before any network is built."""
    with pytest.raises(SystemExit) as stopped:
        face_gap.arguments_from(["--faces", str(faces_file), *flags])
    assert stopped.value.code == 2
    assert flag in capsys.readouterr().err
