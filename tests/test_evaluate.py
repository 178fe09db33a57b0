#!/usr/bin/env python3
"""``python -m ganlab evaluate``: scores with provenance, clear refusals."""
import json
import subprocess
import sys

import numpy as np
import pytest
from tensorflow import keras

from conftest import ROOT
from ganlab.__main__ import main
from test_fashion import fashion_or_skip


def saved_generator(path, pixels=28 * 28):
    """Save an untrained generator of 28x28 images with tanh outputs."""
    latent = keras.Input((8,))
    images = keras.layers.Reshape((28, 28, 1))(
        keras.layers.Dense(pixels, activation="tanh")(latent))
    keras.Model(latent, images).save(path)
    return path


def test_saved_model_on_fashion_mnist(tmp_path):
    """Scores, class count and provenance go to the screen and to JSON."""
    fashion_or_skip()
    model = saved_generator(tmp_path / "g.keras")
    result = main(["evaluate", "--model", str(model), "--dataset",
                   "fashion-mnist", "--samples", "300", "--json",
                   str(tmp_path / "scores.json")])
    stored = json.loads((tmp_path / "scores.json").read_text())
    assert stored == json.loads(json.dumps(result))
    assert stored["provenance"]["fake_samples"] == 300
    assert stored["provenance"]["real_samples"] == 10000
    assert stored["scores"]["frechet_distance"] > 0
    assert 1 <= stored["scores"]["classes_found"] <= 10
    assert len(stored["provenance"]["extractor_checksum"]) == 16


@pytest.mark.parametrize("flags, message", [
    (["--model", "nowhere.keras", "--dataset", "fashion-mnist"],
     "--model: nowhere.keras does not exist"),
    (["--task", "3", "--dataset", "faces"], "--dataset faces needs --faces"),
    (["--task", "7", "--dataset", "faces"], "invalid choice: 7"),
])
def test_bad_flags_exit_with_code_2(flags, message):
    """One line on standard error, exit code 2."""
    done = subprocess.run([sys.executable, "-m", "ganlab", "evaluate"]
                          + flags, cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 2
    assert message in done.stderr


def test_task_3_on_held_out_faces(tmp_path):
    """The shipped face weights are scored on the last 1,000 faces."""
    from test_faces import curriculum_file
    faces = curriculum_file("small_res_faces_10000.npy")
    result = main(["evaluate", "--task", "3", "--dataset", "faces",
                   "--faces", str(faces), "--samples", "500"])
    assert result["provenance"]["reference"].startswith("last 1000 faces")
    assert np.isfinite(result["scores"]["frechet_distance"])
