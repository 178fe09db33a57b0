#!/usr/bin/env python3
"""Baselines that a generator has to beat to be worth its training.

``PCABaseline`` is a Gaussian over the top principal components of the
training images, flattened to vectors of pixels (for faces: eigenfaces):
the best linear-Gaussian generator, which matches the real images' means
and covariances of any linear feature. It works on any image shape, grey
or colour.
"""
import numpy as np


class PCABaseline:
    """A Gaussian over the top principal components of training images."""

    def __init__(self, pixels, components=32):
        """Fit the mean image and the top ``components`` principal
        components of ``pixels`` (N, ...) in [0, 1]."""
        pixels = np.asarray(pixels)
        self.shape = pixels.shape[1:]
        # astype copies: centring it in place leaves the caller's array alone
        flat = pixels.reshape(len(pixels), -1).astype(np.float64)
        self.mean = flat.mean(axis=0)
        flat -= self.mean
        if len(flat) >= flat.shape[1]:
            # The eigenvectors of the pixel covariance are the principal
            # components: for 60,000 Fashion-MNIST images a 784x784
            # matrix, seconds faster than a singular value decomposition.
            variances, vectors = np.linalg.eigh(flat.T @ flat
                                                / (len(flat) - 1))
            top = np.argsort(variances)[::-1][:components]
            self.basis = vectors[:, top].T
        else:
            # Fewer images than pixels (a small folder at 64x64 RGB has
            # 12,288 pixels): the covariance would be a huge matrix of low
            # rank, while the data's own decomposition is small.
            _, singular, rows = np.linalg.svd(flat, full_matrices=False)
            variances = singular ** 2 / max(len(flat) - 1, 1)
            top = np.arange(min(components, len(variances)))
            self.basis = rows[top]
        self.scales = np.sqrt(np.clip(variances[top], 0, None))
        self.name = f"PCA baseline ({len(self.scales)} components)"

    def sample(self, count, rng):
        """Return ``count`` images shaped like the training images, with
        pixels clipped to [0, 1]."""
        coefficients = rng.normal(size=(count, len(self.scales)))
        flat = self.mean + (coefficients * self.scales) @ self.basis
        return np.clip(flat, 0, 1).reshape((count,) + self.shape)
