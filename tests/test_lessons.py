#!/usr/bin/env python3
"""``ganlab.lessons``: the one loader of the numbered files, and the
house rules it makes possible (no ``sys.path`` edits, no demo module in
the package)."""
import re

import pytest

from ganlab import lessons
from tests.helpers import ROOT


def test_a_lesson_is_the_module_the_curriculum_imports():
    """``lessons.load`` and ``__import__`` give one module, loaded once."""
    loaded = lessons.load("2-wgan_gp")
    assert loaded is __import__('2-wgan_gp')
    assert loaded is lessons.load("2-wgan_gp")
    assert loaded.__file__ == str(ROOT / "2-wgan_gp.py")


def test_an_unknown_lesson_is_named():
    """A name that is no lesson lists the lessons."""
    with pytest.raises(ValueError, match="0-simple_gan, 1-wgan_clip"):
        lessons.load("6-nothing")


def python_files(*folders):
    """Yield the Python files of the repository's ``folders``."""
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


def test_no_script_or_test_edits_sys_path():
    """The package is installed (pip install -e .) and pytest.ini names
    the root; nothing inserts itself on the path."""
    edit = "sys.path." + "insert"  # spelt so that this file passes too
    for path in python_files("ganlab", "main", "benchmarks", "tests"):
        assert edit not in path.read_text(), path


def test_only_lessons_loads_the_numbered_files():
    """Package, demos and benchmarks load lessons through
    ``ganlab.lessons``; only tests import them as a grader does."""
    numbered = re.compile(r"__import__\(\s*['\"]\d-")
    for path in python_files("ganlab", "main", "benchmarks"):
        if path.name != "lessons.py":
            assert not numbered.search(path.read_text()), path


def test_the_package_never_imports_the_demo_helpers():
    """``ganlab.demo`` serves ``main/``; the package does not lean on it."""
    demo = re.compile(r"from ganlab import [^\n]*\bdemo\b|ganlab\.demo\b"
                      r"|from ganlab\.demo import")
    for path in python_files("ganlab"):
        if path.name not in ("demo.py", "__init__.py"):
            assert not demo.search(path.read_text()), path
