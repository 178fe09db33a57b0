#!/usr/bin/env python3
"""``ganlab.nets.conv_gan``: the small DCGAN, 28x28 grey to 64x64 and
larger colour images."""
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


@pytest.mark.parametrize("side, doublings, widths", [
    (28, 2, (128, 64)), (32, 2, (128, 64)), (48, 3, (128, 64, 32)),
    (64, 3, (128, 64, 32)), (128, 4, (128, 64, 32, 16)),
    (256, 5, (128, 64, 32, 16, 16))])
def test_larger_images_get_a_doubling_more_per_doubling_of_the_side(
        side, doublings, widths):
    """The generator's first map is at most 8 on a side; each doubling
    halves the channels (at least 16); the discriminator mirrors it,
    down to the same map before its dense layer."""
    assert conv_gan.doublings_for((side, side, 3)) == doublings
    assert conv_gan.default_widths(doublings) == widths
    generator = conv_gan.build_generator(8, (side, side, 3))
    discriminator = conv_gan.build_discriminator((side, side, 3))
    start = side >> doublings
    assert generator.layers[2].output.shape[1:] == (start, start, widths[0])
    assert generator.output_shape == (None, side, side, 3)
    convolutions = [layer for layer in discriminator.layers
                    if isinstance(layer, keras.layers.Conv2D)]
    assert [layer.filters for layer in convolutions] == list(widths[::-1])
    assert convolutions[-1].output.shape[1:3] == (start, start)


def test_a_side_its_doublings_cannot_reach_is_refused():
    """64 doubles three times from 8, so 60 (not a multiple of 8) is
    refused, naming what it needs."""
    with pytest.raises(ValueError, match="multiples of 8 .3 upsamplings"):
        conv_gan.build_generator(8, (60, 60, 3))


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
