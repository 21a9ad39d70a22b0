"""Damage to a finished campaign's records, and what status, export and the resumed driver make of it.

Each case copies the session's finished surrogate campaign, damages the copy,
and checks that every command reads the same records.
"""

import json
import shutil

import pytest

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


def _replace_first_line(root, data: bytes):
    path = root / "trials.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(data + b"\n" + b"".join(lines[1:]))


MID_FILE_DAMAGE = {
    "invalid UTF-8": (b'{"trial": 0, "status": "\xff\xfe"}', "line 1 is not UTF-8 text"),
    "invalid JSON": (b'{"trial": 0, "status": ok}', "line 1 is not JSON"),
    "a JSON list": (b"[0, 1]", "line 1 is not a JSON object"),
}


@pytest.mark.parametrize("command", ["status", "export", "resume"])
@pytest.mark.parametrize("data, fragment", MID_FILE_DAMAGE.values(), ids=MID_FILE_DAMAGE.keys())
def test_a_damaged_line_mid_file_is_named_by_every_command(tmp_path, capsys, finished_campaign, command, data,
                                                           fragment):
    root = _copy(finished_campaign, tmp_path)
    _replace_first_line(root, data)
    before = sorted(p.name for p in root.iterdir())
    assert main([command, str(root)]) == 2  # resume stops before Ray starts
    err = capsys.readouterr().err
    assert f"{root}/trials.jsonl is damaged: {fragment}" in err and "restore those lines" in err
    assert sorted(p.name for p in root.iterdir()) == before


def test_a_torn_last_line_is_not_damage(tmp_path, capsys, finished_campaign):
    root = _copy(finished_campaign, tmp_path)
    with open(root / "trials.jsonl", "ab") as handle:
        handle.write(b'{"trial": 2, "sta')  # a driver killed mid-append
    assert main(["status", str(root), "--no-plots"]) == 0
    assert "2 finished of 2" in capsys.readouterr().out


def test_a_torn_last_proposal_line_is_ignored_and_cut_on_resume(tmp_path, capsys, finished_campaign):
    root = _copy(finished_campaign, tmp_path)
    with open(root / "proposals.jsonl", "ab") as handle:
        handle.write(b'{"trial": 2, "decis')  # a driver killed while proposing trial 2
    assert main(["status", str(root), "--no-plots"]) == 0
    assert "2 finished of 2; 0 unfinished" in capsys.readouterr().out
    directory = CampaignDir(root)
    config = campaign_config.from_dict(directory.read_meta()["config"])
    resumed = open_campaign(directory, campaign_config.from_values(
        {**campaign_config.flatten(campaign_config.to_dict(config)), "search.num_trials": 3}))
    proposal = resumed.next_proposal()  # trial 2 is proposed afresh, on a line of its own
    assert proposal.id == 2 and [p["trial"] for p in directory.read_proposals()] == [0, 1, 2]
    directory.close()
