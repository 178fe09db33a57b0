#!/usr/bin/env python3
"""How does training speed scale? A model of the command line, two ways.

``--model`` chooses what trains, built as ``python -m ganlab train
--model ...`` builds it (``ganlab.training.registry``), inside a
strategy's scope, then ``fit(epochs=1, steps_per_epoch=N)``:

- ``mlp`` (the default): ``ganlab.training.nonsaturating.MLPGAN`` with its
  default networks (28x28x1 images; generator 100-128-256-512-1024-784,
  discriminator 784-512-256-1), which draws its own real batches;
- ``dcgan``: task 5's DCGAN (32x32x3 images, 128-256-512 filters in the
  discriminator), fed ``ganlab.data.batches.real_batches`` through
  ``tf.data``, as the command line feeds it.

Each training step updates the discriminator once, on ``batch_size`` real
images and as many fakes, then the generator once.

Only speed is measured, so the data are 10,000 random images drawn
uniformly from [-1, 1]: a training step does the same arithmetic on them
as on real digits, and nothing needs downloading.

Speed is counted in real images per second: the real examples the
discriminator reads, ``batch_size`` per training step. Two questions:

1. Against the batch size (``--batch-sizes``, default 32 to 512), on one
   device (``tf.distribute.OneDeviceStrategy("/cpu:0")``). A small batch
   pays the fixed cost of a step (launching its operations, the random
   draws, the optimizer updates) for few images; where the curve stops
   rising, the matrix products themselves take the time.
2. At one global batch (``--device-batch``, default 256), on one device
   against two logical CPU devices under ``tf.distribute.MirroredStrategy``,
   each replica taking half the batch. Two logical devices are made by
   splitting the CPU before TensorFlow starts its devices
   (``tf.config.set_logical_device_configuration``), which is why this
   script must do that first thing in a fresh process. Both logical
   devices share the same physical cores and the same thread pools: the
   second device adds no arithmetic, so the ratio measures what the
   strategy costs (copying the variables, summing the gradients, pooling
   the batch-norm statistics) against what running two half batches side
   by side gains, not how the model would scale on two real GPUs or
   machines.

Each part uses ``benchmarks/common.py``: every contestant (one compiled
model, reused across rounds) first trains ``--warmup`` steps untimed
(tracing, graph optimisation, oneDNN's choice of kernels), then
``--rounds`` rounds time every contestant in an order that rotates from
round to round, so that a neighbour's load on the shared CPUs falls on all
of them alike. Medians over the rounds are reported; a ratio is the median
of the per-round ratios, each made of two runs seconds apart.

So that every contestant reads about as many images per round, ``--steps``
and ``--warmup`` count training steps at the largest batch of either part,
and a batch k times smaller trains k times as many steps (rounded). Each
round is one call of ``fit``, whose fixed cost (about 0.2 s here: callbacks,
the dataset iterator) is part of the time; it weighs most on the largest
batch, whose round is the shortest.

    python benchmarks/scaling.py            # about 5 minutes on 2 idle cores
    python benchmarks/scaling.py --model dcgan --out docs/benchmarks/dcgan
    python benchmarks/scaling.py --batch-sizes 16,256,1024 --device-batch 512
    python benchmarks/scaling.py --quick    # a smoke test, well under a minute

It prints a table per part and writes ``scaling.json`` and ``scaling.png``
(images per second against the batch size, and 1 against 2 devices) to
``--out`` (default ``outputs/benchmarks``).
"""
import os

import numpy as np
import tensorflow as tf

import common
from ganlab import cli, image_files
from ganlab.data.batches import real_batches
from ganlab.nets import mlp_gan
from ganlab.training import config as run_config
from ganlab.training import nonsaturating, registry

EXAMPLES = 10_000
IMAGE_SHAPES = {"mlp": (28, 28, 1), "dcgan": (32, 32, 3)}
DESCRIPTIONS = {"mlp": "ganlab.training.nonsaturating.MLPGAN, default "
                        "networks",
                "dcgan": "task 5's DCGAN as --model dcgan builds it, fed "
                         "real_batches through tf.data"}
