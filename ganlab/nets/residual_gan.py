#!/usr/bin/env python3
"""Residual networks without normalisation, for images of any size.

The generator and discriminator of ``--model r3gan``, after the
backbone of Huang, Gokaslan, Kuleshov and Tompkin's R3GAN (NeurIPS 2024,
"The GAN is dead; long live the GAN! A Modern GAN Baseline"), written for
Keras and cut to the size of a CPU. Both are a stack of stages, one per
resolution from 4x4 to the image's side, and every stage is a few
residual blocks::

    block(x) = x + project(act(spread(act(expand(x)))))

    expand:  1x1 convolution, C -> E*C channels
    spread:  3x3 depthwise convolution (each channel its own filter)
    project: 1x1 convolution, E*C -> C, its kernel zero at the start
    act:     LeakyReLU(.2)

Choices, and why:

- **No normalisation layer anywhere.** Batch normalisation ties the
  samples of a batch together, which the discriminator can read and the
  generator must then fight; the residual form keeps the signal's scale
  under control instead: each branch's last kernel starts at zero, so
  every block starts as the identity and the network as a short, plain
  one, and the branch's inner kernels start scaled down by ``L ** -1/4``
  (``L`` blocks in all, two weighted layers before the last in each
  branch), so that adding ``L`` branches keeps the variance of the sum
  bounded as training wakes them (R3GAN's "fix-up" initialisation).
- **A depthwise 3x3, not R3GAN's grouped one.** A grouped convolution
  with ``g`` channels a group is the same layer as a depthwise one when
  ``g`` is 1; TensorFlow has a fast CPU kernel for the depthwise case
  only (grouped convolutions fall back to a compiled loop hundreds of
  times slower on a CPU), so the inverted bottleneck spends its width on
  the 1x1 convolutions, as MobileNetV2 and ConvNeXt do.
- **Resampling that does not alias.** The generator doubles its side by
  bilinear interpolation, the discriminator halves it by averaging 2x2
  squares (a box low-pass filter), and a 1x1 convolution changes the
  width at each transition; no strided or transposed convolution, so no
  checkerboard.
- **Plain output layers.** The generator's image comes out of a 1x1
  convolution with no tanh: a tanh cannot reach the white (+1) of an
  emoji's background and squeezes the gradient near it; pixels are
  clipped to the valid range only where they are turned into pictures
  or scored. The discriminator gives a logit (no sigmoid): the
  relativistic loss compares logits, and the zero-centred penalties
  differentiate them.
- **Widths that halve as the side doubles**, so that every stage costs
  about the same (pixels times width squared): ``width_at(side)``
  channels, ``1024 / side`` capped at 256, times ``capacity`` (1 on a
  CPU; 2 to 8 on a GPU), and at least 16.

Any side from 16 to 256 that is a power of two, and 1 or 3 channels,
builds; the networks are plain functional Keras models, saved and loaded
as ``.keras`` files with no custom layer.

Classes (``classes > 0``): both networks then take an integer class
label beside their input, shape (N,), the generator concatenating a learnt
class vector to its latent vector and the discriminator projecting its
pooled features on one (``ganlab.nets.classes``, which says why); the
network has no normalisation layer whose scale and shift a class could set
(BigGAN's conditional batch norm), and concatenation is how R3GAN's own
conditional generator takes its class. With ``classes=0`` they are built
exactly as without (same layers, same names, so generators saved before
still load and compare).
"""
import math

from tensorflow import keras

from ganlab.nets.classes import (check_classes, latent_and_class,
                                 projected_logit)

SIDES = (16, 32, 64, 128, 256)
# LeakyReLU's slope, and the gain that keeps the variance of a layer's
# output equal to its input's under it (He et al. 2015)
SLOPE = .2
GAIN = 2. / (1. + SLOPE ** 2)


def check_image_shape(image_shape):
    """Return ``image_shape`` as ``(side, side, channels)``, or raise
    ``ValueError`` unless it is square, its side one of ``SIDES`` and its
    channels 1 or 3."""
    try:
        image_shape = tuple(int(size) for size in image_shape)
    except (TypeError, ValueError):
        image_shape = None
    if (image_shape is None or len(image_shape) != 3
            or image_shape[0] != image_shape[1]
            or image_shape[0] not in SIDES or image_shape[2] not in (1, 3)):
        raise ValueError(f"image_shape must be (side, side, channels) with "
                         f"side one of {', '.join(map(str, SIDES))} and 1 "
                         f"or 3 channels; got {image_shape}")
    return image_shape


def check_capacity(capacity):
    """Return ``capacity`` as a float, or raise ``ValueError`` unless it
    is a finite number from 0.25 to 16."""
    try:
        capacity = float(capacity)
    except (TypeError, ValueError):
        capacity = math.nan
    if not .25 <= capacity <= 16:
        raise ValueError(f"capacity must be a number from 0.25 to 16 (1: "
                         f"sized for a CPU); got {capacity}")
    return capacity


