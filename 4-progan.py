#!/usr/bin/env python3
"""Task 4: the progressive growing GAN (ProGAN).

Karras et al. 2017 ("Progressive Growing of GANs for Improved Quality,
Stability, and Variation") train a generator and a critic that start at
4x4 pixels and grow, one block at a time, to the full resolution. Coarse
structure is learnt first, on tiny images that train fast; each new block
only has to add detail. The paper's ingredients, all in this file:

- Growing with a fade-in. A new block (upsample, two 3x3 convolutions) is
  blended in: the output is ``(1 - alpha) * upsample(old_rgb) + alpha *
  new_rgb``, with ``alpha`` rising from 0 to 1 over a number of images,
  then a stabilisation phase at ``alpha = 1``. The critic mirrors it, and
  the real images are blended the same way, so both players meet the new
  resolution gradually. At ``alpha = 0`` the grown generator shows exactly
  the previous stage's output, upsampled.
- Equalized learning rate. Weights are drawn from N(0, 1) and multiplied
  at run time by the He constant ``sqrt(2 / fan_in)``. Adam divides each
  update by a running scale of its gradient, so with the constant outside
  the stored weight every layer learns at the same speed.
- Pixelwise feature normalisation in the generator: after each
  convolution, each pixel's feature vector is divided by its root mean
  square, which stops the generator's and critic's magnitudes from
  escalating.
- Minibatch standard deviation in the critic: the standard deviation of
  each feature over the batch, averaged into one number and appended as a
  constant feature map, lets the critic see how varied a batch is, so a
  generator that collapses to a few images is caught.
- The WGAN-GP loss (task 2) with a small drift term ``1e-3 * D(real)^2``
  that keeps the critic's scores near zero. As options: spectral
  normalisation of the critic (Miyato et al. 2018, with Keras's
  ``SpectralNormalization``) and the non-saturating loss with one-sided
  label smoothing.
- Hooks for what came after the paper, each taking a function, so that
  the techniques can live outside this file: ``loss`` may be a pair of
  loss functions (the hinge loss), ``augment`` differentiably augments
  every image the critic sees (DiffAugment), and ``penalty`` adds a term
  such as R1 to the critic's loss (``ProGAN.__init__``).

``GrowthSchedule`` lists the phases (resolution, fade-in or stable, number
of images, batch size); ``ProGAN.enter_phase`` sets both networks to one,
and each phase is one ``fit`` call of ``ProGAN.train_step``. Stage, alpha
and the progress through a phase are variables of the model, so a
checkpoint taken mid-phase resumes exactly where it stopped; the loop
that drives the phases and resumes them is bookkeeping, kept out of this
lesson in ``ganlab.training.growth.grow`` (``main/4-main.py`` runs it).
"""
import math

import numpy as np
import tensorflow as tf
from tensorflow import keras


# ## The equalized learning rate
#
# Adam scales each weight's step by that weight's own gradient scale, so a
# layer whose weights are stored large learns slowly relative to them. The
# layers below store N(0, 1) weights and multiply by the He constant at run
# time: every layer then moves at the same relative speed.


def he_scale(fan_in, gain=2.):
    """Return ``sqrt(gain / fan_in)``: the He constant of an equalized layer.

    ``gain`` 2 suits layers followed by (leaky) ReLU; output layers use 1.
    """
    return math.sqrt(gain / fan_in)


class EqualizedDense(keras.layers.Layer):
    """A dense layer whose N(0, 1) weights are scaled at run time by
    ``sqrt(gain / fan_in)`` (the equalized learning rate)."""

    def __init__(self, units, gain=2., **kwargs):
        """Remember the width and the gain."""
        super().__init__(**kwargs)
        self.units = units
        self.gain = gain

    def build(self, input_shape):
        """Create the unit-variance kernel and a zero bias."""
        fan_in = int(input_shape[-1])
        self.scale = he_scale(fan_in, self.gain)
        self.kernel = self.add_weight(
            shape=(fan_in, self.units), name="kernel",
            initializer=keras.initializers.RandomNormal(0., 1.))
        self.bias = self.add_weight(shape=(self.units,), name="bias",
                                    initializer="zeros")

    def call(self, inputs):
        """Return ``inputs @ (scale * kernel) + bias``."""
        return tf.matmul(inputs, self.kernel * self.scale) + self.bias

    def get_config(self):
        """Return the constructor's arguments."""
        return {**super().get_config(), "units": self.units,
                "gain": self.gain}


