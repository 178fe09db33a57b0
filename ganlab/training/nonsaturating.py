#!/usr/bin/env python3
"""The original GAN's training: ``MLPGAN``, the non-saturating loss.

Goodfellow et al. 2014 ("Generative Adversarial Nets") train D to tell
real from fake, G to make D say "real":

    discriminator: (BCE(1, D(x)) + BCE(0, D(G(z)))) / 2
    generator:     BCE(1, D(G(z)))

where BCE(y, p) = -(y log p + (1 - y) log(1 - p)) is the binary
cross-entropy. The generator's loss is the paper's "non-saturating" form:
minimising log(1 - D(G(z))), the literal minimax loss, gives G almost no
gradient early on, when D rejects every fake with confidence; maximising
log D(G(z)) has the same fixed point and strong gradients there.

``MLPGAN`` trains any generator with a discriminator that gives
probabilities: the fully connected networks of ``ganlab.nets.mlp_gan``
(``--model mlp``) and the convolutional ones of ``ganlab.nets.conv_gan``
(``--model conv``).

Where the randomness comes from
-------------------------------
Every random number a training step uses (which real images, which latent
vectors) comes from one ``tf.random.Generator`` held by the model
(``rng``), so its state is saved in checkpoints beside the weights and a
resumed run draws exactly what an uninterrupted run would have drawn.

Each step draws its seeds once for the whole global batch, and every
replica of a ``tf.distribute`` strategy cuts its own slice out of the same
global draw. The batch norm layers pool their statistics over replicas
(``synchronized=True``) and each optimizer divides the sum of the
replicas' gradients by their number. Training on two devices is
therefore the same computation as on one, up to the order of
floating-point additions (``ganlab.training.replicas``).
"""
import functools

import numpy as np
import tensorflow as tf
from tensorflow import keras

from ganlab.data.batches import as_symmetric, held
from ganlab.data.streaming import StreamedFolder
from ganlab.nets.mlp_gan import logits_of
from ganlab.training.augment import augment_with
from ganlab.training.replicas import (draw_seeds, logs_for_workers,
                                      prepare_networks, replica_share)


def binary_cross_entropy(label, probabilities):
    """Return mean(-(y log p + (1 - y) log(1 - p))) with p kept inside
    [1e-7, 1 - 1e-7], so a confident network gives a large loss rather
    than an infinite one."""
    probabilities = tf.clip_by_value(probabilities, 1e-7, 1. - 1e-7)
    return -tf.reduce_mean(label * tf.math.log(probabilities)
                           + (1. - label) * tf.math.log(1. - probabilities))


def discriminator_loss(real_probabilities, fake_probabilities):
    """Return (BCE(1, D(real)) + BCE(0, D(fake))) / 2."""
    return (binary_cross_entropy(1., real_probabilities)
            + binary_cross_entropy(0., fake_probabilities)) / 2.


def generator_loss(fake_probabilities):
    """Return BCE(1, D(fake)): the non-saturating generator loss."""
    return binary_cross_entropy(1., fake_probabilities)


def with_labels(values, labels):
    """Return what a network is called on: ``values`` alone, or with
    ``labels`` as ``[values, labels]`` for a network that takes classes
    (``labels`` not None)."""
    return values if labels is None else [values, labels]


def apply_dense(network, gradients):
    """Apply ``gradients`` (of ``network.trainable_variables``) with the
    network's optimizer, each as a dense tensor. A class embedding's
    gradient comes as ``tf.IndexedSlices`` (only the rows of the classes
    in the batch), which an optimizer dividing its gradients among
    replicas (``loss_scale_factor``) cannot divide; dense, it is the
    same update on one device and on several."""
    network.optimizer.apply_gradients(zip(
        [tf.convert_to_tensor(gradient) for gradient in gradients],
        network.trainable_variables))


