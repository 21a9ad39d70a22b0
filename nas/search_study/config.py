"""What a search study runs: campaigns per searcher and seed at one device-hour budget, then the retraining.

``SearchStudyConfig`` is set like every config here, through ``nas.overrides``
(``--set key=value``), and checks itself when built, with the fix in the message.
"""

from __future__ import annotations

import dataclasses

from nas.overrides import ConfigError

SEARCHERS = ("reinforce", "random", "evolution")


@dataclasses.dataclass(frozen=True)
class SearchStudyConfig:
    """Searchers against each other at equal cost, judged by what their winners do when retrained.

    Attributes:
      campaign: overrides of every campaign's config (``nas.campaign.config``), e.g.
        ``["preset=cpu", "search.mode=async", "search.fidelity=[0.5,1]"]``.
      searchers: the searchers compared.
      seeds: the campaign seeds of each searcher (``search.seed``).
      device_hours: each campaign's budget (``search.device_hours``).
      max_trials: each campaign's ``search.num_trials``, a cap the budget should reach first.
      top_k: the best architectures of each campaign that are retrained.
      retrain: overrides of the campaign preset's proxy config for the retraining (``[]``: the preset).
      retrain_seeds: seeds each retrained architecture is trained under.
      references: architectures retrained beside the winners (built-in names or spec files).
      reuse: proxy-study directories whose trainings the retraining takes where one is the same
        training (``nas.study.reuse``: e.g. the references under the same seeds, on the same processor).
    """

    campaign: tuple[str, ...] = ("trial.kind=surrogate",)
    searchers: tuple[str, ...] = SEARCHERS
    seeds: tuple[int, ...] = (0, 1)
    device_hours: float = 1.0
    max_trials: int = 1000
    top_k: int = 2
    retrain: tuple[str, ...] = ()
    retrain_seeds: int = 3
    references: tuple[str, ...] = ("spinenet-49", "r50-fpn")
    reuse: tuple[str, ...] = ()

    def __post_init__(self):
        for name in ("campaign", "searchers", "seeds", "retrain", "references", "reuse"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        unknown = sorted(set(self.searchers) - set(SEARCHERS))
        if not self.searchers or unknown or len(set(self.searchers)) < len(self.searchers):
            raise ConfigError(f"searchers={list(self.searchers)}: name each of {list(SEARCHERS)} at most once")
        if not self.seeds or len(set(self.seeds)) < len(self.seeds):
            raise ConfigError(f"seeds={list(self.seeds)}: give one or more distinct campaign seeds, e.g. [0, 1]")
        if not self.device_hours > 0 or self.max_trials < 1:
            raise ConfigError(f"device_hours ({self.device_hours}) must be > 0 and max_trials ({self.max_trials}) "
                              f">= 1")
        if self.top_k < 1 or self.retrain_seeds < 1:
            raise ConfigError(f"top_k ({self.top_k}) and retrain_seeds ({self.retrain_seeds}) must be >= 1")
        self.campaign_config(self.searchers[0], self.seeds[0])  # every campaign override checked now

    def campaign_config(self, searcher: str, seed: int):
        """The config of the campaign of ``searcher`` under ``seed``."""
        from nas.campaign import config_loading

        try:
            return config_loading.resolve([
                *self.campaign, f"search.searcher={searcher}", f"search.seed={seed}",
                f"search.device_hours={self.device_hours}", f"search.num_trials={self.max_trials}"])
        except ConfigError as err:
            raise ConfigError(f"campaign (overrides of every campaign's config): {err}") from None

    def campaign_names(self) -> list[tuple[str, str, int]]:
        """``(directory name, searcher, seed)`` of every campaign, in the order they run."""
        return [(f"{searcher}-{seed}", searcher, seed) for seed in self.seeds for searcher in self.searchers]

    def first_campaign_config(self):
        """The config of the first campaign: what every campaign shares (the proxy, the resources) is read from it."""
        return self.campaign_config(*self.campaign_names()[0][1:])
