#!/usr/bin/env python3
"""Task 4's pictures: ``ganlab.viz.growth.GrowthPictures`` on tiny ProGANs.

The callback is driven the way ``ganlab.training.growth.grow`` drives it
(one ``on_train_begin`` and ``on_train_end`` per phase), on untrained
networks of at most 16x16 with a handful of filters. The pictures must be
PNG files that Pillow opens, as many pixels wide and tall as the grid's
layout asks (four columns for the per-phase grids, one 1.6-inch panel per
resolution for the ladder, at 110 dpi), hold one panel per latent vector
or per resolution, and be the only files in the folder beside the
ladder's ``4-ladder.npz``: everything goes through ``ganlab.io``, so no
``.partial-*`` file may be left behind. A phase stopped before its end
gets no picture, and a resumed run gets back the ladder of its earlier
sessions.
"""
import math
import pathlib

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from ganlab import io
from ganlab.training import growth
from ganlab.training.checkpoints import GANCheckpoint
from ganlab.viz.growth import GrowthPictures
from tests.helpers import stop_after

progan = __import__('4-progan')

LATENT_DIM = 8
DPI = 110  # ganlab.image_files.save_figure's
GREY = .5  # a pixel value no text or background has: 127 in a PNG


def tiny_gan(max_resolution=16, channels=1, loss="wgan-gp"):
    """An untrained, compiled ProGAN with a few filters per layer."""
    generator, critic = progan.build_networks(
        LATENT_DIM, max_resolution, channels, max_filters=8, filter_base=32)
    gan = progan.ProGAN(generator, critic, loss=loss, seed=0)
    gan.compile()
    return gan


def latents(count):
    """``count`` fixed latent vectors."""
    return tf.random.stateless_normal((count, LATENT_DIM), seed=(0, 0))


def to_unit(images):
    """Generator outputs in [-1, 1] to pixels in [0, 1]."""
    return (np.asarray(images) + 1.) / 2.


def flat_grey(images):
    """Every pixel a flat mid grey, so panels can be counted in the PNG."""
    return np.full(np.shape(images), GREY, np.float32)


def run_phases(pictures, gan, phases):
    """Enter each phase, begin it and end it finished as ``grow`` does,
    without training."""
    pictures.set_model(gan)
    for index, phase in enumerate(phases):
        gan.phase_index.assign(index)
        gan.phase_images.assign(0)
        gan.enter_phase(phase)
        pictures.on_train_begin()
        gan.phase_images.assign(phase.images)  # as its training leaves it
        pictures.on_train_end()


def png_size(path):
    """Open ``path`` with Pillow as a PNG; return its (width, height)."""
    with Image.open(path) as image:
        assert image.format == "PNG"
        image.load()
        return image.size


def assert_size(path, width_inches, height_inches):
    """The PNG at ``path`` is the figure size at 110 dpi (to a pixel)."""
    width, height = png_size(path)
    assert abs(width - width_inches * DPI) <= 1, (width, width_inches)
    assert abs(height - height_inches * DPI) <= 1, (height, height_inches)


def grid_inches(count, columns=4):
    """The figure size ``image_files.save_image_grid`` gives ``count``
    images under a title (its strip of .3 inch)."""
    rows = math.ceil(count / columns)
    return columns * .9, rows * .9 + .4 + .3


def panels(path, value=round(GREY * 255), least=20):
    """Count the panels of flat ``value`` in the PNG: (rows, columns).

    A pixel column (row) belongs to a panel when at least ``least`` of its
    pixels have exactly that value; runs of such columns (rows) are the
    panel columns (rows). Text and background never reach ``least``.
    """
    with Image.open(path) as image:
        grey = np.asarray(image.convert("L"))
    mask = grey == value

    def runs(counts):
        inside = np.concatenate([[False], counts >= least, [False]])
        return int(np.sum(inside[1:] & ~inside[:-1]))

    return runs(mask.sum(axis=1)), runs(mask.sum(axis=0))


def names(folder):
    """Every entry of ``folder``, hidden ones included."""
    return sorted(path.name for path in pathlib.Path(folder).iterdir())


