"""AP against FLOPs for the family comparison, in the style of the paper's Figure 1.

One marker per member at (multiply-adds, mean AP) with a vertical error bar of
one seed standard deviation; searched members, references and user files get
different markers, and the R[N]-SP[M] members are joined in family order so the
trend from scale-decreasing to scale-permuted reads as a line, as in the paper.
Members without a finished final training are left out (and listed in the
title), so a partial comparison plots too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from matplotlib.figure import Figure

from results.family_table import flat_row

MARKERS = {"searched": ("o", "tab:blue"), "reference": ("s", "tab:red"), "file": ("^", "tab:green")}


def plot_ap_vs_flops(rows: Sequence[dict[str, Any]], path: str | Path, input_size: int) -> Path:
    """Writes the PNG to ``path`` and returns it."""
    flat = [flat_row(row) for row in rows]
    done = [r for r in flat if r["ap_mean"] is not None and r["flops_b"] is not None]
    pending = [r["member"] for r in flat if r not in done]
    fig = Figure(figsize=(7.0, 5.0), dpi=100)
    ax = fig.add_subplot()
    ax.set_xlabel(f"FLOPs (billions of multiply-adds at {input_size} px)")
    ax.set_ylabel("AP (held-out, %)")
    ax.grid(alpha=0.3)
    searched = [r for r in done if r["kind"] == "searched"]
    if len(searched) > 1:
        ax.plot([r["flops_b"] for r in searched], [100 * r["ap_mean"] for r in searched],
                color=MARKERS["searched"][1], alpha=0.4, linewidth=1)
    for row in done:
        marker, colour = MARKERS.get(row["kind"], MARKERS["file"])
        ax.errorbar(row["flops_b"], 100 * row["ap_mean"], yerr=100 * (row["ap_std"] or 0.0), fmt=marker,
                    color=colour, capsize=3, markersize=7)
        ax.annotate(row["member"], (row["flops_b"], 100 * row["ap_mean"]), textcoords="offset points",
                    xytext=(6, 4), fontsize=8)
    if not done:
        ax.text(0.5, 0.5, "no final training has finished yet", ha="center", va="center",
                transform=ax.transAxes)
    title = "AP vs FLOPs"
    if pending:
        title += f" (pending: {', '.join(pending)})"
    ax.set_title(title, fontsize=9)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path
