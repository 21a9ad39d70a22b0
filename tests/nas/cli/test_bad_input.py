"""Bad input through the real command line, in-process: exit 2, a message naming the value, nothing created.

Each case is ``(argv, fragment)``: ``{tmp}`` in ``argv`` is the test's empty
temporary directory, ``fragment`` must appear in stderr, and after the command
``{tmp}`` holds nothing but what the case's setup put there.
"""

import json
import os
import shutil

import pytest

from nas.cli import main

CAMPAIGN = ["search", "--dir", "{tmp}/campaign"]

SEARCH_CONFIG = {
    "unknown key": (["--set", "search.bogus=1"], "unknown config key 'search.bogus'"),
    "unknown mode": (["--set", "search.mode=batch"], "search.mode='batch'; use one of ['sync', 'async']"),
    "misspelt setting": (["--set", "search.settings.learning_rat=0.1"], "unknown setting(s) ['learning_rat']"),
    "unknown preset": (["--set", "preset=fast"], "unknown preset"),
    "negative epochs": (["--set", "proxy.train.epochs=-1"], "proxy.train.epochs"),
    "fractional GPUs above 1": (["--set", "resources.gpus=1.5"], "resources.gpus=1.5"),
    "unknown space": (["--set", "search.space=r99-sp1"], "unknown search space"),
    "unknown fault": (["--set", 'trial.inject_faults={"2": "meltdown"}'], "trial.inject_faults"),
    # Searcher settings are checked when the config is, not when the searcher is built under Ray.
    "learning rate not a number": (["--set", "search.settings.learning_rate=abc"],
                                   "search.settings.learning_rate: 'abc' is not a float"),
    "batch of zero": (["--set", "search.settings.batch_size=0"],
                      "search.settings.batch_size: 0 is out of range; use a value >= 1"),
    "negative hidden size": (["--set", "search.settings.hidden_size=-1"],
                             "search.settings.hidden_size: -1 is out of range"),
    "baseline decay of 1": (["--set", "search.settings.baseline_decay=1"], "use a value in [0, 1)"),
    "batch size true": (["--set", "search.settings.batch_size=true"], "search.settings.batch_size: True is not an int"),
    "seed beyond 64 bits": (["--set", f"search.seed={2**70}"], f"search.seed: {2**70} is out of range"),
    "negative seed": (["--set", "search.seed=-1"], "use a value in [0, 2**63)"),
    "unknown failure policy": (["--set", "search.on_failure=retry"], "search.on_failure: 'retry'; use one of"),
    "nothing at the address": (["--address", "127.0.0.1:1"],
                               "could not join the Ray cluster at '127.0.0.1:1': nothing answers there"),
    "address without a port": (["--address", "headnode"], "--address 'headnode': use auto, HOST:PORT"),
    "connect timeout of zero": (["--set", "resources.connect_timeout_s=0"],
                                "resources.connect_timeout_s=0.0: use a number of seconds > 0"),
    "NaN surrogate seconds": (["--set", "trial.surrogate_seconds=NaN"], "trial.surrogate_seconds=nan: not a finite number"),
    "NaN failure reward": (["--set", "search.failure_reward=NaN"], "search.failure_reward=nan: not a finite number"),
    "infinite learning rate": (["--set", "search.settings.learning_rate=Infinity"], "=inf: not a finite number"),
    "minus infinite epochs": (["--set", "proxy.train.epochs=-Infinity"], "proxy.train.epochs=-inf: not a finite"),
    "NaN inside a dict": (["--set", 'resources.custom={"TPU": NaN}'], "resources.custom=nan: not a finite number"),
    "NaN inside a list": (["--set", "proxy.train.decay_at=[0.5, NaN]"], "proxy.train.decay_at=nan: not a finite"),
    "evolution population of zero": (["--set", "search.searcher=evolution", "--set",
                                      "search.settings.population_size=0"], "search.settings.population_size: 0"),
}


