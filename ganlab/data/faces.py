#!/usr/bin/env python3
"""Face data, checked on loading: arrays, image folders, shipped weights.

- ``load_face_array``: the curriculum's 10,000 faces, one uint8 NumPy file
  of shape (10000, 16, 16). It is not part of this package: give its path.
  ``face_pixels`` turns them into fractions in [0, 1]: uint8 levels
  divided by 255, floats in [0, 1] as they are, any other range refused.
- ``load_image_folder``: a folder of face photographs (CelebA or FFHQ
  thumbnails, say) as 16x16 grey or 64x64 RGB arrays.
- ``lfw_faces``: scikit-image's 100 small LFW faces, the offline fallback.
- ``load_shipped_face_models``: the pretrained 16x16 face networks.
- ``HOLDOUT`` and ``split_holdout``: the last 1,000 curriculum faces,
  kept out of all training, on which face generators are judged.
"""
import pathlib

import numpy as np
from PIL import Image

from ganlab import io, lessons, resources
from ganlab.data import nonfinite_rows

HOLDOUT = 1000


def split_holdout(faces, holdout=HOLDOUT):
    """Return ``(training, held_out)``: all faces but the last ``holdout``,
    and those last ``holdout``, which no training ever sees (the shipped
    face weights and face features were trained on the first part)."""
    if not 0 <= holdout < len(faces):
        raise ValueError(f"a hold-out of {holdout} faces must leave faces "
                         f"to train on; there are {len(faces)}")
    return faces[:len(faces) - holdout], faces[len(faces) - holdout:]


