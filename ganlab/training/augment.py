#!/usr/bin/env python3
"""Differentiable augmentation of the images the critic sees (DiffAugment).

With a few thousand training images a critic soon learns them by heart: it
scores the real ones high however the generator does, its gradients stop
saying anything useful, and the samples degrade. Augmenting the real images
alone does not help, because the generator then learns to draw augmented
images. Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient
GAN Training", augment the real *and* the fake images, every time the
critic looks at either, in the critic's step and in the generator's, with
transformations made of differentiable operations, so that the generator's
gradient passes back through the augmentation.

``diff_augment`` applies the policy's transformations, in the order the
policy names them, each with its own random draw per image:

- ``color``: brightness (add a number from [-.5, .5)), saturation (scale
  each pixel's distance from its mean over the channels by a number from
  [0, 2); nothing changes for grey images, whose one channel is its own
  mean) and contrast (scale each pixel's distance from the image's mean
  by a number from [.5, 1.5));
- ``translation``: shift by a whole number of pixels, up to 1/8 of the
  side each way, independently along height and width, filling with 0;
- ``cutout``: set a square (a rectangle for images that are not square)
  of half the side to 0, its centre on any pixel, so it may hang over
  the edge.

Under a ``tf.distribute`` strategy each replica augments its share of
the batch with its rows of draws made for the whole global batch
(``ganlab.training.replicas``), given a ``keras.random.SeedGenerator``
(``DiffAugment``'s own): N devices augment as one does.

The images are NHWC floats, in [-1, 1] for the lessons' generators; 0 is
then mid-grey, and the translation's and cutout's fill is neutral. Every
operation is an addition, multiplication, mean or ``tf.gather`` of the
images, so the gradient reaches the images (and, through them, the
generator) everywhere except at the pixels a translation or cutout
removes. The random numbers themselves carry no gradient.

``augmenting(gan_class)`` gives the curriculum's lessons 0-2 (Simple_GAN,
WGAN_clip, WGAN_GP) the same hook without editing them: a subclass that
augments the samples their ``train_step`` draws. ``seed_state(augment)``
names the random state a checkpoint must hold for an exact resume.

``DiffAugment`` is the same as a Keras layer that augments only while
training. It lives here, beside the training steps, rather than among the
networks in ``ganlab.nets``: it has no weights, and it belongs to how a
critic is trained, not to what the critic is; a train_step applies it to
both batches before either reaches the critic, and evaluation and
sampling never see it.
"""
import tensorflow as tf
from tensorflow import keras

from ganlab.training.augment_policies import DEFAULT_POLICY, POLICIES
from ganlab.training.replicas import for_the_global_batch

# Zhao et al.'s ratios: shift up to 1/8 of the side, cut half the side
TRANSLATION_RATIO = 1 / 8
CUTOUT_RATIO = 1 / 2


def parse_policy(policy):
    """Return the transformations named by ``policy``, a comma-separated
    string such as ``"color,translation"`` (``""``: none), as a tuple;
    raise ValueError for a name not in ``POLICIES``."""
    if not isinstance(policy, str):
        raise ValueError(f"policy must be a comma-separated string of "
                         f"{', '.join(POLICIES)} (or '' for none); got "
                         f"{policy!r}")
    names = tuple(name.strip() for name in policy.split(",") if name.strip())
    unknown = [name for name in names if name not in POLICIES]
    if unknown:
        raise ValueError(f"policy names unknown transformations "
                         f"{', '.join(unknown)}; the valid ones are "
                         f"{', '.join(POLICIES)}; got {policy!r}")
    return names


def check_seed(seed):
    """Return ``seed`` if it is None or a ``keras.random.SeedGenerator``;
    raise ValueError otherwise."""
    # an int would give the same draws at every call, so every batch would
    # be augmented alike: a generator of seeds is asked for instead
    if seed is not None and not isinstance(seed, keras.random.SeedGenerator):
        raise ValueError(
            f"seed must be None (Keras's global generator, seeded by "
            f"keras.utils.set_random_seed) or a keras.random.SeedGenerator "
            f"(for an integer n, pass keras.random.SeedGenerator(n)); got "
            f"{seed!r}")
    return seed


def check_images(images):
    """Return ``images`` as a float tensor of rank 4 (NHWC), or raise
    ValueError."""
    images = tf.convert_to_tensor(images)
    if images.shape.rank != 4 or not images.dtype.is_floating:
        raise ValueError(
            f"images must be a float tensor of shape (batch, height, "
            f"width, channels); got {images.dtype.name} of shape "
            f"{images.shape}")
    return images


