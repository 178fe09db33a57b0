#!/usr/bin/env python3
"""Frechet and kernel distances against closed forms, and provenance."""
import dataclasses

import numpy as np
import pytest
from scipy import linalg

from ganlab.evaluation import metrics


def test_frechet_distance_of_a_set_with_itself_is_zero():
    """Same features, same Gaussian: distance 0 (to 1e-6)."""
    features = np.random.default_rng(0).normal(size=(500, 64))
    assert metrics.frechet_distance(features, features) == pytest.approx(
        0., abs=1e-6)


def test_frechet_distance_between_diagonal_gaussians():
    """For diagonal covariances the distance is ||m_a - m_b||^2 +
    sum((s_a - s_b)^2) with s the standard deviations."""
    mean_a, mean_b = np.array([0., 1., 2.]), np.array([1., 1., 0.])
    std_a, std_b = np.array([1., 2., 3.]), np.array([2., 2., 1.])
    expected = 1 + 0 + 4 + (1 + 0 + 4)
    assert metrics.frechet_distance_from_moments(
        mean_a, np.diag(std_a ** 2), mean_b, np.diag(std_b ** 2)) == (
        pytest.approx(expected, rel=1e-12))


def test_frechet_distance_matches_the_textbook_formula():
    """For random full covariances it equals the formula written with
    SciPy's general matrix square root."""
    rng = np.random.default_rng(1)
    factor_a, factor_b = rng.normal(size=(2, 20, 20))
    cov_a, cov_b = factor_a @ factor_a.T, factor_b @ factor_b.T
    mean_a, mean_b = rng.normal(size=(2, 20))
    textbook = (np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a)
                + np.trace(cov_b)
                - 2 * np.trace(linalg.sqrtm(cov_a @ cov_b).real))
    assert metrics.frechet_distance_from_moments(
        mean_a, cov_a, mean_b, cov_b) == pytest.approx(textbook, rel=1e-8)


def test_frechet_distance_with_fewer_rows_than_features():
    """With fewer samples than features (as 1,000 samples of 1,280
    ImageNet features) the distance comes from the rows, and equals the
    one from the two covariances; a set against itself is 0."""
    rng = np.random.default_rng(3)
    a = rng.normal(size=(40, 100)) @ rng.normal(size=(100, 100)) * .1
    b = rng.normal(size=(60, 100)) + .3
    from_moments = metrics.frechet_distance_from_moments(
        a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))
    # 1e-6: the covariance route takes square roots of the rounding noise
    # in its zero eigenvalues (each about 1e-7), which the rows avoid
    assert metrics.frechet_distance(a, b) == pytest.approx(from_moments,
                                                           rel=1e-6)
    assert metrics.frechet_distance(a, a) == pytest.approx(0., abs=1e-8)


def test_frechet_parts_of_a_shifted_and_a_shrunk_set():
    """Shifting a set by (1, 2) puts 5 in the mean term and nothing in
    the covariance term; scaling it by .5 (about the mean) puts
    ||(1 - .5) s||^2 = .25 tr(cov) there, keeps the means, and leaves a
    quarter of the spread; the parts add up to the whole."""
    rng = np.random.default_rng(2)
    real = rng.normal(size=(2000, 2)) * [1., 3.]
    shifted = metrics.frechet_parts(real, real + [1., 2.])
    assert shifted["mean_term"] == pytest.approx(5., rel=1e-12)
    assert shifted["covariance_term"] == pytest.approx(0., abs=1e-6)
    assert shifted["spread_ratio"] == pytest.approx(1., rel=1e-12)
    centre = real.mean(axis=0)
    shrunk = metrics.frechet_parts(real, centre + .5 * (real - centre))
    spread = np.trace(np.cov(real, rowvar=False))
    assert shrunk["mean_term"] == pytest.approx(0., abs=1e-20)
    assert shrunk["spread_ratio"] == pytest.approx(.25, rel=1e-12)
    assert shrunk["covariance_term"] == pytest.approx(.25 * spread,
                                                      rel=1e-9)
    assert shrunk["frechet_distance"] == pytest.approx(
        shrunk["mean_term"] + shrunk["covariance_term"], rel=1e-12)


def test_frechet_distance_refuses_mismatched_features():
    """Features of different widths cannot be compared."""
    with pytest.raises(ValueError, match="same width"):
        metrics.frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))


def test_kernel_distance_is_unbiased_on_equal_laws():
    """Two samples of one law: KID within 3 standard errors of 0; a
    shifted law: far above."""
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(2, 2000, 16))
    same, error = metrics.kernel_distance(a, b, subsets=50, subset_size=200)
    assert abs(same) < 3 * error
    shifted, _ = metrics.kernel_distance(a, b + .5, subsets=50,
                                         subset_size=200)
    assert shifted > 20 * error


def test_scores_made_differently_refuse_comparison():
    """Scores compare by value only when their provenance matches."""
    score = metrics.FeatureScore("frechet", 3., "pca32", "abc", "none",
                                 1000, 1000, "faces held out")
    better = dataclasses.replace(score, value=2.)
    assert better < score
    other_net = dataclasses.replace(score, extractor_checksum="def")
    with pytest.raises(ValueError, match="extractor_checksum is 'def' "
                                         "here and 'abc' there"):
        _ = other_net < score


def test_radial_power_spectrum_of_a_pure_wave():
    """A cosine with 3 periods across 16 pixels puts all its power at
    radius 3."""
    columns = np.arange(16)
    wave = np.tile(np.cos(2 * np.pi * 3 * columns / 16), (16, 1))
    spectrum = metrics.radial_power_spectrum(wave[None])
    assert spectrum.argmax() == 3
    assert spectrum[3] > 1e6 * np.delete(spectrum, 3).max()


def test_spectral_distance_sees_blur():
    """Same law: about 0. Blurred copies (2x2 averaging) lose high
    frequencies and score far higher."""
    rng = np.random.default_rng(3)
    images = rng.random((400, 16, 16))
    other = rng.random((400, 16, 16))
    blurred = (images + np.roll(images, 1, 1) + np.roll(images, 1, 2)
               + np.roll(images, (1, 1), (1, 2))) / 4
    assert metrics.spectral_distance(images, other) < .02
    assert metrics.spectral_distance(images, blurred) > .3


def test_nearest_neighbour_coverage_by_hand():
    """Real rows at 0, 10 and 20 on a line: samples at 1, 2 and 19 have
    the nearest rows 0, 0 and 20, so 2 of the 3 are covered; a collapsed
    set (every sample at 9) covers 1; the real rows themselves cover all."""
    real = np.array([[0.], [10.], [20.]])
    assert metrics.nearest_neighbour_coverage(
        np.array([[1.], [2.], [19.]]), real) == pytest.approx(2 / 3)
    assert metrics.nearest_neighbour_coverage(
        np.full((50, 1), 9.), real) == pytest.approx(1 / 3)
    assert metrics.nearest_neighbour_coverage(real, real) == 1.


def test_nearest_neighbour_coverage_refuses_mismatched_widths():
    """Features of different widths are named in the error."""
    with pytest.raises(ValueError, match=r"\(3, 2\) and \(3, 1\)"):
        metrics.nearest_neighbour_coverage(np.zeros((3, 2)), np.zeros((3, 1)))
