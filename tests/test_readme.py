#!/usr/bin/env python3
"""The README's and the documentation's promises: CI runs the README's
test command, the README stays short and shows each lesson's demo, the
demos and pictures the pages name exist, every relative link leads to a
file (and heading) that exists, and the layout page names every module
of the package."""
import re
import subprocess
import sys

import pytest

from tests.helpers import ROOT

README = (ROOT / "README.md").read_text()
DOCS = ROOT / "docs"
# the pages whose relative links are checked: the README, every page of
# docs/, and the other Markdown files they link to
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md")),
         ROOT / "BENCHMARKS.md", ROOT / "data" / "README.md",
         ROOT / "benchmarks" / "README.md"]
README_MAX_LINES = 320


def test_ci_runs_the_readme_test_command():
    """.ci/run executes exactly the command the README gives for tests."""
    command = "python -m pip install -e . -r requirements-dev.txt && " \
              "python -m pytest -q"
    assert f"    {command}\n" in README
    ci_script = (ROOT / ".ci" / "run").read_text()
    assert f"\n{command}\n" in ci_script


def test_readme_gives_the_demo_command():
    """The README's first command installs the package and runs the
    WGAN-GP demo, as it has since the start."""
    assert "    python -m pip install -e . && python main/2-main.py\n" \
        in README


def test_readme_stays_short():
    """The README is an overview; the details live in docs/."""
    lines = README.count("\n")
    assert lines < README_MAX_LINES, (
        f"README.md has {lines} lines; move details into docs/ to keep it "
        f"under {README_MAX_LINES}")


def test_readme_runs_each_lesson_and_links_its_page():
    """The README's lessons table gives each lesson's demo command and
    links the lesson's page in docs/."""
    for task in range(6):
        assert f"`python main/{task}-main.py`" in README, task
        assert re.search(rf"\]\(docs/task{task}_\w+\.md\)", README), task


def scripts_and_pictures(page):
    """The demo scripts ``page`` runs and the pictures it shows, as
    paths from the repository root."""
    text = page.read_text()
    scripts = set(re.findall(r"python (main/\d-main\.py)", text))
    pictures = {(page.parent / target).resolve().relative_to(ROOT)
                for target in re.findall(r"!\[[^\]]*\]\(([^)#]+)\)", text)
                if "://" not in target}
    return scripts, pictures


def test_every_script_and_picture_the_pages_name_exists():
    """Demo scripts and pictures referenced by the README and the docs
    pages are present; the README shows the shipped conv GAN's emoji
    grid, the best colour samples shipped."""
    for page in PAGES:
        scripts, pictures = scripts_and_pictures(page)
        for path in sorted(scripts | {str(p) for p in pictures}):
            assert (ROOT / path).is_file(), (page.name, path)
    assert "](docs/images/conv_emoji32.png)" in README


def without_code(text):
    """``text`` without fenced code blocks and indented code lines, where
    brackets are not links."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return "\n".join(line for line in text.splitlines()
                     if not line.startswith("    "))


def anchors(page):
    """The anchors GitHub gives the headings of the Markdown ``page``:
    lower case, punctuation but ``-`` and ``_`` dropped, spaces made
    hyphens, ``-1``, ``-2``, ... after repeats."""
    seen, found = {}, set()
    for line in without_code(page.read_text()).splitlines():
        heading = re.match(r"#{1,6} +(.*?) *#* *$", line)
        if not heading:
            continue
        slug = re.sub(r"[^\w\- ]", "", heading.group(1).lower())
        slug = slug.replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if not count else f"{slug}-{count}")
    return found


def relative_links(page):
    """The relative link targets of the Markdown ``page``, as written."""
    targets = re.findall(r"\]\(([^)\s]+)(?: \"[^\"]*\")?\)",
                         without_code(page.read_text()))
    return [target for target in targets
            if not re.match(r"[a-z]+:", target)]


def test_every_relative_link_leads_somewhere():
    """Each relative link of the README and the docs pages (and of the
    Markdown files they link to) names a file that exists, and a heading
    of that file where it names one."""
    broken = []
    for page in PAGES:
        for target in relative_links(page):
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target} "
                              "(no such file)")
            elif anchor and file.suffix == ".md" \
                    and anchor not in anchors(file):
                broken.append(f"{page.relative_to(ROOT)}: {target} "
                              "(no such heading)")
    assert not broken, broken


def test_the_docs_pages_are_linked_from_the_readme():
    """Every page of docs/ can be reached from the README."""
    linked = {(ROOT / target.partition("#")[0]).resolve()
              for target in relative_links(ROOT / "README.md")}
    for page in DOCS.glob("*.md"):
        assert page.resolve() in linked, page.name


def test_the_cli_reference_is_the_help_of_today():
    """docs/cli_reference.md is what ``--help`` prints now: a changed
    flag or help text needs ``python docs/make_cli_reference.py``.
    argparse's layout moves between Python versions, so the check runs
    under the version that made the page."""
    page = (DOCS / "cli_reference.md").read_text()
    made_with = page.split("(Python ", 1)[1].split(",", 1)[0]
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if made_with != running:
        pytest.skip(f"docs/cli_reference.md was made with Python "
                    f"{made_with}; this is {running}")
    done = subprocess.run(
        [sys.executable, str(DOCS / "make_cli_reference.py"), "--check"],
        capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def layout_section():
    """The indented tree of the layout page (docs/layout.md), its only
    indented block."""
    return "\n".join(line for line in
                     (DOCS / "layout.md").read_text().splitlines()
                     if line.startswith("    "))


def test_layout_names_every_module_of_the_package():
    """docs/layout.md's tree and ``ganlab/`` hold the same modules: each
    module of the package is named under its folder, and each name in
    the tree exists (``__init__.py`` files are left out)."""
    named, folder, top = set(), None, None
    for line in layout_section().splitlines():
        words = line.split()
        depth = len(line) - len(line.lstrip())
        if words and depth == 4:
            top = words[0]
        if not words or depth not in (6, 8) or top != "ganlab/":
            continue
        if depth == 6:
            folder = words[0] if words[0].endswith("/") else None
        # the leading names of a line: "cli.py, __main__.py  what ..."
        names = []
        for word in words:
            if not word.rstrip(",").endswith(".py"):
                break
            names.append(word.rstrip(","))
        named.update(f"{folder}{name}" if depth == 8 else name
                     for name in names)
    package = {str(path.relative_to(ROOT / "ganlab")) for path in
               (ROOT / "ganlab").rglob("*.py")
               if path.name != "__init__.py"}
    assert named == package, (sorted(package - named),
                              sorted(named - package))


def test_tests_are_laid_out_as_the_code_is():
    """Each sub-package of ``ganlab/`` has its folder of tests, and the
    only other folders are the lessons', the command line's and the
    benchmarks'; every folder is a package (test modules in two folders
    may share a name) and holds test modules."""
    tests = ROOT / "tests"
    package = {path.parent.name for path in
               (ROOT / "ganlab").glob("*/__init__.py")}
    folders = {path.name for path in tests.iterdir()
               if path.is_dir() and path.name != "__pycache__"}
    assert folders == package | {"lessons", "cli", "benchmarks"}
    for folder in folders:
        assert (tests / folder / "__init__.py").is_file(), folder
        assert list((tests / folder).glob("test_*.py")), folder
