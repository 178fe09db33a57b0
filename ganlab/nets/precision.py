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

Which machines compute bfloat16 natively, and the policy. A GPU does
(from compute capability 8.0, Ampere, on); so does a CPU whose
``/proc/cpuinfo`` flags include ``avx512_bf16`` or ``amx_bf16``. Other
CPUs emulate it: on a 2-core AVX2-only AMD EPYC the DCGAN's ``fit`` ran
at 15.5 images/s in bfloat16 against 132 in float32 (x0.11, issue 17).
And oneDNN's dispatcher cap ``ONEDNN_MAX_CPU_ISA`` below
``AVX512_CORE_BF16`` (``AVX2``, say) takes its bfloat16 kernels away on a
CPU that has them, while TensorFlow, reading the CPU's flags, still asks
for them and the process dies in a matrix product (``tests/helpers.py``,
``needs_bfloat16_kernels``): such a cap counts as not native.

- ``bfloat16_support()`` says whether this machine is native, and why not;
- ``check_bfloat16(flag_name)`` returns None when bfloat16 is fine, else
  the one-line reason, naming the flag, that it falls back to float32;
- ``default_precision()`` is "bfloat16" on a GPU and "float32" elsewhere:
  the image models' default (the curriculum's lessons always stay
  float32);
- ``choose_precision(requested, flag_name)`` applies it all for a
  command: the flag's value (True, False, or None for the default) in,
  "bfloat16" or "float32" out, with the fallback's reason printed as one
  line on stderr.
- ``float32_unless_native(model, name)`` does the same for a saved
  network that was trained in bfloat16 (``ganlab.nets.saved``): loaded
  where bfloat16 is not native, it computes in float32.

