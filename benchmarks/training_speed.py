#!/usr/bin/env python3
"""Training speed of tasks 0-4: our ``fit`` path against a plain loop.

For each task the same networks are trained in one process by:

- the reference: the plain way to write it, float32, a Python loop that
  draws each real sample in NumPy (``rng.choice`` of ``batch_size``
  distinct rows, as a naive user would) and calls one ``tf.function``
  per network update: ``disc_iter`` critic updates, then one generator
  update. Its losses are the lessons' own loss functions;
- ``fit``: the lesson's model as its users train it, ``compile()`` with no
  argument then ``fit`` (one graph per training step; real samples
  gathered from a tensor inside it);
- ``fit xK``: the same with ``compile(steps_per_execution=K)``, which
  fuses K training steps into one call of the graph (opt-in: the
  curriculum's ``compile()`` stays as it is);
- for the convolutional tasks 3 and 4, ``fit xK, bfloat16``: both
  networks compute in bfloat16 (``ganlab.nets.precision.use_bfloat16``; the
  weights and the output layers stay float32);
- ``fit xK, XLA``: ``compile(jit_compile=True)`` as well, for the
  perceptrons of tasks 0-2; for the convolutional tasks only with
  ``--xla``, since XLA's CPU convolutions are several times slower than
  oneDNN's here and would make the run last far longer.

The models are those of the demos: task 0 the curriculum's tanh
perceptrons on the circle (``main/0-main.py``), task 1 ReLU perceptrons
64-64 with weight clipping (``main/1-main.py``), task 2 WGAN-GP on the ring
(the demo's ring recipe, ``ganlab.training.recipes``), task 3 the 16x16 face networks of
``convolutional_GenDiscr`` as a WGAN_GP (batch 200, 2 critic steps) on
10,000 random 16x16 images shaped like the curriculum's faces, task 4 the
ProGAN grown to its last stage, 16x16 at the demo's CPU sizes (64
filters, latent 64, batch 32), trained by ``ProGAN.train_step`` through
``fit`` on ``ganlab.data.batches.real_batches``.

Speed is counted in real examples per second: the examples the critic
reads, ``disc_iter * batch_size`` per generator step (``batch_size`` for
the ProGAN, which takes one critic step). Each contestant first trains
the warm-up steps of ``STEPS`` (tracing, graph optimisation, oneDNN's
choice of kernels), which are not timed; then ``--rounds`` rounds time each
contestant in a rotating order (``benchmarks/common.py``, shared with the
other speed benchmarks); medians are reported, and the speed-up is the
median of the per-round ratios (contestant / reference).

FLOPs: the floating-point operations of one training step are counted
from the graph of the model's ``train_step`` (traced once with
``tf.function``): every matrix product and convolution, forward and
backward, including the gradient penalty's second derivatives, at 2
FLOPs per multiply-add; element-wise operations are left out, so the
figure is a slight undercount. The reference does the same arithmetic.
The rate reached is compared with two peaks: the rate of a large float32
matrix product measured here ("achievable peak", the best of a few
runs), and a nominal peak from ``/proc/cpuinfo``: cores x clock x 2
fused multiply-add units x SIMD width in float32 lanes x 2.

    python benchmarks/training_speed.py              # about 7 minutes on 2 cores
    python benchmarks/training_speed.py --tasks 3,4 --xla
    python benchmarks/training_speed.py --quick      # a smoke test in seconds

It prints a table and writes ``training_speed.json`` and
``training_speed.png`` to ``--out`` (default ``outputs/benchmarks``).
"""
import math
import pathlib
import time

import keras
import numpy as np
import tensorflow as tf

ROOT = pathlib.Path(__file__).resolve().parents[1]

import common
from ganlab import lessons
from ganlab.data import batches, toy
from ganlab.nets import builders, precision
from ganlab.training import recipes

LESSONS = {"0": lessons.load("0-simple_gan"),
           "1": lessons.load("1-wgan_clip"),
           "2": lessons.load("2-wgan_gp")}
