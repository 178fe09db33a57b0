#!/usr/bin/env python3
"""Task 4 demo: a progressive GAN, drawn from or grown.

With no flag it loads the 64x64 emoji ProGAN shipped in data/ (grown from
4x4 by ``python -m ganlab train --model progan``; model card in
data/README.md) and, in seconds, draws 64 samples, a walk along a latent
segment (picture and animated GIF) and a few samples beside their nearest
training emoji, so that copies would show.

With --train (or any flag that sets up training: --faces, --folder,
--resume, --max-resolution, ...) it grows a fresh ProGAN instead. By
default that trains on scikit-image's 100 LFW faces (offline, grey,
resized to 16x16) with the CPU preset schedule (6,000 images per phase,
batch 32) and small networks: about 3 minutes on 2 cores. Each phase ends
with a 4x4 grid of samples from fixed latent vectors; at the end come a
"resolution ladder" (one latent vector at 4x4, 8x8 and 16x16), the loss
curves and the generator's weights. The whole state is checkpointed after
every epoch: rerun with --resume to continue a stopped run exactly.

    python main/4-main.py
    python main/4-main.py --train
    python main/4-main.py --faces small_res_faces_10000.npy
    python main/4-main.py --folder my_faces/ --max-resolution 64 --channels 3
    python main/4-main.py --folder celeba/ --max-resolution 256 --full
"""
import argparse
import pathlib

import numpy as np
import tensorflow as tf

from ganlab import image_files, lessons
from ganlab.data import emoji, image_sets, faces
from ganlab.nets.saved import load_generator
from ganlab.training import growth
from ganlab.training.checkpoints import GANCheckpoint, export_weights
from ganlab.training.seeding import set_seed
from ganlab.viz import face_pictures
from ganlab.viz.growth import GrowthPictures

progan = lessons.load("4-progan")
SHIPPED_GENERATOR = lessons.SHIPPED / "progan_emoji64_generator.keras"
# flag -> its default once training: given at all, they mean training
TRAINING_DEFAULTS = {"faces": None, "folder": None, "max_resolution": 16,
                     "channels": None, "full": False, "fade_images": None,
                     "stable_images": None, "batch_size": None,
                     "loss": "wgan-gp", "spectral_norm": False,
                     "steps_per_epoch": 50, "resume": False}


