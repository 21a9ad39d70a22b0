"""A study takes another study's record only for the same training: architecture, proxy config, seed, processor."""

import json

import pytest

from nas.overrides import ConfigError
from nas.search_study.config import SearchStudyConfig
from nas.search_study.runner import retrain_config
from nas.study.config import TARGET, StudyConfig
from nas.study.directory import study_record
from nas.study.report import cost_line
from nas.study.reuse import reusable_records, spent_here
from nas.study.runner import run_study
from nas.study.study import create_study, load_study
from proxy_task.runtime.host_cpu import host_cpu
from storage.trial_record import Measurement, TrialOutcome

HOST = "AMD EPYC [avx2]"


def _source(tmp_path, host=HOST, reads=(0.5, 0.75)):
    """A study of spinenet-49 and r50-fpn under 2 seeds at the smoke target and 1 epoch, every trial recorded."""
    config = StudyConfig(preset="smoke", architectures=0, named=("spinenet-49", "r50-fpn"),
                         proxies={"e1": ["train.epochs=1"]}, reads=reads, rerun_architectures=2, reruns=2)
    study = create_study(config, tmp_path / "source")
    study.dir.launches.append({"launch": 0, "time": 10.0, **({"host": host} if host else {})})
    for planned in study.trials:
        ap = {"AP": 0.1 + planned.trial / 100, **{f"AP@{f:g}": 0.01 for f in reads}}
        outcome = TrialOutcome.measured(Measurement(reward=ap["AP"], ap=ap, params=1, madds=2, device="cpu"),
                                        seed=planned.seed, wall_seconds=5.0, device_seconds=5.0,
                                        started_at=11.0, finished_at=20.0 + planned.trial)
        study.dir.trials.append(study_record(planned, study.architectures[planned.architecture], outcome))
    return load_study(study.dir.root)


def _retraining(tmp_path, **changes):
    settings = dict(preset="smoke", architectures=0, named=("r50-fpn", "spinenet-49"), proxies={}, reads=(0.5,),
                    rerun_architectures=2, reruns=3)
    return create_study(StudyConfig(**{**settings, **changes}), tmp_path / "retrain")


def test_the_same_trainings_are_taken_under_this_studys_names_and_the_rest_still_run(tmp_path):
    source = _source(tmp_path)
    study = _retraining(tmp_path)
    taken = reusable_records(study, HOST, [source.dir.root])
    # seeds 0 and 1 of both architectures at the target; seed 2 was never trained there
    assert sorted((r["architecture"], r["seed"]) for r in taken) == [
        ("r50-fpn", 0), ("r50-fpn", 1), ("spinenet-49", 0), ("spinenet-49", 1)]
    planned = {t.trial: t for t in study.trials}
    originals = {r["trial"]: r for r in source.records}
    for record in taken:
        origin = originals[record["reused_from"]["trial"]]
        assert record["reused_from"]["study"] == str(source.dir.root)
        assert (origin["architecture"], origin["seed"], origin["fidelity"]) == (
            record["architecture"], record["seed"], TARGET)
        assert record["reward"] == origin["reward"] and record["ap"] == origin["ap"]
        assert planned[record["trial"]].architecture == record["architecture"]
    assert spent_here(taken) == 0.0 and spent_here(source.records) == 5.0 * len(source.records)
    json.dumps(taken)  # each is a line of trials.jsonl


def test_another_processor_config_or_missing_read_trains_again(tmp_path):
    source = _source(tmp_path)
    assert reusable_records(_retraining(tmp_path / "a"), "Intel(R) Xeon(R) Processor [avx512f]",
                            [source.dir.root]) == []
    assert reusable_records(_retraining(tmp_path / "b", target=("train.epochs=3",)), HOST, [source.dir.root]) == []
    assert reusable_records(_retraining(tmp_path / "c", reads=(0.25,)), HOST, [source.dir.root]) == []
    assert reusable_records(_retraining(tmp_path / "d"), HOST, [tmp_path / "nowhere"]) == []


def test_a_launch_without_its_host_is_not_reused(tmp_path):
    source = _source(tmp_path, host=None)
    assert reusable_records(_retraining(tmp_path), HOST, [source.dir.root]) == []


def test_a_study_whose_every_training_is_reused_records_them_and_trains_nothing(tmp_path, capsys):
    source = _source(tmp_path, host=host_cpu())
    study = _retraining(tmp_path, reruns=2, reuse=(str(source.dir.root),))
    assert run_study(study) == 0  # no Ray is started: nothing is left to train
    records = load_study(study.dir.root).records
    assert len(records) == 4 and all(r["reused_from"]["study"] == str(source.dir.root) for r in records)
    assert "4 trials reuse the same trainings" in capsys.readouterr().out
    assert run_study(load_study(study.dir.root)) == 0 and len(load_study(study.dir.root).records) == 4
    line = cost_line(load_study(study.dir.root))
    assert line.startswith("0 trainings, 0.00 device-hours") and "4 trials reused" in line and host_cpu() in line
    assert cost_line(source).startswith("8 trainings, 0.01 device-hours") and "reused" not in cost_line(source)


def test_the_search_studys_retraining_takes_its_reuse_setting(tmp_path):
    config = SearchStudyConfig(reuse=("results/studies/proxy-study-cpu",))
    assert retrain_config(config, tmp_path, {}).reuse == ("results/studies/proxy-study-cpu",)
    with pytest.raises(ConfigError, match="reuse="):
        StudyConfig(reuse="results/studies/proxy-study-cpu")
