#!/usr/bin/env python3
"""The models ``python -m ganlab train`` trains: one entry per model.

Each entry is a subclass of ``Model`` holding its name (the ``--model``
choice), a one-line description and one typed ``Spec``: its defaults
(``Defaults``: learning rates, betas, latent size, batch, the average's
decay, R1's gamma), the flags and techniques it accepts (``Accepts``:
each one it does not is refused in one line) and the flags its network
fixes, with why (``Fixed``). ``ganlab.training.config`` reads the spec
once to check the flags and settle a ``RunConfig``; an entry never
defaults a setting itself.

Beside the spec, an entry knows its data (``shape``, the (H, W, C) it
draws when that is fixed, and ``shape_hint``), how to build itself,
compiled, from the data and the run's ``RunConfig`` (``build``), the
keys its ``train_step`` returns (``loss_names``, the columns of
``losses.csv``; ``other_logs``, its other keys; ``log_names`` gives both,
``penalty`` included under ``--r1``), how it is fitted (``fit``), and,
for its averaged generator, how to copy it (``copy_generator``) and keep
it at the generator's stage of growth (``follow``).

Adding a model is one entry here (a subclass of ``Model``, appended to
``ENTRIES``) plus the file that defines it. TensorFlow is imported only
inside ``build`` and ``fit``, so that the flags are checked before it
starts.
"""
import dataclasses
import functools

import numpy as np

from ganlab import lessons


def names_or(names, last="or"):
    """``("a", "b", "c")`` -> ``"a, b or c"`` (``last="and"``: ``"a, b
    and c"``)."""
    names = list(names)
    return (", ".join(names[:-1]) + f" {last} " + names[-1]
            if len(names) > 1 else "".join(names))


@dataclasses.dataclass(frozen=True)
class Defaults:
    """What a model's settings are when their flags are left out."""

    lr: float = 1e-3
    # None: the discriminator trains at --lr
    d_lr: float | None = None
    b1: float = .5
    b2: float = .9
    latent_dim: int = 100
    batch_size: int = 64
    # critic updates per generator step, for the models that take
    # --disc-iter (None for the others: one)
    disc_iter: int | None = None
    # the generator's average: 0 averages nothing unless --average-decay
    # asks; .999 averages over about 1 / (1 - .999) = 1000 updates
    average_decay: float = 0.
    # --r1's gamma, and the steps between two penalised ones (lazy R1,
    # which no flag changes)
    r1: float = 0.
    r1_every: int = 1


@dataclasses.dataclass(frozen=True)
class Accepts:
    """The flags and data a model takes beyond what every model takes;
    each one it does not take is refused in one line."""

    d_lr: bool = False            # --d_lr: a learning rate of its own
    disc_iter: bool = False       # --disc-iter
    several_devices: bool = False  # --strategy mirrored | multi-worker
    stream: bool = False          # --stream: a folder read from disk
    bfloat16: bool = False        # --precision bfloat16
    augment: bool = False         # --augment: DiffAugment
    loss: bool = False            # --loss hinge, --spectral-norm
    r1: bool = False              # --r1
    calibrate: bool = False       # --calibrate
    capacity: bool = False        # --capacity: wider networks
    classes: bool = False         # --conditional
    vectors: bool = False         # the toy sets' 2-D vectors


@dataclasses.dataclass(frozen=True)
class Fixed:
    """Settings a model's network fixes, each with the reason its flag is
    refused ("" where the flag is free)."""

    b2: str = ""
    latent_dim: str = ""


@dataclasses.dataclass(frozen=True)
class Spec:
    """A model's defaults, what it accepts and what it fixes."""

    defaults: Defaults = Defaults()
    accepts: Accepts = Accepts()
    fixed: Fixed = Fixed()

    def but(self, defaults=None, accepts=None, fixed=None):
        """Return this spec with the fields of the three dicts changed:
        a subclass's spec from its parent's."""
        return Spec(dataclasses.replace(self.defaults, **(defaults or {})),
                    dataclasses.replace(self.accepts, **(accepts or {})),
                    dataclasses.replace(self.fixed, **(fixed or {})))

    @property
    def averages(self):
        """Whether it averages its generator when no flag says."""
        return self.defaults.average_decay > 0


class Model:
    """One trainable model. Subclasses set the class attributes and
    define ``build``; the base class gives the data check and the usual
    ``fit``."""

    name = ""
    description = ""
    spec = Spec()
    # its in-memory images stay uint8, scaled a batch at a time
    # (ganlab.data.batches): a quarter of float32's memory
    holds_bytes = False
    # data: the (H, W, C) of the images, if fixed, and what to pass
    shape = None
    shape_hint = ""
    # every model's train step names its losses as the lessons do
    loss_names = ("discr_loss", "gen_loss")
    # the other keys of the train step's logs, which are no losses
    # (neither logged in losses.csv nor watched by the GAN doctor)
    other_logs = ()

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
        if not self.spec.accepts.vectors and examples.ndim != 4:
            vector_models = names_or(entry.name for entry in ENTRIES
                                     if entry.spec.accepts.vectors)
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
        return (self.spec.accepts.bfloat16
                and config.model.precision == "bfloat16")

    def fit(self, gan, examples, config, common_kwargs):
        """Train ``gan``; ``common_kwargs`` are the epochs, steps per
        epoch, initial epoch, verbosity and callbacks of the run."""
        gan.fit(**common_kwargs)


