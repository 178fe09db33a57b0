#!/usr/bin/env python3
"""Resumable training: checkpoints of a whole GAN, saved as Keras trains.

A checkpoint holds the generator, the critic, both optimizers (their
moments, step counts and learning rates), the state of the model's random
generator when it has one (``gan.rng``, a ``tf.random.Generator``), the
seed states of the networks' dropout layers, and the epoch and step
reached, plus whatever else a GAN lists in its
``state()`` (the progressive GAN's phase, alpha and progress through
the phase) and the run's ``extra`` trackables (``python -m ganlab
train``'s averaged generator with its count of updates, and DiffAugment's
seed state). It is written with
``tf.train.CheckpointManager``, which writes the data files first and the
small index that names the latest checkpoint last, in one atomic rename:
a run killed while saving still finds the previous checkpoint intact.
``export_weights`` writes the weights of one trained network for shipping.

What a checkpoint folder holds is read from the files themselves, not from that
index alone (``ganlab.training.checkpoint_folder``): resuming tries the
checkpoints newest first and skips, with a warning line, one that is cut short,
unreadable or holds NaN or inf; the index is rewritten to match the files, so
the manager rotates the intact ones. A state that holds NaN or inf is never
saved. ``checkpoint_folder.remove_temporaries`` sweeps up what a save killed
halfway leaves.

In a multi-worker run every worker restores from the chief's folder and
takes part in saving (the values are gathered collectively), but only
the chief's files are kept; the others write into a temporary folder
(``ganlab.training.distribute``).
"""
import pathlib
import sys
from types import SimpleNamespace

import numpy as np
import tensorflow as tf
from tensorflow import keras

from ganlab import io
from ganlab.nets.saved import fresh_copy
from ganlab.training.checkpoint_folder import (remove_temporaries,
                                               saved_numbers,
                                               write_checkpoint_list)
from ganlab.training.distribute import is_chief, worker_scratch


def seed_states_of(*networks):
    """Return the seed states of ``networks``' layers (a dropout layer's
    ``keras.random.SeedGenerator``), which a network's own checkpoint
    leaves out although they are among its variables: a resumed run
    needs them to draw the masks the whole run would have drawn."""
    return [variable for network in networks
            for variable in network.variables
            if variable.name == "seed_generator_state"]


def optimizers_of(gan):
    """Return ``(generator_optimizer, discriminator_optimizer)`` of a GAN.

    Every GAN here keeps one optimizer on each network, as the
    curriculum's lessons do: ``gan.generator.optimizer`` and
    ``gan.discriminator.optimizer``.
    """
    return gan.generator.optimizer, gan.discriminator.optimizer


def steps_done(gan):
    """Return the number of generator updates made so far."""
    return int(optimizers_of(gan)[0].iterations.numpy())


def fault_of(prefix):
    """Return why the checkpoint at ``prefix`` (``.../ckpt-N``) cannot be
    resumed from, or None when it is sound.

    Every tensor is read, so a file cut short anywhere is found; one of
    floating point holding NaN or inf makes the state unusable too.
    """
    try:
        reader = tf.train.load_checkpoint(str(prefix))
        tensors = {name: reader.get_tensor(name) for name
                   in reader.get_variable_to_dtype_map()}
    except Exception as error:  # noqa: BLE001
        # What a damaged file raises varies with where it is cut
        # (DataLossError, IndexError, ...): any failure to read is damage.
        return f"damaged: {io.first_line(error)}"
    broken = [name for name, value in tensors.items()
              if np.issubdtype(np.asarray(value).dtype, np.floating)
              and not np.isfinite(value).all()]
    if broken:
        return f"NaN or inf in {len(broken)} tensors, e.g. {broken[0]}"
    return None


def nonfinite_variables(models):
    """Return the paths of the variables of ``models`` (networks or
    optimizers) that hold NaN or inf."""
    return [getattr(variable, "path", variable.name) for model in models
            for variable in model.variables
            if np.issubdtype(np.asarray(variable).dtype, np.floating)
            and not np.isfinite(np.asarray(variable)).all()]


