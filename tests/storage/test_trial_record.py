"""The one trial outcome and record: statuses, causes, metrics; files written by earlier code still load."""

import dataclasses
import json
import math

import pytest

from storage.trial_record import (
    AP_METRICS, OUTCOME_KEYS, RECORD_KEYS, REWARD_METRIC, Cause, Measurement, Status, TrialOutcome, is_ok,
    is_reading, read_name,
)
from tests.paths import FIXTURES

RUN = dict(seed=3, wall_seconds=2.0, device_seconds=4.0, started_at=10.0, finished_at=12.0)
FIXTURE_FILES = [FIXTURES / "campaign-2026-12-07" / "trials.jsonl", FIXTURES / "proxy-trials-2026-12-07.jsonl"]


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.parent.name + "/" + p.name)
def test_records_written_by_earlier_code_load_and_round_trip(path):
    for line in _lines(path):
        assert set(line) == set(RECORD_KEYS)
        outcome = TrialOutcome.from_dict(line)
        assert outcome.to_dict() == {key: line[key] for key in OUTCOME_KEYS}
        assert outcome.ok == is_ok(line) == (line["status"] == "ok")
        if outcome.ok:
            assert outcome.cause is None and outcome.reward == line["reward"]
        else:
            assert outcome.reward is None and isinstance(outcome.cause, Cause)


def test_the_fixtures_hold_every_cause_and_the_metrics_of_their_day():
    lines = [line for path in FIXTURE_FILES for line in _lines(path)]
    assert {line["cause"] for line in lines} == {None, *Cause}
    for line in _lines(FIXTURE_FILES[1]):  # a metric added since is missing from these lines, as it should be
        assert set(line["ap"]) == {"AP", "AP50", "AP75", "APs", "APm", "APl"} and line["reward"] == line["ap"]["AP"]


def test_a_measurement_becomes_an_ok_outcome_with_nan_metrics_as_none():
    metrics = {key: 0.1 * i for i, key in enumerate(AP_METRICS)} | {"APl": math.nan, "AR100": 0.5}
    measured = Measurement.from_metrics(metrics, params=7, madds=9, device="cpu")
    assert set(measured.ap) == set(AP_METRICS) and measured.reward == metrics[REWARD_METRIC]
    outcome = TrialOutcome.measured(measured, **RUN)
    assert outcome.status is Status.OK and outcome.cause is None and outcome.ap["APl"] is None
    assert (outcome.params, outcome.madds, outcome.device, outcome.seed) == (7, 9, "cpu", 3)
    line = json.loads(json.dumps(outcome.to_dict()))
    assert line["status"] == "ok" and TrialOutcome.from_dict(line) == outcome


def test_a_measurement_keeps_the_readings_and_drops_other_metrics():
    metrics = {key: 0.1 for key in AP_METRICS} | {"AR1": 0.2, "AP_final": 0.3, "AP@0.25": 0.05}
    measurement = Measurement.from_metrics(metrics, params=1, madds=2, device="cpu")
    assert set(measurement.ap) == {*AP_METRICS, "AP_final", "AP@0.25"}
    assert read_name(0.25) == "AP@0.25" and is_reading("AP_sampling_sd") and not is_reading("AR1")


@pytest.mark.parametrize("reward", [math.nan, math.inf, None])
def test_a_non_finite_reward_fails_the_trial_with_cause_nan(reward):
    outcome = TrialOutcome.measured(Measurement(reward=reward, ap={"AP": reward}), **RUN)
    assert (outcome.status, outcome.cause, outcome.reward, outcome.ap) == (Status.FAILED, Cause.NAN, None, None)
    assert str(reward) in outcome.error and outcome.wall_seconds == RUN["wall_seconds"]


def test_a_failed_outcome_carries_cause_error_and_traceback_only():
    outcome = TrialOutcome.failed(Cause.OOM, "MemoryError: boom", "Traceback ...", **RUN)
    assert not outcome.ok and outcome.cause is Cause.OOM and outcome.error == "MemoryError: boom"
    assert all(getattr(outcome, key) is None for key in ("reward", "ap", "params", "madds", "device"))
    assert json.loads(json.dumps(outcome.to_dict()))["cause"] == "oom"


@pytest.mark.parametrize("key, value", [("status", "done"), ("cause", "segfault")])
def test_an_unknown_status_or_cause_is_refused_by_name(key, value):
    line = TrialOutcome.failed(Cause.ERROR, "x", None, **RUN).to_dict() | {key: value}
    with pytest.raises(ValueError, match=f"{key} is '{value}'; it must be one of"):
        TrialOutcome.from_dict(line)


def test_a_missing_key_is_named():
    line = TrialOutcome.failed(Cause.ERROR, "x", None, **RUN).to_dict()
    del line["seed"]
    with pytest.raises(ValueError, match=r"lacks \['seed'\]"):
        TrialOutcome.from_dict(line)


def test_the_record_is_the_outcome_plus_what_the_driver_knows():
    assert OUTCOME_KEYS == tuple(field.name for field in dataclasses.fields(TrialOutcome))
    assert set(RECORD_KEYS) - set(OUTCOME_KEYS) == {"trial", "cached", "decisions", "spec", "spec_hash", "versions"}
    assert len(RECORD_KEYS) == len(set(RECORD_KEYS))
