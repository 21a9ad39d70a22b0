"""When will a campaign end? From the running trials' step rates, the trials still to run, and concurrency.

The running trials end when their remaining steps at their measured rate are
done. Every trial still to run (proposals not yet started, and with rungs the
promotions still to come) takes one trial's duration: the median wall time of
the finished trials, or before any has finished, what the running ones will
have taken by their rates. They are laid onto ``concurrency`` slots as the
engine dispatches them, each to the slot that frees first; the campaign ends
when the last slot does. Without a rate yet (every trial still compiling) there
is no estimate.

With a device-hour budget (``search.device_hours``) the engine starts no trial
once the finished ones have spent it, so only the work the budget still buys
is queued: the running trials' whole durations are counted as spent, then the
queued trials, in order, while some budget is left (the last one may overrun
it, as in the engine).
"""

from __future__ import annotations

import heapq
import statistics
from typing import Sequence


def trial_duration(finished_walls: Sequence[float], running: Sequence[tuple[float, float | None]]) -> float | None:
    """Seconds one trial takes: the median finished wall time, else the running ones' projected totals.

    ``running``: ``(seconds since the trial started, its remaining seconds or None)``.
    """
    if finished_walls:
        return float(statistics.median(finished_walls))
    projected = [age + left for age, left in running if left is not None]
    return float(statistics.mean(projected)) if projected else None


def promotions_to_come(num_trials: int, fidelity: Sequence[float], eta: int, promoted: int) -> list[float]:
    """Budget shares of the promotions a rung campaign of ``num_trials`` samples still runs (largest rungs last).

    Rung k > 0 receives about ``num_trials // eta**k`` trials; each trains the
    share of the full training between its rung and the one below.
    """
    shares = []
    for k in range(1, len(fidelity)):
        shares += [fidelity[k] - fidelity[k - 1]] * (num_trials // eta ** k)
    return shares[promoted:]


def work_left(search, *, samples_done: int, promotions_done: int, running: int, promoting: int
              ) -> tuple[int, list[float]]:
    """What a campaign still has to dispatch: ``(samples not yet started, the promotions' duration shares)``.

    ``search``: the campaign's search config (``num_trials``, ``fidelity``,
    ``eta``); ``running`` counts every running trial, ``promoting`` those of
    them that are promotions. A promotion's share is relative to the first
    rung's training, whose wall time is the unit the ETA measures.
    """
    shares = []
    if search.fidelity:
        shares = [s / search.fidelity[0] for s in promotions_to_come(
            search.num_trials, search.fidelity, search.eta, promotions_done + promoting)]
    return max(0, search.num_trials - samples_done - (running - promoting)), shares


def estimate_seconds(running_left: Sequence[float], queued: Sequence[float], concurrency: int) -> float:
    """Seconds until the last slot frees: running trials' remaining seconds, then ``queued`` durations in order."""
    slots = sorted(running_left)[-concurrency:] if concurrency else []
    slots = list(slots) + [0.0] * max(0, concurrency - len(slots))
    heapq.heapify(slots)
    for duration in queued:
        heapq.heappush(slots, heapq.heappop(slots) + duration)
    return max(slots) if slots else 0.0


def affordable(queued: Sequence[float], running_seconds: float, device_seconds_left: float | None,
               device_share: float) -> list[float]:
    """The ``queued`` durations the budget still starts: after the running trials' ``running_seconds``, in order,
    while device-seconds are left (wall seconds x ``device_share`` each); all of them without a budget."""
    if device_seconds_left is None:
        return list(queued)
    left, kept = device_seconds_left - running_seconds * device_share, []
    for duration in queued:
        if left <= 0:
            break
        kept.append(duration)
        left -= duration * device_share
    return kept


def campaign_eta(*, running: Sequence[tuple[float, float | None]], finished_walls: Sequence[float],
                 samples_left: int, promotion_shares: Sequence[float], concurrency: int,
                 device_seconds_left: float | None = None, device_share: float = 1.0) -> float | None:
    """Seconds to the campaign's end, or None before any rate or finished trial gives a duration.

    ``running``: ``(age, remaining seconds or None)`` of each running trial; one
    still compiling (None) is counted as a whole trial less its age.
    ``device_seconds_left``: the budget the finished trials left (None: no budget).
    """
    duration = trial_duration(finished_walls, running)
    if duration is None:
        return None
    left = [r if r is not None else max(0.0, duration - age) for age, r in running]
    queued = [duration] * samples_left + [duration * share for share in promotion_shares]
    running_seconds = sum(age + rest for (age, _), rest in zip(running, left))
    queued = affordable(queued, running_seconds, device_seconds_left, device_share)
    return estimate_seconds(left, queued, concurrency)


def budget_left(device_hours: float | None, device_seconds_spent: float) -> float | None:
    """Device-seconds of ``search.device_hours`` the finished trials left; None without a budget."""
    return None if device_hours is None else max(0.0, device_hours * 3600 - device_seconds_spent)
