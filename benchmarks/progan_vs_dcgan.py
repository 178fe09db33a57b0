#!/usr/bin/env python3
"""Mode collapse: the progressive GAN (task 4) against the DCGAN (task 5).

The seed project claimed its progressive GAN collapsed about 15 % less
than a DCGAN. This script measures ours on data whose modes are known
exactly: ``ganlab.data.toy.colour_discs``, 16 prototype 32x32 colour images
(a disc of one of 4 colours in one of 4 places) plus pixel noise. Both
models see the same real images, the same number of them (``--images``,
batch 32) and are scored the same way on 2,000 samples by
``ganlab.evaluation.metrics.mode_metrics``:

- modes covered (of 16): modes that receive at least a fifth of their
  fair share of high-quality samples;
- high-quality share: samples within the noise's 98.9 % radius of a
  prototype (real samples: 98.9 %);
- mode KL: KL(p || uniform) of the nearest-prototype shares, 0 for a
  perfectly balanced generator, log 16 = 2.77 for a fully collapsed one.

The DCGAN is task 5's recipe (64-128-256 filters, label smoothing .9,
learning rates 1e-4 / 4e-4, augmentation off: flips and shifts would
move the discs to places that are not modes). The ProGAN grows 4x4 to
32x32 in 7 phases of equal length with 64 filters up to 16x16 and 32 at
32x32, the WGAN-GP loss and the paper's other settings. Wall time is
reported beside each; the two are given the same images, not the same
seconds.

    python benchmarks/progan_vs_dcgan.py                 # seeds 0, 1, 2
    python benchmarks/progan_vs_dcgan.py --quick         # a smoke test in ~1 min

It prints a table and writes ``progan_vs_dcgan.json`` and
``progan_vs_dcgan.png`` (scores per seed and samples of each model) to
``--out``.
"""
import argparse
import pathlib
import sys
import time

import numpy as np
import tensorflow as tf

ROOT = pathlib.Path(__file__).resolve().parents[1]

import common
from ganlab import io, lessons
from ganlab.data import image_sets, toy
from ganlab.evaluation import metrics
from ganlab.training import growth
from ganlab.viz import plots
from ganlab.viz.plots import plt
from ganlab.viz.plots import tile

progan = lessons.load("4-progan")
dcgan = lessons.load("5-dcgan_cifar")

BATCH_SIZE = 32
SCORED_SAMPLES = 2000


