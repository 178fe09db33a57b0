#!/usr/bin/env python3
"""The kernel distance (KID) against a direct, slow computation.

``ganlab.evaluation.metrics.kernel_distance`` is the unbiased squared MMD
of Binkowski et al. 2018 with the cubic polynomial kernel
k(x, y) = (x.y / d + 1)^3, averaged over ``subsets`` random subsets of
``subset_size`` rows of each set (fewer if a set is smaller), drawn with
``numpy.random.default_rng(seed)``: for each subset, first the rows of
the first set, then those of the second, without replacement. Its
standard error is the subsets' sample standard deviation over
sqrt(subsets).

Here the same estimator is written out with plain Python loops, one pair
of vectors at a time, on small feature sets (20 and 30 vectors of
dimension 4), drawing the same subsets from the same generator, and the
two must agree to 1e-6 relative.
"""
import math

import numpy as np
import pytest

from ganlab.evaluation.metrics import kernel_distance


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
