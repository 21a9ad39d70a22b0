"""The searcher interface: feedback in any order, failures, state files, recovery."""

import os

import numpy as np
import pytest

from controller import FAILED, OK, PENDING, Trial, make_config
from controller.checkpoint import load
from search_space.encoding import decode
from search_space.validation import validate
from tests.controller.searcher_fixtures import KINDS, SMALL, assert_states_equal, small_searcher, toy_reward


def _async_session(searcher, rng_seed=0, rounds=5):
    """Proposes in waves and feeds back out of order, with failures and leftovers."""
    rng = np.random.default_rng(rng_seed)
    outstanding = []
    for _ in range(rounds):
        outstanding += [searcher.propose() for _ in range(5)]
        rng.shuffle(outstanding)
        for proposal in outstanding[:4]:
            if proposal.id % 7 == 3:
                searcher.feedback(proposal.id, None, status=FAILED)
            else:
                searcher.feedback(proposal, toy_reward(proposal.decisions))
        outstanding = outstanding[4:]
    return outstanding


@pytest.mark.parametrize("kind", KINDS)
def test_proposals_decode_to_valid_specs(kind):
    searcher = small_searcher(kind)
    for _ in range(12):
        proposal = searcher.propose()
        assert proposal.spec == decode(SMALL, proposal.decisions)
        validate(proposal.spec)
        searcher.feedback(proposal.id, toy_reward(proposal.decisions))


@pytest.mark.parametrize("kind", KINDS)
def test_recover_from_history_rebuilds_an_equal_state(kind):
    searcher = small_searcher(kind)
    leftovers = _async_session(searcher)
    assert leftovers and searcher.num_failed > 0
    assert [t.status for t in searcher.history[-len(leftovers):]] == [PENDING] * len(leftovers)
    rebuilt = small_searcher(kind)
    rebuilt.recover(searcher.history)
    assert_states_equal(rebuilt.state_dict(), searcher.state_dict())
    assert rebuilt.propose() == searcher.propose()


@pytest.mark.parametrize("kind", KINDS)
def test_save_load_round_trip_and_continue(kind, tmp_path):
    searcher = small_searcher(kind)
    leftovers = _async_session(searcher)
    path = tmp_path / "state" / "searcher.msgpack"
    searcher.save(path)
    assert os.listdir(path.parent) == ["searcher.msgpack"]  # no temporary file left behind
    loaded = small_searcher(kind)
    loaded.load(path)
    assert_states_equal(loaded.state_dict(), searcher.state_dict())
    # Both finish the outstanding work and go on identically.
    for s in (searcher, loaded):
        for proposal in leftovers:
            s.feedback(proposal.id, toy_reward(proposal.decisions))
    for _ in range(6):
        a, b = searcher.propose(), loaded.propose()
        assert a == b
        searcher.feedback(a.id, 0.5)
        loaded.feedback(b.id, 0.5)
    assert_states_equal(loaded.state_dict(), searcher.state_dict())


def test_load_refuses_another_searcher(tmp_path):
    small_searcher("random").save(tmp_path / "s")
    with pytest.raises(ValueError, match="state has kind 'random'"):
        small_searcher("evolution").load(tmp_path / "s")
    with pytest.raises(ValueError, match="state has config"):
        small_searcher("random", seed=1).load(tmp_path / "s")
    assert load(tmp_path / "s")["meta"]["kind"] == "random"


@pytest.mark.parametrize("kind", KINDS)
def test_feedback_by_decisions_and_external_samples(kind):
    searcher = small_searcher(kind)
    first, second = searcher.propose(), searcher.propose()
    trial = searcher.feedback(list(second.decisions), 0.25)
    assert (trial.id, trial.status) == (second.id, OK)
    external = searcher.feedback(first.decisions, 0.5)  # matches the pending proposal 0
    assert external.id == first.id
    outside = searcher.feedback(second.decisions, 0.75)  # nothing pending matches: a new sample
    assert outside.id == 2 and searcher.propose().id == 3


def test_feedback_errors_are_loud():
    searcher = small_searcher("random")
    proposal = searcher.propose()
    with pytest.raises(ValueError, match="finite number"):
        searcher.feedback(proposal.id, float("nan"))
    with pytest.raises(ValueError, match="finite number"):
        searcher.feedback(proposal.id, None)
    with pytest.raises(ValueError, match="status 'done'"):
        searcher.feedback(proposal.id, 1.0, status="done")
    searcher.feedback(proposal.id, 1.0)
    with pytest.raises(ValueError, match="already has feedback"):
        searcher.feedback(proposal.id, 1.0)
    with pytest.raises(ValueError, match="unknown proposal id 9"):
        searcher.feedback(9, 1.0)
    with pytest.raises(ValueError, match="unknown setting"):
        make_config("evolution", populaton_size=3)
    with pytest.raises(ValueError, match="on_failure"):
        small_searcher("random", on_failure="ignore")


@pytest.mark.parametrize("kind", ["evolution", "reinforce"])
def test_failures_are_recorded_and_follow_the_policy(kind):
    for policy, learned in (("skip", 0), ("reward", 1)):
        searcher = small_searcher(kind, on_failure=policy, failure_reward=-1.0)
        proposal = searcher.propose()
        searcher.feedback(proposal.id, None, status=FAILED)
        assert searcher.history == (Trial(proposal.id, proposal.decisions, None, FAILED),)
        assert searcher.num_failed == 1
        if kind == "evolution":
            assert [m[2] for m in searcher.population] == [-1.0] * learned
        else:
            assert searcher._buffer == [(proposal.decisions, -1.0)] * learned


def test_best_is_the_highest_reward():
    searcher = small_searcher("random")
    rewards = [0.3, 0.9, 0.1]
    for reward in rewards:
        searcher.feedback(searcher.propose().id, reward)
    assert searcher.best().reward == 0.9 and searcher.best().id == 1
