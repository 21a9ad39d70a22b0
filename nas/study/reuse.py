"""Trainings another study already ran: a planned trial that would train the same thing takes that record.

Two trainings are the same when they train the same architecture (its spec
hash) under the same proxy config with the same seed, with the same CPUs and
GPUs per trial, on the same processor: on CPU such a training is repeated
bit for bit, so training it again would only spend device-hours. The part-way
reads (``train.read_at``) do not change a training; a record is taken only when
it holds every read this study asks for. The processor is the ``host`` of the
launch that ran the record (the last one started before it finished); a record
whose launch did not note its host is not taken, since the same seed on another
processor is another training.

A taken record is the source's, with this study's trial, architecture name,
fidelity and seed, and ``reused_from`` (``{"study": path, "trial": id}``); its
device-seconds stay those of the training it records (what the result cost,
not what this study spent: ``spent_here`` tells them apart).
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any, Iterable

from nas.study.config import TARGET
from nas.study.study import Study, load_study
from search_space.canonical import spec_hash
from storage.trial_record import is_ok, read_name


def training_key(study: Study, fidelity: str, seed: int, architecture: str, host: str | None) -> tuple | None:
    """What makes a training of ``study`` the one it is; None where it cannot be matched (no host)."""
    if host in (None, "unknown"):
        return None
    config = study.config.proxy_config(fidelity, seed)
    config = dataclasses.replace(config, train=dataclasses.replace(config.train, read_at=()))
    resources = study.config.resources
    return (spec_hash(study.architectures[architecture].spec), config, seed, resources.cpus, resources.gpus, host)


def _host_at(launches: list[dict[str, Any]], finished_at: float) -> str | None:
    started = [launch for launch in launches if float(launch.get("time", 0.0)) <= finished_at]
    return started[-1].get("host") if started else None


def _source_trainings(source: Study) -> dict[tuple, dict[str, Any]]:
    launches = source.dir.launches.read()
    found = {}
    for record in source.records:
        if not is_ok(record) or record["fidelity"] not in source.config.fidelities:
            continue
        host = _host_at(launches, float(record.get("finished_at") or 0.0))
        key = training_key(source, record["fidelity"], record["seed"], record["architecture"], host)
        if key is not None:
            found.setdefault(key, record)
    return found


def reusable_records(study: Study, host: str, sources: Iterable[Path]) -> list[dict[str, Any]]:
    """Records of ``study``'s pending trials taken from the studies in ``sources`` (run on ``host``)."""
    trainings: dict[tuple, tuple[Path, dict[str, Any]]] = {}
    for path in sources:
        if not (path / "study.json").is_file():
            print(f"[study] reuse: {path} holds no study; its trainings are not reused", file=sys.stderr)
            continue
        for key, record in _source_trainings(load_study(path)).items():
            trainings.setdefault(key, (path, record))
    if not trainings:
        return []  # no source (the usual case): no training key to compute
    reads = [read_name(fraction) for fraction in study.config.reads]
    taken = []
    for planned in study.pending:
        key = training_key(study, planned.fidelity, planned.seed, planned.architecture, host)
        path, record = trainings.get(key, (None, None))
        if record is None or (planned.fidelity == TARGET and any((record.get("ap") or {}).get(r) is None
                                                                   for r in reads)):
            continue
        taken.append({**record, "trial": planned.trial, "seed": planned.seed, "architecture": planned.architecture,
                      "fidelity": planned.fidelity, "reused_from": {"study": str(path), "trial": record["trial"]}})
    return taken


def spent_here(records: Iterable[dict[str, Any]]) -> float:
    """Device-seconds this study's own trainings spent (reused records cost it nothing)."""
    return sum(float(r.get("device_seconds") or 0.0) for r in records if not r.get("reused_from"))
