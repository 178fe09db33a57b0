#!/usr/bin/env python3
"""Train a conditional GAN (r3gan, or conv as the first argument says)
one step on one device and on two, in one process, and print the largest
relative differences of its losses and weights as JSON. One model a
process: a second MirroredStrategy in the same process runs its
collectives into the first one's.

Run by tests/training/test_conditional.py in a process of its own: the CPU can
be split into two logical devices only before TensorFlow starts them. The
optimizers are plain SGD, as in tests/training/replica_check.py: Adam's first
step moves each weight by about its learning rate whatever the size of
its gradient, so a gradient that is the sum of terms that nearly cancel
moves its weight either way on one device and on two (5.8e-5 on the
generator's loss after one step here, from the critic's update), where
SGD's step is as small as the gradient.
"""
import json
import sys

import numpy as np
import tensorflow as tf

CPU = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    CPU, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402  (after the split, deliberately)

from ganlab.nets import conv_gan, residual_gan  # noqa: E402
from ganlab.training.conditional import (  # noqa: E402
    ConditionalMLPGAN, ConditionalRelativisticGAN)
from ganlab.training.registry import r1_term  # noqa: E402
from ganlab.training.replicas import prepare_networks  # noqa: E402

SHAPE = (16, 16, 3)
CLASSES = 3


def conditional_gan(model, images, labels):
    """Build ``model``'s conditional GAN (``r3gan`` or ``conv``) with its
    penalty on every step: R1 + R2, or R1."""
    if model == "conv":
        return ConditionalMLPGAN(
            conv_gan.build_generator(8, SHAPE, widths=(16, 8),
                                     classes=CLASSES),
            conv_gan.build_discriminator(SHAPE, widths=(8, 16),
                                         classes=CLASSES),
            images, labels, batch_size=8, penalty=r1_term(1.))
    return ConditionalRelativisticGAN(
        residual_gan.build_generator(8, SHAPE, .25, classes=CLASSES),
        residual_gan.build_discriminator(SHAPE, .25, classes=CLASSES),
        images, labels, batch_size=8, gamma=1.)


def train_one_step(strategy, model):
    """Return the losses and the weights of ``model``'s GAN after one
    step of a global batch of 8 under ``strategy``, from the same start
    and data every time."""
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (32, *SHAPE)).astype(np.float32)
    labels = rng.integers(0, CLASSES, 32)
    with strategy.scope():
        keras.utils.set_random_seed(0)
        gan = conditional_gan(model, images, labels)
        gan.compile()
        for network in (gan.generator, gan.discriminator):
            network.optimizer = keras.optimizers.SGD(1e-2)
        prepare_networks((gan.generator, gan.discriminator),
                         strategy.num_replicas_in_sync)
    history = gan.fit(epochs=1, steps_per_epoch=1, verbose=0).history
    losses = np.array([history[name][0] for name in
                       ("discr_loss", "gen_loss", "penalty")])
    weights = gan.generator.get_weights() + gan.discriminator.get_weights()
    return losses, weights


def relative(ours, theirs):
    """The largest difference relative to the larger of |theirs| and 1."""
    return float(np.max(np.abs(ours - theirs)
                        / np.maximum(np.abs(theirs), 1.)))


def main():
    """Print the figures as one line of JSON."""
    tf.config.experimental.enable_op_determinism()
    model = sys.argv[1] if len(sys.argv) > 1 else "r3gan"
    one_losses, one_weights = train_one_step(
        tf.distribute.OneDeviceStrategy("/cpu:0"), model)
    two_losses, two_weights = train_one_step(
        tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]), model)
    print(json.dumps({
        "losses": relative(two_losses, one_losses),
        "weights": max(relative(two, one) for two, one
                       in zip(two_weights, one_weights))}))


if __name__ == "__main__":
    main()
