"""A trial's outcome and the line of ``trials.jsonl`` it becomes, defined once.

A trial (a proxy training, a surrogate evaluation, a final training of a
comparison) ends in a ``TrialOutcome``: ``Status.OK`` with what it measured, or
``Status.FAILED`` with a ``Cause``, the error and its traceback. The campaign
driver adds what it knows (the proposal, the architecture, versions) and appends
the result to ``trials.jsonl`` as one JSON object with ``RECORD_KEYS``, the
schema every command and report reads.

``AP_METRICS`` names the held-out COCO metrics a trial records under ``ap``;
the reward is ``ap[REWARD_METRIC]``. To record one more metric, add its name
here: the proxy task's evaluator produces every COCO metric, and the records,
the summary table and the comparison read this tuple.

``READINGS`` are further readings of the same training that a proxy trial may
add to ``ap`` beside the COCO metrics (old records and other trials lack them):
``AP_final``, the final weights' AP when the reward is that of their moving
average (``train.ema_decay``); ``AP_sampling_sd``, the standard deviation AP
would have over other held-out samples of the same size (estimated from folds
of the held-out images, ``CocoEvaluator.sampling_sd``); ``AP_seed_sd``, the
spread of AP over the trainings averaged into the reward (``train.seeds`` > 1,
``proxy_task.seed_average``); and ``AP@<fraction>``
(``read_name``), the AP read part-way through the training (``train.read_at``).

A campaign with multi-fidelity rungs writes one record per rung of a trial,
with ``rung`` and ``budget`` beside the outcome (``rung_of``, ``budget_of``
read them, with rung 0 at budget 1 for records that lack them);
``first_rungs`` and ``latest_per_trial`` pick a trial's first and highest.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from typing import Any, Iterable, Mapping


class Status(enum.StrEnum):
    """How a trial ended. The values are what ``trials.jsonl`` holds."""

    OK = "ok"
    FAILED = "failed"


class Cause(enum.StrEnum):
    """Why a trial failed."""

    ERROR = "error"  # an exception of the trial's own
    NAN = "nan"  # the loss or the reward was not finite
    OOM = "oom"  # out of device or host memory, or killed by the OOM killer
    TIMEOUT = "timeout"  # ran past trial.time_limit_s; depends on load, so never reused


AP_METRICS = ("AP", "AP50", "AP75", "APs", "APm", "APl")
REWARD_METRIC = "AP"
READINGS = ("AP_final", "AP_sampling_sd", "AP_seed_sd")


def read_name(fraction: float) -> str:
    """The ``ap`` key of the AP read at ``fraction`` of a training's steps: ``AP@0.5``."""
    return f"{REWARD_METRIC}@{fraction:g}"


def is_reading(key: str) -> bool:
    """Whether ``key`` of ``ap`` is one of the readings (``READINGS`` or a part-way read)."""
    return key in READINGS or key.startswith(f"{REWARD_METRIC}@")