def train_dcgan(images, budget, seed):
    """Train task 5's DCGAN on ``budget`` real images; return a sampler."""
    tf.keras.utils.set_random_seed(seed)
    model = dcgan.DCGAN(*dcgan.build_networks((64, 128, 256), 100),
                        augmentation=False)
    model.compile()
    model.fit(common.endless_batches(images, BATCH_SIZE, seed), epochs=1,
              steps_per_epoch=budget // BATCH_SIZE, verbose=0)

    def sample(count):
        """Draw ``count`` images from the trained generator."""
        latent = tf.random.stateless_normal((count, 100), seed=(seed, 1))
        return model.generator(latent, training=False).numpy()
    return sample


def train_progan(images, budget, seed):
    """Grow a ProGAN to 32x32 over ``budget`` real images; return a
    sampler."""
    tf.keras.utils.set_random_seed(seed)
    generator, discriminator = progan.build_networks(
        64, 32, 3, max_filters=64, filter_base=1024)
    gan = progan.ProGAN(generator, discriminator, seed=seed)
    gan.compile()
    per_phase = budget // 7
    schedule = progan.GrowthSchedule(32, per_phase, per_phase,
                                     {size: BATCH_SIZE
                                      for size in (4, 8, 16, 32)})
    growth.grow(gan, images, schedule, steps_per_epoch=100, verbose=0,
                seed=seed)

    def sample(count):
        """Draw ``count`` images from the grown generator."""
        latent = tf.random.stateless_normal((count, 64), seed=(seed, 1))
        return generator(latent, training=False).numpy()
    return sample


TRAINERS = {"DCGAN (task 5)": train_dcgan, "ProGAN (task 4)": train_progan}


def run(budget, seeds):
    """Train and score every model for every seed; return the results."""
    mixture = toy.colour_discs()
    results = {"real data": [metrics.mode_metrics(
        mixture.sample(SCORED_SAMPLES, seed=1), mixture)]}
    pictures = {}
    for seed in seeds:
        images = mixture.sample(4000, seed=100 + seed).reshape(-1, 32, 32, 3)
        for name, train in TRAINERS.items():
            start = time.perf_counter()
            sample = train(images, budget, seed)
            seconds = time.perf_counter() - start
            samples = sample(SCORED_SAMPLES)
            scores = metrics.mode_metrics(samples, mixture)
            scores.update(seed=seed, seconds=round(seconds, 1))
            results.setdefault(name, []).append(scores)
            pictures.setdefault(name, samples[:8])
            print(f"seed {seed} {name}: {scores['modes_covered']}/16 modes, "
                  f"{scores['high_quality_fraction']:.1%} high quality, "
                  f"mode KL {scores['mode_kl']:.3f}, {seconds:.0f} s",
                  flush=True)
    return results, pictures


def summarise(results):
    """Return per-model means of the scores."""
    return {name: {key: float(np.mean([run[key] for run in runs]))
                   for key in ("modes_covered", "high_quality_fraction",
                               "mode_kl")}
            for name, runs in results.items()}


def draw(results, pictures, path):
    """Scores per seed (left) and 8 samples of each model's first seed
    (right)."""
    figure = plt.figure(figsize=(11, 4))
    grid = figure.add_gridspec(2, 4)
    names = list(TRAINERS)
    for column, (key, label) in enumerate(
            [("modes_covered", "modes covered (of 16)"),
             ("mode_kl", "mode KL (0 = balanced)")]):
        axis = figure.add_subplot(grid[:, column])
        for position, name in enumerate(names):
            values = [run[key] for run in results[name]]
            axis.bar(position, np.mean(values), color=f"C{position}",
                     alpha=.5)
            axis.plot([position] * len(values), values, "k.")
        axis.set_xticks(range(len(names)), names, fontsize=8)
        axis.set_title(label, fontsize=9)
    for row, name in enumerate(names):
        axis = figure.add_subplot(grid[row, 2:])
        tiles = np.clip(image_sets.symmetric_to_unit(pictures[name]), 0, 1)
        axis.imshow(tile(tiles, len(tiles)), interpolation="nearest")
        axis.set_title(f"{name}, first seed", fontsize=8)
        axis.axis("off")
    figure.tight_layout()
    return plots.save_figure(figure, path)


def main(argv=None):
    """Parse flags, run, print the table, write JSON and PNG."""
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=42_000,
                        help="real images each model sees (default: "
                             "%(default)s)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                        help="seeds to run (default: %(default)s)")
    parser.add_argument("--quick", action="store_true",
                        help="1 seed, 1,400 images: a smoke test")
    parser.add_argument("--out", type=pathlib.Path,
                        default=ROOT / "outputs" / "benchmarks")
    arguments = parser.parse_args(argv)
    if arguments.quick:
        arguments.images, arguments.seeds = 1400, [0]
    if arguments.images < 7 * BATCH_SIZE:
        parser.error(f"--images must be at least {7 * BATCH_SIZE} (a batch "
                     "per phase)")
    results, pictures = run(arguments.images, arguments.seeds)
    means = summarise(results)
    print(f"\n{'model':<18}{'modes':>8}{'high quality':>14}{'mode KL':>10}")
    for name, mean in means.items():
        print(f"{name:<18}{mean['modes_covered']:>8.2f}"
              f"{mean['high_quality_fraction']:>14.1%}"
              f"{mean['mode_kl']:>10.3f}")
    command = "python benchmarks/progan_vs_dcgan.py " + " ".join(
        sys.argv[1:] if argv is None else argv)
    report = {"command": command.strip(), "images_per_model": arguments.images,
              "batch_size": BATCH_SIZE, "scored_samples": SCORED_SAMPLES,
              "means": means, "runs": results, "machine": common.machine()}
    path = io.write_json(report, arguments.out / "progan_vs_dcgan.json")
    draw(results, pictures, arguments.out / "progan_vs_dcgan.png")
    print(f"\n{path} and progan_vs_dcgan.png written; reproduce with: "
          f"{report['command']}")
    return report


if __name__ == "__main__":
    main()
