"""When will a campaign end? From the running trials' step rates, the trials still to run, and concurrency.

The running trials end when their remaining steps at their measured rate are
done. Every trial still to run (proposals not yet started, and with rungs the
promotions still to come) takes one trial's duration: the median wall time of
the finished trials, or before any has finished, what the running ones will
have taken by their rates. They are laid onto ``concurrency`` slots as the
engine dispatches them, each to the slot that frees first; the campaign ends
when the last slot does. Without a rate yet (every trial still compiling) there
is no estimate.
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


def campaign_eta(*, running: Sequence[tuple[float, float | None]], finished_walls: Sequence[float],
                 samples_left: int, promotion_shares: Sequence[float], concurrency: int) -> float | None:
    """Seconds to the campaign's end, or None before any rate or finished trial gives a duration.

    ``running``: ``(age, remaining seconds or None)`` of each running trial; one
    still compiling (None) is counted as a whole trial less its age.
    """
    duration = trial_duration(finished_walls, running)
    if duration is None:
        return None
    left = [r if r is not None else max(0.0, duration - age) for age, r in running]
    queued = [duration] * samples_left + [duration * share for share in promotion_shares]
    return estimate_seconds(left, queued, concurrency)
