"""A proxy study's figure: each candidate's Kendall tau against the target, by its cost per trial.

One marker per candidate at (device-seconds per trial, tau) with its 95%
bootstrap interval as a vertical bar; the bar ``min_tau`` is a dashed line and
the target's own cost a dotted one, so the cheapest candidate above the line
is the verdict at a glance. Candidates without a tau yet are listed in the
title, so a partial study plots too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from matplotlib.figure import Figure


def plot_tau_vs_cost(rows: Sequence[dict[str, Any]], path: str | Path, min_tau: float) -> Path:
    """Writes the PNG to ``path`` (rows of ``results.proxy_study_table.study_rows``, target first); returns it."""
    target, candidates = rows[0], rows[1:]
    done = [r for r in candidates if r["tau"] is not None and r["device_seconds_per_trial"] is not None]
    pending = [r["fidelity"] for r in candidates if r not in done]
    fig = Figure(figsize=(7.0, 5.0), dpi=100)
    ax = fig.add_subplot()
    ax.set_xlabel("device-seconds per trial")
    ax.set_ylabel("Kendall tau against the target (95% bootstrap interval)")
    ax.set_ylim(-1.05, 1.05)
    ax.grid(alpha=0.3)
    ax.axhline(min_tau, color="tab:red", linestyle="--", linewidth=1, label=f"bar: tau = {min_tau}")
    if target["device_seconds_per_trial"] is not None:
        ax.axvline(target["device_seconds_per_trial"], color="gray", linestyle=":", linewidth=1,
                   label="the target's cost")
    for row in done:
        tau = row["tau"]
        colour = "tab:green" if row["passes"] else "tab:blue"
        ax.errorbar(row["device_seconds_per_trial"], tau.value, yerr=[[tau.value - tau.low], [tau.high - tau.value]],
                    fmt="o", color=colour, capsize=3, markersize=7)
        ax.annotate(row["fidelity"], (row["device_seconds_per_trial"], tau.value), textcoords="offset points",
                    xytext=(6, 6), fontsize=9)
    if done and max(r["device_seconds_per_trial"] for r in done) > 10 * min(r["device_seconds_per_trial"] for r in done):
        ax.set_xscale("log")
    ax.legend(loc="lower right", fontsize=9)
    title = "Proxy study: rank agreement against cost"
    if pending:
        title += f"\nno tau yet: {', '.join(pending)}"
    ax.set_title(title, fontsize=11)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    return path
