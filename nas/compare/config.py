"""The family comparison's configuration: who is compared, with what budget, under which protocol.

``spinenet-nas compare`` takes ``--set key=value`` like every command. Keys that
start with ``campaign.`` configure the search campaign run in each member's
space (``nas.campaign.config``: searcher, concurrency, resources, preset...);
the others set ``CompareConfig``. ``--preset`` picks the budget and protocol
of ``PRESETS`` (``smoke``: minutes; ``cpu``: hours on 2 cores; ``paper``: the
paper's budget, see docs/family-comparison.md). Every key is checked before anything runs.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

from nas.campaign import config_loading as campaign_config
from nas.campaign.config import CampaignConfig
from nas.overrides import ConfigError, apply_overrides
from proxy_task.config import PRESETS as PROXY_PRESETS
from proxy_task.config import ProxyConfig, get_preset
from search_space.builtins import get_builtin
from search_space.scaling import SCALINGS
from search_space.serialization import load_spec_file
from search_space.spaces import get_space

CAMPAIGN_PREFIX = "campaign."
# Set by the comparison itself, per member: equal budgets in each member's own space.
OWNED_CAMPAIGN_KEYS = ("search.space", "search.num_trials")


@dataclasses.dataclass(frozen=True)
class CompareConfig:
    """Members, search budget and final-training protocol of a comparison.

    Attributes:
      searched: search spaces, one campaign each (``search_space.get_space`` names).
      references: published architectures trained as they are (``get_builtin`` names).
      spec_files: the user's own spec files (e.g. a campaign's ``export/best.json``).
      trials_per_space: the equal search budget of every campaign.
      final_preset: the proxy preset of the final training (``cpu``, ``paper``...).
      final_scaling: the model scaling of the final training (``proxy`` as in the
        search, or ``49`` etc. for full-size models), at the preset's input size.
      final_set: ``key=value`` overrides of the final training's ``ProxyConfig``.
      final_seeds: each final training runs once per seed (train and data seeds).
      data_dir: the TFDS data dir of every campaign and final training (COCO
        for ``paper``); ``None``: TFDS's default.
    """

    searched: tuple[str, ...] = ("r35-sp18", "r23-sp30", "r14-sp39", "r0-sp53", "spinenet-49")
    references: tuple[str, ...] = ("r50-fpn", "spinenet-49")
    spec_files: tuple[str, ...] = ()
    trials_per_space: int = 6
    final_preset: str = "cpu"
    final_scaling: str = "proxy"
    final_set: tuple[str, ...] = ()
    final_seeds: tuple[int, ...] = (0, 1, 2)
    data_dir: str | None = None

    def final_protocol(self, seed: int) -> ProxyConfig:
        """The final training's config for one seed."""
        base = get_preset(self.final_preset)
        base = dataclasses.replace(
            base, scaling=SCALINGS[self.final_scaling].replace(input_size=base.scaling.input_size))
        base = dataclasses.replace(base, data=dataclasses.replace(base.data, data_dir=self.data_dir))
        return apply_overrides(base, [*self.final_set, f"train.seed={seed}", f"data.seed={seed}"])


# --preset: (compare settings, campaign settings). The campaign's own preset
# (its proxy task) follows the comparison's.
PRESETS: dict[str, tuple[dict[str, Any], list[str]]] = {
    "smoke": ({"trials_per_space": 2, "final_preset": "smoke", "final_seeds": (0, 1)},
              ["preset=smoke", "search.concurrency=2", "output.progress_every_s=30"]),
    "cpu": ({}, ["preset=cpu", "search.concurrency=1"]),
    "paper": ({"trials_per_space": 14000, "final_preset": "paper", "final_scaling": "49",
               "final_set": ("data.input_size=640", "scaling.input_size=640", "train.epochs=250",
                             "train.decay_at=[0.88,0.96]")},
              ["preset=paper", "search.concurrency=64", "search.mode=async", "resources.gpus=1"]),
}


@dataclasses.dataclass(frozen=True)
class Comparison:
    """A resolved comparison: its own settings and the campaign config every member starts from."""

    compare: CompareConfig
    campaign: CampaignConfig
    preset: str
    campaign_assignments: tuple[str, ...]

    def campaign_for(self, space: str) -> CampaignConfig:
        return campaign_config.resolve([*self.campaign_assignments, f"search.space={space}",
                                        f"search.num_trials={self.compare.trials_per_space}"])


def resolve(assignments: Sequence[str] = (), preset: str = "cpu") -> Comparison:
    """Splits ``key=value`` assignments between the comparison and its campaigns, and checks both.

    Raises:
      ConfigError: unknown preset, key, member or value, with the fix.
    """
    if preset not in PRESETS:
        raise ConfigError(f"--preset {preset!r}: choose one of {sorted(PRESETS)}")
    own, campaign = PRESETS[preset]
    compare = dataclasses.replace(CompareConfig(), **own)
    mine, theirs = [], list(campaign)
    for assignment in assignments:
        key = assignment.partition("=")[0].strip()
        if key.startswith(CAMPAIGN_PREFIX):
            inner = assignment.strip()[len(CAMPAIGN_PREFIX):]
            if inner.partition("=")[0].strip() in OWNED_CAMPAIGN_KEYS:
                raise ConfigError(f"{key} is set per member by the comparison; use searched=[...] "
                                  f"and trials_per_space=N instead")
            theirs.append(inner)
        else:
            mine.append(assignment)
    compare = apply_overrides(compare, mine)
    check(compare)
    if compare.data_dir is not None:
        theirs.append(f"proxy.data.data_dir={compare.data_dir}")
    comparison = Comparison(compare, campaign_config.resolve(theirs), preset, tuple(theirs))
    for space in compare.searched:
        comparison.campaign_for(space)  # every member's campaign config is valid before anything runs
    return comparison


def check(compare: CompareConfig) -> None:
    """Refuses unknown members and bad budgets before anything runs."""
    for space in compare.searched:
        _known(lambda: get_space(space), f"searched: {space!r}")
    for name in compare.references:
        _known(lambda: get_builtin(name), f"references: {name!r}")
    for path in compare.spec_files:
        _known(lambda: load_spec_file(path), f"spec_files: {path!r}")
    if compare.trials_per_space < 1:
        raise ConfigError(f"trials_per_space={compare.trials_per_space} must be >= 1")
    if not compare.final_seeds:
        raise ConfigError("final_seeds is empty; give at least one seed, e.g. final_seeds=[0,1,2]")
    if compare.final_preset not in PROXY_PRESETS:
        raise ConfigError(f"final_preset={compare.final_preset!r}: choose one of {sorted(PROXY_PRESETS)}")
    if compare.final_scaling not in SCALINGS:
        raise ConfigError(f"final_scaling={compare.final_scaling!r}: choose one of {sorted(SCALINGS)}")
    compare.final_protocol(compare.final_seeds[0])  # the final overrides are valid


def _known(build, what: str) -> None:
    try:
        build()
    except (KeyError, ValueError, OSError) as err:
        raise ConfigError(f"{what} is unknown: {err}") from None
