"""Runs a comparison: a campaign per searched space, then final trainings, then the report.

    DIR/compare.json              the resolved comparison (written once; a rerun must match)
    DIR/campaigns/<space>/        one campaign directory per searched space (resumable as any)
    DIR/final/<member>/seed<k>/   final trainings (``final.json`` when done)
    DIR/report.md, family.csv, ap_vs_flops.png, architectures.png   rewritten as results come

Running ``compare`` again on the same DIR resumes: finished campaigns and
final trainings are kept, unfinished ones continue.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from nas.campaign import launch, ray_connection
from nas.campaign.directory import CampaignDir
from nas.campaign.export import top_records
from nas.compare.config import Comparison
from nas.compare.final_training import pending_tasks, run_final_trainings
from nas.compare.members import Member, members
from nas.compare.report import write_report
from nas.output_dirs import check_output_dir
from nas.overrides import ConfigError
from search_space.serialization import spec_from_dict
from search_space.spec import ArchitectureSpec
from storage.atomic_file import write_atomic
from storage.trial_record import TrialOutcome

EXIT_OK, EXIT_INCOMPLETE, EXIT_INTERRUPTED = 0, 1, 130


def run_comparison(comparison: Comparison, root: str | Path, address: str | None = None,
                   command: str = "") -> int:
    """Runs (or resumes) the comparison in ``root``; returns the exit status."""
    root = Path(root).absolute()
    _claim(root, comparison, command)
    started = ray_connection.connect(address, comparison.campaign)
    try:
        architectures, notes = {}, []
        for member in members(comparison.compare):
            spec = _architecture(member, comparison, root, address, command, notes)
            if spec is None and notes and notes[-1].startswith("interrupted"):
                return EXIT_INTERRUPTED
            if spec is not None:
                architectures[member] = spec
            write_report(root, comparison, architectures, notes, command)
        tasks = pending_tasks(root, comparison.compare, comparison.campaign, architectures)
        print(f"final training: {len(tasks)} runs to go "
              f"({len(architectures)} members x {len(comparison.compare.final_seeds)} seeds)", flush=True)

        def done(member: Member, outcome: TrialOutcome) -> None:
            ap = f"AP {outcome.reward:.4f}" if outcome.ok else f"failed: {outcome.error}"
            print(f"final {member.name} seed {outcome.seed}: {ap}", flush=True)
            write_report(root, comparison, architectures, notes, command)

        try:
            run_final_trainings(root, tasks, comparison.campaign, done)
        except KeyboardInterrupt:
            print(f"interrupted; run the same command again to continue in {root}", file=sys.stderr)
            return EXIT_INTERRUPTED
        table = write_report(root, comparison, architectures, notes, command)
    finally:
        ray_connection.disconnect(started)
    print(table)
    print(f"report: {root / 'report.md'} (table: family.csv, plot: ap_vs_flops.png)")
    complete = len(architectures) == len(members(comparison.compare)) and _all_final_ok(root, comparison)
    return EXIT_OK if complete else EXIT_INCOMPLETE


def _claim(root: Path, comparison: Comparison, command: str) -> None:
    """Writes compare.json, or checks that a rerun asks for the same comparison."""
    settings = {"compare": dataclasses.asdict(comparison.compare), "preset": comparison.preset,
                "campaign": list(comparison.campaign_assignments)}
    check_output_dir(root, "--dir")
    path = root / "compare.json"
    if path.is_file():
        before = json.loads(path.read_text())
        if json.loads(json.dumps(settings)) != {k: before.get(k) for k in settings}:
            raise ConfigError(f"{root} holds a comparison with other settings ({path}); rerun it with "
                              f"the same --preset and --set values, or choose another --dir")
        return
    if root.exists() and any(root.iterdir()):
        raise ConfigError(f"{root} exists, is not empty and holds no comparison; choose another --dir")
    write_atomic(path, json.dumps({**settings, "command": command}, indent=2).encode())


def _architecture(member: Member, comparison: Comparison, root: Path, address, command,
                  notes: list[str]) -> ArchitectureSpec | None:
    """A reference's or file's spec, or the best of the member's campaign (run or resumed first)."""
    if member.kind != "searched":
        return member.fixed_spec()
    campaign_root = root / "campaigns" / member.key
    budget = f"search.num_trials={comparison.compare.trials_per_space}"
    print(f"== {member.name}: campaign of {comparison.compare.trials_per_space} trials in {campaign_root}",
          flush=True)
    if CampaignDir(campaign_root).exists:
        status = launch.resume(campaign_root, [budget], address=address, command=command)
    else:
        status = launch.search(comparison.campaign_for(member.key), campaign_root, address, command=command)
    if status in launch.INTERRUPTED:
        notes.append(f"interrupted during the campaign of {member.name}")
        return None
    best = top_records(CampaignDir(campaign_root).read_trials(), 1)
    if not best:
        notes.append(f"{member.name}: no trial of its campaign succeeded (see `spinenet-nas status {campaign_root}`)")
        return None
    if status != launch.EXIT_OK:
        notes.append(f"{member.name}: its campaign stopped early (status {status}); its best so far is used")
    spec = spec_from_dict(best[0]["spec"])
    return dataclasses.replace(spec, name=f"{member.key}-best-trial{best[0]['trial']}")


def _all_final_ok(root: Path, comparison: Comparison) -> bool:
    from nas.compare.final_training import read_outcomes

    for member in members(comparison.compare):
        outcomes = read_outcomes(root, member, comparison.compare.final_seeds)
        if len(outcomes) < len(comparison.compare.final_seeds) or any(not o.ok for o in outcomes):
            return False
    return True
