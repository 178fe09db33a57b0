#!/usr/bin/env python3
"""The hinge loss, the R1 penalty and spectral normalisation, against
numbers worked out by hand (or by NumPy)."""
import numpy as np
import pytest
import tensorflow as tf
from tensorflow import keras

from ganlab.training.losses import (hinge_critic_loss, hinge_generator_loss,
                                    r1_penalty)

REAL_LOGITS = np.array([[2.], [.5], [-1.]], np.float32)
FAKE_LOGITS = np.array([[-2.], [0.], [.5]], np.float32)


def test_hinge_critic_loss_by_hand():
    """relu(1 - real) = 0, .5, 2 (mean 5/6); relu(1 + fake) = 0, 1, 1.5
    (mean 5/6): 5/3 in all, as NumPy computes it."""
    loss = float(hinge_critic_loss(tf.constant(REAL_LOGITS),
                                   tf.constant(FAKE_LOGITS)))
    numpy_loss = (np.maximum(0, 1 - REAL_LOGITS).mean()
                  + np.maximum(0, 1 + FAKE_LOGITS).mean())
    assert loss == pytest.approx(5 / 3)
    assert loss == pytest.approx(float(numpy_loss))


def test_hinge_critic_loss_is_zero_past_the_margin():
    """Real scores of 1 and more, fake ones of -1 and less, cost nothing."""
    assert float(hinge_critic_loss(tf.constant([[1.], [3.]]),
                                   tf.constant([[-1.], [-4.]]))) == 0.


def test_hinge_generator_loss_by_hand():
    """-mean(-2, 0, .5) = .5."""
    assert float(hinge_generator_loss(tf.constant(FAKE_LOGITS))) == \
        pytest.approx(.5)


def test_hinge_losses_of_bfloat16_logits_are_float32():
    """A critic computing in bfloat16 still gets float32 losses."""
    loss = hinge_critic_loss(tf.constant(REAL_LOGITS, tf.bfloat16),
                             tf.constant(FAKE_LOGITS, tf.bfloat16))
    assert loss.dtype == tf.float32
    assert hinge_generator_loss(
        tf.constant(FAKE_LOGITS, tf.bfloat16)).dtype == tf.float32


class LinearCritic(keras.layers.Layer):
    """D(x) = sum(w * x) over each image's pixels: its gradient is w at
    every image, so R1 = sum(w^2) exactly."""

    def __init__(self, weights):
        """Hold ``weights`` (one per pixel and channel) as a variable."""
        super().__init__()
        self.w = self.add_weight(shape=weights.shape,
                                 initializer=keras.initializers.Constant(
                                     weights))

    def call(self, images):
        """One score per image, shape (batch, 1)."""
        return tf.reduce_sum(self.w * images, axis=[1, 2, 3])[:, None]


def test_r1_of_a_linear_critic_is_the_sum_of_its_squared_weights():
    """Any batch: R1 = sum(w^2); and its gradient with respect to w, taken
    through the penalty's own tape, is 2w."""
    weights = np.random.default_rng(0).normal(size=(4, 4, 2)) \
        .astype("float32")
    critic = LinearCritic(weights)
    real = tf.random.normal((5, 4, 4, 2))
    with tf.GradientTape() as tape:
        penalty = r1_penalty(critic, real)
    assert float(penalty) == pytest.approx(float((weights ** 2).sum()),
                                           rel=1e-6)
    np.testing.assert_allclose(tape.gradient(penalty, critic.w).numpy(),
                               2 * weights, rtol=1e-5)


def test_r1_of_a_quadratic_critic_matches_numpy():
    """D(x) = sum(a * x^2): the gradient is 2 a x, so R1 = mean over the
    images of sum((2 a x)^2)."""
    rng = np.random.default_rng(1)
    a = rng.normal(size=(3, 3, 1)).astype("float32")
    real = rng.normal(size=(6, 3, 3, 1)).astype("float32")

    def critic(images):
        """A quadratic form of each image, one score per image."""
        return tf.reduce_sum(a * images ** 2, axis=[1, 2, 3])

    expected = ((2 * a * real.astype("float64")) ** 2).sum(axis=(1, 2, 3)) \
        .mean()
    assert float(r1_penalty(critic, tf.constant(real))) == pytest.approx(
        expected, rel=1e-5)


def test_r1_of_a_critic_that_ignores_the_images_is_zero():
    """A constant score has no gradient with respect to the images."""
    assert float(r1_penalty(lambda images: tf.ones((3, 1)),
                            tf.zeros((3, 2, 2, 1)))) == 0.


def test_r1_inside_tf_function_matches_eager():
    """Compiled in a train_step, the penalty is the same number."""
    critic = keras.Sequential([keras.Input((4, 4, 1)),
                               keras.layers.Conv2D(2, 3, activation="tanh"),
                               keras.layers.Flatten(), keras.layers.Dense(1)])
    real = tf.random.normal((4, 4, 4, 1), seed=2)
    compiled = tf.function(lambda images: r1_penalty(critic, images))
    assert float(compiled(real)) == pytest.approx(
        float(r1_penalty(critic, real)), rel=1e-5)


def test_r1_refuses_bad_arguments():
    """A critic that cannot be called, and integer images."""
    with pytest.raises(TypeError, match="critic"):
        r1_penalty("critic", tf.zeros((2, 2)))
    with pytest.raises(ValueError, match="real_images"):
        r1_penalty(lambda x: x, tf.zeros((2, 2), tf.int32))


def largest_singular_value(kernel):
    """The spectral norm of a kernel reshaped, as Miyato et al. do, to
    (everything but the output channels, output channels)."""
    matrix = kernel.numpy().reshape(-1, kernel.shape[-1])
    return float(np.linalg.svd(matrix, compute_uv=False)[0])


def test_spectral_normalisation_keeps_the_kernels_near_norm_one():
    """A critic with SpectralNormalization around its Conv2D and Dense,
    whose kernels start with norms far from 1, has kernels of norm about
    1 after a few training steps (one power iteration a call); a call in
    inference mode leaves the kernels as they are."""
    keras.utils.set_random_seed(3)
    large = keras.initializers.RandomNormal(stddev=1.)
    conv = keras.layers.SpectralNormalization(
        keras.layers.Conv2D(8, 3, strides=2, kernel_initializer=large))
    dense = keras.layers.SpectralNormalization(
        keras.layers.Dense(1, kernel_initializer=large))
    critic = keras.Sequential([keras.Input((8, 8, 1)), conv,
                               keras.layers.LeakyReLU(.2),
                               keras.layers.Flatten(), dense])
    assert largest_singular_value(conv.layer.kernel) > 3
    assert largest_singular_value(dense.layer.kernel) > 3
    before = largest_singular_value(conv.layer.kernel)
    critic(tf.zeros((2, 8, 8, 1)), training=False)
    assert largest_singular_value(conv.layer.kernel) == before

    optimizer = keras.optimizers.Adam(1e-3)
    real = tf.random.normal((8, 8, 8, 1), seed=4)
    fake = tf.random.normal((8, 8, 8, 1), seed=5)
    for _ in range(30):
        with tf.GradientTape() as tape:
            loss = hinge_critic_loss(critic(real, training=True),
                                     critic(fake, training=True))
        optimizer.apply_gradients(zip(tape.gradient(
            loss, critic.trainable_variables), critic.trainable_variables))
    critic(real, training=True)  # normalise after the last update
    for layer in (conv, dense):
        assert largest_singular_value(layer.layer.kernel) == pytest.approx(
            1., abs=.01)
