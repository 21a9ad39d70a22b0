"""What ``spinenet-nas view`` shows, read from a campaign directory alone (a JSON-able dict).

Everything comes from files the driver and its trials append to or replace
atomically (``campaign.json``, ``launches.jsonl``, ``proposals.jsonl``,
``trials.jsonl``, ``trials/<id>/progress.jsonl``), so reading it beside a
running driver, after a crash or on a copy is safe: a torn last line is left
out and shows on the next read.

A trial's ``state``: ``finished`` or ``failed`` (it has a record; with rungs,
``promoting`` while a higher rung trains), ``running`` (a step logged),
``starting`` (its worker has its task but no step yet: compiling), ``queued``
(proposed, not started), and for the last three ``stopped`` instead when the
driver no longer runs (they run again on resume).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from nas.campaign.directory import CampaignDir
from nas.campaign.eta import budget_left, campaign_eta, work_left
from nas.campaign.trainable import device_share
from nas.campaign.trial_progress import TrialProgress, driver_alive, read_progress
from results.campaign_summary import has_reward, summarize
from storage.trial_record import budget_of, first_rungs, is_ok, latest_per_trial, rung_of


def campaign_state(directory: CampaignDir, top_k: int = 3, now: float | None = None) -> dict[str, Any]:
    """The campaign's header, one row per proposed trial, the summary and the ETA."""
    from nas.campaign.launch import load_config

    now = time.time() if now is None else now
    meta = directory.read_meta()
    config = load_config(directory)
    launches = directory.launches.read()
    records = directory.read_trials()
    alive = driver_alive(launches)
    progress = {int(p.trial): p for p in map(read_progress, _trial_dirs(directory)) if p is not None}
    rows = _rows(directory, records, progress, alive)
    summary = summarize(records, top_k=top_k)
    return {
        "campaign": str(directory.root),
        "searcher": meta["searcher"],
        "space": meta["space"],
        "preset": config.preset,
        "num_trials": config.search.num_trials,
        "concurrency": config.search.concurrency,
        "fidelity": list(config.search.fidelity or []),
        "launches": len(launches),
        "driver": {True: "running", False: "not running", None: "unknown"}[alive],
        "samples_finished": len(first_rungs(records)),
        "records": len(records),
        "trials": rows,
        "summary": summary,
        "eta_seconds": _eta(directory, config, records, rows, launches, now) if alive is not False else None,
        "read_at": now,
    }


def _trial_dirs(directory: CampaignDir) -> list[Path]:
    return sorted((directory.root / "trials").glob("[0-9]*"))


def _rows(directory: CampaignDir, records: list[dict[str, Any]], progress: dict[int, TrialProgress],
          alive: bool | None) -> list[dict[str, Any]]:
    latest = {r["trial"]: r for r in latest_per_trial(records)}
    rows = []
    for proposal in directory.read_proposals():
        trial = int(proposal["trial"])
        record, run = latest.get(trial), progress.get(trial)
        state = _state(directory, trial, record, run, alive)
        rows.append({
            "trial": trial, "state": state,
            "reward": record.get("reward") if record and has_reward(record) else None,
            "rung": rung_of(record) if record else (run.rung if run else 0),
            "budget": budget_of(record) if record else None,
            "params": (record or {}).get("params"), "madds": (record or {}).get("madds"),
            "cause": None if record is None or is_ok(record) else record.get("cause") or "error",
            "step": run.step if run and state in ("running", "promoting", "stopped") else None,
            "stop_step": run.stop_step if run else None,
            "steps_per_second": run.steps_per_second if run and not run.done else None,
        })
    return rows


def _state(directory: CampaignDir, trial: int, record: dict[str, Any] | None, run: TrialProgress | None,
           alive: bool | None) -> str:
    if record is not None:
        if run is not None and not run.done and run.rung > rung_of(record):
            return "promoting" if alive is not False else "stopped"
        return "finished" if is_ok(record) else "failed"
    if alive is False:
        return "stopped"
    if run is not None:
        return "running"
    return "starting" if (directory.trial_dir(trial) / "task.pkl").exists() else "queued"


def _eta(directory: CampaignDir, config, records: list[dict[str, Any]], rows: list[dict[str, Any]],
         launches: list[dict[str, Any]], now: float) -> float | None:
    """``nas.campaign.eta`` from the directory: as the driver's console estimates it, by its own files."""
    search = config.search
    active = [row for row in rows if row["state"] in ("running", "starting", "promoting")]
    running = []
    for row in active:
        task = directory.trial_dir(row["trial"]) / "task.pkl"
        age = max(0.0, now - task.stat().st_mtime) if task.exists() else 0.0
        left = None
        if row["steps_per_second"] and row["stop_step"] is not None:
            left = max(0, row["stop_step"] - (row["step"] or 0)) / row["steps_per_second"]
        running.append((age, left))
    # As the console: the samples finished since the driver started (an earlier launch's may have compiled
    # what this one loads from the compilation cache, or run on another machine).
    since = float(launches[-1].get("time", 0.0)) if launches else 0.0
    walls = [float(r["wall_seconds"]) for r in first_rungs(records)
             if not r.get("cached") and r.get("wall_seconds") and float(r.get("started_at") or 0.0) >= since]
    promoting = sum(row["state"] == "promoting" for row in active)
    samples = len(first_rungs(records))
    samples_left, shares = work_left(search, samples_done=samples, promotions_done=len(records) - samples,
                                     running=len(active), promoting=promoting)
    spent = sum(float(r.get("device_seconds") or 0.0) for r in records)
    return campaign_eta(running=running, finished_walls=walls, samples_left=samples_left,
                        promotion_shares=shares, concurrency=search.concurrency,
                        device_seconds_left=budget_left(search.device_hours, spent), device_share=device_share(config))
