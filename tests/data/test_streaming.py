#!/usr/bin/env python3
"""``ganlab.data.streaming``: image folders through ``tf.data``.

The streamed images must be the in-memory path's (``faces.load_image_folder``,
Pillow) within a few grey levels, every pass must visit each image once in
an order fixed by the seed, shards must split the files, the cache must be
used only when whole and only for the files it was made of, and bad input
must fail with a line that names it.
"""
import os
import pathlib

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from ganlab import io
from ganlab.data import faces, streaming

# (width, height, suffix): crops from landscape and portrait, shrinking
# and enlarging, and every format both paths read
SHAPES = [(100, 80, ".jpg"), (64, 64, ".png"), (37, 53, ".bmp"),
          (200, 130, ".gif"), (16, 16, ".webp"), (90, 90, ".jpeg")]


def structured_image(width, height, seed):
    """A smooth colour pattern with some noise, as uint8 (height, width,
    3): photographs are smooth, which is where resizing filters agree."""
    rng = np.random.default_rng(seed)
    rows, columns = np.mgrid[:height, :width]
    phases = rng.uniform(0, 6, 3)
    image = np.stack([127 + 110 * np.sin(columns / (5 + channel) + phase)
                      * np.cos(rows / 6 - phase)
                      for channel, phase in enumerate(phases)], axis=-1)
    return np.clip(image + rng.normal(0, 8, image.shape), 0,
                   255).astype(np.uint8)


@pytest.fixture
def folder(tmp_path):
    """A folder of six images of different shapes and formats, one of
    them in a subfolder, and a file that is not an image."""
    root = tmp_path / "images"
    (root / "more").mkdir(parents=True)
    for index, (width, height, suffix) in enumerate(SHAPES):
        place = root / "more" if index == 5 else root
        Image.fromarray(structured_image(width, height, index)).save(
            place / f"image{index}{suffix}")
    (root / "notes.txt").write_text("not an image")
    return root


def batches_of(dataset, count):
    """The first ``count`` batches of ``dataset`` as NumPy arrays."""
    return [batch.numpy() for batch in dataset.take(count)]


@pytest.mark.parametrize("channels", [3, 1])
def test_streamed_images_match_the_in_memory_path(folder, channels):
    """Crop, resize and grey conversion as Pillow does them: measured
    differences at most 3 grey levels (JPEG decoders differ), under 1 on
    average."""
    expected = faces.load_image_folder(folder, 32, channels)
    paths = streaming.list_images(folder)
    streamed = np.stack([streaming.decode_square(path, 32, channels).numpy()
                         for path in paths])
    assert streamed.shape == expected.shape == (6, 32, 32, channels)
    difference = np.abs(streamed.astype(int) - expected.astype(int))
    print(f"largest difference {difference.max()} grey levels, "
          f"mean {difference.mean():.3f}")
    assert difference.max() <= 4
    assert difference.mean() < 1


def test_each_pass_visits_every_image_once_in_a_seeded_order(folder):
    """One pass (repeat=False) of batch 1 holds each image exactly once,
    scaled to [-1, 1]; the same seed gives the same order, another seed
    another."""
    expected = faces.load_image_folder(folder, 16, 3)
    first = batches_of(streaming.stream_image_folder(
        folder, 16, 3, batch_size=1, seed=3, repeat=False), 10)
    assert len(first) == 6
    images = np.concatenate(first)
    assert images.dtype == np.float32
    assert images.min() >= -1 and images.max() <= 1
    as_uint8 = np.round((images + 1) * 127.5).astype(int)
    matched = [np.argmin(np.abs(as_uint8[:, np.newaxis] - expected.astype(
        int)).reshape(6, 6, -1).mean(axis=2)[row]) for row in range(6)]
    assert sorted(matched) == list(range(6))
    again = batches_of(streaming.stream_image_folder(
        folder, 16, 3, batch_size=1, seed=3, repeat=False), 10)
    np.testing.assert_array_equal(np.concatenate(again), images)
    other = np.concatenate(batches_of(streaming.stream_image_folder(
        folder, 16, 3, batch_size=1, seed=4, repeat=False), 10))
    assert not np.array_equal(other, images)


