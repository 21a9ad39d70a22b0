"""Damage to a finished campaign's records, and what status, export and the resumed driver make of it.

Each case copies the session's finished surrogate campaign, damages the copy,
and checks that every command reads the same records.
"""

import json
import shutil

import numpy as np
import pytest

from nas.campaign import config_loading as campaign_config
from nas.campaign.directory import CampaignDir
from nas.campaign.launch import open_campaign
from nas.campaign.repair import repair as repair_campaign
from nas.cli import main
from nas.overrides import ConfigError

from tests.nas.campaign.campaign_helpers import cli, drive, new_campaign, surrogate_config


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


def _replace_line(path, index: int, data: bytes) -> bytes:
    """Puts ``data`` in place of line ``index`` (0-based) of ``path``; returns the line it replaced."""
    lines = path.read_bytes().splitlines(keepends=True)
    old, lines[index] = lines[index], data + b"\n"
    path.write_bytes(b"".join(lines))
    return old


def _replace_first_line(root, data: bytes):
    _replace_line(root / "trials.jsonl", 0, data)


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
    assert f"spinenet-nas resume {root} --repair" in err
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


# -- resume --repair ----------------------------------------------------------

SYNC = ["search.num_trials=4", "search.concurrency=2", "search.mode=sync", "search.searcher=reinforce",
        "search.settings.batch_size=2"]


def _sync_campaign(tmp_path):
    """A finished sync campaign of two batches of two (trials 0-1, then 2-3), run in-process."""
    root = tmp_path / "sync"
    campaign = new_campaign(root, surrogate_config(*SYNC))
    drive(campaign, np.random.default_rng(0))
    campaign.dir.close()
    return root


def _open(root, *, repair: bool = False, lock: bool = True):
    """The resumed driver's state, as ``resume [--repair]`` rebuilds it (no Ray)."""
    directory = CampaignDir(root)
    config = campaign_config.from_dict(directory.read_meta()["config"])
    if repair:
        directory.lock()
        notes = repair_campaign(directory, sync=config.search.mode == "sync")
        directory.record_launch("test", repair=True)
        return open_campaign(directory, config), notes
    return open_campaign(directory, config)


def test_repair_moves_a_damaged_record_aside_and_runs_its_trial_again(tmp_path, finished_campaign):
    root = _copy(finished_campaign, tmp_path)
    original = _replace_line(root / "trials.jsonl", 0, b'{"trial": 0, "status": ok}')
    campaign, notes = _open(root, repair=True)
    assert notes == [f"moved 1 damaged line(s) of trials.jsonl to {root}/trials.jsonl.quarantine: "
                     f"line 1 (is not JSON)", "trials [0] have no record and run again under their ids"]
    assert (root / "trials.jsonl.quarantine").read_bytes() == b'{"trial": 0, "status": ok}\n'
    assert [p.id for p in campaign.queue] == [0] and campaign.num_records == 1
    drive(campaign, np.random.default_rng(0))
    campaign.dir.close()
    rerun = CampaignDir(root).read_trials()
    assert [r["trial"] for r in rerun] == [1, 0]
    assert rerun[1]["reward"] == json.loads(original)["reward"]  # the surrogate is deterministic
    assert _repair_notes(root) == []  # a second repair finds nothing to do


def _repair_notes(root):
    directory = CampaignDir(root)
    try:
        return repair_campaign(directory, sync=False)
    finally:
        directory.close()


def test_a_lost_record_of_a_closed_sync_batch_is_refused_then_run_again_and_fed_late(tmp_path):
    root = _sync_campaign(tmp_path)
    lines = (root / "trials.jsonl").read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if json.loads(line)["trial"] == 1)  # batch 0 of 2
    _replace_line(root / "trials.jsonl", index, b"\xff")
    with pytest.raises(ConfigError, match="trials.jsonl is damaged: line .* is not UTF-8 text"):
        _open(root)
    (root / "trials.jsonl").write_text("".join(f"{line}\n" for i, line in enumerate(lines) if i != index))
    with pytest.raises(ConfigError, match=r"lacks the records of trials \[1\] of sync batch 0, but batch 1 .*--repair"):
        _open(root)  # a line cut out cleanly is caught by the batches
    campaign, notes = _open(root, repair=True)
    assert notes == [] and campaign.feed.late == {1} and [p.id for p in campaign.queue] == [1]
    drive(campaign, np.random.default_rng(0))
    assert campaign.feed.late == set() and campaign.finished
    completed = [t.id for t in campaign.searcher.history]
    assert sorted(completed) == [0, 1, 2, 3] and completed[-1] == 1  # fed back last, when it finished
    campaign.dir.close()
    resumed = _open(root)  # a plain resume after the repair accepts the late trial
    assert resumed.finished and resumed.num_records == 4 and not resumed.queue
    resumed.dir.close()


@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync"])
def test_repair_rebuilds_the_damaged_proposal_of_a_finished_trial_from_its_record(tmp_path, finished_campaign,
                                                                                  sync):
    root = _sync_campaign(tmp_path) if sync else _copy(finished_campaign, tmp_path)
    path = root / "proposals.jsonl"
    original = json.loads(_replace_line(path, 1, b"[1]"))
    with pytest.raises(ConfigError, match=r"proposals.jsonl is damaged: line 2 is not a JSON object.*--repair"):
        _open(root)
    campaign, notes = _open(root, repair=True)
    assert notes[0] == f"moved 1 damaged line(s) of proposals.jsonl to {path}.quarantine: line 2 (is not a JSON object)"
    assert notes[1:] == ["rebuilt the proposals of finished trials [1] from their records"]
    assert {p["trial"]: p for p in CampaignDir(root).read_proposals()}[1] == original
    assert campaign.finished and not campaign.queue
    campaign.dir.close()


def test_an_unfinished_trial_whose_proposal_is_lost_is_replaced(tmp_path, finished_campaign):
    root = _copy(finished_campaign, tmp_path)
    lines = (root / "trials.jsonl").read_bytes().splitlines(keepends=True)
    (root / "trials.jsonl").write_bytes(lines[1])  # trial 0 was running when the driver died...
    _replace_line(root / "proposals.jsonl", 0, b'{"trial": 0, "decisions": [')  # ...and its proposal is damaged
    campaign, notes = _open(root, repair=True)
    assert notes[1] == ("trials [0] lost their proposals before they finished: they cannot run again, and the "
                        "searcher proposes others in their place")
    assert campaign.skipped == 1 and not campaign.queue
    drive(campaign, np.random.default_rng(0))
    campaign.dir.close()
    assert [r["trial"] for r in CampaignDir(root).read_trials()] == [1, 2]  # the budget of two is met


def test_resume_repair_runs_end_to_end(tmp_path, finished_campaign):
    root = _copy(finished_campaign, tmp_path)
    _replace_first_line(root, b'{"trial": 0, "sta\xff')
    resumed = cli("resume", str(root), "--repair")
    assert resumed.returncode == 0, resumed.stderr
    assert (f"repair: moved 1 damaged line(s) of trials.jsonl to {root}/trials.jsonl.quarantine: line 1 "
            f"(is not UTF-8 text)\nrepair: trials [0] have no record and run again under their ids") in resumed.stderr
    assert "campaign done: 2 trials" in resumed.stdout
    assert [r["trial"] for r in CampaignDir(root).read_trials()] == [1, 0]
    assert CampaignDir(root).launches.read()[-1]["repair"] is True
