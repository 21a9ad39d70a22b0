"""kill -9 and Ctrl-C of a real campaign driver (Ray Tune, worker processes), then resume.

The campaign runs surrogate trials that take 1 s each, in sync batches of 2,
with a REINFORCE controller updating after every batch, and trial 3 crashing
its Ray worker once (an infrastructure failure: retried, not charged). Its
driver is killed with SIGKILL while trials run, resumed, interrupted with
SIGINT, and resumed again. The end must equal an uninterrupted campaign: the
same trials with the same decisions and rewards, each recorded once, and the
same controller state.
"""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from nas.campaign.directory import CampaignDir

from tests.nas.campaign.campaign_helpers import REPO, SURROGATE, assert_same_state, cli, drive, new_campaign, surrogate_config

SETTINGS = [*SURROGATE, "search.num_trials=10", "search.concurrency=2", "search.mode=sync",
            "trial.surrogate_seconds=1.0", "output.progress_every_s=1"]
CRASH = 'trial.inject_faults={"3": "crash"}'


def _start(*args):
    return subprocess.Popen([sys.executable, "-m", "nas.cli", *args], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _wait_for_records(root, count, process, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(CampaignDir(root).trials.read()) >= count:
            return
        assert process.poll() is None, process.stdout.read()
        time.sleep(0.1)
    raise AssertionError(f"no {count} records within {timeout}s")


def _pending(root):
    directory = CampaignDir(root)
    return {p["trial"] for p in directory.proposals.read()} - {r["trial"] for r in directory.trials.read()}


@pytest.mark.slow
def test_kill_9_and_ctrl_c_then_resume_equal_an_uninterrupted_campaign(tmp_path):
    reference = new_campaign(tmp_path / "reference", surrogate_config(*SETTINGS))  # in-process, no Ray
    drive(reference, np.random.default_rng(0))
    root = tmp_path / "campaign"
    sets = [f"--set={s}" for s in [*SETTINGS, CRASH]]

    driver = _start("search", "--dir", str(root), *sets)
    _wait_for_records(root, 3, driver)
    time.sleep(0.3)
    assert _pending(root), "no trial was in flight at the kill"
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    before_kill = CampaignDir(root).trials.read()
    in_flight = _pending(root)

    driver = _start("resume", str(root))
    _wait_for_records(root, len(before_kill) + 3, driver)
    driver.send_signal(signal.SIGINT)
    output, _ = driver.communicate(timeout=120)
    assert driver.returncode == 130, output
    assert f"spinenet-nas resume {root}" in output
    assert "Tuner.restore" not in output  # Tune's own restore hint would lose records (nas.campaign.tune_runner)

    finished = cli("resume", str(root), timeout=240)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert f"exported best architecture: {root}/export/best.json" in finished.stdout

    records = CampaignDir(root).trials.read()
    assert sorted(r["trial"] for r in records) == list(range(10))  # none lost, none twice
    assert records[:len(before_kill)] == before_kill  # finished trials untouched
    assert in_flight <= {r["trial"] for r in records[len(before_kill):]}  # in-flight trials ran again
    assert all(r["status"] == "ok" for r in records)  # the worker crash was retried, not charged
    expected = {r["trial"]: (r["decisions"], r["reward"]) for r in CampaignDir(tmp_path / "reference").trials.read()}
    assert {r["trial"]: (r["decisions"], r["reward"]) for r in records} == expected
    resumed = new_campaign(tmp_path / "unused", surrogate_config(*SETTINGS)).searcher
    resumed.load(root / "searcher.msgpack")
    assert_same_state(resumed, reference.searcher)
    assert len(CampaignDir(root).launches.read()) == 3


STOPS = {
    # Ctrl-C as a terminal sends it: to the driver's whole process group (Ray's head blocks SIGINT).
    "Ctrl-C, tasks": ("tasks", signal.SIGINT, os.killpg, 130, "SIGINT (Ctrl-C)"),
    "Ctrl-C, tune": ("tune", signal.SIGINT, os.killpg, 130, "SIGINT (Ctrl-C)"),
    # SIGTERM as Kubernetes sends it (to the driver) and as Slurm does (to every process: Ray's head dies too).
    "SIGTERM to the driver, tune": ("tune", signal.SIGTERM, os.kill, 143, "SIGTERM"),
    "SIGTERM to the group, tasks": ("tasks", signal.SIGTERM, os.killpg, 143, "SIGTERM"),
}


@pytest.mark.slow
@pytest.mark.parametrize("dispatch, number, send, status, name", STOPS.values(), ids=STOPS.keys())
def test_a_signal_stops_cleanly_then_resume_finishes(tmp_path, dispatch, number, send, status, name):
    root = tmp_path / "campaign"
    settings = [*SURROGATE, "search.num_trials=30", "search.concurrency=2", "search.mode=async",
                f"trial.dispatch={dispatch}", "trial.surrogate_seconds=0.2"]
    driver = subprocess.Popen([sys.executable, "-m", "nas.cli", "search", "--dir", str(root),
                               *[f"--set={s}" for s in settings]], cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
    _wait_for_records(root, 3, driver)
    send(driver.pid, number)
    output, _ = driver.communicate(timeout=60)
    assert driver.returncode == status, output
    assert f"trials done ({name}); unfinished trials run again with: spinenet-nas resume {root}" in output

    finished = cli("resume", str(root), timeout=240)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert sorted(r["trial"] for r in CampaignDir(root).trials.read()) == list(range(30))  # each once


RUNGS = [*SURROGATE, "search.searcher=random", "search.num_trials=6", "search.concurrency=2", "search.mode=async",
         "search.fidelity=[0.5,1]", "search.eta=2", "trial.surrogate_seconds=1.0", "output.progress_every_s=1"]


def _promotion_in_flight(root, process, timeout=240):
    """Waits until a promotion runs (its trial.log says so) without its record; returns its trial id."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = {(r["trial"], r.get("rung", 0)) for r in CampaignDir(root).trials.read()}
        for log in root.glob("trials/*/trial.log"):
            trial = int(log.parent.name)
            if ", rung 1 " in log.read_text() and (trial, 1) not in done:
                return trial
        assert process.poll() is None, process.stdout.read()
        time.sleep(0.05)
    raise AssertionError(f"no promotion ran within {timeout}s")


@pytest.mark.slow
def test_kill_9_during_a_promotion_then_resume_loses_nothing_and_trains_nothing_twice(tmp_path):
    root = tmp_path / "campaign"
    driver = _start("search", "--dir", str(root), *[f"--set={s}" for s in RUNGS])
    promoted = _promotion_in_flight(root, driver)
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    before = CampaignDir(root).trials.read()
    assert (promoted, 1) not in {(r["trial"], r.get("rung", 0)) for r in before}

    finished = cli("resume", str(root), timeout=240)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    records = CampaignDir(root).trials.read()
    assert records[:len(before)] == before  # finished rungs untouched
    runs = [(r["trial"], r["rung"]) for r in records]
    assert len(runs) == len(set(runs)), f"a rung trained twice: {runs}"
    assert sorted(trial for trial, rung in runs if rung == 0) == list(range(6))  # no sample lost
    first = sorted((r for r in records if r["rung"] == 0), key=lambda r: (-r["reward"], r["trial"]))
    assert {r["trial"] for r in first[:3]} <= {trial for trial, rung in runs if rung == 1}  # the best half went on
    assert "campaign done: 6 trials (" in finished.stdout
