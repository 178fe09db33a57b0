#!/usr/bin/env python3
"""Draw images from a saved generator: one grid picture and single PNGs.

    python -m ganlab sample --generator runs/dcgan/generator.keras \\
        --count 64 --out samples/

(``python -m ganlab.sample`` is the same command.)

The generator maps normal latent vectors to images with pixels in [-1, 1]
(a tanh output), grey or RGB. ``grid.png`` shows them all; ``0000.png``,
``0001.png``, ... hold each one at its own size.
"""
import argparse
import pathlib
import sys

import numpy as np
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ganlab import plots  # noqa: E402
from ganlab.datasets import from_symmetric  # noqa: E402


def latent_dim_of(generator):
    """Return the length of the latent vectors ``generator`` takes: its
    ``latent_dim`` where it says (task 4's subclassed generator), else
    the width of its input."""
    return getattr(generator, "latent_dim", None) or (
        generator.inputs[0].shape[-1])


def load_generator(path):
    """Load a generator saved as a ``.keras`` file.

    Task 4's growing generator is a class of its own, which Keras knows
    once its lesson is imported; the others are plain Keras models.
    """
    __import__('4-progan')
    from tensorflow import keras
    return keras.models.load_model(path, compile=False)


def generate(generator, count, seed=0):
    """Return the generator's raw outputs for ``count`` normal latent
    vectors, the same ones for the same ``seed`` (NumPy array)."""
    import tensorflow as tf
    latent = tf.random.stateless_normal((count, latent_dim_of(generator)),
                                        seed=(seed, 0))
    return np.asarray(generator(latent, training=False))


def draw(generator, count, seed=0):
    """Return ``count`` generated images as uint8 pixels (N, H, W, C)."""
    return from_symmetric(generate(generator, count, seed))


def save_samples(images, folder):
    """Write ``grid.png`` and one PNG per image into ``folder``."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for index, image in enumerate(images):
        Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image
                        ).save(folder / f"{index:04d}.png")
    return plots.save_image_grid(images / 255., folder / "grid.png",
                                 title=f"{len(images)} samples")


def add_arguments(parser):
    """Declare the ``sample`` flags on ``parser``."""
    parser.add_argument("--generator", required=True, type=pathlib.Path,
                        help="a saved Keras generator (.keras), e.g. the "
                             "generator.keras that python -m ganlab "
                             "train writes")
    parser.add_argument("--count", type=int, default=64)
    parser.add_argument("--out", type=pathlib.Path,
                        default=pathlib.Path("samples"))
    parser.add_argument("--seed", type=int, default=0)


def run(arguments, parser):
    """Load the generator, draw, save; return the grid's path."""
    if not arguments.generator.is_file():
        parser.error(f"--generator: {arguments.generator} does not exist")
    if arguments.count < 1:
        parser.error("--count must be at least 1")
    generator = load_generator(arguments.generator)
    grid = save_samples(draw(generator, arguments.count, arguments.seed),
                        arguments.out)
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
