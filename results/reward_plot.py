"""Reward per trial and the best reward so far, as a PNG.

x is the order in which trials finished (1, 2, ...), not the trial id, so the
best-so-far curve is what the campaign knew at each point. Failed trials (and
ok trials without a finite reward) have no reward: they are drawn as red
crosses along the bottom of the axes. Cached repeats (reward reused from an
identical architecture) are hollow circles.

Drawn with matplotlib's object API on an Agg canvas: no display, no pyplot
global state, so it is safe inside a long-running campaign driver.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from results.campaign_summary import has_reward

FIGSIZE = (8.0, 4.5)
DPI = 100


def plot_rewards(records: list[dict[str, Any]], path: str | Path) -> Path:
    """Writes the reward plot of ``records`` (completion order) to ``path`` (PNG).

    An empty list gives a plot that says no trial has finished. Returns the path.
    """
    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    ax = fig.add_subplot()
    ax.set_xlabel("trial (order of completion)")
    ax.set_ylabel("reward")
    ax.grid(alpha=0.3)
    if records:
        _draw(ax, records)
    else:
        ax.text(0.5, 0.5, "no trials have finished yet", ha="center", va="center", transform=ax.transAxes)
    ax.set_title(_title(records))
    path = Path(path)
    fig.savefig(path, format="png")
    return path


def _draw(ax, records: list[dict[str, Any]]) -> None:
    x = np.arange(1, len(records) + 1)
    ok = np.array([has_reward(r) for r in records])
    cached = np.array([bool(r.get("cached")) for r in records])
    reward = np.array([float(r["reward"]) if has_reward(r) else np.nan for r in records])
    fresh, reused = ok & ~cached, ok & cached
    ax.scatter(x[fresh], reward[fresh], s=14, color="tab:blue", label="trial reward")
    if reused.any():
        ax.scatter(x[reused], reward[reused], s=18, facecolors="none", edgecolors="tab:blue", label="cached repeat")
    if ok.any():
        best = np.fmax.accumulate(reward)  # NaN until the first reward, then the running max
        ax.plot(x, best, drawstyle="steps-post", color="tab:orange", linewidth=2, label="best so far")
    if (~ok).any():
        # Failed trials have no reward: mark them on the x axis, below the data.
        ax.scatter(x[~ok], np.full((~ok).sum(), 0.02), s=22, marker="x", color="tab:red",
                   transform=ax.get_xaxis_transform(), clip_on=False, label="failed")
    ax.set_xlim(0.5, len(records) + 0.5)
    ax.legend(loc="lower right", fontsize="small")


def _title(records: list[dict[str, Any]]) -> str:
    if not records:
        return "campaign rewards"
    rewards = [r["reward"] for r in records if has_reward(r)]
    failed = sum(1 for r in records if not has_reward(r))
    best = f", best {max(rewards):.4f}" if rewards else ""
    return f"{len(records)} trials, {failed} without reward{best}"
