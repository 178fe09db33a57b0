#!/usr/bin/env python3
"""Resumable training: checkpoints of a whole GAN, saved as Keras trains.

A checkpoint holds the generator, the critic, both optimizers (their
moments, step counts and learning rates), the state of the model's random
generator when it has one (``gan.rng``, a ``tf.random.Generator``), and
the epoch and step reached, plus whatever else a GAN lists in its
``state()`` (the progressive GAN's phase, alpha and progress through
the phase). It is written with
``tf.train.CheckpointManager``, which writes the data files first and the
small index that names the latest checkpoint last, in one atomic rename:
a run killed while saving still finds the previous checkpoint intact.
``export_weights`` writes the weights of one trained network for shipping.

In a multi-worker run every worker restores from the chief's folder and
takes part in saving (the values are gathered collectively), but only
the chief's files are kept; the others write into a temporary folder.
"""
import atexit
import pathlib
import shutil
import tempfile

import tensorflow as tf
from tensorflow import keras

from ganlab import io


def optimizers_of(gan):
    """Return ``(generator_optimizer, discriminator_optimizer)`` of a GAN.

    The curriculum's lessons keep them on the networks
    (``gan.generator.optimizer``); the DCGAN and the MLP GAN keep them on
    the model (``gan.generator_optimizer``).
    """
    if hasattr(gan, "generator_optimizer"):
        return gan.generator_optimizer, gan.discriminator_optimizer
    return gan.generator.optimizer, gan.discriminator.optimizer


def steps_done(gan):
    """Return the number of generator updates made so far."""
    return int(optimizers_of(gan)[0].iterations.numpy())


def is_chief(strategy):
    """Whether this process writes files in a multi-worker run (always
    True outside one)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    return resolver.task_type == "chief" or (
        resolver.task_type == "worker" and resolver.task_id == 0
        and "chief" not in resolver.cluster_spec().as_dict())


def worker_scratch():
    """Return a new temporary folder for a non-chief worker's files, which
    only repeat the chief's and are never read: it is removed at exit."""
    folder = pathlib.Path(tempfile.mkdtemp(prefix="ganlab-worker-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


class GANCheckpoint(keras.callbacks.Callback):
    """Save a GAN every ``every`` epochs into ``directory``; resume from it.

    Call ``restore()`` before ``fit`` and pass what it returns as
    ``initial_epoch``: a new run starts at 0, an interrupted one where its
    last checkpoint stopped. ``max_to_keep`` checkpoints are kept.
    """

    def __init__(self, gan, directory, every=1, max_to_keep=3):
        """Track ``gan``'s networks, optimizers and random generator."""
        super().__init__()
        self.gan = gan
        self.every = every
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False)
        generator_optimizer, discriminator_optimizer = optimizers_of(gan)
        tracked = dict(generator=gan.generator,
                       discriminator=gan.discriminator,
                       generator_optimizer=generator_optimizer,
                       discriminator_optimizer=discriminator_optimizer,
                       epochs_done=self.epoch, step=self.step)
        if isinstance(getattr(gan, "rng", None), tf.random.Generator):
            tracked["rng"] = gan.rng
        if hasattr(gan, "state"):  # progress of its own, e.g. ProGAN's alpha
            tracked.update(gan.state())
        self.checkpoint = tf.train.Checkpoint(**tracked)
        self.directory = str(directory)
        writes_to = self.directory
        if not is_chief(getattr(gan, "distribute_strategy",
                                tf.distribute.get_strategy())):
            writes_to = worker_scratch()
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, writes_to, max_to_keep=max_to_keep)

    def latest(self):
        """The path of the latest checkpoint in ``directory``, or None."""
        return tf.train.latest_checkpoint(self.directory)

    def restore(self):
        """Load the latest checkpoint if there is one; return epochs done.

        Optimizers create their variables lazily, so they are built first
        for their moments to have somewhere to go.
        """
        latest = self.latest()
        if latest is None:
            return 0
        for model, optimizer in zip((self.gan.generator,
                                     self.gan.discriminator),
                                    optimizers_of(self.gan)):
            optimizer.build(model.trainable_variables)
        self.checkpoint.restore(latest).assert_existing_objects_matched()
        return int(self.epoch.numpy())

    def save(self, epochs_done):
        """Write a checkpoint now, numbered by ``epochs_done``."""
        self.epoch.assign(epochs_done)
        self.step.assign(steps_done(self.gan))
        return self.manager.save(checkpoint_number=epochs_done)

    def on_epoch_end(self, epoch, logs=None):
        """Count the epoch; save after every ``every``-th.

        The count is the checkpoint's own, restored with it, rather than
        the ``epoch`` ``fit`` passes: a GAN trained by several ``fit``
        calls (ProGAN, one per phase) keeps numbering its checkpoints
        upwards.
        """
        epochs_done = int(self.epoch.numpy()) + 1
        self.epoch.assign(epochs_done)
        if epochs_done % self.every == 0:
            self.save(epochs_done)


def export_weights(model, path):
    """Write ``model``'s weights alone to ``path`` (a ``.weights.h5``).

    A compiled model would also write its optimizer's state, which a model
    loading the file does not expect; an uncompiled copy writes only the
    weights. The file goes to a temporary name first and replaces ``path``
    once complete (``ganlab.io``).
    """
    path = str(path)
    if not path.endswith(".weights.h5"):
        raise ValueError(f"path must end in .weights.h5; got {path}")
    copy = type(model).from_config(model.get_config())
    copy.set_weights(model.get_weights())
    with io.atomic_path(path) as temporary:
        copy.save_weights(temporary)
    return path
