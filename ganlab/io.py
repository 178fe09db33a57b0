#!/usr/bin/env python3
"""Files that are whole or absent: the one way ``ganlab`` writes a file.

Every writer in the package (pictures, GIFs, JSON, CSV logs, ``.keras``
models, weight files) goes through ``atomic_path``: the content is written
to a temporary file beside the target, named ``.partial-XXXX-NAME`` (so it
keeps the target's extensions, which Keras and Pillow read), and only a
complete file replaces the target, in one ``os.replace``. A crash, a kill
or an error leaves the previous file, or none, never half of one; the
temporary file is removed on an error, and ``remove_partials`` sweeps up
those a kill left behind.

A write the file system refuses for a reason only the user can fix (a
full disk or quota, a read-only or forbidden place) becomes
``WriteFailed``, whose message is one line naming the file: the command
line prints it instead of a traceback (``ganlab.cli``), and
``python -m ganlab train`` adds how to resume.
"""
import contextlib
import errno
import json
import os
import pathlib
import tempfile

PARTIAL_PREFIX = ".partial-"
# errno values of the writes that fail for want of room or of rights: no
# retry helps, and the user must free space or write elsewhere
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})
NOT_PERMITTED = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})
# what to do about each, at the end of the line
SPACE_HINT = "free some space, or write elsewhere"
RIGHTS_HINT = "choose a folder you may write in"


class WriteFailed(OSError):
    """A file could not be written: no space left, or not permitted.

    ``str()`` is the one line for the user, naming ``path``, the reason
    and what to do; ``errno`` is the system's code when there is one
    (TensorFlow's errors carry none).
    """

    def __init__(self, path, reason, code=None):
        """Remember the file, why it failed and the errno if known."""
        super().__init__(code, reason, str(path))
        self.path = pathlib.Path(path)
        self.reason = reason

    def __str__(self):
        """The one line: ``cannot write PATH: REASON``."""
        return f"cannot write {self.path}: {self.reason}"


def hint_for(reason):
    """Return what to do about a write refused for ``reason`` (lower-case
    text such as "no space left on device"), or None when it names
    neither want of room nor of rights."""
    room = ("no space", "quota", "disk full", "resource exhausted")
    rights = ("permission", "not permitted", "read-only")
    if any(word in reason for word in room):
        return SPACE_HINT
    if any(word in reason for word in rights):
        return RIGHTS_HINT
    return None


def write_failure(error, path):
    """Return the ``WriteFailed`` that ``error``, raised while writing
    ``path``, stands for, or None when it is no fault of room or rights
    (a bug, say, which keeps its traceback)."""
    if isinstance(error, WriteFailed):
        return error
    if not isinstance(error, OSError) or error.errno not in (
            NO_SPACE | NOT_PERMITTED):
        return None
    reason = (error.strerror or os.strerror(error.errno)).lower()
    hint = SPACE_HINT if error.errno in NO_SPACE else RIGHTS_HINT
    return WriteFailed(path, f"{reason} ({hint})", error.errno)


# TensorFlow's names for the errors its file writes raise, by class name
# (this module does without TensorFlow): ENOSPC and EDQUOT become
# ResourceExhaustedError, EACCES, EPERM and EROFS PermissionDeniedError,
# and some file systems' faults UnknownError.
TENSORFLOW_WRITE_ERRORS = {"ResourceExhaustedError": "no space left",
                           "PermissionDeniedError": "permission denied",
                           "UnknownError": None}


def tensorflow_write_failure(error, path):
    """Return the ``WriteFailed`` that ``error``, raised by TensorFlow
    (or Python) while writing ``path`` (a checkpoint, a ``tf.data``
    cache), stands for, or None when it is none of its write errors.

    The reason is the system's phrase when TensorFlow's message holds
    one ("No space left on device"), else what the error's class means,
    else its message's first line."""
    if isinstance(error, OSError):
        return write_failure(error, path)
    name = type(error).__name__
    if name not in TENSORFLOW_WRITE_ERRORS:
        return None
    message = first_line(error)
    reason = next((phrase for phrase in (
        "no space left on device", "disk quota exceeded",
        "read-only file system", "permission denied",
        "operation not permitted") if phrase in message.lower()), None)
    reason = reason or TENSORFLOW_WRITE_ERRORS[name] or message
    hint = hint_for(reason.lower())
    return WriteFailed(path, f"{reason} ({hint})" if hint else reason)


