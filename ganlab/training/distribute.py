#!/usr/bin/env python3
"""Training on several devices or machines with ``tf.distribute``.

- ``make_strategy``: the strategy ``python -m ganlab train --strategy``
  names: MirroredStrategy over GPUs (or a CPU split into logical
  devices), MultiWorkerMirroredStrategy across machines (``TF_CONFIG``),
  which gives up in one line when not every worker has joined within
  ``--worker-timeout`` seconds (``WorkersMissing``) rather than wait
  for ever;
- ``is_chief``: whether this process writes the run's files;
- ``worker_scratch``: a throw-away folder for the other workers' files.
"""
import atexit
import gc
import pathlib
import re
import shutil
import sys
import tempfile

# --worker-timeout's default, in seconds: time to start the same command
# by hand on a few machines, short enough that a worker never started is
# noticed over a coffee, not overnight
WORKER_TIMEOUT = 300


class WorkersMissing(RuntimeError):
    """Not every worker of a multi-worker cluster joined in time; the
    message is the one line that says which and what to do."""


def make_strategy(kind, devices=None, worker_timeout=WORKER_TIMEOUT):
    """Return the ``tf.distribute`` strategy ``kind`` names (``default``,
    ``mirrored`` or ``multi-worker``) over ``devices`` devices (all, when
    None): ``python -m ganlab train --strategy KIND --devices N``.

    It runs before anything else touches TensorFlow's devices: splitting
    the CPU into logical devices is only possible before they start. A
    multi-worker strategy waits at most ``worker_timeout`` seconds for
    the other workers, then raises ``WorkersMissing``.
    """
    import tensorflow as tf
    if kind == "multi-worker":
        return multi_worker_strategy(worker_timeout)
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


def multi_worker_strategy(timeout):
    """Return a ``MultiWorkerMirroredStrategy`` over the cluster that
    ``TF_CONFIG`` names, once every worker has joined; raise
    ``WorkersMissing`` when they have not within ``timeout`` seconds.

    TensorFlow's own wait (its coordination service, which the strategy
    starts) has no limit by default and holds Python's interpreter lock
    while it waits, so no thread of ours could time it out: the service
    is configured here first, as the strategy would configure it, plus a
    registration barrier with the timeout, which then ends the wait with
    an error on every worker that started.
    """
    import tensorflow as tf
    resolver = tf.distribute.cluster_resolver.TFConfigClusterResolver()
    cluster = resolver.cluster_spec().as_dict()
    if sum(map(len, cluster.values())) > 1:
        limit_registration(resolver, timeout)
    try:
        return tf.distribute.MultiWorkerMirroredStrategy(
            cluster_resolver=resolver)
    except (tf.errors.DeadlineExceededError,
            tf.errors.UnavailableError) as error:
        line = missing_line(resolver, timeout, error)
    # The half-made strategy, held by the error's traceback, goes now:
    # TensorFlow logs its shutdown (a dozen lines) before our line, not
    # after it, where they would bury it.
    gc.collect()
    raise WorkersMissing(line)


def limit_registration(resolver, timeout):
    """Configure TensorFlow's coordination service as
    ``MultiWorkerMirroredStrategy`` does, with a barrier that every
    chief and worker must reach within ``timeout`` seconds. Uses
    TensorFlow's internal API: where it has changed, one warning line
    says that the wait has no limit."""
    try:
        from tensorflow.python.distribute import multi_worker_util
        from tensorflow.python.eager import context
        spec = resolver.cluster_spec()
        if resolver.task_type not in ("chief", "worker"):
            return  # an evaluator takes no part in the collectives
        context.context().configure_coordination_service(
            service_type="standalone",
            service_leader=multi_worker_util.coordination_leader(spec),
            cluster_register_timeout_in_ms=int(timeout * 1000))
        config = context.context().coordination_service
        for job in ("chief", "worker"):
            if job in spec.jobs:
                config.coordinated_job_list.add(
                    name=job, num_tasks=spec.num_tasks(job))
        config.cluster_register_with_barrier = True
    except (ImportError, AttributeError, TypeError, ValueError) as error:
        print(f"warning: --worker-timeout: this TensorFlow cannot limit "
              f"the wait for the other workers ({type(error).__name__}); "
              "a worker that never starts is waited for without end",
              file=sys.stderr, flush=True)


def missing_line(resolver, timeout, error):
    """Return the one line for a cluster that did not gather within
    ``timeout`` seconds: the workers TensorFlow names as missing (the
    leader knows them), else the leader that never answered."""
    spec = resolver.cluster_spec().as_dict()

    def named(job, index):
        """``worker 1 (host:port)``, as TF_CONFIG names the task."""
        tasks = spec.get(job, [])
        where = f" ({tasks[index]})" if index < len(tasks) else ""
        return f"{job} {index}{where}"

    missing = sorted(set(re.findall(r"/job:(\w+)/replica:\d+/task:(\d+)",
                                    str(error).partition(
                                        "timed out task names")[2])))
    me = (resolver.task_type, resolver.task_id)
    missing = [named(job, int(index)) for job, index in missing
               if (job, int(index)) != me]
    leader = ("chief", 0) if "chief" in spec else ("worker", 0)
    if missing:
        who = ", ".join(missing) + (" has" if len(missing) == 1
                                    else " have")
    elif me != leader:
        who = f"{named(*leader)}, which gathers the cluster, has"
    else:
        who = "the other workers have"
    return (f"--strategy multi-worker: {who} not joined within "
            f"{timeout:g} s (--worker-timeout): start every worker of "
            "TF_CONFIG's cluster with the same command and its own task "
            "index, or check their addresses")


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
