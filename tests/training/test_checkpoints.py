#!/usr/bin/env python3
"""Checkpoints and resuming: ``GANCheckpoint`` gets back networks,
optimizers and epoch; a killed run resumes exactly; and what goes wrong
around a run's checkpoints, and what a run then does.
"""
import csv
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import time
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from ganlab import cli
from ganlab.data import toy
from ganlab.nets import builders, mlp_gan
from ganlab.training import nonsaturating
from ganlab.training.callbacks import GANDoctor, LossLog
from ganlab.training.checkpoint_folder import saved_numbers
from ganlab.training.checkpoints import GANCheckpoint
from tests.helpers import (ROOT, fails, load_gan_class, rolled_back,
                           save_random_pixels, step_losses)


def small_gan():
    """Return a compiled small WGAN_GP on the circle."""
    real = toy.circle(300, seed=0)
    generator, critic, latent = builders.fully_connected_GenDiscr(
        [2, 16, 2], real)
    gan = load_gan_class("WGAN_GP")(generator, critic, latent, real,
                                    batch_size=50)
    gan.compile()
    return gan


def state(gan):
    """Weights of both networks and both optimizers' variables."""
    return [np.array(v) for v in
            gan.generator.weights + gan.discriminator.weights
            + gan.generator.optimizer.variables
            + gan.discriminator.optimizer.variables]


def test_new_run_starts_at_zero(tmp_path):
    """No checkpoint in the folder: restore says 0 epochs done."""
    assert GANCheckpoint(small_gan(), tmp_path / "ckpt").restore() == 0


def test_resume_restores_everything(tmp_path):
    """After 3 epochs saved every 2, a fresh model resumes at epoch 2 with
    the weights and optimizer moments it had then."""
    gan = small_gan()
    saver = GANCheckpoint(gan, tmp_path / "ckpt", every=2)
    gan.fit(gan.real_examples, epochs=2, steps_per_epoch=4, verbose=0,
            callbacks=[saver])
    expected = state(gan)
    gan.fit(gan.real_examples, epochs=3, initial_epoch=2, steps_per_epoch=4,
            verbose=0, callbacks=[saver])
    resumed = small_gan()
    assert GANCheckpoint(resumed, tmp_path / "ckpt").restore() == 2
    restored = state(resumed)
    assert len(restored) == len(expected)
    for actual, wanted in zip(restored, expected):
        np.testing.assert_array_equal(actual, wanted)
    assert int(resumed.discriminator.optimizer.iterations) == 2 * 2 * 4


def test_exported_weights_hold_no_optimizer_state(tmp_path):
    """A trained, compiled network exports its weights alone; they load
    back exactly, and a wrong suffix is refused."""
    import h5py
    import pytest
    from ganlab.training.checkpoints import export_weights
    gan = small_gan()
    gan.fit(gan.real_examples, epochs=1, steps_per_epoch=2, verbose=0)
    path = export_weights(gan.generator, tmp_path / "g.weights.h5")
    with h5py.File(path, "r") as stored:
        assert "optimizer" not in stored
    # into an uncompiled network, as a user loading them would: a
    # compiled one's optimizer would warn that the file holds no state
    network = small_gan().generator
    fresh = type(network).from_config(network.get_config())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fresh.load_weights(path)
    assert not caught, [str(warning.message) for warning in caught]
    for loaded, trained in zip(fresh.get_weights(),
                               gan.generator.get_weights()):
        np.testing.assert_array_equal(loaded, trained)
    assert [p.name for p in tmp_path.iterdir()] == ["g.weights.h5"]
    with pytest.raises(ValueError, match="must end in .weights.h5"):
        export_weights(gan.generator, tmp_path / "g.h5")


# ---- What goes wrong around a run's checkpoints, and what a run then does.
#
# Damaged or deleted checkpoints, the leftovers of a kill during a save,
# runs that must not be overwritten, folders that cannot be written, starts
# that fail halfway, a blow-up the GAN doctor stops, and the GIF of a
# resumed run. Runs go through ``python -m ganlab train`` in this process,
# on 64 tiny images for a few steps (the same faults met by the library
# alone are in the last part of this file).


@pytest.fixture
def digits(tmp_path):
    """A .npy of 64 random uint8 8x8 'digits'."""
    return save_random_pixels(tmp_path / "digits.npy", (64, 8, 8))


