#!/usr/bin/env python3
"""Quality metrics: exact ones for toy data, feature distances for images.

For a Gaussian mixture we know every mode, so two numbers say how good a
generator is (as in Srivastava et al. 2017, "VEEGAN", and Lin et al. 2018,
"PacGAN"):

- the fraction of high-quality samples: samples that lie close to their
  nearest mode, "close" meaning within 3 standard deviations in 2-D;
- the number of modes covered: modes that receive a fair share of those
  high-quality samples. A collapsed generator scores high on the first
  and low on the second.

For images the law is unknown, so real and generated images are compared
through features (of a network, or of a PCA): the Frechet distance between
Gaussians fitted to the two feature sets (Heusel et al. 2017, the "FID"
when the features are InceptionV3's), and the kernel distance (KID,
Binkowski et al. 2018), an unbiased estimate that suits small samples;
and the improved precision and recall (Kynkaanniemi et al. 2019), which
split realism from coverage on k-nearest-neighbour manifolds.
Which features were used decides what a number means, so a
``FeatureScore`` keeps its provenance and refuses to be compared with a
score made another way.
"""
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ganlab.arrays import squared_distances
from ganlab.data.toy import distance_to_circle


def quality_radius(std, dimension, quality_stds=3.):
    """Return the distance within which a sample counts as high quality.

    In 2-D the radius is ``quality_stds * std``, the usual convention; a
    real sample of a mode then falls inside it with probability
    1 - exp(-quality_stds^2 / 2) (98.9 % at 3). In higher dimensions, where
    even real samples lie about ``std * sqrt(dimension)`` from their mode,
    the radius grows so that real samples pass with that same probability.
    """
    coverage = 1. - np.exp(-quality_stds ** 2 / 2.)
    return std * np.sqrt(stats.chi2.ppf(coverage, dimension))


def mode_metrics(samples, mixture, quality_stds=3., coverage_share=.2):
    """Score generated ``samples`` against a ``GaussianMixture``.

    Each sample goes to its nearest mode and is high quality when within
    ``quality_radius`` of it. A mode is covered when it receives at least
    ``coverage_share`` of its fair share (samples / modes) of high-quality
    samples. Returns a dict with ``modes_covered``, ``modes``,
    ``high_quality_fraction``, ``high_quality_per_mode`` and ``mode_kl``
    (how unevenly samples spread over the modes, see ``mode_kl``).
    """
    samples = np.asarray(samples, dtype=np.float64)
    samples = samples.reshape(len(samples), -1)
    if samples.shape[1] != mixture.dimension:
        raise ValueError(f"samples must have {mixture.dimension} coordinates "
                         f"to match the {mixture.name}; got "
                         f"{samples.shape[1]}")
    # |s - c|^2 = |s|^2 - 2 s.c + |c|^2: no (samples, modes, dimension)
    # array, which for images would take gigabytes
    squared = ((samples ** 2).sum(axis=1)[:, np.newaxis]
               - 2. * samples @ mixture.centres.T
               + (mixture.centres ** 2).sum(axis=1)[np.newaxis])
    distances = np.sqrt(np.maximum(squared, 0.))
    nearest = distances.argmin(axis=1)
    radius = quality_radius(mixture.std, mixture.dimension, quality_stds)
    high_quality = distances.min(axis=1) <= radius
    per_mode = np.bincount(nearest[high_quality],
                           minlength=len(mixture.centres))
    fair_share = len(samples) / len(mixture.centres)
    return {"modes_covered": int((per_mode >= coverage_share
                                  * fair_share).sum()),
            "modes": len(mixture.centres),
            "high_quality_fraction": float(high_quality.mean()),
            "high_quality_per_mode": per_mode.tolist(),
            "mode_kl": mode_kl(nearest, len(mixture.centres))}


def mode_kl(nearest_modes, modes):
    """Return KL(p || uniform) in nats, p being the share of samples whose
    nearest mode is each mode: 0 when every mode is drawn equally often,
    log(modes) when all samples go to one mode. Unlike a count of covered
    modes it also sees a generator that favours some modes."""
    shares = np.bincount(nearest_modes, minlength=modes) / len(nearest_modes)
    present = shares > 0
    return float(np.sum(shares[present] * np.log(shares[present] * modes)))


