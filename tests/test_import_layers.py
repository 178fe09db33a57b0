#!/usr/bin/env python3
"""The package's imports point one way: data <- nets <- training <-
evaluation and viz <- the command line.

A module may import from its own layer and from the layers below it.
Below them all is the ground floor: ``ganlab`` itself and its top-level
modules other than the command line's (``io``, ``arrays``,
``image_files``, ``lessons``, ``resources``), which import only one
another. Every module is read with ``ast`` rather than imported, so no
import is missed for being inside a function, and TensorFlow never
starts.
"""
import ast

from tests.helpers import ROOT

PACKAGE = "ganlab"
GROUND_FLOOR = 0
LAYERS = {"data": 1, "nets": 2, "training": 3, "evaluation": 4, "viz": 4}
COMMAND_LINE = ("ganlab.cli", "ganlab.__main__", "ganlab.demo")
COMMAND_LINE_LAYER = 5


def module_name(path, root):
    """Return the dotted name of the module at ``path``, a file under the
    folder ``root`` that holds the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module):
    """Return the layer of the dotted ``module`` (or of a name inside
    it): the command line's above all, a subpackage's from ``LAYERS``,
    the ground floor for ``ganlab`` and its other top-level modules."""
    if any(module == name or module.startswith(name + ".")
           for name in COMMAND_LINE):
        return COMMAND_LINE_LAYER
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return LAYERS[parts[1]]
    return GROUND_FLOOR


def imports_of(path, module):
    """Yield ``(line, imported)`` for every import of the package in the
    file at ``path`` (the module ``module``), wherever in the file it
    stands; ``from A import b`` gives ``A.b``, since ``b`` may be a
    module of ``A``."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                # a relative import counts from the module's own package
                package = module.split(".")
                if not is_package:
                    package.pop()
                package = package[:len(package) - node.level + 1]
                base = ".".join(package + ([base] if base else []))
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name == PACKAGE or name.startswith(PACKAGE + "."):
                yield node.lineno, name


def upward_imports(root):
    """Return one line for each import under ``root`` (the folder that
    holds the package) that runs from a layer to one above it."""
    arrows = []
    for path in sorted((root / PACKAGE).rglob("*.py")):
        module = module_name(path, root)
        for line, imported in imports_of(path, module):
            if layer_of(imported) > layer_of(module):
                arrows.append(f"{module} (layer {layer_of(module)}) line "
                              f"{line} imports {imported} (layer "
                              f"{layer_of(imported)})")
    return arrows


def test_no_import_runs_back_up():
    """Every import of every module of ganlab stays in its layer or goes
    down."""
    arrows = upward_imports(ROOT)
    assert not arrows, "imports that run back up:\n" + "\n".join(arrows)


def test_every_subpackage_has_a_layer():
    """A new subpackage must be given a layer, not be taken for the
    ground floor."""
    subpackages = {path.parent.name for path in
                   (ROOT / PACKAGE).glob("*/__init__.py")}
    assert subpackages == set(LAYERS)


def test_the_layers_are_in_order():
    """data < nets < training < evaluation = viz < the command line, and
    the package's top-level modules are the ground floor."""
    assert (layer_of("ganlab.io") == layer_of("ganlab.arrays.tile")
            == layer_of("ganlab") == GROUND_FLOOR)
    assert (GROUND_FLOOR < layer_of("ganlab.data.toy")
            < layer_of("ganlab.nets.layers.GlobalMinibatchStdDev")
            < layer_of("ganlab.training.train")
            < layer_of("ganlab.evaluation.metrics")
            == layer_of("ganlab.viz.plots")
            < layer_of("ganlab.cli") == layer_of("ganlab.__main__")
            == layer_of("ganlab.demo"))
    # a name that merely begins like a command-line module is not one
    assert layer_of("ganlab.client") == GROUND_FLOOR


def test_made_up_arrows_up_are_found(tmp_path):
    """In a made-up package, an import up from inside a function, one
    from the ground floor, one relative and one to the command line are
    each reported; imports down and sideways are not."""
    files = {
        "ganlab/__init__.py": "",
        "ganlab/io.py": "from ganlab.data import toy\n",
        "ganlab/data/__init__.py": "",
        "ganlab/data/toy.py": "import ganlab.io\nfrom ganlab import io\n",
        "ganlab/nets/__init__.py": "",
        "ganlab/nets/builders.py": ("def build():\n"
                                    "    from ganlab.training import "
                                    "replicas\n"),
        "ganlab/training/__init__.py": "from . import train\n",
        "ganlab/training/train.py": ("from ..data import toy\n"
                                     "from ..viz import plots\n"
                                     "from ganlab.cli import main\n"),
        "ganlab/evaluation/__init__.py": "",
        "ganlab/evaluation/metrics.py": "from ganlab.viz import plots\n",
        "ganlab/viz/__init__.py": "",
        "ganlab/viz/plots.py": "from ganlab.evaluation import metrics\n",
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert upward_imports(tmp_path) == [
        "ganlab.io (layer 0) line 1 imports ganlab.data.toy (layer 1)",
        "ganlab.nets.builders (layer 2) line 2 imports "
        "ganlab.training.replicas (layer 3)",
        "ganlab.training.train (layer 3) line 2 imports ganlab.viz.plots "
        "(layer 4)",
        "ganlab.training.train (layer 3) line 3 imports ganlab.cli.main "
        "(layer 5)",
    ]


def test_module_names_follow_the_files(tmp_path):
    """A package's ``__init__.py`` is the package; other files are
    modules of their folder."""
    assert module_name(tmp_path / "ganlab" / "__init__.py",
                       tmp_path) == "ganlab"
    assert module_name(tmp_path / "ganlab" / "viz" / "__init__.py",
                       tmp_path) == "ganlab.viz"
    assert module_name(tmp_path / "ganlab" / "viz" / "plots.py",
                       tmp_path) == "ganlab.viz.plots"
