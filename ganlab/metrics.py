#!/usr/bin/env python3
"""Quality metrics for generators of toy data, computed from the true law.

For a Gaussian mixture we know every mode, so two numbers say how good a
generator is (as in Srivastava et al. 2017, "VEEGAN", and Lin et al. 2018,
"PacGAN"):

- the fraction of high-quality samples: samples that lie close to their
  nearest mode, "close" meaning within 3 standard deviations in 2-D;
- the number of modes covered: modes that receive a fair share of those
  high-quality samples. A collapsed generator scores high on the first
  and low on the second.
"""
import numpy as np
from scipy import stats

from ganlab.toy import distance_to_circle


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
    ``high_quality_fraction`` and ``high_quality_per_mode``.
    """
    samples = np.asarray(samples, dtype=np.float64)
    samples = samples.reshape(len(samples), -1)
    if samples.shape[1] != mixture.dimension:
        raise ValueError(f"samples must have {mixture.dimension} coordinates "
                         f"to match the {mixture.name}; got "
                         f"{samples.shape[1]}")
    distances = np.linalg.norm(
        samples[:, np.newaxis, :] - mixture.centres[np.newaxis], axis=2)
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
            "high_quality_per_mode": per_mode.tolist()}


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
