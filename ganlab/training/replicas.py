#!/usr/bin/env python3
"""One training step on N devices that computes what it computes on one.

Under a ``tf.distribute`` strategy every device (a *replica*) runs the
model's ``train_step`` on its share of the global batch, and Keras's
optimizers add up the replicas' gradients before applying them. Four
things must then hold for N devices to train the network one device
would:

1. **Random numbers are drawn once for the global batch.** A replica that
   drew its own latent vectors, flips or dropout masks would draw numbers
   that depend on how many replicas there are. Each draw here is made for
   the whole global batch from a seed every replica shares, and each
   replica keeps its own slice of it (``replica_share``): replica ``r`` of
   ``N`` takes rows ``r * B/N`` to ``(r + 1) * B/N`` of the ``B`` rows,
   which are the rows a ``tf.data`` batch distributed by the strategy
   hands it. Two sources of shared seeds serve: the model's
   ``tf.random.Generator`` (``rng``), asked once per step outside the
   replicas (``draw_seeds``, as ``ganlab.training.nonsaturating`` does), and a
   layer's ``keras.random.SeedGenerator``, whose state is one variable
   that every replica reads alike and that moves once per step.
2. **Each replica's loss counts for its share.** A loss is a mean over
   the replica's B/N examples; the sum of N such gradients is N times the
   gradient of the mean over B. Each optimizer divides the gradients it
   is given by N (``loss_scale_factor``, Keras's own division of
   gradients before they are applied; the train steps here do not scale
   their losses up, so it only divides).
3. **Batch normalisation pools its statistics over the replicas**
   (``BatchNormalization(synchronized=True)``): a replica's B/N images
   would otherwise be normalised by their own mean and variance.
4. **Optimizer variables exist before the first step**: a variable first
   created inside a replicated step fails under ``MirroredStrategy``.

The floating-point sums are still taken in another order, so N devices
agree with one to about 1e-7 relative, not bit for bit.

``replicated(gan_class)`` makes such a subclass of one of the lessons'
GANs; the lessons themselves keep their single-device code (the
curriculum's contract for tasks 0-2). ``GlobalBatchDropout`` is Keras's
dropout with its masks drawn per global batch.
"""
import tensorflow as tf
from tensorflow import keras

from ganlab import lessons
from ganlab.nets.layers import GlobalMinibatchStdDev


def replica_count():
    """Return the number of replicas the current step is split over (1
    outside any strategy and outside a replica)."""
    context = tf.distribute.get_replica_context()
    return 1 if context is None else context.num_replicas_in_sync


