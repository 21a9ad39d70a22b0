"""Searcher state on disk: one msgpack file, written atomically.

A state is ``{'meta': <JSON-able dict>, 'arrays': <pytree of dicts of arrays>}``.
The file holds the metadata as JSON text (rewards are Python floats, which JSON
round-trips exactly) next to the arrays in Flax's msgpack form. Writes go to a
temporary file in the same folder, are flushed to disk and then renamed over
the target, so a reader sees the old state or the new one, never half of one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jax
from flax import serialization

from storage.atomic_file import write_atomic

FORMAT = "spinenet-nas/searcher-state"
VERSION = 1


def dumps(state: dict[str, Any]) -> bytes:
    """Serializes ``{'meta': ..., 'arrays': ...}``."""
    arrays = jax.device_get(serialization.to_state_dict(state["arrays"]))
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "meta": json.dumps(state["meta"], sort_keys=True, allow_nan=False),
        "arrays": arrays,
    }
    return serialization.msgpack_serialize(payload)


def loads(data: bytes) -> dict[str, Any]:
    """Inverse of ``dumps``; arrays come back as nested dicts of NumPy arrays."""
    payload = serialization.msgpack_restore(data)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"not a searcher state file (expected format {FORMAT!r})")
    if payload.get("version") != VERSION:
        raise ValueError(f"searcher state version {payload.get('version')} is not supported (expected {VERSION})")
    return {"meta": json.loads(payload["meta"]), "arrays": payload["arrays"]}


def save(path: str | Path, state: dict[str, Any]) -> None:
    write_atomic(path, dumps(state))


def load(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"searcher state {str(path)!r} does not exist")
    return loads(path.read_bytes())
