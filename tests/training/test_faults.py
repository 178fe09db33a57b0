#!/usr/bin/env python3
"""Faults a user meets on a bad day: the run holds, stops cleanly, never
trains on wrong data and never loses a run (issue 37).

Grouped by what goes wrong: two runs in one folder; Ctrl-C and SIGTERM
(run as real processes, since a signal and an exit code are what they
test, as is a multi-worker run whose other worker never starts); files
that would run code (a CIFAR batch, a .keras file with a Lambda layer);
image files of odd bit depth, transparency, shape or size; numbers
beyond what the data type holds, or absurd (--disc-iter, --latent_dim);
pixels on another scale; broken generators; edited or damaged run
files; the lessons used from Python; full disks and folders that may not
be written, simulated in this process (the write fails as the system's
would; no disk is filled). Every refusal is one line naming what was
wrong, exit code 2 for the commands, and nothing written; a write that
fails is one line naming the file, exit code 1, with nothing
half-written, and the run then resumes.
"""
import json
import os
import pathlib
import pickle
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from ganlab import cli
from tests.helpers import ROOT, fails, load_gan_class, save_random_pixels


def listing(root):
    """Every path under ``root``, relative, sorted."""
    return sorted(str(path.relative_to(root)) for path in root.rglob("*"))


TRAIN = ["train", "--n_epochs", "1", "--steps-per-epoch", "1",
         "--verbose", "0", "--no-tensorboard", "--batch_size", "16",
         "--latent_dim", "8"]


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    """64 random 8x8 grey images as an .npy file."""
    return save_random_pixels(
        tmp_path_factory.mktemp("digits") / "digits.npy", (64, 8, 8))


# ---------------------------------------------------------------- the lock

def test_a_second_run_in_a_locked_folder_is_refused(tmp_path, digits,
                                                    capsys):
    """While a run holds --out, another start there is refused in one
    line naming the folder and the holder, and writes nothing."""
    from ganlab.training.run_lock import RunLock
    out = tmp_path / "run"
    with RunLock(out):
        before = listing(tmp_path)
        line = fails(TRAIN + ["--dataset", str(digits), "--out", str(out)],
                     capsys)
        assert f"{out} is in use by another run (process {os.getpid()}" in (
            line)
        assert listing(tmp_path) == before
    assert not (out / "run.lock").exists()


def test_a_lock_left_by_a_killed_run_is_taken_over(tmp_path, digits,
                                                   capsys):
    """A lock file whose process died (no lock held on it) is taken over
    with a line naming the dead holder; the run trains, and its own lock
    is gone at the end."""
    out = tmp_path / "run"
    out.mkdir()
    (out / "run.lock").write_text(json.dumps(
        {"pid": 999999, "host": "gone", "started": "2026-01-01 00:00:00"}))
    cli.main(TRAIN + ["--dataset", str(digits), "--out", str(out)])
    assert ("took over the lock of a run that ended without releasing it "
            "(process 999999 on gone" in capsys.readouterr().out)
    assert (out / "generator.keras").is_file()
    assert not (out / "run.lock").exists()


def test_the_lock_is_one_holder_at_a_time(tmp_path):
    """Two locks on one folder in one process conflict too (flock locks
    open files, not processes); a garbled lock file names no one."""
    from ganlab.training.run_lock import FolderLocked, RunLock
    first = RunLock(tmp_path).acquire()
    (tmp_path / "run.lock").write_text("{garbled")
    with pytest.raises(FolderLocked, match="by another run .another "
                                           "process.; wait"):
        RunLock(tmp_path).acquire()
    first.release()
    RunLock(tmp_path).acquire().release()


# ------------------------------------------------------- graceful stops

# --model mlp: one of the models that resume exactly (train's docstring),
# at any image size; the default model is neither
STOP_FLAGS = ["train", "--model", "mlp", "--img_size", "12",
              "--batch_size", "32", "--latent_dim", "16",
              "--steps-per-epoch", "40",
              "--n_epochs", "3", "--sample_interval", "1000",
              "--deterministic", "--no-tensorboard", "--verbose", "0"]


def ganlab(argv, **kwargs):
    """Run ``python -m ganlab ARGV`` from the repository root."""
    return subprocess.run([sys.executable, "-m", "ganlab"] + argv,
                          cwd=ROOT, capture_output=True, text=True,
                          timeout=300, **kwargs)


@pytest.fixture(scope="module")
def stop_data(tmp_path_factory):
    """96 random 28x28 images, and the losses of a run of them that was
    never interrupted."""
    folder = tmp_path_factory.mktemp("stops")
    data = folder / "images.npy"
    save_random_pixels(data, (96, 28, 28))
    whole = ganlab(STOP_FLAGS + ["--dataset", str(data), "--out",
                                 str(folder / "whole")])
    assert whole.returncode == 0, whole.stderr
    return data, (folder / "whole" / "losses.csv").read_text()


@pytest.mark.parametrize("stop, code", [
    (signal.SIGINT, 130),
    # the same path as SIGINT's; under -m slow for CI's 10 minutes
    pytest.param(signal.SIGTERM, 143, marks=pytest.mark.slow)])