faces = lessons.load("3-generate_faces")
progan = lessons.load("4-progan")

REFERENCE = "reference loop, float32"
# untimed warm-up steps and timed steps per round of each task, full size
STEPS = {"0": (100, 600), "1": (100, 400), "2": (50, 200), "3": (10, 10),
         "4": (10, 20)}


BENCHMARK = common.Benchmark(
    "training_speed", __doc__, rounds=5,
    quick="tiny networks, few steps, no XLA (its compilation alone takes "
          "seconds): checks that it runs, measures nothing worth quoting")


def arguments_from(argv):
    """Parse and check the flags; ``--quick`` shrinks everything."""
    parser = BENCHMARK.parser()
    parser.add_argument("--tasks", default="0,1,2,3,4",
                        type=common.comma_separated(str.strip, "0,3"),
                        help="tasks to measure, comma separated "
                             "(default: %(default)s)")
    parser.add_argument("--steps-per-execution", type=int, default=10,
                        help="K, the training steps fused into one call "
                             "by the 'fit xK' contestants (default: "
                             "%(default)s)")
    parser.add_argument("--xla", action="store_true",
                        help="add a contestant compiled with XLA to the "
                             "convolutional tasks 3 and 4 too (slow) "
                             "(jit_compile=True)")
    arguments = BENCHMARK.parse(
        parser, argv, quick=dict(rounds=2, steps_per_execution=2),
        at_least_one=("rounds", "steps_per_execution"))
    unknown = [task for task in arguments.tasks if task not in STEPS]
    if unknown or not arguments.tasks:
        parser.error(f"--tasks must list tasks among {', '.join(STEPS)}; "
                     f"got {', '.join(unknown) or 'none'}")
    return arguments


def steps_for(task, arguments):
    """Return ``(warm-up steps, timed steps)``, rounded up to whole
    executions of ``--steps-per-execution`` steps."""
    warmup, timed = (2, 4) if arguments.quick else STEPS[task]
    fused = arguments.steps_per_execution
    return (fused * math.ceil(warmup / fused),
            fused * math.ceil(timed / fused))


class LessonSetup:
    """How one of tasks 0-3 is built: its lesson, networks, data and
    training settings, as in its demo."""

    def __init__(self, task, quick, ring_settings):
        """Fix the settings of ``task``; ``quick`` makes everything tiny;
        ``ring_settings`` are task 2's demo settings."""
        self.task = task
        self.lesson = LESSONS["2" if task == "3" else task]
        self.class_name = {"0": "Simple_GAN", "1": "WGAN_clip"}.get(
            task, "WGAN_GP")
        self.batch_size, self.disc_iter, self.learning_rate = {
            "0": (200, 2, .005), "1": (200, 5, .001),
            "2": (ring_settings["batch_size"], ring_settings["disc_iter"],
                  ring_settings["learning_rate"]),
            "3": (200, 2, .005)}[task]
        self.ring_hidden = ring_settings["hidden"]
        if quick:
            self.batch_size = 20
        if task in ("0", "1"):
            self.real = toy.circle(1000, seed=0)
        elif task == "2":
            self.real = toy.ring_of_gaussians().sample(2000, seed=0)
        else:
            # shaped and scaled like the curriculum's centred faces
            self.real = np.random.default_rng(0).uniform(
                -.72, .78, (200 if quick else 10000, 16, 16, 1)).astype(
                    np.float32)
        self.quick = quick

    def networks(self):
        """Return a fresh ``(generator, discriminator, latent_generator)``."""
        if self.task == "0":
            widths = [1, 8, 8, 2] if self.quick else [1, 100, 100, 2]
            return builders.fully_connected_GenDiscr(widths, self.real)
        if self.task in ("1", "2"):
            hidden = {"1": (64, 64), "2": self.ring_hidden}[self.task]
            return builders.mlp_GenDiscr(2, 2, (8, 8) if self.quick
                                       else hidden)
        generator, discriminator = faces.convolutional_GenDiscr()
        return generator, discriminator, lambda size: (
            builders.normal_generator(size, 16))

    def gan(self, networks):
        """Return the lesson's GAN around ``networks``, not yet compiled."""
        return getattr(self.lesson, self.class_name)(
            *networks, self.real, batch_size=self.batch_size,
            disc_iter=self.disc_iter, learning_rate=self.learning_rate)

    @property
    def examples_per_step(self):
        """Real examples the critic reads per generator step."""
        return self.disc_iter * self.batch_size


