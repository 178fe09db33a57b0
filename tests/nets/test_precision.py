#!/usr/bin/env python3
"""``ganlab.nets.precision``: ``use_bfloat16`` puts hidden layers in
bfloat16, outputs and weights in float32, and the face networks still train
as a WGAN_GP; ``bfloat16_support``, ``check_bfloat16`` and
``choose_precision`` decide by device (fake GPU lists and cpuinfo texts
stand in for machines), ``main/5-main.py --bfloat16`` falls back with
one line, and ``train --precision bfloat16`` builds the DCGAN and the conv
GAN in it."""
import numpy as np
import pytest
import tensorflow as tf

from ganlab.nets import builders, precision
from ganlab.training import config as run_config
from ganlab.training import flags
from tests.helpers import load_gan_class, needs_bfloat16_kernels

faces = __import__('3-generate_faces')


def resolved(argv):
    """Return the ``RunConfig`` of the ``train`` flags ``argv``, resolved
    without data (its precision as asked, not yet settled)."""
    import argparse
    parser = argparse.ArgumentParser()
    flags.add_arguments(parser)
    return run_config.resolve(parser.parse_args(argv), parser)[0]


@needs_bfloat16_kernels
def test_face_networks_compute_in_bfloat16_and_answer_in_float32(seeded):
    """Every layer but the outputs switches to mixed_bfloat16; the weights
    keep their float32 values; a WGAN_GP step gives finite losses."""
    generator, discriminator = faces.convolutional_GenDiscr()
    weights = [weight.copy() for weight in generator.get_weights()]
    for network in (generator, discriminator):
        precision.use_bfloat16(network)  # keeps the last layer float32
        hidden = network.layers[1:-1]
        assert all(layer.compute_dtype == "bfloat16" for layer in hidden)
        assert network.layers[-1].compute_dtype == "float32"
        assert all(variable.dtype == "float32"
                   for variable in network.weights)
    for before, after in zip(weights, generator.get_weights()):
        np.testing.assert_array_equal(before, after)

    images = generator(tf.random.normal((4, 16)), training=False)
    assert images.dtype == tf.float32
    assert discriminator(images).dtype == tf.float32
    real = np.random.default_rng(0).uniform(
        -.7, .7, (40, 16, 16)).astype(np.float32)
    gan = load_gan_class("WGAN_GP")(
        generator, discriminator,
        lambda size: builders.normal_generator(size, 16), real, batch_size=8)
    gan.compile()
    losses = gan.train_step(None)
    assert set(losses) == {"discr_loss", "gen_loss", "gp"}
    assert all(np.isfinite(float(value)) for value in losses.values())


@needs_bfloat16_kernels
def test_bfloat16_moves_outputs_by_about_half_a_percent(seeded):
    """The same face networks and weights in float32 and in bfloat16:
    outputs differ by 0.1-2 % (relative, measured 0.55 % for the images
    and 0.43 % for the critic's scores), far beyond the 1e-5 to which
    resumed and multi-device runs match, so bfloat16 is no default."""
    float32 = faces.convolutional_GenDiscr()
    mixed = faces.convolutional_GenDiscr()
    for network, copy in zip(float32, mixed):
        copy.set_weights(network.get_weights())
        precision.use_bfloat16(copy)
    latent = tf.random.normal((200, 16), seed=1)
    images = float32[0](latent, training=False).numpy()
    outputs = [(images, mixed[0](latent, training=False).numpy()),
               (float32[1](images, training=False).numpy(),
                mixed[1](images, training=False).numpy())]
    for exact, rounded in outputs:
        relative = np.linalg.norm(exact - rounded) / np.linalg.norm(exact)
        assert 1e-3 < relative < 2e-2


# The decision of ganlab.nets.precision.bfloat16_support, on machines
# described by their probes (GPU list, /proc/cpuinfo text, environment),
# so that it does not depend on the machine the tests run on.
AVX2_ONLY = ("processor\t: 0\nmodel name\t: AMD EPYC\n"
             "flags\t\t: fpu sse2 avx avx2 fma\n")
