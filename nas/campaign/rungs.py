"""Multi-fidelity rungs (``search.fidelity``): asynchronous successive halving. No Ray here.

A sample first trains to ``budgets[0]`` of the full training (rung 0). Each
time a worker is free, the highest rung that holds a promotable trial gives
one up: a trial among the best ``1/eta`` of the finished, ok, non-cached
records of rung k (ranked by reward, ties to the lower trial id) that has not
been promoted yet. It continues from its checkpoint to ``budgets[k + 1]``
(the learning-rate schedule is the full training's, so a rung's reward is the
AP part-way through that training). With no promotion due, a new sample is
proposed. This is ASHA (Li et al., "A System for Massively Parallel
Hyperparameter Tuning", MLSys 2020): a rung never waits for a full batch, so
no worker idles, and at any time rung k + 1 holds at most ``n_k // eta``
trials.

The schedule is a function of the records in file order, plus the runs now
in flight: a driver that crashed rebuilds it from ``trials.jsonl``; a
promotion that was running then is decided again (its checkpoint, written
atomically only when a rung ends, still holds the last finished rung).
"""

from __future__ import annotations

from typing import Any

from nas.campaign.records import rung_of
from storage.trial_record import is_ok


class RungSchedule:
    """Which trial to promote next, from the rung records seen so far."""

    def __init__(self, budgets: tuple[float, ...], eta: int):
        self.budgets = tuple(float(b) for b in budgets)
        self.eta = eta
        self.results: list[dict[int, float]] = [{} for _ in self.budgets]  # rung -> trial -> reward (ok only)
        self.reached: dict[int, int] = {}  # trial -> highest rung with a record (any status)
        self.decisions: dict[int, tuple[int, ...]] = {}  # trial -> its decisions (to rebuild its proposal)

    @property
    def top(self) -> int:
        return len(self.budgets) - 1

    def add(self, record: dict[str, Any]) -> None:
        """Takes one record of ``trials.jsonl`` (in file order)."""
        trial, rung = int(record["trial"]), rung_of(record)
        self.reached[trial] = max(rung, self.reached.get(trial, -1))
        self.decisions.setdefault(trial, tuple(record["decisions"]))
        if is_ok(record) and not record["cached"]:  # a cached repeat is its twin's result, not a sample
            self.results[rung][trial] = float(record["reward"])

    def next_promotion(self, running: set[int]) -> tuple[int, int] | None:
        """``(trial, rung)``: the next run to start, promoting ``trial`` to ``rung``; None when none is due.

        ``running``: trials now in flight (never promoted twice at once).
        """
        for rung in range(self.top - 1, -1, -1):  # the highest rung first: finish the best ones early
            for trial in self.promotable(rung):
                if trial not in running:
                    return trial, rung + 1
        return None

    def promotable(self, rung: int) -> list[int]:
        """Trials in the best ``1/eta`` of ``rung`` that have not gone beyond it, best first."""
        ranked = sorted(self.results[rung].items(), key=lambda item: (-item[1], item[0]))
        best = ranked[:len(ranked) // self.eta]
        return [trial for trial, _ in best if self.reached[trial] == rung]

    def budget(self, rung: int) -> float:
        return self.budgets[rung]

    def keeps_checkpoint(self, rung: int) -> bool:
        """Whether a run to ``rung`` saves its state for a later promotion (all but the top rung)."""
        return rung < self.top
