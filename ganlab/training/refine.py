#!/usr/bin/env python3
"""Refine the shipped face weights: ``python -m ganlab refine-faces``.

``train --model faces`` grows a face network from nothing. This command
goes on from the weights that ship in ``data/`` (task 3's networks,
trained as task 2's ``WGAN_GP`` on the curriculum's faces centred by their
mean face) and trains them further, in their own pixel convention, while
keeping an exponential moving average of the generator
(``ganlab.training.averaging``). What it writes is the average.

Why the average of a trained generator: a GAN's generator circles around
a good point rather than settling on it (each critic update moves its
target), so the last step's weights are one point of that circle. Their
average over the last thousand or so updates sits near its centre and
draws steadier faces. Starting from trained weights, the average needs
no warm-up: it starts as a copy of the shipped generator. Its batch-norm
statistics are measured anew on its own weights before it is written
(``averaging.with_own_batch_statistics``), as ``train`` does for every
average it saves. Then, unless ``--no-calibrate``, one number gives its
faces the training faces' contrast (``ganlab.training.calibration``): an
average draws tamer faces than the data, and on the shipped weights this
step took the Frechet distance from 0.050 to 0.038.

    python -m ganlab refine-faces --faces small_res_faces_10000.npy \\
        --steps 3000 --out runs/faces_refined
    # stopped? the same command with --resume goes on from its last
    # checkpoint; on a finished run it writes the final files anew
    python -m ganlab evaluate --dataset faces \\
        --faces small_res_faces_10000.npy --task 3 \\
        --weights runs/faces_refined/faces_generator.weights.h5

The training faces are the curriculum file's all but its last
``ganlab.data.faces.HOLDOUT`` (the faces ``evaluate`` judges on), centred
by the mean face that ships with the weights. Settings are the shipped
weights' (batch 200, Adam betas .3 and .9, gradient penalty 10, 2 critic
updates per generator update unless ``--disc-iter`` says otherwise) but
the learning rate, 1e-4 by default: half the shipped run's, as
fine-tuning goes.

``--out`` receives ``refine.json`` (the settings; a ``--resume`` with
another learning rate, decay, critic updates, seed, faces or weights is
refused), ``checkpoints/`` (every ``--every`` steps: both networks, both
optimizers, the average and its count of updates), ``losses.csv`` and,
at the end, the three files of ``data/`` under the same names
(``faces_generator.weights.h5`` holding the average,
``faces_discriminator.weights.h5``, ``faces_mean_face.npy``), so that
``ganlab.data.faces.load_shipped_face_models(out)`` loads them and
copying them into ``data/`` ships them. Each file is written whole or
not at all. The lesson draws its random numbers from TensorFlow's global
state, which a checkpoint cannot hold, so a resumed run goes on with
fresh draws (close to, not bit for bit, an uninterrupted one).
"""
import argparse
import json
import pathlib

import numpy as np

from ganlab import io

DEFAULT_LEARNING_RATE = 1e-4
DEFAULT_DECAY = .999
# the shipped run's critic updates per generator update
DEFAULT_DISC_ITER = 2
# the settings of a refinement, written in --out beside its checkpoints
RECORD = "refine.json"


def add_arguments(parser):
    """Declare the command's flags on ``parser``."""
    parser.add_argument("--faces", type=pathlib.Path, required=True,
                        help="the curriculum's small_res_faces_10000.npy")
    parser.add_argument("--steps", type=int, default=3000,
                        help="generator updates to make (default: "
                             "%(default)s)")
    parser.add_argument("--every", type=int, default=500,
                        help="steps between checkpoints and progress lines "
                             "(default: %(default)s)")
    parser.add_argument("--lr", type=float, default=DEFAULT_LEARNING_RATE,
                        help="both networks' learning rate (default: "
                             "%(default)s)")
    parser.add_argument("--average-decay", type=float, default=DEFAULT_DECAY,
                        help="decay of the generator's average, in [0, 1) "
                             "(default: %(default)s, about the last 1,000 "
                             "updates)")
    parser.add_argument("--disc-iter", type=int, default=DEFAULT_DISC_ITER,
                        help="critic updates per generator update "
                             "(default: %(default)s)")
    parser.add_argument("--weights", type=pathlib.Path,
                        help="a folder holding the three face files to "
                             "start from (default: the ones shipped in "
                             "data/)")
    parser.add_argument("--out", type=pathlib.Path, required=True)
    parser.add_argument("--resume", action="store_true",
                        help="go on from the last checkpoint in --out")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--calibrate", action=argparse.BooleanOptionalAction,
                        default=True,
                        help="scale the written average's output batch norm "
                             "so that its faces vary as much as the "
                             "training faces (ganlab.training.calibration; "
                             "default: on)")