@pytest.fixture(scope="module")
def two_epochs(tmp_path_factory):
    """``(digits, run)``: a finished two-epoch run on its own digits, made
    once for the tests below that damage a copy of it and resume."""
    folder = tmp_path_factory.mktemp("two_epochs")
    path = folder / "digits.npy"
    save_random_pixels(path, (64, 8, 8))
    cli.main(train_flags(path, folder / "run", 2))
    return path, folder / "run"


def copy_of(two_epochs, tmp_path):
    """``(digits, out)``: the two-epoch run copied into ``tmp_path``."""
    digits, run = two_epochs
    return digits, pathlib.Path(shutil.copytree(run, tmp_path / "run"))


def train_flags(digits, out, epochs=2, *extra):
    """The command line of a tiny MLP run into ``out``."""
    return ["train", "--model", "mlp", "--dataset", str(digits),
            "--latent_dim", "8", "--n_epochs", str(epochs), "--batch_size",
            "16", "--steps-per-epoch", "2", "--sample_interval", "2",
            "--verbose", "0", "--no-tensorboard", "--out", str(out),
            *extra]


def files_in(folder):
    """Every path below ``folder``, relative to it, with its content (None
    for a folder)."""
    return {str(path.relative_to(folder)):
            path.read_bytes() if path.is_file() else None
            for path in sorted(folder.rglob("*"))}


