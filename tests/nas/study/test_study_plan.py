"""A study's config, its spread architectures, its plan, and its directory on the campaigns' record machinery."""

import dataclasses
import json

import pytest

from nas.overrides import ConfigError, apply_overrides
from nas.study.config import TARGET, StudyConfig
from nas.study.directory import STUDY_RECORD_KEYS, study_record
from nas.study.report import all_records
from nas.study.plan import choose_architectures, plan_trials, spread
from nas.study.study import config_from_dict, config_to_dict, create_study, load_study
from storage.trial_record import RECORD_KEYS, Cause, Measurement, TrialOutcome

RUN = dict(seed=0, wall_seconds=1.0, device_seconds=1.0, started_at=0.0, finished_at=1.0)


def test_spread_takes_the_items_nearest_evenly_spaced_log_costs():
    costs = [1, 2, 3, 10, 11, 90, 100]
    assert spread(costs, 3, key=lambda c: c) == [1, 10, 100]  # log points 0, 2.3, 4.6
    assert spread(costs, 2, key=lambda c: c) == [1, 100] and spread(costs, 0, key=lambda c: c) == []
    assert spread([5, 5, 5], 3, key=lambda c: c) == [5, 5, 5]  # ties: each item once


def test_the_architectures_are_the_named_then_the_sampled_spread_over_cost_and_deterministic():
    config = StudyConfig(architectures=5, pool=40, named=("spinenet-49", "r50-fpn"))
    chosen = choose_architectures(config)
    assert [a.name for a in chosen] == ["spinenet-49", "r50-fpn", *(f"sample-{i}" for i in range(5))]
    sampled = [a.madds for a in chosen[2:]]
    assert sampled == sorted(sampled) and len({a.spec for a in chosen[2:]}) == 5
    assert chosen == choose_architectures(config)
    again = choose_architectures(dataclasses.replace(config, seed=1))
    assert [a.spec for a in again[2:]] != [a.spec for a in chosen[2:]]


def test_the_plan_trains_every_architecture_at_every_fidelity_then_reruns_the_first_ones():
    config = StudyConfig(architectures=2, named=("spinenet-49",), proxies={"e1": ["train.epochs=1"]},
                         rerun_architectures=2, reruns=3)
    trials = plan_trials(config, choose_architectures(config))
    assert [t.trial for t in trials] == list(range(len(trials))) and len(trials) == 3 * 2 + 2 * 2 * 2
    assert [(t.fidelity, t.seed) for t in trials[:6]] == [(TARGET, 0)] * 3 + [("e1", 0)] * 3
    assert {(t.architecture, t.fidelity, t.seed) for t in trials[6:]} == {
        (a, f, s) for a in ("spinenet-49", "sample-0") for f in (TARGET, "e1") for s in (1, 2)}


def test_each_fidelity_is_the_preset_with_its_overrides_and_the_seed():
    config = StudyConfig(preset="smoke", target=("train.epochs=3",), proxies={"e1": ["train.epochs=1"]})
    assert config.proxy_config(TARGET, seed=2) == apply_overrides(
        config.proxy_config("e1"), ["train.epochs=3", "train.seed=2", "data.seed=2"])


def test_a_fidelity_may_pin_one_seed_so_reruns_vary_the_other():
    config = StudyConfig(preset="smoke", proxies={"init": ["data.seed=0"], "data": ["train.seed=0"]})
    init, data = config.proxy_config("init", seed=3), config.proxy_config("data", seed=3)
    assert (init.train.seed, init.data.seed) == (3, 0) and (data.train.seed, data.data.seed) == (0, 3)


def test_reads_of_the_target_are_candidates_that_train_nothing_of_their_own():
    config = StudyConfig(preset="smoke", proxies={"e1": ["train.epochs=1"]}, reads=(0.5, 0.25))
    assert config.reads == (0.25, 0.5) and config.fidelities == (TARGET, "e1")
    assert config.read_fidelities == {"target@0.25": (TARGET, 0.25), "target@0.5": (TARGET, 0.5)}
    assert config.reported == (TARGET, "e1", "target@0.25", "target@0.5")
    assert config.proxy_config(TARGET).train.read_at == (0.25, 0.5) and config.proxy_config("e1").train.read_at == ()
    only_reads = StudyConfig(preset="smoke", proxies={}, reads=(0.5,))
    assert only_reads.fidelities == (TARGET,)
    assert len(plan_trials(only_reads, choose_architectures(only_reads))) == 6 + 2 * 2


