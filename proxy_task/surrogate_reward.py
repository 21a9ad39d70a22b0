"""A cheap, deterministic surrogate of proxy-task AP over SpineNet specs.

Searchers are compared on it before any GPU is spent. It is no model of COCO;
it is built to have the *kind* of structure detection AP plausibly has over
scale-permuted backbones, with a provable optimum:

* multi-scale fusion: an output block should see several levels, finer and
  coarser than its own, within two hops (FPN-like fusion);
* top-down semantics: the L3 and L4 outputs should have a coarse (>= L6)
  ancestor, worth more when their fusion is rich (an interaction);
* depth: the longer the longest path into an output, the better, up to 10
  blocks (SpineNet-49's outputs sit 10-12 blocks deep);
* resampling hurts: a path that changes level more than 10 times (SpineNet-49
  is at that limit), or a single resampling across more than 2 levels, loses
  AP (each resampling is a lossy 1x1 conv plus interpolation or strided conv),
  so depth must come from same-level blocks: depth and chains interact;
* scale permutation: the intermediate levels should go up and down (the
  paper's point against scale-decreasing backbones);
* cheap blocks where they suffice: residual blocks at L5+ and bottlenecks
  below L5 (the pattern SpineNet-49 shows);
* waste: an intermediate block no output depends on costs AP.

``clean_reward(spec)`` is a sum of these terms; each term has a maximum, so the
sum of maxima bounds the reward, and ``OPTIMUM`` (a spec of the SpineNet-49
search space) attains the bound: ``clean_reward(OPTIMUM) == MAX_REWARD``.
``reward(spec, seed)`` adds evaluation noise that is a deterministic function
of (architecture, seed), as re-evaluating the same trained network would give.
"""

from __future__ import annotations

import hashlib

import numpy as np

from search_space.canonical import spec_hash
from search_space.network_graph import resolve
from search_space.scaling import Scaling
from search_space.serialization import spec_from_tuples
from search_space.spec import RESIDUAL, SpineNetSpec

BASE_AP = 30.0
NOISE_STD = 0.15

FUSION_WEIGHT = 0.6  # x2 parts x5 outputs
TOP_DOWN_WEIGHT = 0.6  # x2 outputs
DEPTH_WEIGHT = 0.4  # x5 outputs, saturating at FULL_DEPTH blocks
FULL_DEPTH = 10
CHAIN_PENALTY = 0.4  # per level change beyond MAX_CHAIN on the worst path into an output
MAX_CHAIN = 10
JUMP_PENALTY = 0.2  # per level beyond MAX_JUMP in one resampling, on used edges
MAX_JUMP = 2
PERMUTATION_WEIGHT = 0.25  # per change of direction of the intermediate levels
MAX_TURNS = 4
BLOCK_FN_WEIGHT = 0.08  # per block
UNUSED_PENALTY = 0.3  # per intermediate block no output depends on

MAX_REWARD = (
    BASE_AP
    + 5 * 2 * FUSION_WEIGHT
    + 2 * TOP_DOWN_WEIGHT
    + 5 * DEPTH_WEIGHT
    + MAX_TURNS * PERMUTATION_WEIGHT
    + 15 * BLOCK_FN_WEIGHT
)

# Found by simulated annealing on ``clean_reward``; it attains every term's
# maximum, so it is a global optimum (tests check it).
OPTIMUM = spec_from_tuples(
    [
        (4, "bottleneck", (0, 1), False),
        (4, "bottleneck", (1, 2), False),
        (2, "bottleneck", (2, 3), False),
        (4, "bottleneck", (0, 2), False),
        (3, "bottleneck", (0, 4), False),
        (3, "bottleneck", (3, 6), False),
        (5, "residual", (3, 5), False),
        (5, "residual", (7, 8), False),
        (7, "residual", (8, 9), False),
        (5, "residual", (7, 10), False),
        (3, "bottleneck", (6, 11), True),
        (4, "bottleneck", (3, 12), True),
        (5, "residual", (10, 13), True),
        (6, "residual", (5, 11), True),
        (7, "residual", (9, 14), True),
    ],
    name="surrogate-optimum",
)