def circle_metrics(samples, radius=.3, centre=.5, arcs=12,
                   coverage_share=.2):
    """Score generated 2-D ``samples`` against the curriculum's circle.

    Returns the mean and 90th percentile of the distances to the circle,
    and how many of ``arcs`` equal arcs are covered (hold at least
    ``coverage_share`` of their fair share of samples): a generator that
    collapses onto one spot of the circle is close to it but covers
    few arcs.
    """
    samples = np.asarray(samples, dtype=np.float64)
    distances = distance_to_circle(samples, radius, centre)
    angles = np.arctan2(samples[:, 1] - centre, samples[:, 0] - centre)
    arc = ((angles + np.pi) / (2 * np.pi) * arcs).astype(int) % arcs
    per_arc = np.bincount(arc, minlength=arcs)
    return {"mean_distance": float(distances.mean()),
            "p90_distance": float(np.percentile(distances, 90)),
            "arcs_covered": int((per_arc >= coverage_share
                                 * len(samples) / arcs).sum()),
            "arcs": arcs}


def frechet_distance(features_a, features_b):
    """Return the Frechet distance between Gaussians fitted to two sets of
    features (rows are samples), in float64."""
    features_a = np.asarray(features_a, dtype=np.float64)
    features_b = np.asarray(features_b, dtype=np.float64)
    if features_a.ndim != 2 or features_a.shape[1:] != features_b.shape[1:]:
        raise ValueError("features_a and features_b must be 2-D with the "
                         f"same width; got {features_a.shape} and "
                         f"{features_b.shape}")
    if min(len(features_a), len(features_b)) < features_a.shape[1]:
        return frechet_distance_from_rows(features_a, features_b)
    return frechet_distance_from_moments(
        features_a.mean(axis=0), np.cov(features_a, rowvar=False),
        features_b.mean(axis=0), np.cov(features_b, rowvar=False))


def frechet_distance_from_rows(features_a, features_b):
    """Return the Frechet distance of two feature sets from their rows,
    for when there are fewer rows than features (1,000 samples of 1,280
    ImageNet features): the same number as ``frechet_distance_from_moments``
    without a feature-by-feature matrix.

    With the centred rows A and B and n_a, n_b rows, the covariances are
    A'A / (n_a - 1) and B'B / (n_b - 1); the non-zero eigenvalues of
    cov_a^1/2 cov_b cov_a^1/2 are those of cov_a cov_b, hence the squared
    singular values of A B' / sqrt((n_a - 1)(n_b - 1)), an n_a x n_b
    matrix. So tr((cov_a^1/2 cov_b cov_a^1/2)^1/2) is the sum of its
    singular values, and the traces of the covariances are sums of
    squares: two eigendecompositions of 1,280 x 1,280 matrices (tens of
    seconds on two busy cores) become one small singular value
    decomposition.
    """
    centred_a = features_a - features_a.mean(axis=0)
    centred_b = features_b - features_b.mean(axis=0)
    scale_a, scale_b = len(features_a) - 1, len(features_b) - 1
    cross = centred_a @ centred_b.T / np.sqrt(scale_a * scale_b)
    trace_sqrt = np.linalg.svd(cross, compute_uv=False).sum()
    distance = (np.sum((features_a.mean(axis=0)
                        - features_b.mean(axis=0)) ** 2)
                + np.sum(centred_a ** 2) / scale_a
                + np.sum(centred_b ** 2) / scale_b - 2 * trace_sqrt)
    return float(max(distance, 0.))


def frechet_parts(features_a, features_b):
    """Split the Frechet distance of two feature sets into where it
    comes from; return a dict of floats:

    - ``frechet_distance``: the whole, as ``frechet_distance`` gives it;
    - ``mean_term``: ||mean_a - mean_b||^2, the part a shift makes;
    - ``covariance_term``: the rest, the part of shape and spread;
    - ``spread_ratio``: tr(cov_b) / tr(cov_a), the total variance of the
      second set relative to the first's: under 1 when it is less varied
      (a blurred or partly collapsed generator against real images).
    """
    features_a = np.asarray(features_a, dtype=np.float64)
    features_b = np.asarray(features_b, dtype=np.float64)
    whole = frechet_distance(features_a, features_b)
    mean_term = float(np.sum((features_a.mean(axis=0)
                              - features_b.mean(axis=0)) ** 2))
    spread_a = np.trace(np.atleast_2d(np.cov(features_a, rowvar=False)))
    spread_b = np.trace(np.atleast_2d(np.cov(features_b, rowvar=False)))
    return {"frechet_distance": whole, "mean_term": mean_term,
            "covariance_term": max(whole - mean_term, 0.),
            "spread_ratio": float(spread_b / spread_a)}


