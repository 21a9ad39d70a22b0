"""The host memory allocator of processes that train: jemalloc, keeping freed memory mapped.

Why: XLA's CPU runtime mallocs every execution's temporary buffer (3 GB for
the ``paper`` proxy step at batch 8) and many per-op scratch buffers of 30 to
130 MB. glibc serves blocks that large with a fresh ``mmap`` and unmaps them
on ``free``, so every training step page-faults its whole working set in
again and the kernel zeroes it: 0.9 million page faults and 1.6 s of kernel
time per 3 s step, measured on a 2-core machine. jemalloc configured with
``JEMALLOC_CONF`` keeps freed extents (no decay) on transparent huge pages,
so the next step reuses memory already mapped; the same step then takes no
page faults and runs 1.7x faster (``benchmarks/speed.py`` records which
allocator each measurement used).

A process's allocator is fixed when it starts, so this module builds the
environment of *child* processes (``LD_PRELOAD`` and ``MALLOC_CONF``) and can
re-execute a command that trains in-process. It finds jemalloc in
``$SPINENET_NAS_JEMALLOC``, in the copy Ray's Linux wheels ship
(``ray/core/libjemalloc.so``; located without importing Ray) or in the system
library folders. ``SPINENET_NAS_ALLOCATOR=system`` turns it off; where no
jemalloc exists, glibc is asked to back large blocks with huge pages instead,
which removes the faults but not the zeroing (about 1.2x).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Mapping

SWITCH = "SPINENET_NAS_ALLOCATOR"  # 'jemalloc' (default) or 'system'
LIBRARY_OVERRIDE = "SPINENET_NAS_JEMALLOC"  # an explicit path to libjemalloc.so
REEXECUTED = "SPINENET_NAS_ALLOCATOR_REEXEC"  # set in a re-executed process: never loop
JEMALLOC_CONF = "thp:always,dirty_decay_ms:-1,muzzy_decay_ms:-1"
GLIBC_HUGE_PAGES = "glibc.malloc.hugetlb=1"
SYSTEM_FOLDERS = ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib",
                  "/usr/local/lib")
CHOICES = ("jemalloc", "system")


def requested(environ: Mapping[str, str] = os.environ) -> str:
    """The allocator asked for by ``$SPINENET_NAS_ALLOCATOR`` (default ``jemalloc``)."""
    choice = environ.get(SWITCH, "jemalloc").strip().lower() or "jemalloc"
    if choice not in CHOICES:
        raise ValueError(f"{SWITCH}={environ[SWITCH]!r} is not an allocator; set it to one of {list(CHOICES)}")
    return choice


def find_jemalloc(environ: Mapping[str, str] = os.environ) -> Path | None:
    """The jemalloc shared library to preload, or None where there is none (or not on Linux)."""
    override = environ.get(LIBRARY_OVERRIDE)
    if override:
        if not Path(override).is_file():
            raise ValueError(f"{LIBRARY_OVERRIDE}={override!r} is not a file; point it at libjemalloc.so "
                             f"or unset it")
        return Path(override)
    if not sys.platform.startswith("linux"):
        return None
    candidates = []
    ray = importlib.util.find_spec("ray")
    for folder in (ray.submodule_search_locations or []) if ray else []:
        candidates.append(Path(folder) / "core" / "libjemalloc.so")
    candidates += [Path(folder) / "libjemalloc.so.2" for folder in SYSTEM_FOLDERS]
    return next((path for path in candidates if path.is_file()), None)


def child_environment(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """``environ`` plus the allocator settings a training child process should start with."""
    env = dict(environ)
    if requested(environ) == "system":
        return env
    library = find_jemalloc(environ)
    if library is None:
        tunables = [t for t in env.get("GLIBC_TUNABLES", "").split(":") if t]
        if GLIBC_HUGE_PAGES not in tunables:
            env["GLIBC_TUNABLES"] = ":".join([*tunables, GLIBC_HUGE_PAGES])
        return env
    preload = [p for p in env.get("LD_PRELOAD", "").replace(" ", ":").split(":") if p]
    if str(library) not in preload:
        env["LD_PRELOAD"] = ":".join([str(library), *preload])
    env.setdefault("MALLOC_CONF", JEMALLOC_CONF)
    return env


def active_allocator() -> str:
    """``'jemalloc'`` when this process runs on jemalloc, else ``'system'`` (read from its memory map)."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return "system"
    return "jemalloc" if "jemalloc" in maps else "system"


def reexecute_with_allocator(arguments: list[str]) -> None:
    """Replaces this process by ``python *arguments`` under the training allocator, when it differs.

    ``arguments`` restarts this program: ``['-m', 'nas.cli', *sys.argv[1:]]``
    or ``[script_path, *sys.argv[1:]]``.

    Returns without doing anything when jemalloc is already loaded, when the
    environment would not change (``SPINENET_NAS_ALLOCATOR=system``, settings
    already there) or when this process is itself the re-executed one.
    """
    if os.environ.get(REEXECUTED) or active_allocator() == "jemalloc":
        return
    env = child_environment()
    if env == dict(os.environ):
        return
    env[REEXECUTED] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, *arguments], env)


def require(choice: str, arguments: list[str]) -> None:
    """Makes this process run on ``choice`` (``'jemalloc'`` or ``'system'``), or exits saying why it cannot.

    For ``'jemalloc'`` it restarts the process as ``python *arguments`` first
    (``reexecute_with_allocator``). Benchmarks call it so that what they time
    runs on the allocator their results record.
    """
    if choice == "jemalloc":
        reexecute_with_allocator(arguments)
    if active_allocator() == choice:
        return
    if choice == "system":
        fix = "unset LD_PRELOAD"
    elif requested() == "system":
        fix = f"unset {SWITCH}=system, or pass --allocator system"
    else:
        fix = f"install jemalloc or set {LIBRARY_OVERRIDE} to a libjemalloc.so"
    raise SystemExit(f"--allocator {choice}: this process runs on {active_allocator()}; {fix}")
