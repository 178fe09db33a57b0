#!/usr/bin/env python3
"""Image folders streamed from disk through ``tf.data``, for sets too large
to decode into one array.

``ganlab.data.faces.load_image_folder`` decodes every image of a folder
into one uint8 array with Pillow; the run then trains on it as float32,
four bytes a pixel: 200,000 CelebA images at 64x64 RGB take 9.8 GB. Here
the same folder becomes a pipeline that holds a few batches at a time:

1. the files are listed once, sorted (the same list ``load_image_folder``
   reads), and split between workers *by file* before anything is
   decoded (``shard``: ``(num_shards, index)`` or the
   ``tf.distribute.InputContext`` that
   ``distribute_datasets_from_function`` hands its function);
2. without a cache, each pass visits the shard's file names in a fresh
   order drawn from ``seed`` (names are small, so the whole list is
   shuffled, not a window of it);
3. each file is decoded (``tf.io.decode_image``, first frame of a GIF),
   cropped to its central square and resized (bicubic with antialiasing,
   as Pillow's ``BICUBIC`` does when it shrinks), as uint8: the images
   match ``load_image_folder``'s within a few grey levels (Pillow and
   TensorFlow round their filters differently);
4. optionally the decoded uint8 images are cached in a file
   (``cache=PREFIX``), so that later passes and later runs read them
   without decoding; the images are then shuffled in a window of
   ``shuffle_buffer`` images, since the cache replays one order;
5. the pixels become float32 in [-1, 1] (``x / 127.5 - 1``, as
   ``image_sets.to_symmetric``), and the stream repeats, batches with
   ``drop_remainder`` (every batch full, as a distribution strategy
   wants) and prefetches.

The cache, and what a crash does to it. ``Dataset.cache(filename)`` writes
``filename.data-00000-of-00001`` and ``filename.index`` only when a pass
has read the whole data set: a pass that stops early discards what it
wrote (with a warning), and a process killed mid-pass leaves a
``filename_0.lockfile`` and a ``.tempstate`` data file, after which every
later pipeline with that name fails with ``AlreadyExistsError`` ("There
appears to be a concurrent caching iterator running") until someone
deletes the lockfile. And a finished cache is read whatever pipeline
names it: TensorFlow never checks that it came from the same files or
size (checked on TF 2.21). So ``stream_image_folder`` never lets
training write the cache. ``fill_cache`` writes it first, in one full
pass, under a temporary name that starts with ``ganlab.io``'s
``.partial-`` (swept by ``io.remove_partials`` and by the next fill), and
renames the data file, then the ``.index`` last, to the final name. The
final name carries a digest of the file list (paths, sizes, modification
times), the size, the channels and the shard, so a cache made of other
files or at another size is never read. A cache is used only when its
``.index`` exists, so a crash leaves either a whole cache or none.

Unreadable images. Inside ``tf.data`` a file that does not decode stops
the iteration with ``tf.errors.InvalidArgumentError``, which names no
file. Two guards: ``validate`` files spread over the list (by default
16) are decoded with Pillow before the pipeline is built, so a folder of
non-images fails at once with the path (with ``on_error="skip"`` only
when every sampled file fails); and ``on_error="skip"`` drops
images that fail to decode (``Dataset.ignore_errors``, with a warning
in TensorFlow's log) instead of stopping a long run at hour ten. With
the default ``on_error="raise"`` a bad file beyond the sample surfaces as
that ``InvalidArgumentError`` at its batch; ``find_unreadable`` then
names the culprits (a full Pillow pass over the folder).

Autotuning. ``autotune=False`` (the default) fixes the parallelism (one
decode per CPU core) and prefetches two batches, so the memory held is
bounded and known, and ``fit`` returns at once after its last batch: on
these machines tf.data's autotune thread can delay the end of ``fit`` by
seconds (BENCHMARKS.md). ``autotune=True`` lets tf.data tune both, for long
runs that feed a GPU.

``count_images`` counts without decoding, and ``should_stream`` is the
rule a run applies: stream when the float32 array of the in-memory path
would pass a budget (2 GiB by default). Both run without TensorFlow
(it is imported only by the functions that build pipelines), so that a
command can decide, and report a bad folder in one line, before
TensorFlow starts.
"""
import contextlib
import hashlib
import os
import pathlib

