#!/usr/bin/env python3
"""An exponential moving average of a generator's weights, for sampling.

A GAN's generator never settles: each critic update moves the target it
chases, so its weights circle around a good point rather than reach it.
Averaging them over the last thousand or so updates lands near the centre
of that circle, and the averaged generator draws cleaner, steadier samples
than the one being trained. Karras et al. 2018 (ProGAN) sample from such an
average, and StyleGAN, BigGAN and their successors evaluate with one too.

The average is a second copy of the generator, never trained by an
optimizer. After each generator update every weight ``w`` of it moves
towards the trained generator's::

    average = decay_t * average + (1 - decay_t) * w

``decay`` of .999 averages over about 1 / (1 - .999) = 1000 updates.

Two decisions, and why:

- **Warm-up.** For the first ``warmup`` updates ``decay_t`` is 0: the
  average is a plain copy of the generator. After them it is ``decay``,
  constant. Otherwise the average would hold on to the random initial
  weights for thousands of updates (with .999, 37% of them are left
  after 1000 updates), and the early samples it draws would be noise.
  The alternative, ``tf.train.ExponentialMovingAverage``'s ramp
  ``min(decay, (1 + step) / (10 + step))``, reaches .999 only after
  about 9000 updates, so the averaging window would depend on how long
  the run has been going; a fixed warm-up keeps the window a number the
  caller chose.
- **Batch-norm statistics and other non-trainable weights are copied,
  not averaged.** A batch-norm layer's moving mean and variance are
  already moving averages (of activations, with Keras's momentum .99);
  averaging them again would only make them lag behind the weights they
  describe. ProGAN's code (``beta_nontrainable=0``) and StyleGAN2-ADA's
  (buffers copied) do the same, for the checkpointed average. But the
  statistics of the averaged weights are not those of the trained ones,
  and the difference is not small: on Fashion-MNIST the conv GAN's
  average scored far better with statistics of its own than with copied
  ones (BENCHMARKS.md), and so did the face average. So whatever draws
  from the average (``train``'s grids and ``generator.keras``, through
  the registry's ``follow``) first measures its own statistics on a copy
  (``with_own_batch_statistics``), leaving the average as the checkpoint
  holds it. The weights that count as
  trainable are those trainable when the average is made.

``AveragedGenerator`` holds the averaged copy and the count of updates (a
``tf.Variable``), so that ``tf.train.Checkpoint(average=...)`` saves and
restores both exactly. Its ``update`` is plain TensorFlow, so a model's
``train_step`` may call it inside ``tf.function``; for models whose
``train_step`` does not, the ``GeneratorAveraging`` callback calls it
after every training batch.

Under a ``tf.distribute`` strategy, make the average inside
``strategy.scope()``, as the generator was made; ``update`` may then be
called from ``strategy.run`` (each replica holds the same weights, and the
average moves once, not once per replica) or outside it.
"""
import tensorflow as tf
from tensorflow import keras

from ganlab.nets.classes import class_count
from ganlab.nets.saved import fresh_copy

# Narrower floats cannot hold an average: with decay .999 the step
# (1 - .999) * (w - average) is below half a bfloat16 unit of the average
# and rounds away, so the average would never move.
AVERAGEABLE_DTYPES = ("float32", "float64")


def check_decay(decay):
    """Return ``decay`` as a float, or raise ValueError unless it is a
    number in [0, 1)."""
    if (isinstance(decay, bool) or not isinstance(decay, (int, float))
            or not 0 <= decay < 1):
        raise ValueError(
            f"decay must be a number in [0, 1) (.999 averages over about "
            f"1000 updates; 1 would never move the average); got {decay!r}")
    return float(decay)


def check_warmup(warmup):
    """Return ``warmup`` as an int, or raise ValueError unless it is a
    whole number of updates, 0 or more."""
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 0:
        raise ValueError(
            f"warmup must be a whole number of updates, 0 or more, during "
            f"which the average copies the generator; got {warmup!r}")
    return warmup


