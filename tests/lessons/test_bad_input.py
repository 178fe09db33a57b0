#!/usr/bin/env python3
"""Bad input gets a clear error naming the argument, before TensorFlow.

Good input in any floating-point dtype is accepted and becomes float32.
"""
import numpy as np
import pytest
import tensorflow as tf
from tensorflow import keras

from ganlab.nets.builders import fully_connected_GenDiscr


def build(gan_class, real_examples, **kwargs):
    """Construct ``gan_class`` on 2-D fully connected networks."""
    generator, discriminator, latent = fully_connected_GenDiscr(
        [2, 8, 2], None)
    return gan_class(generator, discriminator, latent, real_examples,
                     **kwargs)


def image_gan(gan_class, real_examples):
    """Construct ``gan_class`` with a generator of 4x4x1 images."""
    latent = keras.Input((3,))
    generator = keras.Model(latent, keras.layers.Reshape((4, 4, 1))(
        keras.layers.Dense(16)(latent)), name="generator")
    image = keras.Input((4, 4, 1))
    critic = keras.Model(image, keras.layers.Dense(1)(
        keras.layers.Flatten()(image)), name="discriminator")
    return gan_class(generator, critic, lambda k: tf.random.normal((k, 3)),
                     real_examples, batch_size=10)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_any_float_dtype_becomes_float32(gan_class, dtype):
    """NumPy arrays of any float dtype, and tensors, are cast to float32."""
    real = np.random.rand(300, 2).astype(dtype)
    gan = build(gan_class, real)
    assert gan.real_examples.dtype == tf.float32
    np.testing.assert_allclose(np.asarray(gan.real_examples), real,
                               rtol=1e-3)
    assert build(gan_class, tf.constant(real)).real_examples.dtype == (
        tf.float32)


def test_one_dimensional_examples_are_refused(gan_class):
    """A flat vector has no axis of examples."""
    with pytest.raises(ValueError, match="real_examples must have at least "
                                         r"2 dimensions.*\(300,\)"):
        build(gan_class, np.random.rand(300))


def test_examples_must_match_the_generator_output(gan_class):
    """Points in 3-D cannot be compared with a generator of 2-D points."""
    with pytest.raises(ValueError, match=r"real_examples must have shape "
                                         r"\(N, 2\).*got \(300, 3\)"):
        build(gan_class, np.random.rand(300, 3))


def test_missing_channel_axis_is_added(gan_class):
    """Grey images of shape (N, 4, 4) meet a generator of (4, 4, 1): the
    trailing channel axis is added rather than refused."""
    gan = image_gan(gan_class, np.random.rand(50, 4, 4))
    assert tuple(gan.real_examples.shape) == (50, 4, 4, 1)
    assert gan.get_real_sample(5).shape == (5, 4, 4, 1)
    with pytest.raises(ValueError, match=r"\(N, 4, 4, 1\).*got \(50, 4, 5\)"):
        image_gan(gan_class, np.random.rand(50, 4, 5))


def test_batch_larger_than_the_data_is_refused(gan_class):
    """A sample of 200 distinct examples needs at least 200 examples."""
    with pytest.raises(ValueError, match=r"batch_size \(200\) must not "
                                         r"exceed the number of "
                                         r"real_examples \(150\)"):
        build(gan_class, np.random.rand(150, 2))


@pytest.mark.parametrize("name, value", [("disc_iter", 0),
                                         ("disc_iter", 1.5),
                                         ("batch_size", 0)])
def test_counts_must_be_positive_integers(gan_class, name, value):
    """disc_iter and batch_size are counts: integers of at least 1."""
    with pytest.raises(ValueError, match=f"{name} must be an integer >= 1"):
        build(gan_class, np.random.rand(300, 2), **{name: value})


@pytest.mark.parametrize("bad", [np.array([["a", "b"]] * 300),
                                 np.zeros((300, 2), dtype=np.uint8),
                                 np.array([[None, 1]] * 300)])
def test_non_float_arrays_are_refused(gan_class, bad):
    """Strings, objects and raw integer pixels are not training data."""
    with pytest.raises(TypeError, match="real_examples must hold "
                                        "floating-point numbers"):
        build(gan_class, bad)
