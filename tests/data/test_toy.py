#!/usr/bin/env python3
"""Toy data sets, their builders and the metrics computed from them."""
import numpy as np
import pytest
import tensorflow as tf

from ganlab.data import toy
from ganlab.evaluation import metrics
from ganlab.nets import builders


def test_circle_points_lie_on_the_circle():
    """The curriculum's circle: radius .3 around (.5, .5), float32."""
    points = toy.circle(500, seed=3)
    assert points.shape == (500, 2) and points.dtype == np.float32
    assert toy.distance_to_circle(points).max() < 1e-6
    np.testing.assert_array_equal(points, toy.circle(500, seed=3))


def test_ring_and_grid_geometry():
    """8 modes at radius 2, neighbours 2 * 2 sin(pi / 8) apart; 25 modes
    2 apart on a grid centred at 0."""
    ring = toy.ring_of_gaussians()
    np.testing.assert_allclose(np.linalg.norm(ring.centres, axis=1), 2.)
    np.testing.assert_allclose(
        np.linalg.norm(ring.centres[1] - ring.centres[0]),
        4 * np.sin(np.pi / 8))
    grid = toy.grid_of_gaussians()
    assert grid.centres.shape == (25, 2)
    np.testing.assert_allclose(grid.centres.mean(axis=0), 0., atol=1e-12)
    assert sorted(set(grid.centres[:, 0])) == [-4., -2., 0., 2., 4.]


def test_curriculum_clouds_live_in_the_unit_cube():
    """Four clouds in 5-D and one cloud in the corner of 49-D."""
    clouds, corner = toy.four_clouds(), toy.cloud_in_corner()
    assert clouds.centres.shape == (4, 5)
    assert corner.centres.shape == (1, 49)
    for mixture in (clouds, corner):
        sample = mixture.sample(2000, seed=0)
        assert sample.shape == (2000, mixture.dimension)
        assert np.mean((sample > 0) & (sample < 1)) > .95


def test_mixture_samples_have_the_stated_spread_and_balance():
    """Offsets from the nearest mode have the mixture's std; each mode
    gets about its eighth of the samples."""
    ring = toy.ring_of_gaussians()
    sample = ring.sample(16000, seed=1)
    nearest = np.linalg.norm(sample[:, None] - ring.centres[None],
                             axis=2).argmin(axis=1)
    offsets = sample - ring.centres[nearest]
    assert offsets.std() == pytest.approx(ring.std, rel=.03)
    assert np.bincount(nearest, minlength=8) == pytest.approx(
        [2000] * 8, rel=.1)


def test_quality_radius_is_three_stds_in_two_dimensions():
    """The usual convention in 2-D; wider in higher dimensions so that
    real samples pass as often (98.9 %)."""
    assert metrics.quality_radius(.05, 2) == pytest.approx(.15, rel=1e-9)
    assert metrics.quality_radius(.05, 49) > .05 * np.sqrt(49)


@pytest.mark.parametrize("mixture", [toy.ring_of_gaussians(),
                                     toy.grid_of_gaussians(),
                                     toy.cloud_in_corner()],
                         ids=lambda mixture: mixture.name)
def test_real_samples_score_perfectly(mixture):
    """Samples of the mixture itself cover every mode, 98.9 % of them high
    quality, in 2-D as in 49-D."""
    scores = metrics.mode_metrics(mixture.sample(20000, seed=2), mixture)
    assert scores["modes_covered"] == scores["modes"] == len(
        mixture.centres)
    assert scores["high_quality_fraction"] == pytest.approx(
        1 - np.exp(-4.5), abs=.005)


def test_collapse_and_misses_are_measured():
    """All samples on one mode: one mode covered, all high quality.
    Samples halfway between modes: nothing is high quality."""
    ring = toy.ring_of_gaussians()
    collapsed = np.repeat(ring.centres[:1], 1000, axis=0)
    scores = metrics.mode_metrics(collapsed, ring)
    assert (scores["modes_covered"], scores["high_quality_fraction"]) == (
        1, 1.)
    assert scores["high_quality_per_mode"] == [1000] + [0] * 7
    between = (ring.centres + np.roll(ring.centres, 1, axis=0)) / 2
    missed = metrics.mode_metrics(np.repeat(between, 100, axis=0), ring)
    assert (missed["modes_covered"], missed["high_quality_fraction"]) == (
        0, 0.)


