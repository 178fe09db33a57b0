#!/usr/bin/env python3
"""GANCheckpoint: a resumed run gets back networks, optimizers, epoch."""
import warnings

import numpy as np

from conftest import load_gan_class
from ganlab.data import toy
from ganlab.nets import builders
from ganlab.training.checkpoints import GANCheckpoint


def small_gan():
    """Return a compiled small WGAN_GP on the circle."""
    real = toy.circle(300, seed=0)
    generator, critic, latent = builders.fully_connected_GenDiscr(
        [2, 16, 2], real)
    gan = load_gan_class("WGAN_GP")(generator, critic, latent, real,
                                    batch_size=50)
    gan.compile()
    return gan


def state(gan):
    """Weights of both networks and both optimizers' variables."""
    return [np.array(v) for v in
            gan.generator.weights + gan.discriminator.weights
            + gan.generator.optimizer.variables
            + gan.discriminator.optimizer.variables]


def test_new_run_starts_at_zero(tmp_path):
    """No checkpoint in the folder: restore says 0 epochs done."""
    assert GANCheckpoint(small_gan(), tmp_path / "ckpt").restore() == 0


def test_resume_restores_everything(tmp_path):
    """After 3 epochs saved every 2, a fresh model resumes at epoch 2 with
    the weights and optimizer moments it had then."""
    gan = small_gan()
    saver = GANCheckpoint(gan, tmp_path / "ckpt", every=2)
    gan.fit(gan.real_examples, epochs=2, steps_per_epoch=4, verbose=0,
            callbacks=[saver])
    expected = state(gan)
    gan.fit(gan.real_examples, epochs=3, initial_epoch=2, steps_per_epoch=4,
            verbose=0, callbacks=[saver])
    resumed = small_gan()
    assert GANCheckpoint(resumed, tmp_path / "ckpt").restore() == 2
    restored = state(resumed)
    assert len(restored) == len(expected)
    for actual, wanted in zip(restored, expected):
        np.testing.assert_array_equal(actual, wanted)
    assert int(resumed.discriminator.optimizer.iterations) == 2 * 2 * 4


def test_exported_weights_hold_no_optimizer_state(tmp_path):
    """A trained, compiled network exports its weights alone; they load
    back exactly, and a wrong suffix is refused."""
    import h5py
    import pytest
    from ganlab.training.checkpoints import export_weights
    gan = small_gan()
    gan.fit(gan.real_examples, epochs=1, steps_per_epoch=2, verbose=0)
    path = export_weights(gan.generator, tmp_path / "g.weights.h5")
    with h5py.File(path, "r") as stored:
        assert "optimizer" not in stored
    # into an uncompiled network, as a user loading them would: a
    # compiled one's optimizer would warn that the file holds no state
    network = small_gan().generator
    fresh = type(network).from_config(network.get_config())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fresh.load_weights(path)
    assert not caught, [str(warning.message) for warning in caught]
    for loaded, trained in zip(fresh.get_weights(),
                               gan.generator.get_weights()):
        np.testing.assert_array_equal(loaded, trained)
    assert [p.name for p in tmp_path.iterdir()] == ["g.weights.h5"]
    with pytest.raises(ValueError, match="must end in .weights.h5"):
        export_weights(gan.generator, tmp_path / "g.h5")
