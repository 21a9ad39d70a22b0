"""``spinenet-nas compare`` end to end with tiny budgets: campaigns, final trainings, report, resume."""

import csv
import json

import pytest

from nas.compare.config import resolve
from nas.compare.runner import EXIT_OK, run_comparison
from nas.overrides import ConfigError

TINY = [
    'searched=["r0-sp53"]', 'references=["spinenet-49"]', "trials_per_space=2", "final_seeds=[0]",
    # Instant surrogate campaigns keep the test short; the final trainings are real smoke trainings.
    "campaign.trial.kind=surrogate", "campaign.trial.dispatch=tasks", "campaign.output.tensorboard=false",
]


@pytest.mark.slow
def test_smoke_comparison_end_to_end_then_resume(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    root = tmp_path / "compare"
    assert run_comparison(resolve(TINY, preset="smoke"), root) == EXIT_OK
    rows = list(csv.DictReader((root / "family.csv").open()))
    assert [r["member"] for r in rows] == ["R0-SP53", "SpineNet-49 (published)"]
    searched, published = rows
    assert searched["trials"] == "2" and published["trials"] == ""
    for row in rows:
        assert row["seeds"] == "1" and 0.0 <= float(row["ap_mean"]) <= 1.0 and float(row["flops_b"]) > 0
    report = (root / "report.md").read_text()
    assert "R0-SP53" in report and "SpineNet-49 (published)" in report and "| 2 " in report
    for image in ("ap_vs_flops.png", "architectures.png"):
        assert (root / image).read_bytes()[:4] == b"\x89PNG"
    final = json.loads((root / "final" / "searched-r0-sp53" / "seed0" / "final.json").read_text())
    assert final["status"] == "ok" and final["spec"]["name"].startswith("r0-sp53-best-trial")

    # Rerunning resumes: the campaign is complete and no final training runs again.
    before = (root / "final" / "searched-r0-sp53" / "seed0" / "final.json").stat().st_mtime_ns
    capsys.readouterr()
    assert run_comparison(resolve(TINY, preset="smoke"), root) == EXIT_OK
    assert "final training: 0 runs to go" in capsys.readouterr().out
    assert (root / "final" / "searched-r0-sp53" / "seed0" / "final.json").stat().st_mtime_ns == before
    with pytest.raises(ConfigError, match="other settings"):
        run_comparison(resolve([*TINY, "final_seeds=[0,1]"], preset="smoke"), root)


def test_bad_members_and_keys_are_refused_before_anything_runs(tmp_path):
    with pytest.raises(ConfigError, match="unknown config key 'bogus'"):
        resolve(["bogus=1"])
    with pytest.raises(ConfigError, match="searched: 'r99'"):
        resolve(['searched=["r99"]'])
    with pytest.raises(ConfigError, match="spec_files: .*missing.json"):
        resolve([f'spec_files=["{tmp_path}/missing.json"]'])
    with pytest.raises(ConfigError, match="set per member"):
        resolve(["campaign.search.space=r0-sp53"])
    with pytest.raises(ConfigError, match="unknown searcher .annealing."):
        resolve(["campaign.search.searcher=annealing"])
