#!/usr/bin/env python3
"""Keras callbacks that score a GAN's samples while it trains.

``DiversityMonitor`` measures, after every epoch, how varied the
generator's samples are, and records it in the training history beside
the losses, so collapse shows up as a falling curve rather than as a
surprise at the end. It also watches for the divergence seen in DCGAN
runs: the generator's loss climbing epoch after epoch while the
discriminator's falls below a bound. On either sign it warns with the
epoch, and it can stop training and put back the generator of the most
diverse epoch.

It sits with the metrics it measures by, above the training code, so a
model's own training never depends on it; a demo or a script adds it to
``fit``'s callbacks.
"""
import warnings

import numpy as np
from tensorflow import keras

from ganlab.evaluation import metrics


class DiversityMonitor(keras.callbacks.Callback):
    """Log the mean pairwise distance of generated samples each epoch.

    Distances are taken between ``features(samples)`` when a feature
    extractor is given (see ``ganlab.evaluation.features``), else between raw
    samples. The score of the real data, measured once, is the yardstick: below
    ``warn_below`` times it, a warning names the epoch, unless the
    diversity is still growing, by at least ``growing`` times the best of
    the epochs before (the first epoch, with none before, counts as
    growing). A generator starts out drawing near copies of one image and
    learns to vary them over its first epochs; what collapses is one whose
    diversity stays low, or falls.
    """

    def __init__(self, real_examples, samples=500, features=None,
                 warn_below=.5, losses=None, critic_floor=.1,
                 patience=3, stop=False, restore_best=False, seed=0,
                 growing=1.05):
        """Measure the real data's diversity as the reference.

        ``losses`` names the generator's and the critic's loss in the logs
        (e.g. ``("gen_loss", "discr_loss")``) to watch for divergence: the
        first rising for ``patience`` epochs in a row while the second is
        below ``critic_floor``. ``stop`` ends training on a warning;
        ``restore_best`` then puts back the most diverse generator.
        """
        super().__init__()
        self.samples = samples
        self.features = features or (lambda x: np.asarray(x))
        self.warn_below = warn_below
        self.losses = losses
        self.critic_floor = critic_floor
        self.patience = patience
        self.stop = stop
        self.restore_best = restore_best
        self.seed = seed
        self.growing = growing
        real = np.asarray(real_examples)[:samples]
        self.real_diversity = metrics.mean_pairwise_distance(
            self.features(real), seed=seed)
        self.generator_losses = []
        self.best = (-np.inf, None)

    def on_epoch_end(self, epoch, logs=None):
        """Add ``diversity`` (relative to the real data) to the logs and
        act on collapse or divergence."""
        logs = {} if logs is None else logs
        fakes = np.asarray(self.model.get_fake_sample(self.samples))
        relative = metrics.mean_pairwise_distance(
            self.features(fakes), seed=self.seed) / self.real_diversity
        logs["diversity"] = relative
        still_growing = relative >= self.growing * self.best[0]
        if relative > self.best[0]:
            self.best = (relative, self.model.generator.get_weights())
        problems = []
        if relative < self.warn_below and not still_growing:
            problems.append(f"generated samples are {relative:.2f} times "
                            "as diverse as the real data; the generator "
                            "may be collapsing")
        if self.losses:
            generator_key, critic_key = self.losses
            self.generator_losses.append(float(logs[generator_key]))
            recent = self.generator_losses[-self.patience - 1:]
            if (len(recent) > self.patience
                    and all(np.diff(recent) > 0)
                    and float(logs[critic_key]) < self.critic_floor):
                problems.append(f"{generator_key} rose {self.patience} "
                                f"epochs in a row while {critic_key} is "
                                f"below {self.critic_floor}: training may "
                                "be diverging")
        for problem in problems:
            warnings.warn(f"epoch {epoch + 1}: {problem}", stacklevel=2)
        if problems and self.stop:
            self.model.stop_training = True
            if self.restore_best and self.best[1] is not None:
                self.model.generator.set_weights(self.best[1])
