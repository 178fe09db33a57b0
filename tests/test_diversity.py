#!/usr/bin/env python3
"""Diversity scores and the callback that records them during training."""
import numpy as np
import pytest

from conftest import load_gan_class
from ganlab import metrics, models, toy
from ganlab.callbacks import DiversityMonitor


def test_mean_pairwise_distance_by_hand():
    """Three corners of a unit square: distances 1, 1 and sqrt(2)."""
    corners = np.array([[0., 0.], [1., 0.], [0., 1.]])
    assert metrics.mean_pairwise_distance(corners) == pytest.approx(
        (2 + np.sqrt(2)) / 3)
    assert metrics.mean_pairwise_distance(np.ones((50, 4))) == 0.
    with pytest.raises(ValueError, match="at least 2 samples"):
        metrics.mean_pairwise_distance(np.ones((1, 4)))


def test_classes_found_counts_classes_with_a_real_share():
    """Classes under 1 % of the predictions do not count."""
    predicted = np.array([0] * 500 + [1] * 495 + [2] * 5)
    assert metrics.classes_found(predicted) == 2
    assert metrics.classes_found(np.arange(1000) % 10) == 10


def test_monitor_records_diversity_and_warns_on_collapse():
    """The history gets a ``diversity`` entry per epoch; a generator that
    draws one point triggers the warning with its epoch."""
    real = toy.ring_of_gaussians().sample(500, seed=0)
    generator, critic, latent = models.mlp_GenDiscr(2, 2, hidden=(8,))
    gan = load_gan_class("WGAN_GP")(generator, critic, latent, real,
                                    batch_size=100)
    gan.compile()
    monitor = DiversityMonitor(real, samples=200)
    gan.fit(real, epochs=2, steps_per_epoch=2, verbose=0,
            callbacks=[monitor])
    assert len(gan.history.history["diversity"]) == 2
    gan.get_fake_sample = lambda size=None, training=False: np.zeros(
        (size, 2), np.float32)
    with pytest.warns(UserWarning, match="epoch 7: generated samples are "
                                         "0.00 times as diverse"):
        monitor.on_epoch_end(6, {})
