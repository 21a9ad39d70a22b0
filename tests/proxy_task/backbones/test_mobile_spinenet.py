"""Mobile SpineNet: TF Model Garden's parameter counts, the Flax tree equal to the count, the mobile stem."""

import jax
import jax.numpy as jnp
import pytest
from flax.traverse_util import flatten_dict

from proxy_task.backbones import build_backbone
from proxy_task.retinanet_head import RetinaNetHead
from search_space import SPINENET_49_MOBILE, get_builtin, get_scaling
from search_space.cost import backbone_layers, count_cost, expected_param_shapes, head_layers

# Trainable parameters of TF Model Garden 2.20's SpineNetMobile (model_id 49, 49S, 49XS; se_ratio 0.2,
# expand_ratio 6), as docs/mobile-spinenet.md records them.
TF_MODEL_GARDEN_PARAMS = {"49-mobile": 2_268_708, "49S-mobile": 975_678, "49XS-mobile": 842_456}
# The detectors of the paper's Table 10: RetinaNet with separable convs in the class and box nets (4 x 48, 4 x 40,
# 4 x 24; 91 classes, 9 anchors), trainable parameters as TF Model Garden 2.20 builds them.
TF_MODEL_GARDEN_DETECTOR_PARAMS = {"49-mobile": 2_337_579, "49S-mobile": 1_030_653, "49XS-mobile": 872_711}


def param_shapes(module, size: int) -> dict[str, tuple[int, ...]]:
    variables = jax.eval_shape(lambda: module.init(jax.random.key(0), jnp.zeros((1, size, size, 3))))
    return {"/".join(path): tuple(leaf.shape) for path, leaf in flatten_dict(variables["params"]).items()}


@pytest.mark.parametrize("variant", sorted(TF_MODEL_GARDEN_PARAMS))
def test_parameters_equal_tf_model_garden(variant):
    scaling = get_scaling(variant)
    assert count_cost(SPINENET_49_MOBILE, scaling).backbone_params == TF_MODEL_GARDEN_PARAMS[variant]
    small = scaling.replace(input_size=128)  # parameters do not depend on the input size
    actual = param_shapes(build_backbone(SPINENET_49_MOBILE, small), 128)
    assert actual == expected_param_shapes(backbone_layers(SPINENET_49_MOBILE, small))
    assert sum(int(jnp.prod(jnp.array(shape))) for shape in actual.values()) == TF_MODEL_GARDEN_PARAMS[variant]


@pytest.mark.parametrize("variant", sorted(TF_MODEL_GARDEN_PARAMS))
def test_detector_parameters_equal_tf_model_garden(variant):
    scaling = get_scaling(variant)
    assert scaling.head_separable
    assert count_cost(SPINENET_49_MOBILE, scaling).total_params == TF_MODEL_GARDEN_DETECTOR_PARAMS[variant]
    width = scaling.endpoints_num_filters
    features = {level: jnp.zeros((1, 128 >> level, 128 >> level, width)) for level in range(3, 8)}
    head = RetinaNetHead(91, scaling.head_num_convs, scaling.head_num_filters, separable=True)
    variables = jax.eval_shape(lambda: head.init(jax.random.key(0), features))
    actual = {"/".join(path): tuple(leaf.shape) for path, leaf in flatten_dict(variables["params"]).items()}
    assert actual == expected_param_shapes(head_layers(scaling.replace(input_size=128)))
    assert actual["class_net/conv_0/depthwise/kernel"] == (3, 3, 1, width)
    assert actual["class_net/predict/pointwise/kernel"] == (1, 1, width, 9 * 91)


def test_builtin_names_imply_the_mobile_scalings():
    from search_space.builtins import implied_variant

    for name, variant in [("spinenet-49-mobile", "49-mobile"), ("SpineNet-49S-Mobile", "49S-mobile"),
                          ("spinenet-49xs-mobile", "49XS-mobile")]:
        assert get_builtin(name) == SPINENET_49_MOBILE and implied_variant(name) == variant


def test_mobile_stem_and_resampling_layers():
    scaling = get_scaling("49-mobile").replace(input_size=128)
    names = param_shapes(build_backbone(SPINENET_49_MOBILE, scaling), 128)
    assert names["stem/conv/kernel"] == (3, 3, 3, 8)  # 3x3/2 to 8 filters, no 7x7 and no pool
    assert names["stem_group_0/block_0/depthwise/conv/kernel"] == (3, 3, 1, 48)  # L1, 8 -> 16, expanded 48
    assert names["stem_group_1/block_0/project/conv/kernel"] == (1, 1, 96, 24)  # L2, 16 -> 24
    # Block 2 (L4) from net[1] (L2): two depthwise halvings at 24 channels, then 1x1 to 80; no reduction.
    assert names["block_2/resample_0/down_1/conv/kernel"] == (3, 3, 1, 24)
    assert names["block_2/resample_0/expand/conv/kernel"] == (1, 1, 24, 80)
    assert not any("resample" in name and "reduce" in name for name in names)
    assert names["endpoint_7/conv/kernel"] == (1, 1, 112, 48)


def test_forward_gives_every_level_at_its_stride():
    scaling = get_scaling("49XS-mobile").replace(input_size=128)
    model = build_backbone(SPINENET_49_MOBILE, scaling)
    images = jax.random.normal(jax.random.key(0), (2, 128, 128, 3))
    variables = jax.jit(model.init)(jax.random.key(1), images)
    outputs, _ = jax.jit(lambda v, x: model.apply(v, x, train=True, mutable=["batch_stats"]))(variables, images)
    assert {level: out.shape for level, out in outputs.items()} == {
        level: (2, 128 >> level, 128 >> level, 24) for level in range(3, 8)}
    assert all(bool(jnp.all(jnp.isfinite(out))) for out in outputs.values())
