#!/usr/bin/env python3
"""Training on several devices or machines with ``tf.distribute``.

- ``make_strategy``: the strategy ``python -m ganlab train --strategy``
  names: MirroredStrategy over GPUs (or a CPU split into logical
  devices), MultiWorkerMirroredStrategy across machines (``TF_CONFIG``);
- ``is_chief``: whether this process writes the run's files;
- ``worker_scratch``: a throw-away folder for the other workers' files.
"""
import atexit
import pathlib
import shutil
import tempfile


def make_strategy(kind, devices=None):
    """Return the ``tf.distribute`` strategy ``kind`` names (``default``,
    ``mirrored`` or ``multi-worker``) over ``devices`` devices (all, when
    None): ``python -m ganlab train --strategy KIND --devices N``.

    It runs before anything else touches TensorFlow's devices: splitting
    the CPU into logical devices is only possible before they start.
    """
    import tensorflow as tf
    if kind == "multi-worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    if kind == "default":
        return tf.distribute.get_strategy()
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        names = [f"/gpu:{index}" for index in range(len(gpus))]
    else:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()]
            * (devices or 1))
        names = [device.name for device
                 in tf.config.list_logical_devices("CPU")]
    count = devices or len(names)
    if count > len(names):
        raise ValueError(f"--devices {count}: only {len(names)} GPUs here")
    return tf.distribute.MirroredStrategy(names[:count])


def is_chief(strategy):
    """Whether this process writes files in a multi-worker run (always
    True outside one)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    return resolver.task_type == "chief" or (
        resolver.task_type == "worker" and resolver.task_id == 0
        and "chief" not in resolver.cluster_spec().as_dict())


def worker_scratch():
    """Return a new temporary folder for a non-chief worker's files, which
    only repeat the chief's and are never read: it is removed at exit."""
    folder = pathlib.Path(tempfile.mkdtemp(prefix="ganlab-worker-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
