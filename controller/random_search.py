"""Random search: the baseline every other searcher is measured against."""

from __future__ import annotations

import dataclasses

from controller.searcher import FAILURE_POLICIES, Searcher
from controller.settings_checks import SEED, check_settings
from controller.proposal_rng import proposal_rng
from search_space.sampling import sample_uniform
from search_space.space import SearchSpace


@dataclasses.dataclass(frozen=True)
class RandomSearchConfig:
    """Random search settings.

    Attributes:
      seed: proposals are a function of (seed, proposal id).
      on_failure, failure_reward: recorded for a uniform interface; random
        search learns nothing from any reward.
    """

    seed: int = 0
    on_failure: str = "skip"
    failure_reward: float = 0.0

    def __post_init__(self):
        check_settings(self, {"seed": SEED, "on_failure": FAILURE_POLICIES})


class RandomSearch(Searcher):
    """Proposes each decision uniformly among its valid choices; ignores rewards."""

    kind = "random"

    def __init__(self, space: SearchSpace, config: RandomSearchConfig = RandomSearchConfig()):
        super().__init__(space, config)

    def _propose(self, proposal_id: int):
        return sample_uniform(self.space, proposal_rng(self.config.seed, proposal_id))
