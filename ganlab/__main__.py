#!/usr/bin/env python3
"""``python -m ganlab train|sample|evaluate ...``: see ``ganlab.cli``."""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ganlab.cli import main  # noqa: E402

if __name__ == "__main__":
    main(sys.argv[1:])
