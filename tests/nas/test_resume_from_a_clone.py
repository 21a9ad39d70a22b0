"""A study or campaign committed part-way under ``results/studies/`` goes on from its records in a fresh clone.

Only what ``results/studies/.gitignore`` lets through travels (the records, not the trial directories
with their checkpoints, nor Ray Tune's state, the cache or the searcher's snapshot): the clone must
run exactly the trials without a record, and a rung whose checkpoint stayed behind trains again.
"""

import shutil
import subprocess

from nas.campaign.directory import CampaignDir
from nas.campaign.launch import open_campaign
from nas.cli import main
from nas.study.directory import StudyDir

from tests.nas.campaign.campaign_helpers import REPO, assert_same_state, drive, new_campaign, surrogate_config
from tests.nas.study.test_study_command import SURROGATE as SURROGATE_STUDY

RUNGS = ("search.mode=async", "search.fidelity=[0.25,1]", "search.eta=2", "search.num_trials=8",
         "search.concurrency=2", "search.searcher=random")


def _git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _origin(tmp_path):
    """A repository with this project's results/studies/.gitignore, as a machine that ran a part has it."""
    origin = tmp_path / "origin"
    (origin / "results" / "studies").mkdir(parents=True)
    shutil.copy(REPO / "results" / "studies" / ".gitignore", origin / "results" / "studies" / ".gitignore")
    _git(origin, "init", "-q")
    return origin


def _commit_and_clone(origin, tmp_path):
    _git(origin, "add", "-A")
    _git(origin, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "a part")
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", str(origin), str(clone))
    return clone


def test_a_study_committed_part_way_goes_on_in_a_fresh_clone(tmp_path, capsys):
    origin = _origin(tmp_path)
    root = origin / "results" / "studies" / "s"
    assert main(["proxy-study", "--dir", str(root), *SURROGATE_STUDY]) == 0
    # The part ended after 10 of the 16 trials: the file as a kill -9 there leaves it.
    lines = (root / "trials.jsonl").read_bytes().splitlines(keepends=True)
    (root / "trials.jsonl").write_bytes(b"".join(lines[:10]))
    (root / "trials" / "00000").mkdir(parents=True, exist_ok=True)  # a proxy trial's directory: must not travel
    (root / "trials" / "00000" / "trial.log").write_text("a log")
    clone_root = _commit_and_clone(origin, tmp_path) / "results" / "studies" / "s"
    assert not (clone_root / "trials").exists() and not (clone_root / ".lock").exists()
    capsys.readouterr()

    assert main(["proxy-study", "--dir", str(clone_root)]) == 0
    assert "10 done, 6 to run" in capsys.readouterr().out
    after = (clone_root / "trials.jsonl").read_bytes()
    assert after.startswith(b"".join(lines[:10]))  # the committed records untouched
    records = StudyDir(clone_root).read_trials()
    assert sorted(r["trial"] for r in records) == list(range(16))
    original = {r["trial"]: r["reward"] for r in StudyDir(root).trials.read()}
    assert {r["trial"]: r["reward"] for r in records if r["trial"] in original} == original


def test_a_campaign_with_rungs_committed_part_way_equals_an_uninterrupted_one(tmp_path):
    config = surrogate_config(*RUNGS)
    whole = new_campaign(tmp_path / "whole", config)
    drive(whole)

    origin = _origin(tmp_path)
    root = origin / "results" / "studies" / "c"
    part = new_campaign(root, config)
    drive(part, stop_after=7)  # some first rungs done, a promotion decided; more proposals unfinished
    part.dir.close()
    assert len(CampaignDir(root).trials.read()) == 7
    (root / "trials" / "00000").mkdir(parents=True, exist_ok=True)
    (root / "trials" / "00000" / "checkpoint-0.npz").write_bytes(b"left behind")  # must not travel
    clone_root = _commit_and_clone(origin, tmp_path) / "results" / "studies" / "c"
    assert not (clone_root / "trials").exists() and not (clone_root / "searcher.msgpack").exists()

    resumed = open_campaign(CampaignDir(clone_root), config)
    drive(resumed)
    key = lambda r: (r["trial"], r.get("rung", 0))  # noqa: E731
    done = sorted((key(r), r["reward"]) for r in CampaignDir(clone_root).trials.read())
    assert done == sorted((key(r), r["reward"]) for r in CampaignDir(tmp_path / "whole").trials.read())
    assert len(done) > 7 and sum(rung == 1 for (_, rung), _ in done) >= 3  # the clone ran more, promotions too
    assert_same_state(resumed.searcher, whole.searcher)
