#!/usr/bin/env python3
"""The models ``python -m ganlab train`` trains: one entry per model.

Each entry knows everything the run needs of its model: its name (the
``--model`` choice) and a one-line description; the flags it accepts or
refuses (``takes_d_lr``, ``fixed_b2``, ``multi_device``, a fixed latent
size); its defaults (``lr``, ``d_lr``, ``b1``, ``b2``, ``latent_dim``,
``batch_size``, and for the lessons ``disc_iter``);
the data it needs (``takes_vectors``; ``shape``, the (H, W, C) it draws
when that is fixed); how to build itself, compiled, from the data and the
run's ``RunConfig`` (``build``: ``ganlab.training.config`` has applied
these defaults already, so an entry never defaults a setting itself); the keys its ``train_step`` returns (``loss_names``,
the columns of ``losses.csv``; ``other_logs``, its other keys;
``log_names`` gives both for the flags, ``penalty`` included under
``--r1``); and how it is fitted (``fit``).

The techniques of DESIGN.md's "Samples worth keeping" are entry
attributes too: ``averages`` (an averaged generator by default, for the
image models; the lessons average only when ``--average-decay`` asks),
``takes_augment`` (``--augment``: DiffAugment, passed as ``augment=``)
and ``loss_options`` (``--loss hinge``, ``--spectral-norm``, ``--r1``);
``takes_calibrate``: the saved generator's contrast matched to the
training images' (``--calibrate``, ``ganlab.training.calibration``);
``copy_generator`` and ``follow`` make the averaged copy of a generator
and keep it at the generator's stage of growth.

Adding a model is one entry here (a subclass of ``Model``, appended to
``ENTRIES``) plus the file that defines it. TensorFlow is imported only
inside ``build`` and ``fit``, so that the flags are checked before it
starts.
"""
import functools

import numpy as np

from ganlab import lessons


def names_or(names, last="or"):
    """``("a", "b", "c")`` -> ``"a, b or c"`` (``last="and"``: ``"a, b
    and c"``)."""
    names = list(names)
    return (", ".join(names[:-1]) + f" {last} " + names[-1]
            if len(names) > 1 else "".join(names))


