#!/usr/bin/env python3
"""Time to quality on Fashion-MNIST: each model's Frechet Classifier
Distance after minutes of training on this machine, in one run.

The contestants (``--contestants``, comma separated; the first four by
default) train on the 60,000 training images:

- ``conv-bfloat16``: ``conv`` below with ``--precision bfloat16``, its
  networks computing in bfloat16 (weights, the logit and the output in
  float32): on a CPU with AVX512_BF16 about 1.5x the steps per second.
  Where bfloat16 is not native it runs in float32, with a warning line;
- ``conv``: the package's recipe for 28x28 grey images, what ``python -m
  ganlab train --model conv --dataset fashion-mnist`` trains
  (``ganlab.nets.conv_gan``'s networks in ``MLPGAN``'s training, batch 64,
  the registry's learning rate and betas, R1 of gamma 1 on one update in
  8), scored through its averaged generator (decay .99 after 100
  updates, ``train``'s defaults);
- ``mlp``: the original fully connected GAN (``ganlab.nets.mlp_gan``, what
  ``--model mlp`` trains: batch 64, Adam 2e-4 and beta_1 .5), no average;
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

Quality is the Frechet Classifier Distance (FCD): the Frechet distance
between the features of generated and real images, the features being
the 128-unit hidden layer of the classifier the package ships
(``ganlab.evaluation.features.FashionFeatures``, 90 % test accuracy). Each
score compares ``--samples`` generated images with the 10,000 test images; the
same count of real training images scores the floor, what a perfect
generator would get with that many samples. Lower is better. The number
of the 10 classes the classifier finds among the samples (at least 1 %
of them each) is reported beside it.

Time is wall-clock training time, tracing included, scoring excluded.
The contestants train in turns of about ``--turn-seconds`` each, so that
a neighbour's load on the shared CPUs falls on all alike; each is
scored at the end of the first turn that takes its training time past a
mark (``--minutes``), and the time it was actually scored at is
reported.

    python benchmarks/time_to_fcd.py             # about 55 minutes on 2 cores
    python benchmarks/time_to_fcd.py --contestants mlp,mlp-loop
    python benchmarks/time_to_fcd.py --quick     # a smoke test in seconds

It prints a table and writes ``time_to_fcd.json`` and ``time_to_fcd.png``
(FCD against minutes, and each contestant's samples at the end) to
``--out`` (default ``outputs/benchmarks``). It needs Fashion-MNIST on
this machine (``apt-get install dataset-fashion-mnist``, the Keras cache,
or ``--fashion-folder``).
"""
import argparse
import pathlib
import time

import keras
import numpy as np
import tensorflow as tf

import common
from ganlab import io
from ganlab.data import image_sets
from ganlab.evaluation import metrics
from ganlab.evaluation.features import FashionFeatures
from ganlab.nets import conv_gan, mlp_gan
from ganlab.nets.precision import choose_precision
from ganlab.nets.saved import generate
from ganlab.training import registry
from ganlab.training.averaging import GeneratorAveraging
from ganlab.training.train import AVERAGE_WARMUP
from ganlab.viz import plots
from ganlab.viz.plots import tile

DEFAULT_CONTESTANTS = "conv-bfloat16,conv,mlp,keras-io-wgan-gp"


