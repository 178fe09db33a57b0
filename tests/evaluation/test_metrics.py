#!/usr/bin/env python3
"""``ganlab.evaluation.metrics``: Frechet and kernel distances against
closed forms and against a direct, slow computation, and provenance."""
import dataclasses
import math

import numpy as np
import pytest
from scipy import linalg

from ganlab.evaluation import metrics
from ganlab.evaluation.metrics import kernel_distance


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


# ---- The kernel distance (KID) against a direct, slow computation.
#
# ``ganlab.evaluation.metrics.kernel_distance`` is the unbiased squared MMD
# of Binkowski et al. 2018 with the cubic polynomial kernel
# k(x, y) = (x.y / d + 1)^3, averaged over ``subsets`` random subsets of
# ``subset_size`` rows of each set (fewer if a set is smaller), drawn with
# ``numpy.random.default_rng(seed)``: for each subset, first the rows of
# the first set, then those of the second, without replacement. Its
# standard error is the subsets' sample standard deviation over
# sqrt(subsets).
#
# Here the same estimator is written out with plain Python loops, one pair
# of vectors at a time, on small feature sets (20 and 30 vectors of
# dimension 4), drawing the same subsets from the same generator, and the
# two must agree to 1e-6 relative.


def kernel(x, y):
    """(x.y / d + 1)^3, with the dot product as a Python loop."""
    dot = 0.
    for xi, yi in zip(x, y):
        dot += float(xi) * float(yi)
    return (dot / len(x) + 1.) ** 3


def direct_mmd2(a, b):
    """Unbiased MMD^2 of the rows of a and b (equal counts m):
    sum_{i != j} k(a_i, a_j) / (m (m-1)) + sum_{i != j} k(b_i, b_j) /
    (m (m-1)) - 2 sum_{i, j} k(a_i, b_j) / m^2."""
    m = len(a)
    assert len(b) == m
    within_a = within_b = across = 0.
    for i in range(m):
        for j in range(m):
            if i != j:
                within_a += kernel(a[i], a[j])
                within_b += kernel(b[i], b[j])
            across += kernel(a[i], b[j])
    return (within_a / (m * (m - 1)) + within_b / (m * (m - 1))
            - 2. * across / (m * m))


