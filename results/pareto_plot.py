"""Reward against cost, with the Pareto front: which trials no other trial beats on both.

A trial is on the front when no other trial has a reward at least as high at a
cost at most as high, one of the two strictly. The cost is a record's
``madds`` (multiply-adds of the trial's model at its input size, what the
search space's cost model counts); each trial counts once, by its highest
rung's record (``latest_per_trial``). Trials without a reward or a cost are
left out, and the plot says so when none is left.
"""

from __future__ import annotations

from typing import Any, Sequence

from matplotlib.figure import Figure

from results.campaign_summary import has_reward
from storage.trial_record import latest_per_trial

FIGSIZE = (8.0, 4.5)
DPI = 100


def costed(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each trial's highest-rung record that has both a reward and a cost."""
    return [r for r in latest_per_trial(records) if has_reward(r) and isinstance(r.get("madds"), (int, float))]


def pareto_front(points: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The non-dominated records of ``points`` (reward up, ``madds`` down), cheapest first.

    Among records of equal cost and reward (repeats of one architecture) the earliest stays.
    """
    front: list[dict[str, Any]] = []
    best = float("-inf")
    for record in sorted(points, key=lambda r: (r["madds"], -r["reward"])):  # stable: ties keep file order
        if record["reward"] > best:
            front.append(record)
            best = record["reward"]
    return front


def pareto_figure(records: Sequence[dict[str, Any]]) -> Figure:
    """Every costed trial as a point (GFLOPs, reward), the front joined as a step line and labelled by trial."""
    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.set_xlabel("cost (billions of multiply-adds at the trial's input size)")
    ax.set_ylabel("reward (held-out AP)")
    ax.grid(alpha=0.3)
    points = costed(records)
    if not points:
        ax.text(0.5, 0.5, "no trial with a reward and a cost yet", ha="center", va="center", transform=ax.transAxes)
        return fig
    front = pareto_front(points)
    ax.scatter([r["madds"] / 1e9 for r in points], [r["reward"] for r in points], color="0.6", s=18,
               label="trial")
    ax.step([r["madds"] / 1e9 for r in front], [r["reward"] for r in front], where="post", color="tab:red",
            marker="o", label="Pareto front")
    for record in front:
        ax.annotate(str(record["trial"]), (record["madds"] / 1e9, record["reward"]), fontsize="small",
                    xytext=(3, 3), textcoords="offset points")
    ax.set_title(f"{len(front)} of {len(points)} trials on the front")
    fig.legend(loc="outside right upper", fontsize="small")
    return fig
