#!/usr/bin/env python3
"""Task 3: the face networks to the contract, face data, legacy weights."""
import h5py
import numpy as np
import pytest
import tensorflow as tf

from ganlab.data.faces import load_face_array
from tests.helpers import curriculum_file, load_gan_class

faces_lesson = __import__('3-generate_faces')


def layer_kinds(model):
    """The class names of a model's layers, in order."""
    return [type(layer).__name__ for layer in model.layers]


def test_parameter_counts_names_and_layer_order():
    """339,493 generator parameters (162 non-trainable), 388,097 critic
    parameters, the contract's layer sequence and names."""
    generator, discriminator = faces_lesson.convolutional_GenDiscr()
    assert (generator.name, discriminator.name) == ("generator",
                                                    "discriminator")
    assert generator.count_params() == 339493
    assert sum(int(np.prod(w.shape))
               for w in generator.non_trainable_weights) == 162
    assert discriminator.count_params() == 388097
    block = ["UpSampling2D", "Conv2D", "BatchNormalization", "Activation"]
    assert layer_kinds(generator) == (["InputLayer", "Dense", "Reshape"]
                                      + block * 3)
    assert [layer.filters for layer in generator.layers
            if hasattr(layer, "filters")] == [64, 16, 1]
    assert layer_kinds(discriminator) == (
        ["InputLayer"] + ["Conv2D", "MaxPooling2D", "Activation"] * 4
        + ["Flatten", "Dense"])
    assert [layer.filters for layer in discriminator.layers
            if hasattr(layer, "filters")] == [32, 64, 128, 256]


def test_output_shapes_and_ranges():
    """Generator: (N, 16) -> (N, 16, 16, 1) in (-1, 1); critic: (N, 1)."""
    generator, discriminator = faces_lesson.convolutional_GenDiscr()
    images = generator(tf.random.normal((5, 16)), training=False)
    assert images.shape == (5, 16, 16, 1)
    assert np.all(np.abs(np.asarray(images)) < 1)
    scores = discriminator(images)
    assert scores.shape == (5, 1) and np.all(np.abs(np.asarray(scores)) < 1)


@pytest.mark.parametrize("shape", [(30, 16, 16), (30, 16, 16, 1)])
def test_normalize_then_recover_gives_the_pixels_back(shape):
    """Centring subtracts the mean face; recovering adds it back."""
    pixels = np.random.default_rng(0).integers(0, 256, shape, np.uint8)
    centred, mean_face = faces_lesson.normalize_faces(pixels)
    assert centred.dtype == np.float32 and centred.shape == shape
    np.testing.assert_allclose(centred.mean(axis=0), 0., atol=1e-6)
    np.testing.assert_allclose(
        faces_lesson.recover_faces(centred, mean_face), pixels / 255.,
        atol=1e-6)
    generated = centred.reshape(30, 16, 16, 1)
    assert faces_lesson.recover_faces(generated, mean_face).shape == (
        30, 16, 16, 1)


def test_normalize_refuses_other_images():
    """28x28 digits or strings are not 16x16 faces."""
    with pytest.raises(ValueError, match=r"\(N, 16, 16\).*\(4, 28, 28\)"):
        faces_lesson.normalize_faces(np.zeros((4, 28, 28), np.uint8))
    with pytest.raises(TypeError, match="uint8 pixels or floats"):
        faces_lesson.normalize_faces(np.array([["a"] * 16] * 16)[None])


def test_curriculum_faces_normalise_to_the_stated_range():
    """10,000 uint8 faces; centred, their values lie in about
    [-0.72, 0.78]."""
    faces = load_face_array(curriculum_file("small_res_faces_10000.npy"))
    assert faces.shape == (10000, 16, 16) and faces.dtype == np.uint8
    centred, _ = faces_lesson.normalize_faces(faces)
    assert centred.min() == pytest.approx(-.72, abs=.02)
    assert centred.max() == pytest.approx(.78, abs=.02)


def test_face_file_errors_name_the_file(tmp_path):
    """Missing, truncated and wrongly shaped files each get a clear
    error."""
    with pytest.raises(FileNotFoundError, match="nowhere.npy does not "
                                                "exist"):
        load_face_array(tmp_path / "nowhere.npy")
    full = tmp_path / "faces.npy"
    np.save(full, np.zeros((100, 16, 16), np.uint8))
    truncated = tmp_path / "truncated.npy"
    truncated.write_bytes(full.read_bytes()[:5000])
    with pytest.raises(ValueError, match="truncated.npy is not a readable"):
        load_face_array(truncated)
    digits = tmp_path / "digits.npy"
    np.save(digits, np.zeros((10, 28, 28), np.uint8))
    with pytest.raises(ValueError, match=r"digits.npy must hold faces.*"
                                         r"\(10, 28, 28\)"):
        load_face_array(digits)


def legacy_weights(path):
    """Read a Keras 2 ``.h5`` weights file with h5py: the arrays of each
    layer that has weights, in the file's layer order."""
    with h5py.File(path, "r") as stored:
        arrays = []
        for layer in stored.attrs["layer_names"]:
            group = stored[layer]
            for name in group.attrs["weight_names"]:
                arrays.append(np.array(group[name]))
    return arrays


def test_replace_weights_loads_the_legacy_files_bit_for_bit():
    """The curriculum's Keras 2 files, matched layer by layer, end up in
    the model exactly as stored."""
    gen_h5 = curriculum_file("generator.h5")
    disc_h5 = curriculum_file("discriminator.h5")
    generator, discriminator = faces_lesson.convolutional_GenDiscr()
    faces = np.random.rand(300, 16, 16).astype("float32")
    gan = load_gan_class("WGAN_GP")(
        generator, discriminator, lambda k: tf.random.normal((k, 16)),
        faces)
    gan.replace_weights(str(gen_h5), str(disc_h5))
    for model, path in ((generator, gen_h5), (discriminator, disc_h5)):
        stored = legacy_weights(path)
        loaded = [np.asarray(w) for layer in model.layers
                  for w in layer.weights]
        assert len(stored) == len(loaded)
        for expected, actual in zip(stored, loaded):
            np.testing.assert_array_equal(actual, expected)
