#!/usr/bin/env python3
"""What a checkpoint folder holds, read from its files without TensorFlow.

``ganlab.training.checkpoints`` saves and restores with
``tf.train.CheckpointManager``; the command line must know, before TensorFlow
starts (so that a refusal is one line, not one after TensorFlow's start-up
logging), whether ``--out`` already holds checkpoints, and must clean up what a
killed save left. The files themselves are the truth here, not the manager's
list, which can be empty, garbled or name checkpoints since deleted.
"""
import pathlib
import re
import shutil

from ganlab import io

# ``tf.train.CheckpointManager`` names checkpoint N ``ckpt-N``: its data
# files and, written once they are complete, ``ckpt-N.index``.
INDEX_FILE = re.compile(r"ckpt-(\d+)\.index")
LIST_FILE = "checkpoint"


def saved_numbers(directory):
    """Return the numbers N of the checkpoints in ``directory`` (those with
    a ``ckpt-N.index`` file), oldest first; [] when there is no folder.

    The manager's own list (the ``checkpoint`` file) is not trusted: it
    can be empty, garbled, or name checkpoints since deleted.
    """
    directory = pathlib.Path(directory)
    if not directory.is_dir():
        return []
    return sorted(int(found.group(1)) for found in map(
        INDEX_FILE.fullmatch, (path.name for path in directory.iterdir()))
        if found)


def remove_temporaries(directory):
    """Delete what saves killed halfway left in ``directory`` and return
    how many went: TensorFlow's ``ckpt-N_temp/`` folders of shards, its
    ``checkpoint.tmp*`` copies of the list, and ``ganlab.io`` partial
    files."""
    directory = pathlib.Path(directory)
    if not directory.is_dir():
        return 0
    stale = ([path for path in directory.glob("ckpt-*_temp")
              if path.is_dir()]
             + list(directory.glob(LIST_FILE + ".tmp*")))
    for path in stale:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return len(stale) + io.remove_partials(directory)


def write_checkpoint_list(directory):
    """Make ``directory/checkpoint`` name the checkpoints that are there.

    ``tf.train.CheckpointManager`` reads that list to know which
    checkpoints to rotate away and which is the latest: one naming
    deleted or damaged checkpoints would hide the older intact ones (a
    resumed run would start again at epoch 0 and rotate them away), one
    missing a checkpoint would keep it forever. The list is left alone
    when it already names exactly the checkpoints present, and removed
    when there are none.
    """
    directory = pathlib.Path(directory)
    numbers = saved_numbers(directory)
    listing = directory / LIST_FILE
    names = [f"ckpt-{number}" for number in numbers]
    try:
        text = listing.read_text()
    except (OSError, UnicodeDecodeError):
        text = ""
    listed = re.findall(r'^all_model_checkpoint_paths: "([^"]*)"$', text,
                        re.MULTILINE)
    latest = re.findall(r'^model_checkpoint_path: "([^"]*)"$', text,
                        re.MULTILINE)
    if listed == names and latest == names[-1:]:
        return
    if not numbers:
        listing.unlink(missing_ok=True)
        return
    times = [(directory / f"{name}.index").stat().st_mtime
             for name in names]
    lines = ([f'model_checkpoint_path: "{names[-1]}"']
             + [f'all_model_checkpoint_paths: "{name}"' for name in names]
             + [f"all_model_checkpoint_timestamps: {time!r}"
                for time in times]
             # the manager rotates only checkpoints younger than this
             + [f"last_preserved_timestamp: {min(times) - 1!r}"])
    io.write_text("\n".join(lines) + "\n", listing)
