"""``spinenet-nas resume --repair``: damaged record lines set aside, so a campaign can go on.

A complete line of trials.jsonl or proposals.jsonl that is not a record (not
UTF-8, not JSON, lacking a key) is damage no crash makes, so every command
refuses the file and names the line. Repair moves each such line, byte for
byte, to ``<file>.quarantine`` beside it (``JsonLines.set_aside``: nothing is
deleted) and then makes the campaign whole again:

- a trial whose record was set aside has no record, so it runs again under
  its own id. In a sync campaign whose later batches were already fed to the
  searcher, its reward reaches the searcher late, when it finishes: the
  searcher's state then differs from an undamaged run's.
- a finished trial whose proposal line was set aside gets the line back from
  its record; in a sync campaign its batch follows from the batches around it
  (each batch is a run of consecutive ids), or repair refuses.
- an unfinished trial whose proposal line was set aside cannot run again (its
  decisions are lost): the searcher proposes another trial in its place.

Launches after a repair are recorded with ``"repair": true`` in launches.jsonl;
``recovery.replay`` reads that to accept sync batches with late trials.
"""

from __future__ import annotations

from typing import Any

from nas.campaign.directory import CampaignDir
from nas.campaign.jsonl import JsonLines
from nas.overrides import ConfigError


def repair(directory: CampaignDir, sync: bool) -> list[str]:
    """Sets the damaged lines aside and rebuilds what it can; returns what it did, one sentence each.

    Call it holding the directory's lock, before the campaign is opened.
    """
    notes = [_set_aside(log) for log in (directory.trials, directory.proposals)]
    records = {record["trial"]: record for record in directory.read_trials()}
    journal = {line["trial"]: line for line in directory.read_proposals()}
    if notes[0]:
        notes.append(f"trials {sorted(set(journal) - set(records))} have no record and run again under their ids")
    orphans = sorted(set(records) - set(journal))
    if orphans:
        for line in _rebuilt_proposals([records[i] for i in orphans], journal, sync):
            directory.proposals.append(line)
        notes.append(f"rebuilt the proposals of finished trials {orphans} from their records")
    lost = sorted(set(range(max([*journal, *records], default=-1) + 1)) - set(journal) - set(records))
    if lost:
        notes.append(f"trials {lost} lost their proposals before they finished: they cannot run again, and "
                     f"the searcher proposes others in their place")
    return [note for note in notes if note]


def _set_aside(log: JsonLines) -> str:
    """Moves the log's damaged lines to its quarantine; says so (``""`` when it had none)."""
    moved = log.set_aside()
    if not moved:
        return ""
    where = ", ".join(f"{number} ({problem})" for number, problem in moved)
    return f"moved {len(moved)} damaged line(s) of {log.path.name} to {log.quarantine}: line {where}"


def _rebuilt_proposals(records: list[dict[str, Any]], journal: dict[int, dict], sync: bool) -> list[dict]:
    """proposals.jsonl lines for finished trials whose own lines were lost."""
    if not sync:
        return [{"trial": r["trial"], "decisions": r["decisions"], "batch": None, "batch_size": None}
                for r in records]
    slots = _sync_slots(journal)
    lines = []
    for record in records:
        slot = slots.get(record["trial"]) if slots is not None else None
        if slot is None:
            raise ConfigError(f"trial {record['trial']} finished, but its line in proposals.jsonl was damaged and "
                              f"its sync batch cannot be told from the lines around it; restore proposals.jsonl "
                              f"from a copy of the campaign")
        lines.append({"trial": record["trial"], "decisions": record["decisions"], "batch": slot[0],
                      "batch_size": slot[1]})
    return lines


def _sync_slots(journal: dict[int, dict]) -> dict[int, tuple[int, int]] | None:
    """Trial id -> (batch, batch size), if the intact lines show batches of consecutive ids from 0.

    ``None`` when they do not (e.g. a batch no intact line names), as the
    sizes cannot then be trusted to place the missing ids.
    """
    sizes = {int(line["batch"]): int(line["batch_size"]) for line in journal.values()}
    if sorted(sizes) != list(range(len(sizes))):
        return None
    slots, start = {}, 0
    for batch in sorted(sizes):
        slots.update({i: (batch, sizes[batch]) for i in range(start, start + sizes[batch])})
        start += sizes[batch]
    if any(slots.get(i) != (line["batch"], line["batch_size"]) for i, line in journal.items()):
        return None
    return slots
