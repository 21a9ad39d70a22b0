"""Writing a file so that no reader ever sees it half-written (the project's one way).

Campaign state, searcher checkpoints, trial outcomes and results, exported
specs and held-out id lists are all read by other processes, sometimes while
a crash or a preemption is cutting their writer short. ``write_atomic``
writes to a temporary file in the same folder, flushes it to disk and renames
it over the target: readers see the old content or the new one. It lives in
``storage``, the bottom layer, so that campaigns, searchers and the proxy task
share it without importing a spec package for it; it needs no Ray.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it: done once, at import
    os.umask(mask)
    return mask


# mkstemp makes files private (0600); written files get the mode open() would give.
_FILE_MODE = 0o666 & ~_umask()


def write_atomic(path: str | os.PathLike, data: bytes | str) -> None:
    """Writes ``data`` (text is UTF-8 encoded) to ``path``; the file is never seen half-written."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
