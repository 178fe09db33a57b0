#!/usr/bin/env python3
"""Every loss and penalty of the package against numbers worked out by hand.

Three parts: the lessons' losses and lesson 2's gradient penalty; the
hinge loss, the R1 penalty and spectral normalisation of
``ganlab.training.losses``; and one battery that checks every loss the
same four ways.
"""
import math

import numpy as np
import pytest
import tensorflow as tf
from tensorflow import keras

from ganlab.nets.builders import fully_connected_GenDiscr
from ganlab.training import losses, nonsaturating
from ganlab.training.losses import (hinge_critic_loss, hinge_generator_loss,
                                    r1_penalty)
from tests.helpers import GAN_MODULES, linear_critic, load_gan_class


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


# ---- The hinge loss, the R1 penalty and spectral normalisation, against
# numbers worked out by hand (or by NumPy).
#
# numbers worked out by hand (or by NumPy).


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


# ---- One battery for every loss and penalty function in the package.
#
# Each loss below is checked the same four ways, from one table of cases:
#
# - its value on fixed small tensors equals a hand computation written out
#   in NumPy here (explicit numbers where practical, never the same formula
#   re-typed in TensorFlow);
# - the result is a scalar (shape ``()``);
# - float32 scores in give a float32 loss out;
# - scores shaped ``(N, 1)`` (what a network's one-unit head gives) and
#   ``(N,)`` give the same value, and so does a graph (``tf.function``) run.
#
# The losses: lesson 0's least-squares pair, lessons 1 and 2's Wasserstein
# pair, lesson 4's Wasserstein critic loss, drift penalty and
# non-saturating pair (with one-sided label smoothing), lesson 5's
# non-saturating pair (with one-sided label smoothing) and the MLP GAN's
# clipped binary cross-entropy pair (``ganlab.training.nonsaturating``) and
# the
# hinge pair of ``ganlab.training.losses``. The two
# gradient penalties need a critic rather than scores: lesson 2's is a
# method, tested through a tiny ``WGAN_GP`` whose critic is linear (its
# gradient is its weight vector everywhere) or half a squared norm (its
# gradient at x is x); lesson 4's is a module function taking the critic.
#
# Numbered files are loaded as graders load them: ``__import__('2-wgan_gp')``.


simple_gan = __import__("0-simple_gan")
wgan_clip = __import__("1-wgan_clip")
wgan_gp = __import__("2-wgan_gp")
progan = __import__("4-progan")
dcgan = __import__("5-dcgan_cifar")

# Scores (or logits) of three real and three fake examples.
REAL = np.array([.5, -1., 2.])
FAKE = np.array([0., 1., -.5])
# Probabilities, for the MLP GAN, whose discriminator ends in a sigmoid.
REAL_P = np.array([.9, .5, .2])
FAKE_P = np.array([.1, .5, .8])


def sigmoid(z):
    """1 / (1 + e^-z), in NumPy."""
    return 1. / (1. + np.exp(-np.asarray(z, dtype=np.float64)))


def bce_on_logits(label, logits):
    """Mean binary cross-entropy -(y log s(z) + (1 - y) log(1 - s(z))),
    written from its definition (not TensorFlow's stable rewrite)."""
    p = sigmoid(logits)
    return float(np.mean(-(label * np.log(p) + (1 - label) * np.log(1 - p))))


