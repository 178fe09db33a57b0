#!/usr/bin/env python3
"""Toy data sets whose true distribution is known exactly.

Because we know how each set was drawn, we can say exactly how good a
generator is: which modes it covers and how close its samples fall to
them (see ``ganlab.evaluation.metrics``).

The curriculum's sets (circle, clouds) live in the unit cube, where its
generators' sigmoid outputs can reach them. The ring and the grid keep the
scale of the papers that made them benchmarks, centred at 0 with modes 2
apart or more: train them with ``ganlab.nets.builders.mlp_GenDiscr``, whose
output is linear. (Scale matters to a Wasserstein critic held to slope 1:
squeezed into the unit square, the same ring trains far worse.)

- ``circle``: the curriculum's circle, radius .3 around (.5, .5).
- ``ring_of_gaussians``: 8 tight Gaussians on a circle, the classic test
  of mode collapse (Metz et al. 2016, "Unrolled GANs").
- ``grid_of_gaussians``: a 5 x 5 grid of Gaussians (Dumoulin et al. 2016).
- ``four_clouds``: the curriculum's four Gaussian clouds in 5-D.
- ``cloud_in_corner``: the curriculum's single cloud in a corner of 49-D.
"""
from dataclasses import dataclass

import numpy as np


def circle(nb_points=1000, radius=.3, centre=.5, seed=None):
    """Return ``nb_points`` float32 points spread uniformly on a circle."""
    angles = np.random.default_rng(seed).uniform(0, 2 * np.pi, nb_points)
    points = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return (centre + radius * points).astype(np.float32)


def distance_to_circle(points, radius=.3, centre=.5):
    """Return each point's Euclidean distance to the circle."""
    points = np.asarray(points, dtype=np.float64)
    return np.abs(np.linalg.norm(points - centre, axis=1) - radius)


@dataclass(frozen=True)
class GaussianMixture:
    """An equal-weight mixture of isotropic Gaussians with a common std.

    ``centres`` has one row per mode; ``std`` is the standard deviation of
    every coordinate of every mode.
    """

    name: str
    centres: np.ndarray
    std: float

    @property
    def dimension(self):
        """The dimension of the space the mixture lives in."""
        return self.centres.shape[1]

    def sample(self, nb_points, seed=None):
        """Return ``nb_points`` float32 points, modes picked uniformly."""
        rng = np.random.default_rng(seed)
        modes = rng.integers(len(self.centres), size=nb_points)
        noise = rng.normal(scale=self.std, size=(nb_points, self.dimension))
        return (self.centres[modes] + noise).astype(np.float32)


def ring_of_gaussians(modes=8, radius=2., std=.05, centre=0.):
    """Return ``modes`` Gaussians evenly spaced on a circle."""
    angles = 2 * np.pi * np.arange(modes) / modes
    centres = centre + radius * np.stack([np.cos(angles), np.sin(angles)], 1)
    return GaussianMixture(f"ring of {modes} Gaussians", centres, std)


def grid_of_gaussians(side=5, spacing=2., std=.05):
    """Return ``side`` x ``side`` Gaussians on a regular grid centred at 0."""
    ticks = spacing * (np.arange(side) - (side - 1) / 2)
    centres = np.array([(x, y) for x in ticks for y in ticks])
    return GaussianMixture(f"{side}x{side} grid of Gaussians", centres, std)


def four_clouds(std=.05):
    """Return four Gaussian clouds at distinct corners of [.25, .75]^5."""
    centres = np.array([[.25, .25, .25, .25, .25],
                        [.75, .75, .25, .25, .75],
                        [.25, .75, .75, .25, .75],
                        [.75, .25, .75, .75, .25]])
    return GaussianMixture("four clouds in 5-D", centres, std)


def cloud_in_corner(dimension=49, corner=.1, std=.05):
    """Return one Gaussian cloud near the origin corner of the unit cube."""
    centres = np.full((1, dimension), corner)
    return GaussianMixture(f"cloud in the corner of {dimension}-D",
                           centres, std)


TOY_MIXTURES = {"ring": ring_of_gaussians, "grid": grid_of_gaussians,
                "four_clouds": four_clouds,
                "cloud_in_corner": cloud_in_corner}
