#!/usr/bin/env python3
"""Measuring generators: metrics, feature networks, baselines, commands.

- ``metrics``: toy-mode metrics, Frechet and kernel distances with their
  provenance, diversity, spectra;
- ``features``: feature extractors with a name and checksum each (the
  shipped Fashion-MNIST classifier and face autoencoder, InceptionV3,
  pixels); ``train_features``: ``python -m ganlab train-features``, which
  trains the shipped ones;
- ``baselines``: the PCA baseline;
- ``evaluate``: ``python -m ganlab evaluate``, one table of every
  contestant on a data set's held-out images.
"""