def direct_kid(a, b, subsets, subset_size, seed):
    """KID and its standard error, the slow way: the same subsets as
    ``kernel_distance`` draws (same generator, same order of draws), each
    scored by ``direct_mmd2``, then mean and std(ddof=1) / sqrt(n)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    size = min(subset_size, len(a), len(b))
    rng = np.random.default_rng(seed)
    estimates = []
    for _ in range(subsets):
        rows_a = rng.choice(len(a), size, replace=False)
        rows_b = rng.choice(len(b), size, replace=False)
        estimates.append(direct_mmd2([a[i] for i in rows_a],
                                     [b[i] for i in rows_b]))
    mean = sum(estimates) / subsets
    variance = sum((e - mean) ** 2 for e in estimates) / (subsets - 1)
    return mean, math.sqrt(variance) / math.sqrt(subsets)


@pytest.fixture
def features():
    """20 and 30 feature vectors of dimension 4, the second set shifted
    by .3 so that the two laws differ a little."""
    rng = np.random.default_rng(7)
    return rng.normal(size=(20, 4)), rng.normal(size=(30, 4)) + .3


@pytest.mark.parametrize("subsets, subset_size, seed",
                         [(5, 10, 0), (3, 20, 1), (4, 500, 2), (2, 7, 3)])
def test_matches_the_direct_computation(features, subsets, subset_size,
                                        seed):
    """Value and standard error equal the loop computation on the same
    subsets, to 1e-6 relative (subset_size 500 is capped at 20, the
    smaller set)."""
    a, b = features
    value, error = kernel_distance(a, b, subsets=subsets,
                                   subset_size=subset_size, seed=seed)
    expected_value, expected_error = direct_kid(a, b, subsets, subset_size,
                                                seed)
    assert value == pytest.approx(expected_value, rel=1e-6)
    assert error == pytest.approx(expected_error, rel=1e-6)


def test_full_subsets_are_the_plain_estimator(features):
    """With two sets of equal size and subset_size at least that size,
    every subset is a reordering of the whole set, and MMD^2 does not
    depend on order: the value is the direct MMD^2 of the two whole sets
    and the standard error is 0."""
    a, b = features[0], features[1][:20]
    value, error = kernel_distance(a, b, subsets=3, subset_size=20)
    assert value == pytest.approx(direct_mmd2(list(a), list(b)), rel=1e-6)
    assert error == pytest.approx(0., abs=1e-9)


def test_the_kernel_is_the_cubic_polynomial():
    """Two vectors a set, where every term can be written down: in d = 2,
    a = {(1, 0), (0, 1)}, b = {(1, 1), (0, 0)}.
    k(a1, a2) = (0/2 + 1)^3 = 1; k(b1, b2) = 1;
    k(a_i, (1, 1)) = (1/2 + 1)^3 = 3.375, k(a_i, (0, 0)) = 1.
    MMD^2 = 1 + 1 - 2 (2 * 3.375 + 2 * 1) / 4 = 2 - 4.375 = -2.375."""
    a = np.array([[1., 0.], [0., 1.]])
    b = np.array([[1., 1.], [0., 0.]])
    value, _ = kernel_distance(a, b, subsets=2, subset_size=2)
    assert value == pytest.approx(-2.375, rel=1e-12)


def test_identical_sets_give_about_zero():
    """A set against itself (whole-set subsets) gives exactly
    2 (mean off-diagonal k - mean diagonal k) / m, by the algebra of the
    unbiased estimator: a small negative number that shrinks like 1/m,
    negligible beside a shifted set's value."""
    rng = np.random.default_rng(3)
    a = rng.normal(size=(400, 4))
    value, error = kernel_distance(a, a, subsets=2, subset_size=400)
    k = (a @ a.T / 4 + 1) ** 3
    m = len(a)
    diagonal = np.trace(k) / m
    off_diagonal = (k.sum() - np.trace(k)) / (m * (m - 1))
    assert value == pytest.approx(2 * (off_diagonal - diagonal) / m,
                                  rel=1e-6)
    assert -.1 < value <= 0
    assert error == pytest.approx(0., abs=1e-9)
    shifted, _ = kernel_distance(a, a + 1., subsets=2, subset_size=400)
    assert shifted > 50 * abs(value)


def test_a_shifted_set_scores_higher(features):
    """Moving the second set further from the first raises the distance,
    step by step, on the same subsets (same seed)."""
    a, b = features
    values = [kernel_distance(a, b + shift, subsets=4, subset_size=15)[0]
              for shift in (0., .5, 1., 2.)]
    assert values == sorted(values)
    assert values[-1] > values[0] + 1.


def test_same_seed_same_answer_other_seed_other_subsets(features):
    """The subsets come from ``seed`` alone: the same seed repeats the
    answer exactly, another seed draws other subsets."""
    a, b = features
    first = kernel_distance(a, b, subsets=3, subset_size=10, seed=5)
    assert kernel_distance(a, b, subsets=3, subset_size=10, seed=5) == first
    assert kernel_distance(a, b, subsets=3, subset_size=10,
                           seed=6) != first


@pytest.mark.parametrize("rows_a, rows_b, subsets, message", [
    (1, 30, 20, "at least 2 rows"), (20, 1, 20, "at least 2 rows"),
    (20, 30, 1, "subsets must be at least 2")])
def test_too_little_to_estimate_is_an_error_not_nan(rows_a, rows_b, subsets,
                                                     message):
    """One row (no pair to average over) or one subset (no spread for a
    standard error) raise ValueError instead of returning NaN."""
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=message):
        kernel_distance(rng.normal(size=(rows_a, 4)),
                        rng.normal(size=(rows_b, 4)), subsets=subsets)
