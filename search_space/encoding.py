"""Decision sequences to specs and back.

``decode`` turns a valid decision sequence into a ``SpineNetSpec`` that always
passes ``validate``. ``encode`` is its inverse on the specs a space contains:
``decode(space, encode(space, spec)) == spec``; a spec outside the space is
refused with a ``SpecError`` naming the block and the decision that cannot be
made.

With level adjustment several decision sequences can build the same spec (a
base L3 block moved +1 and a base L4 block left alone are both L4). ``encode``
returns the lexicographically smallest of them, so ``encode(decode(d)) == d``
holds exactly for canonical ``d``; ``canonical_decisions`` maps any sequence
to its canonical one. Without level adjustment every spec has one sequence.
"""

from __future__ import annotations

from typing import Sequence

from search_space.errors import SpecError
from search_space.masks import MaskWalker, tables_for
from search_space.space import (
    BLOCK_FN,
    INTERMEDIATE_LEVEL,
    LEVEL_OFFSET,
    OUTPUT_LEVEL,
    PARENT_0,
    PARENT_1,
    SearchSpace,
)
from search_space.spec import BlockSpec, SpineNetSpec
from search_space.validation import validate

Decisions = tuple[int, ...]


def check_decisions(space: SearchSpace, decisions: Sequence[int]) -> Decisions:
    """Returns ``decisions`` as a tuple of ints if every choice is valid, else raises ``SpecError``."""
    decisions = tuple(int(d) for d in decisions)
    if len(decisions) != space.num_steps:
        raise SpecError(
            f"space {space.name!r} takes {space.num_steps} decisions per sample, got {len(decisions)}"
        )
    walker = MaskWalker(tables_for(space))
    for step, choice in zip(space.steps, decisions):
        mask = walker.mask()
        if not 0 <= choice < len(mask) or not mask[choice]:
            valid = [int(c) for c in mask.nonzero()[0]]
            raise SpecError(
                f"{step.describe()}: choice {choice} is not valid here; valid choices are {valid} "
                f"meaning {[step.values[c] for c in valid]}"
            )
        walker.advance(choice)
    return decisions


def decode(space: SearchSpace, decisions: Sequence[int], name: str | None = None) -> SpineNetSpec:
    """The spec a decision sequence builds; raises ``SpecError`` on an invalid sequence.

    Args:
      space: the space the decisions belong to.
      decisions: one int per ``space.steps`` entry.
      name: the spec's name; defaults to the space's name.
    """
    decisions = check_decisions(space, decisions)
    chosen: list[dict[str, object]] = [{} for _ in range(space.num_blocks)]
    for step, choice in zip(space.steps, decisions):
        chosen[step.block][step.kind] = step.values[choice]
    blocks = []
    for k, values in enumerate(chosen):
        is_output = k >= space.num_intermediate
        if is_output:
            level = values[OUTPUT_LEVEL]
        else:
            level = values[INTERMEDIATE_LEVEL] + values.get(LEVEL_OFFSET, 0)
        blocks.append(
            BlockSpec(
                level=level,
                block_fn=values.get(BLOCK_FN, space.block_fns[0]),
                parents=(values[PARENT_0], values[PARENT_1]),
                is_output=is_output,
            )
        )
    spec = SpineNetSpec(
        blocks=tuple(blocks),
        stem=space.stem,
        min_level=space.min_level,
        max_level=space.max_level,
        name=space.name if name is None else name,
    )
    return validate(spec)


def encode(space: SearchSpace, spec: SpineNetSpec) -> Decisions:
    """The canonical decision sequence that builds ``spec`` in ``space``.

    Raises:
      SpecError: if ``spec`` is not in ``space``; the message names the block
        and the decision that is impossible.
    """
    _check_shape(space, spec)
    bases = _assign_bases(space, spec)
    decisions: list[int] = []
    for step in space.steps:
        block = spec.blocks[step.block]
        where = f"block {step.block} (net[{space.num_stem + step.block}])"
        if step.kind == INTERMEDIATE_LEVEL:
            value = bases[step.block]
        elif step.kind == LEVEL_OFFSET:
            value = block.level - bases[step.block]
        elif step.kind == OUTPUT_LEVEL:
            value = block.level
        elif step.kind == BLOCK_FN:
            value = block.block_fn
        else:
            value = _parent(space, block, step.kind, step.block, where)
        if value not in step.values:
            raise SpecError(
                f"{where}: {step.kind} {value!r} is not a choice of space {space.name!r}; "
                f"choices are {list(step.values)}"
            )
        decisions.append(step.values.index(value))
    return check_decisions(space, decisions)


