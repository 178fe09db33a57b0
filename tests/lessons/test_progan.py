#!/usr/bin/env python3
"""Task 4: the progressive GAN's layers, growth, losses and resumption.

The fade-in, the equalized learning rate and the minibatch standard
deviation are checked against hand computations; a run interrupted in the
middle of a fade-in and restored from a checkpoint must take exactly the
steps an uninterrupted run takes.
"""
import ast
import math

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from ganlab.training import augment as augment_module
from ganlab.training import growth, losses
from ganlab.training.checkpoints import GANCheckpoint, optimizers_of
from tests.helpers import ROOT, load_demo, stop_after

progan = __import__('4-progan')

SMALL = dict(max_filters=16, filter_base=128)


def small_pair(max_resolution=32, channels=3, spectral_norm=False,
               latent_dim=8):
    """A small generator and critic sharing one alpha."""
    return progan.build_networks(latent_dim, max_resolution, channels,
                                 spectral_norm=spectral_norm, **SMALL)


def small_gan(seed=0, max_resolution=16, **kwargs):
    """A compiled ProGAN of grey images up to ``max_resolution``."""
    generator, critic = small_pair(max_resolution, channels=1)
    gan = progan.ProGAN(generator, critic, seed=seed, **kwargs)
    gan.compile()
    return gan


def noise_images(count=64, size=16, channels=1, seed=0):
    """Random float32 images in [-1, 1]."""
    return np.random.default_rng(seed).uniform(
        -1, 1, (count, size, size, channels)).astype(np.float32)


def test_output_shapes_at_every_stage():
    generator, critic = small_pair(32)
    latent = tf.random.normal((3, 8))
    for stage, size in enumerate([4, 8, 16, 32]):
        for fading in ([False, True] if stage else [False]):
            generator.set_stage(stage, fading)
            critic.set_stage(stage, fading)
            images = generator(latent)
            assert images.shape == (3, size, size, 3)
            assert critic(images).shape == (3, 1)


def test_fade_in_is_exact_at_alpha_0_and_1():
    generator, critic = small_pair(16)
    latent = tf.random.normal((4, 8))
    generator.set_stage(1)
    previous = generator(latent).numpy()
    generator.set_stage(2)
    grown_alone = generator(latent).numpy()
    generator.set_stage(2, fading=True)
    generator.alpha.assign(0.)
    np.testing.assert_array_equal(generator(latent).numpy(),
                                  np.asarray(progan.upsample(previous)))
    generator.alpha.assign(1.)
    np.testing.assert_array_equal(generator(latent).numpy(), grown_alone)
    generator.alpha.assign(.25)
    np.testing.assert_allclose(
        generator(latent).numpy(),
        .75 * np.asarray(progan.upsample(previous)) + .25 * grown_alone,
        atol=1e-6)


def test_critic_fade_in_at_alpha_0_scores_the_shrunk_image():
    generator, critic = small_pair(16)
    images = tf.random.normal((4, 16, 16, 3))
    critic.set_stage(1)
    previous = critic(progan.downsample(images)).numpy()
    critic.set_stage(2, fading=True)
    critic.alpha.assign(0.)
    np.testing.assert_array_equal(critic(images).numpy(), previous)


def test_equalized_layers_scale_by_the_he_constant():
    dense = progan.EqualizedDense(5)
    inputs = tf.random.normal((2, 12))
    outputs = dense(inputs)
    assert dense.scale == pytest.approx(math.sqrt(2 / 12))
    expected = inputs.numpy() @ (dense.kernel.numpy() * math.sqrt(2 / 12))
    np.testing.assert_allclose(outputs.numpy(), expected + dense.bias.numpy(),
                               rtol=1e-5, atol=1e-5)
    convolution = progan.EqualizedConv2D(4, 3)
    convolution(tf.zeros((1, 8, 8, 6)))
    assert convolution.scale == pytest.approx(math.sqrt(2 / (3 * 3 * 6)))
    assert progan.EqualizedConv2D(4, 1, gain=1.).build((1, 4, 4, 10)) is None
    # weights are stored with unit variance; the scale lives outside them
    big = progan.EqualizedConv2D(64, 3)
    big(tf.zeros((1, 4, 4, 64)))
    assert np.std(big.kernel.numpy()) == pytest.approx(1., abs=.05)