class EqualizedConv2D(keras.layers.Layer):
    """A 'same'-padded, stride-1 convolution with an equalized learning
    rate: N(0, 1) kernel times ``sqrt(gain / (size * size * channels_in))``."""

    def __init__(self, filters, kernel_size=3, gain=2., **kwargs):
        """Remember the number of filters, the kernel size and the gain."""
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = kernel_size
        self.gain = gain

    def build(self, input_shape):
        """Create the unit-variance kernel and a zero bias."""
        channels = int(input_shape[-1])
        self.scale = he_scale(self.kernel_size ** 2 * channels, self.gain)
        self.kernel = self.add_weight(
            shape=(self.kernel_size, self.kernel_size, channels,
                   self.filters), name="kernel",
            initializer=keras.initializers.RandomNormal(0., 1.))
        self.bias = self.add_weight(shape=(self.filters,), name="bias",
                                    initializer="zeros")

    def call(self, inputs):
        """Convolve with ``scale * kernel`` and add the bias."""
        return tf.nn.conv2d(inputs, self.kernel * self.scale, 1,
                            "SAME") + self.bias

    def get_config(self):
        """Return the constructor's arguments."""
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "gain": self.gain}


# ## Keeping magnitudes in check, and seeing variety
#
# Two layers with no weights. Pixel normalisation rescales every pixel's
# feature vector of the generator to unit root mean square, so no signal can
# escalate in the game. The minibatch standard deviation gives the critic one
# number saying how varied the batch is, so a collapsed generator shows.


class PixelNormalization(keras.layers.Layer):
    """Divide each pixel's feature vector by its root mean square:
    ``x / sqrt(mean_c(x^2) + epsilon)``."""

    def __init__(self, epsilon=1e-8, **kwargs):
        """Remember the small constant that keeps the division finite."""
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def call(self, inputs):
        """Normalise over the last (feature) axis."""
        return inputs * tf.math.rsqrt(tf.reduce_mean(
            tf.square(inputs), axis=-1, keepdims=True) + self.epsilon)


class MinibatchStdDev(keras.layers.Layer):
    """Append one feature map holding the batch's average standard deviation.

    For each feature at each pixel, the standard deviation over the batch
    is ``sqrt(mean((x - mean(x))^2) + epsilon)``; their average over
    features and pixels is one number, copied to every pixel of every
    example as an extra channel.
    """

    def __init__(self, epsilon=1e-8, **kwargs):
        """Remember the small constant under the square root."""
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def call(self, inputs):
        """Return ``inputs`` with the statistic as one more channel."""
        deviations = inputs - tf.reduce_mean(inputs, axis=0, keepdims=True)
        std = tf.sqrt(tf.reduce_mean(tf.square(deviations), axis=0)
                      + self.epsilon)
        statistic = tf.reduce_mean(std)
        shape = tf.concat([tf.shape(inputs)[:-1], [1]], axis=0)
        return tf.concat([inputs, tf.fill(shape, statistic)], axis=-1)


# ## Changing resolution, and the fade-in
#
# The generator doubles a resolution by repeating pixels, the critic halves
# it by averaging squares. A new block is blended in with alpha: at 0 the
# output is the old block's, upsampled; at 1 the new block's alone.


def upsample(images):
    """Double height and width by repeating pixels (nearest neighbour)."""
    return tf.repeat(tf.repeat(images, 2, axis=1), 2, axis=2)


def downsample(images, factor=2):
    """Shrink height and width by ``factor``, averaging each square."""
    if factor == 1:
        return images
    return tf.nn.avg_pool2d(images, factor, factor, "VALID")


def fade(old, new, alpha):
    """Return ``(1 - alpha) * old + alpha * new``: the fade-in blend.

    Written this way, alpha = 0 gives ``old`` and alpha = 1 gives ``new``
    exactly, to the last bit.
    """
    return (1. - alpha) * old + alpha * new


# ## Networks that grow
#
# Each resolution has its own width (fewer feature maps as images grow, as in
# the paper) and its own block. Both networks create every block up front
# and use those of the current stage only, so all weights exist from the
# start and the optimizers and checkpoints always see the same variables.