# Counts on the command line (argparse refuses them before the command runs) and other commands' input.
OTHER_COMMANDS = {
    "negative classes": (["describe", "spinenet-49", "--num-classes", "-5"],
                         "argument --num-classes: -5 is not a count; use 1 or more"),
    "status of the top -1": (["status", "{tmp}/campaign", "--top", "-1"], "argument --top: -1 is not a count"),
    "export of the top -1": (["export", "{tmp}/campaign", "--top", "-1"], "argument --top: -1 is not a count"),
    "export of the top 0": (["export", "{tmp}/campaign", "--top", "0"], "argument --top: 0 is not a count"),
    "export of the top x": (["export", "{tmp}/campaign", "--top", "x"], "argument --top: 'x' is not an integer"),
    # Kinds of bad input that were already handled, kept here so they stay handled.
    "unknown architecture": (["describe", "nosuchnet"], "unknown architecture 'nosuchnet'"),
    "unknown variant": (["describe", "spinenet-49", "--variant", "77"], "unknown variant '77'"),
    "unknown train preset": (["train", "--spec", "spinenet-49", "--preset", "fast"], "unknown preset 'fast'"),
    "unknown moving variance": (["train", "--spec", "spinenet-49", "--preset", "smoke", "--workdir", "{tmp}/work",
                                 "--set", "model.norm_moving_variance=exact"], "norm_moving_variance 'exact'"),
    "status of no campaign": (["status", "{tmp}/none"], "{tmp}/none is not a campaign directory"),
    "resume of no campaign": (["resume", "{tmp}/none"], "{tmp}/none is not a campaign directory"),
    "unknown compare key": (["compare", "--dir", "{tmp}/compare", "--set", "bogus=1"], "unknown config key 'bogus'"),
    "a directory as the spec": (["describe", "{tmp}"], "spec file '{tmp}' is a directory"),
    "unknown key on resume": (["resume", "{tmp}/none", "--set", "search.num_trail=5"],
                              "unknown config key 'search.num_trail'"),
    "NaN epochs in train": (["train", "--spec", "spinenet-49", "--preset", "smoke", "--workdir", "{tmp}/work",
                             "--set", "train.epochs=NaN"], "train.epochs=nan: not a finite number"),
}


@pytest.mark.parametrize("args, fragment", OTHER_COMMANDS.values(), ids=OTHER_COMMANDS.keys())
def test_other_commands_refuse_bad_counts_numbers_and_names(tmp_path, capsys, args, fragment):
    _assert_refused(tmp_path, capsys, args, fragment.replace("{tmp}", str(tmp_path)))


@pytest.mark.parametrize("suffix, text", [(".json", '{"search": {"failure_reward": NaN}}'),
                                          (".toml", "[search]\nfailure_reward = nan\n")])
def test_a_config_file_with_a_non_finite_number_is_refused(tmp_path, capsys, suffix, text):
    (tmp_path / f"config{suffix}").write_text(text)
    _assert_refused(tmp_path, capsys, [*CAMPAIGN, "--config", f"{{tmp}}/config{suffix}"],
                    "search.failure_reward=nan: not a finite number", keep=[f"config{suffix}"])


@pytest.mark.parametrize("args, fragment", SEARCH_CONFIG.values(), ids=SEARCH_CONFIG.keys())
def test_search_refuses_a_bad_config_before_anything_starts(tmp_path, capsys, args, fragment):
    _assert_refused(tmp_path, capsys, [*CAMPAIGN, *args], fragment)


# A directory a command would write, where a file is in the way: refused before anything starts.
FILE_IN_THE_WAY = {
    "search --dir is a file": (CAMPAIGN[:2] + ["{tmp}/a-file"], "--dir {tmp}/a-file: a file of that name exists"),
    "search --dir under a file": (CAMPAIGN[:2] + ["{tmp}/a-file/campaign"],
                                  "{tmp}/a-file is a file, so no directory can be made under it"),
    "train --workdir is a file": (["train", "--spec", "spinenet-49", "--preset", "smoke", "--workdir", "{tmp}/a-file"],
                                  "--workdir {tmp}/a-file: a file of that name exists"),
    "compare --dir is a file": (["compare", "--preset", "smoke", "--dir", "{tmp}/a-file"],
                                "--dir {tmp}/a-file: a file of that name exists"),
}


