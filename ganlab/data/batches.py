#!/usr/bin/env python3
"""Endless batches of images held in memory, each a function of its step.

The DCGAN and the ProGAN of the command line read their real images
through ``real_batches``: the batch of step k is fixed by the seed and k
alone, so a resumed run reads on from where it stopped, with no state of
its own to save, and N devices read what one does.

The images are held once (``held``): a tensor made from the array a
single time and shared by every pipeline built on it, so a ProGAN that
enters thirteen phases keeps one copy of its data, not thirteen. They may
be held as uint8, a quarter of float32's bytes, and become float32 in
[-1, 1] a batch at a time; a pipeline may also shrink each batch to a
smaller side by averaging squares of pixels, as the ProGAN's early
phases want.
"""
import numpy as np
import tensorflow as tf

from ganlab.data.image_sets import to_symmetric


def held(images):
    """Return ``images`` (a NumPy array or a tensor) as a tensor, made
    once: uint8 pixels as they are (a quarter of float32's memory), floats
    as float32. Pass the result to ``real_batches`` as often as needed
    without another copy; raise ``TypeError`` for any other type."""
    if isinstance(images, tf.Tensor):
        return images
    images = np.asarray(images)
    if images.dtype != np.uint8 and not np.issubdtype(images.dtype,
                                                      np.floating):
        raise TypeError("images must be uint8 pixels or floats in [-1, 1] "
                        "(uint8 or floating-point; scale pixels with "
                        "ganlab.data.image_sets.to_symmetric); got dtype "
                        f"{images.dtype}")
    if images.dtype != np.uint8:
        images = images.astype(np.float32, copy=False)
    return tf.convert_to_tensor(images)


# what to_symmetric makes of each of the 256 pixel values: looked up, not
# computed, because inside a tf.function Grappler turns the division by
# 127.5 into a multiplication by its reciprocal, which rounds some values
# differently from the NumPy scaling of the same pixels
SYMMETRIC_OF_PIXEL = to_symmetric(np.arange(256, dtype=np.uint8))


def as_symmetric(batch):
    """Return a batch as float32 in [-1, 1]: uint8 pixels scaled to the
    bit as ``image_sets.to_symmetric`` scales them, float ones as they
    are."""
    if batch.dtype == tf.uint8:
        return tf.gather(tf.constant(SYMMETRIC_OF_PIXEL),
                         tf.cast(batch, tf.int32))
    return tf.cast(batch, tf.float32)


def shrunk(batch, side):
    """Return a batch of square images shrunk to ``side`` by averaging
    squares of pixels (the ProGAN's own ``downsample``); as it is when
    ``side`` is None or its own."""
    full = batch.shape[1]
    if side is None or side == full:
        return batch
    if full % side:
        raise ValueError(f"resolution must divide the images' side {full}; "
                         f"got {side}")
    factor = full // side
    return tf.nn.avg_pool2d(batch, factor, factor, "VALID")


def real_batches(images, batch_size, seed, first_step=0, resolution=None):
    """Return an endless ``tf.data`` stream of batches of ``images``
    (``held``'s tensor, or an array held here), float32 in [-1, 1],
    shrunk to ``resolution`` when it is given.

    The batch of global step k holds examples k * batch_size onwards of
    an endless sequence that visits the data in a fresh random order on
    every pass, computed without state by the index-shuffle op from
    (seed, pass, position). A run resumed at step ``first_step`` therefore
    sees exactly the batches an uninterrupted run would have, and a
    ``tf.distribute`` strategy splits the same batches among its devices
    (a ``shuffle`` in the pipeline would be drawn anew once the strategy
    rewrites it).
    """
    data = held(images)
    count = int(data.shape[0])

    @tf.autograph.experimental.do_not_convert  # plain ops, nothing to convert
    def batch_at(step):
        """Gather the examples of global step ``step``."""
        positions = step * batch_size + tf.range(batch_size, dtype=tf.int64)
        passes = positions // count
        # one (seed, pass) key per example: each pass is its own permutation
        keys = tf.stack([tf.fill([batch_size], tf.constant(seed, tf.int64)),
                         passes, tf.zeros([batch_size], tf.int64)], axis=1)
        indices = tf.raw_ops.RandomIndexShuffle(
            index=positions % count, seed=keys,
            max_index=tf.constant(count - 1, tf.int64))
        batch = as_symmetric(tf.gather(data, indices))
        return shrunk(batch, resolution) if data.shape.rank == 4 else batch

    options = tf.data.Options()
    # The autotune thread can delay the end of each phase's fit by seconds.
    options.autotune.enabled = False
    return (tf.data.Dataset.range(first_step, 2 ** 62).map(batch_at)
            .with_options(options))
