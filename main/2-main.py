#!/usr/bin/env python3
"""Task 2 demo: a WGAN_GP learns the ring of 8 Gaussians.

The real examples are 2,000 points from 8 Gaussians (standard deviation
.05) evenly spaced on a circle of radius 2, the classic test of mode
collapse. Generator and critic are ReLU perceptrons with linear outputs
(``mlp_GenDiscr``), trained as in the WGAN-GP paper with 5 critic updates
per generator update. The script prints how many modes the generator
covers and the fraction of its samples within 3 standard deviations of a
mode, and draws the samples, the critic's scores and the losses.

    python main/2-main.py            # 2,000 steps, about 30 s on 2 cores
    python main/2-main.py --long     # 5 times longer
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from ganlab import demo, metrics, models, plots, toy  # noqa: E402

WGAN_GP = __import__('2-wgan_gp').WGAN_GP


def main(argv=None):
    """Train, score and draw; return the scores."""
    arguments = demo.toy_demo_arguments(__doc__, epochs=20,
                                        steps_per_epoch=100, argv=argv)
    demo.set_seed(arguments.seed)
    ring = toy.ring_of_gaussians()
    real_examples = ring.sample(2000, seed=arguments.seed)
    generator, discriminator, latent_generator = models.mlp_GenDiscr(
        latent_dim=2, data_dim=2)

    G = WGAN_GP(generator, discriminator, latent_generator, real_examples,
                disc_iter=5, learning_rate=.001)
    G.compile()
    G.fit(real_examples, epochs=arguments.epochs,
          steps_per_epoch=arguments.steps_per_epoch,
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
