#!/usr/bin/env python3
"""Measuring generators: metrics, feature networks, baselines, commands.

- ``metrics``: toy-mode metrics, Frechet and kernel distances with their
  provenance, precision and recall, diversity, spectra;
- ``features``: feature extractors with a name and checksum each (the
  shipped Fashion-MNIST classifier and face autoencoder, EfficientNet-Lite0
  on ImageNet, InceptionV3, pixels); ``efficientnet``: that network and
  where its weights are; ``torch_weights``: a legacy PyTorch ``.pth`` read
  with NumPy and a restricted unpickler; ``train_features``:
  ``python -m ganlab train-features``, which trains the shipped ones;
- ``baselines``: the PCA baseline;
- ``monitors``: ``DiversityMonitor``, a callback that scores samples'
  diversity after every epoch of a run;
- ``evaluate``: ``python -m ganlab evaluate``, one table of every
  contestant on a data set's held-out images.
"""
