#!/usr/bin/env python3
"""``python -m ganlab train|sample|evaluate``: runs, files, one-line errors.

Training here runs in this process, on tiny images for a few steps; the
tests that need a process of their own (kill -9, several devices) are in
``tests/training/test_checkpoints.py`` and
``tests/training/test_distribute.py``.
"""
import csv
import re
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from ganlab import cli
from tests.helpers import ROOT, fails, save_random_pixels


@pytest.fixture
def digits(tmp_path):
    """A .npy of 64 random uint8 28x28 'digits'."""
    return save_random_pixels(tmp_path / "digits.npy", (64, 28, 28))


def read_losses(path):
    """Rows of a losses.csv as dicts of floats."""
    with open(path, newline="") as stream:
        return [{key: float(value) for key, value in row.items()}
                for row in csv.DictReader(stream)]


def event_tags(folder):
    """Return {tag: kinds} of the summaries in a TensorBoard folder."""
    from tensorflow.core.util import event_pb2
    tags = {}
    for path in folder.glob("events.out.tfevents.*"):
        for record in tf.data.TFRecordDataset(str(path)):
            event = event_pb2.Event.FromString(record.numpy())
            for value in event.summary.value:
                plugin = value.metadata.plugin_data.plugin_name or "legacy"
                tags.setdefault(value.tag, set()).add(plugin)
    return tags


def test_mlp_run_writes_grids_gif_losses_tensorboard_and_generator(
        digits, tmp_path):
    """The seed project's flags train the MLP GAN; every promised file is
    there, and ``sample`` draws from the generator it saved."""
    out = tmp_path / "run"
    gan = cli.main(["train", "--model", "mlp", "--dataset", str(digits),
                    "--n_epochs", "2", "--steps-per-epoch", "3",
                    "--batch_size", "16", "--lr", "0.0002", "--b1", "0.5",
                    "--b2", "0.999", "--latent_dim", "10", "--img_size", "8",
                    "--channels", "1", "--sample_interval", "2",
                    "--verbose", "0", "--out", str(out)])
    assert gan.generator.output_shape == (None, 8, 8, 1)
    assert int(gan.generator.optimizer.iterations) == 6
    assert sorted(p.name for p in (out / "samples").iterdir()) == [
        "step_000002.png", "step_000004.png", "step_000006.png"]
    with Image.open(out / "samples.gif") as gif:
        assert gif.n_frames == 3
    rows = read_losses(out / "losses.csv")
    assert [row["step"] for row in rows] == [1, 2, 3, 4, 5, 6]
    assert np.allclose(gan.history.history["discr_loss"][-1],
                       rows[-1]["discr_loss"])
    assert (out / "losses.png").is_file()
    assert sorted(p.name for p in (out / "checkpoints").iterdir()
                  if p.suffix == ".index") == ["ckpt-1.index", "ckpt-2.index"]
    assert event_tags(out / "tensorboard" / "samples") == {
        "samples": {"images"}}
    assert {"epoch_discr_loss", "epoch_gen_loss"} <= set(
        event_tags(out / "tensorboard" / "train"))
    grid = cli.main(["sample", "--generator", str(out / "generator.keras"),
                     "--count", "4", "--out", str(tmp_path / "drawn")])
    assert grid.is_file()
    with Image.open(tmp_path / "drawn" / "0003.png") as image:
        assert image.size == (8, 8)


@pytest.mark.slow
def test_progan_grows_through_the_command_line_and_resumes(digits,
                                                           tmp_path):
    """Task 4 grows 4x4 -> 8x8 in 3 phases; the GIF holds grids of both
    sizes; ``sample`` loads the grown generator; ``--resume`` after a
    finished run trains nothing more."""
    out = tmp_path / "grow"
    flags = ["train", "--model", "progan", "--dataset", str(digits),
             "--img_size", "8", "--channels", "1", "--latent_dim", "8",
             "--n_epochs", "1", "--batch_size", "8", "--steps-per-epoch",
             "2", "--sample_interval", "2", "--no-tensorboard",
             "--verbose", "0", "--out", str(out)]
    gan = cli.main(flags)
    # 64 images over 3 phases: 21 images, 3 steps of 8, run as 2 epochs
    # of 2 steps (a phase ends with a whole epoch)
    assert int(gan.steps_done.numpy()) == 12
    assert gan.generator.resolution == 8
    with Image.open(out / "samples.gif") as gif:
        assert gif.n_frames == 6  # steps 2 and 4 at 4x4, 6 to 12 at 8x8
    assert [row["step"] for row in read_losses(out / "losses.csv")] == list(
        range(1, 13))
    cli.main(["sample", "--generator", str(out / "generator.keras"),
              "--count", "2", "--out", str(tmp_path / "drawn")])
    with Image.open(tmp_path / "drawn" / "0001.png") as image:
        assert image.size == (8, 8)
    resumed = cli.main(flags + ["--resume"])
    assert int(resumed.steps_done.numpy()) == 12