def replica_share(values):
    """Return this replica's slice of ``values``, drawn for the global
    batch along the first axis (all of it outside a strategy)."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return values
    share = tf.shape(values)[0] // context.num_replicas_in_sync
    start = context.replica_id_in_sync_group * share
    return values[start:start + share]


def for_the_global_batch(draw, local_shape):
    """Return this replica's share of ``draw(global_shape)``, where the
    global shape is ``local_shape`` with its first axis (this replica's
    batch) times the number of replicas. ``draw`` must give every
    replica the same numbers, e.g. a ``keras.random`` function seeded by
    a ``keras.random.SeedGenerator``."""
    local_shape = tf.convert_to_tensor(local_shape)
    replicas = replica_count()
    if replicas == 1:
        return draw(local_shape)
    global_shape = tf.concat([local_shape[:1] * replicas, local_shape[1:]],
                             0)
    return replica_share(draw(global_shape))


def draw_seeds(rng, count):
    """Return ``count`` seeds for stateless random ops, shape (2, count),
    drawn once per call from the ``tf.random.Generator`` ``rng`` outside
    the replicas: the same on every replica (a draw inside each would mix
    in the replica's number)."""
    context = tf.distribute.get_replica_context()
    if context is None:
        return rng.make_seeds(count)
    return context.merge_call(lambda strategy: rng.make_seeds(count))


def logs_for_workers(strategy, logs):
    """Return ``logs`` as Keras can gather them from ``strategy``'s
    workers: a multi-worker run averages results along their first axis,
    which a scalar lacks."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or resolver.task_type is None:
        return logs
    return {name: tf.reshape(value, [1]) for name, value in logs.items()}


def prepare_networks(networks, replicas):
    """Make ``networks`` (each holding its ``optimizer``) ready for a step
    split over ``replicas``: optimizers built now, dividing their
    gradients by ``replicas``, batch norm pooled across replicas."""
    for network in networks:
        if not network.optimizer.built:
            network.optimizer.build(network.trainable_variables)
        if replicas > 1:
            network.optimizer.loss_scale_factor = float(replicas)
        for layer in network._flatten_layers(include_self=False):
            if isinstance(layer, keras.layers.BatchNormalization):
                # read at each call, so setting it before the first step
                # is as good as passing it to the constructor
                layer.synchronized = True


class GlobalBatchDropout(keras.layers.Dropout):
    """``keras.layers.Dropout`` whose mask is drawn for the global batch,
    each replica keeping its rows: the masks do not depend on how many
    devices share the batch. Its seed state is a variable of the layer, so
    checkpoints of the network hold it. ``noise_shape`` is not taken."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        """Those of ``keras.layers.Dropout``, without ``noise_shape``."""
        if noise_shape is not None:
            raise ValueError("GlobalBatchDropout draws one mask entry per "
                             "value; noise_shape must be None")
        super().__init__(rate, seed=seed, **kwargs)

    def call(self, inputs, training=False):
        """Zero each value with probability ``rate`` in training and scale
        the kept ones by 1 / (1 - rate); pass the inputs through
        otherwise."""
        if not training or self.rate == 0:
            return inputs
        kept = for_the_global_batch(
            lambda shape: keras.random.uniform(
                shape, dtype=inputs.dtype, seed=self.seed_generator),
            tf.shape(inputs)) >= self.rate
        return tf.where(kept, inputs / (1 - self.rate),
                        tf.zeros_like(inputs))


def with_global_batch_dropout(network):
    """Return a copy of the functional ``network`` (fresh weights) whose
    ``Dropout`` layers are ``GlobalBatchDropout``."""
    def copy(layer):
        """A fresh layer of the same config, dropout redrawn per batch."""
        if type(layer) is keras.layers.Dropout:
            return GlobalBatchDropout.from_config(layer.get_config())
        return layer.__class__.from_config(layer.get_config())
    return keras.models.clone_model(network, clone_function=copy)


REPLICATED_CLASSES = {}


def replicated(gan_class):
    """Return the subclass of ``gan_class`` that splits its step over the
    replicas of the strategy it is built under (one, outside any) as the
    module docstring says. Its constructor takes one more keyword,
    ``seed=0``, which starts its random generator ``rng``; every random
    number of a step comes from ``rng``, so checkpoints hold them.

    ``gan_class`` is one of the lessons' GANs (or a subclass):

    - ``Simple_GAN``, ``WGAN_clip``, ``WGAN_GP``, which draw their own
      samples for the global batch (``batch_size``) through
      ``get_real_sample``, ``get_fake_sample`` (normal latent vectors)
      and ``get_interpolated_sample``;
    - task 5's ``DCGAN``, fed its share of each real batch by ``fit``,
      whose step draws through ``get_fake_sample`` and ``augment_real``;
    - task 4's ``ProGAN``, fed likewise, whose step draws through
      ``get_fake_sample`` and ``get_mix`` and counts its images with
      ``count_step``; its critic must take the minibatch standard
      deviation over the global batch
      (``ganlab.nets.layers.GlobalMinibatchStdDev``).

    Asking twice for the same class returns the same subclass, named
    ``Replicated`` + the lesson's name.
    """
    if gan_class in REPLICATED_CLASSES:
        return REPLICATED_CLASSES[gan_class]
    if callable(getattr(gan_class, "count_step", None)):
        mixin = GrowingShares
    elif callable(getattr(gan_class, "augment_real", None)):
        mixin = FedShares
    elif all(callable(getattr(gan_class, name, None)) for name in
             ("get_real_sample", "get_fake_sample", "train_step")):
        mixin = SelfDrawnShares
    else:
        raise TypeError(f"gan_class must be one of the lessons' GANs "
                        f"(Simple_GAN, WGAN_clip, WGAN_GP, DCGAN, ProGAN); "
                        f"got "
                        f"{gan_class!r}")
    subclass = type(f"Replicated{gan_class.__name__}", (mixin, gan_class),
                    {"__doc__": f"{gan_class.__name__}, its step split "
                                f"over replicas (ganlab.training.replicas)."})
    REPLICATED_CLASSES[gan_class] = subclass
    return subclass


class Shares:
    """What both kinds of replicated GAN share: the random generator,
    the prepared networks and the logs."""

    def __init__(self, *args, seed=0, **kwargs):
        """Build the lesson's GAN, then seed ``rng`` and prepare both
        networks for the strategy in whose scope this runs."""
        super().__init__(*args, **kwargs)
        self.rng = tf.random.Generator.from_seed(seed)
        prepare_networks((self.generator, self.discriminator),
                         tf.distribute.get_strategy().num_replicas_in_sync)

    @property
    def latent_size(self):
        """The generator's number of latent dimensions."""
        return int(self.generator.inputs[0].shape[-1])

    def global_normal(self, shape):
        """Return this replica's share of standard normal numbers drawn
        for the global batch, of global shape ``shape``."""
        seed = draw_seeds(self.rng, 1)[:, 0]
        return replica_share(tf.random.stateless_normal(shape, seed=seed))

    def global_uniform(self, shape):
        """The same for uniform numbers in [0, 1)."""
        seed = draw_seeds(self.rng, 1)[:, 0]
        return replica_share(tf.random.stateless_uniform(shape, seed=seed))

    def train_step(self, batch):
        """The lesson's step, its logs shaped for a multi-worker run."""
        return logs_for_workers(self.distribute_strategy,
                                super().train_step(batch))


class SelfDrawnShares(Shares):
    """Lessons 0-2: the step draws real and fake samples itself, and
    ``batch_size`` is the global batch."""

    def get_real_sample(self, size=None):
        """This replica's share of ``size`` (default ``batch_size``)
        distinct real examples, drawn at random for the global batch."""
        size = self.batch_size if size is None else size
        seed = draw_seeds(self.rng, 1)[:, 0]
        chosen = tf.random.experimental.stateless_shuffle(
            tf.range(tf.shape(self.real_examples)[0]), seed=seed)[:size]
        return tf.gather(self.real_examples, replica_share(chosen))

    def get_fake_sample(self, size=None, training=False):
        """This replica's share of ``size`` (default ``batch_size``)
        generated examples, from normal latent vectors drawn for the
        global batch."""
        size = self.batch_size if size is None else size
        return self.generator(self.global_normal((size, self.latent_size)),
                              training=training)

    def get_interpolated_sample(self, real_sample, fake_sample):
        """Task 2's mix ``u * real + (1 - u) * fake``, with this
        replica's share of the global batch's mixing weights."""
        u = self.global_uniform(tf.concat(
            [tf.shape(real_sample)[:1] * replica_count(),
             tf.ones_like(tf.shape(real_sample)[1:])], 0))
        return u * real_sample + (1 - u) * fake_sample

    def fit(self, x=None, y=None, **kwargs):
        """Train with Keras's ``fit`` on a dummy dataset with one element
        per replica (the step draws its own samples); ``x`` and ``y`` are
        not used."""
        options = tf.data.Options()
        options.autotune.enabled = False
        # each worker of a multi-worker run needs the dummy, not a shard
        options.experimental_distribute.auto_shard_policy = (
            tf.data.experimental.AutoShardPolicy.OFF)
        replicas = self.distribute_strategy.num_replicas_in_sync
        dummy = tf.data.Dataset.from_tensors(0.).repeat().batch(
            replicas).with_options(options)
        kwargs["shuffle"] = False
        return keras.Model.fit(self, dummy, **kwargs)


class FedShares(Shares):
    """Task 5's DCGAN: ``fit`` hands each replica its share of a real
    batch, so sizes in its step are this replica's."""

    def get_fake_sample(self, size, training=False):
        """This replica's ``size`` generated images, from its share of
        normal latent vectors drawn for the global batch."""
        return self.generator(self.global_normal(
            (size * replica_count(), self.latent_size)), training=training)

    def augment_real(self, images):
        """Task 5's flips and shifts (``augmentation``), drawn for the
        global batch."""
        if not self.augmentation:
            return images
        task5 = lessons.load("5-dcgan_cifar")
        count = tf.shape(images)[:1] * replica_count()
        seeds = draw_seeds(self.rng, 2)
        flips = replica_share(tf.random.stateless_uniform(
            count, seed=seeds[:, 0])) < .5
        shifts = replica_share(tf.random.stateless_uniform(
            tf.concat([count, [2]], 0), seed=seeds[:, 1], minval=-2,
            maxval=3, dtype=tf.int32))
        return task5.flip_and_shift(images, flips, shifts, max_shift=2)


class GrowingShares(Shares):
    """Task 4's ProGAN: ``fit`` hands each replica its share of a real
    batch; the images of a step are counted once, for the global batch."""

    def __init__(self, generator, critic, *args, **kwargs):
        """Build the ProGAN; its critic must take the minibatch standard
        deviation over the global batch (``build_networks(...,
        minibatch_std=GlobalMinibatchStdDev())``)."""
        if not isinstance(critic.minibatch_std, GlobalMinibatchStdDev):
            raise ValueError(
                "critic's minibatch_std must be a GlobalMinibatchStdDev "
                "(pass build_networks(..., minibatch_std="
                "GlobalMinibatchStdDev())): the lesson's takes it over "
                "each replica's share alone")
        super().__init__(generator, critic, *args, **kwargs)

    def get_fake_sample(self, size, training=False):
        """This replica's ``size`` generated images, from its share of
        normal latent vectors drawn for the global batch."""
        return self.generator(self.global_normal(
            (size * replica_count(), self.latent_dim)), training=training)

    def get_mix(self, size):
        """This replica's share of the global batch's mixing weights."""
        return self.global_uniform(tf.stack([size * replica_count(), 1, 1,
                                             1]))

    def count_step(self, batch_size):
        """Count the global batch once, outside the replicas: the
        counters and alpha are one variable for all of them."""
        replicas = replica_count()
        count = super().count_step
        if replicas == 1:
            return count(batch_size)
        return tf.distribute.get_replica_context().merge_call(
            lambda strategy: count(batch_size * replicas))
