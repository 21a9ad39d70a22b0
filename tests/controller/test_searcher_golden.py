"""Pinned behaviour: the same seed gives the same proposals, for every searcher.

If a change is meant to alter what a searcher proposes, update the digest and
say so in the change description; otherwise a failure here is a regression.
"""

import hashlib

import pytest

from tests.controller.searcher_fixtures import KINDS, small_searcher, toy_reward

GOLDEN = {
    "random": "1fe99ebf6b39d84f",
    "evolution": "b3dbcd64e1c02fca",
    "reinforce": "2a824f7234161028",
}


def _first_proposals_digest(kind, seed=0, count=20):
    searcher = small_searcher(kind, seed=seed)
    decisions = []
    for _ in range(count):
        proposal = searcher.propose()
        decisions.append(proposal.decisions)
        searcher.feedback(proposal.id, toy_reward(proposal.decisions))
    return hashlib.sha256(repr(decisions).encode()).hexdigest()[:16]


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_same_proposals_pinned(kind):
    digest = _first_proposals_digest(kind)
    assert digest == _first_proposals_digest(kind)
    assert digest != _first_proposals_digest(kind, seed=1)
    assert digest == GOLDEN[kind], f"{kind}: proposals changed, digest {digest}"
