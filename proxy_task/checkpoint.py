"""A training's state on disk, so that a trial can continue where an earlier budget stopped.

A checkpoint is the ``TrainState`` (step, parameters, BN statistics,
optimizer state, weight average, PRNG key) as the leaves of its pytree in one
``.npz`` written atomically; it is read back into the structure of a freshly
created state, so a file from another architecture or config is refused, not
half-loaded. Continuing from it gives, bit for bit on CPU, the run that never
stopped: the learning-rate schedule counts steps in the optimizer state, and
the input pipeline skips the batches already read (``build_dataset(skip_batches=)``).
"""

from __future__ import annotations

import io
from pathlib import Path

import jax
import numpy as np

from proxy_task.train_step import TrainState
from storage.atomic_file import write_atomic


class CheckpointMismatchError(ValueError):
    """The checkpoint does not fit the state this trial builds (another architecture or config)."""


def _plain(state: TrainState) -> TrainState:
    return state.replace(rng=jax.random.key_data(state.rng))  # typed keys have no numpy form


def save_checkpoint(path: str | Path, state: TrainState) -> None:
    """Writes ``state`` to ``path`` atomically."""
    leaves = [np.asarray(leaf) for leaf in jax.tree.leaves(jax.device_get(_plain(state)))]
    buffer = io.BytesIO()
    np.savez(buffer, *leaves)
    write_atomic(Path(path), buffer.getvalue())


def load_checkpoint(path: str | Path, like: TrainState, sharding) -> TrainState:
    """The state saved in ``path``, in the structure of ``like``, placed with ``sharding``.

    Raises:
      CheckpointMismatchError: the leaves' count, shapes or dtypes differ from ``like``'s.
    """
    template = jax.tree.leaves(_plain(like))
    with np.load(Path(path)) as saved:
        leaves = [saved[f"arr_{index}"] for index in range(len(saved.files))]
    shapes = [(leaf.shape, leaf.dtype) for leaf in leaves]
    expected = [(tuple(leaf.shape), np.dtype(leaf.dtype)) for leaf in template]
    if shapes != expected:
        raise CheckpointMismatchError(
            f"{path} holds {len(leaves)} arrays that do not fit this trial's state ({len(template)} arrays); "
            f"it was saved by another architecture or config: delete it to train from the start")
    state = jax.tree.unflatten(jax.tree.structure(_plain(like)), leaves)
    state = jax.device_put(state, sharding)
    return state.replace(rng=jax.random.wrap_key_data(state.rng))
