#!/usr/bin/env python3
"""The hinge and relativistic losses and the zero-centred penalties.

**The hinge loss** (Lim and Ye 2017, "Geometric GAN"; used by SAGAN and
BigGAN with spectral normalisation). The critic is asked for a margin: a
score of at least 1 on real images and at most -1 on fakes. Past the
margin a sample adds nothing, so the critic stops pushing scores it
already gets right to ever larger values, which is what makes an
unconstrained Wasserstein critic diverge::

    critic loss    = mean(relu(1 - D(real))) + mean(relu(1 + D(fake)))
    generator loss = -mean(D(fake))

The scores are logits: raw outputs of the critic, with no sigmoid.

**Spectral normalisation** (Miyato et al. 2018) keeps such a critic
Lipschitz by dividing each layer's kernel by its largest singular value,
estimated by one step of power iteration per training call. Keras has it
as a wrapper layer, so a critic gets it where it is built, with no
helper here::

    keras.layers.SpectralNormalization(keras.layers.Conv2D(64, 4, 2))

Keras's wrapper divides the kernel variable itself, in place, on every
call made with ``training=True`` (a critic called in inference mode keeps
its last kernel), so the critic must be called with ``training=True`` in
the training steps. For a convolution the normalised matrix is the kernel
reshaped to (height * width * in_channels, out_channels), as in Miyato et
al.; its norm bounds the convolution's only up to a factor.

**The R1 penalty** (Mescheder et al. 2018, "Which Training Methods for
GANs do actually Converge?"; StyleGAN's default). A penalty on the squared
norm of the critic's gradient at the real images, so that on the data the
critic is flat and the game settles instead of circling::

    R1 = mean over the batch of ||grad_x D(x)||^2, x real

``r1_penalty`` returns that mean; the caller adds ``gamma / 2 * R1`` to the
critic's loss, as the paper writes it (``gamma`` of 10 is common for
images of 64 pixels and more, smaller for small images). The same
function at the fakes is R2 (Roth et al. 2017).

**The relativistic pairing loss** (Jolicoeur-Martineau 2018; R3GAN, Huang
et al. 2024, who pair it with R1 and R2). Each real image is paired with
a fake one, and the critic is asked only that the real scores above its
partner, by a margin it is rewarded for on a softplus::

    critic loss    = mean(softplus(D(fake) - D(real)))
    generator loss = mean(softplus(D(real) - D(fake)))

A critic judged on differences cannot satisfy itself by pushing every
score up or down together, and a generator that draws one good image
over and over gains little, since each fake must beat the real image it
is paired with. With R1 and R2 (zero-centred penalties at the reals and
the fakes) its training provably converges locally, which neither the
plain loss nor R1 alone guarantees (Huang et al., section 2).
"""
import tensorflow as tf
from tensorflow import keras


def hinge_critic_loss(real_logits, fake_logits):
    """mean(relu(1 - real_logits)) + mean(relu(1 + fake_logits)), float32.

    The critic's hinge loss (Lim and Ye 2017): zero once every real image
    scores at least 1 and every fake at most -1.
    """
    real_logits = tf.cast(real_logits, tf.float32)
    fake_logits = tf.cast(fake_logits, tf.float32)
    return (tf.reduce_mean(tf.nn.relu(1. - real_logits))
            + tf.reduce_mean(tf.nn.relu(1. + fake_logits)))


def hinge_generator_loss(fake_logits):
    """-mean(fake_logits), float32: the generator's side of the hinge loss
    (the same as the Wasserstein generator's, with no margin)."""
    return -tf.reduce_mean(tf.cast(fake_logits, tf.float32))


def r1_penalty(critic, real_images, training=True):
    """The R1 penalty: mean over the batch of the squared norm of the
    critic's gradient with respect to each real image, summed over its
    pixels and channels; a float32 scalar.

    ``critic``: a Keras layer or model (called with ``training``) or any
    function of a batch of images returning one score per image. The
    caller multiplies by ``gamma / 2``. The gradient is taken with a
    ``tf.GradientTape`` of its own, so a tape around this call sees the
    penalty as a function of the critic's weights (the gradient of a
    gradient) and the critic can be trained on it.

    The gradient is that of the sum of the scores, which is each image's
    own gradient when the scores do not depend on one another; a critic
    that mixes the batch (batch normalisation in training mode, a
    minibatch standard deviation) gets the gradient of the sum, as in
    StyleGAN's implementation.
    """
    if not callable(critic):
        raise TypeError(f"critic must be a network or a function of the "
                        f"images; got {type(critic).__name__}")
    real_images = tf.convert_to_tensor(real_images)
    if real_images.shape.rank is not None and real_images.shape.rank < 2:
        raise ValueError(f"real_images must be a batch, of shape (batch, "
                         f"...); got shape {real_images.shape}")
    if not real_images.dtype.is_floating:
        raise ValueError(f"real_images must be floats to differentiate "
                         f"with respect to them; got {real_images.dtype.name}")
    with tf.GradientTape() as tape:
        tape.watch(real_images)
        scores = (critic(real_images, training=training)
                  if isinstance(critic, keras.layers.Layer)
                  else critic(real_images))
        # float32 before the sum, so a bfloat16 critic's scores add exactly
        total = tf.reduce_sum(tf.cast(scores, tf.float32))
    # a critic that ignores its input has gradient 0 there, and R1 is 0
    gradients = tf.cast(tape.gradient(
        total, real_images,
        unconnected_gradients=tf.UnconnectedGradients.ZERO), tf.float32)
    squared_norms = tf.reduce_sum(tf.square(gradients),
                                  axis=tf.range(1, tf.rank(gradients)))
    return tf.reduce_mean(squared_norms)


def relativistic_critic_loss(real_logits, fake_logits):
    """mean(softplus(fake_logits - real_logits)), float32: the critic's
    relativistic pairing loss, each real logit against the fake of the
    same row."""
    real_logits = tf.cast(real_logits, tf.float32)
    fake_logits = tf.cast(fake_logits, tf.float32)
    return tf.reduce_mean(tf.nn.softplus(fake_logits - real_logits))


def relativistic_generator_loss(real_logits, fake_logits):
    """mean(softplus(real_logits - fake_logits)), float32: the generator's
    side of the relativistic pairing loss."""
    return relativistic_critic_loss(fake_logits, real_logits)