def test_a_stopped_run_resumes_to_the_uninterrupted_losses(stop, code,
                                                           stop_data,
                                                           tmp_path):
    """Ctrl-C or SIGTERM mid-run: a checkpoint at the step reached (mid-
    epoch as a rule: 40 steps an epoch), one line with the --resume
    command, the signal's exit code; that command then ends with exactly
    the losses of the run never stopped (--deterministic)."""
    data, uninterrupted = stop_data
    out = tmp_path / "run"
    argv = STOP_FLAGS + ["--dataset", str(data), "--out", str(out)]
    process = subprocess.Popen([sys.executable, "-m", "ganlab"] + argv,
                               cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        give_up = time.monotonic() + 240
        losses = out / "losses.csv"
        # stop in the second epoch, after some of its steps
        while not (losses.is_file()
                   and len(losses.read_text().splitlines()) > 45):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < give_up, "training never began"
            time.sleep(.02)
        process.send_signal(stop)
        output, errors = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == code, errors
    said = [line for line in output.splitlines() if "resume with:" in line]
    assert len(said) == 1, output
    stopped_at = int(said[0].split("stopped at step ")[1].split()[0])
    assert 45 <= stopped_at < 120
    assert "Traceback" not in errors
    assert not (out / "generator.keras").exists()
    command = said[0].split("resume with: ")[1].split()
    assert command[:3] == ["python", "-m", "ganlab"]
    assert command[-1] == "--resume"
    resumed = ganlab(command[3:])
    assert resumed.returncode == 0, resumed.stderr
    if stopped_at % 40:
        assert (f"resuming in epoch 2, after its step {stopped_at - 40}"
                in resumed.stdout)
    assert (out / "losses.csv").read_text() == uninterrupted


def test_a_second_ctrl_c_stops_at_once_in_one_line(capsys):
    """The first signal during training asks for a stop after the step;
    a second leaves at once with one line and exit code 130; a signal
    before training began leaves at once too."""
    from ganlab.training.stopping import stop_signals
    # what was there before (SIG_IGN in a shell's background job) is
    # what the handlers must leave behind
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(SystemExit) as stopped:
        with stop_signals() as request:
            request.training = True
            os.kill(os.getpid(), signal.SIGINT)
            assert request.signal_name == "SIGINT"
            os.kill(os.getpid(), signal.SIGINT)
    assert stopped.value.code == 130
    errors = capsys.readouterr().err.splitlines()
    assert errors == ["SIGINT: stopping after this step to save a "
                      "checkpoint (Ctrl-C again stops at once)",
                      "SIGINT: stopped at once, saving nothing since the "
                      "last checkpoint"]
    with pytest.raises(SystemExit) as stopped:
        with stop_signals():
            os.kill(os.getpid(), signal.SIGTERM)
    assert stopped.value.code == 143
    assert capsys.readouterr().err == ("SIGTERM: stopped before training "
                                       "began, nothing saved\n")
    assert signal.getsignal(signal.SIGINT) is before


# ------------------------------------------- files that would run code

class RunsCode:
    """Pickles into a call of os.system, as a crafted file would."""

    def __init__(self, marker):
        """Remember the file the command would create."""
        self.marker = marker

    def __reduce__(self):
        """Ask the unpickler to run a shell command."""
        return os.system, (f"touch {self.marker}",)


def cifar_folder(folder, batch):
    """A cifar-10-batches-py folder whose six files hold ``batch``."""
    folder.mkdir()
    for name in [f"data_batch_{index}" for index in range(1, 6)] + [
            "test_batch"]:
        with open(folder / name, "wb") as stream:
            pickle.dump(batch, stream, protocol=2)
    return folder


def test_a_cifar_batch_that_would_run_code_is_refused(tmp_path):
    """A batch naming os.system is refused, in one line naming the file
    and the global, and the command never runs."""
    from ganlab.data.image_sets import read_cifar_batches
    marker = tmp_path / "ran"
    folder = cifar_folder(tmp_path / "cifar", {
        b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 1],
        b"trap": RunsCode(marker)})
    with pytest.raises(ValueError) as refused:
        read_cifar_batches(folder)
    line = str(refused.value)
    assert "\n" not in line and "data_batch_1" in line
    assert "system, which a file of arrays never needs" in line
    assert not marker.exists()


def test_a_real_shaped_cifar_batch_still_reads(tmp_path):
    """What a real batch holds (bytes keys, a uint8 array, lists of ints
    and of bytes) passes the restricted unpickler, at protocol 2 as the
    real files are pickled."""
    from ganlab.data.image_sets import read_cifar_batches
    pixels = np.random.default_rng(0).integers(0, 256, (3, 3072),
                                               dtype=np.uint8)
    folder = cifar_folder(tmp_path / "cifar", {
        b"batch_label": b"training batch 1 of 5", b"labels": [3, 1, 4],
        b"data": pixels, b"filenames": [b"a.png", b"b.png", b"c.png"]})
    (x_train, y_train), (x_test, _) = read_cifar_batches(folder)
    assert x_train.shape == (15, 32, 32, 3) and len(x_test) == 3
    np.testing.assert_array_equal(
        x_train[0], pixels[0].reshape(3, 32, 32).transpose(1, 2, 0))
    assert y_train.tolist() == [3, 1, 4] * 5


