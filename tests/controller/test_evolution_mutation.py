"""Mutations stay in the space; aging evolution keeps the newest members."""

import numpy as np

from controller.mutation import mutate
from search_space.sampling import sample_uniform
from search_space.encoding import check_decisions, decode
from search_space.space import INTERMEDIATE_LEVEL, OUTPUT_LEVEL
from search_space.spaces import R35_SP18, SPINENET_49_SPACE
from tests.controller.searcher_fixtures import SMALL, small_searcher, toy_reward


def _levels(space, decisions, kind):
    return sorted(space.steps[t].values[d] for t, d in enumerate(decisions) if space.steps[t].kind == kind)


def test_mutations_are_valid_neighbours():
    rng = np.random.default_rng(0)
    for space in (SMALL, SPINENET_49_SPACE, R35_SP18):
        for _ in range(300):
            parent = sample_uniform(space, rng)
            child = mutate(space, parent, rng)
            check_decisions(space, child)
            assert child != parent
            for kind in (INTERMEDIATE_LEVEL, OUTPUT_LEVEL):
                assert _levels(space, child, kind) == _levels(space, parent, kind)
            # A mutation changes one decision, plus the ones it invalidated.
            assert sum(a != b for a, b in zip(parent, child)) <= 4


def test_population_ages_out_the_oldest_and_skips_failures():
    searcher = small_searcher("evolution", population_size=4, tournament_size=2)
    for i in range(10):
        proposal = searcher.propose()
        if i == 8:
            searcher.feedback(proposal.id, None, status="failed")
        else:
            searcher.feedback(proposal.id, toy_reward(proposal.decisions))
    assert [member[0] for member in searcher.population] == [5, 6, 7, 9]


def test_after_the_population_fills_children_are_mutants_of_members():
    searcher = small_searcher("evolution", population_size=4, tournament_size=2)
    for _ in range(4):
        proposal = searcher.propose()
        searcher.feedback(proposal.id, toy_reward(proposal.decisions))
    members = [member[1] for member in searcher.population]
    for _ in range(5):
        child = searcher.propose().decisions
        assert min(sum(a != b for a, b in zip(child, m)) for m in members) <= 4
        decode(SMALL, child)
