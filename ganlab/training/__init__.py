#!/usr/bin/env python3
"""Training runs: the commands, callbacks, checkpoints and strategies.

- ``train``: ``python -m ganlab train``, every model on every data set
  (faces too: the one way to train a face network from scratch);
- ``refine``: ``python -m ganlab refine-faces``, the shipped face weights
  trained on, in their own pixel convention, their generator averaged;
- ``calibration``: one factor on a generator's output layer that
  gives its samples the training images' pixel variance;
- ``registry``: one entry per ``--model``: its flags and defaults, the
  data it needs, how it is built and fitted, its loss names;
- ``nonsaturating``: ``MLPGAN``, the original GAN's training with the
  non-saturating loss, on one device or several; ``relativistic``: its
  variant with R3GAN's relativistic pair loss;
- ``recipes``: a model trained one way wherever it is trained (task 2's
  ring recipe, shared by its demo and its benchmarks);
- ``growth``: task 4's ProGAN grown through its schedule, one ``fit``
  per phase, resumable in the middle of a phase;
- ``callbacks``: sample grids and GIFs, loss logs, the GAN doctor, a
  linear learning-rate decay;
- ``checkpoints`` and ``checkpoint_folder``: resumable checkpoints that
  are whole and finite, and weight export;
- ``averaging``, ``augment`` and ``losses``: the techniques every image
  GAN outside the curriculum's lessons 0-3 may use: an averaged copy of
  the generator, DiffAugment before the critic, the hinge loss and the
  R1 penalty; ``augment_policies``: DiffAugment's names without
  TensorFlow, for the flag checks;
- ``distribute``: ``tf.distribute`` strategies, the chief worker;
- ``seeding``: one seed for Python, NumPy and TensorFlow.
"""
