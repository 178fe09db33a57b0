#!/usr/bin/env python3
"""Train a face WGAN-GP, resumably: 16x16 grey faces (task 3) or 64x64 RGB.

    # task 3's network on the curriculum's faces (the shipped weights)
    python -m ganlab train-faces --faces small_res_faces_10000.npy \\
        --out runs/faces --epochs 80 --every 1
    # a DCGAN-style network on a folder of face photographs, 64x64 RGB
    python -m ganlab train-faces --folder celeba/ --out runs/rgb
    # the same offline, on scikit-image's 100 small LFW faces
    python -m ganlab train-faces --lfw --out runs/lfw --epochs 20

16x16 grey faces train ``convolutional_GenDiscr()`` of task 3 on faces centred
by the mean face; other sizes train ``ganlab.nets.builders.dcgan_GenDiscr`` on
pixels scaled to [-1, 1]. Every ``--every`` epochs (default 10) the run saves a
checkpoint (generator, critic, both optimizers, epochs done) and a 4x4 grid of
faces drawn from fixed latent vectors; every epoch adds a line to ``log.csv``.
Run the same command again to resume from the last checkpoint. With ``--faces``
the last ``--holdout`` faces (default 1,000) are kept out of training so the
result can be judged on faces it never saw. At the end the weights are written
as ``generator.weights.h5`` and ``discriminator.weights.h5`` (and
``mean_face.npy`` for centred faces).

This is the command that made the shipped face weights: it keeps the
curriculum's centring by the mean face and the held-out faces they are
judged on. ``python -m ganlab train --model faces`` trains the same
network on pixels in [-1, 1] beside every other model, with per-step
loss logs, the GAN doctor and TensorBoard.
"""
import pathlib

import numpy as np
import tensorflow as tf
from tensorflow import keras

from ganlab import io, lessons
from ganlab.data.faces import (HOLDOUT, lfw_faces, load_face_array,
                               load_image_folder, split_holdout)
from ganlab.data.image_sets import symmetric_to_unit, to_symmetric
from ganlab.nets import builders
from ganlab.training.callbacks import SampleGrid
from ganlab.training.checkpoints import GANCheckpoint, export_weights
from ganlab.training.seeding import set_seed

faces_lesson = lessons.load("3-generate_faces")
WGAN_GP = lessons.load("2-wgan_gp").WGAN_GP


def add_arguments(parser):
    """Declare the ``train-faces`` flags on ``parser``."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--faces", type=pathlib.Path,
                        help="the curriculum's 16x16 faces .npy file")
    source.add_argument("--folder", type=pathlib.Path,
                        help="a folder of face images (JPEG, PNG, ...)")
    source.add_argument("--lfw", action="store_true",
                        help="scikit-image's 100 LFW faces (offline)")
    parser.add_argument("--size", type=int,
                        help="image side (default 16 with --faces, else 64)")
    parser.add_argument("--channels", type=int, choices=(1, 3),
                        help="1 grey, 3 RGB (default 1 with --faces, else 3)")
    parser.add_argument("--out", type=pathlib.Path,
                        default=pathlib.Path("runs/faces"))
    parser.add_argument("--epochs", type=int, default=80)
    parser.add_argument("--steps-per-epoch", type=int, default=100)
    parser.add_argument("--every", type=int, default=10,
                        help="checkpoint and sample grid every N epochs "
                             "(default: %(default)s)")
    parser.add_argument("--learning-rate", type=float, default=2e-4)
    parser.add_argument("--disc-iter", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--holdout", type=int, default=HOLDOUT,
                        help="with --faces: faces at the end kept out "
                             "(default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2))


def check_arguments(arguments, parser):
    """Check the flags and fill in the defaults that hang on the source;
    return the training images. A bad flag exits with code 2."""
    curriculum = arguments.faces is not None
    arguments.size = arguments.size or (16 if curriculum else 64)
    arguments.channels = arguments.channels or (1 if curriculum else 3)
    for name in ("epochs", "steps_per_epoch", "every", "batch_size"):
        if getattr(arguments, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    try:
        if curriculum:
            if (arguments.size, arguments.channels) != (16, 1):
                parser.error("--faces holds 16x16 grey faces: use "
                             "--size 16 --channels 1")
            images = load_face_array(arguments.faces)
            if not 0 <= arguments.holdout < len(images) - 1:
                parser.error("--holdout must leave faces to train on")
            images, _ = split_holdout(images, arguments.holdout)
        elif arguments.folder is not None:
            images = load_image_folder(arguments.folder, arguments.size,
                                       arguments.channels)
        else:
            images = lfw_faces(arguments.size, arguments.channels)
    except (OSError, ValueError) as error:
        parser.error(str(error))
    arguments.batch_size = min(arguments.batch_size, len(images))
    return images


def build(arguments, images):
    """Return (gan, to_pixels, extra files to save) for the images."""
    if (arguments.size, arguments.channels) == (16, 1):
        real_examples, mean_face = faces_lesson.normalize_faces(images)
        generator, discriminator = faces_lesson.convolutional_GenDiscr()
        latent_dim = 16

        def latent_generator(count):
            """Draw ``count`` 16-D normal latent vectors."""
            return tf.random.normal((count, latent_dim))

        def to_pixels(fakes):
            """Add the mean face back."""
            return faces_lesson.recover_faces(fakes, mean_face)
        extras = {"mean_face.npy": mean_face}
    else:
        real_examples = to_symmetric(images).reshape(
            len(images), arguments.size, arguments.size, arguments.channels)
        generator, discriminator, latent_generator = builders.dcgan_GenDiscr(
            arguments.size, arguments.channels)
        latent_dim = generator.inputs[0].shape[-1]
        to_pixels = symmetric_to_unit
        extras = {}
    gan = WGAN_GP(generator, discriminator, latent_generator, real_examples,
                  batch_size=arguments.batch_size,
                  disc_iter=arguments.disc_iter,
                  learning_rate=arguments.learning_rate)
    gan.latent_dim = latent_dim
    return gan, to_pixels, extras


def run(arguments, parser):
    """Train (or resume) and export the weights; return the GAN."""
    images = check_arguments(arguments, parser)
    set_seed(arguments.seed)
    gan, to_pixels, extras = build(arguments, images)
    gan.compile()
    out = arguments.out
    out.mkdir(parents=True, exist_ok=True)
    for name, array in extras.items():
        with io.atomic_path(out / name) as temporary:
            np.save(temporary, array)
    checkpoint = GANCheckpoint(gan, out / "checkpoints", every=arguments.every)
    epochs_done = checkpoint.restore()
    if epochs_done:
        print(f"resuming after epoch {epochs_done}")
    fixed_latent = np.random.default_rng(arguments.seed).normal(
        size=(16, gan.latent_dim)).astype(np.float32)
    gan.fit(gan.real_examples, epochs=arguments.epochs,
            steps_per_epoch=arguments.steps_per_epoch,
            initial_epoch=epochs_done, verbose=arguments.verbose,
            callbacks=[checkpoint,
                       SampleGrid(fixed_latent, to_pixels, out / "samples",
                                  arguments.every),
                       keras.callbacks.CSVLogger(str(out / "log.csv"),
                                                 append=True)])
    export_weights(gan.generator, out / "generator.weights.h5")
    export_weights(gan.discriminator, out / "discriminator.weights.h5")
    print(f"weights: {out}/generator.weights.h5, "
          f"{out}/discriminator.weights.h5")
    return gan
