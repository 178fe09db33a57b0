#!/usr/bin/env python3
"""Classes (issue 32): labelled data, the conditional networks and
trainings of r3gan and conv, drawing chosen classes, and scoring them
class by class."""
import hashlib
import json
import os
import pathlib
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from ganlab.arrays import class_grid_inputs
from ganlab import lessons
from ganlab.data import labels as labelled
from ganlab.data.emoji import emoji_files, load_emoji
from ganlab.data.faces import load_image_folder
from ganlab.evaluation.classes import class_scores
from ganlab.nets import classes as class_input, conv_gan, residual_gan, saved
from ganlab.training.checkpoints import GANCheckpoint
from ganlab.training.conditional import (ConditionalMLPGAN,
                                         ConditionalRelativisticGAN,
                                         with_labels_fixed)
from ganlab.training.nonsaturating import MLPGAN
from ganlab.training.registry import r1_term
from ganlab.training.relativistic import RelativisticGAN, zero_centred_penalty
from ganlab.viz.classes import (generate_class_rows,
                                resolve_classes, save_class_grid)
from tests.helpers import ROOT, fashion_or_skip, step_losses

SHAPE = (16, 16, 3)
CLASSES = 3
# layer names, types and weight shapes of the networks built without
# classes, at side 16 and capacity .25, by the code before classes were
# added (commit 4a008c8), in a fresh Keras session
UNCONDITIONAL_FINGERPRINTS = {"generator": "248cbe899843bb27",
                              "discriminator": "9ee3d111881eb1a1"}

HERE = pathlib.Path(__file__).parent


def fingerprint(network):
    """A digest of ``network``'s layers: names, types, weight shapes."""
    rows = [(layer.name, type(layer).__name__,
             [tuple(weight.shape) for weight in layer.weights])
            for layer in network.layers]
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def networks(classes=CLASSES, model="r3gan"):
    """A tiny conditional generator (latent 8) and discriminator of
    ``model``: r3gan's at capacity .25, or conv's at a few channels."""
    if model == "conv":
        return (conv_gan.build_generator(8, SHAPE, widths=(16, 8),
                                         classes=classes),
                conv_gan.build_discriminator(SHAPE, widths=(8, 16),
                                             classes=classes))
    return (residual_gan.build_generator(8, SHAPE, capacity=.25,
                                         classes=classes),
            residual_gan.build_discriminator(SHAPE, capacity=.25,
                                             classes=classes))


def data(count=48):
    """Random images in [-1, 1] and labels, the same every time."""
    rng = np.random.default_rng(0)
    return (rng.uniform(-1, 1, (count, *SHAPE)).astype(np.float32),
            rng.integers(0, CLASSES, count))


def small_gan(seed=0, model="r3gan"):
    """A compiled conditional GAN of ``model``, the same initial weights
    every time, with the lazy penalty (every second critic update): R1 +
    R2 for r3gan, R1 for conv."""
    keras.utils.set_random_seed(0)
    images, labels = data()
    if model == "conv":
        gan = ConditionalMLPGAN(*networks(model="conv"), images, labels,
                                batch_size=8, seed=seed, penalty=r1_term(1.),
                                penalty_every=2)
        gan.compile(learning_rate=1e-3)
        return gan
    gan = ConditionalRelativisticGAN(*networks(), images, labels,
                                     batch_size=8, seed=seed, gamma=1.,
                                     penalty_every=2)
    gan.compile(learning_rate=1e-3, beta_1=0., beta_2=.99)
    return gan


MODELS = ("r3gan", "conv")


def write_image(path, colour):
    """Write an 8x8 PNG of one colour at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), colour).save(path)


# labelled data

def test_emoji_labels_are_the_categories_of_their_files():
    """Each split's emoji with a category come with it, in the order of
    load_emoji, and the names are the feature network's ten."""
    from ganlab.data.emoji_labels import CATEGORY_COUNT, categories_of
    for split in ("train", "held_out"):
        images, labels, names = labelled.emoji_with_labels(16, split)
        categories, every = categories_of(emoji_files(split))
        every = np.asarray(every)
        assert names == categories and len(names) == CATEGORY_COUNT
        np.testing.assert_array_equal(labels, every[every >= 0])
        np.testing.assert_array_equal(images,
                                      load_emoji(16, split)[every >= 0])
    # the table's lookups: the grinning face and the flag of France
    paths = emoji_files("all")
    names, every = categories_of(paths)
    for stem, category in (("1f600", "Smileys & Emotion"),
                           ("1f1eb-1f1f7", "Flags")):
        assert names[every[[path.stem for path in paths].index(stem)]] == (
            category)


