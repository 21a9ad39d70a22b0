"""``search.device_hours``: a campaign stops starting trials once its finished trials spent the budget."""

import dataclasses

import pytest

from nas.campaign import config_loading as campaign_config
from nas.campaign.directory import CampaignDir
from nas.campaign.engine import FINISHED
from nas.campaign.launch import load_config, open_campaign
from nas.campaign.trainable import TrialSettings
from nas.campaign.trial import run_trial
from nas.overrides import ConfigError
from search_space.serialization import spec_to_dict

from tests.nas.campaign.campaign_helpers import new_campaign, surrogate_config

TEN_MINUTES = 600.0


def _drive_at_fixed_cost(campaign) -> list[int]:
    """Runs surrogate trials (oldest first), each costing ten device-minutes; the order they started in."""
    settings = TrialSettings.from_config(campaign.config, str(campaign.dir.root / "trials"))
    running, started = [], []
    while True:
        proposal = campaign.next_proposal()
        while proposal is not None and proposal != FINISHED:
            running.append(proposal)
            started.append(proposal.id)
            proposal = campaign.next_proposal()
        if not running:
            return started
        done = running.pop(0)
        task = settings.task(done.id, spec_to_dict(done.spec), campaign.rung_of(done.id))
        campaign.complete(done.id, dataclasses.replace(run_trial(task), device_seconds=TEN_MINUTES))


def test_the_budget_ends_the_campaign_after_the_running_trials(tmp_path):
    config = surrogate_config("search.num_trials=50", "search.concurrency=2", "search.device_hours=0.5")
    campaign = new_campaign(tmp_path / "c", config)
    _drive_at_fixed_cost(campaign)
    # Sync batches of two: after 3 finished (30 minutes) nothing starts; the one running then still finishes.
    assert campaign.num_records == 4 and campaign.finished and campaign.budget_spent
    assert campaign.device_seconds == 4 * TEN_MINUTES

    campaign.dir.close()
    resumed = open_campaign(CampaignDir(tmp_path / "c"), config)
    assert resumed.finished and resumed.next_proposal() == FINISHED  # a resume does not spend more
    resumed.dir.close()
    directory = CampaignDir(tmp_path / "c")
    larger = open_campaign(directory, load_config(directory, ["search.device_hours=1"]))
    _drive_at_fixed_cost(larger)
    assert larger.num_records == 6 and larger.budget_spent  # one more batch of two reaches the hour


def test_no_promotion_starts_after_the_budget(tmp_path):
    config = surrogate_config("search.num_trials=50", "search.concurrency=1", "search.mode=async",
                              "search.fidelity=[0.5,1]", "search.eta=2", "search.device_hours=0.5")
    campaign = new_campaign(tmp_path / "c", config)
    _drive_at_fixed_cost(campaign)
    every = campaign.dir.trials.read()
    assert len(every) == 3 and campaign.finished  # samples 0 and 1, then 1 promotion: the budget is spent
    assert [r.get("rung", 0) for r in every].count(1) == 1


@pytest.mark.parametrize("value", ["0", "-1", "true", '"soon"'])
def test_a_bad_budget_is_refused_with_the_fix(value):
    with pytest.raises(ConfigError, match=r"search.device_hours=.*give a number of hours > 0, or null"):
        campaign_config.resolve([f"search.device_hours={value}"])