class Model:
    """One trainable model. Subclasses set the class attributes and
    define ``build``; the base class gives the data check and the usual
    ``fit``."""

    name = ""
    description = ""
    # defaults of the flags; ``d_lr`` None: the discriminator trains at
    # --lr; ``b1``/``b2`` are the model's own betas (what help shows)
    lr = 1e-3
    d_lr = None
    b1 = .5
    b2 = .9
    latent_dim = 100
    batch_size = 64
    # flags: --d_lr taken; --b2 refused with this reason when set;
    # --strategy mirrored/multi-worker taken; --latent_dim fixed to
    # ``latent_dim``, with this network's name for the message
    takes_d_lr = False
    fixed_b2 = None
    multi_device = False
    # --stream: trains on an image folder streamed from disk
    streams = False
    # its in-memory images stay uint8, scaled a batch at a time
    # (ganlab.data.batches): a quarter of float32's memory
    holds_bytes = False
    # --precision bfloat16: its networks compute in bfloat16
    mixed_precision = False
    fixed_latent_dim = None
    # data: toy vectors accepted; the (H, W, C) of the images, if fixed
    takes_vectors = False
    shape = None
    shape_hint = ""
    # every model's train step names its losses as the lessons do
    loss_names = ("discr_loss", "gen_loss")
    # the other keys of the train step's logs, which are no losses
    # (neither logged in losses.csv nor watched by the GAN doctor)
    other_logs = ()
    # techniques: an averaged generator by default (--average-decay
    # .999; otherwise off unless the flag asks), DiffAugment
    # (--augment), the hinge loss, spectral norm and R1 (--loss,
    # --spectral-norm, --r1)
    averages = False
    # the average's decay where it averages by default: over about
    # 1 / (1 - .999) = 1000 updates
    average_decay = .999
    takes_augment = False
    loss_options = False
    # --r1: the default gamma of the models that take the flag (None: the
    # model refuses it), and the steps between two penalised ones (lazy
    # R1; dcgan's and progan's steps penalise every one)
    r1 = None
    r1_every = 1
    # --calibrate: the saved generator's output scaled to the training
    # images' pixel variance (its output layer is one calibration scales)
    takes_calibrate = False
    # --capacity: the width of its networks scales with the flag
    takes_capacity = False
    # --conditional: its networks take class labels
    takes_classes = False

    def image_side(self, data_side):
        """Return the side trained at when ``--img_size`` is left out:
        the data's own."""
        return data_side

    def copy_generator(self, generator):
        """Return a built copy of ``generator`` for its average: a fresh
        network from its config. Not ``keras.models.clone_model``, which
        also compiles the copy as the original was: the lessons compile
        their generators with the lesson's own loss functions, which Keras
        cannot find by name."""
        return type(generator).from_config(generator.get_config())

    def log_names(self, config):
        """Return ``(loss_names, other_logs)`` of the train step built
        for ``config`` (a ``RunConfig``): the entry's, and ``penalty`` (a
        loss, so that losses.csv and the GAN doctor see it) under
        ``--r1``."""
        penalty = ("penalty",) if config.techniques.r1 else ()
        return self.loss_names + penalty, self.other_logs

    def follow(self, average, generator):
        """Return ``average`` (the averaged copy of ``generator``) ready
        to draw what ``generator`` draws now: a network that does not
        grow needs only batch-norm statistics of its own, measured on a
        copy (``averaging.with_own_batch_statistics``; the average itself
        is left as the checkpoint holds it)."""
        from ganlab.training.averaging import with_own_batch_statistics
        return with_own_batch_statistics(average)

    def check_data(self, config, examples):
        """Raise ``ValueError`` naming the flag when the examples do not
        fit this model."""
        if not self.takes_vectors and examples.ndim != 4:
            vector_models = names_or(entry.name for entry in ENTRIES
                                     if entry.takes_vectors)
            raise ValueError(f"--model {self.name} draws images; --dataset "
                             f"{config.data.dataset} holds vectors (train it "
                             f"with {vector_models})")
        if self.shape is not None and examples.shape[1:] != self.shape:
            raise ValueError(self.shape_hint)

    def build(self, config, examples, augment=None):
        """Return the GAN, compiled, for ``config`` (a resolved
        ``RunConfig``: every setting is there, none is defaulted here) and
        the examples; ``augment`` is the ``DiffAugment`` layer to pass
        the model (None: none)."""
        raise NotImplementedError

    def in_bfloat16(self, config):
        """Return whether ``config`` (its precision settled by
        ``config.with_arithmetic``) asks this model's networks to compute
        in bfloat16."""
        return self.mixed_precision and config.model.precision == "bfloat16"

    def fit(self, gan, examples, config, common_kwargs):
        """Train ``gan``; ``common_kwargs`` are the epochs, steps per
        epoch, initial epoch, verbosity and callbacks of the run."""
        gan.fit(**common_kwargs)


class MLP(Model):
    """``--model mlp``: any image size, several devices, its own --d_lr."""

    name = "mlp"
    description = ("Goodfellow et al.'s fully connected GAN "
                   "(ganlab.nets.mlp_gan)")
    lr, b1, b2 = 2e-4, .5, .999
    takes_d_lr = True
    multi_device = True
    averages = takes_augment = True
    # MLPGAN holds uint8 pixels and scales each batch
    holds_bytes = True

    def networks(self, config, examples):
        """Return ``(generator, discriminator)`` for the examples' shape."""
        from ganlab.nets import mlp_gan
        return (mlp_gan.build_generator(config.model.latent_dim,
                                        examples.shape[1:]),
                mlp_gan.build_discriminator(examples.shape[1:]))

    def build(self, config, examples, augment=None, labels=None):
        """Build and compile it (see ``Model.build``): the networks of
        ``networks`` in ``MLPGAN``'s training, with R1 every ``r1_every``
        steps where the config's gamma asks for it, or with ``labels``
        (one class number per example, ``--conditional``) in
        ``ConditionalMLPGAN``'s."""
        from ganlab.training.conditional import trained_with_labels
        from ganlab.training.nonsaturating import MLPGAN
        gamma = config.techniques.r1
        penalty = dict(penalty=r1_term(gamma),
                       penalty_every=self.r1_every) if gamma else {}
        gan = trained_with_labels(
            MLPGAN, *self.networks(config, examples), examples, labels,
            batch_size=config.model.batch_size, seed=config.run.seed,
            **hooks(augment=augment), **penalty)
        gan.compile(**adam_of(config))
        return gan


