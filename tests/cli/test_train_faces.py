#!/usr/bin/env python3
"""Face data from folders, and face training: ``python -m ganlab train
--model faces`` (the one way, since the former ``train-faces`` command was
folded into ``train``), on the curriculum's faces less the 1,000 held out,
on LFW offline, and task 2's WGAN-GP on a folder of RGB faces."""
import csv
import json

import numpy as np
import pytest
from PIL import Image

from ganlab import cli
from ganlab.data.faces import HOLDOUT, lfw_faces, load_image_folder
from ganlab.data.image_sets import to_symmetric
from ganlab.nets import builders
from ganlab.training import registry
from tests.helpers import CURRICULUM, fails

# one step, no TensorBoard, quiet: what every run here shares
QUICK = ["--n_epochs", "1", "--steps-per-epoch", "1", "--no-tensorboard",
         "--verbose", "0"]


def curriculum_faces():
    """Return the path of the curriculum's faces file, or skip the test."""
    path = CURRICULUM / "small_res_faces_10000.npy"
    if not path.is_file():
        pytest.skip(f"{path} is absent (developers' and CI's shared data)")
    return path


def loss_columns(path):
    """The header of a losses.csv."""
    with open(path, newline="") as stream:
        return next(csv.reader(stream))


def loss_rows(path):
    """How many steps a losses.csv logged."""
    with open(path, newline="") as stream:
        return len(list(csv.DictReader(stream)))


def rows_of(images):
    """The set of an image array's rows, as bytes, for membership tests."""
    images = np.asarray(images)
    return {row.tobytes() for row in images.reshape(len(images), -1)}


