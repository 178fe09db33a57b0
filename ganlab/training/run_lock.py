#!/usr/bin/env python3
"""One run at a time in a run folder: the lock ``python -m ganlab train``
holds on ``--out`` for its whole life.

Two runs writing the same folder would interleave their checkpoints and
logs, and both report success while one's results are gone. The lock is
``fcntl.flock`` on ``--out/run.lock``, an advisory lock the kernel
releases when its process ends however it ends (``kill -9`` included),
so a lock left by a killed run is never mistaken for a live one: the
file is stale as soon as its process is gone, and the next run takes it
over. The file's text names the holder (process id, host, start time)
for the line that refuses a second run; the lock itself is the truth,
not the text. A lock taken over from a run that died says so in one
line (which process, on which host, started when).

A file lock is not seen across machines on every shared file system
(NFS without lock support): runs that share ``--out`` from several
hosts should use separate folders.
"""
import contextlib
import datetime
import fcntl
import json
import os
import pathlib
import socket

LOCK_FILE = "run.lock"


class FolderLocked(ValueError):
    """Raised when another live process holds the folder's lock; its
    message is the one line to show."""


def holder_text(text):
    """Return who a lock file's ``text`` names, in words: ``process 123
    on host, started 2026-01-01 10:00:00``, or ``another process`` when
    the text is missing or garbled (a holder killed while writing it)."""
    try:
        holder = json.loads(text)
        return (f"process {int(holder['pid'])} on {holder['host']}, "
                f"started {holder['started']}")
    except (ValueError, TypeError, KeyError):
        return "another process"


class RunLock:
    """The lock on one run folder; ``acquire`` takes it, ``release``
    gives it back and removes the file. Use it as a context manager."""

    def __init__(self, folder):
        """Lock ``folder`` (made when missing, on ``acquire``)."""
        self.folder = pathlib.Path(folder)
        self.path = self.folder / LOCK_FILE
        self.handle = None
        self.taken_over = None

    def acquire(self):
        """Take the lock, or raise ``FolderLocked`` naming the folder and
        the live holder. Returns self. A lock file whose process has
        ended is taken over; ``taken_over`` then names who held it.

        The file is opened, then locked, then checked to still be the
        file at ``path``: a holder that released (and removed) it in
        between would leave us locking a file no one else sees, so the
        lock is tried again on the new one.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        while True:
            text = ""
            handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                with contextlib.suppress(OSError):
                    text = os.pread(handle, 4096, 0).decode(errors="replace")
                os.close(handle)
                raise FolderLocked(
                    f"--out: {self.folder} is in use by another run "
                    f"({holder_text(text)}); wait for it to end, or choose "
                    "another --out") from None
            try:
                same = os.fstat(handle).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(handle)
        previous = os.pread(handle, 4096, 0).decode(errors="replace")
        if previous.strip():
            self.taken_over = holder_text(previous)
        record = json.dumps({
            "pid": os.getpid(), "host": socket.gethostname(),
            "started": datetime.datetime.now().isoformat(
                sep=" ", timespec="seconds")}) + "\n"
        os.ftruncate(handle, 0)
        os.pwrite(handle, record.encode(), 0)
        self.handle = handle
        return self

    def release(self):
        """Remove the lock file and give the lock back (removed while
        still held, so that no other process can lock the old file
        after we let go of it)."""
        if self.handle is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(self.handle)
        self.handle = None

    def __enter__(self):
        """Take the lock (``acquire``)."""
        return self.acquire()

    def __exit__(self, *exception):
        """Give the lock back (``release``)."""
        self.release()
