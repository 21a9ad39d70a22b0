"""The comparison's report files, rewritten whenever a result comes in (partial results show)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nas.campaign.directory import CampaignDir
from nas.compare.config import Comparison
from nas.compare.final_training import read_outcomes
from nas.compare.members import Member, members
from results.architecture_figure import draw_architectures
from results.family_table import render_markdown, to_csv
from results.flops_plot import plot_ap_vs_flops
from search_space.spec import ArchitectureSpec, SpineNetSpec
from storage.atomic_file import write_atomic


def member_row(root: Path, comparison: Comparison, member: Member) -> dict[str, Any]:
    """One table row (``results.family_table``) from the campaign and the final trainings on disk."""
    row = {"member": member.name, "kind": member.kind, "space": None, "trials": None, "device_hours": None,
           "aps": [], "ap50s": [], "ap75s": [], "params": None, "madds": None, "failed": 0}
    if member.kind == "searched":
        records = CampaignDir(root / "campaigns" / member.key).read_trials()
        row.update(space=member.key, trials=len(records),
                   device_hours=sum(r.get("device_seconds") or 0.0 for r in records) / 3600)
    for outcome in read_outcomes(root, member, comparison.compare.final_seeds):
        if not outcome.ok:
            row["failed"] += 1
            continue
        row["aps"].append(outcome.ap["AP"])
        row["ap50s"].append(outcome.ap["AP50"])
        row["ap75s"].append(outcome.ap["AP75"])
        row.update(params=outcome.params, madds=outcome.madds)
    return row


def write_report(root: Path, comparison: Comparison, architectures: dict[Member, ArchitectureSpec],
                 notes: list[str], command: str) -> str:
    """Writes report.md, family.csv, ap_vs_flops.png and architectures.png; returns the Markdown table."""
    compare = comparison.compare
    input_size = compare.final_protocol(compare.final_seeds[0]).scaling.input_size
    rows = [member_row(root, comparison, m) for m in members(compare)]
    table = render_markdown(rows, input_size)
    write_atomic(root / "family.csv", to_csv(rows).encode())
    plot_ap_vs_flops(rows, root / "ap_vs_flops.png", input_size)
    drawable = [(f"{m.name}: {spec.name}", spec) for m, spec in architectures.items()
                if isinstance(spec, SpineNetSpec)]
    if drawable:
        draw_architectures(drawable, root / "architectures.png")
    failed = [f"- {r['member']}: {r['failed']} final training(s) failed (see final/)" for r in rows if r["failed"]]
    lines = [
        "# Family comparison (paper Table 3 protocol)", "",
        f"Command: `{command or 'spinenet-nas compare'}`", "",
        f"- search: one campaign of {compare.trials_per_space} trials per space "
        f"({comparison.campaign.search.searcher}, proxy preset `{comparison.campaign.preset}`)",
        f"- final training: preset `{compare.final_preset}`, scaling `{compare.final_scaling}`, "
        f"{input_size} px, seeds {list(compare.final_seeds)}"
        + (f", overrides {list(compare.final_set)}" if compare.final_set else ""),
        "- AP is held-out COCO AP in %, mean ± standard deviation over seeds (number of seeds); "
        "FLOPs are multiply-adds of RetinaNet at the protocol's input size", "",
        table, "", *(f"- {n}" for n in notes), *failed, "",
        "![AP vs FLOPs](ap_vs_flops.png)", "",
        "![Discovered architectures](architectures.png)" if drawable else "", "",
    ]
    write_atomic(root / "report.md", "\n".join(lines).encode())
    return table
