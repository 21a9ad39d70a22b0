"""summarize / render_summary on hand-built records."""

from __future__ import annotations

import json
import math
import time

import pytest

from tests.results.campaign_records import T0, make_record, random_campaign
from results.campaign_summary import render_summary, summarize


@pytest.fixture
def records():
    return [
        make_record(0, 0.10),
        make_record(1, cause="nan", error="loss is NaN at step 12"),
        make_record(2, 0.30, spec_hash="h2"),
        make_record(3, 0.30, cached=True, spec_hash="h2"),
        make_record(4, cause="oom", error="\nRESOURCE_EXHAUSTED: out of memory\n  allocating 2 GiB"),
        make_record(5, 0.20),
    ]


def test_progress_counts(records):
    progress = summarize(records)["progress"]
    assert progress == {"trials": 6, "ok": 4, "failed": 2, "failed_by_cause": {"nan": 1, "oom": 1}, "cached": 1,
                        "promotions": 0}


def test_best_and_top_k(records):
    summary = summarize(records, top_k=5)
    best = summary["best"]
    assert (best["trial"], best["reward"], best["spec_hash"]) == (2, 0.30, "h2")
    assert best["ap"]["AP"] == pytest.approx(0.30) and best["ap"]["APl"] == pytest.approx(0.45)
    assert (best["params"], best["madds"]) == (1_169_698, 1_570_000_002)
    # The cached repeat of trial 2 (same spec_hash) is not listed twice.
    assert [row["trial"] for row in summary["top"]] == [2, 5, 0]
    assert [row["trial"] for row in summarize(records, top_k=2)["top"]] == [2, 5]


def test_cost_accounting(records):
    cost = summarize(records)["cost"]
    assert cost["device_hours_total"] == pytest.approx(5 * 600 / 3600)  # the cached trial used none
    assert cost["trained_trials"] == 5
    assert cost["device_hours_mean"] == pytest.approx(600 / 3600)
    assert cost["started_at"] == T0 and cost["finished_at"] == T0 + 500 + 650
    assert cost["wall_seconds_span"] == pytest.approx(1150)


def test_failures_keep_first_error_line(records):
    assert summarize(records)["failures"] == [
        {"trial": 1, "cause": "nan", "error": "loss is NaN at step 12"},
        {"trial": 4, "cause": "oom", "error": "RESOURCE_EXHAUSTED: out of memory"},
    ]


def test_ties_nonfinite_and_missing_rewards():
    records = [
        make_record(0, 0.5, spec_hash="a"),
        make_record(1, 0.5, spec_hash="b"),
        make_record(2, math.nan, spec_hash="c"),  # status ok but NaN reward: not rankable
        {"trial": 3, "status": "ok", "reward": None},  # sparse record
        {"trial": 4, "status": "failed"},  # no cause given
    ]
    summary = summarize(records)
    assert summary["best"]["trial"] == 0
    assert [row["trial"] for row in summary["top"]] == [0, 1]
    assert summary["progress"]["failed_by_cause"] == {"error": 1}
    assert summary["failures"] == [{"trial": 4, "cause": "error", "error": ""}]
    render_summary(summary)


def test_render_mentions_the_numbers(records):
    text = render_summary(summarize(records))
    assert "Trials: 6 done, 4 ok, 2 failed (nan 1, oom 1); 1 cached repeats" in text
    assert "Best: trial 2, reward 0.3000 (AP 0.3000" in text
    assert "0.83 device-hours in all, 0.167 per trained trial (5)" in text
    assert "wall time 19 min 10 s" in text
    assert "RESOURCE_EXHAUSTED: out of memory" in text
    table = text.split("Top 3 architectures")[1].splitlines()
    assert table[1].split()[:3] == ["rank", "trial", "reward"]
    assert [line.split()[1] for line in table[3:6]] == ["2", "5", "0"]


def test_empty_and_all_failed():
    assert "No trials have finished yet" in render_summary(summarize([]))
    empty = summarize([])
    assert empty["best"] is None and empty["cost"]["device_hours_mean"] is None
    failed = summarize([make_record(0, cause="timeout", error="trial exceeded 3600 s")])
    text = render_summary(failed)
    assert "Best: none yet" in text and "timeout" in text and "trial exceeded 3600 s" in text


def test_thousands_of_records_fast_and_json_able():
    records = random_campaign(5000, seed=1)
    start = time.perf_counter()
    summary = summarize(records)
    text = render_summary(summary)
    assert time.perf_counter() - start < 2.0  # about 0.1 s
    assert summary["progress"]["trials"] == 5000 and len(summary["top"]) == 10
    assert json.loads(json.dumps(summary)) == summary
    assert "... and" in text  # the failure list is cut short


def test_with_rungs_a_trial_counts_once_ranks_by_its_highest_rung_and_costs_all_of_them():
    rows = [
        {**make_record(0, 0.50), "rung": 0, "budget": 0.5, "device_seconds": 10.0},
        {**make_record(1, 0.40), "rung": 0, "budget": 0.5, "device_seconds": 10.0},
        {**make_record(1, 0.45), "rung": 1, "budget": 1.0, "device_seconds": 12.0},
    ]
    summary = summarize(rows)
    assert summary["progress"]["trials"] == 2 and summary["progress"]["promotions"] == 1
    assert [row["trial"] for row in summary["top"]] == [1, 0]  # the full budget ranks above a higher half-way AP
    assert summary["best"]["budget"] == 1.0 and summary["best"]["reward"] == 0.45
    assert summary["cost"]["device_hours_total"] == pytest.approx(32 / 3600)
    assert summary["cost"]["trained_trials"] == 2
    text = render_summary(summary)
    assert "1 promotions" in text and "the largest budget ranks first" in text and "budget" in text
