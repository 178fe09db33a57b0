#!/usr/bin/env python3
"""Time to quality: how soon WGAN_GP covers the ring of 8 Gaussians.

The issue's target: 8 of 8 modes covered with at least 80 % high-quality
samples (within 3 standard deviations of a mode) within 2,000 generator
steps. This script trains task 2's demo model (the ring recipe of
``ganlab.training.recipes``, which ``main/2-main.py`` trains: the same
data, networks and settings) once per seed, and every ``--check-every``
generator steps scores 2,000 fresh samples with
``ganlab.evaluation.metrics.mode_metrics``. It reports, per seed,
the first check that meets the target (generator steps, and the training
seconds until then: tracing included, scoring excluded) and the scores
at ``--max-steps``, where the demo stops.

Quality can dip again after it is first reached, so a seed counts as
meeting the target only when its last check meets it too.

    python benchmarks/time_to_quality.py                 # 5 seeds, demo settings
    python benchmarks/time_to_quality.py --batch-size 500 --hidden 256,256,256
    python benchmarks/time_to_quality.py --quick         # a smoke test in seconds

The flags ``--learning-rate``, ``--disc-iter``, ``--batch-size`` and
``--hidden`` override the demo's settings, to search for better ones. It
prints a table and writes ``time_to_quality.json`` and
``time_to_quality.png`` (high-quality share against steps, one curve per
seed) to ``--out`` (default ``outputs/benchmarks``).
"""
import argparse
import pathlib
import time

import keras
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]

import common
from ganlab import image_files
from ganlab.evaluation import metrics
from ganlab.training import recipes
from ganlab.training.seeding import set_seed

TARGET_MODES = 8
TARGET_QUALITY = .8
SCORED_SAMPLES = 2000


BENCHMARK = common.Benchmark(
    "time_to_quality", __doc__, seed=False,
    quick="one seed, 20 steps: checks that it runs, measures nothing "
          "worth quoting")


def arguments_from(argv, defaults):
    """Parse and check the flags; ``defaults`` are the demo's settings."""
    parser = BENCHMARK.parser()
    parser.add_argument("--seeds", type=int, default=5,
                        help="seeds 0, 1, ... to train (default: "
                             "%(default)s)")
    parser.add_argument("--max-steps", type=int, default=2000,
                        help="generator steps per seed (default: "
                             "%(default)s)")
    parser.add_argument("--check-every", type=int, default=100,
                        help="generator steps between two scorings "
                             "(default: %(default)s)")
    parser.add_argument("--learning-rate", type=float,
                        default=defaults["learning_rate"])
    parser.add_argument("--disc-iter", type=int,
                        default=defaults["disc_iter"])
    parser.add_argument("--batch-size", type=int,
                        default=defaults["batch_size"])
    parser.add_argument("--hidden", default=",".join(
        map(str, defaults["hidden"])),
                        type=common.comma_separated(int, "128,128,128"),
                        help="hidden widths of both networks, comma "
                             "separated (default: %(default)s)")
    parser.add_argument("--decay", action=argparse.BooleanOptionalAction,
                        default=defaults["decay"],
                        help="lower the learning rates linearly over the "
                             "run (default: %(default)s)")
    arguments = BENCHMARK.parse(
        parser, argv, quick={"seeds": 1, "max_steps": 20, "check_every": 10},
        at_least_one=("seeds", "max_steps", "check_every", "disc_iter",
                      "batch_size"))
    arguments.hidden = tuple(arguments.hidden)
    if min(arguments.hidden) < 1:
        parser.error(f"--hidden widths must be at least 1; got "
                     f"{arguments.hidden}")
    if arguments.learning_rate <= 0:
        parser.error("--learning-rate must be positive")
    if arguments.max_steps % arguments.check_every:
        parser.error(f"--max-steps ({arguments.max_steps}) must be a "
                     f"multiple of --check-every ({arguments.check_every})")
    if arguments.batch_size > 2000:
        parser.error("--batch-size must not exceed the 2,000 real "
                     "examples")
    return arguments


class QualityWatch(keras.callbacks.Callback):
    """Score the generator at the end of every epoch (one epoch is one
    check's worth of steps) and time the training between scorings."""

    def __init__(self, gan, ring, steps_per_epoch, clock=None):
        """Keep what scoring needs; start with an empty record.
        ``clock()`` returns seconds, by default ``time.perf_counter()``;
        tests give one of their own."""
        super().__init__()
        self.clock = clock or time.perf_counter
        self.gan = gan
        self.ring = ring
        self.steps_per_epoch = steps_per_epoch
        self.training_seconds = 0.
        self.checks = []

    def on_epoch_begin(self, epoch, logs=None):
        """Start the clock of this epoch's training."""
        self.started = self.clock()

    def on_epoch_end(self, epoch, logs=None):
        """Stop the clock, then score 2,000 samples (not timed)."""
        self.training_seconds += self.clock() - self.started
        scores = metrics.mode_metrics(
            self.gan.get_fake_sample(SCORED_SAMPLES), self.ring)
        self.checks.append({
            "steps": (epoch + 1) * self.steps_per_epoch,
            "seconds": self.training_seconds,
            "modes_covered": scores["modes_covered"],
            "high_quality_fraction": scores["high_quality_fraction"]})


