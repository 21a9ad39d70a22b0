"""Shared fixtures: one XLA compilation cache for the run, and random valid SpineNet specs.

The specs vary stems (SpineNet's and ResNet allocations), levels (L1..L7),
block types, parents and output order, so tests cover far more than
SpineNet-49.
"""

from __future__ import annotations

import os
import random

import jax
import pytest

from search_space.spec import BLOCK_FNS, BlockSpec, SpineNetSpec, StemSpec


@pytest.fixture(scope="session", autouse=True)
def jax_compilation_cache(tmp_path_factory):
    """A persistent XLA compilation cache under the run's temp directory.

    The full RetinaNet train and eval steps take most of the suite's time to
    compile, and many tests, their subprocesses and Ray workers compile them in
    identical form: each compiles once per run, later ones load it. The
    environment variable reaches every child process started after this.
    Each run starts empty, so no test depends on what an earlier run left.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # workers share their parent's cache
        root = root.parent
    path = root / "jax-compilation-cache"
    path.mkdir(exist_ok=True)
    before = os.environ.get("JAX_COMPILATION_CACHE_DIR"), jax.config.jax_compilation_cache_dir
    os.environ["JAX_COMPILATION_CACHE_DIR"] = str(path)
    jax.config.update("jax_compilation_cache_dir", str(path))
    yield path
    if before[0] is None:
        os.environ.pop("JAX_COMPILATION_CACHE_DIR", None)
    else:
        os.environ["JAX_COMPILATION_CACHE_DIR"] = before[0]
    jax.config.update("jax_compilation_cache_dir", before[1])


STEMS = [
    StemSpec((2, 2)),
    StemSpec.from_allocation({2: 2, 3: 3, 4: 5, 5: 1}),  # R35
    StemSpec.from_allocation({2: 1, 3: 1, 4: 1, 5: 1}),  # R14
    StemSpec.from_allocation({2: 2, 3: 2, 4: 2, 5: 1}),  # R23
]


def make_random_spec(rng: random.Random, max_intermediate: int = 6) -> SpineNetSpec:
    stem = rng.choice(STEMS)
    blocks = []
    def parents(count: int) -> tuple[int, int]:
        a, b = rng.sample(range(count), 2)
        return (a, b)
    for _ in range(rng.randint(0, max_intermediate)):
        level = rng.choice([1, 2, 3, 4, 4, 5, 5, 6, 7])
        blocks.append(BlockSpec(level, rng.choice(BLOCK_FNS), parents(len(stem.levels) + len(blocks))))
    outputs = [3, 4, 5, 6, 7]
    rng.shuffle(outputs)
    for level in outputs:
        blocks.append(BlockSpec(level, rng.choice(BLOCK_FNS), parents(len(stem.levels) + len(blocks)), True))
    if rng.random() < 0.2:  # an unused extra output, like TF Model Garden's L2 block
        blocks.append(BlockSpec(2, "bottleneck", parents(len(stem.levels) + len(blocks)), True))
    return SpineNetSpec(tuple(blocks), stem, name=f"random-{rng.random():.6f}")


@pytest.fixture
def random_specs():
    """``random_specs(n, seed)`` -> n random valid specs."""
    def factory(count: int, seed: int = 0) -> list[SpineNetSpec]:
        rng = random.Random(seed)
        return [make_random_spec(rng) for _ in range(count)]
    return factory
