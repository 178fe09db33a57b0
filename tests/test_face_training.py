#!/usr/bin/env python3
"""Face data from folders, and resumable face training."""
import numpy as np
import pytest
from PIL import Image

from ganlab import cli
from ganlab.data.faces import lfw_faces, load_image_folder
from ganlab.nets import builders


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


def test_rgb_training_saves_every_n_epochs_and_resumes(tmp_path):
    """Two epochs, then the same command for four: it resumes after the
    checkpoint of epoch 2, draws a 4x4 grid every second epoch and ends
    with weights files."""
    flags = ["--lfw", "--size", "8", "--batch-size", "16",
             "--steps-per-epoch", "2", "--every", "2", "--verbose", "0",
             "--out", str(tmp_path)]
    first = cli.main(["train-faces"] + flags + ["--epochs", "2"])
    assert int(first.generator.optimizer.iterations) == 4
    second = cli.main(["train-faces"] + flags + ["--epochs", "4"])
    assert int(second.generator.optimizer.iterations) == 8
    assert int(second.discriminator.optimizer.iterations) == 16
    assert sorted(p.name for p in (tmp_path / "samples").iterdir()) == [
        "epoch_0002.png", "epoch_0004.png"]
    assert len((tmp_path / "log.csv").read_text().splitlines()) == 5
    assert (tmp_path / "generator.weights.h5").is_file()


def test_training_refuses_bad_sources(tmp_path, capsys):
    """A missing folder stops the command with exit code 2 and a line."""
    with pytest.raises(SystemExit) as stopped:
        cli.main(["train-faces", "--folder", str(tmp_path / "none")])
    assert stopped.value.code == 2
    assert "does not exist" in capsys.readouterr().err
