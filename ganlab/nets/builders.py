#!/usr/bin/env python3
"""Latent samplers and the curriculum's fully connected networks.

``fully_connected_GenDiscr`` builds the small multilayer perceptrons the
curriculum trains on toy data: a generator whose sigmoid output lives in
the unit cube, and a discriminator that mirrors it with a tanh score.
"""
import numpy as np
import tensorflow as tf
from tensorflow import keras


def normal_generator(nb_points, dim):
    """Return ``nb_points`` latent vectors drawn from N(0, I) in ``dim``-D."""
    return tf.random.normal(shape=(nb_points, dim))


def uniform_generator(nb_points, dim):
    """Return ``nb_points`` latent vectors drawn uniformly from [0, 1)^dim."""
    return tf.random.uniform(shape=(nb_points, dim))


def spheric_generator(nb_points, dim):
    """Return ``nb_points`` points drawn uniformly on the unit sphere.

    A normal vector divided by its norm is uniform on the sphere; the tiny
    constant keeps the division finite.
    """
    vectors = tf.random.normal(shape=(nb_points, dim))
    norms = tf.sqrt(tf.reduce_sum(vectors * vectors, axis=1,
                                  keepdims=True) + 1e-8)
    return vectors / norms


LATENT_SAMPLERS = {"normal": normal_generator,
                   "uniform": uniform_generator,
                   "spheric": spheric_generator}


def fully_connected_GenDiscr(gen_shape, real_examples, latent_type="normal"):
    """Build the curriculum's fully connected generator and discriminator.

    ``gen_shape`` lists the generator's layer widths from the latent
    dimension to the data dimension, e.g. ``[1, 100, 100, 2]``. Hidden
    layers use tanh; the generator ends in a sigmoid (data in [0, 1]). The
    discriminator mirrors it: the generator's hidden widths in reverse
    order, then a tanh score in [-1, 1].
    ``real_examples`` is accepted for the curriculum's signature and unused.

    Returns ``(generator, discriminator, latent_generator)`` where
    ``latent_generator(k)`` draws k latent vectors of type ``latent_type``
    ("normal", "uniform" or "spheric").
    """
    if latent_type not in LATENT_SAMPLERS:
        raise ValueError(f"latent_type must be one of "
                         f"{sorted(LATENT_SAMPLERS)}; got {latent_type!r}")
    if len(gen_shape) < 3 or any(int(width) < 1 for width in gen_shape):
        raise ValueError("gen_shape must list at least 3 positive widths "
                         "(latent, hidden..., output); got "
                         f"{list(gen_shape)}")
    sampler = LATENT_SAMPLERS[latent_type]
    latent_dim = gen_shape[0]

    def latent_generator(nb_points):
        """Draw ``nb_points`` latent vectors for this generator."""
        return sampler(nb_points, latent_dim)

    inputs = keras.Input(shape=(latent_dim,))
    hidden = inputs
    for width in gen_shape[1:-1]:
        hidden = keras.layers.Dense(width, activation="tanh")(hidden)
    outputs = keras.layers.Dense(gen_shape[-1], activation="sigmoid")(hidden)
    generator = keras.Model(inputs, outputs, name="generator")

    inputs = keras.Input(shape=(gen_shape[-1],))
    hidden = inputs
    for width in reversed(gen_shape[1:-1]):
        hidden = keras.layers.Dense(width, activation="tanh")(hidden)
    outputs = keras.layers.Dense(1, activation="tanh")(hidden)
    discriminator = keras.Model(inputs, outputs, name="discriminator")
    return generator, discriminator, latent_generator


def mlp_GenDiscr(latent_dim, data_dim, hidden=(128, 128, 128),
                 activation="relu", latent_type="normal"):
    """Build a generator and a critic for toy data, as in the WGAN-GP paper.

    Unlike ``fully_connected_GenDiscr`` both networks end in a linear
    layer, so generated points are not squeezed into [0, 1] and the critic
    is free to grow the scores the Wasserstein loss asks for; the hidden
    layers use ReLU, whose gradients do not saturate. This pair learns the
    tight mixtures of ``ganlab.data.toy`` in a few thousand steps.

    Returns ``(generator, discriminator, latent_generator)`` where
    ``latent_generator(k)`` draws k latent vectors of dimension
    ``latent_dim`` and type ``latent_type`` ("normal", the default,
    "uniform" or "spheric", as in ``fully_connected_GenDiscr``).
    """
    if latent_type not in LATENT_SAMPLERS:
        raise ValueError(f"latent_type must be one of "
                         f"{sorted(LATENT_SAMPLERS)}; got {latent_type!r}")
    sampler = LATENT_SAMPLERS[latent_type]

    def dense_stack(input_dim, output_dim, name):
        """One MLP: ``hidden`` ReLU layers then a linear output."""
        inputs = keras.Input(shape=(input_dim,))
        values = inputs
        for width in hidden:
            values = keras.layers.Dense(width, activation=activation)(values)
        return keras.Model(inputs, keras.layers.Dense(output_dim)(values),
                           name=name)

    def latent_generator(nb_points):
        """Draw ``nb_points`` latent vectors for this generator."""
        return sampler(nb_points, latent_dim)

    return (dense_stack(latent_dim, data_dim, "generator"),
            dense_stack(data_dim, 1, "discriminator"), latent_generator)


def dcgan_GenDiscr(image_size=64, channels=3, latent_dim=100,
                   base_filters=32):
    """Build a DCGAN-style generator and a WGAN-GP critic for square images.

    After Radford et al. 2016: the generator starts from 4x4 maps and
    doubles them with stride-2 transposed convolutions (batch norm and ReLU
    between, tanh at the end, images in [-1, 1]); the critic halves the
    image with stride-2 convolutions and LeakyReLU. The critic has no batch
    norm, which would couple the examples of a batch and break the
    per-example gradient penalty. ``image_size`` is a power of 2, >= 8.

    Returns ``(generator, discriminator, latent_generator)``.
    """
    doublings = int(np.log2(image_size / 4)) if image_size >= 8 else 0
    if doublings < 1 or 4 * 2 ** doublings != image_size:
        raise ValueError("image_size must be a power of 2 of at least 8; "
                         f"got {image_size}")
    widest = base_filters * 2 ** (doublings - 1)

    latent = keras.Input(shape=(latent_dim,))
    values = keras.layers.Dense(4 * 4 * widest, use_bias=False)(latent)
    values = keras.layers.BatchNormalization()(values)
    values = keras.layers.ReLU()(keras.layers.Reshape((4, 4, widest))(values))
    for step in range(1, doublings):
        values = keras.layers.Conv2DTranspose(
            widest // 2 ** step, 4, strides=2, padding="same",
            use_bias=False)(values)
        values = keras.layers.ReLU()(
            keras.layers.BatchNormalization()(values))
    images = keras.layers.Conv2DTranspose(
        channels, 4, strides=2, padding="same", activation="tanh")(values)
    generator = keras.Model(latent, images, name="generator")

    image = keras.Input(shape=(image_size, image_size, channels))
    values = image
    for step in range(doublings):
        values = keras.layers.Conv2D(base_filters * 2 ** step, 4, strides=2,
                                     padding="same")(values)
        values = keras.layers.LeakyReLU(negative_slope=.2)(values)
    score = keras.layers.Dense(1)(keras.layers.Flatten()(values))
    discriminator = keras.Model(image, score, name="discriminator")

    def latent_generator(nb_points):
        """Draw ``nb_points`` normal latent vectors."""
        return normal_generator(nb_points, latent_dim)

    return generator, discriminator, latent_generator