class LessonFit:
    """A lesson's GAN trained by ``fit``, the way its users train it."""

    def __init__(self, gan, **compile_arguments):
        """Compile: with no argument (the curriculum's way) unless the
        contestant opts in to fused steps or XLA."""
        self.gan = gan
        gan.compile(**compile_arguments)

    def train(self, steps):
        """Run ``steps`` generator steps in one call of ``fit``."""
        self.gan.fit(self.gan.real_examples, epochs=1,
                     steps_per_epoch=steps, verbose=0)


def gradient_penalty(critic, real, fake):
    """mean((||grad D(x_hat)|| - 1)^2) on random mixes of real and fake
    examples, as the lesson's WGAN_GP computes it."""
    axes = list(range(1, len(real.shape)))
    mix = tf.random.uniform([real.shape[0]] + [1] * len(axes))
    mixed = mix * real + (1. - mix) * fake
    with tf.GradientTape() as tape:
        tape.watch(mixed)
        scores = critic(mixed, training=True)
    gradients = tape.gradient(scores, mixed)
    norms = tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=axes))
    return tf.reduce_mean(tf.square(norms - 1.))


def lesson_reference(setup, networks, seed):
    """The plain way to train a lesson's networks
    (``common.ReferenceLoop``): a Python loop, a NumPy real sample per
    critic update, one ``tf.function`` per update.

    Losses, clipping and the gradient penalty follow the lesson, so each
    step computes what the lesson's ``train_step`` computes; one Adam per
    network, with the lesson's learning rate and betas.
    """
    generator, discriminator, latent_generator = networks
    lambda_gp = 10. if setup.class_name == "WGAN_GP" else 0.
    if setup.class_name == "Simple_GAN":
        critic_loss = setup.lesson.least_squares_discriminator_loss
        generator_loss = setup.lesson.least_squares_generator_loss
    else:
        critic_loss = setup.lesson.wasserstein_critic_loss
        generator_loss = setup.lesson.wasserstein_generator_loss
    beta_1 = .3 if lambda_gp else .5
    generator_optimizer, critic_optimizer = (
        keras.optimizers.Adam(setup.learning_rate, beta_1=beta_1, beta_2=.9)
        for _ in range(2))
    return common.ReferenceLoop(
        generator, discriminator, latent_generator,
        common.random_rows(setup.real, setup.batch_size, seed),
        setup.batch_size, critic_loss, generator_loss, generator_optimizer,
        critic_optimizer, critic_steps=setup.disc_iter,
        penalty=(lambda real, fake, real_scores: lambda_gp
                 * gradient_penalty(discriminator, real, fake))
        if lambda_gp else None,
        clip=1. if setup.class_name == "WGAN_clip" else None,
        critic_training=False)


class ProGANSetup:
    """The ProGAN of ``main/4-main.py`` at its last stage: 16x16 grey
    images, 64 filters, latent 64, batch 32 (the CPU preset)."""

    def __init__(self, quick):
        """Fix the sizes; ``quick`` shrinks them."""
        self.resolution = 8 if quick else 16
        self.filters = (dict(max_filters=8, filter_base=32) if quick
                        else dict(max_filters=64, filter_base=512))
        self.latent_dim = 8 if quick else 64
        self.batch_size = 4 if quick else 32
        self.schedule = progan.GrowthSchedule(
            self.resolution, batch_sizes={size: self.batch_size for size in
                                          progan.resolutions_up_to(
                                              self.resolution)})
        rng = np.random.default_rng(0)
        self.real = rng.uniform(-1, 1, (64 if quick else 1000,
                                        self.resolution, self.resolution,
                                        1)).astype(np.float32)
        self.examples_per_step = self.batch_size

    def networks(self, bfloat16=False):
        """Return a fresh ``(generator, critic)`` at the last stage;
        ``bfloat16`` makes them compute in it (outputs in float32)."""
        generator, critic = progan.build_networks(
            self.latent_dim, self.resolution, 1, **self.filters)
        last = len(generator.resolutions) - 1
        for network in (generator, critic):
            network.set_stage(last)
        if bfloat16:
            precision.use_bfloat16(generator, keep_float32=generator.to_rgb)
            precision.use_bfloat16(critic, keep_float32=critic.head[-1:])
        return generator, critic


