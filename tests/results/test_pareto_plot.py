"""The Pareto front of reward against cost: dominance, ties, trials without a cost, the figure."""

import math

from results.pareto_plot import costed, pareto_figure, pareto_front


def _record(trial, reward, madds, rung=0, status="ok"):
    return {"trial": trial, "reward": reward, "madds": madds, "rung": rung, "status": status}


def test_the_front_keeps_what_nothing_beats_on_both_cheapest_first():
    points = [_record(0, 0.30, 5e9), _record(1, 0.20, 2e9), _record(2, 0.25, 6e9),  # 2: dearer and worse than 0
              _record(3, 0.35, 9e9), _record(4, 0.20, 2e9), _record(5, 0.10, 3e9)]  # 4 repeats 1; 5 dominated
    assert [r["trial"] for r in pareto_front(points)] == [1, 0, 3]
    assert pareto_front([]) == []


def test_each_trial_counts_once_by_its_highest_rung_and_needs_a_reward_and_a_cost():
    records = [_record(0, 0.1, 1e9), _record(0, 0.4, 1e9, rung=1), _record(1, math.nan, 1e9),
               _record(2, 0.3, None), _record(3, None, 2e9, status="failed"), _record(4, 0.2, 3e9)]
    assert [(r["trial"], r["reward"]) for r in costed(records)] == [(0, 0.4), (4, 0.2)]


def test_the_figure_titles_the_front_and_says_when_nothing_has_a_cost():
    figure = pareto_figure([_record(0, 0.3, 5e9), _record(1, 0.2, 2e9), _record(2, 0.1, 6e9)])
    assert figure.axes[0].get_title() == "2 of 3 trials on the front"
    empty = pareto_figure([_record(0, 0.3, None)])
    assert [t.get_text() for t in empty.axes[0].texts] == ["no trial with a reward and a cost yet"]