AVX512_BF16 = "flags\t\t: fpu sse2 avx avx2 fma avx512f avx512_bf16\n"
SAPPHIRE_RAPIDS = "flags\t\t: avx2 avx512f amx_bf16 amx_tile amx_int8\n"


@pytest.mark.parametrize("cpuinfo, environ, native", [
    (AVX2_ONLY, {}, False),
    (AVX512_BF16, {}, True),
    (SAPPHIRE_RAPIDS, {}, True),
    (AVX512_BF16, {"ONEDNN_MAX_CPU_ISA": "AVX2"}, False),
    (AVX512_BF16, {"ONEDNN_MAX_CPU_ISA": "avx512_core"}, False),
    (AVX512_BF16, {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_BF16"}, True),
    (SAPPHIRE_RAPIDS, {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_AMX"}, True),
    (AVX512_BF16, {"ONEDNN_MAX_CPU_ISA": "ALL"}, True),
    (AVX2_ONLY, {"ONEDNN_MAX_CPU_ISA": "ALL"}, False),
])
def test_cpu_is_native_only_with_bf16_flags_and_no_cap_below_them(
        cpuinfo, environ, native):
    """Native on a CPU: avx512_bf16 or amx_bf16 in its flags, and no
    oneDNN cap that leaves out the bfloat16 kernels."""
    found, reason = precision.bfloat16_support(gpus=[], cpuinfo=cpuinfo,
                                               environ=environ)
    assert found is native
    assert (reason == "") is native


def test_a_gpu_is_native_from_ampere_on():
    """Any GPU counts, whatever the CPU, unless its compute capability is
    known and below 8.0."""
    assert precision.bfloat16_support(
        gpus=["GPU:0"], cpuinfo=AVX2_ONLY, capabilities=[(9, 0)]) == (
        True, "")
    assert precision.bfloat16_support(
        gpus=["GPU:0"], cpuinfo=AVX2_ONLY, capabilities=[None])[0]
    native, reason = precision.bfloat16_support(
        gpus=["GPU:0"], capabilities=[(7, 0)])
    assert not native and "compute capability 7.0" in reason


def test_fallback_message_is_one_line_that_names_the_flag():
    """The refusal names the flag, says why, and that float32 runs."""
    message = precision.check_bfloat16("--bfloat16", gpus=[],
                                       cpuinfo=AVX2_ONLY, environ={})
    assert message == (
        "--bfloat16: this CPU has no native bfloat16 (no avx512_bf16 or "
        "amx_bf16 in /proc/cpuinfo); bfloat16 would run about 9x slower "
        "than float32 (x0.11 measured on an AVX2-only CPU; README, "
        "BENCHMARKS.md); running in float32")
    capped = precision.check_bfloat16(
        "--precision", gpus=[], cpuinfo=AVX512_BF16,
        environ={"ONEDNN_MAX_CPU_ISA": "AVX2"})
    assert capped.startswith("--precision: ONEDNN_MAX_CPU_ISA=AVX2 ")
    assert "\n" not in message + capped
    assert precision.check_bfloat16(gpus=[], cpuinfo=AVX512_BF16,
                                    environ={}) is None


def test_default_is_bfloat16_on_a_gpu_only():
    """The image models' default precision follows the device."""
    assert precision.default_precision(gpus=["GPU:0"]) == "bfloat16"
    assert precision.default_precision(gpus=[]) == "float32"


@pytest.mark.parametrize("requested, probes, chosen, warned", [
    (None, {"gpus": ["GPU:0"], "capabilities": [(9, 0)]}, "bfloat16",
     False),
    (None, {"gpus": [], "cpuinfo": AVX512_BF16, "environ": {}}, "float32",
     False),
    (True, {"gpus": [], "cpuinfo": AVX512_BF16, "environ": {}}, "bfloat16",
     False),
    (True, {"gpus": [], "cpuinfo": AVX2_ONLY, "environ": {}}, "float32",
     True),
    (False, {"gpus": ["GPU:0"], "capabilities": [(9, 0)]}, "float32",
     False),
    (None, {"gpus": ["GPU:0"], "capabilities": [(7, 5)]}, "float32", False),
])
def test_choose_precision_applies_the_policy(requested, probes, chosen,
                                             warned, capsys):
    """Flag, default and fallback: only an explicit request that is
    refused prints its one line on stderr."""
    assert precision.choose_precision(requested, "--bfloat16",
                                      **probes) == chosen
    error = capsys.readouterr().err
    if warned:
        assert error.startswith("warning: --bfloat16: ")
        assert error.count("\n") == 1
    else:
        assert error == ""


def test_demo_5_falls_back_to_float32_with_one_line(monkeypatch, capsys):
    """main/5-main.py --bfloat16 on a CPU without native bfloat16 trains
    in float32 and says why; --float32 asks for float32 everywhere."""
    from tests.helpers import load_demo
    monkeypatch.setattr(precision, "bfloat16_support",
                        lambda **probes: (False, "no bfloat16 here"))
    monkeypatch.setattr(precision, "list_gpus", list)
    demo = load_demo(5)
    arguments, _, _ = demo.arguments_from(["--bfloat16", "--images", "100"])
    assert arguments.precision == "float32"
    assert capsys.readouterr().err == (
        "warning: --bfloat16: no bfloat16 here; running in float32\n")
    arguments, _, _ = demo.arguments_from(["--float32", "--images", "100"])
    assert arguments.precision == "float32"
    arguments, _, _ = demo.arguments_from(["--images", "100"])
    assert arguments.precision == "float32"


def test_train_settles_precision_per_model(monkeypatch, capsys):
    """python -m ganlab train --precision: the DCGAN falls back to
    float32 with one line where bfloat16 is not native, takes it where it
    is, and keeps float32 on a CPU by default; the models that compute in
    float32 alone refuse bfloat16 in one line and settle on float32."""
    monkeypatch.setattr(precision, "list_gpus", list)
    monkeypatch.setattr(precision, "bfloat16_support",
                        lambda **probes: (False, "no bfloat16 here"))

    def settled(model, asked):
        """The precision train would run ``model`` in."""
        return run_config.with_arithmetic(resolved(
            ["--model", model, "--precision", asked])).model.precision

    assert settled("dcgan", "bfloat16") == "float32"
    assert capsys.readouterr().err == (
        "warning: --precision bfloat16: no bfloat16 here; running in "
        "float32\n")
    assert settled("dcgan", "auto") == "float32"
    assert settled("mlp", "auto") == "float32"
    monkeypatch.setattr(precision, "bfloat16_support",
                        lambda **probes: (True, ""))
    assert settled("dcgan", "bfloat16") == "bfloat16"
    assert settled("conv", "bfloat16") == "bfloat16"
    assert settled("conv", "auto") == "float32"
    assert capsys.readouterr().err == ""
    from ganlab import cli
    with pytest.raises(SystemExit) as stop:
        cli.main(["train", "--model", "mlp", "--precision", "bfloat16"])
    assert stop.value.code == 2
    assert "--precision bfloat16: --model mlp computes in float32" in (
        capsys.readouterr().err)


@needs_bfloat16_kernels
def test_train_builds_the_dcgan_in_bfloat16(tmp_path):
    """With --precision bfloat16 the DCGAN's hidden layers compute in
    bfloat16, its weights (and their average) stay float32, and the run
    records what it ran in."""
    from ganlab.training import registry
    config = resolved(["--model", "dcgan", "--latent_dim", "16",
                       "--precision", "bfloat16"])
    gan = registry.entry("dcgan").build(
        config, np.zeros((4, 32, 32, 3), np.float32))
    policies = {layer.dtype_policy.name for layer in gan.generator.layers}
    assert "mixed_bfloat16" in policies
    assert {weight.dtype for weight in gan.generator.weights} == {"float32"}
    assert gan.generator(tf.zeros((2, 16))).dtype == tf.float32


@needs_bfloat16_kernels
def test_train_builds_conv_in_bfloat16_with_r1_on_a_float32_logit(seeded):
    """--model conv --precision bfloat16: the hidden layers compute in
    bfloat16; the weights, the generator's output and the discriminator's
    logit and probability stay float32, so R1 differentiates a float32
    logit. Its value is float32's within a few percent (the same
    weights, the same images), and a training step with R1 due gives
    finite losses and a positive penalty."""
    from ganlab.nets import conv_gan
    from ganlab.nets.mlp_gan import logits_of
    from ganlab.training import registry
    images = np.random.default_rng(0).uniform(
        -1, 1, (32, 28, 28, 1)).astype(np.float32)
    config = resolved(["--model", "conv", "--latent_dim", "8",
                       "--batch_size", "16", "--precision", "bfloat16"])
    gan = registry.entry("conv").build(config, images)
    generator, discriminator = gan.generator, gan.discriminator
    assert {layer.compute_dtype for layer in generator.layers[1:-1]} == {
        "bfloat16"}
    assert {layer.compute_dtype for layer in discriminator.layers[1:-2]} == {
        "bfloat16"}
    assert [layer.compute_dtype for layer in discriminator.layers[-2:]] == [
        "float32", "float32"]
    assert {weight.dtype for network in (generator, discriminator)
            for weight in network.weights} == {"float32"}
    assert generator(tf.zeros((2, 8))).dtype == tf.float32
    logits = logits_of(discriminator)
    assert logits(images[:2]).dtype == tf.float32

    in_float32 = conv_gan.build_discriminator()
    in_float32.set_weights(discriminator.get_weights())
    r1 = registry.r1_term(1.)
    np.testing.assert_allclose(
        float(r1(logits, images)), float(r1(logits_of(in_float32), images)),
        rtol=.05)

    logs = gan.fit(epochs=1, steps_per_epoch=1, verbose=0).history
    assert np.isfinite([logs["discr_loss"][0], logs["gen_loss"][0]]).all()
    assert logs["penalty"][0] > 0


def test_a_bfloat16_generator_loads_in_float32_where_it_is_not_native(
        tmp_path, monkeypatch, capsys):
    """A generator saved in bfloat16 (as --precision bfloat16 trains it),
    loaded on a machine without native bfloat16, computes every layer in
    float32, draws what the float32 network of its weights draws, and
    says so in one line naming the file. Where bfloat16 is native it
    loads as saved. No bfloat16 is computed here, so it runs under any
    oneDNN cap."""
    from ganlab.nets import conv_gan, saved
    network = conv_gan.build_generator(8)
    path = tmp_path / "generator.keras"
    precision.use_bfloat16(network).save(path)
    monkeypatch.setattr(precision, "bfloat16_support",
                        lambda **probes: (True, ""))
    as_saved = tf.keras.models.load_model(path, compile=False)
    assert precision.float32_unless_native(as_saved, path) is as_saved
    assert precision.computes_in_bfloat16(as_saved)
    assert capsys.readouterr().err == ""

    monkeypatch.setattr(precision, "bfloat16_support",
                        lambda **probes: (False, "no bfloat16 here"))
    loaded = saved.load_generator(path)
    assert not precision.computes_in_bfloat16(loaded)
    assert capsys.readouterr().err == (
        f"note: {path} was trained in bfloat16 and computes in float32 "
        "here: no bfloat16 here\n")
    in_float32 = conv_gan.build_generator(8)
    in_float32.set_weights(loaded.get_weights())
    np.testing.assert_array_equal(saved.generate(loaded, 4),
                                  saved.generate(in_float32, 4))