def test_init_remembers_its_arguments_and_writes_nothing(tmp_path):
    """The constructor keeps the latents, the pixel map, the folder (as a
    ``Path``, even from a string) and the prefix, starts with an empty
    ladder and touches no file: the folder is made at the first save."""
    vectors = latents(3)
    folder = tmp_path / "pictures"
    pictures = GrowthPictures(vectors, to_unit, str(folder))
    assert pictures.latent_vectors is vectors
    assert pictures.to_pixels is to_unit
    assert pictures.folder == folder
    assert isinstance(pictures.folder, pathlib.Path)
    assert pictures.prefix == "4-"
    assert pictures.ladder == {}
    assert not folder.exists()
    assert GrowthPictures(vectors, to_unit, folder, prefix="x_").prefix == (
        "x_")


def test_on_train_end_writes_one_grid_per_phase(tmp_path):
    """Each of a 16x16 schedule's five phases ends in one PNG named after
    its index, resolution and kind; each is four columns by two rows for
    six latent vectors, one panel per vector; nothing else is left but
    the ladder's images."""
    gan = tiny_gan(16)
    schedule = progan.GrowthSchedule(16, fade_images=2, stable_images=2)
    assert len(schedule.phases) == 5
    pictures = GrowthPictures(latents(6), flat_grey, tmp_path / "out")
    run_phases(pictures, gan, schedule.phases)
    expected = ["4-phase_00_4x4_stable.png", "4-phase_01_8x8_fade-in.png",
                "4-phase_02_8x8_stable.png", "4-phase_03_16x16_fade-in.png",
                "4-phase_04_16x16_stable.png"]
    assert names(tmp_path / "out") == sorted(expected + ["4-ladder.npz"])
    assert not list((tmp_path / "out").glob(io.PARTIAL_PREFIX + "*"))
    for name in expected:
        path = tmp_path / "out" / name
        assert_size(path, *grid_inches(6))
        assert panels(path) == (2, 4), name  # 4 + 2 panels, 2 rows


@pytest.mark.parametrize("count, rows", [(4, 1), (9, 3)])
def test_grid_rows_follow_the_number_of_latent_vectors(tmp_path, count,
                                                       rows):
    """Four columns always: 4 vectors make one row, 9 make three (the
    last row holding a single panel), and the picture is sized to fit."""
    gan = tiny_gan(8)
    pictures = GrowthPictures(latents(count), flat_grey, tmp_path,
                              prefix="p-")
    run_phases(pictures, gan, progan.GrowthSchedule(
        8, fade_images=2, stable_images=2).phases[:1])
    path = tmp_path / "p-phase_00_4x4_stable.png"
    assert names(tmp_path) == ["p-ladder.npz", path.name]
    assert_size(path, *grid_inches(count))
    found_rows, found_columns = panels(path)
    assert found_rows == rows
    assert found_columns == min(count, 4)


def test_on_train_end_keeps_the_first_image_of_each_stable_phase(tmp_path):
    """The ladder gets one entry per resolution, from stable phases only,
    holding the first latent vector's pixels at that resolution exactly;
    a fade-in phase adds nothing."""
    gan = tiny_gan(16)
    vectors = latents(5)
    pictures = GrowthPictures(vectors, to_unit, tmp_path)
    phases = progan.GrowthSchedule(16, fade_images=2, stable_images=2).phases
    run_phases(pictures, gan, phases[:2])  # 4x4 stable, 8x8 fade-in
    assert sorted(pictures.ladder) == [4]
    run_phases(pictures, gan, phases)
    assert sorted(pictures.ladder) == gan.generator.resolutions == [4, 8, 16]
    for stage, size in enumerate(gan.generator.resolutions):
        gan.generator.set_stage(stage)
        expected = to_unit(gan.generator(vectors, training=False))[0]
        assert pictures.ladder[size].shape == (size, size, 1)
        np.testing.assert_array_equal(pictures.ladder[size], expected)


