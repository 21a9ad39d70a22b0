"""``spinenet-nas proxy-study`` end to end on instant surrogate trials: run, report, status, kill -9 and resume."""

import csv
import os
import signal
import subprocess
import sys
import time

import pytest

from nas.cli import main
from nas.study.directory import StudyDir

from tests.nas.campaign.campaign_helpers import REPO, cli

SURROGATE = ["--set", "trial.kind=surrogate", "--set", "architectures=3", "--set", "pool=8",
             "--set", 'named=["spinenet-49"]', "--set", "rerun_architectures=2", "--set", "reruns=3",
             "--set", 'proxies={"epochs-1": ["train.epochs=1"]}', "--set", "reads=[]"]


def test_a_surrogate_study_runs_reports_and_is_not_run_twice(tmp_path, capsys):
    root = tmp_path / "study"
    assert main(["proxy-study", "--dir", str(root), *SURROGATE]) == 0
    out = capsys.readouterr().out
    records = StudyDir(root).read_trials()
    assert len(records) == 4 * 2 + 2 * 2 * 2 and sorted(r["trial"] for r in records) == list(range(16))
    # The surrogate reward ignores the fidelity: the candidate ranks exactly like the target.
    assert "epochs-1" in out and "1.00 [1.00, 1.00]" in out
    assert "Verdict: `epochs-1` is the cheapest candidate" in out
    rows = list(csv.DictReader((root / "study.csv").open()))
    assert [r["fidelity"] for r in rows] == ["target", "epochs-1"] and float(rows[1]["tau"]) == 1.0
    assert float(rows[0]["cv_mean"]) > 0  # the surrogate's seed noise, over 3 seeds of 2 architectures
    assert "# Proxy study" in (root / "report.md").read_text()
    assert (root / "tau_vs_cost.png").read_bytes().startswith(b"\x89PNG")

    assert main(["proxy-study", "--dir", str(root)]) == 0  # all done: nothing runs again
    assert "16 done, 0 to run" in capsys.readouterr().out and len(StudyDir(root).read_trials()) == 16
    assert main(["status", str(root)]) == 0
    assert "16 of 16 trials done" in capsys.readouterr().out


def test_a_resumed_study_keeps_its_plan(tmp_path, capsys):
    root = tmp_path / "study"
    StudyDir(root)  # nothing yet
    assert main(["proxy-study", "--dir", str(root), *SURROGATE, "--set", "trial.inject_faults={\"0\": \"nan\"}"]) == 0
    capsys.readouterr()
    assert main(["proxy-study", "--dir", str(root), "--set", "architectures=9"]) == 2
    assert "a resume may change only resources., trial.time_limit_s" in capsys.readouterr().err
    [failed] = [r for r in StudyDir(root).read_trials() if r["status"] == "failed"]
    assert failed["trial"] == 0 and failed["cause"] == "nan"
    # --retry-failed: the failed record moves aside byte for byte and the trial runs again (and fails
    # again here: its injected fault is part of the fixed plan).
    line = next(raw for raw in (root / "trials.jsonl").read_bytes().splitlines(keepends=True) if b'"nan"' in raw)
    assert main(["proxy-study", "--dir", str(root), "--retry-failed"]) == 0
    assert "trials [0] failed before and run again" in capsys.readouterr().out
    assert (root / "trials.retried.jsonl").read_bytes() == line
    records = StudyDir(root).read_trials()
    assert len(records) == 16 and [r["trial"] for r in records].count(0) == 1


@pytest.mark.slow
def test_kill_9_mid_study_then_resume_records_every_trial_once(tmp_path):
    root = tmp_path / "study"
    args = ["proxy-study", "--dir", str(root), *SURROGATE, "--set", "trial.surrogate_seconds=1.5"]
    driver = subprocess.Popen([sys.executable, "-m", "nas.cli", *args], cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 240
    while len(StudyDir(root).read_trials() if StudyDir(root).exists else []) < 3:
        assert driver.poll() is None and time.monotonic() < deadline, driver.stdout.read()
        time.sleep(0.1)
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    before = len(StudyDir(root).read_trials())
    assert 3 <= before < 16
    resumed = cli("proxy-study", "--dir", str(root), timeout=400)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"{before} done, {16 - before} to run" in resumed.stdout
    records = StudyDir(root).read_trials()
    assert sorted(r["trial"] for r in records) == list(range(16)) and len(StudyDir(root).trials.read()) == 16


@pytest.mark.slow
def test_the_smoke_preset_trains_real_proxies_end_to_end(tmp_path):
    # The README's study: 3 architectures at the target (2 epochs of the smoke proxy), one under a second
    # seed, each training also read half-way (the candidate 'target@0.5').
    root = tmp_path / "study"
    done = cli("proxy-study", "--preset", "smoke", "--dir", str(root),
               "--set", f'common=["data.data_dir={tmp_path / "tfds"}"]', timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    records = StudyDir(root).read_trials()
    assert len(records) == 4 and all(r["status"] == "ok" for r in records), records
    assert all({"AP", "AP@0.5", "AP_sampling_sd"} <= set(r["ap"]) for r in records)
    rows = list(csv.DictReader((root / "study.csv").open()))
    assert [r["fidelity"] for r in rows] == ["target", "target@0.5"] and rows[1]["trials"] == "4"
    report = (root / "report.md").read_text()
    assert "part-way reads" in report and "## Noise over seeds" in report
