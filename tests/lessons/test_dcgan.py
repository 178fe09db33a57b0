#!/usr/bin/env python3
"""Task 5's DCGAN: shapes, ranges, the smoothed loss by hand, training,
bfloat16, and the demo's scores on held-out images."""
import ast
import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganlab.training import augment as augment_module
from ganlab.training import losses
from ganlab.training.averaging import (batch_norm_layers,
                                       with_own_batch_statistics)
from ganlab.training.checkpoints import optimizers_of
from tests.helpers import ROOT, load_demo, needs_bfloat16_kernels

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


def test_flip_and_shift_by_hand():
    """A flip reverses the columns; a shift of (1, -2) moves the picture
    one row down and two columns left, the edges filled by reflection."""
    image = np.arange(5 * 6, dtype="float32").reshape(1, 5, 6, 1)
    images = tf.constant(np.concatenate([image, image]))
    moved = np.asarray(dcgan.flip_and_shift(
        images, tf.constant([True, False]), tf.constant([[0, 0], [1, -2]]),
        max_shift=2))[..., 0]
    np.testing.assert_array_equal(moved[0], image[0, :, ::-1, 0])
    padded = np.pad(image[0, :, :, 0], 2, mode="reflect")
    # output row r shows padded row r + 2 - 1, column c padded c + 2 + 2
    np.testing.assert_array_equal(moved[1], padded[1:6, 4:10])
    # no flip and no shift: the images as they were
    np.testing.assert_array_equal(
        dcgan.flip_and_shift(images, tf.constant([False, False]),
                             tf.zeros((2, 2), tf.int32)), images)


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
    """main/5-main.py on 160 training emoji: a grid per epoch (from the
    averaged generator), the loss curves, scores on the 455 held-out
    family emoji with the emoji features, and a saved generator, the
    average, that the sampling command can use."""
    import warnings
    from ganlab import cli
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = load_demo(5).main(["--epochs", "2", "--images", "160",
                                   "--batch-size", "32", "--verbose", "0",
                                   "--score-samples", "200",
                                   "--out", str(tmp_path)])
    assert int(model.generator.optimizer.iterations) == 2 * 5
    # the recipe's hinge loss and DiffAugment, not the lesson's defaults
    assert model.generator_loss_fn is losses.hinge_generator_loss
    assert isinstance(model.augment, augment_module.DiffAugment)
    assert {"5-epoch_001.png", "5-epoch_002.png", "5-losses.png",
            "5-generator.keras", "5-scores.json"} <= {
        p.name for p in tmp_path.iterdir()}
    cli.main(["sample", "--generator", str(tmp_path / "5-generator.keras"),
              "--count", "4", "--out", str(tmp_path / "samples")])
    assert len(list((tmp_path / "samples").glob("000*.png"))) == 4
    # 10 updates, all within the averaging's warm-up: the saved average
    # has the generator's weights, and batch-norm statistics measured on
    # them rather than the generator's running ones
    saved = keras.models.load_model(tmp_path / "5-generator.keras")
    for saved_weight, weight in zip(saved.trainable_weights,
                                    model.generator.trainable_weights):
        np.testing.assert_array_equal(saved_weight, weight)
    measured = with_own_batch_statistics(model.generator)
    statistics = [(layer.moving_mean, layer.moving_variance)
                  for layer in batch_norm_layers(saved)]
    assert statistics
    for (mean, variance), layer in zip(statistics,
                                       batch_norm_layers(measured)):
        np.testing.assert_allclose(mean, layer.moving_mean, rtol=1e-5,
                                   atol=1e-6)
        np.testing.assert_allclose(variance, layer.moving_variance,
                                   rtol=1e-5, atol=1e-6)
    running = batch_norm_layers(model.generator)[0]
    assert not np.allclose(statistics[0][1], running.moving_variance)

    scores = json.loads((tmp_path / "5-scores.json").read_text())
    assert set(scores) == {"trained generator, averaged",
                           "untrained (baseline)", "training images (floor)"}
    for row in scores.values():
        assert {"frechet_distance", "kernel_distance", "relative_diversity",
                "spectral_distance"} <= set(row["scores"])
        assert row["provenance"]["real_samples"] == 455
        assert row["provenance"]["reference"] == (
            "455 held-out images of the emoji's held-out families")
        assert row["provenance"]["extractor"].startswith("emoji")
    assert scores["trained generator, averaged"]["provenance"][
        "fake_samples"] == 200
    # Real images from the same source must beat a generator that has
    # not been trained, or the scores would measure nothing: on the
    # kernel distance, which 160 floor images estimate without bias (the
    # Frechet distance's bias at so few samples in 128-D is larger than
    # the gap)
    floor, untrained = (scores["training images (floor)"]["scores"],
                        scores["untrained (baseline)"]["scores"])
    assert floor["kernel_distance"] < untrained["kernel_distance"]
    assert floor["spectral_distance"] < untrained["spectral_distance"]


