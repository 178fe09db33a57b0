#!/usr/bin/env python3
"""The ablation harness (benchmarks/studies/ablation.py): its variants differ
in one technique each, its means and standard errors are right, and (slow)
it trains, scores and draws every variant end to end."""
import json
import math

import pytest

from benchmarks.studies import ablation


def test_each_variant_switches_only_its_techniques():
    """Variants share every flag but the technique flags, and the hinge
    variant exists only for the models that offer a loss choice."""
    for model in ("dcgan", "progan"):
        assert len(ablation.variants(model)) == 5
    assert len(ablation.variants("faces")) == 4
    plain = ablation.variants("dcgan")["plain"]
    assert plain == ["--average-decay", "0", "--augment", "none"]
    both = ablation.variants("dcgan")["averaging + DiffAugment"]
    assert both == ["--average-decay", ".999", "--augment",
                    ablation.AUGMENT]


def test_train_commands_differ_only_in_the_variant_flags(tmp_path):
    """The common part of every variant's command is the same: model,
    data, budget and seed."""
    arguments = ablation.parse_arguments(["--model", "dcgan", "--epochs",
                                          "3", "--steps-per-epoch", "7"])
    commands = [ablation.train_command(arguments, flags, 0, tmp_path / name)
                for name, flags in ablation.variants("dcgan").items()]
    common = [part for part in commands[0][:-4] if "tmp" not in part]
    for command in commands:
        assert [part for part in command if "tmp" not in part][
            :len(common)] == common
    assert "--n_epochs" in common and common[common.index("--n_epochs")
                                             + 1] == "3"
    assert common[common.index("--dataset") + 1] == "emoji"


def test_summarise_gives_means_and_standard_errors():
    """Two seeds: the mean and the standard error of the mean, by hand."""
    per_seed = [{"a": {"frechet_distance": 1., "kernel_distance": .1,
                       "kernel_distance_error": .5,
                       "relative_diversity": .5, "seconds": 10}},
                {"a": {"frechet_distance": 3., "kernel_distance": .3,
                       "kernel_distance_error": .5,
                       "relative_diversity": .7, "seconds": 20}}]
    row = ablation.summarise(per_seed)["a"]
    assert row["frechet_distance"] == pytest.approx((2., 1.))
    assert row["kernel_distance"] == pytest.approx((.2, .1))
    assert row["seconds"] == pytest.approx((15., 5.))
    # sample standard deviation sqrt(2)/10 over sqrt(2) seeds
    assert row["relative_diversity"][1] == pytest.approx(
        math.sqrt(.02) / math.sqrt(2))


def test_one_seed_shows_the_kernel_distances_own_error():
    """With one seed the KID's error is its subset error; Frechet has
    none, and the table says so by showing the mean alone."""
    per_seed = [{"floor": {"frechet_distance": .5, "kernel_distance": .01,
                           "kernel_distance_error": .002,
                           "relative_diversity": 1.}}]
    rows = ablation.summarise(per_seed)
    assert rows["floor"]["kernel_distance"] == (.01, .002)
    assert rows["floor"]["frechet_distance"] == (.5, None)
    table = ablation.markdown_table(rows, 1)
    assert "| floor | 0.500 | 0.0100 ± 0.0020 | 1.00 | - |" in table


def test_faces_need_the_curriculum_file(capsys):
    """--model faces without --faces stops with one line naming it."""
    with pytest.raises(SystemExit):
        ablation.parse_arguments(["--model", "faces"])
    assert "--faces" in capsys.readouterr().err


@pytest.mark.slow
def test_quick_ablation_trains_scores_and_draws(tmp_path):
    """A smoke run of the DCGAN on emoji: every variant has a row, the
    floor and the baseline too, and the picture exists."""
    pytest.importorskip("PIL")
    rows = ablation.main(["--model", "dcgan", "--quick", "--out",
                          str(tmp_path)])
    assert set(ablation.variants("dcgan")) <= set(rows)
    assert ablation.FLOOR in rows
    record = json.loads((tmp_path / "ablation.json").read_text())
    assert record["seeds"] == 1
    assert (tmp_path / "ablation.png").stat().st_size > 1000
