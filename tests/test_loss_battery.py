#!/usr/bin/env python3
"""One battery for every loss and penalty function in the package.

Each loss below is checked the same four ways, from one table of cases:

- its value on fixed small tensors equals a hand computation written out
  in NumPy here (explicit numbers where practical, never the same formula
  re-typed in TensorFlow);
- the result is a scalar (shape ``()``);
- float32 scores in give a float32 loss out;
- scores shaped ``(N, 1)`` (what a network's one-unit head gives) and
  ``(N,)`` give the same value, and so does a graph (``tf.function``) run.

The losses: lesson 0's least-squares pair, lessons 1 and 2's Wasserstein
pair, lesson 4's Wasserstein critic loss, drift penalty and
non-saturating pair (with one-sided label smoothing), lesson 5's
non-saturating pair (with one-sided label smoothing) and the MLP GAN's
clipped binary cross-entropy pair (``ganlab.nets.mlp_gan``). The two
gradient penalties need a critic rather than scores: lesson 2's is a
method, tested through a tiny ``WGAN_GP`` whose critic is linear (its
gradient is its weight vector everywhere) or half a squared norm (its
gradient at x is x); lesson 4's is a module function taking the critic.

Last, ``ganlab.training.augment.augmenting``, which gives lessons 0-2 an
``augment=`` hook: the critic's and the generator's losses are then
computed on augmented samples, so it is checked here beside them.

Numbered files are loaded as graders load them: ``__import__('2-wgan_gp')``.
"""
import math

import numpy as np
import pytest
import tensorflow as tf
from tensorflow import keras

from ganlab.nets import mlp_gan
from ganlab.training.augment import DiffAugment, augmenting

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
        mlp_gan.discriminator_loss, (REAL_P, FAKE_P),
        (-(math.log(.9) + math.log(.5) + math.log(.2)) / 3
         - (math.log(.9) + math.log(.5) + math.log(.2)) / 3) / 2),
    # mean(-log .1, -log .5, -log .8)
    "mlp generator_loss": (
        mlp_gan.generator_loss, (FAKE_P,),
        -(math.log(.1) + math.log(.5) + math.log(.8)) / 3),
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
    assert float(mlp_gan.generator_loss(tf.zeros((2, 1)))) == pytest.approx(
        -math.log(1e-7), rel=1e-6)
    perfect = float(mlp_gan.discriminator_loss(tf.ones((2, 1)),
                                               tf.zeros((2, 1))))
    assert np.isfinite(perfect) and 0 <= perfect < 1e-6


def test_mlp_discriminator_loss_halves_the_sum():
    """At p = .5 everywhere each cross-entropy is log 2, and the MLP GAN's
    discriminator loss is their mean, (log 2 + log 2) / 2 = log 2."""
    half = tf.fill((3, 1), .5)
    assert float(mlp_gan.discriminator_loss(half, half)) == pytest.approx(
        math.log(2), rel=1e-6)


# ## The gradient penalties


def linear_critic(shape, weights, bias=.25):
    """Return the Keras model D(x) = <weights, x> + bias on ``shape``."""
    inputs = keras.Input(shape)
    dense = keras.layers.Dense(1)
    outputs = dense(keras.layers.Flatten()(inputs))
    dense.set_weights([np.reshape(weights, (-1, 1)).astype("float32"),
                       np.array([bias], "float32")])
    return keras.Model(inputs, outputs, name="discriminator")


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


# ## Lessons 0-2 with differentiable augmentation (``augmenting``)

LESSONS = {"Simple_GAN": simple_gan.Simple_GAN,
           "WGAN_clip": wgan_clip.WGAN_clip, "WGAN_GP": wgan_gp.WGAN_GP}
LESSON_KEYS = {"Simple_GAN": {"discr_loss", "gen_loss"},
               "WGAN_clip": {"discr_loss", "gen_loss"},
               "WGAN_GP": {"discr_loss", "gen_loss", "gp"}}
SAMPLE_SHAPE = (4, 4, 1)


def tiny_lesson(gan_class, seed=0, **kwargs):
    """A compiled lesson GAN of a one-layer generator and a linear critic
    on 12 distinct examples of SAMPLE_SHAPE, its weights set by ``seed``."""
    keras.utils.set_random_seed(seed)
    size = int(np.prod(SAMPLE_SHAPE))
    latent = keras.Input((2,))
    generator = keras.Model(latent, keras.layers.Reshape(SAMPLE_SHAPE)(
        keras.layers.Dense(size)(latent)), name="generator")
    image = keras.Input(SAMPLE_SHAPE)
    critic = keras.Model(image, keras.layers.Dense(1)(
        keras.layers.Flatten()(image)), name="discriminator")
    real = np.linspace(-1, 1, 12 * size, dtype="float32")
    gan = gan_class(generator, critic, lambda k: tf.random.normal((k, 2)),
                    real.reshape((12,) + SAMPLE_SHAPE), batch_size=4,
                    **kwargs)
    return gan


