"""Built-in architectures, by name.

* ``spinenet-49``: the 15-block list of the paper and of the TPU repository
  (``spinenet.md`` §1.1). TF Model Garden's 16-block list, whose extra L2
  output block is unused, is ``spinenet-49-tf16``: the same network.
* ``r50-fpn``: ResNet-50 + FPN, the paper's Table 3 reference point.
* ``spinenet-49-mobile``: Mobile SpineNet's 16 MBConv blocks (the paper's
  Appendix A; TF Model Garden's ``spinenet_mobile.py``), SpineNet-49's
  permutation with an L1 MBConv stem block in front, so every parent index is
  one higher. ``spinenet-49s-mobile`` and ``spinenet-49xs-mobile`` are the same
  blocks at smaller scalings.

Scalings (49S, 49, ..., proxy, 49-mobile, ...) are separate: see ``search_space.scaling``.
"""

from __future__ import annotations

from search_space.errors import SpecError
from search_space.serialization import spec_from_tuples
from search_space.spec import ArchitectureSpec, ResNetFpnSpec

SPINENET_49_BLOCK_SPECS = [
    (2, "bottleneck", (0, 1), False),
    (4, "residual", (0, 1), False),
    (3, "bottleneck", (2, 3), False),
    (4, "bottleneck", (2, 4), False),
    (6, "residual", (3, 5), False),
    (4, "bottleneck", (3, 5), False),
    (5, "residual", (6, 7), False),
    (7, "residual", (6, 8), False),
    (5, "bottleneck", (8, 9), False),
    (5, "bottleneck", (8, 10), False),
    (4, "bottleneck", (5, 10), True),
    (3, "bottleneck", (4, 10), True),
    (5, "bottleneck", (7, 12), True),
    (7, "bottleneck", (5, 14), True),
    (6, "bottleneck", (12, 14), True),
]

# TF Model Garden appends an L2 output block; with outputs L3-L7 it is unused.
TF_MODEL_GARDEN_EXTRA_BLOCK = (2, "bottleneck", (2, 13), True)

SPINENET_49 = spec_from_tuples(SPINENET_49_BLOCK_SPECS, name="spinenet-49")
SPINENET_49_TF16 = spec_from_tuples(
    SPINENET_49_BLOCK_SPECS + [TF_MODEL_GARDEN_EXTRA_BLOCK], name="spinenet-49-tf16"
)
R50_FPN = ResNetFpnSpec(blocks_per_level=(3, 4, 6, 3), name="r50-fpn")

SPINENET_49_MOBILE_BLOCK_SPECS = [
    (2, "mbconv", (0, 1), False),
    (2, "mbconv", (1, 2), False),
    (4, "mbconv", (1, 2), False),
    (3, "mbconv", (3, 4), False),
    (4, "mbconv", (3, 5), False),
    (6, "mbconv", (4, 6), False),
    (4, "mbconv", (4, 6), False),
    (5, "mbconv", (7, 8), False),
    (7, "mbconv", (7, 9), False),
    (5, "mbconv", (9, 10), False),
    (5, "mbconv", (9, 11), False),
    (4, "mbconv", (6, 11), True),
    (3, "mbconv", (5, 11), True),
    (5, "mbconv", (8, 13), True),
    (7, "mbconv", (6, 15), True),
    (6, "mbconv", (13, 15), True),
]
SPINENET_49_MOBILE = spec_from_tuples(SPINENET_49_MOBILE_BLOCK_SPECS, name="spinenet-49-mobile")

BUILTIN_SPECS: dict[str, ArchitectureSpec] = {
    spec.name: spec for spec in (SPINENET_49, SPINENET_49_TF16, R50_FPN, SPINENET_49_MOBILE)
}

# SpineNet-49S/96/... are SpineNet-49 at another scaling (49S/49XS-mobile: Mobile SpineNet-49's blocks):
# accept those names and report which scaling they imply.
VARIANT_ALIASES = {
    "spinenet-49s": "49S",
    "spinenet-49": "49",
    "spinenet-96": "96",
    "spinenet-143": "143",
    "spinenet-143l": "143L",
    "spinenet-190": "190",
    "spinenet-49-mobile": "49-mobile",
    "spinenet-49s-mobile": "49S-mobile",
    "spinenet-49xs-mobile": "49XS-mobile",
}


def get_builtin(name: str) -> ArchitectureSpec:
    """A built-in spec by (case-insensitive) name; ``spinenet-96`` etc. give SpineNet-49's blocks."""
    key = name.lower()
    if key in BUILTIN_SPECS:
        return BUILTIN_SPECS[key]
    if key in VARIANT_ALIASES:
        return SPINENET_49_MOBILE if key.endswith("-mobile") else SPINENET_49
    known = sorted(set(BUILTIN_SPECS) | set(VARIANT_ALIASES))
    raise SpecError(f"unknown architecture {name!r}; give a JSON/.py spec file or one of {known}")


def implied_variant(name: str) -> str | None:
    """The scaling a built-in name implies ('spinenet-96' -> '96'), if any."""
    return VARIANT_ALIASES.get(name.lower())


def default_variant(spec: ArchitectureSpec) -> str:
    """The scaling a spec is described at when none is named: SpineNet-49's, or Mobile SpineNet-49's."""
    return "49-mobile" if getattr(spec, "is_mobile", False) else "49"
