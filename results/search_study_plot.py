"""A search study's figure: each campaign's best full-budget reward so far against the device-hours it spent.

One line per campaign, one colour per searcher (solid for the first seed,
dashed, dotted... for the next), so searchers compare at equal cost at a glance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from matplotlib.figure import Figure

STYLES = ("-", "--", ":", "-.")
COLOURS = {"reinforce": "tab:blue", "random": "tab:gray", "evolution": "tab:orange"}


def best_so_far(records: Sequence[dict]) -> tuple[list[float], list[float]]:
    """(device-hours spent, best full-budget reward so far) after each record, in file order."""
    from storage.trial_record import budget_of, is_ok

    hours, best, spent, top = [], [], 0.0, None
    for record in records:
        spent += float(record.get("device_seconds") or 0.0) / 3600
        if is_ok(record) and budget_of(record) == 1 and (top is None or record["reward"] > top):
            top = record["reward"]
        if top is not None:
            hours.append(spent)
            best.append(top)
    return hours, best


def plot_reward_vs_hours(campaigns: Sequence[tuple[str, str, int, Sequence[dict]]], path: str | Path,
                         budget_hours: float) -> Path:
    """Writes the PNG; ``campaigns`` are ``(name, searcher, seed index, records)``."""
    fig = Figure(figsize=(8.5, 5.0), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.set_xlabel("device-hours spent")
    ax.set_ylabel("best full-budget proxy reward so far (held-out AP)")
    ax.grid(alpha=0.3)
    ax.axvline(budget_hours, color="tab:red", linestyle="--", linewidth=1, label="the budget")
    for name, searcher, index, records in campaigns:
        hours, best = best_so_far(records)
        if hours:
            ax.step(hours, best, where="post", color=COLOURS.get(searcher, "black"),
                    linestyle=STYLES[index % len(STYLES)], label=name)
    fig.legend(loc="outside right upper", fontsize=8)  # beside the axes: it never hides a curve
    path = Path(path)
    fig.savefig(path)
    return path
