#!/usr/bin/env python3
"""The flags of ``python -m ganlab train``: their spellings, defaults as
help shows them, and the one-word types argparse checks. What each flag
does at length is in ``docs/train.md``; what is checked, and how the
defaults are settled, in ``ganlab.training.config``.
"""
import argparse
import pathlib

from ganlab.data.faces import HOLDOUT
from ganlab.data.sources import IMAGE_SETS, TOY_SETS
from ganlab.training import registry
from ganlab.training.augment_policies import POLICIES
from ganlab.training.config import AUTO_AUGMENT_BELOW, AVERAGE_WARMUP
from ganlab.training.distribute import WORKER_TIMEOUT

STREAM_CHOICES = ("auto", "always", "never")
# The --model choices: one entry each in ganlab.training.registry.
MODELS = registry.MODELS


def add_arguments(parser):
    """Declare the ``train`` flags on ``parser`` (the seed project's
    spellings, e.g. ``--n_epochs``, and dashed ones both work), in groups,
    each with one short line of help: what each does at length, and each
    model's defaults and the flags it takes, are in docs/train.md and
    docs/cli_reference.md."""
    parser.usage = ("python -m ganlab train [--model MODEL] [--dataset DATA] "
                    "[options]")
    parser.epilog = ("models (--model):\n" + "\n".join(
        f"  {model.name:10} {model.description}"
        for model in registry.ENTRIES)
        + "\n\nA flag a model has no use for is refused in one line. Each "
        "model's defaults and\nthe flags it takes: docs/cli_reference.md; "
        "the flags at length: docs/train.md.")
    data = parser.add_argument_group("data")
    data.add_argument("--dataset", default="mnist",
                      help=f"{', '.join(TOY_SETS + IMAGE_SETS)}, an image "
                           "folder or an .npy file (default: %(default)s)")
    data.add_argument("--data-path", type=pathlib.Path,
                      help="where a named data set's files are")
    data.add_argument("--examples", type=int,
                      help="the first N examples only (toy sets: draw N; "
                           "default 2000)")
    data.add_argument("--holdout", type=int,
                      help="--dataset faces --data-path: the last N faces "
                           f"kept out (default: {HOLDOUT})")
    data.add_argument("--img_size", "--image-size", dest="img_size",
                      type=int, help="image side (default: the data's)")
    data.add_argument("--channels", type=int, choices=(1, 3),
                      help="1 grey, 3 RGB (default: the data's)")
    data.add_argument("--conditional", action="store_true",
                      help="learn the data's classes; sample --class draws "
                           "one")
    data.add_argument("--stream", choices=STREAM_CHOICES, default="auto",
                      help="read an image folder from disk batch by batch "
                           "(auto: when it would pass 2 GiB in memory)")
    data.add_argument("--cache", type=pathlib.Path, metavar="PREFIX",
                      help="a streamed folder decoded once into this file")
    model = parser.add_argument_group("model (a flag left out takes the "
                                      "model's default)")
    model.add_argument("--model", choices=MODELS, metavar="MODEL",
                       help=f"one of the models below (default: "
                            f"{registry.DEFAULT_IMAGE_MODEL} for images, "
                            f"{registry.DEFAULT_VECTOR_MODEL} for the toy "
                            "sets)")
    model.add_argument("--latent_dim", "--latent-dim", dest="latent_dim",
                       type=int, help="latent dimensions")
    model.add_argument("--batch_size", "--batch-size", dest="batch_size",
                       type=int, help="global batch")
    model.add_argument("--capacity", type=float,
                       help="network width as a multiple of the CPU-sized "
                            "one (default: 1)")
    model.add_argument("--disc-iter", type=int,
                       help="the lessons' critic updates per step")
    model.add_argument("--precision", choices=("auto", "float32",
                                               "bfloat16"),
                       default="auto",
                       help="bfloat16 mixed precision where native (auto: "
                            "on a GPU)")
    optimiser = parser.add_argument_group("optimiser (Adam)")
    optimiser.add_argument("--lr", "--learning-rate", dest="lr", type=float,
                           help="learning rate (of both networks unless "
                                "--d_lr)")
    optimiser.add_argument("--d_lr", "--d-lr", dest="d_lr", type=float,
                           help="the discriminator's own learning rate")
    optimiser.add_argument("--b1", "--beta-1", dest="b1", type=float,
                           help="beta_1")
    optimiser.add_argument("--b2", "--beta-2", dest="b2", type=float,
                           help="beta_2")
    techniques = parser.add_argument_group("techniques")
    techniques.add_argument("--average-decay", type=float,
                            help="decay of the averaged generator that is "
                                 "sampled and saved; 0: none")
    techniques.add_argument("--average-warmup", type=int,
                            help="updates before averaging starts "
                                 f"(default: {AVERAGE_WARMUP})")
    techniques.add_argument("--augment",
                            help="DiffAugment: auto (below "
                                 f"{AUTO_AUGMENT_BELOW:,} images), none, "
                                 "or of " + ",".join(POLICIES))
    techniques.add_argument("--loss", choices=("default", "hinge"),
                            help="the model's own loss or the hinge loss")
    techniques.add_argument("--spectral-norm", action="store_true",
                            help="spectral normalisation of the critic")
    techniques.add_argument("--r1", "--gamma", dest="r1", type=float,
                            help="gamma of the R1 penalty (r3gan: R1 + "
                                 "R2); 0 for none")
    techniques.add_argument("--calibrate", action="store_true",
                            help="match the saved generator's pixel "
                                 "variance to the data's")
    run = parser.add_argument_group("run")
    run.add_argument("--out", type=out_folder,
                     default=pathlib.Path("runs/train"),
                     help="the run folder (default: %(default)s)")
    run.add_argument("--resume", action="store_true",
                     help="continue the run checkpointed in --out")
    run.add_argument("--n_epochs", "--epochs", dest="n_epochs", type=int,
                     default=200, help="default: %(default)s")
    run.add_argument("--steps-per-epoch", type=int,
                     help="default: examples // batch size")
    run.add_argument("--sample_interval", "--sample-interval",
                     dest="sample_interval", type=int, default=400,
                     help="steps between sample grids (default: "
                          "%(default)s)")
    run.add_argument("--checkpoint-every", type=int, default=1,
                     help="epochs between checkpoints (default: "
                          "%(default)s)")
    run.add_argument("--seed", type=int, default=0,
                     help="default: %(default)s")
    run.add_argument("--deterministic", action="store_true",
                     help="TensorFlow's deterministic ops")
    run.add_argument("--doctor", choices=("rollback", "stop", "off"),
                     default="rollback",
                     help="on NaN losses: roll back with halved learning "
                          "rates, or stop")
    run.add_argument("--tensorboard", default=True,
                     action=argparse.BooleanOptionalAction,
                     help="TensorBoard logs (default: yes)")
    run.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2),
                     help="Keras progress display (default: %(default)s)")
    devices = parser.add_argument_group("devices")
    devices.add_argument("--strategy",
                         choices=("default", "mirrored", "multi-worker"),
                         default="default", help="default: one device")
    devices.add_argument("--devices", type=int,
                         help="--strategy mirrored: how many")
    devices.add_argument("--worker-timeout", type=float, metavar="SECONDS",
                         help="--strategy multi-worker: wait this long for "
                              f"the workers (default: {WORKER_TIMEOUT})")


def out_folder(text):
    """``--out``'s type: a path, not empty (``''`` would be the current
    folder, which would then fill with a run's files)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(
            "expected a folder for the run; got an empty path")
    return pathlib.Path(text)
