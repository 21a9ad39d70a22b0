"""A study's plan: its architectures, spread over cost, and every trial it runs.

The architectures are the named ones, then ``architectures`` chosen from
``pool`` uniform samples of the space (repeats and named ones left out) so
that they **spread** over the cost range: sorted by the log of their
multiply-adds at the preset's scaling, the sample nearest each of
``architectures`` evenly spaced points from the cheapest to the costliest is
taken (each sample once). Cost is what a cheap score can spread without
training; a rank correlation measured on look-alike architectures says little
about a search that must tell them apart. (In the SpineNet-49 space the block
widths are fixed by level, so 300 uniform samples span only 344-383 M
multiply-adds at the smoke scaling, +-5%: cost alone spreads them little.)

The trials: every architecture once (seed 0) at every fidelity, and the first
``rerun_architectures`` again under seeds 1 .. ``reruns - 1``. The plan is
made once, when the study starts, and saved; resuming never samples again.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from nas.overrides import ConfigError
from nas.study.config import StudyConfig
from search_space.builtins import get_builtin
from search_space.cost import count_cost
from search_space.encoding import decode
from search_space.errors import SpecError
from search_space.sampling import sample_uniform
from search_space.serialization import load_spec_file, spec_from_dict, spec_to_dict
from search_space.spaces import get_space
from search_space.spec import ArchitectureSpec


@dataclasses.dataclass(frozen=True)
class Architecture:
    """One architecture of the study: its name, spec, decisions (sampled ones) and cost."""

    name: str
    spec: ArchitectureSpec
    decisions: tuple[int, ...] | None
    madds: int

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "spec": spec_to_dict(self.spec),
                "decisions": None if self.decisions is None else list(self.decisions), "madds": self.madds}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Architecture":
        decisions = data["decisions"]
        return cls(data["name"], spec_from_dict(data["spec"]), None if decisions is None else tuple(decisions),
                   int(data["madds"]))


@dataclasses.dataclass(frozen=True)
class PlannedTrial:
    """Trial ``trial`` trains ``architecture`` at ``fidelity`` with ``seed``."""

    trial: int
    architecture: str
    fidelity: str
    seed: int


def choose_architectures(config: StudyConfig) -> list[Architecture]:
    """The named architectures, then the sampled ones spread over cost (deterministic for ``config.seed``)."""
    scaling = config.proxy_config(config.fidelities[0]).scaling
    chosen = [_named(name, scaling) for name in config.named]
    space = get_space(config.space)
    rng = np.random.default_rng(config.seed)
    pool, seen = [], {a.spec for a in chosen}
    for _ in range(config.pool):
        decisions = sample_uniform(space, rng)
        spec = decode(space, decisions)
        if spec not in seen:  # a repeat would count one architecture twice in the correlation
            seen.add(spec)
            pool.append((decisions, spec, count_cost(spec, scaling).total_madds))
    if len(pool) < config.architectures:
        raise ConfigError(f"pool={config.pool} uniform samples of {config.space} hold {len(pool)} distinct "
                          f"new architectures, fewer than architectures={config.architectures}; raise pool")
    for index, (decisions, spec, madds) in enumerate(spread(pool, config.architectures, key=lambda p: p[2])):
        chosen.append(Architecture(f"sample-{index}", spec, tuple(decisions), madds))
    return chosen


def spread(items: list, count: int, key) -> list:
    """``count`` of ``items`` nearest to evenly spaced points of log ``key``, cheapest first (each once)."""
    if count == 0:
        return []
    ordered = sorted(items, key=key)
    logs = [math.log(key(item)) for item in ordered]
    points = np.linspace(logs[0], logs[-1], count)
    taken: list[int] = []
    for point in points:
        free = [i for i in range(len(ordered)) if i not in taken]
        taken.append(min(free, key=lambda i: (abs(logs[i] - point), i)))
    return [ordered[i] for i in sorted(taken)]


def _named(name: str, scaling) -> Architecture:
    try:
        spec = get_builtin(name)
    except SpecError:
        try:
            spec = load_spec_file(name)
        except (OSError, SpecError) as err:
            raise ConfigError(f"named: {name!r} is neither a built-in architecture nor a readable spec file "
                              f"({err})") from None
    return Architecture(name, spec, None, count_cost(spec, scaling).total_madds)


def plan_trials(config: StudyConfig, architectures: list[Architecture]) -> list[PlannedTrial]:
    """Every trial of the study, numbered in the order they are dispatched (seed 0 of all first)."""
    runs = [(a.name, fidelity, 0) for fidelity in config.fidelities for a in architectures]
    reruns = architectures[:config.rerun_architectures]
    runs += [(a.name, fidelity, seed) for seed in range(1, config.reruns) for fidelity in config.fidelities
             for a in reruns]
    return [PlannedTrial(index, *run) for index, run in enumerate(runs)]
