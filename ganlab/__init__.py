#!/usr/bin/env python3
"""ganlab: the tooling shared by the numbered GAN lessons.

The numbered files (``0-simple_gan.py`` ...) each teach one GAN and import
only TensorFlow and NumPy. Everything several of them need lives here,
written once: toy data sets (``toy``), the curriculum's network builders
(``models``), quality metrics (``metrics``), pictures (``plots``), seeding
and loading of the numbered files (``tasks``), and the demo scripts'
shared plumbing (``demo``).
"""
