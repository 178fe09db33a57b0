#!/usr/bin/env python3
"""Task 4's ProGAN at the seed's setting on one GPU: every phase to 256x256.

The seed of task 4 is the progressive GAN of Karras et al. on 256x256
faces; on 2 CPU cores that is out of reach, so this script is prepared
for a GPU and nothing else depends on it. It builds the lesson's ProGAN
with the paper's filters (``filter_base / resolution``, at most
``--max-filters``) and latent size, enters each phase of a schedule to
``--resolution`` (4x4, then a fade-in and a stable phase per doubling),
trains ``--warmup`` steps (tracing; not timed) and then ``--steps``
timed steps on random images held once (``ganlab.data.batches``, each
batch shrunk to the phase's side as ``growth.grow`` feeds it), and
reports per phase the images a second and the device's peak memory
(``tf.config.experimental.get_memory_info``, reset at each phase; the
process's resident memory on a CPU).

    python benchmarks/progan_gpu_phases.py                         # one GPU, minutes
    python benchmarks/progan_gpu_phases.py --allow-cpu --quick     # a smoke test anywhere

It prints a table and writes ``progan_gpu_phases.json`` to ``--out``.
"""
import time

import common
import numpy as np
import tensorflow as tf
from streaming_memory import memory_kib

from ganlab import lessons
from ganlab.data.batches import held, real_batches

QUICK = dict(resolution=16, max_filters=16, latent_dim=16, batch_size=4,
             steps=2, warmup=1, images=16)


BENCHMARK = common.Benchmark(
    "progan_gpu_phases", __doc__, seed=False,
    quick="a 16x16 ProGAN of 16 filters: a smoke test (with --allow-cpu "
          "on a CPU)")


def arguments_from(argv):
    """Parse the flags; ``--quick`` shrinks everything to a smoke test."""
    parser = BENCHMARK.parser()
    parser.add_argument("--resolution", type=int, default=256)
    parser.add_argument("--max-filters", type=int, default=512)
    parser.add_argument("--latent-dim", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--steps", type=int, default=20,
                        help="timed steps per phase")
    parser.add_argument("--warmup", type=int, default=3,
                        help="untimed steps per phase (tracing)")
    parser.add_argument("--images", type=int, default=512,
                        help="random images held in memory")
    parser.add_argument("--allow-cpu", action="store_true")
    arguments = BENCHMARK.parse(
        parser, argv, quick=QUICK,
        at_least_one=("max_filters", "latent_dim", "batch_size", "steps",
                      "images"))
    if not tf.config.list_physical_devices("GPU") and not (
            arguments.allow_cpu):
        parser.error("no GPU found: this benchmark is for a GPU "
                     "(--allow-cpu --quick runs a smoke test on the CPU)")
    return arguments


def peak_memory_mib(device):
    """The device's peak memory since the last reset, in MiB (the
    process's peak resident memory on a CPU)."""
    if device.startswith("GPU"):
        return tf.config.experimental.get_memory_info(device)["peak"] / 2 ** 20
    return memory_kib("VmHWM") / 1024


def main(argv=None):
    """Train through every phase; print the table; write the JSON."""
    arguments = arguments_from(argv)
    progan = lessons.load("4-progan")
    device = "GPU:0" if tf.config.list_physical_devices("GPU") else "CPU:0"
    generator, critic = progan.build_networks(
        arguments.latent_dim, arguments.resolution, 3,
        max_filters=arguments.max_filters)
    gan = progan.ProGAN(generator, critic, seed=0)
    gan.compile()
    images = held(np.random.default_rng(0).integers(
        0, 256, (arguments.images, arguments.resolution,
                 arguments.resolution, 3), dtype=np.uint8))
    schedule = progan.GrowthSchedule(
        arguments.resolution, fade_images=1, stable_images=1,
        batch_sizes={side: arguments.batch_size
                     for side in generator.resolutions})
    rows = []
    for phase in schedule.phases:
        gan.enter_phase(phase)
        if device.startswith("GPU"):
            tf.config.experimental.reset_memory_stats(device)
        batches = real_batches(images, arguments.batch_size, 0,
                               resolution=phase.resolution)
        gan.fit(batches, epochs=1, steps_per_epoch=arguments.warmup,
                shuffle=False, verbose=0)
        start = time.perf_counter()
        history = gan.fit(batches, epochs=1, steps_per_epoch=arguments.steps,
                          shuffle=False, verbose=0).history
        # the losses are read back, so the timed steps have finished
        float(history["gen_loss"][-1])
        seconds = time.perf_counter() - start
        rows.append({"phase": str(phase), "resolution": phase.resolution,
                     "fading": bool(phase.fading),
                     "images_per_second":
                         arguments.steps * arguments.batch_size / seconds,
                     "peak_mib": peak_memory_mib(device)})
        print(f"{rows[-1]['phase']:<40}"
              f"{rows[-1]['images_per_second']:>10.1f} images/s"
              f"{rows[-1]['peak_mib']:>10.0f} MiB", flush=True)
    report = {"rows": rows, "device": device,
              "settings": {name: getattr(arguments, name) for name in (
                  "resolution", "max_filters", "latent_dim", "batch_size",
                  "steps", "warmup", "images", "quick")}}
    path = BENCHMARK.write(report, arguments)
    print(f"wrote {path}")
    return report


if __name__ == "__main__":
    main()
