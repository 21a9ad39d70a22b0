"""What shapes an MBConv block besides its widths, and the widths inside it (for the model and the cost count).

Mobile SpineNet builds every block with expansion 6, 3x3 depthwise kernels and
squeeze-and-excitation at 0.2 of the input width (TF Model Garden's defaults,
``docs/mobile-spinenet.md``). Its blocks round with ``divisible_by=1``, which
keeps integer widths as they are; the rounding rule is kept whole so that a
divisor other than 1 would round as TF rounds.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class MBConvSettings:
    """Expansion ratio, depthwise kernel size and squeeze-and-excitation ratio (0: none) of MBConv blocks."""

    expand_ratio: int = 6
    kernel_size: int = 3
    se_ratio: float = 0.2


def make_divisible(value: float, divisor: int = 1) -> int:
    """``value`` rounded to a multiple of ``divisor`` (at least ``divisor``), never more than 10% below it."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return int(rounded)


def mbconv_expanded_filters(in_filters: int, expand_ratio: float) -> int:
    """Channels of the depthwise conv: the input width times the expansion ratio."""
    return make_divisible(in_filters * expand_ratio)


def se_reduced_filters(in_filters: int, se_ratio: float) -> int:
    """Channels inside squeeze-and-excitation: a fraction of the block's *input* width, at least 1."""
    return make_divisible(max(1, int(in_filters * se_ratio)))