class Conv(MLP):
    """``--model conv``: the MLP GAN's training with small convolutional
    networks and lazy R1; on a CPU, the best samples here for 28x28 grey
    and 32x32 colour images (BENCHMARKS.md), and it draws larger ones with
    more doublings."""

    name = "conv"
    description = ("a small DCGAN sized for a CPU, 28x28 to 64x64, trained "
                   "as the MLP GAN is, with R1 (ganlab.nets.conv_gan)")
    # Each setting below won its round of the Fashion-MNIST search in
    # BENCHMARKS.md ("Time to quality on Fashion-MNIST"), which gives the
    # figures: with R1 a learning rate of 1e-3 trains fastest; an average
    # over about 100 updates (.99) follows a fast-improving run better
    # than one over 1,000; bfloat16 keeps the score per step and runs
    # more steps; R1 at gamma 1, lazily on one update in 8, helped most.
    # Calibration is offered, not default: with the minibatch standard
    # deviation the samples already vary enough.
    lr, b1, b2 = 1e-3, .5, .999
    average_decay = .99
    latent_dim = 64
    takes_calibrate = takes_classes = True
    mixed_precision = True
    r1, r1_every = 1., 8
    shape_hint = ("--model conv draws images whose height and width are "
                  "multiples of 4 up to 32, of 8 up to 64, of 16 up to "
                  "128: use --img_size 28, 32, 64 or 128")

    def check_data(self, config, examples):
        """Refuse vectors and sizes that its doublings cannot reach."""
        super().check_data(config, examples)
        from ganlab.nets.conv_gan import check_image_shape, doublings_for
        try:
            check_image_shape(examples.shape[1:],
                              doublings_for(examples.shape[1:]))
        except ValueError:
            raise ValueError(self.shape_hint) from None

    def networks(self, config, examples):
        """Return ``conv_gan``'s generator and discriminator, taking the
        run's classes under ``--conditional``, computing in bfloat16
        under ``--precision bfloat16``."""
        from ganlab.nets import conv_gan
        classes = class_count(config)
        generator = conv_gan.build_generator(
            config.model.latent_dim, examples.shape[1:], classes=classes)
        discriminator = conv_gan.build_discriminator(examples.shape[1:],
                                                     classes=classes)
        if self.in_bfloat16(config):
            from ganlab.nets.precision import use_bfloat16
            use_bfloat16(generator)
            # the logit stays float32 too: R1 differentiates it
            use_bfloat16(discriminator,
                         keep_float32=conv_gan.logit_layers(discriminator))
        return generator, discriminator


class R3GAN(Model):
    """``--model r3gan``: the modern residual GAN, for colour or grey
    images of any side from 16 to 256 (a power of two); what ``train``
    trains on images when ``--model`` is left out."""

    name = "r3gan"
    description = ("a modern residual GAN for images of any size 16-256: "
                   "relativistic loss with R1 and R2, no normalisation, "
                   "an averaged generator (ganlab.nets.residual_gan; the "
                   "default for images)")
    # R3GAN's Adam (no momentum, beta_2 .99) at the learning rate and
    # gamma of the shipped emoji generator's run (data/README.md)
    lr, b1, b2 = 5e-4, 0., .99
    latent_dim = 64
    takes_d_lr = multi_device = mixed_precision = True
    averages = takes_augment = takes_capacity = takes_classes = True
    # one uint8 copy of the images in memory, or a streamed folder
    # (not under --conditional, whose labels come with the images)
    holds_bytes = streams = True
    # gamma of R1 + R2 (--r1), computed on one critic update in 4
    r1, r1_every = .3, 4
    shape_hint = ("--model r3gan draws square images of side 16, 32, 64, "
                  "128 or 256 with 1 or 3 channels: pass --img_size")

    def image_side(self, data_side):
        """The side trained at when ``--img_size`` is left out: the
        data's rounded up to a power of two its networks draw (28 -> 32),
        within 16 to 256."""
        from ganlab.nets.residual_gan import SIDES
        return next((side for side in SIDES if side >= data_side),
                    SIDES[-1])

    def check_data(self, config, examples):
        """Refuse vectors and shapes its networks cannot draw."""
        super().check_data(config, examples)
        from ganlab.nets.residual_gan import check_image_shape
        try:
            check_image_shape(examples.shape[1:])
        except ValueError:
            raise ValueError(self.shape_hint) from None

    def networks(self, config, examples):
        """Return ``residual_gan``'s generator and discriminator at
        ``--capacity``, taking the run's classes under ``--conditional``,
        computing in bfloat16 under ``--precision bfloat16`` (the image
        and the logit in float32)."""
        from ganlab.nets import residual_gan
        capacity = config.model.capacity
        classes = class_count(config)
        generator = residual_gan.build_generator(
            config.model.latent_dim, examples.shape[1:], capacity=capacity,
            classes=classes)
        discriminator = residual_gan.build_discriminator(
            examples.shape[1:], capacity=capacity, classes=classes)
        if self.in_bfloat16(config):
            from ganlab.nets.precision import use_bfloat16
            use_bfloat16(generator)
            use_bfloat16(discriminator)
        return generator, discriminator

    def build(self, config, examples, augment=None, labels=None):
        """Build and compile it (see ``Model.build``): the networks of
        ``networks`` in ``RelativisticGAN``'s training, or with
        ``labels`` (one class number per example, ``--conditional``) in
        ``ConditionalRelativisticGAN``'s."""
        from ganlab.training.conditional import trained_with_labels
        from ganlab.training.relativistic import RelativisticGAN
        gan = trained_with_labels(
            RelativisticGAN, *self.networks(config, examples), examples,
            labels, batch_size=config.model.batch_size, seed=config.run.seed,
            gamma=config.techniques.r1, penalty_every=self.r1_every,
            **hooks(augment=augment))
        gan.compile(**adam_of(config))
        return gan