@contextlib.contextmanager
def writing(path):
    """Turn a write of ``path`` inside the block that fails for want of
    room or rights into ``WriteFailed`` naming ``path``; other errors
    go on as they are."""
    try:
        yield
    except OSError as error:
        failure = write_failure(error, path)
        if failure is None or failure is error:
            raise
        raise failure from error


def _default_permissions():
    """Return the mode a plain ``open`` would give a new file (0o666 less
    the umask): ``mkstemp`` makes its files private."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path to write ``path``'s content to.

    When the ``with`` block ends without an error, the temporary file
    replaces ``path``; on an error it is removed and the error goes on.
    The folder is created when missing. Yields a ``pathlib.Path``. A
    failure for want of room or rights, whether in making the folder or
    the temporary file, in the block or in the replacement, raises
    ``WriteFailed`` naming ``path``.
    """
    path = pathlib.Path(path)
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=PARTIAL_PREFIX, suffix="-" + path.name, dir=path.parent)
        os.close(handle)
        temporary = pathlib.Path(temporary)
        try:
            yield temporary
            os.chmod(temporary, _default_permissions())
            os.replace(temporary, path)
        except BaseException:
            # the unlink frees the room a full disk ran out of
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
            raise


def write_text(text, path):
    """Write ``text`` to ``path`` atomically; return ``path``."""
    with atomic_path(path) as temporary:
        temporary.write_text(text)
    return pathlib.Path(path)


def write_json(data, path):
    """Write ``data`` as indented JSON at ``path`` atomically; return
    ``path``.

    The text is made before any file is touched, so data that JSON cannot
    hold raises ``TypeError`` and leaves nothing behind.
    """
    return write_text(json.dumps(data, indent=2) + "\n", path)


def first_line(error, limit=200):
    """Return the first line of ``error``'s message, at most ``limit``
    characters (or its type's name when it says nothing), for a one-line
    message about a file that could not be read: the libraries that read
    them (TensorFlow, Keras, h5py) often raise messages of many lines."""
    return (str(error).strip().splitlines()
            or [type(error).__name__])[0][:limit]


def remove_partials(folder):
    """Delete the temporary files a killed writer left in ``folder``
    (not below it); return how many went."""
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        return 0
    stale = list(folder.glob(PARTIAL_PREFIX + "*"))
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def check_can_create(path, name):
    """Check, making nothing, that the file ``path`` could be created:
    the nearest folder above it that exists takes a file (a probe,
    removed at once). Raises ``ValueError`` naming ``name`` (a flag)
    when it cannot, or when that nearest existing path is a file."""
    folder = pathlib.Path(path).parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise ValueError(f"{name}: {folder} is a file, not a folder")
    return probe_writable(folder, name)


def probe_writable(folder, name):
    """Create and remove a file in the existing ``folder``; return it, or
    raise ``ValueError`` naming ``name`` (a flag) when that fails."""
    try:
        handle, probe = tempfile.mkstemp(prefix=PARTIAL_PREFIX, dir=folder)
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        raise ValueError(f"{name}: cannot write in {folder} "
                         f"({error.strerror or error})") from None
    return folder


def check_writable_folder(folder, name):
    """Make ``folder`` if needed and check a file can be written in it.

    Raises ``ValueError`` naming ``name`` (a flag, e.g. ``--out``) when
    ``folder`` is a file, or cannot be made or written to, so that a run
    learns of it before training rather than at its first save.
    """
    folder = pathlib.Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{name}: {folder} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"{name}: cannot write in {folder} "
                         f"({error.strerror or error})") from None
    return probe_writable(folder, name)