BAD = {
    "unknown override": ({"proxies": {"e1": ["train.epoch=1"]}}, "e1 .*unknown config key 'train.epoch'"),
    "a proxy named target": ({"proxies": {"target": []}}, "none of them 'target'"),
    "no proxy": ({"proxies": {}}, "name at least one candidate"),
    "a read at the end": ({"reads": (1.0,)}, r"reads=\[1.0\]: fractions of the steps must be in \(0, 1\)"),
    "an @ in a name": ({"proxies": {"a@b": []}}, "with an '@'"),
    "too few architectures": ({"architectures": 1, "named": ()}, "at least 2 architectures"),
    "pool below the sample": ({"architectures": 9, "pool": 4}, "architectures <= pool"),
    "unknown space": ({"space": "r99-sp1"}, "space: unknown search space"),
    "reruns of too many": ({"rerun_architectures": 40}, "rerun_architectures=40"),
    "overrides not a list": ({"proxies": {"e1": "train.epochs=1"}}, "a list of 'key=value' strings"),
}


@pytest.mark.parametrize("values, fragment", BAD.values(), ids=BAD.keys())
def test_a_bad_study_config_is_refused_with_the_value_named(values, fragment):
    with pytest.raises(ConfigError, match=fragment):
        StudyConfig(**values)


def test_the_config_round_trips_through_json():
    config = StudyConfig(named=("r50-fpn",), target=("train.epochs=4",), proxies={"a": ["train.epochs=1"]},
                         resources=dataclasses.replace(StudyConfig().resources, cpus=2.0))
    assert config_from_dict(json.loads(json.dumps(config_to_dict(config)))) == config


def test_a_study_directory_keeps_its_plan_and_campaign_shaped_records(tmp_path):
    config = StudyConfig(architectures=2, named=("spinenet-49",), rerun_architectures=1, reruns=2)
    study = create_study(config, tmp_path / "study", command="spinenet-nas proxy-study")
    assert len(study.pending) == len(study.trials) == 3 * 2 + 1 * 2
    first, second = study.trials[:2]
    study.dir.trials.append(study_record(first, study.architectures[first.architecture], TrialOutcome.measured(
        Measurement(0.25), **RUN)))
    study.dir.trials.append(study_record(second, study.architectures[second.architecture], TrialOutcome.failed(
        Cause.OOM, "MemoryError", None, **RUN)))
    study.dir.close()
    loaded = load_study(tmp_path / "study")
    assert loaded.config == config and loaded.trials == study.trials and loaded.architectures == study.architectures
    assert [t.trial for t in loaded.pending] == [t.trial for t in study.trials[2:]]
    for record in loaded.records:
        assert set(record) == set(STUDY_RECORD_KEYS) and set(RECORD_KEYS) < set(record)
        assert TrialOutcome.from_dict(record).seed == 0
    assert loaded.records[0]["architecture"] == "spinenet-49" and loaded.records[0]["decisions"] is None
    with pytest.raises(ConfigError, match="already holds a study"):
        create_study(config, tmp_path / "study")


def test_a_record_carries_the_planned_seed_whatever_seed_the_fidelity_pinned(tmp_path):
    config = StudyConfig(architectures=0, named=("spinenet-49", "r50-fpn"), rerun_architectures=1, reruns=2,
                         proxies={"data-only": ["train.seed=100"]})
    study = create_study(config, tmp_path / "study")
    rerun = study.trials[-1]
    assert (rerun.fidelity, rerun.seed) == ("data-only", 1)
    trained = TrialOutcome.measured(Measurement(0.25), **{**RUN, "seed": 100})  # the child's training seed
    assert study_record(rerun, study.architectures[rerun.architecture], trained)["seed"] == 1
    older = {**study_record(rerun, study.architectures[rerun.architecture], trained), "seed": 100}
    study.dir.trials.append(older)  # as the first studies wrote it
    study.dir.close()
    assert [r["seed"] for r in all_records(load_study(tmp_path / "study"))] == [1]
    with pytest.raises(ConfigError, match="is not a study directory"):
        load_study(tmp_path)
