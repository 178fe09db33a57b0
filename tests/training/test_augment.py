#!/usr/bin/env python3
"""DiffAugment: shapes kept, transformations as specified, gradients flow;
and ``augmenting``, which gives lessons 0-2 the same ``augment=`` hook
without editing them (their losses are then computed on augmented
samples)."""
import numpy as np
import pytest
import tensorflow as tf
from tensorflow import keras

from ganlab.training.augment import (POLICIES, DiffAugment, augmenting,
                                     diff_augment,
                                     random_cutout, random_translation)


def images(batch=4, size=16, channels=3, seed=0):
    """A batch of random images in [-1, 1]."""
    rng = np.random.default_rng(seed)
    return tf.constant(rng.uniform(-1, 1, (batch, size, size, channels)),
                       tf.float32)


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("policy", ["color", "translation", "cutout",
                                    "color,translation,cutout"])
def test_shape_and_dtype_are_kept_and_values_finite(policy, channels):
    """Every policy, on colour and on grey images."""
    batch = images(channels=channels)
    out = diff_augment(batch, policy, keras.random.SeedGenerator(0))
    assert out.shape == batch.shape and out.dtype == batch.dtype
    assert np.isfinite(out.numpy()).all()
    assert not np.array_equal(out.numpy(), batch.numpy())


@pytest.mark.parametrize("dtype", [tf.bfloat16, tf.float64])
def test_other_float_dtypes_are_kept(dtype):
    """A layer under a mixed bfloat16 policy hands the augmentation
    bfloat16 images; they come back bfloat16, finite."""
    batch = tf.cast(images(), dtype)
    out = diff_augment(batch, seed=keras.random.SeedGenerator(0))
    assert out.dtype == dtype
    assert np.isfinite(tf.cast(out, tf.float32).numpy()).all()


def test_saturation_leaves_grey_images_grey():
    """With one channel the colour transformation is brightness and
    contrast only: each image becomes a * x + b, so its pixels keep their
    order and the standardised image is unchanged."""
    batch = images(channels=1)
    out = diff_augment(batch, "color", keras.random.SeedGenerator(1)).numpy()
    for before, after in zip(batch.numpy(), out):
        standard = (before - before.mean()) / before.std()
        np.testing.assert_allclose((after - after.mean()) / after.std(),
                                   standard, atol=1e-4)


def test_empty_policy_is_the_identity():
    """'' applies nothing, so the images come back as they were."""
    batch = images()
    np.testing.assert_array_equal(diff_augment(batch, "").numpy(),
                                  batch.numpy())


def test_translation_shifts_whole_pixels_with_zero_fill():
    """Each translated image is the original shifted by at most 2 pixels
    (1/8 of 16) along each axis, with zeros shifted in."""
    batch = images(batch=8)
    out = random_translation(batch, keras.random.SeedGenerator(2)).numpy()
    for before, after in zip(batch.numpy(), out):
        matches = []
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                padded = np.pad(before, ((2, 2), (2, 2), (0, 0)))
                shifted = padded[2 - dy:18 - dy, 2 - dx:18 - dx]
                matches.append(np.array_equal(shifted, after))
        assert sum(matches) == 1


def test_cutout_zeroes_a_square_of_half_the_side_at_most():
    """Only zeros are added; an 8x8 square (or the part of it inside the
    image) is zeroed, the rest untouched."""
    batch = images(batch=8) + 2.  # no pixel is 0 before the cutout
    out = random_cutout(batch, keras.random.SeedGenerator(3)).numpy()
    for before, after in zip(batch.numpy(), out):
        zeroed = np.all(after == 0, axis=-1)
        rows, columns = np.nonzero(zeroed)
        height = rows.max() - rows.min() + 1
        width = columns.max() - columns.min() + 1
        assert zeroed.sum() == height * width  # one rectangle
        assert 4 <= height <= 8 and 4 <= width <= 8
        np.testing.assert_array_equal(after[~zeroed], before[~zeroed])


def test_each_image_gets_its_own_draw():
    """The same image repeated across the batch comes out differently."""
    batch = tf.repeat(images(batch=1), 6, axis=0)
    out = diff_augment(batch, seed=keras.random.SeedGenerator(4)).numpy()
    assert len({image.tobytes() for image in out}) == 6


def test_seed_generator_gives_reproducible_but_fresh_draws():
    """Two generators from the same integer agree call for call; each call
    of one draws anew."""
    batch = images()
    first, second = (keras.random.SeedGenerator(5) for _ in range(2))
    a1, a2 = diff_augment(batch, seed=first), diff_augment(batch, seed=first)
    b1 = diff_augment(batch, seed=second)
    np.testing.assert_array_equal(a1.numpy(), b1.numpy())
    assert not np.array_equal(a1.numpy(), a2.numpy())