def frechet_distance_from_moments(mean_a, cov_a, mean_b, cov_b):
    """Return the Frechet distance between N(mean_a, cov_a) and
    N(mean_b, cov_b):

        ||mean_a - mean_b||^2 + tr(cov_a) + tr(cov_b)
            - 2 tr((cov_a^1/2 cov_b cov_a^1/2)^1/2)

    The square roots come from symmetric eigendecompositions (tiny negative
    eigenvalues from rounding become 0), which stays real and stable where
    a general matrix square root can return complex noise.
    """
    cov_a, cov_b = np.atleast_2d(cov_a), np.atleast_2d(cov_b)
    values, vectors = np.linalg.eigh(cov_a)
    sqrt_a = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    middle = sqrt_a @ cov_b @ sqrt_a
    trace_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh(
        (middle + middle.T) / 2), 0, None)).sum()
    distance = (np.sum((np.asarray(mean_a) - np.asarray(mean_b)) ** 2)
                + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_sqrt)
    return float(max(distance, 0.))


def kernel_distance(features_a, features_b, subsets=20, subset_size=500,
                    seed=0):
    """Return the kernel distance (KID) and its standard error.

    The unbiased squared MMD with the kernel k(x, y) = (x.y / d + 1)^3,
    averaged over ``subsets`` random subsets of ``subset_size`` rows of
    each set (fewer if a set is smaller). Unbiased: on two samples of the
    same law it averages 0, and may come out slightly negative. The
    standard error needs at least 2 subsets, the estimate 2 rows in each
    set: anything less raises ``ValueError`` rather than returning NaN.
    """
    features_a = np.asarray(features_a, dtype=np.float64)
    features_b = np.asarray(features_b, dtype=np.float64)
    if subsets < 2:
        raise ValueError(f"subsets must be at least 2 (for a standard "
                         f"error); got {subsets}")
    size = min(subset_size, len(features_a), len(features_b))
    if size < 2:
        raise ValueError(f"the kernel distance needs at least 2 rows in "
                         f"each set; got {len(features_a)} and "
                         f"{len(features_b)}")
    dimension = features_a.shape[1]
    rng = np.random.default_rng(seed)
    estimates = []
    for _ in range(subsets):
        a = features_a[rng.choice(len(features_a), size, replace=False)]
        b = features_b[rng.choice(len(features_b), size, replace=False)]
        k_aa = (a @ a.T / dimension + 1) ** 3
        k_bb = (b @ b.T / dimension + 1) ** 3
        k_ab = (a @ b.T / dimension + 1) ** 3
        off_diagonal = size * (size - 1)
        estimates.append((k_aa.sum() - np.trace(k_aa)) / off_diagonal
                         + (k_bb.sum() - np.trace(k_bb)) / off_diagonal
                         - 2 * k_ab.mean())
    estimates = np.array(estimates)
    return float(estimates.mean()), float(estimates.std(ddof=1)
                                          / np.sqrt(subsets))


@dataclass(frozen=True)
class FeatureScore:
    """A distance between real and generated features, with provenance.

    Two scores are comparable only when every field but ``value`` agrees:
    the same feature extractor (by name and checksum), the same resize,
    the same numbers of samples and the same reference data.
    """

    metric: str
    value: float
    extractor: str
    extractor_checksum: str
    resize: str
    real_samples: int
    fake_samples: int
    reference: str

    PROVENANCE = ("metric", "extractor", "extractor_checksum", "resize",
                  "real_samples", "fake_samples", "reference")

    def provenance(self):
        """Every field that must agree for two scores to be compared."""
        return {name: getattr(self, name) for name in self.PROVENANCE}

    def check_comparable(self, other):
        """Raise ValueError naming the first field where the two differ."""
        mine, theirs = self.provenance(), other.provenance()
        for name in self.PROVENANCE:
            if mine[name] != theirs[name]:
                raise ValueError(f"scores made differently cannot be "
                                 f"compared: {name} is {mine[name]!r} here "
                                 f"and {theirs[name]!r} there")

    def __lt__(self, other):
        """Order comparable scores by value (lower is better)."""
        self.check_comparable(other)
        return self.value < other.value


