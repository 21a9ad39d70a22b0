"""Reward per trial and the best reward so far, as a PNG.

x is the order in which trials finished (1, 2, ...), not the trial id, so the
best-so-far curve is what the campaign knew at each point. Failed trials (and
ok trials without a finite reward) have no reward: they are drawn as red
crosses along the bottom of the axes. Cached repeats (reward reused from an
identical architecture) are hollow circles. With multi-fidelity rungs, a
promotion's record is a point of its own, coloured by its rung (its budget),
and the best-so-far line follows the largest budget reached so far.

The legend sits beside the axes, so it never hides a point, and trial numbers
tick as whole numbers. Drawn with matplotlib's object API on an Agg canvas: no display, no pyplot
global state, so it is safe inside a long-running campaign driver.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from results.campaign_summary import has_reward
from storage.trial_record import budget_of, rung_of

FIGSIZE = (8.0, 4.5)
RUNG_COLOURS = ("tab:green", "tab:purple", "tab:brown", "tab:pink")
DPI = 100


def plot_rewards(records: list[dict[str, Any]], path: str | Path) -> Path:
    """Writes the reward plot of ``records`` (completion order) to ``path`` (PNG).

    An empty list gives a plot that says no trial has finished. Returns the path.
    """
    path = Path(path)
    reward_figure(records).savefig(path, format="png")
    return path


def reward_figure(records: list[dict[str, Any]]) -> Figure:
    """The figure ``plot_rewards`` saves: the legend beside the axes (it never covers a point), whole x ticks."""
    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    promoted = any(rung_of(r) for r in records)
    ax.set_xlabel("trial or promotion (order of completion)" if promoted else "trial (order of completion)")
    ax.set_ylabel("reward (held-out AP)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))  # whole ticks also for one trial
    ax.grid(alpha=0.3)
    if records:
        _draw(ax, records)
        fig.legend(loc="outside right upper", fontsize="small")
    else:
        ax.text(0.5, 0.5, "no trials have finished yet", ha="center", va="center", transform=ax.transAxes)
    ax.set_title(_title(records))
    return fig


def _draw(ax, records: list[dict[str, Any]]) -> None:
    x = np.arange(1, len(records) + 1)
    ok = np.array([has_reward(r) for r in records])
    cached = np.array([bool(r.get("cached")) for r in records])
    reward = np.array([float(r["reward"]) if has_reward(r) else np.nan for r in records])
    rung = np.array([rung_of(r) for r in records])
    fresh, reused = ok & ~cached & (rung == 0), ok & cached
    first = "trial reward" if not rung.any() else f"trial reward, rung 0 (budget {_budget(records, 0):g})"
    ax.scatter(x[fresh], reward[fresh], s=14, color="tab:blue", label=first)
    for k in sorted(set(rung[rung > 0])):
        shown = ok & (rung == k)
        ax.scatter(x[shown], reward[shown], s=20, marker="D", color=RUNG_COLOURS[(k - 1) % len(RUNG_COLOURS)],
                   label=f"promotion to rung {k} (budget {_budget(records, k):g})")
    if reused.any():
        ax.scatter(x[reused], reward[reused], s=18, facecolors="none", edgecolors="tab:blue", label="cached repeat")
    if ok.any():
        ax.plot(x, _best_so_far(records, reward), drawstyle="steps-post", color="tab:orange", linewidth=2,
                label="best so far" + (" (largest budget)" if rung.any() else ""))
    if (~ok).any():
        # Failed trials have no reward: mark them on the x axis, below the data.
        ax.scatter(x[~ok], np.full((~ok).sum(), 0.02), s=22, marker="x", color="tab:red",
                   transform=ax.get_xaxis_transform(), clip_on=False, label="failed")
    ax.set_xlim(0.5, len(records) + 0.5)


def _budget(records: list[dict[str, Any]], rung: int) -> float:
    return next(budget_of(r) for r in records if rung_of(r) == rung)


def _best_so_far(records: list[dict[str, Any]], reward: np.ndarray) -> np.ndarray:
    """The best reward at the largest budget reached so far (NaN before the first reward)."""
    best, top, out = np.nan, -1.0, []
    for record, value in zip(records, reward):
        if np.isfinite(value):
            budget = budget_of(record)
            if budget > top:
                best, top = value, budget
            elif budget == top:
                best = max(best, value)
        out.append(best)
    return np.array(out)


def _title(records: list[dict[str, Any]]) -> str:
    if not records:
        return "campaign rewards"
    rewards = [r["reward"] for r in records if has_reward(r)]
    failed = sum(1 for r in records if not has_reward(r))
    best = f", best {max(rewards):.4f}" if rewards else ""
    promotions = sum(1 for r in records if rung_of(r) > 0)
    runs = f"{len(records) - promotions} trials" + (f" and {promotions} promotions" if promotions else "")
    return f"{runs}, {failed} without reward{best}"