def _graph(spec: SpineNetSpec):
    levels = list(spec.stem.levels) + [b.level for b in spec.blocks]
    parents = [(i - 1,) if i else () for i in range(spec.num_stem)] + [tuple(b.parents) for b in spec.blocks]
    depth, chain, ancestors = [], [], []
    for n, ps in enumerate(parents):
        depth.append(1 + max((depth[p] for p in ps), default=0))
        chain.append(max((chain[p] + (levels[p] != levels[n]) for p in ps), default=0))
        ancestors.append(set().union(*(ancestors[p] | {p} for p in ps)) if ps else set())
    return levels, parents, depth, chain, ancestors


def _fusion(levels, parents, node) -> tuple[float, float]:
    """(richness, two-sided) of the levels within two hops of ``node``."""
    near = set(parents[node]) | {g for p in parents[node] for g in parents[p]}
    seen = {levels[n] for n in near}
    level = levels[node]
    coarser = any(lv > level for lv in seen) if level < 7 else 7 in seen
    return min(len(seen), 4) / 4, float(any(lv < level for lv in seen) and coarser)


def terms(spec: SpineNetSpec) -> dict[str, float]:
    """Each term of the clean reward (for inspection and tests)."""
    levels, parents, depth, chain, ancestors = _graph(spec)
    outputs = [spec.num_stem + k for k, b in enumerate(spec.blocks) if b.is_output]
    used = set(outputs).union(*(ancestors[o] for o in outputs))
    fusion = top_down = depth_term = chain_term = 0.0
    for o in outputs:
        richness, two_sided = _fusion(levels, parents, o)
        fusion += FUSION_WEIGHT * (richness + two_sided)
        if levels[o] <= 4 and any(levels[a] >= 6 for a in ancestors[o]):
            top_down += TOP_DOWN_WEIGHT * richness
        depth_term += DEPTH_WEIGHT * min(depth[o], FULL_DEPTH) / FULL_DEPTH
        chain_term -= CHAIN_PENALTY * max(0, chain[o] - MAX_CHAIN)
    blocks_used = [n for n in used if n >= spec.num_stem]
    jumps = sum(max(0, abs(levels[p] - levels[n]) - MAX_JUMP) for n in blocks_used for p in parents[n])
    inter = [b.level for b in spec.blocks if not b.is_output]
    steps = [np.sign(b - a) for a, b in zip(inter, inter[1:]) if b != a]
    turns = sum(1 for a, b in zip(steps, steps[1:]) if a != b)
    fn_ok = sum((b.block_fn == RESIDUAL) == (b.level >= 5) for b in spec.blocks)
    # As built: a dangling block merged into an output of its level is used.
    unused = sum(1 for node in resolve(spec, Scaling()) if node.block is not None and not node.used)
    return {
        "fusion": fusion,
        "top_down": top_down,
        "depth": depth_term,
        "chain": chain_term,
        "jump": -JUMP_PENALTY * jumps,
        "permutation": PERMUTATION_WEIGHT * min(turns, MAX_TURNS),
        "block_fn": BLOCK_FN_WEIGHT * fn_ok,
        "unused": -UNUSED_PENALTY * unused,
    }


def clean_reward(spec: SpineNetSpec) -> float:
    """The noise-free surrogate AP; at most ``MAX_REWARD``."""
    return BASE_AP + sum(terms(spec).values())


def noise(spec: SpineNetSpec, seed: int) -> float:
    """Evaluation noise, a deterministic function of (architecture, seed)."""
    digest = hashlib.sha256(f"{spec_hash(spec)}/{seed}".encode()).digest()
    return float(np.random.default_rng(list(digest[:8])).normal(0.0, NOISE_STD))


def reward(spec: SpineNetSpec, seed: int = 0) -> float:
    """The noisy surrogate AP a searcher observes."""
    return clean_reward(spec) + noise(spec, seed)
