#!/usr/bin/env python3
"""Seed sweep: the toy demos' scores over seeds and CPU instruction sets.

A toy GAN's result after a few thousand steps can hang on its seed, and
on the CPU: oneDNN picks its kernels by instruction set (AVX-512 here,
only AVX2 on many users' CPUs), and their slightly different rounding is
enough to move one seed's outcome. The README quotes ranges rather than
one seed's figure; this script makes them. It runs ``main/N-main.py``
for each demo, seed and instruction-set path at the demo's default
budget, each run in a fresh process, and prints every run's scores and
each demo's range.

An instruction-set path is ``native`` (whatever the CPU offers) or a
value of oneDNN's dispatcher control ``ONEDNN_MAX_CPU_ISA`` (``avx2``:
compute as an AVX2-only CPU does; it caps, so on such a CPU ``native``
and ``avx2`` are the same). Before the runs of a path a one-step run
with ``ONEDNN_VERBOSE=1`` records the instruction set oneDNN reports.

    python benchmarks/seed_sweep.py                     # demos 0, 1, 2; seeds 0-4; native and avx2
    python benchmarks/seed_sweep.py --demos 0 --isa avx2
    python benchmarks/seed_sweep.py --demos 2 --seeds 3 -- --long
    python benchmarks/seed_sweep.py --quick             # a smoke test in seconds

Flags after ``--`` go to every demo run. It writes ``seed_sweep.json``
to ``--out`` (default ``outputs/benchmarks``). About 20 s per run on 2
cores (tracing and imports included): the default 30 runs take about 10
minutes.
"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]

import common

# each demo's picture (and the JSON of scores beside it) and the scores
# that the README's ranges quote
DEMOS = {0: ("0-simple_gan", ("mean_distance", "arcs_covered")),
         1: ("1-wgan_clip", ("mean_distance", "arcs_covered")),
         2: ("2-wgan_gp", ("modes_covered", "high_quality_fraction"))}
NATIVE = "native"
QUICK_DEMO_FLAGS = ["--epochs", "1", "--steps-per-epoch", "5"]


BENCHMARK = common.Benchmark(
    "seed_sweep", __doc__, seed=False,
    quick="one seed, 5 steps per demo: checks that it runs, measures "
          "nothing worth quoting")


def arguments_from(argv):
    """Parse and check the flags; the demo's own flags follow ``--``."""
    parser = BENCHMARK.parser()
    parser.add_argument("--demos", default="0,1,2",
                        type=common.comma_separated(int, "0,1,2"),
                        help="demos to run (default: %(default)s)")
    parser.add_argument("--seeds", type=int, default=5,
                        help="seeds 0, 1, ... to run (default: "
                             "%(default)s)")
    parser.add_argument("--isa", default=f"{NATIVE},avx2",
                        type=common.comma_separated(str, "native,avx2"),
                        help="instruction-set paths: native, or values of "
                             "ONEDNN_MAX_CPU_ISA (default: %(default)s)")
    own, demo_flags = split_at_dashes(argv)
    arguments = BENCHMARK.parse(parser, own, quick={"seeds": 1},
                                at_least_one=("seeds",))
    unknown = sorted(set(arguments.demos) - set(DEMOS))
    if unknown:
        parser.error(f"--demos: no toy demo {unknown[0]}; choose from "
                     f"{sorted(DEMOS)}")
    arguments.isa = [path.lower() for path in arguments.isa]
    arguments.demo_flags = (QUICK_DEMO_FLAGS if arguments.quick
                            else []) + demo_flags
    return arguments


def split_at_dashes(argv):
    """Return ``(our flags, the demo's flags)``, split at ``--``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--" in argv:
        index = argv.index("--")
        return argv[:index], argv[index + 1:]
    return argv, []


def environment(isa):
    """Return the environment of a run on instruction-set path ``isa``."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("ONEDNN_VERBOSE", None)
    if isa == NATIVE:
        env.pop("ONEDNN_MAX_CPU_ISA", None)
    else:
        env["ONEDNN_MAX_CPU_ISA"] = isa.upper()
    return env


