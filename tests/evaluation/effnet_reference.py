#!/usr/bin/env python3
"""A plain NumPy forward pass of EfficientNet-Lite0, for tests only.

Written apart from ``ganlab.evaluation.efficientnet`` and sharing nothing
with it but the state dict: the layout is read from the weights' own keys
and shapes (which blocks expand, their kernel sizes and channels), the
convolutions are sums of shifted slices, TensorFlow's "same" padding is
computed by hand. Only the strides are not in the file: EfficientNet-Lite0
halves the image in its stem and in blocks 1, 3, 5 and 11 (the first
blocks of its second, third, fourth and sixth stages). Slow (a second an
image) and obvious, which is the point.
"""
import numpy as np

STRIDE_TWO_BLOCKS = (1, 3, 5, 11)
BN_EPSILON = 1e-3


def same_padding(image, kernel, stride):
    """Pad an (H, W, C) image as TensorFlow's "same": the output has
    ceil(H / stride) rows, and an odd total pad puts the extra row and
    column at the bottom and right."""
    padded = []
    for size in image.shape[:2]:
        out = -(-size // stride)
        total = max((out - 1) * stride + kernel - size, 0)
        padded.append((total // 2, total - total // 2))
    return np.pad(image, padded + [(0, 0)])


def shifted_slices(image, kernel, stride):
    """Yield ``(row, column, slice)``: for each kernel tap, the padded
    input rows and columns that tap meets at every output position."""
    out = -(-image.shape[0] // stride)
    padded = same_padding(image, kernel, stride)
    for row in range(kernel):
        for column in range(kernel):
            yield row, column, padded[row:row + stride * out:stride,
                                      column:column + stride * out:stride]


def convolution(image, weight, stride):
    """A full convolution with a PyTorch (O, I, k, k) weight."""
    kernel = weight.shape[-1]
    return sum(part @ weight[:, :, row, column].T for row, column, part
               in shifted_slices(image, kernel, stride))


def depthwise(image, weight, stride):
    """A depthwise convolution with a PyTorch (C, 1, k, k) weight."""
    kernel = weight.shape[-1]
    return sum(part * weight[:, 0, row, column] for row, column, part
               in shifted_slices(image, kernel, stride))


def batch_norm(values, state, name):
    """Inference-time batch normalisation with the running statistics."""
    scale = state[name + ".weight"] / np.sqrt(state[name + ".running_var"]
                                              + BN_EPSILON)
    return (values - state[name + ".running_mean"]) * scale + state[
        name + ".bias"]


def relu6(values):
    """min(max(x, 0), 6)."""
    return np.clip(values, 0, 6)


def logits(state, image):
    """Return the 1,000 logits of one preprocessed (224, 224, 3) image,
    computed in float64 from the state dict ``state``."""
    state = {key: np.asarray(value, np.float64) for key, value
             in state.items()}
    values = relu6(batch_norm(convolution(np.asarray(image, np.float64),
                                          state["_conv_stem.weight"], 2),
                              state, "_bn0"))
    blocks = 1 + max(int(key.split(".")[1]) for key in state
                     if key.startswith("_blocks."))
    for index in range(blocks):
        prefix = f"_blocks.{index}."
        stride = 2 if index in STRIDE_TWO_BLOCKS else 1
        start = values
        if prefix + "_expand_conv.weight" in state:
            values = relu6(batch_norm(
                values @ state[prefix + "_expand_conv.weight"][:, :, 0, 0].T,
                state, prefix + "_bn0"))
        values = relu6(batch_norm(depthwise(
            values, state[prefix + "_depthwise_conv.weight"], stride),
            state, prefix + "_bn1"))
        values = batch_norm(
            values @ state[prefix + "_project_conv.weight"][:, :, 0, 0].T,
            state, prefix + "_bn2")
        if stride == 1 and start.shape == values.shape:
            values = values + start
    values = relu6(batch_norm(
        values @ state["_conv_head.weight"][:, :, 0, 0].T, state, "_bn1"))
    pooled = values.mean(axis=(0, 1))
    return pooled @ state["_fc.weight"].T + state["_fc.bias"]
