"""An append-only JSON-lines file that survives a crash at any instant.

Each ``append`` writes one line and fsyncs it before returning, so a record
that was acknowledged is on disk. A crash mid-write leaves at most a torn last
line (no newline, or not valid JSON): ``read`` skips it, and ``open`` for
appending cuts it off first, so the next record starts on a line of its own.
A complete line that lacks one of the file's ``required`` keys is damage no
crash makes: ``read`` refuses it, naming the file, the line and the keys.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator, Sequence

from nas.overrides import ConfigError


class JsonLines:
    """One JSON object per line, appended and fsynced one at a time."""

    def __init__(self, path: str | Path, required: Sequence[str] = (), remedy: str = ""):
        """``remedy``: what else, besides restoring a damaged line, the user can do (for the message)."""
        self.path = Path(path)
        self.required = tuple(required)
        self.remedy = remedy
        self._handle = None

    def read(self) -> list[dict[str, Any]]:
        """Every complete record, in file order (a torn last line is left out)."""
        return list(self.iter_records())

    def iter_records(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with open(self.path, "rb") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.endswith(b"\n"):
                    return  # torn by a crash mid-append
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a torn line that another write then completed
                if isinstance(record, dict):
                    self._check_keys(record, number)
                    yield record

    def _check_keys(self, record: dict[str, Any], number: int) -> None:
        missing = [key for key in self.required if key not in record]
        if missing:
            raise ConfigError(f"{self.path} line {number} is damaged: it lacks {', '.join(map(repr, missing))}; "
                              f"restore that line from a copy of the campaign{self.remedy}")

    def append(self, record: dict[str, Any]) -> None:
        """Writes ``record`` as one line and fsyncs it."""
        if self._handle is None:
            self._open()
        line = json.dumps(record, sort_keys=True, allow_nan=False, separators=(",", ":")) + "\n"
        self._handle.write(line.encode())
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _cut_torn_tail(self.path)
        self._handle = open(self.path, "ab")


def _cut_torn_tail(path: Path) -> None:
    """Truncates a last line without a newline (a write cut by a crash)."""
    if not path.exists():
        return
    with open(path, "rb+") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return
        position = size
        while position > 0:
            chunk = min(65536, position)
            handle.seek(position - chunk)
            data = handle.read(chunk)
            newline = data.rfind(b"\n")
            if newline >= 0:
                handle.truncate(position - chunk + newline + 1)
                break
            position -= chunk
        else:
            handle.truncate(0)
        handle.flush()
        os.fsync(handle.fileno())
