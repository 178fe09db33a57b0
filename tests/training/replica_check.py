#!/usr/bin/env python3
"""Train small replicated GANs (tasks 2, 4 and 5) on one device and on
two, in one process, and print how far apart their weights (and the
ProGAN's alpha) end up, as JSON.

Run by tests/training/test_replicas.py in a process of its own: the CPU can be
split into two logical devices only before TensorFlow starts them. The
optimizers are plain SGD here, not the lessons' Adam: Adam divides each
gradient by its own size, so a gradient twice too large (a replica's
loss not scaled) would change nothing it does, where SGD's step doubles.
"""
import json
import sys

import numpy as np
import tensorflow as tf
from tensorflow import keras

CPU = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    CPU, [tf.config.LogicalDeviceConfiguration()] * 2)

from ganlab import lessons  # noqa: E402  (after the split, deliberately)
from ganlab.data.batches import real_batches  # noqa: E402
from ganlab.nets.layers import GlobalMinibatchStdDev  # noqa: E402
from ganlab.training import replicas  # noqa: E402
from ganlab.training.augment import DiffAugment  # noqa: E402

BATCH = 16
# steps per case: 20; 12 for the ProGAN, whose one- and two-device runs
# agree within 6e-8 for 16 steps and then, by step 20, differ by 2e-4:
# a jump, not a drift, as when one LeakyReLU input lies within rounding
# of 0 and takes the other slope in one run (observed here; the cause is
# inferred). 12 steps cover its fade-in and 7 steps after it.
STEPS = {"wgan_gp": 20, "dcgan": 20, "progan": 12}


def small_networks(image_shape, latent_dim=8, dropout=0.):
    """A conv generator with batch norm, and a conv critic (with
    dropout, when asked)."""
    latent = keras.Input((latent_dim,))
    values = keras.layers.Dense(4 * 4 * 8)(latent)
    values = keras.layers.BatchNormalization()(values)
    values = keras.layers.Reshape((4, 4, 8))(keras.layers.ReLU()(values))
    values = keras.layers.Conv2DTranspose(8, 4, strides=2,
                                          padding="same")(values)
    values = keras.layers.ReLU()(keras.layers.BatchNormalization()(values))
    images = keras.layers.Conv2D(image_shape[-1], 3, padding="same",
                                 activation="tanh")(values)
    generator = keras.Model(latent, images)
    image = keras.Input(image_shape)
    values = keras.layers.LeakyReLU(.2)(keras.layers.Conv2D(
        8, 4, strides=2, padding="same")(image))
    if dropout:
        values = keras.layers.Dropout(dropout)(values)
    score = keras.layers.Dense(1)(keras.layers.Flatten()(values))
    return generator, keras.Model(image, score)


def with_sgd(gan, scaled=True):
    """Give both networks SGD, prepared for the strategy in scope;
    ``scaled=False`` leaves the gradients summed over replicas."""
    for network in (gan.generator, gan.discriminator):
        network.optimizer = keras.optimizers.SGD(.05)
    replicas.prepare_networks(
        (gan.generator, gan.discriminator),
        tf.distribute.get_strategy().num_replicas_in_sync)
    if not scaled:
        for network in (gan.generator, gan.discriminator):
            network.optimizer.loss_scale_factor = None
    return gan


def faces_like(examples, scaled):
    """Task 2's WGAN-GP, replicated, with DiffAugment."""
    task2 = lessons.load("2-wgan_gp")
    from ganlab.training.augment import augmenting
    generator, critic = small_networks(examples.shape[1:])
    gan = augmenting(replicas.replicated(task2.WGAN_GP))(
        # the replicated class draws its own normal latent vectors
        generator, critic, lambda count: tf.random.normal((count, 8)),
        examples, batch_size=BATCH, disc_iter=2,
        seed=3, augment=DiffAugment(seed=4))
    gan.compile()
    return with_sgd(gan, scaled), gan.real_examples


def dcgan_like(examples, scaled):
    """Task 5's DCGAN, replicated, with its flips, dropout drawn per
    global batch and DiffAugment."""
    task5 = lessons.load("5-dcgan_cifar")
    generator, critic = small_networks(examples.shape[1:], dropout=.3)
    gan = replicas.replicated(task5.DCGAN)(
        generator, replicas.with_global_batch_dropout(critic),
        latent_dim=8, seed=3, augment=DiffAugment(seed=4))
    gan.compile()
    return with_sgd(gan, scaled), real_batches(examples, BATCH, 5)


def progan_like(examples, scaled):
    """Task 4's ProGAN, replicated, fading 8x8 in (alpha counted from the
    global batch), its critic's minibatch deviation over the global
    batch, with DiffAugment."""
    task4 = lessons.load("4-progan")
    generator, critic = task4.build_networks(
        8, 8, 3, max_filters=16, filter_base=64,
        minibatch_std=GlobalMinibatchStdDev())
    gan = replicas.replicated(task4.ProGAN)(
        generator, critic, seed=3, augment=DiffAugment(seed=4))
    gan.compile()
    # the fade-in to 8x8, over 5 steps' images: alpha moves every step
    gan.enter_phase(task4.GrowthSchedule(8, 5 * BATCH, 5 * BATCH).phases[1])
    return with_sgd(gan, scaled), real_batches(examples, BATCH, 5)


def trained_weights(build, strategy, examples, steps, scaled=True):
    """Build with ``build`` under ``strategy`` from seed 0, train
    ``steps`` steps; return every weight, flattened, and the last
    losses."""
    keras.utils.set_random_seed(0)
    with strategy.scope():
        gan, data = build(examples, scaled)
    history = gan.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    weights = np.concatenate([np.ravel(weight) for weight in
                              gan.generator.get_weights()
                              + gan.discriminator.get_weights()]
                             + [np.ravel(getattr(gan, "alpha", 0.))])
    return weights, {name: values[-1]
                     for name, values in history.history.items()}


def main():
    """Print ``{case: {"weights": largest difference relative to the
    largest weight, "losses": largest relative difference}}`` as JSON."""
    examples = np.random.default_rng(0).uniform(
        -1, 1, (64, 8, 8, 3)).astype("float32")
    one = tf.distribute.get_strategy()
    two = tf.distribute.MirroredStrategy(
        [device.name for device in tf.config.list_logical_devices("CPU")])
    figures = {}
    for name, build in (("wgan_gp", faces_like), ("dcgan", dcgan_like),
                        ("progan", progan_like)):
        steps = STEPS[name]
        expected, expected_losses = trained_weights(build, one, examples,
                                                    steps)
        # Unscaled, the gradients of two replicas are summed: one case
        # shows the check sees that. The scaling is the optimizers'
        # (replicas.prepare_networks) for every model alike, and a model
        # whose step skipped it would fail the scaled comparison.
        for scaled in (True, False) if name == "dcgan" else (True,):
            got, losses = trained_weights(build, two, examples, steps,
                                          scaled)
            scale = np.abs(expected).max()
            key = name if scaled else f"{name}_unscaled"
            figures[key] = {
                "weights": float(np.abs(got - expected).max() / scale),
                # relative, or absolute for a loss below 1 (a Wasserstein
                # loss near 0 has no useful relative error)
                "losses": max(abs(losses[loss] - value) / max(abs(value), 1.)
                              for loss, value in expected_losses.items())}
    json.dump(figures, sys.stdout)


if __name__ == "__main__":
    main()