# --------------------------------------------- image files, both paths

def decode_both(folder, size, channels):
    """The images of ``folder`` read into memory and streamed: both."""
    import tensorflow as tf
    from ganlab.data.faces import load_image_folder
    from ganlab.data.streaming import decode_square, list_images
    loaded = load_image_folder(folder, size, channels)
    streamed = np.stack([decode_square(tf.constant(path), size,
                                       channels).numpy()
                         for path in list_images(folder)])
    return loaded, streamed


def test_16_bit_pngs_are_scaled_not_clipped(tmp_path):
    """A 16-bit grey PNG is read as x / 257 in both paths (Pillow's own
    conversion clips it to white)."""
    ramp = (np.arange(256 * 16).reshape(64, 64) * 16).astype(np.uint16)
    (tmp_path / "sixteen").mkdir()
    Image.fromarray(ramp).save(tmp_path / "sixteen" / "ramp.png")
    expected = np.round(ramp / 257)
    loaded, streamed = decode_both(tmp_path / "sixteen", 64, 1)
    assert np.abs(loaded[0, ..., 0] - expected).max() <= 1
    assert np.abs(streamed[0, ..., 0].astype(float) - expected).max() <= 1


def test_transparent_pixels_show_white_in_both_paths(tmp_path):
    """RGBA on white: a transparent pixel whose hidden colour is red
    shows white, a half-transparent black one mid grey, an opaque blue
    one blue; the two paths agree."""
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0] = 255                    # hidden red, transparent
    rgba[:4, :, :] = (0, 0, 0, 128)       # half-transparent black
    rgba[:2, :, :] = (0, 0, 255, 255)     # opaque blue
    (tmp_path / "alpha").mkdir()
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha" / "a.png")
    loaded, streamed = decode_both(tmp_path / "alpha", 8, 3)
    for images in (loaded, streamed):
        np.testing.assert_array_equal(images[0, 7, 0], [255, 255, 255])
        np.testing.assert_allclose(images[0, 3, 0], [127, 127, 127],
                                   atol=1)
        np.testing.assert_array_equal(images[0, 0, 0], [0, 0, 255])


def test_non_square_arrays_are_cropped_as_folders_are():
    """One shape rule: a 4x8 array image keeps its central 4x4, as a
    folder's image would, rather than being squashed."""
    from ganlab.data.sources import fit_images
    images = np.arange(32, dtype=np.uint8).reshape(1, 4, 8)
    np.testing.assert_array_equal(fit_images(images, 4, 1)[0, ..., 0],
                                  images[0, :, 2:6])