def test_mode_metrics_refuse_samples_of_another_dimension():
    """3-D samples cannot be scored against a 2-D mixture."""
    with pytest.raises(ValueError, match="samples must have 2 coordinates"):
        metrics.mode_metrics(np.zeros((10, 3)), toy.ring_of_gaussians())


def test_circle_metrics_by_hand():
    """Points on a circle of radius .4 are .1 from the curriculum's circle;
    points piled on one spot of it cover one arc of 12."""
    angles = np.linspace(0, 2 * np.pi, 1200, endpoint=False)
    wider = .5 + .4 * np.stack([np.cos(angles), np.sin(angles)], 1)
    scores = metrics.circle_metrics(wider)
    assert scores["mean_distance"] == pytest.approx(.1)
    assert scores["arcs_covered"] == 12
    piled = metrics.circle_metrics(np.full((500, 2), [.8, .5]))
    assert piled["mean_distance"] == pytest.approx(0., abs=1e-12)
    assert piled["arcs_covered"] == 1


def test_fully_connected_builder_layers():
    """[1, 100, 100, 2]: tanh hidden layers, a sigmoid generator output in
    (0, 1), a tanh critic score in (-1, 1); widths mirror."""
    generator, discriminator, latent = builders.fully_connected_GenDiscr(
        [1, 100, 100, 2], None)
    assert [layer.units for layer in generator.layers[1:]] == [100, 100, 2]
    assert [layer.units for layer in discriminator.layers[1:]] == [
        100, 100, 1]
    fakes = generator(latent(50))
    assert fakes.shape == (50, 2)
    assert np.all((np.asarray(fakes) > 0) & (np.asarray(fakes) < 1))
    scores = np.asarray(discriminator(fakes))
    assert scores.shape == (50, 1) and np.all(np.abs(scores) < 1)


def test_latent_types():
    """normal, uniform in [0, 1) and spheric (unit norm) latent vectors;
    any other name is refused."""
    for latent_type in ("normal", "uniform", "spheric"):
        _, _, latent = builders.fully_connected_GenDiscr(
            [3, 8, 2], None, latent_type=latent_type)
        assert latent(10).shape == (10, 3)
    _, _, uniform = builders.fully_connected_GenDiscr([3, 8, 2], None,
                                                    "uniform")
    values = np.asarray(uniform(1000))
    assert values.min() >= 0 and values.max() < 1
    norms = np.linalg.norm(np.asarray(builders.spheric_generator(100, 5)),
                           axis=1)
    np.testing.assert_allclose(norms, 1., rtol=1e-5)
    with pytest.raises(ValueError, match="latent_type must be one of"):
        builders.fully_connected_GenDiscr([3, 8, 2], None, "cauchy")


def test_mlp_builder_has_linear_outputs():
    """mlp_GenDiscr: ReLU hidden layers, outputs free to leave [-1, 1]."""
    generator, critic, latent = builders.mlp_GenDiscr(4, 2, hidden=(16,))
    assert generator(latent(3)).shape == (3, 2)
    assert generator.layers[-1].activation.__name__ == "linear"
    assert critic.layers[-1].activation.__name__ == "linear"
    assert critic(tf.fill((1, 2), 1e4)).shape == (1, 1)
    assert latent(6).shape == (6, 4)


def test_mode_kl_is_log_of_the_modes_for_a_collapsed_generator():
    """Every sample on one of the ring's 8 modes: KL log 8; half on each
    of two: log(8 / 2)."""
    ring = toy.ring_of_gaussians()
    collapsed = np.repeat(ring.centres[5:6], 50, axis=0)
    scores = metrics.mode_metrics(collapsed, ring)
    assert scores["modes_covered"] == 1
    assert scores["mode_kl"] == pytest.approx(np.log(8))
    two = np.repeat(ring.centres[[1, 6]], 50, axis=0)
    assert metrics.mode_metrics(two, ring)["mode_kl"] == pytest.approx(
        np.log(4))
