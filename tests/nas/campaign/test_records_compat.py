"""A campaign written by earlier code (tests/fixtures) is read, reported and resumed by today's."""

import shutil

from nas.campaign.directory import CampaignDir
from nas.campaign.launch import load_config, open_campaign
from nas.cli import main
from storage.trial_record import Cause, Status

from tests.nas.campaign.campaign_helpers import drive
from tests.paths import FIXTURES

FIXTURE = FIXTURES / "campaign-2026-12-07"


def _copy(tmp_path):
    root = tmp_path / "campaign"
    shutil.copytree(FIXTURE, root)
    return root


def test_status_reads_an_earlier_campaign(tmp_path, capsys):
    root = _copy(tmp_path)
    assert main(["status", str(root)]) == 0
    out = capsys.readouterr().out
    assert "trials: 12 finished of 12" in out
    assert "Trials: 12 done, 8 ok, 4 failed (error 1, nan 1, oom 1, timeout 1)" in out
    assert "Best: trial 6, reward 37.4951" in out


def test_an_earlier_campaign_resumes_where_it_stopped(tmp_path):
    root = _copy(tmp_path)
    directory = CampaignDir(root)
    campaign = open_campaign(directory, load_config(directory, ["search.num_trials=16"]))
    assert (campaign.num_records, campaign.num_failures, campaign.best) == (12, 4, (campaign.best[0], 6))
    assert drive(campaign) == 4
    directory.close()
    records = CampaignDir(root).read_trials()
    assert [r["trial"] for r in records[12:]] == [12, 13, 14, 15]
    assert {r["status"] for r in records} == set(Status)
    assert {r["cause"] for r in records if r["status"] == Status.FAILED} == set(Cause)
