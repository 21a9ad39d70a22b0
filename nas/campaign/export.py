"""The best architectures of a campaign, written as files in ``DIR/export/``.

``export_top`` ranks the ok trials by reward (with rungs: only the trials
that reached the full budget, unless ``any_budget``; then each trial by its
highest rung, the largest budget first), keeps the best trial of each
distinct architecture (``results.campaign_summary``), and writes each of the
top K in each format (``search_space.export``):

    DIR/export/rank1_trial00012.json   our spec JSON (``spinenet-nas describe`` reads it)
    DIR/export/rank1_trial00012.py     official block-spec tuples (Python)
    DIR/export/rank1_trial00012_tf.py  TF Model Garden ``block_specs`` and scaling
    DIR/export/best.json               the best one again, under a fixed name
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Sequence

from nas.campaign.model_setup import write_model
from search_space.scaling import Scaling
from search_space.serialization import spec_from_dict
from storage.atomic_file import write_atomic
from storage.trial_record import budget_of, latest_per_trial

FORMATS = ("json", "python", "tf")
SUFFIX = {"json": ".json", "python": ".py", "tf": "_tf.py"}


def top_records(records: list[dict[str, Any]], k: int) -> list[dict[str, Any]]:
    """The best trial of each of the ``k`` best distinct architectures."""
    from results.campaign_summary import summarize

    by_trial = {r["trial"]: r for r in latest_per_trial(records)}  # with rungs: each trial's highest
    return [by_trial[row["trial"]] for row in summarize(records, top_k=k)["top"]]


def eligible(records: list[dict[str, Any]], any_budget: bool = False) -> list[dict[str, Any]]:
    """Each trial's highest-rung record; only those at the full budget unless ``any_budget``."""
    latest = latest_per_trial(records)
    return latest if any_budget else [r for r in latest if budget_of(r) == 1.0]


def named_spec(record: dict[str, Any], space: str):
    spec = spec_from_dict(record["spec"])
    return dataclasses.replace(spec, name=f"{space}-trial{record['trial']}")


def export_top(records: list[dict[str, Any]], out: Path, space: str, k: int = 1,
               formats: Sequence[str] = FORMATS, scaling: Scaling | None = None,
               any_budget: bool = False, model: dict[str, Any] | None = None) -> tuple[list[Path], list[str]]:
    """Writes the top ``k`` (of ``eligible`` records); returns the files written and notes.

    Notes name the formats a spec cannot take, and trials left out for their budget. With
    ``model`` (``model_setup.campaign_model``), ``model.json`` goes beside the specs.
    """
    from search_space.export import export_spec

    written, refused = [], {}
    chosen = eligible(records, any_budget)
    partial = len(latest_per_trial(records)) - len(chosen)
    budget_note = [] if chosen or not partial else [
        f"no trial has reached the full budget yet ({partial} stopped at a lower rung); "
        f"`export --any-budget` takes the best at the largest budget reached"]
    for rank, record in enumerate(top_records(chosen, k), start=1):
        spec = named_spec(record, space)
        stem = f"rank{rank}_trial{record['trial']:05d}"
        for fmt in formats:
            try:
                text = export_spec(spec, fmt, scaling)
            except ValueError as err:
                # One note per reason: in a space with a fixed stem every spec is refused alike.
                reason = str(err).replace(f"spec {spec.name!r}: ", "")
                refused.setdefault((fmt, reason), []).append(str(record["trial"]))
                continue
            path = out / f"{stem}{SUFFIX[fmt]}"
            write_atomic(path, text.encode())
            written.append(path)
            if rank == 1 and fmt == "json":
                write_atomic(out / "best.json", text.encode())
                written.append(out / "best.json")
    if written and model is not None:
        written.append(write_model(out, model))
    notes = [f"trial{'s' if len(trials) > 1 else ''} {', '.join(trials)}: no {fmt} export: {reason}"
             for (fmt, reason), trials in refused.items()]
    return written, budget_note + notes
