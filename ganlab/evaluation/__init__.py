#!/usr/bin/env python3
"""Measuring generators: metrics, feature networks, baselines, commands.

- ``metrics``: toy-mode metrics, Frechet and kernel distances with their
  provenance, diversity, spectra;
- ``features`` and ``face_features``: feature extractors (the shipped
  Fashion-MNIST classifier and face autoencoder, InceptionV3, pixels);
- ``baselines``: the PCA face baseline;
- ``evaluate``: ``python -m ganlab evaluate``; ``evaluate_faces``:
  ``python -m ganlab evaluate-faces``.
"""
