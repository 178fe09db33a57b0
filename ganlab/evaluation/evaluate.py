#!/usr/bin/env python3
"""Score a generator against real data, with the provenance of each score.

    python -m ganlab evaluate --task 3 --dataset faces \\
        --faces small_res_faces_10000.npy --json scores.json
    python -m ganlab evaluate --model generator.keras \\
        --dataset fashion-mnist

The generator is task 3's face network with its weights (the shipped ones
unless ``--weights`` says otherwise), or any saved Keras generator
(``--model``) that maps normal latent vectors to images with pixels in [-1, 1]
(or centred faces, for task 3). The real data are held-out images the generator
was not trained on: the last 1,000 curriculum faces, or the Fashion-MNIST test
set. Scores: the Frechet distance and the kernel distance on the data set's
features (``ganlab.evaluation.features``), the diversity of the generated
samples relative to the real ones, and for Fashion-MNIST the number of classes
the classifier finds among them.

At least ``MIN_SAMPLES`` (10) samples are drawn: the Frechet distance
needs two to have a covariance at all, and below ten its estimate is
noise. Every flag, the generator and the ``--json`` target are checked
before any scoring, so a mistake costs seconds, not the whole run.
"""
import os
import pathlib

import numpy as np

from ganlab import io, lessons
from ganlab.evaluation import metrics
from ganlab.nets.saved import generate, load_generator as load_saved_generator

MIN_SAMPLES = 10


def add_arguments(parser):
    """Declare the ``evaluate`` flags on ``parser``."""
    generator = parser.add_mutually_exclusive_group(required=True)
    generator.add_argument("--task", type=int, choices=(3,),
                           help="a numbered task's generator")
    generator.add_argument("--model", type=pathlib.Path,
                           help="a saved Keras generator (.keras)")
    parser.add_argument("--weights", type=pathlib.Path,
                        help="with --task 3: generator weights "
                             "(default: the shipped ones)")
    parser.add_argument("--dataset", required=True,
                        choices=("faces", "fashion-mnist"))
    parser.add_argument("--faces", type=pathlib.Path,
                        help="the curriculum's faces .npy (for faces)")
    parser.add_argument("--samples", type=int, default=1000,
                        help=f"how many to draw, at least {MIN_SAMPLES} "
                             "(default: %(default)s)")
    parser.add_argument("--json", type=pathlib.Path,
                        help="also write the scores to this JSON file")
    parser.add_argument("--seed", type=int, default=0)


def load_generator(arguments, parser):
    """Return ``(generator, to_pixels)`` for the flags."""
    if arguments.model is not None:
        if not arguments.model.is_file():
            parser.error(f"--model: {arguments.model} does not exist")
        try:
            generator = load_saved_generator(arguments.model)
        except ValueError as error:
            parser.error(f"--model: {error}")
        from ganlab.data.image_sets import symmetric_to_unit
        return generator, symmetric_to_unit
    from ganlab.data.faces import load_shipped_face_models
    faces_lesson = lessons.load("3-generate_faces")
    generator, _, mean_face = load_shipped_face_models()
    if arguments.weights is not None:
        if not arguments.weights.is_file():
            parser.error(f"--weights: {arguments.weights} does not exist")
        try:
            generator.load_weights(str(arguments.weights))
        except Exception as error:  # noqa: BLE001
            # h5py, Keras and the OS each raise their own types on a
            # truncated or foreign file; all mean "not these weights"
            reason = io.first_line(error)
            parser.error(f"--weights: cannot load {arguments.weights} into "
                         f"task 3's generator ({type(error).__name__}: "
                         f"{reason})")
    return generator, lambda output: faces_lesson.recover_faces(
        output, mean_face)


def load_reference(arguments, parser):
    """Return ``(pixels in [0, 1], description, features)``."""
    if arguments.dataset == "faces":
        from ganlab.data.faces import load_face_array, split_holdout
        from ganlab.evaluation.face_features import FaceFeatures
        if arguments.faces is None:
            parser.error("--dataset faces needs --faces")
        try:
            _, held_out = split_holdout(load_face_array(arguments.faces))
        except (OSError, ValueError) as error:
            parser.error(str(error))
        return (held_out.reshape(-1, 16, 16) / 255.,
                f"last {len(held_out)} faces of {arguments.faces.name}",
                FaceFeatures())
    from ganlab.data.image_sets import load_fashion_mnist
    from ganlab.evaluation.features import FashionFeatures
    try:
        _, (x_test, _) = load_fashion_mnist()
    except FileNotFoundError as error:
        parser.error(str(error))
    return x_test / 255., "fashion-mnist test set", FashionFeatures()


