#!/usr/bin/env python3
"""Bad input ends in one line that names the flag, exit code 2, no file.

On the command line (``python -m ganlab train|sample|evaluate``) every
case below must stop with exactly one line on standard error naming the
flag at fault, exit code 2, and nothing new on disk. In Python, the
lessons' constructors and task 5's DCGAN raise ``TypeError`` or
``ValueError`` naming the argument. The commands run in this process
(``cli.main``), on files made once for the module, to keep this fast.
"""
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from tensorflow import keras

from ganlab import cli
from ganlab.data.image_sets import FASHION_FILES
from tests.helpers import ROOT

DCGAN_LESSON = __import__('5-dcgan_cifar')


def tiny_generator():
    """A generator of 4x4 grey images from 4 latent dimensions."""
    latent = keras.Input((4,))
    images = keras.layers.Reshape((4, 4, 1))(
        keras.layers.Dense(16, activation="tanh")(latent))
    return keras.Model(latent, images, name="generator")


def tiny_discriminator():
    """A critic of 4x4 grey images: one score each."""
    image = keras.Input((4, 4, 1))
    return keras.Model(image, keras.layers.Dense(1)(
        keras.layers.Flatten()(image)), name="discriminator")


def truncated_copy(source, target):
    """Write the first half of ``source`` at ``target`` (a download cut
    short)."""
    data = source.read_bytes()
    target.write_bytes(data[:len(data) // 2])
    return target


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A folder of bad (and a few good) inputs, made once, and a short
    training run whose record has been lost, as an older version left
    it."""
    root = tmp_path_factory.mktemp("bad_input")
    rng = np.random.default_rng(0)
    for name, channels in (("rgba", 4), ("five", 5), ("two", 2)):
        np.save(root / f"{name}.npy", rng.integers(
            0, 256, (32, 8, 8, channels), dtype=np.uint8))
    np.save(root / "digits.npy", rng.integers(0, 256, (64, 8, 8),
                                              dtype=np.uint8))
    np.save(root / "empty.npy", np.zeros((0, 8, 8), np.uint8))
    points = rng.normal(size=(50, 2))
    points[[3, 7, 11]] = np.nan
    np.save(root / "nan.npy", points)
    points = rng.normal(size=(50, 2))
    points[[0, 49], 1] = np.inf
    np.save(root / "inf.npy", points)
    np.savez(root / "mnist.npz",
             x_train=rng.integers(0, 256, (200, 28, 28), dtype=np.uint8),
             y_train=np.zeros(200, np.int64))
    truncated_copy(root / "mnist.npz", root / "truncated.npz")
    (root / "mnist.npz").unlink()
    (root / "random.npz").write_bytes(rng.bytes(4096))
    (root / "fashion").mkdir()
    for name in FASHION_FILES:
        (root / "fashion" / name).write_bytes(rng.bytes(512))
    (root / "a_file.txt").write_text("not a folder\n")
    np.save(root / "faces.npy", rng.integers(0, 256, (1100, 16, 16),
                                             dtype=np.uint8))

    generator = tiny_generator()
    generator.save(root / "generator.keras")
    generator.save_weights(root / "generator.weights.h5")
    tiny_discriminator().save(root / "discriminator.keras")
    truncated_copy(root / "generator.keras", root / "truncated.keras")
    (root / "random.keras").write_bytes(rng.bytes(4096))
    (root / "text.keras").write_text("a generator, honestly\n")
    truncated_copy(ROOT / "data" / "faces_generator.weights.h5",
                   root / "truncated.weights.h5")

    cli.main(["train", "--model", "mlp", "--dataset",
              str(root / "digits.npy"), "--latent_dim", "8",
              "--batch_size", "16", "--n_epochs", "1",
              "--steps-per-epoch", "1", "--verbose", "0",
              "--no-tensorboard", "--out", str(root / "run")])
    shutil.copytree(root / "run", root / "legacy_run")
    (root / "legacy_run" / "run.json").unlink()
    return root


def listing(root):
    """Every path under ``root``, relative, sorted."""
    return sorted(str(path.relative_to(root)) for path in root.rglob("*"))


TRAIN = ["train", "--model", "mlp", "--n_epochs", "1", "--steps-per-epoch",
         "1", "--verbose", "0", "--no-tensorboard", "--batch_size", "16"]
DIGITS = ["--dataset", "{d}/digits.npy"]
FACES = ["--dataset", "faces", "--faces", "{d}/faces.npy"]

# (argv, the flag the line must name, a phrase it must also hold or None)
COMMAND_LINE_CASES = [
    # train: data the models cannot take
    (TRAIN + ["--dataset", "{d}/rgba.npy"], "--dataset", "4 in shape"),
    (TRAIN + ["--dataset", "{d}/five.npy"], "--dataset", "5 in shape"),
    (TRAIN + ["--dataset", "{d}/two.npy"], "--dataset", "2 in shape"),
    (TRAIN + ["--dataset", "{d}/empty.npy"], "--dataset", "no examples"),
    (TRAIN + ["--model", "simple", "--dataset", "{d}/nan.npy"],
     "--dataset", "3 of 50 rows"),
    (TRAIN + ["--model", "simple", "--dataset", "{d}/inf.npy"],
     "--dataset", "2 of 50 rows"),
    (TRAIN + DIGITS + ["--examples", "65"], "--examples", "64 examples"),
    (TRAIN + ["--model", "simple", "--dataset", "ring", "--data-path",
              "{d}/digits.npy"], "--data-path", "only with"),
    # train: corrupt files behind --data-path
    (TRAIN + ["--dataset", "mnist", "--data-path", "{d}/random.npz"],
     "--data-path", "not a readable .npz"),
    (TRAIN + ["--dataset", "mnist", "--data-path", "{d}/truncated.npz"],
     "--data-path", "not a readable .npz"),
    (TRAIN + ["--dataset", "cifar10", "--data-path", "{d}/truncated.npz"],
     "--data-path", "not a readable .npz"),
    (TRAIN + ["--dataset", "fashion-mnist", "--data-path", "{d}/fashion"],
     "--data-path", "not a readable gzipped IDX"),
    # train: numbers argparse takes but training cannot
    (TRAIN + DIGITS + ["--lr", "inf"], "--lr", "got inf"),
    (TRAIN + DIGITS + ["--d_lr", "inf"], "--d_lr", "got inf"),
    (TRAIN + DIGITS + ["--seed", "-1"], "--seed", "got -1"),
    # train: messages name spellings the parser accepts
    (TRAIN + DIGITS + ["--checkpoint-every", "0"], "--checkpoint-every",
     "got 0"),
    (TRAIN + DIGITS + ["--model", "simple", "--disc-iter", "0"],
     "--disc-iter", "got 0"),
    # train: where the run goes (run() checks these)
    (TRAIN + DIGITS + ["--out", "{d}/a_file.txt"], "--out", None),
    (TRAIN + DIGITS + ["--out", "/proc/ganlab-x"], "--out", None),
    (TRAIN + DIGITS + ["--latent_dim", "4", "--resume", "--out",
                       "{d}/legacy_run"], "--resume", None),
    # sample: files that are no generator, and bad counts
    (["sample", "--generator", "{d}/random.keras"], "--generator", None),
    (["sample", "--generator", "{d}/text.keras"], "--generator", None),
    (["sample", "--generator", "{d}/truncated.keras"], "--generator", None),
    (["sample", "--generator", "{d}/generator.weights.h5"], "--generator",
     "weights only"),
    (["sample", "--generator", "{d}/discriminator.keras"], "--generator",
     "discriminator"),
    (["sample", "--generator", "{d}/generator.keras", "--out",
      "{d}/a_file.txt"], "--out", "is a file"),
    (["sample", "--generator", "{d}/generator.keras", "--count", "0"],
     "--count", "got 0"),
    (["sample", "--generator", "{d}/generator.keras", "--grid", "0"],
     "--grid", "got 0"),
    # evaluate: checked before any scoring
    (["evaluate", "--model", "{d}/generator.keras", "--samples", "0"]
     + FACES, "--samples", "at least 10"),
    (["evaluate", "--model", "{d}/generator.keras", "--samples", "1"]
     + FACES, "--samples", "at least 10"),
    (["evaluate", "--task", "3", "--weights", "{d}/truncated.weights.h5",
      "--samples", "20"] + FACES, "--weights", "cannot load"),
    (["evaluate", "--task", "3", "--samples", "20", "--json", "{d}"]
     + FACES, "--json", "is a folder"),
    (["evaluate", "--model", "{d}/random.keras"] + FACES, "--model", None),
    (["evaluate", "--model", "{d}/discriminator.keras"] + FACES, "--model",
     "discriminator"),
    (["evaluate", "--model", "{d}/generator.keras", "--weights",
      "{d}/generator.weights.h5"] + FACES, "--weights", "--task 3"),
    # train: a flag the model would ignore is refused
    (TRAIN + DIGITS + ["--model", "dcgan", "--disc-iter", "3"],
     "--disc-iter", "only simple, wgan-clip, wgan-gp and faces take"),
]


@pytest.mark.parametrize("argv, flag, phrase", COMMAND_LINE_CASES,
                         ids=[f"{index:02d} {argv[0]} {flag}"
                              for index, (argv, flag, _)
                              in enumerate(COMMAND_LINE_CASES)])
def test_command_line_refuses_in_one_line(argv, flag, phrase, folder,
                                          capsys, monkeypatch):
    """One line naming the flag, exit code 2, and no new file."""
    monkeypatch.chdir(folder)
    argv = [part.format(d=folder) for part in argv]
    if argv[0] in ("train", "sample") and "--out" not in argv:
        argv += ["--out", str(folder / "out")]
    before = listing(folder)
    with pytest.raises(SystemExit) as stopped:
        cli.main(argv)
    error = capsys.readouterr().err
    assert stopped.value.code == 2, error
    assert error.count("\n") == 1, error
    assert flag in error, error
    assert phrase is None or phrase in error, error
    assert listing(folder) == before


# Mistakes found before TensorFlow starts: as real commands, their one
# line is all that reaches standard error (TensorFlow's start-up logging,
# which TF_CPP_MIN_LOG_LEVEL does not silence, never begins).
BEFORE_TENSORFLOW = [0, 4, 12, 17, 20, 28, 31]


@pytest.mark.parametrize("case", BEFORE_TENSORFLOW)
def test_real_command_prints_only_its_line(case, folder):
    """The same refusal from ``python -m ganlab``: one line on stderr."""
    argv, flag, _ = COMMAND_LINE_CASES[case]
    argv = [part.format(d=folder) for part in argv]
    if argv[0] in ("train", "sample") and "--out" not in argv:
        argv += ["--out", str(folder / "out")]
    done = subprocess.run([sys.executable, "-m", "ganlab"] + argv,
                          cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and flag in done.stderr, done.stderr


def test_resume_accepts_the_size_the_data_gave(folder, tmp_path):
    """A run started without ``--img_size`` resumes with ``--img_size``
    equal to the size its data had; another size is refused."""
    run = shutil.copytree(folder / "run", tmp_path / "run")
    gan = cli.main(TRAIN + ["--n_epochs", "2", "--dataset",
                            str(folder / "digits.npy"), "--latent_dim", "8",
                            "--img_size", "8", "--out", str(run),
                            "--resume"])
    assert int(gan.generator.optimizer.iterations) == 2


def test_resume_refuses_another_size(folder, tmp_path, capsys):
    """The recorded size is the data's, so a different one is named."""
    run = shutil.copytree(folder / "run", tmp_path / "run")
    with pytest.raises(SystemExit):
        cli.main(TRAIN + ["--dataset", str(folder / "digits.npy"),
                          "--latent_dim", "8", "--img_size", "4", "--out",
                          str(run), "--resume"])
    assert "was trained with --img_size 8; got 4" in capsys.readouterr().err


def test_the_grid_is_capped_and_every_single_is_written(folder, tmp_path,
                                                        monkeypatch):
    """``--count 70 --grid 9`` writes 70 PNGs and a grid of 9."""
    from ganlab import image_files
    tiled = []
    original = image_files.save_image_grid

    def counting(images, path, **kwargs):
        """Record how many images are tiled, then tile them."""
        tiled.append(len(images))
        return original(images, path, **kwargs)

    monkeypatch.setattr(image_files, "save_image_grid", counting)
    cli.main(["sample", "--generator", str(folder / "generator.keras"),
              "--count", "70", "--grid", "9", "--out", str(tmp_path)])
    assert tiled == [9]
    assert len(list(tmp_path.glob("0*.png"))) == 70
    assert (tmp_path / "grid.png").is_file()


def networks():
    """A fresh 2-D generator, critic and latent function."""
    from ganlab.nets.builders import fully_connected_GenDiscr
    return fully_connected_GenDiscr([2, 8, 2], None)


NOT_NETWORKS = [None, "generator.keras", np.zeros((2, 2))]


@pytest.mark.parametrize("bad", NOT_NETWORKS, ids=["None", "str", "array"])
@pytest.mark.parametrize("argument", ["generator", "discriminator",
                                      "latent_generator"])
def test_lesson_constructors_name_what_is_not_a_network(gan_class, argument,
                                                        bad):
    """None, a path or an array in place of a network is a TypeError that
    names the argument."""
    generator, discriminator, latent = networks()
    given = {"generator": generator, "discriminator": discriminator,
             "latent_generator": latent}
    given[argument] = bad
    with pytest.raises(TypeError, match=rf"^{argument} must be"):
        gan_class(real_examples=np.random.rand(300, 2).astype("float32"),
                  **given)


@pytest.mark.parametrize("name", ["batch_size", "disc_iter"])
def test_lesson_counts_are_not_booleans(gan_class, name):
    """``True`` is an int to Python, not a count to a GAN."""
    with pytest.raises(ValueError, match=f"{name} must be an integer >= 1"):
        gan_class(*networks(), np.random.rand(300, 2).astype("float32"),
                  **{name: True})


@pytest.mark.parametrize("bad_value, rows", [(np.nan, [0, 5, 9]),
                                             (np.inf, [299]),
                                             (-np.inf, [1, 2])])
def test_lesson_constructors_refuse_non_finite_examples(gan_class,
                                                        bad_value, rows):
    """NaN or inf in real_examples is named, with the number of bad rows,
    whether given as an array or a tensor."""
    real = np.random.rand(300, 2).astype("float32")
    real[rows, 0] = bad_value
    message = rf"real_examples must be finite; {len(rows)} of 300"
    with pytest.raises(ValueError, match=message):
        gan_class(*networks(), real)
    with pytest.raises(ValueError, match=message):
        gan_class(*networks(), tf.constant(real))


@pytest.fixture(scope="module")
def dcgan_networks():
    """Task 5's generator (16 latent dimensions) and discriminator, made
    narrow."""
    return (DCGAN_LESSON.build_generator(16, (32, 16, 8)),
            DCGAN_LESSON.build_discriminator((8, 16, 32)))


@pytest.mark.parametrize("argument", ["generator", "discriminator"])
@pytest.mark.parametrize("bad", NOT_NETWORKS, ids=["None", "str", "array"])
def test_dcgan_names_what_is_not_a_network(dcgan_networks, argument, bad):
    """The DCGAN refuses non-networks as the lessons do."""
    generator, discriminator = dcgan_networks
    given = {"generator": generator, "discriminator": discriminator}
    given[argument] = bad
    with pytest.raises(TypeError, match=rf"^{argument} must be"):
        DCGAN_LESSON.DCGAN(latent_dim=16, **given)


@pytest.mark.parametrize("latent_dim, message", [
    (8, r"latent_dim \(8\) must match the generator's input width \(16\)"),
    (True, "latent_dim must be an integer >= 1; got True"),
    (0, "latent_dim must be an integer >= 1; got 0")])
def test_dcgan_latent_dim_must_fit_the_generator(dcgan_networks, latent_dim,
                                                 message):
    """The default of 100 against a generator of 16 was a shape error deep
    in the first step."""
    with pytest.raises(ValueError, match=message):
        DCGAN_LESSON.DCGAN(*dcgan_networks, latent_dim=latent_dim)


def bad_images(kind):
    """32 CIFAR-sized images, made bad in the way ``kind`` says."""
    images = np.random.default_rng(0).uniform(-1, 1, (32, 32, 32, 3))
    if kind == "uint8":
        return ((images + 1) * 127.5).astype(np.uint8)
    if kind == "0-255 floats":
        return ((images + 1) * 127.5).astype(np.float32)
    images = images.astype(np.float32)
    images[[2, 30], 5, 5, 0] = np.nan
    return images


@pytest.mark.parametrize("kind, error, message", [
    ("uint8", TypeError, "x must hold floating-point pixels in"),
    ("0-255 floats", ValueError, r"must lie in \[-1, 1\].* 32 of 32"),
    ("NaN", ValueError, "must be finite; 2 of 32 images")])
def test_dcgan_fit_refuses_images_outside_its_range(dcgan_networks, kind,
                                                    error, message):
    """Task 5 trains on floats in [-1, 1]; raw pixels or NaN are named
    before the first step."""
    model = DCGAN_LESSON.DCGAN(*dcgan_networks, latent_dim=16)
    model.compile()
    with pytest.raises(error, match=message):
        model.fit(bad_images(kind), batch_size=16, epochs=1, verbose=0)
    with pytest.raises(error, match=message):
        model.fit(tf.constant(bad_images(kind)), batch_size=16, epochs=1,
                  verbose=0)


def test_fit_images_refuses_other_channel_counts():
    """Only grey and RGB are converted; 5 channels are not made 15."""
    from ganlab.data.sources import fit_images
    for channels in (2, 4, 5):
        with pytest.raises(ValueError, match=f"got {channels} in shape"):
            fit_images(np.zeros((3, 8, 8, channels), np.uint8), 8, 3)
