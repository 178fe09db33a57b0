#!/usr/bin/env python3
"""Image files made from arrays: figures, grids, loss curves, GIFs.

Each file is written atomically (``ganlab.io``): it appears whole or not
at all. The training callbacks write these pictures while a run goes, and
the scores and pictures drawn after it write them too, so they sit below
every layer of the package, knowing nothing of networks or models.
Matplotlib draws without a screen (its Agg backend, chosen before
``pyplot`` is imported).
"""
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (backend first, no screen)
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from ganlab import io  # noqa: E402


def save_figure(figure, path):
    """Save ``figure`` as PNG at ``path`` without ever leaving half a file.

    The picture goes to a temporary file in the same folder, then replaces
    ``path`` in one step; the figure is closed either way.
    """
    try:
        with io.atomic_path(path) as temporary:
            figure.savefig(temporary, format="png", dpi=110)
    finally:
        plt.close(figure)
    return path


def save_image_grid(images, path, columns=None, title="", row_titles=None):
    """Save images of shape (N, H, W) or (N, H, W, C) with pixels in
    [0, 1] as one grid picture at ``path``.

    ``columns`` defaults to a square grid, or with ``row_titles`` (one
    per row: a class's name, say) to as many columns as fill that many
    rows; each title is written to the left of its row. Grey images are
    drawn in grey.
    """
    images = np.clip(np.asarray(images, dtype=np.float32), 0., 1.)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    count = len(images)
    titled = row_titles is not None
    if titled:
        columns = columns or int(np.ceil(count / max(len(row_titles), 1)))
    columns = columns or int(np.ceil(np.sqrt(count)))
    rows = int(np.ceil(count / columns))
    # the titles take a column of their own, about two images wide (a
    # name of 15 letters)
    first = 1 if titled else 0
    title_width = 2.2 if titled else 0.
    # a title gets a strip of its own above the images
    title_strip = .3 if title else 0.
    height = rows * .9 + .4 + title_strip
    figure, axes = plt.subplots(
        rows, columns + first, squeeze=False,
        figsize=((columns + title_width) * .9, height),
        gridspec_kw={"width_ratios": [title_width] * first + [1] * columns})
    for index, axis in enumerate(axes[:, first:].flat):
        axis.axis("off")
        if index < count:
            axis.imshow(images[index], cmap="gray", vmin=0, vmax=1,
                        interpolation="nearest")
    for row, axis in enumerate(axes[:, 0] if titled else ()):
        axis.axis("off")
        if row < len(row_titles):
            axis.text(1., .5, row_titles[row], ha="right", va="center",
                      fontsize=8, transform=axis.transAxes)
    figure.suptitle(title, fontsize=9)
    figure.tight_layout(pad=.2, rect=(0, 0, 1, 1 - title_strip / height))
    return save_figure(figure, path)


def plot_losses(history, path, title="losses", xlabel="epoch"):
    """Draw each curve of a Keras ``history.history`` dict, one point per
    epoch (or per whatever ``xlabel`` names, counted from 1)."""
    figure, axes = plt.subplots(figsize=(6, 4))
    for name, values in history.items():
        axes.plot(np.arange(1, len(values) + 1), values,
                  marker="." if len(values) < 200 else None, label=name)
    axes.set(xlabel=xlabel, title=title)
    axes.legend(fontsize=8)
    figure.tight_layout()
    return save_figure(figure, path)


def save_gif(images, path, scale=8, milliseconds=80):
    """Save grey (N, H, W[, 1]) or RGB (N, H, W, 3) images in [0, 1] as a
    looping GIF.

    Each pixel becomes a ``scale`` x ``scale`` block so small faces are
    visible; the file appears only once complete.
    """
    images = np.clip(np.asarray(images, dtype=np.float32), 0, 1)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    frames = [Image.fromarray((image * 255).astype(np.uint8)).resize(
        (image.shape[1] * scale, image.shape[0] * scale), Image.NEAREST)
        for image in images]
    with io.atomic_path(path) as temporary:
        frames[0].save(temporary, format="GIF", save_all=True,
                       append_images=frames[1:], duration=milliseconds,
                       loop=0)
    return pathlib.Path(path)
