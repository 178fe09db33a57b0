#!/usr/bin/env python3
"""Task 5: a DCGAN for 32x32 colour images (CIFAR-10), kept stable.

Radford et al. 2016 ("Unsupervised Representation Learning with Deep
Convolutional GANs") found the recipe that made convolutional GANs train:
strided (transposed) convolutions instead of pooling, batch normalisation
in the generator, ReLU in the generator and LeakyReLU in the
discriminator, tanh at the generator's output, Adam with beta_1 = .5.

The game is the original one (Goodfellow et al. 2014) with the
non-saturating generator loss, written as binary cross-entropy on the
discriminator's logits:

    discriminator: BCE(real_label, D(x)) + BCE(0, D(G(z)))
    generator:     BCE(1, D(G(z)))

Three practices keep it from diverging or collapsing:

- one-sided label smoothing (Salimans et al. 2016): real images are
  labelled .9 rather than 1, so the discriminator never becomes certain
  and its gradients stay useful; fakes keep the label 0;
- two time-scale learning rates (Heusel et al. 2017): the discriminator
  learns faster (4e-4) than the generator (1e-4), so the generator always
  faces a nearly optimal opponent;
- dropout (0.4) in the discriminator, which keeps it from memorising the
  training images.

Unlike tasks 0-3, ``fit`` hands ``train_step`` real batches from a
dataset, and light augmentation (random flips and small shifts) is applied
to them inside the graph.

Both networks can run in bfloat16 mixed precision
(``ganlab.precision.use_bfloat16(network)``, as ``main/5-main.py
--bfloat16`` does): the hidden layers then compute in bfloat16 while the
weights stay float32, and the output layers stay float32, so the tanh
images and the logits fed to the losses keep full precision. On CPUs with
bfloat16 instructions it trains about a third faster
(``benchmarks/dcgan_speed.py``); the default stays float32.
"""
import tensorflow as tf
from tensorflow import keras


def build_generator(latent_dim=100, filters=(512, 256, 128)):
    """Return the generator: latent vectors -> (32, 32, 3) in (-1, 1).

    A dense layer makes 4x4 maps of ``filters[0]`` features; each
    transposed convolution doubles the size (4 -> 8 -> 16) with batch norm
    and ReLU; the last one makes 32x32 RGB through tanh.
    """
    latent = keras.Input(shape=(latent_dim,))
    values = keras.layers.Dense(4 * 4 * filters[0], use_bias=False)(latent)
    values = keras.layers.BatchNormalization()(values)
    values = keras.layers.ReLU()(
        keras.layers.Reshape((4, 4, filters[0]))(values))
    for width in filters[1:]:
        values = keras.layers.Conv2DTranspose(width, 4, strides=2,
                                              padding="same",
                                              use_bias=False)(values)
        values = keras.layers.ReLU()(
            keras.layers.BatchNormalization()(values))
    images = keras.layers.Conv2DTranspose(3, 4, strides=2, padding="same",
                                          activation="tanh")(values)
    return keras.Model(latent, images, name="generator")


def build_discriminator(filters=(128, 256, 512), dropout=.4):
    """Return the discriminator: (32, 32, 3) images -> one logit each.

    Each strided convolution halves the size (32 -> 16 -> 8 -> 4) and is
    followed by LeakyReLU and dropout; a dense layer gives the logit.
    """
    image = keras.Input(shape=(32, 32, 3))
    values = image
    for width in filters:
        values = keras.layers.Conv2D(width, 4, strides=2,
                                     padding="same")(values)
        values = keras.layers.LeakyReLU(.2)(values)
        values = keras.layers.Dropout(dropout)(values)
    logit = keras.layers.Dense(1)(keras.layers.Flatten()(values))
    return keras.Model(image, logit, name="discriminator")


def build_networks(filters=(128, 256, 512), latent_dim=100):
    """Return ``(generator, discriminator)`` with mirrored widths:
    ``filters`` are the discriminator's, the generator uses them in
    reverse."""
    return (build_generator(latent_dim, tuple(filters)[::-1]),
            build_discriminator(filters))


def discriminator_loss(real_logits, fake_logits, real_label=.9):
    """Return BCE(real_label, D(real)) + BCE(0, D(fake)), on logits."""
    real_loss = tf.nn.sigmoid_cross_entropy_with_logits(
        labels=tf.fill(tf.shape(real_logits), real_label),
        logits=real_logits)
    fake_loss = tf.nn.sigmoid_cross_entropy_with_logits(
        labels=tf.zeros_like(fake_logits), logits=fake_logits)
    return tf.reduce_mean(real_loss) + tf.reduce_mean(fake_loss)


def generator_loss(fake_logits):
    """Return BCE(1, D(fake)): the non-saturating generator loss."""
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
        labels=tf.ones_like(fake_logits), logits=fake_logits))


def augment(images, max_shift=2):
    """Flip each image left-right at random and shift it by up to
    ``max_shift`` pixels each way (edges padded by reflection)."""
    images = tf.image.random_flip_left_right(images)
    size = tf.shape(images)[1:3]
    padded = tf.pad(images, [[0, 0], [max_shift, max_shift],
                             [max_shift, max_shift], [0, 0]],
                    mode="REFLECT")
    return tf.image.random_crop(
        padded, tf.concat([tf.shape(images)[:1], size,
                           tf.shape(images)[3:]], 0))


class DCGAN(keras.Model):
    """A DCGAN trained by ``fit`` on batches of real images in [-1, 1].

    ``train_step`` makes one discriminator update and one generator update
    per batch and returns ``d_loss`` and ``g_loss``.
    """

    def __init__(self, generator, discriminator, latent_dim=100,
                 generator_learning_rate=1e-4,
                 discriminator_learning_rate=4e-4, beta_1=.5,
                 real_label=.9, augmentation=True):
        """Keep the networks, and give each its own Adam optimizer."""
        super().__init__()
        if not 0 < real_label <= 1:
            raise ValueError(f"real_label must be in (0, 1]; got "
                             f"{real_label}")
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.real_label = real_label
        self.augmentation = augmentation
        self.generator_optimizer = keras.optimizers.Adam(
            generator_learning_rate, beta_1=beta_1)
        self.discriminator_optimizer = keras.optimizers.Adam(
            discriminator_learning_rate, beta_1=beta_1)
        self.built = True

    def get_fake_sample(self, size, training=False):
        """Return ``size`` generated images."""
        return self.generator(tf.random.normal((size, self.latent_dim)),
                              training=training)

    def train_step(self, real_images):
        """Update the discriminator, then the generator, on one batch."""
        if isinstance(real_images, tuple):
            real_images = real_images[0]
        if self.augmentation:
            real_images = augment(real_images)
        batch_size = tf.shape(real_images)[0]

        latent = tf.random.normal((batch_size, self.latent_dim))
        with tf.GradientTape() as tape:
            fake_images = self.generator(latent, training=True)
            d_loss = discriminator_loss(
                self.discriminator(real_images, training=True),
                self.discriminator(fake_images, training=True),
                self.real_label)
        variables = self.discriminator.trainable_variables
        self.discriminator_optimizer.apply_gradients(
            zip(tape.gradient(d_loss, variables), variables))

        latent = tf.random.normal((batch_size, self.latent_dim))
        with tf.GradientTape() as tape:
            g_loss = generator_loss(self.discriminator(
                self.generator(latent, training=True), training=True))
        variables = self.generator.trainable_variables
        self.generator_optimizer.apply_gradients(
            zip(tape.gradient(g_loss, variables), variables))
        return {"d_loss": d_loss, "g_loss": g_loss}
