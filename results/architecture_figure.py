"""Architecture diagrams in the style of the paper's Figure 4, as a PNG.

One panel per architecture. Every entry of ``net`` is a marker: stem blocks
first (on a shaded band), then the scale-permuted blocks in build order, left
to right; the height is the block's level (L1 at the bottom, L7 at the top).
Squares are bottleneck blocks, circles residual blocks. Arrows run from both
parents into each block (dashed: a dangling block added raw into an output
block; thin: a stem group feeding the next). Output blocks have a thick black
edge and their endpoint label (P3..P7). Blocks no endpoint depends on, which
are not built, and their edges are grey.

What is used and merged comes from ``search_space.network_graph.resolve``,
the same resolution the Flax model and the cost model build from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

from search_space.network_graph import Node, resolve
from search_space.scaling import MAX_BLOCK_LEVEL, Scaling
from search_space.spec import ArchitectureSpec, RESIDUAL, SpineNetSpec
from search_space.validation import validate

COLORS = {"bottleneck": "tab:blue", "residual": "tab:orange"}
MARKERS = {"bottleneck": "s", "residual": "o"}
UNUSED = "0.82"
EDGE = "0.35"
DPI = 100


def draw_architectures(items: Sequence[tuple[str, ArchitectureSpec]], path: str | Path) -> Path:
    """Draws one panel per ``(title, spec)`` to ``path`` (PNG); returns the path.

    Raises:
      ValueError: if a spec is not a SpineNet spec (R50-FPN has no blocks to
        permute) or is invalid (``SpecError``).
    """
    path = Path(path)
    architecture_figure(items).savefig(path, format="png")
    return path


def architecture_figure(items: Sequence[tuple[str, ArchitectureSpec]]) -> Figure:
    """The figure ``draw_architectures`` saves (same errors)."""
    resolved = [(title, _nodes(spec)) for title, spec in items]
    width = max([6.0] + [0.34 * len(nodes) + 1.6 for _, nodes in resolved])
    fig = Figure(figsize=(width, 2.5 * max(1, len(resolved)) + 0.4), dpi=DPI)
    if not resolved:
        fig.text(0.5, 0.5, "no architectures to draw", ha="center", va="center")
    low = min([2] + [node.level for _, nodes in resolved for node in nodes])
    for row, (title, nodes) in enumerate(resolved):
        ax = fig.add_subplot(len(resolved), 1, row + 1)
        _draw_panel(ax, title, nodes, low)
        if row == 0:
            ax.legend(handles=_legend_handles(), loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    fig.tight_layout()
    return fig


def _nodes(spec: ArchitectureSpec) -> tuple[Node, ...]:
    if not isinstance(spec, SpineNetSpec):
        raise ValueError(f"cannot draw {spec.name!r}: only SpineNet specs (stem + scale-permuted blocks) are drawn")
    # Merging of dangling blocks depends on sizes and widths; the default
    # scaling (640 px) gives every level its own size, as the search uses.
    return resolve(validate(spec), Scaling())


def _draw_panel(ax, title: str, nodes: tuple[Node, ...], low: int) -> None:
    num_stem = sum(1 for node in nodes if node.block is None)
    ax.axvspan(-0.5, num_stem - 0.5, color="0.94", zorder=0)
    ax.text((num_stem - 1) / 2, MAX_BLOCK_LEVEL + 0.45, "stem", ha="center", va="center", fontsize="small", color="0.4")
    for node in nodes:
        _draw_edges(ax, node, nodes)
    for node in nodes:
        _draw_node(ax, node)
    used = sum(1 for node in nodes if node.used)
    ax.set_title(f"{title}   ({used}/{len(nodes)} blocks built)", fontsize="medium", loc="left")
    ax.set_xlim(-0.7, len(nodes) - 0.3)
    ax.set_ylim(low - 0.6, MAX_BLOCK_LEVEL + 0.8)
    ax.set_yticks(range(low, MAX_BLOCK_LEVEL + 1), [f"L{level}" for level in range(low, MAX_BLOCK_LEVEL + 1)])
    ax.set_xticks(range(len(nodes)), [str(i) for i in range(len(nodes))], fontsize=6)
    ax.set_xlabel("net index (build order)", fontsize="small")
    ax.grid(axis="y", alpha=0.25)


def _draw_edges(ax, node: Node, nodes: tuple[Node, ...]) -> None:
    color = EDGE if node.used else UNUSED
    edges = [(p, "solid", 0.9) for p in node.parents] + [(m, "dashed", 0.9) for m in node.merged]
    if node.stem_input is not None:
        edges.append((node.stem_input, "solid", 0.5))
    for source, style, width in edges:
        start = (nodes[source].index, nodes[source].level)
        # Arcs rather than straight lines, so edges along one level do not
        # run through the blocks between their ends.
        ax.add_patch(FancyArrowPatch(
            start, (node.index, node.level), arrowstyle="-|>", mutation_scale=7, shrinkA=4, shrinkB=5,
            connectionstyle="arc3,rad=-0.2", color=color, linestyle=style, linewidth=width, zorder=1,
        ))


def _draw_node(ax, node: Node) -> None:
    face = COLORS[node.block_fn] if node.used else UNUSED
    edge = "black" if node.is_endpoint else ("0.6" if not node.used else face)
    ax.scatter([node.index], [node.level], s=60, marker=MARKERS[node.block_fn], facecolors=face,
               edgecolors=edge, linewidths=2.0 if node.is_endpoint else 0.8, zorder=3)
    if node.is_endpoint:
        ax.text(node.index, node.level + 0.32, f"P{node.level}", ha="center", va="bottom", fontsize=7,
                fontweight="bold", zorder=4)
    elif node.is_output:  # an output outside min_level..max_level, e.g. TF's extra L2 block
        ax.text(node.index, node.level - 0.3, f"L{node.level} out", ha="center", va="top", fontsize=6, color="0.5")


def _legend_handles() -> list[Line2D]:
    def marker(label: str, shape: str, face: str, edge: str, width: float = 0.8) -> Line2D:
        return Line2D([], [], linestyle="none", marker=shape, markersize=7, markerfacecolor=face,
                      markeredgecolor=edge, markeredgewidth=width, label=label)

    return [
        marker("bottleneck", "s", COLORS["bottleneck"], COLORS["bottleneck"]),
        marker("residual", "o", COLORS[RESIDUAL], COLORS[RESIDUAL]),
        marker("output (P3..P7)", "s", "white", "black", 2.0),
        marker("unused (not built)", "s", UNUSED, "0.6"),
        Line2D([], [], color=EDGE, linestyle="dashed", label="raw add (dangling)"),
    ]
