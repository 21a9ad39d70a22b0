"""Checks that a directory a command will write (``--dir``, ``--out``, ``--workdir``) can be made there.

Run before anything starts, so that a path naming a file, or lying under one,
stops the command with a message instead of a traceback after Ray has started
or a trial has trained.
"""

from __future__ import annotations

import os
from pathlib import Path

from nas.overrides import ConfigError


def check_output_dir(path: str | Path, option: str) -> Path:
    """``path`` as a ``Path`` if it is a directory or can be created as one; else ``ConfigError``.

    ``option`` is the flag that named it (``--dir``...), for the message.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{option} {path}: a file of that name exists; choose a directory path")
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        raise ConfigError(f"{option} {path}: {existing} is a file, so no directory can be made under it; "
                          f"choose another path")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"{option} {path}: {existing} is not writable by this user; choose a writable path")
    return path