def score_images(real, fakes, features, reference, real_features=None):
    """Compare generated images with real ones through ``features``.

    ``real`` and ``fakes`` hold pixels in [0, 1]; ``features`` is an
    extractor from ``ganlab.evaluation.features`` and ``reference`` names the
    real images. Returns ``{"scores": ..., "provenance": ...}``: the Frechet
    and kernel distances, the diversity of the fakes relative to the real
    images (mean pairwise feature distance, 1 when as varied), the classes
    found when the extractor can classify, and what the scores were made
    with (``metrics.FeatureScore``), so that only like is compared with
    like. ``real_features``, when given, are ``features(real)`` computed
    once for several calls.
    """
    if real_features is None:
        real_features = features(real)
    if hasattr(features, "features_and_classes"):
        fake_features, classes = features.features_and_classes(fakes)
    else:
        fake_features, classes = features(fakes), None
    kid, kid_error = metrics.kernel_distance(fake_features, real_features)
    frechet = metrics.FeatureScore(
        "frechet", metrics.frechet_distance(fake_features, real_features),
        features.name, features.checksum, "none", len(real), len(fakes),
        reference)
    provenance = frechet.provenance()
    del provenance["metric"]
    scores = {
        "frechet_distance": frechet.value,
        "kernel_distance": kid, "kernel_distance_error": kid_error,
        "relative_diversity": metrics.mean_pairwise_distance(fake_features)
        / metrics.mean_pairwise_distance(real_features)}
    if classes is not None:
        scores["classes_found"] = metrics.classes_found(classes)
    return {"scores": scores, "provenance": provenance}


def check_json_target(path, parser):
    """Stop unless a JSON file can be written at ``path``: not a folder,
    and the nearest existing folder above it writable. Nothing is made
    here, so a refused run leaves no trace."""
    if path.is_dir():
        parser.error(f"--json: {path} is a folder; give a file name")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        parser.error(f"--json: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        parser.error(f"--json: cannot write in {folder}")


def run(arguments, parser):
    """Compute the scores; print them; write JSON if asked; return them."""
    if arguments.samples < MIN_SAMPLES:
        parser.error(f"--samples must be at least {MIN_SAMPLES} (the "
                     "Frechet distance needs a covariance); got "
                     f"{arguments.samples}")
    if arguments.weights is not None and arguments.task is None:
        parser.error("--weights goes with --task 3; a --model file holds "
                     "its own weights")
    if arguments.seed < 0:
        parser.error(f"--seed must be at least 0; got {arguments.seed}")
    if arguments.json is not None:
        check_json_target(arguments.json, parser)
    # Keras (and TensorFlow) start only once the flags and a --model
    # file's format are checked: a refused one costs no seconds and no
    # lines of start-up logging. Loading is deterministic, so seeding
    # after it changes no score.
    generator, to_pixels = load_generator(arguments, parser)
    from ganlab.training.seeding import set_seed
    set_seed(arguments.seed)
    real, reference, features = load_reference(arguments, parser)
    fakes = np.clip(to_pixels(generate(generator, arguments.samples,
                                       arguments.seed)), 0, 1)
    if fakes[0].size != real[0].size:
        flag = "--model" if arguments.model is not None else "--task"
        parser.error(f"{flag}: the generator draws images of shape "
                     f"{fakes.shape[1:]}; {arguments.dataset} has "
                     f"{real.shape[1:]}")
    fakes = fakes.reshape((len(fakes),) + real.shape[1:])
    result = score_images(real, fakes, features, reference)
    for name, value in result["scores"].items():
        print(f"{name:24s} {value:.5g}")
    print("made with: " + ", ".join(f"{key} {value}" for key, value
                                    in result["provenance"].items()))
    if arguments.json:
        io.write_json(result, arguments.json)
    return result
