#!/usr/bin/env python3
"""Saved generators: load one, check it draws images, draw from it.

- ``load_generator``: a ``.keras`` file written by ``python -m ganlab
  train`` (or any saved Keras generator), refused with a clear error when
  it is a weights file, a discriminator, or a truncated download;
- ``latent_dim_of``, ``generate`` (raw outputs for seeded normal latent
  vectors, and given labels for a conditional generator) and ``draw``
  (the same as uint8 pixels);
- ``fresh_copy``: a network to save or to change without touching the
  one trained;
- ``save_class_names`` and ``load_class_names``: the names of a
  conditional generator's classes, kept beside its file.

The generator maps normal latent vectors to images with pixels in [-1, 1]
(a tanh output), grey or RGB; a conditional one (``ganlab.nets.
classes``) maps ``[latent vectors, labels]``.
``python -m ganlab sample`` (``ganlab.viz.sample``) writes what it draws.

Where the class names are kept: in a small JSON file beside the
generator, ``generator.classes.json`` for ``generator.keras``
(``class_names_path``), holding ``{"classes": [name, ...]}`` in label
order. A ``.keras`` file has no place for data of one's own that Keras
reads back, and a layer that carried the names in its config would have
to be a custom one, which safe mode refuses to load. The network itself
knows how many classes it draws (its class embedding's rows,
``ganlab.nets.classes.class_count``): a generator copied without its
JSON file still draws, its classes named by their numbers.
"""
import contextlib
import json
import pathlib
import zipfile

import numpy as np

from ganlab import io, lessons, resources
from ganlab.data.image_sets import from_symmetric

CLASSES_SUFFIX = ".classes.json"


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
    maps latent vectors (N, D), or latent vectors and labels (N,) for a
    conditional one, to images (N, H, W, 1 or 3)."""
    from ganlab.nets.classes import LABEL_INPUT, class_count
    inputs = getattr(generator, "inputs", None)
    shapes = [tuple(tensor.shape) for tensor in inputs or ()]
    latent_only = len(shapes) == 1 and len(shapes[0]) == 2
    labelled = (len(shapes) == 2 and len(shapes[0]) == 2
                and len(shapes[1]) == 1 and LABEL_INPUT in inputs[1].name)
    if inputs and not (latent_only or labelled):
        raise ValueError(f"{path} takes inputs of shape "
                         f"{', '.join(map(str, shapes))}, not latent "
                         "vectors (N, D), with labels (N,) or alone: is it "
                         "a discriminator?")
    try:
        output = generate(generator, 2,
                          labels=[0, 0] if class_count(generator) else None)
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


def generate(generator, count, seed=0, batch_size=256, labels=None):
    """Return the generator's raw outputs for ``count`` normal latent
    vectors, the same ones for the same ``seed`` (NumPy array); for a
    conditional generator, of the classes ``labels`` (``count`` whole
    numbers), which it needs and any other refuses (``ValueError``).

    The vectors are drawn at once (so they depend neither on
    ``batch_size`` nor on the labels) and fed ``batch_size`` at a time,
    which bounds the memory thousands of samples take.
    """
    import tensorflow as tf
    from ganlab.nets.classes import check_labels, class_count
    classes = class_count(generator)
    if classes and labels is None:
        raise ValueError(f"it draws the class it is asked for, one of "
                         f"{classes}: give the class of each image")
    if not classes and labels is not None:
        raise ValueError("it was trained without classes: it draws no "
                         "given class")
    latent = tf.random.stateless_normal((count, latent_dim_of(generator)),
                                        seed=(seed, 0))
    if classes:
        labels = tf.constant(check_labels(labels, count, classes))

    def batch(start):
        """The generator's inputs for the batch from ``start``."""
        rows = slice(start, start + batch_size)
        return latent[rows] if labels is None else [latent[rows],
                                                    labels[rows]]
    return np.concatenate([
        np.asarray(generator(batch(start), training=False))
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


def draw(generator, count, seed=0, labels=None):
    """Return ``count`` generated images as uint8 pixels (N, H, W, C), of
    the classes ``labels`` for a conditional generator (``generate``)."""
    return from_symmetric(generate(generator, count, seed, labels=labels))


def class_names_path(generator_path):
    """Return the path of the class names kept beside the generator file
    ``generator_path``: ``generator.classes.json`` for
    ``generator.keras``."""
    path = pathlib.Path(generator_path)
    return path.with_name(path.stem + CLASSES_SUFFIX)


def save_class_names(generator_path, names):
    """Write ``names``, the generator's classes in label order, beside
    the generator file ``generator_path`` (``class_names_path``),
    atomically; return the path written."""
    names = [str(name) for name in names]
    return io.write_json({"classes": names}, class_names_path(generator_path))


def load_class_names(generator_path, generator):
    """Return the names of the classes ``generator`` (loaded from
    ``generator_path``) draws, in label order: those kept beside its file,
    or, without that file, their numbers "0", "1", ...; ``()`` for a
    generator trained without classes.

    Raises ``ValueError`` in one line when the file beside it is no list
    of as many distinct names as the generator has classes (it belongs
    to another generator, or was edited).
    """
    from ganlab.nets.classes import class_count
    classes = class_count(generator)
    path = class_names_path(generator_path)
    if not classes:
        return ()
    if not path.is_file():
        return tuple(str(number) for number in range(classes))
    try:
        names = json.loads(path.read_text())["classes"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"cannot read the class names in {path} "
                         f"({type(error).__name__}: {io.first_line(error)})"
                         ) from None
    if (not isinstance(names, list) or len(names) != classes
            or not all(isinstance(name, str) for name in names)
            or len(set(names)) != classes):
        raise ValueError(f"{path} must list the {classes} distinct class "
                         f"names of {pathlib.Path(generator_path).name}; "
                         "it lists something else (another generator's, "
                         "or edited?)")
    return tuple(names)
