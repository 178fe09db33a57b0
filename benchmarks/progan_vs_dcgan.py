#!/usr/bin/env python3
"""Mode collapse on emoji: the progressive GAN (task 4) against the DCGAN (task 5).

Both models train on the 3,554 emoji of the training families at 32x32
(``ganlab.data.emoji``), each with the recipe the package ships for it,
for the same number of real images (``--epochs`` passes; 20, the demo's
budget, by default):

- **DCGAN**: ``main/5-main.py``'s default, called in-process: the hinge
  loss with spectral normalisation, DiffAugment, 64-128-256 filters,
  batch 64, and its averaged generator (decay .99), which is scored;
- **ProGAN**: ``python -m ganlab train --model progan --dataset emoji
  --img_size 32 --channels 3``, also in-process: WGAN-GP with drift,
  minibatch standard deviation, DiffAugment, grown 4x4 to 32x32 in 7
  phases of equal length, batch 64, and its averaged generator (decay
  .999, restarted at each phase), which is scored.

Each generator draws 1,000 samples, scored against the 455 emoji of the
held-out families, which neither model saw, in the shipped emoji
classifier's features (``ganlab.evaluation.features.EmojiFeatures``):
Frechet and kernel distances, diversity (mean pairwise feature distance
relative to the held-out emoji's) and, for collapse, the **held-out
coverage** (``metrics.nearest_neighbour_coverage``): the share of
held-out emoji that are the nearest of at least one sample. A collapsed
generator lands its samples next to a few held-out emoji however sharp
they are; 1,000 real training emoji, scored the same way, give the
figure a generator of the data's own variety reaches.

    python benchmarks/progan_vs_dcgan.py               # seeds 0, 1, 2: about 45 min
    python benchmarks/progan_vs_dcgan.py --quick       # 1 seed, 1 epoch: a smoke test

It prints a table and writes ``progan_vs_dcgan.json`` and
``progan_vs_dcgan.png`` (coverage and Frechet distance per seed, samples
of each model's first seed with their nearest held-out emoji) to
``--out``. Each run's own folder (pictures, checkpoints, generator) goes
under ``--runs`` if given, else into a temporary folder removed at the
end.
"""
import importlib.util
import pathlib
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]

import common
from ganlab import cli, image_files
from ganlab.arrays import tile
from ganlab.data import emoji, image_sets
from ganlab.evaluation import evaluate, features, metrics
from ganlab.nets.saved import generate, load_generator
from ganlab.image_files import plt
from ganlab.viz.face_pictures import nearest_real

SCORED_SAMPLES = 1000
SIZE = 32


