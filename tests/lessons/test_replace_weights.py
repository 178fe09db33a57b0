#!/usr/bin/env python3
"""WGAN_GP.replace_weights: loads good files, refuses bad ones cleanly."""
import numpy as np
import pytest

from ganlab.nets.builders import fully_connected_GenDiscr
from tests.helpers import load_gan_class


def wgan_gp(widths=(2, 8, 8, 2)):
    """Return a small WGAN_GP on random 2-D points."""
    generator, discriminator, latent = fully_connected_GenDiscr(
        list(widths), None)
    return load_gan_class("WGAN_GP")(generator, discriminator, latent,
                                     np.random.rand(300, 2))


def all_weights(gan):
    """Return copies of the generator's and the critic's weights."""
    return [w.copy() for w in gan.generator.get_weights()
            + gan.discriminator.get_weights()]


@pytest.fixture
def saved_pair(tmp_path):
    """Weights files of a trained model, and the weights they hold."""
    source = wgan_gp()
    source.compile()
    source.fit(source.real_examples, epochs=1, steps_per_epoch=3, verbose=0)
    gen_h5 = tmp_path / "generator.weights.h5"
    disc_h5 = tmp_path / "discriminator.weights.h5"
    source.generator.save_weights(str(gen_h5))
    source.discriminator.save_weights(str(disc_h5))
    return str(gen_h5), str(disc_h5), all_weights(source)


def test_replace_weights_loads_both_networks(saved_pair):
    """After replace_weights the model holds exactly the saved weights."""
    gen_h5, disc_h5, expected = saved_pair
    target = wgan_gp()
    target.replace_weights(gen_h5, disc_h5)
    for loaded, saved in zip(all_weights(target), expected):
        np.testing.assert_array_equal(loaded, saved)


def test_missing_file_is_named(saved_pair, tmp_path):
    """A path that does not exist is reported with its argument's name."""
    gen_h5, _, _ = saved_pair
    missing = str(tmp_path / "nowhere.weights.h5")
    with pytest.raises(FileNotFoundError, match="disc_h5: no weights file "
                                                "at .*nowhere"):
        wgan_gp().replace_weights(gen_h5, missing)


def test_truncated_file_leaves_the_model_untouched(saved_pair, tmp_path):
    """Half a file raises an error naming it; no network changes."""
    gen_h5, disc_h5, _ = saved_pair
    truncated = tmp_path / "truncated.weights.h5"
    data = open(disc_h5, "rb").read()
    truncated.write_bytes(data[:len(data) // 2])
    target = wgan_gp()
    before = all_weights(target)
    with pytest.raises(ValueError, match="disc_h5: cannot load .*truncated"):
        target.replace_weights(gen_h5, str(truncated))
    for after, previous in zip(all_weights(target), before):
        np.testing.assert_array_equal(after, previous)


def test_other_architecture_leaves_the_model_untouched(saved_pair):
    """Weights of wider networks do not fit; the model keeps its own."""
    gen_h5, disc_h5, _ = saved_pair
    target = wgan_gp((2, 16, 16, 2))
    before = all_weights(target)
    with pytest.raises(ValueError, match="gen_h5: cannot load"):
        target.replace_weights(gen_h5, disc_h5)
    for after, previous in zip(all_weights(target), before):
        np.testing.assert_array_equal(after, previous)