def run_demo(number, seed, isa, flags, folder):
    """Run one demo in a fresh process; return its scores and seconds."""
    command = [sys.executable, str(ROOT / "main" / f"{number}-main.py"),
               "--seed", str(seed), "--verbose", "0", "--out", str(folder),
               *flags]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True,
                          env=environment(isa), cwd=ROOT)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"demo {number}, seed {seed}, {isa}: exit code "
                           f"{done.returncode}\n{done.stderr[-2000:]}")
    picture = DEMOS[number][0]
    scores = json.loads((pathlib.Path(folder) / f"{picture}.json")
                        .read_text())
    return {"demo": number, "seed": seed, "isa": isa,
            "seconds": round(seconds, 1), "scores": scores}


def reported_isa(isa, folder):
    """Return the instruction set oneDNN reports on path ``isa`` (from a
    one-step run of demo 0 with ``ONEDNN_VERBOSE=1``), or None."""
    env = dict(environment(isa), ONEDNN_VERBOSE="1")
    done = subprocess.run(
        [sys.executable, str(ROOT / "main" / "0-main.py"), "--verbose", "0",
         "--epochs", "1", "--steps-per-epoch", "1", "--out", str(folder)],
        capture_output=True, text=True, env=env, cwd=ROOT)
    for line in (done.stdout + done.stderr).splitlines():
        if line.startswith("onednn_verbose") and ",isa:" in line:
            return line.split(",isa:", 1)[1].rstrip(",").strip()
    return None


def summarise(runs):
    """Return each demo's range of every quoted score, per path and over
    all paths: ``{demo: {path or "all": {score: [min, max]}}}``."""
    summary = {}
    for number in sorted({run["demo"] for run in runs}):
        mine = [run for run in runs if run["demo"] == number]
        groups = {isa: [run for run in mine if run["isa"] == isa]
                  for isa in dict.fromkeys(run["isa"] for run in mine)}
        groups["all"] = mine
        summary[number] = {
            group: {name: [min(run["scores"][name] for run in members),
                           max(run["scores"][name] for run in members)]
                    for name in DEMOS[number][1]}
            for group, members in groups.items()}
    return summary


def line(run):
    """One run's scores, as printed."""
    scores = ", ".join(f"{name} {run['scores'][name]:.4g}"
                       for name in DEMOS[run["demo"]][1])
    return (f"demo {run['demo']}  seed {run['seed']}  {run['isa']:<7} "
            f"{scores}  ({run['seconds']:.0f} s)")


def main(argv=None):
    """Run the sweep, print it and write the report; return the report."""
    arguments = arguments_from(argv)
    runs, isas = [], {}
    with tempfile.TemporaryDirectory() as scratch:
        for isa in arguments.isa:
            isas[isa] = reported_isa(isa, scratch)
            print(f"{isa}: oneDNN reports {isas[isa]}", flush=True)
            for number in arguments.demos:
                for seed in range(arguments.seeds):
                    runs.append(run_demo(number, seed, isa,
                                         arguments.demo_flags, scratch))
                    print(line(runs[-1]), flush=True)
    summary = summarise(runs)
    for number, groups in summary.items():
        for group, ranges in groups.items():
            print(f"demo {number} {group:<7} " + ", ".join(
                f"{name} {low:.4g}-{high:.4g}"
                for name, (low, high) in ranges.items()))
    report = {"seeds": arguments.seeds,
              "demo_flags": arguments.demo_flags, "onednn_isa": isas,
              "runs": runs,
              "summary": {str(number): groups
                          for number, groups in summary.items()}}
    path = BENCHMARK.write(report, arguments)
    print(f"report: {path}")
    return report


if __name__ == "__main__":
    main()
