"""The campaign engine without Ray: batches, repeats, failures, and recovery after a crash at every step."""

import numpy as np
import pytest

from search_space.sampling import sample_uniform
from nas.campaign.directory import CampaignDir
from nas.campaign.jsonl import JsonLines
from nas.campaign.launch import open_campaign
from nas.campaign.records import RECORD_KEYS

from tests.nas.campaign.campaign_helpers import assert_same_state, drive, new_campaign, records, surrogate_config

REINFORCE = ["search.num_trials=10", "search.concurrency=3", "search.settings.batch_size=3"]


def test_records_follow_the_schema_and_sync_batches_feed_back_in_proposal_order(tmp_path):
    campaign = new_campaign(tmp_path / "c", surrogate_config(*REINFORCE, "search.mode=sync"))
    assert drive(campaign, np.random.default_rng(0)) == 10
    assert campaign.finished and campaign.stop_reason is None
    rows = records(tmp_path / "c")
    assert sorted(r["trial"] for r in rows) == list(range(10))
    for row in rows:
        assert set(row) == set(RECORD_KEYS)
        assert row["status"] == "ok" and row["cause"] is None and isinstance(row["reward"], float)
        assert row["spec"]["kind"] == "spinenet" and len(row["spec_hash"]) >= 16
        assert set(row["versions"]) >= {"spinenet_nas", "jax", "ray"}
    history = [t.id for t in campaign.searcher.history]
    assert history == list(range(10))  # batches [0..2], [3..5], [6..8], [9], each in id order
    assert campaign.searcher.num_updates == 3


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_crash_after_any_trial_resumes_to_the_exact_searcher_state(tmp_path, mode):
    config = surrogate_config(*REINFORCE, f"search.mode={mode}")
    reference = new_campaign(tmp_path / "ref", config)
    drive(reference, np.random.default_rng(1))
    for crash_after in range(1, 10):
        root = tmp_path / f"crash{crash_after}"
        live = new_campaign(root, config)
        drive(live, np.random.default_rng(1), stop_after=crash_after)
        live.dir.close()
        resumed = open_campaign(CampaignDir(root), config)  # what `resume` rebuilds
        assert_same_state(resumed.searcher, live.searcher)
        assert sorted(p.id for p in resumed.queue) == sorted(live.in_flight)  # in-flight trials run again
        drive(resumed, np.random.default_rng(crash_after))
        ids = [r["trial"] for r in records(root)]
        assert sorted(ids) == list(range(10)), f"lost or repeated trials after a crash at {crash_after}: {ids}"
        if mode == "sync":  # batches make the end state independent of completion order
            assert_same_state(resumed.searcher, reference.searcher)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_repeated_architecture_reuses_the_known_outcome(tmp_path, mode):
    config = surrogate_config("search.searcher=random", "search.num_trials=12", "search.concurrency=4",
                              f"search.mode={mode}")
    campaign = new_campaign(tmp_path / "c", config)
    rng = np.random.default_rng(0)
    pool = [sample_uniform(campaign.searcher.space, rng) for _ in range(3)]
    campaign.searcher._propose = lambda proposal_id: pool[proposal_id % 3]  # repeats, some while running
    drive(campaign, np.random.default_rng(0))
    rows = records(tmp_path / "c")
    assert sorted(r["trial"] for r in rows) == list(range(12))
    trained = [r for r in rows if not r["cached"]]
    assert len(trained) == 3, "an architecture was trained twice"
    by_hash = {r["spec_hash"]: r for r in trained}
    for row in rows:
        assert row["reward"] == by_hash[row["spec_hash"]]["reward"]
        if row["cached"]:
            assert row["wall_seconds"] == 0.0 and row["device_seconds"] == 0.0
    assert campaign.num_cached == 9


def test_failures_are_recorded_with_cause_and_the_budget_stops_the_campaign(tmp_path):
    faults = '{"0": "error", "1": "nan", "2": "oom", "3": "timeout"}'
    config = surrogate_config("search.searcher=random", "search.num_trials=8", "search.concurrency=1",
                              "search.max_failures=4", f"trial.inject_faults={faults}")
    campaign = new_campaign(tmp_path / "c", config)
    drive(campaign, np.random.default_rng(0))
    rows = {r["trial"]: r for r in records(tmp_path / "c")}
    assert [rows[i]["cause"] for i in range(4)] == ["error", "nan", "oom", "timeout"]
    for i in range(4):
        assert rows[i]["status"] == "failed" and rows[i]["reward"] is None
        assert "injected" in rows[i]["error"] and "Traceback" in rows[i]["traceback"]
    assert len(rows) == 4 and not campaign.finished
    assert "search.max_failures=4" in campaign.stop_reason and "resume" in campaign.stop_reason
    # Resumable: a raised budget goes on from trial 4.
    resumed = open_campaign(CampaignDir(tmp_path / "c"), surrogate_config(
        "search.searcher=random", "search.num_trials=8", "search.concurrency=1", "search.max_failures=5",
        f"trial.inject_faults={faults}"))
    assert resumed.stop_reason is None and resumed.num_failures == 4
    drive(resumed, np.random.default_rng(0))
    assert sorted(r["trial"] for r in records(tmp_path / "c")) == list(range(8))


def test_a_failed_trial_is_learned_from_by_the_configured_policy(tmp_path):
    base = ["search.searcher=evolution", "search.settings.population_size=4", "search.settings.tournament_size=2",
            "search.num_trials=3", "search.concurrency=1", 'trial.inject_faults={"1": "nan"}']
    skip = new_campaign(tmp_path / "skip", surrogate_config(*base, "search.on_failure=skip"))
    drive(skip, np.random.default_rng(0))
    assert [m[0] for m in skip.searcher.population] == [0, 2]
    reward = new_campaign(tmp_path / "reward", surrogate_config(*base, "search.on_failure=reward",
                                                               "search.failure_reward=-1.0"))
    drive(reward, np.random.default_rng(0))
    assert [(m[0], m[2]) for m in reward.searcher.population][1] == (1, -1.0)


def test_a_torn_last_line_is_ignored_and_cut_before_the_next_append(tmp_path):
    log = JsonLines(tmp_path / "t.jsonl")
    log.append({"trial": 0})
    log.close()
    with open(tmp_path / "t.jsonl", "ab") as handle:
        handle.write(b'{"trial": 1, "sta')  # a crash mid-write
    assert JsonLines(tmp_path / "t.jsonl").read() == [{"trial": 0}]
    log = JsonLines(tmp_path / "t.jsonl")
    log.append({"trial": 1})
    assert log.read() == [{"trial": 0}, {"trial": 1}]


def test_a_finished_campaign_resumed_with_a_larger_budget_goes_on(tmp_path):
    settings = ["search.mode=sync", "search.concurrency=2", "search.settings.batch_size=2"]
    campaign = new_campaign(tmp_path / "c", surrogate_config("search.num_trials=5", *settings))
    drive(campaign, np.random.default_rng(0))
    campaign.dir.close()
    resumed = open_campaign(CampaignDir(tmp_path / "c"), surrogate_config("search.num_trials=8", *settings))
    assert resumed.searcher.num_updates == 2 and len(resumed.searcher._buffer) == 1  # trial 4 was fed back
    drive(resumed, np.random.default_rng(0))
    assert sorted(r["trial"] for r in records(tmp_path / "c")) == list(range(8))
    sizes = [p["batch_size"] for p in CampaignDir(tmp_path / "c").proposals.read()]
    assert sizes == [2, 2, 2, 2, 1, 2, 2, 1]  # batches {0,1} {2,3} {4} {5,6} {7}
