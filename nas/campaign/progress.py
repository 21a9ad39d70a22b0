"""What a running campaign shows: a progress line and TensorBoard scalars.

Both are observers of the engine: called with each new record and the campaign.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, TextIO

from nas.campaign.eta import budget_left, campaign_eta, work_left
from nas.campaign.records import rung_of
from nas.campaign.trainable import device_share
from nas.campaign.trial_progress import TrialProgress, read_progress, starting_line


def duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class ProgressLine:
    """Prints done / running / failed / best / elapsed / ETA, at most every ``every_s`` seconds."""

    def __init__(self, every_s: float, stream: TextIO | None = None):
        self.every_s = every_s
        self.stream = stream or sys.stdout  # the stdout of now, not of the import (a test's capture, a redirect)
        self._start = time.monotonic()
        self._start_records: int | None = None
        self._last = -float("inf")
        self.walls: list[float] = []  # wall seconds of the samples finished in this launch
        self._in_place = bool(getattr(self.stream, "isatty", lambda: False)())
        self._shown = 0  # trial lines on the terminal now

    def __call__(self, record: dict[str, Any], campaign) -> None:
        """An observer of the engine: a new record arrived."""
        if rung_of(record) == 0 and not record["cached"] and record.get("wall_seconds"):
            self.walls.append(float(record["wall_seconds"]))
        self.tick(campaign, force=self._slow(campaign))

    def tick(self, campaign, force: bool = False) -> None:
        """Prints the line if ``every_s`` has passed (or ``force``)."""
        now = time.monotonic()
        if self._start_records is None:
            self._start_records = campaign.num_records
        if force or now - self._last >= self.every_s:
            self._last = now
            progress = self._running_progress(campaign)  # each progress file read once per tick
            trials = self.trial_lines(campaign, progress)
            if self._shown:  # a terminal: the last tick's trial lines are rewritten, not repeated
                self.stream.write(f"\x1b[{self._shown}F\x1b[J")
            self.stream.write("\n".join([self.line(campaign, progress), *trials]) + "\n")
            self.stream.flush()
            self._shown = len(trials) if self._in_place else 0

    @staticmethod
    def _running_progress(campaign) -> dict[int, tuple[Path, TrialProgress | None]]:
        """Each running trial's directory and progress (``nas.campaign.trial_progress``), by trial id."""
        workdirs = {i: campaign.dir.root / "trials" / f"{i:05d}" for i in sorted(campaign.in_flight)}
        return {i: (workdir, read_progress(workdir)) for i, workdir in workdirs.items()}

    def trial_lines(self, campaign, running: dict[int, tuple[Path, TrialProgress | None]]) -> list[str]:
        """One line per running trial: its step, loss and rate."""
        lines = []
        for trial_id, (workdir, progress) in running.items():
            rung = campaign.rung_of(trial_id)
            if progress is not None:
                lines.append(f"  {progress.describe()}")
            elif workdir.is_dir():  # started, compiling (a surrogate trial without a directory has no steps)
                lines.append(f"  {starting_line(trial_id, rung)}")
        return lines

    def _slow(self, campaign) -> bool:
        """Trials slower than the print interval get one line each."""
        done = campaign.num_records - (self._start_records or 0)
        return done > 0 and (time.monotonic() - self._start) / done >= self.every_s

    def line(self, campaign, running: dict[int, tuple[Path, TrialProgress | None]]) -> str:
        now = time.monotonic()
        total = campaign.config.search.num_trials
        elapsed = now - self._start
        seconds = self.eta_seconds(campaign, running)
        eta = "?" if seconds is None else duration(seconds)
        best = "-" if campaign.best is None else f"{campaign.best[0]:.4g} (trial {campaign.best[1]})"
        promoted = f" · {campaign.num_promotions} promotions done" if campaign.rungs is not None else ""
        return (f"[search] {campaign.num_records}/{total} done ({campaign.num_cached} cached){promoted} · "
                f"{campaign.running} running · {campaign.num_failures} failed · best {best} · "
                f"{duration(elapsed)} elapsed · ETA {eta}")

    def eta_seconds(self, campaign, running_progress: dict[int, tuple[Path, TrialProgress | None]]) -> float | None:
        """``nas.campaign.eta`` on the running trials' progress and this launch's finished samples."""
        search = campaign.config.search
        running, promoting = [], 0
        for trial_id, (workdir, progress) in running_progress.items():
            promoting += campaign.rung_of(trial_id) > 0
            try:
                age = max(0.0, time.time() - (workdir / "task.pkl").stat().st_mtime)
            except OSError:  # a surrogate trial, or not started yet
                age = 0.0
            running.append((age, None if progress is None else progress.remaining_seconds))
        samples_left, shares = work_left(search, samples_done=campaign.num_records,
                                         promotions_done=campaign.num_promotions, running=len(running),
                                         promoting=promoting)
        return campaign_eta(running=running, finished_walls=self.walls, samples_left=samples_left,
                            promotion_shares=shares, concurrency=search.concurrency,
                            device_seconds_left=budget_left(search.device_hours, campaign.device_seconds),
                            device_share=device_share(campaign.config))


class ScalarWriter:
    """reward, best reward, and the controller's baseline and entropy, per record, to TensorBoard."""

    def __init__(self, logdir: Path):
        from results.tensorboard_log import ScalarLog

        self.log = ScalarLog(logdir)

    def __call__(self, record: dict[str, Any], campaign) -> None:
        metrics = getattr(campaign.searcher, "metrics", {}) or {}
        rung = rung_of(record)  # a promotion's reward is at another budget: a curve of its own
        self.log.write(campaign.num_records, {
            "reward" if rung == 0 else f"reward_rung{rung}": record["reward"],
            "best_reward": campaign.best[0] if campaign.best else None,
            "baseline": metrics.get("baseline"),
            "entropy": metrics.get("entropy"),
            "failed_trials": campaign.num_failures,
        })

    def close(self) -> None:
        self.log.close()
