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

After ``resume --repair`` (``nas.campaign.repair``) two things may be missing:
records of trials in sync batches that were already fed (those trials run
again and are fed back late, as they finish) and proposals of trials that
never finished (their ids are skipped, and not counted against the budget).
"""

from __future__ import annotations

from typing import Any

from controller import PENDING, Proposal, Trial
from nas.campaign.engine import Campaign, failure_budget_message
from nas.campaign.records import is_genuine_failure
from nas.overrides import ConfigError
from search_space.encoding import decode


def replay(campaign: Campaign) -> None:
    """Loads ``campaign.dir`` into ``campaign`` (its searcher fresh, its counters zero)."""
    records = {r["trial"]: r for r in campaign.dir.read_trials()}
    journal = {line["trial"]: line for line in campaign.dir.read_proposals()}
    root = campaign.dir.root
    unknown = sorted(set(records) - set(journal))
    if unknown:
        raise ConfigError(f"{root}/trials.jsonl has trials {unknown[:5]} that {root}/proposals.jsonl lacks; "
                          f"restore proposals.jsonl from a copy of the campaign, or rebuild those lines from the "
                          f"records with `spinenet-nas resume {root} --repair`")
    repaired = any(launch.get("repair") for launch in campaign.dir.launches.read())
    for record in records.values():  # file order: the order outcomes became known
        campaign.count(record)
    if campaign.config.search.mode == "sync":
        fed, current = _sync_order(campaign, records, journal, repaired)
    else:
        fed, current = list(records.values()), []
    unfinished = sorted(set(journal) - set(records))
    history = [Trial(r["trial"], tuple(r["decisions"]), r["reward"], r["status"]) for r in fed]
    history += [Trial(i, tuple(journal[i]["decisions"]), None, PENDING)
                for i in sorted(set(current) | set(unfinished))]
    campaign.searcher.recover(history)
    campaign.issued = max(journal, default=-1) + 1
    campaign.lost = campaign.issued - len(journal)
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


def _sync_order(campaign: Campaign, records, journal, repaired: bool) -> tuple[list[dict], list[int]]:
    """Records of finished batches in (batch, id) order, and the ids of the open batch.

    A closed batch (one proposed before the last) lacking records was damaged:
    after a repair its unfinished trials are ``campaign.late``; before, an error.
    """
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
            missing = [m for m in members if m not in records]
            if not repaired:
                root = campaign.dir.root
                raise ConfigError(f"{root}/trials.jsonl lacks the records of trials {missing} of sync batch {index}, "
                                  f"but batch {last} was proposed after it, so they were removed; restore them from "
                                  f"a copy of the campaign, or run those trials again with `spinenet-nas resume "
                                  f"{root} --repair` (their rewards then reach the searcher late)")
            campaign.late.update(missing)
        if index < last or (done and len(members) >= target):
            fed += [records[m] for m in members if m in records]
        else:
            current = members
            campaign.batch_index, campaign.batch, campaign.batch_target = index, members, target
    if not current:
        campaign.batch_index = last
    return fed, current
