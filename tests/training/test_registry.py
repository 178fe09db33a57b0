#!/usr/bin/env python3
"""``ganlab.training.registry``: one entry per ``--model``, each of which
builds on tiny data, names exactly the losses its ``train_step`` returns,
has the defaults it advertises, and makes the flag refusals that
``ganlab.training.config.resolve`` reads from it."""
import argparse

import numpy as np
import pytest
import tensorflow as tf

from ganlab.training import config as run_config
from ganlab.training import flags, registry, train

# The tiny examples each entry trains on: vectors for the lessons, the
# fixed shapes of faces and dcgan, small images otherwise.
SHAPES = {"r3gan": (16, 16, 3), "mlp": (8, 8, 1), "conv": (8, 8, 1),
          "simple": (2,), "wgan-clip": (2,), "wgan-gp": (2,),
          "faces": (16, 16, 1), "dcgan": (32, 32, 3), "progan": (8, 8, 1)}


def parsed(argv):
    """Return ``(config, parser)`` of ``train``'s flags ``argv``: the
    ``RunConfig`` resolved without data."""
    parser = argparse.ArgumentParser()
    flags.add_arguments(parser)
    config, _ = run_config.resolve(parser.parse_args(argv), parser)
    return config, parser


def refused(argv):
    """Whether ``resolve`` refuses ``argv``."""
    try:
        parsed(argv)
    except SystemExit:
        return True
    return False


def tiny_examples(name, count=16):
    """Examples in [-1, 1] of the entry's shape."""
    values = np.random.default_rng(0).uniform(
        -1, 1, (count, *SHAPES[name])).astype(np.float32)
    return values


def test_every_model_choice_has_one_entry():
    assert flags.MODELS == registry.MODELS
    assert set(flags.MODELS) == set(SHAPES)
    assert len(registry.ENTRIES) == len(set(registry.MODELS))
    for name in flags.MODELS:
        entry = registry.entry(name)
        assert entry.name == name and entry.description
        assert isinstance(entry, registry.Model)


def test_each_spec_holds_values_of_its_declared_types():
    """Every entry declares its defaults, what it accepts and what it
    fixes in one typed ``Spec``, and each value has its field's type: no
    None meaning "refused" beside 0 meaning "accepted"."""
    import dataclasses
    import typing
    for entry in registry.ENTRIES:
        assert isinstance(entry.spec, registry.Spec), entry.name
        for part in (entry.spec.defaults, entry.spec.accepts,
                     entry.spec.fixed):
            hints = typing.get_type_hints(type(part))
            for field in dataclasses.fields(part):
                value = getattr(part, field.name)
                allowed = typing.get_args(hints[field.name]) or (
                    hints[field.name],)
                assert isinstance(value, allowed), (entry.name, field.name,
                                                    value)
        # a model accepts the flag of every setting it defaults above 0
        defaults, accepts = entry.spec.defaults, entry.spec.accepts
        assert not defaults.r1 or accepts.r1, entry.name
        assert defaults.disc_iter is None or accepts.disc_iter, entry.name
        assert defaults.d_lr is None or accepts.d_lr, entry.name
    with pytest.raises(dataclasses.FrozenInstanceError):
        registry.entry("conv").spec.defaults.lr = 1.


