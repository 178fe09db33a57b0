#!/usr/bin/env python3
"""Data sources: toy sets with known answers and image sets.

- ``toy``: mixtures of Gaussians with known modes (circle, ring, grid,
  clouds) and colour discs with known prototypes;
- ``image_sets``: MNIST, Fashion-MNIST and CIFAR-10 from local files (or
  their offline stand-ins), ``.npy``/``.npz``/IDX readers and the pixel
  scaling to and from [-1, 1];
- ``faces``: the curriculum's face array, image folders, scikit-image's
  LFW faces, the shipped face networks and the 1,000-face hold-out.
"""
