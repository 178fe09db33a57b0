#!/usr/bin/env python3
"""Training runs: the commands, callbacks, checkpoints and strategies.

- ``train``: ``python -m ganlab train``, every model on every data set;
- ``registry``: one entry per ``--model``: its flags and defaults, the
  data it needs, how it is built and fitted, its loss names;
- ``train_faces``: ``python -m ganlab train-faces``, the face WGAN-GP of
  the shipped weights;
- ``recipes``: a model trained one way wherever it is trained (task 2's
  ring recipe, shared by its demo and its benchmarks);
- ``callbacks``: sample grids and GIFs, loss logs, the GAN doctor, the
  diversity monitor, a linear learning-rate decay;
- ``checkpoints`` and ``checkpoint_folder``: resumable checkpoints that
  are whole and finite, and weight export;
- ``distribute``: ``tf.distribute`` strategies, the chief worker;
- ``seeding``: one seed for Python, NumPy and TensorFlow.
"""
