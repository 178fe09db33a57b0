#!/usr/bin/env python3
"""Task 2: the Wasserstein GAN with gradient penalty (WGAN-GP).

Gulrajani et al. 2017 ("Improved Training of Wasserstein GANs") keep the
Wasserstein losses of task 1 but enforce the critic's Lipschitz bound
softly. A differentiable function is 1-Lipschitz exactly when its gradient
norm is at most 1 everywhere, and the optimal critic has gradient norm 1
almost everywhere on the lines between real and fake points. So instead
of clipping weights, the critic pays for deviating from norm 1 there:

    x_hat = u * real + (1 - u) * fake,         u ~ U(0, 1) per example
    gp    = mean((||grad_x D(x_hat)|| - 1)^2)
    critic loss to minimise: mean(D(fake)) - mean(D(real)) + lambda_gp * gp

The penalty constrains only the critic's slope, not its weights, so the
critic keeps its full capacity and training is far more stable than with
clipping. ``discr_loss`` reported during training is the Wasserstein part
alone, so it reads as (minus) a distance estimate; ``gp`` is reported
beside it.

``replace_weights`` loads trained generator and critic weights from two
files, including the curriculum's legacy Keras 2 ``.h5`` files.

The file reads in that order: the two losses, the model, the penalty, one
training step, loading weights, and last the plumbing (the argument check
and ``fit`` under Keras 3). Files 0, 1 and 2 are standalone lessons: each
imports only TensorFlow, NumPy and the standard library, so the argument
check at the end appears in all three on purpose.
"""
import os

import numpy as np
import tensorflow as tf
from tensorflow import keras


# ## The two losses
#
# Task 1's Wasserstein losses, unchanged: the critic minimises
# mean(D(fake)) - mean(D(real)), the generator minimises -mean(D(fake)).
# The penalty that replaces clipping needs the critic itself, not only its
# scores, so it is a method of the model below.


def wasserstein_generator_loss(fake_scores):
    """Return -mean(D(fake)): the generator wants its fakes scored high."""
    return -tf.reduce_mean(fake_scores)


def wasserstein_critic_loss(real_scores, fake_scores):
    """Return mean(D(fake)) - mean(D(real)), minus the Wasserstein estimate.

    Minimising it widens the gap the critic sees between real and fake.
    """
    return tf.reduce_mean(fake_scores) - tf.reduce_mean(real_scores)


# ## The model
#
# The same frame as tasks 0 and 1, plus what the penalty needs: lambda_gp,
# its weight in the critic's loss, and shapes taken from real_examples:
# axis lists the axes of one example (all but the first), over which each
# gradient norm is taken, and scal_shape, [batch_size, 1, ..., 1], is the
# shape of one mixing weight per example.


