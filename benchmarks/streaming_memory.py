#!/usr/bin/env python3
"""Peak memory: an image folder streamed from disk against loaded into memory.

Issue 17 asks that a folder too large for memory (CelebA: about 200,000
images) trains without holding it all. This script measures what each
path holds at its peak on the same folder:

- streamed: ``ganlab.data.streaming.stream_image_folder`` (decode, crop,
  resize in ``tf.data``; optionally ``--cache`` to a file);
- in memory: ``ganlab.data.faces.load_image_folder`` at the same size,
  scaled to float32 in [-1, 1], then the command line's pipeline for it
  (``tf.data.Dataset.from_tensor_slices(...).shuffle(len).batch().repeat()``,
  as ``ganlab.training.registry`` feeds ``fit``).

It first writes ``--images`` (default 50,000) random but structured
128x128 JPEG files (smooth colour fields with a disc and a bar on them,
like the large shapes of photographs; about 5 KB each) to ``--folder``
(or a temporary folder), reusing them on a later run that asks for the
same ones. Then each path runs in a process of its own, which iterates
``--epochs`` passes of batches of ``--batch-size`` at ``--size`` and
reports its peak resident memory (``VmHWM`` of ``/proc/self/status``,
what ``getrusage``'s ``ru_maxrss`` gives) and its resident memory just
before the data was touched (TensorFlow loaded, a trivial pipeline run):
the difference is what the data path itself held. Training would add
the networks and their activations, the same for both paths.

    python benchmarks/streaming_memory.py --images 5000 --size 64
    python benchmarks/streaming_memory.py                 # 50,000 images: minutes

It prints both peaks, their ratio, and the streamed path's bound (what
it holds by construction; only the list of file names grows with the
folder, by about 100 bytes a file), and writes
``streaming_memory.json`` to ``--out``.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import common
import numpy as np
from PIL import Image, ImageDraw

from ganlab import io

MARKER = "generated.json"
PATHS = ("streamed", "in_memory")


def structured_image(rng, size):
    """One random but structured uint8 RGB image (size, size, 3): a
    smooth field of colours (a 4x4 grid of random colours enlarged
    bicubically), a disc and a bar of random colours, a little noise."""
    field = Image.fromarray(rng.integers(0, 256, (4, 4, 3), dtype=np.uint8))
    image = field.resize((size, size), Image.BICUBIC)
    draw = ImageDraw.Draw(image)
    left, top = rng.integers(0, size * 3 // 4, 2)
    radius = int(rng.integers(size // 8, size // 3))
    draw.ellipse((left, top, left + radius, top + radius),
                 fill=tuple(int(value) for value in rng.integers(0, 256, 3)))
    row = int(rng.integers(0, size))
    draw.rectangle((0, row, size, row + size // 16),
                   fill=tuple(int(value) for value in rng.integers(0, 256, 3)))
    pixels = np.asarray(image, np.int16) + rng.integers(
        -6, 7, (size, size, 3), dtype=np.int16)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def write_jpeg_folder(folder, count, size=128, seed=0, quality=90):
    """Write ``count`` structured ``size`` x ``size`` JPEG files to
    ``folder`` (in subfolders of 1,000, as large sets are kept), unless
    its marker says the same ones are there; return the seconds taken."""
    folder = pathlib.Path(folder)
    wanted = {"images": count, "size": size, "seed": seed,
              "quality": quality}
    marker = folder / MARKER
    if marker.is_file() and json.loads(marker.read_text()) == wanted:
        return 0.
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    for index in range(count):
        place = folder / f"{index // 1000:03d}"
        place.mkdir(parents=True, exist_ok=True)
        # each JPEG whole or absent, so a killed run leaves no half file
        with io.atomic_path(place / f"{index:06d}.jpg") as temporary:
            structured_image(rng, size).save(temporary, "JPEG",
                                             quality=quality)
    io.write_json(wanted, marker)
    return time.perf_counter() - start


def memory_kib(field):
    """Return ``field`` (VmRSS, VmHWM) of ``/proc/self/status`` in KiB;
    without ``/proc`` (not Linux), ``getrusage``'s peak for both."""
    status = pathlib.Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def streaming_bound_bytes(size, channels, batch_size, shuffle_buffer,
                          cached, parallel, names_bytes):
    """Return the bytes the streamed path holds by construction: the
    decoded images in flight (one per parallel decode, and a batch being
    assembled), the two prefetched float32 batches, the file names twice
    (the list and, without a cache, the shuffle buffer of names;
    ``names_bytes`` is their size: characters plus about 64 bytes each)
    and, with a cache, the shuffle window of uint8 images.
    Only the names grow with the folder; the decoders' working memory and
    the allocator's slack come on top."""
    image = size * size * channels
    held = parallel * image * 5 + 3 * batch_size * image * 4
    held += 2 * names_bytes
    if cached:
        held += shuffle_buffer * image
    return held