def test_progan_needs_a_power_of_2(digits, capsys):
    error = fails(["train", "--model", "progan", "--dataset", str(digits),
                   "--img_size", "12", "--verbose", "0"], capsys)
    assert "--img_size: max_resolution must be a power of 2" in error


def test_lesson_model_on_a_toy_set(tmp_path):
    """WGAN-GP of task 2 on the ring, with its three losses and the betas
    given on the command line."""
    out = tmp_path / "ring"
    gan = cli.main(["train", "--model", "wgan-gp", "--dataset", "ring",
                    "--examples", "400", "--latent-dim", "2",
                    "--batch-size", "50", "--epochs", "2",
                    "--steps-per-epoch", "2", "--beta-1", "0.1",
                    "--verbose", "0", "--out", str(out)])
    assert gan.generator.optimizer.beta_1 == pytest.approx(.1)
    rows = read_losses(out / "losses.csv")
    assert list(rows[0]) == ["step", "discr_loss", "gen_loss", "gp"]
    assert len(rows) == 4
    assert not (out / "samples").exists()


def test_task_3_network_on_faces(tmp_path):
    """``--model faces``: the curriculum's 16x16 face network as a WGAN-GP,
    here on scikit-image's LFW faces (offline)."""
    gan = cli.main(["train", "--model", "faces", "--dataset", "faces",
                    "--img_size", "16", "--batch_size", "20", "--n_epochs",
                    "1", "--steps-per-epoch", "1", "--no-tensorboard",
                    "--verbose", "0", "--out", str(tmp_path / "faces")])
    assert gan.generator.count_params() == 339493
    assert gan.generator.input_shape == (None, 16)
    assert len(read_losses(tmp_path / "faces" / "losses.csv")) == 1


def test_images_are_fitted_to_size_and_channels():
    """Grey becomes RGB by repetition, RGB grey by the mean; sizes are
    resized."""
    from ganlab.data.sources import fit_images
    grey = np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4)
    rgb = fit_images(grey, 4, 3)
    assert rgb.shape == (2, 4, 4, 3) and rgb.dtype == np.uint8
    assert np.array_equal(rgb[..., 2], grey)
    assert np.array_equal(fit_images(rgb, 4, 1)[..., 0], grey)
    larger = fit_images(grey, 8, 1)
    assert larger.shape == (2, 8, 8, 1)
    assert larger[0].min() == grey[0].min() and larger[1].max() <= 31


def test_an_image_folder_trains_in_colour(tmp_path):
    """PNG files of any size, cropped and resized to 16x16 RGB, trained
    by the default model for images."""
    folder = tmp_path / "pictures"
    folder.mkdir()
    rng = np.random.default_rng(1)
    for index in range(20):
        Image.fromarray(rng.integers(0, 256, (12, 10, 3), np.uint8)).save(
            folder / f"{index}.png")
    gan = cli.main(["train", "--dataset", str(folder), "--img_size", "16",
                    "--batch_size", "10", "--n_epochs", "1",
                    "--no-tensorboard", "--verbose", "0", "--out",
                    str(tmp_path / "run")])
    assert gan.generator.output_shape == (None, 16, 16, 3)
    # One epoch is one pass: 20 pictures in batches of 10.
    assert int(gan.generator.optimizer.iterations) == 2


def test_unknown_model_is_one_line_exit_2(capsys):
    """An unknown model names the choices."""
    error = fails(["train", "--model", "vae"], capsys)
    assert "invalid choice: 'vae'" in error and "mlp" in error


@pytest.mark.parametrize("flags, message", [
    (["--dataset", "{tmp}/nowhere.npy"], "nowhere.npy does not exist"),
    (["--dataset", "{tmp}/no_folder/"], "no_folder does not exist"),
    (["--dataset", "mnist", "--data-path", "{tmp}/mnist.npz"],
     "--data-path: .*mnist.npz does not exist"),
    (["--dataset", "imagenet"], "'imagenet' is neither one of"),
])
def test_missing_paths_are_one_line_exit_2(flags, message, tmp_path,
                                            capsys):
    """Missing files and folders, and unknown data sets, are named."""
    flags = [flag.format(tmp=tmp_path) for flag in flags]
    error = fails(["train", "--out", str(tmp_path / "o")] + flags, capsys)
    assert re.search(message, error), error


