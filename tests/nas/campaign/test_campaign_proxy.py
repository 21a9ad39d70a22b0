"""The main job, small: a real campaign (controller -> Ray Tune -> proxy RetinaNet AP), then status and export."""

import json

import pytest

from nas.campaign.directory import CampaignDir
from nas.campaign.records import RECORD_KEYS
from nas.cli import main
from search_space.serialization import load_spec_file
from storage.trial_record import AP_METRICS, REWARD_METRIC

from tests.nas.campaign.campaign_helpers import cli


@pytest.mark.slow
def test_a_real_smoke_campaign_end_to_end(tmp_path, capsys):
    root = tmp_path / "campaign"
    run = cli("search", "--dir", str(root), "--set", "preset=smoke", "--set", "search.num_trials=1",
              "--set", "search.concurrency=1", "--set", f"proxy.data.data_dir={tmp_path / 'tfds'}", timeout=400)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"exported best architecture: {root}/export/best.json" in run.stdout
    assert f"spinenet-nas status {root}" in run.stdout  # what to do next, with the campaign's directory
    [record] = CampaignDir(root).trials.read()
    assert set(record) == set(RECORD_KEYS)
    assert record["status"] == "ok" and not record["cached"] and record["cause"] is None
    # Every COCO metric, and the held-out sampling sd every proxy trial reads beside them.
    assert set(record["ap"]) == {*AP_METRICS, "AP_sampling_sd"} and record["reward"] == record["ap"][REWARD_METRIC]
    assert record["params"] > 1e6 and record["madds"] > 1e8 and record["device"] == "cpu"
    assert record["wall_seconds"] > 1 and record["device_seconds"] == record["wall_seconds"]  # 1 CPU per trial
    assert (root / "trials" / "00000" / "result.json").exists() and (root / "searcher.msgpack").exists()
    assert any((root / "tensorboard").iterdir()) and (root / "tune" / "launch-000").is_dir()
    meta = json.loads((root / "campaign.json").read_text())
    assert meta["config"]["preset"] == "smoke" and meta["searcher"] == "reinforce"
    assert load_spec_file(root / "export" / "best.json").blocks

    assert main(["status", str(root)]) == 0
    out = capsys.readouterr().out
    assert "1 finished of 1" in out and "failure budget: 0 genuine failures" in out
    assert (root / "plots" / "rewards.png").exists() and (root / "plots" / "top_architectures.png").exists()
    assert main(["export", str(root), "--format", "tf", "--out", str(tmp_path / "tf")]) == 0
    path, model = capsys.readouterr().out.split()  # the module, and the model the campaign trained beside it
    assert "BLOCK_SPECS = [" in open(path).read() and json.loads(open(model).read())["preset"] == "smoke"
