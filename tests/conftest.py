#!/usr/bin/env python3
"""Fixtures every test folder shares; the plain helpers are in
``tests/helpers.py``, which the tests import as ``tests.helpers``.

``pytest.ini`` puts the repository root on the path (``pythonpath``), so
that ``__import__('0-simple_gan')`` works as it does for a learner or a
grader at the root, and ``tests`` is a package there; ``ganlab`` itself
is installed (``python -m pip install -e .``), and the benchmark scripts
are imported from ``benchmarks/``, also on that path.
"""
import numpy as np
import pytest

from tests.helpers import GAN_MODULES, load_gan_class


@pytest.fixture(scope="module")
def faces_file(tmp_path_factory):
    """A curriculum-shaped faces file of 1,300 random faces (uint8,
    16x16), for commands that read the curriculum's file."""
    path = tmp_path_factory.mktemp("faces") / "faces.npy"
    rng = np.random.default_rng(0)
    np.save(path, rng.integers(0, 256, (1300, 16, 16), np.uint8))
    return path


@pytest.fixture(params=sorted(GAN_MODULES))
def gan_class(request):
    """Each of the three classic GAN classes in turn."""
    return load_gan_class(request.param)


@pytest.fixture
def seeded():
    """Seed Python, NumPy and TensorFlow so a test draws the same numbers."""
    import keras
    keras.utils.set_random_seed(1234)
