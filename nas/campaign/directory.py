"""The campaign directory: everything a campaign writes, and its lock.

    DIR/campaign.json     the resolved config, space and searcher (written once, atomically)
    DIR/launches.jsonl    one line per search/resume: time, Ray address, resume overrides
    DIR/proposals.jsonl   every proposal before it is dispatched: id, decisions, sync batch
    DIR/trials.jsonl      one record per finished trial (``nas.campaign.records``)
    DIR/*.quarantine      damaged lines ``resume --repair`` moved out of a record file
    DIR/searcher.msgpack  the searcher's state (``controller.Searcher.save``, atomic)
    DIR/tune/             Ray Tune experiments, one per launch
    DIR/trials/<id>/      trial working directories (logs, result.json)
    DIR/tensorboard/      reward, baseline, entropy and best-so-far scalars
    DIR/export/           the best architectures (json, python, tf)
    DIR/plots/            written by ``spinenet-nas status``

Every file is either written once atomically or appended one fsynced line at
a time, so a crash at any instant leaves the directory consistent: the
records in trials.jsonl are the source of truth when resuming.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from typing import Any

from nas.campaign.jsonl import JsonLines
from nas.campaign.records import PROPOSAL_KEYS, RECORD_KEYS, first_per_trial
from nas.output_dirs import check_output_dir
from nas.overrides import ConfigError
from proxy_task.runtime.host_cpu import host_cpu
from storage.atomic_file import write_atomic

FORMAT = "spinenet-nas/campaign"
VERSION = 1


class CampaignDir:
    """Paths and files of one campaign directory."""

    def __init__(self, root: str | Path):
        self.root = Path(root).absolute()
        repair = f", or set them aside with `spinenet-nas resume {self.root} --repair`, which moves them to "
        self.trials = JsonLines(self.root / "trials.jsonl", required=RECORD_KEYS,
                                remedy=f"{repair}trials.jsonl.quarantine and runs their trials again")
        self.proposals = JsonLines(self.root / "proposals.jsonl", required=PROPOSAL_KEYS,
                                   remedy=f"{repair}proposals.jsonl.quarantine and rebuilds what it can")
        self.launches = JsonLines(self.root / "launches.jsonl")
        self.campaign_file = self.root / "campaign.json"
        self.searcher_file = self.root / "searcher.msgpack"
        self.tune = self.root / "tune"
        self.tensorboard = self.root / "tensorboard"
        self.export = self.root / "export"
        self.plots = self.root / "plots"
        self._lock = None

    def read_trials(self) -> list[dict[str, Any]]:
        """The finished trials' records, one per trial (``records.first_per_trial``), in file order.

        Every command reads trials through here, so status, export and resume agree.
        """
        return first_per_trial(self.trials.read())

    def read_proposals(self) -> list[dict[str, Any]]:
        """The proposals ever dispatched, one per trial id, in file order."""
        return first_per_trial(self.proposals.read())

    def trial_dir(self, trial_id: int) -> Path:
        return self.root / "trials" / f"{trial_id:05d}"

    @property
    def exists(self) -> bool:
        return self.campaign_file.is_file()

    def check_new(self) -> None:
        """Raises ``ConfigError`` unless a new campaign can start here."""
        check_output_dir(self.root, "--dir")
        if self.exists:
            raise ConfigError(f"{self.root} already holds a campaign; continue it with "
                              f"`spinenet-nas resume {self.root}` or choose another --dir")
        if self.root.exists() and any(self.root.iterdir()):
            raise ConfigError(f"{self.root} exists and is not empty; choose another --dir")

    def create(self, meta: dict[str, Any]) -> None:
        """Starts a campaign here: refuses a directory that holds one or anything else."""
        self.check_new()
        self.root.mkdir(parents=True, exist_ok=True)
        self.lock()
        write_atomic(self.campaign_file, json.dumps({"format": FORMAT, "version": VERSION, **meta},
                                                    indent=2, sort_keys=True).encode())

    def read_meta(self) -> dict[str, Any]:
        """campaign.json, checked."""
        if not self.exists:
            raise ConfigError(f"{self.root} is not a campaign directory (no campaign.json); "
                              f"start one with `spinenet-nas search --dir {self.root}`")
        return read_format_file(self.campaign_file, FORMAT, VERSION, "campaign",
                                "restore it from a copy of the campaign, or start a new one with `spinenet-nas search`")

    def lock(self) -> None:
        """Holds the directory's lock until the process exits (a kill -9 releases it)."""
        if self._lock is None:
            self._lock = hold_lock(self.root, "campaign")

    def unlock(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def record_launch(self, command: str, **details: Any) -> int:
        """Appends this launch to launches.jsonl; returns its number."""
        number = len(self.launches.read())
        self.launches.append({"launch": number, "command": command, "time": time.time(),
                              "pid": os.getpid(), "host": host_cpu(), **details})
        return number

    def close(self) -> None:
        for log in (self.trials, self.proposals, self.launches):
            log.close()
        self.unlock()


def read_format_file(path: Path, fmt: str, version: int, what: str, fix: str) -> dict[str, Any]:
    """A directory's JSON description (campaign.json, study.json), checked for its format and version.

    ``what`` names the directory's contents ('campaign', 'study'); ``fix`` ends the message for a damaged file.
    """
    try:
        meta = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ConfigError(f"{path} is damaged ({err}); {fix}") from None
    if not isinstance(meta, dict) or meta.get("format") != fmt or meta.get("version") != version:
        raise ConfigError(f"{path} is not a version-{version} {what} file (it should hold an object with "
                          f"\"format\": \"{fmt}\"); restore it from a copy of the {what}")
    return meta


def hold_lock(root: Path, what: str):
    """Locks ``root/.lock`` for this process (released at exit, also by kill -9); returns the open handle.

    ``what`` names the directory's contents in the messages ('campaign', 'study').
    """
    if not os.access(root, os.W_OK | os.X_OK):
        raise ConfigError(f"{root} is not writable by this user, and a driver records every trial "
                          f"there; copy the {what} to a writable place (cp -r) and resume the copy")
    handle = open(root / ".lock", "a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise ConfigError(f"another driver is running the {what} in {root}") from None
    return handle
