#!/usr/bin/env python3
"""``ganlab.training.config``: ``run.json`` is the resolved configuration
of every model (its learning rates, betas and techniques, never null), and
a run folder whose ``run.json`` is in the old flat format still resumes."""
import dataclasses
import json

import pytest

from ganlab import cli
from ganlab.training import config as run_config
from ganlab.training import augment_policies, registry
from ganlab.training.checkpoints import steps_done
from tests.helpers import save_random_pixels

# The smallest data each model trains on: a toy set for the lessons, uint8
# images of the fixed shapes of faces and dcgan, small ones otherwise.
SHAPES = {"r3gan": (16, 16, 3), "mlp": (8, 8), "conv": (8, 8),
          "faces": (16, 16), "dcgan": (32, 32, 3), "progan": (8, 8)}
# one step of one epoch, nothing drawn or logged beyond losses.csv
TINY = ["--batch_size", "4", "--n_epochs", "1", "--steps-per-epoch", "1",
        "--sample_interval", "1000", "--no-tensorboard", "--verbose", "0",
        "--doctor", "off"]


def data_flags(name, folder):
    """The ``--dataset`` (and ``--examples``) flags of model ``name``:
    16 random images of its shape in an .npy file, or 16 ring points."""
    if name not in SHAPES:
        return ["--dataset", "ring", "--examples", "16"]
    path = folder / f"{name}.npy"
    save_random_pixels(path, (16, *SHAPES[name]))
    return ["--dataset", str(path)]


@pytest.mark.parametrize("entry", registry.ENTRIES,
                         ids=[entry.name for entry in registry.ENTRIES])
def test_run_json_holds_the_resolved_settings(entry, tmp_path):
    """A one-step run of each model records its learning rates and betas
    as numbers (the entry's defaults, as none is given), the
    discriminator's own rate where the model takes one, and its
    techniques as they were resolved."""
    out = tmp_path / "run"
    latent = ["--latent_dim", "16" if entry.spec.fixed.latent_dim else "8"]
    cli.main(["train", "--model", entry.name, "--out", str(out), *TINY,
              *latent, *data_flags(entry.name, tmp_path)])
    record = json.loads((out / "run.json").read_text())
    assert record["schema"] == run_config.SCHEMA
    optimiser, defaults = record["optimiser"], entry.spec.defaults
    assert (optimiser["lr"], optimiser["b1"], optimiser["b2"]) == (
        defaults.lr, defaults.b1, defaults.b2)
    assert optimiser["d_lr"] == (
        (defaults.d_lr or defaults.lr) if entry.spec.accepts.d_lr else None)
    techniques = record["techniques"]
    assert techniques["average_decay"] == defaults.average_decay
    assert techniques["average_warmup"] == (
        run_config.AVERAGE_WARMUP if entry.spec.averages else None)
    # 16 examples are fewer than --augment auto's threshold
    assert techniques["augment"] == (
        augment_policies.DEFAULT_POLICY if entry.spec.accepts.augment
        else "none")
    assert techniques["r1"] == defaults.r1
    assert (techniques["loss"], techniques["spectral_norm"]) == (
        "default", False)
    assert record["model"]["name"] == entry.name
    assert record["model"]["batch_size"] == 4
    # what run.json holds reads back as the configuration it was
    assert run_config.migrate(record) == record


# a run.json as train wrote it before it recorded the configuration: the
# flat flags, the learning rates and betas left null for the model to
# choose, and no technique flags (they did not exist yet)
OLD_RECORD = {
    "command": "train", "model": "mlp", "dataset": None, "data_path": None,
    "examples": None, "holdout": None, "n_epochs": 1, "steps_per_epoch": 2,
    "batch_size": 16, "lr": None, "d_lr": None, "b1": None, "b2": None,
    "latent_dim": 8, "img_size": 8, "channels": 1, "disc_iter": None,
    "sample_interval": 1000, "checkpoint_every": 1, "out": None,
    "resume": False, "seed": 0, "deterministic": True, "doctor": "off",
    "tensorboard": False, "strategy": "default", "devices": None,
    "verbose": 0, "data": None}


def test_an_old_format_run_folder_resumes(tmp_path):
    """A run whose run.json is the old flat record (null learning rates,
    no technique flags) resumes as it was trained (no averaging, no
    DiffAugment), and its run.json becomes the resolved configuration."""
    data = tmp_path / "digits.npy"
    save_random_pixels(data, (32, 8, 8))
    out = tmp_path / "run"
    flags = ["train", "--model", "mlp", "--dataset", str(data),
             "--batch_size", "16", "--latent_dim", "8",
             "--steps-per-epoch", "2", "--sample_interval", "1000",
             "--no-tensorboard", "--verbose", "0", "--doctor", "off",
             "--deterministic", "--out", str(out)]
    # trained as the old runs were: without averaging or DiffAugment
    cli.main(flags + ["--n_epochs", "1", "--average-decay", "0",
                      "--augment", "none"])
    old = dict(OLD_RECORD, dataset=str(data), out=str(out),
               data=str(data))
    (out / "run.json").write_text(json.dumps(old))
    gan = cli.main(flags + ["--n_epochs", "2", "--resume"])
    assert steps_done(gan) == 4
    record = json.loads((out / "run.json").read_text())
    assert record["schema"] == run_config.SCHEMA
    assert record["optimiser"] == {"lr": 2e-4, "d_lr": 2e-4, "b1": .5,
                                   "b2": .999}
    assert (record["techniques"]["average_decay"],
            record["techniques"]["augment"]) == (0., "none")


def test_migrate_regroups_an_old_record():
    """The old flat record becomes the current schema: each flag in its
    group, the techniques it predates as its run had them, and what it
    left null (the learning rates) null, not guessed."""
    migrated = run_config.migrate(dict(OLD_RECORD, dataset="ring",
                                       data="2000 points of ring"))
    assert migrated["schema"] == run_config.SCHEMA
    assert set(migrated) == {field.name for field in dataclasses.fields(
        run_config.RunConfig)}
    assert migrated["model"]["name"] == "mlp"
    assert migrated["data"]["description"] == "2000 points of ring"
    assert migrated["optimiser"]["lr"] is None
    assert migrated["techniques"]["average_decay"] == 0.
    assert migrated["techniques"]["augment"] == "none"
    assert migrated["data"]["stream"] == "never"
