#!/usr/bin/env python3
"""The curriculum's contract for tasks 0-2: names, attributes, behaviour.

Graders call these exact names and signatures, so each is pinned here.
"""
import ast

import numpy as np
import pytest
import tensorflow as tf

from ganlab.nets.builders import fully_connected_GenDiscr
from tests.helpers import ROOT

EXPECTED_BETA_1 = {"Simple_GAN": .5, "WGAN_clip": .5, "WGAN_GP": .3}


def make_gan(gan_class, nb_examples=300, **kwargs):
    """Return a small 2-D GAN of ``gan_class`` on points of a circle."""
    generator, discriminator, latent_generator = fully_connected_GenDiscr(
        [2, 16, 16, 2], None)
    angles = np.linspace(0, 2 * np.pi, nb_examples, endpoint=False)
    real = .5 + .3 * np.stack([np.cos(angles), np.sin(angles)], 1)
    return gan_class(generator, discriminator, latent_generator,
                     real.astype("float32"), **kwargs)


def test_constructor_stores_arguments_and_settings(gan_class):
    """Each argument is kept under its own name, with the curriculum's
    default values and Adam betas."""
    gan = make_gan(gan_class)
    assert (gan.batch_size, gan.disc_iter, gan.learning_rate) == (200, 2,
                                                                  .005)
    assert gan.beta_1 == EXPECTED_BETA_1[gan_class.__name__]
    assert gan.beta_2 == .9
    assert gan.generator.name == "generator"
    assert gan.discriminator.name == "discriminator"
    assert callable(gan.latent_generator)
    custom = make_gan(gan_class, batch_size=50, disc_iter=3,
                      learning_rate=.01)
    assert (custom.batch_size, custom.disc_iter,
            custom.learning_rate) == (50, 3, .01)


def test_each_sub_model_owns_its_loss_and_optimizer(gan_class):
    """Generator and discriminator carry distinct, compiled Adam optimizers
    with the GAN's learning rate and betas, and their own losses."""
    gan = make_gan(gan_class, learning_rate=.002)
    generator_optimizer = gan.generator.optimizer
    discriminator_optimizer = gan.discriminator.optimizer
    assert generator_optimizer is not discriminator_optimizer
    for optimizer in (generator_optimizer, discriminator_optimizer):
        assert type(optimizer).__name__ == "Adam"
        assert float(optimizer.learning_rate) == pytest.approx(.002)
        assert float(optimizer.beta_1) == pytest.approx(gan.beta_1)
        assert float(optimizer.beta_2) == pytest.approx(.9)
    scores = tf.constant([[.5], [-.5]])
    assert np.isfinite(float(gan.generator.loss(scores)))
    assert np.isfinite(float(gan.discriminator.loss(scores, scores)))


def test_compile_then_fit_trains_with_nothing_else(gan_class):
    """``G.compile(); G.fit(x, epochs, steps_per_epoch)`` runs every step,
    even with more steps than examples, and records exactly the contract's
    history keys."""
    gan = make_gan(gan_class, nb_examples=60, batch_size=20)
    gan.compile()
    gan.fit(gan.real_examples, epochs=2, steps_per_epoch=70, verbose=0)
    expected = {"discr_loss", "gen_loss"}
    if gan_class.__name__ == "WGAN_GP":
        expected.add("gp")
    assert set(gan.history.history) == expected
    assert all(len(values) == 2 for values in gan.history.history.values())
    assert int(gan.generator.optimizer.iterations) == 140
    assert int(gan.discriminator.optimizer.iterations) == 2 * 140


def test_real_sample_is_distinct_rows_of_the_data(gan_class):
    """get_real_sample(size) returns ``size`` different real examples."""
    gan = make_gan(gan_class, nb_examples=300)
    rows = {tuple(row) for row in np.asarray(gan.real_examples)}
    sample = np.asarray(gan.get_real_sample(150))
    assert sample.shape == (150, 2)
    assert len({tuple(row) for row in sample}) == 150
    assert {tuple(row) for row in sample} <= rows
    assert np.asarray(gan.get_real_sample()).shape == (200, 2)


def test_fake_sample_has_the_generator_shape(gan_class):
    """get_fake_sample(size) draws ``size`` outputs of the generator."""
    gan = make_gan(gan_class)
    assert gan.get_fake_sample(7).shape == (7, 2)
    assert gan.get_fake_sample().shape == (200, 2)
    assert gan.get_fake_sample(3, training=True).shape == (3, 2)


def test_wgan_clip_keeps_every_critic_weight_in_the_box():
    """After a WGAN_clip step every critic variable lies in [-1, 1], even
    when the step starts far outside the box."""
    from tests.helpers import load_gan_class
    gan = make_gan(load_gan_class("WGAN_clip"), disc_iter=1)
    for variable in gan.discriminator.trainable_variables:
        variable.assign(tf.fill(variable.shape, 3.))
    gan.compile()
    gan.fit(gan.real_examples, epochs=1, steps_per_epoch=1, verbose=0)
    values = np.concatenate([np.ravel(variable.numpy()) for variable
                             in gan.discriminator.trainable_variables])
    assert values.min() >= -1. and values.max() <= 1.
    assert np.any(values == 1.)


def test_wgan_gp_shape_attributes():
    """WGAN_GP keeps lambda_gp, dims, len_dims, axis and scal_shape."""
    from tests.helpers import load_gan_class
    gan = make_gan(load_gan_class("WGAN_GP"), nb_examples=300, batch_size=64,
                   lambda_gp=3)
    assert gan.lambda_gp == 3
    assert tuple(gan.dims) == (300, 2)
    assert int(gan.len_dims) == 2
    assert list(np.asarray(gan.axis)) == [1]
    assert list(np.asarray(gan.scal_shape)) == [64, 1]
    assert make_gan(load_gan_class("WGAN_GP")).lambda_gp == 10


@pytest.mark.parametrize("path", sorted(
    list(ROOT.glob("[0-9]-*.py")) + list(ROOT.glob("main/*.py"))),
    ids=lambda path: path.name)
def test_every_file_starts_with_shebang_and_documents_everything(path):
    """The graders' style checks on every numbered file and demo: a
    shebang, then docstrings on the module, every class and function."""
    source = path.read_text()
    assert source.startswith("#!/usr/bin/env python3\n")
    tree = ast.parse(source)
    assert ast.get_docstring(tree)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            assert ast.get_docstring(node), f"{node.name} lacks a docstring"


def test_tooling_is_documented_too():
    """Every module, class and function of ganlab has a docstring."""
    for path in sorted((ROOT / "ganlab").rglob("*.py")):
        tree = ast.parse(path.read_text())
        assert ast.get_docstring(tree), f"{path} lacks a docstring"
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                assert ast.get_docstring(node), (
                    f"{path.name}: {node.name} lacks a docstring")
