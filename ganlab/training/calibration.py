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

When the generator ends in a batch-norm layer followed only by an
activation (task 3's does: a one-channel convolution, batch norm, tanh),
that layer's scale ``gamma`` sets the contrast of every sample, and one
number corrects it: ``match_pixel_variance`` multiplies ``gamma`` by the
factor that makes the samples' total pixel variance equal the training
images', found by bisection. Nothing else changes: the latent vectors,
the mean image and the shapes the generator draws stay as they were.

Fitted on training images only, with no feature network involved, it is
a measurement of the training set, as ``with_own_batch_statistics``
measures activations: no held-out image or quality score chooses the
factor. It is the last step of ``python -m ganlab refine-faces``.
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


def output_batch_norm(generator):
    """Return the batch-norm layer that sets the contrast of
    ``generator``'s output: its last one, when only activation layers
    follow it. Raise ``ValueError`` naming what stands in the way."""
    layers = list(getattr(generator, "layers", ()))
    positions = [index for index, layer in enumerate(layers)
                 if isinstance(layer, keras.layers.BatchNormalization)]
    if not positions:
        raise ValueError(f"generator {generator.name!r} has no batch-norm "
                         "layer whose scale could set its contrast")
    layer = layers[positions[-1]]
    after = [other for other in layers[positions[-1] + 1:]
             if not isinstance(other, keras.layers.Activation)]
    if after:
        raise ValueError(
            f"generator {generator.name!r}: its last batch-norm layer "
            f"{layer.name!r} is followed by {after[0].name!r} "
            f"({type(after[0]).__name__}); calibration needs only "
            "activations between it and the output")
    if not layer.scale:
        raise ValueError(f"generator {generator.name!r}: batch-norm layer "
                         f"{layer.name!r} has no scale (scale=False)")
    return layer


def match_pixel_variance(generator, real_images, to_pixels=None,
                         samples=SAMPLES, seed=0):
    """Return ``(calibrated, factor)``: a copy of ``generator`` whose
    output batch-norm scale is multiplied by ``factor``, chosen so that
    ``samples`` of its images (``nets.saved.generate`` with ``seed``,
    through ``to_pixels``, the identity by default) have the total pixel
    variance of ``real_images`` (N, ...) to about one part in a million.

    ``generator`` itself is not changed. ``ValueError`` when the
    generator has no batch norm right before its output
    (``output_batch_norm``), when ``real_images`` hold fewer than 2
    images, or when no factor in [1/4, 4] reaches their variance.
    """
    from ganlab.nets.saved import fresh_copy, generate
    target = total_pixel_variance(real_images)
    calibrated = fresh_copy(generator)
    layer = output_batch_norm(calibrated)
    layers = list(calibrated.layers)
    # only the batch norm and the activations after it depend on the
    # factor: the rest of the network runs once, not once per factor
    activations = layers[layers.index(layer) + 1:]
    before_layer = generate(keras.Model(calibrated.inputs, layer.input),
                            samples, seed)
    gamma = layer.gamma.numpy()
    to_pixels = to_pixels or (lambda output: output)

    def variance_at(factor):
        """The samples' total pixel variance with the scale x factor."""
        layer.gamma.assign(gamma * factor)
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
    layer.gamma.assign(gamma * factor)
    return calibrated, factor
