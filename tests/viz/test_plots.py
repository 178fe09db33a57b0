#!/usr/bin/env python3
"""Pictures are real PNG files, written whole or not at all."""
import pathlib

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from ganlab import image_files
from ganlab.data import toy
from ganlab.nets import builders
from ganlab.viz import plots
from tests.helpers import load_gan_class


def test_toy_picture_is_a_png_of_three_panels(tmp_path):
    """A trained 2-D GAN becomes one wide PNG."""
    real = toy.circle(300, seed=0)
    generator, critic, latent = builders.fully_connected_GenDiscr(
        [1, 16, 2], real)
    gan = load_gan_class("Simple_GAN")(generator, critic, latent, real)
    gan.compile()
    gan.fit(real, epochs=2, steps_per_epoch=2, verbose=0)
    path = plots.plot_toy_model(gan, tmp_path / "gan.png", title="test")
    with Image.open(path) as image:
        assert image.format == "PNG"
        width, height = image.size
    assert width > 2.5 * height
    assert [p.name for p in tmp_path.iterdir()] == ["gan.png"]


def test_a_failed_save_leaves_no_file(tmp_path, monkeypatch):
    """If drawing fails midway, neither the target nor a temporary file
    is left behind."""
    figure = plt.figure()

    def broken_savefig(*args, **kwargs):
        """Write a few bytes, then fail like a full disk."""
        pathlib.Path(args[0]).write_bytes(b"\x89PNG")
        raise OSError("disk full")
    monkeypatch.setattr(figure, "savefig", broken_savefig)
    with pytest.raises(OSError, match="disk full"):
        image_files.save_figure(figure, tmp_path / "broken.png")
    assert list(tmp_path.iterdir()) == []


def test_toy_picture_refuses_images(tmp_path):
    """Only 2-D points can be drawn on the plane."""
    real = np.random.rand(300, 3).astype("float32")
    generator, critic, latent = builders.fully_connected_GenDiscr(
        [1, 8, 3], real)
    gan = load_gan_class("WGAN_clip")(generator, critic, latent, real)
    with pytest.raises(ValueError, match="draws 2-D data only"):
        plots.plot_toy_model(gan, tmp_path / "x.png")