class Lesson(Model):
    """The curriculum's GANs of tasks 0-2: they hold their examples and
    fix their betas in the constructor."""

    module = ""
    class_name = ""
    # critic updates per generator step (--disc-iter); only the lessons
    # take it
    disc_iter = 2
    takes_vectors = True
    loss_names = ("discr_loss", "gen_loss")

    def networks(self, config, examples):
        """Return ``(generator, discriminator, latent_generator)``: ReLU
        perceptrons on vectors, DCGAN-style networks on images."""
        from ganlab.nets import builders
        latent_dim = config.model.latent_dim
        if examples.ndim != 4:
            return builders.mlp_GenDiscr(latent_dim, examples.shape[1])
        try:
            return builders.dcgan_GenDiscr(
                examples.shape[1], examples.shape[3], latent_dim)
        except ValueError as error:
            raise ValueError(f"--img_size: {error}") from None

    def gan_class(self, augment):
        """Return the lesson's GAN class: for a model that trains on
        several devices, the ``ganlab.training.replicas.replicated``
        subclass (on one device too, so that one and N devices run the
        same code); with ``augment``, the subclass of
        ``ganlab.training.augment.augmenting`` that takes it."""
        gan_class = getattr(lessons.load(self.module), self.class_name)
        if self.multi_device:
            from ganlab.training.replicas import replicated
            gan_class = replicated(gan_class)
        if augment is None:
            return gan_class
        from ganlab.training.augment import augmenting
        return augmenting(gan_class)

    def build(self, config, examples, augment=None):
        """Build and compile it (see ``Model.build``)."""
        generator, discriminator, latent = self.networks(config, examples)
        # the replicated subclass draws from a generator of its own
        seeded = {"seed": config.run.seed} if self.multi_device else {}
        gan = self.gan_class(augment)(
            generator, discriminator, latent, examples,
            batch_size=config.model.batch_size,
            disc_iter=config.model.disc_iter,
            learning_rate=config.optimiser.lr, **seeded,
            **hooks(augment=augment))
        for network in (gan.generator, gan.discriminator):
            # The lessons fix their betas in the constructor (the
            # curriculum's contract); Adam reads them at every step, so
            # they can be set.
            network.optimizer.beta_1 = config.optimiser.b1
            network.optimizer.beta_2 = config.optimiser.b2
        gan.compile()
        return gan

    def fit(self, gan, examples, config, common_kwargs):
        """Train it (see ``Model.fit``)."""
        gan.fit(gan.real_examples, **common_kwargs)


class Simple(Lesson):
    """``--model simple``: task 0."""

    name = "simple"
    description = "task 0's GAN, least-squares form (0-simple_gan.py)"
    module, class_name = "0-simple_gan", "Simple_GAN"


