#!/usr/bin/env python3
"""Keras callbacks that watch a GAN while it trains.

``DiversityMonitor`` measures, after every epoch, how varied the
generator's samples are, and records it in the training history beside
the losses, so collapse shows up as a falling curve rather than as a
surprise at the end.
"""
import warnings

import numpy as np
from tensorflow import keras

from ganlab import metrics


class DiversityMonitor(keras.callbacks.Callback):
    """Log the mean pairwise distance of generated samples each epoch.

    Distances are taken between ``features(samples)`` when a feature
    extractor is given (see ``ganlab.features``), else between raw samples.
    The score of the real data, measured once, is the yardstick: below
    ``warn_below`` times it, a warning names the epoch.
    """

    def __init__(self, real_examples, samples=500, features=None,
                 warn_below=.5, seed=0):
        """Measure the real data's diversity as the reference."""
        super().__init__()
        self.samples = samples
        self.features = features or (lambda x: np.asarray(x))
        self.warn_below = warn_below
        self.seed = seed
        real = np.asarray(real_examples)[:samples]
        self.real_diversity = metrics.mean_pairwise_distance(
            self.features(real), seed=seed)

    def on_epoch_end(self, epoch, logs=None):
        """Add ``diversity`` (relative to the real data) to the logs."""
        fakes = np.asarray(self.model.get_fake_sample(self.samples))
        relative = metrics.mean_pairwise_distance(
            self.features(fakes), seed=self.seed) / self.real_diversity
        if logs is not None:
            logs["diversity"] = relative
        if relative < self.warn_below:
            warnings.warn(f"epoch {epoch + 1}: generated samples are "
                          f"{relative:.2f} times as diverse as the real "
                          "data; the generator may be collapsing",
                          stacklevel=2)