def width_at(side, capacity=1.):
    """Return the number of channels at a stage of ``side`` pixels:
    ``1024 / side`` capped at 256, times ``capacity``, at least 16."""
    return max(16, int(round(min(256, 1024 // side) * capacity)))


def stage_sides(image_side):
    """Return the sides of the stages up to ``image_side``: 4, 8, ...,
    ``image_side``."""
    return [2 ** power for power in range(2, int(math.log2(image_side)) + 1)]


def scaled_normal(fan_in, scale=1.):
    """Return an initializer drawing from a normal of variance ``GAIN *
    scale / fan_in``: He's for LeakyReLU, shrunk by ``scale``. Given the
    fan-in explicitly, because Keras counts a depthwise kernel's as if it
    mixed its channels."""
    return keras.initializers.RandomNormal(
        stddev=math.sqrt(GAIN * scale / fan_in))


def residual_block(values, expansion, branch_scale, name):
    """Return ``values`` plus the residual branch of the module's
    docstring; ``branch_scale`` multiplies the variance of the branch's
    first two kernels (``L ** -1/2``), its last kernel is zero."""
    width = values.shape[-1]
    hidden = width * expansion
    branch = keras.layers.Conv2D(
        hidden, 1, kernel_initializer=scaled_normal(width, branch_scale),
        name=f"{name}_expand")(values)
    branch = keras.layers.LeakyReLU(SLOPE)(branch)
    branch = keras.layers.DepthwiseConv2D(
        3, padding="same",
        depthwise_initializer=scaled_normal(9, branch_scale),
        name=f"{name}_spread")(branch)
    branch = keras.layers.LeakyReLU(SLOPE)(branch)
    branch = keras.layers.Conv2D(width, 1, kernel_initializer="zeros",
                                 name=f"{name}_project")(branch)
    return keras.layers.Add(name=f"{name}_sum")([values, branch])


def change_width(values, width, name):
    """Return ``values`` through a 1x1 convolution to ``width`` channels
    (the identity's scale: no activation follows), or as they are when
    they have that width already."""
    if values.shape[-1] == width:
        return values
    return keras.layers.Conv2D(
        width, 1, kernel_initializer=scaled_normal(values.shape[-1], 1 / GAIN),
        name=name)(values)


def build_generator(latent_dim=64, image_shape=(32, 32, 3), capacity=1.,
                    blocks=1, expansion=2, classes=0):
    """Return the generator: latent vectors -> images, about [-1, 1]; with
    ``classes``, ``[latent vectors, labels]`` -> images of those classes.

    A dense layer makes a 4x4 map of ``width_at(4)`` channels from the
    latent vector (with the class vector concatenated to it, see the
    module's docstring); each stage then runs ``blocks`` residual blocks
    and, below the image's side, doubles the side (bilinear) and changes
    the width (1x1); a 1x1 convolution draws the image.
    """
    side, _, channels = check_image_shape(image_shape)
    capacity = check_capacity(capacity)
    classes = check_classes(classes)
    sides = stage_sides(side)
    branch_scale = (blocks * len(sides)) ** -.5
    latent = keras.Input(shape=(int(latent_dim),), name="latent")
    inputs, code = latent_and_class(latent, classes)
    first = width_at(4, capacity)
    values = keras.layers.Dense(
        4 * 4 * first, kernel_initializer=scaled_normal(code.shape[-1]),
        name="basis")(code)
    values = keras.layers.Reshape((4, 4, first))(values)
    values = keras.layers.LeakyReLU(SLOPE)(values)
    for stage_side in sides:
        if stage_side > 4:
            values = keras.layers.UpSampling2D(
                interpolation="bilinear", name=f"up_to_{stage_side}")(values)
            values = change_width(values, width_at(stage_side, capacity),
                                  f"width_{stage_side}")
        for index in range(blocks):
            values = residual_block(values, expansion, branch_scale,
                                    f"block_{stage_side}_{index}")
    images = keras.layers.Conv2D(
        channels, 1, kernel_initializer=scaled_normal(values.shape[-1],
                                                      1 / GAIN),
        name="to_image")(values)
    return keras.Model(inputs, images, name="generator")


def build_discriminator(image_shape=(32, 32, 3), capacity=1., blocks=1,
                        expansion=2, classes=0):
    """Return the discriminator: images -> one logit each; with
    ``classes``, ``[images, labels]`` -> one logit each, for the image
    being a real one of that class.

    A 1x1 convolution reads the image into ``width_at(side)`` channels;
    each stage runs ``blocks`` residual blocks and, above 4x4, changes the
    width (1x1) and halves the side (2x2 average); at 4x4 a depthwise 4x4
    convolution pools each channel with weights of its own (where in the
    map a feature lies matters), and a dense layer gives the logit; with
    classes, the projection of the pooled features on the class's vector
    is added to it (see the module's docstring).
    """
    side, _, channels = check_image_shape(image_shape)
    capacity = check_capacity(capacity)
    classes = check_classes(classes)
    sides = stage_sides(side)[::-1]
    branch_scale = (blocks * len(sides)) ** -.5
    image = keras.Input(shape=(side, side, channels), name="image")
    values = keras.layers.Conv2D(
        width_at(side, capacity), 1,
        kernel_initializer=scaled_normal(channels), name="from_image")(image)
    values = keras.layers.LeakyReLU(SLOPE)(values)
    for stage_side in sides:
        for index in range(blocks):
            values = residual_block(values, expansion, branch_scale,
                                    f"block_{stage_side}_{index}")
        if stage_side > 4:
            values = change_width(values, width_at(stage_side // 2, capacity),
                                  f"width_{stage_side // 2}")
            values = keras.layers.AveragePooling2D(
                2, name=f"down_to_{stage_side // 2}")(values)
    values = keras.layers.DepthwiseConv2D(
        4, padding="valid", depthwise_initializer=scaled_normal(16),
        name="pool_4x4")(values)
    values = keras.layers.Flatten()(values)
    values = keras.layers.LeakyReLU(SLOPE)(values)
    width = values.shape[-1]
    logit = keras.layers.Dense(
        1, kernel_initializer=scaled_normal(width, 1 / GAIN),
        name="logit")(values)
    inputs, logit = projected_logit(image, values, logit, classes,
                                    scaled_normal(width, 1 / GAIN))
    return keras.Model(inputs, logit, name="discriminator")
