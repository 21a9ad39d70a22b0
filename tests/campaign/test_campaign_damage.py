"""Damage to a finished campaign's records, and what status, export and the resumed driver make of it.

Each case copies the session's finished surrogate campaign, damages the copy,
and checks that every command reads the same records.
"""

import json
import shutil

from nas.campaign import config as campaign_config
from nas.campaign.directory import CampaignDir
from nas.campaign.launch import open_campaign
from nas.cli import main


def _copy(finished_campaign, tmp_path):
    root = tmp_path / "campaign"
    shutil.copytree(finished_campaign, root)
    return root


def test_a_repeated_trial_line_counts_once_in_every_command(tmp_path, capsys, finished_campaign):
    root = _copy(finished_campaign, tmp_path)
    lines = (root / "trials.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    fake = {**first, "reward": 99.0}
    (root / "trials.jsonl").write_text("\n".join([*lines, json.dumps(fake)]) + "\n")  # a repeat, last

    assert main(["status", str(root), "--no-plots"]) == 0
    assert "2 finished of 2" in capsys.readouterr().out
    assert main(["export", str(root), "--format", "json", "--out", str(tmp_path / "export")]) == 0
    exported = json.loads((tmp_path / "export" / "best.json").read_text())
    directory = CampaignDir(root)
    campaign = open_campaign(directory, campaign_config.from_dict(directory.read_meta()["config"]))
    directory.close()
    assert campaign.num_records == 2 and campaign.best[0] < 99.0  # the driver's view, as resume rebuilds it
    assert [r["reward"] for r in directory.read_trials()] == [json.loads(line)["reward"] for line in lines]
    best = max(directory.read_trials(), key=lambda r: r["reward"])
    assert campaign.best == (best["reward"], best["trial"])
    assert exported["blocks"] == best["spec"]["blocks"] and f"trial{best['trial']}" in exported["name"]
