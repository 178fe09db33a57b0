#!/usr/bin/env python3
"""Image data sets from local files first, downloads only as a last resort.

``load_fashion_mnist`` looks, in order, in a folder the user names, in
Debian's ``dataset-fashion-mnist`` package (``/usr/share/datasets``), and
in the Keras cache, where ``keras.datasets`` puts what it downloads. Only
then does it ask Keras to download, and if that fails it says what to do.
"""
import gzip
import pathlib

import numpy as np

DEBIAN_FASHION_MNIST = pathlib.Path("/usr/share/datasets/fashion-mnist")
KERAS_CACHE = pathlib.Path.home() / ".keras" / "datasets" / "fashion-mnist"
FASHION_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def read_idx(path):
    """Read a gzipped IDX file (the MNIST format) into a uint8 array.

    The header is a magic number whose last byte gives the number of
    dimensions, then one big-endian 32-bit size per dimension.
    """
    with gzip.open(path, "rb") as stream:
        data = stream.read()
    dimensions = data[3]
    shape = tuple(np.frombuffer(data, ">u4", dimensions, 4).astype(int))
    values = np.frombuffer(data, np.uint8, offset=4 + 4 * dimensions)
    if values.size != int(np.prod(shape)):
        raise ValueError(f"{path} is truncated: its header promises "
                         f"{shape}, it holds {values.size} values")
    return values.reshape(shape)


def load_fashion_mnist(folder=None):
    """Return ``(x_train, y_train), (x_test, y_test)``: uint8 images of
    shape (N, 28, 28) and labels 0-9, 60,000 for training and 10,000 for
    testing.
    """
    candidates = [pathlib.Path(folder)] if folder else [
        DEBIAN_FASHION_MNIST, KERAS_CACHE]
    for candidate in candidates:
        if all((candidate / name).is_file() for name in FASHION_FILES):
            arrays = [read_idx(candidate / name) for name in FASHION_FILES]
            return (arrays[0], arrays[1]), (arrays[2], arrays[3])
    if folder:
        raise FileNotFoundError(f"{folder} lacks the Fashion-MNIST files "
                                f"{', '.join(FASHION_FILES)}")
    try:
        from tensorflow import keras
        return keras.datasets.fashion_mnist.load_data()
    except Exception as error:
        raise FileNotFoundError(
            "Fashion-MNIST is not on this machine and could not be "
            f"downloaded ({type(error).__name__}). Install Debian's "
            "dataset-fashion-mnist package (apt-get install "
            "dataset-fashion-mnist), or pass the folder holding "
            f"{', '.join(FASHION_FILES)}") from None