def test_every_equalized_layer_of_the_networks_uses_sqrt_2_over_fan_in():
    generator, critic = small_pair(16)
    checked = 0
    for network in (generator, critic):
        for layer in network._flatten_layers():
            if isinstance(layer, (progan.EqualizedConv2D,
                                  progan.EqualizedDense)):
                fan_in = int(np.prod(layer.kernel.shape[:-1]))
                assert layer.scale == pytest.approx(
                    math.sqrt(layer.gain / fan_in))
                checked += 1
    assert checked > 10


def test_minibatch_std_matches_a_hand_computation():
    values = np.random.default_rng(1).normal(size=(5, 3, 3, 4))
    output = progan.MinibatchStdDev()(tf.constant(values, tf.float32))
    by_hand = np.mean(np.sqrt(values.var(axis=0) + 1e-8))
    assert output.shape == (5, 3, 3, 5)
    np.testing.assert_array_equal(output[..., :4].numpy(),
                                  values.astype(np.float32))
    np.testing.assert_allclose(output[..., 4].numpy(),
                               np.full((5, 3, 3), by_hand), rtol=1e-5)
    identical = progan.MinibatchStdDev()(tf.ones((4, 2, 2, 3)))
    np.testing.assert_allclose(identical[..., 3].numpy(), 1e-4, rtol=1e-3)


def test_pixel_normalization_gives_unit_root_mean_square():
    values = tf.constant([[[[3., 4.]]]])
    output = progan.PixelNormalization()(values).numpy()
    np.testing.assert_allclose(output, [[[[3., 4.]]]] / np.sqrt(12.5),
                               rtol=1e-6)


def test_losses_against_hand_computations():
    real, fake = tf.constant([[1.], [3.]]), tf.constant([[-1.], [0.]])
    assert float(progan.wasserstein_critic_loss(real, fake)) == -2.5
    assert float(progan.drift_penalty(real)) == 5.
    logits = tf.constant([[0.]])
    assert float(progan.nonsaturating_critic_loss(logits, logits, .9)) == (
        pytest.approx(2 * math.log(2)))
    # label smoothing: BCE(.9, sigmoid(2)) + BCE(0, sigmoid(-1))
    real_logit, fake_logit = 2., -1.
    sig = 1 / (1 + math.exp(-real_logit))
    expected = (-.9 * math.log(sig) - .1 * math.log(1 - sig)
                + math.log(1 + math.exp(fake_logit)))
    assert float(progan.nonsaturating_critic_loss(
        tf.constant([[real_logit]]), tf.constant([[fake_logit]]), .9)) == (
        pytest.approx(expected, rel=1e-6))


def test_gradient_penalty_of_a_linear_critic():
    weights = tf.reshape(tf.constant([3., 0., 0., 4.]), (1, 2, 2, 1))  # norm 5

    def critic(images, training=False):
        return tf.reduce_sum(images * weights, axis=[1, 2, 3])

    real = tf.random.normal((3, 2, 2, 1))
    penalty = progan.gradient_penalty(critic, real, -real,
                                      tf.fill((3, 1, 1, 1), .3))
    assert float(penalty) == pytest.approx(16., rel=1e-5)


def test_schedule_lays_out_fade_and_stable_phases():
    schedule = progan.GrowthSchedule(16, fade_images=100, stable_images=200,
                                     batch_sizes={16: 4})
    assert [(p.resolution, p.fading, p.images, p.batch_size)
            for p in schedule.phases] == [
        (4, False, 200, 16), (8, True, 100, 16), (8, False, 200, 16),
        (16, True, 100, 4), (16, False, 200, 4)]
    preset = progan.GrowthSchedule.cpu_preset()
    assert preset.max_resolution == 16 and len(preset.phases) == 5


