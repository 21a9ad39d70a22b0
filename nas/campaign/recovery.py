"""Rebuilds a campaign's driver state from its directory, after a crash or Ctrl-C.

The two append-only files hold everything: proposals.jsonl lists every
proposal ever dispatched (id, decisions, sync batch), trials.jsonl every
finished trial. The searcher heard of the finished trials in a fixed order
(``engine``): the file order (async), or batch by batch in proposal order
(sync; the unfinished last batch not yet). ``replay`` feeds them to
``Searcher.recover`` in that order, with every unfinished proposal pending, so
the searcher's state is exactly the one the crashed driver had; the unfinished
proposals are queued to run again under their own ids; no finished trial runs
again.
"""

from __future__ import annotations

from typing import Any

from controller import PENDING, Proposal, Trial
from nas.campaign.engine import Campaign, failure_budget_message
from nas.campaign.records import is_genuine_failure
from search_space.encoding import decode


def replay(campaign: Campaign) -> None:
    """Loads ``campaign.dir`` into ``campaign`` (its searcher fresh, its counters zero)."""
    records = {r["trial"]: r for r in campaign.dir.read_trials()}
    journal = {line["trial"]: line for line in campaign.dir.read_proposals()}
    unknown = sorted(set(records) - set(journal))
    if unknown:
        raise ValueError(f"trials.jsonl has trials {unknown[:5]} that proposals.jsonl never proposed")
    for record in records.values():  # file order: the order outcomes became known
        campaign.count(record)
    if campaign.config.search.mode == "sync":
        fed, current = _sync_order(campaign, records, journal)
    else:
        fed, current = list(records.values()), []
    unfinished = sorted(set(journal) - set(records))
    history = [Trial(r["trial"], tuple(r["decisions"]), r["reward"], r["status"]) for r in fed]
    history += [Trial(i, tuple(journal[i]["decisions"]), None, PENDING)
                for i in sorted(set(current) | set(unfinished))]
    campaign.searcher.recover(history)
    campaign.issued = max(journal, default=-1) + 1
    for trial_id in current:
        if trial_id in records:
            campaign.held[trial_id] = records[trial_id]
    space = campaign.searcher.space
    for trial_id in unfinished:
        decisions = tuple(journal[trial_id]["decisions"])
        proposal = Proposal(trial_id, decisions, decode(space, decisions))
        campaign.track(proposal)
        campaign.queue.append(proposal)
    limit = campaign.config.search.max_failures
    if limit is not None and campaign.num_failures >= limit:
        failed = [r for r in records.values() if is_genuine_failure(r)]
        campaign.stop_reason = failure_budget_message(campaign, failed[-1] if failed else None)


def _sync_order(campaign: Campaign, records, journal) -> tuple[list[dict], list[int]]:
    """Records of finished batches in (batch, id) order, and the ids of the open batch."""
    batches: dict[int, list[int]] = {}
    for trial_id, line in journal.items():
        batches.setdefault(int(line["batch"]), []).append(trial_id)
    fed: list[dict[str, Any]] = []
    current: list[int] = []
    last = max(batches, default=-1)
    for index in sorted(batches):
        members = sorted(batches[index])
        target = journal[members[0]]["batch_size"]  # as decided when the batch began
        done = all(m in records for m in members)
        if index < last and not done:
            raise ValueError(f"sync batch {index} is unfinished but batch {last} was proposed after it")
        if index < last or (done and len(members) >= target):
            fed += [records[m] for m in members]
        else:
            current = members
            campaign.batch_index, campaign.batch, campaign.batch_target = index, members, target
    if not current:
        campaign.batch_index = last
    return fed, current
