#!/usr/bin/env python3
"""Task 5: a DCGAN for 32x32 colour images (CIFAR-10), kept stable.

Radford et al. 2016 ("Unsupervised Representation Learning with Deep
Convolutional GANs") found the recipe that made convolutional GANs train:
strided (transposed) convolutions instead of pooling, batch normalisation
in the generator, ReLU in the generator and LeakyReLU in the
discriminator, tanh at the generator's output, Adam with beta_1 = .5.

The game is the original one (Goodfellow et al. 2014) with the
non-saturating generator loss, written as binary cross-entropy on the
discriminator's logits:

    discriminator: BCE(real_label, D(x)) + BCE(0, D(G(z)))
    generator:     BCE(1, D(G(z)))

Three practices keep it from diverging or collapsing:

- one-sided label smoothing (Salimans et al. 2016): real images are
  labelled .9 rather than 1, so the discriminator never becomes certain
  and its gradients stay useful; fakes keep the label 0;
- two time-scale learning rates (Heusel et al. 2017): the discriminator
  learns faster (4e-4) than the generator (1e-4), so the generator always
  faces a nearly optimal opponent;
- dropout (0.4) in the discriminator, which keeps it from memorising the
  training images.

Unlike tasks 0-3, ``fit`` hands ``train_step`` real batches from a
dataset, and light augmentation (random flips and small shifts) is applied
to them inside the graph.

Both networks can run in bfloat16 mixed precision
(``ganlab.nets.precision.use_bfloat16(network)``, as ``main/5-main.py
--bfloat16`` does): the hidden layers then compute in bfloat16 while the
weights stay float32, and the output layers stay float32, so the tanh
images and the logits fed to the losses keep full precision. On CPUs with
bfloat16 instructions it trains about a third faster
(``benchmarks/dcgan_speed.py``); the default stays float32.

Current GANs add spectral normalisation of the discriminator
(``build_networks(spectral_norm=True)``), the hinge loss, differentiable
augmentation and the R1 penalty; the model takes the last three as
functions (``loss``, ``augment``, ``penalty``), described with the model.
"""
import numbers

import tensorflow as tf
from tensorflow import keras


# ## The two networks
#
# The generator turns a latent vector into 4x4 feature maps and doubles
# their size three times with strided transposed convolutions, each followed
# by batch norm and ReLU; tanh makes the pixels. The discriminator mirrors it
# with strided convolutions, LeakyReLU and dropout, down to one logit.


def build_generator(latent_dim=100, filters=(512, 256, 128)):
    """Return the generator: latent vectors -> (32, 32, 3) in (-1, 1).

    A dense layer makes 4x4 maps of ``filters[0]`` features; each
    transposed convolution doubles the size (4 -> 8 -> 16) with batch norm
    and ReLU; the last one makes 32x32 RGB through tanh.
    """
    latent = keras.Input(shape=(latent_dim,))
    values = keras.layers.Dense(4 * 4 * filters[0], use_bias=False)(latent)
    values = keras.layers.BatchNormalization()(values)
    values = keras.layers.ReLU()(
        keras.layers.Reshape((4, 4, filters[0]))(values))
    for width in filters[1:]:
        values = keras.layers.Conv2DTranspose(width, 4, strides=2,
                                              padding="same",
                                              use_bias=False)(values)
        values = keras.layers.ReLU()(
            keras.layers.BatchNormalization()(values))
    images = keras.layers.Conv2DTranspose(3, 4, strides=2, padding="same",
                                          activation="tanh")(values)
    return keras.Model(latent, images, name="generator")


def build_discriminator(filters=(128, 256, 512), dropout=.4,
                        spectral_norm=False):
    """Return the discriminator: (32, 32, 3) images -> one logit each.

    Each strided convolution halves the size (32 -> 16 -> 8 -> 4) and is
    followed by LeakyReLU and dropout; a dense layer gives the logit.
    With ``spectral_norm``, every convolution and the dense layer are
    wrapped in ``keras.layers.SpectralNormalization`` (see below).
    """
    if not isinstance(spectral_norm, bool):
        raise TypeError(f"spectral_norm must be True or False; got "
                        f"{spectral_norm!r}")
    normed = (keras.layers.SpectralNormalization if spectral_norm
              else lambda layer: layer)
    image = keras.Input(shape=(32, 32, 3))
    values = image
    for width in filters:
        values = normed(keras.layers.Conv2D(width, 4, strides=2,
                                            padding="same"))(values)
        values = keras.layers.LeakyReLU(.2)(values)
        values = keras.layers.Dropout(dropout)(values)
    logit = normed(keras.layers.Dense(1))(keras.layers.Flatten()(values))
    return keras.Model(image, logit, name="discriminator")


