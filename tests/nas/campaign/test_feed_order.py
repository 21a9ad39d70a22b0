"""The feed of ``search.mode``: how many trials run, when the searcher hears of them, and rebuilding it."""

from pathlib import Path

import pytest

from nas.campaign.feed_order import AsyncFeed, SyncBatches, make_feed
from nas.overrides import ConfigError

from tests.nas.campaign.campaign_helpers import new_campaign, surrogate_config


def _record(trial_id):
    return {"trial": trial_id}


def _propose(feed, proposed):
    """Proposals the feed admits now, starting at id ``proposed``; returns their journal fields."""
    lines = {}
    while feed.can_propose(proposed):
        lines[proposed] = feed.journal(proposed)
        proposed += 1
    return lines


def test_sync_batches_are_of_concurrency_trials_and_the_last_is_what_the_budget_leaves():
    feed = make_feed("sync", concurrency=3, num_trials=5)
    assert isinstance(feed, SyncBatches) and feed.can_dispatch(running=99)
    first = _propose(feed, 0)
    assert first == {i: {"batch": 0, "batch_size": 3} for i in range(3)}
    assert feed.finished(2, _record(2)) == [] and feed.finished(0, _record(0)) == []
    assert _propose(feed, 3) == {}  # the batch is not fed back yet: nothing new
    assert [r["trial"] for r in feed.finished(1, _record(1))] == [0, 1, 2]  # whole, in proposal order
    assert _propose(feed, 3) == {3: {"batch": 1, "batch_size": 2}, 4: {"batch": 1, "batch_size": 2}}


def test_async_feeds_each_trial_as_it_finishes_and_bounds_what_runs():
    feed = make_feed("async", concurrency=2, num_trials=5)
    assert isinstance(feed, AsyncFeed)
    assert feed.can_dispatch(1) and not feed.can_dispatch(2) and feed.can_propose(4)
    assert feed.journal(7) == {"batch": None, "batch_size": None}
    assert feed.finished(7, _record(7)) == [_record(7)]


def _journal(batches):
    return {i: {"trial": i, "batch": b, "batch_size": size} for b, (ids, size) in enumerate(batches) for i in ids}


def test_recover_restores_the_open_batch_with_its_finished_trials_held():
    feed = SyncBatches(concurrency=2, num_trials=6)
    records = {i: _record(i) for i in (0, 1, 3)}
    fed, open_batch = feed.recover(records, _journal([([0, 1], 2), ([2, 3], 2)]), False, Path("/c"))
    assert [r["trial"] for r in fed] == [0, 1] and open_batch == [2, 3]
    assert (feed.index, feed.members, feed.target, set(feed.held)) == (1, [2, 3], 2, {3})
    assert [r["trial"] for r in feed.finished(2, _record(2))] == [2, 3]


def test_a_closed_batch_missing_a_record_needs_a_repair_then_its_trial_is_fed_late():
    journal = _journal([([0, 1], 2), ([2, 3], 2)])
    records = {i: _record(i) for i in (0, 2, 3)}  # trial 1's record was cut out after batch 1 began
    with pytest.raises(ConfigError, match=r"lacks the records of trials \[1\] of sync batch 0.*--repair"):
        SyncBatches(2, 6).recover(records, journal, False, Path("/c"))
    feed = SyncBatches(2, 6)
    fed, open_batch = feed.recover(records, journal, True, Path("/c"))
    assert [r["trial"] for r in fed] == [0, 2, 3] and open_batch == [] and feed.late == {1}
    assert feed.finished(1, _record(1)) == [_record(1)] and feed.late == set()


def test_a_trial_lost_to_the_infrastructure_stops_the_campaign_and_stays_pending(tmp_path):
    campaign = new_campaign(tmp_path / "c", surrogate_config("search.num_trials=4", "search.concurrency=2"))
    proposal = campaign.next_proposal()
    campaign.lost(proposal.id, "node died")
    assert "trial 0 was lost to infrastructure failures 3 times (last: node died)" in campaign.stop_reason
    assert campaign.running == 0 and campaign.num_records == 0 and campaign.skipped == 0
