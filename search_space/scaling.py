"""Scalings: how wide, how deep and at what input size a spec is built.

One spec is built at many sizes (SpineNet-49S/49/96/143/143L/190, and the
search proxy). A ``Scaling`` holds everything besides the architecture:
backbone widths (``filter_size_scale``, ``endpoints_num_filters``,
``resample_alpha``, ``block_repeats``, and for MBConv blocks the expansion and
squeeze-and-excitation ratios), the RetinaNet head (convs x filters, separable
convs or not), the input size and the anchor size. Values are those of TF Model
Garden's ``SCALING_MAP`` (Mobile SpineNet's too) and the TPU and TF Model Garden
RetinaNet configs (``spinenet.md`` §2).
"""

from __future__ import annotations

import dataclasses

from search_space.errors import SpecError
from search_space.mbconv import MBConvSettings

# Width C (the 3x3 conv width) of a block at each level; bottleneck output is 4C.
FILTER_SIZE_MAP = {1: 32, 2: 64, 3: 128, 4: 256, 5: 256, 6: 256, 7: 256}
MIN_BLOCK_LEVEL = min(FILTER_SIZE_MAP)
MAX_BLOCK_LEVEL = max(FILTER_SIZE_MAP)
STEM_CONV_FILTERS = 64  # never scaled (spinenet.md §3.1, §7.2)
# Mobile SpineNet's block widths (its output width: MBConv keeps C); "level 0" is its stem conv.
MOBILE_FILTER_SIZE_MAP = {0: 8, 1: 16, 2: 24, 3: 40, 4: 80, 5: 112, 6: 112, 7: 112}


def block_filters(level: int, filter_size_scale: float, mobile: bool = False) -> int:
    """The scaled width C of a block, as ``int(FILTER_SIZE_MAP[level] * scale)`` (the mobile map if ``mobile``)."""
    return int((MOBILE_FILTER_SIZE_MAP if mobile else FILTER_SIZE_MAP)[level] * filter_size_scale)


def stem_conv(mobile: bool, filter_size_scale: float) -> tuple[int, int]:
    """Kernel size and filters of the stem conv: 7x7 and 64 (then a max pool), or Mobile SpineNet's scaled 3x3."""
    return (3, block_filters(0, filter_size_scale, mobile=True)) if mobile else (7, STEM_CONV_FILTERS)


@dataclasses.dataclass(frozen=True)
class Scaling:
    """Everything but the architecture that fixes a model's size and cost."""

    filter_size_scale: float = 1.0
    endpoints_num_filters: int = 256
    resample_alpha: float = 0.5
    block_repeats: int = 1
    head_num_convs: int = 4
    head_num_filters: int = 256
    input_size: int = 640
    anchor_size: float = 3.0
    mbconv_expand_ratio: int = 6
    mbconv_se_ratio: float = 0.2
    head_separable: bool = False

    def replace(self, **changes) -> "Scaling":
        return dataclasses.replace(self, **changes)

    def mbconv(self) -> MBConvSettings:
        """How MBConv blocks are built at this scaling (3x3 depthwise kernels, as in Mobile SpineNet)."""
        return MBConvSettings(self.mbconv_expand_ratio, 3, self.mbconv_se_ratio)


SCALINGS: dict[str, Scaling] = {
    "49S": Scaling(0.65, 128, 0.5, 1, 4, 128, 640, 3.0),
    "49": Scaling(1.0, 256, 0.5, 1, 4, 256, 640, 3.0),
    "96": Scaling(1.0, 256, 0.5, 2, 4, 256, 1024, 3.0),
    "143": Scaling(1.0, 256, 1.0, 3, 4, 256, 1280, 4.0),
    "143L": Scaling(1.3, 256, 1.0, 3, 4, 256, 1280, 4.0),
    "190": Scaling(1.3, 512, 1.0, 4, 7, 512, 1280, 4.0),
    # The paper's search proxy (§5.1): SpineNet-49 scaled by 0.25, alpha 0.25,
    # endpoints and head 64, 512 px.
    "proxy": Scaling(0.25, 64, 0.25, 1, 4, 64, 512, 3.0),
    # Mobile SpineNet (TF Model Garden's mobile SCALING_MAP and RetinaNet configs); alpha is unused there.
    "49-mobile": Scaling(1.0, 48, 0.5, 1, 4, 48, 384, 3.0, head_separable=True),
    "49S-mobile": Scaling(0.65, 40, 0.5, 1, 4, 40, 384, 3.0, head_separable=True),
    "49XS-mobile": Scaling(0.6, 24, 0.5, 1, 4, 24, 256, 3.0, head_separable=True),
}


def get_scaling(name: str) -> Scaling:
    """A named scaling; the name is case-insensitive ('49s' == '49S')."""
    by_lower = {key.lower(): value for key, value in SCALINGS.items()}
    try:
        return by_lower[name.lower()]
    except KeyError:
        raise SpecError(f"unknown variant {name!r}; choose one of {sorted(SCALINGS)}") from None
