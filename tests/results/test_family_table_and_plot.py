"""The family table (Markdown, CSV) and the AP-vs-FLOPs plot, on hand-built rows."""

import csv
import io

import numpy as np
import pytest
from matplotlib.image import imread

from results.family_table import render_markdown, to_csv
from results.flops_plot import plot_ap_vs_flops


def rows(partial=False):
    return [
        {"member": "R50-FPN", "kind": "reference", "trials": None, "device_hours": None,
         "aps": [0.30, 0.32, 0.31], "ap50s": [0.5, 0.5, 0.5], "ap75s": [0.3, 0.3, 0.3],
         "params": 34_000_000, "madds": 96_900_000_000},
        {"member": "R35-SP18", "kind": "searched", "space": "r35-sp18", "trials": 40, "device_hours": 1.5,
         "aps": [] if partial else [0.34, 0.36], "ap50s": [] if partial else [0.55, 0.57],
         "ap75s": [] if partial else [0.35, 0.37], "params": 30_000_000, "madds": 90_000_000_000},
    ]


def test_markdown_shows_mean_std_and_seeds_and_dashes_for_pending():
    table = render_markdown(rows(), 640)
    assert "31.00 ± 1.00 (3)" in table and "35.00 ± 1.41 (2)" in table
    assert "FLOPs @640" in table and "96.90 B" in table and "| 40 " in table
    pending = render_markdown(rows(partial=True), 640).splitlines()[-1]
    assert pending.count("–") >= 3


def test_csv_has_the_numbers():
    parsed = list(csv.DictReader(io.StringIO(to_csv(rows()))))
    assert [r["member"] for r in parsed] == ["R50-FPN", "R35-SP18"]
    assert float(parsed[0]["ap_mean"]) == pytest.approx(0.31)
    assert float(parsed[1]["ap_std"]) == pytest.approx(np.std([0.34, 0.36], ddof=1))
    assert parsed[0]["trials"] == "" and parsed[1]["device_hours"] == "1.5"
    assert float(parsed[0]["flops_b"]) == pytest.approx(96.9)


def test_plot_draws_points_and_differs_with_the_data(tmp_path):
    full = imread(plot_ap_vs_flops(rows(), tmp_path / "full.png", 640))
    partial = imread(plot_ap_vs_flops(rows(partial=True), tmp_path / "partial.png", 640))
    empty = imread(plot_ap_vs_flops([], tmp_path / "empty.png", 640))
    assert full.shape == partial.shape == empty.shape and full.shape[0] > 300
    assert not np.array_equal(full, partial) and not np.array_equal(partial, empty)
    blue = (full[..., 2] > 0.6) & (full[..., 0] < 0.3)  # the searched marker is tab:blue
    assert blue.sum() > 20
