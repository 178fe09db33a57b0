#!/usr/bin/env python3
"""The package's command line: ``python -m ganlab COMMAND ...``.

Commands:
  evaluate   score a generator against held-out real data (see
             ``ganlab.evaluate``)
"""
import argparse
import sys

from ganlab import evaluate


def main(argv=None):
    """Dispatch to the command; bad flags exit with code 2."""
    parser = argparse.ArgumentParser(
        prog="python -m ganlab", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    evaluate_parser = commands.add_parser(
        "evaluate", help="score a generator", description=evaluate.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    evaluate.add_arguments(evaluate_parser)
    arguments = parser.parse_args(argv)
    return evaluate.evaluate(arguments, evaluate_parser)


if __name__ == "__main__":
    main(sys.argv[1:])
