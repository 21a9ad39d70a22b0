"""Known rewards by canonical architecture, so a repeated sample is not re-run.

Searchers propose decision sequences; several can build the same network
(``search_space.canonical``). A campaign keeps a ``RewardCache`` and, before
evaluating a proposal, looks its spec up: a hit is fed back with the known
outcome instead of training the same network again.
"""

from __future__ import annotations

import dataclasses

from search_space.canonical import spec_hash
from search_space.spec import SpineNetSpec
from storage.trial_record import Status


@dataclasses.dataclass(frozen=True)
class KnownOutcome:
    """The first outcome recorded for an architecture."""

    reward: float | None
    status: str
    trial_id: int | None = None


class RewardCache:
    """Outcomes by ``spec_hash``; the first record of an architecture wins."""

    def __init__(self):
        self._known: dict[str, KnownOutcome] = {}
        self.hits = 0

    def __len__(self) -> int:
        return len(self._known)

    def lookup(self, spec: SpineNetSpec) -> KnownOutcome | None:
        """The known outcome of ``spec``'s architecture, counting a hit, or None."""
        outcome = self._known.get(spec_hash(spec))
        if outcome is not None:
            self.hits += 1
        return outcome

    def record(
        self, spec: SpineNetSpec, reward: float | None, status: str = Status.OK, trial_id: int | None = None
    ) -> None:
        """Stores an outcome unless the architecture is already known."""
        self._known.setdefault(spec_hash(spec), KnownOutcome(reward, status, trial_id))

    def to_dict(self) -> dict:
        return {"hits": self.hits, "known": {h: dataclasses.asdict(o) for h, o in self._known.items()}}

    @classmethod
    def from_dict(cls, data: dict) -> "RewardCache":
        cache = cls()
        cache.hits = int(data["hits"])
        cache._known = {h: KnownOutcome(**o) for h, o in data["known"].items()}
        return cache