def arguments_from(argv):
    """Parse and check the flags."""
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contestants", default=DEFAULT_CONTESTANTS,
                        type=common.comma_separated(str, "conv,mlp"),
                        help="comma separated, of " + ", ".join(CONTESTANTS)
                             + " (default: %(default)s)")
    parser.add_argument("--minutes", default="2,5,10,12",
                        type=common.comma_separated(float, "2,5,10"),
                        help="training minutes at which each is scored, "
                             "comma separated (default: %(default)s)")
    parser.add_argument("--samples", type=int, default=5000,
                        help="generated images per score (default: "
                             "%(default)s)")
    parser.add_argument("--turn-seconds", type=float, default=5.,
                        help="training seconds per turn (default: "
                             "%(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fashion-folder", type=pathlib.Path,
                        help="a folder holding the four Fashion-MNIST "
                             "files (default: the Debian package or the "
                             "Keras cache)")
    parser.add_argument("--quick", action="store_true",
                        help="marks at 3 and 6 seconds, 1,000 samples "
                             "scored against 2,000 test images: checks "
                             "that it runs, measures nothing worth "
                             "quoting")
    parser.add_argument("--out", type=pathlib.Path,
                        default=pathlib.Path("outputs/benchmarks"))
    arguments = parser.parse_args(argv)
    unknown = [name for name in arguments.contestants
               if name not in CONTESTANTS]
    if unknown or len(set(arguments.contestants)) != len(
            arguments.contestants):
        parser.error(f"--contestants must name each of {', '.join(CONTESTANTS)}"
                     f" at most once; got {','.join(arguments.contestants)}")
    if arguments.quick:
        arguments.minutes, arguments.samples = [.05, .1], 1000
        arguments.turn_seconds = 1.
    arguments.minutes = sorted(arguments.minutes)
    if arguments.minutes[0] <= 0:
        parser.error("--minutes must be positive")
    if arguments.samples < 100:
        parser.error("--samples must be at least 100: a Frechet distance "
                     "needs many samples per feature")
    if arguments.turn_seconds <= 0:
        parser.error("--turn-seconds must be positive")
    if arguments.fashion_folder and not arguments.fashion_folder.is_dir():
        parser.error(f"--fashion-folder {arguments.fashion_folder} is not "
                     "a folder")
    return arguments


class FitContestant:
    """A GAN of the package trained by ``fit``, ``steps`` at a time;
    ``generator`` is what is scored (its average, when there is one)."""

    def __init__(self, gan, average_decay=0.):
        """Keep the compiled ``gan``; average its generator with
        ``average_decay`` (0: none) after ``train``'s warm-up."""
        self.gan = gan
        self.callbacks = []
        self.average = None
        if average_decay:
            averaging = GeneratorAveraging(gan.generator, average_decay,
                                           AVERAGE_WARMUP)
            self.callbacks.append(averaging)
            self.average = averaging.average.network

    @property
    def generator(self):
        """The network scored now: the average as ``train`` saves it
        (with batch-norm statistics of its own weights, through the
        registry's ``follow``), or the generator when nothing averages."""
        if self.average is None:
            return self.gan.generator
        return registry.entry("conv").follow(self.average,
                                             self.gan.generator)

    def train(self, steps):
        """Run ``steps`` training steps in one call of ``fit``."""
        self.gan.fit(epochs=1, steps_per_epoch=steps, verbose=0,
                     callbacks=self.callbacks)


def registry_gan(model, real, seed, precision="float32"):
    """Return ``model``'s GAN (a ``registry`` entry trained by
    ``MLPGAN``) built and compiled as ``python -m ganlab train`` builds it
    with its defaults and ``--precision precision``."""
    flags = argparse.Namespace(latent_dim=model.latent_dim,
                               batch_size=model.batch_size, seed=seed,
                               lr=None, d_lr=None, b1=None, b2=None,
                               precision=precision)
    return model.build(flags, real)


def conv_recipe(real, seed):
    """``--model conv`` with its defaults (R1 included) and its averaged
    generator, in float32."""
    return FitContestant(registry_gan(registry.Conv(), real, seed),
                         registry.Conv.average_decay)


def conv_recipe_bfloat16(real, seed):
    """``--model conv --precision bfloat16``: the same recipe computing
    in bfloat16 (float32 with a warning line where this machine has no
    native bfloat16, ``ganlab.nets.precision.choose_precision``)."""
    precision = choose_precision(True, "conv-bfloat16")
    return FitContestant(registry_gan(registry.Conv(), real, seed,
                                      precision),
                         registry.Conv.average_decay)


def mlp_gan_fit(real, seed):
    """``--model mlp``'s networks in ``MLPGAN.fit``, not averaged (the
    curve this benchmark drew before the averaging existed)."""
    return FitContestant(registry_gan(registry.MLP(), real, seed))


