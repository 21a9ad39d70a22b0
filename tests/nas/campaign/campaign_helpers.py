"""Shared helpers of the campaign tests: configs, a Ray-free driver, state comparison."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from nas.campaign import config_loading as campaign_config
from nas.campaign.directory import CampaignDir
from nas.campaign.engine import FINISHED
from nas.campaign.launch import open_campaign
from nas.campaign.trainable import TrialSettings
from nas.campaign.trial import run_trial
from search_space.serialization import spec_to_dict

from tests.paths import REPO  # noqa: F401 - re-exported for the campaign tests
SURROGATE = ["trial.kind=surrogate", "search.space=r0-sp53", "output.tensorboard=false", "output.progress_every_s=60"]


def surrogate_config(*assignments: str):
    return campaign_config.resolve([*SURROGATE, *assignments])


def new_campaign(root: Path, config):
    directory = CampaignDir(root)
    directory.create({"config": campaign_config.to_dict(config), "space": config.search.space,
                      "searcher": config.search.searcher})
    return open_campaign(directory, config)


def drive(campaign, rng: np.random.Generator | None = None, stop_after: int | None = None) -> int:
    """Runs surrogate trials in-process, finishing a random running one each step (the oldest without ``rng``).

    Returns the number of trials completed; stops early after ``stop_after``.
    """
    settings = TrialSettings.from_config(campaign.config, str(campaign.dir.root / "trials"))
    running, completed = [], 0
    while True:
        proposal = campaign.next_proposal()
        while proposal is not None and proposal != FINISHED:
            running.append(proposal)
            proposal = campaign.next_proposal()
        if not running:
            return completed
        done = running.pop(0 if rng is None else int(rng.integers(len(running))))
        task = settings.task(done.id, spec_to_dict(done.spec), campaign.rung_of(done.id))
        campaign.complete(done.id, run_trial(task))
        completed += 1
        if stop_after is not None and completed >= stop_after:
            return completed


def driver_like_process() -> subprocess.Popen:
    """A process whose command line names the driver's module, once it has started (as a driver's has)."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "nas.cli"])
    cmdline = Path(f"/proc/{child.pid}/cmdline")
    for _ in range(500):
        if not cmdline.exists() or b"nas.cli" in cmdline.read_bytes():
            break
        time.sleep(0.01)
    return child


def assert_same_state(a, b) -> None:
    """Two searchers' ``state_dict``s are equal (metadata and every array)."""
    sa, sb = a.state_dict(), b.state_dict()
    assert sa["meta"] == sb["meta"]
    flat_a = _flatten(sa["arrays"])
    flat_b = _flatten(sb["arrays"])
    assert flat_a.keys() == flat_b.keys()
    for key in flat_a:
        np.testing.assert_array_equal(np.asarray(flat_a[key]), np.asarray(flat_b[key]), err_msg=key)


def _flatten(tree, prefix=""):
    from flax import serialization

    tree = serialization.to_state_dict(tree)
    if isinstance(tree, dict):
        out = {}
        for key, value in tree.items():
            out.update(_flatten(value, f"{prefix}{key}/"))
        return out
    return {prefix: tree}


def records(root: Path) -> list[dict]:
    return CampaignDir(root).trials.read()


def cli(*args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    """Runs ``spinenet-nas`` in a child process."""
    return subprocess.run([sys.executable, "-m", "nas.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO, env={**os.environ, **(env or {})})


def searcher_state(root: Path) -> dict:
    from controller.checkpoint import load

    return load(Path(root) / "searcher.msgpack")


def read_json(path: Path):
    return json.loads(Path(path).read_text())


def alive(tree: dict[int, float]) -> list[str]:
    """The processes of ``tree`` (pid -> creation time) still running, as 'pid name' (a reused pid is not them)."""
    import psutil

    left = []
    for pid, created in tree.items():
        try:
            process = psutil.Process(pid)
            if process.create_time() == created and process.status() != psutil.STATUS_ZOMBIE:
                left.append(f"{pid} {process.name()}")
        except psutil.NoSuchProcess:
            continue
    return left


def alive_after(tree: dict[int, float], seconds: float) -> list[str]:
    """``alive(tree)`` once none is left, or after ``seconds``."""
    deadline = time.monotonic() + seconds
    while alive(tree) and time.monotonic() < deadline:
        time.sleep(0.2)
    return alive(tree)