def load_demo():
    """``main/5-main.py`` as a module: its ``main(argv)`` trains the DCGAN
    exactly as the demo does."""
    path = ROOT / "main" / "5-main.py"
    spec = importlib.util.spec_from_file_location("task_5_demo", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sampler(path, seed):
    """Return ``sample(count)``: images in [-1, 1] drawn from the
    generator saved at ``path``, from latent vectors fixed by ``seed``."""
    generator = load_generator(path)
    return lambda count: generate(generator, count, seed)


def train_dcgan(epochs, seed, folder):
    """Train task 5's DCGAN as ``main/5-main.py`` does; return a sampler
    of its averaged generator."""
    load_demo().main(["--epochs", str(epochs), "--seed", str(seed),
                      "--out", str(folder), "--verbose", "0"])
    return sampler(folder / "5-generator.keras", seed)


def train_progan(epochs, seed, folder):
    """Grow task 4's ProGAN to 32x32 with the command line's recipe;
    return a sampler of its averaged generator."""
    cli.main(["train", "--model", "progan", "--dataset", "emoji",
              "--img_size", str(SIZE), "--channels", "3",
              "--n_epochs", str(epochs), "--seed", str(seed),
              "--sample_interval", "100000", "--out", str(folder),
              "--verbose", "0"])
    return sampler(folder / "generator.keras", seed)


TRAINERS = {"DCGAN (task 5)": train_dcgan, "ProGAN (task 4)": train_progan}


def score(samples, held_out, held_out_features, extractor):
    """Scores of ``samples`` (pixels in [0, 1]) against the held-out
    emoji: ``evaluate.score_images``'s, and the held-out coverage."""
    result = evaluate.score_images(held_out, samples, extractor,
                                   f"{len(held_out)} held-out emoji",
                                   held_out_features)
    scores = dict(result["scores"])
    scores["held_out_coverage"] = metrics.nearest_neighbour_coverage(
        extractor(samples), held_out_features)
    return scores


def run(epochs, seeds, runs):
    """Train and score every model for every seed; return the results,
    each model's first-seed samples, the held-out emoji and how many
    training emoji there are."""
    training = emoji.load_emoji(SIZE, "train")
    held_out = emoji.load_emoji(SIZE, "held_out") / 255.
    extractor = features.EmojiFeatures()
    held_out_features = extractor(held_out)
    rng = np.random.default_rng(0)
    real = training[rng.choice(len(training), SCORED_SAMPLES,
                               replace=False)] / 255.
    results = {"training emoji (floor)": [score(
        real, held_out, held_out_features, extractor)]}
    pictures = {}
    for seed in seeds:
        for name, train in TRAINERS.items():
            folder = runs / f"{name.split()[0].lower()}_seed{seed}"
            start = time.perf_counter()
            sample = train(epochs, seed, folder)
            seconds = time.perf_counter() - start
            samples = np.clip(image_sets.symmetric_to_unit(
                sample(SCORED_SAMPLES)), 0, 1)
            scores = score(samples, held_out, held_out_features, extractor)
            scores.update(seed=seed, seconds=round(seconds, 1))
            results.setdefault(name, []).append(scores)
            pictures.setdefault(name, samples[:8])
            print(f"seed {seed} {name}: coverage "
                  f"{scores['held_out_coverage']:.3f}, Frechet "
                  f"{scores['frechet_distance']:.1f}, diversity "
                  f"{scores['relative_diversity']:.2f}, {seconds:.0f} s",
                  flush=True)
    return results, pictures, held_out, len(training)


KEYS = ("held_out_coverage", "frechet_distance", "kernel_distance",
        "relative_diversity")


def summarise(results):
    """Return per-model means of the scores over the seeds."""
    return {name: {key: float(np.mean([run[key] for run in runs]))
                   for key in KEYS}
            for name, runs in results.items()}


def draw(results, pictures, held_out, path):
    """Held-out coverage and Frechet distance per seed (bars: means;
    dots: seeds; dashed: the training emoji's), and 8 samples of each
    model's first seed above their nearest held-out emoji."""
    figure = plt.figure(figsize=(12, 4.2))
    grid = figure.add_gridspec(4, 4)
    names = list(TRAINERS)
    floor = results["training emoji (floor)"][0]
    for column, (key, label) in enumerate(
            [("held_out_coverage", "held-out coverage (higher: less "
                                   "collapse)"),
             ("frechet_distance", "Frechet distance (lower is better)")]):
        axis = figure.add_subplot(grid[:, column])
        for position, name in enumerate(names):
            values = [run[key] for run in results[name]]
            axis.bar(position, np.mean(values), color=f"C{position}",
                     alpha=.5)
            axis.plot([position] * len(values), values, "k.")
        axis.axhline(floor[key], color="k", linestyle="--", linewidth=1,
                     label="training emoji")
        axis.set_xticks(range(len(names)), names, fontsize=8)
        axis.set_title(label, fontsize=9)
        axis.legend(fontsize=7)
    for row, name in enumerate(names):
        samples = pictures[name]
        for offset, (images, caption) in enumerate(
                [(samples, f"{name}, first seed"),
                 (nearest_real(samples, held_out)[0],
                  "nearest held-out emoji")]):
            axis = figure.add_subplot(grid[2 * row + offset, 2:])
            axis.imshow(tile(images, len(images)), interpolation="nearest")
            axis.set_title(caption, fontsize=7)
            axis.axis("off")
    figure.tight_layout()
    return image_files.save_figure(figure, path)


BENCHMARK = common.Benchmark("progan_vs_dcgan", __doc__, seed=False,
                             quick="1 seed, 1 epoch: a smoke test")


def main(argv=None):
    """Parse flags, run, print the table, write JSON and PNG."""
    parser = BENCHMARK.parser()
    parser.add_argument("--epochs", type=int, default=20,
                        help="passes over the 3,554 training emoji each "
                             "model makes (default: %(default)s, the "
                             "demo's)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                        help="seeds to run (default: %(default)s)")
    parser.add_argument("--runs", type=pathlib.Path,
                        help="keep each run's folder here (default: a "
                             "temporary folder, removed at the end)")
    arguments = BENCHMARK.parse(parser, argv,
                                quick={"epochs": 1, "seeds": [0]},
                                at_least_one=("epochs",))
    with tempfile.TemporaryDirectory() as temporary:
        results, pictures, held_out, training_count = run(
            arguments.epochs, arguments.seeds,
            arguments.runs or pathlib.Path(temporary))
    means = summarise(results)
    print(f"\n{'model':<24}{'coverage':>10}{'Frechet':>9}{'KID':>8}"
          f"{'diversity':>11}")
    for name, mean in means.items():
        print(f"{name:<24}{mean['held_out_coverage']:>10.3f}"
              f"{mean['frechet_distance']:>9.1f}"
              f"{mean['kernel_distance']:>8.2f}"
              f"{mean['relative_diversity']:>11.2f}")
    command = "python benchmarks/progan_vs_dcgan.py " + " ".join(
        sys.argv[1:] if argv is None else argv)
    report = {"command": command.strip(), "epochs": arguments.epochs,
              "training_emoji": training_count, "scored_samples": SCORED_SAMPLES,
              "means": means, "runs": results}
    path = BENCHMARK.write(report, arguments)
    draw(results, pictures, held_out, arguments.out / "progan_vs_dcgan.png")
    print(f"\n{path} and progan_vs_dcgan.png written; reproduce with: "
          f"{report['command']}")
    return report


if __name__ == "__main__":
    main()
