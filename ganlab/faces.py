#!/usr/bin/env python3
"""Face data: the curriculum's 16x16 grayscale faces, checked on loading.

The curriculum ships its 10,000 faces as one uint8 NumPy file of shape
(10000, 16, 16). It is not part of this package: give its path.
"""
import pathlib

import numpy as np


def load_face_array(path):
    """Load 16x16 grayscale faces from a ``.npy`` file; return the array.

    Accepts shape (N, 16, 16) or (N, 16, 16, 1), uint8 or floats. A missing
    path, an unreadable or truncated file, or another shape raises an error
    that names the file and says what was expected.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"faces file {path} does not exist: give the path to the "
            "curriculum's small_res_faces_10000.npy (16x16 grayscale faces)")
    try:
        faces = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise ValueError(f"{path} is not a readable .npy array (truncated "
                         f"or another format?): {error}") from None
    if faces.ndim not in (3, 4) or faces.shape[1:3] != (16, 16) or (
            faces.ndim == 4 and faces.shape[3] != 1):
        raise ValueError(f"{path} must hold faces of shape (N, 16, 16) or "
                         f"(N, 16, 16, 1); got {faces.shape}")
    return faces
