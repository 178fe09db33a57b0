#!/usr/bin/env python3
"""Pictures that explore a trained face generator.

- ``sorted_by_critic``: many fakes ordered by the critic's score, best
  first; the critic's taste is visible, and so are its blind spots.
- ``latent_segment`` and ``latent_circle``: faces along a straight line and
  around a circle in latent space; smooth changes mean the generator has
  learned a continuous face space rather than a lookup table.
- ``nearest_real``: each fake beside the training face closest to it in
  pixels; a fake identical to its neighbour would be memorised;
  ``save_beside_nearest`` draws them as a picture.

A walk becomes a GIF with ``ganlab.image_files.save_gif``.
"""
import numpy as np

from ganlab.arrays import squared_distances
from ganlab.image_files import save_image_grid


def sorted_by_critic(generator, critic, latent_vectors):
    """Return (fakes, scores) for the latent vectors, best score first.

    Fakes are the generator's raw outputs (N, 16, 16, 1).
    """
    fakes = np.asarray(generator(latent_vectors, training=False))
    scores = np.asarray(critic(fakes, training=False))[:, 0]
    order = np.argsort(-scores)
    return fakes[order], scores[order]


def latent_segment(start, end, steps):
    """Return ``steps`` latent vectors evenly spaced from start to end."""
    weights = np.linspace(0., 1., steps, dtype=np.float32)[:, np.newaxis]
    return (1 - weights) * np.asarray(start) + weights * np.asarray(end)


def latent_circle(centre, first, second, steps, radius=1.):
    """Return ``steps`` latent vectors around a circle of ``radius``.

    The circle lies in the plane spanned by directions ``first`` and
    ``second`` (orthonormalised here) and passes back to its start.
    """
    first = np.asarray(first, dtype=np.float64)
    first = first / np.linalg.norm(first)
    second = np.asarray(second, dtype=np.float64)
    second = second - (second @ first) * first
    second = second / np.linalg.norm(second)
    angles = np.linspace(0, 2 * np.pi, steps, endpoint=False)
    points = (np.asarray(centre) + radius * (np.cos(angles)[:, None] * first
                                             + np.sin(angles)[:, None]
                                             * second))
    return points.astype(np.float32)


def nearest_real(fakes, real_faces):
    """Return, for each fake, the real face nearest to it in pixels, and
    the distance between them (root mean square over pixels)."""
    fakes = np.asarray(fakes, dtype=np.float32).reshape(len(fakes), -1)
    real = np.asarray(real_faces, dtype=np.float32).reshape(
        len(real_faces), -1)
    squared = squared_distances(fakes, real)
    nearest = squared.argmin(axis=1)
    distances = np.sqrt(np.clip(squared[np.arange(len(fakes)), nearest], 0,
                                None) / fakes.shape[1])
    shape = (len(fakes),) + np.shape(real_faces)[1:]
    return real[nearest].reshape(shape), distances


def save_beside_nearest(samples, training, path, columns=8, what="image"):
    """Save ``samples`` (in [0, 1]) as rows of ``columns``, each above a
    row of the training images nearest to them in pixels, titled with the
    mean RMS pixel distance; return ``(path, distances)``."""
    samples = np.asarray(samples, np.float32)
    nearest, distances = nearest_real(samples, training)
    rows = []
    for start in range(0, len(samples), columns):
        rows += [samples[start:start + columns],
                 nearest[start:start + columns]]
    path = save_image_grid(
        np.concatenate(rows), path, columns=min(columns, len(samples)),
        title=f"samples above their nearest training {what}; RMS pixel "
              f"distance {distances.mean():.3f}")
    return path, distances
