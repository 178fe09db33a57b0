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
