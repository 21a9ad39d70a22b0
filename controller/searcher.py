"""The one searcher interface: propose, feedback, recover, save, load.

A searcher proposes samples of a ``SearchSpace`` and learns from rewards fed
back in any order (pyglove's ``propose`` / ``feedback`` / ``recover``)::

    searcher = RandomSearch(space)
    proposal = searcher.propose()            # Proposal(id, decisions, spec)
    searcher.feedback(proposal.id, 0.31)     # or feedback(decisions, ...)
    searcher.feedback(other.id, None, status=FAILED)
    searcher.save("state.msgpack")           # atomic
    searcher.recover(searcher.history)       # rebuilds an equal state

The history lists every completed trial in feedback order, then the pending
ones. A failed trial is always recorded; the config's ``on_failure`` decides
what the searcher learns from it: ``'skip'`` (nothing) or ``'reward'`` (it
counts with ``failure_reward``). Proposals draw randomness from
``(seed, proposal id)`` only, so the same seed and the same feedback give the
same proposals, and recovery needs no random state besides the seed.
"""

from __future__ import annotations

import abc
import dataclasses
import math
import numbers
from typing import Any, ClassVar, Sequence

from controller import checkpoint
from search_space.encoding import Decisions, check_decisions, decode
from search_space.space import SearchSpace, space_to_dict
from search_space.spec import SpineNetSpec
from storage.trial_record import Status

# A trial's status as the searcher sees it: a finished trial's (one vocabulary with trials.jsonl), or pending.
OK, FAILED = Status.OK, Status.FAILED
PENDING = "pending"
FAILURE_POLICIES = ("skip", "reward")


@dataclasses.dataclass(frozen=True)
class Proposal:
    """A sample to evaluate: its id, its decisions and the spec they build."""

    id: int
    decisions: Decisions
    spec: SpineNetSpec


@dataclasses.dataclass(frozen=True)
class Trial:
    """One history entry: a sample and its outcome (reward None unless status is 'ok')."""

    id: int
    decisions: Decisions
    reward: float | None
    status: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "decisions": list(self.decisions), "reward": self.reward, "status": self.status}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Trial":
        return cls(int(data["id"]), tuple(int(d) for d in data["decisions"]), data["reward"], data["status"])


def check_failure_policy(on_failure: str) -> None:
    if on_failure not in FAILURE_POLICIES:
        raise ValueError(f"on_failure={on_failure!r}; use 'skip' or 'reward' (with failure_reward)")