def test_grow_calls_it_once_per_phase(tmp_path):
    """As a callback of ``growth.grow`` on an 8x8 schedule (three phases,
    one step each) it writes exactly the three phase grids and fills the
    ladder with 4x4 and 8x8; ``save_ladder`` then adds the ladder."""
    gan = tiny_gan(8, loss="nonsaturating")
    schedule = progan.GrowthSchedule(8, fade_images=2, stable_images=2,
                                     batch_sizes={4: 2, 8: 2})
    images = np.random.default_rng(0).uniform(
        -1, 1, (4, 8, 8, 1)).astype(np.float32)
    pictures = GrowthPictures(latents(4), to_unit, tmp_path)
    growth.grow(gan, images, schedule, steps_per_epoch=1,
                callbacks=[pictures], verbose=0)
    assert names(tmp_path) == ["4-ladder.npz", "4-phase_00_4x4_stable.png",
                               "4-phase_01_8x8_fade-in.png",
                               "4-phase_02_8x8_stable.png"]
    assert sorted(pictures.ladder) == [4, 8]
    ladder = pictures.save_ladder()
    assert ladder == tmp_path / "4-resolution_ladder.png"
    assert len(names(tmp_path)) == len(schedule.phases) + 2
    for path in tmp_path.glob("*.png"):
        png_size(path)


def test_save_ladder_draws_one_panel_per_resolution(tmp_path):
    """After a 16x16 run the ladder is one row of three panels (4x4, 8x8,
    16x16) 1.6 inches each, saved as ``<prefix>resolution_ladder.png``
    in the folder, whose path it returns; nothing else is written."""
    gan = tiny_gan(16)
    pictures = GrowthPictures(latents(2), flat_grey, tmp_path / "run")
    phases = progan.GrowthSchedule(16, fade_images=2, stable_images=2).phases
    run_phases(pictures, gan, phases)
    before = names(tmp_path / "run")
    path = pictures.save_ladder()
    assert path == tmp_path / "run" / "4-resolution_ladder.png"
    assert names(tmp_path / "run") == sorted(before + [path.name])
    resolutions = len(gan.generator.resolutions)
    assert_size(path, 1.6 * resolutions, 2.)
    assert panels(path) == (1, resolutions)


def test_save_ladder_with_fewer_resolutions_is_narrower(tmp_path):
    """Only the resolutions whose stable phase ended are drawn: after the
    4x4 phase alone the ladder has one panel and is 1.6 inches wide."""
    gan = tiny_gan(16)
    pictures = GrowthPictures(latents(2), flat_grey, tmp_path)
    run_phases(pictures, gan, progan.GrowthSchedule(
        16, fade_images=2, stable_images=2).phases[:2])
    path = pictures.save_ladder()
    assert_size(path, 1.6, 2.)
    assert panels(path) == (1, 1)


def test_save_ladder_to_a_given_path(tmp_path):
    """A given path (a string, in a folder not yet made) is where the
    ladder goes and what comes back; the callback's folder stays empty."""
    gan = tiny_gan(8)
    pictures = GrowthPictures(latents(2), to_unit, tmp_path / "grids")
    run_phases(pictures, gan, progan.GrowthSchedule(
        8, fade_images=2, stable_images=2).phases)
    target = tmp_path / "elsewhere" / "deeper" / "ladder.png"
    before = names(tmp_path / "grids")
    assert pathlib.Path(pictures.save_ladder(str(target))) == target
    assert names(target.parent) == ["ladder.png"]
    assert names(tmp_path / "grids") == before
    assert_size(target, 1.6 * 2, 2.)


def test_save_ladder_of_colour_images(tmp_path):
    """Three-channel images are drawn in colour: a pure red ladder shows
    pure red pixels, one panel per resolution."""
    gan = tiny_gan(8, channels=3)

    def red(images):
        """Every pixel pure red."""
        pixels = np.zeros(np.shape(images), np.float32)
        pixels[..., 0] = 1.
        return pixels

    pictures = GrowthPictures(latents(2), red, tmp_path)
    run_phases(pictures, gan, progan.GrowthSchedule(
        8, fade_images=2, stable_images=2).phases)
    assert pictures.ladder[8].shape == (8, 8, 3)
    path = pictures.save_ladder()
    with Image.open(path) as image:
        rgb = np.asarray(image.convert("RGB"))
    is_red = np.all(rgb == [255, 0, 0], axis=-1)
    assert is_red.sum() > 400
    columns = np.concatenate([[False], is_red.sum(axis=0) >= 20, [False]])
    assert int(np.sum(columns[1:] & ~columns[:-1])) == 2


