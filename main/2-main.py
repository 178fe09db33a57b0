#!/usr/bin/env python3
"""Task 2 demo: a WGAN_GP learns the ring of 8 Gaussians.

The real examples are 2,000 points from 8 Gaussians (standard deviation
.05) evenly spaced on a circle of radius 2, the classic test of mode
collapse. Generator and critic are ReLU perceptrons with linear outputs
(``mlp_GenDiscr``), trained as in the WGAN-GP paper with 5 critic updates
per generator update. The script prints how many modes the generator
covers and the fraction of its samples within 3 standard deviations of a
mode, and draws the samples, the critic's scores and the losses.

Both learning rates fall linearly over the run (``LinearDecay``): at a
constant rate Adam keeps generator and critic circling each other, and
the share of good samples swings by 20 points or more from one hundred
steps to the next; a falling rate lets them settle. The settings
(``RING_SETTINGS``) are those that met the target "8 of 8 modes and 80 %
high-quality samples within 2,000 generator steps" on every seed tried;
they, ``build_ring_gan`` and ``train_ring_gan`` come from
``ganlab.training.recipes``, shared with the benchmarks that measure the
model (``benchmarks/time_to_quality.py``), so both train the same model.
Over seeds 0-4, on AVX-512 and on AVX2 (``ONEDNN_MAX_CPU_ISA=AVX2``,
whose rounding differs): 8 of 8 modes every time, 89 % to 93 % high-quality
samples (``python benchmarks/seed_sweep.py --demos 2``).

    python main/2-main.py            # 2,000 steps, about 30 s on 2 cores
    python main/2-main.py --long     # 5 times longer
"""

from ganlab import demo
from ganlab.evaluation import metrics
from ganlab.training.recipes import (RING_SETTINGS, build_ring_gan,
                                     train_ring_gan)
from ganlab.training.seeding import set_seed
from ganlab.viz import plots


def main(argv=None):
    """Train, score and draw; return the scores."""
    arguments = demo.toy_demo_arguments(__doc__, epochs=20,
                                        steps_per_epoch=100, argv=argv)
    set_seed(arguments.seed)
    settings = dict(RING_SETTINGS)
    decay = settings.pop("decay")  # training's, not the networks'
    G, ring = build_ring_gan(arguments.seed, **settings)
    train_ring_gan(G, arguments.epochs, arguments.steps_per_epoch, decay,
                   verbose=arguments.verbose)

    scores = metrics.mode_metrics(G.get_fake_sample(2000), ring)
    picture = plots.plot_toy_model(
        G, arguments.out / "2-wgan_gp.png", centres=ring.centres,
        title="WGAN_GP on the ring of 8 Gaussians, "
              f"{arguments.epochs * arguments.steps_per_epoch} steps")
    demo.report("WGAN_GP", scores, picture)
    return scores


if __name__ == "__main__":
    main()