def filters_at(resolution, max_filters=512, filter_base=16384):
    """Return the number of feature maps at ``resolution``, as in the
    paper: ``filter_base / resolution``, at most ``max_filters``."""
    return max(1, min(max_filters, filter_base // resolution))


def resolutions_up_to(max_resolution):
    """Return [4, 8, ..., max_resolution]; it must be a power of 2 >= 4."""
    if (not isinstance(max_resolution, (int, np.integer))
            or max_resolution < 4
            or max_resolution & (max_resolution - 1)):
        raise ValueError("max_resolution must be a power of 2 of at least "
                         f"4 (4, 8, ..., 256); got {max_resolution!r}")
    return [2 ** power for power in range(2, int(max_resolution).bit_length())]


class GrowingNetwork(keras.Model):
    """What the generator and the critic share: a stage and a fade-in.

    ``stage`` indexes the resolution (0 for 4x4, 1 for 8x8, ...), a Python
    number because each stage is a different graph; ``fading`` says
    whether the last block is being faded in with weight ``alpha``, a
    variable shared with the ``ProGAN`` that steps it.
    """

    def __init__(self, max_resolution, channels, alpha=None, **kwargs):
        """Keep the sizes and ``alpha``: the variable shared with the other
        network (pass the same one to both), or a new one."""
        super().__init__(**kwargs)
        self.resolutions = resolutions_up_to(max_resolution)
        self.channels = channels
        self.alpha = alpha if alpha is not None else tf.Variable(
            1., trainable=False, name="alpha")
        self.stage = 0
        self.fading = False

    @property
    def resolution(self):
        """The side of the images at the current stage."""
        return self.resolutions[self.stage]

    def set_stage(self, stage, fading=False):
        """Move to ``stage``; ``fading`` blends its newest block in."""
        if not 0 <= stage < len(self.resolutions):
            raise ValueError(f"stage must be in [0, {len(self.resolutions)}"
                             f"); got {stage}")
        if fading and stage == 0:
            raise ValueError("the 4x4 stage has no block to fade in")
        self.stage, self.fading = stage, fading

    def build(self, input_shape=None):
        """Nothing to do: each layer builds on first use, and the
        constructor runs every stage once (``build_every_stage``)."""
        self.built = True

    def build_every_stage(self, example_input):
        """Run once through every stage (fading, so that both colour
        layers of each step are used) so that all weights exist from the
        start: checkpoints and optimizers then see the same variables
        whatever the stage."""
        for stage in range(len(self.resolutions)):
            self.set_stage(stage, fading=stage > 0)
            self(example_input(self.resolutions[stage]))
        self.set_stage(0)

    def active_layers(self):
        """Return the layers the current stage uses."""
        raise NotImplementedError

    def active_variables(self):
        """Return the trainable variables the current stage uses; only
        these get gradients and optimizer updates."""
        return [variable for layer in self.active_layers()
                for variable in layer.trainable_variables]


# ## The generator
#
# A latent vector becomes 4x4 feature maps, then each block upsamples and
# applies two convolutions; a 1x1 "to RGB" convolution per resolution turns
# features into pixels. While a block fades in, the previous resolution's
# image, upsampled, is blended with the new block's.


@keras.utils.register_keras_serializable(package="progan")
class Generator(GrowingNetwork):
    """Latent vectors -> images of the current stage's resolution.

    4x4 base: pixel norm, an equalized dense layer to 4x4 maps, a 3x3
    convolution. Each further block: upsample, two 3x3 convolutions. Every
    convolution is followed by LeakyReLU(0.2) and pixel normalisation. A
    1x1 convolution per resolution ("to RGB") makes the colour channels;
    the output is linear, as in the paper.
    """

    def __init__(self, latent_dim=512, max_resolution=256, channels=3,
                 max_filters=512, filter_base=16384, alpha=None, **kwargs):
        """Create the layers of every resolution and build them."""
        super().__init__(max_resolution, channels, alpha, name="generator",
                         **kwargs)
        self.latent_dim = latent_dim
        self.max_filters, self.filter_base = max_filters, filter_base
        width = [filters_at(size, max_filters, filter_base)
                 for size in self.resolutions]
        self.normalize = PixelNormalization()
        self.activate = keras.layers.LeakyReLU(.2)
        # gain 2/16 spreads the He gain over the 16 pixels the dense layer
        # makes from each input, as the paper's code does
        self.base = [EqualizedDense(4 * 4 * width[0], gain=2. / 16),
                     keras.layers.Reshape((4, 4, width[0])),
                     EqualizedConv2D(width[0])]
        self.blocks = [[EqualizedConv2D(width[stage]),
                        EqualizedConv2D(width[stage])]
                       for stage in range(1, len(self.resolutions))]
        self.to_rgb = [EqualizedConv2D(channels, 1, gain=1.)
                       for _ in self.resolutions]
        self.build_every_stage(lambda size: tf.zeros((1, latent_dim)))

    def get_config(self):
        """Return what rebuilds this generator from a saved ``.keras``
        file: its sizes, its stage and its fade-in weight."""
        return {"latent_dim": self.latent_dim,
                "max_resolution": self.resolutions[-1],
                "channels": self.channels, "max_filters": self.max_filters,
                "filter_base": self.filter_base, "stage": self.stage,
                "fading": self.fading, "alpha": float(self.alpha.numpy())}

    @classmethod
    def from_config(cls, config):
        """Build a generator from ``get_config``'s dict."""
        config = dict(config)
        stage, fading = config.pop("stage"), config.pop("fading")
        alpha = tf.Variable(config.pop("alpha"), trainable=False,
                            name="alpha")
        generator = cls(alpha=alpha, **config)
        generator.set_stage(stage, fading)
        return generator

    def features(self, latent, stage):
        """Return the feature maps at ``stage``'s resolution."""
        dense, reshape, convolution = self.base
        values = self.normalize(self.activate(
            reshape(dense(self.normalize(latent)))))
        values = self.normalize(self.activate(convolution(values)))
        for grown in range(1, stage + 1):
            values = self.block(values, grown)
        return values

    def block(self, values, stage):
        """Apply the block that doubles the previous resolution to
        ``stage``'s: upsample, then two convolutions."""
        values = upsample(values)
        for convolution in self.blocks[stage - 1]:
            values = self.normalize(self.activate(convolution(values)))
        return values

    def call(self, latent, training=False):
        """Return images at the current resolution; while fading, the
        upsampled previous stage's image blended with the new one."""
        if not self.fading:
            return self.to_rgb[self.stage](self.features(latent, self.stage))
        previous = self.features(latent, self.stage - 1)
        old = upsample(self.to_rgb[self.stage - 1](previous))
        new = self.to_rgb[self.stage](self.block(previous, self.stage))
        return fade(old, new, self.alpha)

    def active_layers(self):
        """The base, the blocks up to the stage, and its colour layer(s)."""
        layers = [self.base[0], self.base[2], self.to_rgb[self.stage]]
        layers += [layer for block in self.blocks[:self.stage]
                   for layer in block]
        if self.fading:
            layers.append(self.to_rgb[self.stage - 1])
        return layers


# ## The critic
#
# The generator's mirror image: "from RGB" turns pixels into features, each
# block applies two convolutions and halves the resolution down to 4x4,
# where the minibatch standard deviation joins before the score. Fading in,
# it blends the new block's features with those of the halved image.


class Critic(GrowingNetwork):
    """Images of the current stage's resolution -> one score each.

    The generator's mirror image: a 1x1 convolution per resolution ("from
    RGB"), then blocks of two 3x3 convolutions and a 2x2 average pool down
    to 4x4, where the minibatch standard deviation is appended before a
    last 3x3 convolution and two dense layers. With ``spectral_norm``,
    every convolution and dense layer is a plain Keras layer wrapped in
    ``keras.layers.SpectralNormalization`` instead of an equalized one
    (the normalisation divides the stored kernel by its largest singular
    value, which would undo the He constant). ``minibatch_std``: the layer
    that appends the statistic (default ``MinibatchStdDev()``; a trainer
    on several devices passes one that takes it over the whole batch).
    """

    def __init__(self, max_resolution=256, channels=3, max_filters=512,
                 filter_base=16384, spectral_norm=False, alpha=None,
                 minibatch_std=None, **kwargs):
        """Create the layers of every resolution and build them."""
        super().__init__(max_resolution, channels, alpha, name="critic",
                         **kwargs)
        self.spectral_norm = spectral_norm
        width = [filters_at(size, max_filters, filter_base)
                 for size in self.resolutions]
        self.activate = keras.layers.LeakyReLU(.2)
        self.from_rgb = [self.convolution(width[stage], 1)
                         for stage in range(len(self.resolutions))]
        self.blocks = [[self.convolution(width[stage]),
                        self.convolution(width[stage - 1])]
                       for stage in range(1, len(self.resolutions))]
        self.minibatch_std = minibatch_std or MinibatchStdDev()
        self.head = [self.convolution(width[0]), keras.layers.Flatten(),
                     self.dense(width[0]), self.dense(1, gain=1.)]
        self.build_every_stage(
            lambda size: tf.zeros((2, size, size, channels)))

    def convolution(self, filters, size=3):
        """Return a 'same' convolution, equalized or spectrally normed."""
        if self.spectral_norm:
            return keras.layers.SpectralNormalization(
                keras.layers.Conv2D(filters, size, padding="same"))
        return EqualizedConv2D(filters, size)

    def dense(self, units, gain=2.):
        """Return a dense layer, equalized or spectrally normed."""
        if self.spectral_norm:
            return keras.layers.SpectralNormalization(
                keras.layers.Dense(units))
        return EqualizedDense(units, gain=gain)

    def call(self, images, training=False):
        """Return one score per image at the current resolution."""
        values = self.activate(self.from_rgb[self.stage](
            images, training=training))
        if self.stage > 0:
            values = self.block(values, self.stage, training)
            if self.fading:
                old = self.activate(self.from_rgb[self.stage - 1](
                    downsample(images), training=training))
                values = fade(old, values, self.alpha)
        for stage in range(self.stage - 1, 0, -1):
            values = self.block(values, stage, training)
        values = self.minibatch_std(values)
        convolution, flatten, dense, score = self.head
        values = self.activate(convolution(values, training=training))
        values = self.activate(dense(flatten(values), training=training))
        return score(values, training=training)

    def block(self, values, stage, training):
        """Apply the block that takes ``stage``'s resolution to half."""
        for convolution in self.blocks[stage - 1]:
            values = self.activate(convolution(values, training=training))
        return downsample(values)

    def active_layers(self):
        """The head, the blocks up to the stage, and its colour layer(s)."""
        layers = [self.head[0], self.head[2], self.head[3],
                  self.from_rgb[self.stage]]
        layers += [layer for block in self.blocks[:self.stage]
                   for layer in block]
        if self.fading:
            layers.append(self.from_rgb[self.stage - 1])
        return layers


def build_networks(latent_dim=512, max_resolution=256, channels=3,
                   spectral_norm=False, minibatch_std=None, **filters):
    """Return ``(generator, critic)`` growing to ``max_resolution``, with
    one ``alpha`` between them, so that both fade a new block in alike.
    ``filters`` (``max_filters``, ``filter_base``) size both;
    ``spectral_norm`` and ``minibatch_std`` are the critic's."""
    generator = Generator(latent_dim, max_resolution, channels, **filters)
    return generator, Critic(max_resolution, channels,
                             spectral_norm=spectral_norm,
                             alpha=generator.alpha,
                             minibatch_std=minibatch_std, **filters)


# ## The losses
#
# The default is task 2's WGAN-GP: the Wasserstein losses, the gradient
# penalty at points between real and fake images, and a small drift term
# that keeps real scores near zero. The non-saturating loss of task 5, with
# one-sided label smoothing, is the option.


def wasserstein_critic_loss(real_scores, fake_scores):
    """Return mean(D(fake)) - mean(D(real)) (task 2's critic loss)."""
    return tf.reduce_mean(fake_scores) - tf.reduce_mean(real_scores)


def drift_penalty(real_scores):
    """Return mean(D(real)^2): keeps the critic's scores from drifting far
    from zero, which the Wasserstein loss alone does not forbid."""
    return tf.reduce_mean(tf.square(real_scores))


def computed_together(gradients):
    """Return ``gradients``, each made available only once all are done
    (None, for a variable the loss does not reach, stays None).

    In one graph an optimizer may move a weight as soon as its own
    gradient is ready, while a gradient still on its way back through
    that weight reads it. With the drift term, TensorFlow 2.21 was seen
    computing the first layer's gradient with the last layer already
    moved (now and then, not every run): the control dependency makes
    every update wait for every gradient."""
    with tf.control_dependencies([gradient for gradient in gradients
                                  if gradient is not None]):
        return [None if gradient is None else tf.identity(gradient)
                for gradient in gradients]


def gradient_penalty(critic, real_images, fake_images, mix):
    """Return mean((||grad D(x_hat)|| - 1)^2) at the points
    ``x_hat = mix * real + (1 - mix) * fake`` (``mix`` is one U(0, 1)
    number per example, shaped to broadcast)."""
    interpolated = fake_images + mix * (real_images - fake_images)
    with tf.GradientTape() as tape:
        tape.watch(interpolated)
        scores = critic(interpolated, training=True)
    gradients = tape.gradient(scores, interpolated)
    # The 1e-12 inside the square root is for the backward pass: the
    # derivative of sqrt(s) is 1 / (2 sqrt(s)), infinite at s = 0, so a
    # gradient that is exactly zero would give inf * 0 = NaN and spread it
    # to every critic weight. Added to a squared norm of 1e-4 or more,
    # 1e-12 vanishes in float32 rounding: the penalty's value is unchanged.
    norms = tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=[1, 2, 3])
                    + 1e-12)
    return tf.reduce_mean(tf.square(norms - 1.))


