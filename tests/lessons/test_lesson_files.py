#!/usr/bin/env python3
"""Lessons 0-2 read as lessons: the idea before the plumbing, one argument
check copied identically into each standalone file, one gradient-penalty
epsilon shared with lesson 4.

These tests read the files' source (``ast``); only the last one runs
TensorFlow, on a critic with a gradient that is exactly zero.
"""
import ast
import sys

import numpy as np
import pytest

from tests.helpers import ROOT

LESSONS = ["0-simple_gan.py", "1-wgan_clip.py", "2-wgan_gp.py"]
# every numbered file reads on its own, not only the curriculum's three
ALL_LESSONS = LESSONS + ["3-generate_faces.py", "4-progan.py",
                         "5-dcgan_cifar.py"]
CHECK = "check_gan_arguments"


def parse(name):
    """Return the source of a file at the root and its syntax tree."""
    source = (ROOT / name).read_text()
    return source, ast.parse(source)


def top_level(tree, kind):
    """Return the module-level nodes of ``tree`` of one ``kind``."""
    return {node.name: node for node in tree.body if isinstance(node, kind)}


def the_class(tree):
    """Return the one class a lesson file defines."""
    classes = list(top_level(tree, ast.ClassDef).values())
    assert len(classes) == 1, [node.name for node in classes]
    return classes[0]


def methods_of(class_node):
    """Return the methods of a class, by name."""
    return {node.name: node for node in class_node.body
            if isinstance(node, ast.FunctionDef)}


def test_the_three_argument_checks_are_the_same_code():
    """The curriculum wants each file standalone, so the check is copied;
    the copies must not drift apart."""
    copies = {}
    for name in LESSONS:
        source, tree = parse(name)
        copies[name] = ast.get_source_segment(
            source, top_level(tree, ast.FunctionDef)[CHECK])
    assert len(set(copies.values())) == 1, (
        "check_gan_arguments differs between " + ", ".join(LESSONS))


@pytest.mark.parametrize("name", LESSONS)
def test_the_training_step_comes_before_the_plumbing(name):
    """A reader meets the losses, the model and its training step first;
    the argument check and the ``fit`` override come after."""
    _, tree = parse(name)
    functions = top_level(tree, ast.FunctionDef)
    model = the_class(tree)
    methods = methods_of(model)
    train_step = methods["train_step"].lineno
    assert train_step < functions[CHECK].lineno
    assert train_step < methods["fit"].lineno
    assert list(methods)[-1] == "fit", "fit closes the class"
    # The losses, then the model, then the check at the end.
    losses = [node.lineno for node_name, node in functions.items()
              if node_name != CHECK]
    assert losses and max(losses) < model.lineno < functions[CHECK].lineno
    order = ["__init__", "get_fake_sample", "get_real_sample"]
    if name == "2-wgan_gp.py":
        order += ["get_interpolated_sample", "gradient_penalty"]
    order.append("train_step")
    assert [method for method in methods if method in order] == order


@pytest.mark.parametrize("name", ALL_LESSONS)
def test_a_lesson_imports_only_tensorflow_numpy_and_the_standard_library(
        name):
    """Each file runs on its own, with nothing of ``ganlab``."""
    _, tree = parse(name)
    allowed = {"tensorflow", "numpy"} | set(sys.stdlib_module_names)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"relative import in {name}"
            roots = [node.module.split(".")[0]]
        else:
            continue
        for root in roots:
            assert root in allowed, f"{name} imports {root}"


@pytest.mark.parametrize("name", ALL_LESSONS)
def test_a_lesson_has_a_shebang_and_documents_everything(name):
    """A shebang, then a docstring on the module and on every class and
    function."""
    source, tree = parse(name)
    assert source.startswith("#!/usr/bin/env python3\n")
    assert ast.get_docstring(tree)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            assert ast.get_docstring(node), f"{node.name} lacks a docstring"


def norm_epsilon(name):
    """Return the constant added under the square root of the gradient norm
    in the gradient penalty of a file, or None when there is none."""
    _, tree = parse(name)
    penalties = [node for node in ast.walk(tree)
                 if isinstance(node, ast.FunctionDef)
                 and node.name == "gradient_penalty"]
    assert len(penalties) == 1, name
    roots = [node for node in ast.walk(penalties[0])
             if isinstance(node, ast.Call)
             and ast.unparse(node.func) == "tf.sqrt"]
    assert len(roots) == 1, name
    argument = roots[0].args[0]
    if (isinstance(argument, ast.BinOp) and isinstance(argument.op, ast.Add)
            and isinstance(argument.right, ast.Constant)):
        return argument.right.value
    return None


def test_lessons_2_and_4_use_one_gradient_norm_epsilon():
    """One convention: a small constant inside the square root."""
    assert norm_epsilon("2-wgan_gp.py") == norm_epsilon("4-progan.py") == 1e-12


def test_a_zero_gradient_gives_a_finite_penalty_gradient():
    """Where the critic's gradient is exactly zero (here a critic with zero
    weights), the penalty is 1 and its gradient stays finite, in lesson 2's
    method and in lesson 4's function alike."""
    import keras
    import tensorflow as tf
    progan = __import__("4-progan")
    WGAN_GP = __import__("2-wgan_gp").WGAN_GP

    def zero_critic(shape):
        """A linear critic whose weights are all zero."""
        return keras.Sequential([
            keras.Input(shape), keras.layers.Flatten(),
            keras.layers.Dense(1, kernel_initializer="zeros")])

    real = np.random.default_rng(0).normal(size=(8, 4, 4, 1)).astype("float32")
    generator = keras.Sequential([keras.Input((3,)), keras.layers.Dense(16),
                                  keras.layers.Reshape((4, 4, 1))])
    critic = zero_critic((4, 4, 1))
    gan = WGAN_GP(generator, critic, lambda k: tf.random.normal((k, 3)), real,
                  batch_size=8)
    points = tf.constant(real)
    with tf.GradientTape() as tape:
        penalty = gan.gradient_penalty(points)
    gradients = tape.gradient(penalty, critic.trainable_variables)
    assert float(penalty) == pytest.approx(1., abs=1e-5)
    assert all(np.all(np.isfinite(g)) for g in gradients if g is not None)

    critic = zero_critic((4, 4, 1))
    with tf.GradientTape() as tape:
        penalty = progan.gradient_penalty(critic, points, -points,
                                          tf.fill((8, 1, 1, 1), .5))
    gradients = tape.gradient(penalty, critic.trainable_variables)
    assert float(penalty) == pytest.approx(1., abs=1e-5)
    assert all(np.all(np.isfinite(g)) for g in gradients if g is not None)
