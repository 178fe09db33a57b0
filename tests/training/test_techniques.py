#!/usr/bin/env python3
"""``python -m ganlab train``'s techniques (issue 15): generator averaging
(``--average-decay``, ``--average-warmup``), DiffAugment (``--augment``)
and the loss options (``--loss hinge``, ``--spectral-norm``, ``--r1``).

Every run here is tiny (8x8 images, a few steps) so that what is tested
is the wiring: what the checkpoint holds, what ``generator.keras`` and
the sample grids are drawn from, which flags each model refuses.
"""
import argparse
import collections
import dataclasses
import json
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganlab import cli, image_files
from ganlab.nets import mlp_gan
from ganlab.nets.saved import load_generator
from ganlab.training import augment_policies, flags, registry, run_folder, train
from ganlab.training import config as run_config
from ganlab.training.averaging import with_own_batch_statistics
from ganlab.training.checkpoint_folder import saved_numbers
from tests.helpers import ROOT, fails, rolled_back, save_random_pixels

# mlp on 8x8 grey images; --deterministic, so runs repeat bit for bit
TINY = ["train", "--model", "mlp", "--img_size", "8", "--batch_size", "16",
        "--latent_dim", "8", "--steps-per-epoch", "3", "--deterministic",
        "--no-tensorboard", "--verbose", "0", "--doctor", "off"]


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    """96 random 28x28 uint8 'digits' in an .npy file."""
    return save_random_pixels(
        tmp_path_factory.mktemp("data") / "digits.npy", (96, 28, 28))


def parsed(argv):
    """Return the ``RunConfig`` of the ``train`` flags ``argv``, resolved
    without data."""
    parser = argparse.ArgumentParser()
    flags.add_arguments(parser)
    config, _ = run_config.resolve(parser.parse_args(argv), parser)
    return config


def checkpoint_tensors(folder, number, prefix):
    """The tensors of ``folder/checkpoints/ckpt-number`` whose names start
    with ``prefix``, by name."""
    reader = tf.train.load_checkpoint(str(folder / "checkpoints"
                                          / f"ckpt-{number}"))
    return {name: reader.get_tensor(name) for name
            in reader.get_variable_to_shape_map() if name.startswith(prefix)}


def network_weights(folder, number, prefix):
    """The weights of the network saved under ``prefix`` in checkpoint
    ``number``, in a fixed order (by name), without its optimizer."""
    tensors = checkpoint_tensors(folder, number, prefix)
    return [tensors[name] for name in sorted(tensors)
            if "OPTIMIZER_SLOT" not in name]


def as_bytes(weights):
    """The arrays ``weights`` as a sorted list of their bytes."""
    return sorted(np.asarray(weight).tobytes() for weight in weights)