class AveragedGenerator(tf.Module):
    """An exponential moving average of ``generator``'s weights.

    ``network`` is a copy of ``generator`` (``keras.models.clone_model``,
    or ``copy_network(generator)`` for networks that cannot be cloned from
    their config, such as a subclassed model whose weights are made at
    build time; it must return the copy built) with the generator's
    weights at the start and ``trainable`` False, so no optimizer or
    gradient tape picks it up. ``step`` counts the updates made. Call the
    average as the generator is called: ``average(latents,
    training=False)``.

    The first ``warmup`` updates copy the generator; later ones average
    with ``decay`` (module docstring). Trainable weights are averaged,
    the others (batch-norm statistics) copied.
    """

    def __init__(self, generator, decay=0.999, warmup=1000,
                 copy_network=None, name="averaged_generator"):
        """Copy ``generator`` and start the count of updates at 0."""
        super().__init__(name=name)
        self.decay = check_decay(decay)
        self.warmup = check_warmup(warmup)
        if not isinstance(generator, keras.Model):
            raise TypeError(f"generator must be a keras.Model to average; "
                            f"got {type(generator).__name__}")
        network = (keras.models.clone_model(generator) if copy_network is None
                   else copy_network(generator))
        check_same_weights(generator, network, "the copy of generator",
                           "generator")
        averaged = []
        for weight in generator.weights:
            floating = weight.dtype in AVERAGEABLE_DTYPES
            if weight.trainable and not floating:
                raise ValueError(
                    f"generator's weight {weight.path} is {weight.dtype}: "
                    f"an average needs float32 or float64 weights (keep "
                    f"weights float32 and compute in bfloat16 with a "
                    f"mixed policy, as ganlab.nets.precision does)")
            averaged.append(weight.trainable)
        network.set_weights(generator.get_weights())
        network.trainable = False
        self.network = network
        # tuple, not list: tf.Module would wrap a list for tracking
        self.averaged = tuple(averaged)
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False,
                                name="step")

    def __call__(self, *args, **kwargs):
        """Run the averaged network: ``average(latents, training=False)``."""
        return self.network(*args, **kwargs)

    def decay_at(self, step):
        """Return the decay of the update made at ``step`` (a count of
        updates before it): 0 during the warm-up, ``decay`` after, as a
        float32 tensor."""
        return tf.where(tf.cast(step, tf.int64) < self.warmup,
                        tf.constant(0., tf.float32),
                        tf.constant(self.decay, tf.float32))

    def restart_warmup(self):
        """Count the updates from 0 again: the next ``warmup`` copy the
        generator, as at the start. For a network whose weights start
        training part-way through a run (a growing ProGAN's new block),
        whose average would otherwise hold their untrained values for
        thousands of updates."""
        self.step.assign(0)

    def update(self, generator):
        """Move the average one step towards ``generator``'s weights and
        count the step; works eagerly and inside ``tf.function``.

        ``generator`` is the network the average was made from (or one of
        the same architecture). Returns the decay used, a float32 tensor.
        """
        check_same_weights(self.network, generator, "generator",
                           "the averaged network")
        decay = self.decay_at(self.step)
        for average, weight, averaged in zip(self.network.weights,
                                             generator.weights,
                                             self.averaged):
            if averaged:
                decay_t = tf.cast(decay, average.dtype)
                # this form, not average + (1 - decay) * (w - average):
                # with decay 0 it gives w bit for bit, so the warm-up is
                # an exact copy
                average.assign(decay_t * average.value
                               + (1 - decay_t) * weight.value)
            else:
                average.assign(weight.value)
        self.step.assign_add(1)
        return decay


def batch_norm_layers(network):
    """Return the ``BatchNormalization`` layers of ``network``, those of
    nested models included, in order."""
    found = []
    for layer in getattr(network, "layers", ()):
        if isinstance(layer, keras.layers.BatchNormalization):
            found.append(layer)
        else:
            found.extend(batch_norm_layers(layer))
    return found


