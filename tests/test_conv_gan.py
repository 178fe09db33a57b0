#!/usr/bin/env python3
"""``ganlab.nets.conv_gan``: the small DCGAN for 28x28 grey images."""
import numpy as np
import pytest
from tensorflow import keras

from ganlab.nets import conv_gan
from ganlab.nets.layers import GlobalMinibatchStdDev


def test_the_networks_shapes():
    """z (64) -> 28x28x1 in (-1, 1); 28x28x1 -> one probability."""
    keras.utils.set_random_seed(0)
    generator = conv_gan.build_generator()
    discriminator = conv_gan.build_discriminator()
    images = np.asarray(generator(np.random.default_rng(0).normal(
        size=(3, 64)).astype("float32"), training=False))
    assert images.shape == (3, 28, 28, 1)
    assert np.all(np.abs(images) < 1)
    probability = np.asarray(discriminator(images))
    assert probability.shape == (3, 1)
    assert np.all((probability > 0) & (probability < 1))
    with pytest.raises(ValueError, match="multiples of 4"):
        conv_gan.build_discriminator((30, 28, 1))


def test_the_discriminator_sees_how_alike_its_batch_is():
    """The minibatch standard deviation is one more feature map before
    the dense layer: 0 (to sqrt(1e-8)) for a batch of one image repeated,
    more for a varied batch; so the same image scores differently beside
    a copy of itself than beside another image. Without it, an image's
    score is its own."""
    keras.utils.set_random_seed(0)
    images = np.random.default_rng(1).uniform(-1, 1, (2, 28, 28, 1)).astype(
        "float32")
    alike, varied = images[[0, 0]], images
    discriminator = conv_gan.build_discriminator()
    layer = next(layer for layer in discriminator.layers
                 if isinstance(layer, GlobalMinibatchStdDev))
    statistic = keras.Model(discriminator.input, layer.output)
    assert statistic(alike).shape == (2, 7, 7, 129)
    np.testing.assert_allclose(np.asarray(statistic(alike))[..., -1], 1e-4,
                               rtol=1e-3)
    assert np.all(np.asarray(statistic(varied))[..., -1] > 1e-2)
    assert float(discriminator(alike)[0, 0]) != pytest.approx(
        float(discriminator(varied)[0, 0]), abs=1e-6)
    plain = conv_gan.build_discriminator(minibatch_std=False)
    assert not any(isinstance(layer, GlobalMinibatchStdDev)
                   for layer in plain.layers)
    np.testing.assert_allclose(plain(alike)[0], plain(varied)[0], rtol=1e-6)