Every probe (the GPU list, the cpuinfo text, the environment) can be
passed in, so the decision is tested without the machine it runs on.
"""
import os
import pathlib
import sys

import keras


def computing_layers(model):
    """Return every layer of ``model`` that computes, nested ones
    included: ``_flatten_layers`` reaches those a subclassed model keeps
    in lists (the ProGAN's blocks), which ``.layers`` may not; input
    layers compute nothing."""
    return [layer for layer in model._flatten_layers(include_self=False)
            if not isinstance(layer, keras.layers.InputLayer)]


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
    for layer in computing_layers(model):
        layer.dtype_policy = ("float32" if id(layer) in kept
                              else "mixed_bfloat16")
    return model


def use_float32(model):
    """Make every layer of ``model`` compute in float32: the undoing of
    ``use_bfloat16``, exact since the weights are float32 all along.
    Returns ``model``."""
    return use_bfloat16(model, keep_float32=computing_layers(model))


def computes_in_bfloat16(model):
    """Return whether any layer of ``model`` computes in bfloat16."""
    return any(layer.compute_dtype == "bfloat16"
               for layer in computing_layers(model))


def float32_unless_native(model, name, stream=None, **probes):
    """Switch a loaded ``model`` that computes in bfloat16 to float32
    where this machine does not compute bfloat16 natively, printing one
    line about ``name`` (its file, say) to ``stream`` (stderr); return
    ``model``. A network trained in bfloat16 on one machine then draws
    on another at float32's speed, where emulated bfloat16 would be
    about 9x slower or, under a capped oneDNN, kill the process.
    ``probes`` go to ``bfloat16_support``."""
    if not computes_in_bfloat16(model):
        return model
    native, reason = bfloat16_support(**probes)
    if not native:
        use_float32(model)
        print(f"note: {name} was trained in bfloat16 and computes in "
              f"float32 here: {reason}", file=stream or sys.stderr)
    return model


CPUINFO = pathlib.Path("/proc/cpuinfo")
NATIVE_CPU_FLAGS = ("avx512_bf16", "amx_bf16")
# oneDNN ISA caps (ONEDNN_MAX_CPU_ISA) that keep bfloat16 kernels: the
# BF16 and AMX levels and the AVX512_CORE_FP16 / AVX10 levels above them
CAPS_WITH_BFLOAT16 = ("BF16", "AMX", "FP16", "AVX10")
# first compute capability with bfloat16 tensor cores (Ampere)
GPU_BFLOAT16_CAPABILITY = (8, 0)
SLOWDOWN_NOTE = ("bfloat16 would run about 9x slower than float32 "
                 "(x0.11 measured on an AVX2-only CPU; README, BENCHMARKS.md)")


def cpu_flags(cpuinfo_text):
    """Return the set of flags on the first ``flags`` line of
    ``cpuinfo_text`` (the text of ``/proc/cpuinfo``), lower case."""
    for line in cpuinfo_text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return set(value.lower().split())
    return set()


def list_gpus():
    """Return TensorFlow's physical GPU devices."""
    import tensorflow as tf
    return tf.config.list_physical_devices("GPU")


def gpu_capability(gpu):
    """Return a GPU's compute capability as a pair, or None when
    TensorFlow does not say (a name given instead of a device, say)."""
    import tensorflow as tf
    try:
        details = tf.config.experimental.get_device_details(gpu)
    except (TypeError, ValueError, AttributeError):
        return None
    capability = details.get("compute_capability")
    return tuple(capability) if capability else None


def bfloat16_support(gpus=None, cpuinfo=None, environ=None,
                     capabilities=None):
    """Return ``(native, reason)``: whether this machine computes bfloat16
    natively, and if not, why (a clause to put after a flag's name).

    ``gpus``: the GPU devices (default: TensorFlow's list); any GPU is
    native unless its compute capability, from ``capabilities`` (one pair
    or None per GPU) or TensorFlow's device details, is below 8.0.
    Without a GPU: ``cpuinfo``, the text of ``/proc/cpuinfo`` (default:
    read it; None where it is missing), must list ``avx512_bf16`` or
    ``amx_bf16``, and ``environ``'s ``ONEDNN_MAX_CPU_ISA`` (default:
    ``os.environ``), when set, must keep a bfloat16 level.
    """
    gpus = list_gpus() if gpus is None else list(gpus)
    if gpus:
        if capabilities is None:
            capabilities = [gpu_capability(gpu) for gpu in gpus]
        known = [capability for capability in capabilities if capability]
        if known and min(known) < GPU_BFLOAT16_CAPABILITY:
            low = ".".join(map(str, min(known)))
            return False, (f"this GPU has compute capability {low}; "
                           "bfloat16 is native from 8.0 (Ampere) on")
        return True, ""
    if cpuinfo is None and CPUINFO.is_file():
        cpuinfo = CPUINFO.read_text()
    if cpuinfo is None:
        return False, ("cannot tell whether this CPU computes bfloat16 "
                       "natively (no /proc/cpuinfo); " + SLOWDOWN_NOTE
                       + " on a CPU without it")
    flags = cpu_flags(cpuinfo)
    if not flags & set(NATIVE_CPU_FLAGS):
        return False, ("this CPU has no native bfloat16 (no avx512_bf16 "
                       "or amx_bf16 in /proc/cpuinfo); " + SLOWDOWN_NOTE)
    environ = os.environ if environ is None else environ
    cap = environ.get("ONEDNN_MAX_CPU_ISA", "ALL").strip().upper()
    if cap not in ("", "ALL") and not any(
            level in cap for level in CAPS_WITH_BFLOAT16):
        return False, (f"ONEDNN_MAX_CPU_ISA={cap} leaves oneDNN no "
                       "bfloat16 kernels on this CPU, and TensorFlow would "
                       "still ask for them (the process dies in a matrix "
                       "product)")
    return True, ""


def check_bfloat16(flag_name="--bfloat16", **probes):
    """Return None when this machine computes bfloat16 natively, else the
    one-line message that ``flag_name`` falls back to float32 and why.
    ``probes`` go to ``bfloat16_support``."""
    native, reason = bfloat16_support(**probes)
    if native:
        return None
    return f"{flag_name}: {reason}; running in float32"


def default_precision(gpus=None):
    """Return the image models' default precision: "bfloat16" where a GPU
    is present (``gpus``, default TensorFlow's list), else "float32"."""
    gpus = list_gpus() if gpus is None else list(gpus)
    return "bfloat16" if gpus else "float32"


def choose_precision(requested, flag_name="--bfloat16", stream=None,
                     **probes):
    """Return "bfloat16" or "float32" for a command's image model.

    ``requested``: the flag's value; True asks for bfloat16, False for
    float32, None for ``default_precision()`` (bfloat16 on a GPU). When
    bfloat16 is asked for (or is the default) on a machine that does not
    compute it natively, it falls back to float32 and, when it was asked
    for, prints ``check_bfloat16``'s one line to ``stream`` (stderr).
    ``probes`` go to ``bfloat16_support``.
    """
    if requested is False:
        return "float32"
    if requested is None and default_precision(probes.get("gpus")) != (
            "bfloat16"):
        return "float32"
    message = check_bfloat16(flag_name, **probes)
    if message is None:
        return "bfloat16"
    if requested:
        print("warning: " + message, file=stream or sys.stderr)
    return "float32"
