#!/usr/bin/env python3
"""Fashion-MNIST from local files, the shipped classifier, and the
Frechet Classifier Distance it gives."""
import gzip

import keras
import numpy as np
import pytest

from ganlab.data import image_sets
from ganlab.evaluation import metrics
from ganlab.evaluation.features import (FASHION_WEIGHTS, FashionFeatures,
                                        InceptionFeatures, file_checksum)
from ganlab.nets import builders
from tests.helpers import fashion_or_skip, load_gan_class


def test_idx_files_are_read_and_truncation_is_caught(tmp_path):
    """A 2x3x4 array written in IDX format comes back; half a file is
    refused with its name."""
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    header = bytes([0, 0, 8, 3]) + np.array([2, 3, 4], ">u4").tobytes()
    path = tmp_path / "x-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(header + array.tobytes()))
    np.testing.assert_array_equal(image_sets.read_idx(path), array)
    truncated = tmp_path / "cut-idx3-ubyte.gz"
    truncated.write_bytes(gzip.compress(header + array.tobytes()[:10]))
    with pytest.raises(ValueError, match="cut-idx3-ubyte.gz is truncated"):
        image_sets.read_idx(truncated)


def test_a_folder_without_the_files_is_named(tmp_path):
    """A user folder lacking the four files gets an error listing them."""
    with pytest.raises(FileNotFoundError, match="lacks the Fashion-MNIST "
                                                "files train-images"):
        image_sets.load_fashion_mnist(tmp_path)


def test_inception_without_weights_says_what_to_do(tmp_path):
    """No download: the message names the path and how to fill the
    cache."""
    with pytest.raises(FileNotFoundError,
                       match="never downloads them.*keras.applications"):
        InceptionFeatures(tmp_path / "missing.h5")


def test_shipped_classifier_accuracy_and_size():
    """Measured: 90.1 % test accuracy; the file is under 1 MB."""
    (_, _), (x_test, y_test) = fashion_or_skip()
    classifier = FashionFeatures()
    predicted = classifier.predict_classes(x_test / 255.)
    assert np.mean(predicted == y_test) > .89
    assert FASHION_WEIGHTS.stat().st_size < 1_000_000
    assert len(classifier.checksum) == 16
    assert classifier(x_test[:7] / 255.).shape == (7, 128)


def test_frechet_classifier_distance_orders_quality():
    """Against real training images: the real test set < the test set
    with noise < a briefly trained GAN < an untrained GAN."""
    (x_train, _), (x_test, _) = fashion_or_skip()
    features = FashionFeatures()
    reference = features(x_train[50000:53000] / 255.)

    def distance(pixels):
        """Frechet Classifier Distance of pixels to the reference."""
        return metrics.frechet_distance(
            features(np.clip(pixels, 0, 1).reshape(-1, 28, 28)), reference)

    keras.utils.set_random_seed(0)
    real = (x_train[:20000].reshape(-1, 784) / 255.).astype("float32")
    generator, critic, latent = builders.mlp_GenDiscr(32, 784,
                                                    hidden=(256, 256))
    gan = load_gan_class("WGAN_GP")(generator, critic, latent, real,
                                    batch_size=128, learning_rate=5e-4)
    untrained = distance(gan.get_fake_sample(3000))
    gan.compile()
    gan.fit(real, epochs=1, steps_per_epoch=500, verbose=0)
    trained = distance(gan.get_fake_sample(3000))
    test = x_test[:3000] / 255.
    noisy = test + np.random.default_rng(0).normal(0, .1, test.shape)
    scores = [distance(test), distance(noisy), trained, untrained]
    assert scores == sorted(scores), scores


def test_inception_features_from_a_local_weights_file(tmp_path):
    """With a weights file (random ones here: the real file cannot be
    fetched offline) the extractor resizes grey 28x28 images to 299x299
    RGB and returns 2048 features each, with the file's checksum."""
    weights = tmp_path / "inception.weights.h5"
    keras.applications.InceptionV3(include_top=False, weights=None,
                                   pooling="avg").save_weights(weights)
    extractor = InceptionFeatures(weights)
    features = extractor(np.random.default_rng(0).random((3, 28, 28)))
    assert features.shape == (3, 2048) and features.dtype == np.float64
    assert np.all(np.isfinite(features))
    assert extractor.checksum == file_checksum(weights)
