"""The random stream of one proposal, so that a searcher's proposals replay exactly after a resume."""

from __future__ import annotations

import numpy as np


def proposal_rng(seed: int, proposal_id: int, stream: int = 0) -> np.random.Generator:
    """The generator of one proposal: a function of (seed, id, stream) only."""
    return np.random.default_rng([seed, proposal_id, stream])
