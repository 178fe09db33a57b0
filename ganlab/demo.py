#!/usr/bin/env python3
"""Plumbing shared by the demo scripts in ``main/``: flags and report.

Each demo builds its GAN and calls ``fit`` itself, in plain sight; only
the parts that would otherwise be copied into every script live here.
The package never imports this module (seeding is
``ganlab.training.seeding.set_seed``).
"""
import argparse
import importlib.util
import pathlib


from ganlab import io


def load_script(path):
    """Import a script whose file name is no module name (``2-main.py``)."""
    path = pathlib.Path(path)
    spec = importlib.util.spec_from_file_location(
        path.stem.replace("-", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def toy_demo_arguments(description, epochs, steps_per_epoch, argv=None):
    """Parse the flags every toy demo shares; return the namespace.

    ``--long`` multiplies the number of epochs by 5. Counts must be
    positive: anything else stops with a one-line message (exit code 2).
    """
    parser = argparse.ArgumentParser(
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=epochs,
                        help="epochs to train (default: %(default)s)")
    parser.add_argument("--steps-per-epoch", type=int,
                        default=steps_per_epoch,
                        help="generator updates per epoch "
                             "(default: %(default)s)")
    parser.add_argument("--long", action="store_true",
                        help="train 5 times as many epochs")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of Python, NumPy and TensorFlow "
                             "(default: %(default)s)")
    parser.add_argument("--out", type=pathlib.Path,
                        default=pathlib.Path("outputs"),
                        help="folder for the picture and the scores "
                             "(default: %(default)s)")
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2),
                        help="Keras progress display: 0 none, 1 bar, "
                             "2 a line per epoch (default: %(default)s)")
    arguments = parser.parse_args(argv)
    for name in ("epochs", "steps_per_epoch"):
        if getattr(arguments, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if arguments.long:
        arguments.epochs *= 5
    return arguments


def report(name, scores, picture):
    """Print the scores of a finished run and save them as JSON.

    The JSON file sits beside ``picture`` and shares its name.
    """
    print(f"{name}: " + ", ".join(
        f"{key} {value:.4g}" if isinstance(value, float) else
        f"{key} {value}" for key, value in scores.items()))
    path = io.write_json(scores, pathlib.Path(picture).with_suffix(".json"))
    print(f"picture: {picture}\nscores: {path}")
