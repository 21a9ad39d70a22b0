"""MBConv blocks: the Flax tree is what the cost count describes, and the block computes what TF's does."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax.traverse_util import flatten_dict, unflatten_dict

from proxy_task.backbones.blocks import BlockGroup
from proxy_task.backbones.layers import ConvBN
from proxy_task.backbones.mbconv import MBConv
from search_space.cost import expected_param_shapes
from search_space.cost.layers import block_group_layers
from search_space.mbconv import MBConvSettings, make_divisible, se_reduced_filters
from search_space.spec import MBCONV


def flat_params(variables) -> dict[str, jax.Array]:
    return {"/".join(path): leaf for path, leaf in flatten_dict(variables["params"]).items()}


def with_params(variables, changes: dict[str, jax.Array]):
    params = {**flat_params(variables), **changes}
    return {**variables, "params": unflatten_dict({tuple(k.split("/")): v for k, v in params.items()})}


def group_layers(in_filters, filters, stride, repeats, settings, size=16):
    return block_group_layers("g", MBCONV, in_filters, filters, stride, repeats, size, -(-size // stride), settings)


@pytest.mark.parametrize("in_filters, filters, stride, repeats, settings", [
    (8, 16, 1, 1, MBConvSettings()),  # Mobile SpineNet-49's first stem block
    (16, 24, 2, 1, MBConvSettings()),  # its second, which strides
    (40, 40, 1, 2, MBConvSettings()),  # a scale-permuted block, repeated
    (24, 12, 2, 1, MBConvSettings(expand_ratio=1, kernel_size=5, se_ratio=0.0)),
    (3, 5, 1, 1, MBConvSettings(expand_ratio=3, se_ratio=0.25)),  # the SE width floors at 1
])
def test_tree_equals_analytic_layers(in_filters, filters, stride, repeats, settings):
    group = BlockGroup(MBCONV, filters, stride, repeats, mbconv=settings)
    variables = jax.eval_shape(lambda: group.init(jax.random.key(0), jnp.zeros((1, 16, 16, in_filters)), False))
    actual = {name: tuple(leaf.shape) for name, leaf in flat_params(variables).items()}
    expected = expected_param_shapes(group_layers(in_filters, filters, stride, repeats, settings))
    assert actual == {name.removeprefix("g/"): shape for name, shape in expected.items()}


def test_parameter_count_of_a_worked_block():
    # 8 -> 16 channels, expansion 6 (48), SE to max(1, int(8 * 0.2)) = 1 channel:
    # expand 8*48 + BN 2*48; depthwise 9*48 + BN 2*48; SE 48*1 + 1 and 1*48 + 48; project 48*16 + BN 2*16.
    layers = group_layers(8, 16, 1, 1, MBConvSettings())
    assert sum(layer.params for layer in layers) == 480 + 528 + 49 + 96 + 800 == 1953


def test_multiply_adds_follow_the_stride():
    # 16 -> 24 channels, stride 2 on a 16x16 map: the expansion runs at 16x16, the rest at 8x8.
    layers = group_layers(16, 24, 2, 1, MBConvSettings())
    expand, depthwise, se, project = 16 * 96 * 256, 9 * 96 * 64, 96 * 3 + 3 * 96, 96 * 24 * 64
    assert sum(layer.madds for layer in layers) == expand + depthwise + se + project


def test_widths_round_as_tf_rounds():
    assert make_divisible(48, 1) == 48 and make_divisible(10, 8) == 16 and make_divisible(20, 8) == 24
    assert make_divisible(3.2, 8) == 8  # never below the divisor
    assert se_reduced_filters(8, 0.2) == 1 and se_reduced_filters(40, 0.2) == 8 and se_reduced_filters(2, 0.2) == 1


def zero_projection(variables):
    return with_params(variables, {"project/bn/scale": jnp.zeros_like(flat_params(variables)["project/bn/scale"])})


def test_shortcut_only_when_the_shape_is_kept():
    x = jax.random.normal(jax.random.key(1), (2, 8, 8, 16))
    kept = MBConv(16)
    variables = zero_projection(kept.init(jax.random.key(0), x, False))
    np.testing.assert_allclose(kept.apply(variables, x, False), x)  # the branch is zero: the input alone
    for changed, shape in [(MBConv(24), (2, 8, 8, 24)), (MBConv(16, stride=2), (2, 4, 4, 16))]:
        variables = zero_projection(changed.init(jax.random.key(0), x, False))
        out = changed.apply(variables, x, False)
        assert out.shape == shape and not np.any(np.asarray(out))  # no shortcut, not even a projection


def test_squeeze_excitation_gates_with_a_hard_sigmoid():
    # With zero SE kernels a gate is relu6(bias + 3) * 0.16667 (TF's hard sigmoid): 0.5 at 0, 1 from 3 on.
    x = jax.random.normal(jax.random.key(2), (1, 4, 4, 4))
    block = MBConv(4, settings=MBConvSettings(expand_ratio=1))
    variables = block.init(jax.random.key(0), x, False)
    params = flat_params(variables)
    gated = {}
    for bias, gate in [(0.0, 0.5), (3.0, 1.0), (-3.0, 0.0), (1.5, 0.75)]:
        changes = {name: jnp.zeros_like(params[name]) for name in params if "/se/" in name}
        changes["se/expand/bias"] = jnp.full_like(params["se/expand/bias"], bias)
        gated[gate] = block.apply(with_params(variables, changes), x, False) - x
    np.testing.assert_allclose(gated[0.5], 0.5 * gated[1.0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gated[0.75], 0.75 * gated[1.0], rtol=1e-5, atol=1e-6)
    assert not np.any(np.asarray(gated[0.0]))


def test_depthwise_conv_keeps_channels_apart():
    x = jnp.zeros((1, 6, 6, 3)).at[:, :, :, 1].set(1.0)
    conv = ConvBN(3, 3, depthwise=True)
    variables = conv.init(jax.random.key(0), x, False)
    assert flat_params(variables)["conv/kernel"].shape == (3, 3, 1, 3)
    out = conv.apply(variables, x, False, mutable=False)
    moved = np.abs(np.asarray(out - conv.apply(variables, jnp.zeros_like(x), False)))
    assert moved[..., 1].max() > 0 and moved[..., [0, 2]].max() == 0