def nonsaturating_critic_loss(real_logits, fake_logits, real_label=.9):
    """Return BCE(real_label, D(real)) + BCE(0, D(fake)) on logits: the
    original game with one-sided label smoothing."""
    real = tf.nn.sigmoid_cross_entropy_with_logits(
        labels=tf.fill(tf.shape(real_logits), real_label),
        logits=real_logits)
    fake = tf.nn.sigmoid_cross_entropy_with_logits(
        labels=tf.zeros_like(fake_logits), logits=fake_logits)
    return tf.reduce_mean(real) + tf.reduce_mean(fake)


def nonsaturating_generator_loss(fake_logits):
    """Return BCE(1, D(fake)): the generator wants to be called real."""
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
        labels=tf.ones_like(fake_logits), logits=fake_logits))


# ## The growth schedule
#
# Training is a list of phases: 4x4 stable, then for each larger resolution
# a fade-in (alpha from 0 to 1) and a stable phase, each a number of real
# images at a batch size that shrinks as images grow.


class Phase:
    """One phase of growth: a resolution, whether its newest block is
    fading in, how many real images it shows, and the batch size."""

    def __init__(self, stage, resolution, fading, images, batch_size):
        """Keep the phase's settings."""
        self.stage = stage
        self.resolution = resolution
        self.fading = fading
        self.images = images
        self.batch_size = batch_size

    def __repr__(self):
        """Say e.g. ``Phase(16x16 fade-in, 8000 images, batch 32)``."""
        kind = "fade-in" if self.fading else "stable"
        return (f"Phase({self.resolution}x{self.resolution} {kind}, "
                f"{self.images} images, batch {self.batch_size})")


