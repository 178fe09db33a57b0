#!/usr/bin/env python3
"""``python -m ganlab refine-faces``: the shipped face weights trained on,
their generator averaged, written under the shipped names, resumable.

The faces here are made up (random uint8 faces, 1,300 of them: 300 to
train on once the last 1,000 are held out): what is checked is the
plumbing, not the quality, which ``evaluate`` measures on the real
curriculum faces."""
import json
import pathlib

import numpy as np
import pytest

from ganlab import cli
from ganlab.data.faces import SHIPPED, load_shipped_face_models
from ganlab.nets.saved import generate
from ganlab.training.averaging import with_own_batch_statistics
from ganlab.training.calibration import SAMPLES, total_pixel_variance
from ganlab.training.refine import centred_training_faces
from tests.helpers import fails


def refine(faces, out, *flags):
    """Run refine-faces in this process; return the paths written."""
    return cli.main(["refine-faces", "--faces", str(faces), "--out",
                     str(out), *flags])


def test_training_faces_are_the_first_ones_centred_by_the_mean_face(
        faces_file):
    """The held-out last 1,000 are left out; the rest are pixels / 255
    less the given mean face, with a channel axis."""
    mean_face = np.full((16, 16), .25, np.float32)
    faces = centred_training_faces(faces_file, mean_face)
    raw = np.load(faces_file)[:300]
    assert faces.shape == (300, 16, 16, 1) and faces.dtype == np.float32
    np.testing.assert_allclose(faces[..., 0], raw / 255. - .25, atol=1e-6)


def test_writes_the_average_under_the_shipped_names(faces_file, tmp_path,
                                                    capsys):
    """Three files that load_shipped_face_models reads; the mean face is
    the shipped one; the generator moved from the shipped weights and is
    calibrated (its faces' pixel variance is the training faces'); the
    critic is the trained one."""
    written = refine(faces_file, tmp_path, "--steps", "3", "--every", "2",
                     "--average-decay", ".5")
    assert {pathlib.Path(path).name for path in written} == set(
        SHIPPED.values())
    output = capsys.readouterr().out
    assert "step 2 of 3" in output and "step 3 of 3" in output
    shipped_g, shipped_d, shipped_mean = load_shipped_face_models()
    refined_g, refined_d, refined_mean = load_shipped_face_models(tmp_path)
    np.testing.assert_array_equal(refined_mean, shipped_mean)
    kernel = [weight.path for weight in shipped_g.weights].index(
        shipped_g.layers[1].kernel.path)
    moved = np.abs(refined_g.get_weights()[kernel]
                   - shipped_g.get_weights()[kernel]).max()
    assert moved > 0
    critic_moved = np.abs(refined_d.get_weights()[0]
                          - shipped_d.get_weights()[0]).max()
    assert critic_moved > 0
    # calibrated: its faces vary as much as the training faces, in pixels
    assert "calibrated the generator's contrast" in output
    training = centred_training_faces(faces_file, refined_mean)
    pixels = np.clip(generate(refined_g, SAMPLES)
                     + refined_mean[..., np.newaxis], 0, 1)
    np.testing.assert_allclose(
        total_pixel_variance(pixels),
        total_pixel_variance(training + refined_mean[..., np.newaxis]),
        rtol=1e-5)


