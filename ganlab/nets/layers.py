#!/usr/bin/env python3
"""Keras layers that networks of several models share.

``GlobalMinibatchStdDev`` is task 4's minibatch standard deviation taken
over the global batch of a ``tf.distribute`` strategy; it is a piece of a
network (the conv GAN's discriminator, the ProGAN's critic), so it lives
here, below the training code that splits a step over replicas
(``ganlab.training.replicas``).
"""
import tensorflow as tf
from tensorflow import keras


class GlobalMinibatchStdDev(keras.layers.Layer):
    """Task 4's minibatch standard deviation over the global batch: the
    mean and the squared deviations of each feature are summed over the
    replicas (as synchronised batch norm sums its statistics), so each
    replica appends the statistic one device would."""

    def __init__(self, epsilon=1e-8, **kwargs):
        """Remember the small constant under the square root."""
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def call(self, inputs):
        """Return ``inputs`` with the global statistic as one more
        channel."""
        context = tf.distribute.get_replica_context()

        def summed(values):
            """``values`` summed over the batch and over the replicas."""
            total = tf.reduce_sum(values, axis=0)
            return total if context is None else context.all_reduce(
                "sum", total)

        count = summed(tf.ones_like(inputs[:, :1, :1, :1]))
        mean = summed(inputs) / count
        variance = summed(tf.square(inputs - mean)) / count
        statistic = tf.reduce_mean(tf.sqrt(variance + self.epsilon))
        shape = tf.concat([tf.shape(inputs)[:-1], [1]], axis=0)
        return tf.concat([inputs, tf.fill(shape, statistic)], axis=-1)
