#!/usr/bin/env python3
"""What the benchmark scripts share: the machine, the clock, the files.

A benchmark here compares contestants (ways of training the same
networks) in one process. ``measure`` warms each up, then times them in
rounds whose order rotates, so that a neighbour's load on the shared
CPUs falls on all of them alike; ``summarise`` turns the rounds into
medians and a speed-up (the median of the per-round ratios: each ratio
compares two runs made seconds apart, under similar load).
``ReferenceLoop`` is the contestant every speed benchmark races ``fit``
against: the plain, hand-written way to train a GAN (a Python loop, one
``tf.function`` per network update, real batches drawn in NumPy by
``random_rows`` or ``random_slices``). ``built_as_train`` is the other
kind of contestant: a model of the registry built, averaged and
augmented exactly as ``python -m ganlab train`` builds it for some flags,
so that a benchmark measures what users train. ``machine`` describes the
computer from the computer itself, and ``bar_chart`` draws the results
without ever leaving half a file (the JSON goes through
``ganlab.io.write_json``).

``Benchmark`` is the plumbing of every script: the flags they all take
(``--out``, ``--seed``, ``--quick``, ``--rounds``), the checks of counts,
and the JSON report with the machine in it, so that a script declares
only its own flags and contestants. ``FitContestant`` and
``endless_batches`` are the ``fit`` side of the races.
"""
import argparse
import os
import pathlib
import platform
import statistics
import time

import keras
import numpy as np
import tensorflow as tf

from ganlab import image_files, io, lessons

# Every gradient computed before any weight moves (see the lesson's
# docstring): the reference loop must be exact, so it waits as the ProGAN does
computed_together = lessons.load("4-progan").computed_together


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


class Benchmark:
    """The flags, checks and report that every benchmark script shares.

    A script makes one with the stem of its report (``name``), its
    docstring and what ``--quick`` means for it; to read its flags it
    takes a fresh ``parser()``, adds its own flags and calls ``parse``;
    ``write`` puts the report where ``--out`` says, with the machine in
    it. ``rounds``, when given, is the default of ``--rounds`` (timed
    rounds per contestant); None leaves the flag out, as False for
    ``seed`` leaves out ``--seed``.
    """

    def __init__(self, name, description, quick, rounds=None, seed=True):
        """Keep what the shared flags and the report need."""
        self.name, self.description = name, description
        self.quick, self.rounds, self.seed = quick, rounds, seed

    def parser(self):
        """Return a fresh parser with the script's docstring; the shared
        flags are added by ``parse``, after the script's own, so that
        ``--help`` lists the script's first."""
        return argparse.ArgumentParser(
            description=self.description,
            formatter_class=argparse.RawDescriptionHelpFormatter)

    def parse(self, parser, argv, quick=None, at_least_one=()):
        """Add the shared flags to ``parser`` and parse ``argv`` (None:
        the command line). Under ``--quick`` each flag named in ``quick``
        takes its value there; then every flag named in ``at_least_one``
        (dashes as underscores) must be at least 1. Returns the
        namespace."""
        if self.rounds is not None:
            parser.add_argument("--rounds", type=int, default=self.rounds,
                                help="timed rounds per contestant "
                                     "(default: %(default)s)")
        parser.add_argument("--quick", action="store_true", help=self.quick)
        parser.add_argument("--out", type=pathlib.Path,
                            default=pathlib.Path("outputs/benchmarks"),
                            help="the folder of the report "
                                 "(default: %(default)s)")
        if self.seed:
            parser.add_argument("--seed", type=int, default=0)
        arguments = parser.parse_args(argv)
        if arguments.quick:
            for name, value in (quick or {}).items():
                setattr(arguments, name, value)
        for name in at_least_one:
            value = getattr(arguments, name)
            if value < 1:
                parser.error(f"--{name.replace('_', '-')} must be at least "
                             f"1; got {value}")
        return arguments

    def write(self, report, arguments, name=None):
        """Write ``report`` as JSON to ``--out``/NAME.json (NAME: the
        benchmark's, unless given), with ``machine()`` in it unless the
        script described the machine already; return the path."""
        report.setdefault("machine", machine())
        return io.write_json(report,
                             arguments.out / f"{name or self.name}.json")


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


def endless_batches(images, batch_size, seed, prefetch=0):
    """Return an endless ``tf.data`` pipeline of shuffled batches of
    ``images`` held in memory, ``prefetch`` batches ahead when asked.
    Autotuning is off: its thread can hold up the return of ``fit`` by
    seconds on these machines."""
    options = tf.data.Options()
    options.autotune.enabled = False
    dataset = (tf.data.Dataset.from_tensor_slices(images)
               .shuffle(len(images), seed=seed).repeat()
               .batch(batch_size, drop_remainder=True))
    if prefetch:
        dataset = dataset.prefetch(prefetch)
    return dataset.with_options(options)


