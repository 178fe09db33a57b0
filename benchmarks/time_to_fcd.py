#!/usr/bin/env python3
"""Time to quality on Fashion-MNIST: the MLP GAN's Frechet Classifier
Distance after minutes of training (1 to 10), ours against a plain loop.

The model is the original fully connected GAN (``ganlab.nets.mlp_gan``: the
networks ``python -m ganlab train --model mlp`` trains, batch 64, Adam
2e-4 and beta_1 .5). Two contestants train the same networks from the
same initial weights on the 60,000 training images:

- ours: ``MLPGAN``, ``compile()`` then ``fit``, one graph per training
  step, the real batch drawn inside it;
- the reference: the plain way to write it, a Python loop that draws the
  real batch in NumPy (``rng.choice`` of 64 distinct rows) and calls one
  ``tf.function`` per network update, float32.

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
a neighbour's load on the shared CPUs falls on both alike; each is
scored at the end of the first turn that takes its training time past a
mark (``--minutes``), and the time it was actually scored at is
reported.

    python benchmarks/time_to_fcd.py             # about 22 minutes on 2 cores
    python benchmarks/time_to_fcd.py --quick     # a smoke test in seconds

It prints a table and writes ``time_to_fcd.json`` and ``time_to_fcd.png``
(FCD against minutes, and both contestants' samples at the end) to
``--out`` (default ``outputs/benchmarks``). It needs Fashion-MNIST on
this machine (``apt-get install dataset-fashion-mnist``, the Keras cache,
or ``--fashion-folder``).
"""
import argparse
import pathlib
import time

import keras
import numpy as np

import common
from ganlab import io
from ganlab.data import image_sets
from ganlab.evaluation import metrics
from ganlab.evaluation.features import FashionFeatures
from ganlab.nets import mlp_gan
from ganlab.nets.saved import generate
from ganlab.viz import plots
from ganlab.viz.plots import tile

OURS = "ours: MLPGAN.fit"
REFERENCE = "reference loop, float32"


def arguments_from(argv):
    """Parse and check the flags."""
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", default="1,2,3,5,7.5,10",
                        type=common.comma_separated(float, "2,5,10"),
                        help="training minutes at which both are scored, "
                             "comma separated (default: %(default)s)")
    parser.add_argument("--samples", type=int, default=5000,
                        help="generated images per score (default: "
                             "%(default)s)")
    parser.add_argument("--batch-size", type=int, default=64)
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
    if arguments.quick:
        arguments.minutes, arguments.samples = [.05, .1], 1000
        arguments.turn_seconds = 1.
    arguments.minutes = sorted(arguments.minutes)
    if arguments.minutes[0] <= 0:
        parser.error("--minutes must be positive")
    if arguments.samples < 100:
        parser.error("--samples must be at least 100: a Frechet distance "
                     "needs many samples per feature")
    if arguments.batch_size < 1:
        parser.error("--batch-size must be at least 1")
    if arguments.turn_seconds <= 0:
        parser.error("--turn-seconds must be positive")
    if arguments.fashion_folder and not arguments.fashion_folder.is_dir():
        parser.error(f"--fashion-folder {arguments.fashion_folder} is not "
                     "a folder")
    return arguments


class Ours:
    """The package's way: ``MLPGAN`` trained by ``fit``."""

    def __init__(self, networks, real, batch_size, seed):
        """Wrap the networks in an ``MLPGAN`` and compile it."""
        self.gan = mlp_gan.MLPGAN(*networks, real, batch_size=batch_size,
                                  seed=seed)
        self.gan.compile()
        self.generator = self.gan.generator

    def train(self, steps):
        """Run ``steps`` training steps in one call of ``fit``."""
        self.gan.fit(epochs=1, steps_per_epoch=steps, verbose=0)


def Reference(networks, real, batch_size, seed):
    """The plain way (``common.ReferenceLoop``): a Python loop, the real
    batch drawn in NumPy, one ``tf.function`` per network update; the same
    losses and optimizers as ``MLPGAN``."""
    generator, discriminator = networks
    generator_optimizer, discriminator_optimizer = (
        keras.optimizers.Adam(2e-4, beta_1=.5) for _ in range(2))
    return common.ReferenceLoop(
        generator, discriminator,
        common.normal_latent(generator.inputs[0].shape[-1]),
        common.random_rows(real, batch_size, seed), batch_size,
        mlp_gan.discriminator_loss, mlp_gan.generator_loss,
        generator_optimizer, discriminator_optimizer)


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
    """Two contestants trained in turns, each with its own clock, scored
    as their clocks pass the marks."""

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
    """FCD against minutes for both contestants, the real floor dashed,
    and a grid of each contestant's last samples."""
    figure = plots.plt.figure(figsize=(11, 4))
    axes = figure.add_subplot(1, 3, 1)
    for name, record in report["contestants"].items():
        axes.plot([check["seconds"] / 60. for check in record["checks"]],
                  [check["fcd"] for check in record["checks"]], marker="o",
                  label=name, color="0.5" if name == REFERENCE else
                  "tab:blue")
    axes.axhline(report["real_floor_fcd"], color="k", ls="--", lw=.8,
                 label="real training images")
    axes.set(xlabel="training minutes", ylabel="FCD to the test set",
             yscale="log")
    axes.legend(fontsize=8)
    for column, (name, images) in enumerate(pictures.items(), start=2):
        grid = tile(images[:64, ..., None], 8)[..., 0]
        panel = figure.add_subplot(1, 3, column)
        panel.imshow(grid, cmap="gray", vmin=0, vmax=1)
        minutes = report["contestants"][name]["checks"][-1]["seconds"] / 60
        panel.set_title(f"{name}, {minutes:.1f} min", fontsize=9)
        panel.axis("off")
    figure.suptitle("MLP GAN on Fashion-MNIST: Frechet Classifier Distance "
                    "against training time", fontsize=10)
    figure.tight_layout()
    return plots.save_figure(figure, path)


def main(argv=None, clock=None):
    """Race the two contestants; print the table; write JSON and PNG;
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
    for name, kind in ((OURS, Ours), (REFERENCE, Reference)):
        # the same seed gives both the same initial weights
        keras.utils.set_random_seed(arguments.seed)
        networks = (mlp_gan.build_generator(), mlp_gan.build_discriminator())
        contestants[name] = kind(networks, real, arguments.batch_size,
                                 arguments.seed)
    race = Race(contestants, scorer,
                [minutes * 60. for minutes in arguments.minutes],
                arguments.turn_seconds, clock)
    print(f"training both for {arguments.minutes[-1]} minutes, in turns "
          f"of about {arguments.turn_seconds} s; FCD of the real training "
          f"images (the floor): {floor:.2f}", flush=True)
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
        "model": "ganlab.nets.mlp_gan: generator 100-128-256-512-1024-784, "
                 "discriminator 784-512-256-1",
        "batch_size": arguments.batch_size, "samples": arguments.samples,
        "minutes": arguments.minutes, "seed": arguments.seed,
        "turn_seconds": arguments.turn_seconds, "quick": arguments.quick,
        "real_floor_fcd": floor,
        "contestants": {name: {"checks": race.checks[name],
                               "steps_per_second": race.steps[name]
                               / race.clock[name]}
                        for name in contestants},
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