def test_endless_batches_are_full_and_epochs_reshuffle(folder):
    """Batches of 4 from 6 images: every batch full (drop_remainder), and
    the stream goes on past the first pass."""
    batches = batches_of(streaming.stream_image_folder(
        folder, 8, 1, batch_size=4, seed=0), 5)
    assert [batch.shape for batch in batches] == [(4, 8, 8, 1)] * 5


def test_shards_split_the_files_before_decoding(folder):
    """Two shards read disjoint halves of the sorted files, together all
    of them; an InputContext is read the same way."""
    def shard_images(shard):
        """All images of one shard, one pass, in a set of byte strings."""
        dataset = streaming.stream_image_folder(
            folder, 8, 3, batch_size=1, seed=0, shard=shard, repeat=False)
        return {batch.tobytes() for batch in batches_of(dataset, 10)}
    whole = shard_images(None)
    halves = [shard_images((2, index)) for index in range(2)]
    assert [len(half) for half in halves] == [3, 3]
    assert halves[0].isdisjoint(halves[1])
    assert halves[0] | halves[1] == whole
    context = tf.distribute.InputContext(num_input_pipelines=2,
                                         input_pipeline_id=1)
    assert shard_images(context) == halves[1]
    assert streaming.shard_of(context) == (2, 1)
    sharded = streaming.stream_image_folder(folder, 8, 3, shard=(2, 0))
    assert sharded.options().experimental_distribute.auto_shard_policy == (
        tf.data.experimental.AutoShardPolicy.OFF)


def test_cache_is_written_whole_then_read_and_keyed_by_the_files(
        folder, tmp_path):
    """The cache appears under its final name with its .index only after
    a full pass; a second pipeline reads it; leftovers of a killed fill
    (lockfile, .tempstate) are swept; changed files get a new cache."""
    prefix = tmp_path / "cache" / "faces"
    first = batches_of(streaming.stream_image_folder(
        folder, 8, 3, batch_size=2, seed=1, cache=prefix), 3)
    made = sorted(path.name for path in prefix.parent.iterdir())
    assert len(made) == 2 and made[1].endswith(".index")
    assert made[0].startswith("faces-8x8x3-shard0of1-")
    final = prefix.parent / made[1][:-len(".index")]
    assert streaming.cache_is_complete(final)
    second = batches_of(streaming.stream_image_folder(
        folder, 8, 3, batch_size=2, seed=1, cache=prefix), 3)
    for one, other in zip(first, second):
        np.testing.assert_array_equal(one, other)

    # what a process killed in the middle of a fill leaves behind
    paths = streaming.list_images(folder)
    os.utime(paths[0], ns=(1, 1))
    changed = streaming.cache_name(prefix, paths, 8, 3, 1, 0)
    assert changed != final
    temporary = changed.with_name(io.PARTIAL_PREFIX + changed.name)
    for suffix in ("_0.lockfile", ".data-00000-of-00001.tempstate123"):
        temporary.with_name(temporary.name + suffix).write_text("stale")
    assert not streaming.cache_is_complete(changed)
    batches_of(streaming.stream_image_folder(
        folder, 8, 3, batch_size=2, seed=1, cache=prefix), 1)
    assert streaming.cache_is_complete(changed)
    assert not list(prefix.parent.glob(io.PARTIAL_PREFIX + "*"))


def test_counts_and_the_rule_for_streaming(folder):
    """Counting reads names only; the rule compares the float32 array the
    in-memory path would hold with the budget."""
    assert streaming.count_images(folder) == 6
    # 6 images of 64x64x3 float32: 294,912 bytes
    assert streaming.should_stream(folder, 64, 3, limit_bytes=294_911)
    assert not streaming.should_stream(folder, 64, 3, limit_bytes=294_912)
    assert not streaming.should_stream(folder, 64, 3)
    assert streaming.array_bytes(200_000, 64, 3) > 2 ** 31


