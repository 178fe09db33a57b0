#!/usr/bin/env python3
"""Exploring the face generator: walks, neighbours, GIFs, shipped weights,
the face feature network and the PCA baseline (the evaluation table is in
``test_evaluate.py``)."""
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from ganlab import image_files
from ganlab.data.faces import SHIPPED, load_shipped_face_models
from ganlab.evaluation.baselines import PCABaseline
from ganlab.evaluation.features import FaceFeatures, file_checksum
from ganlab.viz import face_pictures
from tests.helpers import ROOT, load_demo, load_gan_class


def test_latent_segment_runs_from_start_to_end():
    """First and last vectors are the ends; steps are equal."""
    start, end = np.zeros(16), np.arange(16.)
    walk = face_pictures.latent_segment(start, end, 5)
    np.testing.assert_allclose(walk[0], start)
    np.testing.assert_allclose(walk[-1], end)
    np.testing.assert_allclose(np.diff(walk, axis=0),
                               np.tile((end - start) / 4, (4, 1)),
                               rtol=1e-5, atol=1e-6)


def test_latent_circle_stays_on_its_circle():
    """Every point is ``radius`` from the centre, in the plane of the two
    directions, starting along the first."""
    rng = np.random.default_rng(0)
    centre, first, second = rng.normal(size=(3, 16))
    walk = face_pictures.latent_circle(centre, first, second, 12, radius=2.)
    np.testing.assert_allclose(np.linalg.norm(walk - centre, axis=1), 2.,
                               rtol=1e-5)
    np.testing.assert_allclose(walk[0], centre + 2 * first
                               / np.linalg.norm(first), rtol=1e-5)
    offsets = walk - centre
    plane = np.linalg.qr(np.stack([first, second], 1))[0]
    np.testing.assert_allclose(offsets, offsets @ plane @ plane.T,
                               atol=1e-5)


def test_nearest_real_finds_a_copied_face():
    """A fake that copies a real face has it as neighbour at distance 0."""
    real = np.random.default_rng(1).random((50, 16, 16))
    fakes = np.stack([real[7], real[30] + .01])
    nearest, distances = face_pictures.nearest_real(fakes, real)
    np.testing.assert_allclose(nearest[0], real[7], atol=1e-6)
    np.testing.assert_allclose(nearest[1], real[30], atol=1e-6)
    assert distances[0] == pytest.approx(0, abs=1e-3)
    assert distances[1] == pytest.approx(.01, rel=.05)


def test_gif_has_every_frame(tmp_path):
    """A 6-frame walk becomes a 6-frame looping GIF, 8x enlarged."""
    frames = np.random.default_rng(2).random((6, 16, 16, 1))
    path = image_files.save_gif(frames, tmp_path / "walk.gif")
    with Image.open(path) as gif:
        assert gif.n_frames == 6 and gif.size == (128, 128)
    assert [p.name for p in tmp_path.iterdir()] == ["walk.gif"]


def test_sorted_by_critic_puts_the_best_first():
    """Scores come back in decreasing order with their fakes."""
    generator, critic, _ = load_shipped_face_models()
    fakes, scores = face_pictures.sorted_by_critic(
        generator, critic, np.random.default_rng(3).normal(
            size=(40, 16)).astype(np.float32))
    assert fakes.shape == (40, 16, 16, 1)
    assert np.all(np.diff(scores) <= 0)
    np.testing.assert_allclose(np.asarray(critic(fakes))[:, 0], scores,
                               rtol=1e-4, atol=1e-5)


def test_replace_weights_loads_the_shipped_weights():
    """WGAN_GP.replace_weights takes the files shipped in data/."""
    faces_lesson = __import__('3-generate_faces')
    generator, discriminator = faces_lesson.convolutional_GenDiscr()
    gan = load_gan_class("WGAN_GP")(
        generator, discriminator, lambda k: tf.random.normal((k, 16)),
        np.random.rand(300, 16, 16).astype("float32"))
    gan.replace_weights(str(ROOT / "data" / SHIPPED["generator"]),
                        str(ROOT / "data" / SHIPPED["discriminator"]))
    reference, _, _ = load_shipped_face_models()
    for loaded, shipped in zip(generator.get_weights(),
                               reference.get_weights()):
        np.testing.assert_array_equal(loaded, shipped)


def test_missing_shipped_file_is_named(tmp_path):
    """A folder without the weights gets an error naming the file."""
    with pytest.raises(FileNotFoundError, match="faces_generator"):
        load_shipped_face_models(tmp_path)
    with pytest.raises(FileNotFoundError,
                       match="python -m ganlab train-features "
                             "--dataset faces"):
        FaceFeatures(tmp_path / "none.weights.h5")


def test_face_extractor_is_deterministic_with_a_checksum():
    """32 features per face, the same twice; the checksum is the file's."""
    features = FaceFeatures()
    faces = np.random.default_rng(4).random((20, 16, 16))
    first = features(faces)
    assert first.shape == (20, 32)
    np.testing.assert_array_equal(first, features(faces[..., None]))
    assert features.checksum == file_checksum(
        ROOT / "data" / "face_features.weights.h5")
    with pytest.raises(ValueError, match=r"\(N, 16, 16\).*\(3, 8, 8\)"):
        features(np.zeros((3, 8, 8)))


def test_pca_baseline_draws_faces_like_its_data():
    """Pixels in [0, 1]; the average face matches the data's."""
    rng = np.random.default_rng(5)
    data = np.clip(.5 + .1 * rng.normal(size=(500, 16, 16)), 0, 1)
    samples = PCABaseline(data, components=8).sample(2000, rng)
    assert samples.shape == (2000, 16, 16)
    assert samples.min() >= 0 and samples.max() <= 1
    np.testing.assert_allclose(samples.mean(0), data.mean(0), atol=.02)


def test_face_demo_draws_its_pictures_in_seconds(tmp_path):
    """Without data, main/3-main.py draws from the shipped weights."""
    written = load_demo(3).main(["--out", str(tmp_path)])
    names = sorted(path.name for path in written)
    assert names == ["3-latent_circle.gif", "3-latent_circle.png",
                     "3-latent_segment.gif", "3-latent_segment.png",
                     "3-sorted_by_critic.png"]