# name -> (function, arguments as NumPy arrays, value worked out by hand)
CASES = {
    # mean((0-1)^2, (1-1)^2, (-.5-1)^2) = (1 + 0 + 2.25) / 3
    "0 least_squares_generator_loss": (
        simple_gan.least_squares_generator_loss, (FAKE,), 3.25 / 3),
    # mean((.5-1)^2, (-1-1)^2, (2-1)^2) + mean((0+1)^2, (1+1)^2, (-.5+1)^2)
    # = (.25 + 4 + 1) / 3 + (1 + 4 + .25) / 3 = 10.5 / 3
    "0 least_squares_discriminator_loss": (
        simple_gan.least_squares_discriminator_loss, (REAL, FAKE), 3.5),
    # -mean(0, 1, -.5) = -.5 / 3
    "1 wasserstein_generator_loss": (
        wgan_clip.wasserstein_generator_loss, (FAKE,), -1 / 6),
    # mean(fake) - mean(real) = .5 / 3 - 1.5 / 3
    "1 wasserstein_critic_loss": (
        wgan_clip.wasserstein_critic_loss, (REAL, FAKE), -1 / 3),
    "2 wasserstein_generator_loss": (
        wgan_gp.wasserstein_generator_loss, (FAKE,), -1 / 6),
    "2 wasserstein_critic_loss": (
        wgan_gp.wasserstein_critic_loss, (REAL, FAKE), -1 / 3),
    "4 wasserstein_critic_loss": (
        progan.wasserstein_critic_loss, (REAL, FAKE), -1 / 3),
    # mean(.25, 1, 4)
    "4 drift_penalty": (progan.drift_penalty, (REAL,), 5.25 / 3),
    # real labels smoothed to .9, fake labels 0
    "4 nonsaturating_critic_loss": (
        progan.nonsaturating_critic_loss, (REAL, FAKE),
        bce_on_logits(.9, REAL) + bce_on_logits(0., FAKE)),
    "4 nonsaturating_generator_loss": (
        progan.nonsaturating_generator_loss, (FAKE,),
        bce_on_logits(1., FAKE)),
    "5 discriminator_loss": (
        dcgan.discriminator_loss, (REAL, FAKE),
        bce_on_logits(.9, REAL) + bce_on_logits(0., FAKE)),
    "5 generator_loss": (
        dcgan.generator_loss, (FAKE,), bce_on_logits(1., FAKE)),
    # (mean(-log .9, -log .5, -log .2) + mean(-log .9, -log .5, -log .2)) / 2
    "mlp discriminator_loss": (
        nonsaturating.discriminator_loss, (REAL_P, FAKE_P),
        (-(math.log(.9) + math.log(.5) + math.log(.2)) / 3
         - (math.log(.9) + math.log(.5) + math.log(.2)) / 3) / 2),
    # mean(-log .1, -log .5, -log .8)
    "mlp generator_loss": (
        nonsaturating.generator_loss, (FAKE_P,),
        -(math.log(.1) + math.log(.5) + math.log(.8)) / 3),
    # mean(relu(1 - .5), relu(1 + 1), relu(1 - 2))
    # + mean(relu(1 + 0), relu(1 + 1), relu(1 - .5)) = 2.5 / 3 + 3.5 / 3
    "hinge_critic_loss": (losses.hinge_critic_loss, (REAL, FAKE), 2.),
    # -mean(0, 1, -.5)
    "hinge_generator_loss": (losses.hinge_generator_loss, (FAKE,), -1 / 6),
}
NAMES = sorted(CASES)


def tensors(arrays, shape="column", dtype=tf.float32):
    """The arrays as tensors shaped ``(N, 1)`` ("column") or ``(N,)``."""
    return [tf.constant(a.reshape(-1, 1) if shape == "column" else a,
                        dtype=dtype) for a in arrays]


