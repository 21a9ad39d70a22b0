"""SIGINT and SIGTERM: one way to stop a campaign driver, whichever arrives.

Clusters stop jobs with SIGTERM (preemption, Slurm and Kubernetes limits),
people with Ctrl-C (SIGINT). While a campaign runs, both only set a flag:
Python raises a signal's exception between any two bytecodes, so a
``KeyboardInterrupt`` can land inside a ``__del__`` or a library callback,
where it is swallowed ("Exception ignored in ...") and the driver runs on, or
leave a half-done step behind. The dispatch loops check the flag between
steps (at least every ``POLL_S``), then stop the running trials; the launcher
records the state, prints the resume command and exits ``128 + signal``: 130
for SIGINT, 143 for SIGTERM.

A second signal during that stop ends the driver at once (``os._exit``) with
the same status, and so does a stop still unfinished after ``grace_s``, or
one that ``hopeless()`` says cannot finish: a SIGTERM sent to the whole
process group (Slurm sends it to every process of a job) also ends the local
Ray cluster's head, which blocks SIGINT but not SIGTERM, and Ray Tune then
waits for ever on trial actors that are gone. Ray itself ends a driver whose
local raylet died (status 1, its reason only in the driver's Ray log) as soon
as the driver next talks to it, so the watcher checks ``hopeless()`` every
``HOPELESS_POLL_S`` from the first signal on to end first with the signal's
status; and since it may still lose that race, ``on_stop`` (the resume
command) is printed when the first signal arrives, not only at the end. Every
record is an fsynced line or an atomically replaced file, so the most an
abrupt end leaves is a torn last line, which the next ``resume`` cuts off; a
local Ray cluster is taken down by its watchdog (``ray_reaper``).

A process started in the background by a non-interactive shell (``cmd &``)
begins with SIGINT ignored; it stays ignored (so a terminal's Ctrl-C for the
foreground job does not reach it) and ``ignored_at_start`` says so, for the
driver to tell the user to stop it with SIGTERM.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import threading
import time
from typing import Callable

POLL_S = 0.5
GRACE_S = 20.0
HOPELESS_POLL_S = 0.05
NAMES = {signal.SIGINT: "SIGINT (Ctrl-C)", signal.SIGTERM: "SIGTERM"}


class StopSignals:
    """A context in which SIGINT and SIGTERM ask for a stop instead of raising.

    Outside the main thread (where Python cannot handle signals) it changes
    nothing, and ``requested`` stays false.
    """

    def __init__(self, farewell: str = "", grace_s: float = GRACE_S, hopeless: Callable[[], bool] = lambda: False,
                 on_stop: str = ""):
        """``farewell``: printed when the driver must end itself (a stop past ``grace_s``, or ``hopeless``);
        ``on_stop``: printed when the first signal arrives, with what it does."""
        self.received: int | None = None
        self.ignored_at_start = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
        self.farewell = farewell
        self.on_stop = on_stop
        self.grace_s = grace_s
        self.hopeless = hopeless
        self._previous: dict[int, object] = {}
        self._pipe: tuple[int, int] | None = None
        self._previous_wakeup_fd = -1
        self._closed = False

    @property
    def requested(self) -> bool:
        return self.received is not None

    @property
    def exit_status(self) -> int:
        """The shell's convention for a process ended by the signal: 128 + its number."""
        return 128 + int(self.received) if self.received is not None else 0

    @property
    def name(self) -> str:
        return NAMES.get(self.received, f"signal {self.received}")

    def __enter__(self) -> "StopSignals":
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGINT, signal.SIGTERM):
                if number == signal.SIGINT and self.ignored_at_start:
                    continue
                self._previous[number] = signal.signal(number, self._handle)
            # Python runs a handler only when the main thread next runs Python code, which a call
            # stuck in C (Ray Tune waiting on a dead cluster) can delay for minutes. Its C-level
            # handler writes the signal's number to the wakeup fd at once: a thread counts there.
            read_end, write_end = os.pipe()
            os.set_blocking(write_end, False)
            self._pipe = (read_end, write_end)
            self._previous_wakeup_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
            threading.Thread(target=self._watch, name="stop-signals", daemon=True).start()
        return self

    def __exit__(self, *exc_info) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        if self._previous:
            signal.set_wakeup_fd(self._previous_wakeup_fd)
        self._previous.clear()
        self._closed = True  # after the wakeup fd is given back: the watcher then closes the pipe

    def _watch(self) -> None:
        """Counts SIGINT/SIGTERM as they arrive; ends the process on a second one or an overdue stop."""
        try:
            self._count_and_wait()
        finally:
            for end in self._pipe:
                os.close(end)

    def _count_and_wait(self) -> None:
        read_end = self._pipe[0]
        count, asked_at = 0, None
        while not self._closed:
            ready, _, _ = select.select([read_end], [], [], 0.2 if asked_at is None else HOPELESS_POLL_S)
            if ready:
                for number in os.read(read_end, 64):
                    if number in NAMES:
                        count += 1
                        if self.received is None:
                            self.received = number
                        if count >= 2:
                            os._exit(self.exit_status)
            if self.received is None or self._closed:
                continue
            if asked_at is None:
                asked_at = time.monotonic()
                self._say(f"{self.name}: stopping the running trials (a second signal ends the driver at once). "
                          f"{self.on_stop}")
            if time.monotonic() - asked_at > self.grace_s:
                self._end(f"stopping took over {self.grace_s:g} s")
            if self.hopeless():
                self._end("the local Ray cluster was stopped too")

    def _end(self, why: str) -> None:
        self._say(f"{why}: ending now. {self.farewell}")
        os._exit(self.exit_status)

    @staticmethod
    def _say(line: str) -> None:
        sys.stderr.write(line.rstrip() + "\n")
        sys.stderr.flush()

    def _handle(self, number: int, frame) -> None:
        # Only a flag, set here or already by the watcher: no printing (a write may be in progress on
        # the same stream), no raising, no counting (the watcher counts, at once).
        if self.received is None:
            self.received = number
