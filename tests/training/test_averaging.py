#!/usr/bin/env python3
"""The generator's moving average against numbers computed with NumPy."""
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from tensorflow import keras

from ganlab.training.averaging import (AveragedGenerator, GeneratorAveraging,
                                      with_own_batch_statistics)
from tests.helpers import ROOT


def tiny_generator(seed, batch_norm=False):
    """A 2 -> 3 Dense generator (with batch norm after it if asked), its
    weights drawn from ``seed``."""
    keras.utils.set_random_seed(seed)
    layers = [keras.Input((2,)), keras.layers.Dense(3)]
    if batch_norm:
        layers.append(keras.layers.BatchNormalization())
    return keras.Sequential(layers)


def perturb(generator, rng):
    """Move every weight of ``generator`` by a random amount, as an
    optimizer step (and, for batch norm, a forward pass) would."""
    for weight in generator.weights:
        weight.assign(weight.numpy() + rng.normal(size=weight.shape)
                      .astype("float32"))


def test_update_matches_the_formula_by_hand():
    """After the warm-up, average = .9 * average + .1 * w, each step."""
    generator = tiny_generator(0)
    average = AveragedGenerator(generator, decay=.9, warmup=0)
    expected = [w.numpy().astype("float64") for w in generator.weights]
    rng = np.random.default_rng(0)
    for _ in range(3):
        perturb(generator, rng)
        decay = average.update(generator)
        assert float(decay) == pytest.approx(.9)
        expected = [.9 * e + .1 * w.numpy() for e, w in
                    zip(expected, generator.weights)]
    for got, want in zip(average.network.weights, expected):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-6)
    assert int(average.step) == 3


def test_warmup_copies_then_averages():
    """With warmup 2 the first two updates copy the generator exactly;
    the third averages with the full decay."""
    generator = tiny_generator(1)
    average = AveragedGenerator(generator, decay=.5, warmup=2)
    rng = np.random.default_rng(1)
    for _ in range(2):
        perturb(generator, rng)
        assert float(average.update(generator)) == 0.
        for got, want in zip(average.network.weights, generator.weights):
            np.testing.assert_array_equal(got.numpy(), want.numpy())
    before = [w.numpy() for w in average.network.weights]
    perturb(generator, rng)
    assert float(average.update(generator)) == .5
    for got, old, new in zip(average.network.weights, before,
                             generator.weights):
        np.testing.assert_allclose(got.numpy(), .5 * old + .5 * new.numpy(),
                                   rtol=1e-6)


def test_batch_norm_statistics_are_copied_not_averaged():
    """The moving mean and variance follow the generator; gamma, beta and
    the Dense weights are averaged."""
    generator = tiny_generator(2, batch_norm=True)
    average = AveragedGenerator(generator, decay=.9, warmup=0)
    start = [w.numpy() for w in average.network.weights]
    perturb(generator, np.random.default_rng(2))
    average.update(generator)
    for got, old, new in zip(average.network.weights, start,
                             generator.weights):
        if new.trainable:
            np.testing.assert_allclose(got.numpy(),
                                       .9 * old + .1 * new.numpy(), rtol=1e-6)
        else:
            assert "moving" in new.path
            np.testing.assert_array_equal(got.numpy(), new.numpy())
    assert not average.network.trainable_weights


