"""Options that change how a backbone computes, but not its architecture or cost."""

from __future__ import annotations

import dataclasses
from typing import Any

import jax.numpy as jnp

from proxy_task.kernels.switch import KERNEL_SETTINGS

ACTIVATIONS = ("relu", "swish")
COMPUTE_DTYPES = ("float32", "bfloat16")
MOVING_VARIANCES = ("unbiased", "biased")  # TF Model Garden's convention, Flax's (proxy_task.backbones.batch_norm)


@dataclasses.dataclass(frozen=True)
class BackboneOptions:
    """Normalisation, activation, regularisation and precision of a backbone.

    Defaults are TF Model Garden's SpineNet defaults (BN momentum 0.99, epsilon
    1e-3, the unbiased batch variance folded into the moving variance, ReLU, no
    stochastic depth; ``norm_moving_variance='biased'`` is Flax's convention); protocol C of the paper uses swish and a
    stochastic-depth rate of 0.2. ``compute_dtype`` names the dtype of
    activations and convolutions (parameters, BN statistics and the losses stay
    float32); ``'bfloat16'`` suits GPUs and TPUs. It is a name, not a dtype
    object, so that the config stays JSON-able and ``--set`` can change it.
    ``kernels`` (``auto``, ``on``, ``off``) chooses the hand-written gradients of
    ``proxy_task.kernels`` (``auto``: on the CPU backend only); values are the
    same either way.
    """

    activation: str = "relu"
    norm_momentum: float = 0.99
    norm_epsilon: float = 1e-3
    norm_moving_variance: str = "unbiased"
    stochastic_depth_rate: float = 0.0
    compute_dtype: str = "float32"
    kernels: str = "auto"

    def __post_init__(self):
        if self.kernels not in KERNEL_SETTINGS:
            raise ValueError(f"kernels {self.kernels!r} is not supported; use one of {list(KERNEL_SETTINGS)}")
        if self.compute_dtype not in COMPUTE_DTYPES:
            raise ValueError(f"compute_dtype {self.compute_dtype!r} is not supported; use one of {list(COMPUTE_DTYPES)}")
        if self.norm_moving_variance not in MOVING_VARIANCES:
            raise ValueError(f"norm_moving_variance {self.norm_moving_variance!r} is not supported; "
                             f"use one of {list(MOVING_VARIANCES)}")
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