class FitContestant:
    """A compiled GAN trained by ``fit``, as ``measure`` and the races
    want it.

    A benchmark step is ``repeats`` training steps, ``images_per_step``
    real images (``repeats * batch_size``, when the batch is known).
    ``batches`` is what ``fit`` reads, or None for a model that draws its
    own real batches. ``generator`` is the network a race scores.
    """

    def __init__(self, gan, batches=None, repeats=1, batch_size=None):
        """Keep the compiled ``gan`` and what it trains on."""
        self.gan, self.batches, self.repeats = gan, batches, repeats
        self.batch_size = batch_size
        self.images_per_step = repeats * (batch_size or 0)

    @property
    def generator(self):
        """The network scored now."""
        return self.gan.generator

    def train(self, steps):
        """Run ``steps`` benchmark steps in one call of ``fit``."""
        # The batches shuffle themselves; fit's own shuffle would only warn.
        history = self.gan.fit(self.batches, epochs=1, shuffle=False,
                               steps_per_epoch=steps * self.repeats,
                               verbose=0)
        # reading a loss makes sure the work is done before the clock stops
        float(next(iter(history.history.values()))[-1])


def random_rows(examples, batch_size, seed):
    """Return a batch source: each call draws ``batch_size`` distinct rows
    of ``examples`` at random in NumPy (``rng.choice``, as a naive user
    would)."""
    rng = np.random.default_rng(seed)

    def next_batch():
        """The next real batch."""
        return examples[rng.choice(len(examples), batch_size,
                                   replace=False)]
    return next_batch


def random_slices(examples, batch_size, seed):
    """Return a batch source: each call takes ``batch_size`` consecutive
    rows of ``examples`` from a random start, a cheap NumPy slice."""
    rng = np.random.default_rng(seed)

    def next_batch():
        """The next real batch."""
        start = rng.integers(len(examples) - batch_size + 1)
        return examples[start:start + batch_size]
    return next_batch


class ReferenceLoop:
    """The plain way to train a GAN, the reference of the speed
    benchmarks: a Python loop that draws each real batch in NumPy and
    calls one ``tf.function`` per network update, ``critic_steps`` critic
    updates then one generator update.

    What is trained and how is all given:

    - ``generator``, ``critic``: the networks; ``latent(batch_size)``
      returns a batch of latent vectors;
    - ``next_batch()``: the batch source, returning one real batch
      (``random_rows``, ``random_slices``); ``batch_size`` fake examples
      go with each;
    - ``critic_loss(real_scores, fake_scores)`` and
      ``generator_loss(fake_scores)``: the losses;
    - ``generator_optimizer``, ``critic_optimizer``: one each;
    - ``penalty(real, fake, real_scores)``: a term added to the critic's
      loss under the tape (a gradient penalty, a drift), or None;
    - ``clip``: after each critic update its weights are clipped to
      [-clip, clip] (weight clipping), or None;
    - ``augment(real)``: applied to each real batch inside the critic's
      graph, or None;
    - ``critic_training``: the ``training`` flag of the critic during the
      generator's update (the lessons 0-2 use False);
    - ``generator_variables``, ``critic_variables``: what trains; by
      default the networks' ``trainable_variables``.

    ``train(steps)`` runs ``steps`` generator steps and returns once they
    are done, as ``measure`` wants.
    """

    def __init__(self, generator, critic, latent, next_batch, batch_size,
                 critic_loss, generator_loss, generator_optimizer,
                 critic_optimizer, critic_steps=1, penalty=None, clip=None,
                 augment=None, critic_training=True,
                 generator_variables=None, critic_variables=None):
        """Keep what the updates need."""
        self.generator, self.critic = generator, critic
        self.latent = latent
        self.next_batch = next_batch
        self.batch_size = batch_size
        self.critic_loss, self.generator_loss = critic_loss, generator_loss
        self.generator_optimizer = generator_optimizer
        self.critic_optimizer = critic_optimizer
        self.critic_steps = critic_steps
        self.penalty, self.clip, self.augment = penalty, clip, augment
        self.critic_training = critic_training
        self.generator_variables = generator_variables
        self.critic_variables = critic_variables

    @tf.function
    def critic_update(self, real):
        """One critic update on a real batch and a fresh fake one."""
        if self.augment is not None:
            real = self.augment(real)
        latent = self.latent(self.batch_size)
        with tf.GradientTape() as tape:
            fake = self.generator(latent, training=True)
            real_scores = self.critic(real, training=True)
            loss = self.critic_loss(real_scores,
                                    self.critic(fake, training=True))
            if self.penalty is not None:
                loss += self.penalty(real, fake, real_scores)
        variables = (self.critic.trainable_variables
                     if self.critic_variables is None
                     else self.critic_variables)
        self.critic_optimizer.apply_gradients(
            zip(computed_together(tape.gradient(loss, variables)),
                variables))
        if self.clip is not None:
            for variable in variables:
                variable.assign(tf.clip_by_value(variable, -self.clip,
                                                 self.clip))
        return loss

    @tf.function
    def generator_update(self):
        """One generator update on fresh latent vectors."""
        latent = self.latent(self.batch_size)
        with tf.GradientTape() as tape:
            loss = self.generator_loss(self.critic(
                self.generator(latent, training=True),
                training=self.critic_training))
        variables = (self.generator.trainable_variables
                     if self.generator_variables is None
                     else self.generator_variables)
        self.generator_optimizer.apply_gradients(
            zip(computed_together(tape.gradient(loss, variables)),
                variables))
        return loss

    def train(self, steps):
        """Run ``steps`` generator steps; wait for the last."""
        for _ in range(steps):
            for _ in range(self.critic_steps):
                self.critic_update(self.next_batch())
            loss = self.generator_update()
        # reading a value makes sure the work is done before the clock stops
        float(loss)


