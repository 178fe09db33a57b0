#!/usr/bin/env python3
"""Write docs/cli_reference.md from the commands' own ``--help`` and the
models' registry.

The reference page is the output of ``python -m ganlab train --help``,
``sample --help`` and ``evaluate --help``, each in a code block, so the
page says exactly what the installed flags are, and a table of each
``--model``'s defaults and of the flags it takes, read from its entry's
``Spec`` (``ganlab.training.registry``). The help text and the registry
are the source; this page is made from them and never edited by hand. Run from
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


def shown(value):
    """A default as the table writes it: 2e-4, .5, 0; None as a dash."""
    if value is None:
        return "-"
    if isinstance(value, float) and value and abs(value) < .01:
        mantissa, exponent = f"{value:.0e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    return f"{value:g}".replace("0.", ".", 1) if value else "0"


# the flags of Accepts's fields, as the table names them
ACCEPTED_FLAGS = {"d_lr": "--d_lr", "disc_iter": "--disc-iter",
                  "several_devices": "--strategy", "stream": "--stream",
                  "bfloat16": "--precision bfloat16", "augment": "--augment",
                  "loss": "--loss, --spectral-norm", "r1": "--r1",
                  "calibrate": "--calibrate", "capacity": "--capacity",
                  "classes": "--conditional", "vectors": "toy sets"}


def models_table():
    """Return the Markdown table of every model's defaults (a dash: the
    model does not take the flag) and of the flags it takes beyond every
    model's."""
    sys.path.insert(0, str(ROOT))
    from ganlab.training import registry
    rows = ["| --model | --lr | --d_lr | --b1 | --b2 | --latent_dim | "
            "--batch_size | --average-decay | --r1 (every) | also takes |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
            "| --- |"]
    for entry in registry.ENTRIES:
        defaults, accepts = entry.spec.defaults, entry.spec.accepts
        d_lr = (("--lr" if defaults.d_lr is None else shown(defaults.d_lr))
                if accepts.d_lr else "-")
        r1 = (f"{shown(defaults.r1)} ({defaults.r1_every})"
              if accepts.r1 else "-")
        takes = ", ".join(flag for field, flag in ACCEPTED_FLAGS.items()
                          if getattr(accepts, field))
        fixed = [f"{flag} fixed: {why}" for flag, why in
                 vars(entry.spec.fixed).items() if why]
        rows.append(
            f"| {entry.name} | {shown(defaults.lr)} | "
            f"{d_lr} | "
            f"{shown(defaults.b1)} | {shown(defaults.b2)} | "
            f"{defaults.latent_dim} | {defaults.batch_size} | "
            f"{shown(defaults.average_decay)} | {r1} | "
            + "; ".join(filter(None, [takes] + fixed)) + " |")
    return "\n".join(rows) + "\n"


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
        if command == "train":
            parts.append(
                "### Models\n\nEach `--model`'s defaults, taken where its "
                "flag is left out (`run.json` records them as resolved), "
                "and the flags it takes beyond every model's; any other is "
                "refused in one line. A dash: the model does not take the "
                "flag. `--r1 (every)`: the default gamma and the steps "
                "between two penalised ones.\n\n" + models_table())
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