@pytest.mark.parametrize("arguments, message", [
    (dict(max_resolution=24), "power of 2"),
    (dict(max_resolution=2), "power of 2"),
    (dict(fade_images=0), "fade_images"),
    (dict(batch_sizes={4: 1}), "batch_sizes"),
])
def test_schedule_rejects_bad_settings(arguments, message):
    with pytest.raises(ValueError, match=message):
        progan.GrowthSchedule(**arguments)


def test_each_network_holds_its_own_optimizer():
    """As in tasks 0-2: ``generator.optimizer`` and
    ``discriminator.optimizer`` (the critic), two Adams with the paper's
    settings, are what the package finds; a step updates each once and
    returns the lessons' loss names."""
    gan = small_gan(max_resolution=8)
    generator, critic = gan.generator.optimizer, gan.discriminator.optimizer
    assert generator is not critic
    assert optimizers_of(gan) == (generator, critic)
    assert not hasattr(gan, "generator_optimizer")
    for optimizer in (generator, critic):
        assert type(optimizer).__name__ == "Adam"
        assert float(optimizer.learning_rate) == pytest.approx(1e-3)
        assert float(optimizer.beta_1) == 0.
        assert float(optimizer.beta_2) == pytest.approx(.99)
        assert optimizer.epsilon == pytest.approx(1e-8)
    assert gan.phase is None
    first = progan.GrowthSchedule(8).phases[0]
    gan.enter_phase(first)
    assert gan.phase is first
    logs = gan.train_step(tf.constant(noise_images(4, 8)))
    assert set(logs) == {"discr_loss", "gen_loss", "gp", "alpha"}
    assert int(generator.iterations) == int(critic.iterations) == 1