def test_gradient_reaches_the_generator():
    """A critic's score of augmented fakes has a non-zero gradient for
    every variable of the generator."""
    keras.utils.set_random_seed(6)
    generator = keras.Sequential([
        keras.Input((4,)), keras.layers.Dense(8 * 8 * 3, activation="tanh"),
        keras.layers.Reshape((8, 8, 3))])
    critic = keras.Sequential([
        keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.Flatten(), keras.layers.Dense(1)])
    seed = keras.random.SeedGenerator(6)
    with tf.GradientTape() as tape:
        fakes = generator(tf.random.normal((5, 4)), training=True)
        score = tf.reduce_mean(critic(diff_augment(fakes, seed=seed)))
    gradients = tape.gradient(score, generator.trainable_variables)
    for gradient in gradients:
        assert gradient is not None
        assert np.isfinite(gradient.numpy()).all()
        assert np.abs(gradient.numpy()).sum() > 0


def test_works_inside_tf_function_and_draws_anew_each_call():
    """Compiled, the augmentation keeps its shape and differs per call."""
    seed = keras.random.SeedGenerator(7)
    augment = tf.function(lambda batch: diff_augment(batch, seed=seed))
    batch = images()
    first, second = augment(batch), augment(batch)
    assert first.shape == batch.shape
    assert np.isfinite(first.numpy()).all()
    assert not np.array_equal(first.numpy(), second.numpy())


def test_works_with_unknown_batch_size_in_a_graph():
    """A graph traced for any batch size (as Keras traces) runs."""
    seed = keras.random.SeedGenerator(8)
    augment = tf.function(
        lambda batch: diff_augment(batch, seed=seed),
        input_signature=[tf.TensorSpec((None, 16, 16, 3), tf.float32)])
    assert augment(images(batch=3)).shape == (3, 16, 16, 3)


def test_layer_augments_only_when_training():
    """The layer passes images through unless training=True; in a model
    under fit it augments and keeps training finite."""
    layer = DiffAugment("color,translation", seed=9)
    batch = images()
    np.testing.assert_array_equal(layer(batch).numpy(), batch.numpy())
    np.testing.assert_array_equal(layer(batch, training=False).numpy(),
                                  batch.numpy())
    assert not np.array_equal(layer(batch, training=True).numpy(),
                              batch.numpy())
    assert DiffAugment.from_config(layer.get_config()).policy == \
        "color,translation"


def test_layer_state_is_a_variable_of_the_layer():
    """Its random generator's state travels with the model's variables, so
    a checkpoint resumes the stream of draws."""
    critic = keras.Sequential([keras.Input((16, 16, 3)), DiffAugment(seed=1),
                               keras.layers.Flatten(), keras.layers.Dense(1)])
    assert any("seed_generator" in variable.path
               for variable in critic.variables)


@pytest.mark.parametrize("policy", ["colour", "color,zoom", 3])
def test_unknown_policy_is_refused_listing_the_valid_ones(policy):
    """The error says what is valid."""
    with pytest.raises(ValueError, match="policy") as raised:
        diff_augment(images(), policy)
    for name in POLICIES:
        assert name in str(raised.value)
    with pytest.raises(ValueError, match="policy"):
        DiffAugment(policy)


@pytest.mark.parametrize("bad", [np.zeros((2, 8, 8)),
                                 np.zeros((2, 8, 8, 1), np.uint8)])
def test_images_must_be_float_nhwc(bad):
    """Rank 3 or integer images are refused, naming images."""
    with pytest.raises(ValueError, match="images"):
        diff_augment(bad)


def test_integer_seed_is_refused():
    """An int would augment every batch alike: the error says what to
    pass instead."""
    with pytest.raises(ValueError, match="SeedGenerator"):
        diff_augment(images(), seed=3)


simple_gan = __import__("0-simple_gan")
wgan_clip = __import__("1-wgan_clip")
wgan_gp = __import__("2-wgan_gp")


# ## Lessons 0-2 with differentiable augmentation (``augmenting``)

LESSONS = {"Simple_GAN": simple_gan.Simple_GAN,
           "WGAN_clip": wgan_clip.WGAN_clip, "WGAN_GP": wgan_gp.WGAN_GP}
LESSON_KEYS = {"Simple_GAN": {"discr_loss", "gen_loss"},
               "WGAN_clip": {"discr_loss", "gen_loss"},
               "WGAN_GP": {"discr_loss", "gen_loss", "gp"}}
SAMPLE_SHAPE = (4, 4, 1)


