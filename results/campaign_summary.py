"""A search campaign's progress, best architectures, cost and failures.

``summarize(records)`` reduces the trial records of a campaign (one dict per
finished trial, in completion order) to a JSON-able dict; ``render_summary``
prints it. Both take failed records (nulls in ``reward``, ``ap``, ``params``
...), an empty list and thousands of records.

A record's fields used here (``storage.trial_record``): ``trial``, ``status``,
``cause``, ``cached``, ``spec_hash``, ``reward``, ``ap`` (``AP_METRICS``),
``params``, ``madds``, ``device_seconds``, ``started_at``, ``finished_at``,
``error``, and with multi-fidelity rungs ``rung`` and ``budget``: a trial is
then ranked by the record of its highest rung, records with a larger budget
first, and its cost is that of all its rungs.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from results.table import render_table
from storage.trial_record import AP_METRICS, Cause, budget_of, is_ok, latest_per_trial, rung_of
DEFAULT_TOP_K = 10
MAX_RENDERED_FAILURES = 20


def has_reward(record: dict[str, Any]) -> bool:
    """Whether a record is an ok trial with a finite reward (rankable)."""
    reward = record.get("reward")
    return is_ok(record) and isinstance(reward, (int, float)) and math.isfinite(reward)


def summarize(records: list[dict[str, Any]], top_k: int = DEFAULT_TOP_K) -> dict[str, Any]:
    """The campaign summary (a JSON-able dict).

    Keys: ``progress`` (trials, ok, failed, failed_by_cause, cached), ``best``
    (the top trial or None), ``top`` (the ``top_k`` best distinct
    architectures: one row per ``spec_hash``, its best trial, ties to the
    earlier trial), ``cost`` (device-hours total and mean per trained trial,
    i.e. not cached; wall-clock span from the first start to the last finish)
    and ``failures`` (trial, cause, first line of the error), in completion
    order.
    """
    every = records
    records = latest_per_trial(every)  # with rungs: each trial by its highest rung
    # The largest budget first: with rungs, a reward after part of the training ranks below a full one.
    ranked = sorted((r for r in records if has_reward(r)), key=lambda r: (-budget_of(r), -r["reward"]))
    top = _distinct_architectures(ranked)[:top_k]
    return {
        "progress": {**_progress(records), "promotions": len(every) - len(records)},
        "best": _trial_view(ranked[0]) if ranked else None,
        "top": [_trial_view(r) for r in top],
        "cost": _cost(every),
        "failures": [_failure_view(r) for r in records if not is_ok(r)],
    }


def _progress(records: list[dict[str, Any]]) -> dict[str, Any]:
    failed = [r for r in records if not is_ok(r)]
    causes = Counter(str(r.get("cause") or Cause.ERROR) for r in failed)
    return {
        "trials": len(records),
        "ok": len(records) - len(failed),
        "failed": len(failed),
        "failed_by_cause": dict(sorted(causes.items())),
        "cached": sum(1 for r in records if r.get("cached")),
    }


def _distinct_architectures(ranked: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[Any] = set()
    distinct = []
    for record in ranked:  # sorted() is stable: among equal rewards the earlier trial wins
        key = record.get("spec_hash") or ("trial", record.get("trial"))
        if key not in seen:
            seen.add(key)
            distinct.append(record)
    return distinct


def _trial_view(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "trial": record.get("trial"),
        "reward": record.get("reward"),
        "ap": dict(record.get("ap") or {}),
        "spec_hash": record.get("spec_hash"),
        "params": record.get("params"),
        "madds": record.get("madds"),
        "cached": bool(record.get("cached")),
        "rung": rung_of(record),
        "budget": budget_of(record),
    }


def _cost(records: list[dict[str, Any]]) -> dict[str, Any]:
    trained = {r["trial"] for r in records if not r.get("cached")}  # a trial's rungs count once
    device_seconds = sum(float(r.get("device_seconds") or 0.0) for r in records)
    starts = [r["started_at"] for r in records if r.get("started_at") is not None]
    ends = [r["finished_at"] for r in records if r.get("finished_at") is not None]
    return {
        "device_hours_total": device_seconds / 3600.0,
        "device_hours_mean": device_seconds / 3600.0 / len(trained) if trained else None,
        "trained_trials": len(trained),
        "started_at": min(starts) if starts else None,
        "finished_at": max(ends) if ends else None,
        "wall_seconds_span": max(ends) - min(starts) if starts and ends else None,
    }


def first_line(text: str | None) -> str:
    """The first non-blank line of an error message ('' for none)."""
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def _failure_view(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "trial": record.get("trial"),
        "cause": record.get("cause") or "error",
        "error": first_line(record.get("error")),
    }


def render_summary(summary: dict[str, Any]) -> str:
    """Plain text of a ``summarize`` result: progress, best, cost, top-k, failures."""
    progress = summary["progress"]
    if not progress["trials"]:
        return "No trials have finished yet: nothing to summarize."
    parts = [_progress_line(progress), _best_line(summary["best"]), _cost_line(summary["cost"])]
    if summary["top"]:
        title = f"\nTop {len(summary['top'])} architectures (best trial of each)"
        if progress.get("promotions"):
            title += "; the largest budget ranks first"
        parts.append(f"{title}\n" + _top_table(summary["top"], bool(progress.get("promotions"))))
    if summary["failures"]:
        parts.append(_failures_text(summary["failures"]))
    return "\n".join(parts) + "\n"


def _progress_line(progress: dict[str, Any]) -> str:
    causes = ", ".join(f"{cause} {n}" for cause, n in progress["failed_by_cause"].items())
    failed = f"{progress['failed']} failed" + (f" ({causes})" if causes else "")
    promoted = f"; {progress['promotions']} promotions" if progress.get("promotions") else ""
    return (f"Trials: {progress['trials']} done, {progress['ok']} ok, {failed}; {progress['cached']} cached "
            f"repeats{promoted}")


def _best_line(best: dict[str, Any] | None) -> str:
    if best is None:
        return "Best: none yet (no trial finished with a finite reward)"
    ap = ", ".join(f"{key} {best['ap'][key]:.4f}" for key in AP_METRICS if _is_num(best["ap"].get(key)))
    return (
        f"Best: trial {best['trial']}, reward {best['reward']:.4f}" + (f" ({ap})" if ap else "")
        + f"; spec_hash {_short_hash(best['spec_hash'])}, params {_millions(best['params'])}, "
        + f"FLOPs {_billions(best['madds'])}"
    )


def _cost_line(cost: dict[str, Any]) -> str:
    mean = cost["device_hours_mean"]
    per_trial = f"{mean:.3f} per trained trial ({cost['trained_trials']})" if mean is not None else "no trained trial"
    span = cost["wall_seconds_span"]
    wall = _duration(span) if span is not None else "unknown"
    return f"Cost: {cost['device_hours_total']:.2f} device-hours in all, {per_trial}; wall time {wall}"


def _top_table(top: list[dict[str, Any]], rungs: bool = False) -> str:
    budget = ["budget"] if rungs else []
    headers = ["rank", "trial", *budget, "reward", *AP_METRICS, "params", "FLOPs", "spec_hash"]
    rows = [
        [rank, row["trial"], *([f"{row['budget']:g}"] if rungs else []), row["reward"],
         *(_cell(row["ap"].get(key)) for key in AP_METRICS),
         _millions(row["params"]), _billions(row["madds"]), _short_hash(row["spec_hash"])]
        for rank, row in enumerate(top, start=1)
    ]
    return render_table(headers, rows)


def _failures_text(failures: list[dict[str, Any]]) -> str:
    shown = failures[:MAX_RENDERED_FAILURES]
    rows = [[f["trial"], f["cause"], f["error"][:100]] for f in shown]
    text = f"\nFailures ({len(failures)})\n" + render_table(["trial", "cause", "error"], rows)
    if len(failures) > len(shown):
        text += f"\n... and {len(failures) - len(shown)} more"
    return text


def _is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _cell(value: Any) -> Any:
    return value if _is_num(value) else "-"


def _millions(value: Any) -> str:
    return f"{value / 1e6:.2f} M" if _is_num(value) else "-"


def _billions(value: Any) -> str:
    return f"{value / 1e9:.2f} B" if _is_num(value) else "-"


def _short_hash(value: Any) -> str:
    return str(value)[:12] if value else "-"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"
