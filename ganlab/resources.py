#!/usr/bin/env python3
"""Where ganlab finds its lessons and shipped files, and the checksums
that vouch for them.

The repository holds one copy of each: the numbered lessons at its root
(``0-simple_gan.py`` ...), where the curriculum's graders and learners
read them, and the shipped weights and feature networks in ``data/``.
A checkout (or an editable install of one) reads them there.

A wheel (``pip wheel .``, ``pip install .``) has no checkout beside it,
so the build copies them into the package (``setup.py`` calls
``files_to_ship`` and ``write_manifest``):

    ganlab/_lessons/0-simple_gan.py ...   the lessons
    ganlab/_shipped/...                   everything in data/
    ganlab/_manifest.json                 SHA-256 of each of those files

The manifest is written at build time from the files themselves, so it
cannot drift from them and a new file in ``data/`` ships, listed, with
no hand edit. Its presence is what marks an installed package: the
lessons and shipped files are then read from the package, and each is
checked against its checksum the first time it is loaded (``verified``);
a missing or changed file (a damaged or partial install) raises
``DamagedInstall``, one line naming the file, which the command line
prints as it is.

This module imports only the standard library: ``setup.py`` loads it by
path, before ganlab's dependencies are installed.
"""
import hashlib
import json
import pathlib

LESSON_PATTERN = "[0-9]-*.py"
LESSONS_FOLDER = "_lessons"
SHIPPED_FOLDER = "_shipped"
MANIFEST = "_manifest.json"
REINSTALL = ("reinstall it: python -m pip install --force-reinstall "
             "WHEEL_OR_CHECKOUT")

# the folder importlib.resources.files("ganlab") gives for any pip
# install; taken from __file__ so that setup.py can load this module by
# path without importing a ganlab (perhaps another checkout's)
PACKAGE = pathlib.Path(__file__).resolve().parent
INSTALLED = (PACKAGE / MANIFEST).is_file()
CHECKOUT = PACKAGE.parent
LESSONS = PACKAGE / LESSONS_FOLDER if INSTALLED else CHECKOUT
SHIPPED = PACKAGE / SHIPPED_FOLDER if INSTALLED else CHECKOUT / "data"


class DamagedInstall(OSError):
    """An installed package file is missing or not the one built."""


def sha256_of(path):
    """Return the SHA-256 of the file at ``path``, in hexadecimal."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def files_to_ship(checkout):
    """Return ``{path inside the package: source file}`` for the lessons
    and every file of ``data/`` in ``checkout`` (hidden ones aside).

    By pattern, not by list: a lesson or a shipped file added to the
    repository ships without an edit here.
    """
    checkout = pathlib.Path(checkout)
    files = {f"{LESSONS_FOLDER}/{path.name}": path
             for path in sorted(checkout.glob(LESSON_PATTERN))}
    data = checkout / "data"
    for path in sorted(data.rglob("*")):
        relative = path.relative_to(data)
        if path.is_file() and not any(part.startswith(".")
                                      for part in relative.parts):
            files[f"{SHIPPED_FOLDER}/{relative.as_posix()}"] = path
    return files


def write_manifest(package, names):
    """Write ``package/_manifest.json``: the SHA-256 of each file
    ``names`` lists (paths inside ``package``, already there)."""
    package = pathlib.Path(package)
    checksums = {name: sha256_of(package / name) for name in sorted(names)}
    (package / MANIFEST).write_text(
        json.dumps({"sha256": checksums}, indent=1) + "\n")


def manifest():
    """Return ``{path inside the package: SHA-256}`` of an installed
    package; empty in a checkout."""
    if not INSTALLED:
        return {}
    if not _manifest:
        try:
            _manifest.update(json.loads(
                (PACKAGE / MANIFEST).read_text())["sha256"])
        except (OSError, ValueError, KeyError, TypeError):
            raise DamagedInstall(f"ganlab's installation is damaged: "
                                 f"{PACKAGE / MANIFEST} is unreadable; "
                                 f"{REINSTALL}") from None
    return _manifest


# the manifest, read once; path inside the package -> True once its
# checksum matched
_manifest = {}
_checked = {}


def verified(path):
    """Return ``path``; when it is one of an installed package's files,
    first check it against the manifest (once per process).

    Raises ``DamagedInstall`` naming the file when it is missing or its
    checksum differs. Files elsewhere (a checkout, a user's own weights)
    are returned unchecked.
    """
    path = pathlib.Path(path)
    if not INSTALLED:
        return path
    try:
        name = path.resolve().relative_to(PACKAGE.resolve()).as_posix()
    except ValueError:
        return path
    expected = manifest().get(name)
    if expected is None or _checked.get(name):
        return path
    if not path.is_file():
        raise DamagedInstall(f"ganlab's installation is damaged: {path} is "
                             f"missing; {REINSTALL}")
    if sha256_of(path) != expected:
        raise DamagedInstall(f"ganlab's installation is damaged: {path} is "
                             f"not the file built (its SHA-256 differs from "
                             f"{MANIFEST}'s); {REINSTALL}")
    _checked[name] = True
    return path


def shipped_or_given(text):
    """Return the path a user named on the command line: ``text`` itself
    when it exists, else the shipped file it names as the documentation
    does (``data/NAME``), else ``text`` (for the caller's own error).

    So ``--generator data/progan_emoji64_generator.keras`` works in a
    checkout and from an installed package alike.
    """
    path = pathlib.Path(text)
    if path.exists() or len(path.parts) < 2 or path.parts[0] != "data":
        return path
    inside = pathlib.PurePosixPath(*path.parts[1:])
    shipped = SHIPPED / inside
    # listed but absent: returned, so that loading it says the install is
    # damaged rather than that the user mistyped
    listed = f"{SHIPPED_FOLDER}/{inside}" in manifest()
    return shipped if shipped.is_file() or listed else path
