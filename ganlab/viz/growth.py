#!/usr/bin/env python3
"""Watching and saving a progressive GAN (task 4) as it grows.

``GrowthPictures`` is a Keras callback that, at the end of every phase,
saves a grid of samples from fixed latent vectors, and keeps the image of
the first latent vector at the end of each resolution's stable phase;
``save_ladder`` then draws that one face at 4x4, 8x8, ... side by side,
so the growth itself can be seen. (Checkpoints are
``ganlab.training.checkpoints.GANCheckpoint``'s, which also saves what
``ProGAN.state()`` lists: alpha, the phase and the progress through it.)
"""
import pathlib

import numpy as np
from tensorflow import keras

from ganlab.viz import plots
from ganlab.viz.plots import plt  # with its screenless backend set


class GrowthPictures(keras.callbacks.Callback):
    """Save a grid per phase and one latent vector's image per resolution.

    ``to_pixels`` maps generator outputs to [0, 1]; ``folder`` receives
    ``4-phase_NN_RxR_kind.png`` files and, from ``save_ladder``, the
    resolution ladder.
    """

    def __init__(self, latent_vectors, to_pixels, folder, prefix="4-"):
        """Remember what to draw and where."""
        super().__init__()
        self.latent_vectors = latent_vectors
        self.to_pixels = to_pixels
        self.folder = pathlib.Path(folder)
        self.prefix = prefix
        self.ladder = {}

    def on_train_end(self, logs=None):
        """A ``fit`` call is one phase: draw its samples."""
        gan = self.model
        images = self.to_pixels(np.asarray(
            gan.generator(self.latent_vectors, training=False)))
        size = gan.generator.resolution
        kind = "fade-in" if gan.generator.fading else "stable"
        phase = int(gan.phase_index.numpy())
        plots.save_image_grid(
            images, self.folder / f"{self.prefix}phase_{phase:02d}_"
                                  f"{size}x{size}_{kind}.png",
            columns=4, title=f"phase {phase}: {size}x{size} {kind}")
        if not gan.generator.fading:
            self.ladder[size] = images[0]

    def save_ladder(self, path=None):
        """Draw the first latent vector's image at every resolution reached,
        each shown at the same size so the added detail shows."""
        path = path or self.folder / f"{self.prefix}resolution_ladder.png"
        sizes = sorted(self.ladder)
        if not sizes:
            raise ValueError("no stable phase has ended yet: nothing to draw")
        figure, axes = plt.subplots(1, len(sizes), squeeze=False,
                                    figsize=(1.6 * len(sizes), 2.))
        for axis, size in zip(axes.flat, sizes):
            image = np.clip(self.ladder[size], 0., 1.)
            if image.shape[-1] == 1:
                image = image[..., 0]
            axis.imshow(image, cmap="gray", vmin=0, vmax=1,
                        interpolation="nearest")
            axis.set_title(f"{size}x{size}", fontsize=9)
            axis.axis("off")
        figure.suptitle("one latent vector as the networks grow",
                        fontsize=9)
        figure.tight_layout()
        return plots.save_figure(figure, path)
