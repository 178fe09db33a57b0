#!/usr/bin/env python3
"""Pictures: plots, grids, GIFs, face exploration, sample files.

- ``plots``: the toy-model figure, loss curves, image grids, ``tile`` and
  ``save_gif``;
- ``face_pictures``: fakes sorted by the critic, latent walks, nearest
  real faces;
- ``growth``: the progressive GAN's pictures per phase;
- ``sample``: ``python -m ganlab sample``.
"""
