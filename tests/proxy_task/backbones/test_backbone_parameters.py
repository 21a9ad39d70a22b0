"""The Flax parameter trees are exactly what the analytic cost accounting describes."""

import jax
import jax.numpy as jnp
import pytest
from flax.traverse_util import flatten_dict

from proxy_task.backbones import build_backbone
from proxy_task.retinanet_head import RetinaNetHead
from search_space import R50_FPN, SPINENET_49, get_scaling
from search_space.cost import backbone_layers, count_cost, expected_param_shapes, head_layers


def param_shapes(module, *inputs) -> dict[str, tuple[int, ...]]:
    variables = jax.eval_shape(lambda: module.init(jax.random.key(0), *inputs))
    return {"/".join(path): tuple(leaf.shape) for path, leaf in flatten_dict(variables["params"]).items()}


def images(size: int):
    return jnp.zeros((1, size, size, 3))


@pytest.mark.parametrize("variant", ["49S", "49", "96", "143", "143L", "190", "proxy"])
def test_spinenet_tree_equals_analytic_layers(variant):
    scaling = get_scaling(variant).replace(input_size=128)
    actual = param_shapes(build_backbone(SPINENET_49, scaling), images(128))
    assert actual == expected_param_shapes(backbone_layers(SPINENET_49, scaling))
    total = sum(int(jnp.prod(jnp.array(shape))) for shape in actual.values())
    assert total == count_cost(SPINENET_49, scaling).backbone_params


def test_r50_fpn_tree_equals_analytic_layers():
    scaling = get_scaling("49").replace(input_size=128)
    actual = param_shapes(build_backbone(R50_FPN, scaling), images(128))
    assert actual == expected_param_shapes(backbone_layers(R50_FPN, scaling))


@pytest.mark.slow
def test_random_specs_trees_equal_analytic_layers(random_specs):
    scaling = get_scaling("proxy").replace(input_size=128, block_repeats=2)
    for spec in random_specs(12, seed=3):
        actual = param_shapes(build_backbone(spec, scaling), images(128))
        assert actual == expected_param_shapes(backbone_layers(spec, scaling)), spec


@pytest.mark.parametrize("num_convs, width, classes", [(4, 64, 91), (7, 32, 5)])
def test_head_tree_equals_analytic_layers(num_convs, width, classes):
    scaling = get_scaling("proxy").replace(input_size=128, head_num_convs=num_convs, head_num_filters=width)
    features = {level: jnp.zeros((1, 128 >> level, 128 >> level, 64)) for level in range(3, 8)}
    actual = param_shapes(RetinaNetHead(classes, num_convs, width), features)
    assert actual == expected_param_shapes(head_layers(scaling, num_classes=classes))


def test_parameter_names_are_readable_and_deterministic():
    scaling = get_scaling("49").replace(input_size=128)
    first = param_shapes(build_backbone(SPINENET_49, scaling), images(128))
    assert list(first) == list(param_shapes(build_backbone(SPINENET_49, scaling), images(128)))
    for name in [
        "stem/conv/kernel",
        "stem_group_0/block_0/shortcut/conv/kernel",
        "block_0/resample_0/reduce/conv/kernel",
        "block_1/resample_0/down/conv/kernel",
        "block_1/group/block_0/conv_1/bn/scale",
        "endpoint_3/conv/kernel",
    ]:
        assert name in first


def test_proxy_stem_needs_no_projection():
    # At width 0.25 the first stem group maps 64 -> 4 * 16 channels: identity shortcut, as in TF.
    scaling = get_scaling("proxy").replace(input_size=128)
    names = param_shapes(build_backbone(SPINENET_49, scaling), images(128))
    assert not any(name.startswith("stem_group_0/block_0/shortcut") for name in names)
