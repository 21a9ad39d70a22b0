"""FLOP/s of this machine's XLA kernels on the proxy's convolution shapes: what bounds a training step.

Command (about a minute on 2 CPU cores; run it on jemalloc as the step runs)::

    python benchmarks/kernel_rates.py

For each 3x3 'SAME' convolution shape of the proxy RetinaNet (batch 8 at
512 px: the head's 64 -> 64 and 64 -> 720 class predictor at P3, backbone
shapes), in float32 and bfloat16, it times

* ``conv``: XLA's convolution (``lax.conv_general_dilated``) as jax compiles
  it by default (on a CPU: YNNPACK's kernel);
* ``conv, step options``: the same under ``proxy_task.runtime.xla_cpu_options``, as
  our train step compiles it (on a CPU: XLA's multi-threaded Eigen kernel);
* ``im2col``: the nine shifted inputs concatenated on channels, then one
  matrix product accumulating in float32 (how ``patch_conv`` differentiates);

plus the square matmul peak of each dtype and one fused elementwise pass
(scale, shift, ReLU of ``[8, 128, 128, 64]``, as a batch norm's apply). It
prints GFLOP/s (the elementwise pass: milliseconds) and writes
``benchmarks/results/kernel_rates.json``. Pin it with ``taskset -c 0`` to see
one core's rates: the elementwise pass is memory-bound and gains little from
a second core.

Result on the 2-core AMD EPYC of the dev machine (jax 0.10.2, jemalloc): see
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
from jax import lax

import speed_jax
from proxy_task.runtime import host_allocator
from proxy_task.runtime.xla_cpu_options import jit_options

RESULTS = Path(__file__).parent / "results" / "kernel_rates.json"
# (batch, height = width, input channels, output channels): 512 px, batch 8.
SHAPES = {
    "head 64->64 at P3": (8, 64, 64, 64),
    "class predictor 64->720 at P3": (8, 64, 64, 720),
    "backbone 16->16 at P2": (8, 128, 16, 16),
    "head 64->64 at P4": (8, 32, 64, 64),
}
DTYPES = {"float32": jnp.float32, "bfloat16": jnp.bfloat16}


def seconds_per_call(fn, *args, min_seconds: float = 0.5) -> float:
    """The best wall time of several calls of the jitted ``fn`` after one warm-up call."""
    jax.block_until_ready(fn(*args))
    best, total = float("inf"), 0.0
    while total < min_seconds:
        start = time.perf_counter()
        jax.block_until_ready(fn(*args))
        elapsed = time.perf_counter() - start
        best, total = min(best, elapsed), total + elapsed
    return best


def xla_conv(x, w):
    return lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))


def im2col_conv(x, w):
    _, height, width, channels = x.shape
    padded = jnp.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    patches = jnp.concatenate([padded[:, i:i + height, j:j + width, :] for i in range(3) for j in range(3)], -1)
    kernel = w.reshape(9 * channels, -1)
    product = lax.dot_general(patches, kernel, (((3,), (0,)), ((), ())), preferred_element_type=jnp.float32)
    return product.astype(x.dtype)


@jax.jit
def batch_norm_apply(x, scale, shift):
    return jnp.maximum(x * scale + shift, 0.0)


def measure() -> dict:
    key = jax.random.key(0)
    methods = {"conv": jax.jit(xla_conv), "im2col": jax.jit(im2col_conv),
               "conv, step options": jax.jit(xla_conv, **jit_options())}
    rates = {}
    for name, (batch, size, cin, cout) in SHAPES.items():
        flops = 2 * batch * size * size * 9 * cin * cout
        for dtype, jdtype in DTYPES.items():
            x = jax.random.normal(key, (batch, size, size, cin), jdtype)
            w = jax.random.normal(key, (3, 3, cin, cout), jdtype)
            rates[f"{name} {dtype}"] = {method: flops / seconds_per_call(fn, x, w) for method, fn in methods.items()}
    x = jnp.ones((8, 128, 128, 64))
    elementwise_ms = 1e3 * seconds_per_call(batch_norm_apply, x, jnp.ones((64,)), jnp.zeros((64,)))
    matmul = {dtype: speed_jax.matmul_flops_per_second(dtype)["flops_per_second"] for dtype in DTYPES}
    return {"conv_flops_per_second": rates, "matmul_flops_per_second": matmul,
            "batch_norm_apply_8x128x128x64_ms": elementwise_ms}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--allocator", choices=host_allocator.CHOICES, default="jemalloc")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if argv is None:
        host_allocator.require(args.allocator, [str(Path(__file__).resolve()), *sys.argv[1:]])
    report = {"command": " ".join(["python benchmarks/kernel_rates.py", *(sys.argv[1:] if argv is None else argv)]),
              "device": speed_jax.device_description(), "cpus_allowed": len(os.sched_getaffinity(0)),
              "jax_version": jax.__version__, "host_allocator": host_allocator.active_allocator(), **measure()}
    for dtype, rate in report["matmul_flops_per_second"].items():
        print(f"matmul {dtype}: {rate / 1e9:,.0f} GFLOP/s")
    print(f"{'3x3 convolution, GFLOP/s':42} {'conv':>6} {'conv, step options':>19} {'im2col':>7}")
    for name, rate in report["conv_flops_per_second"].items():
        step = rate["conv, step options"]
        print(f"{name:42} {rate['conv'] / 1e9:6.0f} {step / 1e9:19.0f} {rate['im2col'] / 1e9:7.0f}")
    print(f"batch-norm apply + ReLU, [8, 128, 128, 64]: {report['batch_norm_apply_8x128x128x64_ms']:.2f} ms "
          f"on {report['cpus_allowed']} core(s)")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
