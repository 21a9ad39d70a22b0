"""Search spaces as data: what a searcher decides, and in which order.

A ``SearchSpace`` is a frozen, hashable value (paper §3.1, ``spinenet.md`` §5.1):
a stem whose blocks are candidate parents, a multiset of intermediate block
levels, one output block per level in ``output_levels`` and the enabled
adjustments. A sample of the space is a flat tuple of ints, one per
``DecisionStep``; ``search_space.encoding`` turns it into a ``SpineNetSpec``
and back, ``search_space.masks`` says which choices are valid at each step.

Decision order. Intermediate blocks come first, then output blocks. The paper
fixes the whole permutation before the connections; here each block's level
comes right before its connections instead: the same set of samples, in an
order where the controller knows a block's level when it picks its parents.
Per intermediate block ``k``::

    intermediate_level  which level of the multiset it takes (a distinct level)
    level_offset        only if len(level_offsets) > 1
    block_fn            only if len(block_fns) > 1
    parent_0, parent_1  net indices, parent_0 < parent_1

Per output block: ``output_level``, ``block_fn`` (if enabled), ``parent_0``,
``parent_1``. A choice of a level step is an index into the distinct levels of
its pool; a parent choice is the ``net`` index itself.

NOTE(reproduction): the paper counts the scale permutation as (N-5)!·5!, i.e.
blocks of the same level as distinct. Two orderings that only swap same-level
blocks build the same network, so here a permutation step picks a *level*,
not a block: each distinct ordering has exactly one decision sequence.
``search_space.space_size`` gives both the paper's count and ours.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Sequence

from search_space.errors import SpecError
from search_space.scaling import MAX_BLOCK_LEVEL, MIN_BLOCK_LEVEL
from search_space.spec import BLOCK_FNS, BOTTLENECK, StemSpec

INTERMEDIATE_LEVEL = "intermediate_level"
LEVEL_OFFSET = "level_offset"
BLOCK_FN = "block_fn"
PARENT_0 = "parent_0"
PARENT_1 = "parent_1"
OUTPUT_LEVEL = "output_level"
STEP_KINDS = (INTERMEDIATE_LEVEL, LEVEL_OFFSET, BLOCK_FN, PARENT_0, PARENT_1, OUTPUT_LEVEL)

PAPER_LEVEL_OFFSETS = (-1, 0, 1, 2)


@dataclasses.dataclass(frozen=True)
class DecisionStep:
    """One decision of a sample.

    Attributes:
      index: position in the decision sequence.
      kind: one of ``STEP_KINDS``.
      block: the spec block index the decision belongs to.
      values: what each choice means (a level, an offset, a block type or a
        ``net`` index); ``len(values)`` is the number of choices.
    """

    index: int
    kind: str
    block: int
    values: tuple

    @property
    def num_choices(self) -> int:
        return len(self.values)

    def describe(self) -> str:
        return f"step {self.index} ({self.kind} of block {self.block})"


@dataclasses.dataclass(frozen=True)
class SearchSpace:
    """A SpineNet search space.

    Attributes:
      name: a label, also the default name of decoded specs.
      stem: the fixed stem; all its blocks are candidate parents.
      intermediate_levels: the multiset of base levels of the intermediate
        blocks (stored sorted; order is what the search decides).
      output_levels: one output block per level, contiguous, e.g. L3..L7.
      parent_window: an intermediate block chooses its parents among the stem
        blocks and the last ``parent_window`` scale-permuted blocks built
        before it (paper §5.1: 5); None means all earlier blocks. Output blocks
        always choose among all earlier blocks.
      level_offsets: adjustments added to an intermediate block's base level;
        ``(0,)`` disables level adjustment, ``(-1, 0, 1, 2)`` is the paper's.
      block_fns: candidate block types of every block; one entry disables the
        type adjustment.
      level_range: the levels an adjusted intermediate block may end at.
    """

    name: str
    stem: StemSpec
    intermediate_levels: tuple[int, ...]
    output_levels: tuple[int, ...] = (3, 4, 5, 6, 7)
    parent_window: int | None = 5
    level_offsets: tuple[int, ...] = (0,)
    block_fns: tuple[str, ...] = (BOTTLENECK,)
    level_range: tuple[int, int] = (MIN_BLOCK_LEVEL, MAX_BLOCK_LEVEL)

    def __post_init__(self):
        object.__setattr__(self, "intermediate_levels", tuple(sorted(self.intermediate_levels)))
        for field in ("output_levels", "level_offsets", "block_fns", "level_range"):
            object.__setattr__(self, field, tuple(getattr(self, field)))
        _check_space(self)

    @property
    def num_stem(self) -> int:
        return len(self.stem.levels)

    @property
    def num_intermediate(self) -> int:
        return len(self.intermediate_levels)

    @property
    def num_output(self) -> int:
        return len(self.output_levels)

    @property
    def num_blocks(self) -> int:
        return self.num_intermediate + self.num_output

    @property
    def min_level(self) -> int:
        return self.output_levels[0]

    @property
    def max_level(self) -> int:
        return self.output_levels[-1]

    @property
    def base_levels(self) -> tuple[int, ...]:
        """The distinct intermediate levels: the choices of an ``intermediate_level`` step."""
        return tuple(sorted(set(self.intermediate_levels)))

    def parent_candidates(self, block: int) -> tuple[int, ...]:
        """The ``net`` indices block ``block`` may take as parents, ascending.

        NOTE(reproduction): the paper's rule (§5.1), "the last 5 built blocks",
        counts scale-permuted blocks only, and the stem blocks are always
        candidates. Vertex AI NAS instead slides the window over all of ``net``
        (stem included) and uses 4; ``parent_window=None`` gives the paper's
        unrestricted §3.1 space.
        """
        net_index = self.num_stem + block
        if block >= self.num_intermediate or self.parent_window is None:
            return tuple(range(net_index))
        first_recent = max(self.num_stem, net_index - self.parent_window)
        return tuple(range(self.num_stem)) + tuple(range(first_recent, net_index))

    def valid_offsets(self, base_level: int) -> tuple[int, ...]:
        """Offsets that keep ``base_level`` inside ``level_range``.

        NOTE(reproduction): the paper does not say what happens when an
        adjustment leaves the supported levels. Such offsets are masked (never
        sampled), not clamped: clamping would give two offsets the same
        meaning and skew the controller's distribution towards the boundary.
        With the default range L1..L7 (the levels the spec language supports,
        as Vertex AI NAS, which allows L1) nothing in the built-in spaces is
        masked: base levels 2..5 with offsets -1..+2 give L1..L7.
        """
        low, high = self.level_range
        return tuple(o for o in self.level_offsets if low <= base_level + o <= high)

    @functools.cached_property
    def steps(self) -> tuple[DecisionStep, ...]:
        """The decision steps, in the order a sample lists them."""
        rows: list[tuple[str, int, tuple]] = []
        for block in range(self.num_blocks):
            if block < self.num_intermediate:
                rows.append((INTERMEDIATE_LEVEL, block, self.base_levels))
                if len(self.level_offsets) > 1:
                    rows.append((LEVEL_OFFSET, block, self.level_offsets))
            else:
                rows.append((OUTPUT_LEVEL, block, self.output_levels))
            if len(self.block_fns) > 1:
                rows.append((BLOCK_FN, block, self.block_fns))
            earlier = tuple(range(self.num_stem + block))
            rows.append((PARENT_0, block, earlier))
            rows.append((PARENT_1, block, earlier))
        return tuple(DecisionStep(i, kind, block, values) for i, (kind, block, values) in enumerate(rows))

    @property
    def num_steps(self) -> int:
        return len(self.steps)

    @property
    def max_choices(self) -> int:
        return max(step.num_choices for step in self.steps)

    def block_steps(self, block: int) -> dict[str, DecisionStep]:
        """The steps of one block, by kind."""
        return {step.kind: step for step in self.steps if step.block == block}


def _check_space(space: SearchSpace) -> None:
    where = f"search space {space.name!r}"
    outputs, levels_ok = list(space.output_levels), range(MIN_BLOCK_LEVEL, MAX_BLOCK_LEVEL + 1)
    if not outputs or outputs != list(range(outputs[0], outputs[0] + len(outputs))):
        raise SpecError(f"{where}: output_levels {outputs} must be ascending and contiguous, e.g. [3, 4, 5, 6, 7]")
    low, high = space.level_range
    if not (low in levels_ok and high in levels_ok and low <= high):
        raise SpecError(
            f"{where}: level_range {list(space.level_range)} must lie within "
            f"L{MIN_BLOCK_LEVEL}..L{MAX_BLOCK_LEVEL}"
        )
    for level in space.output_levels + space.intermediate_levels:
        if level not in levels_ok:
            raise SpecError(f"{where}: level {level} is outside L{MIN_BLOCK_LEVEL}..L{MAX_BLOCK_LEVEL}")
    if len(set(space.level_offsets)) != len(space.level_offsets) or 0 not in space.level_offsets:
        raise SpecError(f"{where}: level_offsets {list(space.level_offsets)} must be distinct and include 0")
    fns = space.block_fns
    if not fns or any(fn not in BLOCK_FNS for fn in fns) or len(set(fns)) != len(fns):
        raise SpecError(f"{where}: block_fns {list(fns)} must be distinct entries of {list(BLOCK_FNS)}")
    if space.parent_window is not None and space.parent_window < 1:
        raise SpecError(
            f"{where}: parent_window {space.parent_window} must be >= 1, or None for all earlier blocks"
        )
    if space.num_stem < 2:
        raise SpecError(f"{where}: the stem needs at least 2 blocks (the first block takes two distinct parents)")
    for base in space.base_levels:
        if not space.valid_offsets(base):
            raise SpecError(
                f"{where}: base level {base} cannot reach level_range L{low}..L{high} with offsets "
                f"{list(space.level_offsets)}; widen level_range or change the allocation"
            )


def space_from_allocation(
    name: str,
    stem_allocation: dict[int, int],
    scale_permuted_allocation: dict[int, int] | Sequence[int],
    output_levels: Sequence[int] = (3, 4, 5, 6, 7),
    **options,
) -> SearchSpace:
    """A space from the paper's Table 1 allocation (``spinenet.md`` §4.1).

    Args:
      name: the space's name.
      stem_allocation: stem blocks per level, e.g. ``{2: 2}`` for SpineNet's.
      scale_permuted_allocation: scale-permuted blocks per level, a dict or the
        Table 1 list for L2..L7, e.g. ``(1, 4, 6, 2, 1, 1)``; one block of each
        output level is the output block, the rest are intermediate blocks.
      output_levels: the output levels.
      **options: other ``SearchSpace`` fields.
    """
    if not isinstance(scale_permuted_allocation, dict):
        scale_permuted_allocation = dict(enumerate(scale_permuted_allocation, start=2))
    remaining = dict(scale_permuted_allocation)
    for level in output_levels:
        if remaining.get(level, 0) < 1:
            raise SpecError(
                f"space {name!r}: the allocation {scale_permuted_allocation} has no L{level} block "
                f"for the L{level} output"
            )
        remaining[level] -= 1
    intermediate = tuple(level for level in sorted(remaining) for _ in range(remaining[level]))
    return SearchSpace(
        name=name,
        stem=StemSpec.from_allocation({k: v for k, v in stem_allocation.items() if v}),
        intermediate_levels=intermediate,
        output_levels=tuple(output_levels),
        **options,
    )


def space_to_dict(space: SearchSpace) -> dict:
    """A JSON-able dict of ``space`` (stored with searcher states)."""
    return {
        "name": space.name,
        "stem": list(space.stem.levels),
        "intermediate_levels": list(space.intermediate_levels),
        "output_levels": list(space.output_levels),
        "parent_window": space.parent_window,
        "level_offsets": list(space.level_offsets),
        "block_fns": list(space.block_fns),
        "level_range": list(space.level_range),
    }


def space_from_dict(data: dict) -> SearchSpace:
    """Inverse of ``space_to_dict``."""
    fields = {f.name for f in dataclasses.fields(SearchSpace)}
    unknown = sorted(set(data) - fields)
    if unknown:
        raise SpecError(f"search space: unknown key(s) {unknown}; allowed keys are {sorted(fields)}")
    return SearchSpace(**{**data, "stem": StemSpec(tuple(data["stem"]))})
