#!/usr/bin/env python3
"""What goes wrong around a run's checkpoints, and what a run then does.

Damaged or deleted checkpoints, the leftovers of a kill during a save,
runs that must not be overwritten, folders that cannot be written, starts
that fail halfway, a blow-up the GAN doctor stops, and the GIF of a
resumed run. Runs go through ``python -m ganlab train`` in this process,
on 64 tiny images for a few steps (the same faults met by the library
alone are in ``test_resume.py``).
"""
import pathlib
import shutil

import numpy as np
import pytest
from PIL import Image

from conftest import fails
from ganlab import cli
from ganlab.training.checkpoint_folder import saved_numbers


@pytest.fixture
def digits(tmp_path):
    """A .npy of 64 random uint8 8x8 'digits'."""
    path = tmp_path / "digits.npy"
    np.save(path, np.random.default_rng(0).integers(
        0, 256, (64, 8, 8), dtype=np.uint8))
    return path


@pytest.fixture(scope="module")
def two_epochs(tmp_path_factory):
    """``(digits, run)``: a finished two-epoch run on its own digits, made
    once for the tests below that damage a copy of it and resume."""
    folder = tmp_path_factory.mktemp("two_epochs")
    path = folder / "digits.npy"
    np.save(path, np.random.default_rng(0).integers(
        0, 256, (64, 8, 8), dtype=np.uint8))
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