class GrowthSchedule:
    """The phases of a progressive run, from 4x4 to ``max_resolution``.

    4x4 has one stable phase; every larger resolution a fade-in phase of
    ``fade_images`` then a stable phase of ``stable_images`` real images.
    ``batch_sizes`` maps a resolution to its batch size; missing entries
    take the paper's sizes (16 up to 128x128, 14 at 256x256), shrunk so
    memory stays bounded as images grow.
    """

    PAPER_BATCH_SIZES = {4: 16, 8: 16, 16: 16, 32: 16, 64: 16, 128: 16,
                         256: 14}

    def __init__(self, max_resolution=256, fade_images=800_000,
                 stable_images=800_000, batch_sizes=None):
        """Lay out the phases; counts and sizes must be positive."""
        self.resolutions = resolutions_up_to(max_resolution)
        for name, value in (("fade_images", fade_images),
                            ("stable_images", stable_images)):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive integer; got "
                                 f"{value!r}")
        sizes = {size: self.PAPER_BATCH_SIZES.get(size, 8)
                 for size in self.resolutions}
        sizes.update(batch_sizes or {})
        for size, batch in sizes.items():
            if not isinstance(batch, (int, np.integer)) or batch < 2:
                raise ValueError("batch_sizes must map resolutions to "
                                 "integers >= 2 (the minibatch standard "
                                 f"deviation needs two); got {size}: "
                                 f"{batch!r}")
        self.phases = [Phase(0, 4, False, stable_images, sizes[4])]
        for stage, size in enumerate(self.resolutions[1:], start=1):
            self.phases += [Phase(stage, size, True, fade_images, sizes[size]),
                            Phase(stage, size, False, stable_images,
                                  sizes[size])]

    @classmethod
    def cpu_preset(cls, max_resolution=16):
        """A small schedule that grows to 16x16 in minutes on 2 cores."""
        return cls(max_resolution, fade_images=6_000, stable_images=6_000,
                   batch_sizes={size: 32 for size in
                                resolutions_up_to(max_resolution)})

    @property
    def max_resolution(self):
        """The resolution of the last phase."""
        return self.resolutions[-1]


