#!/usr/bin/env python3
"""Saved generators: load one, check it draws images, draw from it.

- ``load_generator``: a ``.keras`` file written by ``python -m ganlab
  train`` (or any saved Keras generator), refused with a clear error when
  it is a weights file, a discriminator, or a truncated download;
- ``latent_dim_of``, ``generate`` (raw outputs for seeded normal latent
  vectors) and ``draw`` (the same as uint8 pixels);
- ``fresh_copy``: a network to save or to change without touching the
  one trained.

The generator maps normal latent vectors to images with pixels in [-1, 1]
(a tanh output), grey or RGB. ``python -m ganlab sample``
(``ganlab.viz.sample``) writes what it draws.
"""
import contextlib
import pathlib
import zipfile

import numpy as np

from ganlab import io, lessons, resources
from ganlab.data.image_sets import from_symmetric


def fresh_copy(network):
    """Return a new network built from ``network``'s config and holding
    its weights: not compiled, with no optimizer (so saving it writes no
    optimizer state, which a network loaded for sampling does not
    expect), and independent of ``network``. Not
    ``keras.models.clone_model``, which also compiles the copy as the
    original was: the lessons compile their generators with their own
    loss functions, which Keras cannot find by name."""
    copy = type(network).from_config(network.get_config())
    copy.set_weights(network.get_weights())
    return copy


def latent_dim_of(generator):
    """Return the length of the latent vectors ``generator`` takes: its
    ``latent_dim`` where it says (task 4's subclassed generator), else
    the width of its input."""
    return getattr(generator, "latent_dim", None) or (
        generator.inputs[0].shape[-1])


def load_generator(path):
    """Load a generator saved as a ``.keras`` file and check that it draws
    images from latent vectors.

    Task 4's growing generator is a class of its own, which Keras knows
    once its lesson is imported; the others are plain Keras models.
    A generator trained in bfloat16 computes in float32 where this
    machine has no native bfloat16, saying so in one line
    (``ganlab.nets.precision.float32_unless_native``).
    Raises ``ValueError`` naming ``path`` when the file is no saved model
    (a weights file, text, a truncated download), holds code (a
    ``Lambda`` layer: files are loaded in Keras's safe mode, always) or
    the model is no generator (a discriminator, say).
    """
    path = resources.verified(path)
    if path.name.endswith(".weights.h5"):
        raise ValueError(f"{path} holds weights only, not a saved model: "
                         "give a .keras file (python -m ganlab train "
                         "writes generator.keras)")
    # Keras reports a .keras file that is no zip archive as "File not
    # found", which sends the user looking in the wrong place.
    if path.suffix == ".keras" and not zipfile.is_zipfile(path):
        raise ValueError(f"{path} is not a saved .keras model (no zip "
                         "archive: truncated, or another format?)")
    # TensorFlow starts only now: a file refused above costs no seconds
    # and prints no lines of TensorFlow's start-up logging.
    lessons.load("4-progan")
    from tensorflow import keras
    try:
        # Safe mode, always: a file's Lambda layer holds Python code,
        # which loading would run. Keras lets a process-wide switch to
        # unsafe loading (in keras.config) override the argument; its
        # scope puts safe mode back for this load.
        with safe_mode_scope():
            generator = keras.models.load_model(path, compile=False,
                                                safe_mode=True)
    except Exception as error:  # noqa: BLE001
        if "arbitrary code execution" in str(error):
            raise ValueError(f"{path} holds Python code (a Lambda layer or "
                             "a lambda in its config), which is never run "
                             "from a file (Keras's safe mode): rebuild the "
                             "generator from layers without it") from None
        # Keras, zipfile, h5py and JSON each raise their own types on a
        # file that is not a saved model; all mean the same to the user.
        reason = io.first_line(error)
        raise ValueError(f"cannot load {path} as a saved Keras model "
                         f"({type(error).__name__}: {reason})") from None
    from ganlab.nets.precision import float32_unless_native
    float32_unless_native(generator, path)
    check_generator(generator, path)
    return generator


def safe_mode_scope():
    """Return Keras's scope that turns its safe mode on inside it, over
    any process-wide setting; where Keras has moved it, a scope that does
    nothing (the ``safe_mode=True`` argument then holds alone)."""
    try:
        from keras.src.saving.serialization_lib import SafeModeScope
    except ImportError:
        return contextlib.nullcontext()
    return SafeModeScope(True)


def check_generator(generator, path):
    """Raise ``ValueError`` unless ``generator`` (loaded from ``path``)
    maps latent vectors (N, D) to images (N, H, W, 1 or 3)."""
    inputs = getattr(generator, "inputs", None)
    if inputs and (len(inputs) != 1 or len(inputs[0].shape) != 2):
        shapes = ", ".join(str(tuple(tensor.shape)) for tensor in inputs)
        raise ValueError(f"{path} takes inputs of shape {shapes}, not "
                         "latent vectors (N, D): is it a discriminator?")
    try:
        output = generate(generator, 2)
    except Exception as error:  # noqa: BLE001
        # whatever a foreign model raises on latent vectors, it is no
        # generator of ours
        reason = io.first_line(error)
        raise ValueError(f"{path} fails on latent vectors "
                         f"({type(error).__name__}: {reason})") from None
    if output.ndim != 4 or output.shape[-1] not in (1, 3):
        raise ValueError(f"{path} draws outputs of shape "
                         f"{output.shape[1:]}, not images (H, W, 1 or 3): "
                         "is it a discriminator?")


def generate(generator, count, seed=0, batch_size=256):
    """Return the generator's raw outputs for ``count`` normal latent
    vectors, the same ones for the same ``seed`` (NumPy array).

    The vectors are drawn at once (so they do not depend on
    ``batch_size``) and fed ``batch_size`` at a time, which bounds the
    memory thousands of samples take.
    """
    import tensorflow as tf
    latent = tf.random.stateless_normal((count, latent_dim_of(generator)),
                                        seed=(seed, 0))
    return np.concatenate([
        np.asarray(generator(latent[start:start + batch_size],
                             training=False))
        for start in range(0, count, batch_size)])


def check_finite(outputs):
    """Return ``outputs`` (a generator's raw samples) when every value is
    finite; raise ``ValueError`` saying how many samples hold NaN or inf
    otherwise: broken weights draw them, and as pixels they would turn
    into black images or a distance computed on nonsense."""
    outputs = np.asarray(outputs)
    bad = int((~np.isfinite(outputs.reshape(len(outputs), -1))).any(
        axis=1).sum()) if len(outputs) else 0
    if bad:
        raise ValueError(f"it draws NaN or inf in {bad} of {len(outputs)} "
                         "samples (its weights are broken: train it again "
                         "or take an earlier checkpoint)")
    return outputs


def draw(generator, count, seed=0):
    """Return ``count`` generated images as uint8 pixels (N, H, W, C)."""
    return from_symmetric(generate(generator, count, seed))
