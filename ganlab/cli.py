#!/usr/bin/env python3
"""The package's command line: ``python -m ganlab COMMAND ...``.

Commands:
  train      train a GAN on a data set, with checkpoints, sample grids,
             loss curves, TensorBoard logs and --resume (``ganlab.train``)
  sample     draw a grid and single PNGs from a saved generator
             (``ganlab.sample``)
  evaluate   score a generator against held-out real data
             (``ganlab.evaluate``)

Run ``python -m ganlab COMMAND --help`` for a command's flags. A bad flag
or argument stops the command with one line on standard error naming it,
and exit code 2.
"""
import argparse


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line, without the usage
    block, so a mistake is seen at once (``--help`` still shows usage)."""

    def error(self, message):
        """Print ``PROG: error: MESSAGE`` and exit with code 2."""
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}\n")


def build_parser():
    """Return the parser with one sub-parser per command; each sub-parser
    keeps in ``run`` the function that carries the command out."""
    from ganlab import evaluate, sample, train
    parser = OneLineParser(
        prog="python -m ganlab", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, module, run, summary in (
            ("train", train, train.run, "train a GAN"),
            ("sample", sample, sample.run, "draw from a saved generator"),
            ("evaluate", evaluate, evaluate.evaluate,
             "score a generator")):
        command = commands.add_parser(
            name, help=summary, description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(command)
        command.set_defaults(run=run, parser=command)
    return parser


def main(argv=None):
    """Parse ``argv`` and run the command; return what it returns."""
    arguments = build_parser().parse_args(argv)
    return arguments.run(arguments, arguments.parser)
