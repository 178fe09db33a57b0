#!/usr/bin/env python3
"""Pictures: plots, grids, GIFs, face exploration, sample files.

- ``plots``: the toy-model figure and the emoji split's picture (the
  grids, loss curves and GIFs of plain arrays are ``ganlab.image_files``'s);
- ``face_pictures``: fakes sorted by the critic, latent walks, nearest
  real faces;
- ``growth``: the progressive GAN's pictures per phase;
- ``sample``: ``python -m ganlab sample``.
"""