from PIL import Image

from ganlab import io
from ganlab.data.faces import IMAGE_SUFFIXES

DEFAULT_LIMIT_BYTES = 2 * 2 ** 30
# float32 pixels: what the in-memory path trains on after to_symmetric
BYTES_PER_PIXEL = 4
ON_ERROR = ("raise", "skip")


def list_images(folder):
    """Return the image files under ``folder`` (recursively) as a sorted
    list of strings: the files ``faces.load_image_folder`` reads, in its
    order.

    Raises ``FileNotFoundError`` for a missing folder and ``ValueError``
    for a folder without images, naming the suffixes looked for.
    """
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"image folder {folder} does not exist")
    paths = sorted(str(path) for path in folder.rglob("*")
                   if path.suffix.lower() in IMAGE_SUFFIXES
                   and path.is_file())
    if not paths:
        raise ValueError(f"image folder {folder} contains no images "
                         f"({', '.join(sorted(IMAGE_SUFFIXES))})")
    return paths


def count_images(folder):
    """Return how many image files ``folder`` holds, from their names
    alone (nothing is opened)."""
    return len(list_images(folder))


def array_bytes(count, size, channels):
    """Return the bytes of the float32 (count, size, size, channels)
    array the in-memory path would train on."""
    return count * size * size * channels * BYTES_PER_PIXEL


def should_stream(folder, size, channels, limit_bytes=DEFAULT_LIMIT_BYTES):
    """Return True when ``folder``'s images, decoded at ``size`` x
    ``size`` x ``channels`` as float32, would take more than
    ``limit_bytes`` (default 2 GiB): then stream them, else load them
    into memory (which is faster to iterate and exact to reshuffle)."""
    if limit_bytes <= 0:
        raise ValueError(f"limit_bytes must be positive; got {limit_bytes}")
    return array_bytes(count_images(folder), size, channels) > limit_bytes


def check_sample(paths, validate=16, on_error="raise"):
    """Decode ``validate`` files spread over ``paths`` with Pillow; raise
    ValueError naming the first that fails (with ``on_error="skip"``,
    only when every one fails: a few bad files are tolerated, a folder of
    non-images is not)."""
    sample = sample_paths(paths, validate)
    unreadable = find_unreadable(sample)
    if unreadable and (on_error == "raise" or len(unreadable) == len(sample)):
        path, reason = unreadable[0]
        raise ValueError(f"cannot read image {path}: {reason}")


class StreamedFolder:
    """An image folder that a run streams rather than loads: what the run
    needs to know of it (``len``, ``shape``, ``ndim``, as of the array it
    replaces) without decoding an image, and ``batches`` to stream it.

    ``shape`` is ``(count, size, size, channels)``, the array the
    in-memory path would hold; ``cache`` is ``stream_image_folder``'s.
    """

    ndim = 4

    def __init__(self, folder, size, channels, cache=None):
        """List the folder's images once, decode a sample of them with
        Pillow (``check_sample``: a folder of non-images fails here, in
        one line, before TensorFlow starts) and keep the settings."""
        self.folder = pathlib.Path(folder)
        self.size, self.channels, self.cache = size, channels, cache
        paths = list_images(folder)
        self.count = len(paths)
        if not self.count:
            raise ValueError(f"{folder} holds no image files")
        check_sample(paths)
        self.shape = (self.count, size, size, channels)

    def __len__(self):
        """The number of images."""
        return self.count

    def batches(self, batch_size, seed, first_batch=0):
        """Return the endless stream of batches from ``first_batch`` on
        (``stream_image_folder``)."""
        return stream_image_folder(self.folder, self.size, self.channels,
                                   batch_size, seed=seed, cache=self.cache,
                                   first_batch=first_batch)


