"""Shared fixtures: XLA set up to compile fast, one compilation cache for the run, a finished campaign, random valid specs.

The specs vary stems (SpineNet's and ResNet allocations), levels (L1..L7),
block types, parents and output order, so tests cover far more than
SpineNet-49.
"""

from __future__ import annotations

import os
import random
import signal

import jax
import pytest

from search_space.spec import BLOCK_FNS, BlockSpec, SpineNetSpec, StemSpec

# Tests compile hundreds of programs and run each a few times, so XLA's LLVM
# back end optimising the generated code costs more than it saves: level 0 cuts
# compiling the smoke RetinaNet by about a third (docs/testing.md). Only code
# generation changes (the optimised HLO of a convolution's gradient is the same
# text at levels 0 and 3; library kernels are untouched), so numbers agree to
# rounding. Set here, before JAX starts its backend, so that subprocesses
# and Ray workers inherit it; a level in the user's XLA_FLAGS wins, e.g.
# XLA_FLAGS=--xla_backend_optimization_level=3 runs the suite as shipped.
BACKEND_LEVEL_FLAG = "--xla_backend_optimization_level"
if BACKEND_LEVEL_FLAG not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {BACKEND_LEVEL_FLAG}=0".strip()

# A suite started in the background (`nohup pytest ... &` from a script) inherits SIGINT ignored, and so
# would every driver a test starts: the drivers then rightly ignore Ctrl-C too (as a shell's background
# jobs do), and the tests of Ctrl-C would test the launcher. Caught, not ignored, it reaches each
# subprocess as the default again (exec resets caught signals), whatever started the suite.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session", autouse=True)
def jax_compilation_cache(tmp_path_factory):
    """A persistent XLA compilation cache under the run's temp directory.

    Compiling the RetinaNet train and eval steps takes most of the suite's time;
    a program that a test, a subprocess or a Ray worker compiled once in this run
    is loaded by the next that compiles it (sampled campaign architectures differ
    and gain nothing). The environment variable reaches every child process
    started after this. Each run starts empty, so no test depends on an earlier run.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # workers share their parent's cache
        root = root.parent
    path = root / "jax-compilation-cache"
    path.mkdir(exist_ok=True)
    previous = jax.config.jax_compilation_cache_dir
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JAX_COMPILATION_CACHE_DIR", str(path))
        jax.config.update("jax_compilation_cache_dir", str(path))
        yield path
    jax.config.update("jax_compilation_cache_dir", previous)


@pytest.fixture(scope="session")
def finished_campaign(tmp_path_factory):
    """A real two-trial campaign of instant surrogate trials, run in-process (no Ray): copy it to damage it."""
    from tests.nas.campaign.campaign_helpers import drive, new_campaign, surrogate_config

    root = tmp_path_factory.mktemp("finished") / "campaign"
    campaign = new_campaign(root, surrogate_config("search.num_trials=2", "search.searcher=random"))
    drive(campaign)  # trials finish in proposal order: trials.jsonl holds trial 0, then trial 1
    campaign.dir.close()
    assert len(campaign.dir.trials.read()) == 2
    return root


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
