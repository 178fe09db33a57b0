#!/usr/bin/env python3
"""``ganlab.training.calibration``: one scale factor on the output layer
(a batch norm's gamma, a dense or convolutional layer's kernel) gives the
samples the training images' total pixel variance."""
import numpy as np
import pytest
from tensorflow import keras

from ganlab.nets.saved import generate
from ganlab.training.calibration import (match_pixel_variance,
                                         output_scale,
                                         total_pixel_variance)


def small_generator(after_batch_norm=("tanh",)):
    """4-D latent -> dense 6 -> batch norm -> the layers named (an
    activation name, or "dense" for a dense layer)."""
    keras.utils.set_random_seed(0)
    latent = keras.Input(shape=(4,))
    values = keras.layers.Dense(6)(latent)
    values = keras.layers.BatchNormalization()(values)
    for name in after_batch_norm:
        values = (keras.layers.Dense(6)(values) if name == "dense"
                  else keras.layers.Activation(name)(values))
    return keras.Model(latent, values)


def test_total_pixel_variance_is_the_summed_variance_of_each_pixel():
    """Two images of two pixels, [0, 1] and [2, 1]: the first pixel's
    variance is 1, the second's 0."""
    assert total_pixel_variance([[0., 1.], [2., 1.]]) == 1.
    with pytest.raises(ValueError, match="at least 2 images"):
        total_pixel_variance([[0., 1.]])


@pytest.mark.parametrize("spread", [.3, .8])
def test_the_samples_get_the_real_images_variance(spread):
    """Real images narrower than the samples give a factor under 1, wider
    ones a factor over 1; either way the calibrated samples' variance
    equals theirs, the batch norm's scale is the only weight changed, and
    the generator given is left as it was."""
    generator = small_generator()
    before = [weight.copy() for weight in generator.get_weights()]
    real = np.random.default_rng(1).normal(0, spread, (500, 6))
    untouched = total_pixel_variance(generate(generator, 4000))
    calibrated, factor = match_pixel_variance(generator, real,
                                              samples=4000)
    assert (factor < 1) == (total_pixel_variance(real) < untouched)
    np.testing.assert_allclose(
        total_pixel_variance(generate(calibrated, 4000)),
        total_pixel_variance(real), rtol=1e-5)
    for weight, original in zip(generator.get_weights(), before):
        np.testing.assert_array_equal(weight, original)
    gamma = output_scale(calibrated)[1].path
    for weight, new, old in zip(calibrated.weights,
                                calibrated.get_weights(), before):
        if weight.path == gamma:
            np.testing.assert_allclose(new, old * factor, rtol=1e-6)
        else:
            np.testing.assert_array_equal(new, old)


def test_uint8_pixels_are_measured_in_the_generators_scale():
    """uint8 pixels stand for [-1, 1]: they give the factor their
    to_symmetric floats give."""
    from ganlab.data.image_sets import to_symmetric
    generator = small_generator()
    pixels = np.random.default_rng(3).integers(40, 200, (500, 6)).astype(
        np.uint8)
    _, from_bytes = match_pixel_variance(generator, pixels, samples=2000)
    _, from_floats = match_pixel_variance(generator, to_symmetric(pixels),
                                          samples=2000)
    assert from_bytes == pytest.approx(from_floats, rel=1e-6)


def test_to_pixels_is_applied_before_measuring():
    """Samples mapped to [0, 1] by to_pixels are compared with real images
    in [0, 1]: the factor differs from the one found without it."""
    generator = small_generator()
    real = np.random.default_rng(2).uniform(.1, .9, (500, 6))
    _, direct = match_pixel_variance(generator, real, samples=4000)
    calibrated, mapped = match_pixel_variance(
        generator, real, to_pixels=lambda output: (output + 1) / 2,
        samples=4000)
    assert mapped != pytest.approx(direct)
    np.testing.assert_allclose(
        total_pixel_variance((generate(calibrated, 4000) + 1) / 2),
        total_pixel_variance(real), rtol=1e-5)


@pytest.mark.parametrize("output", ["dense", "conv", "transposed conv"])
def test_a_linear_output_layer_is_scaled_by_its_kernel(output):
    """A generator ending in a dense, convolutional or transposed
    convolutional layer (then tanh) is calibrated through that layer's
    kernel alone: the bias, the offset, stays, and so does every other
    weight."""
    keras.utils.set_random_seed(0)
    latent = keras.Input(shape=(4,))
    values = keras.layers.Dense(18)(latent)
    if output == "dense":
        values = keras.layers.Dense(6, bias_initializer="ones")(values)
    else:
        values = keras.layers.Reshape((3, 3, 2))(values)
        kind = (keras.layers.Conv2D if output == "conv"
                else keras.layers.Conv2DTranspose)
        values = kind(1, 2, bias_initializer="ones")(values)
    generator = keras.Model(latent, keras.layers.Activation("tanh")(values))
    real = np.random.default_rng(4).uniform(-.9, .9, (500,)
                                            + generator.output_shape[1:])
    calibrated, factor = match_pixel_variance(generator, real, samples=2000)
    np.testing.assert_allclose(
        total_pixel_variance(generate(calibrated, 2000)),
        total_pixel_variance(real), rtol=1e-5)
    layer, kernel = output_scale(calibrated)
    assert layer.name == generator.layers[-2].name
    for weight, new, old in zip(calibrated.weights, calibrated.get_weights(),
                                generator.get_weights()):
        expected = old * factor if weight.path == kernel.path else old
        np.testing.assert_allclose(new, expected, rtol=1e-6)


def test_a_generator_it_cannot_calibrate_is_refused_by_name():
    """An output layer with no scale (a reshape, a batch norm without
    gamma): ValueError naming the layer."""
    latent = keras.Input(shape=(4,))
    values = keras.layers.Dense(6)(latent)
    shaped = keras.Model(latent, keras.layers.Reshape((2, 3),
                                                      name="shape")(values),
                         name="shaped")
    with pytest.raises(ValueError, match="'shaped'.*'shape' .Reshape."):
        match_pixel_variance(shaped, np.zeros((10, 2, 3)))
    unscaled = keras.Model(
        latent, keras.layers.BatchNormalization(scale=False,
                                                name="norm")(values))
    with pytest.raises(ValueError, match="'norm' has no gamma"):
        output_scale(unscaled)


def test_an_unreachable_variance_names_real_images():
    """tanh samples vary by at most 6 (six pixels of variance 1 at most);
    real images of standard deviation 10 cannot be matched."""
    real = np.random.default_rng(3).normal(0, 10, (500, 6))
    with pytest.raises(ValueError, match="real_images vary by"):
        match_pixel_variance(small_generator(), real)
