"""XLA compiler options for the jitted train and eval steps on a CPU: convolutions on every core.

jax 0.10's CPU backend hands individual dots, convolutions and reductions to
YNNPACK (``xla_cpu_experimental_ynn_fusion_type``'s default). Its 3x3
convolutions with 32 to 64 channels, the whole RetinaNet head and most of the
backbone, run on one thread: on the 2-core EPYC a 64 -> 64 convolution at P3
(512 px, batch 8) does 233 GFLOP/s pinned to one core and 227 on two
(``benchmarks/kernel_rates.py`` under ``taskset``). Without YNNPACK's
convolutions XLA runs them with its own multi-threaded (Eigen) kernels; dots
and reductions stay with YNNPACK. Measured on the whole train step, processes
alternated: ``cpu`` preset 0.124-0.140 -> 0.112-0.124 s, ``paper`` (batch 8)
1.38-1.48 -> 1.31-1.40 s.

The options are only given on a CPU backend whose jax and XLA know them, and
never over a user's own ``XLA_FLAGS`` setting of it. Callers spread
``jit_options()`` into ``jax.jit``, so a jax without ``compiler_options``
never sees the keyword.
"""

from __future__ import annotations

import functools
import inspect
import os

import jax
import jax.numpy as jnp

OPTION = "xla_cpu_experimental_ynn_fusion_type"
# The default list minus LIBRARY_FUSION_TYPE_INDIVIDUAL_CONVOLUTION.
YNN_WITHOUT_CONVOLUTIONS = "LIBRARY_FUSION_TYPE_INDIVIDUAL_DOT,LIBRARY_FUSION_TYPE_REDUCE"


def jit_options() -> dict:
    """Keyword arguments for ``jax.jit`` of a training or evaluation step: ``{}`` where none apply."""
    options = step_compiler_options()
    return {"compiler_options": options} if options else {}


def step_compiler_options() -> dict[str, str] | None:
    """``compiler_options`` for ``jax.jit`` of a training or evaluation step; None where they do not apply."""
    if jax.default_backend() != "cpu" or OPTION in os.environ.get("XLA_FLAGS", ""):
        return None
    return {OPTION: YNN_WITHOUT_CONVOLUTIONS} if _option_is_known() else None


@functools.cache
def _option_is_known() -> bool:
    """Whether this jax's ``jit`` and its XLA accept the option (older ones reject it)."""
    if "compiler_options" not in inspect.signature(jax.jit).parameters:
        return False
    try:
        jax.jit(jnp.negative).lower(jnp.zeros(())).compile(compiler_options={OPTION: YNN_WITHOUT_CONVOLUTIONS})
    except Exception:  # an unknown option: JaxRuntimeError, XlaRuntimeError in older jaxlibs
        return False
    return True
