#!/usr/bin/env python3
"""Reproducible runs: one call seeds every random generator a run uses.

Keras is imported inside ``set_seed``, so that the commands can read
``MAX_SEED`` to check ``--seed`` before TensorFlow starts.
"""

# The largest seed every generator takes: NumPy's legacy seeding and
# Python's accept more, but keras.utils.set_random_seed passes it on to
# NumPy's np.random.seed, which stops at 2**32 - 1 (a traceback beyond).
MAX_SEED = 2 ** 32 - 1


def set_seed(seed):
    """Seed Python's, NumPy's and TensorFlow's random generators at once."""
    import keras
    keras.utils.set_random_seed(seed)
