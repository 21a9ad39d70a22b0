"""Stops in a row by SIGINT or SIGTERM, at random moments, under each dispatch mode: every one is clean.

One campaign per case is stopped five times, each launch after the first a
``resume``, then resumed to the end. Trials are instant surrogates and the
controller is checkpointed after every record, so the driver spends its time
dispatching, appending records, writing TensorBoard events and checkpoints:
the moments where a signal once crashed or went unheard. Each stop must exit
with the signal's status and the resume command, leave no process of its Ray
session after 10 s, and the campaign must end with every trial recorded once.
Each signal is tried ten times (five per dispatch mode): a one-in-six failure
of a signal escapes with probability (5/6)^10 = 16 %, one of a single mode
with (5/6)^5 = 40 %. Each stop costs a driver start (about 10 s on the 2-core
Xeon); ten per case doubled the suite's time. Two runs of ten per case (80
stops) exited with the right status and left nothing behind when this was written.

A SIGTERM to the group also ends the local Ray head, and Ray ends a driver
whose raylet died (status 1) at its next call to it; the driver's watcher
usually ends first (stop_signals), but where Ray won, as its driver log
says, the line printed when the signal arrived must carry the resume command.
"""

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from nas.campaign.directory import CampaignDir

from tests.nas.campaign.campaign_helpers import REPO, SURROGATE, alive_after, cli

STOPS_PER_CASE = 5
SETTINGS = [*SURROGATE, "search.concurrency=2", "search.mode=async", "trial.surrogate_seconds=0.02",
            "output.tensorboard=true", "output.checkpoint_every_s=0", "output.progress_every_s=1"]
CASES = {
    "SIGINT, tasks": ("tasks", signal.SIGINT),
    "SIGINT, tune": ("tune", signal.SIGINT),
    "SIGTERM, tasks": ("tasks", signal.SIGTERM),
    "SIGTERM, tune": ("tune", signal.SIGTERM),
}
RAYLET_DEATH = ("Exiting because the Raylet IPC connection failed and the local Raylet is dead",
                "Shutting down the core worker because the local raylet failed")


def _launch(root, dispatch: str, first: bool) -> subprocess.Popen:
    budget = "--set=search.num_trials=100000"  # never reached: every launch is stopped
    command = (["search", "--dir", str(root), *[f"--set={s}" for s in SETTINGS], f"--set=trial.dispatch={dispatch}",
                budget] if first else ["resume", str(root), budget])
    return subprocess.Popen([sys.executable, "-m", "nas.cli", *command], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _records(root) -> int:
    return len(CampaignDir(root).trials.read()) if (root / "trials.jsonl").exists() else 0


def _wait_for_new_records(root, before: int, driver: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while _records(root) < before + 2:
        assert driver.poll() is None, driver.stdout.read()
        assert time.monotonic() < deadline, "the driver recorded no trial for 120 s"
        time.sleep(0.05)


def _stop_once(root, dispatch: str, number: int, first: bool, to_group: bool, delay_s: float) -> None:
    before = _records(root)
    driver = _launch(root, dispatch, first)
    _wait_for_new_records(root, before, driver)
    time.sleep(delay_s)
    tree = {p.pid: p.create_time() for p in psutil.Process(driver.pid).children(recursive=True)}
    signalled_at = time.time()
    (os.killpg if to_group else os.kill)(driver.pid, number)
    output, _ = driver.communicate(timeout=60)
    if driver.returncode == 1 and to_group and _ray_ended(driver.pid, signalled_at):
        assert f"`spinenet-nas resume {root}` goes on from them" in output, output
    else:
        assert driver.returncode == 128 + number, output
        assert f"unfinished trials run again with: spinenet-nas resume {root}" in output, output
    assert alive_after(tree, 10) == [], output


def _ray_ended(pid: int, since: float) -> bool:
    """Whether Ray's log of driver ``pid``, written since ``since``, says Ray ended it for its dead raylet."""
    ray_temp = Path(os.environ.get("RAY_TMPDIR", tempfile.gettempdir())) / "ray"
    logs = [log for log in ray_temp.glob(f"session_*/logs/python-core-driver-*_{pid}.log")
            if log.stat().st_mtime >= since]
    return any(reason in log.read_text(errors="replace") for log in logs for reason in RAYLET_DEATH)


@pytest.mark.slow
@pytest.mark.parametrize("dispatch, number", CASES.values(), ids=CASES.keys())
def test_stops_at_random_moments_are_all_clean(tmp_path, dispatch, number):
    rng = random.Random(f"{dispatch}-{int(number)}")
    root = tmp_path / "campaign"
    for stop in range(STOPS_PER_CASE):
        # Ctrl-C reaches the terminal's whole foreground group; SIGTERM comes to the driver (Kubernetes)
        # or to every process of the job (Slurm), in turn.
        to_group = number == signal.SIGINT or stop % 2 == 1
        _stop_once(root, dispatch, number, stop == 0, to_group, rng.uniform(0.0, 1.5))

    proposed = len(CampaignDir(root).read_proposals())
    finished = cli("resume", str(root), f"--set=search.num_trials={proposed + 4}", timeout=240)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert sorted(r["trial"] for r in CampaignDir(root).trials.read()) == list(range(proposed + 4))
