#!/usr/bin/env python3
"""The streaming memory benchmark writes its folder and reports what it
promises.

Only the bookkeeping is checked, on 40 tiny JPEGs: both paths iterate the
same batches of the same images, each in a process of its own, and the
report holds both peaks, their ratio and the streamed path's bound. The
figures themselves (5,000 or 50,000 images of 128x128) come from the
command in the script's docstring; ``-m slow`` runs a larger case.
"""
import json

import pytest
import streaming_memory


def test_generated_folder_is_reused_when_its_marker_matches(tmp_path):
    """The JPEGs are written once; the same request finds them again, a
    different one writes them anew."""
    folder = tmp_path / "jpegs"
    assert streaming_memory.write_jpeg_folder(folder, 5, 32) > 0
    assert sorted(path.name for path in folder.rglob("*.jpg")) == [
        f"{index:06d}.jpg" for index in range(5)]
    assert streaming_memory.write_jpeg_folder(folder, 5, 32) == 0
    assert streaming_memory.write_jpeg_folder(folder, 6, 32) > 0
    assert json.loads((folder / "generated.json").read_text())["images"] == 6


@pytest.mark.slow
def test_both_paths_iterate_the_same_batches_and_report(tmp_path, capsys):
    """40 images of 32x32 at 16x16, batch 8, 2 epochs: 10 batches on each
    path; peaks, baselines, the ratio and the bound are all there."""
    report = streaming_memory.main([
        "--images", "40", "--image-size", "32", "--size", "16",
        "--batch-size", "8", "--folder", str(tmp_path / "jpegs"),
        "--out", str(tmp_path / "out")])
    for path in ("streamed", "in_memory"):
        result = report["results"][path]
        assert (result["images"], result["batches"]) == (40, 10)
        assert result["peak_mib"] >= result["baseline_mib"] > 0
        assert result["data_mib"] == pytest.approx(
            result["peak_mib"] - result["baseline_mib"])
    means = [report["results"][path]["mean_pixel"]
             for path in ("streamed", "in_memory")]
    # the same images in other orders: the same mean, up to resizing
    assert means[0] == pytest.approx(means[1], abs=.02)
    assert report["peak_ratio"] == pytest.approx(
        report["results"]["in_memory"]["peak_mib"]
        / report["results"]["streamed"]["peak_mib"])
    assert report["streamed_bound_mib"] > 0
    assert json.loads((tmp_path / "out" / "streaming_memory.json")
                      .read_text())["settings"]["images"] == 40
    assert "in memory / streamed: x" in capsys.readouterr().out


@pytest.mark.slow
def test_streamed_peak_stays_below_the_in_memory_one(tmp_path):
    """2,000 images at 64x64 (a minute or so): the streamed path's own
    memory is a small fraction of the in-memory path's."""
    report = streaming_memory.main([
        "--images", "2000", "--size", "64", "--folder",
        str(tmp_path / "jpegs"), "--out", str(tmp_path / "out")])
    results = report["results"]
    assert results["streamed"]["data_mib"] * 4 < results["in_memory"][
        "data_mib"]