def meets_target(check):
    """True when a check covers 8/8 modes with >= 80 % high quality."""
    return (check["modes_covered"] >= TARGET_MODES
            and check["high_quality_fraction"] >= TARGET_QUALITY)


def run_seed(seed, settings, arguments, clock=None):
    """Train one seed to ``--max-steps``; return its record."""
    set_seed(seed)
    settings = dict(settings)
    decay = settings.pop("decay")  # training's, not the networks'
    gan, ring = recipes.build_ring_gan(seed, **settings)
    watch = QualityWatch(gan, ring, arguments.check_every, clock)
    recipes.train_ring_gan(gan, arguments.max_steps // arguments.check_every,
                           arguments.check_every, decay, callbacks=[watch])
    first = next((check for check in watch.checks if meets_target(check)),
                 None)
    last = watch.checks[-1]
    return {"seed": seed,
            "steps_to_quality": first and first["steps"],
            "seconds_to_quality": first and first["seconds"],
            "final": last, "meets_target": meets_target(last),
            "checks": watch.checks}


def plot(records, path, title):
    """High-quality share against steps, one curve per seed; open dots
    mark checks with fewer than 8 modes covered."""
    figure, axes = image_files.plt.subplots(figsize=(7, 4))
    for record in records:
        steps = [check["steps"] for check in record["checks"]]
        quality = [check["high_quality_fraction"]
                   for check in record["checks"]]
        line, = axes.plot(steps, quality, marker=".",
                          label=f"seed {record['seed']}")
        missing = [(step, value) for step, value, check in
                   zip(steps, quality, record["checks"])
                   if check["modes_covered"] < TARGET_MODES]
        if missing:
            axes.plot(*zip(*missing), "o", mfc="white",
                      color=line.get_color(), ms=5)
    axes.axhline(TARGET_QUALITY, color="k", lw=.8, ls="--")
    axes.set(xlabel="generator steps",
             ylabel="high-quality share of 2,000 samples", ylim=(0, 1),
             title=title)
    axes.title.set_fontsize(9)
    axes.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    return image_files.save_figure(figure, path)


def main(argv=None, clock=None):
    """Run every seed; print the table; write JSON and PNG; return the
    report. ``clock`` replaces the wall clock of the training time
    (tests)."""
    arguments = arguments_from(argv, recipes.RING_SETTINGS)
    settings = {"learning_rate": arguments.learning_rate,
                "disc_iter": arguments.disc_iter,
                "batch_size": arguments.batch_size,
                "hidden": arguments.hidden, "decay": arguments.decay}
    records = []
    for seed in range(arguments.seeds):
        records.append(run_seed(seed, settings, arguments,
                                clock))
        final = records[-1]["final"]
        print(f"seed {seed}: {final['modes_covered']}/8 modes, "
              f"{final['high_quality_fraction']:.0%} high quality at "
              f"{final['steps']} steps", flush=True)

    print(f"WGAN_GP on the ring, {settings}")
    print("  seed  steps to 8/8 & 80%  seconds   at "
          f"{arguments.max_steps} steps")
    for record in records:
        final = record["final"]
        reached = (f"{record['steps_to_quality']:>8d}  "
                   f"{record['seconds_to_quality']:12.1f}"
                   if record["steps_to_quality"] else f"{'never':>8s}  "
                   f"{'-':>12s}")
        print(f"  {record['seed']:4d}  {reached}   "
              f"{final['modes_covered']}/8 "
              f"{final['high_quality_fraction']:.0%}")
    steps = [record["steps_to_quality"] for record in records
             if record["steps_to_quality"]]
    met = sum(record["meets_target"] for record in records)
    print(f"  {met} of {len(records)} seeds meet the target at "
          f"{arguments.max_steps} steps")
    report = {"settings": {**settings, "hidden": list(arguments.hidden)},
              "target": {"modes": TARGET_MODES,
                         "high_quality_fraction": TARGET_QUALITY,
                         "scored_samples": SCORED_SAMPLES},
              "max_steps": arguments.max_steps,
              "check_every": arguments.check_every,
              "seeds_meeting_target": met,
              "median_steps_to_quality": float(np.median(steps))
              if steps else None,
              "quick": arguments.quick, "seeds": records}
    path = BENCHMARK.write(report, arguments)
    plot(records, arguments.out / "time_to_quality.png",
         f"WGAN_GP on the ring: lr {settings['learning_rate']}"
         f"{' decaying' if settings['decay'] else ''}, "
         f"{settings['disc_iter']} critic steps, batch "
         f"{settings['batch_size']}, hidden {list(arguments.hidden)}; "
         f"{met}/{len(records)} seeds meet 8/8 & 80 %")
    print(f"wrote {path} and {path.with_suffix('.png')}")
    return report


if __name__ == "__main__":
    main()
