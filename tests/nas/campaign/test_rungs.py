"""Multi-fidelity rungs: the ASHA promotion rule, the engine's rung records, resume, and the config's checks."""

import numpy as np
import pytest

from nas.campaign.directory import CampaignDir
from nas.campaign.launch import open_campaign
from nas.campaign.rungs import RungSchedule
from nas.overrides import ConfigError
from proxy_task.surrogate_learning_curve import reward_at
from results.campaign_summary import summarize
from search_space.serialization import spec_from_dict

from tests.nas.campaign.campaign_helpers import (
    assert_same_state, cli, drive, new_campaign, records, surrogate_config)

RUNGS = ["search.searcher=random", "search.mode=async", "search.fidelity=[0.25,0.5,1]", "search.eta=2"]
# Each searcher with settings that make it act (evolve, update) within 8 samples.
SEARCHERS = {
    "random": ["search.searcher=random"],
    "evolution": ["search.searcher=evolution", "search.settings.population_size=4",
                  "search.settings.tournament_size=2"],
    "reinforce": ["search.searcher=reinforce", "search.settings.batch_size=2"],
}


def _record(trial, reward, rung=0, status="ok", cached=False):
    return {"trial": trial, "rung": rung, "reward": reward, "status": status, "cached": cached,
            "decisions": [trial]}


def test_the_best_of_a_rung_are_promoted_the_highest_rung_first():
    schedule = RungSchedule((1 / 9, 1 / 3, 1.0), eta=3)
    for trial, reward in enumerate([5.0, 9.0, 7.0]):
        schedule.add(_record(trial, reward))
    assert schedule.next_promotion(set()) == (1, 1)  # the best of 3 (3 // 3 = 1)
    assert schedule.next_promotion({1}) is None  # it is running: nobody else is due
    schedule.add(_record(1, 20.0, rung=1))
    assert schedule.next_promotion(set()) is None  # rung 1 holds 1 < eta results
    for trial, reward in [(3, 8.0), (4, 1.0), (5, 2.0)]:
        schedule.add(_record(trial, reward))
    assert schedule.next_promotion(set()) == (3, 1)  # 6 // 3 = 2 best: 9 (promoted already) and 8
    schedule.add(_record(3, 10.0, rung=1))
    schedule.add(_record(9, 99.0, cached=True))  # a repeat is not a sample: never promoted, not counted
    for trial in (6, 7, 8):
        schedule.add(_record(trial, 0.5))
    assert schedule.next_promotion(set()) == (2, 1)  # 9 // 3 = 3 best: 9, 8, 7
    schedule.add(_record(2, 12.0, rung=1))
    assert schedule.promotable(1) == [1]  # rung 1 holds 20, 10, 12: its best third is trial 1
    assert schedule.next_promotion(set()) == (1, 2)


def test_failed_and_cached_records_are_never_promoted():
    schedule = RungSchedule((0.5, 1.0), eta=2)
    schedule.add(_record(0, None, status="failed"))
    schedule.add(_record(1, 3.0, cached=True))
    schedule.add(_record(2, 1.0))
    assert schedule.next_promotion(set()) is None  # one ok sample: 1 // 2 = 0
    schedule.add(_record(3, 0.5))
    assert schedule.next_promotion(set()) == (2, 1)
    schedule.add(_record(2, None, rung=1, status="failed"))
    assert schedule.next_promotion(set()) is None  # a failed promotion ends the trial


