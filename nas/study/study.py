"""Starting a study (the plan is made once and saved) and reading one back: what is done, what is left."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from nas.overrides import apply_values, valid_keys
from nas.study.config import StudyConfig
from nas.study.directory import StudyDir
from nas.study.plan import Architecture, PlannedTrial, choose_architectures, plan_trials


@dataclasses.dataclass(frozen=True)
class Study:
    """A study as its directory holds it: the config, the architectures, the plan and the records so far."""

    dir: StudyDir
    config: StudyConfig
    architectures: dict[str, Architecture]
    trials: tuple[PlannedTrial, ...]
    records: tuple[dict[str, Any], ...]

    @property
    def pending(self) -> list[PlannedTrial]:
        """Planned trials without a record, in plan order."""
        done = {record["trial"] for record in self.records}
        return [trial for trial in self.trials if trial.trial not in done]


def config_to_dict(config: StudyConfig) -> dict[str, Any]:
    return json.loads(json.dumps(dataclasses.asdict(config)))


def config_from_dict(data: dict[str, Any]) -> StudyConfig:
    """Inverse of ``config_to_dict`` (through ``nas.overrides``, so every value is checked)."""
    leaves = set(valid_keys(StudyConfig()))

    def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
        flat: dict[str, Any] = {}
        for name, value in tree.items():
            key = prefix + name
            flat.update(flatten(value, key + ".") if isinstance(value, dict) and key not in leaves else {key: value})
        return flat

    return apply_values(StudyConfig(), flatten(data))


def create_study(config: StudyConfig, root: str | Path, command: str = "") -> Study:
    """Chooses the architectures, plans the trials and saves both in a new study directory."""
    directory = StudyDir(root)
    architectures = choose_architectures(config)
    trials = plan_trials(config, architectures)
    directory.create({"command": command, "config": config_to_dict(config),
                      "architectures": [a.to_dict() for a in architectures],
                      "trials": [dataclasses.asdict(t) for t in trials]})
    return Study(directory, config, {a.name: a for a in architectures}, tuple(trials), ())


def load_study(root: str | Path) -> Study:
    """The study in ``root`` with its records so far (damaged records stop here, named)."""
    directory = StudyDir(root)
    meta = directory.read_meta()
    architectures = [Architecture.from_dict(a) for a in meta["architectures"]]
    trials = tuple(PlannedTrial(**t) for t in meta["trials"])
    return Study(directory, config_from_dict(meta["config"]), {a.name: a for a in architectures}, trials,
                 tuple(directory.read_trials()))