class WGAN_GP(keras.Model):
    """A generator and a Wasserstein critic with a gradient penalty.

    ``fit`` drives training; the batch it passes to ``train_step`` is
    ignored, because each step draws its own real sample from
    ``real_examples`` and its own latent vectors from ``latent_generator``.
    Each sub-model owns its loss and its Adam optimizer.
    """

    def __init__(self, generator, discriminator, latent_generator,
                 real_examples, batch_size=200, disc_iter=2,
                 learning_rate=.005, lambda_gp=10):
        """Store the generator, the critic and the training settings, and
        compile each network with its own loss and Adam optimizer.

        latent_generator(k) must return k latent vectors for the generator;
        real_examples has the examples along its first axis; lambda_gp
        weighs the gradient penalty in the critic's loss.
        """
        super().__init__()
        self.latent_generator = latent_generator
        self.real_examples = check_gan_arguments(
            generator, discriminator, latent_generator, real_examples,
            batch_size, disc_iter, learning_rate)
        self.generator = generator
        self.discriminator = discriminator
        self.batch_size = batch_size
        self.disc_iter = disc_iter
        self.learning_rate = learning_rate
        self.beta_1 = .3
        self.beta_2 = .9

        # the penalty's weight: NaN or inf would poison the critic's loss,
        # a negative one would reward steep gradients
        is_number = (isinstance(lambda_gp, (int, float, np.number))
                     and not isinstance(lambda_gp, (bool, np.bool_)))
        if not (is_number and np.isfinite(lambda_gp) and lambda_gp >= 0):
            raise ValueError("lambda_gp must be a finite number >= 0; got "
                             f"{lambda_gp!r}")
        self.lambda_gp = lambda_gp
        # u has one value per example, broadcast over the other axes; the
        # gradient norm is taken over every axis but the first.
        self.dims = self.real_examples.shape
        self.len_dims = len(self.dims)
        self.axis = tf.range(1, self.len_dims, delta=1, dtype="int32")
        self.scal_shape = tf.constant(
            [self.batch_size] + [1] * (self.len_dims - 1), dtype="int32")

        self.generator.loss = wasserstein_generator_loss
        self.generator.optimizer = keras.optimizers.Adam(
            learning_rate=self.learning_rate,
            beta_1=self.beta_1, beta_2=self.beta_2)
        self.generator.compile(optimizer=generator.optimizer,
                               loss=generator.loss)

        self.discriminator.loss = wasserstein_critic_loss
        self.discriminator.optimizer = keras.optimizers.Adam(
            learning_rate=self.learning_rate,
            beta_1=self.beta_1, beta_2=self.beta_2)
        self.discriminator.compile(optimizer=discriminator.optimizer,
                                   loss=discriminator.loss)
        # Keras 3 saves the weights of a subclassed model only once built.
        self.built = True

    def get_fake_sample(self, size=None, training=False):
        """Return ``size`` generated examples (default: ``batch_size``)."""
        if size is None:
            size = self.batch_size
        return self.generator(self.latent_generator(size), training=training)

    def get_real_sample(self, size=None):
        """Return ``size`` distinct real examples, drawn at random."""
        if size is None:
            size = self.batch_size
        indices = tf.range(tf.shape(self.real_examples)[0])
        random_indices = tf.random.shuffle(indices)[:size]
        return tf.gather(self.real_examples, random_indices)

    # ## The gradient penalty
    #
    # Three steps. Pick points on the segments between real and fake examples,
    # one uniform mixing weight per pair. Take the gradient of the critic's
    # score with respect to each point. Penalise the squared distance of that
    # gradient's norm from 1. The critic then stays close to 1-Lipschitz where
    # it matters, between the two distributions, with no limit on its weights.

    def get_interpolated_sample(self, real_sample, fake_sample):
        """Return u * real + (1 - u) * fake, one u ~ U(0, 1) per example."""
        shape = tf.concat([tf.shape(real_sample)[:1], self.scal_shape[1:]], 0)
        u = tf.random.uniform(shape)
        return u * real_sample + (1 - u) * fake_sample

    def gradient_penalty(self, interpolated_sample):
        """Return mean((||grad D(x)|| - 1)^2) over the interpolated points.

        The norm of each example's gradient is taken over all its axes.
        """
        with tf.GradientTape() as gp_tape:
            gp_tape.watch(interpolated_sample)
            scores = self.discriminator(interpolated_sample, training=True)
        gradients = gp_tape.gradient(scores, [interpolated_sample])[0]
        # The 1e-12 inside the square root is for the backward pass: the
        # derivative of sqrt(s) is 1 / (2 sqrt(s)), infinite at s = 0, so a
        # gradient that is exactly zero would give inf * 0 = NaN and spread it
        # to every critic weight. Added to a squared norm of 1e-4 or more,
        # 1e-12 vanishes in float32 rounding: the penalty's value is unchanged.
        norms = tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=self.axis)
                        + 1e-12)
        return tf.reduce_mean(tf.square(norms - 1.))

    # ## One training step
    #
    # Task 1's loop without the clipping: each critic update minimises the
    # Wasserstein loss plus lambda_gp times the penalty. The penalty is
    # computed inside the same tape, so its own gradient (a gradient of a
    # gradient) reaches the critic's weights. The step reports the Wasserstein
    # part and the penalty separately.

    def train_step(self, useless_argument):
        """Run ``disc_iter`` penalised critic updates, then one generator
        update.

        Returns the last critic loss (without the penalty), the generator
        loss and the last gradient penalty.
        """
        for _ in range(self.disc_iter):
            with tf.GradientTape() as tape:
                real_sample = self.get_real_sample()
                fake_sample = self.get_fake_sample(training=True)
                interpolated_sample = self.get_interpolated_sample(
                    real_sample, fake_sample)
                discr_loss = self.discriminator.loss(
                    self.discriminator(real_sample, training=True),
                    self.discriminator(fake_sample, training=True))
                gp = self.gradient_penalty(interpolated_sample)
                new_discr_loss = discr_loss + self.lambda_gp * gp
            variables = self.discriminator.trainable_variables
            gradients = tape.gradient(new_discr_loss, variables)
            self.discriminator.optimizer.apply_gradients(
                zip(gradients, variables))

        with tf.GradientTape() as tape:
            fake_sample = self.get_fake_sample(training=True)
            gen_loss = self.generator.loss(
                self.discriminator(fake_sample, training=False))
        variables = self.generator.trainable_variables
        gradients = tape.gradient(gen_loss, variables)
        self.generator.optimizer.apply_gradients(zip(gradients, variables))

        return {"discr_loss": discr_loss, "gen_loss": gen_loss, "gp": gp}

    # ## Loading trained weights
    #
    # A trained pair can be loaded instead of trained again, from Keras 3
    # weight files or from the curriculum's Keras 2 .h5 files.

    def replace_weights(self, gen_h5, disc_h5):
        """Load generator weights from ``gen_h5`` and critic weights from
        ``disc_h5``.

        Both Keras 3 ``.weights.h5`` files and legacy Keras 2 ``.h5`` files
        (matched layer by layer, in order) are accepted. If either file is
        missing, unreadable or made for another architecture, a clear error
        names it and both networks keep their previous weights.
        """
        pairs = ((self.generator, gen_h5, "gen_h5"),
                 (self.discriminator, disc_h5, "disc_h5"))
        for _, path, name in pairs:
            if not os.path.isfile(path):
                raise FileNotFoundError(f"{name}: no weights file at {path}")
        previous = [model.get_weights() for model, _, _ in pairs]
        for model, path, name in pairs:
            try:
                model.load_weights(path)
            except Exception as error:
                for restored, weights in zip(pairs, previous):
                    restored[0].set_weights(weights)
                raise ValueError(
                    f"{name}: cannot load {path} into the {model.name} "
                    f"(truncated file, or weights of another architecture?)"
                    f": {type(error).__name__}: {error}") from None

    # ## Plumbing: fit under Keras 3
    #
    # The training step above ignores the batches that fit hands it, but
    # Keras 3 still cuts x into batches and ends an epoch early when they
    # run out. This override gives fit an endless dummy dataset instead, so
    # that an epoch lasts exactly steps_per_epoch steps on Keras 2 and 3.

    def save(self, filepath, *args, **kwargs):
        """Save as Keras does, after checking that a ``.keras`` or ``.h5``
        file can be written at all.

        Such a file needs the GAN's config, which this class cannot give
        (it is made from networks and a function); Keras finds that out
        only after opening the file, which would leave an existing file
        at ``filepath`` empty. Refused first, the file is untouched. Save
        the networks instead: ``self.generator.save("generator.keras")``,
        or the weights with ``save_weights``.
        """
        if str(filepath).endswith((".keras", ".h5")):
            try:
                self.get_config()
            except NotImplementedError:
                raise NotImplementedError(
                    f"{type(self).__name__} cannot be saved whole to "
                    f"{filepath} (Keras cannot rebuild it from a config); "
                    "save its networks (self.generator.save, "
                    "self.discriminator.save) or its weights "
                    "(save_weights)") from None
        return super().save(filepath, *args, **kwargs)

    def fit(self, x=None, y=None, **kwargs):
        """Train with Keras's ``fit``; ``x`` and ``y`` are not used.

        ``train_step`` draws its own samples, so when ``steps_per_epoch`` is
        given an endless dummy dataset stands in for ``x``: Keras 3 would
        otherwise split ``x`` into ``steps_per_epoch`` batches and stop the
        epoch early once ``steps_per_epoch`` exceeds the number of examples.
        The dataset's autotuning is off: its thread otherwise holds up the
        end of ``fit``, by up to seconds, after the last step.
        """
        if kwargs.get("steps_per_epoch"):
            options = tf.data.Options()
            options.autotune.enabled = False
            x, y = (tf.data.Dataset.from_tensors(0.).repeat()
                    .with_options(options)), None
            kwargs["shuffle"] = False
        return super().fit(x, y, **kwargs)


