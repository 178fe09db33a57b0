#!/usr/bin/env python3
"""Training with classes: each real image with its label.

``ConditionalMLPGAN`` (``--model conv --conditional``) and
``ConditionalRelativisticGAN`` (``--model r3gan --conditional``) are the
unconditional trainings for networks built with ``classes > 0``
(``ganlab.nets.classes``): the generator draws ``[latent vectors,
labels]`` -> images, the discriminator scores ``[images, labels]`` (a
projection discriminator). Both take what changes from ``Conditional``,
and everything else from the training they extend. What changes, and
why:

- **Each real image comes with its label**, gathered with the same
  indices, so a step's batch is drawn exactly as the unconditional
  model's would be from the same ``rng`` state, and a resumed run draws
  what an uninterrupted one would (the labels are data, held in memory
  with the images, not state to checkpoint).
- **The fakes are drawn for the real batch's labels.** The class
  frequencies the generator is trained on are then the data's, and the
  relativistic loss, which pairs row ``i`` of the real batch with row
  ``i`` of the fake one, compares within one class. It costs no random
  number, so the draw stays the unconditional one's.
- **R1 and R2 differentiate with respect to the image only**, the labels
  held fixed (``with_labels_fixed``): a label is a whole number, and the
  penalty asks the critic to be flat where the data lie, for each class.
"""
import tensorflow as tf

from ganlab.data.batches import as_symmetric
from ganlab.data.streaming import StreamedFolder
from ganlab.nets.classes import check_labels, class_count
from ganlab.training.nonsaturating import MLPGAN
from ganlab.training.relativistic import RelativisticGAN


def with_labels_fixed(penalty):
    """Return ``penalty`` (a function ``(critic, images) -> scalar`` such
    as ``zero_centred_penalty(gamma)``) as a function ``(critic, [images,
    labels])``: it is given the critic as a function of the images alone,
    at those labels, so it differentiates with respect to the images
    only."""
    def labelled(critic, images_and_labels):
        """``penalty`` of ``critic`` at the images, labels held fixed."""
        images, labels = images_and_labels
        return penalty(lambda batch: critic([batch, labels]), images)
    return labelled


class Conditional:
    """What a training of ``MLPGAN``'s family does with a class label
    for every real example; mixed in before that training
    (``ConditionalMLPGAN``, ``ConditionalRelativisticGAN``).

    ``real_labels``: one whole number per example of ``real_examples``,
    0 to ``classes`` - 1, where ``classes`` is what both networks embed
    (``class_count``; they must agree). The other arguments are the
    training's; each step draws as the module's docstring says.
    """

    def __init__(self, generator, discriminator, real_examples, real_labels,
                 **training):
        """Keep the networks, the data and their labels (``training``:
        the extended training's arguments); raise ``ValueError`` when the
        networks take no classes, other numbers of them, the labels do
        not fit, or the examples are a streamed folder."""
        classes = class_count(generator)
        if not classes or class_count(discriminator) != classes:
            raise ValueError(f"both networks must take classes, as many: "
                             f"the generator takes {classes}, the "
                             f"discriminator {class_count(discriminator)} "
                             "(build them with classes=)")
        if isinstance(real_examples, StreamedFolder):
            raise ValueError("a conditional GAN holds its examples in "
                             "memory with their labels; got a streamed "
                             "folder")
        labels = check_labels(real_labels, len(real_examples), classes)
        super().__init__(generator, discriminator, real_examples, **training)
        self.classes = classes
        self.real_labels = tf.constant(labels, tf.int32)
        if self.penalty is not None:
            self.penalty = with_labels_fixed(self.penalty)

    def draw_batch(self, batch):
        """Return this step's real batch, its two batches of latent
        vectors and the real batch's labels, this replica's share: the
        draw of ``MLPGAN.draw_indices``, so the images are those the
        unconditional model would draw, and the labels gathered with the
        same indices (``batch``, ``fit``'s placeholder, is not used)."""
        chosen, latent = self.draw_indices()
        return (as_symmetric(tf.gather(self.real_examples, chosen)), latent,
                tf.gather(self.real_labels, chosen))

    def get_fake_sample(self, size=None, training=False):
        """Return ``size`` generated images (default: ``batch_size``),
        for latent vectors drawn from ``rng`` and the labels of as many
        real examples drawn at random (the data's class frequencies)."""
        size = size or self.batch_size
        latent = self.rng.normal((size, self.latent_dim))
        picked = self.rng.uniform((size,), 0, tf.shape(self.real_labels)[0],
                                  dtype=tf.int32)
        return self.generator([latent, tf.gather(self.real_labels, picked)],
                              training=training)


class ConditionalMLPGAN(Conditional, MLPGAN):
    """``MLPGAN``'s training (the non-saturating loss, R1 as its
    ``penalty``) with a label for every real example (``Conditional``):
    ``--model conv --conditional``."""


class ConditionalRelativisticGAN(Conditional, RelativisticGAN):
    """``RelativisticGAN``'s training (the relativistic loss, R1 + R2)
    with a label for every real example (``Conditional``): ``--model
    r3gan --conditional``."""


def trained_with_labels(training, generator, discriminator, real_examples,
                        real_labels=None, **arguments):
    """Return ``training`` (``MLPGAN`` or ``RelativisticGAN``) made for
    the networks and examples, or, with ``real_labels``, its conditional
    class made for them and the labels: where a registry entry builds
    either."""
    if real_labels is None:
        return training(generator, discriminator, real_examples,
                        **arguments)
    conditional = {MLPGAN: ConditionalMLPGAN,
                   RelativisticGAN: ConditionalRelativisticGAN}[training]
    return conditional(generator, discriminator, real_examples, real_labels,
                       **arguments)