def test_a_folder_of_sub_folders_gives_their_names_as_keras_does(tmp_path):
    """Sub-folder names, sorted as image_dataset_from_directory sorts
    them, hidden ones skipped; images in load_image_folder's order, at any
    depth inside their class."""
    colours = {"zebra": (255, 0, 0), "Ant": (0, 255, 0), "cat": (0, 0, 255)}
    for name, colour in colours.items():
        write_image(tmp_path / name / "a.png", colour)
        write_image(tmp_path / name / "deeper" / "b.png", colour)
    (tmp_path / ".thumbnails").mkdir()
    images, labels, names = labelled.image_folder_with_labels(tmp_path, 8)
    assert names == ("Ant", "cat", "zebra")
    assert names == tuple(keras.utils.image_dataset_from_directory(
        tmp_path, image_size=(8, 8), verbose=False).class_names)
    np.testing.assert_array_equal(labels, [0, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(images, load_image_folder(tmp_path, 8))
    for image, label in zip(images, labels):
        assert tuple(image[0, 0]) == colours[names[label]]


@pytest.mark.parametrize("layout, message", [
    (("loose.png", "cats/a.png"), "1 images outside any sub-folder"),
    (("cats/a.png", "dogs/notes.txt"), "class sub-folder"),
    ((), "has no sub-folders")])
def test_a_folder_that_gives_no_classes_is_refused_in_one_line(
        tmp_path, layout, message):
    """An image in the folder itself has no class; a class without images
    cannot be learnt; a folder of no sub-folders has no classes."""
    for name in layout:
        if name.endswith(".png"):
            write_image(tmp_path / name, (0, 0, 0))
        else:
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text("not an image")
    with pytest.raises(ValueError, match=message) as caught:
        labelled.image_folder_with_labels(tmp_path, 8)
    assert "\n" not in str(caught.value)


def test_named_sets_keep_their_labels_and_name_their_classes():
    """Fashion-MNIST's and MNIST's labels are the files', with ten names;
    CIFAR-10's names are its ten classes in label order."""
    from ganlab.data.image_sets import FASHION_CLASSES, load_mnist
    fashion_or_skip()
    images, labels, names = labelled.fashion_mnist_with_labels(split="test")
    assert images.shape == (10000, 28, 28) and names == FASHION_CLASSES
    assert set(np.unique(labels)) == set(range(10))
    images, labels, names = labelled.mnist_with_labels()
    np.testing.assert_array_equal(labels, load_mnist()[1])
    assert names == tuple("0123456789")
    assert labelled.CIFAR10_CLASSES.index("cat") == 3
    with pytest.raises(ValueError, match="split must be one of train, test"):
        labelled.cifar10_with_labels(split="held_out")


# networks

def test_without_classes_the_networks_are_as_before():
    """classes=0 builds the very layers of before; the shipped generator
    still loads, and a fresh build has its layers and weight shapes."""
    for name, build in (
            ("generator", lambda: residual_gan.build_generator(
                8, SHAPE, capacity=.25, classes=0)),
            ("discriminator", lambda: residual_gan.build_discriminator(
                SHAPE, capacity=.25, classes=0))):
        keras.backend.clear_session()
        assert fingerprint(build()) == UNCONDITIONAL_FINGERPRINTS[name]
    shipped = saved.load_generator(lessons.SHIPPED
                                   / "r3gan_emoji32_generator.keras")
    keras.backend.clear_session()
    built = residual_gan.build_generator(64, (32, 32, 3))
    assert fingerprint(built) == fingerprint(shipped)
    assert class_input.class_count(shipped) == 0


def test_the_projection_term_is_the_class_vector_dot_the_features():
    """logit = psi(h) + <embed(y), h>, h the pooled features, with the
    embedding and psi's weights set by hand."""
    _, discriminator = networks()
    psi = discriminator.get_layer("logit")
    width = psi.kernel.shape[0]
    rng = np.random.default_rng(1)
    table = rng.normal(size=(CLASSES, width)).astype(np.float32)
    kernel = rng.normal(size=(width, 1)).astype(np.float32)
    discriminator.get_layer(class_input.CLASS_EMBEDDING).set_weights(
        [table])
    psi.set_weights([kernel, np.array([.5], np.float32)])
    images = rng.uniform(-1, 1, (4, *SHAPE)).astype(np.float32)
    labels = np.array([0, 2, 1, 2])
    pooled = keras.Model(discriminator.inputs[0], psi.input)(images).numpy()
    expected = pooled @ kernel[:, 0] + .5 + (table[labels] * pooled).sum(1)
    logits = discriminator([tf.constant(images), tf.constant(labels)])
    np.testing.assert_allclose(logits.numpy()[:, 0], expected, rtol=1e-5,
                               atol=1e-5)


def test_conv_projects_its_flat_features_before_the_sigmoid():
    """conv: probability = sigmoid(w.h + b + <embed(y), h>), h the flat
    features its dense layer reads, with the weights set by hand; the
    layers from the logit on are those kept float32."""
    _, discriminator = networks(model="conv")
    layers = conv_gan.logit_layers(discriminator)
    psi = next(layer for layer in layers
               if isinstance(layer, keras.layers.Dense))
    width = psi.kernel.shape[0]
    rng = np.random.default_rng(1)
    table = rng.normal(size=(CLASSES, width)).astype(np.float32) * .05
    kernel = rng.normal(size=(width, 1)).astype(np.float32) * .05
    discriminator.get_layer(class_input.CLASS_EMBEDDING).set_weights(
        [table])
    psi.set_weights([kernel, np.array([.5], np.float32)])
    images = rng.uniform(-1, 1, (4, *SHAPE)).astype(np.float32)
    labels = np.array([0, 2, 1, 2])
    flat = keras.Model(discriminator.inputs[0], psi.input)(images).numpy()
    logits = flat @ kernel[:, 0] + .5 + (table[labels] * flat).sum(1)
    probabilities = discriminator([tf.constant(images), tf.constant(labels)])
    np.testing.assert_allclose(probabilities.numpy()[:, 0],
                               1. / (1. + np.exp(-logits)), rtol=1e-5,
                               atol=1e-6)
    assert [type(layer).__name__ for layer in layers] == [
        "Embedding", "Dense", "Dot", "Add", "Activation"]
    plain = conv_gan.build_discriminator(SHAPE, widths=(8, 16))
    assert plain.layers[-2:] == conv_gan.logit_layers(plain)


@pytest.mark.parametrize("model", MODELS)
def test_the_class_changes_what_the_generator_draws(model):
    """The same latent vector drawn for two classes gives two images; the
    number of classes is read back from the network."""
    generator, discriminator = networks(model=model)
    assert class_input.class_count(generator) == CLASSES
    assert class_input.class_count(discriminator) == CLASSES
    latent = tf.random.normal((1, 8))
    first, second = (generator([latent, tf.constant([label])]).numpy()
                     for label in (0, 2))
    assert np.abs(first - second).max() > 1e-3


def test_a_conditional_average_measures_its_batch_statistics_per_class():
    """The precise batch norm of an average runs a conditional generator
    on labels over all its classes: its statistics become the copy's own
    (the fresh network's are 0 and 1), the network itself is untouched,
    and the copy still draws each class."""
    from ganlab.training.averaging import (batch_norm_layers,
                                           with_own_batch_statistics)
    generator, _ = networks(model="conv")
    copy = with_own_batch_statistics(generator, batches=2, batch_size=16)
    for ours, theirs in zip(batch_norm_layers(copy),
                            batch_norm_layers(generator)):
        assert np.abs(ours.moving_mean.numpy()).max() > 1e-4
        np.testing.assert_array_equal(theirs.moving_mean.numpy(), 0.)
    drawn = copy([tf.zeros((2, 8)), tf.constant([0, 2])]).numpy()
    assert drawn.shape == (2, *SHAPE) and np.isfinite(drawn).all()


@pytest.mark.parametrize("classes", [-1, 1.5, True, "3"])
def test_a_bad_number_of_classes_is_refused(classes):
    """classes must be a whole number, 0 or more."""
    with pytest.raises(ValueError, match="classes must be a whole number"):
        residual_gan.build_generator(8, SHAPE, classes=classes)


# training

@pytest.mark.parametrize("model", MODELS)
def test_the_conditional_gan_trains_two_steps(model):
    """Two steps with the penalty give finite losses and move both class
    embeddings."""
    gan = small_gan(model=model)
    embeddings = [network.get_layer(class_input.CLASS_EMBEDDING)
                  for network in (gan.generator, gan.discriminator)]
    before = [layer.embeddings.numpy() for layer in embeddings]
    history = gan.fit(epochs=1, steps_per_epoch=2, verbose=0).history
    assert all(np.isfinite(values).all() for values in history.values())
    assert history["penalty"][0] > 0
    for layer, old in zip(embeddings, before):
        assert np.abs(layer.embeddings.numpy() - old).max() > 0


@pytest.mark.parametrize("model", MODELS)
def test_a_step_draws_the_unconditional_batch_with_its_labels(model):
    """The same rng draws the same images and latent vectors as the
    unconditional model, and each image comes with its own label."""
    images, labels = data()
    conditional = small_gan(model=model)
    training = MLPGAN if model == "conv" else RelativisticGAN
    plain = training(*networks(0, model), images, batch_size=8)
    real, latent, drawn_labels = conditional.draw_batch(None)
    plain_real, plain_latent, none = plain.draw_batch(None)
    assert none is None
    np.testing.assert_array_equal(real, plain_real)
    for ours, theirs in zip(latent, plain_latent):
        np.testing.assert_array_equal(ours, theirs)
    rows = [int(np.flatnonzero((images == image).all(axis=(1, 2, 3)))[0])
            for image in real.numpy()]
    np.testing.assert_array_equal(drawn_labels, labels[rows])


def test_the_penalty_differentiates_the_images_only():
    """With a critic sum(x * w[y]), the gradient at each image is its
    class's w: gamma * mean ||w[y]||^2, the labels held fixed."""
    weights = tf.constant(np.random.default_rng(2).normal(
        size=(CLASSES, *SHAPE)), tf.float32)

    def critic(inputs):
        """A critic linear in the image, its weights chosen by class."""
        images, labels = inputs
        return tf.reduce_sum(images * tf.gather(weights, labels),
                             axis=(1, 2, 3))
    labels = tf.constant([0, 1, 1, 2])
    images = tf.zeros((4, *SHAPE))
    value = with_labels_fixed(zero_centred_penalty(.5))(critic,
                                                        [images, labels])
    expected = .5 * np.mean([np.sum(np.square(weights[label]))
                             for label in labels.numpy()])
    assert float(value) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("change, message", [
    (lambda images, labels: (images, labels[:-1]), "labels must be 48"),
    (lambda images, labels: (images, labels + CLASSES), "lie in 0-2"),
    (lambda images, labels: (images, labels * .5), "whole numbers")])
def test_labels_that_do_not_fit_are_refused(change, message):
    """One whole number per example, within the networks' classes."""
    with pytest.raises(ValueError, match=message):
        ConditionalRelativisticGAN(*networks(), *change(*data()))


def test_networks_without_as_many_classes_are_refused():
    """Both networks must take classes, the same number."""
    images, labels = data()
    generator, _ = networks()
    _, other = networks(CLASSES + 1)
    with pytest.raises(ValueError, match="generator takes 3, the "
                                         "discriminator 4"):
        ConditionalRelativisticGAN(generator, other, images, labels)


@pytest.mark.parametrize("model", MODELS)
def test_resume_is_exact(tmp_path, model):
    """4 steps straight against 2, a checkpoint, a restore into a model
    of another seed, and 2 more: the same losses and the same weights."""
    gan = small_gan(model=model)
    saver = GANCheckpoint(gan, tmp_path / "ckpt")
    step_losses(gan, 1, callbacks=[saver])
    straight = step_losses(gan, 2, initial_epoch=1)
    resumed = small_gan(seed=99, model=model)
    assert GANCheckpoint(resumed, tmp_path / "ckpt").restore() == 1
    assert step_losses(resumed, 2, initial_epoch=1) == straight
    for network in ("generator", "discriminator"):
        for ours, theirs in zip(getattr(resumed, network).get_weights(),
                                getattr(gan, network).get_weights()):
            np.testing.assert_array_equal(ours, theirs)


# conv's case under -m slow for CI's 10 minutes: its labels take the path
# r3gan's do, and tests/training/test_distribute.py checks conv on two devices
@pytest.mark.parametrize("model", [
    pytest.param(model, marks=[pytest.mark.slow] if model == "conv" else [])
    for model in MODELS])
def test_two_devices_train_the_weights_of_one(model):
    """One step with a global batch of 8, on one device and split over
    two (each its share of the images, their labels and the latent
    vectors): the same losses and weights, up to the order of additions
    (SGD: tests/training/conditional_replicas.py says why)."""
    done = subprocess.run(
        [sys.executable, str(HERE / "conditional_replicas.py"),
         model],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        # this checkout's package, whichever one is installed
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(
            filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))))
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["losses"] < 1e-5 and figures["weights"] < 1e-5


