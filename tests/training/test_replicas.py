#!/usr/bin/env python3
"""ganlab.training.replicas: a step split over devices computes what one
device computes.

The two-device checks run ``replica_check.py`` in a process of its own
(the CPU splits into logical devices only before TensorFlow starts); the
rest run here, on one device, where every helper must leave the lessons'
computation as it was.
"""
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from tensorflow import keras

from ganlab import lessons
from ganlab.nets.layers import GlobalMinibatchStdDev
from ganlab.training import replicas
from tests.helpers import ROOT

TOLERANCE = 1e-5

HERE = pathlib.Path(__file__).parent


@pytest.fixture(scope="module")
def two_device_figures():
    """The script's figures: largest relative differences between one
    device and two, after 20 SGD steps (12 for the ProGAN)."""
    done = subprocess.run([sys.executable, str(HERE / "replica_check.py")],
                          cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("model", ["wgan_gp", "dcgan", "progan"])
def test_two_devices_train_the_weights_of_one(two_device_figures, model):
    """Task 2's WGAN-GP (with DiffAugment), task 5's DCGAN (with its
    flips, dropout and DiffAugment), both with batch norm in the
    generator, and task 4's ProGAN fading a block in (minibatch deviation,
    DiffAugment, alpha): the same weights (and alpha) and losses within
    1e-5 after 20 steps (12 for the ProGAN: replica_check.STEPS)."""
    figures = two_device_figures[model]
    print(f"{model}: 2 devices against 1, largest relative difference: "
          f"weights {figures['weights']:.2g}, losses "
          f"{figures['losses']:.2g}")
    assert figures["weights"] < TOLERANCE
    assert figures["losses"] < TOLERANCE


def test_the_check_fails_without_scaling_each_replica_s_gradients(
        two_device_figures):
    """Summed, not averaged, over two replicas the gradients are twice
    too large: the check above would see it (shown on the DCGAN; the
    scaling is the optimizers', the same for every model)."""
    assert two_device_figures["dcgan_unscaled"]["weights"] > 1e-3


def test_outside_a_strategy_the_share_is_everything():
    values = tf.range(6)
    assert replicas.replica_count() == 1
    np.testing.assert_array_equal(replicas.replica_share(values), values)
    drawn = replicas.for_the_global_batch(
        lambda shape: tf.fill(shape, 2.), (3, 2))
    np.testing.assert_array_equal(drawn, np.full((3, 2), 2.))


def test_draw_seeds_advances_the_generator_once_per_call():
    rng = tf.random.Generator.from_seed(1)
    twin = tf.random.Generator.from_seed(1)
    first, second = (replicas.draw_seeds(rng, 2) for _ in range(2))
    np.testing.assert_array_equal(first, twin.make_seeds(2))
    np.testing.assert_array_equal(second, twin.make_seeds(2))
    assert first.shape == (2, 2)


def test_global_batch_dropout_zeroes_and_scales_like_dropout():
    """Each value kept is divided by 1 - rate, the others are 0; about
    rate of them go; outside training nothing changes."""
    layer = replicas.GlobalBatchDropout(.25, seed=0)
    inputs = tf.ones((200, 50))
    dropped = np.asarray(layer(inputs, training=True))
    assert set(np.unique(dropped)) <= {0., np.float32(1 / .75)}
    assert abs(np.mean(dropped == 0) - .25) < .02
    np.testing.assert_array_equal(layer(inputs, training=False), inputs)
    # a new mask each call
    assert not np.array_equal(dropped, layer(inputs, training=True))
    with pytest.raises(ValueError, match="noise_shape"):
        replicas.GlobalBatchDropout(.5, noise_shape=(1, 50))


def test_with_global_batch_dropout_swaps_only_the_dropout_layers():
    dcgan = lessons.load("5-dcgan_cifar")
    original = dcgan.build_discriminator((8, 16, 32))
    copy = replicas.with_global_batch_dropout(original)
    kinds = [type(layer).__name__ for layer in original.layers]
    assert [type(layer).__name__ for layer in copy.layers] == [
        "GlobalBatchDropout" if kind == "Dropout" else kind
        for kind in kinds]
    assert "Dropout" in kinds
    assert [w.shape for w in copy.weights] == [
        w.shape for w in original.weights]
    rates = [layer.rate for layer in copy.layers
             if isinstance(layer, replicas.GlobalBatchDropout)]
    assert rates == [.4] * 3


def test_prepare_networks_builds_scales_and_pools():
    """Optimizers built before the step, gradients divided by the
    number of replicas (left alone on one), batch norm synchronised."""
    dcgan = lessons.load("5-dcgan_cifar")
    generator = dcgan.build_generator(8, (32, 16, 8))
    generator.optimizer = keras.optimizers.Adam()
    replicas.prepare_networks([generator], 4)
    assert generator.optimizer.built
    assert generator.optimizer.loss_scale_factor == 4.
    norms = [layer for layer in generator._flatten_layers()
             if isinstance(layer, keras.layers.BatchNormalization)]
    assert norms and all(layer.synchronized for layer in norms)
    other = dcgan.build_generator(8, (32, 16, 8))
    other.optimizer = keras.optimizers.Adam()
    replicas.prepare_networks([other], 1)
    assert other.optimizer.loss_scale_factor is None


def test_replicated_classes_and_refusals():
    task2, task5 = lessons.load("2-wgan_gp"), lessons.load("5-dcgan_cifar")
    wgan = replicas.replicated(task2.WGAN_GP)
    assert wgan is replicas.replicated(task2.WGAN_GP)
    assert wgan.__name__ == "ReplicatedWGAN_GP"
    assert issubclass(wgan, replicas.SelfDrawnShares)
    assert issubclass(replicas.replicated(task5.DCGAN), replicas.FedShares)
    with pytest.raises(TypeError, match="gan_class"):
        replicas.replicated(keras.Model)


def test_a_replicated_wgan_gp_draws_distinct_real_examples():
    """On one device its samples have the lesson's shapes; the real
    ones are distinct rows of the data, drawn anew each time."""
    task2 = lessons.load("2-wgan_gp")
    generator = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    examples = np.arange(40, dtype="float32").reshape(20, 2)
    gan = replicas.replicated(task2.WGAN_GP)(
        generator, critic, lambda count: tf.random.normal((count, 3)),
        examples, batch_size=8, seed=1)
    real = np.asarray(gan.get_real_sample())
    assert real.shape == (8, 2)
    assert len({tuple(row) for row in real}) == 8
    assert {tuple(row) for row in real} <= {tuple(row) for row in examples}
    assert not np.array_equal(real, gan.get_real_sample())
    assert gan.get_fake_sample(5).shape == (5, 2)
    mixed = gan.get_interpolated_sample(tf.zeros((8, 2)), tf.ones((8, 2)))
    # u * 0 + (1 - u) * 1, one u per example
    assert np.all((mixed >= 0) & (mixed <= 1))
    np.testing.assert_array_equal(mixed[:, 0], mixed[:, 1])


def test_global_minibatch_deviation_is_the_lesson_s_on_one_device():
    task4 = lessons.load("4-progan")
    values = tf.constant(np.random.default_rng(0).normal(
        size=(6, 4, 4, 5)).astype("float32"))
    np.testing.assert_allclose(
        GlobalMinibatchStdDev()(values),
        task4.MinibatchStdDev()(values), rtol=1e-6)


def test_a_replicated_progan_needs_the_global_deviation_and_counts_once():
    """The lesson's critic is refused, naming the argument; with the
    global layer one step of 8 images counts 8 and moves alpha."""
    task4 = lessons.load("4-progan")
    networks = task4.build_networks(8, 8, 3, max_filters=8, filter_base=32)
    with pytest.raises(ValueError, match="minibatch_std"):
        replicas.replicated(task4.ProGAN)(*networks)
    gan = replicas.replicated(task4.ProGAN)(*task4.build_networks(
        8, 8, 3, max_filters=8, filter_base=32,
        minibatch_std=GlobalMinibatchStdDev()), seed=1)
    gan.compile()
    gan.enter_phase(task4.GrowthSchedule(8, 32, 32).phases[1])
    gan.train_on_batch(np.zeros((8, 8, 8, 3), np.float32))
    assert int(gan.phase_images.numpy()) == 8
    assert int(gan.steps_done.numpy()) == 1
    assert float(gan.alpha.numpy()) == pytest.approx(8 / 32)
    assert gan.get_mix(5).shape == (5, 1, 1, 1)