DEVICES = ("/cpu:0", "/cpu:1")
SHARED_NOTE = ("both logical devices share the same {cpus} physical cores "
               "and thread pools: the second adds no arithmetic, so the "
               "ratio is the strategy's cost against what two half batches "
               "side by side gain")


BENCHMARK = common.Benchmark(
    "scaling", __doc__, rounds=5, seed=False,
    quick="batches 16 and 32, a few steps, 2 rounds: checks that it runs, "
          "measures nothing worth quoting")


def arguments_from(argv):
    """Parse and check the flags; ``--quick`` shrinks everything."""
    parser = BENCHMARK.parser()
    parser.add_argument("--model", choices=sorted(IMAGE_SHAPES),
                        default="mlp",
                        help="what trains (default: %(default)s)")
    parser.add_argument("--batch-sizes", default="32,64,128,256,512",
                        type=common.comma_separated(int, "32,64,128"),
                        help="batch sizes of part 1, comma separated "
                             "(default: %(default)s)")
    parser.add_argument("--device-batch", type=int, default=256,
                        help="the global batch of part 2, split evenly "
                             "between two devices (default: %(default)s)")
    parser.add_argument("--steps", type=int, default=30,
                        help="timed training steps per round at the "
                             "largest batch; smaller batches train "
                             "proportionally more (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=10,
                        help="untimed training steps at the largest batch, "
                             "counted like --steps (default: %(default)s)")
    arguments = BENCHMARK.parse(
        parser, argv, quick=dict(batch_sizes=[16, 32], device_batch=32,
                                 steps=2, warmup=1, rounds=2),
        at_least_one=("steps", "warmup", "rounds"))
    arguments.batch_sizes = sorted(set(arguments.batch_sizes))
    # batch normalisation of a single example leaves nothing to normalise
    if not all(2 <= size <= EXAMPLES for size in arguments.batch_sizes):
        parser.error(f"--batch-sizes must lie between 2 and the {EXAMPLES:,} "
                     f"examples; got {arguments.batch_sizes}")
    if (arguments.device_batch < 2 or arguments.device_batch % 2
            or arguments.device_batch > EXAMPLES):
        parser.error("--device-batch must be even, at least 2 and at most "
                     f"{EXAMPLES:,}, so that each of the two devices gets an "
                     f"equal share; got {arguments.device_batch}")
    return arguments


def split_cpu_in_two():
    """Make the CPU two logical devices, ``/cpu:0`` and ``/cpu:1``.

    TensorFlow allows this only before it starts its devices, so it has
    to run before anything else in the process uses TensorFlow. Calling
    it again in a process it already split is harmless.
    """
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * len(DEVICES))
    except RuntimeError as error:
        if len(tf.config.list_logical_devices("CPU")) < len(DEVICES):
            raise RuntimeError(
                "benchmarks/scaling.py needs two logical CPU devices, which "
                "can only be made before TensorFlow initialises its devices, "
                "and TensorFlow was already initialised in this process. Run "
                "it in a fresh process (python benchmarks/scaling.py), or "
                "call main() before anything else uses TensorFlow.") from error


def repeats_for(batch_size, largest):
    """Training steps per benchmark step: ``largest / batch_size``,
    rounded, at least 1, so every batch reads about as many images."""
    return max(1, round(largest / batch_size))


def fit_contestant(strategy, batch_size, real_examples, repeats,
                   model="mlp"):
    """Return a ``common.FitContestant``: one model (``--model``), built
    and compiled inside ``strategy``'s scope, so that its variables live
    on that strategy's devices, and trained by ``fit``, ``repeats``
    training steps (``repeats * batch_size`` real images) a benchmark
    step."""
    with strategy.scope():
        if model == "mlp":
            shape = IMAGE_SHAPES["mlp"]
            gan = nonsaturating.MLPGAN(
                mlp_gan.build_generator(image_shape=shape),
                mlp_gan.build_discriminator(image_shape=shape),
                real_examples, batch_size=batch_size)
            gan.compile()
            return common.FitContestant(gan, None, repeats, batch_size)
        # the command line's own defaults for this model and batch
        parser = cli.build_parser("train")
        arguments = parser.parse_args(
            ["train", "--model", model, "--batch_size", str(batch_size)])
        config, _ = run_config.resolve(arguments, parser)
        gan = registry.entry(model).build(config, real_examples)
    return common.FitContestant(
        gan, real_batches(real_examples, batch_size, config.run.seed),
        repeats, batch_size)


