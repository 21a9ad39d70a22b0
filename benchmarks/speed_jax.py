"""Times our jitted training step, evaluation step and a large matmul (the JAX side of ``speed.py``).

The step timed is the one ``proxy_task.train`` runs: ``train_step`` bound to a
``StepContext``, jitted with the state donated, fed a batch already on the
device. Compilation and warm-up steps are excluded; a timed run ends with
``block_until_ready`` on the new state.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time

import jax
import jax.numpy as jnp

from proxy_task.config import get_preset
from proxy_task.data import class_names
from proxy_task.detection import AnchorConfig, generate_anchors
from proxy_task.optimizer import make_optimizer
from proxy_task.retinanet import RetinaNet
from proxy_task.train_step import StepContext, create_state, eval_step, train_step
from proxy_task.runtime.data_parallel import data_parallel_shardings
from proxy_task.runtime.host_cpu import host_cpu  # also what the other benchmarks import from here
from proxy_task.runtime.xla_cpu_options import jit_options
from search_space import SPINENET_49
from search_space.cost import count_cost
from search_space.spec import ArchitectureSpec
from speed_inputs import Setting, synthetic_batch

DTYPES = {"float32": jnp.float32, "bfloat16": jnp.bfloat16}  # BackboneOptions.compute_dtype names
# Training FLOPs per image = TRAIN_FLOPS_PER_MADD x forward conv multiply-adds:
# 2 FLOPs per multiply-add, and the backward pass costs twice the forward one
# (input and weight gradients), so training is 3x the forward pass.
TRAIN_FLOPS_PER_MADD = 3 * 2


def preset_setting(name: str, batch_size: int | None = None) -> Setting:
    """The input size, batch, boxes per image and classes of preset ``name``."""
    config = get_preset(name)
    return Setting(
        name, config.scaling.input_size, batch_size or config.data.batch_size, config.data.max_boxes,
        len(class_names(config.data)),
    )


def forward_madds(setting: Setting, spec: ArchitectureSpec = SPINENET_49) -> int:
    """Batch-1 forward convolution multiply-adds of the proxy RetinaNet with backbone ``spec``."""
    scaling = get_preset(setting.name).scaling
    return count_cost(spec, scaling, setting.num_classes).total_madds


@dataclasses.dataclass
class JaxTrainer:
    """Our proxy model at one setting, compiled once, ready to be timed."""

    setting: Setting
    dtype: str
    step_fn: object
    eval_fn: object
    state: object
    batch: dict
    compile_seconds: float

    @classmethod
    def build(cls, setting: Setting, dtype: str = "float32", total_steps: int = 8660,
              kernels: str = "auto", spec: ArchitectureSpec = SPINENET_49) -> "JaxTrainer":
        """Compiles the step of preset ``setting.name`` at the setting's batch, in ``dtype``, with ``kernels``,
        for a RetinaNet with backbone ``spec`` (default SpineNet-49)."""
        config = get_preset(setting.name)
        config = dataclasses.replace(
            config, model=dataclasses.replace(config.model, compute_dtype=dtype, kernels=kernels),
            data=dataclasses.replace(config.data, batch_size=setting.batch_size),
        )
        scaling = config.scaling
        context = StepContext(
            model=RetinaNet(spec, scaling, setting.num_classes, config.model),
            optimizer=make_optimizer(config.train, setting.batch_size, total_steps),
            anchors=generate_anchors(
                AnchorConfig(spec.min_level, spec.max_level, anchor_size=scaling.anchor_size),
                scaling.input_size,
            ),
            num_classes=setting.num_classes, match=config.match, loss=config.loss,
            postprocess=config.postprocess,
        )
        data_sharding, replicated = data_parallel_shardings(setting.batch_size)
        state = create_state(context, config, replicated)
        batch = jax.device_put(synthetic_batch(setting), data_sharding)
        options = jit_options()  # as proxy_task.train compiles them
        step_fn = jax.jit(functools.partial(train_step, context), donate_argnums=(0,), **options)
        eval_fn = jax.jit(functools.partial(eval_step, context), **options)
        start = time.perf_counter()
        step_fn = step_fn.lower(state, batch).compile()
        compile_seconds = time.perf_counter() - start
        return cls(setting, dtype, step_fn, eval_fn, state, batch, compile_seconds)

    def run(self, steps: int) -> dict:
        """Runs ``steps`` training steps: ``{'seconds': wall, 'cpu_seconds': this process's CPU time}``."""
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(steps):
            self.state, _ = self.step_fn(self.state, self.batch)
        jax.block_until_ready(self.state)
        return {"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu}

    def eval_seconds_per_batch(self, warmup: int, steps: int) -> float:
        """Seconds per evaluation batch: forward pass, decoding and NMS (no COCO scoring)."""
        images = self.batch["image"]
        for _ in range(warmup):
            jax.block_until_ready(self.eval_fn(self.state, images))
        start = time.perf_counter()
        for _ in range(steps):
            out = self.eval_fn(self.state, images)
        jax.block_until_ready(out)
        return (time.perf_counter() - start) / steps


def matmul_flops_per_second(dtype: str = "float32", min_seconds: float = 1.0) -> dict:
    """Peak-ish FLOP/s of this machine: the best of several square jitted matmuls.

    ``n`` is 2048 on a CPU and 8192 on an accelerator; 2 n^3 FLOPs per matmul.
    Default matmul precision (on an H100, float32 inputs may run as TF32).
    Products accumulate in float32, as mixed precision does: with bfloat16
    inputs that is also the fast path of a CPU with AVX512-BF16 (908 against
    446 GFLOP/s for a bfloat16 result, 2-core EPYC).
    """
    on_cpu = jax.default_backend() == "cpu"
    n = 2048 if on_cpu else 8192
    keys = jax.random.split(jax.random.key(0))
    a, b = (jax.random.normal(k, (n, n), DTYPES[dtype]) for k in keys)
    matmul = jax.jit(lambda x, y: jnp.matmul(x, y, preferred_element_type=jnp.float32))
    jax.block_until_ready(matmul(a, b))
    best, total, runs = math.inf, 0.0, 0
    while total < min_seconds or runs < 3:
        start = time.perf_counter()
        jax.block_until_ready(matmul(a, b))
        elapsed = time.perf_counter() - start
        best, total, runs = min(best, elapsed), total + elapsed, runs + 1
    return {"dtype": dtype, "n": n, "runs": runs, "flops_per_second": 2 * n**3 / best}


def device_description() -> str:
    """``'cpu: 1 x cpu (<host CPU>)'`` on a CPU backend, ``'gpu: 1 x NVIDIA H100 ...'`` elsewhere."""
    device = jax.devices()[0]
    described = f"{jax.default_backend()}: {len(jax.devices())} x {device.device_kind}"
    return f"{described} ({host_cpu()})" if jax.default_backend() == "cpu" else described
