"""Rebuilds a campaign's driver state from its directory, after a crash or Ctrl-C.

The two append-only files hold everything: proposals.jsonl lists every
proposal ever dispatched (id, decisions, sync batch), trials.jsonl every
finished trial. The searcher heard of the finished trials in a fixed order
(``feed_order``): the file order (async), or batch by batch in proposal order
(sync; the unfinished last batch not yet). ``replay`` feeds them to
``Searcher.recover`` in that order, with every unfinished proposal pending, so
the searcher's state is exactly the one the crashed driver had; the unfinished
proposals are queued to run again under their own ids; no finished trial runs
again. With rungs, every record (of any rung) rebuilds the rung schedule, and
a promotion that was running is decided again (``nas.campaign.rungs``).

After ``resume --repair`` (``nas.campaign.repair``) two things may be missing:
records of trials in sync batches that were already fed (those trials run
again and are fed back late, as they finish) and proposals of trials that
never finished (their ids are skipped, and not counted against the budget).
"""

from __future__ import annotations

from controller import PENDING, Proposal, Trial
from nas.campaign.engine import Campaign, failure_budget_message
from nas.campaign.records import first_rungs, is_genuine_failure
from nas.overrides import ConfigError
from search_space.encoding import decode


def replay(campaign: Campaign) -> None:
    """Loads ``campaign.dir`` into ``campaign`` (its searcher fresh, its counters zero), by its public methods."""
    every = campaign.dir.read_trials()  # with rungs, one record per trial and rung
    records = {r["trial"]: r for r in first_rungs(every)}  # what the searcher was fed: the first rung
    journal = {line["trial"]: line for line in campaign.dir.read_proposals()}
    root = campaign.dir.root
    unknown = sorted(set(records) - set(journal))
    if unknown:
        raise ConfigError(f"{root}/trials.jsonl has trials {unknown[:5]} that {root}/proposals.jsonl lacks; "
                          f"restore proposals.jsonl from a copy of the campaign, or rebuild those lines from the "
                          f"records with `spinenet-nas resume {root} --repair`")
    repaired = any(launch.get("repair") for launch in campaign.dir.launches.read())
    for record in every:  # file order: the order outcomes became known (the rungs' decisions too)
        campaign.count(record)
    fed, held_back = campaign.feed.recover(records, journal, repaired, root)
    unfinished = sorted(set(journal) - set(records))
    history = [Trial(r["trial"], tuple(r["decisions"]), r["reward"], r["status"]) for r in fed]
    history += [Trial(i, tuple(journal[i]["decisions"]), None, PENDING)
                for i in sorted(set(held_back) | set(unfinished))]
    campaign.searcher.recover(history)
    space = campaign.searcher.space
    campaign.restore(
        issued=max(journal, default=-1) + 1, journaled=len(journal),
        unfinished=[Proposal(i, tuple(journal[i]["decisions"]), decode(space, tuple(journal[i]["decisions"])))
                    for i in unfinished],
    )
    limit = campaign.config.search.max_failures
    if limit is not None and campaign.num_failures >= limit:
        failed = [r for r in every if is_genuine_failure(r)]
        campaign.stop(failure_budget_message(campaign, failed[-1] if failed else None))
