"""Searchers by name, with their configs from plain dicts (typos fail loudly)."""

from __future__ import annotations

import dataclasses
from typing import Any

from controller.evolution import EvolutionConfig, RegularizedEvolution
from controller.random_search import RandomSearch, RandomSearchConfig
from controller.reinforce import ReinforceConfig, ReinforceController
from controller.searcher import Searcher
from search_space.space import SearchSpace

SEARCHERS = {
    RandomSearch.kind: (RandomSearch, RandomSearchConfig),
    RegularizedEvolution.kind: (RegularizedEvolution, EvolutionConfig),
    ReinforceController.kind: (ReinforceController, ReinforceConfig),
}


def make_config(kind: str, **settings: Any):
    """The config of searcher ``kind`` from keyword settings; unknown keys raise."""
    if kind not in SEARCHERS:
        raise ValueError(f"unknown searcher {kind!r}; choose one of {sorted(SEARCHERS)}")
    config_cls = SEARCHERS[kind][1]
    allowed = {f.name for f in dataclasses.fields(config_cls)}
    unknown = sorted(set(settings) - allowed)
    if unknown:
        raise ValueError(f"{kind} searcher: unknown setting(s) {unknown}; allowed are {sorted(allowed)}")
    return config_cls(**settings)


def make_searcher(kind: str, space: SearchSpace, **settings: Any) -> Searcher:
    """A searcher by name: 'random', 'evolution' or 'reinforce'."""
    return SEARCHERS[kind][0](space, make_config(kind, **settings))
