#!/usr/bin/env python3
"""Features for judging 16x16 faces: the encoder of a small autoencoder.

InceptionV3 sees 299x299 colour photographs; blown up from 16x16 grey
faces its features say little, and its weights are not available offline.
So the package trains its own feature network on the curriculum's faces,
without labels: a convolutional autoencoder squeezes each face into 32
numbers and must rebuild it from them, so those numbers describe what
varies between faces. The encoder's code is the feature vector for the
Frechet and kernel distances in ``ganlab.evaluation.metrics``.

The features are nonlinear in the pixels. That matters: a Gaussian fitted
to pixels or to principal components matches the real faces' means and
covariances of any *linear* feature exactly, so linear features would
crown such a baseline.

    python -m ganlab train-face-features --faces small_res_faces_10000.npy

trains it on all but the last 1,000 faces (``ganlab.data.faces.HOLDOUT``)
and writes ``data/face_features.weights.h5``.
"""
import pathlib

import numpy as np
from tensorflow import keras

from ganlab import lessons
from ganlab.evaluation.features import as_grey_batch, file_checksum

SHIPPED_WEIGHTS = lessons.SHIPPED / "face_features.weights.h5"
CODE_SIZE = 32


def build_face_autoencoder():
    """Return ``(encoder, autoencoder)`` for (N, 16, 16, 1) pixels in
    [0, 1]; the encoder gives (N, 32) features in (-1, 1)."""
    pixels = keras.Input(shape=(16, 16, 1))
    values = keras.layers.Conv2D(32, 3, strides=2, padding="same",
                                 activation="relu")(pixels)
    values = keras.layers.Conv2D(64, 3, strides=2, padding="same",
                                 activation="relu")(values)
    code = keras.layers.Dense(CODE_SIZE, activation="tanh")(
        keras.layers.Flatten()(values))
    encoder = keras.Model(pixels, code, name="face_encoder")
    values = keras.layers.Dense(4 * 4 * 64, activation="relu")(code)
    values = keras.layers.Reshape((4, 4, 64))(values)
    values = keras.layers.Conv2DTranspose(32, 3, strides=2, padding="same",
                                          activation="relu")(values)
    rebuilt = keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same",
                                           activation="sigmoid")(values)
    return encoder, keras.Model(pixels, rebuilt, name="face_autoencoder")


class FaceFeatures:
    """The shipped face encoder as a feature function with provenance."""

    def __init__(self, weights=SHIPPED_WEIGHTS):
        """Load the encoder weights; a missing file gets a clear error."""
        weights = pathlib.Path(weights)
        if not weights.is_file():
            raise FileNotFoundError(
                f"face feature weights {weights} not found: train them with "
                "python -m ganlab train-face-features --faces <faces.npy>")
        self.encoder, autoencoder = build_face_autoencoder()
        autoencoder.load_weights(str(weights))
        self.name = f"face autoencoder code ({CODE_SIZE}-D)"
        self.checksum = file_checksum(weights)

    def __call__(self, pixels):
        """Return float64 features of faces with pixels in [0, 1]."""
        return np.asarray(self.encoder.predict(
            as_grey_batch(pixels, 16), batch_size=500, verbose=0),
            dtype=np.float64)


def add_arguments(parser):
    """Declare the ``train-face-features`` flags on ``parser``."""
    from ganlab.data.faces import HOLDOUT
    parser.add_argument("--faces", required=True, type=pathlib.Path)
    parser.add_argument("--holdout", type=int, default=HOLDOUT)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", type=pathlib.Path, default=SHIPPED_WEIGHTS)
    parser.add_argument("--seed", type=int, default=0)


def run(arguments, parser):
    """``python -m ganlab train-face-features``: train the autoencoder on
    the training faces; save its weights."""
    from ganlab.data.faces import load_face_array, split_holdout
    from ganlab.training.checkpoints import export_weights
    from ganlab.training.seeding import set_seed
    set_seed(arguments.seed)
    try:
        faces, _ = split_holdout(load_face_array(arguments.faces),
                                 arguments.holdout)
    except (OSError, ValueError) as error:
        parser.error(str(error))
    pixels = (faces.reshape(-1, 16, 16, 1) / 255.).astype(np.float32)
    _, autoencoder = build_face_autoencoder()
    autoencoder.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    autoencoder.fit(pixels, pixels, epochs=arguments.epochs, batch_size=128,
                    validation_split=.1, verbose=2)
    export_weights(autoencoder, arguments.out)
    print(f"saved {arguments.out} (sha256 {file_checksum(arguments.out)})")
