#!/usr/bin/env python3
"""Scores of a conditional generator, class by class (issue 32).

A conditional generator can be good overall and still draw the wrong
class when asked for one, or draw one class well and another badly.
``class_scores`` reports, beside the overall scores that
``ganlab.evaluation.evaluate`` makes:

- **per class, the Frechet distance** between the samples asked for that
  class and the held-out real images of it, on the feature network's
  features (with few real images of a class the number is noisy; below
  two on either side there is no covariance and it is None), and their
  mean over the classes that have one (the "intra-class FID" of the
  conditional GAN papers, on the package's features);
- **the asked-for-class accuracy**: how often the feature network
  classifies a sample as the class it was asked for, beside how often it
  classifies the held-out real images correctly, the most a generator
  can expect from that judge; and both balanced, the mean of the
  per-class accuracies over the classes with held-out images, which a
  generator cannot earn by drawing the largest class well (the emoji's
  "People & Body" is most of their held-out images). It needs a feature
  network whose predictions are the generator's classes: one whose
  ``class_names`` are the generator's (``EmojiFeatures`` for the emoji
  categories, ``FashionFeatures`` for Fashion-MNIST); with any other the
  accuracies are None.
"""
import numpy as np

from ganlab.evaluation import metrics


def accuracy(predicted, wanted):
    """Return the share of the classes ``predicted`` equal to ``wanted``
    (one class, or one per prediction), a float, or None when nothing
    was predicted."""
    predicted = np.asarray(predicted)
    return float((predicted == np.asarray(wanted)).mean()) if len(
        predicted) else None


def class_scores(features, real, real_labels, fakes, fake_labels, names):
    """Score a conditional generator's samples class by class.

    ``real`` and ``fakes``: pixels in [0, 1], held-out real images and
    samples; ``real_labels`` their classes, ``fake_labels`` the classes
    the samples were asked for (numbers into ``names``, the generator's
    classes). ``features``: an extractor of ``ganlab.evaluation.features``.

    Returns a dict: ``asked_for_accuracy`` and ``real_accuracy`` over all
    images (None unless ``features`` classifies into ``names``), and
    ``balanced_asked_for_accuracy`` and ``balanced_real_accuracy``, the
    means of the per-class ones over the classes with held-out images,
    ``mean_class_frechet_distance``, and ``per_class``, one dict per class
    in label order with its ``class`` name, ``samples`` and ``real``
    counts, ``frechet_distance``, ``asked_for_accuracy`` and
    ``real_accuracy``.
    """
    names = tuple(str(name) for name in names)
    real_labels, fake_labels = (np.asarray(labels, np.int64)
                                for labels in (real_labels, fake_labels))
    if len(real_labels) != len(real) or len(fake_labels) != len(fakes):
        raise ValueError(f"there must be one label per image: got "
                         f"{len(real_labels)} for {len(real)} real images "
                         f"and {len(fake_labels)} for {len(fakes)} samples")
    classifies = (hasattr(features, "features_and_classes")
                  and tuple(getattr(features, "class_names", ())) == names)
    if classifies:
        real_features, real_predicted = features.features_and_classes(real)
        fake_features, fake_predicted = features.features_and_classes(fakes)
    else:
        real_features, fake_features = features(real), features(fakes)
    per_class = []
    for number, name in enumerate(names):
        real_rows, fake_rows = real_labels == number, fake_labels == number
        enough = min(real_rows.sum(), fake_rows.sum()) >= 2
        per_class.append({
            "class": name, "samples": int(fake_rows.sum()),
            "real": int(real_rows.sum()),
            "frechet_distance": metrics.frechet_distance(
                fake_features[fake_rows], real_features[real_rows])
            if enough else None,
            "asked_for_accuracy": accuracy(
                fake_predicted[fake_rows], number) if classifies else None,
            "real_accuracy": accuracy(
                real_predicted[real_rows], number) if classifies else None})
    distances = [row["frechet_distance"] for row in per_class
                 if row["frechet_distance"] is not None]
    judged = [row for row in per_class if row["real"]
              and row["asked_for_accuracy"] is not None]
    return {"asked_for_accuracy": accuracy(fake_predicted, fake_labels)
            if classifies else None,
            "real_accuracy": accuracy(real_predicted, real_labels)
            if classifies else None,
            "balanced_asked_for_accuracy": float(np.mean(
                [row["asked_for_accuracy"] for row in judged]))
            if judged else None,
            "balanced_real_accuracy": float(np.mean(
                [row["real_accuracy"] for row in judged]))
            if judged else None,
            "mean_class_frechet_distance": float(np.mean(distances))
            if distances else None,
            "per_class": per_class}