class ProGANFit:
    """``ProGAN.train_step`` through ``fit``, at the last phase."""

    def __init__(self, setup, networks, **compile_arguments):
        """Build and compile the ProGAN; enter the last (stable) phase."""
        self.gan = progan.ProGAN(*networks)
        self.gan.compile(**compile_arguments)
        self.gan.enter_phase(setup.schedule.phases[-1])
        self.batches = batches.real_batches(setup.real, setup.batch_size,
                                            seed=0)

    def train(self, steps):
        """Run ``steps`` steps in one call of ``fit``."""
        self.gan.fit(self.batches, epochs=1, steps_per_epoch=steps,
                     shuffle=False, verbose=0)


def progan_reference(setup, networks, seed):
    """The plain way to train the same ProGAN networks
    (``common.ReferenceLoop``): a Python loop, a NumPy real batch per
    step, one ``tf.function`` per network update, with the ProGAN's losses
    (WGAN-GP with drift) and Adam settings."""
    generator, critic = networks
    batch_size = setup.batch_size

    def penalty(real, fake, real_scores):
        """Gradient penalty and drift, at the ProGAN's weights."""
        mix = tf.random.uniform((batch_size, 1, 1, 1))
        return (10. * progan.gradient_penalty(critic, real, fake, mix)
                + 1e-3 * progan.drift_penalty(real_scores))

    generator_optimizer, critic_optimizer = (
        keras.optimizers.Adam(1e-3, beta_1=0., beta_2=.99, epsilon=1e-8)
        for _ in range(2))
    return common.ReferenceLoop(
        generator, critic, common.normal_latent(setup.latent_dim),
        common.random_rows(setup.real, batch_size, seed), batch_size,
        progan.wasserstein_critic_loss,
        lambda fake_scores: -tf.reduce_mean(fake_scores),
        generator_optimizer, critic_optimizer, penalty=penalty,
        # the stage is fixed, so the variables that train are known now
        generator_variables=generator.active_variables(),
        critic_variables=critic.active_variables())


def graph_flops(graph):
    """Return the FLOPs of the matrix products and convolutions of
    ``graph`` (forward and backward), 2 per multiply-add, from the static
    shapes of their operands."""
    total = 0
    for operation in graph.get_operations():
        kind = operation.type
        if kind == "MatMul":
            left = operation.inputs[0].shape
            inner = left[0] if operation.get_attr("transpose_a") else left[1]
            total += 2 * operation.outputs[0].shape.num_elements() * inner
        elif kind in ("Conv2D", "Conv2DBackpropInput",
                      "Conv2DBackpropFilter"):
            # every one of the three does, per element of the convolution's
            # output (its gradient, for the backward ones), one multiply-add
            # per tap of the kernel and input channel
            kernel = (operation.outputs[0] if kind == "Conv2DBackpropFilter"
                      else operation.inputs[1]).shape
            result = (operation.outputs[0] if kind == "Conv2D"
                      else operation.inputs[2]).shape
            total += (2 * result.num_elements() * kernel[0] * kernel[1]
                      * kernel[2])
        elif kind in ("BatchMatMulV2", "BatchMatMulV3", "Conv3D",
                      "DepthwiseConv2dNative"):
            raise NotImplementedError(f"graph_flops does not count {kind}")
    return total


