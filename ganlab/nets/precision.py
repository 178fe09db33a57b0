#!/usr/bin/env python3
"""Opt-in bfloat16 arithmetic for a network that is already built.

bfloat16 keeps float32's range with fewer digits. CPUs with AVX512_BF16
(and oneDNN, which TensorFlow uses on them) multiply it at twice float32's
rate, and on these machines the convolutional networks train 1.3-1.5x
faster in it (``BENCHMARKS.md``); float16, by contrast, runs 6x slower on
the same CPUs. Keras's ``mixed_bfloat16`` policy computes a layer in
bfloat16 while its weights stay float32, so the optimizer's small updates
are not rounded away.

``use_bfloat16`` switches the layers of an existing model to that policy,
so no builder needs an argument for it: the curriculum's
(``convolutional_GenDiscr()``), the DCGAN's and the ProGAN's networks are
all switched this one way. The layers that make the model's
output stay float32: losses, gradient penalties and the sums of them are
then computed in float32, and float32 and bfloat16 tensors never meet in
one operation.
"""
import keras


def use_bfloat16(model, keep_float32=None):
    """Make every layer of ``model`` compute in bfloat16, except those in
    ``keep_float32``, which compute in float32: by default the last of
    ``model.layers``, a functional model's output layer.

    Weights keep their float32 values, so this may be called on a trained
    model. Returns ``model``.
    """
    if keep_float32 is None:
        keep_float32 = model.layers[-1:]
    kept = {id(layer) for layer in keep_float32}
    # _flatten_layers reaches every nested layer, also those a subclassed
    # model keeps in lists (the ProGAN's blocks), which .layers may not
    for layer in model._flatten_layers(include_self=False):
        if isinstance(layer, keras.layers.InputLayer):
            continue
        layer.dtype_policy = ("float32" if id(layer) in kept
                              else "mixed_bfloat16")
    return model