def test_save_ladder_before_any_stable_phase_raises(tmp_path):
    """With no stable phase ended there is nothing to draw: a
    ``ValueError`` that says so, and no file or folder is made."""
    pictures = GrowthPictures(latents(2), to_unit, tmp_path / "never")
    with pytest.raises(ValueError, match="no stable phase"):
        pictures.save_ladder()
    with pytest.raises(ValueError, match="no stable phase"):
        pictures.save_ladder(tmp_path / "never" / "ladder.png")
    assert not (tmp_path / "never").exists()
    assert names(tmp_path) == []


def test_a_stopped_phase_gets_no_picture_and_a_resumed_run_its_ladder(
        tmp_path):
    """Stopped after one of the 8x8 stable phase's two steps, the run has
    pictures of the finished phases only and a ladder of 4x4 alone. A new
    session, restored from a checkpoint, finishes that phase: its picture
    appears, and its ladder holds 4x4 (read back from the first session's
    file) and 8x8."""
    schedule = progan.GrowthSchedule(8, fade_images=4, stable_images=4,
                                     batch_sizes={4: 2, 8: 2})
    images = np.random.default_rng(0).uniform(
        -1, 1, (8, 8, 8, 1)).astype(np.float32)
    gan = tiny_gan(8, loss="nonsaturating")
    first = GrowthPictures(latents(2), to_unit, tmp_path)
    growth.grow(gan, images, schedule, steps_per_epoch=1, verbose=0,
                callbacks=[first, stop_after(2 + 2 + 1)])
    assert int(gan.phase_index.numpy()) == 2
    assert int(gan.phase_images.numpy()) == 2
    assert names(tmp_path) == ["4-ladder.npz", "4-phase_00_4x4_stable.png",
                               "4-phase_01_8x8_fade-in.png"]
    assert sorted(first.ladder) == [4]
    four = first.ladder[4]
    GANCheckpoint(gan, tmp_path / "checkpoints").save(5)

    resumed = tiny_gan(8, loss="nonsaturating")
    GANCheckpoint(resumed, tmp_path / "checkpoints").restore()
    second = GrowthPictures(latents(2), to_unit, tmp_path)
    growth.grow(resumed, images, schedule, steps_per_epoch=1, verbose=0,
                callbacks=[second])
    assert "4-phase_02_8x8_stable.png" in names(tmp_path)
    assert sorted(second.ladder) == [4, 8]
    np.testing.assert_array_equal(second.ladder[4], four)
    assert panels_of_ladder(second) == 2


def panels_of_ladder(pictures):
    """Draw ``pictures``' ladder in flat grey; return its panel count."""
    pictures.ladder = {size: np.full(np.shape(image), GREY, np.float32)
                       for size, image in pictures.ladder.items()}
    return panels(pictures.save_ladder())[1]


def test_a_fresh_run_in_an_old_folder_drops_the_old_ladder(tmp_path):
    """The ladder file of a finished 8x8 run does not leak into a new run
    in the same folder: starting at phase 0, the new run keeps only what
    its own phases make."""
    run_phases(GrowthPictures(latents(2), to_unit, tmp_path), tiny_gan(8),
               progan.GrowthSchedule(8, fade_images=2,
                                     stable_images=2).phases)
    fresh = GrowthPictures(latents(2), to_unit, tmp_path)
    run_phases(fresh, tiny_gan(8), progan.GrowthSchedule(
        8, fade_images=2, stable_images=2).phases[:1])
    assert sorted(fresh.ladder) == [4]
    with np.load(tmp_path / "4-ladder.npz") as stored:
        assert list(stored["sizes"]) == [4]
        assert list(stored["phases"]) == [0]


def test_an_unreadable_ladder_file_starts_the_ladder_afresh(tmp_path,
                                                            capsys):
    """A ladder file that cannot be read is named in a warning line and
    ignored: the run's own stable phases fill the ladder again."""
    (tmp_path / "4-ladder.npz").write_bytes(b"not a zip file")
    gan = tiny_gan(8)
    gan.phase_index.assign(2)
    pictures = GrowthPictures(latents(2), to_unit, tmp_path)
    pictures.set_model(gan)
    pictures.on_train_begin()
    assert pictures.ladder == {}
    assert "4-ladder.npz unreadable" in capsys.readouterr().err
