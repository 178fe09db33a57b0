#!/usr/bin/env python3
"""Task 3 demo: explore the pretrained 16x16 face generator.

With no flag it loads the weights shipped in data/ and, in seconds,
draws 400 fakes sorted by the critic's score, a walk along a latent
segment and around a latent circle (pictures and animated GIFs).

Given the curriculum's faces file (--faces), it also puts each of a few
fakes beside its nearest training face, so memorisation would show, and
beside faces of a PCA baseline. With --train it first trains a fresh
WGAN_GP on those faces for a short while and explores that one instead.

    python main/3-main.py
    python main/3-main.py --faces small_res_faces_10000.npy
    python main/3-main.py --faces small_res_faces_10000.npy --train
"""
import argparse
import pathlib

import numpy as np

from ganlab import lessons
from ganlab.data.faces import load_face_array, load_shipped_face_models
from ganlab.evaluation.baselines import PCABaseline
from ganlab.training.seeding import set_seed
from ganlab.viz import face_pictures, plots

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
    """Train a fresh face WGAN_GP; return generator, critic, mean face."""
    from ganlab import cli
    run = arguments.out / "3-training"
    cli.main(["train-faces", "--faces", str(arguments.faces),
              "--out", str(run), "--epochs", str(arguments.epochs),
              "--every", "1", "--seed", str(arguments.seed)])
    generator, discriminator = faces_lesson.convolutional_GenDiscr()
    generator.load_weights(str(run / "generator.weights.h5"))
    discriminator.load_weights(str(run / "discriminator.weights.h5"))
    return generator, discriminator, np.load(run / "mean_face.npy")


def main(argv=None):
    """Draw the pictures; return the paths written."""
    arguments = arguments_from(argv)
    set_seed(arguments.seed)
    if arguments.train:
        generator, critic, mean_face = train_briefly(arguments)
    else:
        generator, critic, mean_face = load_shipped_face_models()
    mean_face = mean_face.reshape(16, 16, 1)
    rng = np.random.default_rng(arguments.seed)
    out = arguments.out
    written = []

    fakes, scores = face_pictures.sorted_by_critic(
        generator, critic, rng.normal(size=(400, 16)).astype(np.float32))
    written.append(plots.save_image_grid(
        faces_lesson.recover_faces(fakes, mean_face),
        out / "3-sorted_by_critic.png", columns=20,
        title=f"400 fakes by critic score, from {scores[0]:.2f} (top "
              f"left) to {scores[-1]:.2f}"))

    start, end, other = rng.normal(size=(3, 16))
    walks = {"segment": face_pictures.latent_segment(start, end, 48),
             "circle": face_pictures.latent_circle(np.zeros(16), start,
                                                   end, 48, radius=2.)}
    for name, latent in walks.items():
        faces = faces_lesson.recover_faces(generator(latent), mean_face)
        written.append(plots.save_image_grid(
            faces[::4], out / f"3-latent_{name}.png", columns=12,
            title=f"a walk along a latent {name}"))
        written.append(plots.save_gif(
            faces, out / f"3-latent_{name}.gif"))

    if arguments.faces is not None:
        # The last 1,000 faces were kept out of training.
        real = load_face_array(arguments.faces).reshape(-1, 16, 16) / 255.
        training = real[:-1000]
        few = faces_lesson.recover_faces(fakes[::50], mean_face)[..., 0]
        nearest, distances = face_pictures.nearest_real(few, training)
        written.append(plots.save_image_grid(
            np.concatenate([few, nearest]), out / "3-nearest_real.png",
            columns=len(few),
            title="fakes (top) and their nearest training faces "
                  "(bottom); "
                  f"RMS pixel distance {distances.mean():.3f}"))
        baseline = PCABaseline(training).sample(24, rng)
        ours = faces_lesson.recover_faces(fakes[:400:17], mean_face)[..., 0]
        written.append(plots.save_image_grid(
            np.concatenate([ours[:24], baseline]),
            out / "3-gan_vs_pca.png", columns=12,
            title="GAN fakes (top two rows) and PCA baseline faces "
                  "(bottom two rows)"))
    for path in written:
        print(f"wrote {path}")
    return written


if __name__ == "__main__":
    main()