# ## Plumbing: checking the arguments
#
# The constructor runs this check on its arguments, so a wrong argument fails
# at once with a message that names it, rather than deep inside TensorFlow at
# the first training step. It can sit after the class because Python looks the
# name up only when the constructor runs. Files 0, 1 and 2 carry identical
# copies of it, so that each lesson stands alone;
# tests/lessons/test_lesson_files.py keeps the copies identical.


def check_gan_arguments(generator, discriminator, latent_generator,
                        real_examples, batch_size, disc_iter,
                        learning_rate=.005):
    """Validate the constructor's arguments; return real_examples as float32.

    Any floating-point array or tensor is accepted and cast to float32.
    When real_examples lacks only the generator's trailing channel axis of
    size 1 (faces of shape (N, 16, 16) for a generator of (16, 16, 1)),
    that axis is added. Anything else that cannot work raises an error
    naming the argument, before TensorFlow meets it.
    """
    # Duck typing rather than isinstance(keras.Model): what the training
    # step needs is a callable network that owns trainable variables.
    for name, network in (("generator", generator),
                          ("discriminator", discriminator)):
        if not (callable(network)
                and hasattr(network, "trainable_variables")):
            raise TypeError(f"{name} must be a Keras model; got "
                            f"{type(network).__name__}")
    if not callable(latent_generator):
        raise TypeError("latent_generator must be a function of k that "
                        "returns k latent vectors; got "
                        f"{type(latent_generator).__name__}")
    if tf.is_tensor(real_examples):
        is_float = real_examples.dtype.is_floating
    else:
        real_examples = np.asarray(real_examples)
        is_float = np.issubdtype(real_examples.dtype, np.floating)
    if not is_float:
        raise TypeError("real_examples must hold floating-point numbers "
                        "(scale integer pixels first, e.g. x / 255); got "
                        f"dtype {real_examples.dtype}")
    shape = tuple(real_examples.shape)
    if len(shape) < 2:
        raise ValueError("real_examples must have at least 2 dimensions "
                         f"(examples along the first axis); got {shape}")
    # One NaN in the data turns every loss, then every weight, into NaN a
    # few steps later, far from its cause: count the bad rows now.
    finite_rows = tf.reduce_all(tf.math.is_finite(
        tf.reshape(real_examples, (shape[0], -1))), axis=1)
    bad_rows = shape[0] - int(tf.math.count_nonzero(finite_rows))
    if bad_rows:
        raise ValueError(f"real_examples must be finite; {bad_rows} of "
                         f"{shape[0]} examples hold NaN or inf")
    for name, value in (("batch_size", batch_size), ("disc_iter", disc_iter)):
        # bool is a subclass of int, but True is no batch size
        if (not isinstance(value, (int, np.integer))
                or isinstance(value, (bool, np.bool_)) or value < 1):
            raise ValueError(f"{name} must be an integer >= 1; got {value!r}")
    # A negative rate climbs the loss, NaN turns every weight into NaN at
    # the first step, and neither says so; a schedule (a function of the
    # step) is left to Adam.
    if not callable(learning_rate):
        is_number = (isinstance(learning_rate, (int, float, np.number))
                     and not isinstance(learning_rate, (bool, np.bool_)))
        if not (is_number and np.isfinite(learning_rate)
                and learning_rate > 0):
            raise ValueError("learning_rate must be a positive finite "
                             f"number; got {learning_rate!r}")
    if batch_size > shape[0]:
        raise ValueError(f"batch_size ({batch_size}) must not exceed the "
                         f"number of real_examples ({shape[0]})")
    fake_shape = tuple(generator(latent_generator(2)).shape[1:])
    if shape[1:] + (1,) == fake_shape:
        real_examples = real_examples[..., np.newaxis]
    elif shape[1:] != fake_shape:
        raise ValueError(f"real_examples must have shape (N, "
                         f"{', '.join(map(str, fake_shape))}) to match the "
                         f"generator's output {fake_shape}; got {shape}")
    return tf.cast(real_examples, tf.float32)