# ### Spectral normalisation, as an option
#
# Miyato et al. 2018 ("Spectral Normalization for GANs", SNGAN) divide each
# layer's kernel by its largest singular value, estimated by one step of
# power iteration per training call, so that no layer stretches its input
# by more than a factor 1 and the discriminator stays smooth. Keras has it
# as a wrapper layer; it updates its estimate only when called with
# training=True, as train_step below does. SNGAN's discriminator has no
# batch normalisation, whose division by the batch's spread would undo the
# bound; this one has none to drop. Its dropout stays: scaling the kept
# units by 1 / (1 - rate) changes the bound by that constant factor only.
# With the hinge loss (pass loss= a pair of functions, below) this is the
# SNGAN recipe.


def build_networks(filters=(128, 256, 512), latent_dim=100,
                   spectral_norm=False):
    """Return ``(generator, discriminator)`` with mirrored widths:
    ``filters`` are the discriminator's, the generator uses them in
    reverse; ``spectral_norm`` is the discriminator's option."""
    return (build_generator(latent_dim, tuple(filters)[::-1]),
            build_discriminator(filters, spectral_norm=spectral_norm))


# ## The two losses
#
# Binary cross-entropy on logits, written with TensorFlow's stable sigmoid
# cross-entropy. The discriminator wants real images called real_label (.9,
# one-sided smoothing) and fakes 0; the generator wants its fakes called 1,
# the non-saturating form that still pulls when the discriminator is sure.


def discriminator_loss(real_logits, fake_logits, real_label=.9):
    """Return BCE(real_label, D(real)) + BCE(0, D(fake)), on logits."""
    real_loss = tf.nn.sigmoid_cross_entropy_with_logits(
        labels=tf.fill(tf.shape(real_logits), real_label),
        logits=real_logits)
    fake_loss = tf.nn.sigmoid_cross_entropy_with_logits(
        labels=tf.zeros_like(fake_logits), logits=fake_logits)
    return tf.reduce_mean(real_loss) + tf.reduce_mean(fake_loss)


def generator_loss(fake_logits):
    """Return BCE(1, D(fake)): the non-saturating generator loss."""
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
        labels=tf.ones_like(fake_logits), logits=fake_logits))


# ## Augmenting the real images
#
# Random flips and small shifts, applied to each real batch inside the graph,
# show the discriminator a slightly different data set every epoch, so it is
# slower to memorise the training images.


def augment(images, max_shift=2):
    """Flip each image left-right at random and shift it by up to
    ``max_shift`` pixels each way (edges padded by reflection)."""
    count = tf.shape(images)[:1]
    flips = tf.random.uniform(count) < .5
    shifts = tf.random.uniform(tf.concat([count, [2]], 0), -max_shift,
                               max_shift + 1, dtype=tf.int32)
    return flip_and_shift(images, flips, shifts, max_shift)


def flip_and_shift(images, flips, shifts, max_shift=2):
    """Flip the images where ``flips`` (one bool each) is True, then move
    each by its ``shifts`` row (rows down, columns right, each within
    ``max_shift``), filling the edges by reflection.

    The random choices are arguments, so that whoever draws them decides
    how: ``augment`` above, or a trainer on several devices that draws
    them once for the whole batch.
    """
    images = tf.where(flips[:, None, None, None],
                      tf.reverse(images, axis=[2]), images)
    padded = tf.pad(images, [[0, 0], [max_shift, max_shift],
                             [max_shift, max_shift], [0, 0]],
                    mode="REFLECT")
    # each image's rows, then columns, gathered from its padded copy
    rows = tf.range(tf.shape(images)[1])[None] + max_shift - shifts[:, :1]
    columns = (tf.range(tf.shape(images)[2])[None] + max_shift
               - shifts[:, 1:])
    padded = tf.gather(padded, rows, axis=1, batch_dims=1)
    return tf.gather(padded, columns, axis=2, batch_dims=1)


# ## The model
#
# A keras.Model that holds the two networks as attributes, each with its own
# Adam optimizer, as in tasks 0-2; here the two learning rates differ (the
# two time scales). Unlike tasks 0-2 the model draws no data of its own: fit
# hands train_step each batch of real images.
#
# Three hooks let newer techniques in without changing the lesson; each takes
# a function, so the techniques can live elsewhere (the ganlab package
# supplies them: ``DiffAugment``, the hinge pair, ``r1_penalty``):
#
# - ``augment``: a differentiable function of a batch of images (Zhao et al.
#   2020, "Differentiable Augmentation"). It is applied to the real batch and
#   to every fake batch each time the discriminator sees one, in both
#   updates, so the discriminator never sees an unaugmented image and the
#   generator's gradient passes back through the augmentation. A Keras layer
#   is called with ``training=True``. Unlike the flips of
#   ``augmentation=True``, which change only the real images, it may change
#   what an image looks like (colour, cut-outs), which is safe only because
#   the fakes are changed alike.
# - ``loss``: "nonsaturating" (the two losses above), or a pair of functions
#   ``(discriminator_loss(real_logits, fake_logits), generator_loss(
#   fake_logits))``, such as the hinge loss.
# - ``penalty``: a function ``(discriminator, real_images) -> scalar`` added
#   to the discriminator's loss before it is differentiated, such as R1
#   (Mescheder et al. 2018); it sees the real images as the discriminator
#   does, augmented. As for task 2's gradient penalty, the logged
#   ``discr_loss`` is the loss without it; the penalty is logged beside it.


