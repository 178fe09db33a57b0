#!/usr/bin/env python3
"""A small convolutional GAN, sized for a CPU: 28x28 grey to 32x32 colour
images, and larger ones with a doubling more per doubling of the side.

On Fashion-MNIST its samples are clean garments where the MLP GAN's are
speckled, and it is ahead of the MLP GAN on the Frechet Classifier
Distance at equal time (BENCHMARKS.md, "Time to quality on
Fashion-MNIST").

The fully connected GAN of ``ganlab.nets.mlp_gan`` sees an image as 784
unrelated numbers; a convolution sees neighbourhoods, which is what a
sleeve or a digit's stroke is made of. These two networks are Radford et
al.'s DCGAN recipe (2015) cut down to two resolution steps, so that a
2-core CPU runs thousands of updates in minutes:

    generator:     z (64) -> dense 7x7x128 -> BN, LeakyReLU
                   -> transposed conv 4x4/2 to 14x14x64 -> BN, LeakyReLU
                   -> transposed conv 4x4/2 to 28x28xC, tanh
    discriminator: 28x28xC -> conv 4x4/2, 64 -> LeakyReLU
                   -> conv 4x4/2, 128 -> LeakyReLU
                   -> minibatch standard deviation (one more map)
                   -> dense 1 (the logit) -> sigmoid

They train as the MLP GAN does (``ganlab.training.nonsaturating.MLPGAN``:
the non-saturating loss, one discriminator update then one generator
update, Adam with beta_1 .5), at the learning rate of ``--model conv``'s
registry entry.
``python -m ganlab train --model conv`` adds two things:

- the R1 penalty (Mescheder et al. 2018; ``--r1``, gamma 1 by default):
  the discriminator's squared gradient at real images, on its logit,
  computed on one update in 8 and weighted by 8 (lazy, as StyleGAN2
  does it), and weighed against the sum of the two cross-entropies as
  in the paper. A discriminator kept smooth around the real images gives
  the generator gradients that point at them rather than oscillate
  around them;
- an average of the generator (``--average-decay``, .99 by default):
  its samples are smoother than the last step's, which a GAN's
  oscillations blur.

Choices, and why:

- kernels of 4 with stride 2: the kernel is a multiple of the stride, so
  a transposed convolution covers every output pixel equally often (no
  checkerboard);
- batch normalisation in the generator only, synchronized over replicas;
  the discriminator sees real and fake batches separately, and
  normalising each by its own statistics would tell it which is which;
- LeakyReLU(.2) everywhere, so no unit dies; no dropout, which the
  averaged generator makes unnecessary on these short runs;
- the minibatch standard deviation of Karras et al.'s ProGAN (2018,
  ``ganlab.nets.layers.GlobalMinibatchStdDev``) before the dense
  layer: the discriminator sees how much its batch varies, and a
  generator drawing too few kinds of garment is caught, for a few
  per cent of a step's time (placed before the dense layer rather than
  the second convolution, as the ProGAN puts it: 65 input channels slow
  oneDNN's convolution far more than one more map slows the dense
  layer);
- R1 on one update in 8 (the training's, not the networks'): computed on
  every update it cost a third of a step and lost at equal time; lazily,
  it is the change that helped most. The sigmoid is a layer of its own
  so that R1 sees the logit, whose gradient does not vanish where the
  sigmoid saturates;
- learning rate 1e-3 (``--model conv``'s default), which R1 allows;
- bfloat16 where the CPU computes it natively (``--precision bfloat16``,
  ``ganlab.nets.precision``; the weights, the discriminator's logit and
  both outputs stay float32): more steps a second and the same score
  per step.

Each choice was measured on Fashion-MNIST: BENCHMARKS.md, "Time to
quality on Fashion-MNIST", gives the figures.

Any image of height and width divisible by 4 works up to 32x32 (the
generator starts at a quarter of the size). Larger images get one more
doubling each time their side doubles (``doublings_for``: 64x64 starts
at 8x8 and doubles three times), with the channels halving at each
doubling (``default_widths``: 128, 64, 32, ...), so that each costs about
what the others do and a 64x64 step costs about twice a 32x32 one.

Classes (``classes > 0``, ``--conditional``): the generator takes
``[latent vectors, labels]`` and reads its class's learnt vector beside
the latent one; the discriminator takes ``[images, labels]`` and adds to
its logit the projection of the flat features its dense layer reads on
the class's vector (``ganlab.nets.classes``). The class thereby changes
the dense layer's weights class by class, the only place where the
discriminator reads the whole image at once. The generator's batch norm
stays unconditional: with the class in the latent code, the dense layer
before it already draws each class's own map.
"""
from tensorflow import keras

from ganlab.nets.classes import latent_and_class, projected_logit
from ganlab.nets.layers import GlobalMinibatchStdDev


# the largest side the generator's first map may have: larger images
# get one more doubling each time their side doubles
LARGEST_START = 8
# the generator's channels at its first map; each doubling halves them,
# down to the last
FIRST_WIDTH, LAST_WIDTH = 128, 16