def shard_of(shard):
    """Return ``(num_shards, index)`` from ``None`` (one shard), a pair,
    or a ``tf.distribute.InputContext``."""
    import tensorflow as tf
    if shard is None:
        return 1, 0
    if isinstance(shard, tf.distribute.InputContext):
        return shard.num_input_pipelines, shard.input_pipeline_id
    try:
        num_shards, index = (int(value) for value in shard)
    except (TypeError, ValueError):
        raise ValueError(
            "shard must be (num_shards, index) or a "
            f"tf.distribute.InputContext; got {shard!r}") from None
    if num_shards < 1 or not 0 <= index < num_shards:
        raise ValueError(f"shard must have num_shards >= 1 and 0 <= index "
                         f"< num_shards; got {shard!r}")
    return num_shards, index


def sample_paths(paths, count):
    """Return ``count`` paths spread evenly over ``paths`` (all of them
    when there are fewer), the first and the last included."""
    if count >= len(paths):
        return list(paths)
    if count <= 1:
        return list(paths[:count])
    step = (len(paths) - 1) / (count - 1)
    return [paths[round(position * step)] for position in range(count)]


def find_unreadable(paths):
    """Return ``[(path, reason)]`` for the files of ``paths`` that Pillow
    cannot decode (the whole image is read, not just its header)."""
    unreadable = []
    for path in paths:
        try:
            with Image.open(path) as image:
                image.load()
        except (OSError, ValueError, SyntaxError,
                Image.DecompressionBombError) as error:
            unreadable.append((path, io.first_line(error)))
    return unreadable


def decode_square(path, size, channels):
    """Read one image file into a uint8 (size, size, channels) tensor: the
    first frame, its central square, resized by bicubic interpolation
    with antialiasing.

    Colour files are decoded to RGB and turned grey by the luma weights
    Pillow's ``convert("L")`` uses (0.299, 0.587, 0.114), so both paths
    agree on colour photographs. As ``faces.eight_bit`` does, an alpha
    channel is composited onto white, and 16-bit files are scaled to 8
    bits (TensorFlow's decoder scales them).
    """
    import tensorflow as tf
    # channels=0: the file's own (1 grey, 2 grey and alpha, 3 RGB, 4
    # RGBA), so that an alpha channel is seen rather than dropped
    image = tf.io.decode_image(tf.io.read_file(path), channels=0,
                               expand_animations=False)
    image = tf.cast(image, tf.float32)
    count = tf.shape(image)[-1]
    with_alpha = tf.equal(count % 2, 0)
    colour = tf.cond(with_alpha, lambda: image[..., :-1], lambda: image)
    alpha = tf.cond(with_alpha, lambda: image[..., -1:] / 255.,
                    lambda: tf.ones_like(image[..., :1]))
    colour = tf.cond(tf.equal(tf.shape(colour)[-1], 1),
                     lambda: tf.tile(colour, (1, 1, 3)), lambda: colour)
    colour = tf.ensure_shape(colour, (None, None, 3))
    image = tf.round(colour * alpha + 255. * (1. - alpha))
    height, width = tf.shape(image)[0], tf.shape(image)[1]
    side = tf.minimum(height, width)
    # the same offsets as faces.square_resized: (width - side) // 2
    image = tf.image.crop_to_bounding_box(
        image, (height - side) // 2, (width - side) // 2, side, side)
    if channels == 1:
        image = tf.image.rgb_to_grayscale(image)
    # a side already at size is left alone, as Pillow leaves it
    image = tf.cond(tf.equal(side, size), lambda: image,
                    lambda: tf.image.resize(image, (size, size), "bicubic",
                                            antialias=True))
    image = tf.ensure_shape(image, (size, size, channels))
    return tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8)


def cache_name(cache, paths, size, channels, num_shards, index):
    """Return the final prefix of the cache for these files, size,
    channels and shard: ``cache`` plus a digest, so that a cache of other
    files or another size is never read for this one."""
    digest = hashlib.sha256()
    for path in paths:
        status = os.stat(path)
        digest.update(f"{path}\0{status.st_size}\0{status.st_mtime_ns}\n"
                      .encode())
    cache = pathlib.Path(cache)
    return cache.with_name(
        f"{cache.name}-{size}x{size}x{channels}-shard{index}of{num_shards}"
        f"-{digest.hexdigest()[:16]}")


