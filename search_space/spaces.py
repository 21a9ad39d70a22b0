"""The paper's search spaces, by name (``spinenet.md`` §4.1 Table 1, §5.1).

==============  ==================  =========================  ===========================
name            stem {L2,L3,L4,L5}  scale-permuted {L2..L7}    searched
==============  ==================  =========================  ===========================
r35-sp18        {2,3,5,1}           {1,1,1,1,1,1}              permutations, connections
r23-sp30        {2,2,2,1}           {1,2,4,1,1,1}              permutations, connections
r14-sp39        {1,1,1,1}           {2,3,5,1,1,1}              permutations, connections
r0-sp53         {2,0,0,0}           {1,4,6,2,1,1}              permutations, connections
spinenet-49     {2,0,0,0}           {1,4,6,2,1,1}              + level and type adjustment
==============  ==================  =========================  ===========================

One block of each of L3..L7 is the output block, the rest are intermediate
blocks; e.g. R0-SP53's intermediate levels are {L2:1, L3:3, L4:5, L5:1}.
Intermediate blocks choose parents among the stem and the last 5 blocks built
(paper §5.1). The ``spinenet-49`` space contains SpineNet-49 itself
(``search_space.builtins.SPINENET_49``).
"""

from __future__ import annotations

from search_space.errors import SpecError
from search_space.space import PAPER_LEVEL_OFFSETS, SearchSpace, space_from_allocation
from search_space.spec import BLOCK_FNS

PAPER_PARENT_WINDOW = 5

R35_SP18 = space_from_allocation("r35-sp18", {2: 2, 3: 3, 4: 5, 5: 1}, (1, 1, 1, 1, 1, 1))
R23_SP30 = space_from_allocation("r23-sp30", {2: 2, 3: 2, 4: 2, 5: 1}, (1, 2, 4, 1, 1, 1))
R14_SP39 = space_from_allocation("r14-sp39", {2: 1, 3: 1, 4: 1, 5: 1}, (2, 3, 5, 1, 1, 1))
R0_SP53 = space_from_allocation("r0-sp53", {2: 2}, (1, 4, 6, 2, 1, 1))
SPINENET_49_SPACE = space_from_allocation(
    "spinenet-49",
    {2: 2},
    (1, 4, 6, 2, 1, 1),
    level_offsets=PAPER_LEVEL_OFFSETS,
    block_fns=BLOCK_FNS,
)

BUILTIN_SPACES: dict[str, SearchSpace] = {
    space.name: space for space in (R35_SP18, R23_SP30, R14_SP39, R0_SP53, SPINENET_49_SPACE)
}


def get_space(name: str) -> SearchSpace:
    """A built-in space by (case-insensitive) name, e.g. ``'spinenet-49'`` or ``'R0-SP53'``."""
    key = name.lower()
    if key not in BUILTIN_SPACES:
        raise SpecError(f"unknown search space {name!r}; choose one of {sorted(BUILTIN_SPACES)}")
    return BUILTIN_SPACES[key]
