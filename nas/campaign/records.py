"""The trial record: one JSON object per finished trial in ``DIR/trials.jsonl``.

The outcome's fields, the statuses, causes and metric names are defined once,
in ``storage.trial_record``; this module adds what the driver knows of a
trial. Fields (the schema ``results.campaign_summary`` and the plots read)::

    trial           int    the searcher's proposal id
    status          Status: 'ok' | 'failed'
    cause           None | Cause: 'error' | 'nan' | 'oom' | 'timeout'
    cached          bool   the outcome was reused from an identical architecture
    decisions       [int]  the searcher's decisions
    spec            dict   search_space.serialization.spec_to_dict(spec)
    spec_hash       str    search_space.canonical.spec_hash(spec)
    reward          float | None   ap[REWARD_METRIC]
    ap              {AP_METRICS: float | None} | None
    params, madds   int | None   RetinaNet parameters and multiply-adds
    wall_seconds    float  the trial's wall time (0 when cached)
    device_seconds  float  wall time x the accelerators it held (GPUs, the
                           ``TPU`` resource, or else its CPU cores)
    device          str | None   e.g. 'cpu', 'NVIDIA H100 80GB HBM3'
    error, traceback  str | None
    seed            int    the trial's training seed
    started_at, finished_at   float (unix time)
    versions        {spinenet_nas, jax, ray, flax, python}
    rung            int    with ``search.fidelity``: the rung this record ends
                           (0: the sample's first training; k: its k-th promotion);
                           absent in records of campaigns without rungs (rung 0)
    budget          float  the fraction of the full training it had reached (1.0 when absent)

With rungs, a trial has one record per rung it finished, each with that
rung's reward and cost (the continuation's own wall time): ``latest_per_trial``
gives the record of the highest rung (what ranking, export and plots use) and
``first_rungs`` the first (what the searcher was fed).
"""

from __future__ import annotations

import functools
import importlib.metadata
import platform
import time
from typing import Any, Iterable

from controller import Proposal
from search_space.canonical import spec_hash
from search_space.serialization import spec_to_dict
from storage.trial_record import (
    OUTCOME_KEYS, RECORD_KEYS, Cause, Status, TrialOutcome, budget_of, first_rungs, latest_per_trial, rung_of)

__all__ = ["OUTCOME_KEYS", "PROPOSAL_KEYS", "RECORD_KEYS", "budget_of", "cached_record", "first_per_trial",
           "first_rungs", "is_genuine_failure", "latest_per_trial", "make_record", "reusable", "rung_of",
           "versions"]

# A line of proposals.jsonl (nas.campaign.engine writes it).
PROPOSAL_KEYS = ("trial", "decisions", "batch", "batch_size")


@functools.lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    """Versions of the packages a trial's outcome depends on."""
    found = {"python": platform.python_version()}
    for name, dist in (("spinenet_nas", "spinenet-nas"), ("jax", "jax"), ("flax", "flax"), ("ray", "ray")):
        try:
            found[name] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "unknown"
    return found


def make_record(proposal: Proposal, outcome: TrialOutcome, digest: str | None = None,
                rung: tuple[int, float] | None = None) -> dict[str, Any]:
    """A record of a trial that ran: the proposal plus the worker's outcome; ``rung``: (rung, budget) with rungs."""
    return {
        "trial": proposal.id,
        **outcome.to_dict(),
        "cached": False,
        "decisions": list(proposal.decisions),
        "spec": spec_to_dict(proposal.spec),
        "spec_hash": digest or spec_hash(proposal.spec),
        "versions": versions(),
        **_rung_fields(rung),
    }


def _rung_fields(rung: tuple[int, float] | None) -> dict[str, Any]:
    return {} if rung is None else {"rung": rung[0], "budget": float(rung[1])}


def cached_record(proposal: Proposal, known: dict[str, Any], digest: str,
                  rung: tuple[int, float] | None = None) -> dict[str, Any]:
    """A record of a repeated architecture: the known outcome, no cost; ``rung`` as in ``make_record``."""
    now = time.time()
    return {
        **known,
        "trial": proposal.id,
        "cached": True,
        "decisions": list(proposal.decisions),
        "spec": spec_to_dict(proposal.spec),
        "spec_hash": digest,
        "wall_seconds": 0.0,
        "device_seconds": 0.0,
        "started_at": now,
        "finished_at": now,
        "versions": versions(),
        **_rung_fields(rung),
    }


def first_per_trial(lines: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per trial id and rung, in file order: a repeated (id, rung) keeps its first line.

    The driver appends each trial's rung once; a repeat is damage (a copied
    line, a merge of two files). The first line is the one the driver fed
    back to the searcher, so it is the one every command counts.
    """
    first: dict[tuple[int, int], dict[str, Any]] = {}
    for line in lines:
        first.setdefault((int(line["trial"]), rung_of(line)), line)
    return list(first.values())


def is_genuine_failure(record: dict[str, Any]) -> bool:
    """A failure charged to the failure budget: a trial that ran and failed."""
    return record["status"] == Status.FAILED and not record["cached"]


def reusable(record: dict[str, Any]) -> bool:
    """Whether a repeat of this architecture may reuse the outcome (timeouts depend on load)."""
    return record["cause"] != Cause.TIMEOUT
