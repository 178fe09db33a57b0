#!/usr/bin/env python3
"""``python -m ganlab COMMAND ...``: see ``ganlab.cli``."""
import sys

from ganlab.cli import main

if __name__ == "__main__":
    main(sys.argv[1:])