def radial_power_spectrum(images):
    """Return the mean power of grey ``images`` (N, H, W[, 1]) at each
    spatial frequency radius, from 0 (the mean) to H // 2.

    Each image's mean is removed first, so the spectrum describes texture
    and detail rather than brightness.
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 4:
        images = images[..., 0]
    images = images - images.mean(axis=(1, 2), keepdims=True)
    power = np.abs(np.fft.fftshift(np.fft.fft2(images), axes=(1, 2))) ** 2
    height, width = images.shape[1:]
    rows, columns = np.indices((height, width))
    radius = np.hypot(rows - height // 2, columns - width // 2).round()
    radius = radius.astype(int).ravel()
    mean_power = power.mean(axis=0).ravel()
    keep = radius <= min(height, width) // 2
    return (np.bincount(radius[keep], mean_power[keep])
            / np.bincount(radius[keep]))


def spectral_distance(images_a, images_b):
    """Return the mean absolute difference of the log10 radial power
    spectra of two sets of grey images, over non-zero frequencies.

    Blurry images lack power at high frequencies and noisy ones have too
    much, whatever their overall look: 0.3 means a factor of 2 on average.
    """
    spectrum_a = radial_power_spectrum(images_a)[1:]
    spectrum_b = radial_power_spectrum(images_b)[1:]
    return float(np.mean(np.abs(np.log10(spectrum_a + 1e-12)
                                - np.log10(spectrum_b + 1e-12))))


def mean_pairwise_distance(features, max_samples=1000, seed=0):
    """Return the mean Euclidean distance between two different samples.

    A diversity score: a collapsed generator, whose samples are all alike,
    scores near 0. At most ``max_samples`` rows (chosen at random) are
    used, so the cost stays bounded.
    """
    features = np.asarray(features, dtype=np.float64)
    features = features.reshape(len(features), -1)
    if len(features) < 2:
        raise ValueError("mean_pairwise_distance needs at least 2 samples; "
                         f"got {len(features)}")
    if len(features) > max_samples:
        rng = np.random.default_rng(seed)
        features = features[rng.choice(len(features), max_samples,
                                       replace=False)]
    distances = np.sqrt(np.clip(squared_distances(features, features), 0,
                                None))
    count = len(features)
    return float(distances.sum() / (count * (count - 1)))


def nearest_neighbour_coverage(sample_features, real_features):
    """Return the share of the real rows that are the nearest real row
    (Euclidean) of at least one sample.

    A collapse score against held-out images: a generator that draws a
    few kinds of image lands every sample next to the same few real
    ones, and its coverage falls towards ``1 / len(real_features)``,
    however sharp each sample is. As many real training images, scored
    the same way, give the figure a generator of the data's own variety
    would reach with that many samples (below 1: some real rows are
    nobody's nearest by chance).
    """
    sample_features = np.asarray(sample_features, np.float64)
    real_features = np.asarray(real_features, np.float64)
    if sample_features.ndim != 2 or real_features.ndim != 2 or (
            sample_features.shape[1] != real_features.shape[1]):
        raise ValueError("nearest_neighbour_coverage: expected two "
                         "(rows, features) arrays of the same width; got "
                         f"{sample_features.shape} and {real_features.shape}")
    nearest = squared_distances(sample_features, real_features).argmin(1)
    return len(np.unique(nearest)) / len(real_features)


def knn_radii(features, k=3):
    """Return each row's distance to its ``k``-th nearest other row: the
    radius of its ball in the k-NN estimate of the set's manifold."""
    distances = np.sqrt(np.clip(squared_distances(features, features), 0,
                                None))
    # column 0 of each sorted row is the row itself (distance 0)
    return np.sort(distances, axis=1)[:, k]


def precision_recall(real_features, fake_features, k=3):
    """Return the improved precision and recall of Kynkaanniemi et al.
    (2019), as a dict of two floats in [0, 1].

    Each set's manifold is estimated as the union of balls around its
    rows, each ball reaching the row's ``k``-th nearest neighbour in its
    own set. Precision is the share of generated rows inside the real
    manifold (are the samples realistic?), recall the share of real rows
    inside the generated manifold (is the data's variety covered?). A
    collapsed generator keeps its precision and loses recall; a blurry
    one, off the real manifold, loses precision. Distances are Euclidean
    on the features; the cost is quadratic in the rows (a few thousand
    are fine).
    """
    real = np.asarray(real_features, np.float64)
    fake = np.asarray(fake_features, np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError("precision_recall: expected two (rows, features) "
                         "arrays of the same width; got "
                         f"{real.shape} and {fake.shape}")
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"precision_recall needs more than k={k} rows in "
                         f"each set; got {len(real)} and {len(fake)}")
    between = np.sqrt(np.clip(squared_distances(fake, real), 0, None))
    precision = (between <= knn_radii(real, k)[None]).any(axis=1).mean()
    recall = (between <= knn_radii(fake, k)[:, None]).any(axis=0).mean()
    return {"precision": float(precision), "recall": float(recall)}


def classes_found(predicted_classes, classes=10, minimum_share=.01):
    """Return how many of ``classes`` classes get at least
    ``minimum_share`` of the predictions: 10 for a generator that draws
    every kind of Fashion-MNIST item, 1 for one that collapsed."""
    counts = np.bincount(np.asarray(predicted_classes), minlength=classes)
    return int((counts >= minimum_share * counts.sum()).sum())
