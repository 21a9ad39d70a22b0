"""How far a trial has trained, read from the ``progress.jsonl`` its child appends to as it trains.

A proxy trial's child writes one JSON line per logged step (``event: train``:
step, total steps of the full budget, loss, seconds since training began) and
``event: done`` when it has finished. The current run's lines are in
``trials/<id>/progress.jsonl`` (earlier attempts' are set aside,
``nas.campaign.trial.begin_attempt``). Reading them needs nothing but the
directory, so ``status`` and the console use it beside a running driver, after a
crash and on another machine alike. A torn last line (the child mid-write) is
skipped.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
from pathlib import Path

RATE_WINDOW = 5  # logged intervals the step rate is measured over


@dataclasses.dataclass(frozen=True)
class TrialProgress:
    """The latest logged step of one run of a trial.

    Attributes:
      step, stop_step: the step reached and the step this run stops at (its
        rung's share of ``total_steps``, the full budget's).
      loss: the training loss at ``step``.
      steps_per_second: over the last ``RATE_WINDOW`` logged intervals (None before two steps).
      elapsed: seconds since the run began training (compilation included).
      done: the run has written its result.
      updated_at: when the file last changed (``time.time()`` clock).
    """

    trial: int
    rung: int
    step: int
    stop_step: int
    total_steps: int
    loss: float | None
    steps_per_second: float | None
    elapsed: float
    done: bool
    updated_at: float

    @property
    def remaining_seconds(self) -> float | None:
        """Seconds to ``stop_step`` at the current rate (None without a rate)."""
        if self.done:
            return 0.0
        if not self.steps_per_second:
            return None
        return max(0, self.stop_step - self.step) / self.steps_per_second

    def describe(self) -> str:
        rung = f" (rung {self.rung})" if self.rung else ""
        loss = f", loss {self.loss:.4f}" if self.loss is not None else ""
        rate = f", {self.steps_per_second:.2f} steps/s" if self.steps_per_second else ""
        return f"trial {self.trial}{rung}: step {self.step}/{self.stop_step}{loss}{rate}, {self.elapsed:.0f}s in"


def read_progress(workdir: str | Path) -> TrialProgress | None:
    """The progress of the trial run in ``workdir``; None before its first logged step."""
    workdir = Path(workdir)
    path = workdir / "progress.jsonl"
    try:
        lines = path.read_bytes().splitlines()
        updated_at = path.stat().st_mtime
    except OSError:
        return None
    events = []
    for line in lines:
        try:
            events.append(json.loads(line))
        except ValueError:
            continue  # a torn line: the child is writing it
    steps = [e for e in events if e.get("event") == "train"]
    if not steps:
        return None
    last = steps[-1]
    same_training = [e for e in steps if e.get("training") == last.get("training")]
    rate = None
    if len(same_training) >= 2:  # over the last few logged intervals: part-way reads and neighbours even out
        a, b = same_training[-min(len(same_training), RATE_WINDOW + 1)], same_training[-1]
        if b["elapsed"] > a["elapsed"]:
            rate = (b["step"] - a["step"]) / (b["elapsed"] - a["elapsed"])
    rung, budget = _rung_and_budget(workdir)
    total = int(last["total_steps"])
    stop = total if budget >= 1 else min(total, max(1, round(budget * total)))
    return TrialProgress(
        trial=int(workdir.name), rung=rung, step=int(last["step"]), stop_step=stop, total_steps=total,
        loss=last.get("loss"), steps_per_second=rate, elapsed=float(last["elapsed"]),
        done=any(e.get("event") == "done" for e in events), updated_at=updated_at)


def _rung_and_budget(workdir: Path) -> tuple[int, float]:
    """The rung and budget of the task the trial's worker wrote (rung 0, the full budget, if unreadable)."""
    try:
        task = pickle.loads((workdir / "task.pkl").read_bytes())
        return int(task.rung), float(task.budget)
    except (OSError, pickle.UnpicklingError, AttributeError, EOFError, ImportError):
        return 0, 1.0


def driver_alive(launches: list[dict]) -> bool | None:
    """Whether the process of the last launch still runs on this machine (its pid is alive).

    None where the launch did not record its pid (launches of studies before 2026-12-07).
    """
    if not launches:
        return False
    pid = launches[-1].get("pid")
    if not pid:
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process of that pid: it exists
    try:  # a recycled pid belongs to some other program
        return b"nas" in Path(f"/proc/{int(pid)}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc here: trust the pid


def starting_line(trial: int, rung: int = 0) -> str:
    """The line of a trial that its worker has started but that has logged no step yet (it compiles)."""
    return f"trial {trial}{f' (rung {rung})' if rung else ''}: starting, no step yet"


def running_lines(trials_dir: Path, launches: list[dict]) -> list[str]:
    """``status`` lines: one per trial run in progress under ``trials_dir`` (step, loss, rate), if any."""
    lines = []
    for workdir in sorted(Path(trials_dir).glob("[0-9]*")):
        progress = read_progress(workdir)
        if progress is not None and not progress.done:
            lines.append(f"  {progress.describe()}")
        elif progress is None and (workdir / "task.pkl").exists() and not (workdir / "outcome.json").exists():
            lines.append(f"  {starting_line(int(workdir.name), _rung_and_budget(workdir)[0])}")
    if not lines:
        return []
    alive = driver_alive(launches)
    state = {True: "running", False: "stopped part-way (they run again on resume)", None: "in progress"}[alive]
    return [f"{state}: {len(lines)} trial(s)", *lines]