def test_against_brute_force_every_current_best_is_promoted_at_the_end():
    rng = np.random.default_rng(0)
    for _ in range(30):
        eta, budgets = int(rng.integers(2, 4)), (0.2, 0.5, 1.0)
        schedule, done = RungSchedule(budgets, eta), []
        for trial in range(int(rng.integers(1, 30))):
            schedule.add(_record(trial, float(rng.normal())))
            while (due := schedule.next_promotion(set())) is not None:
                promoted, rung = due
                best = sorted(schedule.results[rung - 1].items(), key=lambda item: (-item[1], item[0]))
                assert promoted in [t for t, _ in best[:len(best) // eta]]
                assert (promoted, rung) not in done
                done.append((promoted, rung))
                schedule.add(_record(promoted, float(rng.normal()), rung=rung))
        for rung in range(len(budgets) - 1):
            best = sorted(schedule.results[rung].items(), key=lambda item: (-item[1], item[0]))
            assert all(schedule.reached[t] > rung for t, _ in best[:len(best) // eta])


def test_a_campaign_with_rungs_records_each_rung_and_feeds_only_first_rungs(tmp_path):
    config = surrogate_config(*RUNGS, "search.num_trials=8", "search.concurrency=2")
    campaign = new_campaign(tmp_path / "c", config)
    drive(campaign, np.random.default_rng(0))
    assert campaign.finished
    rows = records(tmp_path / "c")
    firsts = [r for r in rows if r["rung"] == 0]
    assert sorted(r["trial"] for r in firsts) == list(range(8))
    assert len({(r["trial"], r["rung"]) for r in rows}) == len(rows)  # nothing trained twice
    assert campaign.num_records == 8 and campaign.num_promotions == len(rows) - 8 >= 4 + 2
    for row in rows:
        assert row["budget"] == (0.25, 0.5, 1.0)[row["rung"]]
        assert row["reward"] == pytest.approx(reward_at(spec_from_dict(row["spec"]), row["seed"], row["budget"]))
    assert [t.id for t in campaign.searcher.history] == [r["trial"] for r in firsts]  # first rungs, file order
    assert [t.reward for t in campaign.searcher.history] == [r["reward"] for r in firsts]
    summary = summarize(rows)
    assert summary["best"]["budget"] == 1.0 and summary["progress"]["trials"] == 8
    assert summary["progress"]["promotions"] == campaign.num_promotions
    assert summary["cost"]["trained_trials"] == 8


@pytest.mark.parametrize("searcher", SEARCHERS)
@pytest.mark.parametrize("crash_after", [3, 7, 11])
def test_a_crash_at_any_rung_resumes_with_nothing_lost_or_trained_twice(tmp_path, crash_after, searcher):
    config = surrogate_config(*RUNGS, *SEARCHERS[searcher], "search.num_trials=8", "search.concurrency=2")
    live = new_campaign(tmp_path / "c", config)
    drive(live, stop_after=crash_after)
    assert live.in_flight  # a run was in flight at the crash
    live.dir.close()
    resumed = open_campaign(CampaignDir(tmp_path / "c"), config)
    assert_same_state(resumed.searcher, live.searcher)
    assert resumed.num_promotions == live.num_promotions and resumed.best == live.best
    drive(resumed)
    assert resumed.finished
    rows = records(tmp_path / "c")
    assert len({(r["trial"], r["rung"]) for r in rows}) == len(rows)
    assert sorted(r["trial"] for r in rows if r["rung"] == 0) == list(range(8))
    reopened = open_campaign(CampaignDir(tmp_path / "c"), config)
    assert reopened.finished and reopened.next_proposal() == "FINISHED"


@pytest.mark.parametrize("searcher", SEARCHERS)
def test_one_at_a_time_an_interrupted_campaign_equals_an_uninterrupted_one(tmp_path, searcher):
    config = surrogate_config(*RUNGS, *SEARCHERS[searcher], "search.num_trials=8", "search.concurrency=1")
    reference = new_campaign(tmp_path / "ref", config)
    drive(reference)
    expected = [(r["trial"], r["rung"], r["reward"]) for r in records(tmp_path / "ref")]
    for crash_after in (2, 5, 9):
        root = tmp_path / f"crash{crash_after}"
        live = new_campaign(root, config)
        drive(live, stop_after=crash_after)
        live.dir.close()
        drive(open_campaign(CampaignDir(root), config))
        assert [(r["trial"], r["rung"], r["reward"]) for r in records(root)] == expected


@pytest.mark.parametrize("assignments, fix", [
    (["search.fidelity=[0.25,0.5]"], "ending with 1"),
    (["search.fidelity=[0.5,0.25,1]"], "increasing"),
    (["search.fidelity=[1]"], "two or more"),
    (["search.fidelity=[0,1]"], "increasing fractions"),
    (["search.fidelity=[0.5,1]", "search.eta=1"], "search.eta=1"),
    (["search.fidelity=[0.5,1]", "search.mode=sync"], "search.mode=async"),
])
def test_bad_rungs_are_refused_with_the_fix(assignments, fix):
    with pytest.raises(ConfigError, match=fix):
        surrogate_config(*([] if "search.mode=sync" in assignments else ["search.mode=async"]), *assignments)


def test_the_learning_curve_ends_at_the_full_reward_and_is_deterministic():
    from proxy_task.surrogate_reward import OPTIMUM, reward

    assert reward_at(OPTIMUM, 3, 1.0) == reward(OPTIMUM, 3)
    assert reward_at(OPTIMUM, 3, 0.25) == reward_at(OPTIMUM, 3, 0.25) < reward_at(OPTIMUM, 3, 0.5)
    with pytest.raises(ValueError, match="budget=0"):
        reward_at(OPTIMUM, 0, 0.0)


@pytest.mark.slow
@pytest.mark.parametrize("dispatch", ["tune", "tasks"])
def test_search_with_rungs_runs_on_ray_and_status_shows_them(tmp_path, dispatch):
    root = tmp_path / "c"
    sets = [f"--set={s}" for s in [*RUNGS, "trial.kind=surrogate", "search.space=r0-sp53", "search.num_trials=8",
                                   "output.tensorboard=false", f"trial.dispatch={dispatch}"]]
    done = cli("search", "--dir", str(root), *sets)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "campaign done: 8 trials (" in done.stdout
    rows = records(root)
    assert sorted(r["trial"] for r in rows if r["rung"] == 0) == list(range(8))
    assert {r["rung"] for r in rows} == {0, 1, 2} and len({(r["trial"], r["rung"]) for r in rows}) == len(rows)
    best = max((r for r in rows if r["budget"] == 1.0), key=lambda r: r["reward"])
    assert f"best: trial {best['trial']}, reward {best['reward']:.4f}" in done.stdout
    status = cli("status", str(root), "--no-plots")
    counts = ", ".join(f"{sum(r['rung'] == k for r in rows)} at budget {b:g}" for k, b in enumerate((0.25, 0.5, 1)))
    assert f"rungs (eta 2): {counts}" in status.stdout


def test_export_takes_full_budget_trials_unless_told_otherwise(tmp_path):
    from nas.campaign.export import export_top

    campaign = new_campaign(tmp_path / "c", surrogate_config(*RUNGS, "search.num_trials=3", "search.eta=4"))
    drive(campaign)  # 3 samples, none promoted (3 // 4 = 0): nothing reached the full budget
    rows = records(tmp_path / "c")
    assert {r["budget"] for r in rows} == {0.25}
    written, notes = export_top(rows, tmp_path / "full", "r0-sp53", formats=["json"])
    assert written == [] and "no trial has reached the full budget yet (3 stopped" in notes[0]
    written, notes = export_top(rows, tmp_path / "any", "r0-sp53", formats=["json"], any_budget=True)
    best = max(rows, key=lambda r: r["reward"])
    assert notes == [] and written[0].name == f"rank1_trial{best['trial']:05d}.json"
    full = {**best, "trial": 99, "rung": 1, "budget": 1.0, "reward": best["reward"] - 5}
    written, _ = export_top([*rows, full], tmp_path / "mixed", "r0-sp53", formats=["json"], any_budget=True)
    assert written[0].name == "rank1_trial00099.json"  # a full-budget reward ranks above a higher partial one
