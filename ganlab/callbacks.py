#!/usr/bin/env python3
"""Keras callbacks that watch a GAN while it trains.

``DiversityMonitor`` measures, after every epoch, how varied the
generator's samples are, and records it in the training history beside
the losses, so collapse shows up as a falling curve rather than as a
surprise at the end. It also watches for the divergence seen in DCGAN
runs: the generator's loss climbing epoch after epoch while the
discriminator's falls below a bound. On either sign it warns with the
epoch, and it can stop training and put back the generator of the most
diverse epoch. ``SampleGrid`` saves pictures of samples drawn from the
same latent vectors as training goes, so progress can be watched.
"""
import pathlib
import warnings

import numpy as np
from tensorflow import keras

from ganlab import metrics, plots


class SampleGrid(keras.callbacks.Callback):
    """Every ``every`` epochs, save a grid of samples from fixed latents.

    ``to_pixels`` maps the generator's outputs to pixels in [0, 1];
    ``name`` is a format string for the file name, given the epoch
    (counted from 1).
    """

    def __init__(self, latent_vectors, to_pixels, folder, every=1,
                 name="epoch_{:04d}.png"):
        """Remember what to draw and where to write it."""
        super().__init__()
        self.latent_vectors = latent_vectors
        self.to_pixels = to_pixels
        self.folder = pathlib.Path(folder)
        self.every = every
        self.name = name

    def on_epoch_end(self, epoch, logs=None):
        """Write the grid on every ``every``-th epoch."""
        if (epoch + 1) % self.every == 0:
            fakes = self.model.generator(self.latent_vectors, training=False)
            plots.save_image_grid(self.to_pixels(np.asarray(fakes)),
                                  self.folder / self.name.format(epoch + 1),
                                  columns=4, title=f"epoch {epoch + 1}")


class DiversityMonitor(keras.callbacks.Callback):
    """Log the mean pairwise distance of generated samples each epoch.

    Distances are taken between ``features(samples)`` when a feature
    extractor is given (see ``ganlab.features``), else between raw samples.
    The score of the real data, measured once, is the yardstick: below
    ``warn_below`` times it, a warning names the epoch.
    """

    def __init__(self, real_examples, samples=500, features=None,
                 warn_below=.5, losses=None, critic_floor=.1,
                 patience=3, stop=False, restore_best=False, seed=0):
        """Measure the real data's diversity as the reference.

        ``losses`` names the generator's and the critic's loss in the logs
        (e.g. ``("g_loss", "d_loss")``) to watch for divergence: the first
        rising for ``patience`` epochs in a row while the second is below
        ``critic_floor``. ``stop`` ends training on a warning;
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
        if relative > self.best[0]:
            self.best = (relative, self.model.generator.get_weights())
        problems = []
        if relative < self.warn_below:
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