def test_demo_draws_the_shipped_generator(tmp_path):
    """With no flag, main/5-main.py loads the emoji DCGAN of data/ and
    draws its samples and the nearest-training-emoji picture: no
    training, no data set but the emoji it compares with."""
    from PIL import Image
    written = load_demo(5).main(["--out", str(tmp_path)])
    assert sorted(path.name for path in written) == [
        "5-shipped_nearest.png", "5-shipped_samples.png"]
    assert not (tmp_path / "5-generator.keras").exists()
    for path in written:
        with Image.open(path) as picture:
            assert picture.size[0] > 100 and picture.size[1] > 100


def test_demo_trains_when_a_flag_asks_for_it():
    """No flag: draw, no data loaded. --train, or a flag that only
    training reads, trains one, with the other training defaults filled
    in."""
    demo = load_demo(5)
    arguments, images, held_out = demo.arguments_from([])
    assert not arguments.train and images is None and held_out is None
    for flags in (["--train"], ["--epochs", "3"], ["--float32"]):
        arguments, images, held_out = demo.arguments_from(flags)
        assert arguments.train and arguments.batch_size == 64
        assert arguments.epochs == (3 if "--epochs" in flags else 20)
        assert images.shape[1:] == (32, 32, 3) and len(held_out) == 455


def test_the_shipped_dcgan_draws_32x32_colour_emoji():
    """The shipped generator is task 5's (its batch normalisation and
    tanh output): 32x32 RGB in [-1, 1], and not one colour everywhere."""
    from ganlab.nets.saved import generate, load_generator
    generator = load_generator(ROOT / "data" / "dcgan_emoji32_generator.keras")
    assert any(isinstance(layer, keras.layers.BatchNormalization)
               for layer in generator.layers)
    images = generate(generator, 16, seed=0)
    assert images.shape == (16, 32, 32, 3)
    assert images.min() >= -1 and images.max() <= 1
    assert images.std(axis=0).mean() > .05


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
    (["--cifar-path", "nowhere.npz"], "nowhere.npz"),
    (["--inception-weights", "nowhere.h5"],
     "--inception-weights: only with --cifar"),
    (["--score-samples", "0"], "--score-samples must be at least 1"),
    (["--images", "10"], "--batch-size 64 is more than the 10 training"),
    (["--images", "5000"], "--images 5000: there are only 3554"),
    (["--cifar", "--images", "0"], "--images must be at least 1"),
])
def test_demo_refuses_bad_scoring_flags(flags, message, capsys):
    """Bad scoring flags stop the demo before training, naming the flag."""
    with pytest.raises(SystemExit) as stopped:
        load_demo(5).main(flags + ["--epochs", "1"])
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err


def test_the_lesson_teaches_before_the_plumbing():
    """5-dcgan_cifar.py reads as tasks 0-2 do: prose sections, the
    networks and losses, then the model with its training step, and the
    checks of its inputs at the end (test_lesson_files checks that it
    stands alone and documents everything)."""
    source = (ROOT / "5-dcgan_cifar.py").read_text()
    tree = ast.parse(source)
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


# ## The hooks: augment, a loss pair, a penalty, spectral normalisation
#
# A generator whose output is its bias alone (zero kernel), whatever the
# latent vector, and a linear critic D(x) = <w, x> + b make one step
# computable by hand; plain SGD stands in for Adam so that an update is
# exactly -learning_rate * gradient.

PIXELS = 32 * 32 * 3
REAL_LEVELS = np.array([.9, .1, -.5, .6])   # four flat real images
FAKE_LEVEL = .2
CRITIC_SLOPE = 2. / PIXELS                  # D(flat image v) = 2 v + bias
LEARNING_RATE = .1


def bias_generator(latent_dim=4):
    """A generator drawing the flat image FAKE_LEVEL, whatever its input."""
    latent = tf.keras.Input((latent_dim,))
    dense = tf.keras.layers.Dense(PIXELS)
    images = tf.keras.layers.Reshape((32, 32, 3))(dense(latent))
    dense.set_weights([np.zeros((latent_dim, PIXELS), "float32"),
                       np.full(PIXELS, FAKE_LEVEL, "float32")])
    return tf.keras.Model(latent, images, name="generator")


