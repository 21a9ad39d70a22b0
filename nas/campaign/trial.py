"""One trial on a Ray worker: run it, time it, and turn any failure into a cause.

``run_trial(task) -> outcome`` never raises for a trial's own failure: an
exception, a NaN loss, running out of memory or passing the time limit all
come back as a ``Status.FAILED`` outcome with a cause, the error and its traceback, so
the only errors Ray Tune sees are infrastructure failures (a lost worker or
node), which it retries. A ``proxy`` trial trains in a child process of the
worker: a hard time limit (the child is killed), a fresh JAX with this trial's
GPU memory settings, and a crash of XLA that cannot take the worker down.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from proxy_task.runtime.host_allocator import child_environment  # standard library only: no TF or JAX here
from storage.trial_record import Cause, Measurement, TrialOutcome

if TYPE_CHECKING:  # a surrogate trial's worker never imports the proxy task (TensorFlow, JAX)
    from proxy_task.config import ProxyConfig

WORKER_PID = "SPINENET_NAS_TRIAL_WORKER"  # the pid a trial child must die with
OOM_MARKERS = ("RESOURCE_EXHAUSTED", "out of memory", "OutOfMemory", "Out of memory")


@dataclasses.dataclass(frozen=True)
class TrialTask:
    """Everything a worker needs to run trial ``trial`` (picklable)."""

    trial: int
    spec: dict
    workdir: str
    kind: str
    proxy: "ProxyConfig | None"  # None for surrogate trials
    seed: int = 0
    time_limit_s: float | None = None
    fault: str | None = None
    surrogate_seconds: float = 0.0
    device_share: float = 1.0
    env: tuple[tuple[str, str], ...] = ()
    # With rungs (search.fidelity): train to this fraction of the full training, continuing from the
    # workdir's checkpoint, and keep a checkpoint there for a later promotion.
    rung: int = 0
    budget: float = 1.0
    keep_checkpoint: bool = False
    nice: int = 15  # the training process's scheduling priority (trial.nice)


class TrialTimeout(Exception):
    """The trial ran past ``trial.time_limit_s``."""


def classify(error: BaseException) -> Cause:
    """The failure cause of an exception."""
    if isinstance(error, TrialTimeout):
        return Cause.TIMEOUT
    if isinstance(error, ChildError):
        return error.cause
    if isinstance(error, FloatingPointError):  # proxy_task NonFiniteLossError
        return Cause.NAN
    if isinstance(error, MemoryError) or any(m in str(error) for m in OOM_MARKERS):
        return Cause.OOM
    return Cause.ERROR


def run_trial(task: TrialTask) -> TrialOutcome:
    """Runs ``task``; returns its outcome, ok or failed with a cause."""
    started_at, start = time.time(), time.perf_counter()
    measurement, failure = None, None
    try:
        inject_fault(task)
        measurement = run_surrogate(task) if task.kind == "surrogate" else run_proxy(task)
    except Exception as error:  # a trial's own failure, recorded with its cause
        name = error.type_name if isinstance(error, ChildError) else type(error).__name__
        failure = (classify(error), f"{name}: {error}",
                   getattr(error, "child_traceback", None) or traceback.format_exc())
    wall = time.perf_counter() - start
    run = dict(seed=task.seed, wall_seconds=wall, device_seconds=wall * task.device_share,
               started_at=started_at, finished_at=time.time())
    return TrialOutcome.failed(*failure, **run) if failure else TrialOutcome.measured(measurement, **run)


def inject_fault(task: TrialTask) -> None:
    """``trial.inject_faults``: fails the trial on purpose (tests of the failure policy)."""
    if task.fault is None:
        return
    if task.fault == "crash":  # the worker process dies, once: an infrastructure failure
        marker = Path(task.workdir) / "crashed-once"
        if not marker.exists():
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
            os._exit(17)
        return
    raise {
        Cause.ERROR: RuntimeError(f"injected error in trial {task.trial}"),
        Cause.NAN: FloatingPointError(f"injected: the training loss of trial {task.trial} became NaN"),
        Cause.OOM: MemoryError(f"RESOURCE_EXHAUSTED: injected out of memory in trial {task.trial}"),
        Cause.TIMEOUT: TrialTimeout(f"injected: trial {task.trial} ran past its time limit"),
    }[Cause(task.fault)]


def run_surrogate(task: TrialTask) -> Measurement:
    """The surrogate AP of the spec at the task's budget, after ``surrogate_seconds`` (bounded by the time limit)."""
    from proxy_task.surrogate_learning_curve import reward_at
    from search_space.serialization import spec_from_dict

    if task.surrogate_seconds:  # a slow surrogate trial shows it runs, like a proxy trial's workdir
        Path(task.workdir).mkdir(parents=True, exist_ok=True)
        (Path(task.workdir) / "started").touch()
        with open(Path(task.workdir) / "trial.log", "a") as log:
            log.write(f"{run_header(task)}\n")
        limit = task.time_limit_s
        time.sleep(min(task.surrogate_seconds, limit) if limit else task.surrogate_seconds)
        if limit and task.surrogate_seconds > limit:
            raise TrialTimeout(f"trial {task.trial} ran past trial.time_limit_s={limit}")
    return Measurement(reward=float(reward_at(spec_from_dict(task.spec), task.seed, task.budget)))