@pytest.mark.parametrize("args, fragment", FILE_IN_THE_WAY.values(), ids=FILE_IN_THE_WAY.keys())
def test_a_file_where_a_directory_goes_is_refused(tmp_path, capsys, args, fragment):
    (tmp_path / "a-file").write_text("mine\n")
    _assert_refused(tmp_path, capsys, args, fragment.replace("{tmp}", str(tmp_path)), keep=["a-file"])
    assert (tmp_path / "a-file").read_text() == "mine\n"


def test_export_out_naming_a_file_is_refused(tmp_path, capsys, finished_campaign):
    (tmp_path / "a-file").write_text("mine\n")
    _assert_refused(tmp_path, capsys, ["export", str(finished_campaign), "--out", "{tmp}/a-file"],
                    f"--out {tmp_path}/a-file: a file of that name exists", keep=["a-file"])
    assert main(["export", str(finished_campaign), "--out", str(tmp_path / "out")]) == 0  # the campaign is fine


@pytest.mark.parametrize("data_dir_exists", [True, False])
def test_a_campaign_on_unprepared_coco_is_refused_before_it_starts(tmp_path, capsys, data_dir_exists):
    if data_dir_exists:
        (tmp_path / "data").mkdir()
    _assert_refused(tmp_path, capsys, [*CAMPAIGN, "--set", "preset=paper", "--set", "search.num_trials=2",
                                       "--set", "proxy.data.data_dir={tmp}/data"],
                    f"preset=paper: COCO (coco/2017) is not prepared in {tmp_path}/data",
                    keep=["data"] if data_dir_exists else [])  # a missing data dir is not created
    assert not data_dir_exists or not any((tmp_path / "data").iterdir())


def _damage_campaign_json(root):
    (root / "campaign.json").write_text("[1, 2]\n")


def _garble_campaign_json(root):
    (root / "campaign.json").write_text('{"format": "spinenet-nas/camp')


def _drop_trial_key(root):
    lines = (root / "trials.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    del first["trial"]
    (root / "trials.jsonl").write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")


DAMAGE = {
    "campaign.json holds a list": (_damage_campaign_json, "campaign.json is not a version-1 campaign file"),
    "campaign.json is cut short": (_garble_campaign_json, "campaign.json is damaged"),
    "a trial line without 'trial'": (_drop_trial_key, "trials.jsonl is damaged: line 1 lacks 'trial'"),
}


@pytest.mark.parametrize("command", ["status", "resume", "export"])
@pytest.mark.parametrize("damage, fragment", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_campaign_is_named_not_a_traceback(tmp_path, capsys, finished_campaign, command, damage, fragment):
    root = tmp_path / "campaign"
    shutil.copytree(finished_campaign, root)
    damage(root)
    before = _tree(root)
    _assert_refused(tmp_path, capsys, [command, str(root)], fragment, keep=["campaign"])
    assert _tree(root) == before


def test_resume_of_a_read_only_campaign_says_so(tmp_path, capsys, finished_campaign, monkeypatch):
    # Root ignores file modes, so the test makes the directory read-only in os.access's eyes.
    root = tmp_path / "campaign"
    shutil.copytree(finished_campaign, root)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if str(path) == str(root) else real_access(path, mode))
    _assert_refused(tmp_path, capsys, ["resume", str(root)], f"{root} is not writable by this user",
                    keep=["campaign"])


def test_status_still_reports_when_its_plots_cannot_be_written(tmp_path, capsys, finished_campaign):
    root = tmp_path / "campaign"
    shutil.copytree(finished_campaign, root)
    (root / "plots").write_text("a file where the plots folder goes\n")
    assert main(["status", str(root)]) == 0
    out, err = capsys.readouterr()
    assert "2 finished of 2" in out and "plots skipped:" in err


def _tree(root):
    return {(str(p.relative_to(root)), p.stat().st_size) for p in root.rglob("*")}


def _assert_refused(tmp_path, capsys, argv, fragment, keep=()):
    argv = [arg.replace("{tmp}", str(tmp_path)) for arg in argv]
    try:
        status = main(argv)
    except SystemExit as exit_:  # argparse's refusals
        status = exit_.code
    assert status == 2
    err = capsys.readouterr().err
    assert fragment in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)  # nothing created
