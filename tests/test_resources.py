#!/usr/bin/env python3
"""``ganlab.resources`` and ``setup.py``: a wheel carries every lesson and
shipped file with honest checksums, an installed package reads them from
itself and says in one line when one is damaged, and a checkout reads
the root and ``data/``.

The wheel is built once here (a few seconds, no network: the build uses
this environment's setuptools) and unpacked into a folder that stands in
for site-packages; ``ganlab`` is then run from another folder, in
processes of its own, so that it is the unpacked one that is imported.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from ganlab import lessons, resources
from tests.helpers import ROOT


def sha256(path):
    """The SHA-256 of a file, in hexadecimal."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def repository_files():
    """``{path in the package: file}`` as the repository has them, listed
    here by hand of the folders rather than by ``files_to_ship``, so that
    a mistake there shows."""
    files = {f"_lessons/{name}.py": ROOT / f"{name}.py"
             for name in lessons.NAMES}
    for path in (ROOT / "data").rglob("*"):
        if path.is_file():
            files[f"_shipped/{path.relative_to(ROOT / 'data').as_posix()}"] \
                = path
    return files


def checkout_copy(folder):
    """Copy this checkout into ``folder`` without its build outputs: a
    build writes build/ in the tree it builds, and two test processes
    building one tree at once would race there."""
    return shutil.copytree(ROOT, folder, ignore=shutil.ignore_patterns(
        "build", "*.egg-info", "__pycache__", ".git", "outputs", "runs"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel built from (a copy of) this checkout, as pip builds
    it."""
    folder = tmp_path_factory.mktemp("dist")
    source = checkout_copy(tmp_path_factory.mktemp("source") / "checkout")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet",
                    "--no-deps", "--no-build-isolation", "-w", str(folder),
                    str(source)], check=True, timeout=300)
    [built] = folder.glob("ganlab-*.whl")
    return built


@pytest.fixture
def installed(wheel, tmp_path):
    """The wheel unpacked into a fresh folder, as pip installs it: the
    folder that holds ``ganlab``."""
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def ganlab_in(site, code, cwd):
    """Run Python ``code`` with ``site`` first on the path, from ``cwd``;
    return the finished process."""
    environment = dict(os.environ, PYTHONPATH=str(site),
                       TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, "-c", code], cwd=cwd,
                          env=environment, capture_output=True, text=True,
                          timeout=300)


def test_the_wheel_carries_every_lesson_and_shipped_file(wheel):
    """Each lesson, each file of data/ and each module is in the wheel,
    and the manifest holds the SHA-256 of the repository's files."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("ganlab/_manifest.json"))
    expected = repository_files()
    assert len(expected) >= len(lessons.NAMES) + 8
    missing = [name for name in expected if f"ganlab/{name}" not in names]
    assert not missing, f"missing from {wheel.name}: {missing}"
    modules = {f"ganlab/{path.relative_to(ROOT / 'ganlab').as_posix()}"
               for path in (ROOT / "ganlab").rglob("*.py")}
    assert modules <= names, modules - names
    assert manifest["sha256"] == {name: sha256(path)
                                  for name, path in expected.items()}


def test_the_lesson_pattern_finds_exactly_the_lessons():
    """What the build ships as lessons is what ``lessons.load`` knows."""
    shipped = resources.files_to_ship(ROOT)
    assert sorted(name for name in shipped if name.startswith("_lessons/")
                  ) == [f"_lessons/{name}.py" for name in lessons.NAMES]
    assert shipped == repository_files()


def test_a_checkout_reads_the_root_and_data(tmp_path, monkeypatch):
    """In the checkout nothing is copied: lessons at the root, shipped
    files in data/, found from any folder by the name the docs use."""
    assert not resources.INSTALLED
    assert lessons.ROOT == ROOT and lessons.SHIPPED == ROOT / "data"
    monkeypatch.chdir(tmp_path)
    name = "data/progan_emoji64_generator.keras"
    assert resources.shipped_or_given(name) == ROOT / name
    assert resources.shipped_or_given("data/none.keras").as_posix() == \
        "data/none.keras"
    assert resources.verified(ROOT / name) == ROOT / name


def test_the_installed_package_reads_and_checks_its_own_files(installed,
                                                              tmp_path):
    """Unpacked outside the checkout, ganlab loads a lesson and finds the
    shipped files inside itself, each matching its checksum."""
    done = ganlab_in(installed, """if True:
        import ganlab
        from ganlab import lessons, resources
        print(ganlab.__file__)
        print(lessons.load("2-wgan_gp").__file__)
        print(resources.shipped_or_given("data/faces_mean_face.npy"))
        for name in resources.manifest():
            resources.verified(resources.PACKAGE / name)
        print(len(resources.manifest()))""", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    package = installed / "ganlab"
    assert done.stdout.split("\n")[:4] == [
        str(package / "__init__.py"), str(package / "_lessons/2-wgan_gp.py"),
        str(package / "_shipped/faces_mean_face.npy"),
        str(len(repository_files()))]


def test_a_damaged_install_says_which_file_in_one_line(installed,
                                                       tmp_path):
    """A changed shipped file and a missing lesson each stop ganlab with
    one line naming the file; the command exits 1, without traceback."""
    package = installed / "ganlab"
    generator = package / "_shipped/progan_emoji64_generator.keras"
    generator.write_bytes(generator.read_bytes()[:1000])
    done = ganlab_in(installed, """if True:
        from ganlab import cli
        cli.main(["sample", "--generator",
                  "data/progan_emoji64_generator.keras"])""", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("python -m ganlab sample: ganlab's "
                                  "installation is damaged: ")
    assert f"{generator} is not the file built" in done.stderr
    assert not (tmp_path / "samples").exists()

    (package / "_lessons/2-wgan_gp.py").unlink()
    done = ganlab_in(installed, """if True:
        from ganlab import lessons
        lessons.load("2-wgan_gp")""", cwd=tmp_path)
    assert done.returncode == 1
    assert (f"DamagedInstall: ganlab's installation is damaged: "
            f"{package / '_lessons/2-wgan_gp.py'} is missing") in done.stderr


def test_a_build_ships_no_file_the_repository_no_longer_has(tmp_path):
    """A file left in build/ by an earlier build is not shipped by the
    next: the build clears the folders it copies into."""
    copy = checkout_copy(tmp_path / "checkout")
    stale = copy / "build/lib/ganlab/_shipped/removed.h5"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"gone")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet",
                    "--no-deps", "--no-build-isolation", "-w",
                    str(tmp_path / "dist"), str(copy)], check=True,
                   timeout=300)
    [built] = (tmp_path / "dist").glob("ganlab-*.whl")
    with zipfile.ZipFile(built) as archive:
        assert "ganlab/_shipped/removed.h5" not in archive.namelist()


def test_an_installed_package_writes_no_shipped_file(installed, tmp_path):
    """``train-features`` without ``--out`` would write into data/; an
    installed package has none to write to, and says so at once."""
    done = ganlab_in(installed, """if True:
        from ganlab import cli
        cli.main(["train-features", "--dataset", "emoji"])""", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == ("python -m ganlab train-features: error: --out: "
                           "give the file to write; the default, data/, is "
                           "a checkout's and this ganlab is installed\n")
