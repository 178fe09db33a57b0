#!/usr/bin/env python3
"""Write docs/cli_reference.md from the commands' own ``--help``.

The reference page is the output of ``python -m ganlab train --help``,
``sample --help`` and ``evaluate --help``, each in a code block, so the
page says exactly what the installed flags are. The help text is the
source; this page is made from it and never edited by hand. Run from
anywhere, after changing a command's flags or help:

    python docs/make_cli_reference.py            # rewrite docs/cli_reference.md
    python docs/make_cli_reference.py --check    # exit 1 if the page is out of date

The commands run from the repository root, so the checkout's ``ganlab``
is the one described, with a fixed width of 100 columns so that the page
does not depend on the terminal. argparse's layout differs a little
between Python versions; the page names the version that made it, and
``--check`` compares only under that version.
"""
import argparse
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "cli_reference.md"
COMMANDS = ("train", "sample", "evaluate")
COLUMNS = 100


def python_version():
    """This interpreter's version as ``MAJOR.MINOR``, which the page
    records."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def help_text(command):
    """Return ``python -m ganlab COMMAND --help``'s output, made in the
    repository root at ``COLUMNS`` columns; stop if the command fails."""
    env = dict(os.environ, COLUMNS=str(COLUMNS), LINES="50")
    done = subprocess.run(
        [sys.executable, "-m", "ganlab", command, "--help"], cwd=ROOT,
        env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"python -m ganlab {command} --help failed "
                 f"(exit code {done.returncode}): {done.stderr.strip()}")
    return done.stdout.rstrip() + "\n"


def reference():
    """Return the text of the reference page."""
    parts = [
        "# Command-line reference\n",
        "What `python -m ganlab COMMAND --help` prints for the three "
        "everyday commands. This page is made by "
        "`python docs/make_cli_reference.py` "
        f"(Python {python_version()}, {COLUMNS} columns); do not edit it "
        "by hand: change the help, then run the script again. The "
        "commands explained with examples: [the command line](cli.md).\n",
        "\n".join(f"- [`{command}`](#{command})" for command in COMMANDS)
        + "\n",
    ]
    for command in COMMANDS:
        parts.append(f"## {command}\n\n```text\n{help_text(command)}```\n")
    return "\n".join(parts)


def main(argv=None):
    """Write the page, or with ``--check`` compare it; return the exit
    code."""
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true",
                        help="do not write: exit 1 if the page differs "
                             "from what the help prints now")
    arguments = parser.parse_args(argv)
    text = reference()
    if arguments.check:
        current = PAGE.read_text() if PAGE.is_file() else ""
        if current != text:
            print(f"{PAGE.relative_to(ROOT)} is out of date: run python "
                  "docs/make_cli_reference.py", file=sys.stderr)
            return 1
        return 0
    temporary = PAGE.with_name(PAGE.name + ".partial")
    temporary.write_text(text)
    os.replace(temporary, PAGE)
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
