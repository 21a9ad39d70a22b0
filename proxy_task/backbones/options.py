"""Options that change how a backbone computes, but not its architecture or cost."""

from __future__ import annotations

import dataclasses
from typing import Any

import jax.numpy as jnp

ACTIVATIONS = ("relu", "swish")
COMPUTE_DTYPES = ("float32", "bfloat16")


@dataclasses.dataclass(frozen=True)
class BackboneOptions:
    """Normalisation, activation, regularisation and precision of a backbone.

    Defaults are TF Model Garden's SpineNet defaults (BN momentum 0.99, epsilon
    1e-3, ReLU, no stochastic depth); protocol C of the paper uses swish and a
    stochastic-depth rate of 0.2. ``compute_dtype`` names the dtype of
    activations and convolutions (parameters, BN statistics and the losses stay
    float32); ``'bfloat16'`` suits GPUs and TPUs. It is a name, not a dtype
    object, so that the config stays JSON-able and ``--set`` can change it.
    """

    activation: str = "relu"
    norm_momentum: float = 0.99
    norm_epsilon: float = 1e-3
    stochastic_depth_rate: float = 0.0
    compute_dtype: str = "float32"

    def __post_init__(self):
        if self.compute_dtype not in COMPUTE_DTYPES:
            raise ValueError(f"compute_dtype {self.compute_dtype!r} is not supported; use one of {list(COMPUTE_DTYPES)}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation {self.activation!r} is not supported; use one of {list(ACTIVATIONS)}")
        if not 0.0 <= self.stochastic_depth_rate < 1.0:
            raise ValueError(f"stochastic_depth_rate {self.stochastic_depth_rate} must be in [0, 1)")
        if not 0.0 <= self.norm_momentum < 1.0 or self.norm_epsilon <= 0:
            raise ValueError(
                f"BN momentum {self.norm_momentum} must be in [0, 1) and epsilon {self.norm_epsilon} positive"
            )

    @property
    def dtype(self) -> Any:
        """The compute dtype as a JAX dtype."""
        return jnp.dtype(self.compute_dtype)
