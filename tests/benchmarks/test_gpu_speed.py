#!/usr/bin/env python3
"""The GPU speed benchmark stops at once without a GPU, saying why, and
runs end to end on the CPU when allowed (a slow smoke test: its figures
mean nothing on a CPU)."""
import json

import gpu_speed
import pytest
import tensorflow as tf
from tests.helpers import needs_bfloat16_kernels

NO_GPU = not tf.config.list_physical_devices("GPU")


@pytest.mark.skipif(not NO_GPU, reason="this machine has a GPU")
def test_without_a_gpu_it_stops_with_one_line(tmp_path, capsys):
    """Exit code 2, one line that says what to install or which flag to
    pass, and no file written."""
    with pytest.raises(SystemExit) as stopped:
        gpu_speed.main(["--out", str(tmp_path)])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "no GPU" in error and "--allow-cpu" in error
    assert "tensorflow[and-cuda]" in error
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("flags, message", [
    (["--variants", "float64"], "--variants: 'float64' is not one of"),
    (["--models", "mlp"], "--models: 'mlp' is not dcgan or progan"),
    (["--warmup", "3"], "must be a multiple of --steps-per-execution"),
    (["--progan-batch-size", "1"], "--progan-batch-size must be at least 2"),
])
def test_bad_flags_are_refused_naming_them(flags, message, capsys):
    """Checked before TensorFlow looks for a device."""
    with pytest.raises(SystemExit):
        gpu_speed.arguments_from(flags)
    assert message in capsys.readouterr().err


@pytest.mark.slow
@needs_bfloat16_kernels
def test_smoke_run_on_the_cpu(tmp_path):
    """--allow-cpu --quick: both models in float32 and bfloat16, a few
    steps each; the JSON holds a rate for every one (about a minute)."""
    report = gpu_speed.main(["--allow-cpu", "--quick", "--variants",
                             "float32,bfloat16", "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "gpu_speed.json").read_text())
    assert saved["results"] == report["results"]
    for model in ("dcgan", "progan"):
        for variant in ("float32", "bfloat16"):
            record = report["results"][model][variant]
            assert record["images_per_second"] > 0
            assert record["timed_steps"] >= 2
