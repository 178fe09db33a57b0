#!/usr/bin/env python3
"""CIFAR-10 from local files, the offline surrogate, the 20 real images
in the foolbox wheel, scaling, and the offline scores on colour images."""
import pickle
import sys

import numpy as np
import pytest

from ganlab.data import image_sets
from ganlab.evaluation import evaluate, features, metrics
from tests.helpers import foolbox_or_skip


def write_batches(folder, per_batch=4):
    """Write a tiny CIFAR-10 python-version folder: 6 pickled batches."""
    folder.mkdir()
    rng = np.random.default_rng(0)
    names = [f"data_batch_{index}" for index in range(1, 6)] + [
        "test_batch"]
    for name in names:
        batch = {b"data": rng.integers(0, 256, (per_batch, 3072), np.uint8),
                 b"labels": list(rng.integers(0, 10, per_batch))}
        with open(folder / name, "wb") as stream:
            pickle.dump(batch, stream)
    return folder


def test_batches_folder_is_read_channels_last(tmp_path):
    """Rows of 3,072 bytes (red plane, green, blue) become (32, 32, 3)."""
    folder = write_batches(tmp_path / "cifar-10-batches-py")
    (x_train, y_train), (x_test, y_test) = image_sets.load_cifar10(folder)
    assert x_train.shape == (20, 32, 32, 3) and x_test.shape == (4, 32, 32,
                                                                 3)
    assert y_train.shape == (20,) and x_train.dtype == np.uint8
    with open(folder / "data_batch_1", "rb") as stream:
        first = pickle.load(stream)[b"data"][0]
    np.testing.assert_array_equal(x_train[0, :, :, 0].ravel(), first[:1024])
    np.testing.assert_array_equal(x_train[0, :, :, 2].ravel(),
                                  first[2048:])


def test_npz_and_errors(tmp_path):
    """An .npz with the four arrays loads; one without them, a missing
    batch and a wrong path are refused with what to do."""
    arrays = {"x_train": np.zeros((2, 32, 32, 3), np.uint8),
              "y_train": np.zeros(2), "x_test": np.zeros((1, 32, 32, 3),
                                                         np.uint8),
              "y_test": np.zeros(1)}
    np.savez(tmp_path / "cifar.npz", **arrays)
    (x_train, _), (x_test, _) = image_sets.load_cifar10(tmp_path / "cifar.npz")
    assert x_train.shape == (2, 32, 32, 3) and x_test.shape == (1, 32, 32,
                                                                3)
    np.savez(tmp_path / "partial.npz", x_train=arrays["x_train"])
    with pytest.raises(ValueError, match="lacks"):
        image_sets.load_cifar10(tmp_path / "partial.npz")
    folder = write_batches(tmp_path / "broken")
    (folder / "test_batch").unlink()
    with pytest.raises(FileNotFoundError, match="test_batch is missing"):
        image_sets.load_cifar10(folder)
    with pytest.raises(FileNotFoundError, match="keras.datasets.cifar10"):
        image_sets.load_cifar10(tmp_path / "nowhere")


def test_surrogate_patches_are_real_photographs():
    """Offline stand-ins: varied 32x32 colour patches, repeatable."""
    patches = image_sets.cifar10_surrogate(50, seed=1)
    assert patches.shape == (50, 32, 32, 3) and patches.dtype == np.uint8
    assert patches.std() > 20
    assert len({patch.tobytes() for patch in patches}) == 50
    np.testing.assert_array_equal(patches,
                                  image_sets.cifar10_surrogate(50, seed=1))


def test_scaling_round_trip():
    """uint8 -> [-1, 1] -> uint8 gives the pixels back."""
    pixels = np.arange(256, dtype=np.uint8).reshape(1, 16, 16)
    scaled = image_sets.to_symmetric(pixels)
    assert scaled.min() == -1 and scaled.max() == 1
    np.testing.assert_array_equal(image_sets.from_symmetric(scaled), pixels)


def test_foolbox_files_are_cifar10s_first_test_images():
    """20 distinct real colour images whose labels are those of the
    CIFAR-10 test set's first 20, read without importing foolbox."""
    images, labels = foolbox_or_skip()
    assert images.shape == (20, 32, 32, 3) and images.dtype == np.uint8
    assert tuple(labels) == image_sets.CIFAR10_FIRST_TEST_LABELS
    assert len({image.tobytes() for image in images}) == 20
    assert images.std() > 30
    assert "foolbox" not in sys.modules


def test_pixel_features_are_block_means():
    """Each feature is the mean of one colour over one block."""
    image = np.arange(4 * 4 * 3, dtype=np.float64).reshape(1, 4, 4, 3)
    blocks = features.PixelFeatures(2)(image).reshape(2, 2, 3)
    np.testing.assert_allclose(blocks[0, 1],
                               image[0, :2, 2:].mean(axis=(0, 1)))
    np.testing.assert_allclose(blocks[1, 0],
                               image[0, 2:, :2].mean(axis=(0, 1)))
    with pytest.raises(ValueError, match="divisible by 8"):
        features.PixelFeatures(8)(np.zeros((2, 12, 12, 3)))
    with pytest.raises(ValueError, match="side must be at least 1"):
        features.PixelFeatures(0)


def test_offline_scores_on_real_cifar_images():
    """Against the 20 real CIFAR-10 images: a collapsed generator (all
    grey) has no diversity, photo patches are about as varied as CIFAR-10,
    and white noise is farther from CIFAR-10's spectrum than the patches.
    The pixel-block Frechet distance alone prefers grey to the patches,
    because grey matches CIFAR-10's mean colour and the patches' colours
    differ: that is why the diversity is always reported beside it."""
    images, _ = foolbox_or_skip()
    real = images / 255.
    candidates = {
        "patches": image_sets.cifar10_surrogate(200, seed=1) / 255.,
        "grey": np.full((200, 32, 32, 3), .5),
        "noise": np.random.default_rng(0).uniform(size=(200, 32, 32, 3))}
    extractor = features.PixelFeatures(8)
    scores = {name: evaluate.score_images(real, fakes, extractor,
                                          "20 real")["scores"]
              for name, fakes in candidates.items()}
    assert scores["grey"]["relative_diversity"] == 0
    assert .5 < scores["patches"]["relative_diversity"] < 2
    assert (scores["grey"]["frechet_distance"]
            < scores["patches"]["frechet_distance"])
    spectral = {name: metrics.spectral_distance(fakes.mean(axis=-1),
                                                real.mean(axis=-1))
                for name, fakes in candidates.items()}
    assert spectral["patches"] < spectral["noise"]
