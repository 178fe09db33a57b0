#!/usr/bin/env python3
"""Task 5 demo: a DCGAN on 32x32 colour images.

By default it trains briefly on offline stand-ins (32x32 patches of
scikit-image's photographs) with the smaller 64-128-256 filters, so it
runs in about a minute on 2 cores; --cifar trains on the real CIFAR-10
(from the Keras cache, a download, or --cifar-path). A tenth of the images
is held out of training for evaluation. Each epoch saves a 4x4 grid of
samples; at the end it saves the loss curves and the generator
(``5-generator.keras``, for ``python -m ganlab sample``). A diversity
monitor warns if the generator collapses or training diverges.

After training, the generator is scored against the held-out images
(``5-scores.json``): the Frechet and kernel distances, the diversity relative
to the real images, and the spectral distance of the grey levels
(``ganlab.evaluation.metrics.spectral_distance``). The features are
InceptionV3's when --inception-weights names its weights file (the FID),
otherwise the offline fallback ``ganlab.evaluation.features.PixelFeatures``
(images averaged down to 8x8 colour blocks; not an FID, see its provenance in
the JSON). Two rows give the numbers a scale: the same generator before
training (the baseline to beat), and as many training images as fakes (what a
perfect generator would score with these sample counts).

    python main/5-main.py
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

from ganlab import io, lessons
from ganlab.data import image_sets
from ganlab.evaluation import evaluate, features
from ganlab.nets import precision
from ganlab.nets.saved import generate
from ganlab.training.callbacks import DiversityMonitor, SampleGrid
from ganlab.training.seeding import set_seed
from ganlab.viz import plots

dcgan = lessons.load("5-dcgan_cifar")


def arguments_from(argv):
    """Parse and check the flags."""
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cifar", action="store_true",
                        help="train on the real CIFAR-10")
    parser.add_argument("--cifar-path", type=pathlib.Path,
                        help="a cifar-10-batches-py folder or an .npz")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--images", type=int, default=2000,
                        help="offline stand-in images (default: "
                             "%(default)s)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--large", action="store_true",
                        help="128-256-512 filters instead of 64-128-256")
    parser.add_argument("--no-augmentation", action="store_true")
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument("--bfloat16", action="store_true", default=None,
                        help="bfloat16 mixed precision (outputs and "
                             "weights stay float32); the default on a GPU, "
                             "on a CPU only where it has avx512_bf16 or "
                             "amx_bf16 (else float32, with a warning)")
    chosen.add_argument("--float32", dest="bfloat16", action="store_false",
                        help="float32 even on a GPU")
    parser.add_argument("--inception-weights", type=pathlib.Path,
                        help="InceptionV3 ..._notop.h5 weights: score with "
                             "the FID's features instead of the offline "
                             "8x8 pixel blocks")
    parser.add_argument("--score-samples", type=int, default=1000,
                        help="generated images scored against the held-out "
                             "ones (default: %(default)s)")
    parser.add_argument("--out", type=pathlib.Path,
                        default=pathlib.Path("outputs"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2))
    arguments = parser.parse_args(argv)
    # None (neither flag): bfloat16 on a GPU, float32 on a CPU; a refused
    # --bfloat16 prints its one-line reason and trains in float32
    arguments.precision = precision.choose_precision(arguments.bfloat16)
    for name in ("epochs", "images", "batch_size", "score_samples"):
        if getattr(arguments, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    try:
        if arguments.cifar or arguments.cifar_path:
            (images, _), _ = image_sets.load_cifar10(arguments.cifar_path)
        else:
            images = image_sets.cifar10_surrogate(arguments.images,
                                                arguments.seed)
    except (OSError, ValueError) as error:
        parser.error(str(error))
    if len(images) < 20:
        parser.error(f"need at least 20 images to hold out a tenth; got "
                     f"{len(images)}")
    if arguments.inception_weights is not None:
        try:
            arguments.features = features.InceptionFeatures(
                arguments.inception_weights)
        except (OSError, ValueError) as error:
            parser.error(f"--inception-weights: {error}")
    else:
        arguments.features = features.PixelFeatures(8)
    return arguments, images


def score_on_held_out(generators, held_out, training, arguments):
    """Score each generator of ``generators`` (name -> Keras generator)
    against the ``held_out`` uint8 images; add the training images as the
    floor. Returns ``{name: {"scores", "provenance"}}``."""
    real = held_out / 255.
    reference = f"{len(held_out)} held-out images of " + (
        "CIFAR-10" if arguments.cifar or arguments.cifar_path
        else "the offline stand-ins")
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
        # blur and noise show there whatever the colours, which the pixel
        # blocks cannot see
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


def main(argv=None):
    """Train, draw, save; return the trained model."""
    arguments, images = arguments_from(argv)
    set_seed(arguments.seed)
    order = np.random.default_rng(arguments.seed).permutation(len(images))
    held_out = len(images) // 10
    training = image_sets.to_symmetric(images[order[held_out:]])
    filters = (128, 256, 512) if arguments.large else (64, 128, 256)
    networks = dcgan.build_networks(filters, 100)
    if arguments.precision == "bfloat16":
        for network in networks:
            precision.use_bfloat16(network)
    model = dcgan.DCGAN(*networks,
                        augmentation=not arguments.no_augmentation)
    model.compile()
    untrained = tf.keras.models.clone_model(model.generator)
    untrained.set_weights(model.generator.get_weights())
    out = arguments.out
    fixed_latent = tf.random.stateless_normal((16, 100), seed=(0, 0))
    model.fit(training, batch_size=arguments.batch_size,
              epochs=arguments.epochs, shuffle=True,
              verbose=arguments.verbose,
              callbacks=[SampleGrid(fixed_latent, image_sets.symmetric_to_unit,
                                    out, name="5-epoch_{:03d}.png"),
                         DiversityMonitor(
                             training, samples=256,
                             losses=("gen_loss", "discr_loss"))])
    plots.plot_losses(model.history.history, out / "5-losses.png",
                      title=f"DCGAN on {len(training)} images "
                            f"({held_out} held out)")
    # The generator holds its optimizer for training; the file is for
    # sampling, so a copy without the optimizer's moments is saved.
    shipped = tf.keras.models.clone_model(model.generator)
    shipped.set_weights(model.generator.get_weights())
    with io.atomic_path(out / "5-generator.keras") as temporary:
        shipped.save(temporary)
    report_scores(score_on_held_out(
        {"trained generator": model.generator,
         "untrained (baseline)": untrained},
        images[order[:held_out]], training, arguments),
        out / "5-scores.json")
    print(f"pictures, scores and generator in {out}/ ({held_out} images "
          "held out)")
    return model


if __name__ == "__main__":
    main()
