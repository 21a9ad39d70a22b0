"""A watchdog that leaves no process of a local Ray cluster behind its driver, however the driver dies.

``ray.shutdown()`` stops the cluster a driver started when the driver exits or
is stopped with Ctrl-C. After ``kill -9`` of the driver, Ray's head processes
notice and exit within seconds, but its dashboard and runtime-env agents first
try to report to the dead GCS and linger for up to about two minutes (some
180 MB). So a driver that starts Ray also starts this watchdog in a session of
its own, holding the write end of the watchdog's stdin:

- while the driver lives, the watchdog notes each second every process the
  driver started since Ray started, and their descendants (pid and creation
  time, so a reused pid is never touched);
- when its stdin reaches end of file, the driver is gone (exit, crash or
  kill -9: the kernel closes the pipe), and it stops every noted process still
  alive and their descendants: SIGTERM, then SIGKILL after ``GRACE_S``.

Run as ``python -m nas.campaign.ray_reaper DRIVER_PID SINCE`` (``start`` does).
"""

from __future__ import annotations

import subprocess
import sys
import os
import threading

import psutil

INTERVAL_S = 0.5
GRACE_S = 2.0

Noted = dict[int, float]  # pid -> creation time


def start(since: float) -> subprocess.Popen:
    """Starts the watchdog of this process's Ray processes (those started at or after ``since``, unix time).

    Keep the returned handle: closing its ``stdin`` (``stop``) or dying releases the sweep.
    """
    return subprocess.Popen([sys.executable, "-m", "nas.campaign.ray_reaper", str(psutil.Process().pid), repr(since)],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, start_new_session=True)


def stop(watchdog: subprocess.Popen, timeout_s: float = 10.0) -> None:
    """Releases the sweep (after ``ray.shutdown()``: it stops what shutdown left) and waits for it."""
    watchdog.stdin.close()
    try:
        watchdog.wait(timeout_s)
    except subprocess.TimeoutExpired:
        watchdog.kill()


def watch(driver_pid: int, since: float) -> None:
    """Notes the driver's Ray processes until stdin closes, then stops them."""
    noted: Noted = {}
    driver_gone = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.buffer.read(), driver_gone.set()), daemon=True).start()
    while not driver_gone.wait(INTERVAL_S):
        noted.update(_ray_processes(driver_pid, since))
    sweep(noted)


def _ray_processes(driver_pid: int, since: float) -> Noted:
    """The driver's children started at or after ``since``, and all their descendants."""
    try:
        children = psutil.Process(driver_pid).children()
    except psutil.NoSuchProcess:
        return {}
    roots = [child for child in children  # creation times are coarse, and this watchdog is a child too
             if _created(child) >= since - 1.0 and child.pid != os.getpid()]
    return _with_descendants(roots)


def _with_descendants(processes) -> Noted:
    found = {}
    for process in processes:
        try:
            for member in (process, *process.children(recursive=True)):
                found[member.pid] = _created(member)
        except psutil.NoSuchProcess:
            continue
    return found


def _created(process: psutil.Process) -> float:
    try:
        return process.create_time()
    except psutil.NoSuchProcess:
        return -1.0


def _alive(noted: Noted) -> list[psutil.Process]:
    """The noted processes that still run (the same process: same pid, same creation time)."""
    alive = []
    for pid, created in noted.items():
        try:
            process = psutil.Process(pid)
            if process.create_time() == created:
                alive.append(process)
        except psutil.NoSuchProcess:
            continue
    return alive


def sweep(noted: Noted) -> None:
    """SIGTERM to the noted processes still alive and their descendants, SIGKILL to those left after GRACE_S."""
    targets = _alive({**noted, **_with_descendants(_alive(noted))})
    for process in targets:
        try:
            process.terminate()
        except psutil.NoSuchProcess:
            continue
    _, left = psutil.wait_procs(targets, timeout=GRACE_S)
    for process in left:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            continue


if __name__ == "__main__":
    watch(int(sys.argv[1]), float(sys.argv[2]))
