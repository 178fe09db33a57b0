#!/usr/bin/env python3
"""``python -m ganlab train-features``: the one command that trains the
feature networks ``evaluate`` judges with."""
import subprocess
import sys

import numpy as np
import pytest

from ganlab import cli
from ganlab.evaluation.features import FaceFeatures, file_checksum
from tests.helpers import ROOT, fails, save_random_pixels


@pytest.fixture
def faces_file(tmp_path):
    """1,100 random 16x16 faces: 100 to train on, 1,000 held out."""
    return save_random_pixels(tmp_path / "faces.npy", (1100, 16, 16))


def test_faces_write_weights_the_extractor_loads(faces_file, tmp_path,
                                                 capsys):
    """One epoch on the 100 training faces writes a weights file (and
    nothing else) that ``FaceFeatures`` loads, with its checksum."""
    out = tmp_path / "features" / "faces.weights.h5"
    written = cli.main(["train-features", "--dataset", "faces", "--faces",
                        str(faces_file), "--epochs", "1", "--out", str(out)])
    assert written == out
    assert sorted(path.name for path in out.parent.iterdir()) == [
        "faces.weights.h5"]
    features = FaceFeatures(out)
    assert features.checksum == file_checksum(out)
    assert features(np.zeros((3, 16, 16))).shape == (3, 32)
    assert f"sha256 {file_checksum(out)}" in capsys.readouterr().out


@pytest.mark.parametrize("flags, message", [
    (["--dataset", "faces"], "--dataset faces needs --faces"),
    (["--dataset", "faces", "--faces", "{d}/none.npy"],
     "--faces: faces file"),
    (["--dataset", "faces", "--faces", "{f}", "--holdout", "1100"],
     "--holdout: a hold-out of 1100 faces must leave faces"),
    (["--dataset", "faces", "--faces", "{f}", "--epochs", "0"],
     "--epochs must be at least 1; got 0"),
    (["--dataset", "faces", "--faces", "{f}", "--out", "{d}/w.h5"],
     "--out must end in .weights.h5"),
    (["--dataset", "faces", "--faces", "{f}", "--out",
      "{f}/w.weights.h5"], "is a file, not a folder"),
    (["--dataset", "fashion-mnist", "--faces", "{f}"],
     "--faces goes with --dataset faces"),
    (["--dataset", "fashion-mnist", "--holdout", "10"],
     "--holdout goes with --dataset faces"),
    (["--dataset", "emoji", "--faces", "{f}"],
     "--faces goes with --dataset faces"),
    (["--dataset", "emoji", "--epochs", "0"],
     "--epochs must be at least 1; got 0"),
    (["--dataset", "emoji", "--out", "{d}/w.h5"],
     "--out must end in .weights.h5"),
    (["--dataset", "cifar10"], "invalid choice: 'cifar10'"),
])
def test_bad_flags_exit_with_code_2(flags, message, faces_file, tmp_path,
                                    capsys):
    """One line naming the flag, exit code 2, and no file written."""
    flags = [flag.format(d=tmp_path, f=faces_file) for flag in flags]
    before = sorted(tmp_path.rglob("*"))
    assert message in fails(["train-features"] + flags, capsys)
    assert sorted(tmp_path.rglob("*")) == before


def test_the_real_command_refuses_before_tensorflow_starts():
    """As a user runs it, the error is the only line: TensorFlow, which
    logs as it starts, never started."""
    done = subprocess.run([sys.executable, "-m", "ganlab", "train-features",
                           "--dataset", "faces"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert "--dataset faces needs --faces" in done.stderr
