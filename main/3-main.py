#!/usr/bin/env python3
"""Task 3 demo: explore the pretrained 16x16 face generator.

With no flag it loads the weights shipped in data/ and, in seconds,
draws 400 fakes sorted by the critic's score, a walk along a latent
segment and around a latent circle (pictures and animated GIFs).

Given the curriculum's faces file (--faces), it also puts each of a few
fakes beside its nearest training face, so memorisation would show, and
beside faces of a PCA baseline. With --train it first trains a fresh
WGAN_GP on those faces for a short while (``python -m ganlab train
--model faces``: the last 1,000 faces held out, pixels in [-1, 1]) and
explores that one instead; run again, it goes on from that run's last
checkpoint.

    python main/3-main.py
    python main/3-main.py --faces small_res_faces_10000.npy
    python main/3-main.py --faces small_res_faces_10000.npy --train
"""
import argparse
import pathlib

import numpy as np

from ganlab import image_files, lessons
from ganlab.data.faces import (load_face_array, load_shipped_face_models,
                               split_holdout)
from ganlab.evaluation.baselines import PCABaseline
from ganlab.training.seeding import set_seed
from ganlab.viz import face_pictures

faces_lesson = lessons.load("3-generate_faces")


def arguments_from(argv):
    """Parse and check the flags."""
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faces", type=pathlib.Path,
                        help="the curriculum's small_res_faces_10000.npy")
    parser.add_argument("--train", action="store_true",
                        help="train a fresh model first (needs --faces)")
    parser.add_argument("--epochs", type=int, default=5,
                        help="epochs of 100 steps with --train "
                             "(default: %(default)s)")
    parser.add_argument("--out", type=pathlib.Path,
                        default=pathlib.Path("outputs"))
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args(argv)
    if arguments.train and arguments.faces is None:
        parser.error("--train needs --faces")
    if arguments.faces is not None and not arguments.faces.is_file():
        parser.error(f"--faces: {arguments.faces} does not exist")
    return arguments


def train_briefly(arguments):
    """Train a fresh face WGAN_GP with ``python -m ganlab train --model
    faces``; return generator, critic, and the function that turns the
    generator's output into pixels in [0, 1]."""
    from ganlab import cli
    from ganlab.data.image_sets import symmetric_to_unit
    run = arguments.out / "3-training"
    flags = ["train", "--model", "faces", "--dataset", "faces",
             "--data-path", str(arguments.faces), "--out", str(run),
             "--n_epochs", str(arguments.epochs), "--steps-per-epoch", "100",
             "--seed", str(arguments.seed), "--no-tensorboard"]
    if (run / "run.json").is_file():
        # train never trains over a run without --resume: a second demo
        # goes on from the first one's checkpoints
        flags.append("--resume")
    gan = cli.main(flags)
    # train scales pixels to [-1, 1], as for every model
    return gan.generator, gan.discriminator, symmetric_to_unit


def main(argv=None):
    """Draw the pictures; return the paths written."""
    arguments = arguments_from(argv)
    set_seed(arguments.seed)
    if arguments.train:
        generator, critic, to_pixels = train_briefly(arguments)
    else:
        generator, critic, mean_face = load_shipped_face_models()

        def to_pixels(faces):
            """The shipped weights draw centred faces: add the mean back."""
            return faces_lesson.recover_faces(faces,
                                              mean_face.reshape(16, 16, 1))
    rng = np.random.default_rng(arguments.seed)
    out = arguments.out
    written = []

    fakes, scores = face_pictures.sorted_by_critic(
        generator, critic, rng.normal(size=(400, 16)).astype(np.float32))
    written.append(image_files.save_image_grid(
        to_pixels(fakes), out / "3-sorted_by_critic.png", columns=20,
        title=f"400 fakes by critic score, from {scores[0]:.2f} (top "
              f"left) to {scores[-1]:.2f}"))

    start, end, other = rng.normal(size=(3, 16))
    walks = {"segment": face_pictures.latent_segment(start, end, 48),
             "circle": face_pictures.latent_circle(np.zeros(16), start,
                                                   end, 48, radius=2.)}
    for name, latent in walks.items():
        faces = to_pixels(generator(latent))
        written.append(image_files.save_image_grid(
            faces[::4], out / f"3-latent_{name}.png", columns=12,
            title=f"a walk along a latent {name}"))
        written.append(image_files.save_gif(
            faces, out / f"3-latent_{name}.gif"))

    if arguments.faces is not None:
        # The last 1,000 faces were kept out of training.
        real = load_face_array(arguments.faces).reshape(-1, 16, 16) / 255.
        training, _ = split_holdout(real)
        few = to_pixels(fakes[::50])[..., 0]
        nearest, distances = face_pictures.nearest_real(few, training)
        written.append(image_files.save_image_grid(
            np.concatenate([few, nearest]), out / "3-nearest_real.png",
            columns=len(few),
            title="fakes (top) and their nearest training faces "
                  "(bottom); "
                  f"RMS pixel distance {distances.mean():.3f}"))
        baseline = PCABaseline(training).sample(24, rng)
        ours = to_pixels(fakes[:400:17])[..., 0]
        written.append(image_files.save_image_grid(
            np.concatenate([ours[:24], baseline]),
            out / "3-gan_vs_pca.png", columns=12,
            title="GAN fakes (top two rows) and PCA baseline faces "
                  "(bottom two rows)"))
    for path in written:
        print(f"wrote {path}")
    return written


if __name__ == "__main__":
    main()
