#!/usr/bin/env python3
"""``ganlab.data.batches``: step-indexed batches of images held once."""
import numpy as np
import pytest
import tensorflow as tf

from ganlab.data.batches import held, real_batches, shrunk
from ganlab.data.image_sets import to_symmetric


def pixels(count=12, side=8, channels=3, seed=0):
    """``count`` random uint8 images."""
    return np.random.default_rng(seed).integers(
        0, 256, (count, side, side, channels), dtype=np.uint8)


def first_batches(images, steps=4, **kwargs):
    """The first ``steps`` batches of 5 from ``real_batches``, as NumPy."""
    stream = real_batches(images, 5, seed=3, **kwargs)
    return [batch.numpy() for batch in stream.take(steps)]


def test_uint8_images_give_the_batches_of_their_float_version():
    """Held as bytes, scaled a batch at a time: the very batches, to the
    bit, of the float32 array ``to_symmetric`` makes."""
    images = pixels()
    for from_bytes, from_floats in zip(first_batches(images),
                                       first_batches(to_symmetric(images))):
        assert from_bytes.dtype == np.float32
        np.testing.assert_array_equal(from_bytes, from_floats)


def test_resolution_averages_squares_of_pixels():
    """A batch shrunk to side 2 from 8 holds the means of 4x4 squares."""
    images = pixels()
    for full, small in zip(first_batches(images),
                           first_batches(images, resolution=2)):
        expected = full.reshape(5, 2, 4, 2, 4, 3).mean(axis=(2, 4))
        assert small.shape == (5, 2, 2, 3)
        np.testing.assert_allclose(small, expected, rtol=1e-6, atol=1e-6)
    assert shrunk(tf.zeros((1, 8, 8, 1)), None).shape == (1, 8, 8, 1)
    with pytest.raises(ValueError, match="resolution must divide"):
        first_batches(images, resolution=3)


def test_a_batch_is_a_function_of_its_step():
    """Started at step 2, the stream reads what steps 2 and 3 read from
    the start: a resumed run sees the uninterrupted run's batches."""
    images = pixels()
    start = first_batches(images, steps=4)
    resumed = first_batches(images, steps=2, first_step=2)
    for ours, theirs in zip(resumed, start[2:]):
        np.testing.assert_array_equal(ours, theirs)
    # each pass visits every image once: 12 images, 5 a batch
    seen = np.concatenate(start)[:12]
    assert len({row.tobytes() for row in seen}) == 12


def test_held_images_are_one_tensor_for_every_stream():
    """``held`` converts an array once; a tensor passes through, so the
    ProGAN's phases share one copy of the data."""
    images = pixels()
    tensor = held(images)
    assert isinstance(tensor, tf.Tensor) and tensor.dtype == tf.uint8
    assert held(tensor) is tensor
    np.testing.assert_array_equal(first_batches(tensor),
                                  first_batches(images))


def test_other_pixel_types_are_refused():
    """int32 pixels are neither bytes nor floats in [-1, 1]."""
    with pytest.raises(TypeError, match="uint8 or floating-point"):
        held(pixels().astype(np.int32))
