"""The view's figures as PNG bytes, drawn on request from the campaign's records.

The same figures as ``status`` writes to ``DIR/plots`` (``results``), drawn in
memory: the view never writes into the campaign directory. matplotlib's object
API on Agg needs no display; one lock keeps two requests from drawing at once
(its font and text caches are shared).
"""

from __future__ import annotations

import io
import threading
from typing import Any

from matplotlib.figure import Figure

from nas.campaign.export import eligible, named_spec, top_records

_DRAWING = threading.Lock()


def png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def rewards_png(records: list[dict[str, Any]]) -> bytes:
    from results.reward_plot import reward_figure

    with _DRAWING:
        return png(reward_figure(records))


def architectures_png(records: list[dict[str, Any]], space: str, top_k: int) -> bytes:
    """The ``top_k`` best distinct architectures (any rung) as block graphs; a note where none is drawable."""
    from results.architecture_figure import architecture_figure

    top = top_records(eligible(records, any_budget=True), top_k)
    items = [(f"#{rank} trial {r['trial']}: reward {r['reward']:.4f}", named_spec(r, space))
             for rank, r in enumerate(top, start=1)]
    with _DRAWING:
        try:
            return png(architecture_figure(items))
        except ValueError as err:  # a space without block graphs (R50-FPN has no blocks to permute)
            figure = Figure(figsize=(6.0, 1.0))
            figure.text(0.5, 0.5, str(err), ha="center", va="center", wrap=True)
            return png(figure)


def pareto_png(records: list[dict[str, Any]]) -> bytes:
    from results.pareto_plot import pareto_figure

    with _DRAWING:
        return png(pareto_figure(records))