def train_step_flops(train_step, argument_spec):
    """Return the FLOPs of one call of ``train_step``, counted on its
    graph (traced, never run)."""
    concrete = tf.function(train_step).get_concrete_function(argument_spec)
    return graph_flops(concrete.graph)


def matmul_peak(size=2048, repeats=5):
    """Return the best rate, in FLOP/s, of a ``size`` x ``size`` float32
    matrix product over ``repeats`` runs (after one untimed run)."""
    left = tf.random.normal((size, size))
    right = tf.random.normal((size, size))
    product = tf.function(tf.matmul)
    float(tf.reduce_sum(product(left, right)))
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        float(tf.reduce_sum(product(left, right)))
        best = min(best, time.perf_counter() - start)
    return 2 * size ** 3 / best


def nominal_peak(description):
    """Return cores x clock x 2 FMA units x float32 lanes x 2 (FLOP/s)
    from the machine's description, or None without a known clock."""
    flags = set(description.get("cpu_flags", ()))
    lanes = 16 if "avx512f" in flags else 8 if "avx" in flags else 4
    fma = 2 if "fma" in flags else 1
    mhz = description.get("cpu_mhz")
    if not mhz or math.isnan(mhz):
        return None
    return description["cpus"] * mhz * 1e6 * 2 * lanes * fma


def lesson_contestants(task, arguments, ring_settings):
    """Return ``(contestants, flops per step, examples per step, title)``
    of one of tasks 0-3."""
    setup = LessonSetup(task, arguments.quick, ring_settings)
    fused = arguments.steps_per_execution
    contestants = {
        REFERENCE: lesson_reference(setup, setup.networks(), arguments.seed),
        "fit": LessonFit(setup.gan(setup.networks())),
        f"fit x{fused}": LessonFit(setup.gan(setup.networks()),
                                   steps_per_execution=fused)}
    if task == "3":
        generator, discriminator, latent = setup.networks()
        precision.use_bfloat16(generator)
        precision.use_bfloat16(discriminator)
        contestants[f"fit x{fused}, bfloat16"] = LessonFit(
            setup.gan((generator, discriminator, latent)),
            steps_per_execution=fused)
    if (task != "3" or arguments.xla) and not arguments.quick:
        contestants[f"fit x{fused}, XLA"] = LessonFit(
            setup.gan(setup.networks()), steps_per_execution=fused,
            jit_compile=True)
    flops = train_step_flops(contestants["fit"].gan.train_step,
                             tf.TensorSpec([], tf.float32))
    return contestants, flops, setup.examples_per_step, (
        f"task {task}: {setup.class_name}, batch {setup.batch_size}, "
        f"{setup.disc_iter} critic steps")


def progan_contestants(arguments):
    """Return ``(contestants, flops per step, examples per step, title)``
    of task 4."""
    setup = ProGANSetup(arguments.quick)
    fused = arguments.steps_per_execution
    contestants = {
        REFERENCE: progan_reference(setup, setup.networks(), arguments.seed),
        "fit": ProGANFit(setup, setup.networks()),
        f"fit x{fused}": ProGANFit(setup, setup.networks(),
                                   steps_per_execution=fused),
        f"fit x{fused}, bfloat16": ProGANFit(
            setup, setup.networks(bfloat16=True),
            steps_per_execution=fused)}
    if arguments.xla and not arguments.quick:
        contestants[f"fit x{fused}, XLA"] = ProGANFit(
            setup, setup.networks(), steps_per_execution=fused,
            jit_compile=True)
    flops = train_step_flops(
        contestants["fit"].gan.train_step,
        tf.TensorSpec((setup.batch_size, setup.resolution, setup.resolution,
                       1), tf.float32))
    return contestants, flops, setup.examples_per_step, (
        f"task 4: ProGAN at {setup.resolution}x{setup.resolution}, batch "
        f"{setup.batch_size}")