def check_arguments(arguments, parser):
    """Stop with one line naming the flag when a value cannot work."""
    if not arguments.faces.is_file():
        parser.error(f"--faces: {arguments.faces} does not exist")
    if arguments.steps < 1:
        parser.error(f"--steps must be at least 1; got {arguments.steps}")
    if arguments.every < 1:
        parser.error(f"--every must be at least 1; got {arguments.every}")
    if not arguments.lr > 0:
        parser.error(f"--lr must be positive; got {arguments.lr}")
    from ganlab.training.config import MAX_DISC_ITER
    if not 1 <= arguments.disc_iter <= MAX_DISC_ITER:
        parser.error(f"--disc-iter must be from 1 to {MAX_DISC_ITER} "
                     "(each step makes that many critic updates); got "
                     f"{arguments.disc_iter}")
    if not 0 <= arguments.average_decay < 1:
        parser.error(f"--average-decay must be in [0, 1); got "
                     f"{arguments.average_decay}")
    if arguments.weights is not None and not arguments.weights.is_dir():
        parser.error(f"--weights: {arguments.weights} is not a folder")
    from ganlab.data.faces import SHIPPED
    checkpoints = arguments.out / "checkpoints"
    finished = arguments.out / SHIPPED["generator"]
    if not arguments.resume and (checkpoints.is_dir() or finished.exists()):
        parser.error(f"--out: {arguments.out} holds a refinement already; "
                     "add --resume to go on with it, or choose another "
                     "folder")
    try:
        io.check_writable_folder(arguments.out, "--out")
    except ValueError as error:
        parser.error(str(error))
    check_record(arguments, parser)


def record_of(arguments):
    """The settings a resumed refinement must share with its start."""
    return {"faces": str(arguments.faces), "lr": arguments.lr,
            "average_decay": arguments.average_decay,
            "disc_iter": arguments.disc_iter,
            "weights": str(arguments.weights or "data/"),
            "seed": arguments.seed}


def check_record(arguments, parser):
    """On ``--resume``, stop in one line naming the flag whose value
    differs from the one the refinement in ``--out`` started with (its
    ``refine.json``): the optimizers would restore the old learning rate,
    the average would change its window part-way."""
    path = arguments.out / RECORD
    if not arguments.resume or not path.is_file():
        return
    started = json.loads(path.read_text())
    # records written before --disc-iter existed ran at its default
    started.setdefault("disc_iter", DEFAULT_DISC_ITER)
    for key, value in record_of(arguments).items():
        if started.get(key) != value:
            flag = "--" + key.replace("_", "-")
            parser.error(f"{flag} {value} differs from the "
                         f"{started.get(key)} the refinement in "
                         f"{arguments.out} started with; resume with the "
                         "same value or choose another --out")


def centred_training_faces(path, mean_face):
    """Return the training faces of the curriculum file ``path`` (all but
    the held-out last ones) as float32 (N, 16, 16, 1) in [0, 1]
    (``ganlab.data.faces.face_pixels``) centred by ``mean_face`` (16,
    16), the shipped weights' convention."""
    from ganlab.data.faces import face_pixels, load_face_array, split_holdout
    training, _ = split_holdout(face_pixels(load_face_array(path), path))
    faces = training.reshape(-1, 16, 16, 1).astype(np.float32)
    return (faces - mean_face.reshape(1, 16, 16, 1)).astype(np.float32)


