"""Data parallelism over every local device: the one mesh of trials and of the speed benchmarks."""

from __future__ import annotations

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec


def data_parallel_shardings(batch_size: int) -> tuple[NamedSharding, NamedSharding]:
    """``(batch sharding, replicated)``: batches split over the local devices, state on each of them."""
    devices = jax.devices()
    if batch_size % len(devices):
        raise ValueError(
            f"batch size {batch_size} is not divisible by the {len(devices)} local devices; "
            f"use a multiple of {len(devices)}"
        )
    mesh = Mesh(np.array(devices), ("data",))
    return NamedSharding(mesh, PartitionSpec("data")), NamedSharding(mesh, PartitionSpec())
