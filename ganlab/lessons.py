#!/usr/bin/env python3
"""The one place that loads the numbered lessons (``0-simple_gan.py`` ...).

The lessons sit at the root of the checkout, beside the ``ganlab`` folder,
under file names that are no module names; a learner loads them the
curriculum's way, ``__import__('2-wgan_gp')``, from that root. The package,
the demos and the benchmarks load them here instead, by file path, so
they work from any folder and no one edits ``sys.path``:

    WGAN_GP = lessons.load("2-wgan_gp").WGAN_GP

Each lesson is loaded once and kept in ``sys.modules`` under its own file
name, so ``lessons.load("4-progan")`` and ``__import__('4-progan')`` give
the same module (and Keras knows its saved classes once).

``ROOT`` is the folder the lessons are loaded from: the checkout, or the
installed package's copy of them (``ganlab/_lessons``); ``SHIPPED`` the
folder of the pretrained weights the package loads at run time: the
checkout's ``data/`` (``data/README.md``), or the package's copy
(``ganlab/_shipped``). ``ganlab.resources`` says which, and checks an
installed lesson's checksum before it runs.
"""
import importlib.util
import sys

from ganlab import resources

ROOT = resources.LESSONS
SHIPPED = resources.SHIPPED
NAMES = ("0-simple_gan", "1-wgan_clip", "2-wgan_gp", "3-generate_faces",
         "4-progan", "5-dcgan_cifar")


def load(name):
    """Return the lesson module ``name`` (``"0-simple_gan"`` ...), loaded
    from ``ROOT / (name + ".py")`` the first time and cached after."""
    if name not in NAMES:
        raise ValueError(f"no lesson {name!r}: the lessons are "
                         f"{', '.join(NAMES)}")
    if name in sys.modules:
        return sys.modules[name]
    path = resources.verified(ROOT / f"{name}.py")
    if not path.is_file():
        raise FileNotFoundError(
            f"lesson {path} not found: ganlab loads its lessons from its "
            "checkout, or from the package a wheel installs; "
            f"{resources.REINSTALL}")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
