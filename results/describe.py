"""The ``describe`` report: a spec's block table, parameters and FLOPs."""

from __future__ import annotations

from search_space.cost import count_cost
from search_space.cost.resnet_fpn_layers import RESNET_LEVELS, resnet_filters
from search_space.network_graph import level_size, resolve
from search_space.scaling import Scaling
from search_space.validation import validate
from search_space.spec import ArchitectureSpec, ResNetFpnSpec, SpineNetSpec
from results.table import render_table


def spinenet_rows(spec: SpineNetSpec, scaling: Scaling) -> list[list[object]]:
    rows = []
    for node in resolve(spec, scaling):
        if node.block is None:
            order, parents = "stem", "stem" if node.stem_input is None else str(node.stem_input)
        else:
            order, parents = str(node.block), ",".join(map(str, node.parents))
            if node.merged:
                parents += " +" + ",".join(map(str, node.merged))
        output = f"P{node.level}" if node.is_endpoint else ("unused" if node.is_output else "")
        rows.append([
            order, node.index, f"L{node.level}", node.block_fn, parents, node.filters, node.channels,
            f"{node.size}x{node.size}", output if node.used else "dead",
        ])
    return rows


def resnet_rows(spec: ResNetFpnSpec, scaling: Scaling) -> list[list[object]]:
    rows = []
    for level, repeats in zip(RESNET_LEVELS, spec.blocks_per_level):
        filters = resnet_filters(level, scaling)
        size = level_size(scaling.input_size, level)
        fpn = f"P{level}" if spec.min_level <= level else ""
        rows.append([f"res_{level}", f"L{level}", f"{repeats} x bottleneck", filters, 4 * filters, f"{size}x{size}", fpn])
    for level in range(6, spec.max_level + 1):
        size = level_size(scaling.input_size, level)
        rows.append([f"fpn/p{level}", f"L{level}", "3x3/2 conv", "", scaling.endpoints_num_filters, f"{size}x{size}", f"P{level}"])
    return rows


def describe(spec: ArchitectureSpec, scaling: Scaling, variant: str, num_classes: int) -> str:
    """The full report as text; raises ``SpecError`` for an invalid spec or input size."""
    validate(spec, scaling.input_size)
    if isinstance(spec, ResNetFpnSpec):
        headers = ["stage", "level", "blocks", "C", "C_out", "resolution", "FPN"]
        table = render_table(headers, resnet_rows(spec, scaling))
        note = "R50-FPN: ResNet bottleneck stages C2..C5, FPN P3..P5 laterally, P6/P7 by 3x3/2 convs."
    else:
        headers = ["block", "net", "level", "type", "parents", "C", "C_out", "resolution", "output"]
        table = render_table(headers, spinenet_rows(spec, scaling))
        note = "parents: net indices of the two resampled inputs; '+k': dangling block k added raw."
    cost = count_cost(spec, scaling, num_classes)
    s = scaling
    # Mobile SpineNet resamples without alpha; its MBConv ratios shape it instead.
    widths = (f"MBConv expansion {s.mbconv_expand_ratio}, SE ratio {s.mbconv_se_ratio}"
              if getattr(spec, "is_mobile", False) else f"resample_alpha {s.resample_alpha}")
    lines = [
        f"{spec.name}  (variant {variant}: filter_size_scale {s.filter_size_scale}, {widths}, "
        f"block_repeats {s.block_repeats}, endpoints {s.endpoints_num_filters}, "
        f"head {s.head_num_convs}x{s.head_num_filters}, input {s.input_size}, anchor_size {s.anchor_size})",
        "",
        table,
        "",
        note,
        "",
        render_table(
            ["", "params", "FLOPs (multiply-adds)"],
            [
                ["backbone", f"{cost.backbone_params:,} ({cost.backbone_params / 1e6:.2f} M)", f"{cost.backbone_madds / 1e9:.2f} B"],
                [f"RetinaNet head ({num_classes} classes)", f"{cost.head_params:,}", f"{cost.head_madds / 1e9:.2f} B"],
                ["RetinaNet total", f"{cost.total_params:,} ({cost.total_params / 1e6:.1f} M)", f"{cost.total_madds / 1e9:.1f} B"],
            ],
        ),
    ]
    return "\n".join(lines)