def history(gan, steps=3, run_eagerly=False):
    """Train ``gan`` for ``steps`` steps; return its loss history."""
    gan.compile(run_eagerly=run_eagerly)
    gan.fit(epochs=1, steps_per_epoch=steps, verbose=0)
    return gan.history.history


@pytest.mark.parametrize("name", sorted(LESSONS))
def test_augmenting_with_no_augment_is_the_lesson_draw_for_draw(name):
    """With augment=None, the same losses as the lesson from the same seed,
    under the lesson's keys."""
    lesson = history(tiny_lesson(LESSONS[name], seed=4))
    augmented_class = augmenting(LESSONS[name])
    same = history(tiny_lesson(augmented_class, seed=4, augment=None))
    assert augmented_class.__name__ == f"Augmented{name}"
    assert issubclass(augmented_class, LESSONS[name])
    assert augmenting(LESSONS[name]) is augmented_class
    assert set(lesson) == set(same) == LESSON_KEYS[name]
    for key in lesson:
        np.testing.assert_array_equal(same[key], lesson[key])


@pytest.mark.parametrize("name", sorted(LESSONS))
def test_augmenting_augments_each_sample_the_critic_sees(name):
    """Compiled, augment runs on each critic update's real and fake
    sample (``disc_iter`` = 2 of each) and on the generator update's fake
    sample: 5 times a step; the history keeps the lesson's keys."""
    calls = tf.Variable(0)

    def counting(samples):
        """Count the call in a variable (a compiled step runs it each
        step)."""
        calls.assign_add(1)
        return samples

    logs = history(tiny_lesson(augmenting(LESSONS[name]),
                               augment=counting), steps=3)
    assert set(logs) == LESSON_KEYS[name]
    assert int(calls.numpy()) == 5 * 3


def test_augmenting_real_and_fake_samples_in_order():
    """Run eagerly: per step, two (real, fake) pairs for the critic, the
    real samples rows of ``real_examples``, then one fake sample for the
    generator."""
    seen = []

    def recording(samples):
        """Record the batch; return it unchanged."""
        seen.append(np.asarray(samples))
        return samples

    gan = tiny_lesson(augmenting(wgan_gp.WGAN_GP), augment=recording)
    history(gan, steps=1, run_eagerly=True)
    data = np.asarray(gan.real_examples).reshape(12, -1)

    def is_real(batch):
        """Whether every example of ``batch`` is a row of the data."""
        return all((np.abs(data - row).max(axis=1) < 1e-7).any()
                   for row in batch.reshape(len(batch), -1))

    assert [is_real(batch) for batch in seen] == [True, False, True, False,
                                                  False]


def test_augmenting_leaves_samples_outside_training_alone():
    """Plots and metrics call ``get_real_sample`` outside ``train_step``:
    no augmentation, unless asked with ``training=True``; fakes are
    augmented with ``training=True`` only."""
    gan = tiny_lesson(augmenting(simple_gan.Simple_GAN),
                      augment=lambda samples: samples + 100.)
    assert np.abs(np.asarray(gan.get_real_sample())).max() <= 1
    assert np.asarray(gan.get_real_sample(training=True)).min() > 90
    assert np.abs(np.asarray(gan.get_fake_sample(3))).max() < 90
    assert np.asarray(gan.get_fake_sample(3, training=True)).min() > 90


def test_augmenting_wgan_gp_with_diffaugment_trains_the_generator():
    """A non-zero gradient reaches lesson 2's generator through
    DiffAugment."""
    gan = tiny_lesson(augmenting(wgan_gp.WGAN_GP),
                      augment=DiffAugment(seed=0))
    before = [w.numpy().copy() for w in gan.generator.trainable_weights]
    logs = history(gan, steps=2)
    assert all(np.isfinite(values).all() for values in logs.values())
    assert any(not np.allclose(old, new.numpy()) for old, new in
               zip(before, gan.generator.trainable_weights))


def test_augmenting_rejects_bad_arguments():
    """A class that is no GAN, or an augment that is no function, is named."""
    with pytest.raises(TypeError, match="gan_class must be"):
        augmenting(3)
    with pytest.raises(TypeError, match="augment must be None or"):
        tiny_lesson(augmenting(wgan_clip.WGAN_clip), augment="color")