@dataclasses.dataclass(frozen=True)
class Measurement:
    """What a trial that ran to its end measured (the reward may still be NaN)."""

    reward: float
    ap: dict[str, float | None] | None = None
    params: int | None = None
    madds: int | None = None
    device: str | None = None

    @classmethod
    def from_metrics(cls, metrics: Mapping[str, float], *, params: int, madds: int, device: str) -> "Measurement":
        """A proxy training's measurement from its evaluator's metrics and any ``READINGS`` among them.

        The reward is ``metrics[REWARD_METRIC]``.
        """
        ap = {key: float(metrics[key]) for key in AP_METRICS}
        ap.update({key: float(value) for key, value in metrics.items() if is_reading(key)})
        return cls(reward=ap[REWARD_METRIC], ap=ap, params=int(params), madds=int(madds), device=device)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class TrialOutcome:
    """How one trial ended: what it measured or why it failed, its seed and its cost.

    ``reward``, ``ap``, ``params``, ``madds`` and ``device`` are None for a failed
    trial; ``cause``, ``error`` and ``traceback`` are None for one that is ok
    (``traceback`` may be None for a failure too, e.g. a NaN reward).
    """

    status: Status
    cause: Cause | None
    reward: float | None
    ap: dict[str, float | None] | None
    params: int | None
    madds: int | None
    device: str | None
    error: str | None
    traceback: str | None
    seed: int
    wall_seconds: float
    device_seconds: float
    started_at: float
    finished_at: float

    @classmethod
    def measured(cls, measurement: Measurement, **run: Any) -> "TrialOutcome":
        """An ok outcome; a non-finite reward fails it (cause NaN), non-finite metrics become None.

        ``run``: ``seed``, ``wall_seconds``, ``device_seconds``, ``started_at``, ``finished_at``.
        """
        reward = measurement.reward
        if reward is None or not math.isfinite(reward):
            return cls.failed(Cause.NAN, f"the trial's reward is {reward}", None, **run)
        # COCO gives NaN for an area with no objects (e.g. APl on tiny images).
        ap = None if measurement.ap is None else {
            key: value if value is None or math.isfinite(value) else None for key, value in measurement.ap.items()}
        return cls(Status.OK, None, float(reward), ap, measurement.params, measurement.madds, measurement.device,
                   None, None, **run)

    @classmethod
    def failed(cls, cause: Cause, error: str, traceback: str | None, **run: Any) -> "TrialOutcome":
        """A failed outcome with its cause, error and traceback; ``run`` as in ``measured``."""
        return cls(Status.FAILED, Cause(cause), None, None, None, None, None, error, traceback, **run)

    @property
    def ok(self) -> bool:
        return self.status is Status.OK

    def to_dict(self) -> dict[str, Any]:
        """The outcome's fields as JSON values, in ``OUTCOME_KEYS`` order."""
        return {key: getattr(self, key) for key in OUTCOME_KEYS}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "TrialOutcome":
        """An outcome from ``to_dict``'s form, or from a record of ``trials.jsonl``.

        Raises:
          ValueError: a key is missing, or the status or cause is not one of ours.
        """
        missing = [key for key in OUTCOME_KEYS if key not in data]
        if missing:
            raise ValueError(f"a trial outcome lacks {missing}")
        values = {key: data[key] for key in OUTCOME_KEYS}
        values["status"] = _member(Status, values["status"], "status")
        values["cause"] = None if values["cause"] is None else _member(Cause, values["cause"], "cause")
        return cls(**values)


OUTCOME_KEYS = tuple(field.name for field in dataclasses.fields(TrialOutcome))
# A line of trials.jsonl: the outcome, and what the driver knows of the trial.
RECORD_KEYS = ("trial", *OUTCOME_KEYS, "cached", "decisions", "spec", "spec_hash", "versions")


def _member(vocabulary: type[enum.StrEnum], value: Any, name: str):
    try:
        return vocabulary(value)
    except ValueError:
        allowed = ", ".join(repr(member.value) for member in vocabulary)
        raise ValueError(f"a trial outcome's {name} is {value!r}; it must be one of {allowed}") from None


def is_ok(record: Mapping[str, Any]) -> bool:
    """Whether a record (or outcome dict) is of a trial that ended ok."""
    return record.get("status") == Status.OK


def rung_of(record: dict[str, Any]) -> int:
    """The rung a record ends (0 for campaigns without rungs)."""
    return int(record.get("rung", 0))


def budget_of(record: dict[str, Any]) -> float:
    """The fraction of the full training behind a record's reward (1.0 for campaigns without rungs)."""
    return float(record.get("budget", 1.0))


def first_rungs(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each trial's first record (rung 0), in file order: one per sample."""
    return [record for record in records if rung_of(record) == 0]


def latest_per_trial(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each trial's record of its highest rung, in the order of the trials' first records."""
    latest: dict[int, dict[str, Any]] = {}
    for record in records:
        trial = int(record["trial"])
        if trial not in latest or rung_of(record) > rung_of(latest[trial]):
            latest[trial] = record
    return list(latest.values())