def arguments_from(argv):
    """Parse and check the flags; a bad one exits with code 2."""
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--faces", type=pathlib.Path,
                        help="the curriculum's 16x16 faces .npy file")
    source.add_argument("--folder", type=pathlib.Path,
                        help="a folder of images (JPEG, PNG, ...)")
    parser.add_argument("--train", action="store_true",
                        help="grow a fresh ProGAN (by default on 100 LFW "
                             "faces) instead of drawing the shipped one")
    parser.add_argument("--max-resolution", type=int,
                        help="last resolution, a power of 2 (default: "
                             "16)")
    parser.add_argument("--channels", type=int, choices=(1, 3),
                        help="1 grey or 3 RGB (default: 3 with --folder, "
                             "else 1)")
    parser.add_argument("--full", action="store_true",
                        help="the paper's schedule and networks (800,000 "
                             "images per phase, 512 filters, latent 512): "
                             "days of GPU time at 256x256")
    parser.add_argument("--fade-images", type=int,
                        help="images per fade-in phase (overrides preset)")
    parser.add_argument("--stable-images", type=int,
                        help="images per stable phase (overrides preset)")
    parser.add_argument("--batch-size", type=int,
                        help="one batch size for every resolution")
    parser.add_argument("--loss", choices=progan.ProGAN.LOSSES,
                        help="the losses (default: wgan-gp)")
    parser.add_argument("--spectral-norm", action="store_true",
                        help="spectral normalisation in the critic")
    parser.add_argument("--steps-per-epoch", type=int,
                        help="steps between checkpoints (default: 50)")
    parser.add_argument("--out", type=pathlib.Path,
                        default=pathlib.Path("outputs/progan"))
    parser.add_argument("--resume", action="store_true",
                        help="continue the run checkpointed in --out")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2))
    arguments = parser.parse_args(argv)
    arguments.train = arguments.train or any(
        getattr(arguments, name) not in (None, False)
        for name in TRAINING_DEFAULTS)
    if not arguments.train:
        return arguments, None
    for name, default in TRAINING_DEFAULTS.items():
        if getattr(arguments, name) is None:
            setattr(arguments, name, default)
    for name in ("fade_images", "stable_images", "steps_per_epoch"):
        value = getattr(arguments, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if arguments.batch_size is not None and arguments.batch_size < 2:
        parser.error("--batch-size must be at least 2 (the minibatch "
                     "standard deviation needs two images)")
    if arguments.faces and arguments.max_resolution != 16:
        parser.error("--faces holds 16x16 faces: use --max-resolution 16")
    if arguments.channels is None:
        arguments.channels = 3 if arguments.folder else 1
    if arguments.faces and arguments.channels != 1:
        parser.error("--faces holds grey faces: use --channels 1")
    try:
        arguments.schedule = schedule_from(arguments)
        images = load_images(arguments)
    except (OSError, ValueError) as error:
        parser.error(str(error))
    checkpoints = arguments.out / "checkpoints"
    if checkpoints.exists() and not arguments.resume:
        parser.error(f"{checkpoints} already holds a run: pass --resume to "
                     "continue it, or choose another --out")
    return arguments, images


def schedule_from(arguments):
    """Return the growth schedule the flags ask for."""
    size = arguments.max_resolution
    schedule = (progan.GrowthSchedule(size) if arguments.full
                else progan.GrowthSchedule.cpu_preset(size))
    if arguments.fade_images or arguments.stable_images or (
            arguments.batch_size):
        first = schedule.phases[0]
        fade = schedule.phases[1].images if len(schedule.phases) > 1 else 1
        schedule = progan.GrowthSchedule(
            size, arguments.fade_images or fade,
            arguments.stable_images or first.images,
            {phase.resolution: arguments.batch_size or phase.batch_size
             for phase in schedule.phases})
    return schedule


def load_images(arguments):
    """Return the real images as float32 in [-1, 1], shape (N, R, R, C)."""
    size, channels = arguments.max_resolution, arguments.channels
    if arguments.faces:
        pixels = faces.load_face_array(arguments.faces)
        pixels = pixels.reshape(len(pixels), 16, 16, 1)
    elif arguments.folder:
        pixels = faces.load_image_folder(arguments.folder, size, channels)
    else:
        pixels = faces.lfw_faces(size, channels)
    if pixels.dtype == np.uint8:
        return image_sets.to_symmetric(pixels)
    return (np.asarray(pixels, np.float32) * 2. - 1.).astype(np.float32)


def build(arguments):
    """Return a compiled ProGAN sized for the flags."""
    size, channels = arguments.max_resolution, arguments.channels
    if arguments.full:
        latent_dim, filters = 512, dict(max_filters=512, filter_base=16384)
    else:
        latent_dim, filters = 64, dict(max_filters=64, filter_base=512)
    networks = progan.build_networks(
        latent_dim, size, channels, spectral_norm=arguments.spectral_norm,
        **filters)
    gan = progan.ProGAN(*networks, loss=arguments.loss,
                        seed=arguments.seed)
    gan.compile()
    return gan


def draw_shipped(arguments):
    """Draw the shipped 64x64 emoji ProGAN's pictures; return the paths
    written."""
    if not SHIPPED_GENERATOR.is_file():
        raise SystemExit(f"{SHIPPED_GENERATOR} is missing (it ships in "
                         "data/); grow a ProGAN with --train instead")
    generator = load_generator(SHIPPED_GENERATOR)
    size = generator.resolution
    out, seed = arguments.out, arguments.seed
    latent = tf.random.stateless_normal((64, generator.latent_dim),
                                        seed=(seed, 0))

    def drawn(latent_vectors):
        """The generator's images for ``latent_vectors``, in [0, 1]."""
        return image_sets.symmetric_to_unit(np.asarray(
            generator(latent_vectors, training=False)))

    samples = drawn(latent)
    written = [image_files.save_image_grid(
        samples, out / "4-shipped_samples.png", columns=8,
        title=f"64 samples of the shipped {size}x{size} emoji ProGAN")]
    start, end = np.random.default_rng(seed).normal(
        size=(2, generator.latent_dim)).astype(np.float32)
    walk = drawn(face_pictures.latent_segment(start, end, 48))
    written.append(image_files.save_image_grid(
        walk[::4], out / "4-shipped_walk.png", columns=12,
        title="a walk along a latent segment"))
    written.append(image_files.save_gif(walk, out / "4-shipped_walk.gif",
                                        scale=2))
    # the emoji it was trained on, drawn the same way (on white)
    training = emoji.load_emoji(size, "train") / np.float32(255)
    written.append(face_pictures.save_beside_nearest(
        samples[:8], training, out / "4-shipped_nearest.png",
        what="emoji")[0])
    for path in written:
        print(f"wrote {path}")
    return written


def main(argv=None):
    """Without --train, draw from the shipped ProGAN and return the paths
    written; with it, grow, draw, save and return the trained ProGAN."""
    arguments, images = arguments_from(argv)
    set_seed(arguments.seed)
    if not arguments.train:
        return draw_shipped(arguments)
    gan = build(arguments)
    out = arguments.out
    checkpoint = GANCheckpoint(gan, out / "checkpoints")
    if arguments.resume and checkpoint.restore():
        print(f"resumed at step {int(gan.steps_done.numpy())}, phase "
              f"{int(gan.phase_index.numpy())}, alpha "
              f"{float(gan.alpha.numpy()):.3f}")
    pictures = GrowthPictures(
        tf.random.stateless_normal((16, gan.latent_dim), seed=(0, 0)),
        image_sets.symmetric_to_unit, out)
    for index, phase in enumerate(arguments.schedule.phases):
        print(f"phase {index}: {phase}")
    histories = growth.grow(gan, images, arguments.schedule,
                            steps_per_epoch=arguments.steps_per_epoch,
                            callbacks=[checkpoint, pictures],
                            verbose=arguments.verbose, seed=arguments.seed)
    if pictures.ladder:
        pictures.save_ladder()
    curves = {name: [value for history in histories
                     for value in history.get(name, [])]
              for name in ("discr_loss", "gen_loss", "gp")}
    curves = {name: values for name, values in curves.items() if values}
    if curves:  # a resumed run that had nothing left keeps the old plot
        image_files.plot_losses(
            curves, out / "4-losses.png",
            title=f"ProGAN on {len(images)} images, epochs "
                  f"of {arguments.steps_per_epoch} steps")
    # the weights alone, without the optimizer the generator trains with
    export_weights(gan.generator, out / "4-generator.weights.h5")
    print(f"pictures, checkpoints and generator weights in {out}/")
    return gan


if __name__ == "__main__":
    main()