def cut_in_half(path):
    """Truncate a file to half its length, as a full disk or a crash
    would."""
    content = path.read_bytes()
    path.write_bytes(content[:len(content) // 2])


@pytest.mark.parametrize("damage", ["data", "index"])
def test_resume_skips_a_damaged_newest_checkpoint(two_epochs, tmp_path,
                                                  capsys, damage):
    """A newest checkpoint cut in half is skipped with one warning line
    naming it; the run resumes from the one before, and the checkpoints
    rotate as if the bad one had never been."""
    digits, out = copy_of(two_epochs, tmp_path)
    checkpoints = out / "checkpoints"
    files = {"data": "ckpt-2.data-00000-of-00001", "index": "ckpt-2.index"}
    cut_in_half(checkpoints / files[damage])
    capsys.readouterr()
    cli.main(train_flags(digits, out, 4, "--resume"))
    captured = capsys.readouterr()
    warnings = [line for line in captured.err.splitlines()
                if line.startswith("warning:")]
    assert len(warnings) == 1 and "ckpt-2" in warnings[0], captured.err
    assert "resuming after epoch 1" in captured.out
    assert saved_numbers(checkpoints) == [2, 3, 4]


@pytest.mark.parametrize("listing", [b"", b"\x00garbage{{ not a proto"])
def test_a_broken_list_of_checkpoints_is_not_trusted(two_epochs, tmp_path,
                                                     capsys, listing):
    """The ``checkpoint`` file empty or garbled: the checkpoints are found
    from their own files."""
    digits, out = copy_of(two_epochs, tmp_path)
    (out / "checkpoints" / "checkpoint").write_bytes(listing)
    capsys.readouterr()
    cli.main(train_flags(digits, out, 3, "--resume"))
    assert "resuming after epoch 2" in capsys.readouterr().out
    assert saved_numbers(out / "checkpoints") == [1, 2, 3]


def test_deleted_newest_checkpoint_resumes_from_the_one_before(
        digits, tmp_path, capsys):
    """With ckpt-3's files gone, --resume continues after epoch 2 (not
    from 0), and the manager rotates ckpt-1 and ckpt-2 away in turn
    instead of overwriting them."""
    out = tmp_path / "run"
    cli.main(train_flags(digits, out, 3))
    for path in (out / "checkpoints").glob("ckpt-3.*"):
        path.unlink()
    capsys.readouterr()
    gan = cli.main(train_flags(digits, out, 5, "--resume"))
    assert "resuming after epoch 2" in capsys.readouterr().out
    assert int(gan.generator.optimizer.iterations) == 5 * 2
    assert saved_numbers(out / "checkpoints") == [3, 4, 5]
    listing = (out / "checkpoints" / "checkpoint").read_text()
    assert 'model_checkpoint_path: "ckpt-5"' in listing


def test_no_usable_checkpoint_is_one_line_exit_2(digits, tmp_path, capsys):
    """Every checkpoint damaged: --resume says so in one line."""
    out = tmp_path / "run"
    cli.main(train_flags(digits, out, 1))
    cut_in_half(out / "checkpoints" / "ckpt-1.data-00000-of-00001")
    capsys.readouterr()
    error = fails(train_flags(digits, out, 2, "--resume"), capsys)
    assert "--resume:" in error and "no usable checkpoint" in error
    assert saved_numbers(out / "checkpoints") == [1]


def kill_leftovers(digits, out):
    """Make what a kill -9 during the first checkpoint save leaves: the
    record, logs and samples of a run, no checkpoint but TensorFlow's
    temporary shards and list, and the partial files of ``ganlab.io``."""
    cli.main(train_flags(digits, out, 1))
    checkpoints = out / "checkpoints"
    for path in [*checkpoints.iterdir(), out / "generator.keras"]:
        path.unlink()
    shards = checkpoints / "ckpt-1_temp"
    shards.mkdir()
    (shards / "part-00000-of-00001.data-00000-of-00001").write_bytes(b"\0")
    (shards / "part-00000-of-00001.index").write_bytes(b"\0")
    (checkpoints / "checkpoint.tmp3f9a0c1b2d").write_text("model_check")
    (out / "samples" / ".partial-x1y2-step_000002.png").write_bytes(b"\x89")
    (out / ".partial-a1b2-losses.csv").write_text("step,d_lo")


@pytest.mark.parametrize("resume", [False, True])
def test_a_kill_during_the_first_save_leaves_a_run_that_starts(
        digits, tmp_path, capsys, resume):
    """Only temporary files in checkpoints/: a new run may start there,
    and --resume starts from epoch 0 saying why; the leftovers go."""
    out = tmp_path / "run"
    kill_leftovers(digits, out)
    capsys.readouterr()
    extra = ("--resume",) if resume else ()
    cli.main(train_flags(digits, out, 1, *extra))
    if resume:
        assert "holds no checkpoint yet" in capsys.readouterr().out
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == [
        "checkpoint", "ckpt-1.data-00000-of-00001", "ckpt-1.index"]
    assert not list(out.rglob(".partial-*"))
    assert (out / "generator.keras").is_file()


def test_a_finished_run_without_checkpoints_is_kept(digits, tmp_path,
                                                    capsys):
    """A finished run whose checkpoints were deleted is not trained over,
    neither afresh nor by --resume from nothing."""
    out = tmp_path / "run"
    cli.main(train_flags(digits, out, 1))
    for path in (out / "checkpoints").iterdir():
        path.unlink()
    before = files_in(out)
    for extra in ((), ("--resume",)):
        error = fails(train_flags(digits, out, 1, *extra), capsys)
        assert "holds a finished run" in error
    assert files_in(out) == before


@pytest.mark.parametrize("where", ["proc", "file", "checkpoints-file"])
def test_an_unwritable_out_is_found_before_training(digits, tmp_path, capsys,
                                                    where):
    """--out that cannot be made, that is a file, or whose checkpoints/
    is a file: one line naming --out, and nothing new on disk."""
    out = {"proc": pathlib.Path("/proc/ganlab-test-run"),
           "file": tmp_path / "taken",
           "checkpoints-file": tmp_path / "run"}[where]
    if where == "file":
        out.write_text("mine")
    if where == "checkpoints-file":
        out.mkdir()
        (out / "checkpoints").write_text("mine")
    before = files_in(tmp_path)
    error = fails(train_flags(digits, out, 1), capsys)
    assert "--out" in error
    assert files_in(tmp_path) == before
    assert where != "proc" or not out.exists()


def test_a_failed_start_leaves_no_run_json(digits, tmp_path, capsys):
    """A model that does not fit the data stops before training and
    leaves no folder and no run.json behind."""
    out = tmp_path / "run"
    flags = train_flags(digits, out, 1)
    flags[flags.index("--model") + 1] = "dcgan"
    assert "--model dcgan draws 32x32 RGB images" in fails(flags, capsys)
    assert not out.exists()


def test_resume_into_another_architecture_is_one_line(digits, tmp_path,
                                                      capsys):
    """Checkpoints of latent size 8 resumed with 16 (run.json gone, so
    the flags cannot be compared): one line naming --resume, and no
    run.json made."""
    out = tmp_path / "run"
    cli.main(train_flags(digits, out, 1))
    (out / "run.json").unlink()
    before = files_in(out)
    flags = train_flags(digits, out, 2, "--resume")
    flags[flags.index("--latent_dim") + 1] = "16"
    error = fails(flags, capsys)
    assert "--resume:" in error
    assert "does not match the model" in error
    assert files_in(out) == before


def test_a_blow_up_saves_neither_checkpoint_nor_generator(digits, tmp_path,
                                                          capsys):
    """--lr 1e30 blows up at once: the doctor stops, says there is no
    checkpoint, and neither a checkpoint nor generator.keras is written."""
    out = tmp_path / "run"
    cli.main(train_flags(digits, out, 2, "--lr", "1e30"))
    captured = capsys.readouterr()
    assert "GAN doctor" in captured.out
    assert "there is no good checkpoint" in captured.out
    assert "generator not saved" in captured.out
    assert saved_numbers(out / "checkpoints") == []
    assert not (out / "generator.keras").exists()


# a picture across resumptions; under -m slow for CI's 10 minutes
@pytest.mark.slow
def test_the_gif_spans_the_run_across_resumptions(digits, tmp_path):
    """Grids drawn before and after a resumption are all in samples.gif."""
    out = tmp_path / "run"
    cli.main(train_flags(digits, out, 1))
    cli.main(train_flags(digits, out, 2, "--resume"))
    assert sorted(p.name for p in (out / "samples").iterdir()) == [
        "step_000002.png", "step_000004.png"]
    with Image.open(out / "samples.gif") as gif:
        assert gif.n_frames == 2


# ---- Resuming: kill -9 then --resume, half-written checkpoints, the doctor.


def small_mlp_gan(seed=0):
    """A compiled MLPGAN with narrow networks on 8x8 random images, the
    same initial weights every time."""
    keras.utils.set_random_seed(0)
    real = np.random.default_rng(0).uniform(-1, 1, (64, 8, 8, 1))
    gan = nonsaturating.MLPGAN(
        mlp_gan.build_generator(4, (8, 8, 1), (16, 32)),
        mlp_gan.build_discriminator((8, 8, 1), (32, 16)),
        real.astype(np.float32), batch_size=16, seed=seed)
    gan.compile()
    return gan


def latest_epoch(folder):
    """The epoch of the checkpoint named in ``folder/checkpoint``, or 0."""
    index = folder / "checkpoint"
    if not index.is_file():
        return 0
    found = re.search(r'^model_checkpoint_path: "ckpt-(\d+)"',
                      index.read_text(), re.M)
    return int(found.group(1)) if found else 0


def read_losses(path):
    """Rows of a losses.csv as (step, discr_loss, gen_loss) tuples of
    floats."""
    with open(path, newline="") as stream:
        return [tuple(map(float, row)) for row in list(csv.reader(stream))[1:]]


def test_restored_model_draws_what_the_saved_one_would_have(tmp_path):
    """Networks, optimizers and the random generator come back: a model
    restored after 2 epochs trains epoch 3 exactly as the original did."""
    gan = small_mlp_gan()
    saver = GANCheckpoint(gan, tmp_path / "ckpt")
    step_losses(gan, 2, callbacks=[saver])
    expected = step_losses(gan, 3, initial_epoch=2)
    resumed = small_mlp_gan(seed=99)  # a different seed: the checkpoint wins
    checkpoint = GANCheckpoint(resumed, tmp_path / "ckpt")
    assert checkpoint.restore() == 2
    assert int(checkpoint.step.numpy()) == 4
    np.testing.assert_allclose(step_losses(resumed, 3, initial_epoch=2),
                               expected, rtol=1e-6)


def test_a_save_killed_halfway_leaves_the_previous_checkpoint(tmp_path):
    """The files a killed save leaves behind (data without a finished
    index, the list of checkpoints not yet updated) are ignored."""
    gan = small_mlp_gan()
    saver = GANCheckpoint(gan, tmp_path / "ckpt")
    step_losses(gan, 1, callbacks=[saver])
    saved = [np.array(weight) for weight in gan.generator.weights]
    (tmp_path / "ckpt" / "ckpt-2.data-00000-of-00001").write_bytes(
        b"\x00" * 100)
    (tmp_path / "ckpt" / "ckpt-2.index").write_bytes(b"\x01\x02")
    fresh = small_mlp_gan(seed=5)
    assert GANCheckpoint(fresh, tmp_path / "ckpt").restore() == 1
    for weight, wanted in zip(fresh.generator.weights, saved):
        np.testing.assert_array_equal(np.array(weight), wanted)


def test_kill_9_then_resume_gives_the_uninterrupted_losses(tmp_path):
    """A run killed with SIGKILL (at any moment, saving included) resumes
    from its last checkpoint, and every step after it has the losses of
    a run that was never interrupted (deterministic ops)."""
    data = tmp_path / "digits.npy"
    save_random_pixels(data, (96, 28, 28))
    flags = [sys.executable, "-m", "ganlab", "train", "--model", "mlp",
             "--dataset", str(data),
             "--img_size", "12", "--batch_size", "32", "--latent_dim", "16",
             "--steps-per-epoch", "3", "--sample_interval", "1000",
             "--deterministic", "--no-tensorboard", "--verbose", "0"]
    killed = tmp_path / "killed"
    process = subprocess.Popen(flags + ["--n_epochs", "100000", "--out",
                                        str(killed)], cwd=ROOT,
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        give_up = time.monotonic() + 240
        while latest_epoch(killed / "checkpoints") < 3:
            assert process.poll() is None, "training stopped by itself"
            assert time.monotonic() < give_up, "no checkpoint appeared"
            time.sleep(.05)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL
    epoch = latest_epoch(killed / "checkpoints")
    shutil.rmtree(killed / "samples", ignore_errors=True)
    target = str(epoch + 2)

    resumed = subprocess.run(flags + ["--n_epochs", target, "--resume",
                                      "--out", str(killed)], cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming after epoch {epoch}" in resumed.stdout
    whole = subprocess.run(flags + ["--n_epochs", target, "--out",
                                    str(tmp_path / "whole")], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert whole.returncode == 0, whole.stderr

    after_kill = read_losses(killed / "losses.csv")
    uninterrupted = read_losses(tmp_path / "whole" / "losses.csv")
    assert [row[0] for row in after_kill] == list(
        range(1, 3 * (epoch + 2) + 1))
    # Exactly equal: the same operations on the same numbers.
    assert after_kill[3 * epoch:] == uninterrupted[3 * epoch:]
    assert after_kill == uninterrupted


# model -> the data set's shape and the flags that fit the model to it
DRAWING_MODELS = {
    "r3gan": ((96, 16, 16, 3), ["--img_size", "16", "--channels", "3",
                                "--latent_dim", "16", "--capacity", "0.25"]),
    "conv": ((96, 28, 28), ["--img_size", "12", "--channels", "1",
                            "--latent_dim", "16"]),
    "dcgan": ((96, 32, 32, 3), ["--img_size", "32", "--channels", "3",
                                "--latent_dim", "16"]),
    "faces": ((96, 16, 16), ["--img_size", "16", "--channels", "1"]),
}


# conv is the MLP GAN's training (checked by the kill -9 test above) with
# other networks and a lazy R1 whose phase is the discriminator
# optimizer's update count, which the checkpoint holds; faces resumes in
# tests/cli/test_train_faces.py (its LFW run), dcgan in
# tests/data/test_streaming.py (a streamed folder resumed exactly): these
# cases are kept out of the default run's 10 minutes
@pytest.mark.parametrize("model", [
    pytest.param(model, marks=[pytest.mark.slow]
                 if model in ("conv", "faces", "dcgan") else [])
    for model in sorted(DRAWING_MODELS)])
def test_a_resumed_image_model_draws_what_the_whole_run_draws(model,
                                                               tmp_path,
                                                               capsys):
    """3 epochs straight, against the same run rolled back to its
    checkpoint of epoch 2 (as a kill there leaves it) and resumed: the
    same losses at every step. The models' random numbers come from a
    checkpointed generator, the DCGAN's batches are a function of the
    step number, and its flips, dropout masks and DiffAugment are drawn
    per batch from checkpointed seeds."""
    shape, fitting = DRAWING_MODELS[model]
    data = tmp_path / "images.npy"
    save_random_pixels(data, shape)
    flags = ["train", "--model", model, "--dataset", str(data), *fitting,
             "--batch_size", "32", "--augment", "color,translation,cutout",
             "--n_epochs", "3", "--steps-per-epoch", "2",
             "--sample_interval", "1000", "--deterministic",
             "--no-tensorboard", "--verbose", "0"]
    whole = tmp_path / "whole"
    cli.main(flags + ["--out", str(whole)])
    cut = rolled_back(whole, tmp_path / "cut", 2)
    capsys.readouterr()
    cli.main(flags + ["--out", str(cut), "--resume"])
    assert "resuming after epoch 2" in capsys.readouterr().out
    resumed = read_losses(cut / "losses.csv")
    straight = read_losses(whole / "losses.csv")
    assert len(straight) == 6
    assert resumed == straight


class Poison(keras.callbacks.Callback):
    """Fill the discriminator's weights with NaN after step ``at``, as an
    overflow would."""

    def __init__(self, at):
        """Poison once, after step ``at`` (counted from 1)."""
        super().__init__()
        self.at = at
        self.steps = 0

    def on_train_batch_end(self, batch, logs=None):
        """Count steps; poison at the chosen one."""
        self.steps += 1
        if self.steps == self.at:
            self.model.discriminator.set_weights(
                [np.full(w.shape, np.nan, np.float32)
                 for w in self.model.discriminator.get_weights()])


def test_doctor_rolls_back_to_the_last_good_checkpoint(tmp_path, capsys):
    """NaN weights after step 3 make step 4's losses NaN: the doctor says
    why in one line, restores epoch 1 with halved learning rates, and
    training goes on with finite losses."""
    gan = small_mlp_gan()
    checkpoint = GANCheckpoint(gan, tmp_path / "ckpt")
    doctor = GANDoctor(("discr_loss", "gen_loss"), checkpoint)
    log = LossLog(tmp_path, ("discr_loss", "gen_loss"))
    losses = step_losses(gan, 3, callbacks=[log, doctor, checkpoint,
                                            Poison(3)])
    assert len(doctor.diagnoses) == 1
    line = doctor.diagnoses[0]
    # NaN scores then made NaN gradients for the generator too.
    assert line.startswith("GAN doctor: step 4: the generator's and the "
                           "discriminator's weights hold NaN or inf: "
                           "exploding gradients")
    assert "rolled back to the checkpoint of epoch 1" in line
    assert line + "\n" in capsys.readouterr().out
    assert not np.all(np.isfinite(losses[3]))
    assert np.all(np.isfinite(losses[4:]))
    assert all(np.isfinite(np.asarray(w)).all()
               for w in gan.discriminator.weights)
    assert float(gan.discriminator.optimizer.learning_rate) == pytest.approx(
        1e-4)
    # Restored to step 2, then steps 3 and 4 were made again: the log
    # keeps the steps of the surviving run only.
    assert int(gan.generator.optimizer.iterations) == 4
    logged = log.read()
    assert [step for step, _ in logged] == [1, 2, 3, 4]
    assert np.all(np.isfinite([list(values.values()) for _, values
                               in logged]))
    assert logged[3][1]["discr_loss"] == pytest.approx(losses[5][0], rel=1e-6)


def test_doctor_without_a_checkpoint_stops(tmp_path):
    """Nothing to roll back to: training stops after the bad step."""
    gan = small_mlp_gan()
    doctor = GANDoctor(("discr_loss", "gen_loss"))
    losses = step_losses(gan, 5, callbacks=[doctor, Poison(1)])
    assert len(losses) == 2 and "stopped training" in doctor.diagnoses[0]


def test_each_rollback_halves_the_rates_again(tmp_path):
    """Two blow-ups before a new checkpoint: the checkpoint restores the
    rates it saved, yet the second rollback leaves a quarter of them."""
    gan = small_mlp_gan()
    checkpoint = GANCheckpoint(gan, tmp_path)
    checkpoint.save(1)
    doctor = GANDoctor(("discr_loss", "gen_loss"), checkpoint)
    doctor.set_model(gan)
    for _ in range(2):
        doctor.on_train_batch_end(0, {"discr_loss": float("nan"),
                                      "gen_loss": 1.})
    assert doctor.rollbacks == 2
    for optimizer in (gan.generator.optimizer, gan.discriminator.optimizer):
        assert float(optimizer.learning_rate) == pytest.approx(2e-4 / 4)


def test_a_row_cut_inside_a_number_is_skipped(tmp_path):
    """A run killed while writing can leave '13,0.69,-': the log reads
    the whole rows and drops that one."""
    (tmp_path / "losses.csv").write_text(
        "step,discr_loss,gen_loss\n12,0.5,0.25\n13,0.69,-\n")
    assert LossLog(tmp_path, ("discr_loss", "gen_loss")).read() == [
        (12, {"discr_loss": .5, "gen_loss": .25})]


def test_a_gan_with_progress_of_its_own_is_stopped(tmp_path):
    """A GAN whose state() drives it from outside fit (the ProGAN) is not
    rolled back under a running fit: the doctor stops it."""
    gan = small_mlp_gan()
    gan.state = dict  # progress of its own, as ProGAN.state() gives
    checkpoint = GANCheckpoint(gan, tmp_path)
    checkpoint.save(1)
    doctor = GANDoctor(("discr_loss", "gen_loss"), checkpoint)
    doctor.set_model(gan)
    doctor.on_train_batch_end(0, {"discr_loss": float("nan"), "gen_loss": 1.})
    assert gan.stop_training and doctor.rollbacks == 0
    assert "stopped training" in doctor.diagnoses[0]


def test_a_checkpoint_with_nan_weights_is_skipped(tmp_path, capsys):
    """A checkpoint whose weights hold NaN is passed over like a damaged
    one; when it is the only one, restoring is a ValueError."""
    gan = small_mlp_gan()
    saver = GANCheckpoint(gan, tmp_path)
    saver.save(1)
    gan.generator.set_weights([np.full(weight.shape, np.nan, np.float32)
                               for weight in gan.generator.get_weights()])
    # written behind the back of save(), which refuses NaN
    saver.checkpoint.write(str(tmp_path / "ckpt-2"))
    fresh = small_mlp_gan(seed=3)
    assert GANCheckpoint(fresh, tmp_path).restore() == 1
    assert "skipped checkpoint" in capsys.readouterr().err
    assert all(np.isfinite(weight).all()
               for weight in fresh.generator.get_weights())
    assert saved_numbers(tmp_path) == [1]

    (tmp_path / "ckpt-1.index").unlink()
    saver.checkpoint.write(str(tmp_path / "ckpt-2"))
    with pytest.raises(ValueError, match="no usable checkpoint: ckpt-2 NaN"):
        GANCheckpoint(small_mlp_gan(), tmp_path).restore()


def test_a_stopped_doctor_skips_the_epochs_checkpoint(tmp_path, capsys):
    """The doctor stops in epoch 2: that epoch's checkpoint is not saved,
    and the stop names the one of epoch 1."""
    gan = small_mlp_gan()
    checkpoint = GANCheckpoint(gan, tmp_path)
    doctor = GANDoctor(("discr_loss", "gen_loss"), checkpoint, roll_back=False)
    step_losses(gan, 3, callbacks=[doctor, checkpoint, Poison(3)])
    assert doctor.stopped and len(doctor.diagnoses) == 1
    assert f"last good checkpoint is {tmp_path / 'ckpt-1'}" in (
        doctor.diagnoses[0])
    assert saved_numbers(tmp_path) == [1]
    assert "checkpoint of epoch 2 not saved" in capsys.readouterr().err


def test_save_refuses_a_state_with_nan(tmp_path, capsys):
    """GANCheckpoint.save writes nothing from NaN weights, and says so."""
    gan = small_mlp_gan()
    gan.discriminator.set_weights([np.full(w.shape, np.inf, np.float32)
                                   for w in gan.discriminator.get_weights()])
    assert GANCheckpoint(gan, tmp_path / "ckpt").save(1) is None
    assert not (tmp_path / "ckpt").exists()
    assert "not saved" in capsys.readouterr().err


def test_the_doctor_blames_nan_in_the_data_and_stops(tmp_path):
    """One NaN row in the data: the doctor says so and stops, without
    rolling back or halving the rates (they are not the cause)."""
    gan = small_mlp_gan()
    checkpoint = GANCheckpoint(gan, tmp_path)
    checkpoint.save(1)
    real = np.array(gan.real_examples)
    real[5] = np.nan
    gan.real_examples = tf.constant(real)
    doctor = GANDoctor(("discr_loss", "gen_loss"), checkpoint)
    step_losses(gan, 10, callbacks=[doctor, checkpoint])
    assert len(doctor.diagnoses) == 1, doctor.diagnoses
    assert "the data hold 1 rows with NaN or inf" in doctor.diagnoses[0]
    assert "stopped training" in doctor.diagnoses[0]
    assert doctor.rollbacks == 0
    for optimizer in (gan.generator.optimizer, gan.discriminator.optimizer):
        assert float(optimizer.learning_rate) == pytest.approx(2e-4)