def test_a_decompression_bomb_is_one_line(tmp_path, monkeypatch):
    """An image past Pillow's pixel limit is named, in one line."""
    from ganlab.data.faces import load_image_folder
    Image.new("L", (64, 64)).save(tmp_path / "bomb.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 64)
    with pytest.raises(ValueError) as refused:
        load_image_folder(tmp_path, 8, 1)
    assert "bomb.png" in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_corrupt_streamed_file_is_named(tmp_path):
    """The file that stops a stream (tf.data names none) is found and
    named, with what to do."""
    from ganlab.data.sources import unreadable_line
    for index in range(3):
        Image.new("RGB", (8, 8)).save(tmp_path / f"{index}.png")
    (tmp_path / "1.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    line = unreadable_line(str(tmp_path))
    assert f"cannot decode {tmp_path / '1.png'}" in line
    assert "--resume" in line and "\n" not in line
    (tmp_path / "1.png").unlink()
    assert unreadable_line(str(tmp_path)) is None


# ---------------------------------------- the command line, refusing

@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    """Vectors beyond float32, a generator that draws NaN, faces."""
    import keras
    root = tmp_path_factory.mktemp("bad_files")
    points = np.random.default_rng(0).normal(size=(50, 2))
    points[[4, 9], 0] = 1e39
    np.save(root / "huge.npy", points)
    latent = keras.Input((4,))
    dense = keras.layers.Dense(256, activation="tanh")
    generator = keras.Model(latent, keras.layers.Reshape((16, 16, 1))(
        dense(latent)), name="generator")
    dense.kernel.assign(np.full((4, 256), np.nan, np.float32))
    generator.save(root / "nan.keras")
    save_random_pixels(root / "faces.npy", (1010, 16, 16))
    save_random_pixels(root / "one_face.npy", (1001, 16, 16))
    return root


@pytest.mark.parametrize("argv, phrase", [
    (TRAIN + ["--model", "simple", "--dataset", "{d}/huge.npy"],
     "--dataset {d}/huge.npy: 2 of 50 rows hold NaN or inf (as float32)"),
    (TRAIN + ["--dataset", "ring", "--out", ""], "argument --out: "
     "expected a folder for the run; got an empty path"),
    (TRAIN + ["--dataset", "ring", "--model", "simple", "--seed",
              str(2 ** 32)], "--seed must be in [0, 4294967295]"),
    (["sample", "--generator", "{d}/nan.keras", "--seed", str(2 ** 63)],
     "--seed must be in [0, 4294967295]"),
    (["sample", "--generator", "{d}/nan.keras", "--out", "{d}/drawn"],
     "--generator: {d}/nan.keras: it draws NaN or inf in 64 of 64"),
    (["evaluate", "--dataset", "faces", "--faces", "{d}/faces.npy",
      "--model", "{d}/nan.keras", "--samples", "10"],
     "--model: it draws NaN or inf in 10 of 10 samples"),
    (["evaluate", "--dataset", "faces", "--faces", "{d}/one_face.npy",
      "--model", "{d}/nan.keras", "--samples", "10"],
     "--faces: 1 training image(s) besides the held-out ones"),
    (TRAIN + ["--dataset", "ring", "--model", "simple", "--disc-iter",
              "10000"], "--disc-iter must be at most 100; got 10000 (each "
     "step would make that many critic updates, taking minutes"),
    (["refine-faces", "--faces", "{d}/faces.npy", "--out", "{d}/refined",
      "--disc-iter", "101"], "--disc-iter must be from 1 to 100"),
    (TRAIN + ["--dataset", "ring", "--model", "simple", "--latent_dim",
              str(10 ** 9)], "--latent_dim must be at most 4096; got "
     "1000000000 (the generator's first layer would hold"),
    (TRAIN + ["--dataset", "ring", "--model", "mlp", "--worker-timeout",
              "5"], "--worker-timeout needs --strategy multi-worker"),
    (TRAIN + ["--dataset", "ring", "--model", "mlp", "--strategy",
              "multi-worker", "--worker-timeout", "nan"],
     "--worker-timeout must be more than 0 and at most 86400 seconds"),
], ids=["float64 1e39", "--out ''", "train seed", "sample seed",
        "sample NaN", "evaluate NaN", "evaluate one face", "disc-iter 10000",
        "refine disc-iter 101", "latent_dim 10**9", "worker-timeout alone",
        "worker-timeout nan"])
def test_the_command_line_refuses_in_one_line(argv, phrase, bad_files,
                                             capsys, monkeypatch):
    """One line naming the flag, exit code 2, and no new file."""
    monkeypatch.chdir(bad_files)
    argv = [part.format(d=bad_files) for part in argv]
    if argv[0] == "train" and "--out" not in argv:
        argv += ["--out", str(bad_files / "out")]
    before = listing(bad_files)
    line = fails(argv, capsys)
    assert phrase.format(d=bad_files) in line, line
    assert listing(bad_files) == before


def test_a_file_named_samples_in_out_is_refused_at_start(tmp_path, digits,
                                                        capsys):
    """A file where the run's samples folder goes would cost the first
    epoch's work; refused before training."""
    out = tmp_path / "run"
    out.mkdir()
    (out / "samples").write_text("notes\n")
    line = fails(TRAIN + ["--dataset", str(digits), "--out", str(out)],
                 capsys)
    assert f"{out / 'samples'} is a file where the run writes a folder" in (
        line)
    assert sorted(path.name for path in out.iterdir()) == ["samples"]


@pytest.fixture
def finished_run(tmp_path, digits):
    """A one-step run killed after its checkpoint (generator removed)."""
    out = tmp_path / "run"
    cli.main(TRAIN + ["--dataset", str(digits), "--out", str(out)])
    (out / "generator.keras").unlink()
    return out


def test_a_run_json_holding_a_list_is_one_line(finished_run, digits,
                                               capsys):
    """``[]`` in run.json (edited by hand) is named on --resume."""
    (finished_run / "run.json").write_text("[]\n")
    line = fails(TRAIN + ["--n_epochs", "2", "--dataset", str(digits),
                          "--out", str(finished_run), "--resume"], capsys)
    assert "run.json holds a JSON list, not the run's flags" in line


def test_losses_csv_with_invalid_bytes_resumes(finished_run, digits):
    """Bytes that are no UTF-8 (or NUL) in losses.csv spoil their rows
    only: the resume keeps the readable rows and goes on."""
    losses = finished_run / "losses.csv"
    losses.write_bytes(losses.read_bytes() + b"\xff\xfe\x00garbage\n")
    cli.main(TRAIN + ["--n_epochs", "2", "--dataset", str(digits),
                      "--out", str(finished_run), "--resume"])
    rows = losses.read_text().splitlines()
    assert [row.split(",")[0] for row in rows] == ["step", "1", "2"]


# ------------------------------------------------ the lessons in Python

@pytest.fixture
def lesson_networks():
    """A fresh 2-D generator, critic and latent function, and data."""
    from ganlab.nets.builders import fully_connected_GenDiscr
    return (*fully_connected_GenDiscr([2, 8, 2], None),
            np.random.default_rng(0).random((300, 2)).astype("float32"))


@pytest.mark.parametrize("keyword, value, message", [
    ("learning_rate", -1e-3, "learning_rate must be a positive finite"),
    ("learning_rate", float("nan"), "learning_rate must be a positive"),
    ("learning_rate", 0, "learning_rate must be a positive finite"),
    ("learning_rate", "1e-3", "learning_rate must be a positive finite"),
    ("batch_size", 0, "batch_size must be an integer >= 1"),
    ("disc_iter", 0, "disc_iter must be an integer >= 1"),
])
def test_lesson_constructors_check_what_the_command_line_checks(
        gan_class, lesson_networks, keyword, value, message):
    """The values --lr, --batch_size and --disc-iter refuse are refused
    by every lesson's constructor, in one ValueError naming them."""
    with pytest.raises(ValueError, match=message):
        gan_class(*lesson_networks, **{keyword: value})


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.])
def test_wgan_gp_refuses_a_penalty_weight_that_cannot_work(lesson_networks,
                                                           value):
    """lambda_gp NaN, inf or negative: one ValueError naming it."""
    with pytest.raises(ValueError, match="lambda_gp must be a finite "
                                         "number >= 0"):
        load_gan_class("WGAN_GP")(*lesson_networks, lambda_gp=value)


