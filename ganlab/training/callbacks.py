#!/usr/bin/env python3
"""Keras callbacks that watch a GAN while it trains.

- ``SampleGrid`` saves pictures of samples drawn from the same latent
  vectors as training goes (every N epochs or every N steps), optionally
  to TensorBoard too, and an animated GIF of them all at the end (all the
  run's, across resumptions).
- ``LossLog`` writes every step's losses to a CSV file and draws them as
  a PNG at the end; a resumed run drops the rows after its checkpoint.
- ``GANDoctor`` notices losses that turn NaN or infinite, says in one
  line what likely happened (NaN in the data, or exploding weights), and
  rolls back to the last good checkpoint with halved learning rates (or
  stops, and keeps the broken state from being saved).
- ``LinearDecay`` lowers a lesson GAN's two learning rates linearly over
  the run, so that generator and critic settle rather than circle.

The callback that scores samples while a run goes, ``DiversityMonitor``,
is ``ganlab.evaluation.monitors``'s: it measures with evaluation's
metrics.
"""
import contextlib
import csv
import math
import os
import pathlib
import re
from io import StringIO

import numpy as np
import tensorflow as tf
from PIL import Image
from tensorflow import keras

from ganlab import image_files, io
from ganlab.arrays import tile
from ganlab.data import nonfinite_rows
from ganlab.training.checkpoints import (nonfinite_variables, optimizers_of,
                                         steps_done)
from ganlab.image_files import save_gif


class SampleGrid(keras.callbacks.Callback):
    """Save a grid of samples from fixed latents as training goes.

    ``to_pixels`` maps the generator's outputs to pixels in [0, 1]. A grid
    is drawn every ``every`` epochs or, when ``every_steps`` is given,
    every ``every_steps`` training steps (counted over the whole run, so a
    resumed run keeps the numbering). ``name`` formats the file name from
    the epoch or the step. With ``gif`` (a path) the grids in ``folder``
    up to the epoch or step reached become an animated GIF at the end:
    those of earlier sessions of a resumed run too; with ``log_dir`` each
    grid is also written to TensorBoard as an image. ``network``, a
    function of the GAN, returns the network to draw with (default: its
    ``generator``; ``python -m ganlab train`` passes the averaged copy,
    which is what the run saves). ``latent_vectors`` may be whatever the
    network takes (a conditional one's ``[latent vectors, labels]``);
    ``row_titles`` name the grid's rows (its classes).
    """

    def __init__(self, latent_vectors, to_pixels, folder, every=1,
                 name=None, every_steps=None, gif=None, log_dir=None,
                 columns=4, network=None, row_titles=None):
        """Remember what to draw and where to write it."""
        super().__init__()
        self.network = network or (lambda gan: gan.generator)
        self.latent_vectors = latent_vectors
        self.to_pixels = to_pixels
        self.folder = pathlib.Path(folder)
        self.every = every
        self.every_steps = every_steps
        self.name = name or ("step_{:06d}.png" if every_steps
                             else "epoch_{:04d}.png")
        self.gif = gif
        self.columns = columns
        self.row_titles = row_titles
        self.writer = (tf.summary.create_file_writer(str(log_dir))
                       if log_dir else None)
        self.epochs_done = None

    def draw(self, label, number):
        """Draw the grid named by ``number``; ``label`` titles it."""
        fakes = self.network(self.model)(self.latent_vectors,
                                         training=False)
        pixels = np.clip(np.asarray(self.to_pixels(np.asarray(fakes)),
                                    np.float32), 0, 1)
        if pixels.ndim == 3:
            pixels = pixels[..., np.newaxis]
        image_files.save_image_grid(pixels,
                                    self.folder / self.name.format(number),
                                    columns=self.columns,
                                    title=f"{label} {number}",
                                    row_titles=self.row_titles)
        if self.writer is not None:
            with self.writer.as_default():
                tf.summary.image("samples",
                                 tile(pixels, self.columns)[np.newaxis],
                                 step=steps_done(self.model))
            self.writer.flush()

    def on_train_batch_end(self, batch, logs=None):
        """Draw every ``every_steps`` steps, if asked to."""
        if self.every_steps:
            step = steps_done(self.model)
            if step % self.every_steps == 0:
                self.draw("step", step)

    def on_epoch_end(self, epoch, logs=None):
        """Draw on every ``every``-th epoch, unless counting steps."""
        self.epochs_done = epoch + 1
        if not self.every_steps and (epoch + 1) % self.every == 0:
            self.draw("epoch", epoch + 1)

    def saved_grids(self, last):
        """Return the grids in ``folder`` that this callback names,
        numbered up to ``last``, in order.

        Those numbered later were drawn by a session that a checkpoint
        then rolled back (killed and resumed, or by the GAN doctor), and
        are not redone yet.
        """
        head, _, rest = self.name.partition("{")
        name = re.compile(re.escape(head) + r"(\d+)"
                          + re.escape(rest.partition("}")[2]))
        numbered = sorted((int(found.group(1)), path)
                          for path in self.folder.glob("*")
                          if (found := name.fullmatch(path.name)))
        return [path for number, path in numbered if number <= last]

    def on_train_end(self, logs=None):
        """Animate the grids of the whole run, if a GIF was asked for.

        They are read back from their files, so a resumed run's GIF
        starts at the run's beginning, not at the resumption.
        """
        last = (steps_done(self.model) if self.every_steps
                else self.epochs_done)
        if not self.gif or last is None:
            return
        grids = []
        for path in self.saved_grids(last):
            with Image.open(path) as picture:
                grids.append(np.asarray(picture.convert("RGB"),
                                        np.float32) / 255)
        if grids:
            # a growing GAN's grids may get larger: show all at the
            # largest size
            shape = max(grid.shape[:2] for grid in grids)
            frames = np.stack([tf.image.resize(grid, shape,
                                               method="nearest").numpy()
                               for grid in grids])
            save_gif(frames, self.gif, scale=1, milliseconds=300)


