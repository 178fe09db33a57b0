#!/usr/bin/env python3
"""ganlab: the tooling shared by the numbered GAN lessons.

The numbered files (``0-simple_gan.py`` ...) each teach one GAN and import
only TensorFlow and NumPy. Everything several of them need lives here,
written once, grouped by what it does; data flows one way, from a data
source to a model, its training run, and the scores and pictures made
from it:

- ``data``: ``toy`` (mixtures with known modes), ``image_sets`` (MNIST,
  Fashion-MNIST and CIFAR-10 from local files, pixel scaling), ``faces``
  (the curriculum's faces and their 1,000-face hold-out, image folders,
  LFW, the shipped face networks);
- ``nets``: ``builders`` (the curriculum's perceptrons, ReLU perceptrons,
  DCGAN-style convolutional networks), ``mlp_gan`` (the original fully
  connected GAN's networks), ``layers`` (the minibatch standard deviation
  over every device's share), ``precision`` (bfloat16), ``saved``
  (loading and drawing from a saved generator);
- ``training``: ``train`` (``python -m ganlab train``: checkpoints,
  --resume, sample grids, TensorBoard, multi-device; faces too),
  ``registry`` (one entry per model), ``nonsaturating`` (``MLPGAN``, the
  original GAN's training, on several devices), ``callbacks`` (sample
  grids and GIFs, loss logs, TensorBoard images, the GAN doctor),
  ``checkpoints`` and ``checkpoint_folder`` (resumable checkpoints, weight
  export), ``distribute`` (strategies), ``seeding``;
- ``evaluation``: ``metrics`` (toy-mode metrics, Frechet and kernel
  distances with provenance, diversity, spectra), ``features`` (feature
  extractors with provenance), ``train_features`` (``train-features``:
  trains the shipped ones), ``baselines`` (PCA), ``monitors`` (a
  diversity monitor that scores samples while a run trains),
  ``evaluate`` (``python -m ganlab evaluate``: the table of every
  contestant);
- ``viz``: ``plots`` (the toy-model figure, the emoji split),
  ``face_pictures``, ``growth`` (the progressive GAN's pictures),
  ``sample`` (``python -m ganlab sample``);
- ``io`` (atomic writes and JSON), ``arrays`` (``tile``, distances
  between rows: NumPy only), ``image_files`` (figures, image grids, loss
  curves, GIFs), ``lessons`` (the one loader of the
  numbered files), ``resources`` (where the lessons and the shipped
  ``data/`` are, in a checkout or an installed wheel, and their
  checksums), ``cli`` (``python -m
  ganlab COMMAND`` and the ``ganlab`` console script).

``demo`` holds the demos' flags and report for ``main/``; the package
itself never imports it.
"""
