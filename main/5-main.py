#!/usr/bin/env python3
"""Task 5 demo: a DCGAN on 32x32 colour images.

By default it trains briefly on offline stand-ins (32x32 patches of
scikit-image's photographs) with the smaller 64-128-256 filters, so it
runs in about a minute on 2 cores; --cifar trains on the real CIFAR-10
(from the Keras cache, a download, or --cifar-path). A tenth of the images
is held out of training for evaluation. Each epoch saves a 4x4 grid of
samples; at the end it saves the loss curves and the generator
(``5-generator.keras``, for ``python -m ganlab.sample``). A diversity
monitor warns if the generator collapses or training diverges.

    python main/5-main.py
    python main/5-main.py --cifar --epochs 30 --large
"""
import argparse
import pathlib
import sys

import numpy as np
import tensorflow as tf

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from ganlab import datasets, demo, plots  # noqa: E402
from ganlab.callbacks import DiversityMonitor, SampleGrid  # noqa: E402

dcgan = __import__('5-dcgan_cifar')


def arguments_from(argv):
    """Parse and check the flags."""
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cifar", action="store_true",
                        help="train on the real CIFAR-10")
    parser.add_argument("--cifar-path", type=pathlib.Path,
                        help="a cifar-10-batches-py folder or an .npz")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--images", type=int, default=2000,
                        help="offline stand-in images (default: "
                             "%(default)s)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--large", action="store_true",
                        help="128-256-512 filters instead of 64-128-256")
    parser.add_argument("--no-augmentation", action="store_true")
    parser.add_argument("--out", type=pathlib.Path,
                        default=pathlib.Path("outputs"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2))
    arguments = parser.parse_args(argv)
    for name in ("epochs", "images", "batch_size"):
        if getattr(arguments, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    try:
        if arguments.cifar or arguments.cifar_path:
            (images, _), _ = datasets.load_cifar10(arguments.cifar_path)
        else:
            images = datasets.cifar10_surrogate(arguments.images,
                                                arguments.seed)
    except (OSError, ValueError) as error:
        parser.error(str(error))
    return arguments, images


def main(argv=None):
    """Train, draw, save; return the trained model."""
    arguments, images = arguments_from(argv)
    demo.set_seed(arguments.seed)
    order = np.random.default_rng(arguments.seed).permutation(len(images))
    held_out = len(images) // 10
    training = datasets.to_symmetric(images[order[held_out:]])
    filters = (128, 256, 512) if arguments.large else (64, 128, 256)
    model = dcgan.DCGAN(dcgan.build_generator(100, filters[::-1]),
                        dcgan.build_discriminator(filters),
                        augmentation=not arguments.no_augmentation)
    model.compile()
    out = arguments.out
    fixed_latent = tf.random.stateless_normal((16, 100), seed=(0, 0))
    model.fit(training, batch_size=arguments.batch_size,
              epochs=arguments.epochs, shuffle=True,
              verbose=arguments.verbose,
              callbacks=[SampleGrid(fixed_latent, datasets.symmetric_to_unit,
                                    out, name="5-epoch_{:03d}.png"),
                         DiversityMonitor(training, samples=256,
                                          losses=("g_loss", "d_loss"))])
    plots.plot_losses(model.history.history, out / "5-losses.png",
                      title=f"DCGAN on {len(training)} images "
                            f"({held_out} held out)")
    model.generator.save(out / "5-generator.keras")
    print(f"pictures and generator in {out}/ ({held_out} images held out)")
    return model


if __name__ == "__main__":
    main()