@pytest.mark.parametrize("name", NAMES)
def test_value_matches_the_hand_computation(name):
    """On (N, 1) float32 scores, the loss equals the NumPy value."""
    function, arrays, expected = CASES[name]
    assert float(function(*tensors(arrays))) == pytest.approx(
        expected, rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("name", NAMES)
def test_result_is_a_float32_scalar(name):
    """float32 scores in give a loss of shape () and dtype float32 out,
    for (N, 1) and (N,) scores alike."""
    function, arrays, _ = CASES[name]
    for shape in ("column", "flat"):
        loss = function(*tensors(arrays, shape))
        assert loss.shape == ()
        assert loss.dtype == tf.float32


@pytest.mark.parametrize("name", NAMES)
def test_column_and_flat_batches_agree(name):
    """Scores shaped (N, 1), (N,), and one argument of each (for the
    two-argument losses), all give the same value."""
    function, arrays, expected = CASES[name]
    values = [float(function(*tensors(arrays, "column"))),
              float(function(*tensors(arrays, "flat")))]
    if len(arrays) == 2:
        column, flat = tensors(arrays, "column"), tensors(arrays, "flat")
        values.append(float(function(column[0], flat[1])))
        values.append(float(function(flat[0], column[1])))
    assert values == pytest.approx([expected] * len(values), rel=1e-6,
                                   abs=1e-7)


@pytest.mark.parametrize("name", NAMES)
def test_graph_run_gives_the_same_value(name):
    """Inside a ``tf.function``, as in ``train_step``, the value is the
    same as eagerly."""
    function, arrays, expected = CASES[name]
    assert float(tf.function(function)(*tensors(arrays))) == pytest.approx(
        expected, rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("name", NAMES)
def test_batch_size_one(name):
    """A batch of one example, shaped (1, 1) or (1,), still gives a scalar
    equal to the loss of that example alone."""
    function, arrays, _ = CASES[name]
    first = [a[:1] for a in arrays]
    expected = CASES[name][0](*tensors(first, "flat"))
    for shape in ("column", "flat"):
        loss = function(*tensors(first, shape))
        assert loss.shape == ()
        assert float(loss) == pytest.approx(float(expected), rel=1e-6)


# ## The label-smoothed and clipped losses, at points worked out exactly


@pytest.mark.parametrize("critic_loss", [progan.nonsaturating_critic_loss,
                                         dcgan.discriminator_loss],
                         ids=["4-progan", "5-dcgan_cifar"])
def test_smoothed_loss_at_zero_logits_is_two_log_two(critic_loss):
    """At logit 0 every cross-entropy is log 2 whatever the label, so the
    critic's loss is 2 log 2 = 1.386294..., smoothed or not."""
    zeros = tf.zeros((4, 1))
    for label in (.9, 1.):
        assert float(critic_loss(zeros, zeros, real_label=label)) == (
            pytest.approx(2 * math.log(2), rel=1e-6))


@pytest.mark.parametrize("critic_loss", [progan.nonsaturating_critic_loss,
                                         dcgan.discriminator_loss],
                         ids=["4-progan", "5-dcgan_cifar"])
def test_one_sided_smoothing_moves_only_the_real_term(critic_loss):
    """BCE(y, z) = softplus(z) - y z, so lowering the real label from 1 to
    .9 adds .1 * mean(real logits) = .1 * 1.5 / 3 = .05, and the fake
    logits play no part in the difference (they keep label 0)."""
    real, fake = tensors((REAL, FAKE))
    smoothed = float(critic_loss(real, fake))
    unsmoothed = float(critic_loss(real, fake, real_label=1.))
    assert smoothed - unsmoothed == pytest.approx(.05, rel=1e-5)
    other_fake = tf.constant([[3.], [-2.], [7.]])
    assert (float(critic_loss(real, other_fake))
            - float(critic_loss(real, other_fake, real_label=1.))) == (
        pytest.approx(.05, rel=1e-5))
    # Default is the smoothed .9
    assert smoothed == pytest.approx(
        float(critic_loss(real, fake, real_label=.9)))


@pytest.mark.parametrize("generator_loss", [
    progan.nonsaturating_generator_loss, dcgan.generator_loss],
    ids=["4-progan", "5-dcgan_cifar"])
def test_generator_loss_is_not_smoothed(generator_loss):
    """The generator's target stays 1: at logits (0, ln 3) the loss is
    mean(-log 1/2, -log 3/4) = (log 2 + log 4/3) / 2 exactly."""
    logits = tf.constant([[0.], [math.log(3.)]])
    assert float(generator_loss(logits)) == pytest.approx(
        (math.log(2) + math.log(4 / 3)) / 2, rel=1e-6)


def test_logit_losses_stay_finite_on_large_logits():
    """Logits of +-100 (a sigmoid of exactly 0 or 1 in float32) give the
    finite cross-entropies 100 (wrong side) and about 0 (right side)."""
    big = tf.constant([[100.]])
    small = tf.constant([[-100.]])
    for loss in (progan.nonsaturating_generator_loss, dcgan.generator_loss):
        assert float(loss(small)) == pytest.approx(100., rel=1e-6)
        assert float(loss(big)) == pytest.approx(0., abs=1e-6)
    for loss in (progan.nonsaturating_critic_loss, dcgan.discriminator_loss):
        # real at +100 with label .9: softplus(100) - 90 = 10; fake at -100: 0
        assert float(loss(big, small)) == pytest.approx(10., rel=1e-5)


def test_mlp_losses_clip_probabilities():
    """p is clipped to [1e-7, 1 - 1e-7]: a fake at p = 0 costs the
    generator -log(1e-7) = 16.118..., not infinity, and a perfect
    discriminator (real 1, fake 0) costs about 1e-7, not 0 or NaN."""
    assert float(nonsaturating.generator_loss(tf.zeros((2, 1)))) == (
        pytest.approx(-math.log(1e-7), rel=1e-6))
    perfect = float(nonsaturating.discriminator_loss(tf.ones((2, 1)),
                                                     tf.zeros((2, 1))))
    assert np.isfinite(perfect) and 0 <= perfect < 1e-6


def test_mlp_discriminator_loss_halves_the_sum():
    """At p = .5 everywhere each cross-entropy is log 2, and the MLP GAN's
    discriminator loss is their mean, (log 2 + log 2) / 2 = log 2."""
    half = tf.fill((3, 1), .5)
    assert float(nonsaturating.discriminator_loss(half, half)) == (
        pytest.approx(math.log(2), rel=1e-6))


# ## The gradient penalties


def half_square_critic(shape):
    """Return the Keras model D(x) = ||x||^2 / 2, whose gradient is x."""
    inputs = keras.Input(shape)
    axes = list(range(1, len(shape) + 1))
    outputs = keras.layers.Lambda(
        lambda x: .5 * tf.reduce_sum(x * x, axis=axes)[:, None])(inputs)
    return keras.Model(inputs, outputs, name="discriminator")


def tiny_wgan_gp(critic, shape, batch_size=3):
    """Return a lesson-2 WGAN_GP with ``critic`` and a one-layer generator
    producing examples of ``shape``."""
    latent = keras.Input((2,))
    flat = keras.layers.Dense(int(np.prod(shape)))(latent)
    generator = keras.Model(latent, keras.layers.Reshape(shape)(flat))
    real = np.linspace(-1, 1, 12 * int(np.prod(shape)), dtype="float32")
    return wgan_gp.WGAN_GP(generator, critic,
                           lambda k: tf.random.normal((k, 2)),
                           real.reshape((12,) + tuple(shape)),
                           batch_size=batch_size)


# Linear critics: weights, their norm by hand, the penalty (norm - 1)^2.
LINEAR = [([.6, .8, 0., 0.], 1., 0.),            # 3-4-5 triangle scaled
          ([1.8, 2.4, 0., 0.], 3., 4.),
          ([.5, .5, .5, .5], 1., 0.),
          ([.1, .2, .2, 0.], .3, .49),
          ([1., 2., 2., 4.], 5., 16.)]


@pytest.mark.parametrize("shape", [(4,), (2, 2, 1)])
@pytest.mark.parametrize("weights, norm, penalty", LINEAR)
def test_lesson2_penalty_of_a_linear_critic(shape, weights, norm, penalty):
    """Lesson 2's ``WGAN_GP.gradient_penalty``: the gradient of <w, x> + b
    is w at every point, so the penalty is (||w|| - 1)^2, whatever the
    points, for flat and image-shaped examples; a float32 scalar."""
    gan = tiny_wgan_gp(linear_critic(shape, weights), shape)
    points = tf.constant(np.arange(3 * 4, dtype="float32").reshape(
        (3,) + shape) / 7.)
    value = gan.gradient_penalty(points)
    assert value.shape == () and value.dtype == tf.float32
    assert float(value) == pytest.approx(penalty, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("shape", [(2,), (1, 2, 1)])
def test_lesson2_penalty_is_per_example_then_averaged(shape):
    """For D(x) = ||x||^2 / 2 the gradient at x is x: at the points
    (3, 4), (0, 1), (.3, .4) the norms are 5, 1, .5 and the penalty is
    ((5-1)^2 + (1-1)^2 + (.5-1)^2) / 3 = 16.25 / 3."""
    gan = tiny_wgan_gp(half_square_critic(shape), shape)
    points = tf.constant(np.array([[3., 4.], [0., 1.], [.3, .4]],
                                  "float32").reshape((3,) + shape))
    assert float(gan.gradient_penalty(points)) == pytest.approx(
        16.25 / 3, rel=1e-6)


def check_zero_gradient(penalty_of, critic):
    """With a critic of zero slope the penalty is (1e-6 - 1)^2 (the 1e-12
    under the square root) and its gradient on the critic's weights is
    finite: no NaN from the derivative of sqrt at 0."""
    with tf.GradientTape() as tape:
        value = penalty_of()
    gradients = tape.gradient(value, critic.trainable_variables)
    assert float(value) == pytest.approx((1e-6 - 1.) ** 2, rel=1e-6)
    assert all(g is None or bool(tf.reduce_all(tf.math.is_finite(g)))
               for g in gradients)
    assert any(g is not None for g in gradients)


def test_lesson2_penalty_of_a_flat_critic_is_finite():
    """Lesson 2: zero critic weights give a penalty of about 1 and finite
    gradients (``check_zero_gradient``)."""
    critic = linear_critic((4,), np.zeros(4))
    gan = tiny_wgan_gp(critic, (4,))
    points = tf.constant(np.ones((3, 4), "float32"))
    check_zero_gradient(lambda: gan.gradient_penalty(points), critic)


# Lesson 4's penalty mixes real and fake images itself; examples are
# (H, W, C) = (1, 2, 1), so each holds two numbers.
REAL_IMAGES = np.array([3., 4., 0., 2.], "float32").reshape(2, 1, 2, 1)
FAKE_IMAGES = np.array([1., 0., 0., 0.], "float32").reshape(2, 1, 2, 1)
MIX = np.array([.5, .25], "float32").reshape(2, 1, 1, 1)


@pytest.mark.parametrize("weights, norm, penalty", LINEAR)
def test_lesson4_penalty_of_a_linear_critic(weights, norm, penalty):
    """Lesson 4's ``gradient_penalty``: a linear critic's gradient is its
    weight vector, so the penalty is (||w|| - 1)^2; a float32 scalar."""
    critic = linear_critic((2, 2, 1), weights)
    real = tf.constant(np.arange(8, dtype="float32").reshape(2, 2, 2, 1))
    fake = tf.zeros((2, 2, 2, 1))
    value = progan.gradient_penalty(critic, real, fake,
                                    tf.constant(MIX))
    assert value.shape == () and value.dtype == tf.float32
    assert float(value) == pytest.approx(penalty, rel=1e-5, abs=1e-6)


def test_lesson4_penalty_interpolates_then_averages():
    """With D(x) = ||x||^2 / 2 the gradient is the mixed point itself:
    x_hat = fake + mix (real - fake) = (1, 0) + .5 (2, 4) = (2, 2) and
    (0, 0) + .25 (0, 2) = (0, .5), of norms sqrt 8 and .5, so the penalty
    is ((sqrt 8 - 1)^2 + (.5 - 1)^2) / 2."""
    critic = half_square_critic((1, 2, 1))
    value = progan.gradient_penalty(critic, tf.constant(REAL_IMAGES),
                                    tf.constant(FAKE_IMAGES),
                                    tf.constant(MIX))
    assert float(value) == pytest.approx(
        ((math.sqrt(8) - 1) ** 2 + .25) / 2, rel=1e-6)


def test_lesson4_penalty_mix_ends_pick_real_and_fake():
    """mix = 1 puts x_hat on the real image, mix = 0 on the fake one: with
    D(x) = ||x||^2 / 2 the penalty is then mean over examples of
    (||real_i|| - 1)^2 = ((5-1)^2 + (2-1)^2) / 2 = 8.5, respectively
    (||fake_i|| - 1)^2 = ((1-1)^2 + (1e-6 - 1)^2) / 2 ~ .5."""
    critic = half_square_critic((1, 2, 1))
    real, fake = tf.constant(REAL_IMAGES), tf.constant(FAKE_IMAGES)
    ones = tf.ones((2, 1, 1, 1))
    assert float(progan.gradient_penalty(critic, real, fake, ones)) == (
        pytest.approx(8.5, rel=1e-6))
    assert float(progan.gradient_penalty(critic, real, fake, 0 * ones)) == (
        pytest.approx(.5, rel=1e-5))


def test_lesson4_penalty_of_a_flat_critic_is_finite():
    """Lesson 4: zero critic weights give a penalty of about 1 and finite
    gradients (``check_zero_gradient``)."""
    critic = linear_critic((1, 2, 1), np.zeros(2))
    real, fake = tf.constant(REAL_IMAGES), tf.constant(FAKE_IMAGES)
    check_zero_gradient(lambda: progan.gradient_penalty(
        critic, real, fake, tf.constant(MIX)), critic)


def test_the_two_penalties_agree():
    """Lessons 2 and 4 compute the same penalty: on the points lesson 4
    mixes, lesson 2's method gives lesson 4's value (same norm, same
    1e-12 epsilon)."""
    critic = half_square_critic((1, 2, 1))
    real, fake = tf.constant(REAL_IMAGES), tf.constant(FAKE_IMAGES)
    mix = tf.constant(MIX)
    gan = tiny_wgan_gp(critic, (1, 2, 1), batch_size=2)
    points = fake + mix * (real - fake)
    assert float(gan.gradient_penalty(points)) == pytest.approx(
        float(progan.gradient_penalty(critic, real, fake, mix)), rel=1e-7)
    zero_critic = linear_critic((1, 2, 1), np.zeros(2))
    gan = tiny_wgan_gp(zero_critic, (1, 2, 1), batch_size=2)
    assert float(gan.gradient_penalty(points)) == pytest.approx(
        float(progan.gradient_penalty(zero_critic, real, fake, mix)),
        rel=1e-7)
