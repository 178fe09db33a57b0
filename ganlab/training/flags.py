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
from ganlab.training.config import (AUTO_AUGMENT_BELOW, AVERAGE_WARMUP,
                                    MIXED_PRECISION_MODELS,
                                    STREAMING_MODELS)
from ganlab.training.distribute import WORKER_TIMEOUT

STREAM_CHOICES = ("auto", "always", "never")
# The --model choices: one entry each in ganlab.training.registry.
MODELS = registry.MODELS


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
                             "transformations of color, translation, "
                             f"cutout ({registry.names_or(augmenting, 'and')}"
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
    conditioning = registry.names_or(
        (model.name for model in registry.ENTRIES if model.takes_classes),
        "and")
    parser.add_argument("--conditional", action="store_true",
                        help="learn the data's classes and draw images of "
                             "a chosen class (sample --class): the labels "
                             "of mnist, fashion-mnist, emoji (Unicode "
                             "categories), cifar10, or a folder's class "
                             f"sub-folders ({conditioning})")
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
    parser.add_argument("--out", type=out_folder,
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


def out_folder(text):
    """``--out``'s type: a path, not empty (``''`` would be the current
    folder, which would then fill with a run's files)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(
            "expected a folder for the run; got an empty path")
    return pathlib.Path(text)