# drawing and saving

def test_a_saved_conditional_generator_draws_chosen_classes(tmp_path):
    """Saved and loaded in safe mode, it draws the classes asked for,
    the same latent vector down each column; its names come back from
    the file beside it, or as numbers without it."""
    generator, _ = networks()
    path = tmp_path / "generator.keras"
    generator.save(path)
    loaded = saved.load_generator(path)
    assert saved.load_class_names(path, loaded) == ("0", "1", "2")
    written = saved.save_class_names(path, ["cat", "dog", "owl"])
    assert written == tmp_path / "generator.classes.json"
    names = saved.load_class_names(path, loaded)
    assert names == ("cat", "dog", "owl")
    rows = generate_class_rows(loaded, [2, 0, 2], per_class=3, seed=5)
    assert rows.shape == (9, *SHAPE)
    np.testing.assert_array_equal(rows[:3], rows[6:])
    assert np.abs(rows[:3] - rows[3:6]).max() > 1e-3
    # column j of every row: the j-th latent vector generate draws
    np.testing.assert_array_equal(
        rows[3:6], saved.generate(loaded, 3, 5, labels=[0, 0, 0]))
    # the grid train draws lays the same latent vectors out alike
    inputs = class_grid_inputs(tf.random.stateless_normal((3, 8), (5, 0)),
                               [2, 0, 2])
    np.testing.assert_allclose(loaded(inputs).numpy(), rows, atol=1e-5)
    grid = save_class_grid(saved.from_symmetric(rows), [2, 0, 2], names,
                           tmp_path / "grid.png")
    assert Image.open(grid).size[0] > 0


