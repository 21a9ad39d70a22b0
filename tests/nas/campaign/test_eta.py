"""The campaign ETA (``nas.campaign.eta``) against a scripted campaign whose true end is known."""

from types import SimpleNamespace

import numpy as np
import pytest

from nas.campaign.eta import (affordable, budget_left, campaign_eta, estimate_seconds, promotions_to_come,
                              trial_duration, work_left)

LOG_EVERY = 20  # steps between progress lines, as the cpu preset logs


def _scripted_campaign(num_trials, concurrency, steps, rng):
    """Trials dispatched to the first free slot: (start, compile seconds, seconds per step) each; and the end."""
    slots, trials = [0.0] * concurrency, []
    for _ in range(num_trials):
        slot = int(np.argmin(slots))
        start, compile_s, per_step = slots[slot], rng.uniform(50, 90), rng.uniform(0.5, 0.7)
        trials.append((start, compile_s, per_step))
        slots[slot] = start + compile_s + steps * per_step + 8.0  # + detection and scoring
    return trials, max(slots)


def _what_the_driver_sees(trials, steps, now):
    """Running trials' (age, remaining by their last two logged steps) and the finished trials' walls."""
    running, walls = [], []
    for start, compile_s, per_step in trials:
        wall = compile_s + steps * per_step + 8.0
        if start + wall <= now:
            walls.append(wall)
        elif start <= now:
            trained = (now - start - compile_s) / per_step
            logged = int(max(0.0, trained) // LOG_EVERY) * LOG_EVERY
            rate = 1 / per_step if logged >= 2 * LOG_EVERY else None  # a rate needs two logged steps
            running.append((now - start, None if rate is None else (steps - logged) / rate))
    return running, walls


@pytest.mark.parametrize("concurrency, num_trials", [(1, 4), (2, 4), (2, 9), (4, 10)])
def test_the_eta_is_within_a_quarter_of_the_truth_after_the_first_minute_of_training(concurrency, num_trials):
    rng = np.random.default_rng(concurrency * 100 + num_trials)
    steps = 744
    trials, end = _scripted_campaign(num_trials, concurrency, steps, rng)
    first_training = min(start + compile_s for start, compile_s, _ in trials)
    checked = 0
    for now in np.arange(first_training + 60, end - 30, 15.0):
        running, walls = _what_the_driver_sees(trials, steps, now)
        started = sum(start <= now for start, _, _ in trials)
        eta = campaign_eta(running=running, finished_walls=walls, samples_left=num_trials - started,
                           promotion_shares=[], concurrency=concurrency)
        truth = end - now
        assert eta is not None and abs(eta - truth) <= 0.25 * truth, (now, eta, truth)
        checked += 1
    assert checked > 10


def test_no_estimate_before_a_rate_or_a_finished_trial():
    assert campaign_eta(running=[(30.0, None), (20.0, None)], finished_walls=[], samples_left=3,
                        promotion_shares=[], concurrency=2) is None
    assert trial_duration([], [(100.0, 50.0), (60.0, 30.0)]) == 120.0  # projected: age + remaining
    assert trial_duration([300.0, 100.0, 200.0], [(5.0, 1.0)]) == 200.0  # finished ones win: the median


def test_queued_trials_fill_the_slot_that_frees_first():
    assert estimate_seconds([10.0, 50.0], [100.0, 100.0], concurrency=2) == 150.0
    assert estimate_seconds([], [100.0] * 3, concurrency=2) == 200.0
    assert estimate_seconds([30.0], [], concurrency=4) == 30.0


def test_promotions_to_come_follow_the_rungs():
    # 9 samples, eta 3, rungs [1/9, 1/3, 1]: 3 promotions to 1/3, 1 to the full budget.
    shares = promotions_to_come(9, [1 / 9, 1 / 3, 1], 3, promoted=0)
    assert shares == pytest.approx([2 / 9] * 3 + [2 / 3])
    assert promotions_to_come(9, [1 / 9, 1 / 3, 1], 3, promoted=3) == pytest.approx([2 / 3])


def test_work_left_counts_unstarted_samples_and_the_promotions_still_to_run():
    search = SimpleNamespace(num_trials=9, fidelity=(1 / 9, 1 / 3, 1), eta=3)
    # 5 samples and 1 promotion done; 3 running, one of them a promotion: 2 samples wait.
    samples_left, shares = work_left(search, samples_done=5, promotions_done=1, running=3, promoting=1)
    assert samples_left == 2
    # Relative to the first rung: of 3 promotions to 1/3, 1 done and 1 running leave 1; then 1 to the end.
    assert shares == pytest.approx([2.0, 6.0])
    plain = SimpleNamespace(num_trials=4, fidelity=(), eta=3)
    assert work_left(plain, samples_done=3, promotions_done=0, running=2, promoting=0) == (0, [])


def test_a_device_hour_budget_queues_only_what_it_still_buys():
    assert affordable([100.0] * 3, running_seconds=100.0, device_seconds_left=None, device_share=1.0) == [100.0] * 3
    # 250 device-seconds left, 100 of them the running trial's: two more start (the second overruns, as in the engine).
    assert affordable([100.0] * 3, running_seconds=100.0, device_seconds_left=250.0, device_share=1.0) == [100.0] * 2
    assert affordable([100.0] * 3, running_seconds=0.0, device_seconds_left=250.0, device_share=2.0) == [100.0] * 2
    assert affordable([100.0], running_seconds=300.0, device_seconds_left=250.0, device_share=1.0) == []
    assert budget_left(None, 50.0) is None and budget_left(0.5, 1000.0) == 800.0 and budget_left(0.1, 999.0) == 0.0


def test_a_budgeted_campaign_of_many_trials_ends_when_its_budget_does():
    # 200 trials planned, 1 device-hour, 2 CPUs per trial, 100 s trials two at a time: 18 trials, 9 rounds.
    unbudgeted = campaign_eta(running=[], finished_walls=[100.0], samples_left=200, promotion_shares=[],
                              concurrency=2)
    budgeted = campaign_eta(running=[], finished_walls=[100.0], samples_left=200, promotion_shares=[],
                            concurrency=2, device_seconds_left=budget_left(1.0, 0.0), device_share=2.0)
    assert unbudgeted == 10_000.0 and budgeted == 900.0
    # Half of it spent by finished trials, and two running with 50 s to go (100 s each): 7 more start.
    half = campaign_eta(running=[(50.0, 50.0), (50.0, 50.0)], finished_walls=[100.0], samples_left=200,
                        promotion_shares=[], concurrency=2, device_seconds_left=budget_left(1.0, 1800.0),
                        device_share=2.0)
    assert half == 50.0 + 4 * 100.0
