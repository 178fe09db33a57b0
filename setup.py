#!/usr/bin/env python3
"""The build step that makes a wheel of ganlab whole; the metadata is in
``pyproject.toml``.

ganlab runs the numbered lessons at the repository root and loads the
weights in ``data/``. They stay there, one copy each; when a wheel is
built (``pip wheel .``, ``pip install .``), ``build_py`` copies them into
the built package (``ganlab/_lessons``, ``ganlab/_shipped``) and records
their SHA-256 in ``ganlab/_manifest.json`` (``ganlab.resources`` says
why and how they are found). An editable install (``pip install -e .``)
copies nothing: it reads them from the checkout.
"""
import importlib.util
import pathlib
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = pathlib.Path(__file__).resolve().parent


def load_resources():
    """Return ``ganlab/resources.py`` loaded by path: importing ``ganlab``
    here would need its dependencies before they are installed."""
    spec = importlib.util.spec_from_file_location(
        "ganlab_resources_for_build", HERE / "ganlab" / "resources.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class build_py_with_lessons(build_py):
    """``build_py`` that also copies the lessons and ``data/`` into the
    built package and writes their checksum manifest."""

    def run(self):
        """Build the package, then add the shipped files to it."""
        super().run()
        if self.editable_mode:
            return
        resources = load_resources()
        package = pathlib.Path(self.build_lib) / "ganlab"
        # a file since removed from the repository, left in build/ by an
        # earlier build, must not ship
        for folder in (resources.LESSONS_FOLDER, resources.SHIPPED_FOLDER):
            shutil.rmtree(package / folder, ignore_errors=True)
        shipped = resources.files_to_ship(HERE)
        for name, source in shipped.items():
            target = package / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        resources.write_manifest(package, shipped)

    def get_outputs(self, include_bytecode=1):
        """The files ``run`` writes, so that installs record them."""
        outputs = super().get_outputs(include_bytecode)
        if self.editable_mode:
            return outputs
        resources = load_resources()
        package = pathlib.Path(self.build_lib) / "ganlab"
        return outputs + [str(package / name) for name in
                          [*resources.files_to_ship(HERE),
                           resources.MANIFEST]]


setup(cmdclass={"build_py": build_py_with_lessons})
