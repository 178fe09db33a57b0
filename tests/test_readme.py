#!/usr/bin/env python3
"""The README's promises: CI runs its test command, its demos exist."""
import re

from conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_ci_runs_the_readme_test_command():
    """.ci/run executes exactly the command the README gives for tests."""
    command = "python -m pip install -e . -r requirements-dev.txt && " \
              "python -m pytest -q"
    assert f"    {command}\n" in README
    ci_script = (ROOT / ".ci" / "run").read_text()
    assert f"\n{command}\n" in ci_script


def test_every_script_and_picture_the_readme_names_exists():
    """Demo scripts and pictures referenced by the README are present."""
    for script in set(re.findall(r"python (main/\d-main\.py)", README)):
        assert (ROOT / script).is_file(), script
    for picture in re.findall(r"\]\((docs/images/[^)]+)\)", README):
        assert (ROOT / picture).is_file(), picture


def layout_section():
    """The indented tree of README's "Layout" section."""
    return README.split("## Layout\n", 1)[1].split("\n## ", 1)[0]


def test_layout_names_every_module_of_the_package():
    """README's "Layout" tree and ``ganlab/`` hold the same modules: each
    module of the package is named under its folder, and each name in
    the tree exists (``__init__.py`` files are left out)."""
    named, folder = set(), None
    for line in layout_section().splitlines():
        words = line.split()
        depth = len(line) - len(line.lstrip())
        if not words or depth not in (6, 8):
            continue
        if depth == 6:
            folder = words[0] if words[0].endswith("/") else None
        # the leading names of a line: "cli.py, __main__.py  what ..."
        names = []
        for word in words:
            if not word.rstrip(",").endswith(".py"):
                break
            names.append(word.rstrip(","))
        named.update(f"{folder}{name}" if depth == 8 else name
                     for name in names)
    package = {str(path.relative_to(ROOT / "ganlab")) for path in
               (ROOT / "ganlab").rglob("*.py")
               if path.name != "__init__.py"}
    assert named == package, (sorted(package - named),
                              sorted(named - package))