def test_the_shipped_fashion_generator_draws_its_ten_named_classes():
    """data/conv_fashion_classes_generator.keras loads in safe mode with
    the names beside it, and each class draws its own images."""
    from ganlab.data.image_sets import FASHION_CLASSES
    path = lessons.SHIPPED / "conv_fashion_classes_generator.keras"
    generator = saved.load_generator(path)
    assert class_input.class_count(generator) == 10
    assert saved.load_class_names(path, generator) == tuple(FASHION_CLASSES)
    rows = generate_class_rows(generator, [1, 7], per_class=2, seed=0)
    assert rows.shape == (4, 28, 28, 1) and np.abs(rows).max() <= 1
    # a trouser and a sneaker from the same latent vectors
    assert np.abs(rows[:2] - rows[2:]).mean() > .1


def test_generate_needs_labels_exactly_for_a_conditional_generator():
    """A conditional generator needs a class per image; an unconditional
    one refuses any."""
    generator, _ = networks()
    with pytest.raises(ValueError, match="give the class of each image"):
        saved.generate(generator, 2)
    plain = residual_gan.build_generator(8, SHAPE, capacity=.25)
    with pytest.raises(ValueError, match="trained without classes"):
        saved.generate(plain, 2, labels=[0, 1])


def test_class_names_of_another_generator_are_refused(tmp_path):
    """A names file that does not list as many distinct names as the
    generator has classes is refused in one line."""
    generator, _ = networks()
    path = tmp_path / "generator.keras"
    for names in (["a", "b"], ["a", "a", "b"]):
        saved.save_class_names(path, names)
        with pytest.raises(ValueError, match="must list the 3 distinct "
                                             "class names") as caught:
            saved.load_class_names(path, generator)
        assert "\n" not in str(caught.value)
    saved.class_names_path(path).write_text(json.dumps(["no", "key"]))
    with pytest.raises(ValueError, match="cannot read the class names"):
        saved.load_class_names(path, generator)