def measure_task(task, arguments, ring_settings):
    """Build, warm up and time every contestant of ``task``; return its
    part of the report (FLOP rates are added by ``main``)."""
    keras.utils.set_random_seed(arguments.seed)
    contestants, flops, examples_per_step, title = (
        progan_contestants(arguments) if task == "4"
        else lesson_contestants(task, arguments, ring_settings))
    warmup, steps = steps_for(task, arguments)
    speeds = common.measure(contestants, warmup, steps, arguments.rounds,
                            examples_per_step)
    summaries = {name: common.summarise(speeds, REFERENCE, name)
                 for name in contestants if name != REFERENCE}
    return {"title": title, "examples_per_step": examples_per_step,
            "flops_per_step": flops, "warmup_steps": warmup,
            "timed_steps": steps,
            "examples_per_second": summaries["fit"]["examples_per_second"],
            "speedup": {name: summary["speedup"]
                        for name, summary in summaries.items()},
            "speedup_of_medians": {name: summary["speedup_of_medians"]
                                   for name, summary in summaries.items()},
            "rounds": speeds}


def flop_rates(result, peak):
    """Return a task's ``flops_per_second`` per contestant and their
    ``share_of_matmul_peak`` (of ``peak``)."""
    rates = {name: rate / result["examples_per_step"]
             * result["flops_per_step"]
             for name, rate in result["examples_per_second"].items()}
    return {"flops_per_second": rates,
            "share_of_matmul_peak": {name: rate / peak
                                     for name, rate in rates.items()}}


def print_task(result, peak):
    """Print one task's table: speed, speed-up, FLOP rate, share of
    ``peak``."""
    rates = flop_rates(result, peak)
    print(f"{result['title']}  ({result['flops_per_step'] / 1e6:.1f} "
          f"MFLOP per step)", flush=True)
    for name, rate in result["examples_per_second"].items():
        ratio = result["speedup"].get(name, 1.)
        print(f"  {name:26s} {rate:10.0f} examples/s  x{ratio:5.2f}  "
              f"{rates['flops_per_second'][name] / 1e9:6.2f} GFLOP/s "
              f"{rates['share_of_matmul_peak'][name]:6.1%} of peak",
              flush=True)


def main(argv=None):
    """Measure every task asked for; print the table; write JSON and PNG;
    return the report."""
    arguments = arguments_from(argv)
    ring_settings = recipes.RING_SETTINGS
    description = common.machine()
    peak_size = 512 if arguments.quick else 2048
    before = matmul_peak(peak_size)
    tasks = {}
    for task in arguments.tasks:
        tasks[task] = measure_task(task, arguments, ring_settings)
        print_task(tasks[task], before)
    # the best of the two measurements, the CPUs being shared
    peak = max(before, matmul_peak(peak_size))
    nominal = nominal_peak(description)
    print(f"float32 matmul peak {peak / 1e9:.1f} GFLOP/s (first "
          f"{before / 1e9:.1f})"
          + (f", nominal {nominal / 1e9:.0f} GFLOP/s" if nominal else ""))
    print(f"final table, median of {arguments.rounds} rounds:")
    for result in tasks.values():
        print_task(result, peak)
        result.update(flop_rates(result, peak))
    report = {"reference": REFERENCE, "tasks": tasks,
              "matmul_peak_flops": peak, "nominal_peak_flops": nominal,
              "settings": {"rounds": arguments.rounds,
                           "steps_per_execution":
                               arguments.steps_per_execution,
                           "xla": arguments.xla, "quick": arguments.quick,
                           "seed": arguments.seed,
                           "ring_settings": {
                               **ring_settings,
                               "hidden": list(ring_settings["hidden"])}},
              "machine": description}
    path = BENCHMARK.write(report, arguments)
    common.bar_chart(
        {result["title"]: {name: (rate, result["rounds"][name])
                           for name, rate in
                           result["examples_per_second"].items()}
         for result in tasks.values()},
        arguments.out / "training_speed.png",
        "training speed: our fit paths against a plain reference loop",
        "real examples per second (bars: median; dots: rounds)")
    print(f"wrote {path} and {path.with_suffix('.png')}")
    return report


if __name__ == "__main__":
    main()
