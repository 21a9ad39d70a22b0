"""Searchers over SpineNet search spaces: random search, regularized evolution, REINFORCE.

Every searcher has the same interface (``controller.searcher.Searcher``):
``propose() -> Proposal``, ``feedback(sample, reward, status)`` in any order,
``recover(history)``, ``state_dict()`` / ``save(path)`` / ``load(path)``.
"""

from controller.dedup import KnownOutcome, RewardCache
from controller.evolution import EvolutionConfig, RegularizedEvolution
from controller.factory import SEARCHERS, make_config, make_searcher
from controller.policy import PolicyConfig
from controller.random_search import RandomSearch, RandomSearchConfig
from controller.reinforce import ReinforceConfig, ReinforceController
from controller.searcher import FAILED, OK, PENDING, Proposal, Searcher, Trial

__all__ = [
    "Searcher", "Proposal", "Trial", "OK", "FAILED", "PENDING",
    "RandomSearch", "RandomSearchConfig", "RegularizedEvolution", "EvolutionConfig",
    "ReinforceController", "ReinforceConfig", "PolicyConfig",
    "RewardCache", "KnownOutcome", "SEARCHERS", "make_config", "make_searcher",
]
