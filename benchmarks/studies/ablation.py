#!/usr/bin/env python3
"""Ablation: what each technique buys, at one fixed budget, on held-out data.

    python benchmarks/studies/ablation.py --model dcgan                # 32x32 emoji
    python benchmarks/studies/ablation.py --model progan --size 32     # 4x4 -> 32x32
    python benchmarks/studies/ablation.py --model faces \\
        --faces ../shared/data/curriculum/small_res_faces_10000.npy
    python benchmarks/studies/ablation.py --model dcgan --quick        # smoke test

For one image model, every variant below is trained by the package's own
command (``python -m ganlab train``, one process each, same data, same
seed, same number of steps), then all of them are scored in one
``python -m ganlab evaluate`` on the images no training saw (the emoji's
held-out families, the last 1,000 curriculum faces). A variant switches a
technique on or off and nothing else:

- ``plain``: no averaging, no augmentation;
- ``averaging``: samples from the exponential moving average of the
  generator's weights (``--average-decay .999``);
- ``DiffAugment``: colour, translation and cutout applied to real and fake
  images before the critic (``--augment color,translation,cutout``);
- ``averaging + DiffAugment``: both;
- for the DCGAN and the ProGAN also ``... + hinge + spectral norm``: the
  hinge loss with a spectrally normalised critic (``--loss hinge
  --spectral-norm``).

With several ``--seeds``, each figure is the mean over the seeds with its
standard error (the spread of training, the noise that matters); with one
seed the kernel distance's own standard error (over subsets of samples)
is shown and the Frechet distance has none. The table also holds the
evaluation's floor (real training images against held-out ones) and the
PCA baseline. It prints a Markdown table and writes ``ablation.json``,
``ablation.md`` and ``ablation.png`` (16 images from each variant's
trained generator, the one scored, from the same latent vectors, side by
side) to ``--out``.
"""
import argparse
import json
import math
import pathlib
import shutil
import subprocess
import sys
import time

from ganlab import io

AUGMENT = "color,translation,cutout"
# variant name -> the train flags that make it (beyond the common ones)
BASE_VARIANTS = {
    "plain": ["--average-decay", "0", "--augment", "none"],
    "averaging": ["--average-decay", ".999", "--augment", "none"],
    "DiffAugment": ["--average-decay", "0", "--augment", AUGMENT],
    "averaging + DiffAugment": ["--average-decay", ".999",
                                "--augment", AUGMENT],
}
HINGE = ("averaging + DiffAugment + hinge + spectral norm",
         ["--average-decay", ".999", "--augment", AUGMENT,
          "--loss", "hinge", "--spectral-norm"])
# model -> (data set flags for train, evaluate's --dataset, image side)
MODELS = {"dcgan": ("emoji", 32), "progan": ("emoji", 32),
          "faces": ("faces", 16)}
FLOOR, BASELINE_PREFIX = "real training images", "PCA baseline"


def variants(model, decay=".999"):
    """Return ``{variant name: train flags}`` for ``model``, the averaging
    variants averaging with ``decay`` (a string, as on the command line)."""
    table = dict(BASE_VARIANTS)
    if model in ("dcgan", "progan"):
        table[HINGE[0]] = HINGE[1]
    return {name: [decay if flag == ".999" else flag for flag in flags]
            for name, flags in table.items()}


def train_command(arguments, flags, seed, out):
    """Return the argv that trains one variant into ``out``."""
    dataset, _ = MODELS[arguments.model]
    command = [sys.executable, "-m", "ganlab", "train",
               "--model", arguments.model, "--dataset", dataset,
               "--n_epochs", str(arguments.epochs),
               "--steps-per-epoch", str(arguments.steps_per_epoch),
               "--seed", str(seed), "--out", str(out), "--verbose", "0",
               "--no-tensorboard", "--doctor", "off"]
    if arguments.model != "faces":
        command += ["--img_size", str(arguments.size), "--channels", "3"]
    else:
        command += ["--data-path", str(arguments.faces)]
    return command + flags


