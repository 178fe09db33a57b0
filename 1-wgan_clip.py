#!/usr/bin/env python3
"""Task 1: the Wasserstein GAN, its critic kept Lipschitz by weight clipping.

Arjovsky et al. 2017 ("Wasserstein GAN") replace the discriminator, which
classifies, by a critic, which scores. For a 1-Lipschitz critic f,

    W(real, fake) = max_f  E[f(real)] - E[f(fake)]

is the Wasserstein-1 (earth mover's) distance between the two laws: how
much probability mass must move, and how far, to turn one into the other.
Unlike the divergences behind the classic GAN it stays finite and smooth
when the two laws do not overlap, so the generator always gets a useful
gradient. The critic climbs this estimate; the generator lowers it:

    critic:    mean(D(fake)) - mean(D(real))
    generator: -mean(D(fake))

The max is only the Wasserstein distance over Lipschitz critics. The
paper's crude way to enforce that is to clip every critic weight to a box
([-1, 1] here) after each update: a network with bounded weights (and
tanh activations) has a bounded slope. Clipping works, but it pushes
weights to the box's corners and wastes capacity; task 2 replaces it with
a gradient penalty.

The file reads in that order: the two losses, the model, one training
step, and last the plumbing (the argument check and ``fit`` under
Keras 3). Files 0, 1 and 2 are standalone lessons: each imports only
TensorFlow and NumPy, so the argument check at the end appears in all
three on purpose.
"""
import numpy as np
import tensorflow as tf
from tensorflow import keras


# ## The two losses
#
# A critic gives scores, not probabilities, and the gap between its mean score
# on real examples and its mean score on fakes estimates the Wasserstein
# distance. The critic's loss is minus that gap, so minimising it widens the
# gap; the generator's loss is minus the fakes' mean score, so minimising it
# raises their scores. No score is a target: only differences between scores
# matter.


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
# The same frame as task 0: a keras.Model holding the generator and the critic
# (still named discriminator, as the curriculum calls it), each with its own
# loss and Adam optimizer, the model drawing its own real and fake samples.


class WGAN_clip(keras.Model):
    """A generator and a weight-clipped Wasserstein critic.

    ``fit`` drives training; the batch it passes to ``train_step`` is
    ignored, because each step draws its own real sample from
    ``real_examples`` and its own latent vectors from ``latent_generator``.
    Each sub-model owns its loss and its Adam optimizer.
    """

    def __init__(self, generator, discriminator, latent_generator,
                 real_examples, batch_size=200, disc_iter=2,
                 learning_rate=.005):
        """Store the generator, the critic and the training settings, and
        compile each network with its own loss and Adam optimizer.

        latent_generator(k) must return k latent vectors for the generator;
        real_examples has the examples along its first axis.
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
        self.beta_1 = .5
        self.beta_2 = .9

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

    # ## One training step
    #
    # As in task 0, disc_iter critic updates come before one generator update.
    # What is new is the loop after each critic update: every critic weight is
    # clipped back into [-1, 1]. The box bounds the critic's slope, so its
    # score gap estimates the Wasserstein distance up to a constant factor
    # instead of growing without limit.

    def train_step(self, useless_argument):
        """Run ``disc_iter`` clipped critic updates, then one generator update.

        Returns the last critic loss and the generator loss.
        """
        for _ in range(self.disc_iter):
            with tf.GradientTape() as tape:
                real_sample = self.get_real_sample()
                fake_sample = self.get_fake_sample(training=True)
                discr_loss = self.discriminator.loss(
                    self.discriminator(real_sample, training=True),
                    self.discriminator(fake_sample, training=True))
            variables = self.discriminator.trainable_variables
            gradients = tape.gradient(discr_loss, variables)
            self.discriminator.optimizer.apply_gradients(
                zip(gradients, variables))
            for variable in variables:
                variable.assign(tf.clip_by_value(variable, -1., 1.))

        with tf.GradientTape() as tape:
            fake_sample = self.get_fake_sample(training=True)
            gen_loss = self.generator.loss(
                self.discriminator(fake_sample, training=False))
        variables = self.generator.trainable_variables
        gradients = tape.gradient(gen_loss, variables)
        self.generator.optimizer.apply_gradients(zip(gradients, variables))

        return {"discr_loss": discr_loss, "gen_loss": gen_loss}

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
