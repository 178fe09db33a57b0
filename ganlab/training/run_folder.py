#!/usr/bin/env python3
"""A training run's folder (``--out``): whether a run may start or resume
there, its lock, what a failed start leaves (nothing), what a file that
cannot be written does (stops the run in one line), and the finished
generator it keeps.
"""
import contextlib

from ganlab import io
from ganlab.training.config import check_resumed_record


def check_run_folder(out, resume, parser):
    """Refuse a start that would overwrite the run in ``out``, or that
    asks to ``resume`` where no run was ever started.

    Checkpoints make a run to resume; ``generator.keras`` and no
    checkpoint a finished run to keep. A run killed before its first
    checkpoint (``run.json``, a few steps of logs, at most a checkpoints
    folder of temporary files) has nothing worth keeping: it may start
    afresh, or be resumed from epoch 0.
    """
    from ganlab.training.checkpoint_folder import saved_numbers
    checkpoints = out / "checkpoints"
    if saved_numbers(checkpoints):
        if not resume:
            parser.error(f"{checkpoints} already holds a run: pass --resume "
                         "to continue it, or choose another --out")
        return
    generator = out / "generator.keras"
    if generator.is_file():
        parser.error(f"{out} holds a finished run ({generator}) and no "
                     "checkpoint to continue it from: choose another --out")
    started = checkpoints.is_dir() or (out / "run.json").is_file()
    if resume and not started:
        parser.error(f"--resume: {checkpoints} holds no checkpoint")


@contextlib.contextmanager
def undone_if_failed(out, held=None):
    """Remove again the folders of ``out`` (and ``out`` itself) made inside
    the block when it fails: a start that is refused leaves no trace.
    ``held`` (an ``ExitStack``: the run folder's lock) is let go first,
    so that its file goes too."""
    made = [folder for folder in (out / "checkpoints", out, *out.parents)
            if not folder.exists()]
    try:
        yield
    except BaseException:
        if held is not None:
            held.close()
        for folder in made:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def prepare_run_folder(config, parser):
    """Check ``--out`` before anything heavy runs: that it may take the
    run of ``config`` (``check_run_folder``), that a resumed run agrees
    with its ``run.json``, and that files can be written there; then
    sweep away what a killed run was writing when it died."""
    from ganlab.training.checkpoint_folder import remove_temporaries
    out = config.run.out
    check_run_folder(out, config.run.resume, parser)
    try:
        check_resumed_record(config, out / "run.json", parser)
        # Found now rather than at the first save, an epoch later.
        for folder in (out, out / "checkpoints"):
            io.check_writable_folder(folder, "--out")
        for name in ("samples", "tensorboard"):
            if (out / name).exists() and not (out / name).is_dir():
                raise ValueError(f"--out: {out / name} is a file where the "
                                 "run writes a folder; move it, or choose "
                                 "another --out")
    except ValueError as error:
        parser.error(str(error))
    for folder in (out, out / "samples"):
        io.remove_partials(folder)
    remove_temporaries(out / "checkpoints")


@contextlib.contextmanager
def write_failures_stop(out, argv, parser):
    """Stop the run in one line, exit code 1, when a file cannot be
    written for want of room or rights (``ganlab.io.WriteFailed``: a
    checkpoint, a sample grid, losses.csv, generator.keras). Every writer
    leaves its file whole or as it was, so the line names the checkpoint
    a ``--resume`` continues from, with the command (``argv``, what was
    typed)."""
    from ganlab.training import stopping
    from ganlab.training.checkpoint_folder import saved_numbers
    try:
        yield
    except io.WriteFailed as error:
        numbers = saved_numbers(out / "checkpoints")
        if numbers:
            then = (f"the run is saved up to "
                    f"{out / 'checkpoints'}/ckpt-{numbers[-1]}; "
                    f"once that is fixed, resume with: "
                    + stopping.resume_command(argv))
        else:
            then = ("no checkpoint was saved yet; once that is fixed, "
                    "run the command again")
        parser.exit(1, f"{parser.prog}: {error}; {then}\n")


def lock_run_folder(out, parser, held):
    """Lock ``out`` for this run's life (released when ``held``, an
    ``ExitStack``, closes); a folder another live run holds stops the
    start in one line, naming it and its holder."""
    from ganlab.training.run_lock import FolderLocked, RunLock
    try:
        io.check_writable_folder(out, "--out")
        lock = held.enter_context(RunLock(out))
    except (FolderLocked, ValueError) as error:
        parser.error(str(error))
    except OSError as error:
        parser.error(f"--out: cannot write in {out} "
                     f"({error.strerror or error})")
    if lock.taken_over:
        print(f"--out: took over the lock of a run that ended without "
              f"releasing it ({lock.taken_over})", flush=True)


def save_generator(generator, path):
    """Save the generator as a ``.keras`` file, atomically, without an
    optimizer: a network holding one (the trained generator keeps its
    own, as in the lessons) would write its state too, and Keras warns
    on loading ("Skipping variable loading for optimizer") since a model
    loaded for sampling has none. A fresh copy from the network's config,
    given its weights and made trainable again (an averaged copy is
    frozen), is saved instead: an ordinary generator."""
    from ganlab.nets.saved import fresh_copy
    copy = fresh_copy(generator)
    copy.trainable = True
    with io.atomic_path(path) as temporary:
        copy.save(temporary)
    return path
