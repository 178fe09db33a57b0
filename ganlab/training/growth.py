#!/usr/bin/env python3
"""Growing task 4's progressive GAN through its schedule, resumably.

The lesson (``4-progan.py``) ends at the model: the layers, the growing
generator and critic, the losses, the ``GrowthSchedule`` and
``ProGAN.train_step``, with ``ProGAN.enter_phase`` setting both networks
to one phase. Training it is then one ``fit`` per phase; what this
module adds is the bookkeeping that makes a long run stoppable:

- ``grow(gan, images, schedule)`` trains through the phases from where
  the model's own state says (``phase_index``, ``phase_images``,
  ``steps_done``, which ``ganlab.training.checkpoints.GANCheckpoint``
  saves through ``ProGAN.state()``), so a run stopped in the middle of a
  fade-in resumes in that fade-in, at that alpha;
- each phase reads ``ganlab.data.batches.real_batches`` from the global
  step reached, a stream that is a function of the step alone, so the
  resumed run sees exactly the batches the uninterrupted one would have;
  the images are held once for all phases (as uint8 when they come as
  uint8) and each batch is shrunk to the phase's side in the pipeline,
  so memory stays about the data's size whatever the number of phases;
  a folder too large to hold (``ganlab.data.streaming.StreamedFolder``)
  is streamed instead, each phase's batches shrunk the same way;
- ``check_images`` refuses images that do not fit the schedule, saying
  what was expected;
- ``AverageEachPhase`` starts an averaged generator's warm-up again at
  the start of every phase. A block's weights begin to train only when
  it fades in, and an average over about 1,000 updates (.999) would
  still hold much of their untrained values at the end of a CPU-sized
  run: the first 64x64 emoji ProGAN's average drew every sample with a
  pink cast, far behind its trained generator; restarted at each phase,
  the same run's average is the one shipped (its model card in
  data/README.md gives both scores).

The registry's ``--model progan``, ``main/4-main.py`` and the benchmarks
train the ProGAN through ``grow``.
"""
import math

import numpy as np
from tensorflow import keras

from ganlab.data.batches import held, real_batches, shrunk
from ganlab.data.streaming import StreamedFolder


class AverageEachPhase(keras.callbacks.Callback):
    """Restart ``average``'s warm-up (an ``AveragedGenerator``) when a
    phase of growth begins, so that it averages over the current phase
    only; a phase resumed part-way keeps its checkpointed count.

    Put it before the callback that updates the average: its
    ``on_train_begin`` runs once per phase (``grow`` fits each phase
    once), before the phase's first update."""

    def __init__(self, average):
        """Restart ``average``."""
        super().__init__()
        self.average = average

    def on_train_begin(self, logs=None):
        """A phase at its first image starts the average's warm-up
        again."""
        if int(self.model.phase_images.numpy()) == 0:
            self.average.restart_warmup()


def grow(gan, images, schedule, steps_per_epoch=50, callbacks=(), verbose=1,
         seed=0):
    """Train ``gan`` (a ``ProGAN``) through ``schedule``'s phases, from
    where its state says (a fresh model starts at the first phase).

    ``images``: real images of shape (N, R, R, C) with R the schedule's
    largest resolution, float32 in [-1, 1] or uint8, or a
    ``StreamedFolder`` of that size. Each phase is one ``fit`` call of
    epochs of ``steps_per_epoch`` steps (checkpoint callbacks save between
    epochs), on batches shrunk to the phase's resolution; its last epoch
    may run a few steps past the phase's image count. A callback that
    stops training leaves the phase unfinished, to be resumed. Returns the
    list of each phase's ``history.history``.
    """
    batches_at = phase_batches(check_images(images, schedule,
                                            gan.generator.channels), seed)
    histories = []
    while int(gan.phase_index.numpy()) < len(schedule.phases):
        phase = schedule.phases[int(gan.phase_index.numpy())]
        gan.enter_phase(phase)
        remaining = phase.images - int(gan.phase_images.numpy())
        if remaining <= 0:  # finished, checkpointed before moving on
            next_phase(gan)
            continue
        steps = math.ceil(remaining / phase.batch_size)
        epoch_steps = min(steps_per_epoch, steps)
        gan.fit(batches_at(phase, int(gan.steps_done.numpy())),
                epochs=math.ceil(steps / epoch_steps),
                steps_per_epoch=epoch_steps, callbacks=list(callbacks),
                shuffle=False, verbose=verbose)
        histories.append(gan.history.history)
        if gan.stop_training and int(
                gan.phase_images.numpy()) < phase.images:
            break  # stopped by a callback: the phase stays unfinished
        next_phase(gan)
    else:  # finished (perhaps long ago): leave the networks grown
        gan.enter_phase(schedule.phases[-1])
    return histories


def phase_batches(images, seed):
    """Return ``batches_at(phase, step)``: the stream of real batches of
    a phase from global step ``step`` on, at the phase's batch size and
    resolution. In-memory images are held once here for every phase; a
    streamed folder is read anew from its batch ``step``."""
    if isinstance(images, StreamedFolder):
        def batches_at(phase, step):
            """The folder's batches, shrunk to the phase's side."""
            return images.batches(phase.batch_size, seed,
                                  first_batch=step).map(
                lambda batch: shrunk(batch, phase.resolution))
        return batches_at
    data = held(images)

    def batches_at(phase, step):
        """The held images' batches, shrunk to the phase's side."""
        return real_batches(data, phase.batch_size, seed, step,
                            resolution=phase.resolution)
    return batches_at


def next_phase(gan):
    """Count the current phase done: the next one starts at image 0."""
    gan.phase_index.assign_add(1)
    gan.phase_images.assign(0)


def check_images(images, schedule, channels):
    """Return ``images`` as (N, R, R, C) float or uint8 pixels without a
    copy, or a ``StreamedFolder`` as it is, or raise an error that says
    what was expected."""
    size = schedule.max_resolution
    if isinstance(images, StreamedFolder):
        if tuple(images.shape[1:]) != (size, size, channels):
            raise ValueError(f"the folder streams images of shape "
                             f"{tuple(images.shape[1:])}; this schedule and "
                             f"generator need ({size}, {size}, {channels})")
        return images
    images = np.asarray(images)
    if images.dtype != np.uint8 and not np.issubdtype(images.dtype,
                                                      np.floating):
        raise TypeError("images must hold floating-point pixels in [-1, 1] "
                        "(scale uint8 as x / 127.5 - 1) or uint8 pixels; got "
                        f"dtype {images.dtype}")
    if images.ndim == 3 and channels == 1:
        images = images[..., np.newaxis]
    if images.shape[1:] != (size, size, channels):
        raise ValueError(f"images must have shape (N, {size}, {size}, "
                         f"{channels}) for this schedule and generator; got "
                         f"{images.shape}")
    if len(images) < 2:
        raise ValueError(f"images must hold at least 2 examples; got "
                         f"{len(images)}")
    if images.dtype == np.uint8:
        return images
    return images.astype(np.float32, copy=False)