def measure_batch_sizes(arguments, real_examples, largest):
    """Part 1: time every batch size on one device; return its rows."""
    one_device = tf.distribute.OneDeviceStrategy(DEVICES[0])
    contestants = {f"batch {size}": fit_contestant(
        one_device, size, real_examples, repeats_for(size, largest),
        arguments.model)
        for size in arguments.batch_sizes}
    speeds = common.measure(
        contestants, arguments.warmup, arguments.steps, arguments.rounds,
        {name: contestant.images_per_step
         for name, contestant in contestants.items()})
    smallest = f"batch {arguments.batch_sizes[0]}"
    rows = []
    for name, contestant in contestants.items():
        summary = common.summarise(speeds, smallest, name)
        rows.append({
            "batch_size": contestant.batch_size,
            "training_steps_per_round": arguments.steps * contestant.repeats,
            "images_per_second": summary["examples_per_second"][name],
            "rounds": speeds[name],
            "relative_to_smallest": summary["speedup"],
            "relative_to_smallest_per_round": summary["speedup_per_round"]})
    return rows


def measure_devices(arguments, real_examples, largest):
    """Part 2: one global batch on one device and on two logical devices;
    return its part of the report."""
    batch = arguments.device_batch
    repeats = repeats_for(batch, largest)
    strategies = {
        "1 device": tf.distribute.OneDeviceStrategy(DEVICES[0]),
        "2 devices": tf.distribute.MirroredStrategy(list(DEVICES))}
    contestants = {name: fit_contestant(strategy, batch, real_examples,
                                        repeats, arguments.model)
                   for name, strategy in strategies.items()}
    speeds = common.measure(
        contestants, arguments.warmup, arguments.steps, arguments.rounds,
        {name: contestant.images_per_step
         for name, contestant in contestants.items()})
    summary = common.summarise(speeds, "1 device", "2 devices")
    return {
        "global_batch": batch,
        "training_steps_per_round": arguments.steps * repeats,
        "contestants": [
            {"name": name, "devices": len(devices), "device_names": devices,
             "strategy": type(strategies[name]).__name__,
             "batch_per_device": batch // len(devices),
             "images_per_second": summary["examples_per_second"][name],
             "rounds": speeds[name]}
            for name, devices in (("1 device", [DEVICES[0]]),
                                  ("2 devices", list(DEVICES)))],
        "two_over_one": summary["speedup"],
        "two_over_one_per_round": summary["speedup_per_round"],
        "two_over_one_of_medians": summary["speedup_of_medians"],
        "note": SHARED_NOTE.format(cpus=os.cpu_count())}


def print_batch_sizes(rows, rounds):
    """Print part 1's table."""
    print(f"part 1: images per second against the batch size, one device "
          f"({DEVICES[0]}), median of {rounds} rounds")
    print(f"  {'batch':>6s} {'steps/round':>12s} {'images/s':>10s} "
          f"{'x batch ' + str(rows[0]['batch_size']):>12s}")
    for row in rows:
        print(f"  {row['batch_size']:6d} "
              f"{row['training_steps_per_round']:12d} "
              f"{row['images_per_second']:10.0f} "
              f"{row['relative_to_smallest']:12.2f}")


