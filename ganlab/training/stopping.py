#!/usr/bin/env python3
"""Graceful stops of ``python -m ganlab train``: Ctrl-C and SIGTERM.

A practitioner presses Ctrl-C, a cluster scheduler or ``docker stop``
sends SIGTERM; either way the run should keep its work. The first such
signal during training asks for a stop: the step under way finishes, a
checkpoint of the state at that step is saved (mid-epoch too:
``GANCheckpoint.save_partial``, whole or absent as every checkpoint),
and one line gives the ``--resume`` command. The resumed run first
finishes the epoch the stop cut short, then goes on as the uninterrupted
run would have (``fit_resuming``): with ``--deterministic`` its losses
are the same. A second Ctrl-C stops at once, saving nothing more, in
one line. A signal before training began stops at once, in one line:
nothing has been trained yet.

Python runs a signal handler in the main thread between two bytecodes,
so the handler only sets a flag; the ``StopAfterStep`` callback reads it
after each step, in Keras's loop, where ``stop_training`` ends ``fit``.
"""
import contextlib
import shlex
import signal
import sys
import threading

# exit codes of a process stopped by a signal, as a shell reports them
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


class StopRequest:
    """What the signal handlers saw: ``signal_name`` of the first stop
    asked for (None: none), and whether training has begun."""

    def __init__(self):
        """No stop asked for, training not begun."""
        self.signal_name = None
        self.signal_number = None
        self.training = False

    def handle(self, number, frame):
        """The handler of SIGINT and SIGTERM: before training, stop at
        once; during it, ask for a stop after the step under way; a
        second signal stops at once."""
        name = signal.Signals(number).name
        if not self.training or self.signal_name is not None:
            raise StoppedAtOnce(number, "before training began, nothing "
                                "saved" if not self.training else
                                "at once, saving nothing since the last "
                                "checkpoint")
        self.signal_name, self.signal_number = name, number
        again = " (Ctrl-C again stops at once)" if (
            number == signal.SIGINT) else ""
        print(f"{name}: stopping after this step to save a "
              f"checkpoint{again}", file=sys.stderr, flush=True)


class StoppedAtOnce(BaseException):
    """Raised by the signal handler to leave training at once; a
    ``BaseException``, as ``KeyboardInterrupt`` is, so that no ``except
    Exception`` on the way swallows it."""

    def __init__(self, number, how):
        """Remember the signal and how the run stopped."""
        super().__init__(number, how)
        self.number = number
        self.how = how


@contextlib.contextmanager
def stop_signals():
    """Handle SIGINT and SIGTERM inside the block (``StopRequest``,
    yielded); a stop at once leaves the process with one line on stderr
    and the shell's exit code for the signal (130, 143). Outside the
    main thread, where Python cannot set handlers, the block runs with
    those it has."""
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request
        return
    previous = {number: signal.signal(number, request.handle)
                for number in EXIT_CODES}
    try:
        yield request
    except StoppedAtOnce as stopped:
        name = signal.Signals(stopped.number).name
        print(f"{name}: stopped {stopped.how}", file=sys.stderr, flush=True)
        raise SystemExit(EXIT_CODES[stopped.number]) from None
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def resume_command(argv):
    """Return the shell command that resumes the run started with
    ``argv`` (the arguments after ``python -m ganlab``)."""
    argv = list(argv)
    if "--resume" not in argv:
        argv.append("--resume")
    return shlex.join(["python", "-m", "ganlab"] + argv)


def stop_after_step(request, checkpoint):
    """Return the Keras callback that ends ``fit`` after the step during
    which ``request`` saw a signal, and tells ``checkpoint`` (a
    ``GANCheckpoint``, which then saves at the epoch's end that Keras
    calls next) to save now."""
    from tensorflow import keras

    class StopAfterStep(keras.callbacks.Callback):
        """Stop training after a step once a stop has been asked for."""

        def on_train_batch_end(self, batch, logs=None):
            """Stop here if a signal came during this step."""
            if request.signal_name is not None:
                self.model.stop_training = True
                checkpoint.stop_requested = True

    return StopAfterStep()


def fit_resuming(model, gan, examples, config, common, checkpoint):
    """Fit ``gan`` as its registry ``model`` does, with the ``fit``
    keyword arguments ``common``, after first finishing the epoch that
    ``checkpoint`` (just restored) left unfinished: a graceful stop saved
    it ``checkpoint.steps_into_epoch`` steps into it. A GAN with progress
    of its own (``state()``: the ProGAN's phase) resumes from that
    instead, by itself."""
    done = checkpoint.steps_into_epoch
    first, last = common["initial_epoch"], common["epochs"]
    if done and not hasattr(gan, "state") and first < last:
        steps = common["steps_per_epoch"]
        if done < steps:
            model.fit(gan, examples, config,
                      dict(common, epochs=first + 1,
                           steps_per_epoch=steps - done))
            if gan.stop_training:
                return
        else:  # fewer steps per epoch than before: the epoch is done
            checkpoint.epoch.assign_add(1)
            checkpoint.steps_into_epoch = 0
        common = dict(common, initial_epoch=first + 1)
        if first + 1 >= last:
            return
    model.fit(gan, examples, config, common)