@pytest.mark.parametrize("flags, message", [
    (["--img_size", "2"], "--img_size must be between 4 and 1024; got 2"),
    (["--batch_size", "0"], "--batch_size must be at least 1"),
    (["--batch_size", "65"], "--batch_size 65 is larger than the 64"),
    (["--model", "dcgan"], "--model dcgan draws 32x32 RGB images"),
    (["--model", "wgan-gp", "--img_size", "12"], "power of 2"),
    (["--model", "faces"], "use --img_size 16 --channels 1"),
    (["--model", "faces", "--latent_dim", "8"], "takes 16 latent"),
    (["--b1", "1.5"], "--b1 must be in [0, 1)"),
    (["--model", "mlp", "--dataset", "ring"], "--model mlp draws images"),
    (["--model", "simple", "--strategy", "mirrored"],
     "only --model r3gan, mlp, conv, faces, dcgan or progan train on "
     "several devices"),
    (["--model", "progan", "--d_lr", ".001"], "only r3gan, mlp, conv and dcgan take"),
    (["--model", "dcgan", "--b2", ".99"], "fixes Adam's beta_2"),
])
def test_impossible_settings_are_one_line_exit_2(flags, message, digits,
                                                  tmp_path, capsys):
    """Sizes and settings that cannot work stop before training."""
    argv = ["train", "--dataset", str(digits), "--out",
            str(tmp_path / "o")] + flags
    assert message in fails(argv, capsys)


def test_a_finished_run_is_not_overwritten(digits, tmp_path, capsys):
    """A folder with checkpoints needs --resume; --resume needs them."""
    flags = ["train", "--model", "mlp", "--dataset", str(digits),
             "--img_size", "8", "--n_epochs", "1", "--steps-per-epoch", "1",
             "--verbose", "0",
             "--no-tensorboard", "--out", str(tmp_path / "run")]
    error = fails(flags[:-1] + [str(tmp_path / "new"), "--resume"], capsys)
    assert "holds no checkpoint" in error
    cli.main(flags)
    assert "pass --resume" in fails(flags, capsys)
    error = fails(flags + ["--resume", "--latent_dim", "7"], capsys)
    assert "was trained with --latent_dim 100; got 7" in error


def test_sample_and_evaluate_share_the_one_command(tmp_path, capsys):
    """``sample`` and ``evaluate`` report a missing generator the same
    way."""
    assert "does not exist" in fails(
        ["sample", "--generator", str(tmp_path / "g.keras")], capsys)
    assert "does not exist" in fails(
        ["evaluate", "--model", str(tmp_path / "g.keras"), "--dataset",
         "fashion-mnist"], capsys)


def test_sample_draws_the_shipped_faces(tmp_path, capsys):
    """``sample --task 3`` draws 16x16 grey faces from task 3's shipped
    weights; ``--weights`` goes with it and nothing else."""
    grid = cli.main(["sample", "--task", "3", "--count", "3",
                     "--out", str(tmp_path)])
    assert grid == tmp_path / "grid.png"
    for index in range(3):
        with Image.open(tmp_path / f"{index:04d}.png") as image:
            assert (image.size, image.mode) == ((16, 16), "L")
    assert "--weights goes with --task 3" in fails(
        ["sample", "--generator", "g.keras", "--weights", "w.h5"], capsys)


def test_the_real_command_exits_with_code_2():
    """``python -m ganlab``, as a user runs it: the flags are checked
    before TensorFlow starts, so the error is the only line."""
    done = subprocess.run([sys.executable, "-m", "ganlab", "train",
                           "--model", "vae"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("python -m ganlab train: error: argument "
                                  "--model: invalid choice: 'vae'")


def test_help_shows_the_head_of_the_docstring_and_where_the_rest_is():
    """``--help`` prints a command's first paragraph and its examples,
    then says where the rest of its docstring is; the module keeps the
    whole docstring."""
    from ganlab.evaluation import evaluate
    subparsers = cli.build_parser("evaluate")._subparsers._group_actions[0]
    text = subparsers.choices["evaluate"].format_help()
    assert "Score generators against held-out real data" in text
    assert "python -m ganlab evaluate --dataset emoji" in text
    assert "The real data are held-out images" not in text
    assert "The real data are held-out images" in evaluate.__doc__
    assert "help('ganlab.evaluation.evaluate')" in text
