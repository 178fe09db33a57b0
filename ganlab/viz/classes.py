#!/usr/bin/env python3
"""Drawing chosen classes from a conditional generator (issue 32).

    python -m ganlab sample --generator runs/fashion/generator.keras \\
        --class Sneaker --class 0 --out samples/

- ``resolve_classes``: what ``--class NAME|INDEX`` values ask for, as
  class numbers; an unknown value, or any for a generator trained
  without classes, raises ``ValueError`` in one line (listing the known
  names);
- ``generate_class_rows``: images of the chosen classes, one row of
  ``per_class`` each, the same latent vector down each column, so that
  along a column only the class changes;
- ``ganlab.arrays.class_grid_inputs``: the same layout as inputs to call
  a generator on, for the grids ``train`` draws as it goes
  (``SampleGrid`` takes them in place of its latent vectors);
- ``save_class_grid``: the picture, each row titled with its class.

The names come with the generator (``ganlab.nets.saved.load_class_names``).
"""
import numpy as np

from ganlab.image_files import save_image_grid


def resolve_classes(values, names):
    """Return the class numbers that ``values`` (strings, as typed after
    ``--class``) ask for, in their order, among the generator's classes
    ``names`` (in label order; empty for a generator without classes).

    A value is a class's name (exactly, else ignoring case when that
    finds one class), else its number, 0 to ``len(names)`` - 1: a class
    named "7" is found by its name before the number 7 is tried. No values
    ask for every class. Raises ``ValueError`` in one line for a value
    that is neither, listing the known names, and for any value when
    ``names`` is empty.
    """
    names = [str(name) for name in names]
    values = [str(value) for value in values or ()]
    if values and not names:
        raise ValueError("the generator was trained without classes; it "
                         "draws no given class (train it with classes)")
    if not values:
        return list(range(len(names)))
    folded = {}
    for number, name in enumerate(names):
        folded.setdefault(name.casefold(), []).append(number)
    chosen = []
    for value in values:
        if value in names:
            chosen.append(names.index(value))
        elif len(folded.get(value.casefold(), ())) == 1:
            chosen.append(folded[value.casefold()][0])
        elif value.isdecimal() and int(value) < len(names):
            chosen.append(int(value))
        else:
            raise ValueError(f"unknown class {value!r}: give a name or a "
                             f"number 0-{len(names) - 1} of the "
                             f"generator's classes: {', '.join(names)}")
    return chosen


def generate_class_rows(generator, classes, per_class, seed=0):
    """Return the conditional ``generator``'s raw outputs (as
    ``ganlab.nets.saved.generate`` gives them) for ``per_class`` images of
    each of ``classes`` (class numbers), class by class; column ``j`` of
    every class is drawn from the same latent vector (the ``j``-th that
    ``generate`` draws for ``seed``)."""
    from ganlab.nets.saved import generate
    return np.concatenate([generate(generator, per_class, seed,
                                    labels=np.full(per_class, number))
                           for number in classes])


def save_class_grid(images, classes, names, path, title=""):
    """Save ``images`` (uint8 pixels, laid out as ``generate_class_rows``
    lays them for the class numbers ``classes``) as one picture at
    ``path``, each row titled with its class's name from ``names``;
    return ``path``."""
    per_class = len(images) // max(len(classes), 1)
    return save_image_grid(
        np.asarray(images) / 255., path, columns=per_class, title=title,
        row_titles=[names[number] for number in classes])
