"""An append-only JSON-lines file that survives a crash at any instant.

Each ``append`` writes one line and fsyncs it before returning, so a record
that was acknowledged is on disk. A crash mid-write leaves at most a torn last
line (no newline, or not valid JSON): ``read`` skips it, and ``open`` for
appending cuts it off first, so the next record starts on a line of its own.
A complete line that is not UTF-8, not a JSON object, or lacks one of the
file's ``required`` keys is damage no crash makes: ``read`` refuses the file,
naming each such line and what is wrong with it; ``set_aside`` moves such
lines to a quarantine file beside it (``resume --repair``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable, Sequence

from nas.overrides import ConfigError
from storage.atomic_file import write_atomic


class JsonLines:
    """One JSON object per line, appended and fsynced one at a time."""

    def __init__(self, path: str | Path, required: Sequence[str] = (), remedy: str = ""):
        """``remedy``: what else, besides restoring a damaged line, the user can do (for the message)."""
        self.path = Path(path)
        self.required = tuple(required)
        self.remedy = remedy
        self._handle = None

    def read(self) -> list[dict[str, Any]]:
        """Every complete record, in file order (a torn last line is left out).

        Raises:
          ConfigError: complete lines that are not UTF-8, not a JSON object or
            lack a required key, each named by its line number.
        """
        lines = self._scan()
        damaged = [f"line {number} {problem}" for number, _, _, problem in lines if problem is not None]
        if damaged:
            shown = "; ".join(damaged[:5]) + (f"; and {len(damaged) - 5} more" if len(damaged) > 5 else "")
            raise ConfigError(f"{self.path} is damaged: {shown}; restore those lines from a copy of the "
                              f"campaign{self.remedy}")
        return [record for _, _, record, _ in lines]

    @property
    def quarantine(self) -> Path:
        """Where ``set_aside`` keeps damaged lines: ``<file>.quarantine`` beside the file."""
        return self.path.with_name(self.path.name + ".quarantine")

    def set_aside(self) -> list[tuple[int, str]]:
        """Moves every damaged complete line, byte for byte, to ``quarantine``; returns (line, problem) of each.

        Call it holding the campaign's lock.
        """
        return [(number, problem) for number, _, problem in
                self.move_lines(lambda record, problem: problem is not None, self.quarantine)]

    def move_lines(self, chosen: Callable[[dict[str, Any] | None, str | None], bool],
                   destination: Path) -> list[tuple[int, dict[str, Any] | None, str | None]]:
        """Moves the complete lines ``chosen(record, problem)`` picks, byte for byte, to ``destination``.

        The lines are appended to ``destination`` and fsynced before the file is
        rewritten without them (atomically), so a crash in between leaves a line
        in both files, never in neither. Returns ``(line number, record, problem)``
        of each line moved. Call it holding the directory's lock.
        """
        lines = self._scan()
        moved = [(number, raw, record, problem) for number, raw, record, problem in lines if chosen(record, problem)]
        if not moved:
            return []
        self.close()
        with open(destination, "ab") as handle:
            handle.write(b"".join(raw for _, raw, _, _ in moved))
            handle.flush()
            os.fsync(handle.fileno())
        kept = {number for number, _, _, _ in moved}
        write_atomic(self.path, b"".join(raw for number, raw, _, _ in lines if number not in kept))
        return [(number, record, problem) for number, _, record, problem in moved]

    def _scan(self) -> list[tuple[int, bytes, dict[str, Any] | None, str | None]]:
        """``(line number, raw line, record, problem)`` of each complete non-blank line; a problem or a record."""
        if not self.path.exists():
            return []
        lines = []
        with open(self.path, "rb") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.endswith(b"\n"):
                    break  # torn by a crash mid-append; the next append cuts it off
                if line.strip():
                    lines.append((number, line, *self._parse(line)))
        return lines

    def _parse(self, line: bytes) -> tuple[dict[str, Any] | None, str | None]:
        """``(record, None)``, or ``(None, what is wrong with the line)``."""
        try:
            record = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError:
            return None, "is not UTF-8 text"
        except json.JSONDecodeError:
            return None, "is not JSON"
        if not isinstance(record, dict):
            return None, "is not a JSON object"
        missing = [key for key in self.required if key not in record]
        if missing:
            return None, f"lacks {', '.join(map(repr, missing))}"
        return record, None

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
