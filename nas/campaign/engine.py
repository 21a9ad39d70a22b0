"""The campaign driver's state machine: proposals out, outcomes in. No Ray here.

A dispatcher (``tune_searcher`` for Ray Tune, ``task_runner`` for Ray tasks)
asks ``next_proposal()`` for work and reports each trial with ``complete()``.
Every step leaves the campaign directory consistent, in this order:

1. a proposal is appended to proposals.jsonl (fsynced) before it is dispatched;
2. a finished trial is appended to trials.jsonl (fsynced) before the searcher
   hears of it;
3. the searcher hears of trials in a fixed order: the order of trials.jsonl
   (async), or at the end of each batch in proposal order (sync); the feed of
   ``search.mode`` (``feed_order``) decides, and also how many may run.

So the searcher's state is always a function of the two files, and
``recovery.replay`` rebuilds it exactly after a crash at any instant.

Repeats: with ``reuse_known_rewards``, a proposal whose architecture
(``spec_hash``) already has a reusable outcome is recorded at once as cached; one
whose architecture is running waits for that trial and then reuses its outcome.

Rungs (``search.fidelity``, ``nas.campaign.rungs``): a free slot goes to a
due promotion before a new proposal. A promotion runs the same trial id to
the next rung and appends one more record for it. The searcher is fed each
sample once, with its first rung's record (so every reward it learns from has
the same budget); the promotions decide only what trains further.
"""

from __future__ import annotations

import collections
import time
from typing import Any, Callable

from controller import Proposal, Searcher
from nas.campaign.config import CampaignConfig
from nas.campaign.directory import CampaignDir
from nas.campaign.feed_order import make_feed
from nas.campaign.records import (
    OUTCOME_KEYS, budget_of, cached_record, is_genuine_failure, make_record, reusable, rung_of)
from nas.campaign.rungs import RungSchedule
from search_space.encoding import decode
from search_space.canonical import spec_hash
from storage.trial_record import TrialOutcome, is_ok

FINISHED = "FINISHED"