NAMES = ("T-shirt/top", "Trouser", "Sneaker", "7", "sneaker boot")


@pytest.mark.parametrize("values, chosen", [
    (["Sneaker"], [2]), (["0", "Trouser", "0"], [0, 1, 0]),
    (["trouser"], [1]), (["7"], [3]), (["4"], [4]), ([], [0, 1, 2, 3, 4])])
def test_class_values_are_names_or_numbers(values, chosen):
    """Names first (exactly, else ignoring case), then numbers; none asks
    for every class."""
    assert resolve_classes(values, NAMES) == chosen


@pytest.mark.parametrize("values, names, message", [
    (["Boot"], NAMES, "unknown class 'Boot'"),
    (["5"], NAMES, "unknown class '5'"),
    (["-1"], NAMES, "unknown class '-1'"),
    ([""], NAMES, "unknown class ''"),
    (["0"], (), "trained without classes")])
def test_every_bad_class_value_is_one_line(values, names, message):
    """An unknown name or number names the known classes, in one line; an
    unconditional generator refuses any class."""
    with pytest.raises(ValueError, match=message) as caught:
        resolve_classes(values, names)
    text = str(caught.value)
    assert "\n" not in text
    if names:
        assert "T-shirt/top, Trouser, Sneaker, 7, sneaker boot" in text