class WGANClip(Lesson):
    """``--model wgan-clip``: task 1."""

    name = "wgan-clip"
    description = "task 1's WGAN with weight clipping (1-wgan_clip.py)"
    module, class_name = "1-wgan_clip", "WGAN_clip"


class WGANGP(Lesson):
    """``--model wgan-gp``: task 2 (beta_1 .3, and a ``gp`` loss)."""

    name = "wgan-gp"
    description = "task 2's WGAN with gradient penalty (2-wgan_gp.py)"
    module, class_name = "2-wgan_gp", "WGAN_GP"
    b1 = .3
    loss_names = ("discr_loss", "gen_loss", "gp")


class Faces(WGANGP):
    """``--model faces``: task 3's networks in task 2's WGAN-GP; 16x16
    grey images, 16 latent dimensions.

    The one way to train a face network from scratch (``refine-faces``
    trains the shipped weights on). Its defaults are those that made the
    first stage of the shipped face weights in ``data/`` (learning rate
    2e-4, batch 200, 2 critic updates per step, Adam betas .3 and .9);
    with ``--dataset
    faces --data-path small_res_faces_10000.npy`` the last
    ``ganlab.data.faces.HOLDOUT`` faces are held out of training, as they
    were. One thing differs: like every model here it trains on pixels
    scaled to [-1, 1] (its generator's tanh range), while the shipped
    weights were made by the former ``train-faces`` command with the
    curriculum's centring by the mean face; those still load, mean face
    and all, with ``ganlab.data.faces.load_shipped_face_models``.
    """

    name = "faces"
    description = ("task 3's network for 16x16 grey faces, trained as a "
                   "WGAN-GP (3-generate_faces.py)")
    # the shipped weights' settings, stated here rather than inherited
    lr, batch_size, disc_iter = 2e-4, 200, 2
    latent_dim = 16
    fixed_latent_dim = "task 3's face generator"
    averages = takes_augment = multi_device = True
    takes_vectors = False
    shape = (16, 16, 1)
    shape_hint = ("--model faces is task 3's network for 16x16 grey faces: "
                  "use --img_size 16 --channels 1")

    def check_data(self, config, examples):
        """Check the shape only: vectors get its message, which says
        what to pass."""
        if examples.shape[1:] != self.shape:
            raise ValueError(self.shape_hint)

    def networks(self, config, examples):
        """Task 3's generator and critic, normal latent vectors."""
        from ganlab.nets import builders
        generator, discriminator = lessons.load(
            "3-generate_faces").convolutional_GenDiscr()
        return (generator, discriminator,
                functools.partial(builders.normal_generator,
                                  dim=self.latent_dim))


class DCGAN(Model):
    """``--model dcgan``: task 5; 32x32 RGB, fed by a ``tf.data``
    pipeline."""

    name = "dcgan"
    description = ("task 5's DCGAN for 32x32 RGB images, two time scales "
                   "(5-dcgan_cifar.py)")
    lr, d_lr, b1, b2 = 1e-4, 4e-4, .5, .999
    takes_d_lr = True
    fixed_b2 = "task 5's DCGAN fixes Adam's beta_2 (.999)"
    shape = (32, 32, 3)
    shape_hint = ("--model dcgan draws 32x32 RGB images: use --img_size 32 "
                  "--channels 3")
    averages = takes_augment = loss_options = multi_device = True
    r1 = 0.
    streams = mixed_precision = True

    def build(self, config, examples, augment=None):
        """Build and compile it (see ``Model.build``): the lesson's DCGAN
        with its step split over devices (on one device too), its
        dropout masks drawn per global batch
        (``ganlab.training.replicas``)."""
        from ganlab.training.replicas import (replicated,
                                              with_global_batch_dropout)
        dcgan = lessons.load("5-dcgan_cifar")
        generator = dcgan.build_generator(config.model.latent_dim)
        discriminator = with_global_batch_dropout(dcgan.build_discriminator(
            **hooks(spectral_norm=config.techniques.spectral_norm)))
        if self.in_bfloat16(config):
            from ganlab.nets.precision import use_bfloat16
            for network in (generator, discriminator):
                use_bfloat16(network)
        gan = replicated(dcgan.DCGAN)(
            generator, discriminator,
            latent_dim=config.model.latent_dim, seed=config.run.seed,
            generator_learning_rate=config.optimiser.lr,
            discriminator_learning_rate=config.optimiser.d_lr,
            beta_1=config.optimiser.b1,
            **hooks(augment=augment, **loss_hooks(config.techniques)))
        gan.compile()
        return gan

    def fit(self, gan, examples, config, common_kwargs):
        """Train it (see ``Model.fit``) on ``real_batches`` of the
        examples, or on a streamed folder's batches (``--stream``), from
        the step a resumed run stopped at."""
        # the steps done, read from the GAN: a run stopped mid-epoch
        # (ganlab.training.stopping) resumes within its epoch
        from ganlab.training.checkpoints import steps_done
        done = steps_done(gan)
        if isinstance(examples, np.ndarray):
            from ganlab.data.batches import real_batches
            batches = real_batches(examples, config.model.batch_size,
                                   config.run.seed, first_step=done)
        else:
            batches = examples.batches(config.model.batch_size,
                                       config.run.seed, first_batch=done)
        gan.fit(batches, shuffle=False, **common_kwargs)