class Campaign:
    """Proposes, dispatches, records and feeds back trials of one campaign."""

    def __init__(self, config: CampaignConfig, directory: CampaignDir, searcher: Searcher,
                 observers: tuple[Callable[[dict, "Campaign"], None], ...] = ()):
        self.config = config
        self.dir = directory
        self.searcher = searcher
        self.observers = observers
        self.known: dict[str, tuple] = {}  # spec_hash -> reusable outcome (values of OUTCOME_KEYS)
        self.queue: collections.deque[Proposal] = collections.deque()  # issued, to dispatch
        self.in_flight: dict[int, Proposal] = {}
        self.in_flight_rung: dict[int, int] = {}  # with rungs: the rung each running trial trains to
        search = config.search
        self.rungs = RungSchedule(tuple(search.fidelity), search.eta) if search.fidelity else None
        self.waiting: dict[str, list[Proposal]] = {}  # repeats of a running architecture
        self._running_hash: dict[str, int] = {}
        self._hash: dict[int, str] = {}
        self.feed = make_feed(config.search.mode, config.search.concurrency, config.search.num_trials)
        self.issued = 0  # proposal ids 0..issued-1 exist
        self.skipped = 0  # of those, ids whose proposal ``resume --repair`` set aside unfinished (not budgeted)
        self.num_records = self.num_failures = self.num_cached = 0  # num_records: samples (first rungs)
        self.num_promotions = 0  # records of rungs above the first
        self.best: tuple[float, int] | None = None  # of the records with the largest budget
        self.device_seconds = 0.0
        self.stop_reason: str | None = None
        self.error: Exception | None = None  # a failure of the driver itself, re-raised by the launcher
        self._last_checkpoint = 0.0
        self._best_budget = 0.0

    # -- what dispatchers call ------------------------------------------------

    def next_proposal(self) -> Proposal | str | None:
        """A proposal to run now, ``None`` (ask again later) or ``FINISHED``."""
        while True:
            if self.stop_reason is not None:
                return FINISHED
            if self.budget_spent:  # nothing new starts; the running trials finish and are recorded
                return None if self.in_flight else FINISHED
            if not self.feed.can_dispatch(len(self.in_flight)):
                return None
            promotion = self._promotion()
            if promotion is not None:
                return promotion
            if self.queue:
                proposal = self.queue.popleft()
            elif self.proposed >= self.config.search.num_trials:
                # With rungs, a running trial may yet make a promotion due.
                return None if self.waiting or (self.rungs and self.in_flight) else FINISHED
            elif not self.feed.can_propose(self.proposed):
                return None
            else:
                proposal = self._propose()
            if not self._absorb(proposal):
                self.in_flight[proposal.id] = proposal
                self.in_flight_rung[proposal.id] = 0
                self._running_hash.setdefault(self._hash[proposal.id], proposal.id)
                return proposal

    def rung_of(self, trial_id: int) -> int:
        """The rung a running trial trains to (0 without rungs)."""
        return self.in_flight_rung.get(trial_id, 0)

    def complete(self, trial_id: int, outcome: TrialOutcome) -> None:
        """Records a trial that ran (``outcome`` from ``nas.campaign.trial``) and feeds it back."""
        rung = self.in_flight_rung.pop(trial_id, 0)
        if rung > 0:
            self._complete_promotion(trial_id, rung, outcome)
            return
        proposal = self.in_flight.pop(trial_id)
        digest = self._hash[trial_id]
        if self._running_hash.get(digest) == trial_id:
            del self._running_hash[digest]
        record = make_record(proposal, outcome, digest, self._rung_fields(0))
        self._finish(proposal, record)
        if is_genuine_failure(record):
            self._charge_failure(record)
        waiters = self.waiting.pop(digest, [])
        if digest in self.known:
            for waiter in waiters:
                self._finish(waiter, self._cached(waiter, digest))
        else:  # not reusable (a timeout): the repeats run themselves
            self.queue.extendleft(reversed(waiters))

    def lost(self, trial_id: int, message: str) -> None:
        """A trial whose worker or node was lost after every retry: stop, keep it pending."""
        self.in_flight.pop(trial_id, None)
        self.in_flight_rung.pop(trial_id, None)
        self.stop_reason = (
            f"trial {trial_id} was lost to infrastructure failures {self.config.trial.infra_retries + 1} "
            f"times (last: {message}); check the Ray cluster, then `spinenet-nas resume {self.dir.root}`"
        )

    def fail(self, error: Exception) -> None:
        """The driver itself failed (a bug, a full disk): stop proposing; the launcher re-raises it."""
        if self.error is None:
            self.error = error
            self.stop_reason = f"the driver failed: {type(error).__name__}: {error}"  # overrides any other reason

    def abandon(self, trial_id: int) -> None:
        """A trial stopped by an interruption: it stays pending and re-runs on resume (a promotion is
        decided again)."""
        self.in_flight.pop(trial_id, None)
        self.in_flight_rung.pop(trial_id, None)

    @property
    def finished(self) -> bool:
        """Every trial of the budget is recorded (or ``search.device_hours`` spent), and (with rungs) no
        promotion is due."""
        if self.in_flight:
            return False
        if self.budget_spent:
            return True
        done = self.num_records >= self.config.search.num_trials
        return done and (self.rungs is None or self.rungs.next_promotion(set()) is None)

    @property
    def budget_spent(self) -> bool:
        """The finished trials have spent ``search.device_hours`` (never, without one)."""
        hours = self.config.search.device_hours
        return hours is not None and self.device_seconds >= hours * 3600

    @property
    def proposed(self) -> int:
        """Proposals that count against ``search.num_trials``."""
        return self.issued - self.skipped

    @property
    def running(self) -> int:
        return len(self.in_flight)

    def checkpoint(self, force: bool = False) -> None:
        """Saves the searcher (atomic), at most every ``output.checkpoint_every_s``."""
        now = time.monotonic()
        if force or now - self._last_checkpoint >= self.config.output.checkpoint_every_s:
            self.searcher.save(self.dir.searcher_file)
            self._last_checkpoint = now

    # -- what recovery calls ---------------------------------------------------

    def restore(self, issued: int, journaled: int, unfinished: list[Proposal]) -> None:
        """Proposal ids ``0..issued-1`` were issued, ``journaled`` of them are in proposals.jsonl
        (the rest were set aside by a repair), and ``unfinished`` run again under their own ids."""
        self.issued = issued
        self.skipped = issued - journaled
        for proposal in unfinished:
            self._track(proposal)
            self.queue.append(proposal)

    def stop(self, reason: str) -> None:
        """Proposes nothing more; the campaign ends when its running trials do."""
        if self.stop_reason is None:
            self.stop_reason = reason

    # -- internals ------------------------------------------------------------

    def _propose(self) -> Proposal:
        proposal = self.searcher.propose()
        self.issued = max(self.issued, proposal.id + 1)
        self.dir.proposals.append({"trial": proposal.id, "decisions": list(proposal.decisions),
                                   **self.feed.journal(proposal.id)})
        self._track(proposal)
        return proposal

    def _track(self, proposal: Proposal) -> None:
        self._hash[proposal.id] = spec_hash(proposal.spec)

    def _absorb(self, proposal: Proposal) -> bool:
        """Serves a repeat from a known outcome, or parks it behind its running twin."""
        if not self.config.search.reuse_known_rewards:
            return False
        digest = self._hash[proposal.id]
        if digest in self.known:
            self._finish(proposal, self._cached(proposal, digest))
            return True
        if digest in self._running_hash:
            self.waiting.setdefault(digest, []).append(proposal)
            return True
        return False

    def _finish(self, proposal: Proposal, record: dict[str, Any]) -> None:
        """Writes ``record``, counts it, feeds it back (a first rung only) and tells the observers."""
        self.dir.trials.append(record)  # durable before the searcher hears of it
        self._hash.pop(proposal.id, None)
        self.count(record)
        ready = self.feed.finished(proposal.id, record) if rung_of(record) == 0 else []
        for finished in ready:
            self._feed_back(finished)
        if ready:
            self.checkpoint()
        for observe in self.observers:
            observe(record, self)

    def count(self, record: dict[str, Any]) -> None:
        """Updates counters, known outcomes and rungs with a record (also used when replaying)."""
        first = rung_of(record) == 0
        self.num_records += first
        self.num_promotions += not first
        self.num_cached += record["cached"]
        self.num_failures += is_genuine_failure(record)
        self.device_seconds += record["device_seconds"]
        if self.rungs is not None:
            self.rungs.add(record)
        budget = budget_of(record)
        if is_ok(record) and (budget > self._best_budget or (budget == self._best_budget and (
                self.best is None or record["reward"] > self.best[0]))):
            self.best, self._best_budget = (record["reward"], record["trial"]), budget
        if first and reusable(record) and record["spec_hash"] not in self.known:
            self.known[record["spec_hash"]] = tuple(record[k] for k in OUTCOME_KEYS)

    def _known(self, digest: str) -> dict[str, Any]:
        return dict(zip(OUTCOME_KEYS, self.known[digest]))

    def _cached(self, proposal: Proposal, digest: str) -> dict[str, Any]:
        return cached_record(proposal, self._known(digest), digest, self._rung_fields(0))

    def _rung_fields(self, rung: int) -> tuple[int, float] | None:
        return None if self.rungs is None else (rung, self.rungs.budget(rung))

    def _promotion(self) -> Proposal | None:
        """The due promotion, now in flight, or None (no rungs, none due, or the campaign stops)."""
        if self.rungs is None:
            return None
        due = self.rungs.next_promotion(set(self.in_flight))
        if due is None:
            return None
        trial, rung = due
        decisions = self.rungs.decisions[trial]
        proposal = Proposal(trial, decisions, decode(self.searcher.space, decisions))
        self.in_flight[trial] = proposal
        self.in_flight_rung[trial] = rung
        return proposal

    def _complete_promotion(self, trial_id: int, rung: int, outcome: TrialOutcome) -> None:
        """Records a promotion's run: one more record of the trial, not fed to the searcher."""
        proposal = self.in_flight.pop(trial_id)
        record = make_record(proposal, outcome, None, self._rung_fields(rung))
        self._finish(proposal, record)
        if is_genuine_failure(record):
            self._charge_failure(record)

    def _feed_back(self, record: dict[str, Any]) -> None:
        self.searcher.feedback(record["trial"], record["reward"], record["status"])

    def _charge_failure(self, record: dict[str, Any]) -> None:
        limit = self.config.search.max_failures
        if limit is not None and self.num_failures >= limit:
            self.stop(failure_budget_message(self, record))


def failure_budget_message(campaign: Campaign, last: dict[str, Any] | None) -> str:
    limit = campaign.config.search.max_failures
    where = campaign.dir.root
    detail = ""
    if last is not None:
        first_line = (last.get("error") or "").strip().splitlines()[:1]
        detail = f" (last: trial {last['trial']}, {last['cause']}: {first_line[0] if first_line else '?'})"
    return (f"{campaign.num_failures} trials failed, reaching search.max_failures={limit}{detail}. "
            f"Their causes and tracebacks are in {where}/trials.jsonl (`spinenet-nas status {where}`). "
            f"To go on: spinenet-nas resume {where} --set search.max_failures={2 * limit}")
