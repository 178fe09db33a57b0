#!/usr/bin/env python3
"""``python -m ganlab sample``: a grid and single PNGs from a generator."""
import subprocess
import sys

from PIL import Image
from tensorflow import keras

from ganlab import cli
from tests.helpers import ROOT


def test_grid_and_single_images(tmp_path):
    """Five RGB samples become five 32x32 PNGs and one grid."""
    latent = keras.Input((4,))
    images = keras.layers.Reshape((32, 32, 3))(
        keras.layers.Dense(32 * 32 * 3, activation="tanh")(latent))
    keras.Model(latent, images).save(tmp_path / "g.keras")
    grid = cli.main(["sample", "--generator", str(tmp_path / "g.keras"),
                     "--count", "5", "--out", str(tmp_path / "out")])
    singles = sorted((tmp_path / "out").glob("0*.png"))
    assert [p.name for p in singles] == [f"000{i}.png" for i in range(5)]
    with Image.open(singles[0]) as image:
        assert image.size == (32, 32) and image.mode == "RGB"
    assert grid.name == "grid.png" and grid.is_file()


def test_missing_generator_exits_with_code_2(tmp_path):
    """One line on standard error, exit code 2."""
    done = subprocess.run([sys.executable, "-m", "ganlab", "sample",
                           "--generator", str(tmp_path / "none.keras")],
                          cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 2 and "does not exist" in done.stderr