def test_saving_a_whole_lesson_leaves_an_existing_file_alone(
        gan_class, lesson_networks, tmp_path):
    """``save`` of a lesson GAN (no config) refuses before Keras opens
    the file: a .keras file already there keeps its bytes."""
    path = tmp_path / "kept.keras"
    path.write_bytes(b"precious")
    gan = gan_class(*lesson_networks)
    with pytest.raises(NotImplementedError, match="save its networks"):
        gan.save(path)
    assert path.read_bytes() == b"precious"


# ------------------------------------- full disks, folders not to write

# the cheapest model to train, for the tests that only need a run's files
QUICK = TRAIN + ["--model", "mlp", "--augment", "none", "--average-decay",
                 "0"]


def stops_with_one_line(argv, capsys, code=1):
    """Run ``python -m ganlab ARGV`` in this process; check that it stops
    with exit code ``code`` and one line on stderr; return that line."""
    with pytest.raises(SystemExit) as stopped:
        cli.main(argv)
    assert stopped.value.code == code
    error = capsys.readouterr().err
    assert error.count("\n") == 1, error
    return error.strip()


def leftovers(root):
    """What a writer cut short would leave under ``root``: partial files
    and TensorFlow's temporary checkpoint files."""
    return [path for path in listing(root)
            if ".partial-" in path or "_temp" in path or "tempstate" in path
            or ".tmp" in path]


def refuse_replacing(monkeypatch, name, code):
    """Make ``os.replace`` onto a file called ``name`` fail with errno
    ``code``, as a full disk or a read-only folder would at the last step
    of an atomic write (after the data went to the temporary file)."""
    replace = os.replace

    def failing(source, target, *args, **kwargs):
        """``os.replace``, failing for ``name``."""
        if pathlib.Path(target).name == name:
            raise OSError(code, os.strerror(code), str(target))
        return replace(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "replace", failing)


def test_a_full_disk_at_a_checkpoint_stops_in_one_line_and_resumes(
        tmp_path, digits, capsys, monkeypatch):
    """TensorFlow's own error at a checkpoint save (ENOSPC, which it
    raises as ResourceExhaustedError) is one line naming the checkpoint
    and the one to resume from, exit code 1; its temporary files are
    gone, the checkpoint before it is intact, and --resume finishes."""
    import errno

    import tensorflow as tf
    out = tmp_path / "run"
    save = tf.train.CheckpointManager.save

    def full_disk(manager, checkpoint_number=None, **kwargs):
        """Save, but find the disk full at checkpoint 2, halfway."""
        if checkpoint_number != 2:
            return save(manager, checkpoint_number=checkpoint_number,
                        **kwargs)
        temporary = pathlib.Path(manager.directory) / "ckpt-2_temp"
        temporary.mkdir()
        shard = temporary / "part-00000-of-00001.data-00000-of-00001"
        shard.write_bytes(b"\0" * 64)
        raise tf.errors.ResourceExhaustedError(
            None, None, f"{shard}.tempstate1; "
            f"{os.strerror(errno.ENOSPC)}")

    monkeypatch.setattr(tf.train.CheckpointManager, "save", full_disk)
    argv = QUICK + ["--n_epochs", "2", "--dataset", str(digits), "--out",
                    str(out)]
    line = stops_with_one_line(argv, capsys)
    checkpoints = out / "checkpoints"
    assert (f"cannot write {checkpoints / 'ckpt-2'}: no space left on "
            "device (free some space" in line), line
    assert f"the run is saved up to {checkpoints / 'ckpt-1'}" in line
    assert line.endswith(" --resume") and "Traceback" not in line
    assert sorted(path.name for path in checkpoints.iterdir()) == [
        "checkpoint", "ckpt-1.data-00000-of-00001", "ckpt-1.index"]
    assert leftovers(out) == [] and not (out / "generator.keras").exists()
    monkeypatch.undo()
    cli.main(argv + ["--resume"])
    assert (out / "generator.keras").is_file()
    assert [row.split(",")[0] for row in (
        out / "losses.csv").read_text().splitlines()] == ["step", "1", "2"]


