#!/usr/bin/env python3
"""The class input that every conditional network of the package shares.

A conditional network takes ``[values, labels]``: its usual input and one
whole-number class label per example, shape (N,). Two ways of taking the
label in serve both conditional models (``--model r3gan`` and ``--model
conv`` under ``--conditional``):

- **the generator concatenates a learnt class vector to the latent
  vector** (``latent_and_class``): as long as the latent vector and drawn
  from the same standard normal, so at the start the class weighs in the
  first layer as much as the noise does;
- **the discriminator projects** (Miyato and Koyama 2018, "cGANs with
  Projection Discriminator", ``projected_logit``): with ``h`` the feature
  vector that the unconditional logit reads, ``logit = psi(h) +
  <embed(y), h>``. The inner product asks the features to agree with the
  class, which a class fed in at the input (as an extra channel, say) does
  not force.

Each network embeds its labels once, in a layer named ``CLASS_EMBEDDING``,
and ``class_count`` reads the number of classes back from it, so a saved
generator says how many classes it draws without any other file.
"""
import numpy as np
from tensorflow import keras

# the names of the class input and of the layer that takes it in, which
# ``ganlab.nets.saved`` and the tests find them by
LABEL_INPUT = "label"
CLASS_EMBEDDING = "class_embedding"


def check_classes(classes):
    """Return ``classes`` as an int, or raise ``ValueError`` unless it is
    a whole number, 0 (no classes) or more."""
    if isinstance(classes, bool) or not isinstance(
            classes, (int, np.integer)) or classes < 0:
        raise ValueError(f"classes must be a whole number, 0 (no classes) "
                         f"or more; got {classes!r}")
    return int(classes)


def label_input():
    """Return the networks' class input: one integer label per example."""
    return keras.Input(shape=(), dtype="int32", name=LABEL_INPUT)


def latent_and_class(latent, classes):
    """Return ``(inputs, code)`` for a generator's latent input
    ``latent``: with ``classes``, ``[latent, label]`` and the latent
    vector with its class's learnt vector concatenated (as long as it,
    standard normal at the start); without, ``latent`` twice."""
    if not check_classes(classes):
        return latent, latent
    label = label_input()
    width = int(latent.shape[-1])
    code = keras.layers.Concatenate(name="latent_and_class")([
        latent, keras.layers.Embedding(
            classes, width,
            embeddings_initializer=keras.initializers.RandomNormal(
                stddev=1.), name=CLASS_EMBEDDING)(label)])
    return [latent, label], code


def projected_logit(image, features, logit, classes, initializer):
    """Return ``(inputs, logit)`` for a discriminator of input ``image``
    whose ``logit`` was read from the flat vector ``features``: with
    ``classes``, ``[image, label]`` and ``logit + <embed(label),
    features>``, the class vectors drawn by ``initializer``; without,
    ``image`` and ``logit`` as they are."""
    if not check_classes(classes):
        return image, logit
    label = label_input()
    embedded = keras.layers.Embedding(
        classes, int(features.shape[-1]),
        embeddings_initializer=initializer, name=CLASS_EMBEDDING)(label)
    projection = keras.layers.Dot(axes=1, name="projection")([embedded,
                                                              features])
    return [image, label], keras.layers.Add(name="class_logit")(
        [logit, projection])


def class_count(network):
    """Return how many classes ``network`` takes: the rows of its one
    ``Embedding`` layer when it takes two inputs (values and labels), 0
    when it takes one. Raises ``ValueError`` for a two-input network
    without exactly one embedding, which is no conditional network of the
    package's."""
    # a subclassed network (task 4's growing generator) may have no
    # ``inputs``: it takes one, its latent vectors
    inputs = getattr(network, "inputs", None) or ()
    if len(inputs) < 2:
        return 0
    embeddings = [layer for layer in network.layers
                  if isinstance(layer, keras.layers.Embedding)]
    if len(inputs) != 2 or len(embeddings) != 1:
        raise ValueError(f"{network.name} takes {len(inputs)} "
                         f"inputs with {len(embeddings)} Embedding layers; "
                         "a conditional network takes [values, labels] and "
                         "embeds the labels once")
    return int(embeddings[0].input_dim)


def check_labels(labels, count, classes):
    """Return ``labels`` as int32, or raise ``ValueError`` unless they are
    ``count`` whole numbers from 0 to ``classes`` - 1."""
    labels = np.asarray(labels)
    if labels.shape != (count,) or not (
            np.issubdtype(labels.dtype, np.integer) or labels.size == 0):
        raise ValueError(f"labels must be {count} whole numbers, one per "
                         f"example; got {labels.dtype} of shape "
                         f"{labels.shape}")
    if labels.size and not 0 <= labels.min() <= labels.max() < classes:
        raise ValueError(f"labels must lie in 0-{classes - 1} (the "
                         f"networks' {classes} classes); got "
                         f"{labels.min()} to {labels.max()}")
    return labels.astype(np.int32)
