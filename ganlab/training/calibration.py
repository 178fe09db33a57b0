#!/usr/bin/env python3
"""Give a trained generator's samples the training images' contrast.

A GAN's generator tends to draw images that vary less than the data: the
critic punishes an implausible image at once, a missing kind of image only
slowly (mode dropping), and an average of the generator's weights
(``ganlab.training.averaging``) sits between the trained weights' extremes
and draws tamer images still. On the curriculum's faces the shipped
average's pixels varied 13 % less than the training faces' (total
variance over 4,000 samples), and the face features' spread fell short by
the same amount (BENCHMARKS.md, "Where the face generator's Frechet
distance comes from").

When the generator's last layer before its output activation is a batch
norm (task 3's: a one-channel convolution, batch norm, tanh) or a dense
or convolutional layer (``ganlab.nets.conv_gan``'s: a transposed
convolution, tanh), that layer's scale (the batch norm's ``gamma``, the
other's kernel) sets the contrast of every sample, and one number
corrects it: ``match_pixel_variance`` multiplies the scale by the factor
that makes the samples' total pixel variance equal the training
images', found by bisection. Nothing else changes: the latent vectors,
the offsets and the shapes the generator draws stay as they were. On
Fashion-MNIST the conv average's samples had 0.92 of the training
images' variance; calibrated, their Frechet Classifier Distance fell
from 13.6 to 11.9 (6,000 steps). The recipe since, with a minibatch
standard deviation in the discriminator, gains nothing from it (6.03 as
it is, 6.25 calibrated at 10,000 steps; BENCHMARKS.md), so ``train``
calibrates only when asked.

Fitted on training images only, with no feature network involved, it is
a measurement of the training set, as ``with_own_batch_statistics``
measures activations: no held-out image or quality score chooses the
factor. It is the last step of ``python -m ganlab refine-faces``, and of
``python -m ganlab train --calibrate`` (``--model conv``).
"""
import numpy as np
from tensorflow import keras

# the factors searched: a generator needing more than this is broken,
# not a little too tame
SMALLEST_FACTOR, LARGEST_FACTOR = .25, 4.
BISECTIONS = 30
# samples measured: enough that their variance is within about 1 % of
# the generator's
SAMPLES = 10000


def total_pixel_variance(images):
    """The variance of each pixel over the images (N, ...), summed over
    the pixels: how much a set of images varies, as one number."""
    images = np.asarray(images, dtype=np.float64)
    if images.ndim < 2 or len(images) < 2:
        raise ValueError("images must hold at least 2 images along the "
                         f"first axis; got shape {images.shape}")
    return float(images.var(axis=0).sum())


# layers that only apply a function to each value, which may follow
# the output layer
ACTIVATIONS = (keras.layers.Activation, keras.layers.ReLU,
               keras.layers.LeakyReLU, keras.layers.ELU,
               keras.layers.Softmax)
# the output layers calibration knows, and the weight that scales each:
# the part of the output that varies from sample to sample; the offset
# (a batch norm's beta, a dense or convolutional layer's bias) stays
SCALED_WEIGHT = (
    (keras.layers.BatchNormalization, "gamma"),
    ((keras.layers.Dense, keras.layers.Conv1D, keras.layers.Conv2D,
      keras.layers.Conv3D, keras.layers.Conv1DTranspose,
      keras.layers.Conv2DTranspose, keras.layers.Conv3DTranspose),
     "kernel"),
)


