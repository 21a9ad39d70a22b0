"""Checks of every value of a ``CampaignConfig``, with the fix in each message."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nas.overrides import ConfigError
from storage.trial_record import Cause

if TYPE_CHECKING:
    from nas.campaign.config import CampaignConfig, ResourcesConfig, SearchConfig, TrialConfig

MODES = ("sync", "async")
TRIAL_KINDS = ("proxy", "surrogate")
DISPATCHERS = ("tune", "tasks")
# A fault fails a trial with a cause, or 'crash' kills its Ray worker (an infrastructure failure).
FAULTS = (*(cause.value for cause in Cause), "crash")
CAMPAIGN_LEVEL_SETTINGS = ("seed", "on_failure", "failure_reward")


def check(config: "CampaignConfig") -> None:
    """Every value of ``config`` checked, with the fix in the message."""
    _check_search(config.search)
    _check_resources(config.resources)
    _check_trial(config.trial)
    if config.output.progress_every_s <= 0 or config.output.checkpoint_every_s < 0 or config.output.export_top_k < 1:
        raise ConfigError("output: progress_every_s must be > 0, checkpoint_every_s >= 0 and export_top_k >= 1")


def _check_search(search: "SearchConfig") -> None:
    from controller import make_config
    from controller.settings_checks import SettingError
    from search_space.errors import SpecError
    from search_space.spaces import get_space

    try:
        get_space(search.space)
    except SpecError as err:
        raise ConfigError(f"search.space: {err}") from None
    shadowed = sorted(set(search.settings) & set(CAMPAIGN_LEVEL_SETTINGS))
    if shadowed:
        raise ConfigError(f"search.settings: set {', '.join('search.' + k for k in shadowed)} instead")
    try:
        make_config(search.searcher, seed=search.seed, on_failure=search.on_failure,
                    failure_reward=search.failure_reward, **search.settings)
    except SettingError as err:
        key = f"search.{err.name}" if err.name in CAMPAIGN_LEVEL_SETTINGS else f"search.settings.{err.name}"
        raise ConfigError(f"{key}: {err.detail}") from None
    except (TypeError, ValueError) as err:
        raise ConfigError(f"search.searcher / search.settings: {err}") from None
    if search.num_trials < 1 or search.concurrency < 1:
        raise ConfigError(f"search.num_trials ({search.num_trials}) and search.concurrency "
                          f"({search.concurrency}) must be >= 1")
    if search.mode not in MODES:
        raise ConfigError(f"search.mode={search.mode!r}; use one of {list(MODES)}")
    if search.max_failures is not None and search.max_failures < 1:
        raise ConfigError(f"search.max_failures={search.max_failures}; use a count >= 1, or null for no limit")


def _check_resources(resources: "ResourcesConfig") -> None:
    if resources.cpus < 0 or resources.gpus < 0:
        raise ConfigError(f"resources.cpus ({resources.cpus}) and resources.gpus ({resources.gpus}) must be >= 0")
    if resources.gpus > 1 and resources.gpus != int(resources.gpus):
        raise ConfigError(f"resources.gpus={resources.gpus}: a fraction must be below 1 (e.g. 0.5), else whole GPUs")
    for name, amount in resources.custom.items():
        if not isinstance(amount, (int, float)) or isinstance(amount, bool) or amount < 0:
            raise ConfigError(f"resources.custom.{name}={amount!r}: an amount must be a number >= 0")
    fraction = resources.gpu_memory_fraction
    if fraction is not None and not 0 < fraction <= 1:
        raise ConfigError(f"resources.gpu_memory_fraction={fraction}: use a fraction in (0, 1]")
    if not resources.connect_timeout_s > 0:
        raise ConfigError(f"resources.connect_timeout_s={resources.connect_timeout_s}: use a number of seconds > 0")


def _check_trial(trial: "TrialConfig") -> None:
    if trial.dispatch not in DISPATCHERS:
        raise ConfigError(f"trial.dispatch={trial.dispatch!r}; use one of {list(DISPATCHERS)}")
    if trial.kind not in TRIAL_KINDS:
        raise ConfigError(f"trial.kind={trial.kind!r}; use one of {list(TRIAL_KINDS)}")
    if trial.time_limit_s is not None and trial.time_limit_s <= 0:
        raise ConfigError(f"trial.time_limit_s={trial.time_limit_s}: use seconds > 0, or null for no limit")
    if trial.infra_retries < 0 or trial.surrogate_seconds < 0:
        raise ConfigError("trial.infra_retries and trial.surrogate_seconds must be >= 0")
    for trial_id, fault in trial.inject_faults.items():
        if not str(trial_id).isdigit() or fault not in FAULTS:
            raise ConfigError(f"trial.inject_faults: {trial_id!r}: {fault!r}; use a trial id and one of {list(FAULTS)}")
