#!/usr/bin/env python3
"""Reading pickles without running what they say: a restricted unpickler.

A pickle is a program: each global it names is imported and called while
it loads, so ``pickle.load`` on a file from elsewhere (a downloaded
``cifar-10-batches-py`` folder, a model file) runs whatever code its
author chose (``os.system`` through ``__reduce__``, say). ``load`` here
admits only the globals a file of arrays needs and refuses any other in
one ``ValueError`` naming the file and the global, before calling
anything: plain containers and numbers need no global at all; NumPy
arrays need the functions that rebuild them (``_reconstruct`` for
protocols 2-4, ``_frombuffer`` for 5, under NumPy 1's ``numpy.core`` or
NumPy 2's ``numpy._core`` name), ``scalar`` for NumPy numbers (labels
kept as ``np.int64``), ``numpy.ndarray`` and ``numpy.dtype``;
bytes pickled by Python 3 at protocol 2 need ``_codecs.encode``.
"""
import pickle

# (module, name) -> the object that stands for it; nothing else is
# imported, whatever the file asks for
ARRAY_GLOBALS = (
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),
)


def resolve(module, name):
    """Return the object ``module.name`` of ``ARRAY_GLOBALS`` (NumPy 2
    keeps NumPy 1's ``numpy.core`` names as aliases of ``numpy._core``)."""
    import importlib
    for candidate in (module, module.replace("numpy.core", "numpy._core"),
                      module.replace("numpy._core", "numpy.core")):
        try:
            return getattr(importlib.import_module(candidate), name)
        except (ImportError, AttributeError):
            continue
    raise pickle.UnpicklingError(f"{module}.{name} is not available")


class ArrayUnpickler(pickle.Unpickler):
    """An unpickler that finds only the globals of ``ARRAY_GLOBALS``."""

    def find_class(self, module, name):
        """Return an admitted global; refuse any other."""
        if (module, name) in ARRAY_GLOBALS:
            return resolve(module, name)
        raise pickle.UnpicklingError(
            f"it names {module}.{name}, which a file of arrays never needs "
            "(refused: loading it could run code)")


def load(path, encoding="bytes"):
    """Return what the pickle file at ``path`` holds, read with
    ``ArrayUnpickler`` (``encoding``: how Python 2 strings are read).

    Raises ``ValueError`` saying why (the caller names the file) when
    it names any other global, or is truncated or no pickle; ``OSError``
    when it cannot be opened.
    """
    with open(path, "rb") as stream:
        try:
            return ArrayUnpickler(stream, encoding=encoding).load()
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError,
                IndexError, KeyError, AttributeError,
                MemoryError) as error:
            raise ValueError(f"not a pickle of arrays alone: {error}"
                             ) from None
