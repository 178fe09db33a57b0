#!/usr/bin/env python3
"""Draw images from a saved generator: one grid picture and single PNGs.

    python -m ganlab sample --generator runs/dcgan/generator.keras \\
        --count 64 --out samples/

(``python -m ganlab.sample`` is the same command.)

The generator maps normal latent vectors to images with pixels in [-1, 1]
(a tanh output), grey or RGB. ``grid.png`` shows the first ``--grid``
of them (64 by default: a grid of thousands is megabytes that no one can
read); ``0000.png``, ``0001.png``, ... hold every one at its own size.
A file that is not a saved generator (a weights file, a discriminator,
a truncated download) is refused before anything is written.
"""
import argparse
import pathlib
import sys
import zipfile

import numpy as np
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ganlab import io, plots  # noqa: E402
from ganlab.datasets import from_symmetric  # noqa: E402


def latent_dim_of(generator):
    """Return the length of the latent vectors ``generator`` takes: its
    ``latent_dim`` where it says (task 4's subclassed generator), else
    the width of its input."""
    return getattr(generator, "latent_dim", None) or (
        generator.inputs[0].shape[-1])


def load_generator(path):
    """Load a generator saved as a ``.keras`` file and check that it draws
    images from latent vectors.

    Task 4's growing generator is a class of its own, which Keras knows
    once its lesson is imported; the others are plain Keras models.
    Raises ``ValueError`` naming ``path`` when the file is no saved model
    (a weights file, text, a truncated download) or the model is no
    generator (a discriminator, say).
    """
    path = pathlib.Path(path)
    if path.name.endswith(".weights.h5"):
        raise ValueError(f"{path} holds weights only, not a saved model: "
                         "give a .keras file (python -m ganlab train "
                         "writes generator.keras)")
    # Keras reports a .keras file that is no zip archive as "File not
    # found", which sends the user looking in the wrong place.
    if path.suffix == ".keras" and not zipfile.is_zipfile(path):
        raise ValueError(f"{path} is not a saved .keras model (no zip "
                         "archive: truncated, or another format?)")
    # TensorFlow starts only now: a file refused above costs no seconds
    # and prints no lines of TensorFlow's start-up logging.
    __import__('4-progan')
    from tensorflow import keras
    try:
        generator = keras.models.load_model(path, compile=False)
    except Exception as error:  # noqa: BLE001
        # Keras, zipfile, h5py and JSON each raise their own types on a
        # file that is not a saved model; all mean the same to the user.
        reason = (str(error).strip().splitlines() or [""])[0][:200]
        raise ValueError(f"cannot load {path} as a saved Keras model "
                         f"({type(error).__name__}: {reason})") from None
    check_generator(generator, path)
    return generator


def check_generator(generator, path):
    """Raise ``ValueError`` unless ``generator`` (loaded from ``path``)
    maps latent vectors (N, D) to images (N, H, W, 1 or 3)."""
    inputs = getattr(generator, "inputs", None)
    if inputs and (len(inputs) != 1 or len(inputs[0].shape) != 2):
        shapes = ", ".join(str(tuple(tensor.shape)) for tensor in inputs)
        raise ValueError(f"{path} takes inputs of shape {shapes}, not "
                         "latent vectors (N, D): is it a discriminator?")
    try:
        output = generate(generator, 2)
    except Exception as error:  # noqa: BLE001
        # whatever a foreign model raises on latent vectors, it is no
        # generator of ours
        reason = (str(error).strip().splitlines() or [""])[0][:200]
        raise ValueError(f"{path} fails on latent vectors "
                         f"({type(error).__name__}: {reason})") from None
    if output.ndim != 4 or output.shape[-1] not in (1, 3):
        raise ValueError(f"{path} draws outputs of shape "
                         f"{output.shape[1:]}, not images (H, W, 1 or 3): "
                         "is it a discriminator?")


def generate(generator, count, seed=0, batch_size=256):
    """Return the generator's raw outputs for ``count`` normal latent
    vectors, the same ones for the same ``seed`` (NumPy array).

    The vectors are drawn at once (so they do not depend on
    ``batch_size``) and fed ``batch_size`` at a time, which bounds the
    memory thousands of samples take.
    """
    import tensorflow as tf
    latent = tf.random.stateless_normal((count, latent_dim_of(generator)),
                                        seed=(seed, 0))
    return np.concatenate([
        np.asarray(generator(latent[start:start + batch_size],
                             training=False))
        for start in range(0, count, batch_size)])


def draw(generator, count, seed=0):
    """Return ``count`` generated images as uint8 pixels (N, H, W, C)."""
    return from_symmetric(generate(generator, count, seed))


def save_samples(images, folder, grid=64):
    """Write one PNG per image and ``grid.png`` of the first ``grid`` of
    them into ``folder``, each file whole or absent (``ganlab.io``);
    return the grid's path."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for index, image in enumerate(images):
        with io.atomic_path(folder / f"{index:04d}.png") as temporary:
            Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image
                            ).save(temporary, format="PNG")
    shown = images[:grid]
    title = (f"{len(images)} samples" if len(shown) == len(images)
             else f"the first {len(shown)} of {len(images)} samples")
    return plots.save_image_grid(shown / 255., folder / "grid.png",
                                 title=title)


def add_arguments(parser):
    """Declare the ``sample`` flags on ``parser``."""
    parser.add_argument("--generator", required=True, type=pathlib.Path,
                        help="a saved Keras generator (.keras), e.g. the "
                             "generator.keras that python -m ganlab "
                             "train writes")
    parser.add_argument("--count", type=int, default=64,
                        help="single images to write (default: "
                             "%(default)s)")
    parser.add_argument("--grid", type=int, default=64,
                        help="how many of them grid.png shows, at most "
                             "(default: %(default)s)")
    parser.add_argument("--out", type=pathlib.Path,
                        default=pathlib.Path("samples"),
                        help="folder to write into (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0)


def run(arguments, parser):
    """Load the generator, draw, save; return the grid's path.

    Every flag is checked, and the generator loaded, before the first
    file is written.
    """
    for flag, value in (("--count", arguments.count),
                        ("--grid", arguments.grid)):
        if value < 1:
            parser.error(f"{flag} must be at least 1; got {value}")
    if arguments.seed < 0:
        parser.error(f"--seed must be at least 0; got {arguments.seed}")
    if arguments.out.exists() and not arguments.out.is_dir():
        parser.error(f"--out: {arguments.out} is a file, not a folder")
    if not arguments.generator.is_file():
        parser.error(f"--generator: {arguments.generator} does not exist")
    try:
        generator = load_generator(arguments.generator)
    except ValueError as error:
        parser.error(f"--generator: {error}")
    try:
        io.check_writable_folder(arguments.out, "--out")
    except ValueError as error:
        parser.error(str(error))
    grid = save_samples(draw(generator, arguments.count, arguments.seed),
                        arguments.out, arguments.grid)
    print(f"wrote {grid} and {arguments.count} single images")
    return grid


def main(argv=None):
    """``python -m ganlab.sample``: the same as ``python -m ganlab
    sample``."""
    from ganlab.cli import OneLineParser
    parser = OneLineParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    return run(parser.parse_args(argv), parser)


if __name__ == "__main__":
    main()