# What a checkpoint save raises when the disk is full or the folder may
# not be written (``io.TENSORFLOW_WRITE_ERRORS``), and what its Python
# side raises.
SAVE_FAULTS = (OSError, tf.errors.ResourceExhaustedError,
               tf.errors.PermissionDeniedError, tf.errors.UnknownError)


def warn(line):
    """Print a one-line warning on stderr."""
    print(f"warning: {line}", file=sys.stderr, flush=True)


class GANCheckpoint(keras.callbacks.Callback):
    """Save a GAN every ``every`` epochs into ``directory``; resume from it.

    Call ``restore()`` before ``fit`` and pass what it returns as
    ``initial_epoch``: a new run starts at 0, an interrupted one where its
    last sound checkpoint stopped. ``max_to_keep`` checkpoints are kept.
    ``stop_saving`` ends the saving for this run (the GAN doctor calls it
    when it stops a run whose state is broken).

    ``extra`` maps names to further trackables saved and restored with
    the GAN (an ``AveragedGenerator``, a seed variable): one checkpoint
    holds the whole run, so a resume or a rollback restores them
    together. Those with variables of their own (networks, modules) are
    checked for NaN or inf with the GAN's before a save.
    """

    def __init__(self, gan, directory, every=1, max_to_keep=3, extra=None):
        """Track ``gan``'s networks, optimizers and random generator, and
        ``extra``."""
        super().__init__()
        self.gan = gan
        self.every = every
        self.max_to_keep = max_to_keep
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False)
        # steps done in the epoch a stopped run left unfinished (0 at an
        # epoch's end): a graceful stop (ganlab.training.stopping) saves
        # mid-epoch, and the resumed run finishes that epoch first
        self.epoch_steps = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.steps_into_epoch = 0
        self.batches_this_epoch = 0
        self.stop_requested = False
        generator_optimizer, discriminator_optimizer = optimizers_of(gan)
        tracked = dict(generator=gan.generator,
                       discriminator=gan.discriminator,
                       generator_optimizer=generator_optimizer,
                       discriminator_optimizer=discriminator_optimizer,
                       epochs_done=self.epoch, step=self.step,
                       epoch_steps=self.epoch_steps)
        if isinstance(getattr(gan, "rng", None), tf.random.Generator):
            tracked["rng"] = gan.rng
        seeds = seed_states_of(gan.generator, gan.discriminator)
        if seeds:
            tracked["network_seeds"] = seeds
        if hasattr(gan, "state"):  # progress of its own, e.g. ProGAN's alpha
            tracked.update(gan.state())
        extra = dict(extra or {})
        clashing = sorted(set(extra) & set(tracked))
        if clashing:
            raise ValueError(f"extra names {', '.join(clashing)} are the "
                             "checkpoint's own; choose others")
        tracked.update(extra)
        # what holds weights of its own (a network, a module, a list of
        # weights), watched for NaN or inf as the networks are (a bare
        # variable is a counter or a seed)
        self.watched = tuple(
            SimpleNamespace(variables=list(value))
            if isinstance(value, (list, tuple)) else value
            for value in extra.values()
            if isinstance(value, (list, tuple)) or (
                not isinstance(value, tf.Variable)
                and hasattr(value, "variables")))
        self.checkpoint = tf.train.Checkpoint(**tracked)
        # checkpoints saved before ``epoch_steps`` existed lack it, and a
        # restore that finds an object without its value fails: those are
        # read without it (they were all saved at an epoch's end)
        self.before_epoch_steps = tf.train.Checkpoint(**{
            name: value for name, value in tracked.items()
            if name != "epoch_steps"})
        self.directory = str(directory)
        self.chief = is_chief(getattr(gan, "distribute_strategy",
                                      tf.distribute.get_strategy()))
        self.writes_to = self.directory if self.chief else worker_scratch()
        self.saving_stopped = None
        self.manager = self.make_manager()

    def make_manager(self):
        """Return a ``CheckpointManager`` that knows the checkpoints on
        disk: the chief first makes the folder's list name them."""
        if self.chief:
            write_checkpoint_list(self.directory)
        return tf.train.CheckpointManager(
            self.checkpoint, self.writes_to, max_to_keep=self.max_to_keep)

    def prefix(self, number):
        """The path of checkpoint ``number`` in ``directory``, less its
        extensions."""
        return str(pathlib.Path(self.directory) / f"ckpt-{number}")

    def latest(self):
        """The path of the newest checkpoint in ``directory`` (not checked
        for damage), or None."""
        numbers = saved_numbers(self.directory)
        return self.prefix(numbers[-1]) if numbers else None

    def restore(self):
        """Load the newest sound checkpoint; return its epochs done (0 when
        the folder holds none).

        Checkpoints are tried newest first. One cut short, unreadable or
        holding NaN or inf is skipped; once an older one is restored, one
        warning line per skipped checkpoint names it and the chief deletes
        it, so that the manager rotates the sound ones. Raises
        ``ValueError`` when none is sound, or when the sound one was saved
        from other networks than the GAN's. Optimizers create their
        variables lazily, so they are built first for their moments to
        have somewhere to go.
        """
        numbers = saved_numbers(self.directory)
        if not numbers:
            return 0
        skipped = []
        for number in reversed(numbers):
            fault = fault_of(self.prefix(number))
            if fault is None:
                break
            skipped.append((number, fault))
        else:
            raise ValueError(f"{self.directory} holds no usable checkpoint: "
                             + "; ".join(f"ckpt-{number} {fault}"
                                         for number, fault in skipped))
        for model, optimizer in zip((self.gan.generator,
                                     self.gan.discriminator),
                                    optimizers_of(self.gan)):
            optimizer.build(model.trainable_variables)
        reader = tf.train.load_checkpoint(self.prefix(number))
        has_epoch_steps = reader.has_tensor(
            "epoch_steps/.ATTRIBUTES/VARIABLE_VALUE")
        if not has_epoch_steps:
            self.epoch_steps.assign(0)
        try:
            (self.checkpoint if has_epoch_steps
             else self.before_epoch_steps).restore(
                self.prefix(number)).assert_existing_objects_matched()
        except (AssertionError, ValueError, tf.errors.OpError) as error:
            raise ValueError(f"{self.prefix(number)} does not match the "
                             f"model (other networks or sizes: "
                             f"{io.first_line(error)})") from None
        for bad, fault in skipped:
            warn(f"skipped checkpoint {self.prefix(bad)} ({fault}); "
                 f"resuming from ckpt-{number}")
            if self.chief:
                for path in pathlib.Path(self.directory).glob(f"ckpt-{bad}.*"):
                    path.unlink()
        if skipped:
            self.manager = self.make_manager()
        self.steps_into_epoch = int(self.epoch_steps.numpy())
        return int(self.epoch.numpy())

    def save(self, epochs_done):
        """Write a checkpoint now, numbered by ``epochs_done``; return its
        path, or None when networks or optimizers hold NaN or inf (a
        warning line says so): a broken state is never saved."""
        return self.write(epochs_done, epochs_done, 0)

    def save_partial(self):
        """Write a checkpoint of the epoch under way, mid-epoch (a
        graceful stop): it counts the finished epochs and the steps done
        in this one (``epoch_steps``), and is numbered as that epoch's
        end will be, which then replaces it. Returns its path, or None
        (see ``save``)."""
        epochs_done = int(self.epoch.numpy())
        return self.write(epochs_done + 1, epochs_done,
                          self.steps_into_epoch)

    def write(self, number, epochs_done, epoch_steps):
        """Save checkpoint ``number`` holding ``epochs_done`` finished
        epochs and ``epoch_steps`` steps of the next; return its path, or
        None when a variable holds NaN or inf (said in a warning line).
        A disk that is full or a folder that may not be written raises
        ``ganlab.io.WriteFailed`` naming the checkpoint, with its partial
        files removed and the earlier checkpoints intact."""
        broken = nonfinite_variables(
            (self.gan.generator, self.gan.discriminator)
            + optimizers_of(self.gan) + self.watched)
        if broken:
            warn(f"checkpoint of epoch {number} not saved: "
                 f"{len(broken)} variables hold NaN or inf, e.g. "
                 f"{broken[0]}")
            return None
        self.epoch.assign(epochs_done)
        self.step.assign(steps_done(self.gan))
        self.epoch_steps.assign(epoch_steps)
        if self.chief:
            # Replacing a checkpoint (a mid-epoch one, by its epoch's
            # end) rewrites its data file before its index: without the
            # index first, a kill in between would pair the old index
            # with the new data. Without it the older checkpoints are
            # resumed from.
            (pathlib.Path(self.directory) / f"ckpt-{number}.index"
             ).unlink(missing_ok=True)
        try:
            return self.manager.save(checkpoint_number=number)
        except SAVE_FAULTS as error:
            raise self.failed_save(number, error) from error

    def failed_save(self, number, error):
        """Clear away what the failed save of checkpoint ``number`` left
        and return the ``WriteFailed`` (or ``error`` itself, when it is no
        fault of room or rights) to raise.

        TensorFlow writes a checkpoint into ``ckpt-N_temp/`` and moves it
        into place at the end: those files go, and so do the ``ckpt-N.*``
        files unless the checkpoint is whole (the save failed later, on
        the manager's list); the earlier checkpoints are untouched.
        """
        failure = io.tensorflow_write_failure(error, self.prefix(number))
        if failure is None:
            return error
        if self.chief:
            prefix = self.prefix(number)
            if not (pathlib.Path(prefix + ".index").is_file()
                    and fault_of(prefix) is None):
                for path in pathlib.Path(self.directory).glob(
                        f"ckpt-{number}.*"):
                    path.unlink(missing_ok=True)
            remove_temporaries(self.directory)
        return failure

    def stop_saving(self, reason):
        """Save no more checkpoints in this run; ``reason`` says why in
        the line each skipped save prints."""
        self.saving_stopped = reason

    def on_epoch_begin(self, epoch, logs=None):
        """Count this ``fit`` call's steps in the epoch from 0."""
        self.batches_this_epoch = 0

    def on_train_batch_end(self, batch, logs=None):
        """Count the step in the epoch (for a mid-epoch save)."""
        self.batches_this_epoch += 1
        self.steps_into_epoch += 1

    def on_epoch_end(self, epoch, logs=None):
        """Count the epoch; save after every ``every``-th, and at a
        graceful stop (``stop_requested``, set by
        ``ganlab.training.stopping``) whatever the epoch: mid-epoch, a
        checkpoint of the steps done in it (``save_partial``).

        The count is the checkpoint's own, restored with it, rather than
        the ``epoch`` ``fit`` passes: a GAN trained by several ``fit``
        calls (ProGAN, one per phase) keeps numbering its checkpoints
        upwards.
        """
        steps = (self.params or {}).get("steps")
        if self.stop_requested and steps and (
                self.batches_this_epoch < steps):
            if self.saving_stopped:
                warn(f"checkpoint not saved: {self.saving_stopped}")
            else:
                self.save_partial()
            return
        epochs_done = int(self.epoch.numpy()) + 1
        self.epoch.assign(epochs_done)
        self.steps_into_epoch = 0
        if epochs_done % self.every and not self.stop_requested:
            return
        if self.saving_stopped:
            warn(f"checkpoint of epoch {epochs_done} not saved: "
                 f"{self.saving_stopped}")
            return
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
    with io.atomic_path(path) as temporary:
        fresh_copy(model).save_weights(temporary)
    return path
