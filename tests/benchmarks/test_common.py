"""The reference loop the speed benchmarks share (``benchmarks/common.py``):
one of its steps is a hand-written GradientTape step, and its batch
sources draw what they say."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from benchmarks import common

BATCH = 4


def tiny_networks(seed):
    """A 3-2 generator and a 2-1 critic with weights fixed by ``seed``."""
    keras.utils.set_random_seed(seed)
    generator = keras.Sequential([keras.Input((3,)),
                                  keras.layers.Dense(5, activation="relu"),
                                  keras.layers.Dense(2)])
    critic = keras.Sequential([keras.Input((2,)),
                               keras.layers.Dense(5, activation="relu"),
                               keras.layers.Dense(1)])
    return generator, critic


def critic_loss(real_scores, fake_scores):
    """A Wasserstein critic loss."""
    return tf.reduce_mean(fake_scores) - tf.reduce_mean(real_scores)


def generator_loss(fake_scores):
    """A Wasserstein generator loss."""
    return -tf.reduce_mean(fake_scores)


def penalty(real, fake, real_scores):
    """A stand-in penalty that uses all three arguments."""
    return (.1 * tf.reduce_mean(tf.square(real_scores))
            + .01 * tf.reduce_mean(tf.square(real - fake)))


def optimizers():
    """A generator's and a critic's SGD (two learning rates, one with
    momentum). Not Adam: it divides each gradient by its own size, so a
    weight whose gradient is almost 0 moves a whole step either way, and
    the last-bit differences between the loop's graph and the eager step
    became 2e-3 of a weight in one full run of the suite; SGD keeps them
    at rounding size, and a wrong step still misses by far more."""
    return (keras.optimizers.SGD(.05),
            keras.optimizers.SGD(.1, momentum=.5))


@pytest.mark.parametrize("critic_training", [True, False])
def test_one_step_equals_a_hand_run_gradient_tape_step(critic_training):
    """Two critic updates (loss, penalty, clipping, augmentation) then one
    generator update, on fixed latent vectors and batches, leave the
    weights of the same step written out by hand, to rounding."""
    latent = tf.constant(np.random.default_rng(1).normal(
        size=(BATCH, 3)).astype(np.float32))
    batches = [np.random.default_rng(2 + index).normal(
        size=(BATCH, 2)).astype(np.float32) for index in range(2)]

    def augment(real):
        """A deterministic augmentation."""
        return 2. * real + 1.

    generator, critic = tiny_networks(0)
    source = iter(batches)
    loop = common.ReferenceLoop(
        generator, critic, lambda size: latent[:size], lambda: next(source),
        BATCH, critic_loss, generator_loss, *optimizers(), critic_steps=2,
        penalty=penalty, clip=.3, augment=augment,
        critic_training=critic_training)
    loop.train(1)

    hand_generator, hand_critic = tiny_networks(0)
    generator_optimizer, critic_optimizer = optimizers()
    for real in batches:
        real = augment(tf.constant(real))
        with tf.GradientTape() as tape:
            fake = hand_generator(latent, training=True)
            real_scores = hand_critic(real, training=True)
            loss = (critic_loss(real_scores, hand_critic(fake, training=True))
                    + penalty(real, fake, real_scores))
        variables = hand_critic.trainable_variables
        critic_optimizer.apply_gradients(
            zip(tape.gradient(loss, variables), variables))
        for variable in variables:
            variable.assign(tf.clip_by_value(variable, -.3, .3))
    with tf.GradientTape() as tape:
        loss = generator_loss(hand_critic(hand_generator(
            latent, training=True), training=critic_training))
    variables = hand_generator.trainable_variables
    generator_optimizer.apply_gradients(
        zip(tape.gradient(loss, variables), variables))

    for mine, theirs in ((generator, hand_generator),
                         (critic, hand_critic)):
        for ours, hand in zip(mine.get_weights(), theirs.get_weights()):
            # to the last bit or two: the loop's graph and the eager hand
            # step may round in another order (1 unit in the last place
            # under ONEDNN_MAX_CPU_ISA=AVX2); a wrong step misses by far more
            np.testing.assert_allclose(ours, hand, rtol=3e-7, atol=3e-8)
    # the step changed the weights: the comparison is not of two starts
    untouched, _ = tiny_networks(0)
    assert not all(np.array_equal(ours, start) for ours, start in zip(
        generator.get_weights(), untouched.get_weights()))
    assert max(np.abs(weight).max() for weight in critic.get_weights()) <= .3


def test_only_the_given_variables_train():
    """``generator_variables`` and ``critic_variables`` narrow what
    trains: the rest keeps its weights."""
    generator, critic = tiny_networks(0)
    frozen_generator = [weight.copy() for weight in
                        generator.layers[0].get_weights()]
    frozen_critic = [weight.copy() for weight in
                     critic.layers[0].get_weights()]
    real = np.ones((BATCH, 2), np.float32)
    loop = common.ReferenceLoop(
        generator, critic, common.normal_latent(3), lambda: real, BATCH,
        critic_loss, generator_loss, *optimizers(),
        generator_variables=generator.layers[1].trainable_variables,
        critic_variables=critic.layers[1].trainable_variables)
    loop.train(2)
    for layer, frozen in ((generator.layers[0], frozen_generator),
                          (critic.layers[0], frozen_critic)):
        for weight, start in zip(layer.get_weights(), frozen):
            np.testing.assert_array_equal(weight, start)


def test_batch_sources():
    """``random_rows`` draws distinct rows; ``random_slices`` consecutive
    ones; both repeat with their seed."""
    examples = np.arange(20)[:, None]
    rows = common.random_rows(examples, 5, seed=3)()
    assert rows.shape == (5, 1) and len(set(rows[:, 0])) == 5
    np.testing.assert_array_equal(rows, common.random_rows(
        examples, 5, seed=3)())
    piece = common.random_slices(examples, 5, seed=3)()
    assert piece.shape == (5, 1)
    np.testing.assert_array_equal(np.diff(piece[:, 0]), 1)
    np.testing.assert_array_equal(piece, common.random_slices(
        examples, 5, seed=3)())
    # a slice as long as the examples can only start at 0
    np.testing.assert_array_equal(common.random_slices(
        examples, 20, seed=0)(), examples)