def cache_is_complete(prefix):
    """Return True when the cache at ``prefix`` was finished: its
    ``.index`` (renamed into place last) and its data file exist."""
    prefix = pathlib.Path(prefix)
    return (prefix.with_name(prefix.name + ".index").is_file() and any(
        prefix.parent.glob(prefix.name + ".data-*")))


def fill_cache(decoded, prefix):
    """Write the cache of the uint8 image dataset ``decoded`` at
    ``prefix``, whole or not at all, and return ``prefix``.

    One full pass writes it under a ``.partial-`` name beside it; the data
    file, then the ``.index``, are renamed to ``prefix``. What a killed
    pass left under that temporary name (lockfile, ``.tempstate`` file)
    is removed first, so two processes must not fill the same cache at
    once (workers fill their own: the shard is in the name). A cache
    already complete is left as it is. A disk that fills up or a folder
    that may not be written raises ``ganlab.io.WriteFailed`` naming the
    cache, its temporary files removed.
    """
    prefix = pathlib.Path(prefix)
    if cache_is_complete(prefix):
        return prefix
    temporary = prefix.with_name(f"{io.PARTIAL_PREFIX}{prefix.name}")
    try:
        prefix.parent.mkdir(parents=True, exist_ok=True)
        for stale in prefix.parent.glob(temporary.name + "*"):
            stale.unlink()
        # batching after the cache reads every element, so the pass is
        # full and TensorFlow finishes the files; the batches are thrown
        # away
        for _ in decoded.cache(str(temporary)).batch(256):
            pass
    except Exception as error:  # noqa: BLE001
        # TensorFlow raises its own types for a full disk (which ones:
        # ganlab.io.TENSORFLOW_WRITE_ERRORS)
        failure = io.tensorflow_write_failure(error, prefix)
        if failure is None:
            raise
        for partial in prefix.parent.glob(temporary.name + "*"):
            with contextlib.suppress(OSError):
                partial.unlink()
        raise failure from error
    written = sorted(prefix.parent.glob(temporary.name + ".data-*"))
    index = temporary.with_name(temporary.name + ".index")
    if not written or not index.is_file():
        raise RuntimeError(f"cache at {temporary} was not written whole")
    with io.writing(prefix):
        for data in written:
            os.replace(data, prefix.with_name(
                prefix.name + data.name[len(temporary.name):]))
        os.replace(index, prefix.with_name(prefix.name + ".index"))
    return prefix