def linear_discriminator(bias=0.):
    """D(x) = CRITIC_SLOPE * sum(x) + bias."""
    image = tf.keras.Input((32, 32, 3))
    dense = tf.keras.layers.Dense(1)
    logit = dense(tf.keras.layers.Flatten()(image))
    dense.set_weights([np.full((PIXELS, 1), CRITIC_SLOPE, "float32"),
                       np.array([bias], "float32")])
    return tf.keras.Model(image, logit, name="discriminator")


def real_batch():
    """The four flat real images."""
    return np.broadcast_to(REAL_LEVELS[:, None, None, None],
                           (4, 32, 32, 3)).astype("float32")


def linear_gan(**hooks):
    """A DCGAN of the two networks above with SGD in both updates and no
    flips, trained for one step on ``real_batch``; returns (gan, logs)."""
    gan = dcgan.DCGAN(bias_generator(), linear_discriminator(),
                      latent_dim=4, augmentation=False, **hooks)
    for network in (gan.generator, gan.discriminator):
        network.optimizer = tf.keras.optimizers.SGD(LEARNING_RATE)
    gan.compile()
    history = gan.fit(real_batch(), batch_size=4, epochs=1, shuffle=False,
                      verbose=0)
    return gan, {name: values[-1]
                 for name, values in history.history.items()}


@pytest.mark.parametrize("sign", [1., -1.])
def test_hinge_pair_by_hand_with_and_without_augment(sign):
    """The hinge critic and generator losses, and the generator's update,
    match a hand computation; with augment x -> -x the critic sees
    negated images in both updates and the generator's gradient flips
    sign, so it reached the generator through the augmentation."""
    hooks = {"loss": (losses.hinge_critic_loss,
                      losses.hinge_generator_loss)}
    if sign < 0:
        hooks["augment"] = lambda images: -images
    gan, logs = linear_gan(**hooks)
    # scores 2 v + 0 of the images the critic sees, sign * v
    real_scores = 2 * sign * REAL_LEVELS
    fake_scores = np.full(4, 2 * sign * FAKE_LEVEL)
    real_active = real_scores < 1          # relu(1 - D) > 0
    fake_active = fake_scores > -1         # relu(1 + D) > 0
    critic_loss = (np.maximum(0, 1 - real_scores).mean()
                   + np.maximum(0, 1 + fake_scores).mean())
    assert logs["discr_loss"] == pytest.approx(critic_loss, rel=1e-5)
    assert 0 < real_active.sum() < 4       # the hinge bends in this batch
    # gradient of the loss on each weight (all pixels alike) and the bias
    weight_gradient = (-(real_active * sign * REAL_LEVELS).mean()
                       + (fake_active * sign * FAKE_LEVEL).mean())
    bias_gradient = -real_active.mean() + fake_active.mean()
    weight = CRITIC_SLOPE - LEARNING_RATE * weight_gradient
    bias = 0. - LEARNING_RATE * bias_gradient
    kernel, critic_bias = gan.discriminator.get_weights()
    assert np.allclose(kernel, weight, rtol=1e-5)
    assert float(critic_bias[0]) == pytest.approx(bias, rel=1e-5, abs=1e-7)
    fake_after = weight * PIXELS * sign * FAKE_LEVEL + bias
    assert logs["gen_loss"] == pytest.approx(-fake_after, rel=1e-5)
    # d(-D(sign * g)) / dg = -sign * weight for every pixel of the bias
    generator_bias = gan.generator.get_weights()[1]
    assert np.allclose(generator_bias,
                       FAKE_LEVEL + LEARNING_RATE * sign * weight,
                       rtol=1e-5)


def test_penalty_is_differentiated_but_not_logged_in_discr_loss():
    """A penalty of 3 * (critic's bias) moves the bias by a further
    -learning_rate * 3 and changes nothing else; ``discr_loss`` is the
    same as without it, and the penalty is logged beside it."""
    hinge = (losses.hinge_critic_loss, losses.hinge_generator_loss)
    plain, plain_logs = linear_gan(loss=hinge)
    penalised, logs = linear_gan(
        loss=hinge,
        penalty=lambda critic, real: 3. * tf.reduce_sum(
            critic.trainable_variables[1]))
    assert set(plain_logs) == {"discr_loss", "gen_loss"}
    assert set(logs) == {"discr_loss", "gen_loss", "penalty"}
    assert logs["discr_loss"] == pytest.approx(plain_logs["discr_loss"],
                                               rel=1e-6)
    assert logs["penalty"] == pytest.approx(0., abs=1e-7)  # 3 * bias of 0
    kernel, bias = penalised.discriminator.get_weights()
    plain_kernel, plain_bias = plain.discriminator.get_weights()
    assert np.allclose(kernel, plain_kernel, rtol=1e-6)
    assert float(bias[0] - plain_bias[0]) == pytest.approx(
        -LEARNING_RATE * 3., rel=1e-5)