# scoring

class ShadeJudge:
    """A stand-in feature network: the features are the pixels' mean and
    spread, the predicted class the mean's tenth (images of one shade
    per class are classified by it)."""

    name = "shade judge"
    checksum = "0"

    def __init__(self, class_names):
        """Classify into ``class_names``."""
        self.class_names = class_names

    def __call__(self, pixels):
        """The mean and standard deviation of each image, and a third
        feature from its first pixel."""
        flat = np.asarray(pixels, np.float64).reshape(len(pixels), -1)
        return np.stack([flat.mean(1), flat.std(1), flat[:, 0]], 1)

    def features_and_classes(self, pixels):
        """The features and the class the mean shade says."""
        features = self(pixels)
        return features, np.floor(features[:, 0] * 10 + .5).astype(int)


def test_class_scores_count_what_the_judge_says_class_by_class():
    """Samples drawn as the real images of their class score a distance
    of 0; one class drawn as another lowers the asked-for accuracy;
    a judge of other classes gives no accuracy."""
    rng = np.random.default_rng(3)
    labels = np.repeat([0, 1, 2], 20)
    real = (labels[:, None, None] / 10.
            + rng.normal(0, .01, (60, 4, 4))).clip(0, 1)
    names = ("black", "dark", "darker")
    fakes, asked = real.copy(), labels.copy()
    # the samples asked for class 2 look like class 1
    fakes[labels == 2] = real[labels == 1]
    scores = class_scores(ShadeJudge(names), real, labels, fakes, asked,
                          names)
    rows = scores["per_class"]
    assert [row["class"] for row in rows] == list(names)
    assert rows[0]["frechet_distance"] == pytest.approx(0, abs=1e-12)
    assert rows[2]["frechet_distance"] > .005
    assert [row["asked_for_accuracy"] for row in rows] == [1., 1., 0.]
    assert scores["real_accuracy"] == 1.
    assert scores["asked_for_accuracy"] == pytest.approx(2 / 3)
    assert scores["balanced_asked_for_accuracy"] == pytest.approx(2 / 3)
    # a larger class weighs more in the plain accuracy, not the balanced
    heavy = np.concatenate([labels, np.zeros(60, int)])
    more = class_scores(ShadeJudge(names), real, labels,
                        np.concatenate([fakes, real[:60] * 0]), heavy, names)
    assert more["asked_for_accuracy"] == pytest.approx(100 / 120)
    assert more["balanced_asked_for_accuracy"] == pytest.approx(2 / 3)
    assert more["balanced_real_accuracy"] == 1.
    other = class_scores(ShadeJudge(("a", "b", "c")), real, labels, fakes,
                         asked, names)
    assert other["asked_for_accuracy"] is None
    assert other["balanced_asked_for_accuracy"] is None
    assert other["per_class"][2]["real_accuracy"] is None
    assert other["mean_class_frechet_distance"] == pytest.approx(
        scores["mean_class_frechet_distance"])