class DCGAN(keras.Model):
    """A DCGAN trained by ``fit`` on batches of real images in [-1, 1].

    ``train_step`` makes one discriminator update and one generator update
    per batch and returns ``discr_loss`` and ``gen_loss``, the names of
    tasks 0-2, and ``penalty`` when one is given. As there, each network
    holds its own optimizer (``generator.optimizer``,
    ``discriminator.optimizer``).
    """

    def __init__(self, generator, discriminator, latent_dim=100,
                 generator_learning_rate=1e-4,
                 discriminator_learning_rate=4e-4, beta_1=.5,
                 real_label=.9, augmentation=True, augment=None,
                 loss="nonsaturating", penalty=None):
        """Keep the networks, and give each its own Adam optimizer: the
        two time scales are two learning rates. ``augment``, ``loss`` and
        ``penalty`` are the hooks described above."""
        super().__init__()
        if not 0 < real_label <= 1:
            raise ValueError(f"real_label must be in (0, 1]; got "
                             f"{real_label}")
        check_networks(generator, discriminator, latent_dim)
        self.discriminator_loss_fn, self.generator_loss_fn = check_loss(
            loss, real_label)
        check_hooks(augment, penalty)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.real_label = real_label
        self.augmentation = augmentation
        self.augment = augment
        self.penalty = penalty
        self.generator.optimizer = keras.optimizers.Adam(
            generator_learning_rate, beta_1=beta_1)
        self.discriminator.optimizer = keras.optimizers.Adam(
            discriminator_learning_rate, beta_1=beta_1)
        self.built = True

    def get_fake_sample(self, size, training=False):
        """Return ``size`` generated images."""
        return self.generator(tf.random.normal((size, self.latent_dim)),
                              training=training)

    def augment_real(self, images):
        """Return the real images flipped and shifted at random
        (``augment``) when ``augmentation`` is on, else as they are."""
        return augment(images) if self.augmentation else images

    def seen(self, images):
        """Return ``images`` as the discriminator sees them in training:
        through ``augment`` when there is one."""
        if self.augment is None:
            return images
        if isinstance(self.augment, keras.layers.Layer):
            return self.augment(images, training=True)
        return self.augment(images)

    # ## One training step
    #
    # One discriminator update on a real and a fake batch, then one generator
    # update on fresh latent vectors. Each update differentiates only its own
    # network's variables. Every random number the step uses is drawn by
    # get_fake_sample or augment_real, so a trainer on several devices can
    # draw them its own way by overriding those two.

    def train_step(self, real_images):
        """Update the discriminator, then the generator, on one batch."""
        if isinstance(real_images, tuple):
            real_images = real_images[0]
        real_images = self.augment_real(real_images)
        batch_size = tf.shape(real_images)[0]

        with tf.GradientTape() as tape:
            fake_images = self.get_fake_sample(batch_size, training=True)
            real_seen = self.seen(real_images)
            discr_loss = self.discriminator_loss_fn(
                self.discriminator(real_seen, training=True),
                self.discriminator(self.seen(fake_images), training=True))
            penalised = discr_loss
            if self.penalty is not None:
                penalty = self.penalty(self.discriminator, real_seen)
                penalised = discr_loss + penalty
        variables = self.discriminator.trainable_variables
        self.discriminator.optimizer.apply_gradients(
            zip(tape.gradient(penalised, variables), variables))

        with tf.GradientTape() as tape:
            gen_loss = self.generator_loss_fn(self.discriminator(
                self.seen(self.get_fake_sample(batch_size, training=True)),
                training=True))
        variables = self.generator.trainable_variables
        self.generator.optimizer.apply_gradients(
            zip(tape.gradient(gen_loss, variables), variables))
        logs = {"discr_loss": discr_loss, "gen_loss": gen_loss}
        if self.penalty is not None:
            logs["penalty"] = penalty
        return logs

    # ## Plumbing: checking the images fit is given
    #
    # Bad images (integers, NaN, values outside the tanh's range) would train
    # without an error and give nonsense: fit refuses them first.

    def fit(self, x=None, *args, **kwargs):
        """Check the real images, then train with Keras's ``fit``."""
        check_real_images(x)
        return super().fit(x, *args, **kwargs)


