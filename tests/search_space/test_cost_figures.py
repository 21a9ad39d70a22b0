"""The analytic counts reproduce the official SpineNet figures (spinenet.md §6)."""

import pytest

from search_space import R50_FPN, SPINENET_49, get_scaling
from search_space.builtins import SPINENET_49_TF16
from search_space.cost import count_cost

# Backbone trainable parameters of TF Model Garden's SpineNet, exactly.
BACKBONE_PARAMS = {
    "49S": 9_089_215,
    "49": 21_831_488,
    "96": 36_262_976,
    "143": 60_247_616,
    "143L": 100_796_257,
    "190": 126_587_664,
    "proxy": 1_169_696,
}

# Published RetinaNet totals (params in M, multiply-adds in B) with their input sizes.
RETINANET_TOTALS = [
    ("49", 640, 28.5, 85.4),
    ("49", 896, 28.5, 167.4),
    ("96", 1024, 43.0, 265.4),
    ("143", 1280, 66.9, 524.4),
    ("190", 1280, 163.6, 1885.0),
]


@pytest.mark.parametrize("variant", sorted(BACKBONE_PARAMS))
def test_backbone_params_exact(variant):
    assert count_cost(SPINENET_49, get_scaling(variant)).backbone_params == BACKBONE_PARAMS[variant]


def test_tf16_list_costs_the_same():
    assert count_cost(SPINENET_49_TF16, get_scaling("49")) == count_cost(SPINENET_49, get_scaling("49"))


@pytest.mark.parametrize("variant, size, params_m, madds_b", RETINANET_TOTALS)
def test_retinanet_totals_within_half_a_percent(variant, size, params_m, madds_b):
    cost = count_cost(SPINENET_49, get_scaling(variant).replace(input_size=size))
    assert cost.total_params / 1e6 == pytest.approx(params_m, rel=0.005)
    assert cost.total_madds / 1e9 == pytest.approx(madds_b, rel=0.005)


def test_r50_fpn_matches_tpu_model_zoo():
    # TPU MODEL_ZOO: RetinaNet R50-FPN 640, 97.0 B / 34.0 M.
    cost = count_cost(R50_FPN, get_scaling("49"))
    assert cost.total_params / 1e6 == pytest.approx(34.0, rel=0.005)
    assert cost.total_madds / 1e9 == pytest.approx(97.0, rel=0.005)


def test_r0_sp53_transcription_is_close_to_the_paper():
    # hyperion's transcription of R0-SP53 (spinenet.md §1.6); the paper gives 95.2 B.
    from search_space.serialization import spec_from_tuples

    b = "bottleneck"
    spec = spec_from_tuples([
        (2, b, (0, 1), False), (3, b, (0, 1), False), (3, b, (2, 3), False), (4, b, (2, 4), False),
        (4, b, (3, 5), False), (3, b, (5, 6), False), (5, b, (4, 7), False), (4, b, (4, 8), False),
        (4, b, (8, 9), False), (4, b, (8, 10), False), (3, b, (4, 10), True), (4, b, (6, 7), True),
        (5, b, (8, 13), True), (7, b, (6, 9), True), (6, b, (7, 9), True),
    ])
    cost = count_cost(spec, get_scaling("49"))
    # TF2 reference code on this spec: 26.056 M params, 94.96 B multiply-adds.
    assert cost.total_params / 1e6 == pytest.approx(26.056, rel=0.001)
    assert cost.total_madds / 1e9 == pytest.approx(94.96, rel=0.005)
