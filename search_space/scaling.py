"""Scalings: how wide, how deep and at what input size a spec is built.

One spec is built at many sizes (SpineNet-49S/49/96/143/143L/190, and the
search proxy). A ``Scaling`` holds everything besides the architecture:
backbone widths (``filter_size_scale``, ``endpoints_num_filters``,
``resample_alpha``, ``block_repeats``), the RetinaNet head (convs x filters),
the input size and the anchor size. Values are those of TF Model Garden's
``SCALING_MAP`` and the TPU RetinaNet configs (``spinenet.md`` §2).
"""

from __future__ import annotations

import dataclasses

from search_space.errors import SpecError

# Width C (the 3x3 conv width) of a block at each level; bottleneck output is 4C.
FILTER_SIZE_MAP = {1: 32, 2: 64, 3: 128, 4: 256, 5: 256, 6: 256, 7: 256}
MIN_BLOCK_LEVEL = min(FILTER_SIZE_MAP)
MAX_BLOCK_LEVEL = max(FILTER_SIZE_MAP)
STEM_CONV_FILTERS = 64  # never scaled (spinenet.md §3.1, §7.2)


def block_filters(level: int, filter_size_scale: float) -> int:
    """The scaled width C of a block, as ``int(FILTER_SIZE_MAP[level] * scale)``."""
    return int(FILTER_SIZE_MAP[level] * filter_size_scale)


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

    def replace(self, **changes) -> "Scaling":
        return dataclasses.replace(self, **changes)


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
}


def get_scaling(name: str) -> Scaling:
    """A named scaling; the name is case-insensitive ('49s' == '49S')."""
    by_lower = {key.lower(): value for key, value in SCALINGS.items()}
    try:
        return by_lower[name.lower()]
    except KeyError:
        raise SpecError(f"unknown variant {name!r}; choose one of {sorted(SCALINGS)}") from None