def with_own_batch_statistics(network, batches=4, batch_size=256, seed=0):
    """Return a copy of ``network`` (a functional or sequential generator
    of latent vectors) whose batch-norm layers hold the statistics of its
    own activations; ``network`` is returned itself when it has no
    batch-norm layer.

    An average copies the trained generator's running statistics (module
    docstring), and those describe the trained weights' activations, not
    the averaged weights'. Early in a run, while the weights still move
    fast, the two differ enough to blur every sample (measured on
    Fashion-MNIST: BENCHMARKS.md). The copy runs in training mode over
    ``batches`` batches of ``batch_size`` latent vectors drawn from
    N(0, I) with ``seed`` (stateless: no random stream of the run is
    touched), and each layer keeps the mean of its batch means and batch
    variances ("precise batch norm"). ``network`` itself is not changed,
    so a checkpoint of the average is the same with or without this.
    A conditional generator (``ganlab.nets.classes``) is run on labels
    drawn evenly over its classes, as its class grids draw them.
    """
    if not batch_norm_layers(network):
        return network
    copy = fresh_copy(network)
    # a frozen batch-norm layer (an average is frozen) ignores training
    # mode and keeps its statistics: the copy must be free to measure
    copy.trainable = True
    layers = batch_norm_layers(copy)
    momenta = [layer.momentum for layer in layers]
    sums = [[tf.zeros_like(layer.moving_mean),
             tf.zeros_like(layer.moving_variance)] for layer in layers]
    latent_dim = int(network.inputs[0].shape[-1])
    classes = class_count(network)
    try:
        for layer in layers:
            # with momentum 0 a training-mode call leaves the batch's own
            # mean and variance in the running statistics
            layer.momentum = 0.
        for index in range(batches):
            latent = tf.random.stateless_normal((batch_size, latent_dim),
                                                seed=(seed, index))
            if classes:
                latent = [latent, tf.random.stateless_uniform(
                    (batch_size,), (seed, batches + index), 0, classes,
                    dtype=tf.int32)]
            copy(latent, training=True)
            for total, layer in zip(sums, layers):
                total[0] += layer.moving_mean.value
                total[1] += layer.moving_variance.value
    finally:
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum
    for (mean, variance), layer in zip(sums, layers):
        layer.moving_mean.assign(mean / batches)
        layer.moving_variance.assign(variance / batches)
    copy.trainable = network.trainable
    return copy


def check_same_weights(reference, network, name, reference_name):
    """Raise ValueError unless ``network`` (called ``name`` in the message)
    has weights of the shapes of ``reference``'s (``reference_name``), in
    the same order."""
    wanted = [tuple(weight.shape) for weight in reference.weights]
    got = [tuple(weight.shape) for weight in network.weights]
    if got != wanted:
        raise ValueError(
            f"{name} must have weights of the shapes of {reference_name}'s, "
            f"in the same order ({len(wanted)} weights: {wanted}); got "
            f"{len(got)} weights: {got}. Build the network before "
            f"averaging it, and for a subclassed model pass copy_network, "
            f"a function that returns a built copy")


class GeneratorAveraging(keras.callbacks.Callback):
    """Keep an ``AveragedGenerator`` of ``generator`` up to date in ``fit``.

    For GAN models whose ``train_step`` does not update an average itself:
    after every training batch (one generator update in the GANs here) the
    average moves one step. ``self.average`` is the ``AveragedGenerator``;
    add it to the run's ``tf.train.Checkpoint`` (it carries its count of
    updates, so a resumed run continues the warm-up and the averaging
    exactly) and draw samples and evaluate with it.

    ``decay``, ``warmup`` and ``copy_network`` are those of
    ``AveragedGenerator``. With ``steps_per_execution`` above 1 Keras
    calls back once per N batches, so the average would see one update in
    N: ``fit`` then stops with ValueError; update in ``train_step``
    instead.
    """

    def __init__(self, generator, decay=0.999, warmup=1000,
                 copy_network=None):
        """Make the average of ``generator`` now, so that a checkpoint can
        track it (and restore it) before ``fit`` starts."""
        super().__init__()
        self.generator = generator
        self.average = AveragedGenerator(generator, decay=decay,
                                         warmup=warmup,
                                         copy_network=copy_network)
        # one graph for all the assignments: eagerly, a large generator's
        # hundreds of assign ops would cost more than the training step
        self.update = tf.function(self.average.update)

    def on_train_begin(self, logs=None):
        """Refuse a model that runs several batches per callback call."""
        every = getattr(self.model, "steps_per_execution", 1)
        if every != 1:
            raise ValueError(
                f"GeneratorAveraging updates once per callback call, and "
                f"with steps_per_execution={every} Keras calls back once "
                f"every {every} batches: compile with steps_per_execution=1, "
                f"or update the AveragedGenerator in train_step")

    def on_train_batch_end(self, batch, logs=None):
        """Move the average one step towards the generator."""
        self.update(self.generator)