def test_a_subclass_spec_changes_only_what_it_names():
    """``Spec.but``: conv's spec is the MLP's with its own changes."""
    mlp, conv = registry.entry("mlp").spec, registry.entry("conv").spec
    assert conv == mlp.but(
        defaults=dict(lr=1e-3, average_decay=.99, latent_dim=64, r1=1.,
                      r1_every=8),
        accepts=dict(calibrate=True, classes=True, bfloat16=True, r1=True))
    assert (conv.defaults.b2, conv.accepts.d_lr) == (mlp.defaults.b2, True)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_entry_builds_and_names_its_losses(name):
    tf.keras.utils.set_random_seed(0)
    config, _ = parsed(["--model", name, "--batch_size", "4",
                           "--latent_dim", "16" if name == "faces" else "8"])
    examples = tiny_examples(name)
    gan, loss_names = train.build_gan(config, examples)
    entry = registry.entry(name)
    # conv's default R1 and r3gan's R1 + R2 add their penalty to the names
    logged, other_logs = entry.log_names(config)
    assert logged == entry.loss_names + (
        ("penalty",) if name in ("conv", "r3gan") else ())
    assert loss_names == logged
    # every model keeps one optimizer on each network
    generator, discriminator = (gan.generator.optimizer,
                                gan.discriminator.optimizer)
    defaults = entry.spec.defaults
    assert float(generator.learning_rate) == pytest.approx(defaults.lr)
    assert float(discriminator.learning_rate) == pytest.approx(
        defaults.d_lr or defaults.lr)
    for optimizer in (generator, discriminator):
        assert float(optimizer.beta_1) == pytest.approx(defaults.b1)
        assert float(optimizer.beta_2) == pytest.approx(defaults.b2)
    losses = gan.train_step(tf.constant(examples[:4]))
    assert sorted(losses) == sorted(logged + other_logs)
    assert all(np.isfinite(float(losses[key])) for key in loss_names)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_refusals_come_from_the_entry(name):
    entry = registry.entry(name)
    accepts, fixed = entry.spec.accepts, entry.spec.fixed
    model = ["--model", name]
    assert refused(model + ["--d_lr", ".001"]) is not accepts.d_lr
    assert refused(model + ["--disc-iter", "3"]) is not accepts.disc_iter
    assert refused(model + ["--b2", ".99"]) is bool(fixed.b2)
    assert refused(model + ["--strategy", "mirrored"]) \
        is not accepts.several_devices
    assert refused(model + ["--latent_dim", "7"]) is bool(fixed.latent_dim)
    config, _ = parsed(model)
    assert config.model.latent_dim == entry.spec.defaults.latent_dim
    # the batch and, for the lessons, the critic updates are the entry's
    assert config.model.batch_size == entry.spec.defaults.batch_size
    assert config.model.disc_iter == entry.spec.defaults.disc_iter
    assert (config.model.disc_iter is None) is not accepts.disc_iter


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_data_check_comes_from_the_entry(name):
    entry = registry.entry(name)
    config, _ = parsed(["--model", name, "--dataset", "ring"])
    vectors = np.zeros((8, 2), np.float32)
    if entry.spec.accepts.vectors:
        entry.check_data(config, vectors)
    else:
        with pytest.raises(ValueError, match=f"--model {name}"):
            entry.check_data(config, vectors)
    if entry.shape is not None:
        with pytest.raises(ValueError, match="--img_size"):
            entry.check_data(config, np.zeros((8, 12, 12, 1), np.float32))


def test_conv_refuses_sizes_two_doublings_cannot_reach():
    """--model conv starts at a quarter of the image: 28x28 and 12x12
    are fine, 10x10 is refused naming --img_size."""
    entry = registry.entry("conv")
    config, _ = parsed(["--model", "conv"])
    for size in (28, 12):
        entry.check_data(config, np.zeros((4, size, size, 1), np.float32))
    with pytest.raises(ValueError, match="--img_size 28"):
        entry.check_data(config, np.zeros((4, 10, 10, 1), np.float32))


def test_refusal_messages_name_the_entries_that_take_the_flag():
    with pytest.raises(SystemExit):
        parsed(["--model", "simple", "--d_lr", ".001"])
    takers = [entry.name for entry in registry.ENTRIES
              if entry.spec.accepts.d_lr]
    assert registry.names_or(takers, last="and") == (
        "r3gan, mlp, conv and dcgan") == registry.takers("d_lr")
    assert registry.names_or(
        entry.name for entry in registry.ENTRIES if entry.spec.accepts.vectors
    ) == "simple, wgan-clip or wgan-gp"
