#!/usr/bin/env python3
"""What the benchmark scripts share: the machine, the clock, the files.

A benchmark here compares contestants (ways of training the same
networks) in one process. ``measure`` warms each up, then times them in
rounds whose order rotates, so that a neighbour's load on the shared
CPUs falls on all of them alike; ``summarise`` turns the rounds into
medians and a speed-up (the median of the per-round ratios: each ratio
compares two runs made seconds apart, under similar load).
``machine`` describes the computer from the computer itself, and
``bar_chart`` draws the results without ever leaving half a file (the
JSON goes through ``ganlab.io.write_json``).
"""
import argparse
import os
import pathlib
import platform
import statistics
import time

import keras
import tensorflow as tf

from ganlab.viz import plots


def machine():
    """Return the CPU model, its cores, memory, load and library versions,
    read from ``/proc`` where Linux provides it."""
    description = {"processor": platform.processor() or platform.machine(),
                   "cpus": os.cpu_count(), "tensorflow": tf.__version__,
                   "keras": keras.__version__,
                   "python": platform.python_version()}
    cpuinfo = pathlib.Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        fields = {key.strip(): value.strip() for key, value in (
            line.split(":", 1) for line in cpuinfo.read_text().splitlines()
            if ":" in line)}
        description["processor"] = fields.get("model name",
                                              description["processor"])
        # family and model name the microarchitecture (25/17: AMD Zen 4)
        description["cpu_family_model"] = (f"{fields.get('cpu family')}/"
                                           f"{fields.get('model')}")
        description["cpu_mhz"] = float(fields.get("cpu MHz", "nan"))
        description["cpu_flags"] = sorted(
            flag for flag in fields.get("flags", "").split()
            if flag.startswith(("avx", "fma", "amx")))
    meminfo = pathlib.Path("/proc/meminfo")
    if meminfo.is_file():
        kilobytes = int(meminfo.read_text().split()[1])
        description["memory_gib"] = round(kilobytes / 2 ** 20, 1)
    # the load average says whether other work shared the CPUs meanwhile
    description["load_average"] = list(os.getloadavg())
    return description


def comma_separated(kind, example):
    """Return an argparse ``type`` that reads values separated by commas
    (``example``, e.g. "2,5,10") as a list of ``kind``; argparse names the
    flag in the error when one is not a ``kind``."""
    def parse(text):
        """Split ``text`` at commas and convert every part."""
        try:
            return [kind(value) for value in text.split(",")]
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must list {kind.__name__} values separated by commas, "
                f"e.g. {example}; got {text!r}") from None
    return parse


def measure(contestants, warmup, steps, rounds, examples_per_step,
            clock=None):
    """Warm every contestant up, then time them round after round.

    ``contestants`` maps a name to an object whose ``train(steps)`` runs
    that many training steps and returns once they are done. The first
    ``warmup`` steps (tracing, graph optimisation, oneDNN's choice of
    kernels) are not timed. ``examples_per_step`` is one count for all, or
    ``{name: count}`` when contestants differ. Returns ``{name: [examples
    per second in each round]}``; the order of the contestants rotates
    every round. ``clock()`` returns seconds, by default
    ``time.perf_counter()``; tests give one of their own.
    """
    clock = clock or time.perf_counter
    if not isinstance(examples_per_step, dict):
        examples_per_step = dict.fromkeys(contestants, examples_per_step)
    for contestant in contestants.values():
        contestant.train(warmup)
    names = list(contestants)
    speeds = {name: [] for name in names}
    for round_index in range(rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            start = clock()
            contestants[name].train(steps)
            speeds[name].append(steps * examples_per_step[name]
                                / (clock() - start))
    return speeds


def endless_batches(images, batch_size, seed):
    """Return an endless ``tf.data`` pipeline of shuffled batches of
    ``images`` held in memory. Autotuning is off: its thread can hold up
    the return of ``fit`` by seconds on these machines."""
    options = tf.data.Options()
    options.autotune.enabled = False
    return (tf.data.Dataset.from_tensor_slices(images)
            .shuffle(len(images), seed=seed).repeat()
            .batch(batch_size, drop_remainder=True).with_options(options))


def summarise(speeds, reference, ours):
    """Return the median speed of each contestant and the speed-up of
    ``ours`` over ``reference``: the median of the per-round ratios (ours
    / reference), with the ratio of the medians beside it."""
    medians = {name: statistics.median(values)
               for name, values in speeds.items()}
    per_round = [mine / theirs for mine, theirs in zip(speeds[ours],
                                                       speeds[reference])]
    return {"examples_per_second": medians,
            "speedup": statistics.median(per_round),
            "speedup_per_round": per_round,
            "speedup_of_medians": medians[ours] / medians[reference]}


def bar_chart(groups, path, title, xlabel, reference_colour="0.6"):
    """Draw horizontal bars, one panel per group, and save a PNG.

    ``groups`` maps a panel's title to ``{bar name: (median, [rounds])}``;
    the first bar of each panel (the reference) is grey, the others blue,
    and each round is a black dot on its bar. Panels have their own
    scales, since tasks differ in speed by orders of magnitude.
    """
    figure, all_axes = plots.plt.subplots(
        len(groups), 1, squeeze=False,
        figsize=(8, 1.1 + sum(.35 * len(bars) + .5
                              for bars in groups.values())),
        gridspec_kw={"height_ratios": [len(bars) for bars in
                                       groups.values()]})
    for axes, (group, bars) in zip(all_axes[:, 0], groups.items()):
        names = list(bars)
        axes.barh(names, [bars[name][0] for name in names],
                  color=[reference_colour] + ["tab:blue"] * (len(names) - 1))
        for row, name in enumerate(names):
            axes.plot(bars[name][1], [row] * len(bars[name][1]), "k.", ms=3)
        axes.invert_yaxis()
        axes.set_title(group, fontsize=9, loc="left")
        axes.tick_params(labelsize=8)
    all_axes[-1, 0].set_xlabel(xlabel)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return plots.save_figure(figure, path)
