#!/usr/bin/env python3
"""DiffAugment's transformation names, without TensorFlow.

``python -m ganlab train`` checks ``--augment`` and settles ``auto``
before TensorFlow starts, so that a mistyped name costs one line rather
than seconds of start-up logging; ``ganlab.training.augment``, which
applies the transformations, imports these same names.
"""
POLICIES = ("color", "translation", "cutout")
DEFAULT_POLICY = "color,translation,cutout"
