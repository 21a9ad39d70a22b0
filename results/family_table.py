"""The family comparison table (paper Table 3): one row per member, Markdown and CSV.

A row is a dict with these keys (``None`` where a value is not known yet, so a
partial comparison renders as it comes):

* ``member``: e.g. ``R35-SP18``, ``SpineNet-49 (published)``, a spec file's stem;
* ``kind``: ``searched`` (best of a campaign in the member's space),
  ``reference`` (a published architecture) or ``file`` (a user's spec);
* ``space``: the search space of a searched member, else ``None``;
* ``trials``, ``device_hours``: the search cost (``None`` for references);
* ``aps``: the final-training AP of every finished seed; ``ap50s``, ``ap75s`` likewise;
* ``params``, ``madds``: RetinaNet parameters and multiply-adds at the protocol's input size.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from typing import Any, Sequence

from results.table import render_table

COLUMNS = ("member", "kind", "trials", "device_hours", "seeds", "ap_mean", "ap_std", "ap50_mean",
           "ap75_mean", "params_m", "flops_b")


def _mean(values: Sequence[float]) -> float | None:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return statistics.mean(finite) if finite else None


def _std(values: Sequence[float]) -> float | None:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return statistics.stdev(finite) if len(finite) > 1 else (0.0 if finite else None)


def flat_row(row: dict[str, Any]) -> dict[str, Any]:
    """The numbers of one row as the CSV writes them (means over seeds, M params, B FLOPs)."""
    return {
        "member": row["member"], "kind": row["kind"], "trials": row.get("trials"),
        "device_hours": row.get("device_hours"), "seeds": len(row.get("aps") or ()),
        "ap_mean": _mean(row.get("aps") or ()), "ap_std": _std(row.get("aps") or ()),
        "ap50_mean": _mean(row.get("ap50s") or ()), "ap75_mean": _mean(row.get("ap75s") or ()),
        "params_m": None if row.get("params") is None else row["params"] / 1e6,
        "flops_b": None if row.get("madds") is None else row["madds"] / 1e9,
    }


def render_markdown(rows: Sequence[dict[str, Any]], input_size: int) -> str:
    """The table as Markdown; AP as ``mean ± std (n seeds)``; '–' marks what is pending."""
    headers = ["member", "search trials", "search device-h", "AP", "AP50", "AP75", "params",
               f"FLOPs @{input_size}"]
    lines = []
    for row in map(flat_row, rows):
        ap = "–" if row["ap_mean"] is None else (
            f"{100 * row['ap_mean']:.2f} ± {100 * row['ap_std']:.2f} ({row['seeds']})")
        lines.append([
            row["member"], _or_dash(row["trials"], "{}"), _or_dash(row["device_hours"], "{:.3f}"), ap,
            _or_dash(row["ap50_mean"], "{:.2f}", 100), _or_dash(row["ap75_mean"], "{:.2f}", 100),
            _or_dash(row["params_m"], "{:.2f} M"), _or_dash(row["flops_b"], "{:.2f} B"),
        ])
    return render_table(headers, lines, markdown=True)


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The table as CSV with ``COLUMNS`` (AP in [0, 1], empty cells for pending values)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in map(flat_row, rows):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


def _or_dash(value: Any, fmt: str, scale: float = 1.0) -> str:
    if value is None:
        return "–"
    return fmt.format(value * scale) if scale != 1.0 else fmt.format(value)