def per_image(images, low, high, seed):
    """One number from [low, high) for each image, shaped to broadcast over
    its pixels: (batch, 1, 1, 1), in the images' dtype."""
    shape = tf.concat([tf.shape(images)[:1], [1, 1, 1]], axis=0)
    draws = for_the_global_batch(
        lambda shape: keras.random.uniform(shape, minval=low, maxval=high,
                                           dtype="float32", seed=seed),
        shape)
    return tf.cast(draws, images.dtype)


def random_color(images, seed=None):
    """Random brightness, saturation and contrast, one draw of each per
    image (Zhao et al.'s ranges)."""
    images = images + per_image(images, -.5, .5, seed)
    grey = tf.reduce_mean(images, axis=3, keepdims=True)
    images = (images - grey) * per_image(images, 0., 2., seed) + grey
    mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
    return (images - mean) * per_image(images, .5, 1.5, seed) + mean


def side_fraction(size, ratio):
    """``ratio`` of ``size`` pixels (a scalar int32 tensor), rounded half
    up."""
    return tf.cast(tf.cast(size, tf.float32) * ratio + .5, tf.int32)


def shift_along(images, shifts, axis):
    """Shift each image by ``shifts[i]`` pixels along ``axis`` (1: height,
    2: width), filling the pixels shifted in with 0."""
    size = tf.shape(images)[axis]
    # output pixel j shows input pixel j - shift, when that one exists
    sources = tf.range(size)[tf.newaxis, :] - shifts[:, tf.newaxis]
    inside = tf.cast((sources >= 0) & (sources < size), images.dtype)
    moved = tf.gather(images, tf.clip_by_value(sources, 0, size - 1),
                      axis=axis, batch_dims=1)
    mask_shape = [-1, 1, 1, 1]
    mask_shape[axis] = size
    return moved * tf.reshape(inside, mask_shape)


def random_translation(images, seed=None):
    """Shift each image by up to 1/8 of its height and of its width, each
    way, with zero padding."""
    for axis in (1, 2):
        most = side_fraction(tf.shape(images)[axis], TRANSLATION_RATIO)
        shifts = for_the_global_batch(
            lambda shape: keras.random.randint(shape, -most, most + 1,
                                               seed=seed),
            tf.shape(images)[:1])
        images = shift_along(images, shifts, axis)
    return images


def random_cutout(images, seed=None):
    """Zero a rectangle of half the height and half the width of each
    image, centred on a random pixel."""
    inside = []
    for axis in (1, 2):
        size = tf.shape(images)[axis]
        side = side_fraction(size, CUTOUT_RATIO)
        centres = for_the_global_batch(
            lambda shape: keras.random.randint(shape, 0, size, seed=seed),
            tf.shape(images)[:1])
        first = centres - side // 2
        positions = tf.range(size)[tf.newaxis, :]
        inside.append((positions >= first[:, tf.newaxis])
                      & (positions < first[:, tf.newaxis] + side))
    rows, columns = inside
    cut = rows[:, :, tf.newaxis] & columns[:, tf.newaxis, :]
    keep = tf.cast(tf.logical_not(cut), images.dtype)
    return images * keep[..., tf.newaxis]


TRANSFORMATIONS = {"color": random_color, "translation": random_translation,
                   "cutout": random_cutout}


def diff_augment(images, policy=DEFAULT_POLICY, seed=None):
    """Augment a batch of NHWC float images differentiably (Zhao et al.
    2020): the transformations ``policy`` names, in its order, each drawn
    afresh for every image.

    ``policy``: a comma-separated string of ``color``, ``translation``
    and ``cutout``; ``""`` returns the images unchanged. ``seed``: None
    (Keras's global generator) or a ``keras.random.SeedGenerator``, which
    advances at each call, so batches get different draws; one made from
    a given integer gives the same sequence of draws every run. Works
    eagerly and inside ``tf.function``; there, make the SeedGenerator
    outside the function (a train_step's model or layer holds it), since
    a variable cannot be made at a second trace, as the global one would
    be after ``keras.utils.set_random_seed``. Shape and dtype are kept.
    """
    names = parse_policy(policy)
    seed = check_seed(seed)
    images = check_images(images)
    for name in names:
        images = TRANSFORMATIONS[name](images, seed)
    return images


class DiffAugment(keras.layers.Layer):
    """``diff_augment`` as a layer: augments when called with
    ``training=True`` and passes the images through unchanged otherwise.

    ``seed`` (None or an int) starts the layer's own
    ``keras.random.SeedGenerator``, whose state is a variable of the layer,
    so a checkpoint of the model that holds it resumes the same stream of
    draws.
    """

    def __init__(self, policy=DEFAULT_POLICY, seed=None, **kwargs):
        """Check ``policy`` now, so a bad one fails where it is written."""
        super().__init__(**kwargs)
        parse_policy(policy)
        self.policy = policy
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        # no weights to make: built now, so that a GAN holding the layer
        # counts as built and Keras's fit does not try to build it
        self.built = True

    def call(self, images, training=False):
        """Augment ``images`` if ``training``, else return them."""
        if training:
            return diff_augment(images, self.policy, self.seed_generator)
        return images

    def compute_output_shape(self, input_shape):
        """The images keep their shape."""
        return input_shape

    def get_config(self):
        """The policy and the seed, for saving and cloning."""
        return {**super().get_config(), "policy": self.policy,
                "seed": self.seed}


