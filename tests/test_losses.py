#!/usr/bin/env python3
"""Losses and the gradient penalty against numbers worked out by hand."""
import numpy as np
import pytest
import tensorflow as tf
from tensorflow import keras

from conftest import GAN_MODULES, linear_critic, load_gan_class
from ganlab.nets.builders import fully_connected_GenDiscr

REAL_SCORES = tf.constant([[.5], [-1.]])
FAKE_SCORES = tf.constant([[0.], [1.]])


def module(name):
    """Return the numbered module that defines the class ``name``."""
    return __import__(GAN_MODULES[name])


def test_least_squares_losses_by_hand():
    """Generator: mean((0-1)^2, (1-1)^2) = .5. Discriminator:
    mean((.5-1)^2, (-1-1)^2) + mean((0+1)^2, (1+1)^2) = 2.125 + 2.5."""
    simple = module("Simple_GAN")
    assert float(simple.least_squares_generator_loss(FAKE_SCORES)) == .5
    assert float(simple.least_squares_discriminator_loss(
        REAL_SCORES, FAKE_SCORES)) == pytest.approx(4.625)


@pytest.mark.parametrize("name", ["WGAN_clip", "WGAN_GP"])
def test_wasserstein_losses_by_hand(name):
    """Generator: -mean(0, 1) = -.5. Critic: mean(0, 1) - mean(.5, -1) =
    .5 + .25 = .75."""
    wgan = module(name)
    assert float(wgan.wasserstein_generator_loss(FAKE_SCORES)) == -.5
    assert float(wgan.wasserstein_critic_loss(
        REAL_SCORES, FAKE_SCORES)) == pytest.approx(.75)


@pytest.mark.parametrize("name, generator_loss, critic_loss",
                         [("Simple_GAN", .5, 4.625), ("WGAN_clip", -.5, .75),
                          ("WGAN_GP", -.5, .75)])
def test_sub_models_carry_these_losses(name, generator_loss, critic_loss):
    """``generator.loss(x)`` and ``discriminator.loss(x, y)``, with x the
    scores of real and y those of fake examples, give the hand values."""
    generator, discriminator, latent = fully_connected_GenDiscr(
        [2, 8, 2], None)
    gan = load_gan_class(name)(generator, discriminator, latent,
                               np.random.rand(300, 2))
    assert float(gan.generator.loss(FAKE_SCORES)) == pytest.approx(
        generator_loss)
    assert float(gan.discriminator.loss(REAL_SCORES, FAKE_SCORES)) == (
        pytest.approx(critic_loss))


def critic_gan(critic, real_examples, **kwargs):
    """Return a WGAN_GP whose critic is ``critic``, with a linear generator
    whose output shape matches ``real_examples``."""
    shape = real_examples.shape[1:]
    latent = keras.Input((3,))
    flat = keras.layers.Dense(int(np.prod(shape)))(latent)
    generator = keras.Model(latent, keras.layers.Reshape(shape)(flat),
                            name="generator")
    return load_gan_class("WGAN_GP")(
        generator, critic, lambda k: tf.random.normal((k, 3)),
        real_examples, **kwargs)


@pytest.mark.parametrize("shape", [(2,), (4, 4, 1)])
def test_gradient_penalty_of_a_linear_critic(shape):
    """The gradient of <w, x> + b is w everywhere, so the penalty is
    (||w|| - 1)^2 at any points; here ||w|| = 3, so it is 4."""
    weights = np.zeros(int(np.prod(shape)))
    weights[:2] = [3 * .6, 3 * .8]
    real = np.random.rand(50, *shape).astype("float32")
    gan = critic_gan(linear_critic(shape, weights), real, batch_size=10)
    points = tf.random.normal((10,) + shape)
    assert float(gan.gradient_penalty(points)) == pytest.approx(4.)


def test_gradient_penalty_is_per_example_then_averaged():
    """For D(x) = ||x||^2 / 2 the gradient at x is x itself, so the penalty
    is mean((||x_i|| - 1)^2): here ((5-1)^2 + (1-1)^2 + (0.5-1)^2)/3."""
    inputs = keras.Input((2,))
    half_square = keras.layers.Lambda(
        lambda x: .5 * tf.reduce_sum(x * x, axis=1, keepdims=True))(inputs)
    gan = critic_gan(keras.Model(inputs, half_square, name="discriminator"),
                     np.random.rand(20, 2).astype("float32"), batch_size=3)
    points = tf.constant([[3., 4.], [0., 1.], [.3, .4]])
    assert float(gan.gradient_penalty(points)) == pytest.approx(
        (16 + 0 + .25) / 3, rel=1e-6)


def test_interpolation_uses_one_uniform_weight_per_example():
    """Between real = 1 and fake = 0 the mix equals u itself: constant
    inside each example, in [0, 1], and different across examples."""
    real = np.ones((64, 4, 4, 1), "float32")
    gan = critic_gan(linear_critic((4, 4, 1), np.ones(16)), real,
                     batch_size=32)
    mixed = gan.get_interpolated_sample(tf.ones((32, 4, 4, 1)),
                                        tf.zeros((32, 4, 4, 1))).numpy()
    per_example = mixed.reshape(32, -1)
    assert np.all(per_example == per_example[:, :1])
    assert per_example.min() >= 0 and per_example.max() <= 1
    assert len(np.unique(per_example[:, 0])) == 32


def test_train_step_reports_the_unpenalised_critic_loss():
    """With fixed samples and a linear critic (||w|| = 3), the step returns
    discr_loss = mean(D(fake)) - mean(D(real)) without the penalty, and
    gp = (3 - 1)^2 = 4 beside it."""
    real = np.random.rand(40, 2).astype("float32")
    gan = critic_gan(linear_critic((2,), [1.8, 2.4]), real, batch_size=40,
                     disc_iter=1)
    fixed_fake = tf.constant(np.random.rand(40, 2).astype("float32"))
    gan.get_real_sample = lambda size=None: tf.constant(real)
    # The generator still enters the fakes (times 0) so its update runs.
    gan.get_fake_sample = lambda size=None, training=False: (
        fixed_fake + 0. * gan.generator(tf.zeros((40, 3))))
    scores = lambda x: x @ np.array([1.8, 2.4]) + .25  # noqa: E731
    expected = scores(fixed_fake.numpy()).mean() - scores(real).mean()
    logs = gan.train_step(None)
    assert float(logs["discr_loss"]) == pytest.approx(expected, abs=1e-5)
    assert float(logs["gp"]) == pytest.approx(4., rel=1e-5)
