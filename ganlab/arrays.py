#!/usr/bin/env python3
"""Array maths several layers share, in NumPy alone.

Picture grids, distances between rows and the layout of a class grid's
inputs are needed by data sets, training callbacks, scores and pictures
alike; kept here, below all of
them, none of those layers has to import another that sits above it.
"""
import numpy as np


def tile(images, columns):
    """Lay images (N, H, W, C) out as one image of ``columns`` columns."""
    count, height, width, channels = images.shape
    rows = -(-count // columns)
    canvas = np.zeros((rows * height, columns * width, channels),
                      images.dtype)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        canvas[row * height:(row + 1) * height,
               column * width:(column + 1) * width] = image
    return canvas


def squared_distances(rows_a, rows_b):
    """Return the (len(rows_a), len(rows_b)) squared Euclidean distances
    between the rows of two 2-D arrays, by |a|^2 + |b|^2 - 2 a.b (one
    matrix product; rounding can leave tiny negatives where rows meet)."""
    return ((rows_a ** 2).sum(1)[:, None] + (rows_b ** 2).sum(1)[None]
            - 2 * rows_a @ rows_b.T)


def class_grid_inputs(latent, classes):
    """Return ``[latent vectors, labels]`` that lay a conditional
    generator's samples out as ``ganlab.viz.classes.generate_class_rows``
    does: the rows of ``latent`` (one per column) repeated for each of
    ``classes``, each with its class's number."""
    latent = np.asarray(latent, np.float32)
    return [np.tile(latent, (len(classes), 1)),
            np.repeat(np.asarray(classes, np.int32), len(latent))]