def test_penalty_sees_the_augmented_real_images():
    """The penalty gets the critic and the real images as the critic
    sees them: after augment."""
    seen = []

    def penalty(critic, real):
        """Record the real images the penalty is given; add nothing."""
        seen.append(np.asarray(real))
        return tf.constant(0.)

    gan = dcgan.DCGAN(bias_generator(), linear_discriminator(),
                      latent_dim=4, augmentation=False,
                      augment=lambda images: images * .5, penalty=penalty)
    gan.compile(run_eagerly=True)
    gan.fit(real_batch(), batch_size=4, epochs=1, verbose=0,
            shuffle=False)
    assert len(seen) == 1 and np.allclose(seen[0], real_batch() * .5)


def test_augment_runs_on_every_batch_the_critic_sees_in_the_graph():
    """Compiled, a counting augment runs three times a step (the real and
    a fake batch in the critic's update, a fake batch in the
    generator's), on batches of the data's shape."""
    calls = tf.Variable(0)
    shapes = []

    def counting(images):
        """Count the call in a variable (a compiled step runs it each
        step)."""
        shapes.append(tuple(images.shape[1:]))   # at trace time
        calls.assign_add(1)
        return images

    gan = dcgan.DCGAN(*dcgan.build_networks((8, 16, 32), 8), latent_dim=8,
                      augment=counting)
    gan.compile()
    images = np.random.default_rng(0).uniform(
        -1, 1, (12, 32, 32, 3)).astype("float32")
    gan.fit(images, batch_size=4, epochs=1, verbose=0)
    assert int(calls.numpy()) == 3 * 3
    assert set(shapes) == {(32, 32, 3)}


# a technique combination; under -m slow for CI's 10 minutes
@pytest.mark.slow
def test_sngan_recipe_builds_wrapped_layers_and_trains():
    """spectral_norm=True wraps every convolution and the dense layer;
    with DiffAugment, the hinge pair and R1, a step trains both networks
    and logs the penalty."""
    generator, discriminator = dcgan.build_networks((8, 16, 32), 8,
                                                    spectral_norm=True)
    wrapped = [layer for layer in discriminator.layers
               if isinstance(layer, tf.keras.layers.SpectralNormalization)]
    assert [type(layer.layer).__name__ for layer in wrapped] == [
        "Conv2D", "Conv2D", "Conv2D", "Dense"]
    assert not [layer for layer in discriminator.layers
                if isinstance(layer, (tf.keras.layers.Conv2D,
                                      tf.keras.layers.Dense,
                                      tf.keras.layers.BatchNormalization))]
    gan = dcgan.DCGAN(
        generator, discriminator, latent_dim=8,
        augment=augment_module.DiffAugment(seed=1),
        loss=(losses.hinge_critic_loss, losses.hinge_generator_loss),
        penalty=lambda critic, real: 5. * losses.r1_penalty(critic, real))
    gan.compile()
    before = [w.numpy().copy() for w in generator.trainable_weights]
    images = np.random.default_rng(0).uniform(
        -1, 1, (8, 32, 32, 3)).astype("float32")
    logs = gan.fit(images, batch_size=4, epochs=1, verbose=0).history
    assert set(logs) == {"discr_loss", "gen_loss", "penalty"}
    assert all(np.isfinite(values).all() for values in logs.values())
    assert logs["penalty"][-1] > 0
    # a non-zero gradient reached the generator through the augmentation
    assert any(not np.allclose(old, new.numpy()) for old, new in
               zip(before, generator.trainable_weights))
    with pytest.raises(TypeError, match="spectral_norm"):
        dcgan.build_discriminator(spectral_norm="yes")


@pytest.mark.parametrize("loss", ["hinge", ("a", "b"), None,
                                  (losses.hinge_critic_loss,)])
def test_bad_loss_is_named(loss):
    """Anything but 'nonsaturating' or a pair of functions is refused,
    naming ``loss``."""
    with pytest.raises(ValueError, match="loss must be"):
        dcgan.DCGAN(bias_generator(), linear_discriminator(),
                    latent_dim=4, loss=loss)


@pytest.mark.parametrize("name", ["augment", "penalty"])
def test_bad_hooks_are_named(name):
    """An augment or penalty that is not a function is refused, named."""
    with pytest.raises(TypeError, match=f"{name} must be None or"):
        dcgan.DCGAN(bias_generator(), linear_discriminator(),
                    latent_dim=4, **{name: 3})
