#!/usr/bin/env python3
"""Task 5's DCGAN: shapes, ranges, the smoothed loss by hand, training,
bfloat16, and the demo's scores on held-out images."""
import ast
import json
import sys

import numpy as np
import pytest
import tensorflow as tf
from conftest import ROOT, load_demo, needs_bfloat16_kernels

from ganlab.training.checkpoints import optimizers_of

dcgan = __import__('5-dcgan_cifar')


@pytest.mark.parametrize("filters", [(128, 256, 512), (64, 128, 256)])
def test_shapes_and_ranges(filters):
    """100-D latents -> 32x32x3 in (-1, 1) -> one logit per image."""
    generator = dcgan.build_generator(100, filters[::-1])
    discriminator = dcgan.build_discriminator(filters)
    images = generator(tf.random.normal((4, 100)), training=False)
    assert images.shape == (4, 32, 32, 3)
    assert np.all(np.abs(np.asarray(images)) < 1)
    assert discriminator(images).shape == (4, 1)
    assert [layer.rate for layer in discriminator.layers
            if hasattr(layer, "rate")] == [.4, .4, .4]


def bce(label, logit):
    """Binary cross-entropy of a sigmoid, written out."""
    probability = 1 / (1 + np.exp(-logit))
    return -(label * np.log(probability)
             + (1 - label) * np.log(1 - probability))


@pytest.mark.parametrize("real_label", [.9, 1.])
def test_label_smoothing_by_hand(real_label):
    """Real logits are pulled toward ``real_label``, fake toward 0."""
    real, fake = np.array([[2.], [-1.]]), np.array([[.5], [-3.]])
    expected = bce(real_label, real).mean() + bce(0., fake).mean()
    loss = dcgan.discriminator_loss(tf.constant(real, tf.float32),
                                    tf.constant(fake, tf.float32),
                                    real_label)
    assert float(loss) == pytest.approx(expected, rel=1e-5)
    assert float(dcgan.generator_loss(tf.constant(fake, tf.float32))) == (
        pytest.approx(bce(1., fake).mean(), rel=1e-5))


def test_augmentation_keeps_shape_and_content():
    """Flips and 2-pixel shifts move pixels but keep the image's size and
    its values."""
    images = tf.random.uniform((8, 32, 32, 3))
    moved = dcgan.augment(images)
    assert moved.shape == images.shape
    assert set(np.unique(np.asarray(moved[0]))) <= set(
        np.unique(np.asarray(images[0])))


def test_fit_runs_with_two_learning_rates():
    """A few steps on random images; each network holds its optimizer
    (as in tasks 0-2), which keeps its rate; the losses have the lessons'
    names."""
    model = dcgan.DCGAN(dcgan.build_generator(16, (32, 16, 8)),
                        dcgan.build_discriminator((8, 16, 32)),
                        latent_dim=16)
    model.compile()
    images = np.random.uniform(-1, 1, (64, 32, 32, 3)).astype("float32")
    model.fit(images, batch_size=16, epochs=1, verbose=0)
    assert set(model.history.history) == {"discr_loss", "gen_loss"}
    assert not hasattr(model, "generator_optimizer")
    assert optimizers_of(model) == (model.generator.optimizer,
                                    model.discriminator.optimizer)
    assert int(model.generator.optimizer.iterations) == 4
    assert int(model.discriminator.optimizer.iterations) == 4
    assert float(model.generator.optimizer.learning_rate) == (
        pytest.approx(1e-4))
    assert float(model.discriminator.optimizer.learning_rate) == (
        pytest.approx(4e-4))
    with pytest.raises(ValueError, match="real_label must be in"):
        dcgan.DCGAN(model.generator, model.discriminator, real_label=1.5)


