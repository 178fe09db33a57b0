#!/usr/bin/env python3
"""Pictures of trained models and of data sets, written as PNG files.

``plot_toy_model`` draws what a 2-D GAN learned in one figure: real and
generated samples, the critic's score over the plane (where it thinks
data lives), and the losses per epoch. ``save_emoji_split_picture``
shows the emoji that train beside those held out. Grids, loss curves and
GIFs of plain arrays are ``ganlab.image_files``'s.
"""
import pathlib

import numpy as np
from PIL import Image

from ganlab import io
from ganlab.arrays import tile
from ganlab.data.emoji import load_emoji
from ganlab.image_files import plt, save_figure


def plot_toy_model(gan, path, title="", centres=None, nb_points=1000):
    """Draw a trained 2-D GAN and save the picture to ``path``.

    Left: real examples and generated samples (and the mixture's
    ``centres`` if given). Middle: the critic's score over a square that
    holds the real data with a margin. Right: the losses of the last
    ``fit``, one point per epoch.
    """
    real = np.asarray(gan.get_real_sample(min(nb_points,
                                              len(gan.real_examples))))
    fake = np.asarray(gan.get_fake_sample(nb_points))
    if real.shape[1:] != (2,):
        raise ValueError("plot_toy_model draws 2-D data only; got examples "
                         f"of shape {real.shape[1:]}")
    low, high = min(real.min(), fake.min()), max(real.max(), fake.max())
    margin = .15 * (high - low)
    bounds = (low - margin, high + margin)
    figure, (samples_axes, critic_axes, loss_axes) = plt.subplots(
        1, 3, figsize=(15, 4.6))
    figure.suptitle(title)

    samples_axes.scatter(*real.T, s=4, alpha=.5, label="real")
    samples_axes.scatter(*fake.T, s=4, alpha=.5, label="generated")
    if centres is not None:
        samples_axes.scatter(*np.asarray(centres).T, marker="x", c="k",
                             label="modes")
    samples_axes.set(xlim=bounds, ylim=bounds, aspect="equal",
                     title="samples")
    samples_axes.legend(loc="upper right", fontsize=8)

    ticks = np.linspace(*bounds, 120, dtype=np.float32)
    grid = np.stack(np.meshgrid(ticks, ticks), axis=-1).reshape(-1, 2)
    scores = np.asarray(gan.discriminator(grid, training=False))
    contours = critic_axes.contourf(ticks, ticks, scores.reshape(120, 120),
                                    levels=30, cmap="viridis")
    figure.colorbar(contours, ax=critic_axes, fraction=.046)
    critic_axes.scatter(*fake.T, s=2, c="w", alpha=.4)
    critic_axes.set(xlim=bounds, ylim=bounds, aspect="equal",
                    title="critic score (white: generated)")

    history = getattr(gan, "history", None)
    for name, values in (history.history.items() if history else []):
        loss_axes.plot(np.arange(1, len(values) + 1), values, marker=".",
                       label=name)
    loss_axes.set(xlabel="epoch", title="losses")
    loss_axes.legend(fontsize=8)
    figure.tight_layout()
    return save_figure(figure, path)


def save_emoji_split_picture(path, size=32, count=64, columns=8, scale=2):
    """Draw ``count`` training emoji beside ``count`` held-out ones
    (``ganlab.data.emoji``'s split).

    The emoji are evenly spaced through each split's sorted files (no
    seed), laid out ``columns`` wide by ``ganlab.arrays.tile``, each
    pixel drawn as a ``scale`` x ``scale`` block; the PNG file at
    ``path`` appears only when complete. Returns ``path``.
    """
    grids = []
    for split in ("train", "held_out"):
        images = load_emoji(size, split)
        picks = np.linspace(0, len(images) - 1, count).round().astype(int)
        grids.append(tile(images[picks], columns))
    gap = np.full((grids[0].shape[0], size, 3), 255, np.uint8)
    canvas = Image.fromarray(np.concatenate([grids[0], gap, grids[1]], 1))
    canvas = canvas.resize((canvas.width * scale, canvas.height * scale),
                           Image.NEAREST)
    with io.atomic_path(path) as temporary:
        canvas.save(temporary, format="PNG")
    return pathlib.Path(path)