class LossLog(keras.callbacks.Callback):
    """Write each step's losses to ``folder/losses.csv``; at the end draw
    them into ``folder/losses.png``.

    Rows are ``step`` then one column per loss. A resumed run starts at
    the step of its checkpoint: rows after it (written before the
    interruption, and about to be redone) are dropped first. A row the
    disk has no room for (or that may not be written) is taken back out
    whole and raises ``ganlab.io.WriteFailed`` naming the file: the file
    ends with the last whole row.
    """

    def __init__(self, folder, names):
        """Log the losses ``names`` (keys of the training logs)."""
        super().__init__()
        self.path = pathlib.Path(folder) / "losses.csv"
        self.picture = pathlib.Path(folder) / "losses.png"
        self.names = list(names)

    def read(self):
        """Return the rows logged so far as (step, {name: value})."""
        if not self.path.is_file():
            return []
        # bytes that are no text (a disk error, an editor) spoil only
        # their rows, which are dropped below, not every resume
        with open(self.path, newline="", errors="replace") as stream:
            text = stream.read().replace("\0", "")
        rows = list(csv.reader(text.splitlines()))[1:]
        # A run killed mid-write can leave its last line short or cut
        # inside a number.
        read = []
        for row in rows:
            try:
                values = list(map(float, row[1:]))
                if len(values) == len(self.names):
                    read.append((int(row[0]), dict(zip(self.names, values))))
            except ValueError:
                continue
        return read

    def keep_until(self, last_step):
        """Rewrite the file with the rows up to ``last_step``; open it for
        appending."""
        kept = [(step, values) for step, values in self.read()
                if step <= last_step]
        with io.atomic_path(self.path) as temporary:
            with open(temporary, "w", newline="") as stream:
                writer = csv.writer(stream)
                writer.writerow(["step"] + self.names)
                for step, values in kept:
                    writer.writerow([step] + [repr(values[name])
                                              for name in self.names])
        with io.writing(self.path):
            self.stream = open(self.path, "a", newline="")
        self.whole_size = os.path.getsize(self.path)
        self.last_step = last_step

    def append(self, row):
        """Append ``row`` (a list of cells) to the file, flushed; a write
        that fails leaves the file as it was before it (the stream is
        closed: a failed flush keeps the row's text, which closing at
        exit would write again)."""
        text = StringIO()
        csv.writer(text).writerow(row)
        text = text.getvalue()
        try:
            self.stream.write(text)
            self.stream.flush()
        except OSError as error:
            with contextlib.suppress(OSError):
                self.stream.close()
            with contextlib.suppress(OSError):
                os.truncate(self.path, self.whole_size)
            raise io.write_failure(error, self.path) or error
        self.whole_size += len(text.encode())

    def on_train_begin(self, logs=None):
        """Keep the rows up to the current step."""
        self.keep_until(steps_done(self.model))

    def on_train_batch_end(self, batch, logs=None):
        """Append this step's losses (full float precision). A step number
        not above the last means training was rolled back to a
        checkpoint (see ``GANDoctor``): the rows from there are dropped."""
        step = steps_done(self.model)
        if step <= self.last_step:
            self.stream.close()
            self.keep_until(step - 1)
        self.append([step] + [repr(float(logs[name]))
                              for name in self.names])
        self.last_step = step

    def on_train_end(self, logs=None):
        """Close the file and draw the curves of the whole run."""
        self.stream.close()
        rows = self.read()
        if rows:
            image_files.plot_losses({name: [values[name] for _, values in rows]
                                     for name in self.names}, self.picture,
                                    xlabel="step")