def test_demo_trains_saves_and_samples(tmp_path):
    """main/5-main.py on offline stand-ins: a grid per epoch, the loss
    curves, scores on the held-out tenth, and a saved generator that the
    sampling command can use."""
    import warnings
    from ganlab import cli
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = load_demo(5).main(["--epochs", "2", "--images", "160",
                                   "--batch-size", "32", "--verbose", "0",
                                   "--score-samples", "200",
                                   "--out", str(tmp_path)])
    assert int(model.generator.optimizer.iterations) == 2 * 5
    assert {"5-epoch_001.png", "5-epoch_002.png", "5-losses.png",
            "5-generator.keras", "5-scores.json"} <= {
        p.name for p in tmp_path.iterdir()}
    cli.main(["sample", "--generator", str(tmp_path / "5-generator.keras"),
              "--count", "4", "--out", str(tmp_path / "samples")])
    assert len(list((tmp_path / "samples").glob("000*.png"))) == 4

    scores = json.loads((tmp_path / "5-scores.json").read_text())
    assert set(scores) == {"trained generator", "untrained (baseline)",
                           "training images (floor)"}
    for row in scores.values():
        assert {"frechet_distance", "kernel_distance", "relative_diversity",
                "spectral_distance"} <= set(row["scores"])
        assert row["provenance"]["real_samples"] == 16
        assert row["provenance"]["reference"] == (
            "16 held-out images of the offline stand-ins")
        assert row["provenance"]["extractor"].startswith(
            "pixels averaged to 8x8")
    assert scores["trained generator"]["provenance"]["fake_samples"] == 200
    # Real images from the same source must beat a generator that has
    # not been trained, or the scores would measure nothing.
    floor, untrained = (scores["training images (floor)"]["scores"],
                        scores["untrained (baseline)"]["scores"])
    assert floor["frechet_distance"] < untrained["frechet_distance"]
    assert floor["spectral_distance"] < untrained["spectral_distance"]


@needs_bfloat16_kernels
def test_bfloat16_networks_keep_float32_outputs():
    """Switched by ganlab.nets.precision.use_bfloat16, the hidden layers
    compute in bfloat16, the weights and both outputs stay float32, and a
    DCGAN trains on them with finite losses."""
    import keras
    from ganlab.nets import precision
    generator, discriminator = dcgan.build_networks((8, 16, 32), 16)
    for network in (generator, discriminator):
        precision.use_bfloat16(network)
    hidden = [layer for layer in discriminator.layers
              if isinstance(layer, keras.layers.Conv2D)]
    assert {layer.compute_dtype for layer in hidden} == {"bfloat16"}
    assert {weight.dtype for weight in discriminator.weights} == {
        "float32"}
    images = generator(tf.random.normal((4, 16)), training=False)
    assert images.dtype == tf.float32
    assert discriminator(images).dtype == tf.float32
    model = dcgan.DCGAN(generator, discriminator, latent_dim=16)
    model.compile()
    model.fit(np.random.uniform(-1, 1, (32, 32, 32, 3)).astype("float32"),
              batch_size=16, epochs=1, verbose=0)
    assert all(np.isfinite(model.history.history[key][-1])
               for key in ("discr_loss", "gen_loss"))


@pytest.mark.parametrize("flags, message", [
    (["--inception-weights", "nowhere.h5"],
     "--inception-weights: InceptionV3 weights not found at nowhere.h5"),
    (["--score-samples", "0"], "--score-samples must be at least 1"),
    (["--images", "10"], "need at least 20 images"),
])
def test_demo_refuses_bad_scoring_flags(flags, message, capsys):
    """Bad scoring flags stop the demo before training, naming the flag."""
    with pytest.raises(SystemExit) as stopped:
        load_demo(5).main(flags + ["--epochs", "1"])
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err


def test_the_lesson_teaches_before_the_plumbing():
    """5-dcgan_cifar.py stands alone (TensorFlow, NumPy and the standard
    library), documents everything and reads as tasks 0-2 do: prose
    sections, the networks and losses, then the model with its training
    step, and the checks of its inputs at the end."""
    source = (ROOT / "5-dcgan_cifar.py").read_text()
    tree = ast.parse(source)
    assert source.startswith("#!/usr/bin/env python3\n")
    allowed = {"tensorflow", "numpy"} | set(sys.stdlib_module_names)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert {alias.name.split(".")[0] for alias in node.names} <= (
                allowed)
        elif isinstance(node, ast.ImportFrom):
            assert node.module.split(".")[0] in allowed, node.module
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            assert ast.get_docstring(node), f"{node.name} lacks a docstring"
    lines = {node.name: node.lineno for node in tree.body
             if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    model = next(node for node in tree.body
                 if isinstance(node, ast.ClassDef) and node.name == "DCGAN")
    methods = [node.name for node in model.body
               if isinstance(node, ast.FunctionDef)]
    assert methods.index("train_step") < methods.index("fit") == (
        len(methods) - 1)
    assert lines["generator_loss"] < lines["DCGAN"] < lines["check_networks"]
    assert lines["DCGAN"] < lines["check_real_images"]
    assert source.count("\n# ## ") >= 5