class ProGAN(Model):
    """``--model progan``: task 4, fitted by growing through its phases."""

    name = "progan"
    description = ("task 4's progressive GAN, grown from 4x4 to --img_size "
                   "with CPU-sized networks (4-progan.py)")
    b1, b2 = 0., .99
    loss_names = ("discr_loss", "gen_loss", "gp")
    other_logs = ("alpha",)  # the fade-in's progress
    averages = takes_augment = loss_options = multi_device = True
    # its phases read one uint8 copy of the images, or a streamed folder,
    # each batch shrunk to the phase's side (ganlab.training.growth)
    streams = holds_bytes = True
    r1 = 0.

    def log_names(self, config):
        """Those of ``Model.log_names``, less ``gp``, the Wasserstein
        loss's gradient penalty, under ``--loss hinge``."""
        losses, others = super().log_names(config)
        if config.techniques.loss == "hinge":
            losses = tuple(name for name in losses if name != "gp")
        return losses, others

    def copy_generator(self, generator):
        """Return a copy of task 4's subclassed generator, which
        ``clone_model`` cannot copy: the same sizes, built at every stage
        (its constructor runs them all), and sharing the generator's
        ``alpha`` variable, so that it fades a new block in as the
        generator does."""
        return type(generator)(
            latent_dim=generator.latent_dim,
            max_resolution=generator.resolutions[-1],
            channels=generator.channels, max_filters=generator.max_filters,
            filter_base=generator.filter_base, alpha=generator.alpha)

    def follow(self, average, generator):
        """Put the averaged copy at the generator's stage and fade-in:
        the stage is a Python attribute of each network, which the
        ProGAN's ``enter_phase`` sets on its own two alone."""
        average.set_stage(generator.stage, generator.fading)
        return average

    def build(self, config, examples, augment=None):
        """Task 4's ProGAN growing to the images' size, with networks
        small enough for a CPU (64 filters at most)."""
        from ganlab.nets.layers import GlobalMinibatchStdDev
        from ganlab.training.replicas import replicated
        progan = lessons.load("4-progan")
        size, channels = examples.shape[1], examples.shape[3]
        try:
            networks = progan.build_networks(
                config.model.latent_dim, size, channels, max_filters=64,
                filter_base=512, minibatch_std=GlobalMinibatchStdDev(),
                **hooks(spectral_norm=config.techniques.spectral_norm))
        except ValueError as error:
            raise ValueError(f"--img_size: {error}") from None
        gan = replicated(progan.ProGAN)(
            *networks, learning_rate=config.optimiser.lr,
            beta_1=config.optimiser.b1, beta_2=config.optimiser.b2,
            seed=config.run.seed,
            **hooks(augment=augment, **loss_hooks(config.techniques)))
        gan.compile()
        return gan

    def schedule(self, config, gan, examples):
        """Spread ``--n_epochs`` passes over the data evenly over the
        phases of growth, at ``--batch_size`` throughout."""
        progan = lessons.load("4-progan")
        resolutions = gan.generator.resolutions
        batch_size = config.model.batch_size
        per_phase = max(batch_size, config.run.n_epochs
                        * len(examples) // (2 * len(resolutions) - 1))
        return progan.GrowthSchedule(resolutions[-1], per_phase, per_phase,
                                     {size: batch_size
                                      for size in resolutions})

    def fit(self, gan, examples, config, common_kwargs):
        """Train it (see ``Model.fit``) through its phases of growth, its
        average (if any) restarted at each phase
        (``growth.AverageEachPhase``)."""
        from ganlab.training import growth
        from ganlab.training.averaging import GeneratorAveraging
        callbacks = list(common_kwargs["callbacks"])
        callbacks = [growth.AverageEachPhase(callback.average)
                     for callback in callbacks
                     if isinstance(callback, GeneratorAveraging)] + callbacks
        growth.grow(gan, examples, self.schedule(config, gan, examples),
                    steps_per_epoch=common_kwargs["steps_per_epoch"],
                    callbacks=callbacks,
                    verbose=common_kwargs["verbose"], seed=config.run.seed)


def hooks(**values):
    """Return the keyword arguments of ``values`` that are set (not None
    or False): a technique left out is not passed at all, so the model
    keeps its own default (and a model file without the hook still
    builds)."""
    return {key: value for key, value in values.items()
            if value is not None and value is not False}


def class_count(config):
    """The number of classes a run's networks take: its data's under
    ``--conditional``, else 0."""
    return len(config.data.class_names or ())


def r1_term(gamma):
    """Return the critic's penalty for ``--r1 gamma``: ``gamma / 2`` times
    ``ganlab.training.losses.r1_penalty`` (Mescheder et al.'s R1, as the
    paper weights it), as a function of the critic and the real
    images."""
    from ganlab.training.losses import r1_penalty

    def penalty(critic, real_images):
        """gamma / 2 * R1 of ``critic`` at ``real_images``."""
        return gamma / 2 * r1_penalty(critic, real_images)
    return penalty


def adam_of(config):
    """Return the ``compile`` keyword arguments of the models compiled
    with Adam's settings (``MLPGAN``, ``RelativisticGAN``): the resolved
    learning rates and betas of ``config``."""
    optimiser = config.optimiser
    return dict(learning_rate=optimiser.lr, beta_1=optimiser.b1,
                beta_2=optimiser.b2,
                discriminator_learning_rate=optimiser.d_lr)


def loss_hooks(techniques):
    """Return the ``loss`` and ``penalty`` keyword arguments for
    ``techniques`` (a ``TechniquesConfig``): the hinge pair of
    ``ganlab.training.losses`` for the hinge loss (None: the model's own
    loss), R1 for a gamma above 0."""
    loss = penalty = None
    if techniques.loss == "hinge":
        from ganlab.training.losses import (hinge_critic_loss,
                                            hinge_generator_loss)
        loss = (hinge_critic_loss, hinge_generator_loss)
    if techniques.r1:
        penalty = r1_term(techniques.r1)
    return {"loss": loss, "penalty": penalty}


ENTRIES = (R3GAN(), MLP(), Conv(), Simple(), WGANClip(), WGANGP(), Faces(),
           DCGAN(), ProGAN())
# what --model is when left out: the modern model for images, task 2's
# WGAN-GP for the toy sets' vectors (the image models refuse vectors)
DEFAULT_IMAGE_MODEL, DEFAULT_VECTOR_MODEL = "r3gan", "wgan-gp"
# the models that take --r1 (their entry's r1 a gamma, 0 included)
R1_MODELS = tuple(entry for entry in ENTRIES if entry.r1 is not None)
REGISTRY = {entry.name: entry for entry in ENTRIES}
MODELS = tuple(REGISTRY)


def entry(name):
    """Return the entry of ``--model name``."""
    return REGISTRY[name]


def defaults_text(attribute, models=ENTRIES):
    """``"mlp 2e-4; simple, ... 1e-3; dcgan 1e-4"``: each of ``models``'
    default for a flag, grouped by value, for the flag's help."""
    def shown(value):
        """A default as the help writes it: 2e-4, .5, 0, --lr."""
        if value is None:
            return "--lr"
        if value and abs(value) < .01:
            mantissa, exponent = f"{value:.0e}".split("e")
            return f"{mantissa}e{int(exponent)}"
        return f"{value:g}".replace("0.", ".", 1) if value else "0"
    groups = {}
    for model in models:
        groups.setdefault(shown(getattr(model, attribute)), []).append(
            model.name)
    return "; ".join(f"{', '.join(names)} {value}"
                     for value, names in groups.items())
