#!/usr/bin/env python3
"""Train a GAN from the command line: ``python -m ganlab train``.

    python -m ganlab train --model r3gan --dataset emoji --out runs/emoji
    python -m ganlab train --model wgan-gp --dataset ring --out runs/ring
    # killed or stopped? the same command with --resume continues it
    python -m ganlab train --model r3gan --dataset emoji --out runs/emoji \\
        --resume

A flag left out takes the model's default (or the data's, for the image
size and channels); ``run.json`` in ``--out`` records every setting as
resolved. The models, data sets, techniques, run folder, devices and
resuming are described at length in docs/train.md.
"""
import contextlib

import numpy as np

from ganlab import io
from ganlab.data import sources
from ganlab.training import config as run_config
from ganlab.training import flags as train_flags
from ganlab.training import registry, run_folder
from ganlab.training.run_callbacks import (callbacks_of, kept_generator,
                                           state_line)

# the cli finds a command's flags in its module
add_arguments = train_flags.add_arguments

# TensorFlow is imported inside the functions that use it, not here: the
# flags are then checked, and a mistake reported in one line, before
# TensorFlow starts (seconds, and lines of its own logging).


def make_augment(config):
    """Return the ``DiffAugment`` layer of ``config``'s settled policy,
    seeded by its seed, or None for none. Make it inside the strategy's
    scope: its seed state is a variable."""
    if config.techniques.augment in ("none", "auto"):
        return None
    from ganlab.training.augment import DiffAugment
    return DiffAugment(config.techniques.augment, seed=config.run.seed)


def build_gan(config, examples, augment=None, labels=None):
    """Return ``(gan, loss_names)``, compiled, for ``config`` and the
    data: what the model's registry entry builds (with ``augment``, a
    ``DiffAugment`` layer, before its critic; with ``labels``, the
    examples' classes, conditional), and its loss names.

    Raises ValueError naming the flag when model and data do not fit.
    """
    model = registry.entry(config.model.name)
    model.check_data(config, examples)
    # only a model that takes classes (--conditional) is given labels
    given = {} if labels is None else {"labels": labels}
    return (model.build(config, examples, augment, **given),
            model.log_names(config)[0])


def reader(flags, parser, chief_known):
    """Return ``resolve``'s ``read``: the run folder checked first when
    this process is known to write it (a refusal there comes before the
    data is read), then ``sources.read_data``, its refusals one line."""
    def read(wanted, **model_needs):
        """Read the data of ``wanted`` (see ``sources.read_data``)."""
        if chief_known:
            run_folder.check_run_folder(flags.out, flags.resume, parser)
        try:
            return sources.read_data(wanted, **model_needs)
        except sources.DataError as error:
            parser.error(str(error))
    return read


def run(flags, parser):
    """Train (or resume) as the flags say; return the trained GAN. The
    run folder is locked while it runs (``ganlab.training.run_lock``);
    a file that cannot be written stops it in one line
    (``run_folder.write_failures_stop``)."""
    from ganlab.training.stopping import stop_signals
    argv = list(getattr(flags, "argv", None)
                or ["train", "--out", str(flags.out)])
    with run_folder.write_failures_stop(flags.out, argv, parser), \
            stop_signals() as stop, contextlib.ExitStack() as held:
        return run_holding(flags, parser, held, stop, argv)


def start(config, data, parser, held, chief_known):
    """Make the strategy, the GAN, its average and its checkpoint for
    ``config``, restoring a resumed run, and write ``run.json``; return
    what the run goes on with, in a dict."""
    import tensorflow as tf

    from ganlab.training.augment import seed_state
    from ganlab.training.averaging import GeneratorAveraging
    from ganlab.training.checkpoints import GANCheckpoint
    from ganlab.training.distribute import (is_chief, make_strategy,
                                            worker_scratch)
    from ganlab.training.seeding import set_seed
    settings = config.run
    try:
        strategy = make_strategy(settings.strategy, settings.devices,
                                 settings.worker_timeout)
    except (ValueError, RuntimeError) as error:
        parser.error(str(error))
    chief = is_chief(strategy)
    if chief and not chief_known:
        run_folder.lock_run_folder(settings.out, parser, held)
        run_folder.prepare_run_folder(config, parser)
    replicas = strategy.num_replicas_in_sync
    if config.model.batch_size % replicas:
        parser.error(f"--batch_size {config.model.batch_size} must be a "
                     f"multiple of the {replicas} devices")
    if settings.deterministic:
        tf.config.experimental.enable_op_determinism()
    config = run_config.with_arithmetic(config)
    set_seed(settings.seed)
    model = registry.entry(config.model.name)
    labels = None
    if config.data.conditional:
        data, labels = data
    examples = sources.prepare_examples(data, config.data.img_size,
                                        config.data.channels,
                                        as_bytes=model.holds_bytes)
    averaging = None
    try:
        with strategy.scope():
            augment = make_augment(config)
            gan, loss_names = build_gan(config, examples, augment, labels)
            if config.techniques.average_decay:
                # made before the checkpoint, which restores into it
                averaging = GeneratorAveraging(
                    gan.generator, config.techniques.average_decay,
                    config.techniques.average_warmup,
                    copy_network=model.copy_generator)
    except ValueError as error:
        parser.error(str(error))
    # The checkpoint holds what a resumed run needs beyond the GAN: the
    # average and its count of updates, and DiffAugment's seed state (so
    # --deterministic resumes draw the same augmentations).
    extra = seed_state(augment)
    if averaging is not None:
        extra["average"] = averaging.average
        # and its weights by position: a checkpoint follows a subclassed
        # network's layers only where they are attributes, and the
        # ProGAN's generator keeps them in lists
        extra["average_weights"] = list(averaging.average.network.weights)
    # Every worker resumes from the chief's checkpoints (machines share
    # --out, or get a copy); the others write into a scratch folder.
    out = settings.out if chief else worker_scratch()
    checkpoint = GANCheckpoint(gan, settings.out / "checkpoints",
                               every=settings.checkpoint_every, extra=extra)
    try:
        epochs_done = checkpoint.restore()
    except ValueError as error:
        parser.error(f"--resume: {error}")
    # Written last: a start refused above leaves run.json as it was.
    io.write_json(run_config.record_of(config), out / "run.json")
    return dict(config=config, model=model, gan=gan, examples=examples,
                loss_names=loss_names, averaging=averaging, out=out,
                checkpoint=checkpoint, epochs_done=epochs_done,
                chief=chief, replicas=replicas)