def test_the_lesson_ends_at_the_model():
    """4-progan.py teaches in prose sections and ends with the ProGAN:
    the driver of the phases and the batch stream live in
    ``ganlab.training.growth`` (test_lesson_files checks that it stands
    alone and documents everything)."""
    source = (ROOT / "4-progan.py").read_text()
    tree = ast.parse(source)
    definitions = [node for node in tree.body
                   if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    assert definitions[-1].name == "ProGAN"
    names = {node.name for node in ast.walk(tree)
             if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    assert not names & {"grow", "real_batches", "check_images"}
    assert {"GrowthSchedule", "Phase", "train_step"} <= names
    assert source.count("\n# ## ") >= 8


def test_grow_rejects_bad_images():
    gan = small_gan(max_resolution=8)
    schedule = progan.GrowthSchedule(8, 8, 8, {4: 4, 8: 4})
    with pytest.raises(ValueError, match=r"shape \(N, 8, 8, 1\)"):
        growth.grow(gan, noise_images(8, 16), schedule, verbose=0)
    # uint8 is held as it is (a quarter of the bytes); other integers
    # are neither pixels in [-1, 1] nor 0-255 bytes
    with pytest.raises(TypeError, match="floating-point"):
        growth.grow(gan, (noise_images(8, 8) * 100).astype(np.int32),
                    schedule, verbose=0)
    with pytest.raises(ValueError, match="loss must be one of"):
        progan.ProGAN(gan.generator, gan.discriminator, loss="hinge")
    other_generator, _ = small_pair(8, channels=1)
    with pytest.raises(ValueError, match="share one alpha"):
        progan.ProGAN(other_generator, gan.discriminator)


def test_alpha_rises_linearly_through_a_fade_in_then_stays_at_1():
    gan = small_gan(max_resolution=8)
    schedule = progan.GrowthSchedule(8, fade_images=32, stable_images=16,
                                     batch_sizes={4: 8, 8: 8})
    histories = growth.grow(gan, noise_images(32, 8), schedule,
                            steps_per_epoch=1, verbose=0)
    # the logged alpha is the one each step used: 0, 1/4, 1/2, 3/4
    np.testing.assert_allclose(histories[1]["alpha"], [0., .25, .5, .75])
    assert histories[2]["alpha"] == [1., 1.]
    assert int(gan.phase_index.numpy()) == 3
    assert int(gan.steps_done.numpy()) == 2 + 4 + 2
    assert gan.generator.resolution == 8 and not gan.generator.fading


def seeded_gan(seed):
    """A small 8x8 ProGAN whose initial weights depend only on ``seed``."""
    tf.keras.utils.set_random_seed(seed)
    return small_gan(seed=seed, max_resolution=8)


def test_grow_trains_alike_on_bytes_and_on_floats():
    """uint8 images, held as bytes and scaled a batch at a time, grow the
    very ProGAN their float32 version grows (each batch shrunk to the
    phase's side in the pipeline, as the lesson's ``real_at_stage``
    would)."""
    from ganlab.data.image_sets import to_symmetric
    pixels = np.random.default_rng(0).integers(0, 256, (24, 8, 8, 1),
                                               dtype=np.uint8)
    schedule = progan.GrowthSchedule(8, fade_images=16, stable_images=16,
                                     batch_sizes={4: 8, 8: 8})
    from_bytes, from_floats = seeded_gan(5), seeded_gan(5)
    bytes_history = growth.grow(from_bytes, pixels, schedule,
                                steps_per_epoch=1, verbose=0)
    floats_history = growth.grow(from_floats, to_symmetric(pixels),
                                 schedule, steps_per_epoch=1, verbose=0)
    assert bytes_history == floats_history
    for ours, theirs in zip(from_bytes.get_weights(),
                            from_floats.get_weights()):
        np.testing.assert_array_equal(ours, theirs)


def test_grow_streams_a_folder(tmp_path):
    """A ``StreamedFolder`` stands in for the array: the ProGAN grows
    through every phase on batches decoded from disk, and a folder of
    another size is refused in one line."""
    from PIL import Image
    from ganlab.data.streaming import StreamedFolder
    rng = np.random.default_rng(1)
    for index in range(12):
        Image.fromarray(rng.integers(0, 256, (8, 8), dtype=np.uint8)).save(
            tmp_path / f"{index:02d}.png")
    schedule = progan.GrowthSchedule(8, fade_images=8, stable_images=8,
                                     batch_sizes={4: 4, 8: 4})
    gan = seeded_gan(2)
    histories = growth.grow(gan, StreamedFolder(tmp_path, 8, 1), schedule,
                            steps_per_epoch=1, verbose=0)
    assert len(histories) == 3 and gan.generator.resolution == 8
    assert all(np.isfinite(history["gen_loss"]).all()
               for history in histories)
    with pytest.raises(ValueError, match=r"need \(8, 8, 1\)"):
        growth.grow(seeded_gan(2), StreamedFolder(tmp_path, 16, 1),
                    schedule, verbose=0)


def test_resume_mid_fade_in_continues_exactly(tmp_path):
    images = noise_images(48, 8)
    schedule = progan.GrowthSchedule(8, fade_images=64, stable_images=32,
                                     batch_sizes={4: 8, 8: 8})
    uninterrupted = seeded_gan(3)
    full = growth.grow(uninterrupted, images, schedule, steps_per_epoch=1,
                       verbose=0)

    interrupted = seeded_gan(3)
    # 4 steps of the 4x4 phase, then 3 of the 8 fade-in steps
    growth.grow(interrupted, images, schedule, steps_per_epoch=1, verbose=0,
                callbacks=[stop_after(4 + 3)])
    assert int(interrupted.phase_index.numpy()) == 1
    assert int(interrupted.phase_images.numpy()) == 24
    GANCheckpoint(interrupted, tmp_path).save(7)

    resumed = seeded_gan(99)
    assert GANCheckpoint(resumed, tmp_path).restore() == 7
    rest = growth.grow(resumed, images, schedule, steps_per_epoch=1,
                       verbose=0)
    assert resumed.generator.stage == 1
    # the fade-in's last 5 steps, then the stable phase, match exactly
    for name in ("discr_loss", "gen_loss", "gp", "alpha"):
        np.testing.assert_array_equal(rest[0][name], full[1][name][3:])
        np.testing.assert_array_equal(rest[1][name], full[2][name])
    assert rest[0]["alpha"][0] == pytest.approx(24 / 64)
    for ours, theirs in zip(resumed.get_weights(),
                            uninterrupted.get_weights()):
        np.testing.assert_array_equal(ours, theirs)


def test_256x256_builds_and_takes_a_training_step():
    generator, critic = small_pair(256, channels=3, latent_dim=16)
    gan = progan.ProGAN(generator, critic)
    gan.compile()
    phase = progan.GrowthSchedule(256).phases[-1]
    assert phase.resolution == 256 and not phase.fading
    gan.enter_phase(phase)
    images = tf.random.uniform((2, 256, 256, 3), -1, 1)
    assert gan.generator(tf.random.normal((2, 16))).shape == (2, 256, 256, 3)
    before = [v.numpy().copy() for v in generator.active_variables()]
    logs = gan.train_step(images)
    assert all(np.isfinite(float(value)) for value in logs.values())
    changed = [not np.array_equal(b, v.numpy())
               for b, v in zip(before, generator.active_variables())]
    assert all(changed)


# a technique combination; under -m slow for CI's 10 minutes
@pytest.mark.slow
def test_spectral_norm_critic_and_nonsaturating_loss_train():
    generator, critic = small_pair(8, channels=1, spectral_norm=True)
    wrapped = [layer for layer in critic._flatten_layers()
               if isinstance(layer, tf.keras.layers.SpectralNormalization)]
    # 2 from-RGB layers, 2 convolutions in the 8x8 block, 3 in the head
    assert len(wrapped) == 7
    assert not [layer for layer in critic._flatten_layers()
                if isinstance(layer, (progan.EqualizedConv2D,
                                      progan.EqualizedDense))]
    gan = progan.ProGAN(generator, critic, loss="nonsaturating",
                        real_label=.9)
    gan.compile()
    schedule = progan.GrowthSchedule(8, 16, 16, {4: 8, 8: 8})
    histories = growth.grow(gan, noise_images(16, 8), schedule, verbose=0)
    assert set(histories[-1]) == {"discr_loss", "gen_loss", "alpha"}
    assert np.isfinite(histories[-1]["discr_loss"]).all()


def test_only_the_stage_s_variables_are_updated():
    gan = small_gan(max_resolution=16)
    gan.enter_phase(progan.GrowthSchedule(16).phases[0])
    unused = gan.generator.to_rgb[2].kernel.numpy().copy()
    used = gan.generator.to_rgb[0].kernel.numpy().copy()
    gan.train_step(tf.constant(noise_images(8, 16)))
    np.testing.assert_array_equal(gan.generator.to_rgb[2].kernel.numpy(),
                                  unused)
    assert not np.array_equal(gan.generator.to_rgb[0].kernel.numpy(), used)


TINY_DEMO = ["--max-resolution", "8", "--fade-images", "32",
             "--stable-images", "32", "--batch-size", "8",
             "--steps-per-epoch", "2", "--verbose", "0"]


def test_demo_grows_draws_and_resumes(tmp_path, capsys):
    """main/4-main.py on the offline LFW faces: a grid per phase, the
    ladder, the losses, weights and checkpoints; a second run needs
    --resume and then picks up where the first ended."""
    demo = load_demo(4)
    out = ["--out", str(tmp_path)]
    gan = demo.main(TINY_DEMO + out)
    assert int(gan.steps_done.numpy()) == 3 * 4
    names = {path.name for path in tmp_path.iterdir()}
    assert {"4-phase_00_4x4_stable.png", "4-phase_01_8x8_fade-in.png",
            "4-phase_02_8x8_stable.png", "4-resolution_ladder.png",
            "4-losses.png", "4-generator.weights.h5", "checkpoints"} <= names
    # 3 phases of 2 epochs: the checkpoints count epochs across phases
    assert tf.train.latest_checkpoint(tmp_path / "checkpoints").endswith(
        "ckpt-6")
    with pytest.raises(SystemExit) as refused:
        demo.main(TINY_DEMO + out)
    assert refused.value.code == 2
    assert "pass --resume" in capsys.readouterr().err
    resumed = demo.main(TINY_DEMO + out + ["--resume"])
    assert "resumed at step 12" in capsys.readouterr().out
    assert int(resumed.steps_done.numpy()) == 12  # nothing left to train
    for ours, theirs in zip(resumed.generator.get_weights(),
                            gan.generator.get_weights()):
        np.testing.assert_array_equal(ours, theirs)


def test_demo_draws_the_shipped_emoji_progan_in_seconds(tmp_path):
    """Without a training flag, main/4-main.py loads the 64x64 emoji
    ProGAN of data/ and draws its pictures: no training, no checkpoint."""
    written = load_demo(4).main(["--out", str(tmp_path)])
    assert sorted(path.name for path in written) == [
        "4-shipped_nearest.png", "4-shipped_samples.png",
        "4-shipped_walk.gif", "4-shipped_walk.png"]
    assert not (tmp_path / "checkpoints").exists()
    with Image.open(tmp_path / "4-shipped_walk.gif") as gif:
        assert gif.n_frames == 48
        assert gif.size == (128, 128)  # 64x64 frames drawn at twice the size


def test_demo_trains_when_a_flag_asks_for_it():
    """No flag: draw, no data loaded. --train, or a flag that only
    training reads, grows one, with that flag's defaults filled in."""
    demo = load_demo(4)
    arguments, images = demo.arguments_from([])
    assert not arguments.train and images is None
    for flags in (["--train"], ["--loss", "nonsaturating"]):
        arguments, images = demo.arguments_from(flags)
        assert arguments.train and arguments.max_resolution == 16
        assert arguments.steps_per_epoch == 50
        assert images.shape[1:] == (16, 16, 1)


def test_the_shipped_progan_draws_64x64_colour_emoji():
    """The shipped generator is task 4's, grown to its last stage: RGB
    64x64 images on the pixel scale, not one colour everywhere. Its last
    layer is linear, as in the paper, and drawing clips to [-1, 1]: the
    averaged generator overshoots the white background a little (about
    a quarter of its values lie just above 1), so the check is that
    nearly all values lie within [-1.25, 1.25]."""
    from ganlab.nets.saved import load_generator
    generator = load_generator(load_demo(4).SHIPPED_GENERATOR)
    assert generator.resolution == 64 and not generator.fading
    images = np.asarray(generator(tf.random.stateless_normal(
        (8, generator.latent_dim), seed=(0, 0)), training=False))
    assert images.shape == (8, 64, 64, 3)
    assert np.isfinite(images).all()
    assert np.mean(np.abs(images) <= 1.25) > .95
    assert images.std(axis=0).mean() > .05  # the samples differ


@pytest.mark.parametrize("flags, message", [
    (["--max-resolution", "24"], "power of 2"),
    (["--faces", "missing.npy"], "does not exist"),
    (["--batch-size", "1"], "at least 2"),
    (["--faces", "missing.npy", "--max-resolution", "32"], "use --max"),
])
def test_demo_rejects_bad_flags(flags, message, capsys):
    with pytest.raises(SystemExit) as refused:
        load_demo(4).main(flags)
    assert refused.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_paper_sized_256x256_networks_take_a_training_step():
    """The paper's sizes (latent 512, 512 filters down to 64 at 256x256)
    build and train; minutes on a CPU, so not in the default run."""
    generator, critic = progan.build_networks(512, 256, 3)
    assert [progan.filters_at(size) for size in generator.resolutions] == [
        512, 512, 512, 512, 256, 128, 64]
    gan = progan.ProGAN(generator, critic)
    gan.compile()
    gan.enter_phase(progan.GrowthSchedule(256).phases[-2])  # 256 fade-in
    gan.alpha.assign(.5)
    logs = gan.train_step(tf.random.uniform((2, 256, 256, 3), -1, 1))
    assert all(np.isfinite(float(value)) for value in logs.values())


# ## The hooks: a loss pair, augment, a penalty
#
# A step's random draws come from ``gan.rng``: a copy of its state replays
# them, so the losses a step logs can be recomputed from the networks.

HINGE = (losses.hinge_critic_loss, losses.hinge_generator_loss)


def replayed_draws(gan, batch_size):
    """The two latent batches the next step draws (the critic's, then,
    after the interpolation weights, the generator's)."""
    rng = tf.random.Generator.from_state(gan.rng.state.numpy(),
                                         gan.rng.algorithm)
    critic_latent = rng.normal((batch_size, gan.latent_dim))
    rng.uniform((batch_size, 1, 1, 1))
    return critic_latent, rng.normal((batch_size, gan.latent_dim))


def test_a_loss_pair_logs_its_own_values_with_no_gp_or_drift():
    """With the hinge pair, ``discr_loss`` is the hinge on the critic's
    scores before the update, ``gen_loss`` minus the mean score of the
    generator's fakes after it, and no gradient penalty is logged."""
    tf.keras.utils.set_random_seed(0)
    gan = small_gan(max_resolution=8, loss=HINGE)
    assert gan.loss_name == "custom"
    gan.enter_phase(progan.GrowthSchedule(8).phases[0])
    images = tf.constant(noise_images(8, 8))
    critic_latent, generator_latent = replayed_draws(gan, 8)
    real = gan.real_at_stage(images)
    real_scores = gan.discriminator(real, training=True).numpy()
    fake_scores = gan.discriminator(gan.generator(
        critic_latent, training=True), training=True).numpy()
    generator_fakes = gan.generator(generator_latent, training=True)
    logs = gan.train_step(images)
    assert set(logs) == {"discr_loss", "gen_loss", "alpha"}
    hinge = (np.maximum(0., 1. - real_scores).mean()
             + np.maximum(0., 1. + fake_scores).mean())
    assert float(logs["discr_loss"]) == pytest.approx(hinge, rel=1e-5)
    after = gan.discriminator(generator_fakes, training=True).numpy()
    assert float(logs["gen_loss"]) == pytest.approx(-after.mean(),
                                                    rel=1e-4, abs=1e-6)


def test_augment_sees_the_stage_s_real_and_every_fake_batch():
    """Run eagerly, augment gets the real images at the stage's
    resolution and a fake batch in the critic's update and a fake batch
    in the generator's; the critic sees what augment returns."""
    seen = []

    def halving(images):
        """Record the batch and halve it."""
        seen.append(np.asarray(images))
        return images * .5

    tf.keras.utils.set_random_seed(0)
    gan = small_gan(max_resolution=16, loss=HINGE, augment=halving)
    gan.enter_phase(progan.GrowthSchedule(16).phases[0])
    images = tf.constant(noise_images(4, 16))
    critic_latent, generator_latent = replayed_draws(gan, 4)
    real = gan.real_at_stage(images).numpy()
    real_scores = gan.discriminator(real * .5, training=True).numpy()
    fakes = gan.generator(critic_latent, training=True).numpy()
    fake_scores = gan.discriminator(fakes * .5, training=True).numpy()
    generator_fakes = gan.generator(generator_latent, training=True).numpy()
    logs = gan.train_step(images)
    assert len(seen) == 3
    np.testing.assert_allclose(seen[0], real, rtol=1e-6)
    np.testing.assert_allclose(seen[1], fakes, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(seen[2], generator_fakes, rtol=1e-5,
                               atol=1e-6)
    assert seen[0].shape == (4, 4, 4, 1)
    hinge = (np.maximum(0., 1. - real_scores).mean()
             + np.maximum(0., 1. + fake_scores).mean())
    assert float(logs["discr_loss"]) == pytest.approx(hinge, rel=1e-5)


def test_augment_runs_three_times_a_compiled_step_at_every_stage():
    """Compiled, through a fade-in, augment runs on the real, a fake and a
    fake batch each step, at each stage's resolution."""
    calls = tf.Variable(0)
    shapes = set()

    def counting(images):
        """Count the call in a variable (a compiled step runs it each
        step)."""
        shapes.add(tuple(images.shape[1:]))   # at trace time
        calls.assign_add(1)
        return images

    gan = small_gan(max_resolution=8, augment=counting)
    schedule = progan.GrowthSchedule(8, 16, 16, {4: 8, 8: 8})
    growth.grow(gan, noise_images(16, 8), schedule, verbose=0)
    steps = int(gan.steps_done.numpy())
    assert steps == 6 and int(calls.numpy()) == 3 * steps
    assert shapes == {(4, 4, 1), (8, 8, 1)}


def test_penalty_is_differentiated_logged_and_left_out_of_discr_loss():
    """The same seed with and without a penalty of 2 * mean(D(real)):
    the same ``discr_loss`` and ``gp``, the penalty logged at its value
    by hand, and a different critic after the update."""
    def run(**hooks):
        """One 4x4 step from seed 0; the GAN, its logs and the critic's
        real scores before it."""
        tf.keras.utils.set_random_seed(0)
        gan = small_gan(max_resolution=8, **hooks)
        gan.enter_phase(progan.GrowthSchedule(8).phases[0])
        images = tf.constant(noise_images(8, 8))
        scores = gan.discriminator(gan.real_at_stage(images),
                                   training=True).numpy()
        return gan, gan.train_step(images), scores

    plain, plain_logs, _ = run()
    gan, logs, real_scores = run(
        penalty=lambda critic, real: 2. * tf.reduce_mean(
            critic(real, training=True)))
    assert set(logs) == {"discr_loss", "gen_loss", "gp", "alpha",
                         "penalty"}
    assert float(logs["penalty"]) == pytest.approx(2 * real_scores.mean(),
                                                   rel=1e-5, abs=1e-6)
    for name in ("discr_loss", "gp"):
        assert float(logs[name]) == pytest.approx(float(plain_logs[name]),
                                                  rel=1e-6, abs=1e-7)
    assert any(not np.allclose(a.numpy(), b.numpy()) for a, b in zip(
        gan.discriminator.active_variables(),
        plain.discriminator.active_variables()))


def test_diffaugment_hinge_r1_and_spectral_norm_train_the_generator():
    """The modern recipe: a non-zero gradient reaches the generator
    through DiffAugment, and the penalty is logged."""
    generator, critic = small_pair(8, channels=1, spectral_norm=True)
    gan = progan.ProGAN(
        generator, critic, loss=HINGE,
        augment=augment_module.DiffAugment(seed=2),
        penalty=lambda critic, real: 1. * losses.r1_penalty(critic, real))
    gan.compile()
    gan.enter_phase(progan.GrowthSchedule(8).phases[0])
    before = [v.numpy().copy() for v in generator.active_variables()]
    logs = gan.train_step(tf.constant(noise_images(8, 8)))
    assert set(logs) == {"discr_loss", "gen_loss", "alpha", "penalty"}
    assert all(np.isfinite(float(value)) for value in logs.values())
    assert all(not np.allclose(old, new.numpy()) for old, new in
               zip(before, generator.active_variables()))


@pytest.mark.parametrize("loss", ["hinge", None, (HINGE[0],), ("a", "b")])
def test_bad_loss_is_named(loss):
    """Anything but the two names or a pair of functions is refused, naming
    ``loss``."""
    generator, critic = small_pair(8, channels=1)
    with pytest.raises(ValueError, match="loss must be one of"):
        progan.ProGAN(generator, critic, loss=loss)


@pytest.mark.parametrize("name", ["augment", "penalty"])
def test_bad_hooks_are_named(name):
    """An augment or penalty that is not a function is refused, named."""
    generator, critic = small_pair(8, channels=1)
    with pytest.raises(TypeError, match=f"{name} must be None or"):
        progan.ProGAN(generator, critic, **{name: "color"})