# the refinement without its average: under -m slow for CI's 10 minutes
@pytest.mark.slow
def test_with_no_averaging_the_written_generator_is_the_trained_one(
        faces_file, tmp_path):
    """Decay 0 and --no-calibrate: the average is a copy of the generator
    after its last update, as the checkpoint holds it, but for the
    batch-norm statistics, measured on those weights."""
    import tensorflow as tf
    refine(faces_file, tmp_path, "--steps", "2", "--every", "2",
           "--average-decay", "0", "--no-calibrate")
    refined_g, _, _ = load_shipped_face_models(tmp_path)
    trained, _, _ = load_shipped_face_models()
    tf.train.Checkpoint(generator=trained).restore(
        tf.train.latest_checkpoint(str(tmp_path / "checkpoints"))
    ).expect_partial()
    # its batch-norm statistics measured on its own weights, as train's
    measured = with_own_batch_statistics(trained)
    for mine, theirs in zip(refined_g.get_weights(), measured.get_weights()):
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.slow
def test_resume_goes_on_from_the_last_checkpoint(faces_file, tmp_path,
                                                 capsys):
    """A run of --disc-iter 3 stopped after 2 steps goes on to 4 with
    --resume: the optimizers count 4 generator and 12 critic updates, the
    average 4 moves, refine.json holds the setting; a resume with another
    learning rate, or without --disc-iter 3, is refused."""
    import tensorflow as tf
    # not calibrated: its cost would buy nothing this test checks
    refine(faces_file, tmp_path, "--steps", "2", "--every", "2",
           "--disc-iter", "3", "--no-calibrate")
    capsys.readouterr()
    refine(faces_file, tmp_path, "--steps", "4", "--every", "2", "--resume",
           "--disc-iter", "3", "--no-calibrate")
    assert "resuming after step 2" in capsys.readouterr().out
    reader = tf.train.load_checkpoint(
        tf.train.latest_checkpoint(str(tmp_path / "checkpoints")))
    names = reader.get_variable_to_shape_map()
    iterations = {name.split("/")[0]: reader.get_tensor(name)
                  for name in names
                  if name.split("/")[0].endswith("_optimizer")
                  and "iteration" in name}
    assert iterations == {"generator_optimizer": 4,
                          "discriminator_optimizer": 12}
    step = [name for name in names if name.startswith("average/step")]
    assert reader.get_tensor(step[0]) == 4
    assert json.loads((tmp_path / "refine.json").read_text())[
        "disc_iter"] == 3
    # another learning rate would be overruled by the restored optimizers
    assert "--lr" in fails(["refine-faces", "--faces", str(faces_file),
                            "--out", str(tmp_path), "--steps", "6",
                            "--disc-iter", "3", "--lr", "3e-4", "--resume"],
                           capsys)
    assert "--disc-iter" in fails(["refine-faces", "--faces",
                                   str(faces_file), "--out", str(tmp_path),
                                   "--steps", "6", "--resume"], capsys)


@pytest.mark.parametrize("flags, flag", [
    (["--steps", "0"], "--steps"),
    (["--every", "0"], "--every"),
    (["--lr", "0"], "--lr"),
    (["--disc-iter", "0"], "--disc-iter"),
    (["--average-decay", "1"], "--average-decay"),
])
def test_bad_settings_stop_in_one_line_naming_the_flag(faces_file, tmp_path,
                                                       capsys, flags, flag):
    """Each refused before TensorFlow trains anything."""
    error = fails(["refine-faces", "--faces", str(faces_file), "--out",
                   str(tmp_path / "run"), *flags], capsys)
    assert flag in error
    assert not (tmp_path / "run" / "checkpoints").exists()


def test_missing_inputs_and_a_used_folder_are_refused(faces_file, tmp_path,
                                                      capsys):
    """A faces file that is not there, a weights folder without the face
    files, and an --out that holds a refinement without --resume."""
    assert "--faces" in fails(["refine-faces", "--faces",
                               str(tmp_path / "none.npy"), "--out",
                               str(tmp_path / "a")], capsys)
    (tmp_path / "empty").mkdir()
    assert "--weights" in fails(["refine-faces", "--faces", str(faces_file),
                                 "--weights", str(tmp_path / "empty"),
                                 "--out", str(tmp_path / "b")], capsys)
    (tmp_path / "used" / "checkpoints").mkdir(parents=True)
    assert "--resume" in fails(["refine-faces", "--faces", str(faces_file),
                                "--out", str(tmp_path / "used")], capsys)
