"""When the searcher hears of finished trials, and how many may be proposed: ``search.mode``.

``AsyncFeed``: up to ``concurrency`` trials run at once, and each is fed back
when it finishes, in the order of ``trials.jsonl``. ``SyncBatches``: proposals
come in batches of ``concurrency`` (the last one smaller), and a batch is fed
back whole, in proposal order, when its last trial finishes. The engine asks
its feed the same questions in either mode; ``recovery.replay`` asks it which
records the searcher had heard of when the driver stopped (``recover``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nas.overrides import ConfigError

Record = dict[str, Any]


class AsyncFeed:
    """Each trial fed back as it finishes; ``concurrency`` running at once."""

    def __init__(self, concurrency: int, num_trials: int):
        self.concurrency = concurrency

    def can_dispatch(self, running: int) -> bool:
        """Whether another trial (queued or new) may start now."""
        return running < self.concurrency

    def can_propose(self, proposed: int) -> bool:
        """Whether a new proposal may be made now (the budget aside)."""
        return True

    def journal(self, trial_id: int) -> dict[str, Any]:
        """The fields of the proposal's line in proposals.jsonl that this feed owns."""
        return {"batch": None, "batch_size": None}

    def finished(self, trial_id: int, record: Record) -> list[Record]:
        """The records to feed back now that ``record`` is written, in order."""
        return [record]

    def recover(self, records: dict[int, Record], journal: dict[int, dict], repaired: bool,
                root: Path) -> tuple[list[Record], list[int]]:
        """The records the searcher had heard of, in order, and the proposals still held back (none)."""
        return list(records.values()), []


class SyncBatches:
    """Batches of ``concurrency`` proposals, each fed back whole in proposal order.

    ``late``: after ``resume --repair``, trials of a batch that was already fed
    back whose records were cut out; they run again and are fed back alone as
    they finish.
    """

    def __init__(self, concurrency: int, num_trials: int):
        self.concurrency = concurrency
        self.num_trials = num_trials
        self.index = -1  # the current batch's number
        self.members: list[int] = []  # its proposal ids
        self.target = 0  # its size, decided when it began
        self.held: dict[int, Record] = {}  # its finished trials, fed back at its end
        self.late: set[int] = set()

    def can_dispatch(self, running: int) -> bool:
        return True  # the batch size bounds what runs

    def can_propose(self, proposed: int) -> bool:
        """Whether the batch takes another proposal, starting a new batch if the last one is fed."""
        if not self.members:
            self.index += 1
            self.target = min(self.concurrency, self.num_trials - proposed)
        return len(self.members) < self.target

    def journal(self, trial_id: int) -> dict[str, Any]:
        self.members.append(trial_id)
        return {"batch": self.index, "batch_size": self.target}

    def finished(self, trial_id: int, record: Record) -> list[Record]:
        if trial_id in self.late:
            self.late.discard(trial_id)
            return [record]
        self.held[trial_id] = record
        if len(self.members) < self.target or not set(self.members) <= set(self.held):
            return []
        batch = [self.held.pop(member) for member in sorted(self.members)]
        self.members = []
        return batch

    def recover(self, records: dict[int, Record], journal: dict[int, dict], repaired: bool,
                root: Path) -> tuple[list[Record], list[int]]:
        """Records of finished batches in (batch, id) order, and the ids of the open batch.

        Restores the open batch (its finished trials held). A closed batch (one
        proposed before the last) lacking records was damaged: after a repair
        its unfinished trials are ``late``; before, an error.
        """
        batches: dict[int, list[int]] = {}
        for trial_id, line in journal.items():
            batches.setdefault(int(line["batch"]), []).append(trial_id)
        fed: list[Record] = []
        last = max(batches, default=-1)
        self.index = last
        for index in sorted(batches):
            members = sorted(batches[index])
            target = journal[members[0]]["batch_size"]  # as decided when the batch began
            done = all(m in records for m in members)
            if index < last and not done:
                missing = [m for m in members if m not in records]
                if not repaired:
                    raise ConfigError(
                        f"{root}/trials.jsonl lacks the records of trials {missing} of sync batch {index}, "
                        f"but batch {last} was proposed after it, so they were removed; restore them from a "
                        f"copy of the campaign, or run those trials again with `spinenet-nas resume {root} "
                        f"--repair` (their rewards then reach the searcher late)")
                self.late.update(missing)
            if index < last or (done and len(members) >= target):
                fed += [records[m] for m in members if m in records]
            else:
                self.members, self.target = members, target
                self.held = {m: records[m] for m in members if m in records}
        return fed, list(self.members)


def make_feed(mode: str, concurrency: int, num_trials: int) -> AsyncFeed | SyncBatches:
    """The feed of ``search.mode`` (``sync`` or ``async``)."""
    return (SyncBatches if mode == "sync" else AsyncFeed)(concurrency, num_trials)
