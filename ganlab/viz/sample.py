#!/usr/bin/env python3
"""Draw images from a saved generator: one grid picture and single PNGs.

    python -m ganlab sample --generator runs/dcgan/generator.keras \\
        --count 64 --out samples/
    python -m ganlab sample --task 3 --out faces/

``--task 3`` draws 16x16 faces from task 3's generator with the shipped
weights (``data/faces_*``; ``--weights`` for others), its mean face
added back.

The generator maps normal latent vectors to images with pixels in [-1, 1]
(a tanh output), grey or RGB. ``grid.png`` shows the first ``--grid``
of them (64 by default: a grid of thousands is megabytes that no one can
read); ``0000.png``, ``0001.png``, ... hold every one at its own size.
A file that is not a saved generator (a weights file, a discriminator,
a truncated download) is refused before anything is written.

A conditional generator (``train --conditional``) draws ``--count``
images of each class that ``--class NAME|INDEX`` asks for (every class
when none is asked), the same latent vectors for every class;
``grid.png`` then holds one row per class, titled with its name (the
names kept beside the generator, ``generator.classes.json``).

    python -m ganlab sample --generator runs/pets/generator.keras \\
        --class cat --class dog --count 8 --out samples/
"""
import pathlib

import numpy as np
from PIL import Image

from ganlab import image_files, io, resources
from ganlab.training.seeding import MAX_SEED
from ganlab.nets.saved import (check_finite, generate, load_class_names,
                               load_generator)
from ganlab.viz.classes import (generate_class_rows, resolve_classes,
                                save_class_grid)


def save_singles(images, folder):
    """Write one PNG per image into ``folder``, ``0000.png`` on, each
    file whole or absent (``ganlab.io``)."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for index, image in enumerate(images):
        with io.atomic_path(folder / f"{index:04d}.png") as temporary:
            Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image
                            ).save(temporary, format="PNG")


def save_samples(images, folder, grid=64):
    """Write one PNG per image and ``grid.png`` of the first ``grid`` of
    them into ``folder``, each file whole or absent (``ganlab.io``);
    return the grid's path."""
    folder = pathlib.Path(folder)
    save_singles(images, folder)
    shown = images[:grid]
    title = (f"{len(images)} samples" if len(shown) == len(images)
             else f"the first {len(shown)} of {len(images)} samples")
    return image_files.save_image_grid(shown / 255., folder / "grid.png",
                                       title=title)


def add_arguments(parser):
    """Declare the ``sample`` flags on ``parser``."""
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--generator", type=resources.shipped_or_given,
                       help="a saved Keras generator (.keras), e.g. the "
                       "generator.keras that python -m ganlab "
                       "train writes, or the shipped "
                       "data/progan_emoji64_generator.keras (found "
                       "from any folder)")
    which.add_argument("--task", type=int, choices=(3,),
                       help="task 3's face generator, with the shipped "
                            "weights unless --weights says otherwise")
    parser.add_argument("--weights", type=resources.shipped_or_given,
                        help="with --task 3: generator weights "
                             "(.weights.h5)")
    parser.add_argument("--count", type=int, default=64,
                        help="single images to write (default: "
                             "%(default)s)")
    parser.add_argument("--grid", type=int, default=64,
                        help="how many of them grid.png shows, at most "
                             "(default: %(default)s)")
    parser.add_argument("--out", type=pathlib.Path,
                        default=pathlib.Path("samples"),
                        help="folder to write into (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--class", dest="classes", action="append",
                        metavar="NAME|INDEX",
                        help="with a conditional generator (train "
                             "--conditional): draw --count images of this "
                             "class, by name or number; repeat it for "
                             "several, one grid row each (default: every "
                             "class)")


def save_class_samples(images, classes, names, folder, grid=64):
    """Write the images of ``classes`` (class numbers, laid out as
    ``generate_class_rows`` lays them) as single PNGs and ``grid.png``
    with one row per class of its first ``grid`` images, titled with the
    class ``names``; return the grid's path."""
    folder = pathlib.Path(folder)
    save_singles(images, folder)
    per_class = len(images) // len(classes)
    shown = min(per_class, grid)
    rows = images.reshape(len(classes), per_class, *images.shape[1:])
    title = (f"{per_class} samples per class" if shown == per_class
             else f"the first {shown} of {per_class} samples per class")
    return save_class_grid(rows[:, :shown].reshape(-1, *images.shape[1:]),
                           classes, names, folder / "grid.png", title=title)


def run(arguments, parser):
    """Load the generator, draw, save; return the grid's path.

    Every flag is checked, and the generator loaded, before the first
    file is written.
    """
    for flag, value in (("--count", arguments.count),
                        ("--grid", arguments.grid)):
        if value < 1:
            parser.error(f"{flag} must be at least 1; got {value}")
    if not 0 <= arguments.seed <= MAX_SEED:
        parser.error(f"--seed must be in [0, {MAX_SEED}]; got "
                     f"{arguments.seed}")
    if arguments.out.exists() and not arguments.out.is_dir():
        parser.error(f"--out: {arguments.out} is a file, not a folder")
    if arguments.weights is not None and arguments.task is None:
        parser.error("--weights goes with --task 3; a --generator file "
                     "holds its own weights")
    given = arguments.generator or arguments.weights
    if given is not None and not resources.verified(given).is_file():
        flag = "--generator" if arguments.generator else "--weights"
        parser.error(f"{flag}: {given} does not exist")
    if arguments.task == 3:
        from ganlab.evaluation.evaluate import task_3_generator
        generator, to_pixels = task_3_generator(arguments.weights, parser)
        names = ()
    else:
        from ganlab.data.image_sets import symmetric_to_unit as to_pixels
        try:
            generator = load_generator(arguments.generator)
            names = load_class_names(arguments.generator, generator)
        except ValueError as error:
            parser.error(f"--generator: {error}")
    try:
        classes = resolve_classes(arguments.classes, names)
    except ValueError as error:
        parser.error(f"--class: {error}")
    try:
        outputs = check_finite(
            generate_class_rows(generator, classes, arguments.count,
                                arguments.seed) if names
            else generate(generator, arguments.count, arguments.seed))
    except ValueError as error:
        parser.error(f"--generator: {given or 'task 3'}: {error}")
    try:
        io.check_writable_folder(arguments.out, "--out")
    except ValueError as error:
        parser.error(str(error))
    pixels = to_pixels(outputs)
    images = np.clip((pixels * 255.).round(), 0, 255).astype(np.uint8)
    if names:
        grid = save_class_samples(images, classes, names, arguments.out,
                                  arguments.grid)
    else:
        grid = save_samples(images, arguments.out, arguments.grid)
    print(f"wrote {grid} and {len(images)} single images")
    return grid
