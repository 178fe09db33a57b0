#!/usr/bin/env python3
"""``--model r3gan``: the residual networks of ``ganlab.nets.residual_gan``
at every size, the relativistic loss and the R1 + R2 penalty against hand
computations, and ``train``'s choice of it when ``--model`` is left out."""
import argparse
import math

import numpy as np
import pytest
import tensorflow as tf
from tensorflow import keras

from ganlab.nets import residual_gan
from ganlab.training import config as run_config
from ganlab.training import flags, registry
from ganlab.training.losses import (relativistic_critic_loss,
                                    relativistic_generator_loss)
from ganlab.training.relativistic import (RelativisticGAN,
                                          zero_centred_penalty)


def softplus(value):
    """log(1 + e^value), by hand."""
    return math.log1p(math.exp(value))


def test_relativistic_losses_on_known_logits():
    """Each real logit against the fake of its row: the critic pays
    softplus(fake - real), the generator softplus(real - fake)."""
    real = tf.constant([[1.], [0.], [-2.]])
    fake = tf.constant([[0.], [2.], [-2.]])
    critic = (softplus(-1.) + softplus(2.) + softplus(0.)) / 3
    generator = (softplus(1.) + softplus(-2.) + softplus(0.)) / 3
    assert float(relativistic_critic_loss(real, fake)) == pytest.approx(
        critic, rel=1e-6)
    assert float(relativistic_generator_loss(real, fake)) == pytest.approx(
        generator, rel=1e-6)
    # shifting every logit by the same amount changes neither loss
    assert float(relativistic_critic_loss(real + 5., fake + 5.)
                 ) == pytest.approx(critic, rel=1e-6)


def linear_critic(weights, bias=.3):
    """D(x) = w . x + b on 2x2x1 images: its gradient is w at every x."""
    image = keras.Input(shape=(2, 2, 1))
    flat = keras.layers.Flatten()(image)
    dense = keras.layers.Dense(1)
    network = keras.Model(image, dense(flat))
    dense.set_weights([np.reshape(weights, (4, 1)).astype(np.float32),
                       np.array([bias], np.float32)])
    return network


def test_r1_and_r2_of_a_linear_critic():
    """gamma / 2 * (R1 + R2) with R1 = R2 = ||w||^2: gamma ||w||^2,
    whatever the images."""
    weights = np.array([1., -2., .5, 3.])
    critic = linear_critic(weights)
    images = tf.random.stateless_normal((6, 2, 2, 1), seed=(1, 2))
    gamma = .7
    value = float(zero_centred_penalty(gamma)(critic, images))
    assert value == pytest.approx(gamma / 2 * 2 * np.sum(weights ** 2),
                                  rel=1e-6)


def test_the_penalty_sees_the_reals_and_the_fakes():
    """A critic whose gradient differs at reals and fakes (D(x) =
    sum(x^2) / 2 has gradient x): the penalty is gamma / 2 times the mean
    squared norm at the reals plus that at the fakes."""
    square = keras.layers.Lambda(
        lambda images: tf.reduce_sum(images ** 2, axis=[1, 2, 3]) / 2)
    real = tf.fill((3, 2, 2, 1), 1.)
    fake = tf.fill((3, 2, 2, 1), 2.)
    gamma = 2.
    r1, r2 = 4 * 1., 4 * 4.
    value = float(zero_centred_penalty(gamma)(square,
                                              tf.concat([real, fake], 0)))
    assert value == pytest.approx(gamma / 2 * (r1 + r2))


@pytest.mark.parametrize("side", residual_gan.SIDES)
@pytest.mark.parametrize("channels", [1, 3])
def test_every_size_builds_and_trains_one_step(side, channels):
    """Sides 16 to 256, grey and colour: the generator draws the image's
    shape, the discriminator gives one logit each, and one training step
    gives finite losses and moves both networks."""
    if side == 256 and channels == 1:
        pytest.skip("256x256 is checked in colour; grey adds nothing")
    keras.utils.set_random_seed(0)
    generator = residual_gan.build_generator(8, (side, side, channels))
    discriminator = residual_gan.build_discriminator((side, side, channels))
    assert generator.output_shape == (None, side, side, channels)
    assert discriminator.output_shape == (None, 1)
    images = np.random.default_rng(0).uniform(
        -1, 1, (2, side, side, channels)).astype(np.float32)
    gan = RelativisticGAN(generator, discriminator, images, batch_size=2,
                          gamma=1.)
    gan.compile(learning_rate=1e-3, beta_1=0., beta_2=.99)
    before = [weights.numpy() for weights in (
        generator.get_layer("to_image").kernel,
        discriminator.get_layer("logit").kernel)]
    logs = gan.train_step(None)
    assert all(np.isfinite(float(value)) for value in logs.values())
    assert float(logs["penalty"]) > 0
    after = [generator.get_layer("to_image").kernel.numpy(),
             discriminator.get_layer("logit").kernel.numpy()]
    assert all(np.abs(new - old).max() > 0 for new, old in zip(after, before))