# ## The model and its training step
#
# As in tasks 0-2: a keras.Model holding the two networks, each with its own
# optimizer, and a train_step that updates the critic, then the generator.
# Only the current stage's variables get gradients. The step also counts the
# images seen in the phase, from which alpha rises through a fade-in.


class ProGAN(keras.Model):
    """A progressively growing GAN trained phase by phase with ``fit``.

    ``train_step`` makes one critic update and one generator update on a
    batch of real images at the schedule's full resolution (they are
    shrunk to the current one, and blended while a block fades in), and
    returns ``discr_loss``, ``gen_loss`` and ``alpha`` (and ``gp`` for the
    Wasserstein loss, ``penalty`` when one is given), the names of tasks
    0-2. ``phase`` is the phase being trained (None before the first
    ``enter_phase``). All the step's own randomness comes from the model's
    own ``tf.random.Generator``, whose state is saved with the rest; an
    ``augment`` function brings its own (see ``__init__``).
    """

    LOSSES = ("wgan-gp", "nonsaturating")

    def __init__(self, generator, critic, loss="wgan-gp", learning_rate=1e-3,
                 beta_1=0., beta_2=.99, lambda_gp=10., drift=1e-3,
                 real_label=.9, seed=0, augment=None, penalty=None):
        """Keep the networks (which must share one ``alpha`` variable) and
        give each its own Adam optimizer with the paper's settings.

        As in tasks 0-2, the critic is kept as ``discriminator`` and each
        network holds its optimizer (``generator.optimizer``,
        ``discriminator.optimizer``): the names the other lessons and the
        package's checkpoints and monitors use.

        ``loss``: "wgan-gp", "nonsaturating", or a pair of functions
        ``(critic_loss(real_scores, fake_scores), generator_loss(
        fake_scores))`` such as the hinge loss; a pair gets neither the
        gradient penalty nor the drift term. ``augment``: None or a
        differentiable function of a batch of images, applied to the real
        images (after they are brought to the stage's resolution) and to
        every fake batch before the critic sees them, in both updates; a
        Keras layer is called with ``training=True``. It draws its own
        random numbers, not from ``rng``: an exactly resumed run then also
        needs its random state (a ``keras.random.SeedGenerator``'s
        ``state`` variable) in the checkpoint. ``penalty``: None or a
        function ``(critic, real_images) -> scalar`` added to the critic's
        loss before it is differentiated (R1, say), on the real images as
        the critic sees them; logged as ``penalty``, while ``discr_loss``
        stays the loss without it."""
        super().__init__()
        if isinstance(loss, str) and loss in self.LOSSES:
            loss_pair = None
        elif (isinstance(loss, (tuple, list)) and len(loss) == 2
                and all(callable(function) for function in loss)):
            loss_pair = tuple(loss)
        else:
            raise ValueError(f"loss must be one of {self.LOSSES} or a pair "
                             f"of functions (critic_loss(real_scores, "
                             f"fake_scores), generator_loss(fake_scores));"
                             f" got {loss!r}")
        for name, hook in (("augment", augment), ("penalty", penalty)):
            if hook is not None and not callable(hook):
                raise TypeError(f"{name} must be None or a function; got "
                                f"{type(hook).__name__}")
        if generator.alpha is not critic.alpha:
            raise ValueError("generator and critic must share one alpha "
                             "variable (pass alpha= to both)")
        if generator.resolutions != critic.resolutions:
            raise ValueError("generator and critic must grow to the same "
                             f"resolution; got {generator.resolutions[-1]}"
                             f" and {critic.resolutions[-1]}")
        if not 0 < real_label <= 1:
            raise ValueError(f"real_label must be in (0, 1]; got "
                             f"{real_label}")
        self.generator = generator
        self.discriminator = critic
        # "custom" names a pair of loss functions
        self.loss_name = loss if loss_pair is None else "custom"
        self.loss_pair = loss_pair
        self.augment = augment
        self.penalty = penalty
        self.lambda_gp = lambda_gp
        self.drift = drift
        self.real_label = real_label
        for network in (generator, critic):
            network.optimizer = keras.optimizers.Adam(
                learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=1e-8)
            # Built now, for every stage's variables: a checkpoint restores
            # into them, and no stage creates new ones mid-run.
            network.optimizer.build(network.trainable_variables)
        self.alpha = generator.alpha
        # where training stands, saved in checkpoints: the phase, the
        # images seen in it (which set alpha) and the steps taken
        self.phase_index = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.phase_images = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.steps_done = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.rng = tf.random.Generator.from_seed(seed)
        self.phase = None
        self.fade_images = 1
        self.built = True

    @property
    def latent_dim(self):
        """The generator's latent dimension."""
        return self.generator.latent_dim

    @property
    def stage(self):
        """The current stage (0 for 4x4)."""
        return self.generator.stage

    def state(self):
        """Return the progress a resumed run needs beyond the networks,
        their optimizers and ``rng`` (which ``ganlab.training.checkpoints``
        saves for every GAN): alpha, the phase and the progress through it,
        and the step count, for ``tf.train.Checkpoint``."""
        return {"alpha": self.alpha, "phase_index": self.phase_index,
                "phase_images": self.phase_images,
                "steps_done": self.steps_done}

    def enter_phase(self, phase):
        """Set both networks to ``phase``; alpha follows the images seen
        in it (so a resumed phase picks up its alpha). The step function
        is traced anew, since each stage is a different graph."""
        self.phase = phase
        self.generator.set_stage(phase.stage, phase.fading)
        self.discriminator.set_stage(phase.stage, phase.fading)
        self.fade_images = phase.images if phase.fading else 0
        self.alpha.assign(self.alpha_after(int(self.phase_images.numpy())))
        self.train_function = None

    def alpha_after(self, images):
        """Return the fade-in weight after ``images`` images of the phase."""
        if not self.fade_images:
            return 1.
        return min(1., images / self.fade_images)

    def get_fake_sample(self, size, training=False):
        """Return ``size`` generated images at the current resolution."""
        latent = self.rng.normal((size, self.latent_dim))
        return self.generator(latent, training=training)

    def get_mix(self, size):
        """Return ``size`` mixing weights for the gradient penalty, one
        u ~ U(0, 1) per image, shaped (size, 1, 1, 1)."""
        return self.rng.uniform((size, 1, 1, 1))

    def count_step(self, batch_size):
        """Count one step of ``batch_size`` images; alpha follows the
        images seen in the phase."""
        self.phase_images.assign_add(tf.cast(batch_size, tf.int64))
        self.steps_done.assign_add(1)
        if self.fade_images:
            self.alpha.assign(tf.minimum(1., tf.cast(
                self.phase_images, tf.float32) / self.fade_images))

    def real_at_stage(self, images):
        """Shrink full-resolution real images to the current resolution;
        while fading, blend in their blurrier previous-stage version as
        the generator's output is blended."""
        full = images.shape[1]
        images = downsample(images, full // self.generator.resolution)
        if self.generator.fading:
            images = fade(upsample(downsample(images)), images, self.alpha)
        return images

    def seen(self, images):
        """Return ``images`` as the critic sees them in training: through
        ``augment`` when there is one."""
        if self.augment is None:
            return images
        if isinstance(self.augment, keras.layers.Layer):
            return self.augment(images, training=True)
        return self.augment(images)

    def train_step(self, real_images):
        """One critic update, one generator update, then advance alpha."""
        if isinstance(real_images, tuple):
            real_images = real_images[0]
        real_images = self.seen(self.real_at_stage(real_images))
        batch_size = tf.shape(real_images)[0]
        wasserstein = self.loss_name == "wgan-gp"

        # from rng, in this order: latent vectors, then mixing weights. The
        # critic's update differentiates the critic alone, so the fakes can
        # be made before its tape starts.
        fake_images = self.seen(self.get_fake_sample(batch_size,
                                                     training=True))
        mix = self.get_mix(batch_size)
        variables = self.discriminator.active_variables()
        with tf.GradientTape() as tape:
            real_scores = self.discriminator(real_images, training=True)
            fake_scores = self.discriminator(fake_images, training=True)
            if wasserstein:
                discr_loss = wasserstein_critic_loss(real_scores,
                                                     fake_scores)
                gp = gradient_penalty(self.discriminator, real_images,
                                      fake_images, mix)
                penalised = (discr_loss + self.lambda_gp * gp
                             + self.drift * drift_penalty(real_scores))
            elif self.loss_pair is not None:
                discr_loss = penalised = self.loss_pair[0](real_scores,
                                                           fake_scores)
            else:
                discr_loss = penalised = nonsaturating_critic_loss(
                    real_scores, fake_scores, self.real_label)
            if self.penalty is not None:
                penalty = self.penalty(self.discriminator, real_images)
                penalised = penalised + penalty
        self.discriminator.optimizer.apply_gradients(
            zip(computed_together(tape.gradient(penalised, variables)),
                variables))

        variables = self.generator.active_variables()
        with tf.GradientTape() as tape:
            fake_scores = self.discriminator(
                self.seen(self.get_fake_sample(batch_size, training=True)),
                training=True)
            if wasserstein:
                gen_loss = -tf.reduce_mean(fake_scores)
            elif self.loss_pair is not None:
                gen_loss = self.loss_pair[1](fake_scores)
            else:
                gen_loss = nonsaturating_generator_loss(fake_scores)
        self.generator.optimizer.apply_gradients(
            zip(tape.gradient(gen_loss, variables), variables))

        # the alpha this step used, copied before it advances below
        logs = {"discr_loss": discr_loss, "gen_loss": gen_loss,
                "alpha": self.alpha + 0.}
        self.count_step(batch_size)
        if wasserstein:
            logs["gp"] = gp
        if self.penalty is not None:
            logs["penalty"] = penalty
        return logs


# ## Training through the schedule
#
# Each phase is one fit call: enter_phase sets both networks to it, then
# fit runs train_step on full-resolution real batches until the phase's
# images are seen. Keeping a long run stoppable (starting from the saved
# phase, feeding the batches an uninterrupted run would have seen) is
# bookkeeping rather than the idea, so it lives in the package:
# ganlab.training.growth.grow(gan, images, schedule), which main/4-main.py
# and python -m ganlab train --model progan use.