# ## Plumbing: checking the arguments
#
# The constructor and fit run these checks, so a wrong argument fails at
# once with a message that names it, rather than deep inside TensorFlow at
# the first training step. They can sit after the class because Python looks
# the names up only when they run.


def check_networks(generator, discriminator, latent_dim):
    """Raise an error naming the argument when the two networks are not
    Keras models, or ``latent_dim`` is not the width of the generator's
    input (a mismatch would otherwise surface as a shape error deep in the
    first training step)."""
    for name, network in (("generator", generator),
                          ("discriminator", discriminator)):
        if not (callable(network)
                and hasattr(network, "trainable_variables")):
            raise TypeError(f"{name} must be a Keras model; got "
                            f"{type(network).__name__}")
    if (isinstance(latent_dim, bool)
            or not isinstance(latent_dim, numbers.Integral)
            or latent_dim < 1):
        raise ValueError(f"latent_dim must be an integer >= 1; got "
                         f"{latent_dim!r}")
    # Only functional and sequential models declare their input; a
    # subclassed generator is taken at its word.
    inputs = getattr(generator, "inputs", None)
    if inputs and inputs[0].shape[-1] is not None and (
            inputs[0].shape[-1] != latent_dim):
        raise ValueError(f"latent_dim ({latent_dim}) must match the "
                         f"generator's input width "
                         f"({inputs[0].shape[-1]})")


def check_loss(loss, real_label):
    """Return ``(discriminator_loss, generator_loss)`` for ``loss``:
    "nonsaturating" (this file's two, with ``real_label``) or a pair of
    functions; raise ValueError naming ``loss`` otherwise."""
    if isinstance(loss, str) and loss == "nonsaturating":
        return (lambda real_logits, fake_logits: discriminator_loss(
            real_logits, fake_logits, real_label)), generator_loss
    if (isinstance(loss, (tuple, list)) and len(loss) == 2
            and all(callable(function) for function in loss)):
        return tuple(loss)
    raise ValueError(
        "loss must be 'nonsaturating' or a pair of functions "
        "(discriminator_loss(real_logits, fake_logits), "
        f"generator_loss(fake_logits)); got {loss!r}")


def check_hooks(augment, penalty):
    """Raise TypeError naming ``augment`` or ``penalty`` when it is neither
    None nor a function."""
    for name, hook, form in (("augment", augment, "images -> images"),
                             ("penalty", penalty,
                              "(discriminator, real_images) -> scalar")):
        if hook is not None and not callable(hook):
            raise TypeError(f"{name} must be None or a function {form}; "
                            f"got {type(hook).__name__}")


def check_real_images(images):
    """Raise an error when ``images`` (an array or tensor handed to
    ``fit``) are not finite floats in [-1, 1], the range of the
    generator's tanh; say how many images are bad.

    A ``tf.data.Dataset`` can only be checked for its dtype without
    reading it all.
    """
    if isinstance(images, tf.data.Dataset):
        spec = images.element_spec
        spec = spec[0] if isinstance(spec, tuple) else spec
        if hasattr(spec, "dtype") and not spec.dtype.is_floating:
            raise TypeError("x must hold floating-point pixels in [-1, 1] "
                            "(scale uint8 pixels with x / 127.5 - 1); got "
                            f"a dataset of {spec.dtype.name}")
        return
    if not (tf.is_tensor(images) or hasattr(images, "dtype")):
        return
    images = tf.convert_to_tensor(images)
    if not images.dtype.is_floating:
        raise TypeError("x must hold floating-point pixels in [-1, 1] "
                        "(scale uint8 pixels with x / 127.5 - 1); got "
                        f"dtype {images.dtype.name}")
    if images.shape.rank != 4:
        raise ValueError("x must be a batch of images (N, H, W, C); got "
                         f"shape {tuple(images.shape)}")
    rows = tf.reshape(tf.cast(images, tf.float32), (tf.shape(images)[0], -1))
    count = int(tf.shape(rows)[0])
    bad = count - int(tf.math.count_nonzero(tf.reduce_all(
        tf.math.is_finite(rows), axis=1)))
    if bad:
        raise ValueError(f"x (the real images) must be finite; {bad} of "
                         f"{count} images hold NaN or inf")
    # a little slack for rounding in the caller's own scaling
    outside = count - int(tf.math.count_nonzero(tf.reduce_all(
        tf.abs(rows) <= 1.001, axis=1)))
    if outside:
        raise ValueError(f"x (the real images) must lie in [-1, 1], the "
                         f"range of the generator's tanh; {outside} of "
                         f"{count} images have pixels outside it (scale "
                         "uint8 pixels with x / 127.5 - 1)")