def write_images(folder, sizes):
    """Write random RGB JPEG and PNG files of the given sizes."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for index, (width, height) in enumerate(sizes):
        pixels = rng.integers(0, 256, (height, width, 3), np.uint8)
        suffix = ".jpg" if index % 2 else ".png"
        Image.fromarray(pixels).save(folder / f"face_{index}{suffix}")


def test_folder_images_of_any_size_become_squares(tmp_path):
    """Wide, tall and small images are centre-cropped and resized."""
    write_images(tmp_path / "faces", [(100, 60), (40, 90), (10, 10)])
    (tmp_path / "faces" / "notes.txt").write_text("not an image")
    rgb = load_image_folder(tmp_path / "faces", size=64, channels=3)
    assert rgb.shape == (3, 64, 64, 3) and rgb.dtype == np.uint8
    grey = load_image_folder(tmp_path / "faces", size=16, channels=1)
    assert grey.shape == (3, 16, 16, 1)


def test_folder_errors_name_the_path(tmp_path):
    """Missing folder, empty folder, unreadable image: clear errors."""
    with pytest.raises(FileNotFoundError, match="nowhere does not exist"):
        load_image_folder(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="empty contains no images"):
        load_image_folder(tmp_path / "empty")
    write_images(tmp_path / "broken", [(20, 20)])
    (tmp_path / "broken" / "bad.jpg").write_bytes(b"\xff\xd8 not a jpeg")
    with pytest.raises(ValueError, match="cannot read image .*bad.jpg"):
        load_image_folder(tmp_path / "broken")


def test_lfw_fallback_is_offline_faces():
    """100 faces from scikit-image, grey or repeated over RGB."""
    rgb = lfw_faces(32, 3)
    assert rgb.shape == (100, 32, 32, 3) and rgb.dtype == np.uint8
    assert np.array_equal(rgb[..., 0], rgb[..., 2])
    assert lfw_faces(16, 1).shape == (100, 16, 16, 1)


def test_dcgan_builder_shapes():
    """4x4 maps doubled to the image size; sizes not a power of 2 fail."""
    generator, critic, latent = builders.dcgan_GenDiscr(32, 3, latent_dim=8,
                                                      base_filters=4)
    images = generator(latent(2))
    assert images.shape == (2, 32, 32, 3)
    assert np.all(np.abs(np.asarray(images)) <= 1)
    assert critic(images).shape == (2, 1)
    with pytest.raises(ValueError, match="power of 2"):
        builders.dcgan_GenDiscr(48)


def test_faces_entry_has_the_shipped_weights_settings():
    """lr 2e-4, batch 200, 2 critic updates, betas .3/.9, 16 latents."""
    faces = registry.entry("faces")
    defaults = faces.spec.defaults
    assert (defaults.lr, defaults.batch_size, defaults.disc_iter) == (
        2e-4, 200, 2)
    assert (defaults.b1, defaults.b2, defaults.latent_dim) == (.3, .9, 16)
    assert faces.loss_names == ("discr_loss", "gen_loss", "gp")


def test_curriculum_faces_train_without_the_last_1000(tmp_path):
    """``--dataset faces --data-path small_res_faces_10000.npy``: the GAN
    trains on the first 9,000 faces, scaled to [-1, 1], at the shipped
    weights' settings; none of the last 1,000 is among them, and run.json
    says they were held out."""
    path = curriculum_faces()
    out = tmp_path / "faces"
    gan = cli.main(["train", "--model", "faces", "--dataset", "faces",
                    "--data-path", str(path), "--out", str(out)] + QUICK)
    faces = np.load(path)
    training, held_out = faces[:-HOLDOUT], faces[-HOLDOUT:]
    real = np.asarray(gan.real_examples)
    assert real.shape == (len(faces) - HOLDOUT, 16, 16, 1)
    np.testing.assert_array_equal(real, to_symmetric(training)[..., None])
    assert not rows_of(real) & rows_of(to_symmetric(held_out))
    assert real.min() == -1 and real.max() <= 1
    assert (gan.batch_size, gan.disc_iter) == (200, 2)
    assert float(gan.generator.optimizer.learning_rate) == pytest.approx(
        2e-4)
    record = json.loads((out / "run.json").read_text())
    assert record["data"]["holdout"] == HOLDOUT
    assert record["data"]["description"] == (f"{path} without its last {HOLDOUT} faces "
                              "(held out for evaluation)")
    assert loss_columns(out / "losses.csv") == [
        "step", "discr_loss", "gen_loss", "gp"]


@pytest.fixture
def face_file(tmp_path):
    """A .npy of 1,050 random 16x16 uint8 'faces', each row distinct (its
    first pixels count the rows)."""
    faces = np.random.default_rng(0).integers(0, 256, (1050, 16, 16),
                                              dtype=np.uint8)
    faces[:, 0, 0], faces[:, 0, 1] = np.arange(1050) % 256, np.arange(
        1050) // 256
    path = tmp_path / "faces.npy"
    np.save(path, faces)
    return path, faces


def read_faces(argv):
    """Return ``(images, description)`` that ``train`` would train on for
    ``argv``, read as the run reads them, without training."""
    from ganlab.training import config as run_config
    from ganlab.training import train
    parser = cli.build_parser("train")
    arguments = parser.parse_args(argv)
    config, images = run_config.resolve(
        arguments, arguments.parser,
        train.reader(arguments, arguments.parser, chief_known=False))
    return images, config.data.description


def test_any_faces_file_loses_its_last_holdout_faces(face_file, tmp_path):
    """Without the curriculum's file: 1,050 faces leave 50 to train on
    (``--examples`` counts among those), ``--holdout`` moves the cut, and
    ``--holdout 0`` trains on all. One run trains, to see that the GAN
    holds those 50, scaled; the others read the data as the run does."""
    path, faces = face_file
    common = ["train", "--model", "faces", "--dataset", "faces",
              "--data-path", str(path), "--batch_size", "10"] + QUICK
    gan = cli.main(common + ["--out", str(tmp_path / "a")])
    np.testing.assert_array_equal(np.asarray(gan.real_examples),
                                  to_symmetric(faces[:50])[..., None])
    images, _ = read_faces(common + ["--examples", "20"])
    np.testing.assert_array_equal(images, faces[:20])
    images, _ = read_faces(common + ["--holdout", "1040"])
    np.testing.assert_array_equal(images, faces[:10])
    images, description = read_faces(common + ["--holdout", "0"])
    np.testing.assert_array_equal(images, faces)
    assert "no faces held out" in description


@pytest.mark.parametrize("flags, flag, phrase", [
    (["--examples", "51"], "--examples", "more than the 50 examples"),
    (["--holdout", "1050"], "--holdout", "must leave faces"),
    (["--holdout", "-1"], "--holdout", "at least 0"),
])
def test_faces_file_refusals_name_the_flag(face_file, tmp_path, capsys,
                                           flags, flag, phrase):
    """Asking for held-out faces, or holding out all, is one line."""
    path, _ = face_file
    error = fails(["train", "--model", "faces", "--dataset", "faces",
                   "--data-path", str(path), "--out", str(tmp_path / "r")]
                  + QUICK + flags, capsys)
    assert flag in error and phrase in error
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("dataset", [["--dataset", "faces"],
                                     ["--dataset", "mnist"]])
def test_holdout_goes_only_with_a_faces_file(tmp_path, capsys, dataset):
    """LFW and other sets have no hold-out to move: --holdout is refused."""
    error = fails(["train", "--holdout", "5", "--out", str(tmp_path)]
                  + dataset, capsys)
    assert "--holdout goes only with --dataset faces --data-path" in error


def test_lfw_faces_train_and_resume(tmp_path, capsys):
    """``--model faces --dataset faces`` alone: scikit-image's 100 LFW
    faces at 16x16 grey, the default batch of 200 shrunk to them; two
    epochs, then --resume for four: the optimizers go on counting, and
    losses.csv holds every step under the faces loss names."""
    out = tmp_path / "lfw"
    flags = ["train", "--model", "faces", "--dataset", "faces",
             "--steps-per-epoch", "2", "--no-tensorboard", "--verbose", "0",
             "--sample_interval", "4", "--out", str(out)]
    first = cli.main(flags + ["--n_epochs", "2"])
    assert "--batch_size 100: the 100 examples" in capsys.readouterr().out
    assert first.batch_size == 100
    assert np.asarray(first.real_examples).shape == (100, 16, 16, 1)
    assert int(first.generator.optimizer.iterations) == 4
    second = cli.main(flags + ["--n_epochs", "4", "--resume"])
    assert "resuming after epoch 2" in capsys.readouterr().out
    assert int(second.generator.optimizer.iterations) == 8
    assert int(second.discriminator.optimizer.iterations) == 16
    assert loss_columns(out / "losses.csv") == [
        "step", "discr_loss", "gen_loss", "gp"]
    assert loss_rows(out / "losses.csv") == 8
    assert sorted(p.name for p in (out / "samples").glob("step_*.png")) \
        == ["step_000004.png", "step_000008.png"]
    assert (out / "generator.keras").is_file()


def test_rgb_folder_trains_as_wgan_gp(tmp_path):
    """What the former command did for folders of face photographs:
    ``--model wgan-gp --dataset FOLDER --img_size N --channels 3``."""
    write_images(tmp_path / "photos", [(30 + i, 20 + 2 * i)
                                       for i in range(8)])
    out = tmp_path / "rgb"
    gan = cli.main(["train", "--model", "wgan-gp", "--dataset",
                    str(tmp_path / "photos"), "--img_size", "8",
                    "--channels", "3", "--batch_size", "4", "--latent_dim",
                    "8", "--sample_interval", "1", "--out", str(out)]
                   + QUICK)
    real = np.asarray(gan.real_examples)
    assert real.shape == (8, 8, 8, 3)
    assert real.min() >= -1 and real.max() <= 1
    assert gan.generator.output_shape == (None, 8, 8, 3)
    assert loss_columns(out / "losses.csv") == [
        "step", "discr_loss", "gen_loss", "gp"]
    assert list((out / "samples").glob("step_*.png"))


def test_training_refuses_bad_sources(tmp_path, capsys):
    """A missing folder stops the command with exit code 2 and a line."""
    error = fails(["train", "--dataset", str(tmp_path / "none")], capsys)
    assert "--dataset" in error and "does not exist" in error


def test_the_former_face_command_is_gone(capsys):
    """``train-faces`` was folded into ``train``: one way to train."""
    error = fails(["train-faces", "--lfw"], capsys)
    assert "invalid choice: 'train-faces'" in error