def normal_latent(latent_dim):
    """Return ``latent(batch_size)``: standard normal vectors of
    ``latent_dim``."""
    def latent(batch_size):
        """A batch of latent vectors."""
        return tf.random.normal((batch_size, latent_dim))
    return latent


class TrainBuilt:
    """What ``python -m ganlab train`` builds for its flags, before it
    fits: ``config`` (its ``RunConfig``, resolved as ``train`` does),
    ``model`` (the registry entry), ``examples`` (the images it trains
    on, resized and scaled to [-1, 1]), ``gan`` (compiled), ``averaging``
    (the ``GeneratorAveraging`` callback, or None when the model averages
    nothing) and ``augment_line`` (what ``--augment auto`` chose, and
    why; None when the policy was given)."""

    def __init__(self, config, model, examples, gan, averaging,
                 augment_line):
        """Keep the parts."""
        self.config, self.model, self.examples = config, model, examples
        self.gan, self.averaging = gan, averaging
        self.augment_line = augment_line

    def sampled(self):
        """Return the network ``train`` draws its grids and
        ``generator.keras`` from now: the average, brought to the
        trained generator's state by the entry's ``follow`` (batch-norm
        statistics of its own; the ProGAN's stage), or the generator."""
        if self.averaging is None:
            return self.gan.generator
        return self.model.follow(self.averaging.average.network,
                                 self.gan.generator)

    def fit(self, steps):
        """Train ``steps`` steps as ``train`` does, through the entry's
        ``fit`` (the DCGAN's batches read on from the step reached), with
        the average as its callback. Not for the ProGAN, whose ``fit``
        grows through the whole schedule."""
        self.model.fit(self.gan, self.examples, self.config, dict(
            epochs=1, steps_per_epoch=steps, initial_epoch=0, verbose=0,
            callbacks=[] if self.averaging is None else [self.averaging]))


def built_as_train(flags, images, description):
    """Return a ``TrainBuilt``: the GAN ``python -m ganlab train FLAGS``
    builds for ``images`` (uint8, (N, H, W) or (N, H, W, C), of the data
    set ``description`` names), and its average.

    The flags are resolved by ``train``'s own ``config.resolve`` (the
    model's defaults, ``--img_size`` from the data through the entry's
    ``image_side``, ``--augment auto`` from the count of images) and
    ``--precision`` settled for this machine, the seed is set, the images
    are resized and scaled, and the model is built, in that order, as
    ``train`` does; nothing is written.
    """
    import dataclasses

    from ganlab import cli
    from ganlab.data import sources
    from ganlab.training import config as run_config
    from ganlab.training import registry, train
    from ganlab.training.averaging import GeneratorAveraging
    from ganlab.training.seeding import set_seed
    parser = cli.build_parser("train")
    arguments = parser.parse_args(["train", *flags])

    def read(wanted, image_side, **unused):
        """The images given, checked and sized as train reads data."""
        return sources.checked_images(
            images, dataclasses.replace(wanted, description=description),
            description, image_side)
    lines = []
    config, _ = run_config.resolve(arguments, parser, read, lines.append)
    augment_line = next((line for line in lines
                         if line.startswith("--augment")), None)
    config = run_config.with_arithmetic(config)
    model = registry.entry(config.model.name)
    set_seed(config.run.seed)
    examples = sources.prepare_examples(images, config.data.img_size,
                                        config.data.channels)
    augment = train.make_augment(config)
    gan, _ = train.build_gan(config, examples, augment)
    averaging = None
    if config.techniques.average_decay:
        averaging = GeneratorAveraging(
            gan.generator, config.techniques.average_decay,
            config.techniques.average_warmup,
            copy_network=model.copy_generator)
    return TrainBuilt(config, model, examples, gan, averaging,
                      augment_line)


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
    figure, all_axes = image_files.plt.subplots(
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
    return image_files.save_figure(figure, path)
