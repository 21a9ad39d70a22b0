"""A small surrogate campaign for the view's tests: finished, failed-free records, one running and one compiling trial."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from storage.atomic_file import write_atomic
from tests.nas.campaign.campaign_helpers import drive, driver_like_process, new_campaign, surrogate_config


def train_event(step: int, elapsed: float, total: int = 744) -> dict:
    return {"event": "train", "step": step, "total_steps": total, "loss": 1.5, "elapsed": elapsed, "training": 0}


def write_progress(workdir: Path, events: list[dict]) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "progress.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))


def make_campaign(root: Path, finished: int = 3, num_trials: int = 6, costs: bool = True) -> Path:
    """A campaign of ``num_trials`` with ``finished`` records, trial ``finished`` running, the next compiling.

    With ``costs``, every record gets the multiply-adds a proxy trial records (surrogate trials have none):
    1 + trial GFLOPs, so the Pareto front is known.
    """
    campaign = new_campaign(root, surrogate_config(f"search.num_trials={num_trials}", "search.concurrency=2", "search.mode=async"))
    drive(campaign, stop_after=finished)
    campaign.next_proposal(), campaign.next_proposal()  # two more dispatched: running and starting
    campaign.dir.close()
    if costs:
        trials = root / "trials.jsonl"
        lines = [json.loads(line) for line in trials.read_text().splitlines()]
        for record in lines:
            record["madds"], record["params"] = int((1 + record["trial"]) * 1e9), 1_000_000 + record["trial"]
        write_atomic(trials, "".join(json.dumps(r) + "\n" for r in lines).encode())
    write_progress(root / "trials" / f"{finished:05d}", [train_event(20, 30), train_event(40, 40)])
    starting = root / "trials" / f"{finished + 1:05d}"
    starting.mkdir(parents=True, exist_ok=True)
    (starting / "task.pkl").write_bytes(b"")
    return root


def fake_driver(root: Path) -> subprocess.Popen:
    """A process whose command line names the driver's module, recorded as the campaign's last launch."""
    from nas.campaign.directory import CampaignDir

    child = driver_like_process()
    directory = CampaignDir(root)
    directory.launches.append({"launch": 0, "command": "spinenet-nas search", "time": time.time(), "pid": child.pid})
    directory.launches.close()
    return child
