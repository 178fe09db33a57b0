#!/usr/bin/env python3
"""Judge 16x16 face generators against faces they never saw.

    python -m ganlab evaluate-faces --faces small_res_faces_10000.npy \\
        [--legacy-generator generator.h5] [--json scores.json]

The last ``--holdout`` faces (``ganlab.data.faces.HOLDOUT``, 1,000, kept out of
all training) are the reference. Each generator draws 1,000 faces, which are
compared with them on the features of ``ganlab.evaluation.face_features`` by
the Frechet distance and the kernel distance (KID, with its standard error),
and on the pixels by the spectral distance (how far their power at each spatial
frequency is from the real faces': blur and noise both show there). Lower is
better. The table always includes:

- real training faces: the floor a perfect generator would reach;
- the shipped weights (``data/faces_generator.weights.h5``);
- a PCA baseline (``ganlab.evaluation.baselines.PCABaseline``): a
  Gaussian over the top 32 principal components of the training faces
  (eigenfaces), the best linear-Gaussian generator;
- the same convolutional generator untrained;
- optionally the curriculum's legacy generator, read two ways: its output
  plus the mean face, and its output taken as raw pixels.
"""
import pathlib

import numpy as np

from ganlab import io, lessons
from ganlab.data.faces import HOLDOUT, SHIPPED, load_face_array, split_holdout
from ganlab.evaluation import metrics
from ganlab.evaluation.baselines import PCABaseline
from ganlab.evaluation.face_features import FaceFeatures
from ganlab.nets.saved import generate
from ganlab.training.seeding import set_seed

SHIPPED_GENERATOR = lessons.SHIPPED / SHIPPED["generator"]
SHIPPED_MEAN_FACE = lessons.SHIPPED / SHIPPED["mean_face"]


def generated_pixels(generator, count, mean_face=None, seed=0):
    """Draw ``count`` faces; add ``mean_face`` if given; return pixels in
    [0, 1] of shape (N, 16, 16)."""
    output = generate(generator, count, seed)[..., 0]
    if mean_face is not None:
        output = output + mean_face
    return np.clip(output, 0, 1)


def score_all(samples, reference, features, reference_name):
    """Return a dict name -> {frechet, kid, kid_error, provenance...}."""
    reference_features = features(reference)
    table = {}
    for name, pixels in samples.items():
        fake_features = features(pixels)
        kid, kid_error = metrics.kernel_distance(fake_features,
                                                 reference_features)
        frechet = metrics.FeatureScore(
            "frechet", metrics.frechet_distance(fake_features,
                                                reference_features),
            features.name, features.checksum, "none (16x16 grey)",
            len(reference), len(pixels), reference_name)
        table[name] = {"frechet": frechet.value, "kid": kid,
                       "kid_error": kid_error,
                       "spectral": metrics.spectral_distance(pixels,
                                                             reference),
                       "provenance": frechet.provenance()}
    return table


def add_arguments(parser):
    """Declare the ``evaluate-faces`` flags on ``parser``."""
    parser.add_argument("--faces", required=True, type=pathlib.Path)
    parser.add_argument("--holdout", type=int, default=HOLDOUT)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--generator", type=pathlib.Path,
                        default=SHIPPED_GENERATOR)
    parser.add_argument("--mean-face", type=pathlib.Path,
                        default=SHIPPED_MEAN_FACE)
    parser.add_argument("--legacy-generator", type=pathlib.Path)
    parser.add_argument("--json", type=pathlib.Path)
    parser.add_argument("--seed", type=int, default=0)


def run(arguments, parser):
    """Score every generator; print a table; optionally write JSON;
    return the table."""
    faces_lesson = lessons.load("3-generate_faces")
    for flag in ("generator", "mean_face", "legacy_generator"):
        path = getattr(arguments, flag)
        if path is not None and not path.is_file():
            parser.error(f"--{flag.replace('_', '-')}: {path} does not "
                         "exist")
    set_seed(arguments.seed)
    faces = load_face_array(arguments.faces).reshape(-1, 16, 16) / 255.
    try:
        training, held_out = split_holdout(faces, arguments.holdout)
    except ValueError as error:
        parser.error(f"--holdout: {error}")
    rng = np.random.default_rng(arguments.seed)
    count = arguments.samples
    mean_face = np.load(arguments.mean_face).reshape(16, 16)

    generator, _ = faces_lesson.convolutional_GenDiscr()
    samples = {"real training faces": training[rng.choice(
        len(training), count, replace=False)]}
    generator.load_weights(str(arguments.generator))
    samples["shipped weights"] = generated_pixels(generator, count,
                                                  mean_face)
    samples["PCA baseline (32 eigenfaces)"] = PCABaseline(
        training).sample(count, rng)
    untrained, _ = faces_lesson.convolutional_GenDiscr()
    samples["untrained generator"] = generated_pixels(untrained, count,
                                                      mean_face)
    if arguments.legacy_generator:
        legacy, _ = faces_lesson.convolutional_GenDiscr()
        legacy.load_weights(str(arguments.legacy_generator))
        samples["legacy weights + mean face"] = generated_pixels(
            legacy, count, mean_face)
        samples["legacy weights as raw pixels"] = generated_pixels(
            legacy, count)

    table = score_all(samples, held_out, FaceFeatures(),
                      f"last {arguments.holdout} faces of "
                      f"{arguments.faces.name}")
    print(f"{'generator':32s} {'Frechet':>9s} {'KID':>9s} {'+-':>8s} "
          f"{'spectral':>9s}")
    for name, row in table.items():
        print(f"{name:32s} {row['frechet']:9.4f} {row['kid']:9.5f} "
              f"{row['kid_error']:8.5f} {row['spectral']:9.4f}")
    if arguments.json:
        io.write_json(table, arguments.json)
    return table
