#!/usr/bin/env python3
"""Task 3: a convolutional generator and critic for 16x16 grayscale faces.

Images have structure that a perceptron ignores: nearby pixels belong
together, and the same pattern (an eye, an edge) can appear anywhere.
Convolutions share one small filter across the whole image, so they learn
such patterns with few weights.

The generator grows an image: a dense layer turns a 16-D latent vector
into 2x2 maps of 512 features, then three times it doubles the size
(UpSampling2D), mixes neighbours (a 3x3 convolution) and renormalises
(batch normalisation, then tanh): 2x2 -> 4x4 -> 8x8 -> 16x16, with 64,
16, then 1 feature map. The critic does the reverse: four times a 3x3
convolution (32, 64, 128, 256 filters) and a 2x2 max-pooling shrink the
image 16x16 -> 1x1, and a dense layer gives the score.

Trained as a WGAN_GP (task 2) on the curriculum's 10,000 faces, centred by
subtracting the mean face: ``normalize_faces`` and ``recover_faces`` go
there and back.
"""
import numpy as np
from tensorflow import keras


def convolutional_GenDiscr():
    """Return ``(generator, discriminator)`` for 16x16x1 images.

    The generator (339,493 parameters, 162 of them the batch-norm running
    statistics) maps 16-D latent vectors to images in (-1, 1); the
    discriminator (388,097 parameters) maps images to a score in (-1, 1).
    """
    def generator_block(values, filters):
        """Double the size, convolve, normalise, squash."""
        values = keras.layers.UpSampling2D()(values)
        values = keras.layers.Conv2D(filters, 3, padding="same")(values)
        values = keras.layers.BatchNormalization()(values)
        return keras.layers.Activation("tanh")(values)

    def discriminator_block(values, filters):
        """Convolve, halve the size, squash."""
        values = keras.layers.Conv2D(filters, 3, padding="same")(values)
        values = keras.layers.MaxPooling2D()(values)
        return keras.layers.Activation("tanh")(values)

    latent = keras.Input(shape=(16,))
    values = keras.layers.Dense(2048, activation="tanh")(latent)
    values = keras.layers.Reshape((2, 2, 512))(values)
    for filters in (64, 16, 1):
        values = generator_block(values, filters)
    generator = keras.Model(latent, values, name="generator")

    image = keras.Input(shape=(16, 16, 1))
    values = image
    for filters in (32, 64, 128, 256):
        values = discriminator_block(values, filters)
    values = keras.layers.Flatten()(values)
    score = keras.layers.Dense(1, activation="tanh")(values)
    discriminator = keras.Model(image, score, name="discriminator")
    return generator, discriminator


def normalize_faces(faces):
    """Return ``(centred_faces, mean_face)`` for uint8 or [0, 1] faces.

    uint8 pixels are divided by 255; the mean face is then subtracted, so
    the values lie in about [-0.72, 0.78] for the curriculum's faces. The
    shape, with or without a trailing channel axis, is kept.
    """
    faces = np.asarray(faces)
    if faces.dtype == np.uint8:
        faces = faces / 255.
    elif not np.issubdtype(faces.dtype, np.floating):
        raise TypeError("faces must be uint8 pixels or floats in [0, 1]; "
                        f"got dtype {faces.dtype}")
    if faces.ndim not in (3, 4) or faces.shape[1:3] != (16, 16) or (
            faces.ndim == 4 and faces.shape[3] != 1):
        raise ValueError("faces must have shape (N, 16, 16) or "
                         f"(N, 16, 16, 1); got {faces.shape}")
    faces = faces.astype(np.float32)
    mean_face = faces.mean(axis=0)
    return faces - mean_face, mean_face


def recover_faces(centred_faces, mean_face):
    """Undo ``normalize_faces``: add the mean face back, pixels in [0, 1].

    Generated images (N, 16, 16, 1) and a mean face without channel axis
    (16, 16) are matched by adding the axis.
    """
    centred_faces = np.asarray(centred_faces)
    mean_face = np.asarray(mean_face)
    if centred_faces.ndim == 4 and mean_face.ndim == 2:
        mean_face = mean_face[..., np.newaxis]
    return np.clip(centred_faces + mean_face, 0., 1.)
