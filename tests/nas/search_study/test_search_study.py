"""``spinenet-nas search-study`` end to end on surrogate trials: campaigns, winners, retraining, report, resume."""

import json

import numpy as np
import pytest

from nas.campaign.directory import CampaignDir
from nas.cli import main
from nas.overrides import ConfigError, apply_overrides
from nas.search_study.config import SearchStudyConfig
from nas.study.directory import StudyDir
from results.search_study_table import campaign_score, difference_estimate, pooled_seed_sd, score_estimate

SMALL = ["--set", "seeds=[0,1]", "--set", "max_trials=8", "--set", "retrain_seeds=2"]


@pytest.mark.slow
def test_a_surrogate_search_study_runs_reports_and_resumes_without_rerunning(tmp_path, capsys):
    root = tmp_path / "ss"
    assert main(["search-study", "--preset", "surrogate", "--dir", str(root), *SMALL]) == 0
    out = capsys.readouterr().out
    for name in ("reinforce-0", "random-0", "evolution-0", "reinforce-1", "random-1", "evolution-1"):
        records = CampaignDir(root / "campaigns" / name).trials.read()
        assert len([r for r in records if r.get("rung", 0) == 0]) == 8  # max_trials samples each
        assert any(r.get("rung") == 1 for r in records)  # rungs: some were promoted
    winners = json.loads((root / "winners.json").read_text())
    assert all(len(found) == 2 for found in winners.values())  # top_k = 2
    retrain = StudyDir(root / "retrain").read_trials()
    distinct = {w["spec_hash"] for found in winners.values() for w in found}
    assert len([r for r in retrain if r["fidelity"] == "target"]) == 2 * (len(distinct) + 1)  # + spinenet-49
    assert "| reinforce |" in out and "spinenet-49" in out and "Verdict: reinforce" in out
    summary = json.loads((root / "search_study.json").read_text())
    assert set(summary["searchers"]) == {"reinforce", "random", "evolution"}
    assert (root / "reward_vs_device_hours.png").read_bytes().startswith(b"\x89PNG")

    before = {p: p.read_bytes() for p in root.rglob("trials.jsonl")}
    assert main(["search-study", "--dir", str(root)]) == 0  # all done: nothing runs again
    assert {p: p.read_bytes() for p in root.rglob("trials.jsonl")} == before
    assert main(["search-study", "--dir", str(root), "--set", "top_k=3"]) == 2
    assert "config is fixed" in capsys.readouterr().err


@pytest.mark.slow
def test_the_same_study_twice_gives_the_same_report(tmp_path, capsys):
    texts = []
    for name in ("a", "b"):
        assert main(["search-study", "--preset", "surrogate", "--dir", str(tmp_path / name), *SMALL,
                     "--set", 'searchers=["reinforce","random"]', "--set", "seeds=[3]"]) == 0
        texts.append((tmp_path / name / "report.md").read_text().split("\n", 3)[3])  # after the command line
    assert texts[0] == texts[1]


@pytest.mark.parametrize("assignment, message", [
    ("searchers=[\"reinforce\",\"bayes\"]", "name each of"),
    ("seeds=[]", "distinct campaign seeds"),
    ("device_hours=0", "device_hours"),
    ("top_k=0", "top_k"),
    ("campaign=[\"search.concurrency=0\"]", "campaign .overrides of every campaign.s config.: search"),
])
def test_bad_settings_are_refused_with_the_fix(assignment, message):
    with pytest.raises(ConfigError, match=message):
        apply_overrides(SearchStudyConfig(), [assignment])


def test_scores_take_each_campaigns_best_winner_and_intervals_cover_the_spread():
    assert campaign_score([[1.0, 3.0], [2.5, 2.5], []]) == 2.5
    strong = [[[5.0, 5.2, 4.8]], [[5.1, 4.9, 5.0]]]
    weak = [[[1.0, 1.2, 0.8]], [[1.1, 0.9, 1.0]]]
    estimate = score_estimate(strong)
    assert estimate.value == pytest.approx(5.0) and estimate.low < 5.0 < estimate.high
    difference = difference_estimate(strong, weak)
    assert difference.value == pytest.approx(4.0) and difference.low > 3.5
    assert pooled_seed_sd([[1.0, 3.0], [2.0], [5.0, 5.0]]) == pytest.approx(np.sqrt(2.0 / 2))
