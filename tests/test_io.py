#!/usr/bin/env python3
"""``ganlab.io``: every file the package writes is whole or absent."""
import json
import os

import pytest

from ganlab import io


def test_a_finished_write_replaces_the_file_with_default_permissions(
        tmp_path):
    """The new content arrives in one step, readable as a plain file is."""
    target = tmp_path / "deep" / "scores.json"
    io.write_json({"old": 1}, target)
    io.write_json({"new": 2}, target)
    assert json.loads(target.read_text()) == {"new": 2}
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert sorted(path.name for path in target.parent.iterdir()) == [
        "scores.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_partial(tmp_path):
    """An error inside the block: the previous file stays, the temporary
    goes."""
    target = tmp_path / "model.keras"
    target.write_text("previous")
    with pytest.raises(RuntimeError, match="killed"):
        with io.atomic_path(target) as temporary:
            assert temporary.name.endswith("-model.keras")
            temporary.write_text("half of a new")
            raise RuntimeError("killed")
    assert target.read_text() == "previous"
    assert list(tmp_path.iterdir()) == [target]


def test_data_json_cannot_hold_touches_no_file(tmp_path):
    """JSON is made before any file is opened."""
    with pytest.raises(TypeError):
        io.write_json({"value": object()}, tmp_path / "bad.json")
    assert list(tmp_path.iterdir()) == []


def test_partials_left_by_a_kill_are_swept(tmp_path):
    """Only the writer's own temporaries go, not other files."""
    (tmp_path / ".partial-abc123-grid.png").write_bytes(b"half")
    (tmp_path / "grid.png").write_bytes(b"whole")
    assert io.remove_partials(tmp_path) == 1
    assert io.remove_partials(tmp_path / "missing") == 0
    assert [path.name for path in tmp_path.iterdir()] == ["grid.png"]


def test_unwritable_folders_are_named(tmp_path):
    """A file where a folder should be, or a place no one can write
    (``/proc`` refuses even root), raise ValueError naming the flag."""
    (tmp_path / "a_file").write_text("")
    with pytest.raises(ValueError, match="--out: .* is a file"):
        io.check_writable_folder(tmp_path / "a_file", "--out")
    with pytest.raises(ValueError, match="--out: cannot write in"):
        io.check_writable_folder("/proc/ganlab-nowhere", "--out")
    made = io.check_writable_folder(tmp_path / "new" / "run", "--out")
    assert made.is_dir() and list(made.iterdir()) == []