def print_devices(part, rounds):
    """Print part 2's table and why its ratio comes out as it does."""
    print(f"part 2: global batch {part['global_batch']}, one device against "
          f"two logical CPU devices (MirroredStrategy), median of {rounds} "
          "rounds")
    print(f"  note: {part['note']}")
    print(f"  {'devices':>8s} {'batch/device':>13s} {'images/s':>10s} "
          f"{'x 1 device':>11s}")
    for contestant in part["contestants"]:
        ratio = (part["two_over_one"] if contestant["devices"] == 2 else 1.)
        print(f"  {contestant['devices']:8d} "
              f"{contestant['batch_per_device']:13d} "
              f"{contestant['images_per_second']:10.0f} {ratio:11.2f}")


def plot(report, path):
    """Images per second against the batch size (log-2 axis; line:
    medians, dots: rounds) beside a bar panel of 1 against 2 devices."""
    figure, (line_axes, bar_axes) = image_files.plt.subplots(
        1, 2, figsize=(9, 3.8), gridspec_kw={"width_ratios": [3, 1.3]})
    rows = report["batch_sizes"]
    sizes = [row["batch_size"] for row in rows]
    line_axes.plot(sizes, [row["images_per_second"] for row in rows],
                   "-", color="tab:blue", label="median")
    for row in rows:
        line_axes.plot([row["batch_size"]] * len(row["rounds"]), row["rounds"],
                       "k.", ms=3)
    line_axes.set_xscale("log", base=2)
    line_axes.set_xticks(sizes, [str(size) for size in sizes])
    line_axes.minorticks_off()
    line_axes.set_ylim(bottom=0)
    line_axes.set(xlabel="batch size", ylabel="real images per second",
                  title=f"one device ({DEVICES[0]})")
    part = report["devices"]
    names = [contestant["name"] for contestant in part["contestants"]]
    bar_axes.bar(names, [contestant["images_per_second"]
                         for contestant in part["contestants"]],
                 color=["0.6", "tab:blue"])
    for column, contestant in enumerate(part["contestants"]):
        bar_axes.plot([column] * len(contestant["rounds"]),
                      contestant["rounds"], "k.", ms=3)
    bar_axes.set_title(f"global batch {part['global_batch']}\n(2 logical "
                       f"devices share {report['machine']['cpus']} cores)",
                       fontsize=9)
    for axes in (line_axes, bar_axes):
        axes.title.set_fontsize(9)
        axes.tick_params(labelsize=8)
    figure.suptitle(f"{report['model_name']} training speed (line and "
                    "bars: medians; dots: rounds)", fontsize=10)
    figure.tight_layout()
    return image_files.save_figure(figure, path)


def main(argv=None):
    """Split the CPU, measure both parts, print the tables, write JSON and
    PNG; return the report."""
    arguments = arguments_from(argv)
    split_cpu_in_two()
    description = common.machine()
    shape = IMAGE_SHAPES[arguments.model]
    real_examples = np.random.default_rng(0).uniform(
        -1, 1, (EXAMPLES,) + shape).astype(np.float32)
    largest = max(arguments.batch_sizes + [arguments.device_batch])
    rows = measure_batch_sizes(arguments, real_examples, largest)
    print_batch_sizes(rows, arguments.rounds)
    devices = measure_devices(arguments, real_examples, largest)
    print_devices(devices, arguments.rounds)
    report = {"model": DESCRIPTIONS[arguments.model],
              "model_name": arguments.model,
              "data": {"examples": EXAMPLES, "shape": list(shape),
                       "values": "uniform random in [-1, 1]"},
              "batch_sizes": rows, "devices": devices,
              "settings": {"batch_sizes": arguments.batch_sizes,
                           "device_batch": arguments.device_batch,
                           "steps_at_largest_batch": arguments.steps,
                           "warmup_at_largest_batch": arguments.warmup,
                           "largest_batch": largest,
                           "rounds": arguments.rounds,
                           "quick": arguments.quick},
              "machine": description}
    path = BENCHMARK.write(report, arguments)
    plot(report, arguments.out / "scaling.png")
    print(f"wrote {path} and {path.with_suffix('.png')}")
    return report


if __name__ == "__main__":
    main()
