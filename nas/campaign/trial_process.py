"""The child process of a proxy trial: ``python -m nas.campaign.trial_process WORKDIR``.

Reads ``WORKDIR/task.pkl`` (a ``TrialTask``), trains and evaluates, and writes
``WORKDIR/outcome.json``: ``{"ok": Measurement.to_dict()}`` or ``{"error":
{type, message, cause, traceback}}``. Its worker (``nas.campaign.trial``) enforces the time
limit and reads the outcome.
"""

from __future__ import annotations

import fcntl
import json
import os
import pickle
import sys
import traceback
from pathlib import Path

from nas.campaign.trial import classify, die_with_parent
from storage.atomic_file import write_atomic
from storage.trial_record import Measurement


def prepare_data(config) -> None:
    """Prepares the dataset once per machine: concurrent trials wait on a file lock."""
    from proxy_task.data import ensure_prepared

    root = Path(config.data_dir or os.environ.get("TFDS_DATA_DIR", "~/tensorflow_datasets")).expanduser()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".spinenet-nas-prepare.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        ensure_prepared(config)


def train(task) -> Measurement:
    from proxy_task.train import train_and_evaluate
    from search_space.serialization import spec_from_dict

    prepare_data(task.proxy.data)
    with open(Path(task.workdir) / "progress.jsonl", "a") as progress:
        def report(event: dict) -> None:
            progress.write(json.dumps({k: v for k, v in event.items() if k != "ap"}, default=str) + "\n")
            progress.flush()

        result = train_and_evaluate(spec_from_dict(task.spec), task.proxy, task.workdir, report,
                                    until=task.budget, keep_checkpoint=task.keep_checkpoint)
    return Measurement.from_metrics(result.ap, params=result.params, madds=result.madds, device=result.device)


def set_priority(nice: int) -> str | None:
    """Gives this process the scheduling priority ``nice``; a note where it may not go that low.

    Called before anything starts a thread: on Linux a thread inherits its creator's priority, and
    setpriority changes only the calling thread's.
    """
    current = os.getpriority(os.PRIO_PROCESS, 0)
    try:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    except PermissionError:
        return (f"note: trial.nice={nice} is below this worker's {current}, which needs the privilege to raise "
                f"priority (root or CAP_SYS_NICE); the trial runs at nice {current}")
    return None


def main(workdir: str) -> int:
    die_with_parent()
    task = pickle.loads((Path(workdir) / "task.pkl").read_bytes())
    note = set_priority(getattr(task, "nice", 15))  # a task pickled before trial.nice existed: Ray's 15
    print(note or f"training process {os.getpid()} at nice {os.getpriority(os.PRIO_PROCESS, 0)}", flush=True)
    try:
        payload = {"ok": train(task).to_dict()}
    except Exception as error:
        payload = {"error": {"type": type(error).__name__, "message": str(error), "cause": classify(error),
                             "traceback": traceback.format_exc()}}
    write_atomic(Path(workdir) / "outcome.json", json.dumps(payload).encode())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
