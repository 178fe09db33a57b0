#!/usr/bin/env python3
"""Task 0 demo: a Simple_GAN learns the curriculum's circle.

The real examples are 1,000 points on a circle of radius .3 around
(.5, .5); the generator turns one normal number into a point of the plane.
After training, the script prints how far the generated points fall from
the circle and how many of 12 arcs they cover, and draws the samples, the
discriminator's scores over the plane and the losses.

    python main/0-main.py            # 3,000 steps, about 15 s on 2 cores
    python main/0-main.py --long     # 5 times longer
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from ganlab import demo, metrics, models, plots, toy  # noqa: E402

Simple_GAN = __import__('0-simple_gan').Simple_GAN


def main(argv=None):
    """Train, score and draw; return the scores."""
    arguments = demo.toy_demo_arguments(__doc__, epochs=30,
                                        steps_per_epoch=100, argv=argv)
    demo.set_seed(arguments.seed)
    real_examples = toy.circle(1000, seed=arguments.seed)
    generator, discriminator, latent_generator = (
        models.fully_connected_GenDiscr([1, 100, 100, 2], real_examples))

    G = Simple_GAN(generator, discriminator, latent_generator,
                   real_examples)
    G.compile()
    G.fit(real_examples, epochs=arguments.epochs,
          steps_per_epoch=arguments.steps_per_epoch,
          verbose=arguments.verbose)

    scores = metrics.circle_metrics(G.get_fake_sample(2000))
    picture = plots.plot_toy_model(
        G, arguments.out / "0-simple_gan.png",
        title="Simple_GAN on the circle, "
              f"{arguments.epochs * arguments.steps_per_epoch} steps")
    demo.report("Simple_GAN", scores, picture)
    return scores


if __name__ == "__main__":
    main()
