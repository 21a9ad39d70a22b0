"""Scalars to TensorBoard event files, e.g. a campaign's reward per trial, without TensorFlow.

The campaign driver writes these, and it must not load TensorFlow: TF adds
seconds and hundreds of MB to the driver, and a Ctrl-C that arrived inside
one of its calls once crashed the driver with a segmentation fault. The
events are written with ``tensorboardX`` (Ray Tune's own TensorBoard logger,
installed with ``ray[tune]``; it needs only protobuf and NumPy) as
``simple_value`` scalars, which TensorBoard's scalar dashboard reads. Its
synchronous ``EventsWriter`` is used, not its ``SummaryWriter``: that one
queues events to a writer thread, so a flushed write could still be unseen.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Mapping


class ScalarLog:
    """Appends named scalars at integer steps to a TensorBoard log directory.

    Use it from one process (the campaign driver). Each ``write`` is flushed,
    so a running TensorBoard sees it at once::

        log = ScalarLog("runs/campaign/tb")
        log.write(7, {"reward": 0.131, "best_reward": 0.142})
        log.close()
    """

    def __init__(self, logdir: str | Path):
        from tensorboardX.event_file_writer import EventsWriter

        self.logdir = Path(logdir)
        self.logdir.mkdir(parents=True, exist_ok=True)
        self._writer = EventsWriter(str(self.logdir / "events"))

    def write(self, step: int, scalars: Mapping[str, float | None]) -> None:
        """Writes each ``tag: value`` at ``step``; None values are skipped (e.g. a failed trial's reward).

        Raises:
          ValueError: if a value is not a number; the message names the tag.
        """
        from tensorboardX.proto.event_pb2 import Event
        from tensorboardX.summary import scalar

        values = {tag: _as_float(tag, value) for tag, value in scalars.items() if value is not None}
        for tag, value in values.items():
            self._writer.write_event(Event(wall_time=time.time(), step=int(step), summary=scalar(tag, value)))
        self._writer.flush()

    def close(self) -> None:
        """Flushes and closes the event file."""
        self._writer.close()

    def __enter__(self) -> "ScalarLog":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _as_float(tag: str, value: object) -> float:
    # float() accepts NumPy and JAX scalars; strings and bools are refused, not parsed.
    if isinstance(value, (str, bytes, bool)):
        raise ValueError(f"scalar {tag!r}: expected a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"scalar {tag!r}: expected a number, got {value!r}") from None
