"""A driver killed with kill -9 leaves no process of its Ray cluster behind (nas.campaign.ray_reaper)."""

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from nas.campaign import ray_reaper

from tests.nas.campaign.campaign_helpers import REPO, SURROGATE, alive, alive_after, records


@pytest.mark.slow
def test_kill_9_of_the_driver_leaves_no_ray_process_after_10_s(tmp_path):
    root = tmp_path / "campaign"
    sets = [f"--set={s}" for s in [*SURROGATE, "search.num_trials=50", "trial.surrogate_seconds=1"]]
    driver = subprocess.Popen([sys.executable, "-m", "nas.cli", "search", "--dir", str(root), *sets], cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while not records(root):
        assert driver.poll() is None and time.monotonic() < deadline, "the campaign did not start"
        time.sleep(0.2)
    tree = {p.pid: p.create_time() for p in psutil.Process(driver.pid).children(recursive=True)}
    names = " ".join(psutil.Process(pid).name() for pid in tree)
    assert "raylet" in names and "gcs_server" in names and "ray_reaper" not in names  # (its name is python)
    agents = [pid for pid in tree if "Agent" in " ".join(psutil.Process(pid).cmdline())]
    assert len(agents) >= 2, names  # the dashboard and runtime-env agents, which lingered for minutes

    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    assert alive_after(tree, 10) == []


def test_the_watchdog_stops_what_its_driver_started_once_the_driver_is_gone(tmp_path):
    """A stand-in driver starts a child and a grandchild that ignore SIGTERM, then dies: both are killed."""
    script = tmp_path / "driver.py"
    script.write_text(
        "import subprocess, sys, time\n"
        "from nas.campaign import ray_reaper\n"
        "since = time.time()\n"
        "stubborn = 'import signal, subprocess, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); '\n"
        "child = subprocess.Popen([sys.executable, '-c', stubborn + "
        "'subprocess.Popen([sys.executable, \"-c\", \"import signal, time; "
        "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)\"]); time.sleep(600)'])\n"
        "watchdog = ray_reaper.start(since)\n"
        "print(child.pid, watchdog.pid, flush=True)\n"
        "time.sleep(600)\n")
    driver = subprocess.Popen([sys.executable, str(script)], cwd=REPO, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    child_pid, watchdog_pid = map(int, driver.stdout.readline().split())
    time.sleep(3 * ray_reaper.INTERVAL_S)  # the grandchild starts, the watchdog notes it
    family = {p.pid: p.create_time() for p in [psutil.Process(child_pid), *psutil.Process(child_pid).children()]}
    assert len(family) == 2
    watchdog = psutil.Process(watchdog_pid)
    driver.kill()
    driver.wait()
    watchdog.wait(ray_reaper.GRACE_S + 5)
    assert alive(family) == []
