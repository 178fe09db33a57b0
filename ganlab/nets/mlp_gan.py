#!/usr/bin/env python3
"""The original GAN's networks: fully connected, for 28x28 digits.

Goodfellow et al. 2014 ("Generative Adversarial Nets") set two networks
against each other. A generator G maps random latent vectors z to images;
a discriminator D gives each image the probability that it is real.
``ganlab.training.nonsaturating.MLPGAN`` trains them.

Both networks are multilayer perceptrons, with the choices that later
work found to make them train (and that the popular PyTorch re-creation
of this model uses): LeakyReLU(.2) rather than ReLU so no unit dies, batch
normalisation in the generator's hidden layers (not the first), a tanh
output so images live in [-1, 1], a sigmoid output for D, and Adam with
learning rate 2e-4 and beta_1 = .5.

    generator:     z (100) -> 128 -> 256 -> 512 -> 1024 -> 28*28, tanh
    discriminator: 28*28 -> 512 -> 256 -> 1, sigmoid
"""
import numpy as np
from tensorflow import keras


def build_generator(latent_dim=100, image_shape=(28, 28, 1),
                    widths=(128, 256, 512, 1024)):
    """Return the generator: latent vectors -> images in (-1, 1).

    Dense layers of ``widths`` with LeakyReLU(.2); all but the first are
    batch-normalised, with statistics shared across replicas when training
    on several devices (a replica's half batch would otherwise normalise
    differently from the whole batch).
    """
    latent = keras.Input(shape=(latent_dim,))
    values = latent
    for index, width in enumerate(widths):
        values = keras.layers.Dense(width)(values)
        if index:
            values = keras.layers.BatchNormalization(
                momentum=.9, synchronized=True)(values)
        values = keras.layers.LeakyReLU(negative_slope=.2)(values)
    values = keras.layers.Dense(int(np.prod(image_shape)),
                                activation="tanh")(values)
    images = keras.layers.Reshape(tuple(image_shape))(values)
    return keras.Model(latent, images, name="generator")


def build_discriminator(image_shape=(28, 28, 1), widths=(512, 256)):
    """Return the discriminator: images -> probability of being real."""
    image = keras.Input(shape=tuple(image_shape))
    values = keras.layers.Flatten()(image)
    for width in widths:
        values = keras.layers.LeakyReLU(negative_slope=.2)(
            keras.layers.Dense(width)(values))
    probability = keras.layers.Dense(1, activation="sigmoid")(values)
    return keras.Model(image, probability, name="discriminator")


def logits_of(discriminator):
    """Return ``discriminator`` up to its sigmoid: a network of the same
    layers and weights giving the logits, for a gradient penalty.

    The discriminator's last layer must be the sigmoid, on its own (an
    ``Activation`` layer, as ``ganlab.nets.conv_gan`` builds it), so
    that the logits are a tensor of the network."""
    last = discriminator.layers[-1]
    if not (isinstance(last, keras.layers.Activation)
            and getattr(last.activation, "__name__", "") == "sigmoid"):
        raise ValueError(f"a penalty needs the discriminator's logits: its "
                         f"last layer must be a sigmoid Activation layer "
                         f"(as ganlab.nets.conv_gan builds it); got "
                         f"{type(last).__name__} {last.name!r}")
    return keras.Model(discriminator.input, last.input,
                       name=f"{discriminator.name}_logits")
