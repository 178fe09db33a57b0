#!/usr/bin/env python3
"""The training of ``--model r3gan``: a relativistic pair loss with R1 and R2.

Huang, Gokaslan, Kuleshov and Tompkin (NeurIPS 2024, "The GAN is dead;
long live the GAN! A Modern GAN Baseline") strip a GAN down to a loss
that provably converges and a plain modern backbone, and reach the FIDs
of StyleGAN2 and beyond with no other trick. The loss:

- **relativistic pairing** (``ganlab.training.losses.relativistic_*``):
  each real image of a batch is paired with a fake one, the critic is
  rewarded when the real one scores above its partner, the generator when
  its fake scores above the real one;
- **R1 and R2**, zero-centred gradient penalties at the real *and* at the
  fake images, ``gamma / 2 * (R1 + R2)`` added to the critic's loss: with
  both, the critic is flat where the data and the generator's samples
  lie, and training settles there rather than circling.

Everything else is ``ganlab.training.nonsaturating.MLPGAN``'s: the data
in memory, the random numbers from the model's ``rng`` (so a resumed run
draws what an uninterrupted one would), DiffAugment of both batches
before the critic (``augment``), several devices, the penalty's lazy
schedule (computed on one critic update in ``penalty_every`` and
weighted by that many, as StyleGAN2 regularises). The averaged generator
is kept by the ``GeneratorAveraging`` callback that ``train`` adds.

The networks are ``ganlab.nets.residual_gan``'s, whose discriminator
gives logits: the penalties differentiate it as it is.
"""
import tensorflow as tf

from ganlab.training.losses import (r1_penalty, relativistic_critic_loss,
                                    relativistic_generator_loss)
from ganlab.training.nonsaturating import MLPGAN, apply_dense, with_labels
from ganlab.training.replicas import logs_for_workers


def zero_centred_penalty(gamma):
    """Return ``gamma / 2 * (R1 + R2)`` as a function of the critic and
    the real and fake images stacked along the batch (as many of each):
    the mean squared gradient norm over the stack is ``(R1 + R2) / 2``."""
    gamma = float(gamma)

    def penalty(critic, real_and_fake):
        """gamma / 2 * (R1 + R2) of ``critic`` at ``real_and_fake``."""
        return gamma * r1_penalty(critic, real_and_fake)
    return penalty


class RelativisticGAN(MLPGAN):
    """``MLPGAN``'s training with the relativistic pairing loss and R1 +
    R2 (``gamma``, 0 for none), for a discriminator that gives logits.

    Each step: one critic update on a real batch and a fake one, then one
    generator update on a fresh fake batch against the same real batch;
    it returns ``discr_loss`` and ``gen_loss`` (the critic's and the
    generator's relativistic losses) and, with ``gamma``, ``penalty``.
    """

    def __init__(self, generator, discriminator, real_examples,
                 batch_size=64, seed=0, augment=None, gamma=1.,
                 penalty_every=1):
        """Keep the networks and the data (see ``MLPGAN``); ``gamma``
        must be a finite number, 0 or more."""
        try:
            gamma = float(gamma)
        except (TypeError, ValueError):
            gamma = float("nan")
        if not 0. <= gamma < float("inf"):
            raise ValueError(f"gamma must be a finite number, 0 or more; "
                             f"got {gamma}")
        super().__init__(
            generator, discriminator, real_examples, batch_size=batch_size,
            seed=seed, augment=augment,
            penalty=zero_centred_penalty(gamma) if gamma else None,
            penalty_every=penalty_every)
        self.gamma = gamma

    def logits_of(self, discriminator):
        """The discriminator itself: it gives logits."""
        return discriminator

    def scores(self, real_seen, fake_seen, labels=None):
        """Return the critic's logits of the real and of the fake batch,
        float32, from one call on both (one pass through the network
        rather than two; no layer of it mixes a batch); ``labels``, when
        the critic takes them, are those of both batches, stacked."""
        logits = tf.cast(self.discriminator(with_labels(
            tf.concat([real_seen, fake_seen], 0), labels), training=True),
            tf.float32)
        count = tf.shape(real_seen)[0]
        return logits[:count], logits[count:]

    def train_step(self, batch):
        """One critic update, then one generator update; each fake batch
        is drawn for the labels of the real batch, when there are any."""
        real, latent, labels = self.draw_batch(batch)
        real_seen = self.seen(real)
        both_labels = None if labels is None else tf.concat([labels, labels],
                                                            0)

        with tf.GradientTape() as tape:
            fake_seen = self.seen(self.generator(
                with_labels(latent[0], labels), training=True))
            discr_loss = relativistic_critic_loss(
                *self.scores(real_seen, fake_seen, both_labels))
            penalised = discr_loss
            if self.penalty is not None:
                penalised = discr_loss + self.lazy_penalty(with_labels(
                    tf.concat([real_seen, tf.stop_gradient(fake_seen)], 0),
                    both_labels))
        apply_dense(self.discriminator, tape.gradient(
            penalised, self.discriminator.trainable_variables))

        with tf.GradientTape() as tape:
            fake_seen = self.seen(self.generator(
                with_labels(latent[1], labels), training=True))
            gen_loss = relativistic_generator_loss(
                *self.scores(real_seen, fake_seen, both_labels))
        apply_dense(self.generator, tape.gradient(
            gen_loss, self.generator.trainable_variables))
        logs = {"discr_loss": discr_loss, "gen_loss": gen_loss}
        if self.penalty is not None:
            logs["penalty"] = self.penalty_tracker.result()
        return logs_for_workers(self.distribute_strategy, logs)