def stream_image_folder(folder, size=64, channels=3, batch_size=64, seed=0,
                        cache=None, shard=None, shuffle_buffer=2048,
                        repeat=True, validate=16, on_error="raise",
                        autotune=False, first_batch=0):
    """Return a ``tf.data.Dataset`` of float32 batches in [-1, 1] of shape
    (batch_size, size, size, channels), streamed from ``folder``'s images.

    - ``folder``: searched recursively for JPEG, PNG, BMP, GIF and WebP
      files, as ``faces.load_image_folder`` does; ``channels`` 1 or 3.
    - ``seed``: fixes the order of every pass (the same seed, the same
      batches, from the same files). Without a cache, pass ``p`` visits
      the files in ``stateless_shuffle``'s order for the seed ``(seed,
      p)``: the order is a function of the seed and the pass alone.
    - ``first_batch``: start at that batch of the endless stream, as a
      resumed run does; without a cache the batches before it are
      skipped by file name, before any is decoded.
    - ``cache``: None, or a path prefix: decoded uint8 images are cached
      there (made whole by ``fill_cache`` before this returns, which
      decodes the shard once), and later passes and later runs read them
      back; ``shuffle_buffer`` images are then shuffled at a time.
    - ``shard``: None, ``(num_shards, index)`` or a
      ``tf.distribute.InputContext``: this pipeline reads every
      num_shards-th file from ``index`` on, split before decoding (and
      tf.distribute's own automatic sharding is then turned off). Under
      ``strategy.distribute_datasets_from_function(lambda context:
      stream_image_folder(..., batch_size=context.get_per_replica_batch_size(
      global_batch), shard=context))`` each worker reads its own files.
    - ``repeat``: endless (the default; give ``fit`` a
      ``steps_per_epoch``) or one pass, whose last partial batch is
      dropped.
    - ``validate``: how many files, spread over the list, Pillow decodes
      first (0 for none); ``on_error``: "raise" or "skip" for files that
      fail to decode inside the pipeline (see the module's docstring).
    - ``autotune``: let tf.data tune parallelism and prefetching; off by
      default (fixed, bounded buffers; no delay at the end of ``fit``).

    Raises ``FileNotFoundError`` or ``ValueError`` naming the argument or
    the file when something is wrong before training starts.
    """
    import tensorflow as tf

    from ganlab.data.batches import as_symmetric
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3; got {channels}")
    for name, value in (("size", size), ("batch_size", batch_size),
                        ("shuffle_buffer", shuffle_buffer)):
        if int(value) < 1:
            raise ValueError(f"{name} must be at least 1; got {value}")
    if validate < 0:
        raise ValueError(f"validate must be 0 or more; got {validate}")
    if on_error not in ON_ERROR:
        raise ValueError(f"on_error must be one of {', '.join(ON_ERROR)}; "
                         f"got {on_error!r}")
    paths = list_images(folder)
    num_shards, index = shard_of(shard)
    mine = paths[index::num_shards]
    if not mine:
        raise ValueError(f"shard {index} of {num_shards} gets no image: "
                         f"{folder} holds {len(paths)}")
    check_sample(mine, validate, on_error)

    parallel = tf.data.AUTOTUNE if autotune else (os.cpu_count() or 1)
    files = tf.data.Dataset.from_tensor_slices(mine)
    # plain TensorFlow ops (tf.cond where they branch): AutoGraph has
    # nothing to convert, and skipping it skips its reading of the source
    plain = tf.autograph.experimental.do_not_convert
    decode = plain(lambda path: decode_square(path, size, channels))

    def decoded(names):
        """Decode a dataset of file names into uint8 images."""
        images = names.map(decode, num_parallel_calls=parallel,
                           deterministic=True)
        return images.ignore_errors(log_warning=True) if (
            on_error == "skip") else images

    if first_batch < 0:
        raise ValueError(f"first_batch must be 0 or more; got {first_batch}")
    skipped = first_batch * batch_size
    if cache is None:
        names = tf.constant(mine)

        def pass_order(number):
            """The file names of pass ``number``, in its own order."""
            order = tf.random.experimental.stateless_shuffle(
                tf.range(len(mine)), seed=tf.stack(
                    [tf.constant(seed, tf.int64), number]))
            return tf.data.Dataset.from_tensor_slices(
                tf.gather(names, order))

        passes = (tf.data.Dataset.counter() if repeat
                  else tf.data.Dataset.range(1))
        images = decoded(passes.flat_map(pass_order).skip(skipped))
    else:
        prefix = fill_cache(decoded(files), cache_name(
            cache, mine, size, channels, num_shards, index))
        images = decoded(files).cache(str(prefix)).shuffle(
            min(shuffle_buffer, len(mine)), seed=seed,
            reshuffle_each_iteration=True)
        if repeat:
            images = images.repeat()
        # read back from the cache, not decoded, to be skipped
        images = images.skip(skipped)
    batches = images.map(plain(as_symmetric), num_parallel_calls=parallel,
                         deterministic=True).batch(batch_size,
                                                   drop_remainder=True)
    batches = batches.prefetch(tf.data.AUTOTUNE if autotune else 2)
    options = tf.data.Options()
    options.autotune.enabled = bool(autotune)
    options.deterministic = True
    if num_shards > 1:
        # sharded by file here already: a strategy's automatic sharding
        # (experimental_distribute_dataset) would split the shard again
        options.experimental_distribute.auto_shard_policy = (
            tf.data.experimental.AutoShardPolicy.OFF)
    return batches.with_options(options)