def seed_state(augment):
    """Return ``{"augment_seed": variable}``: the random state of
    ``augment`` (a ``DiffAugment`` or any object with a
    ``keras.random.SeedGenerator`` as ``seed_generator``) that a
    checkpoint needs for a resumed run to draw the augmentations an
    uninterrupted one would; ``{}`` for None or a function without one.

    The GANs draw their own random numbers from ``gan.rng``; an augment
    draws its own, so ``tf.train.Checkpoint(**tracked, **seed_state(
    gan.augment))`` saves both. (A Keras layer given to
    ``tf.train.Checkpoint`` whole does not save its SeedGenerator's state;
    the variable itself does.)
    """
    generator = getattr(augment, "seed_generator", None)
    if isinstance(generator, keras.random.SeedGenerator):
        return {"augment_seed": generator.state}
    return {}


def augment_with(augment, images):
    """Return ``augment(images)``; a Keras layer is called with
    ``training=True``, since a DiffAugment layer called in inference mode
    passes the images through."""
    if isinstance(augment, keras.layers.Layer):
        return augment(images, training=True)
    return augment(images)


AUGMENTED_CLASSES = {}


def augmenting(gan_class):
    """Return a subclass of ``gan_class`` (one of the curriculum's
    ``Simple_GAN``, ``WGAN_clip``, ``WGAN_GP``, or a class that draws its
    samples the same way) whose constructor takes one more keyword,
    ``augment=None``: a differentiable function of a batch of samples
    (such as ``DiffAugment()``) or None.

    The lessons' ``train_step`` draws every sample the critic sees
    through two methods: ``get_real_sample()`` for each critic update and
    ``get_fake_sample(training=True)`` for each critic update and for the
    generator update. The subclass augments what both return there, so
    the critic sees only augmented samples, in both updates, and the
    generator's gradient passes back through the augmentation. Lesson
    2's interpolated samples for the gradient penalty are then mixes of
    augmented real and fake samples, which is where the critic is to be
    smooth. ``get_real_sample`` outside ``train_step`` (plots, metrics)
    returns the samples as they are, unless called with
    ``training=True``. With ``augment=None`` the model is the lesson's,
    draw for draw. The class is named ``Augmented`` + the lesson's name,
    and asking twice for the same lesson returns the same class.
    """
    if not (isinstance(gan_class, type) and all(
            callable(getattr(gan_class, name, None))
            for name in ("get_real_sample", "get_fake_sample",
                         "train_step"))):
        raise TypeError(f"gan_class must be a GAN class with "
                        f"get_real_sample, get_fake_sample and train_step "
                        f"(Simple_GAN, WGAN_clip or WGAN_GP); got "
                        f"{gan_class!r}")
    if gan_class in AUGMENTED_CLASSES:
        return AUGMENTED_CLASSES[gan_class]

    class Augmented(gan_class):
        """The lesson's GAN with differentiable augmentation of every
        sample its critic sees in training (see ``augmenting``)."""

        def __init__(self, *args, augment=None, **kwargs):
            """Build the lesson's GAN, then keep ``augment``."""
            if augment is not None and not callable(augment):
                raise TypeError(f"augment must be None or a function of a "
                                f"batch of samples; got "
                                f"{type(augment).__name__}")
            super().__init__(*args, **kwargs)
            self.augment = augment
            self.in_train_step = False

        def get_real_sample(self, size=None, training=None):
            """The lesson's real sample, augmented when ``training``
            (default: inside ``train_step``)."""
            sample = super().get_real_sample(size)
            if training is None:
                training = self.in_train_step
            if training and self.augment is not None:
                return augment_with(self.augment, sample)
            return sample

        def get_fake_sample(self, size=None, training=False):
            """The lesson's fake sample, augmented when ``training``."""
            sample = super().get_fake_sample(size, training=training)
            if training and self.augment is not None:
                return augment_with(self.augment, sample)
            return sample

        def train_step(self, useless_argument):
            """The lesson's step, with its real samples augmented."""
            # read while the step is traced (or run eagerly): a Python flag
            self.in_train_step = True
            try:
                return super().train_step(useless_argument)
            finally:
                self.in_train_step = False

    Augmented.__name__ = f"Augmented{gan_class.__name__}"
    Augmented.__qualname__ = Augmented.__name__
    AUGMENTED_CLASSES[gan_class] = Augmented
    return Augmented
