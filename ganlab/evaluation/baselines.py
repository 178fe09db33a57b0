#!/usr/bin/env python3
"""Baselines that a generator has to beat to be worth its training.

``PCABaseline`` is a Gaussian over the top principal components of the
training faces (eigenfaces): the best linear-Gaussian generator, which
matches the real faces' means and covariances of any linear feature.
"""
import numpy as np


class PCABaseline:
    """A Gaussian over the top principal components of training faces."""

    def __init__(self, pixels, components=32):
        """Fit the mean face and the top ``components`` eigenfaces."""
        flat = pixels.reshape(len(pixels), -1).astype(np.float64)
        self.mean = flat.mean(axis=0)
        _, singular, basis = np.linalg.svd(flat - self.mean,
                                           full_matrices=False)
        self.basis = basis[:components]
        self.scales = singular[:components] / np.sqrt(len(flat) - 1)

    def sample(self, count, rng):
        """Return ``count`` faces (N, 16, 16) with pixels in [0, 1]."""
        coefficients = rng.normal(size=(count, len(self.scales)))
        flat = self.mean + (coefficients * self.scales) @ self.basis
        return np.clip(flat, 0, 1).reshape(count, 16, 16)
