#!/usr/bin/env python3
"""Watching a progressive GAN (task 4) as it grows.

``GrowthPictures`` is a Keras callback that, at the end of every phase,
saves a grid of samples from fixed latent vectors, and keeps the image of
the first latent vector at the end of each resolution's stable phase;
``save_ladder`` then draws that one face at 4x4, 8x8, ... side by side,
so the growth itself can be seen.

A phase that a callback stopped before its end (a time limit, the GAN
doctor) gets no picture: it is resumed later, and drawn when it really
ends. The ladder's images are kept on disk too (``4-ladder.npz``, beside
the pictures), each with the index of the phase that made it, so a run
resumed from a checkpoint draws the whole ladder, not only the
resolutions of its last session. (Checkpoints are
``ganlab.training.checkpoints.GANCheckpoint``'s, which save what
``ProGAN.state()`` lists: alpha, the phase and the progress through it;
``ganlab.training.growth.grow`` drives the phases.)
"""
import pathlib
import sys
import zipfile

import numpy as np
from tensorflow import keras

from ganlab import image_files, io
from ganlab.image_files import plt  # with its screenless backend set


class GrowthPictures(keras.callbacks.Callback):
    """Save a grid per phase and one latent vector's image per resolution.

    ``to_pixels`` maps generator outputs to [0, 1]; ``folder`` receives
    ``4-phase_NN_RxR_kind.png`` files, ``4-ladder.npz`` (the ladder's
    images, for resuming) and, from ``save_ladder``, the resolution
    ladder. ``ladder`` maps each resolution to its image;
    ``ladder_phases`` to the index of the phase that made it.
    """

    def __init__(self, latent_vectors, to_pixels, folder, prefix="4-"):
        """Remember what to draw and where."""
        super().__init__()
        self.latent_vectors = latent_vectors
        self.to_pixels = to_pixels
        self.folder = pathlib.Path(folder)
        self.prefix = prefix
        self.ladder = {}
        self.ladder_phases = {}

    @property
    def ladder_file(self):
        """Where the ladder's images are kept between sessions."""
        return self.folder / f"{self.prefix}ladder.npz"

    def on_train_begin(self, logs=None):
        """Take back the ladder images of the phases finished before the
        current one: those of earlier sessions of a resumed run are read
        from ``ladder_file``. Those of later phases (a fresh run in an old
        folder, or a checkpoint older than the pictures) are dropped."""
        current = int(self.model.phase_index.numpy())
        kept = {**self.read_ladder(), **{
            size: (self.ladder_phases.get(size, -1), image)
            for size, image in self.ladder.items()}}
        kept = {size: entry for size, entry in kept.items()
                if entry[0] < current}
        self.ladder = {size: image for size, (_, image) in kept.items()}
        self.ladder_phases = {size: phase for size, (phase, _)
                              in kept.items()}

    def on_train_end(self, logs=None):
        """A ``fit`` call is one phase: draw its samples, unless it was
        stopped before the phase's last image."""
        gan = self.model
        phase = getattr(gan, "phase", None)
        if phase is not None and int(gan.phase_images.numpy()) < (
                phase.images):
            return  # unfinished: drawn when the resumed phase ends
        images = self.to_pixels(np.asarray(
            gan.generator(self.latent_vectors, training=False)))
        size = gan.generator.resolution
        kind = "fade-in" if gan.generator.fading else "stable"
        index = int(gan.phase_index.numpy())
        image_files.save_image_grid(
            images, self.folder / f"{self.prefix}phase_{index:02d}_"
                                  f"{size}x{size}_{kind}.png",
            columns=4, title=f"phase {index}: {size}x{size} {kind}")
        if not gan.generator.fading:
            self.ladder[size] = images[0]
            self.ladder_phases[size] = index
            self.write_ladder()

    def write_ladder(self):
        """Write the ladder's images and their phases to ``ladder_file``,
        atomically."""
        sizes = sorted(self.ladder)
        with io.atomic_path(self.ladder_file) as temporary:
            with open(temporary, "wb") as stream:
                np.savez(stream, sizes=np.array(sizes, np.int64),
                         phases=np.array([self.ladder_phases[size]
                                          for size in sizes], np.int64),
                         **{f"image_{size}": np.asarray(self.ladder[size])
                            for size in sizes})

    def read_ladder(self):
        """Return ``{size: (phase index, image)}`` from ``ladder_file``;
        empty when there is none, or when it cannot be read (then the
        ladder holds this session's resolutions only)."""
        if not self.ladder_file.is_file():
            return {}
        try:
            with np.load(self.ladder_file) as stored:
                return {int(size): (int(phase),
                                    np.array(stored[f"image_{size}"]))
                        for size, phase in zip(stored["sizes"],
                                               stored["phases"])}
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
            print(f"warning: {self.ladder_file} unreadable "
                  f"({io.first_line(error)}); the ladder starts afresh",
                  file=sys.stderr, flush=True)
            return {}

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
        return image_files.save_figure(figure, path)