def evaluate_command(arguments, generators, seed, json_path):
    """Return the argv that scores ``generators`` in one table."""
    dataset, _ = MODELS[arguments.model]
    command = [sys.executable, "-m", "ganlab", "evaluate",
               "--dataset", dataset, "--samples", str(arguments.samples),
               "--seed", str(seed), "--json", str(json_path), "--model",
               *map(str, generators)]
    if dataset == "faces":
        command += ["--faces", str(arguments.faces)]
    return command


def run_quietly(command):
    """Run ``command``; on failure stop with its last lines of output."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
        raise SystemExit(f"ablation: {' '.join(command[2:5])} ... failed "
                         f"(exit {done.returncode}):\n{tail}")
    return done


def mean_and_error(values):
    """Return ``(mean, standard error of the mean)``; the error is None
    for a single value."""
    values = [float(value) for value in values]
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, None
    variance = sum((value - mean) ** 2 for value in values) / (
        len(values) - 1)
    return mean, math.sqrt(variance / len(values))


def summarise(per_seed):
    """Fold per-seed scores into one row per contestant.

    ``per_seed`` is a list (one per seed) of ``{contestant: scores}`` with
    the keys of ``evaluate``'s JSON (``frechet_distance``,
    ``kernel_distance``, ``kernel_distance_error``, ``relative_diversity``)
    plus ``seconds`` for trained variants. Returns ``{contestant: {metric:
    (mean, error)}}``; with one seed the kernel distance's error is its
    own subset error."""
    names = list(per_seed[0])
    rows = {}
    for name in names:
        seeds = [scores[name] for scores in per_seed]
        row = {}
        for metric in ("frechet_distance", "kernel_distance",
                       "relative_diversity", "seconds"):
            if metric in seeds[0]:
                row[metric] = mean_and_error([s[metric] for s in seeds])
        if len(seeds) == 1:
            row["kernel_distance"] = (seeds[0]["kernel_distance"],
                                      seeds[0]["kernel_distance_error"])
        rows[name] = row
    return rows


def shown(pair, digits):
    """``(0.1234, 0.0056)`` -> ``"0.123 ± 0.006"``; no error -> the mean."""
    mean, error = pair
    return (f"{mean:.{digits}f}" if error is None
            else f"{mean:.{digits}f} ± {error:.{digits}f}")


def markdown_table(rows, seeds):
    """Return the Markdown table of ``summarise``'s rows."""
    lines = [f"| contestant ({seeds} seed{'s' * (seeds > 1)}) | Frechet | "
             "KID | diversity | train s |",
             "| --- | --- | --- | --- | --- |"]
    for name, row in rows.items():
        seconds = row.get("seconds")
        lines.append(
            f"| {name} | {shown(row['frechet_distance'], 3)} | "
            f"{shown(row['kernel_distance'], 4)} | "
            f"{shown(row['relative_diversity'], 2)} | "
            f"{'-' if seconds is None else f'{seconds[0]:.0f}'} |")
    return "\n".join(lines)


def run_folder(out, seed, name):
    """The folder of one variant's run for one seed."""
    return out / "runs" / f"seed{seed}" / name.replace(" + ", "+").replace(
        " ", "_")


def final_grid(folder, seed=0):
    """Return a grid of 16 images drawn by the run's ``generator.keras``
    (the network that was scored: the average, where there is one) with
    ``python -m ganlab sample --seed seed``, the same latent vectors for
    every variant; drawn once, then reused."""
    grid = folder / "final_samples" / "grid.png"
    if not grid.is_file():
        run_quietly([sys.executable, "-m", "ganlab", "sample", "--generator",
                     str(folder / "generator.keras"), "--count", "16",
                     "--seed", str(seed), "--out", str(grid.parent)])
    return grid