def loaded_quietly(path):
    """Load a saved generator; return it and the warnings Keras gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        generator = load_generator(path)
    return generator, [str(warning.message) for warning in caught]


def test_resume_restores_the_average_exactly(digits, tmp_path):
    """2 epochs, then --resume to 4, against 4 straight: the averaged
    weights, their count of updates, the DiffAugment seed and every loss
    agree bit for bit (mlp draws all its randomness from checkpointed
    generators)."""
    flags = TINY + ["--dataset", str(digits), "--average-warmup", "2",
                    "--sample_interval", "1000"]
    cli.main(flags + ["--n_epochs", "2", "--out", str(tmp_path / "cut")])
    cli.main(flags + ["--n_epochs", "4", "--out", str(tmp_path / "cut"),
                      "--resume"])
    cli.main(flags + ["--n_epochs", "4", "--out", str(tmp_path / "whole")])
    cut, whole = (checkpoint_tensors(tmp_path / name, 4, "")
                  for name in ("cut", "whole"))
    # the average's weights are saved by position (train.run's
    # "average_weights"), the path a checkpoint names them by
    averaged = [name for name in cut if name.startswith("average_weights/")]
    assert averaged and sorted(cut) == sorted(whole)
    for name in averaged + ["average/step/.ATTRIBUTES/VARIABLE_VALUE",
                            "augment_seed/.ATTRIBUTES/VARIABLE_VALUE"]:
        np.testing.assert_array_equal(cut[name], whole[name], err_msg=name)
    assert int(cut["average/step/.ATTRIBUTES/VARIABLE_VALUE"]) == 12
    assert ((tmp_path / "cut" / "losses.csv").read_text()
            == (tmp_path / "whole" / "losses.csv").read_text())


@pytest.mark.parametrize("decay", ["0.9", "0"])
def test_generator_keras_is_the_average_and_loads_quietly(
        digits, tmp_path, monkeypatch, decay):
    """After the warm-up, generator.keras holds the averaged weights (not
    the trained generator's), the sample grids are drawn from them, and
    it loads with no warning about optimizer state; without averaging it
    is the trained generator, just as quiet."""
    grids = []
    save_grid = image_files.save_image_grid

    def recording(pixels, path, **kwargs):
        """Keep each grid's pixels, then save it as usual."""
        grids.append(np.array(pixels))
        return save_grid(pixels, path, **kwargs)
    monkeypatch.setattr(image_files, "save_image_grid", recording)
    out = tmp_path / "run"
    gan = cli.main(TINY + ["--dataset", str(digits), "--n_epochs", "2",
                           "--average-decay", decay, "--sample_interval",
                           "6", "--out", str(out)]
                   + (["--average-warmup", "2"] if decay != "0" else []))
    record = json.loads((out / "run.json").read_text())
    assert record["techniques"]["average_decay"] == float(decay)
    generator, said = loaded_quietly(out / "generator.keras")
    assert not [line for line in said if "optimizer" in line.lower()], said
    assert "optimizer" not in optimizer_entries(out / "generator.keras")
    assert generator.trainable
    # compared as multisets of arrays: the file and the checkpoint order
    # a network's weights by their own paths
    saved = as_bytes(generator.get_weights())
    trained = as_bytes(gan.generator.get_weights())
    if decay == "0":
        assert not checkpoint_tensors(out, 2, "average/")
        assert saved == trained
    else:
        # the average's weights, with batch-norm statistics measured on
        # them (measuring again changes nothing)
        averaged = as_bytes(network_weights(out, 2, "average_weights/"))
        trainable = as_bytes([weight.numpy() for weight
                              in generator.trainable_weights])
        assert not collections.Counter(trainable) - collections.Counter(
            averaged)
        assert saved == as_bytes(
            with_own_batch_statistics(generator).get_weights())
        assert saved != averaged and saved != trained
    # the last grid (step 6) is what generator.keras draws from the
    # grid's latent vectors
    latent = tf.random.stateless_normal((16, 8), seed=(0, 1))
    expected = np.clip((np.asarray(generator(latent, training=False))
                        + 1) / 2, 0, 1)
    np.testing.assert_allclose(grids[-1], expected, atol=1e-6)


# a training run of about 40 s: under -m slow
@pytest.mark.slow
def test_conv_saves_its_average_calibrated_when_asked(digits, tmp_path):
    """--model conv --calibrate: the same run saved with and without it
    differs only in the output layer's kernel,
    scaled by one factor, and the calibrated samples have the training
    images' total pixel variance, which the average's alone had not."""
    from ganlab.nets.saved import generate
    from ganlab.training.calibration import (output_scale,
                                             total_pixel_variance)
    # learning rate 5e-4, not conv's 1e-3: after this one tiny epoch at
    # 1e-3 the samples vary too little for any factor up to 4 to reach
    # the digits' variance, and calibrating refuses (its own test covers
    # the refusal, tests/training/test_calibration.py); this test is about the
    # saving
    flags = ["--model", "conv", "--img_size", "28", "--latent_dim", "8",
             "--average-warmup", "2", "--lr", "5e-4"]
    saved = {}
    for name, extra in (("calibrated", ["--calibrate"]), ("as is", [])):
        out = tmp_path / name
        cli.main(TINY + flags + ["--dataset", str(digits), "--n_epochs",
                                 "1", "--out", str(out)] + extra)
        saved[name], _ = loaded_quietly(out / "generator.keras")
    # the training images in the generator's [-1, 1]
    target = total_pixel_variance(np.load(digits) / 127.5 - 1)
    variance = {name: total_pixel_variance(generate(generator, 10000))
                for name, generator in saved.items()}
    np.testing.assert_allclose(variance["calibrated"], target, rtol=1e-5)
    assert abs(variance["as is"] / target - 1) > .01
    kernel = output_scale(saved["calibrated"])[1].path
    for weight, new, old in zip(saved["calibrated"].weights,
                                saved["calibrated"].get_weights(),
                                saved["as is"].get_weights()):
        if weight.path != kernel:
            np.testing.assert_array_equal(new, old, err_msg=weight.path)
        else:
            ratio = new / old
            np.testing.assert_allclose(ratio, ratio.flat[0], rtol=1e-5)
            assert abs(ratio.flat[0] - 1) > .01


def optimizer_entries(path):
    """The top-level groups of a .keras file's weights: 'optimizer' among
    them means the file carries optimizer state."""
    import zipfile

    import h5py
    with zipfile.ZipFile(path) as archive, h5py.File(
            archive.open("model.weights.h5")) as weights:
        return sorted(weights.keys())


def test_save_generator_leaves_the_optimizer_out(tmp_path):
    """What save_generator avoids: Keras saves a network's optimizer (and,
    for a compiled network such as the lessons', its compile settings)
    with it; loading such a file with compile=True fails on the lesson's
    own loss function. The saved copy has neither, and loads either way
    with no warning."""
    def lesson_loss(fake_scores):
        """A loss Keras cannot find by name on loading."""
        return -keras.ops.mean(fake_scores)
    generator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    generator.compile(optimizer=keras.optimizers.Adam(), loss=lesson_loss)
    generator.optimizer.build(generator.trainable_variables)
    generator.save(tmp_path / "with.keras")
    assert "optimizer" in optimizer_entries(tmp_path / "with.keras")
    with pytest.raises(TypeError, match="lesson_loss"):
        keras.models.load_model(tmp_path / "with.keras")
    run_folder.save_generator(generator, tmp_path / "without.keras")
    assert "optimizer" not in optimizer_entries(tmp_path / "without.keras")
    for compile in (True, False):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loaded = keras.models.load_model(tmp_path / "without.keras",
                                             compile=compile)
        assert not caught and getattr(loaded, "optimizer", None) is None
        for mine, theirs in zip(loaded.get_weights(),
                                generator.get_weights()):
            np.testing.assert_array_equal(mine, theirs)


def test_augment_auto_chooses_by_the_number_of_images():
    """auto: DiffAugment's default policy below 10,000 images, none from
    10,000 (counts only: no data is made)."""
    for count, policy in ((9_999, "color,translation,cutout"),
                          (10_000, "none"), (60_000, "none")):
        augment = parsed(["--model", "dcgan"]).techniques.augment
        assert augment == "auto"
        augment, line = run_config.choose_augment(augment, count,
                                                  "the data")
        assert augment == policy
        assert f"{count:,}" in line and line.count("\n") == 0
    given = parsed(["--model", "progan", "--augment", "cutout, color"])
    assert given.techniques.augment == "cutout,color"
    assert run_config.choose_augment(given.techniques.augment, 10,
                                     "the data")[1] is None
    assert parsed(["--model", "simple"]).techniques.augment == "none"
    # DiffAugment draws per global batch, so several devices choose alike
    several = parsed(["--model", "mlp", "--strategy", "mirrored"])
    augment, _ = run_config.choose_augment(several.techniques.augment, 10,
                                           "the data")
    assert augment == augment_policies.DEFAULT_POLICY


def test_the_policy_names_are_augment_s_own():
    """The names checked before TensorFlow starts are those
    ganlab.training.augment applies, and train reads them without
    starting TensorFlow."""
    import subprocess
    import sys
    from ganlab.training import augment
    assert (augment.POLICIES, augment.DEFAULT_POLICY) == (
        augment_policies.POLICIES, augment_policies.DEFAULT_POLICY)
    assert tuple(augment.TRANSFORMATIONS) == augment_policies.POLICIES
    code = ("import sys; from ganlab.training import train; "
            "assert 'tensorflow' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


REFUSED = (
    [(model, ["--augment", "auto"], "--augment")
     for model in ("simple", "wgan-clip", "wgan-gp")]
    + [(model, flag, flag[0]) for model in ("mlp", "simple", "wgan-clip",
                                            "wgan-gp", "faces")
       for flag in (["--loss", "hinge"], ["--spectral-norm"],
                    ["--r1", "1"])]
    + [("mlp", ["--average-decay", "0", "--average-warmup", "5"],
        "--average-warmup"),
       ("wgan-gp", ["--average-warmup", "5"], "--average-warmup"),
       ("mlp", ["--average-decay", "1"], "--average-decay"),
       ("dcgan", ["--average-decay", "-.1"], "--average-decay"),
       ("mlp", ["--average-warmup", "-1"], "--average-warmup"),
       ("dcgan", ["--r1", "-1"], "--r1"), ("progan", ["--r1", "nan"], "--r1"),
       ("mlp", ["--augment", "colour"], "--augment"),
       ("mlp", ["--calibrate"], "--calibrate"),
       ("dcgan", ["--calibrate"], "--calibrate"),
       ("faces", ["--augment", ","], "--augment")])


@pytest.mark.parametrize("model, flags, named", REFUSED)
def test_a_flag_the_model_would_ignore_is_refused(model, flags, named,
                                                  capsys, tmp_path):
    """One line, exit code 2, naming the flag."""
    error = fails(["train", "--model", model, "--dataset", "ring",
                   "--out", str(tmp_path / "run")] + flags, capsys)
    assert f"error: {named}" in error


def test_the_lessons_average_only_when_asked():
    """Off by default for simple, wgan-clip and wgan-gp; on for the image
    models, at .999 (conv .99) and with the documented warm-up."""
    for entry in registry.ENTRIES:
        techniques = parsed(["--model", entry.name]).techniques
        decay = .99 if entry.name == "conv" else .999
        averages = entry.spec.averages
        assert techniques.average_decay == (decay if averages else 0)
        assert techniques.average_warmup == (100 if averages else None)
    assert {entry.name for entry in registry.ENTRIES
            if entry.spec.averages} == {
        "r3gan", "mlp", "conv", "faces", "dcgan", "progan"}
    techniques = parsed(["--model", "wgan-gp", "--average-decay",
                         ".99"]).techniques
    assert (techniques.average_decay, techniques.average_warmup) == (.99,
                                                                     100)


def test_conv_trains_with_lazy_r1_unless_told_otherwise(digits):
    """conv: gamma 1 by default, on one update in 8, logged as penalty;
    --r1 0 turns it off; mlp takes no --r1 and trains without it."""
    images = np.load(digits)[:64, :, :, None] / 127.5 - 1
    built = {}
    for name, argv in (("default", ["--model", "conv"]),
                       ("off", ["--model", "conv", "--r1", "0"]),
                       ("mlp", ["--model", "mlp"])):
        config = parsed(argv)
        config = dataclasses.replace(
            config, data=dataclasses.replace(config.data, img_size=28),
            model=dataclasses.replace(config.model, latent_dim=8))
        built[name] = registry.entry(config.model.name).build(config, images)
        built[name].config = config
    default = built["default"]
    assert default.config.techniques.r1 == 1.
    assert default.penalty_every == 8
    assert float(default.penalty(mlp_gan.logits_of(default.discriminator),
                                 images[:8].astype(np.float32))) > 0
    assert "penalty" in registry.entry("conv").log_names(
        default.config)[0]
    for name in ("off", "mlp"):
        assert built[name].config.techniques.r1 == 0.
        assert built[name].penalty is None
        assert "penalty" not in registry.entry(
            built[name].config.model.name).log_names(built[name].config)[0]


def test_an_old_run_resumes_as_it_was_trained(tmp_path):
    """A run.json from before the technique flags means no averaging and
    no augmentation; a newer one refuses a change of them."""
    (tmp_path / "run.json").write_text(json.dumps({"model": "mlp"}))
    config = parsed(["--resume", "--out", str(tmp_path)])
    techniques = config.techniques
    assert (techniques.average_decay, techniques.average_warmup,
            techniques.augment, techniques.loss, techniques.r1) == (
        0., None, "none", "default", 0.)
    record = run_config.record_of(config)
    (tmp_path / "run.json").write_text(json.dumps(record))
    run_config.check_resumed_record(config, tmp_path / "run.json")
    changed = parsed(["--resume", "--out", str(tmp_path),
                      "--average-decay", ".99"])
    with pytest.raises(ValueError, match="--average-decay 0.0; got 0.99"):
        run_config.check_resumed_record(changed, tmp_path / "run.json")


def test_hinge_spectral_norm_and_r1_train_a_dcgan_step():
    """--loss hinge --spectral-norm --r1 on the DCGAN: the discriminator is
    spectrally normalised, and the step logs ``penalty`` as a loss."""
    keras.utils.set_random_seed(0)
    config = parsed(["--model", "dcgan", "--loss", "hinge",
                        "--spectral-norm", "--r1", "1", "--batch_size", "4",
                        "--latent_dim", "8", "--augment", "translation"])
    examples = np.random.default_rng(0).uniform(
        -1, 1, (8, 32, 32, 3)).astype(np.float32)
    gan, loss_names = train.build_gan(config, examples,
                                      train.make_augment(config))
    assert loss_names == ("discr_loss", "gen_loss", "penalty")
    assert any(isinstance(layer, keras.layers.SpectralNormalization)
               for layer in gan.discriminator.layers)
    logs = gan.train_step(tf.constant(examples[:4]))
    assert set(loss_names) <= set(logs)
    assert all(np.isfinite(float(logs[name])) for name in loss_names)
    assert float(logs["penalty"]) > 0


def test_progan_hinge_drops_gp_and_logs_the_penalty():
    """The ProGAN's hinge loss has no gradient penalty; R1 is logged."""
    keras.utils.set_random_seed(0)
    config = parsed(["--model", "progan", "--loss", "hinge", "--r1", "1",
                        "--spectral-norm", "--batch_size", "4",
                        "--latent_dim", "8"])
    examples = np.random.default_rng(0).uniform(
        -1, 1, (8, 8, 8, 1)).astype(np.float32)
    gan, loss_names = train.build_gan(config, examples)
    assert loss_names == ("discr_loss", "gen_loss", "penalty")
    logs = gan.train_step(tf.constant(examples[:4]))
    assert sorted(logs) == sorted(loss_names + ("alpha",))


# the average's exact resume below trains it too; under -m slow for
# CI's 10 minutes
@pytest.mark.slow
def test_progan_averages_its_growing_generator(tmp_path):
    """The ProGAN's average is a copy built at every stage, sharing the
    generator's alpha, kept at its stage: generator.keras (the average)
    draws the full-size images, and resume finds the average whole."""
    data = tmp_path / "small.npy"
    save_random_pixels(data, (32, 8, 8))
    out = tmp_path / "run"
    flags = ["train", "--model", "progan", "--dataset", str(data),
             "--batch_size", "8", "--latent_dim", "8", "--n_epochs", "1",
             "--steps-per-epoch", "2", "--average-warmup", "1",
             "--sample_interval", "1000", "--no-tensorboard", "--verbose",
             "0", "--deterministic", "--out", str(out)]
    gan = cli.main(flags)
    generator, said = loaded_quietly(out / "generator.keras")
    assert not [line for line in said if "optimizer" in line.lower()], said
    assert (generator.stage, generator.fading) == (gan.generator.stage,
                                                   gan.generator.fading)
    latent = tf.random.stateless_normal((2, 8), seed=(0, 0))
    assert generator(latent).shape == (2, 8, 8, 1)
    copy = registry.entry("progan").copy_generator(gan.generator)
    assert copy.alpha is gan.generator.alpha
    assert [w.shape for w in copy.weights] == [
        w.shape for w in gan.generator.weights]
    # 3 phases of 2 steps (1 epoch each): the average restarted its
    # warm-up at each, so it counts the last phase's 2 updates, not 6
    numbers = saved_numbers(out / "checkpoints")
    assert int(gan.steps_done.numpy()) == 6
    assert int(checkpoint_tensors(out, numbers[-1], "average/step")[
        "average/step/.ATTRIBUTES/VARIABLE_VALUE"]) == 2
    # resuming a finished run restores the average into a fresh copy
    cli.main(flags + ["--resume"])


def test_a_phase_restarts_the_average_only_at_its_first_image():
    """growth.AverageEachPhase: a phase begun restarts the warm-up; a
    phase resumed part-way keeps the checkpointed count."""
    import types
    from ganlab.training.averaging import AveragedGenerator
    from ganlab.training.growth import AverageEachPhase
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    average = AveragedGenerator(generator, decay=.9, warmup=4)
    for _ in range(7):
        average.update(generator)
    callback = AverageEachPhase(average)
    model = types.SimpleNamespace(phase_images=tf.Variable(5))
    callback.set_model(model)
    callback.on_train_begin()
    assert int(average.step) == 7
    model.phase_images.assign(0)
    callback.on_train_begin()
    assert int(average.step) == 0
    assert float(average.decay_at(average.step)) == 0.  # copying again


@pytest.mark.parametrize("name, shape", [
    ("mlp", (8, 8, 1)), ("faces", (16, 16, 1)), ("dcgan", (32, 32, 3)),
    ("progan", (8, 8, 1))])
def test_every_image_model_augments_and_averages(name, shape):
    """Each image model builds with a DiffAugment layer, takes a step, and
    its generator gets an averaged copy of the same weights."""
    from ganlab.training.averaging import GeneratorAveraging
    keras.utils.set_random_seed(0)
    config = parsed(["--model", name, "--batch_size", "4",
                        "--latent_dim", "16" if name == "faces" else "8",
                        "--augment", "color,translation,cutout"])
    examples = np.random.default_rng(0).uniform(
        -1, 1, (8, *shape)).astype(np.float32)
    augment = train.make_augment(config)
    gan, loss_names = train.build_gan(config, examples, augment)
    seed_before = np.array(augment.seed_generator.state)
    logs = gan.train_step(tf.constant(examples[:4]))
    assert all(np.isfinite(float(logs[key])) for key in loss_names)
    # the augmentation drew from its own seed state, which checkpoints hold
    assert not np.array_equal(seed_before, augment.seed_generator.state)
    entry = registry.entry(name)
    averaging = GeneratorAveraging(gan.generator,
                                   config.techniques.average_decay,
                                   config.techniques.average_warmup,
                                   copy_network=entry.copy_generator)
    copy = entry.follow(averaging.average.network, gan.generator)
    latent = tf.random.stateless_normal((2, config.model.latent_dim),
                                        seed=(0, 0))
    # the same weights, and batch-norm statistics measured the same way
    drawn = entry.follow(gan.generator, gan.generator)
    np.testing.assert_array_equal(copy(latent, training=False),
                                  drawn(latent, training=False))


def test_a_lesson_averages_when_asked(tmp_path):
    """--average-decay on a lesson (off by default): its compiled
    generator gets an average, saved as generator.keras, which loads."""
    out = tmp_path / "ring"
    cli.main(["train", "--model", "wgan-gp", "--dataset", "ring",
              "--examples", "64", "--batch_size", "16", "--latent_dim", "2",
              "--n_epochs", "1", "--steps-per-epoch", "3",
              "--average-decay", ".9", "--average-warmup", "1",
              "--no-tensorboard", "--verbose", "0", "--out", str(out)])
    assert checkpoint_tensors(out, 1, "average/step")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        generator = keras.models.load_model(out / "generator.keras")
    assert not caught
    assert generator(np.zeros((3, 2), np.float32)).shape == (3, 2)


def test_progan_resumes_its_average_and_augmentation_exactly(tmp_path):
    """A ProGAN run with averaging and DiffAugment, rolled back to its
    first checkpoint (the later ones deleted, as if it had been killed
    there) and resumed, ends with the checkpoint and the losses of the
    run never interrupted, bit for bit (--deterministic)."""
    data = tmp_path / "small.npy"
    save_random_pixels(data, (32, 8, 8))
    flags = ["train", "--model", "progan", "--dataset", str(data),
             "--batch_size", "8", "--latent_dim", "8", "--n_epochs", "2",
             "--steps-per-epoch", "2", "--average-warmup", "2",
             "--average-decay", ".5", "--sample_interval", "1000",
             "--no-tensorboard", "--verbose", "0", "--deterministic"]
    whole = tmp_path / "whole"
    cli.main(flags + ["--out", str(whole)])
    numbers = saved_numbers(whole / "checkpoints")
    assert len(numbers) >= 3
    cut = rolled_back(whole, tmp_path / "cut", numbers[0])
    cli.main(flags + ["--out", str(cut), "--resume"])
    ended, expected = (checkpoint_tensors(folder, numbers[-1], "")
                       for folder in (cut, whole))
    assert sorted(ended) == sorted(expected)
    assert any(name.startswith("average_weights/") for name in ended)
    assert "augment_seed/.ATTRIBUTES/VARIABLE_VALUE" in ended
    for name in ended:
        if name != "_CHECKPOINTABLE_OBJECT_GRAPH":
            np.testing.assert_array_equal(ended[name], expected[name],
                                          err_msg=name)
    assert ((cut / "losses.csv").read_text()
            == (whole / "losses.csv").read_text())
