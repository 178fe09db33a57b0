#!/usr/bin/env python3
"""Helpers the tests share: the repository root, the numbered lessons
loaded the curriculum's way, one-line failures of the command line, tiny
critics with hand-computable gradients, and runs cut short.
"""
import importlib.util
import os
import pathlib
import shutil

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = pathlib.Path(__file__).resolve().parents[1]

# oneDNN's dispatcher control ONEDNN_MAX_CPU_ISA=AVX2 makes an AVX-512
# machine compute as an AVX2-only CPU does (README, "CPUs differ"), but
# TensorFlow still sees the CPU's AVX512_BF16 flag and asks oneDNN for
# bfloat16 kernels the cap has taken away: the process dies in a matrix
# product (seen here). A real AVX2-only CPU runs bfloat16, slowly.
ISA_CAP = os.environ.get("ONEDNN_MAX_CPU_ISA", "ALL").upper()
needs_bfloat16_kernels = pytest.mark.skipif(
    ISA_CAP != "ALL" and "BF16" not in ISA_CAP and "AMX" not in ISA_CAP,
    reason=f"ONEDNN_MAX_CPU_ISA={ISA_CAP} leaves oneDNN no bfloat16 "
           "kernels on a CPU TensorFlow sees as having them")

CURRICULUM = ROOT.parent / "shared" / "data" / "curriculum"

GAN_MODULES = {"Simple_GAN": "0-simple_gan", "WGAN_clip": "1-wgan_clip",
               "WGAN_GP": "2-wgan_gp"}


def load_gan_class(name):
    """Return a GAN class from its numbered file, as the curriculum does."""
    return getattr(__import__(GAN_MODULES[name]), name)


def fails(argv, capsys):
    """Run ``python -m ganlab ARGV`` in this process; check that it stops
    with exit code 2 and one line on stderr, and return that line."""
    from ganlab import cli
    with pytest.raises(SystemExit) as stopped:
        cli.main(argv)
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1, error
    return error


def rolled_back(whole, cut, epoch):
    """Copy the run folder ``whole`` to ``cut`` as a run killed right
    after its checkpoint of ``epoch`` would have left it: the later
    checkpoints and the finished generator gone (its losses.csv keeps the
    later rows, as a killed run's does; --resume drops them). Return
    ``cut``."""
    shutil.copytree(whole, cut)
    for path in (cut / "checkpoints").glob("ckpt-*"):
        if int(path.name[len("ckpt-"):].split(".")[0]) > epoch:
            path.unlink()
    (cut / "generator.keras").unlink(missing_ok=True)
    return cut


def load_demo(number):
    """Import ``main/<number>-main.py`` as a module."""
    from ganlab import demo
    return demo.load_script(ROOT / "main" / f"{number}-main.py")


def linear_critic(shape, weights, bias=.25):
    """Return the Keras model D(x) = <weights, x> + bias on ``shape``: its
    gradient is ``weights`` everywhere, so penalties have hand values."""
    from tensorflow import keras
    inputs = keras.Input(shape)
    dense = keras.layers.Dense(1)
    outputs = dense(keras.layers.Flatten()(inputs))
    dense.set_weights([np.reshape(weights, (-1, 1)).astype("float32"),
                       np.array([bias], "float32")])
    return keras.Model(inputs, outputs, name="discriminator")


def stop_after(steps):
    """Return a Keras callback that stops ``fit`` after ``steps`` train
    batches: a run cut short where a kill would cut it."""
    from tensorflow import keras

    class StopAfter(keras.callbacks.Callback):
        """Count down the batches; ask ``fit`` to stop at zero."""

        def on_train_batch_end(self, batch, logs=None):
            """Stop once the count is reached."""
            self.steps -= 1
            if self.steps == 0:
                self.model.stop_training = True

    callback = StopAfter()
    callback.steps = steps
    return callback


def step_losses(gan, epochs, initial_epoch=0, callbacks=()):
    """Fit ``gan`` (a model that draws its own batches) two steps an
    epoch and return each step's ``(discr_loss, gen_loss)``: what the
    exact-resume tests compare."""
    from tensorflow import keras
    losses = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: losses.append(
            (float(logs["discr_loss"]), float(logs["gen_loss"]))))
    gan.fit(epochs=epochs, initial_epoch=initial_epoch, steps_per_epoch=2,
            verbose=0, callbacks=list(callbacks) + [record])
    return losses


def fashion_or_skip():
    """Return Fashion-MNIST, or skip when no local copy exists."""
    from ganlab.data import image_sets
    if not all((image_sets.DEBIAN_FASHION_MNIST / name).is_file()
               for name in image_sets.FASHION_FILES):
        pytest.skip("Fashion-MNIST is absent: apt-get install "
                    "dataset-fashion-mnist")
    return image_sets.load_fashion_mnist()


def foolbox_or_skip():
    """The 20 real CIFAR-10 images, or a skip saying how to get them."""
    from ganlab.data import image_sets
    if importlib.util.find_spec("foolbox") is None:
        pytest.skip("foolbox is not installed (pip install -r "
                    "requirements-dev.txt)")
    return image_sets.foolbox_cifar10()


def curriculum_file(name):
    """Return a file of the curriculum's data, or skip the test."""
    path = CURRICULUM / name
    if not path.is_file():
        pytest.skip(f"{path} is absent (developers' and CI's shared data)")
    return path


def saved_generator(path, shape=(28, 28, 1), seed=0):
    """Save an untrained generator of images of ``shape`` with tanh
    outputs."""
    import keras
    keras.utils.set_random_seed(seed)
    latent = keras.Input((8,))
    images = keras.layers.Reshape(shape)(keras.layers.Dense(
        int(np.prod(shape)), activation="tanh")(latent))
    keras.Model(latent, images).save(path)
    return path


def blobs(count, rng):
    """Return ``count`` 16x16 RGB images in [0, 1]: a random colour each,
    brighter towards a random corner, with a little noise."""
    colours = rng.uniform(.2, .8, size=(count, 1, 1, 3))
    ramp = np.linspace(-.15, .15, 16)
    slopes = rng.choice([-1, 1], size=(count, 2, 1, 1, 1))
    image = (colours + slopes[:, 0] * ramp[:, None, None]
             + slopes[:, 1] * ramp[None, :, None])
    return np.clip(image + .03 * rng.normal(size=image.shape), 0, 1)


def save_random_pixels(path, shape):
    """Save uint8 pixels of ``shape`` drawn uniformly from 0-255 (seed 0)
    to the .npy file ``path``, the stand-in data of many runs here; return
    ``path``."""
    np.save(path, np.random.default_rng(0).integers(0, 256, shape,
                                                    dtype=np.uint8))
    return path
