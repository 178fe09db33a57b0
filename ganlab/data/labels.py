#!/usr/bin/env python3
"""The data sets with their classes, for conditional generation (issue 32).

Each function returns ``(images, labels, class_names)``: uint8 images as
the unlabelled loader returns them, one int64 label per image (an index
into ``class_names``), and the names of the classes in label order. The
loaders they read through keep their own return values.

- ``emoji_with_labels``: the Twemoji of a split with their Unicode
  category (``ganlab.data.emoji_labels``), the ten categories of
  the emoji feature network in the order of its logits; files of no
  category are left out.
- ``fashion_mnist_with_labels``, ``mnist_with_labels``,
  ``cifar10_with_labels``: the labels the files carry, and the classes'
  names.
- ``image_folder_with_labels``: a folder whose images sit in
  sub-folders, one per class, named and ordered as
  ``keras.utils.image_dataset_from_directory`` reads them (the
  sub-folders' names, sorted, those starting with a dot skipped); the
  images are ``load_image_folder``'s, in its order.
"""
import numpy as np

from ganlab.data import image_sets
from ganlab.data.emoji import WHITE

MNIST_CLASSES = tuple(str(digit) for digit in range(10))
# the order of CIFAR-10's label numbers, as its batches.meta lists them
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog",
                   "frog", "horse", "ship", "truck")
SPLITS = ("train", "test")


def check_split(split):
    """Return ``split`` if it is "train" or "test", else raise
    ``ValueError``."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}; got "
                         f"{split!r}")
    return split


def emoji_with_labels(size=32, split="train", background=WHITE, channels=3,
                      folder=None):
    """Return the emoji of ``split`` (see ``ganlab.data.emoji.load_emoji``
    for the arguments) that have a Unicode category, their category's
    index, and the sorted categories."""
    from ganlab.data.emoji import emoji_files, load_emoji
    from ganlab.data.emoji_labels import categories_of
    categories, labels = categories_of(emoji_files(split, folder))
    # load_emoji returns the images in emoji_files' order
    images = load_emoji(size, split, background, channels, folder)
    labels = np.asarray(labels, np.int64)
    known = labels >= 0
    return images[known], labels[known], tuple(categories)


def fashion_mnist_with_labels(folder=None, split="train"):
    """Return Fashion-MNIST's ``split`` ("train", 60,000 images, or
    "test", 10,000), uint8 (N, 28, 28), with its labels and
    ``FASHION_CLASSES``; ``folder`` as ``load_fashion_mnist`` takes it."""
    check_split(split)
    train, test = image_sets.load_fashion_mnist(folder)
    images, labels = train if split == "train" else test
    return (images, np.asarray(labels, np.int64),
            image_sets.FASHION_CLASSES)


def mnist_with_labels(path=None):
    """Return the MNIST digits ``load_mnist(path)`` reads, uint8
    (N, 28, 28), with their labels and the digits' names "0" to "9"."""
    images, labels, _ = image_sets.load_mnist(path)
    return images, np.asarray(labels, np.int64), MNIST_CLASSES


def cifar10_with_labels(path=None, split="train"):
    """Return CIFAR-10's ``split`` ("train", 50,000 images, or "test",
    10,000), uint8 (N, 32, 32, 3), with its labels and
    ``CIFAR10_CLASSES``; ``path`` as ``load_cifar10`` takes it."""
    check_split(split)
    train, test = image_sets.load_cifar10(path)
    images, labels = train if split == "train" else test
    return (images, np.asarray(labels, np.int64).reshape(-1),
            CIFAR10_CLASSES)


def image_folder_with_labels(folder, size=64, channels=3):
    """Return the images of ``folder``'s sub-folders as
    ``load_image_folder`` reads them, each labelled with its sub-folder
    (at any depth below it), and the sub-folders' names, sorted.

    Raises ``ValueError`` in one line when an image lies in the folder
    itself (it has no class: move it into a sub-folder, or train without
    classes), when there is no sub-folder, or when a sub-folder holds no
    image (a class with no example cannot be learnt).
    """
    from ganlab.data.faces import (IMAGE_SUFFIXES, check_image_folder,
                                   image_files, read_image_files)
    folder = check_image_folder(folder, channels)
    loose = sorted(path.name for path in folder.iterdir()
                   if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES)
    if loose:
        raise ValueError(f"{folder} holds {len(loose)} images outside any "
                         f"sub-folder ({loose[0]}, ...): for classes, every "
                         "image must sit in a sub-folder named after its "
                         "class")
    class_names = sorted(path.name for path in folder.iterdir()
                         if path.is_dir() and not path.name.startswith("."))
    if not class_names:
        raise ValueError(f"{folder} has no sub-folders: for classes, put "
                         "the images of each class in a sub-folder named "
                         "after it")
    paths, labels = [], []
    for label, name in enumerate(class_names):
        found = image_files(folder / name)
        if not found:
            raise ValueError(f"class sub-folder {folder / name} holds no "
                             f"images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        paths += found
        labels += [label] * len(found)
    return (read_image_files(paths, size, channels),
            np.asarray(labels, np.int64), tuple(class_names))