def child(arguments):
    """Iterate one path's batches and print a JSON line of what it
    measured (run in its own process, so each peak is its own)."""
    import tensorflow as tf

    from ganlab.data import faces, image_sets, streaming
    # load TensorFlow's data runtime before the baseline is read
    for _ in tf.data.Dataset.range(4).batch(2):
        pass
    baseline = memory_kib("VmRSS")
    start = time.perf_counter()
    if arguments.child == "streamed":
        dataset = streaming.stream_image_folder(
            arguments.folder, arguments.size, 3, arguments.batch_size,
            arguments.seed, cache=arguments.cache, validate=16,
            shuffle_buffer=arguments.shuffle_buffer)
        count = streaming.count_images(arguments.folder)
    else:
        examples = image_sets.to_symmetric(faces.load_image_folder(
            arguments.folder, arguments.size, 3))
        count = len(examples)
        dataset = (tf.data.Dataset.from_tensor_slices(examples)
                   .shuffle(len(examples), seed=arguments.seed)
                   .batch(arguments.batch_size, drop_remainder=True)
                   .repeat())
    batches = arguments.epochs * (count // arguments.batch_size)
    total = 0.
    for batch in dataset.take(batches):
        # touch every batch, as a training step would
        total += float(tf.reduce_mean(batch))
    seconds = time.perf_counter() - start
    print(json.dumps({"path": arguments.child, "images": count,
                      "batches": batches,
                      "baseline_mib": baseline / 1024,
                      "peak_mib": memory_kib("VmHWM") / 1024,
                      "seconds": seconds,
                      "images_per_second": batches * arguments.batch_size
                      / seconds, "mean_pixel": total / max(batches, 1)}))


def measure(path, arguments):
    """Run one path in a child process; return its JSON report."""
    command = [sys.executable, __file__, "--child", path,
               "--folder", str(arguments.folder),
               "--size", str(arguments.size),
               "--batch-size", str(arguments.batch_size),
               "--epochs", str(arguments.epochs),
               "--seed", str(arguments.seed),
               "--shuffle-buffer", str(arguments.shuffle_buffer)]
    if arguments.cache is not None:
        command += ["--cache", str(arguments.cache)]
    environment = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    finished = subprocess.run(command, capture_output=True, text=True,
                              env=environment, check=False)
    if finished.returncode != 0:
        # a Python traceback ends with the error's own line
        last = (finished.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"the {path} path failed: {last}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


BENCHMARK = common.Benchmark(
    "streaming_memory", __doc__,
    quick="256 JPEGs of 64x64 trained at 32x32 for one epoch: checks "
          "that it runs, measures nothing worth quoting")


def arguments_from(argv):
    """Parse and check the flags."""
    parser = BENCHMARK.parser()
    parser.add_argument("--images", type=int, default=50_000,
                        help="JPEG files to generate (default: %(default)s)")
    parser.add_argument("--image-size", type=int, default=128,
                        help="side of the generated files (default: "
                             "%(default)s)")
    parser.add_argument("--size", type=int, default=64,
                        help="side the images are trained at (default: "
                             "%(default)s)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--shuffle-buffer", type=int, default=2048,
                        help="images shuffled at a time by the streamed "
                             "path when it caches (default: %(default)s)")
    parser.add_argument("--folder", type=pathlib.Path,
                        help="where the JPEG files go (default: a "
                             "temporary folder, removed afterwards)")
    parser.add_argument("--cache", type=pathlib.Path,
                        help="let the streamed path cache decoded images "
                             "at this path prefix")
    parser.add_argument("--child", choices=PATHS, help=argparse.SUPPRESS)
    arguments = BENCHMARK.parse(
        parser, argv,
        quick={"images": 256, "image_size": 64, "size": 32, "epochs": 1},
        at_least_one=("images", "image_size", "size", "batch_size",
                      "epochs", "shuffle_buffer"))
    if arguments.images < arguments.batch_size:
        parser.error(f"--images ({arguments.images}) must be at least "
                     f"--batch-size ({arguments.batch_size})")
    return arguments


def run(arguments):
    """Generate the folder, measure both paths; return the report."""
    generation = write_jpeg_folder(arguments.folder, arguments.images,
                                   arguments.image_size, arguments.seed)
    results = {path: measure(path, arguments) for path in PATHS}
    streamed, in_memory = results["streamed"], results["in_memory"]
    for result in results.values():
        result["data_mib"] = result["peak_mib"] - result["baseline_mib"]
    names = sum(len(str(path)) + 64
                for path in pathlib.Path(arguments.folder).rglob("*.jpg"))
    bound = streaming_bound_bytes(
        arguments.size, 3, arguments.batch_size, arguments.shuffle_buffer,
        arguments.cache is not None, os.cpu_count() or 1, names) / 2 ** 20
    array = arguments.images * arguments.size ** 2 * 3 * 4 / 2 ** 20
    return {"results": results,
            "peak_ratio": in_memory["peak_mib"] / streamed["peak_mib"],
            "data_ratio": in_memory["data_mib"] / max(streamed["data_mib"],
                                                      1e-9),
            "streamed_bound_mib": bound, "float32_array_mib": array,
            "generation_seconds": generation,
            "settings": {"images": arguments.images,
                         "image_size": arguments.image_size,
                         "size": arguments.size,
                         "batch_size": arguments.batch_size,
                         "epochs": arguments.epochs,
                         "shuffle_buffer": arguments.shuffle_buffer,
                         "cache": arguments.cache is not None,
                         "seed": arguments.seed}}


def main(argv=None):
    """Run the benchmark (or, with ``--child``, one path); print the
    table; write the JSON; return the report."""
    arguments = arguments_from(argv)
    if arguments.child:
        return child(arguments)
    with tempfile.TemporaryDirectory(prefix="streaming-memory-") as scratch:
        if arguments.folder is None:
            arguments.folder = pathlib.Path(scratch) / "images"
        report = run(arguments)
    settings = report["settings"]
    print(f"{settings['images']:,} JPEGs of {settings['image_size']}x"
          f"{settings['image_size']} (written in "
          f"{report['generation_seconds']:.0f} s), trained at "
          f"{settings['size']}x{settings['size']}, {settings['epochs']} "
          f"epochs of batch {settings['batch_size']}")
    print(f"{'path':<12}{'peak MiB':>10}{'before data':>13}{'data MiB':>10}"
          f"{'images/s':>10}")
    for path, result in report["results"].items():
        print(f"{path:<12}{result['peak_mib']:>10.0f}"
              f"{result['baseline_mib']:>13.0f}{result['data_mib']:>10.0f}"
              f"{result['images_per_second']:>10.0f}")
    print(f"in memory / streamed: x{report['peak_ratio']:.2f} peak, "
          f"x{report['data_ratio']:.1f} of the data's own memory; the "
          f"float32 array alone is {report['float32_array_mib']:.0f} MiB; "
          f"the streamed path holds about {report['streamed_bound_mib']:.0f}"
          " MiB by construction (only the file names grow with the "
          "folder)")
    path = BENCHMARK.write(report, arguments)
    print(f"wrote {path}")
    return report


if __name__ == "__main__":
    main()