def doublings_for(image_shape):
    """Return how many times the generator doubles its first map to draw
    images of ``image_shape``: 2 up to 32x32 (the first map a quarter of
    the image), then one more each time the smaller side doubles, so the
    first map stays at most ``LARGEST_START`` on a side."""
    smaller = min(int(image_shape[0]), int(image_shape[1]))
    doublings = 2
    while smaller > LARGEST_START << doublings:
        doublings += 1
    return doublings


def default_widths(doublings):
    """Return the generator's channels at each map before the image,
    from the first: 128, halving with each doubling (at least 16), so
    that every doubling costs about the same. Two doublings give conv's
    (128, 64); the discriminator's are these reversed."""
    return tuple(max(FIRST_WIDTH >> index, LAST_WIDTH)
                 for index in range(doublings))


def check_image_shape(image_shape, doublings=2):
    """Return ``image_shape`` as a tuple ``(H, W, C)``, or raise
    ``ValueError`` when H or W is not a multiple of 2 ** ``doublings``."""
    image_shape = tuple(int(size) for size in image_shape)
    step = 2 ** doublings
    if len(image_shape) != 3 or image_shape[0] % step or image_shape[1] % step:
        raise ValueError("image_shape must be (height, width, channels) "
                         f"with height and width multiples of {step} "
                         f"({doublings} upsamplings by 2); got "
                         f"{image_shape}")
    return image_shape


def build_generator(latent_dim=64, image_shape=(28, 28, 1), widths=None,
                    classes=0):
    """Return the generator: latent vectors -> images in (-1, 1); with
    ``classes``, ``[latent vectors, labels]`` -> images of those classes.

    It starts at the image's size halved ``len(widths)`` times with
    ``widths[0]`` channels and doubles the size that many times, to each
    next width and the last time to the image's channels; ``widths``
    defaults to ``default_widths(doublings_for(image_shape))``: (128, 64)
    up to 32x32.
    """
    if widths is None:
        widths = default_widths(doublings_for(image_shape))
    height, width, channels = check_image_shape(image_shape, len(widths))
    scale = 2 ** len(widths)
    latent = keras.Input(shape=(latent_dim,))
    inputs, code = latent_and_class(latent, classes)
    values = keras.layers.Dense(height // scale * width // scale
                                * widths[0])(code)
    values = keras.layers.Reshape((height // scale, width // scale,
                                   widths[0]))(values)
    for filters in (*widths[1:], channels):
        values = keras.layers.BatchNormalization(
            momentum=.9, synchronized=True)(values)
        values = keras.layers.LeakyReLU(negative_slope=.2)(values)
        values = keras.layers.Conv2DTranspose(filters, 4, strides=2,
                                              padding="same")(values)
    images = keras.layers.Activation("tanh")(values)
    return keras.Model(inputs, images, name="generator")


def build_discriminator(image_shape=(28, 28, 1), widths=None,
                        minibatch_std=True, classes=0):
    """Return the discriminator: images -> probability of being real;
    with ``classes``, ``[images, labels]`` -> probability of being a real
    image of that class.

    One strided convolution per width halves the image ``len(widths)``
    times; ``widths`` defaults to the generator's reversed, (64, 128) up
    to 32x32.

    ``minibatch_std``: before the last layer, append one feature map
    holding how much the batch's features vary (``GlobalMinibatchStdDev``,
    over every replica's images), so that a batch of too-alike fakes is
    told from a real one."""
    if widths is None:
        widths = default_widths(doublings_for(image_shape))[::-1]
    image = keras.Input(shape=check_image_shape(image_shape, len(widths)))
    values = image
    for filters in widths:
        values = keras.layers.Conv2D(filters, 4, strides=2,
                                     padding="same")(values)
        values = keras.layers.LeakyReLU(negative_slope=.2)(values)
    if minibatch_std:
        values = GlobalMinibatchStdDev()(values)
    values = keras.layers.Flatten()(values)
    # the sigmoid as a layer of its own, so that the logits before it are
    # a tensor of the network, which R1 differentiates (mlp_gan.logits_of)
    features = values
    logit = keras.layers.Dense(1)(features)
    # the class vectors start as the dense layer's kernel does (Glorot),
    # so the projection weighs about as much as the logit it joins
    inputs, logit = projected_logit(
        image, features, logit, classes,
        keras.initializers.RandomNormal(
            stddev=(2. / (features.shape[-1] + 1)) ** .5))
    probability = keras.layers.Activation("sigmoid")(logit)
    return keras.Model(inputs, probability, name="discriminator")


def logit_layers(discriminator):
    """Return the layers of ``discriminator`` after its last ``Flatten``:
    those that make its logit (and, with classes, the projection) and the
    sigmoid. R1 differentiates that logit, so under bfloat16 they keep
    computing in float32."""
    flat = max(index for index, layer in enumerate(discriminator.layers)
               if isinstance(layer, keras.layers.Flatten))
    return discriminator.layers[flat + 1:]
