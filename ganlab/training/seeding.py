#!/usr/bin/env python3
"""Reproducible runs: one call seeds every random generator a run uses."""
import keras


def set_seed(seed):
    """Seed Python's, NumPy's and TensorFlow's random generators at once."""
    keras.utils.set_random_seed(seed)
