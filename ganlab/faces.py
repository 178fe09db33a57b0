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


SHIPPED = {"generator": "faces_generator.weights.h5",
           "discriminator": "faces_discriminator.weights.h5",
           "mean_face": "faces_mean_face.npy"}


def load_shipped_face_models(folder=None):
    """Return ``(generator, discriminator, mean_face)`` with the pretrained
    face weights that ship in ``data/`` (or in ``folder``).

    The networks are task 3's ``convolutional_GenDiscr()``; the generator
    draws centred faces, to which ``mean_face`` is added back.
    """
    folder = pathlib.Path(folder or pathlib.Path(__file__).resolve()
                          .parents[1] / "data")
    for name in SHIPPED.values():
        if not (folder / name).is_file():
            raise FileNotFoundError(f"pretrained face file {folder / name} "
                                    "is missing (it ships in data/)")
    generator, discriminator = __import__(
        '3-generate_faces').convolutional_GenDiscr()
    generator.load_weights(str(folder / SHIPPED["generator"]))
    discriminator.load_weights(str(folder / SHIPPED["discriminator"]))
    mean_face = np.load(folder / SHIPPED["mean_face"]).reshape(16, 16)
    return generator, discriminator, mean_face
