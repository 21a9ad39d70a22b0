"""Regularized (aging) evolution (Real et al., AAAI 2019).

The population is the last ``population_size`` trials fed back (the oldest dies
when a new one arrives, whatever its reward). Until it is full, proposals are
random; then a proposal samples ``tournament_size`` members without
replacement and mutates the best (``controller.mutation``). Asynchronous
feedback is natural here: the population is simply in feedback order.
"""

from __future__ import annotations

import collections
import dataclasses

from controller.mutation import mutate
from controller.searcher import FAILURE_POLICIES, Searcher, Trial
from controller.settings_checks import AT_LEAST_ONE, SEED, check_settings
from controller.proposal_rng import proposal_rng
from search_space.sampling import sample_uniform
from search_space.space import SearchSpace


@dataclasses.dataclass(frozen=True)
class EvolutionConfig:
    """Regularized evolution settings.

    Attributes:
      seed: proposals are a function of (seed, proposal id, population).
      population_size: members alive at once.
      tournament_size: members compared to pick a parent.
      on_failure: 'skip' (a failed sample never enters the population) or
        'reward' (it enters with ``failure_reward``).
      failure_reward: the reward of a failed sample under 'reward'.
    """

    seed: int = 0
    population_size: int = 64
    tournament_size: int = 16
    on_failure: str = "skip"
    failure_reward: float = 0.0

    def __post_init__(self):
        check_settings(self, {"seed": SEED, "population_size": AT_LEAST_ONE, "tournament_size": AT_LEAST_ONE,
                              "on_failure": FAILURE_POLICIES})
        if not 1 <= self.tournament_size <= self.population_size:
            raise ValueError(
                f"tournament_size {self.tournament_size} must be in 1..population_size ({self.population_size})"
            )


class RegularizedEvolution(Searcher):
    """Aging evolution with space-respecting mutations."""

    kind = "evolution"

    def __init__(self, space: SearchSpace, config: EvolutionConfig = EvolutionConfig()):
        super().__init__(space, config)

    @property
    def population(self) -> tuple[tuple[int, tuple[int, ...], float], ...]:
        """Members as (trial id, decisions, reward), oldest first."""
        return tuple(self._population)

    def _propose(self, proposal_id: int):
        rng = proposal_rng(self.config.seed, proposal_id)
        if len(self._population) < self.config.population_size:
            return sample_uniform(self.space, rng)
        picks = rng.choice(len(self._population), size=self.config.tournament_size, replace=False)
        # The best reward wins; among equals the oldest, for a deterministic order.
        parent = max(sorted(picks), key=lambda i: self._population[i][2])
        return mutate(self.space, self._population[parent][1], rng)

    def _reset_learning(self) -> None:
        self._population = collections.deque(maxlen=self.config.population_size)

    def _learn(self, trial: Trial, reward: float) -> None:
        self._population.append((trial.id, trial.decisions, reward))

    def _learning_state(self):
        return {"population": [[i, list(d), r] for i, d, r in self._population]}, {}

    def _load_learning_state(self, meta, arrays) -> None:
        del arrays
        self._reset_learning()
        for i, d, r in meta["population"]:
            self._population.append((int(i), tuple(d), float(r)))
