#!/usr/bin/env python3
"""Training speed of task 5's DCGAN: our ``fit`` path against a plain loop.

Three ways of training the same DCGAN (``5-dcgan_cifar.py``: the same
generator and discriminator, losses, label smoothing, learning rates and
in-graph augmentation) on the same offline images
(``ganlab.data.image_sets.cifar10_surrogate``), in one process:

- reference: the simplest way to write it, float32, a Python loop that
  slices a NumPy batch and calls one ``tf.function`` per network update
  (discriminator, then generator);
- fit, float32: ``DCGAN.compile(steps_per_execution=K)`` and ``fit`` on a
  ``tf.data`` pipeline of the images held in memory;
- fit, bfloat16: the same with both networks switched to bfloat16 by
  ``ganlab.nets.precision.use_bfloat16`` (hidden layers compute in bfloat16,
  weights and the two output layers stay float32). This is "ours".

The middle one tells how much of the gain comes from the ``fit`` path
itself and how much from bfloat16. Each contestant first trains
``--warmup`` steps (tracing, graph optimisation, oneDNN's kernel choice),
which are not timed. Then ``--rounds`` rounds each time ``--steps`` steps
of every contestant, in an order that rotates every round, so that a
neighbour's load on the shared CPUs falls on all of them alike; the
medians over rounds are reported, and the speed-up is the median of the
per-round ratios (ours / reference), each made of two runs seconds apart
(``benchmarks/common.py``, shared with the other speed benchmarks).

    python benchmarks/dcgan_speed.py            # 3 to 6 minutes on 2 shared cores
    python benchmarks/dcgan_speed.py --quick    # a smoke test, under a minute

It prints a table and writes ``dcgan_speed.json`` and ``dcgan_speed.png``
to ``--out`` (default ``outputs/benchmarks``).
"""
import keras

import common
from ganlab import lessons
from ganlab.data import image_sets
from ganlab.nets import precision

dcgan = lessons.load("5-dcgan_cifar")

LATENT_DIM = 100
FILTERS = {"small": (64, 128, 256), "large": (128, 256, 512),
           "tiny": (8, 16, 32)}


BENCHMARK = common.Benchmark(
    "dcgan_speed", __doc__, rounds=5,
    quick="tiny networks, few steps: checks that it runs, measures "
          "nothing worth quoting")


def arguments_from(argv):
    """Parse and check the flags; ``--quick`` shrinks everything."""
    parser = BENCHMARK.parser()
    parser.add_argument("--filters", choices=sorted(FILTERS),
                        default="small",
                        help="discriminator widths: small 64-128-256 (the "
                             "demo's), large 128-256-512, tiny 8-16-32 "
                             "(default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--images", type=int, default=2048,
                        help="offline images to train on "
                             "(default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=16,
                        help="untimed steps per contestant "
                             "(default: %(default)s)")
    parser.add_argument("--steps", type=int, default=32,
                        help="timed steps per contestant and round "
                             "(default: %(default)s)")
    parser.add_argument("--steps-per-execution", type=int, default=8,
                        help="training steps fused into one call by fit "
                             "(default: %(default)s)")
    arguments = BENCHMARK.parse(
        parser, argv,
        quick=dict(filters="tiny", batch_size=8, images=64, warmup=2,
                   steps=2, rounds=2, steps_per_execution=2),
        at_least_one=("batch_size", "images", "warmup", "steps", "rounds",
                      "steps_per_execution"))
    for name in ("warmup", "steps"):
        if getattr(arguments, name) % arguments.steps_per_execution:
            parser.error(f"--{name} ({getattr(arguments, name)}) must be a "
                         "multiple of --steps-per-execution "
                         f"({arguments.steps_per_execution}), so that every "
                         "call of fit runs whole executions")
    if arguments.images < arguments.batch_size:
        parser.error(f"--images ({arguments.images}) must be at least "
                     f"--batch-size ({arguments.batch_size})")
    return arguments


