#!/usr/bin/env python3
"""DiffAugment: shapes kept, transformations as specified, gradients flow."""
import numpy as np
import pytest
import tensorflow as tf
from tensorflow import keras

from ganlab.training.augment import (POLICIES, DiffAugment, diff_augment,
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
