"""A canonical hash of a spec: equal for specs that build the same network.

Decisions, spec block order and parent order are all ways of *reaching* an
architecture; the hash is of what is built. It is a Merkle hash of the
resolved graph (``search_space.network_graph``) restricted to the nodes the
endpoints use: a node's digest covers its level, block type and the sorted
digests of its resampled parents and of the dangling blocks merged into it;
the spec's digest covers the stem, the output levels, the endpoint digests by
level and the multiset of all used nodes' digests (so two copies of a block
count twice). Hence:

* parents listed in either order hash equally (they are summed);
* output blocks built in another order, unused blocks and the spec's name do
  not change the hash (the Flax model builds only used nodes);
* any change of a used block's level, type or inputs does.

NOTE(reproduction): stochastic depth scales block k's drop rate by
(k+1)/len(blocks), so under stochastic depth two specs with equal hashes may
train with slightly different drop rates. The search proxy does not use it.
"""

from __future__ import annotations

import hashlib

from search_space.network_graph import Node, resolve
from search_space.scaling import Scaling
from search_space.spec import ArchitectureSpec, ResNetFpnSpec
from search_space.validation import validate

# Merging of dangling blocks depends on sizes and channel counts; at a 640
# input every level has its own size, which is the case the search uses.
_RESOLVE_SCALING = Scaling()


def _digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def node_digests(nodes: tuple[Node, ...]) -> dict[int, str]:
    """The Merkle digest of every used node of a resolved spec, by ``net`` index."""
    digests: dict[int, str] = {}
    for node in nodes:  # ``net`` order is topological: parents come first
        if node.used:
            digests[node.index] = _node_digest(node, digests)
    return digests


def _node_digest(node: Node, digests: dict[int, str]) -> str:
    if node.block is None:  # a stem group: fixed by its position in the stem
        return _digest("stem", node.index, node.level)
    return _digest(
        node.level,
        node.block_fn,
        tuple(sorted(digests[p] for p in node.parents)),
        tuple(sorted(digests[m] for m in node.merged)),
    )


def spec_hash(spec: ArchitectureSpec) -> str:
    """A hex digest identifying the network ``spec`` builds (see module docstring).

    A ResNet-FPN is identified by what builds it (its block counts and levels; not its name).
    """
    if isinstance(spec, ResNetFpnSpec):
        return _digest("resnet_fpn", spec.blocks_per_level, spec.min_level, spec.max_level)
    nodes = resolve(validate(spec), _RESOLVE_SCALING)
    digests = node_digests(nodes)
    endpoints = tuple(
        (node.level, digests[node.index]) for node in sorted(nodes, key=lambda n: n.level) if node.is_endpoint
    )
    return _digest(spec.stem.levels, spec.min_level, spec.max_level, endpoints, tuple(sorted(digests.values())))
