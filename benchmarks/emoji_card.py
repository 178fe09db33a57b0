#!/usr/bin/env python3
"""The pictures of an emoji generator's model card: samples, and samples
beside their nearest training emoji (the memorisation check).

    python benchmarks/emoji_card.py --generator data/r3gan_emoji32_generator.keras \\
        --name r3gan_emoji32 --out docs/images

writes ``NAME.png`` (64 samples) and ``NAME_nearest.png`` (16 samples
above the training emoji nearest to each in pixels) and prints the RMS
pixel distance of 1,000 samples to their nearest training emoji (median
and smallest) beside that of the held-out emoji: a generator that copies
its training set draws samples much closer to it than new emoji are.
"""
import argparse
import pathlib

import numpy as np


def arguments_from(argv):
    """Parse the flags."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--generator", type=pathlib.Path, required=True,
                        help="a saved .keras generator of emoji")
    parser.add_argument("--name", required=True,
                        help="the pictures' file name stem")
    parser.add_argument("--out", type=pathlib.Path,
                        default=pathlib.Path("outputs"))
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None):
    """Draw, compare, write the two pictures; return the distances."""
    arguments = arguments_from(argv)
    from ganlab.data import emoji
    from ganlab.data.image_sets import symmetric_to_unit
    from ganlab.nets.saved import generate, load_generator
    from ganlab import image_files
    from ganlab.viz import face_pictures
    generator = load_generator(arguments.generator)
    side = int(generator.output_shape[1])
    samples = np.clip(symmetric_to_unit(
        generate(generator, 1000, arguments.seed)), 0, 1)
    training = emoji.load_emoji(side, "train") / np.float32(255)
    held_out = emoji.load_emoji(side, "held_out") / np.float32(255)
    _, sample_distances = face_pictures.nearest_real(samples, training)
    _, new_distances = face_pictures.nearest_real(held_out, training)
    out = arguments.out
    out.mkdir(parents=True, exist_ok=True)
    image_files.save_image_grid(samples[:64], out / f"{arguments.name}.png",
                          columns=8,
                          title=f"64 samples of {arguments.generator.name}")
    face_pictures.save_beside_nearest(
        samples[:16], training, out / f"{arguments.name}_nearest.png",
        what="emoji")
    report = {"samples_median": float(np.median(sample_distances)),
              "samples_smallest": float(sample_distances.min()),
              "held_out_median": float(np.median(new_distances)),
              "held_out_smallest": float(new_distances.min())}
    print(f"RMS pixel distance to the nearest training emoji: 1,000 "
          f"samples median {report['samples_median']:.3f} (smallest "
          f"{report['samples_smallest']:.3f}); the {len(held_out)} "
          f"held-out emoji median {report['held_out_median']:.3f} "
          f"(smallest {report['held_out_smallest']:.3f})")
    return report


if __name__ == "__main__":
    main()
