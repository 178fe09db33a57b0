#!/usr/bin/env python3
"""Resumable training: checkpoints of a whole GAN, saved as Keras trains.

A checkpoint holds the generator, the critic, both optimizers (their
moments and step counts) and the number of epochs done. It is written with
``tf.train.CheckpointManager``, which writes the data files first and the
small index that names the latest checkpoint last, so a run killed while
saving still finds the previous checkpoint intact. ``export_weights``
writes the weights of one trained network for shipping.
"""
import os

import tensorflow as tf
from tensorflow import keras


class GANCheckpoint(keras.callbacks.Callback):
    """Save a GAN every ``every`` epochs into ``directory``; resume from it.

    Call ``restore()`` before ``fit`` and pass what it returns as
    ``initial_epoch``: a new run starts at 0, an interrupted one where its
    last checkpoint stopped.
    """

    def __init__(self, gan, directory, every=1, max_to_keep=3):
        """Track ``gan``'s networks and optimizers under ``directory``."""
        super().__init__()
        self.gan = gan
        self.every = every
        self.epochs_done = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.checkpoint = tf.train.Checkpoint(
            generator=gan.generator, discriminator=gan.discriminator,
            generator_optimizer=gan.generator.optimizer,
            discriminator_optimizer=gan.discriminator.optimizer,
            epochs_done=self.epochs_done)
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, str(directory), max_to_keep=max_to_keep)

    def restore(self):
        """Load the latest checkpoint if there is one; return epochs done.

        Optimizers create their variables lazily, so they are built first
        for their moments to have somewhere to go.
        """
        latest = self.manager.latest_checkpoint
        if latest is None:
            return 0
        for model in (self.gan.generator, self.gan.discriminator):
            model.optimizer.build(model.trainable_variables)
        self.checkpoint.restore(latest).assert_existing_objects_matched()
        return int(self.epochs_done.numpy())

    def on_epoch_end(self, epoch, logs=None):
        """Save after every ``every``-th epoch (epochs count from 0)."""
        if (epoch + 1) % self.every == 0:
            self.epochs_done.assign(epoch + 1)
            self.manager.save(checkpoint_number=epoch + 1)


def export_weights(model, path):
    """Write ``model``'s weights alone to ``path`` (a ``.weights.h5``).

    A compiled model would also write its optimizer's state, which a model
    loading the file does not expect; an uncompiled copy writes only the
    weights. The file goes to a temporary name first and replaces ``path``
    once complete.
    """
    path = str(path)
    if not path.endswith(".weights.h5"):
        raise ValueError(f"path must end in .weights.h5; got {path}")
    copy = type(model).from_config(model.get_config())
    copy.set_weights(model.get_weights())
    temporary = path[:-len(".weights.h5")] + ".partial.weights.h5"
    copy.save_weights(temporary)
    os.replace(temporary, path)
    return path