class GANDoctor(keras.callbacks.Callback):
    """Catch losses that turn NaN or infinite, explain, and recover.

    After each step the losses ``names`` are checked. On a non-finite
    one the doctor prints one line saying what likely happened, then,
    given a ``GANCheckpoint``, restores the last good checkpoint (weights,
    optimizers, random state) and halves both learning rates so the same
    blow-up is not replayed. It stops training instead after
    ``max_rollbacks`` of them, with ``roll_back=False``, without a
    checkpoint, for a GAN with progress of its own (``state()``, the
    ProGAN's phase), or when the real data (``real_examples``) hold NaN
    or inf, which no rate can fix. Stopping, it tells the checkpoint to
    save no more and names the last one; ``stopped`` is then True. Put it
    before the checkpoint callback in the list so a broken state is never
    saved (and after a ``LossLog``, which then drops the rolled-back
    steps).
    """

    def __init__(self, names, checkpoint=None, max_rollbacks=3,
                 roll_back=True):
        """Watch the losses ``names``; roll back to ``checkpoint``."""
        super().__init__()
        self.names = list(names)
        self.checkpoint = checkpoint
        self.max_rollbacks = max_rollbacks
        self.roll_back = roll_back
        self.rollbacks = 0
        self.diagnoses = []
        self.stopped = False

    def bad_data_rows(self):
        """Return how many examples of the GAN's real data (its
        ``real_examples``, an array or tensor, where it keeps them) hold
        NaN or inf."""
        real = getattr(self.model, "real_examples", None)
        return 0 if real is None else nonfinite_rows(real)

    def diagnose(self, bad, bad_rows):
        """Return a sentence on the likely cause of the bad losses."""
        if bad_rows:
            return (f"the data hold {bad_rows} rows with NaN or inf: clean "
                    "them (lower learning rates cannot help)")
        broken = [name for name, network in (
            ("generator", self.model.generator),
            ("discriminator", self.model.discriminator))
            if nonfinite_variables([network])]
        rates = ", ".join(f"{float(optimizer.learning_rate):.3g}"
                          for optimizer in optimizers_of(self.model))
        if broken:
            owners = " and ".join(f"the {name}'s" for name in broken)
            return (f"{owners} weights hold NaN or inf: exploding "
                    f"gradients, most likely learning rates too high "
                    f"({rates}) or a critic that won too easily")
        return (f"{', '.join(bad)} overflowed while the weights are still "
                "finite: a loss may have taken the log of 0")

    def roll_back_to_checkpoint(self):
        """Restore the last sound checkpoint and halve the learning rates;
        return the action taken, or None when no checkpoint is sound."""
        # The checkpoint holds the rates it was saved with: halve the
        # rates in use, so each rollback lowers them further.
        rates = [float(optimizer.learning_rate)
                 for optimizer in optimizers_of(self.model)]
        try:
            epoch = self.checkpoint.restore()
        except ValueError:
            return None
        self.rollbacks += 1
        for optimizer, rate in zip(optimizers_of(self.model), rates):
            optimizer.learning_rate = rate / 2
        return (f"rolled back to the checkpoint of epoch {epoch} and "
                "halved the learning rates")

    def stop(self, step):
        """Stop training, keep the broken state from being saved, and
        return the action taken, naming the checkpoint to resume from."""
        self.model.stop_training = True
        self.stopped = True
        latest = self.checkpoint.latest() if self.checkpoint else None
        if self.checkpoint is not None:
            self.checkpoint.stop_saving(f"the GAN doctor stopped training "
                                        f"at step {step}")
        return ("stopped training; " + (
            f"the last good checkpoint is {latest}, which --resume "
            "continues from" if latest else "there is no good checkpoint "
            "to resume from"))

    def on_train_batch_end(self, batch, logs=None):
        """Check the losses of the step just done."""
        logs = logs or {}
        bad = [name for name in self.names
               if name in logs and not math.isfinite(float(logs[name]))]
        if not bad:
            return
        step = steps_done(self.model)
        bad_rows = self.bad_data_rows()
        cause = self.diagnose(bad, bad_rows)
        # A GAN with progress of its own (``state()``: the ProGAN's phase
        # and alpha) is driven by it from outside the running fit, which
        # would not follow a restored phase: it is stopped instead.
        can_roll_back = (self.roll_back and not bad_rows
                         and self.checkpoint is not None
                         and self.checkpoint.latest()
                         and not hasattr(self.model, "state")
                         and self.rollbacks < self.max_rollbacks)
        action = can_roll_back and self.roll_back_to_checkpoint()
        if not action:
            action = self.stop(step)
        line = f"GAN doctor: step {step}: {cause}; {action}"
        self.diagnoses.append(line)
        print(line, flush=True)


class LinearDecay(keras.callbacks.Callback):
    """Lower the learning rates of a GAN's generator and critic linearly,
    epoch by epoch, from the GAN's ``learning_rate`` to a ``1 / epochs``
    share of it in the last epoch.

    At a constant rate Adam keeps generator and critic circling each
    other, and a toy demo's final score then hangs on where the circling
    stops, i.e. on the seed and on the CPU's rounding; a falling rate lets
    them settle. Works with any GAN whose two sub-models own their
    optimizer (the lessons 0-2).
    """

    def __init__(self, gan, epochs):
        """Remember the GAN, its starting rate and the run's length."""
        super().__init__()
        self.gan = gan
        self.epochs = epochs

    def on_epoch_begin(self, epoch, logs=None):
        """Set both optimizers' rate for this epoch."""
        rate = self.gan.learning_rate * (1. - epoch / self.epochs)
        for network in (self.gan.generator, self.gan.discriminator):
            network.optimizer.learning_rate.assign(rate)
