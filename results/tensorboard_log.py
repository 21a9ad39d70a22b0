"""Scalars to TensorBoard event files, e.g. a campaign's reward per trial.

TensorFlow is imported when a log is opened, not when this module is: it
takes seconds and most users of ``results`` never need it.

NOTE: ``tf.summary.scalar`` is implemented by the ``tensorboard`` package,
which TensorFlow 2.21 no longer installs. ``tf.summary.write`` is in
TensorFlow itself; with the scalars plugin's metadata it writes exactly the
summary ``tf.summary.scalar`` writes (a float32 scalar tensor tagged for the
'scalars' plugin), so TensorBoard shows it as a scalar chart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

SCALARS_PLUGIN = "scalars"


class ScalarLog:
    """Appends named scalars at integer steps to a TensorBoard log directory.

    Use it from one process (the campaign driver). Each ``write`` is flushed,
    so a running TensorBoard sees it at once::

        log = ScalarLog("runs/campaign/tb")
        log.write(7, {"reward": 0.131, "best_reward": 0.142})
        log.close()
    """

    def __init__(self, logdir: str | Path):
        import tensorflow as tf  # lazy: see the module docstring

        self._tf = tf
        self.logdir = Path(logdir)
        self._writer = tf.summary.create_file_writer(str(self.logdir))
        self._metadata = tf.compat.v1.SummaryMetadata(
            plugin_data=tf.compat.v1.SummaryMetadata.PluginData(plugin_name=SCALARS_PLUGIN)
        )

    def write(self, step: int, scalars: Mapping[str, float | None]) -> None:
        """Writes each ``tag: value`` at ``step``; None values are skipped (e.g. a failed trial's reward).

        Raises:
          ValueError: if a value is not a number; the message names the tag.
        """
        tf = self._tf
        with self._writer.as_default():
            for tag, value in scalars.items():
                if value is None:
                    continue
                tensor = tf.constant(_as_float(tag, value), dtype=tf.float32)
                tf.summary.write(tag, tensor, step=int(step), metadata=self._metadata)
        self._writer.flush()

    def close(self) -> None:
        """Flushes and closes the event file; later writes are an error."""
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
