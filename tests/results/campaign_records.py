"""Hand-built trial records in the campaign's schema, for the report tests."""

from __future__ import annotations

import random
from typing import Any

from search_space.serialization import spec_to_dict
from search_space.builtins import SPINENET_49
from storage.trial_record import AP_METRICS, Cause, Status
T0 = 1_700_000_000.0
SPEC = spec_to_dict(SPINENET_49)


def make_record(trial: int, reward: float | None = None, *, cause: str | None = None, cached: bool = False,
                spec_hash: str | None = None, device_seconds: float = 600.0, started_at: float | None = None,
                wall_seconds: float = 650.0, error: str | None = None) -> dict[str, Any]:
    """One finished trial; ``cause`` set means a failed trial with null results."""
    failed = cause is not None
    started = T0 + 100.0 * trial if started_at is None else started_at
    ap = None if failed else {key: round(reward * (1.0 + 0.1 * i), 6) for i, key in enumerate(AP_METRICS)}
    return {
        "trial": trial, "status": Status.FAILED if failed else Status.OK, "cause": cause, "cached": cached,
        "decisions": [0, 1, 2], "spec": SPEC,
        "spec_hash": spec_hash or f"{trial:04d}" + "ab" * 30,
        "reward": None if failed else reward, "ap": ap,
        "params": None if failed else 1_169_696 + trial, "madds": None if failed else 1_570_000_000 + trial,
        "wall_seconds": wall_seconds, "device_seconds": 0.0 if cached else device_seconds,
        "device": None if failed else "cpu", "error": error if failed else None,
        "traceback": "Traceback (most recent call last):\n  ..." if failed else None,
        "seed": trial, "started_at": started, "finished_at": started + wall_seconds, "versions": {"jax": "0"},
    }


def random_campaign(count: int, seed: int = 0, fail_rate: float = 0.1) -> list[dict[str, Any]]:
    """``count`` records with random rewards, failures and cached repeats."""
    rng = random.Random(seed)
    causes = tuple(Cause)
    records = []
    for trial in range(count):
        if rng.random() < fail_rate:
            records.append(make_record(trial, cause=rng.choice(causes), error=f"boom {trial}\nmore"))
        elif records and rng.random() < 0.1:
            source = rng.choice([r for r in records if r["status"] == Status.OK] or [None])
            if source is None:
                records.append(make_record(trial, rng.uniform(0.0, 0.2)))
            else:
                records.append(make_record(trial, source["reward"], cached=True, spec_hash=source["spec_hash"]))
        else:
            records.append(make_record(trial, rng.uniform(0.0, 0.2)))
    return records