class MLPGAN(keras.Model):
    """A generator and a discriminator trained by ``fit`` on real images.

    ``real_examples`` (N, H, W, C): floats in [-1, 1], or uint8 pixels
    (a quarter of the memory, scaled to [-1, 1] a batch at a time,
    ``ganlab.data.batches``), held once in memory; each step draws
    ``batch_size`` of them without replacement, updates D once, then G
    once, and returns ``discr_loss`` and ``gen_loss`` (the names of the
    lessons). ``fit`` needs no data: give it ``steps_per_epoch``
    (default: one pass over the examples). A folder too large to hold
    (``ganlab.data.streaming.StreamedFolder``) is streamed instead:
    ``fit`` reads its batches from the step the optimizers have reached,
    so a resumed run reads on where it stopped.
    Build it inside ``strategy.scope()`` to train on several devices;
    ``batch_size`` is then the global batch, split evenly among them.

    ``augment`` (None or a differentiable function of a batch of images,
    such as ``ganlab.training.augment.DiffAugment``): applied to the real
    batch and to every fake batch before the discriminator sees it, in
    both updates (DiffAugment, Zhao et al. 2020). The images are in the
    networks' shape, (batch, H, W, C), e.g. (batch, 28, 28, 1). A Keras
    layer is called with ``training=True``. It draws its own random
    numbers, not from ``rng``, so an exactly resumed run also needs its
    random state in the checkpoint (``augment.seed_state``).

    ``penalty`` (None or a function ``(critic, real_images) -> scalar``,
    such as ``ganlab.training.registry.r1_term(gamma)``): added to the
    discriminator's loss as the papers add it, to the sum of the two
    cross-entropies (so at half weight to the mean that ``discr_loss``
    is). It is given the discriminator's logits (the
    network up to its sigmoid, ``logits_of``), not its probabilities, so
    a gradient penalty such as R1 keeps its strength where the sigmoid
    saturates, and the real batch as the discriminator sees it.
    ``penalty_every``: computed on one step in that many, on the
    discriminator's update count, and then weighted by that many, so its
    average weight is as given for a fraction of its cost (the lazy
    regularisation of Karras et al. 2020, "StyleGAN2"; on several
    replicas it is computed on every step and weighted by 0 on the others,
    ``lazy_penalty``). The steps then log ``penalty``: the mean of the
    penalties computed this epoch.
    """

    def __init__(self, generator, discriminator, real_examples,
                 batch_size=64, seed=0, augment=None, penalty=None,
                 penalty_every=1):
        """Keep the networks and the data; seed the model's random
        generator ``rng``."""
        super().__init__()
        if augment is not None and not callable(augment):
            raise TypeError(f"augment must be None or a function images -> "
                            f"images; got {type(augment).__name__}")
        if penalty is not None and not callable(penalty):
            raise TypeError(f"penalty must be None or a function (critic, "
                            f"real_images) -> scalar; got "
                            f"{type(penalty).__name__}")
        if isinstance(penalty_every, bool) or not (
                isinstance(penalty_every, (int, np.integer))
                and penalty_every >= 1):
            raise ValueError(f"penalty_every must be a whole number, 1 or "
                             f"more; got {penalty_every!r}")
        output_shape = tuple(generator.outputs[0].shape[1:])
        # a StreamedFolder is read through fit; an array is held once
        self.stream = real_examples if isinstance(
            real_examples, StreamedFolder) else None
        if self.stream is None:
            real_examples = held(real_examples)
        if tuple(real_examples.shape[1:]) != output_shape:
            raise ValueError(f"real_examples must have shape (N, "
                             f"{', '.join(map(str, output_shape))}) to "
                             "match the generator's output; got "
                             f"{tuple(real_examples.shape)}")
        self.example_count = len(real_examples)
        if not 1 <= batch_size <= self.example_count:
            raise ValueError(f"batch_size must be between 1 and the number "
                             f"of real_examples ({self.example_count}); got "
                             f"{batch_size}")
        self.generator = generator
        self.discriminator = discriminator
        self.real_examples = (None if self.stream is not None
                              else real_examples)
        self.data_seed = int(seed)
        self.batch_size = int(batch_size)
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.rng = tf.random.Generator.from_seed(seed)
        self.augment = augment
        self.penalty = penalty
        self.penalty_every = int(penalty_every)
        if penalty is not None:
            # a function, not a network attribute: Keras would count the
            # discriminator's weights twice in the GAN's own
            self.critic = functools.partial(self.logits_of(discriminator),
                                            training=True)
            self.penalty_tracker = keras.metrics.Mean(name="penalty")
        self.built = True

    def logits_of(self, discriminator):
        """Return the network a penalty differentiates: the
        discriminator up to its sigmoid (``logits_of``); a subclass whose
        discriminator gives logits returns it as it is."""
        return logits_of(discriminator)

    def compile(self, learning_rate=2e-4, beta_1=.5, beta_2=.999,
                discriminator_learning_rate=None, **kwargs):
        """Give each network its own Adam optimizer, held by the network
        as in the lessons (``generator.optimizer``,
        ``discriminator.optimizer``); the discriminator's learning rate
        defaults to the generator's.

        The optimizers' moments are created here, not lazily at the first
        step: variables first created inside a replicated step fail under
        ``MirroredStrategy``, and a checkpoint needs them to restore into.
        Call it in the scope of the strategy the GAN was built in.
        """
        super().compile(jit_compile=False, **kwargs)
        self.generator.optimizer = keras.optimizers.Adam(
            learning_rate, beta_1=beta_1, beta_2=beta_2)
        self.discriminator.optimizer = keras.optimizers.Adam(
            discriminator_learning_rate or learning_rate, beta_1=beta_1,
            beta_2=beta_2)
        prepare_networks((self.generator, self.discriminator),
                         self.distribute_strategy.num_replicas_in_sync)

    def fit(self, x=None, y=None, **kwargs):
        """Train with Keras's ``fit``; ``x`` and ``y`` are not used.

        In memory, an endless dummy dataset stands in for the data, with
        one element per replica so that a strategy can hand each its
        share; the real images are drawn by ``train_step`` itself. A
        streamed folder's batches are read from the batch of the step the
        generator's optimizer has reached.
        """
        kwargs.setdefault("steps_per_epoch",
                          self.example_count // self.batch_size)
        kwargs["shuffle"] = False
        if self.stream is not None:
            done = int(self.generator.optimizer.iterations.numpy())
            return super().fit(self.stream.batches(
                self.batch_size, self.data_seed, first_batch=done), **kwargs)
        replicas = self.distribute_strategy.num_replicas_in_sync
        options = tf.data.Options()
        # The autotune thread can delay the end of fit by seconds.
        options.autotune.enabled = False
        # Each worker of a multi-worker run needs the dummy, not a shard.
        options.experimental_distribute.auto_shard_policy = (
            tf.data.experimental.AutoShardPolicy.OFF)
        dummy = tf.data.Dataset.from_tensors(0.).repeat().batch(
            replicas).with_options(options)
        return super().fit(dummy, **kwargs)

    def get_fake_sample(self, size=None, training=False):
        """Return ``size`` generated images (default: ``batch_size``),
        from latent vectors drawn from ``rng``."""
        latent = self.rng.normal((size or self.batch_size, self.latent_dim))
        return self.generator(latent, training=training)

    def seen(self, images):
        """Return ``images`` as the discriminator sees them in training:
        through ``augment`` when there is one."""
        if self.augment is None:
            return images
        return augment_with(self.augment, images)

    def draw_indices(self):
        """Return this step's real examples' indices and its two batches
        of latent vectors (the discriminator's and the generator's
        updates), drawn once for the global batch from ``rng``, this
        replica's share: what every model of this family draws a step.
        A streamed model draws the same seeds and no indices (None)."""
        seeds = draw_seeds(self.rng, 3)
        chosen = None
        if self.stream is None:
            chosen = replica_share(tf.random.experimental.stateless_shuffle(
                tf.range(self.example_count), seed=seeds[:, 0])
                [:self.batch_size])
        latent = [replica_share(tf.random.stateless_normal(
            (self.batch_size, self.latent_dim), seed=seeds[:, index]))
            for index in (1, 2)]
        return chosen, latent

    def draw_step(self, batch):
        """Return this step's real batch, float32 in [-1, 1], and its two
        batches of latent vectors (``draw_indices``); ``batch`` is what
        ``fit`` hands the step: the streamed folder's batch, this
        replica's share, or a placeholder when the images are held."""
        chosen, latent = self.draw_indices()
        if chosen is None:
            return as_symmetric(batch), latent
        return as_symmetric(tf.gather(self.real_examples, chosen)), latent

    def draw_batch(self, batch):
        """Return this step's real batch, its two batches of latent
        vectors (``draw_step``, of ``fit``'s ``batch``) and the labels
        the networks are given with them: None here, where no network
        takes any (``ganlab.training.conditional`` gives labels)."""
        real, latent = self.draw_step(batch)
        return real, latent, None

    def train_step(self, batch):
        """One discriminator update, then one generator update; each fake
        batch is drawn for the labels of the real batch, when there are
        any."""
        real, latent, labels = self.draw_batch(batch)

        def discriminator(images):
            """The discriminator's probabilities for ``images`` as it
            sees them in training, at this batch's labels."""
            return self.discriminator(with_labels(self.seen(images), labels),
                                      training=True)

        def fake(index):
            """A fake batch from the step's latent vectors ``index``."""
            return self.generator(with_labels(latent[index], labels),
                                  training=True)

        with tf.GradientTape() as tape:
            real_seen = self.seen(real)
            discr_loss = discriminator_loss(
                self.discriminator(with_labels(real_seen, labels),
                                   training=True),
                discriminator(fake(0)))
            penalised = discr_loss
            if self.penalty is not None:
                # discr_loss is the mean of the two cross-entropies and
                # the papers add a penalty to their sum: half the penalty
                # here, so that gamma weighs as theirs (and task 5's) does
                penalised = discr_loss + self.lazy_penalty(
                    with_labels(real_seen, labels)) / 2.
        apply_dense(self.discriminator, tape.gradient(
            penalised, self.discriminator.trainable_variables))

        with tf.GradientTape() as tape:
            gen_loss = generator_loss(discriminator(fake(1)))
        apply_dense(self.generator, tape.gradient(
            gen_loss, self.generator.trainable_variables))
        logs = {"discr_loss": discr_loss, "gen_loss": gen_loss}
        if self.penalty is not None:
            logs["penalty"] = self.penalty_tracker.result()
        return logs_for_workers(self.distribute_strategy, logs)

    def lazy_penalty(self, real_seen):
        """Return the penalty's term in this step's discriminator loss:
        ``penalty_every`` times the penalty on a step it is due (the
        discriminator's update count a multiple of ``penalty_every``),
        else 0.

        On one replica nothing is computed when it is not due. Several
        replicas cannot skip it: the minibatch standard deviation's
        all-reduce may not sit in a branch of ``tf.cond`` there, so the
        penalty is computed on every step and weighted by 0 when it is not
        due: the same training, without the saving."""
        every = self.penalty_every

        def value():
            """The penalty of this step's real batch, as a float32."""
            return tf.cast(self.penalty(self.critic, real_seen), tf.float32)
        due = tf.equal(self.discriminator.optimizer.iterations % every, 0)
        if self.distribute_strategy.num_replicas_in_sync > 1:
            penalty, weight = value(), tf.cast(due, tf.float32)
            self.penalty_tracker.update_state(penalty, sample_weight=weight)
            return penalty * weight * float(every)

        def computed():
            """The weighted penalty, its value kept for the logs."""
            penalty = value()
            self.penalty_tracker.update_state(penalty)
            return penalty * float(every)
        return tf.cond(due, computed, lambda: tf.constant(0.))