def tiny_lesson(gan_class, seed=0, **kwargs):
    """A compiled lesson GAN of a one-layer generator and a linear critic
    on 12 distinct examples of SAMPLE_SHAPE, its weights set by ``seed``."""
    keras.utils.set_random_seed(seed)
    size = int(np.prod(SAMPLE_SHAPE))
    latent = keras.Input((2,))
    generator = keras.Model(latent, keras.layers.Reshape(SAMPLE_SHAPE)(
        keras.layers.Dense(size)(latent)), name="generator")
    image = keras.Input(SAMPLE_SHAPE)
    critic = keras.Model(image, keras.layers.Dense(1)(
        keras.layers.Flatten()(image)), name="discriminator")
    real = np.linspace(-1, 1, 12 * size, dtype="float32")
    gan = gan_class(generator, critic, lambda k: tf.random.normal((k, 2)),
                    real.reshape((12,) + SAMPLE_SHAPE), batch_size=4,
                    **kwargs)
    return gan


def history(gan, steps=3, run_eagerly=False):
    """Train ``gan`` for ``steps`` steps; return its loss history."""
    gan.compile(run_eagerly=run_eagerly)
    gan.fit(epochs=1, steps_per_epoch=steps, verbose=0)
    return gan.history.history


@pytest.mark.parametrize("name", sorted(LESSONS))
def test_augmenting_with_no_augment_is_the_lesson_draw_for_draw(name):
    """With augment=None, the same losses as the lesson from the same seed,
    under the lesson's keys."""
    lesson = history(tiny_lesson(LESSONS[name], seed=4))
    augmented_class = augmenting(LESSONS[name])
    same = history(tiny_lesson(augmented_class, seed=4, augment=None))
    assert augmented_class.__name__ == f"Augmented{name}"
    assert issubclass(augmented_class, LESSONS[name])
    assert augmenting(LESSONS[name]) is augmented_class
    assert set(lesson) == set(same) == LESSON_KEYS[name]
    for key in lesson:
        np.testing.assert_array_equal(same[key], lesson[key])


@pytest.mark.parametrize("name", sorted(LESSONS))
def test_augmenting_augments_each_sample_the_critic_sees(name):
    """Compiled, augment runs on each critic update's real and fake
    sample (``disc_iter`` = 2 of each) and on the generator update's fake
    sample: 5 times a step; the history keeps the lesson's keys."""
    calls = tf.Variable(0)

    def counting(samples):
        """Count the call in a variable (a compiled step runs it each
        step)."""
        calls.assign_add(1)
        return samples

    logs = history(tiny_lesson(augmenting(LESSONS[name]),
                               augment=counting), steps=3)
    assert set(logs) == LESSON_KEYS[name]
    assert int(calls.numpy()) == 5 * 3


def test_augmenting_real_and_fake_samples_in_order():
    """Run eagerly: per step, two (real, fake) pairs for the critic, the
    real samples rows of ``real_examples``, then one fake sample for the
    generator."""
    seen = []

    def recording(samples):
        """Record the batch; return it unchanged."""
        seen.append(np.asarray(samples))
        return samples

    gan = tiny_lesson(augmenting(wgan_gp.WGAN_GP), augment=recording)
    history(gan, steps=1, run_eagerly=True)
    data = np.asarray(gan.real_examples).reshape(12, -1)

    def is_real(batch):
        """Whether every example of ``batch`` is a row of the data."""
        return all((np.abs(data - row).max(axis=1) < 1e-7).any()
                   for row in batch.reshape(len(batch), -1))

    assert [is_real(batch) for batch in seen] == [True, False, True, False,
                                                  False]


def test_augmenting_leaves_samples_outside_training_alone():
    """Plots and metrics call ``get_real_sample`` outside ``train_step``:
    no augmentation, unless asked with ``training=True``; fakes are
    augmented with ``training=True`` only."""
    gan = tiny_lesson(augmenting(simple_gan.Simple_GAN),
                      augment=lambda samples: samples + 100.)
    assert np.abs(np.asarray(gan.get_real_sample())).max() <= 1
    assert np.asarray(gan.get_real_sample(training=True)).min() > 90
    assert np.abs(np.asarray(gan.get_fake_sample(3))).max() < 90
    assert np.asarray(gan.get_fake_sample(3, training=True)).min() > 90


def test_augmenting_wgan_gp_with_diffaugment_trains_the_generator():
    """A non-zero gradient reaches lesson 2's generator through
    DiffAugment."""
    gan = tiny_lesson(augmenting(wgan_gp.WGAN_GP),
                      augment=DiffAugment(seed=0))
    before = [w.numpy().copy() for w in gan.generator.trainable_weights]
    logs = history(gan, steps=2)
    assert all(np.isfinite(values).all() for values in logs.values())
    assert any(not np.allclose(old, new.numpy()) for old, new in
               zip(before, gan.generator.trainable_weights))


def test_augmenting_rejects_bad_arguments():
    """A class that is no GAN, or an augment that is no function, is named."""
    with pytest.raises(TypeError, match="gan_class must be"):
        augmenting(3)
    with pytest.raises(TypeError, match="augment must be None or"):
        tiny_lesson(augmenting(wgan_clip.WGAN_clip), augment="color")