class HalfWritten:
    """An append stream whose write puts half a row on disk, then finds
    the disk full (what ENOSPC midway through a buffered write leaves)."""

    def __init__(self, path):
        """Open ``path`` for appending."""
        self.stream = open(path, "a", newline="")

    def write(self, text):
        """Write the first half of ``text``, then fail."""
        import errno
        self.stream.write(text[:len(text) // 2])
        self.stream.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name):
        """Everything else as the real stream does it."""
        return getattr(self.stream, name)


@pytest.mark.parametrize("writer", ["losses.csv", "sample grid",
                                    "generator.keras"])
def test_every_train_writer_stops_in_one_line_and_leaves_files_whole(
        writer, tmp_path, digits, capsys, monkeypatch):
    """No room for losses.csv's next row (ENOSPC), a sample grid in a
    folder that may not be written (EACCES), generator.keras on a
    read-only disk (EROFS): one line naming the file, exit code 1,
    nothing half-written; then the line's advice (run again, or
    --resume) finishes the run."""
    import errno

    from ganlab.training import callbacks
    out = tmp_path / "run"
    argv = QUICK + ["--n_epochs", "2", "--sample_interval", "1",
                    "--dataset", str(digits), "--out", str(out)]
    if writer == "losses.csv":
        real_open = open

        def opening(path, mode="r", *args, **kwargs):
            """``open``, with appends to losses.csv running out of
            room."""
            if mode == "a":
                return HalfWritten(path)
            return real_open(path, mode, *args, **kwargs)

        monkeypatch.setattr(callbacks, "open", opening, raising=False)
        target, reason = out / "losses.csv", "no space left on device"
    elif writer == "sample grid":
        refuse_replacing(monkeypatch, "step_000002.png", errno.EACCES)
        target, reason = out / "samples" / "step_000002.png", (
            "permission denied (choose a folder you may write in)")
    else:
        refuse_replacing(monkeypatch, "generator.keras", errno.EROFS)
        target, reason = out / "generator.keras", "read-only file system"
    line = stops_with_one_line(argv, capsys)
    assert f"cannot write {target}: {reason}" in line, line
    assert leftovers(out) == []
    assert not (out / "generator.keras").exists()
    assert (out / "losses.csv").read_text().endswith("\n")
    monkeypatch.undo()
    if writer == "losses.csv":
        # the first row failed: nothing to resume from, start again
        assert "no checkpoint was saved yet" in line
        # the header alone: the half row was taken back out
        assert len((out / "losses.csv").read_text().splitlines()) == 1
        cli.main(argv)
    else:
        cli.main(argv + ["--resume"])
    assert (out / "generator.keras").is_file()
    assert [row.split(",")[0] for row in (
        out / "losses.csv").read_text().splitlines()] == ["step", "1", "2"]


@pytest.fixture(scope="module")
def sound_generator(tmp_path_factory):
    """A small generator of 16x16 grey images, saved as .keras."""
    import keras
    path = tmp_path_factory.mktemp("sound") / "generator.keras"
    latent = keras.Input((4,))
    images = keras.layers.Reshape((16, 16, 1))(
        keras.layers.Dense(256, activation="tanh")(latent))
    keras.Model(latent, images, name="generator").save(path)
    return path


def test_sample_on_a_full_disk_is_one_line_with_whole_files(
        sound_generator, tmp_path, capsys, monkeypatch):
    """``sample`` finding the disk full at its third PNG: one line naming
    it, exit code 1; the two before are whole, no partial file stays."""
    import errno
    refuse_replacing(monkeypatch, "0002.png", errno.ENOSPC)
    out = tmp_path / "drawn"
    line = stops_with_one_line(["sample", "--generator",
                                str(sound_generator), "--count", "4",
                                "--out", str(out)], capsys)
    assert line == (f"python -m ganlab sample: cannot write {out}/0002.png: "
                    "no space left on device (free some space, or write "
                    "elsewhere)")
    assert listing(out) == ["0000.png", "0001.png"]
    for name in ("0000.png", "0001.png"):
        with Image.open(out / name) as picture:
            assert picture.size == (16, 16)


def test_evaluate_json_over_quota_is_one_line_and_no_file(
        sound_generator, bad_files, tmp_path, capsys, monkeypatch):
    """``evaluate --json`` over the disk quota (EDQUOT): one line naming
    the file, exit code 1, and neither the file nor a partial one."""
    import errno
    refuse_replacing(monkeypatch, "scores.json", errno.EDQUOT)
    line = stops_with_one_line(["evaluate", "--dataset", "faces", "--faces",
                                str(bad_files / "faces.npy"), "--model",
                                str(sound_generator), "--samples", "10",
                                "--json", str(tmp_path / "scores.json")],
                               capsys)
    assert f"cannot write {tmp_path / 'scores.json'}: disk quota " in line
    assert listing(tmp_path) == []


def test_a_write_refused_for_other_reasons_keeps_its_traceback(tmp_path):
    """Only faults of room and rights become one line: another error (a
    bug's, or a bad path's) goes on as it was raised, and the partial
    file is gone either way."""
    import errno

    from ganlab import io
    with pytest.raises(OSError) as raised:
        with io.atomic_path(tmp_path / "a.txt") as temporary:
            temporary.write_text("half")
            raise OSError(errno.EIO, "I/O error")
    assert type(raised.value) is OSError
    with pytest.raises(io.WriteFailed, match="cannot write .*b.txt: "
                                             "operation not permitted"):
        with io.atomic_path(tmp_path / "b.txt"):
            raise PermissionError(errno.EPERM, os.strerror(errno.EPERM))
    assert listing(tmp_path) == []


# ------------------------------------------------ waits that would hang

def free_port():
    """A TCP port on localhost that nothing listens on now."""
    import socket
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("index", [
    0, pytest.param(1, marks=pytest.mark.slow)],
    ids=["leader waiting", "worker waiting for its leader"])
def test_a_worker_that_never_starts_ends_the_run_in_one_line(index,
                                                             tmp_path):
    """TF_CONFIG names two workers, and only one is started: within
    --worker-timeout it stops, its last line naming the missing worker
    and the flag, exit code 2, no traceback and no run folder."""
    workers = [f"localhost:{free_port()}", f"localhost:{free_port()}"]
    config = {"cluster": {"worker": workers},
              "task": {"type": "worker", "index": index}}
    started = time.monotonic()
    alone = ganlab(["train", "--model", "mlp", "--dataset", "ring",
                    "--strategy", "multi-worker", "--worker-timeout", "2",
                    "--out", str(tmp_path / "run")],
                   env=dict(os.environ, TF_CONFIG=json.dumps(config)))
    assert time.monotonic() - started < 120
    assert alone.returncode == 2, alone.stderr
    last = alone.stderr.strip().splitlines()[-1]
    missing = (f"worker 1 ({workers[1]}) has" if index == 0 else
               f"worker 0 ({workers[0]}), which gathers the cluster, has")
    assert last == (f"python -m ganlab train: error: --strategy "
                    f"multi-worker: {missing} not joined within 2 s "
                    "(--worker-timeout): start every worker of "
                    "TF_CONFIG's cluster with the same command and its "
                    "own task index, or check their addresses")
    assert "Traceback" not in alone.stderr
    assert not (tmp_path / "run").exists()


# ------------------------------------------------ pixel scales, judged

def test_evaluate_takes_float_faces_in_0_1_as_they_are(tmp_path):
    """Faces stored as floats in [0, 1] are the same pixels as their
    uint8 levels divided by 255 (they were divided again before)."""
    from argparse import Namespace

    from ganlab.evaluation.evaluate import faces_data
    levels = np.random.default_rng(0).integers(0, 256, (1010, 16, 16),
                                               dtype=np.uint8)
    np.save(tmp_path / "levels.npy", levels)
    np.save(tmp_path / "fractions.npy", (levels / 255.).astype(np.float32))
    (train_a, held_a, _), (train_b, held_b, _) = (
        faces_data(Namespace(faces=tmp_path / name))
        for name in ("levels.npy", "fractions.npy"))
    np.testing.assert_allclose(train_b, train_a, atol=1e-7)
    np.testing.assert_allclose(held_b, held_a, atol=1e-7)
    assert train_a.max() <= 1 and train_b.max() > .99


@pytest.mark.parametrize("values, found", [
    ((0., 255.), "floats from 0 to 255"),
    ((-1., 1.), "floats from -1 to 1"),
    ((-3, 200), "int64 levels from -3 to 200")])
def test_evaluate_refuses_faces_of_another_scale(values, found, tmp_path,
                                                 sound_generator, capsys):
    """Float faces beyond [0, 1] (levels stored as floats, or centred on
    0) or integers beyond 0 to 255: one line naming the file and the
    range, exit code 2, before any generator is loaded."""
    faces = np.random.default_rng(0).uniform(*values, (1010, 16, 16))
    faces[0, 0, :2] = values
    faces = faces.astype(np.int64 if isinstance(values[0], int)
                         else np.float32)
    np.save(tmp_path / "faces.npy", faces)
    line = fails(["evaluate", "--dataset", "faces", "--faces",
                  str(tmp_path / "faces.npy"), "--model",
                  str(sound_generator), "--samples", "10"], capsys)
    assert (f"--faces: {tmp_path / 'faces.npy'} holds {found}; give faces "
            "as uint8 levels 0 to 255 or as floats in [0, 1]") in line


# ----------------------------------------------- a cache nowhere to go

def refuse_files_in(monkeypatch, folder, code):
    """Make ``tempfile.mkstemp`` in ``folder`` fail with errno ``code``,
    as a read-only folder or file system does (root ignores the mode
    bits, so a chmod would not do here)."""
    import tempfile
    mkstemp = tempfile.mkstemp

    def failing(*args, dir=None, **kwargs):
        """``mkstemp``, failing in ``folder``."""
        if dir is not None and pathlib.Path(dir) == folder:
            raise OSError(code, os.strerror(code))
        return mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", failing)


def test_a_cache_in_a_read_only_folder_is_refused_before_training(
        tmp_path, capsys, monkeypatch):
    """--cache where no file can be made: one line naming the flag and
    the folder, exit code 2, before any image is decoded, and nothing
    written (the cache's folder-to-be is not made either)."""
    import errno
    images = tmp_path / "images"
    images.mkdir()
    for index in range(4):
        Image.new("RGB", (8, 8)).save(images / f"{index}.png")
    locked = tmp_path / "locked"
    locked.mkdir()
    refuse_files_in(monkeypatch, locked, errno.EROFS)
    before = listing(tmp_path)
    line = fails(TRAIN + ["--model", "dcgan", "--dataset", str(images),
                          "--stream", "always", "--cache",
                          str(locked / "cache" / "faces"), "--out",
                          str(tmp_path / "run")], capsys)
    assert (f"--cache: cannot write in {locked} (Read-only file system)"
            in line), line
    assert listing(tmp_path) == before


def test_a_cache_the_disk_has_no_room_for_is_one_line_and_no_file(
        tmp_path):
    """A full disk while tf.data writes the cache (TensorFlow's own
    error) is WriteFailed naming the cache; its partial files go."""
    import tensorflow as tf

    from ganlab import io
    from ganlab.data.streaming import fill_cache

    class FillsTheDisk:
        """A dataset whose cache writes half a file, then finds no
        room."""

        def cache(self, filename):
            """Start the cache file, then fail as TensorFlow does."""
            pathlib.Path(filename + ".data-00000-of-00001").write_bytes(
                b"\0" * 64)
            return self

        def batch(self, size):
            """Batch nothing; iterating fails."""
            return self

        def __iter__(self):
            """Fail as a full disk does."""
            raise tf.errors.ResourceExhaustedError(
                None, None, "cache.data-00000-of-00001; No space left on "
                "device")

    with pytest.raises(io.WriteFailed) as failed:
        fill_cache(FillsTheDisk(), tmp_path / "cache")
    assert str(failed.value) == (f"cannot write {tmp_path / 'cache'}: no "
                                 "space left on device (free some space, "
                                 "or write elsewhere)")
    assert listing(tmp_path) == []


# ------------------------------------------- .keras files holding code

@pytest.fixture(scope="module")
def lambda_generator(tmp_path_factory):
    """A generator whose Lambda layer would create a file when run."""
    import keras
    folder = tmp_path_factory.mktemp("lambda")
    marker = str(folder / "ran")
    latent = keras.Input((4,))
    dense = keras.layers.Dense(256, activation="tanh")(latent)
    # the layer's code runs on every call: loading it would run it
    touched = keras.layers.Lambda(
        lambda tensor: (open(marker, "w").close(), tensor)[1])(dense)
    keras.Model(latent, keras.layers.Reshape((16, 16, 1))(touched)).save(
        folder / "lambda.keras")
    pathlib.Path(marker).unlink(missing_ok=True)
    return folder


@pytest.mark.parametrize("command", ["sample", "evaluate"])
def test_a_keras_file_with_a_lambda_layer_is_refused(command,
                                                     lambda_generator,
                                                     bad_files, tmp_path,
                                                     capsys):
    """A .keras file holding Python code (a Lambda layer) is refused in
    one line by sample and evaluate, whose code is never run, even with
    Keras's unsafe deserialisation switched on elsewhere in the
    process."""
    import keras
    path = lambda_generator / "lambda.keras"
    argv = (["sample", "--generator", str(path), "--out",
             str(tmp_path / "drawn")] if command == "sample" else
            ["evaluate", "--dataset", "faces", "--faces",
             str(bad_files / "faces.npy"), "--model", str(path),
             "--samples", "10"])
    from keras.src.backend.common import global_state
    before = global_state.get_global_attribute("safe_mode_saving")
    keras.config.enable_unsafe_deserialization()
    try:
        line = fails(argv, capsys)
    finally:
        global_state.set_global_attribute("safe_mode_saving", before)
    flag = "--generator" if command == "sample" else "--model"
    assert (f"{flag}: {path} holds Python code (a Lambda layer or a lambda "
            "in its config), which is never run from a file") in line
    assert not (lambda_generator / "ran").exists()
    assert listing(tmp_path) == []


def test_no_loader_turns_keras_safe_mode_off():
    """Nowhere in the package is a .keras file loaded with safe_mode
    False, nor unsafe deserialisation switched on."""
    package = ROOT / "ganlab"
    for path in package.rglob("*.py"):
        text = path.read_text()
        assert "safe_mode=False" not in text.replace(" ", ""), path
        assert "enable_unsafe_deserialization" not in text, path
