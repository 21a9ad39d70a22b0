"""The study directory: its plan, its records, and its lock.

    DIR/study.json       the config, the architectures and every planned trial (written once, atomically)
    DIR/launches.jsonl   one line per start or resume
    DIR/trials.jsonl     one record per finished trial: a campaign's record (``storage.trial_record``
                         and ``nas.campaign.records``) plus ``architecture`` and ``fidelity``
    DIR/trials/<id>/     trial working directories (trial.log, progress.jsonl, result.json)

As in a campaign directory, every file is written once atomically or appended
one fsynced line at a time; trials.jsonl is the source of truth on resume: a
planned trial without a record runs (again).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nas.campaign.directory import hold_lock, read_format_file
from nas.campaign.jsonl import JsonLines
from nas.campaign.records import RECORD_KEYS, first_per_trial, versions
from storage.trial_record import is_ok
from nas.output_dirs import check_output_dir
from nas.overrides import ConfigError
from nas.study.plan import Architecture, PlannedTrial
from search_space.canonical import spec_hash
from search_space.serialization import spec_to_dict
from storage.atomic_file import write_atomic
from storage.trial_record import TrialOutcome

FORMAT = "spinenet-nas/proxy-study"
VERSION = 1
STUDY_RECORD_KEYS = (*RECORD_KEYS, "architecture", "fidelity")


def study_record(planned: PlannedTrial, architecture: Architecture, outcome: TrialOutcome) -> dict[str, Any]:
    """A line of a study's trials.jsonl: a campaign record of the trial, and what it studies.

    Its ``seed`` is the plan's (0 for every architecture's first run, 1, 2... for
    reruns), whatever seeds the fidelity pinned in the trial's config.
    """
    return {
        "trial": planned.trial,
        **outcome.to_dict(),
        "seed": planned.seed,
        "cached": False,
        "decisions": None if architecture.decisions is None else list(architecture.decisions),
        "spec": spec_to_dict(architecture.spec),
        "spec_hash": spec_hash(architecture.spec),
        "versions": versions(),
        "architecture": planned.architecture,
        "fidelity": planned.fidelity,
    }


class StudyDir:
    """Paths and files of one study directory."""

    def __init__(self, root: str | Path):
        self.root = Path(root).absolute()
        self.study_file = self.root / "study.json"
        self.trials = JsonLines(self.root / "trials.jsonl", required=STUDY_RECORD_KEYS,
                                remedy=", or move the damaged lines out of the file: their trials then run again")
        self.launches = JsonLines(self.root / "launches.jsonl")
        self._lock = None

    @property
    def exists(self) -> bool:
        return self.study_file.is_file()

    def create(self, meta: dict[str, Any]) -> None:
        """Starts a study here: refuses a directory that holds one, or anything else."""
        check_output_dir(self.root, "--dir")
        if self.exists:
            raise ConfigError(f"{self.root} already holds a study; continue it by running "
                              f"`spinenet-nas proxy-study --dir {self.root}` again, or choose another --dir")
        if self.root.exists() and any(self.root.iterdir()):
            raise ConfigError(f"{self.root} exists and is not empty; choose another --dir")
        self.root.mkdir(parents=True, exist_ok=True)
        self.lock()
        write_atomic(self.study_file, json.dumps({"format": FORMAT, "version": VERSION, **meta},
                                                 indent=2, sort_keys=True).encode())

    def read_meta(self) -> dict[str, Any]:
        """study.json, checked."""
        if not self.exists:
            raise ConfigError(f"{self.root} is not a study directory (no study.json); "
                              f"start one with `spinenet-nas proxy-study --dir {self.root}`")
        return read_format_file(self.study_file, FORMAT, VERSION, "study", "restore it from a copy of the study")

    def read_trials(self) -> list[dict[str, Any]]:
        """The finished trials' records, one per trial, in file order."""
        return first_per_trial(self.trials.read())

    @property
    def retried(self) -> Path:
        """Where ``retry_failed`` keeps the records of failed trials it set aside."""
        return self.root / "trials.retried.jsonl"

    def retry_failed(self) -> list[int]:
        """Moves the failed trials' records to ``retried`` (byte for byte), so the trials run again; their ids.

        Call it holding the lock, before the study is loaded.
        """
        moved = self.trials.move_lines(lambda record, problem: record is not None and not is_ok(record),
                                       self.retried)
        return sorted({record["trial"] for _, record, _ in moved})

    def trial_dir(self, trial_id: int) -> Path:
        return self.root / "trials" / f"{trial_id:05d}"

    def lock(self) -> None:
        """Holds the directory's lock until the process exits (a kill -9 releases it)."""
        if self._lock is None:
            self._lock = hold_lock(self.root, "study")

    def close(self) -> None:
        for log in (self.trials, self.launches):
            log.close()
        if self._lock is not None:
            self._lock.close()
            self._lock = None