def canonical_decisions(space: SearchSpace, decisions: Sequence[int]) -> Decisions:
    """The canonical sequence building the same spec as ``decisions``."""
    return encode(space, decode(space, decisions))


def _check_shape(space: SearchSpace, spec: SpineNetSpec) -> None:
    if not isinstance(spec, SpineNetSpec):
        raise SpecError(f"space {space.name!r} holds SpineNet specs, got {type(spec).__name__}")
    validate(spec)
    if spec.stem != space.stem:
        raise SpecError(
            f"stem {list(spec.stem.levels)} differs from space {space.name!r}'s stem {list(space.stem.levels)}"
        )
    if (spec.min_level, spec.max_level) != (space.min_level, space.max_level):
        raise SpecError(
            f"outputs L{spec.min_level}..L{spec.max_level} differ from the space's "
            f"L{space.min_level}..L{space.max_level}"
        )
    if len(spec.blocks) != space.num_blocks:
        raise SpecError(
            f"spec has {len(spec.blocks)} blocks; space {space.name!r} has {space.num_intermediate} "
            f"intermediate + {space.num_output} output = {space.num_blocks}"
        )
    for k, block in enumerate(spec.blocks):
        if block.block_fn not in space.block_fns:
            raise SpecError(
                f"block {k}: block_fn {block.block_fn!r} is not a choice of space {space.name!r}, "
                f"whose block types are {list(space.block_fns)}"
            )
        expected = k >= space.num_intermediate
        if block.is_output != expected:
            raise SpecError(
                f"block {k}: is_output={block.is_output}, but in space {space.name!r} blocks "
                f"0..{space.num_intermediate - 1} are intermediate and the last {space.num_output} are outputs"
            )


def _parent(space: SearchSpace, block: BlockSpec, kind: str, k: int, where: str) -> int:
    p0, p1 = block.parents
    if p0 > p1:
        raise SpecError(
            f"{where}: parents {list(block.parents)} are not ascending; the space lists the unordered "
            f"pair ascending, so write {[p1, p0]} (the same network: parents are summed)"
        )
    parent = p0 if kind == PARENT_0 else p1
    candidates = space.parent_candidates(k)
    if parent not in candidates:
        rule = "any earlier block" if space.parent_window is None or k >= space.num_intermediate else (
            f"the {space.num_stem} stem blocks and the last {space.parent_window} blocks built"
        )
        raise SpecError(
            f"{where}: {kind} net[{parent}] is outside its candidates {list(candidates)} ({rule})"
        )
    return parent


def _assign_bases(space: SearchSpace, spec: SpineNetSpec) -> list[int]:
    """Base levels of the intermediate blocks, lexicographically smallest feasible.

    Depth-first over blocks, trying bases in ascending order, with a memo of
    (block, bases left) states known to fail: at most ``n * #states`` work.
    """
    counts = tuple(space.intermediate_levels.count(b) for b in space.base_levels)
    levels = [spec.blocks[k].level for k in range(space.num_intermediate)]
    options = [[b for b in space.base_levels if level - b in space.valid_offsets(b)] for level in levels]
    for k, opts in enumerate(options):
        if not opts:
            raise SpecError(
                f"block {k} (net[{space.num_stem + k}]): level {levels[k]} is unreachable: base levels "
                f"{list(space.base_levels)} with offsets {list(space.level_offsets)} in "
                f"L{space.level_range[0]}..L{space.level_range[1]} cannot give it"
            )
    failed: set[tuple[int, tuple[int, ...]]] = set()
    deepest = [0]

    def search(k: int, left: tuple[int, ...]) -> list[int] | None:
        deepest[0] = max(deepest[0], k)
        if k == len(levels):
            return []
        if (k, left) in failed:
            return None
        for base in options[k]:
            i = space.base_levels.index(base)
            if left[i]:
                rest = search(k + 1, left[:i] + (left[i] - 1,) + left[i + 1:])
                if rest is not None:
                    return [base] + rest
        failed.add((k, left))
        return None

    bases = search(0, counts)
    if bases is None:
        k = deepest[0]
        raise SpecError(
            f"block {k} (net[{space.num_stem + k}]): intermediate_level cannot be chosen: the "
            f"intermediate levels {levels} cannot all be made from the allocation "
            f"{list(space.intermediate_levels)} with offsets {list(space.level_offsets)}"
        )
    return bases
