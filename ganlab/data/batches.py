#!/usr/bin/env python3
"""Endless batches of images held in memory, each a function of its step.

The DCGAN and the ProGAN of the command line read their real images
through ``real_batches``: the batch of step k is fixed by the seed and k
alone, so a resumed run reads on from where it stopped, with no state of
its own to save, and N devices read what one does.
"""
import tensorflow as tf


def real_batches(images, batch_size, seed, first_step=0):
    """Return an endless ``tf.data`` stream of batches of ``images``.

    The batch of global step k holds examples k * batch_size onwards of
    an endless sequence that visits the data in a fresh random order on
    every pass, computed without state by the index-shuffle op from
    (seed, pass, position). A run resumed at step ``first_step`` therefore
    sees exactly the batches an uninterrupted run would have, and a
    ``tf.distribute`` strategy splits the same batches among its devices
    (a ``shuffle`` in the pipeline would be drawn anew once the strategy
    rewrites it).
    """
    count = len(images)
    data = tf.constant(images)

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
        return tf.gather(data, indices)

    options = tf.data.Options()
    # The autotune thread can delay the end of each phase's fit by seconds.
    options.autotune.enabled = False
    return (tf.data.Dataset.range(first_step, 2 ** 62).map(batch_at)
            .with_options(options))