def output_scale(generator):
    """Return ``(layer, weight)``: the layer that sets the contrast of
    ``generator``'s output, its last layer other than an activation, and
    the weight that scales it: a batch norm's ``gamma``, or a dense or
    convolutional layer's kernel (transposed convolutions included).
    Raise ``ValueError`` naming the layer when it is neither, or when a
    batch norm has no scale."""
    layers = [layer for layer in getattr(generator, "layers", ())
              if not isinstance(layer, (keras.layers.InputLayer,
                                        *ACTIVATIONS))]
    if not layers:
        raise ValueError(f"generator {generator.name!r} has no layer "
                         "whose weights could set its contrast")
    layer = layers[-1]
    for kind, name in SCALED_WEIGHT:
        if isinstance(layer, kind):
            if getattr(layer, name, None) is None:
                raise ValueError(
                    f"generator {generator.name!r}: its output layer "
                    f"{layer.name!r} has no {name} to scale (a batch norm "
                    "built with scale=False)")
            return layer, getattr(layer, name)
    raise ValueError(
        f"generator {generator.name!r}: its output comes from "
        f"{layer.name!r} ({type(layer).__name__}); calibration needs a "
        "batch-norm, dense or convolutional layer there, followed by "
        "activations only")


def match_pixel_variance(generator, real_images, to_pixels=None,
                         samples=SAMPLES, seed=0):
    """Return ``(calibrated, factor)``: a copy of ``generator`` whose
    output scale (``output_scale``) is multiplied by ``factor``, chosen so
    that ``samples`` of its images (``nets.saved.generate`` with ``seed``,
    through ``to_pixels``, the identity by default) have the total pixel
    variance of ``real_images`` (N, ...) to about one part in a million.
    uint8 ``real_images`` are pixels 0-255 standing for the generator's
    [-1, 1] (``image_sets.to_symmetric``), and measured on that scale.

    ``generator`` itself is not changed. ``ValueError`` when the
    generator's output layer has no such scale (``output_scale``), when
    ``real_images`` hold fewer than 2 images, or when no factor in
    [1/4, 4] reaches their variance.
    """
    from ganlab.nets.saved import fresh_copy, generate
    target = total_pixel_variance(real_images)
    if np.asarray(real_images).dtype == np.uint8:
        # x / 127.5 - 1 scales a variance by 1 / 127.5 ** 2
        target /= 127.5 ** 2
    calibrated = fresh_copy(generator)
    layer, weight = output_scale(calibrated)
    layers = list(calibrated.layers)
    # only the output layer and the activations after it depend on the
    # factor: the rest of the network runs once, not once per factor
    activations = layers[layers.index(layer) + 1:]
    before_layer = generate(keras.Model(calibrated.inputs, layer.input),
                            samples, seed)
    original = weight.numpy()
    to_pixels = to_pixels or (lambda output: output)

    def scale_by(factor):
        """Set the output layer's scaling weight to factor x its own."""
        weight.assign(original * factor)

    def variance_at(factor):
        """The samples' total pixel variance with the scale x factor."""
        scale_by(factor)
        output = layer(before_layer, training=False)
        for activation in activations:
            output = activation(output)
        return total_pixel_variance(to_pixels(np.asarray(output)))

    low, high = SMALLEST_FACTOR, LARGEST_FACTOR
    reachable = variance_at(low), variance_at(high)
    if not reachable[0] <= target <= reachable[1]:
        raise ValueError(
            f"real_images vary by {target:.4g} (total pixel variance); the "
            f"generator's samples vary by {reachable[0]:.4g} to "
            f"{reachable[1]:.4g} for scale factors {low:g} to {high:g}, "
            "so no factor matches: are the images in the generator's "
            "pixel range (to_pixels)?")
    for _ in range(BISECTIONS):
        # the variance grows with the scale: the midpoint in log space
        # halves the bracket's ratio
        factor = float(np.sqrt(low * high))
        if variance_at(factor) < target:
            low = factor
        else:
            high = factor
    factor = float(np.sqrt(low * high))
    scale_by(factor)
    return calibrated, factor


def calibrated_and_told(generator, real_images, to_pixels=None):
    """``match_pixel_variance`` with the default sample count and seed,
    the factor printed for the user; return the calibrated copy. The last
    step of ``refine-faces`` and of ``train --calibrate``."""
    calibrated, factor = match_pixel_variance(generator, real_images,
                                              to_pixels)
    print(f"calibrated the generator's contrast: output scale "
          f"x{factor:.4f}, so that its samples vary as much as the "
          "training images", flush=True)
    return calibrated