class Searcher(abc.ABC):
    """Base class: bookkeeping of ids, pending samples, history and state files.

    Subclasses implement ``_propose`` and, to learn, ``_learn`` plus the
    ``_learning_state`` / ``_load_learning_state`` pair.
    """

    kind: ClassVar[str]

    def __init__(self, space: SearchSpace, config: Any):
        check_failure_policy(config.on_failure)
        self.space = space
        self.config = config
        self._reset()

    # -- the interface ------------------------------------------------------

    def propose(self) -> Proposal:
        """A new sample; its decisions always decode to a valid spec."""
        proposal_id = self._next_id
        self._next_id += 1
        decisions = tuple(int(d) for d in self._propose(proposal_id))
        self._pending[proposal_id] = decisions
        return Proposal(proposal_id, decisions, decode(self.space, decisions))

    def feedback(
        self, sample: int | Proposal | Sequence[int], reward: float | None = None, status: str = OK
    ) -> Trial:
        """Reports the outcome of a sample, in any order.

        Args:
          sample: a proposal id, a ``Proposal``, or a decision sequence (the
            oldest pending proposal with those decisions, or else a new
            external sample, e.g. a known architecture).
          reward: the reward; required and finite when ``status='ok'``.
          status: 'ok' or 'failed'.

        Returns:
          The recorded trial.
        """
        proposal_id, decisions = self._resolve(sample)
        trial = Trial(proposal_id, decisions, _checked_reward(reward, status), status)
        self._complete(trial)
        return trial

    def recover(self, history: Sequence[Trial]) -> None:
        """Resets, then replays ``history`` (as ``history`` returns it): the state equals the original's."""
        self._reset()
        for trial in history:
            if not isinstance(trial, Trial):
                trial = Trial.from_dict(trial)
            check_decisions(self.space, trial.decisions)
            self._next_id = max(self._next_id, trial.id + 1)
            if trial.status == PENDING:
                self._pending[trial.id] = trial.decisions
            else:
                reward = _checked_reward(trial.reward, trial.status)
                self._complete(Trial(trial.id, trial.decisions, reward, trial.status))

    @property
    def history(self) -> tuple[Trial, ...]:
        """Completed trials in feedback order, then pending proposals in id order."""
        pending = tuple(Trial(i, d, None, PENDING) for i, d in sorted(self._pending.items()))
        return tuple(self._completed) + pending

    @property
    def num_failed(self) -> int:
        return sum(trial.status == FAILED for trial in self._completed)

    def best(self) -> Trial | None:
        """The completed trial with the highest reward (the earliest on ties)."""
        done = [t for t in self._completed if t.status == OK]
        return max(done, key=lambda t: t.reward) if done else None

    def state_dict(self) -> dict[str, Any]:
        """Everything the searcher knows: ``{'meta': JSON-able, 'arrays': pytree}``."""
        meta, arrays = self._learning_state()
        return {
            "meta": {
                "kind": self.kind,
                "space": space_to_dict(self.space),
                "config": dataclasses.asdict(self.config),
                "next_id": self._next_id,
                "history": [t.to_dict() for t in self.history],
                "learning": meta,
            },
            "arrays": arrays,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restores a ``state_dict`` of a searcher of the same kind, space and config."""
        meta = state["meta"]
        for key, mine in (("kind", self.kind), ("space", space_to_dict(self.space)),
                          ("config", dataclasses.asdict(self.config))):
            if meta[key] != mine:
                raise ValueError(f"state has {key} {meta[key]!r}, but this searcher has {mine!r}")
        self._reset()
        self._next_id = meta["next_id"]
        for trial in map(Trial.from_dict, meta["history"]):
            if trial.status == PENDING:
                self._pending[trial.id] = trial.decisions
            else:
                self._completed.append(trial)
        self._load_learning_state(meta["learning"], state["arrays"])

    def save(self, path) -> None:
        """Writes the state to ``path`` atomically."""
        checkpoint.save(path, self.state_dict())

    def load(self, path) -> None:
        """Restores the state written by ``save``."""
        self.load_state_dict(checkpoint.load(path))

    # -- for subclasses -----------------------------------------------------

    @abc.abstractmethod
    def _propose(self, proposal_id: int) -> Sequence[int]:
        """The decisions of proposal ``proposal_id`` (randomness from seed and id only)."""

    def _learn(self, trial: Trial, reward: float) -> None:
        """Learns from a completed trial with its effective reward."""

    def _reset_learning(self) -> None:
        """Forgets everything learned."""

    def _learning_state(self) -> tuple[dict[str, Any], Any]:
        return {}, {}

    def _load_learning_state(self, meta: dict[str, Any], arrays: Any) -> None:
        del meta, arrays

    # -- bookkeeping --------------------------------------------------------

    def _reset(self) -> None:
        self._next_id = 0
        self._pending: dict[int, Decisions] = {}
        self._completed: list[Trial] = []
        self._reset_learning()

    def _complete(self, trial: Trial) -> None:
        self._pending.pop(trial.id, None)
        self._completed.append(trial)
        if trial.status == OK:
            self._learn(trial, trial.reward)
        elif self.config.on_failure == "reward":
            self._learn(trial, float(self.config.failure_reward))

    def _resolve(self, sample) -> tuple[int, Decisions]:
        if isinstance(sample, Proposal):
            sample = sample.id
        if isinstance(sample, numbers.Integral):
            sample = int(sample)
            if sample in self._pending:
                return sample, self._pending[sample]
            if any(t.id == sample for t in self._completed):
                raise ValueError(f"proposal {sample} already has feedback; each sample is fed back once")
            raise ValueError(f"unknown proposal id {sample}; ids so far are 0..{self._next_id - 1}")
        decisions = check_decisions(self.space, sample)
        for proposal_id, pending in self._pending.items():
            if pending == decisions:
                return proposal_id, decisions
        proposal_id = self._next_id  # an external sample: a new id
        self._next_id += 1
        return proposal_id, decisions


def _checked_reward(reward: float | None, status: str) -> float | None:
    if status == FAILED:
        return None
    if status != OK:
        raise ValueError(f"status {status!r}; use 'ok' or 'failed'")
    if reward is None or isinstance(reward, bool) or not math.isfinite(float(reward)):
        raise ValueError(
            f"reward {reward!r} for an 'ok' trial must be a finite number; report status='failed' instead"
        )
    return float(reward)
