"""Analytic multiply-adds against the convolutions XLA actually runs."""

import math
import re

import jax
import jax.numpy as jnp
import pytest

from proxy_task.backbones import build_backbone
from search_space import R50_FPN, SPINENET_49, get_scaling
from search_space.cost import count_cost

CONV = re.compile(
    r"stablehlo\.convolution.*:\s*\(tensor<([\dx]+)x\w+>, tensor<([\dx]+)x\w+>\)\s*->\s*tensor<([\dx]+)x\w+>"
)


def lowered(module, size: int):
    x = jax.ShapeDtypeStruct((1, size, size, 3), jnp.float32)
    variables = jax.eval_shape(lambda: module.init(jax.random.key(0), jnp.zeros(x.shape)))
    return jax.jit(lambda v, x: module.apply(v, x, train=False)).lower(variables, x)


def hlo_conv_madds(lowered_fn) -> int:
    """Sum over the program's convolutions of out_elements * k_h * k_w * C_in (HWIO kernels)."""
    total = 0
    for line in lowered_fn.as_text().splitlines():
        if "stablehlo.convolution" in line:
            _, kernel, out = (list(map(int, g.split("x"))) for g in CONV.search(line).groups())
            total += math.prod(out) * kernel[0] * kernel[1] * kernel[2]
    return total


@pytest.mark.parametrize(
    "spec, variant", [(SPINENET_49, "49"), (SPINENET_49, "96"), (SPINENET_49, "proxy"), (R50_FPN, "49")]
)
def test_analytic_madds_equal_the_lowered_program(spec, variant):
    scaling = get_scaling(variant).replace(input_size=256)
    assert hlo_conv_madds(lowered(build_backbone(spec, scaling), 256)) == count_cost(spec, scaling).backbone_madds


@pytest.mark.slow
def test_random_specs_madds_equal_the_lowered_program(random_specs):
    scaling = get_scaling("proxy").replace(input_size=128)
    for spec in random_specs(8, seed=4):
        module = build_backbone(spec, scaling)
        assert hlo_conv_madds(lowered(module, 128)) == count_cost(spec, scaling).backbone_madds, spec


def test_xla_cost_analysis_agrees():
    # XLA counts 2 flops per multiply-add, skips taps that fall in the padding
    # and adds elementwise work (BN, activations, adds): the two agree closely.
    scaling = get_scaling("49").replace(input_size=256)
    analysis = lowered(build_backbone(SPINENET_49, scaling), 256).compile().cost_analysis()
    if isinstance(analysis, list):
        analysis = analysis[0]
    expected = 2 * count_cost(SPINENET_49, scaling).backbone_madds
    assert analysis["flops"] == pytest.approx(expected, rel=0.05)
