"""Options that change how a backbone computes, but not its architecture or cost."""

from __future__ import annotations

import dataclasses
from typing import Any

import jax.numpy as jnp

ACTIVATIONS = ("relu", "swish")


@dataclasses.dataclass(frozen=True)
class BackboneOptions:
    """Normalisation, activation, regularisation and precision of a backbone.

    Defaults are TF Model Garden's SpineNet defaults (BN momentum 0.99, epsilon
    1e-3, ReLU, no stochastic depth); protocol C of the paper uses swish and a
    stochastic-depth rate of 0.2. ``dtype`` is the compute dtype (parameters
    stay float32); ``jnp.bfloat16`` suits accelerators.
    """

    activation: str = "relu"
    norm_momentum: float = 0.99
    norm_epsilon: float = 1e-3
    stochastic_depth_rate: float = 0.0
    dtype: Any = jnp.float32

    def __post_init__(self):
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation {self.activation!r} is not supported; use one of {list(ACTIVATIONS)}")
        if not 0.0 <= self.stochastic_depth_rate < 1.0:
            raise ValueError(f"stochastic_depth_rate {self.stochastic_depth_rate} must be in [0, 1)")
        if not 0.0 <= self.norm_momentum < 1.0 or self.norm_epsilon <= 0:
            raise ValueError(
                f"BN momentum {self.norm_momentum} must be in [0, 1) and epsilon {self.norm_epsilon} positive"
            )
