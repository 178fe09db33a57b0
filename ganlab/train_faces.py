#!/usr/bin/env python3
"""Train task 3's convolutional WGAN-GP on 16x16 faces, resumably.

    python -m ganlab.train_faces --faces small_res_faces_10000.npy \\
        --out runs/faces --epochs 80 --steps-per-epoch 100

The last ``--holdout`` faces (default 1,000) are kept out of training so
that the weights can be judged on faces they never saw. Every epoch it
saves a checkpoint (generator, critic, both optimizers,
epochs done), a grid of 36 faces drawn from fixed latent vectors and a
line of losses in ``log.csv``. Run the same command again to resume from
the last checkpoint. At the end it writes the trained weights as
``generator.weights.h5`` and ``discriminator.weights.h5`` and the mean face
as ``mean_face.npy``.
"""
import argparse
import os
import pathlib
import sys

import numpy as np
import tensorflow as tf
from tensorflow import keras

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ganlab import demo, plots  # noqa: E402
from ganlab.checkpoints import GANCheckpoint  # noqa: E402
from ganlab.faces import load_face_array  # noqa: E402

faces_lesson = __import__('3-generate_faces')
WGAN_GP = __import__('2-wgan_gp').WGAN_GP
LATENT_DIM = 16


class FaceGrid(keras.callbacks.Callback):
    """Save faces drawn from the same latent vectors after every epoch."""

    def __init__(self, latent_vectors, mean_face, folder):
        """Draw from ``latent_vectors``; add ``mean_face``; write in
        ``folder``."""
        super().__init__()
        self.latent_vectors = latent_vectors
        self.mean_face = mean_face
        self.folder = pathlib.Path(folder)

    def on_epoch_end(self, epoch, logs=None):
        """Write ``samples/epoch_NNNN.png``."""
        fakes = self.model.generator(self.latent_vectors, training=False)
        plots.save_image_grid(
            faces_lesson.recover_faces(fakes, self.mean_face),
            self.folder / f"epoch_{epoch + 1:04d}.png",
            title=f"epoch {epoch + 1}")


def save_weights_atomically(model, path):
    """Write ``model``'s weights to ``path`` via a temporary file."""
    temporary = str(path).replace(".weights.h5", ".partial.weights.h5")
    model.save_weights(temporary)
    os.replace(temporary, path)


def main(argv=None):
    """Parse the flags, train (or resume), export the weights."""
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faces", required=True, type=pathlib.Path,
                        help="the curriculum's faces .npy file")
    parser.add_argument("--out", type=pathlib.Path,
                        default=pathlib.Path("runs/faces"))
    parser.add_argument("--epochs", type=int, default=80)
    parser.add_argument("--steps-per-epoch", type=int, default=100)
    parser.add_argument("--learning-rate", type=float, default=2e-4)
    parser.add_argument("--disc-iter", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--holdout", type=int, default=1000,
                        help="faces at the end kept out of training")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2))
    arguments = parser.parse_args(argv)
    try:
        faces = load_face_array(arguments.faces)
    except (OSError, ValueError) as error:
        parser.error(str(error))
    if not 0 <= arguments.holdout < len(faces) - arguments.batch_size:
        parser.error(f"--holdout must leave at least --batch-size "
                     f"({arguments.batch_size}) of the {len(faces)} faces")
    faces = faces[:len(faces) - arguments.holdout]

    demo.set_seed(arguments.seed)
    real_examples, mean_face = faces_lesson.normalize_faces(faces)
    generator, discriminator = faces_lesson.convolutional_GenDiscr()
    G = WGAN_GP(generator, discriminator,
                lambda k: tf.random.normal((k, LATENT_DIM)), real_examples,
                batch_size=arguments.batch_size,
                disc_iter=arguments.disc_iter,
                learning_rate=arguments.learning_rate)
    G.compile()
    arguments.out.mkdir(parents=True, exist_ok=True)
    np.save(arguments.out / "mean_face.npy", mean_face)
    checkpoint = GANCheckpoint(G, arguments.out / "checkpoints")
    epochs_done = checkpoint.restore()
    if epochs_done:
        print(f"resuming after epoch {epochs_done}")
    fixed_latent = np.random.default_rng(arguments.seed).normal(
        size=(36, LATENT_DIM)).astype(np.float32)
    G.fit(real_examples, epochs=arguments.epochs,
          steps_per_epoch=arguments.steps_per_epoch,
          initial_epoch=epochs_done, verbose=arguments.verbose,
          callbacks=[checkpoint,
                     FaceGrid(fixed_latent, mean_face,
                              arguments.out / "samples"),
                     keras.callbacks.CSVLogger(str(arguments.out / "log.csv"),
                                               append=True)])
    save_weights_atomically(generator,
                            arguments.out / "generator.weights.h5")
    save_weights_atomically(discriminator,
                            arguments.out / "discriminator.weights.h5")
    print(f"weights: {arguments.out}/generator.weights.h5, "
          f"{arguments.out}/discriminator.weights.h5")


if __name__ == "__main__":
    main()