def picture(grids, path):
    """Draw each variant's grid (``final_grid``) side by side, titled."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    from ganlab import io
    figure, axes = plt.subplots(1, len(grids),
                                figsize=(3.2 * len(grids), 3.6),
                                squeeze=False)
    for axis, (name, grid) in zip(axes[0], grids.items()):
        axis.imshow(Image.open(grid))
        axis.set_title(name.replace(" + ", "\n+ "), fontsize=9)
        axis.axis("off")
    figure.tight_layout()
    with io.atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=100)
    plt.close(figure)


def parse_arguments(argv=None):
    """Read and check the flags."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=sorted(MODELS), required=True)
    parser.add_argument("--faces", type=pathlib.Path,
                        help="the curriculum's faces (for --model faces)")
    parser.add_argument("--size", type=int,
                        help="image side for dcgan/progan (default 32)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--steps-per-epoch", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--average-decay", default=".999",
                        help="decay of the averaging variants (default "
                             ".999; a run of a few thousand steps is "
                             "better measured with .99, whose window of "
                             "about 100 updates fits inside it)")
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--out", type=pathlib.Path)
    parser.add_argument("--quick", action="store_true",
                        help="2 epochs of 5 steps, 100 samples: a smoke "
                             "test of the harness, not a measurement")
    arguments = parser.parse_args(argv)
    if arguments.model == "faces" and (arguments.faces is None
                                       or not arguments.faces.is_file()):
        parser.error("--faces: --model faces needs the curriculum's "
                     "small_res_faces_10000.npy")
    if arguments.quick:
        arguments.epochs, arguments.steps_per_epoch = 2, 5
        arguments.samples = 100
    for name in ("epochs", "steps_per_epoch", "seeds", "samples"):
        if getattr(arguments, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    arguments.size = arguments.size or MODELS[arguments.model][1]
    arguments.out = arguments.out or pathlib.Path(
        "outputs/benchmarks") / f"ablation_{arguments.model}"
    return arguments


def main(argv=None):
    """Train every variant for every seed, score them, report."""
    arguments = parse_arguments(argv)
    out = arguments.out
    out.mkdir(parents=True, exist_ok=True)
    per_seed = []
    for seed in range(arguments.seeds):
        folders, seconds = {}, {}
        for name, flags in variants(arguments.model,
                                    arguments.average_decay).items():
            folder = run_folder(out, seed, name)
            if (folder / "generator.keras").is_file():
                record = json.loads((folder / "seconds.json").read_text())
                seconds[name] = record["seconds"]
            else:
                # a run cut short is started afresh, not resumed: the
                # figures are of whole runs only
                shutil.rmtree(folder, ignore_errors=True)
                started = time.perf_counter()
                run_quietly(train_command(arguments, flags, seed, folder))
                seconds[name] = time.perf_counter() - started
                io.write_json({"seconds": seconds[name]},
                              folder / "seconds.json")
            folders[name] = folder
            print(f"seed {seed}: {name}: {seconds[name]:.0f} s", flush=True)
        scores_path = out / f"scores_seed{seed}.json"
        run_quietly(evaluate_command(
            arguments, [folder / "generator.keras"
                        for folder in folders.values()], seed, scores_path))
        table = json.loads(scores_path.read_text())
        by_path = {str(folder / "generator.keras"): name
                   for name, folder in folders.items()}
        scores = {}
        for row_name, row in table.items():
            name = by_path.get(row_name, row_name)
            scores[name] = dict(row["scores"])
            if name in seconds:
                scores[name]["seconds"] = seconds[name]
        per_seed.append(scores)
    rows = summarise(per_seed)
    text = markdown_table(rows, arguments.seeds)
    print(text)
    io.write_text(text + "\n", out / "ablation.md")
    io.write_json({"model": arguments.model, "size": arguments.size,
                   "epochs": arguments.epochs,
                   "steps_per_epoch": arguments.steps_per_epoch,
                   "seeds": arguments.seeds, "samples": arguments.samples,
                   "average_decay": arguments.average_decay,
                   "per_seed": per_seed,
                   "rows": {name: {metric: list(pair) for metric, pair
                                   in row.items()}
                            for name, row in rows.items()}},
                  out / "ablation.json")
    picture({name: final_grid(run_folder(out, 0, name))
             for name in variants(arguments.model)}, out / "ablation.png")
    return rows


if __name__ == "__main__":
    main()