def test_deciding_needs_no_tensorflow(folder):
    """Counting and the rule run before TensorFlow starts, so a command
    can report a bad folder in one line without its start-up logging."""
    import subprocess
    import sys
    code = ("import sys; from ganlab.data import streaming; "
            f"streaming.should_stream({str(folder)!r}, 64, 3); "
            "assert 'tensorflow' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_bad_folders_and_arguments_fail_with_one_line(folder, tmp_path):
    """A missing folder, a folder without images (the suffixes named), a
    shard without files and bad arguments each raise, naming them."""
    with pytest.raises(FileNotFoundError, match="does not exist"):
        streaming.stream_image_folder(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"no images \(\.bmp, \.gif"):
        streaming.count_images(tmp_path / "empty")
    with pytest.raises(ValueError, match="shard 6 of 7 gets no image"):
        streaming.stream_image_folder(folder, shard=(7, 6))
    for arguments, message in [({"channels": 4}, "channels must be 1 or 3"),
                               ({"batch_size": 0}, "batch_size must be"),
                               ({"shard": (2, 2)}, "shard must have"),
                               ({"shard": "two"}, "shard must be"),
                               ({"on_error": "ignore"}, "on_error must be")]:
        with pytest.raises(ValueError, match=message):
            streaming.stream_image_folder(folder, **arguments)


def test_unreadable_images_are_named_or_skipped(folder):
    """A broken file in the checked sample fails before training with its
    path; beyond the sample, "raise" stops the pipeline with TensorFlow's
    InvalidArgumentError and "skip" drops it."""
    broken = folder / "zz_broken.jpg"  # last in sorted order: sampled
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")
    with pytest.raises(ValueError, match="cannot read image .*zz_broken"):
        streaming.stream_image_folder(folder, 8, 3, batch_size=1)
    assert [path for path, _ in streaming.find_unreadable(
        streaming.list_images(folder))] == [str(broken)]
    with pytest.raises(tf.errors.InvalidArgumentError):
        batches_of(streaming.stream_image_folder(
            folder, 8, 3, batch_size=1, validate=0, repeat=False), 10)
    for validate in (0, 16):  # "skip" lets a bad file in the sample pass
        kept = batches_of(streaming.stream_image_folder(
            folder, 8, 3, batch_size=1, validate=validate, repeat=False,
            on_error="skip"), 10)
        assert len(kept) == 6
    for path in streaming.list_images(folder):
        pathlib.Path(path).write_bytes(b"GIF89a broken")
    with pytest.raises(ValueError, match="cannot read image"):
        streaming.stream_image_folder(folder, on_error="skip")


def test_a_streamed_dataset_trains_the_dcgan(folder):
    """The pipeline is what ``fit`` takes: task 5's DCGAN (tiny filters)
    trains a few steps on the streamed 32x32 images."""
    from ganlab import lessons
    dcgan = lessons.load("5-dcgan_cifar")
    dataset = streaming.stream_image_folder(folder, 32, 3, batch_size=2,
                                            seed=0)
    model = dcgan.DCGAN(*dcgan.build_networks((8, 16, 32), 16),
                        latent_dim=16)
    model.compile()
    model.fit(dataset, epochs=1, steps_per_epoch=3, shuffle=False,
              verbose=0)
    assert all(np.isfinite(model.history.history[key][-1])
               for key in ("discr_loss", "gen_loss"))


def test_first_batch_skips_into_the_endless_stream(folder):
    """Starting at batch 4 gives batches 4, 5, ... of the stream from 0,
    with and without a cache: what a resumed run needs."""
    for cache in (None, str(folder.parent / "cache" / "images")):
        whole = batches_of(streaming.stream_image_folder(
            folder, 8, 3, batch_size=2, seed=3, cache=cache), 7)
        later = batches_of(streaming.stream_image_folder(
            folder, 8, 3, batch_size=2, seed=3, cache=cache,
            first_batch=4), 3)
        np.testing.assert_array_equal(np.stack(later), np.stack(whole[4:]))
    with pytest.raises(ValueError, match="first_batch"):
        streaming.stream_image_folder(folder, 8, 3, first_batch=-1)


def test_a_streamed_folder_stands_in_for_its_array(folder):
    streamed = streaming.StreamedFolder(folder, 32, 3)
    assert len(streamed) == 6 and streamed.ndim == 4
    assert streamed.shape == (6, 32, 32, 3)
    empty = folder.parent / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no image"):
        streaming.StreamedFolder(empty, 32, 3)


def train_command(folder, out, *extra, model="dcgan"):
    """``python -m ganlab train`` of ``model`` on ``folder``."""
    import sys
    return [sys.executable, "-m", "ganlab", "train", "--model", model,
            "--dataset", str(folder), "--img_size", "32", "--channels", "3",
            "--latent_dim", "8", "--batch_size", "2", "--steps-per-epoch",
            "2", "--sample_interval", "1000", "--no-tensorboard",
            "--verbose", "0", "--deterministic", "--out", str(out), *extra]


# r3gan's narrowest networks at 16x16: the stream is what is tested.
# Its case runs under -m slow; by default tests/nets/test_mlp_gan.py checks
# that its training reads a stream on from the step reached.
SMALLER = {"r3gan": ("--img_size", "16", "--capacity", "0.25")}


@pytest.mark.parametrize("model", [
    "dcgan", pytest.param("r3gan", marks=pytest.mark.slow)])
def test_train_streams_a_folder_and_resumes_exactly(folder, tmp_path,
                                                    capsys, model):
    """``--stream always``: the run says it streams and records it, and
    the run rolled back to its checkpoint of epoch 2 and resumed to 3 has
    the losses of 3 straight (the stream restarts at the batch it stopped
    at)."""
    import json
    from tests.helpers import rolled_back
    from ganlab import cli

    def train(out, *extra):
        """Train the streamed ``model`` into ``out`` for 3 epochs, in
        this process (the command line without ``python -m ganlab``)."""
        cli.main(train_command(folder, out, "--n_epochs", "3", "--stream",
                               "always", *SMALLER.get(model, ()), *extra,
                               model=model)[3:])
        return capsys.readouterr().out

    whole = tmp_path / "whole"
    assert "6 images of" in train(whole)
    cut = rolled_back(whole, tmp_path / "cut", 2)
    assert "streamed from disk" in train(cut, "--resume")
    record = json.loads((whole / "run.json").read_text())
    assert record["data"]["stream"] == "always"
    losses = [(run / "losses.csv").read_text() for run in (cut, whole)]
    assert losses[0] == losses[1] and len(losses[0].splitlines()) == 7


# growth on a StreamedFolder is checked in tests/lessons/test_progan.py by
# default; this whole command-line run is under -m slow
@pytest.mark.slow
def test_the_progan_grows_on_a_streamed_folder(folder, tmp_path, capsys):
    """``--model progan --stream always``: task 4 grows through every
    phase on batches decoded from disk, each shrunk to its phase's side,
    and saves a generator of the folder's size."""
    import json
    from ganlab import cli
    from ganlab.nets.saved import load_generator
    out = tmp_path / "run"
    cli.main(train_command(folder, out, "--n_epochs", "1", "--stream",
                           "always", "--img_size", "16", model="progan")[3:])
    assert "streamed from disk" in capsys.readouterr().out
    record = json.loads((out / "run.json").read_text())
    assert record["data"]["stream"] == "always"
    generator = load_generator(out / "generator.keras")
    assert generator.resolution == 16 and generator.channels == 3


@pytest.mark.parametrize("model, flags, named", [
    ("mlp", ["--stream", "always"], "--stream always"),
    ("faces", ["--cache", "x"], "--cache"),
    ("dcgan", ["--cache", "x", "--stream", "never"], "--cache"),
    ("dcgan", ["--stream", "always", "--examples", "3"], "--examples"),
])
def test_stream_flags_that_cannot_work_are_refused(folder, tmp_path, model,
                                                   flags, named, capsys):
    """One line naming the flag, exit 2, and no run folder."""
    from ganlab import cli
    with pytest.raises(SystemExit) as stop:
        cli.main(train_command(folder, tmp_path / "run", *flags,
                               model=model)[3:])
    assert stop.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert named in error
    assert not (tmp_path / "run").exists()


def test_stream_always_needs_a_folder(tmp_path, capsys):
    from ganlab import cli
    with pytest.raises(SystemExit):
        cli.main(["train", "--model", "dcgan", "--dataset", "emoji",
                  "--stream", "always", "--out", str(tmp_path / "run")])
    assert "only an image folder" in capsys.readouterr().err


def test_auto_keeps_a_small_folder_in_memory(folder):
    """Six images are far below 2 GiB: --stream auto loads them."""
    from ganlab.data.sources import DataConfig, streamed_folder
    wanted = DataConfig(dataset=str(folder), stream="auto", img_size=32,
                        channels=3)
    assert streamed_folder(wanted, may_stream=True) == (None, "never")
