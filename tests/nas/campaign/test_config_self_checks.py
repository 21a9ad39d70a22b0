"""Each part of a campaign's config checks its own values when it is built (also by ``dataclasses.replace``)."""

import dataclasses

import pytest

from nas.campaign.config import CampaignConfig, OutputConfig, ResourcesConfig, SearchConfig, TrialConfig
from nas.overrides import ConfigError

CASES = {
    "search mode": (SearchConfig, {"mode": "batch"}, "search.mode='batch'; use one of ['sync', 'async']"),
    "searcher setting": (SearchConfig, {"settings": {"seed": 3}}, "search.settings: set search.seed instead"),
    "search space": (SearchConfig, {"space": "r99-sp1"}, "search.space: unknown search space"),
    "GPUs": (ResourcesConfig, {"gpus": 1.5}, "resources.gpus=1.5: a fraction must be below 1"),
    "trial kind": (TrialConfig, {"kind": "full"}, "trial.kind='full'; use one of ['proxy', 'surrogate']"),
    "fault": (TrialConfig, {"inject_faults": {"2": "meltdown"}}, "use a trial id and one of ['error', 'nan'"),
    "export": (OutputConfig, {"export_top_k": 0}, "export_top_k >= 1"),
}


@pytest.mark.parametrize("cls, values, fragment", CASES.values(), ids=CASES.keys())
def test_a_bad_value_is_refused_when_the_config_is_built(cls, values, fragment):
    with pytest.raises(ConfigError, match=fragment.replace("[", r"\[").replace("(", r"\(")):
        cls(**values)
    part = {SearchConfig: "search", ResourcesConfig: "resources", TrialConfig: "trial", OutputConfig: "output"}[cls]
    with pytest.raises(ConfigError):
        dataclasses.replace(getattr(CampaignConfig(), part), **values)


def test_the_defaults_are_valid_and_built_per_config():
    first, second = CampaignConfig(), CampaignConfig()
    assert first == second and first.search is not second.search
