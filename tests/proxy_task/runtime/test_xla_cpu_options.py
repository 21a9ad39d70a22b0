"""The CPU compiler options move convolutions off YNNPACK, keep its dots, and change no number."""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from proxy_task.runtime import xla_cpu_options
from proxy_task.runtime.xla_cpu_options import OPTION, jit_options, step_compiler_options


def _conv_loss(x, w, a):
    y = lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
    return jnp.sum(jnp.tanh(y)) + jnp.sum(jnp.tanh(y.reshape(-1, y.shape[-1]) @ a))


def _inputs():
    keys = jax.random.split(jax.random.key(0), 3)
    return (jax.random.normal(keys[0], (2, 8, 8, 32)), 0.1 * jax.random.normal(keys[1], (3, 3, 32, 32)),
            0.1 * jax.random.normal(keys[2], (32, 32)))


def _ynn_fused_ops(hlo: str) -> set[str]:
    """The ops (``convolution``, ``dot``) inside computations called by YNNPACK fusions."""
    fused_computations = {line.split("calls=%")[1].split(",")[0].split(" ")[0]
                          for line in hlo.splitlines() if "__ynn_fusion" in line and "calls=%" in line}
    ops, current = set(), None
    for line in hlo.splitlines():
        if line and not line.startswith(" "):
            current = line.split(" ")[0].lstrip("%")
        elif current in fused_computations:
            ops |= {op for op in ("convolution(", " dot(") if op in line}
    return {op.strip(" (") for op in ops}


def test_on_cpu_convolutions_leave_ynnpack_and_dots_stay(monkeypatch):
    monkeypatch.delenv("XLA_FLAGS", raising=False)
    options = step_compiler_options()
    assert options == {OPTION: xla_cpu_options.YNN_WITHOUT_CONVOLUTIONS}
    grad = jax.grad(_conv_loss, argnums=(0, 1, 2))
    default = jax.jit(grad).lower(*_inputs()).compile().as_text()
    ours = jax.jit(grad, compiler_options=options).lower(*_inputs()).compile().as_text()
    assert "convolution" in _ynn_fused_ops(default)  # what the option is for
    assert "convolution" not in _ynn_fused_ops(ours) and "dot" in _ynn_fused_ops(ours)


def test_gradients_are_unchanged_to_rounding(monkeypatch):
    monkeypatch.delenv("XLA_FLAGS", raising=False)
    grad = jax.grad(_conv_loss, argnums=(0, 1, 2))
    expected = jax.jit(grad)(*_inputs())
    got = jax.jit(grad, **jit_options())(*_inputs())
    for g, e in zip(got, expected):
        # A different summation order errs relative to the summands, not to each result: a
        # near-zero gradient element may differ by a few ulps of the largest one.
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=1e-4, atol=1e-6 * float(jnp.abs(e).max()))


def test_a_users_xla_flags_setting_wins(monkeypatch):
    monkeypatch.setenv("XLA_FLAGS", f"--{OPTION}=individual_dot")
    assert step_compiler_options() is None


def test_no_options_off_cpu_or_where_xla_lacks_the_option(monkeypatch):
    monkeypatch.delenv("XLA_FLAGS", raising=False)
    monkeypatch.setattr(jax, "default_backend", lambda: "gpu")
    assert step_compiler_options() is None
    monkeypatch.setattr(jax, "default_backend", lambda: "cpu")
    monkeypatch.setattr(xla_cpu_options, "_option_is_known", lambda: False)
    assert step_compiler_options() is None and jit_options() == {}  # a jax.jit without the keyword is safe


def test_a_jit_without_compiler_options_gets_none(monkeypatch):
    monkeypatch.setattr(jax, "jit", lambda fun, donate_argnums=(): fun)  # as jax.jit was before the keyword
    assert xla_cpu_options._option_is_known.__wrapped__() is False
