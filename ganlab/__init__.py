#!/usr/bin/env python3
"""ganlab: the tooling shared by the numbered GAN lessons.

The numbered files (``0-simple_gan.py`` ...) each teach one GAN and import
only TensorFlow and NumPy. Everything several of them need lives here,
written once:

- data: ``toy`` (mixtures with known modes), ``faces`` (the curriculum's
  faces, image folders, LFW, the shipped face weights), ``datasets``
  (MNIST, Fashion-MNIST and CIFAR-10 from local files);
- networks: ``models`` (the curriculum's perceptrons, ReLU perceptrons,
  DCGAN-style convolutional networks), ``mlp_gan`` (the original fully
  connected GAN, trainable on several devices);
- measuring: ``metrics`` (toy-mode metrics, Frechet and kernel distances
  with provenance, diversity, spectra), ``features`` and ``face_features``
  (feature extractors), ``callbacks`` (sample grids and GIFs, loss logs,
  TensorBoard images, the GAN doctor, a diversity monitor);
- training and files: ``checkpoints`` (resumable checkpoints, weight
  export), ``train_faces``, ``growth`` (the progressive GAN's pictures), ``plots``, ``face_pictures``, ``demo``;
- the command line (``cli``): ``python -m ganlab train`` (``train``:
  checkpoints, --resume, sample grids, TensorBoard, multi-device),
  ``python -m ganlab sample`` (``sample``), ``python -m ganlab evaluate``
  (``evaluate``) and ``python -m ganlab.evaluate_faces``.
"""