def mlp_gan_loop(real, seed):
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
        common.random_rows(real, registry.MLP.batch_size, seed),
        registry.MLP.batch_size,
        mlp_gan.discriminator_loss, mlp_gan.generator_loss,
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


class KerasIoWGANGP(mlp_gan.MLPGAN):
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


def keras_io_wgan_gp(real, seed):
    """The keras.io-style WGAN-GP, Adam 2e-4 with betas .5 and .9."""
    gan = KerasIoWGANGP(real, seed=seed)
    gan.compile(learning_rate=2e-4, beta_1=.5, beta_2=.9)
    return FitContestant(gan)


# name -> (label in the table, the function building it from the real
# images in [-1, 1] and the seed)
CONTESTANTS = {
    "conv-bfloat16": ("conv (new recipe), bfloat16", conv_recipe_bfloat16),
    "conv": ("conv (new recipe), float32", conv_recipe),
    "mlp": ("MLP GAN, MLPGAN.fit", mlp_gan_fit),
    "keras-io-wgan-gp": ("WGAN-GP as on keras.io", keras_io_wgan_gp),
    "mlp-loop": ("MLP GAN, reference loop", mlp_gan_loop),
}


class Scorer:
    """Frechet Classifier Distance to the Fashion-MNIST test set."""

    def __init__(self, test_images, samples, seed):
        """Compute the test set's feature moments once."""
        self.features = FashionFeatures()
        self.samples = samples
        self.seed = seed
        test = self.features(test_images / 255.)
        self.mean, self.covariance = test.mean(0), np.cov(test,
                                                          rowvar=False)

    def __call__(self, pixels):
        """Return ``(fcd, classes_found)`` of images in [0, 1]."""
        features, classes = self.features.features_and_classes(pixels)
        fcd = metrics.frechet_distance_from_moments(
            features.mean(0), np.cov(features, rowvar=False),
            self.mean, self.covariance)
        return float(fcd), metrics.classes_found(classes)

    def generated(self, generator):
        """Return ``samples`` images (N, 28, 28) in [0, 1] from fixed
        latent vectors."""
        images = generate(generator, self.samples, self.seed)
        return np.clip(image_sets.symmetric_to_unit(images[..., 0]), 0., 1.)


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
        length in steps follows the contestant's measured speed."""
        start = self.now()
        self.contestants[name].train(self.steps_per_turn[name])
        seconds = self.now() - start
        self.clock[name] += seconds
        self.steps[name] += self.steps_per_turn[name]
        self.steps_per_turn[name] = max(1, round(
            self.steps_per_turn[name] * self.turn_seconds / seconds))
        passed = sum(mark <= self.clock[name] for mark in self.marks)
        if passed > len(self.checks[name]):
            self.pictures[name] = self.scorer.generated(
                self.contestants[name].generator)
            fcd, classes = self.scorer(self.pictures[name])
            # a turn that passes two marks at once scores for both
            while len(self.checks[name]) < passed:
                self.checks[name].append({
                    "mark_minutes": self.marks[len(self.checks[name])] / 60.,
                    "seconds": self.clock[name], "steps": self.steps[name],
                    "fcd": fcd, "classes_found": classes})
            print(f"  {name}: FCD {fcd:.2f}, {classes} classes after "
                  f"{self.clock[name] / 60.:.2f} min ({self.steps[name]:,} "
                  "steps)", flush=True)

    def run(self):
        """Take turns until every contestant passed the last mark."""
        while min(self.clock.values()) < self.marks[-1]:
            for name in self.contestants:
                if self.clock[name] < self.marks[-1]:
                    self.turn(name)