class MLP(Model):
    """``--model mlp``: any image size, several devices, its own --d_lr."""

    name = "mlp"
    description = "Goodfellow et al.'s fully connected GAN"
    spec = Spec(Defaults(lr=2e-4, b1=.5, b2=.999, average_decay=.999),
                Accepts(d_lr=True, several_devices=True, augment=True))
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
        every = self.spec.defaults.r1_every
        penalty = (dict(penalty=r1_term(gamma), penalty_every=every)
                   if gamma else {})
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
    description = "a small DCGAN for a CPU with lazy R1, 28x28 to 128x128"
    # Each setting below won its round of the Fashion-MNIST search in
    # BENCHMARKS.md ("Time to quality on Fashion-MNIST"), which gives the
    # figures: with R1 a learning rate of 1e-3 trains fastest; an average
    # over about 100 updates (.99) follows a fast-improving run better
    # than one over 1,000; bfloat16 keeps the score per step and runs
    # more steps; R1 at gamma 1, lazily on one update in 8, helped most.
    # Calibration is offered, not default: with the minibatch standard
    # deviation the samples already vary enough.
    spec = MLP.spec.but(
        defaults=dict(lr=1e-3, average_decay=.99, latent_dim=64, r1=1.,
                      r1_every=8),
        accepts=dict(calibrate=True, classes=True, bfloat16=True, r1=True))
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
    description = ("the modern residual GAN: relativistic loss, R1 + R2, "
                   "16x16 to 256x256")
    # R3GAN's Adam (no momentum, beta_2 .99) at the learning rate and
    # gamma of the shipped emoji generator's run (data/README.md)
    # (gamma weighs R1 + R2, computed on one critic update in 4)
    spec = Spec(
        Defaults(lr=5e-4, b1=0., b2=.99, latent_dim=64, average_decay=.999,
                 r1=.3, r1_every=4),
        # a streamed folder too (not under --conditional, whose labels
        # come with the images)
        Accepts(d_lr=True, several_devices=True, bfloat16=True,
                augment=True, capacity=True, classes=True, stream=True,
                r1=True))
    # one uint8 copy of the images in memory
    holds_bytes = True
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
            gamma=config.techniques.r1,
            penalty_every=self.spec.defaults.r1_every,
            **hooks(augment=augment))
        gan.compile(**adam_of(config))
        return gan


class Lesson(Model):
    """The curriculum's GANs of tasks 0-2: they hold their examples and
    fix their betas in the constructor."""

    module = ""
    class_name = ""
    spec = Spec(Defaults(disc_iter=2),
                Accepts(disc_iter=True, vectors=True))

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
        if self.spec.accepts.several_devices:
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
        seeded = ({"seed": config.run.seed}
                  if self.spec.accepts.several_devices else {})
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
    spec = Lesson.spec.but(defaults=dict(b1=.3))
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
    description = ("task 3's 16x16 grey faces, trained as a WGAN-GP "
                   "(3-generate_faces.py)")
    # the shipped weights' settings, stated here rather than inherited
    spec = Spec(
        Defaults(lr=2e-4, b1=.3, b2=.9, batch_size=200, disc_iter=2,
                 latent_dim=16, average_decay=.999),
        Accepts(disc_iter=True, augment=True, several_devices=True),
        Fixed(latent_dim="task 3's face generator"))
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
                                  dim=self.spec.defaults.latent_dim))


class DCGAN(Model):
    """``--model dcgan``: task 5; 32x32 RGB, fed by a ``tf.data``
    pipeline."""

    name = "dcgan"
    description = ("task 5's DCGAN for 32x32 RGB, two time scales "
                   "(5-dcgan_cifar.py)")
    spec = Spec(
        Defaults(lr=1e-4, d_lr=4e-4, b1=.5, b2=.999, average_decay=.999),
        Accepts(d_lr=True, augment=True, loss=True, r1=True,
                several_devices=True, stream=True, bfloat16=True),
        Fixed(b2="task 5's DCGAN fixes Adam's beta_2 (.999)"))
    shape = (32, 32, 3)
    shape_hint = ("--model dcgan draws 32x32 RGB images: use --img_size 32 "
                  "--channels 3")

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
                   "(4-progan.py)")
    # its phases read one uint8 copy of the images, or a streamed folder,
    # each batch shrunk to the phase's side (ganlab.training.growth)
    spec = Spec(Defaults(b1=0., b2=.99, average_decay=.999),
                Accepts(augment=True, loss=True, r1=True,
                        several_devices=True, stream=True))
    holds_bytes = True
    loss_names = ("discr_loss", "gen_loss", "gp")
    other_logs = ("alpha",)  # the fade-in's progress

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
REGISTRY = {entry.name: entry for entry in ENTRIES}
MODELS = tuple(REGISTRY)


def entry(name):
    """Return the entry of ``--model name``."""
    return REGISTRY[name]


def takers(accepted, last="and"):
    """The names of the models that accept ``accepted`` (a field of
    ``Accepts``), as a message lists them: "r3gan, conv and dcgan"."""
    return names_or((entry.name for entry in ENTRIES
                     if getattr(entry.spec.accepts, accepted)), last=last)