def ReferenceLoop(generator, discriminator, images, batch_size, seed):
    """The plain way to train a DCGAN (``common.ReferenceLoop``): a Python
    loop over NumPy batches and one ``tf.function`` per network update, in
    float32.

    It uses the lesson's losses, augmentation and optimizer settings, so
    that it computes what ``DCGAN.train_step`` computes; only the way the
    work reaches TensorFlow differs.
    """
    return common.ReferenceLoop(
        generator, discriminator, common.normal_latent(LATENT_DIM),
        common.random_slices(images, batch_size, seed), batch_size,
        dcgan.discriminator_loss, dcgan.generator_loss,
        keras.optimizers.Adam(1e-4, beta_1=.5),
        keras.optimizers.Adam(4e-4, beta_1=.5), augment=dcgan.augment)


class FitPath:
    """Task 5's ``DCGAN`` trained by ``fit``, as a user of the package
    would: steps fused by ``steps_per_execution``, real batches from an
    in-memory ``tf.data`` pipeline."""

    def __init__(self, generator, discriminator, images, batch_size,
                 steps_per_execution, seed):
        """Compile the model and build the endless, shuffled dataset."""
        self.model = dcgan.DCGAN(generator, discriminator, LATENT_DIM)
        self.model.compile(steps_per_execution=steps_per_execution)
        self.dataset = common.endless_batches(images, batch_size, seed)

    def train(self, steps):
        """Run ``steps`` steps in one call of ``fit``."""
        # The dataset shuffles itself; fit's own shuffle would only warn.
        self.model.fit(self.dataset, epochs=1, steps_per_epoch=steps,
                       shuffle=False, verbose=0)


def main(argv=None):
    """Run the benchmark; print the table; write JSON and PNG; return the
    report."""
    arguments = arguments_from(argv)
    keras.utils.set_random_seed(arguments.seed)
    filters = FILTERS[arguments.filters]
    images = image_sets.to_symmetric(image_sets.cifar10_surrogate(
        arguments.images, arguments.seed))
    fused = arguments.steps_per_execution
    reference = "reference loop, float32"
    ours = f"fit x{fused}, bfloat16"
    size, seed = arguments.batch_size, arguments.seed

    def networks(bfloat16):
        """A fresh generator and discriminator, in bfloat16 if asked."""
        built = dcgan.build_networks(filters, LATENT_DIM)
        if bfloat16:
            for network in built:
                precision.use_bfloat16(network)
        return built

    contestants = {
        reference: ReferenceLoop(*networks(False), images, size, seed),
        f"fit x{fused}, float32": FitPath(*networks(False), images,
                                          size, fused, seed),
        ours: FitPath(*networks(True), images, size, fused,
                      seed)}
    speeds = common.measure(contestants, arguments.warmup, arguments.steps,
                            arguments.rounds, arguments.batch_size)
    summary = common.summarise(speeds, reference, ours)
    # a DCGAN's examples are images
    rates = summary["images_per_second"] = summary.pop("examples_per_second")

    title = f"DCGAN {'-'.join(map(str, filters))}, batch {size}"
    print(f"{title}, median of {arguments.rounds} rounds of "
          f"{arguments.steps} steps")
    for name, value in rates.items():
        print(f"  {name:28s} {value:8.1f} images/s  "
              f"x{value / rates[reference]:.2f}")
    print(f"  speed-up (median of per-round ratios): "
          f"{summary['speedup']:.2f}")

    report = dict(summary, rounds=speeds, reference=reference, ours=ours,
                  settings={
                      "filters": list(filters),
                      "batch_size": arguments.batch_size,
                      "images": arguments.images,
                      "warmup_steps": arguments.warmup,
                      "timed_steps": arguments.steps,
                      "rounds": arguments.rounds,
                      "steps_per_execution": fused,
                      "quick": arguments.quick,
                      "seed": arguments.seed})
    path = BENCHMARK.write(report, arguments)
    common.bar_chart(
        {title: {name: (rates[name], speeds[name]) for name in speeds}},
        arguments.out / "dcgan_speed.png",
        f"DCGAN training speed: {ours} is x{summary['speedup']:.2f} the "
        "reference", "real images per second (bars: median; dots: rounds)")
    print(f"wrote {path} and {path.with_suffix('.png')}")
    return report


if __name__ == "__main__":
    main()