def write_face_files(generator, discriminator, mean_face, out):
    """Write the three face files into ``out`` under the names
    ``load_shipped_face_models`` reads; return their paths."""
    from ganlab.data.faces import SHIPPED
    from ganlab.training.checkpoints import export_weights
    paths = [export_weights(generator, out / SHIPPED["generator"]),
             export_weights(discriminator, out / SHIPPED["discriminator"])]
    with io.atomic_path(out / SHIPPED["mean_face"]) as partial:
        with open(partial, "wb") as handle:
            np.save(handle, mean_face.astype(np.float32))
    paths.append(out / SHIPPED["mean_face"])
    return paths


def calibrated_to(generator, faces, mean_face):
    """Return ``generator`` (task 3's, centred faces out) with its output
    contrast matched to the centred training ``faces``, in pixels
    (``calibration.match_pixel_variance``); print the factor."""
    from ganlab import lessons
    from ganlab.training.calibration import calibrated_and_told
    recover_faces = lessons.load("3-generate_faces").recover_faces
    return calibrated_and_told(
        generator, recover_faces(faces, mean_face),
        to_pixels=lambda output: recover_faces(output, mean_face))


def run(arguments, parser):
    """Refine as the flags say; return the paths of the files written."""
    check_arguments(arguments, parser)
    from ganlab.data.faces import load_shipped_face_models
    try:
        generator, critic, mean_face = load_shipped_face_models(
            arguments.weights)
    except (OSError, ValueError) as error:
        parser.error(f"--weights: {io.first_line(error)}")
    try:
        faces = centred_training_faces(arguments.faces, mean_face)
    except (OSError, ValueError) as error:
        parser.error(f"--faces: {io.first_line(error)}")

    import functools

    from ganlab import lessons
    from ganlab.nets import builders
    from ganlab.training.averaging import (GeneratorAveraging,
                                           with_own_batch_statistics)
    from ganlab.training.callbacks import LossLog
    from ganlab.training.checkpoints import GANCheckpoint, steps_done
    from ganlab.training.seeding import set_seed
    set_seed(arguments.seed)
    # made before the lesson compiles the generator: a compiled network's
    # clone would need its loss function registered with Keras
    averaging = GeneratorAveraging(generator, arguments.average_decay,
                                   warmup=0)
    gan = lessons.load("2-wgan_gp").WGAN_GP(
        generator, critic,
        functools.partial(builders.normal_generator, dim=16), faces,
        batch_size=200, disc_iter=arguments.disc_iter,
        learning_rate=arguments.lr)
    gan.compile()
    out = arguments.out
    checkpoint = GANCheckpoint(gan, out / "checkpoints",
                               extra={"average": averaging.average})
    try:
        checkpoint.restore()
    except ValueError as error:
        parser.error(f"--resume: {error}")
    io.write_json(record_of(arguments), out / RECORD)
    done = steps_done(gan)
    print(f"refining the face weights on {len(faces):,} training faces: "
          f"{arguments.steps:,} steps, learning rate {arguments.lr:g}, "
          f"average decay {arguments.average_decay:g}, "
          f"{arguments.disc_iter} critic updates per step"
          + (f"; resuming after step {done:,}" if done else ""), flush=True)
    log = LossLog(out, ("discr_loss", "gen_loss", "gp"))
    # one Keras epoch per checkpoint; the last may be short
    while done < arguments.steps:
        epoch = int(checkpoint.epoch.numpy())
        gan.fit(faces, epochs=epoch + 1, initial_epoch=epoch,
                steps_per_epoch=min(arguments.every,
                                    arguments.steps - done),
                verbose=0, callbacks=[averaging, log, checkpoint])
        done = steps_done(gan)
        losses = gan.history.history
        print(f"step {done:,} of {arguments.steps:,}: critic loss "
              f"{losses['discr_loss'][-1]:.4f}, generator loss "
              f"{losses['gen_loss'][-1]:.4f}", flush=True)
    # the average with batch-norm statistics of its own weights, as
    # train saves every averaged generator
    average = with_own_batch_statistics(averaging.average.network)
    if arguments.calibrate:
        average = calibrated_to(average, faces, mean_face)
    written = write_face_files(average, critic, mean_face, out)
    for path in written:
        print(f"wrote {path}", flush=True)
    return written
