#!/usr/bin/env python3
"""Peak memory of task 4's ProGAN grown to 64, 128 and 256 pixels, and of
the modern image GAN (``--model r3gan``) on the same data path.

Each case runs ``python -m ganlab train --model progan`` in a process of
its own, one pass over the data spread over every phase of growth
(``--n_epochs 1 --steps-per-epoch 18``, batch 8 for the emoji, as the
issue measured them, and 64 for the folder, so that its pass stays
minutes long), and reads the process's peak resident memory
(``VmHWM``) as it ends:

- the 3,554 training emoji held in memory at ``--img_size`` 64, 128 and
  256 (the data set as uint8 and as float32 are printed beside it: a
  ProGAN holds its images once, as bytes, for all its phases, and
  shrinks each batch to the phase's side in the pipeline);
- a folder of ``--folder-images`` (default 20,000) generated 256x256
  JPEGs (``streaming_memory.write_jpeg_folder``: smooth colour fields
  with shapes on them), streamed from disk (``--stream always``), whose
  peak should not depend on the number of images.

    python benchmarks/progan_memory.py                      # minutes
    python benchmarks/progan_memory.py --sides 64 128 --folder-images 0
    python benchmarks/progan_memory.py --model r3gan --sides 64 128 \
        --steps 2 --folder-side 128 --folder-batch 8 \
        --folder-stream never always   # r3gan: in memory and streamed

It prints the table and writes ``progan_memory.json`` to ``--out``
(default ``outputs/benchmarks``).
"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import common
from streaming_memory import write_jpeg_folder

EMOJI = 3554


def short_run(model, steps):
    """The flags of one short run of ``model``: ``steps`` steps of one
    epoch (a ProGAN spreads them over its phases), nothing else drawn."""
    return ["--model", model, "--channels", "3", "--n_epochs", "1",
            "--steps-per-epoch", str(steps), "--verbose", "0",
            "--sample-interval", "100000", "--no-tensorboard"]


EMOJI_BATCH, FOLDER_BATCH = 8, 64
# run in the child: the command line's train, then the peak, whatever
# way it ends
CHILD = """
import runpy, sys
sys.argv = ["ganlab"] + sys.argv[1:]
try:
    runpy.run_module("ganlab", run_name="__main__")
finally:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            print("PEAK_KIB", line.split()[1], flush=True)
"""


def measure(flags, out):
    """Run ``train`` with ``flags`` into ``out`` in a child process;
    return its peak resident MiB, its seconds and its exit status."""
    start = time.perf_counter()
    finished = subprocess.run(
        [sys.executable, "-c", CHILD, "train", *flags, "--out", str(out)],
        capture_output=True, text=True, check=False,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    seconds = time.perf_counter() - start
    peaks = [int(line.split()[1]) for line in finished.stdout.splitlines()
             if line.startswith("PEAK_KIB")]
    last = (finished.stderr.strip().splitlines() or ["no output"])[-1]
    return {"peak_mib": peaks[-1] / 1024 if peaks else None,
            "seconds": seconds, "returncode": finished.returncode,
            "error": None if finished.returncode == 0 else last}


BENCHMARK = common.Benchmark(
    "progan_memory", __doc__,
    "one small case: the emoji at 16x16, 2 steps, no folder", seed=False)


def arguments_from(argv):
    """Parse and check the flags."""
    parser = BENCHMARK.parser()
    parser.add_argument("--model", choices=("progan", "r3gan"),
                        default="progan")
    parser.add_argument("--steps", type=int, default=18,
                        help="training steps of each run (default 18: a "
                             "few in each of the ProGAN's phases)")
    parser.add_argument("--sides", type=int, nargs="+",
                        default=[64, 128, 256])
    parser.add_argument("--folder-side", type=int, default=256,
                        help="the side the folder's 256x256 JPEGs are "
                             "trained at")
    parser.add_argument("--folder-batch", type=int, default=FOLDER_BATCH,
                        help="the folder run's batch size (default "
                             "%(default)s)")
    parser.add_argument("--folder-stream", choices=("always", "never"),
                        nargs="+", default=["always"],
                        help="stream the folder from disk (always, the "
                             "default), load it into memory first "
                             "(never), or both, one case each")
    parser.add_argument("--folder-images", type=int, default=20_000,
                        help="generated 256x256 JPEGs to stream (0: none)")
    parser.add_argument("--folder", type=pathlib.Path,
                        help="where to write them (default: a temporary "
                             "folder; kept and reused when given)")
    arguments = BENCHMARK.parse(
        parser, argv, quick={"sides": [16], "steps": 2, "folder_images": 0},
        at_least_one=("steps", "folder_batch"))
    if any(side not in (16, 32, 64, 128, 256)
           for side in (*arguments.sides, arguments.folder_side)):
        parser.error("--sides and --folder-side must be powers of two "
                     "from 16 to 256")
    return arguments


def main(argv=None):
    """Measure every case; print the table; write the JSON."""
    arguments = arguments_from(argv)
    run = short_run(arguments.model, arguments.steps)
    cases = {}
    with tempfile.TemporaryDirectory(prefix="progan-memory-") as scratch:
        scratch = pathlib.Path(scratch)
        for side in arguments.sides:
            cases[f"emoji {side}"] = {
                "side": side, "images": EMOJI, "batch_size": EMOJI_BATCH,
                "uint8_mib": EMOJI * side * side * 3 / 2 ** 20,
                **measure(["--dataset", "emoji", "--img_size", str(side),
                           "--batch_size", str(EMOJI_BATCH), *run],
                          scratch / f"emoji{side}")}
            print(json.dumps({f"emoji {side}": cases[f"emoji {side}"]}),
                  flush=True)
        if arguments.folder_images:
            folder = arguments.folder or scratch / "jpegs"
            write_jpeg_folder(folder, arguments.folder_images, 256)
            count, side = arguments.folder_images, arguments.folder_side
            for stream in arguments.folder_stream:
                how = "streamed" if stream == "always" else "in-memory"
                cases[f"{how} folder {side}"] = {
                    "side": side, "images": count,
                    "batch_size": arguments.folder_batch,
                    "uint8_mib": count * side * side * 3 / 2 ** 20,
                    **measure(["--dataset", str(folder), "--img_size",
                               str(side), "--stream", stream,
                               "--batch_size", str(arguments.folder_batch),
                               *run], scratch / f"folder{side}{stream}")}
    report = {"model": arguments.model, "cases": cases, "short_run": run}
    print(f"{'case':<22}{'images':>8}{'batch':>7}{'uint8 MiB':>11}"
          f"{'float32 MiB':>13}{'peak MiB':>10}{'seconds':>9}")
    for name, case in cases.items():
        peak = ("failed" if case["peak_mib"] is None or case["returncode"]
                else f"{case['peak_mib']:.0f}")
        print(f"{name:<22}{case['images']:>8,}{case['batch_size']:>7}"
              f"{case['uint8_mib']:>11.0f}"
              f"{4 * case['uint8_mib']:>13.0f}{peak:>10}"
              f"{case['seconds']:>9.0f}")
        if case["error"]:
            print(f"  {case['error']}")
    path = BENCHMARK.write(report, arguments, f"{arguments.model}_memory")
    print(f"wrote {path}")
    return report


if __name__ == "__main__":
    main()