def run_holding(flags, parser, held, stop, argv):
    """``run``, with ``held`` (an ``ExitStack``) holding what the run
    keeps until it ends: the lock on its folder; ``stop`` is the stop
    request of ``stopping.stop_signals``, ``argv`` what was typed."""
    # Only a multi-worker process must wait for its strategy to learn
    # whether it is the chief, the one process that writes --out.
    chief_known = flags.strategy != "multi-worker"
    config, data = run_config.resolve(
        flags, parser, reader(flags, parser, chief_known),
        say=lambda line: print(line, flush=True))
    with run_folder.undone_if_failed(config.run.out, held):
        if chief_known:
            run_folder.lock_run_folder(config.run.out, parser, held)
            run_folder.prepare_run_folder(config, parser)
        run = start(config, data, parser, held, chief_known)
    import tensorflow as tf

    from ganlab.nets.saved import save_class_names
    from ganlab.training import stopping
    from ganlab.training.checkpoints import nonfinite_variables, steps_done
    config, gan, out = run["config"], run["gan"], run["out"]
    examples, checkpoint = run["examples"], run["checkpoint"]
    print(f"{config.model.name} on {config.data.description}, "
          f"{len(examples)} examples; "
          f"{state_line(config, checkpoint, run['epochs_done'])}, "
          f"{run['replicas']} device(s)", flush=True)
    callbacks, doctor = callbacks_of(run)
    if run["chief"]:
        callbacks.append(stopping.stop_after_step(stop, checkpoint))
    stop.training = True
    common = dict(epochs=config.run.n_epochs,
                  steps_per_epoch=config.run.steps_per_epoch,
                  initial_epoch=run["epochs_done"],
                  verbose=config.run.verbose, callbacks=callbacks)
    try:
        stopping.fit_resuming(run["model"], gan, examples, config, common,
                              checkpoint)
    except tf.errors.InvalidArgumentError:
        # a streamed file that does not decode stops tf.data with an
        # error naming no file: find it, and say what to do
        line = (None if isinstance(examples, np.ndarray)
                else sources.unreadable_line(config.data.dataset))
        if line is None:
            raise
        parser.error(line)
    if checkpoint.stop_requested:
        print(f"{stop.signal_name}: stopped at step {steps_done(gan)} and "
              f"saved {checkpoint.latest()}; resume with: "
              + stopping.resume_command(argv), flush=True)
        # not 0: a script's next command (sample, evaluate) must not take
        # the run for finished
        raise SystemExit(stopping.EXIT_CODES[stop.signal_number])
    # generator.keras is the averaged network when there is one: what
    # the samples showed, and what sample and evaluate then draw from
    kept = kept_generator(run, gan)
    broken = nonfinite_variables([kept])
    if run["chief"] and (broken or doctor is not None and doctor.stopped):
        why = (f"{len(broken)} of its variables hold NaN or inf" if broken
               else "the GAN doctor stopped training")
        print(f"generator not saved: {why}; losses: {out / 'losses.csv'}",
              flush=True)
    elif run["chief"]:
        if config.techniques.calibrate:
            from ganlab.training.calibration import calibrated_and_told
            kept = calibrated_and_told(kept, examples)
        saved = run_folder.save_generator(kept, out / "generator.keras")
        if config.data.class_names:
            save_class_names(saved, config.data.class_names)
        print(f"generator: {saved}; losses: {out / 'losses.csv'}",
              flush=True)
    return gan