def test_blocks_start_as_the_identity():
    """Each residual branch's last kernel starts at zero, so every block
    passes its input through unchanged at the start."""
    generator = residual_gan.build_generator(8, (16, 16, 3))
    projections = [layer for layer in generator.layers
                   if layer.name.endswith("_project")]
    assert len(projections) == len(residual_gan.stage_sides(16))
    for layer in projections:
        assert not np.any(layer.kernel.numpy())


def test_widths_halve_as_the_side_doubles_and_capacity_scales_them():
    assert [residual_gan.width_at(side) for side in (4, 8, 16, 32, 64)] == [
        256, 128, 64, 32, 16]
    assert residual_gan.width_at(128) == residual_gan.width_at(256) == 16
    assert residual_gan.width_at(32, capacity=4) == 128
    small = residual_gan.build_generator(8, (32, 32, 3))
    large = residual_gan.build_generator(8, (32, 32, 3), capacity=2)
    assert large.count_params() > 3 * small.count_params()


@pytest.mark.parametrize("shape", [(24, 24, 3), (32, 16, 3), (32, 32, 4),
                                   (512, 512, 3), (8, 8, 1)])
def test_shapes_it_cannot_draw_are_refused(shape):
    with pytest.raises(ValueError, match="image_shape must be"):
        residual_gan.build_generator(8, shape)
    with pytest.raises(ValueError, match="image_shape must be"):
        residual_gan.build_discriminator(shape)


@pytest.mark.parametrize("capacity", [0, -1, float("nan"), 100, "wide"])
def test_bad_capacity_is_refused(capacity):
    with pytest.raises(ValueError, match="capacity must be"):
        residual_gan.build_generator(8, (16, 16, 3), capacity=capacity)


@pytest.mark.parametrize("gamma", [-1., float("nan"), float("inf"), "x"])
def test_bad_gamma_is_refused(gamma):
    images = np.zeros((4, 16, 16, 3), np.float32)
    with pytest.raises(ValueError, match="gamma must be"):
        RelativisticGAN(residual_gan.build_generator(8, (16, 16, 3)),
                        residual_gan.build_discriminator((16, 16, 3)),
                        images, batch_size=2, gamma=gamma)


def settled(argv):
    """The ``RunConfig`` of ``train``'s flags ``argv``, resolved without
    data."""
    parser = argparse.ArgumentParser()
    flags.add_arguments(parser)
    return run_config.resolve(parser.parse_args(argv), parser)[0]


def test_train_picks_r3gan_for_images_and_wgan_gp_for_toy_sets(tmp_path):
    for dataset in ("emoji", "mnist", "cifar10", str(tmp_path)):
        config = settled(["--dataset", dataset])
        assert config.model.name == "r3gan"
        assert config.model.capacity == 1.
        assert config.techniques.r1 == registry.R3GAN.spec.defaults.r1
    assert settled(["--dataset", "ring"]).model.name == "wgan-gp"
    assert settled(["--model", "conv"]).model.capacity is None


def test_capacity_is_refused_by_models_of_fixed_width(capsys):
    with pytest.raises(SystemExit):
        settled(["--model", "conv", "--capacity", "2"])
    assert "--capacity: --model conv" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        settled(["--capacity", "0"])
    assert "--capacity must be" in capsys.readouterr().err


def test_data_sides_round_up_to_a_side_it_draws():
    """28x28 MNIST trains at 32; 72x72 at 128; past 256, at 256."""
    entry = registry.entry("r3gan")
    assert [entry.image_side(side) for side in (8, 16, 28, 32, 72, 300)] == [
        16, 16, 32, 32, 128, 256]
    assert registry.entry("conv").image_side(28) == 28
