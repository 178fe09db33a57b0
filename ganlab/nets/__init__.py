#!/usr/bin/env python3
"""Networks shared by several models, and what to do with saved ones.

- ``builders``: the curriculum's perceptrons, ReLU perceptrons and
  DCGAN-style convolutional networks, with their latent generators;
- ``mlp_gan``: the networks of the original fully connected GAN
  (Goodfellow et al. 2014);
- ``layers``: ``GlobalMinibatchStdDev``, the minibatch standard deviation
  over every replica's share of the batch;
- ``precision``: bfloat16 mixed precision for a built network;
- ``saved``: load a saved generator, check it, draw from it.
"""
