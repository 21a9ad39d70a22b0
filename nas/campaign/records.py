"""The trial record: one JSON object per finished trial in ``DIR/trials.jsonl``.

Fields (the schema ``results.campaign_summary`` and the plots read)::

    trial           int    the searcher's proposal id
    status          'ok' | 'failed'
    cause           None | 'error' | 'nan' | 'oom' | 'timeout'
    cached          bool   the outcome was reused from an identical architecture
    decisions       [int]  the searcher's decisions
    spec            dict   search_space.serialization.spec_to_dict(spec)
    spec_hash       str    search_space.canonical.spec_hash(spec)
    reward          float | None
    ap              {AP, AP50, AP75, APs, APm, APl} | None
    params, madds   int | None   RetinaNet parameters and multiply-adds
    wall_seconds    float  the trial's wall time (0 when cached)
    device_seconds  float  wall time x the accelerators it held (GPUs, the
                           ``TPU`` resource, or else its CPU cores)
    device          str | None   e.g. 'cpu', 'NVIDIA H100 80GB HBM3'
    error, traceback  str | None
    seed            int    the trial's training seed
    started_at, finished_at   float (unix time)
    versions        {spinenet_nas, jax, ray, flax, python}
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

OK, FAILED = "ok", "failed"
RECORD_KEYS = (
    "trial", "status", "cause", "cached", "decisions", "spec", "spec_hash", "reward", "ap", "params",
    "madds", "wall_seconds", "device_seconds", "device", "error", "traceback", "seed", "started_at",
    "finished_at", "versions",
)
# A line of proposals.jsonl (nas.campaign.engine writes it).
PROPOSAL_KEYS = ("trial", "decisions", "batch", "batch_size")
# What a trial itself reports (the rest comes from the proposal and the driver).
OUTCOME_KEYS = (
    "status", "cause", "reward", "ap", "params", "madds", "wall_seconds", "device_seconds", "device",
    "error", "traceback", "seed", "started_at", "finished_at",
)


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


def make_record(proposal: Proposal, outcome: dict[str, Any], digest: str | None = None) -> dict[str, Any]:
    """A record of a trial that ran: the proposal plus the worker's outcome."""
    missing = sorted(set(OUTCOME_KEYS) - set(outcome))
    if missing:
        raise ValueError(f"trial {proposal.id}: outcome lacks {missing}")
    return {
        "trial": proposal.id,
        **{key: outcome[key] for key in OUTCOME_KEYS},
        "cached": False,
        "decisions": list(proposal.decisions),
        "spec": spec_to_dict(proposal.spec),
        "spec_hash": digest or spec_hash(proposal.spec),
        "versions": versions(),
    }


def cached_record(proposal: Proposal, known: dict[str, Any], digest: str) -> dict[str, Any]:
    """A record of a repeated architecture: the known outcome, no cost."""
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
    }


def first_per_trial(lines: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per trial id, in file order: a repeated id keeps its first line.

    The driver appends each trial once; a repeat is damage (a copied line, a
    merge of two files). The first line is the one the driver fed back to the
    searcher, so it is the one every command counts.
    """
    first: dict[int, dict[str, Any]] = {}
    for line in lines:
        first.setdefault(int(line["trial"]), line)
    return list(first.values())


def is_genuine_failure(record: dict[str, Any]) -> bool:
    """A failure charged to the failure budget: a trial that ran and failed."""
    return record["status"] == FAILED and not record["cached"]


def reusable(record: dict[str, Any]) -> bool:
    """Whether a repeat of this architecture may reuse the outcome (timeouts depend on load)."""
    return record["cause"] != "timeout"
