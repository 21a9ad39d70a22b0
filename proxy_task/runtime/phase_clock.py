"""Where a trial's time goes: seconds per named phase, summed over repeats.

``train_and_evaluate`` times its phases with one ``PhaseClock`` and returns
them in ``ProxyResult.phases``; ``benchmarks/trial_time.py`` adds what happens
outside it (process start, imports, dataset preparation).
"""

from __future__ import annotations

import contextlib
import time
from typing import Iterator

# The phases of train_and_evaluate, in order. first_step is the first training step, its compilation
# included; detect is the held-out forward passes (the first one compiles); score is COCO's share of the
# evaluation (matching, AP, the fold AP of the sampling sd).
PHASES = ("prepare", "init", "first_step", "train", "reads", "detect", "score")


class PhaseClock:
    """Accumulates wall seconds per phase: ``with clock.phase("train"): ...`` or ``clock.add("train", s)``."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - start)