def run_proxy(task: TrialTask) -> Measurement:
    """``train_and_evaluate`` in a child process, killed at the time limit."""
    workdir = Path(task.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    result_file = workdir / "outcome.json"
    result_file.unlink(missing_ok=True)
    (workdir / "task.pkl").write_bytes(pickle.dumps(task))
    # The child trains on jemalloc: XLA's per-step buffers then stay mapped (proxy_task.runtime.host_allocator).
    env = {**child_environment(os.environ), **dict(task.env), WORKER_PID: str(os.getpid())}
    attempt = begin_attempt(workdir)
    with open(workdir / "trial.log", "ab") as log:
        log.write(f"\n{run_header(task, attempt)}\n".encode())
        log.flush()
        child = subprocess.Popen(
            [sys.executable, "-m", "nas.campaign.trial_process", str(workdir)], stdout=log,
            stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            child.wait(timeout=task.time_limit_s)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            raise TrialTimeout(f"trial {task.trial} ran past trial.time_limit_s={task.time_limit_s}") from None
        finally:
            if child.poll() is None:  # this worker is being stopped: take the child down too
                os.killpg(child.pid, signal.SIGKILL)
    if not result_file.exists():
        raise _child_died(child.returncode, workdir / "trial.log")
    result = json.loads(result_file.read_text())
    if "error" in result:
        raise ChildError(result["error"])
    return Measurement(**result["ok"])


def run_header(task: TrialTask, attempt: int | None = None) -> str:
    """The line a run of a trial starts its ``trial.log`` with: trial, rung (with rungs), attempt, time."""
    rung = f", rung {task.rung} (budget {task.budget:g})" if task.rung or task.keep_checkpoint else ""
    tried = f", attempt {attempt}" if attempt is not None else ""
    return f"=== trial {task.trial}{rung}{tried} at {time.ctime()} ==="


def begin_attempt(workdir: Path) -> int:
    """Sets an earlier attempt's progress aside; returns this attempt's number (1, 2...).

    A trial runs again after its driver was killed or its worker lost, from the
    first step. Its steps go to a fresh ``progress.jsonl``; an earlier attempt's
    become ``progress.attempt-K.jsonl`` (K = 1, 2...), so no file mixes two runs.
    """
    earlier = len(list(workdir.glob("progress.attempt-*.jsonl")))
    current = workdir / "progress.jsonl"
    if current.exists():
        earlier += 1
        current.rename(workdir / f"progress.attempt-{earlier}.jsonl")
    return earlier + 1


class ChildError(Exception):
    """A trial child's exception, carried over with its cause and traceback."""

    def __init__(self, error: dict[str, str]):
        super().__init__(error["message"])
        self.cause = Cause(error["cause"])
        self.child_traceback = error["traceback"]
        self.type_name = error["type"]


def _child_died(returncode: int, log: Path) -> Exception:
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:]) if log.exists() else ""
    if returncode == -signal.SIGKILL:
        error = MemoryError("the trial process was killed by SIGKILL, most likely by the out-of-memory killer")
    else:
        error = RuntimeError(f"the trial process exited with status {returncode} without a result")
    error.child_traceback = tail
    return error


def die_with_parent() -> None:
    """Called by a trial child: SIGKILL when its worker dies (Linux), so no trial outlives it."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        worker = os.environ.get(WORKER_PID)
        if worker is not None and os.getppid() != int(worker):  # the worker died before prctl
            os._exit(1)