def plot(report, pictures, path):
    """FCD against minutes for every contestant, the real floor dashed,
    and a grid of each contestant's last samples."""
    count = len(pictures)
    figure = plots.plt.figure(figsize=(3.7 * (count + 1), 4))
    axes = figure.add_subplot(1, count + 1, 1)
    for name, record in report["contestants"].items():
        axes.plot([check["seconds"] / 60. for check in record["checks"]],
                  [check["fcd"] for check in record["checks"]], marker="o",
                  label=name)
    axes.axhline(report["real_floor_fcd"], color="k", ls="--", lw=.8,
                 label="real training images")
    axes.set(xlabel="training minutes", ylabel="FCD to the test set",
             yscale="log")
    axes.legend(fontsize=8)
    for column, (name, images) in enumerate(pictures.items(), start=2):
        grid = tile(images[:64, ..., None], 8)[..., 0]
        panel = figure.add_subplot(1, count + 1, column)
        panel.imshow(grid, cmap="gray", vmin=0, vmax=1)
        minutes = report["contestants"][name]["checks"][-1]["seconds"] / 60
        panel.set_title(f"{name}, {minutes:.1f} min", fontsize=9)
        panel.axis("off")
    figure.suptitle("Fashion-MNIST: Frechet Classifier Distance against "
                    "training time", fontsize=10)
    figure.tight_layout()
    return plots.save_figure(figure, path)


def main(argv=None, clock=None):
    """Race the contestants; print the table; write JSON and PNG;
    return the report. ``clock`` replaces the race's wall clock (tests)."""
    arguments = arguments_from(argv)
    (train_images, _), (test_images, _) = image_sets.load_fashion_mnist(
        arguments.fashion_folder)
    if arguments.quick:
        train_images, test_images = train_images[:5000], test_images[:2000]
    real = image_sets.to_symmetric(train_images[..., None].astype("float32"))
    scorer = Scorer(test_images, arguments.samples, arguments.seed)
    floor_rows = np.random.default_rng(arguments.seed).choice(
        len(train_images), arguments.samples, replace=False)
    floor, _ = scorer(train_images[floor_rows] / 255.)

    contestants = {}
    for key in arguments.contestants:
        label, build = CONTESTANTS[key]
        # the same seed before each: mlp and mlp-loop start from the same
        # initial weights
        keras.utils.set_random_seed(arguments.seed)
        contestants[label] = build(real, arguments.seed)
    race = Race(contestants, scorer,
                [minutes * 60. for minutes in arguments.minutes],
                arguments.turn_seconds, clock)
    print(f"training {len(contestants)} for {arguments.minutes[-1]} minutes "
          f"each, in turns of about {arguments.turn_seconds} s; FCD of the "
          f"real training images (the floor): {floor:.2f}", flush=True)
    race.run()

    print(f"\nFCD to the Fashion-MNIST test set ({arguments.samples:,} "
          "samples; lower is better), classes found of 10")
    print(f"  {'minutes':>7s}  " + "  ".join(
        f"{name:>30s}" for name in contestants))
    for index, minutes in enumerate(arguments.minutes):
        cells = []
        for name in contestants:
            check = race.checks[name][index]
            cells.append(f"{check['fcd']:8.2f} {check['classes_found']:2d}/10"
                         f" ({check['steps']:>7,} steps)")
        print(f"  {minutes:7g}  " + "  ".join(f"{cell:>30s}"
                                                 for cell in cells))
    print(f"  floor (real training images): {floor:.2f}")
    report = {
        "contestants_flag": arguments.contestants,
        "samples": arguments.samples,
        "minutes": arguments.minutes, "seed": arguments.seed,
        "turn_seconds": arguments.turn_seconds, "quick": arguments.quick,
        "real_floor_fcd": floor,
        "contestants": {name: {"checks": race.checks[name],
                               "steps_per_second": race.steps[name]
                               / race.clock[name],
                               "description": CONTESTANTS[key][1].__doc__}
                        for key, name in zip(arguments.contestants,
                                             contestants)},
        "features": scorer.features.name,
        "features_checksum": scorer.features.checksum,
        "machine": common.machine()}
    path = io.write_json(report, arguments.out / "time_to_fcd.json")
    # the race stops each contestant right after scoring its last mark
    plot(report, race.pictures, arguments.out / "time_to_fcd.png")
    print(f"wrote {path} and {path.with_suffix('.png')}")
    return report


if __name__ == "__main__":
    main()
