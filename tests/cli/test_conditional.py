#!/usr/bin/env python3
"""Classes on the command line (issue 32): ``train --conditional`` on a
folder of class sub-folders, ``sample --class``, and the one-line
refusals of both."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from ganlab.nets import residual_gan
from ganlab.training.run_folder import save_generator
from tests.helpers import ROOT, fashion_or_skip

CLASS_NAMES = ("cat", "dog")
TRAIN = ["--dataset", None, "--img_size", "16", "--capacity", "0.25",
         "--batch_size", "4", "--n_epochs", "1", "--steps-per-epoch", "2",
         "--no-tensorboard", "--verbose", "0"]


def ganlab(*arguments):
    """Run ``python -m ganlab`` on this checkout's code; return the
    finished process."""
    return subprocess.run(
        [sys.executable, "-m", "ganlab", *map(str, arguments)],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(
            filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))))


def error_line(done):
    """Return the line a refused command ended with, checking that it
    was refused by the parser (TensorFlow's start-up logging may come
    before it), not by a traceback."""
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith("python -m ganlab "), done.stderr
    return line


def train_flags(folder):
    """``TRAIN`` on the labelled ``folder``."""
    return [folder if flag is None else flag for flag in TRAIN]


@pytest.fixture(scope="module")
def pets(tmp_path_factory):
    """A folder of two class sub-folders of eight 16x16 images each."""
    folder = tmp_path_factory.mktemp("pets")
    rng = np.random.default_rng(0)
    for number, name in enumerate(CLASS_NAMES):
        (folder / name).mkdir()
        for index in range(8):
            pixels = rng.integers(0, 100, (16, 16, 3)) + 150 * number
            Image.fromarray(pixels.astype(np.uint8)).save(
                folder / name / f"{index}.png")
    return folder


@pytest.fixture(scope="module")
def conditional_run(pets, tmp_path_factory):
    """The run folder of two steps of ``train --conditional`` on
    ``pets``."""
    out = tmp_path_factory.mktemp("run") / "pets"
    done = ganlab("train", "--conditional", *train_flags(pets),
                  "--sample_interval", "2", "--out", out)
    assert done.returncode == 0, done.stderr
    return out


def test_the_run_records_and_saves_its_classes(conditional_run):
    record = json.loads((conditional_run / "run.json").read_text())
    assert record["data"]["conditional"] is True
    assert record["data"]["class_names"] == list(CLASS_NAMES)
    saved = json.loads(
        (conditional_run / "generator.classes.json").read_text())
    assert saved == {"classes": list(CLASS_NAMES)}
    assert (conditional_run / "samples" / "step_000002.png").is_file()


def test_sample_draws_one_row_per_asked_class(conditional_run, tmp_path):
    out = tmp_path / "dogs"
    done = ganlab("sample", "--generator",
                  conditional_run / "generator.keras", "--class", "dog",
                  "--class", "0", "--count", "3", "--out", out)
    assert done.returncode == 0, done.stderr
    assert sorted(path.name for path in out.glob("*.png")) == [
        f"{index:04d}.png" for index in range(6)] + ["grid.png"]
    dog, cat = (np.asarray(Image.open(out / f"{index:04d}.png"))
                for index in (0, 3))
    # one latent vector per column: the class alone changes the image
    assert not np.array_equal(dog, cat)


@pytest.mark.parametrize("value, message", [
    ("wolf", "unknown class 'wolf': give a name or a number 0-1 of the "
             "generator's classes: cat, dog"),
    ("2", "unknown class '2'")])
def test_every_bad_class_is_one_line(conditional_run, tmp_path, value,
                                     message):
    done = ganlab("sample", "--generator",
                  conditional_run / "generator.keras", "--class", value,
                  "--out", tmp_path / "out")
    assert message in error_line(done)
    assert not (tmp_path / "out").exists()


def test_an_unconditional_generator_refuses_class(tmp_path):
    path = save_generator(residual_gan.build_generator(
        8, (16, 16, 3), capacity=.25), tmp_path / "generator.keras")
    done = ganlab("sample", "--generator", path, "--class", "cat",
                  "--out", tmp_path / "out")
    assert "--class: the generator was trained without classes" in \
        error_line(done)


@pytest.mark.parametrize("flags, message", [
    (["--model", "dcgan"], "--conditional: --model dcgan draws no classes"),
    (["--model", "r3gan", "--dataset", "ring"],
     "--conditional: the toy set ring has no classes"),
    (["--dataset", "faces"], "--conditional: --dataset faces carries no "
                             "classes"),
    (["--stream", "always"], "--conditional: a folder streamed from disk"),
    (["--model", "conv", "--calibrate"],
     "--calibrate: a conditional generator's contrast differs")])
def test_conditional_without_classes_is_one_line(pets, tmp_path, flags,
                                                 message):
    done = ganlab("train", "--conditional", "--dataset", pets, *flags,
                  "--out", tmp_path / "out")
    assert message in error_line(done)


def test_conv_trains_with_classes_and_draws_a_chosen_one(pets, tmp_path):
    """``--model conv --conditional``: the run records the classes, its
    networks embed them, and ``sample --class`` draws the one asked
    for."""
    from ganlab.nets.classes import class_count
    from ganlab.nets.saved import load_generator
    out = tmp_path / "conv"
    flags = [flag for flag in train_flags(pets)
             if flag not in ("--capacity", "0.25")]
    done = ganlab("train", "--model", "conv", "--conditional", *flags,
                  "--out", out)
    assert done.returncode == 0, done.stderr
    record = json.loads((out / "run.json").read_text())
    assert record["model"]["name"] == "conv"
    assert record["data"]["class_names"] == list(CLASS_NAMES)
    assert class_count(load_generator(out / "generator.keras")) == 2
    done = ganlab("sample", "--generator", out / "generator.keras",
                  "--class", "cat", "--count", "2", "--out", tmp_path / "s")
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "s").glob("000*.png"))) == 2


def test_resume_keeps_the_conditional_setting(conditional_run, pets):
    done = ganlab("train", *train_flags(pets), "--resume",
                  "--out", conditional_run)
    assert (f"--resume: {conditional_run} was trained with --conditional "
            "True; got False") in error_line(done)


# the whole evaluate command on Fashion-MNIST (a minute); class_scores
# itself is checked in tests/training/test_conditional.py by default
@pytest.mark.slow
def test_evaluate_scores_a_conditional_generator_class_by_class(tmp_path):
    """A conditional generator of Fashion-MNIST's ten classes, drawing
    32x32 as r3gan trains it: its row is scored after an area resize to
    28x28, and gains the class scores, one per class in label order, the
    shipped classifier's accuracy on the held-out images beside the
    samples'."""
    from ganlab.data.image_sets import FASHION_CLASSES
    from ganlab.nets.saved import save_class_names
    fashion_or_skip()
    generator = residual_gan.build_generator(8, (32, 32, 1), capacity=.25,
                                             classes=10)
    path = save_generator(generator, tmp_path / "generator.keras")
    save_class_names(path, FASHION_CLASSES)
    done = ganlab("evaluate", "--dataset", "fashion-mnist", "--model", path,
                  "--samples", "200", "--json", tmp_path / "scores.json")
    assert done.returncode == 0, done.stderr
    row = json.loads((tmp_path / "scores.json").read_text())[str(path)]
    assert row["provenance"]["resize"] == "area 32x32 to 28x28"
    scores = row["class_scores"]
    assert [entry["class"] for entry in scores["per_class"]] == list(
        FASHION_CLASSES)
    assert sum(entry["samples"] for entry in scores["per_class"]) == 200
    # the classifier is good on real clothes; an untrained generator's
    # noise is not what it was asked for, most of the time
    assert scores["real_accuracy"] > .85
    assert 0 <= scores["asked_for_accuracy"] < .5
    assert "asked-for-class accuracy" in done.stdout
