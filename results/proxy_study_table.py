"""A proxy study's table: per fidelity, its cost, its rank agreement with the target, its noise, the verdict.

``study_rows(records, fidelities, ...)`` reads a study's trial records (a
campaign record plus ``architecture`` and ``fidelity``); the first fidelity is
the target. Agreement compares the seed-0 rewards of the architectures that
both the fidelity and the target scored (failed trials left out); the CV is
the mean, over the architectures trained under several seeds, of their
reward's coefficient of variation at that fidelity. A candidate passes when
its tau reaches ``min_tau`` and its mean CV stays at or below ``max_cv``; the
verdict is the passing candidate with the fewest device-seconds per trial.

A part-way read of a fidelity's trainings (``AP@0.5`` in a record's ``ap``)
is a candidate too: ``read_records`` turns it into records of its own whose
reward is the read and whose device-seconds are that fraction of the
training's (compilation and evaluation overheads scaled with it: an estimate).
"""

from __future__ import annotations

import math
import statistics
from typing import Any, Sequence

from results.rank_agreement import DEFAULT_RESAMPLES, Agreement, coefficient_of_variation, rank_agreement
from results.table import render_table
from storage.trial_record import is_ok, read_name

Record = dict[str, Any]


def read_records(records: Sequence[Record], reads: dict[str, tuple[str, float]]) -> list[Record]:
    """Records of each read candidate ``name -> (fidelity, fraction)`` from its fidelity's ok records.

    A training that ended without the read (it failed, or predates ``reads``)
    gives a failed record, so the read's row counts it.
    """
    derived = []
    for name, (fidelity, fraction) in reads.items():
        for r in records:
            if r["fidelity"] != fidelity:
                continue
            value = (r.get("ap") or {}).get(read_name(fraction)) if is_ok(r) else None
            derived.append({**r, "fidelity": name, "reward": value, "status": "ok" if value is not None else "failed",
                            "device_seconds": r["device_seconds"] * fraction})
    return derived


def _seed_zero_rewards(records: Sequence[Record], fidelity: str) -> dict[str, float]:
    return {r["architecture"]: r["reward"] for r in records
            if r["fidelity"] == fidelity and r["seed"] == 0 and is_ok(r)}


def _cvs(records: Sequence[Record], fidelity: str) -> list[float]:
    rewards: dict[str, list[float]] = {}
    for r in records:
        if r["fidelity"] == fidelity and is_ok(r):
            rewards.setdefault(r["architecture"], []).append(r["reward"])
    return [cv for values in rewards.values() if len(values) > 1
            for cv in [coefficient_of_variation(values)] if math.isfinite(cv)]


def _agreement(scores: dict[str, float], target: dict[str, float], resamples: int, seed: int) -> Agreement | None:
    common = sorted(set(scores) & set(target))
    proxy, reference = [scores[a] for a in common], [target[a] for a in common]
    if len(common) < 2 or len(set(proxy)) < 2 or len(set(reference)) < 2:
        return None  # no ranking to compare yet (too few, or all equal)
    return rank_agreement(proxy, reference, resamples=resamples, seed=seed)


def study_rows(records: Sequence[Record], fidelities: Sequence[str], min_tau: float, max_cv: float,
               resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> list[dict[str, Any]]:
    """One row per fidelity (the target first), with the verdict's flag ``passes`` on candidates."""
    target = _seed_zero_rewards(records, fidelities[0])
    rows = []
    for index, fidelity in enumerate(fidelities):
        trials = [r for r in records if r["fidelity"] == fidelity]
        cvs = _cvs(records, fidelity)
        agreement = None if index == 0 else _agreement(_seed_zero_rewards(records, fidelity), target,
                                                       resamples, seed)
        row = {
            "fidelity": fidelity, "trials": len(trials), "failed": sum(not is_ok(r) for r in trials),
            "device_seconds_per_trial": statistics.fmean(r["device_seconds"] for r in trials) if trials else None,
            "architectures": agreement.architectures if agreement else 0,
            "tau": agreement.tau if agreement else None, "rho": agreement.rho if agreement else None,
            "cv_mean": statistics.fmean(cvs) if cvs else None, "cv_max": max(cvs) if cvs else None,
        }
        row["passes"] = (index > 0 and agreement is not None and agreement.tau.value >= min_tau
                         and row["cv_mean"] is not None and row["cv_mean"] <= max_cv)
        rows.append(row)
    return rows


def verdict(rows: Sequence[dict[str, Any]], min_tau: float, max_cv: float) -> str:
    """The cheapest candidate that passes, or why none does yet."""
    passing = [r for r in rows[1:] if r["passes"]]
    if passing:
        best = min(passing, key=lambda r: r["device_seconds_per_trial"])
        return (f"Verdict: `{best['fidelity']}` is the cheapest candidate with tau >= {min_tau} and CV <= {max_cv} "
                f"({best['device_seconds_per_trial']:.0f} device-seconds per trial against the target's "
                f"{rows[0]['device_seconds_per_trial']:.0f}).")
    return f"Verdict: no candidate reaches tau >= {min_tau} with CV <= {max_cv} (yet)."


def _interval(estimate) -> str:
    return "-" if estimate is None else f"{estimate.value:.2f} [{estimate.low:.2f}, {estimate.high:.2f}]"


def render_study(rows: Sequence[dict[str, Any]], markdown: bool = False) -> str:
    headers = ["fidelity", "trials", "failed", "device-s/trial", "archs", "Kendall tau [95% CI]",
               "Spearman rho [95% CI]", "CV mean", "CV max", "passes"]
    cells = [[r["fidelity"], r["trials"], r["failed"],
              "-" if r["device_seconds_per_trial"] is None else f"{r['device_seconds_per_trial']:.0f}",
              r["architectures"], _interval(r["tau"]), _interval(r["rho"]),
              "-" if r["cv_mean"] is None else f"{r['cv_mean']:.2f}",
              "-" if r["cv_max"] is None else f"{r['cv_max']:.2f}",
              "target" if i == 0 else ("yes" if r["passes"] else "no")]
             for i, r in enumerate(rows)]
    return render_table(headers, cells, markdown=markdown)
