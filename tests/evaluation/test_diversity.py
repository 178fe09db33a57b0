#!/usr/bin/env python3
"""Diversity scores and the callback that records them during training."""
import numpy as np
import pytest

from ganlab.data import toy
from ganlab.evaluation import metrics
from ganlab.evaluation.monitors import DiversityMonitor
from ganlab.nets import builders
from tests.helpers import load_gan_class


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
    generator, critic, latent = builders.mlp_GenDiscr(2, 2, hidden=(8,))
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


def test_monitor_is_silent_while_diversity_grows_and_warns_when_it_stalls():
    """Low but growing by 5 % or more an epoch: a generator still
    learning to vary, no warning. Then low and stalled (2 % up): a
    warning naming the epoch."""
    import warnings
    real = np.random.default_rng(0).uniform(-1, 1, (64, 8))
    monitor = DiversityMonitor(real, samples=64)
    monitor.set_model(type("GAN", (), {})())
    monitor.model.generator = type("Net", (), {"get_weights": list})()
    spread = iter([.1, .2, .25, .27, .2754])

    def fakes(size, training=False):
        """Samples whose diversity is the next of ``spread`` times the
        real data's."""
        return next(spread) * real[:size]
    monitor.model.get_fake_sample = fakes
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for epoch in range(4):  # .1, then x2, x1.25, x1.08
            monitor.on_epoch_end(epoch, {})
    with pytest.warns(UserWarning, match="epoch 5: generated samples are "
                                         "0.28 times as diverse"):
        monitor.on_epoch_end(4, {})  # x1.02


def small_dcgan():
    """A tiny task 5 DCGAN."""
    dcgan = __import__('5-dcgan_cifar')
    model = dcgan.DCGAN(dcgan.build_generator(8, (16, 8, 4)),
                        dcgan.build_discriminator((4, 8, 16)), latent_dim=8)
    model.compile()
    return model


def test_monitor_fires_on_a_collapsed_dcgan_and_restores_the_best():
    """All outputs equal: the warning fires, training stops, and the
    generator of the most diverse epoch comes back."""
    import warnings
    model = small_dcgan()
    real = np.random.default_rng(0).uniform(-1, 1, (64, 32, 32, 3))
    monitor = DiversityMonitor(real, samples=64, stop=True,
                               restore_best=True)
    monitor.set_model(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        monitor.on_epoch_end(0, {})
    best = [w.copy() for w in model.generator.get_weights()]
    for weights in model.generator.trainable_weights:
        weights.assign(np.zeros(weights.shape))
    with pytest.warns(UserWarning, match="epoch 2: generated samples are "
                                         "0.00 times"):
        monitor.on_epoch_end(1, {})
    assert model.stop_training
    for restored, kept in zip(model.generator.get_weights(), best):
        np.testing.assert_array_equal(restored, kept)


def test_monitor_sees_divergence_and_stays_silent_on_health():
    """Generator loss rising 3 epochs while the critic's is below .1:
    warned. Diverse samples and steady losses: no warning."""
    import warnings
    rng = np.random.default_rng(0)
    model = small_dcgan()
    real = rng.uniform(-1, 1, (64, 32, 32, 3))
    model.get_fake_sample = lambda size, training=False: rng.uniform(
        -1, 1, (size, 32, 32, 3))
    healthy = DiversityMonitor(real, samples=64, losses=("g_loss",
                                                         "d_loss"))
    healthy.set_model(model)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for epoch, g_loss in enumerate([1., .9, 1.1, 1.]):
            healthy.on_epoch_end(epoch, {"g_loss": g_loss, "d_loss": 1.2})
    diverging = DiversityMonitor(real, samples=64, losses=("g_loss",
                                                           "d_loss"))
    diverging.set_model(model)
    with pytest.warns(UserWarning, match="epoch 4: g_loss rose 3 epochs"):
        for epoch, g_loss in enumerate([1., 2., 3., 4.]):
            diverging.on_epoch_end(epoch, {"g_loss": g_loss,
                                           "d_loss": .05})