def load_face_array(path):
    """Load 16x16 grayscale faces from a ``.npy`` file; return the array.

    Accepts shape (N, 16, 16) or (N, 16, 16, 1), uint8 or finite floats. A
    missing path, an unreadable or truncated file, another shape, or NaN
    or inf raises an error that names the file and says what was expected.
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
    bad = nonfinite_rows(faces)
    if bad:
        raise ValueError(f"{path}: {bad} of {len(faces)} faces hold NaN "
                         "or inf")
    return faces


def face_pixels(faces, path):
    """Return ``faces`` (from the file ``path``) as float pixels in
    [0, 1]: integer levels 0 to 255 (uint8, as the curriculum's file
    holds) divided by 255 (in float64), floats in [0, 1] as they are.

    Any other range raises ``ValueError`` naming ``path`` and the range
    found: floats beyond [0, 1] (levels 0 to 255 stored as floats, or
    pixels centred on 0) would be judged wrongly by any scale guessed.
    """
    faces = np.asarray(faces)
    low, high = (faces.min(), faces.max()) if faces.size else (0, 0)
    if np.issubdtype(faces.dtype, np.integer) and 0 <= low and high <= 255:
        return faces / 255.
    if np.issubdtype(faces.dtype, np.floating) and 0 <= low and high <= 1:
        return faces
    kind = ("floats" if np.issubdtype(faces.dtype, np.floating)
            else f"{faces.dtype} levels")
    raise ValueError(f"{path} holds {kind} from {low:g} to {high:g}; give "
                     "faces as uint8 levels 0 to 255 or as floats in "
                     "[0, 1]")


SHIPPED = {"generator": "faces_generator.weights.h5",
           "discriminator": "faces_discriminator.weights.h5",
           "mean_face": "faces_mean_face.npy"}


def load_shipped_face_models(folder=None):
    """Return ``(generator, discriminator, mean_face)`` with the pretrained
    face weights that ship in ``data/`` (or in ``folder``).

    The networks are task 3's ``convolutional_GenDiscr()``; the generator
    draws centred faces, to which ``mean_face`` is added back.
    """
    folder = pathlib.Path(folder or lessons.SHIPPED)
    for name in SHIPPED.values():
        if not resources.verified(folder / name).is_file():
            raise FileNotFoundError(f"pretrained face file {folder / name} "
                                    "is missing (it ships in data/)")
    generator, discriminator = lessons.load(
        "3-generate_faces").convolutional_GenDiscr()
    generator.load_weights(str(folder / SHIPPED["generator"]))
    discriminator.load_weights(str(folder / SHIPPED["discriminator"]))
    mean_face = np.load(folder / SHIPPED["mean_face"]).reshape(16, 16)
    return generator, discriminator, mean_face


IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp"}


def square_resized(image, size):
    """Crop a PIL image to its central square, then resize it."""
    width, height = image.size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    return image.crop((left, top, left + side, top + side)).resize(
        (size, size), Image.BICUBIC)


def eight_bit(image):
    """Return a PIL image as 8-bit grey or colour without transparency,
    as every image folder is read (``streaming.decode_square`` does the
    same in TensorFlow):

    - 16-bit grey (modes ``I;16*``, and ``I``, which 16-bit PNGs open
      as in older Pillow) is scaled to 8 bits, x / 257 rounded: Pillow's
      own ``convert`` clips it instead, turning all but the darkest
      pixels white;
    - an image with an alpha channel or a transparent colour (RGBA, LA,
      PA, a palette or grey with ``transparency``) is composited onto a
      white background: dropping the alpha would show whatever colour
      the transparent pixels happen to hold.
    """
    if image.mode.startswith("I;16") or image.mode == "I":
        values = np.asarray(image, np.float64)
        return Image.fromarray(
            np.clip(np.round(values / 257), 0, 255).astype(np.uint8), "L")
    if "A" in image.getbands() or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image


def image_files(folder):
    """Return the paths of the image files (``IMAGE_SUFFIXES``) in
    ``folder`` and its sub-folders, at any depth, sorted."""
    return sorted(path for path in pathlib.Path(folder).rglob("*")
                  if path.suffix.lower() in IMAGE_SUFFIXES)


def read_image_files(paths, size, channels):
    """Return the images at ``paths`` as uint8 (N, size, size, channels),
    read as ``load_image_folder`` says; an unreadable one raises
    ``ValueError`` naming it."""
    images = []
    for path in paths:
        try:
            with Image.open(path) as image:
                image = eight_bit(image).convert(
                    "L" if channels == 1 else "RGB")
                images.append(np.asarray(square_resized(image, size)))
        except (OSError, ValueError, SyntaxError,
                Image.DecompressionBombError) as error:
            # Pillow's bomb guard is no OSError; its message is the line
            raise ValueError(f"cannot read image {path}: "
                             f"{io.first_line(error)}") from None
    return np.stack(images).reshape(len(images), size, size, channels)


def check_image_folder(folder, channels):
    """Return ``folder`` as a path, or raise ``FileNotFoundError`` when it
    is no folder and ``ValueError`` when ``channels`` is not 1 or 3."""
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"image folder {folder} does not exist")
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3; got {channels}")
    return folder


def load_image_folder(folder, size=64, channels=3):
    """Return the images of ``folder`` as uint8 (N, size, size, channels).

    JPEG, PNG, BMP, GIF and WebP files of any size, in the folder and its
    sub-folders, sorted by path, are centre-cropped to a square and
    resized; ``channels`` is 1 (grey) or 3 (RGB); 16-bit images are
    scaled to 8 bits and transparent ones composited onto white
    (``eight_bit``). A missing folder, a folder without images and an
    unreadable image (a decompression bomb too) each raise an error that
    names the path. ``ganlab.data.labels.image_folder_with_labels`` reads
    the same images with their sub-folders as classes.
    """
    folder = check_image_folder(folder, channels)
    paths = image_files(folder)
    if not paths:
        raise ValueError(f"image folder {folder} contains no images "
                         f"({', '.join(sorted(IMAGE_SUFFIXES))})")
    return read_image_files(paths, size, channels)


def lfw_faces(size=64, channels=3):
    """Return scikit-image's 100 LFW faces as uint8 (100, size, size, C).

    An offline stand-in for a real face set: 25x25 grey faces, resized
    (and repeated over 3 channels for RGB). Good for demos and tests only.
    """
    from skimage import data
    faces = (data.lfw_subset()[:100] * 255).round().astype(np.uint8)
    resized = np.stack([np.asarray(Image.fromarray(face).resize(
        (size, size), Image.BICUBIC)) for face in faces])
    return np.repeat(resized[..., np.newaxis], channels, axis=-1)