def test_own_batch_statistics_are_the_mean_batch_moments_by_hand():
    """The copy's moving mean and variance are the means, over the
    batches, of each batch's mean and (biased) variance of the batch-norm
    layer's input, computed here with NumPy from the same latent vectors;
    its other weights are the network's, and the network is unchanged."""
    generator = tiny_generator(4, batch_norm=True)
    before = [w.numpy() for w in generator.weights]
    copy = with_own_batch_statistics(generator, batches=3, batch_size=64,
                                     seed=7)
    kernel, bias = generator.layers[0].get_weights()
    means, variances = [], []
    for index in range(3):
        latent = tf.random.stateless_normal((64, 2), seed=(7, index)).numpy()
        inputs = latent.astype(np.float64) @ kernel + bias
        means.append(inputs.mean(0))
        variances.append(inputs.var(0))
    norm = copy.layers[1]
    np.testing.assert_allclose(norm.moving_mean.numpy(), np.mean(means, 0),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(norm.moving_variance.numpy(),
                               np.mean(variances, 0), rtol=1e-5)
    assert norm.momentum == generator.layers[1].momentum
    for got, want, weight in zip(copy.weights, before, generator.weights):
        if weight.trainable:
            np.testing.assert_array_equal(got.numpy(), want)
    for got, want in zip(generator.weights, before):
        np.testing.assert_array_equal(got.numpy(), want)


def test_a_network_without_batch_norm_is_its_own_statistics():
    """Nothing to measure: the very network comes back."""
    generator = tiny_generator(5)
    assert with_own_batch_statistics(generator) is generator


def test_update_inside_tf_function_matches_eager():
    """A compiled update (as in a train_step) gives the eager numbers."""
    generator = tiny_generator(3)
    eager = AveragedGenerator(generator, decay=.8, warmup=1)
    compiled = AveragedGenerator(generator, decay=.8, warmup=1)
    update = tf.function(compiled.update)
    rng = np.random.default_rng(3)
    for _ in range(3):
        perturb(generator, rng)
        eager.update(generator)
        update(generator)
    for a, b in zip(eager.network.weights, compiled.network.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
    assert int(compiled.step) == 3


def test_checkpoint_restores_weights_and_step_bitwise(tmp_path):
    """Saved with tf.train.Checkpoint and restored into a fresh copy of a
    different generator, the average has the same bits and step count."""
    generator = tiny_generator(4, batch_norm=True)
    average = AveragedGenerator(generator, decay=.99, warmup=1)
    rng = np.random.default_rng(4)
    for _ in range(5):
        perturb(generator, rng)
        average.update(generator)
    path = tf.train.Checkpoint(average=average).save(str(tmp_path / "ckpt"))

    fresh = AveragedGenerator(tiny_generator(5, batch_norm=True),
                              decay=.99, warmup=1)
    tf.train.Checkpoint(average=fresh).restore(path).assert_consumed()
    assert int(fresh.step) == 5
    for saved, restored in zip(average.network.weights,
                               fresh.network.weights):
        assert saved.numpy().tobytes() == restored.numpy().tobytes()
    # and the next update continues identically
    perturb(generator, rng)
    average.update(generator)
    fresh.update(generator)
    for a, b in zip(average.network.weights, fresh.network.weights):
        assert a.numpy().tobytes() == b.numpy().tobytes()


@pytest.mark.parametrize("decay", [1, 1.5, -.1, True, "0.9", None])
def test_decay_outside_zero_one_is_refused(decay):
    """decay must lie in [0, 1); the message names it."""
    with pytest.raises(ValueError, match="decay"):
        AveragedGenerator(tiny_generator(6), decay=decay)


@pytest.mark.parametrize("warmup", [-1, 2.5, True])
def test_bad_warmup_is_refused(warmup):
    """warmup must be a whole number 0 or more; the message names it."""
    with pytest.raises(ValueError, match="warmup"):
        AveragedGenerator(tiny_generator(6), warmup=warmup)


def test_a_generator_of_another_shape_is_refused():
    """Updating from a network with other weights says what differs."""
    average = AveragedGenerator(tiny_generator(7))
    other = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4)])
    with pytest.raises(ValueError, match="generator must have"):
        average.update(other)


class TinyGAN(keras.Model):
    """A stand-in GAN: its train_step nudges the generator's kernel by a
    known amount, so the callback's average can be checked by hand."""

    def __init__(self, generator):
        """Hold the generator as the lesson GANs do."""
        super().__init__()
        self.generator = generator

    def train_step(self, data):
        """Add 1 to every weight of the generator."""
        for weight in self.generator.trainable_weights:
            weight.assign_add(tf.ones_like(weight))
        return {"loss": tf.constant(0.)}


def test_callback_averages_after_every_batch():
    """Four batches, warm-up 1, decay .5: the kernel's average lags the
    kernel by 0, .5, .75, .875 after each update (w grows by 1 a step)."""
    generator = tiny_generator(8)
    start = generator.weights[0].numpy()
    averaging = GeneratorAveraging(generator, decay=.5, warmup=1)
    gan = TinyGAN(generator)
    gan.compile()
    gan.fit(np.zeros((4, 1)), batch_size=1, epochs=1, verbose=0,
            callbacks=[averaging])
    assert int(averaging.average.step) == 4
    np.testing.assert_allclose(averaging.average.network.weights[0].numpy(),
                               start + 4 - .875, rtol=1e-6)


def test_callback_refuses_several_steps_per_execution():
    """Called back once per N batches, the average would miss updates."""
    generator = tiny_generator(9)
    gan = TinyGAN(generator)
    gan.compile(steps_per_execution=2)
    with pytest.raises(ValueError, match="steps_per_execution"):
        gan.fit(np.zeros((4, 1)), batch_size=1, epochs=1, verbose=0,
                callbacks=[GeneratorAveraging(generator)])


MIRRORED_SCRIPT = """
import tensorflow as tf
from tensorflow import keras
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from ganlab.training.averaging import AveragedGenerator
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    average = AveragedGenerator(generator, decay=.5, warmup=0)

@tf.function
def train_step():
    def on_each_replica():
        for weight in generator.trainable_weights:
            weight.assign_add(tf.ones_like(weight))
        average.update(generator)
    strategy.run(on_each_replica)

train_step()
train_step()
print(average.network.weights[1].numpy().tolist(), average.step.numpy())
"""


def test_update_in_a_replica_context_under_mirrored_strategy():
    """Called from strategy.run on two logical CPUs, the update is made
    once, not once per replica: the bias (0, then 1, 2) averages to
    .5 * (.5 * 0 + .5 * 1) + .5 * 2 = 1.25 after two steps, and step is 2.
    A process of its own: the CPU is split before TensorFlow starts."""
    environment = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3",
                       PYTHONPATH=os.pathsep.join(
                           [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", MIRRORED_SCRIPT], cwd=ROOT,
                          env=environment, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[-2] == "[1.25, 1.25, 1.25] 2"
