#!/usr/bin/env python3
"""The package's command line: ``python -m ganlab COMMAND ...``, or
``ganlab COMMAND ...`` once installed (``pyproject.toml``).

Commands:
  train        train a GAN on a data set, with checkpoints, sample grids,
               loss curves, TensorBoard logs and --resume
               (``ganlab.training.train``)
  sample       draw a grid and single PNGs from a saved generator
               (``ganlab.viz.sample``)
  evaluate     score generators against held-out real data, beside the
               real training images, a PCA baseline and the generator
               untrained (``ganlab.evaluation.evaluate``)
  refine-faces go on training the shipped 16x16 face weights, averaging
               the generator (``ganlab.training.refine``)
  train-features
               train the feature network of a data set that evaluate
               judges with: the face autoencoder or the Fashion-MNIST
               classifier (``ganlab.evaluation.train_features``)

Run ``python -m ganlab COMMAND --help`` for a command's flags. A bad flag
or argument stops the command with one line on standard error naming it,
and exit code 2; a damaged install (a shipped file missing or changed,
``ganlab.resources``) with one line naming the file, and exit code 1;
so does a file the command cannot write for want of room or rights
(``ganlab.io.WriteFailed``: a full disk or quota, a read-only folder),
with nothing half-written left behind.
"""
import argparse
import sys

from ganlab.io import WriteFailed
from ganlab.resources import DamagedInstall


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line, without the usage
    block, so a mistake is seen at once (``--help`` still shows usage)."""

    def error(self, message):
        """Print ``PROG: error: MESSAGE`` and exit with code 2."""
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}\n")


# command -> (the module that declares its flags and runs it, summary)
COMMANDS = {
    "train": ("ganlab.training.train", "train a GAN"),
    "sample": ("ganlab.viz.sample", "draw from a saved generator"),
    "evaluate": ("ganlab.evaluation.evaluate",
                 "score generators on held-out data"),
    "refine-faces": ("ganlab.training.refine",
                     "refine the shipped face weights"),
    "train-features": ("ganlab.evaluation.train_features",
                       "train a data set's feature network"),
}


def help_description(module):
    """The head of a command module's docstring, for its ``--help``: the
    first paragraph and the indented examples that follow it, and where
    the rest is. The whole docstring stays the module's documentation."""
    paragraphs = module.__doc__.strip().split("\n\n")
    head = paragraphs[:1]
    for paragraph in paragraphs[1:]:
        if not paragraph.startswith("    "):
            break
        head.append(paragraph)
    if len(head) < len(paragraphs):
        head.append(f"More: python -c \"help('{module.__name__}')\"; "
                    "the flags at length: docs/cli.md.")
    return "\n\n".join(head)


def build_parser(command=None):
    """Return the parser with one sub-parser per command; each sub-parser
    keeps in ``run`` the function that carries the command out.

    Only the module of ``command`` (the one about to run) is imported and
    given its flags: TensorFlow then starts only when a command needs it,
    and a mistake on the command line is reported at once.
    """
    import importlib
    parser = OneLineParser(
        prog="python -m ganlab", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, summary) in COMMANDS.items():
        if name != command:
            commands.add_parser(name, help=summary)
            continue
        module = importlib.import_module(module_name)
        sub = commands.add_parser(
            name, help=summary, description=help_description(module),
            formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run, parser=sub)
    return parser


def main(argv=None):
    """Parse ``argv`` and run the command; return what it returns."""
    argv = sys.argv[1:] if argv is None else list(argv)
    arguments = build_parser(argv[0] if argv else None).parse_args(argv)
    # what was typed, for the line that tells how to resume a stopped run
    arguments.argv = argv
    try:
        return arguments.run(arguments, arguments.parser)
    except (DamagedInstall, WriteFailed) as error:
        # no traceback: nothing the user typed is wrong, and the line says
        # which file to blame and what to do
        arguments.parser.exit(1, f"{arguments.parser.prog}: {error}\n")


def console_main():
    """The ``ganlab`` console script (``pyproject.toml``): run the command
    and exit 0. ``main``'s return value (a path, a model) is for callers
    in Python; handed to ``sys.exit`` it would be printed and exit 1."""
    main()
