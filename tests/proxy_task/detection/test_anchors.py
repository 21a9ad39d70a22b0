"""Anchors: count, shapes, centres, order, and the head-output flattening contract."""

import numpy as np
import pytest

from proxy_task.detection import AnchorConfig, flatten_level_outputs, generate_anchors

from . import numpy_reference as ref


def test_count_and_level_shapes_for_64px():
    anchors = generate_anchors(AnchorConfig(), 64)
    # P3..P7 on 64 px: 8x8, 4x4, 2x2, then ceil(64/64) = 1 and ceil(64/128) = 1.
    assert anchors.level_shapes == {3: (8, 8), 4: (4, 4), 5: (2, 2), 6: (1, 1), 7: (1, 1)}
    assert anchors.boxes.shape == ((64 + 16 + 4 + 1 + 1) * 9, 4) == (774, 4)
    assert anchors.boxes.dtype == np.float32
    assert anchors.level_counts == {3: 576, 4: 144, 5: 36, 6: 9, 7: 9}
    assert anchors.level_slices[5] == slice(720, 756)


def test_centres_sizes_and_order():
    anchors = generate_anchors(AnchorConfig(anchor_size=3.0), 64)
    boxes = anchors.boxes
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2
    p3 = centres[:576].reshape(8, 8, 9, 2)
    np.testing.assert_allclose(p3[0, 0], np.full((9, 2), 4.0), atol=1e-5)
    # [H, W, anchor] order: the next 9 anchors move one stride right, then down.
    np.testing.assert_allclose(p3[0, 1, 0], [4.0, 12.0], atol=1e-5)
    np.testing.assert_allclose(p3[1, 0, 0], [12.0, 4.0], atol=1e-5)
    # Within a location: scale-major, ratio (width / height) minor.
    heights, widths = boxes[:9, 2] - boxes[:9, 0], boxes[:9, 3] - boxes[:9, 1]
    sides = 3.0 * 8 * 2.0 ** (np.repeat(np.arange(3), 3) / 3)
    ratios = np.tile([0.5, 1.0, 2.0], 3)
    np.testing.assert_allclose(widths / heights, ratios, rtol=1e-5)
    np.testing.assert_allclose(np.sqrt(widths * heights), sides, rtol=1e-5)
    # P7 on 64 px has one cell, centred on the image as in TF.
    np.testing.assert_allclose(centres[-9:], np.full((9, 2), 32.0), atol=1e-5)


@pytest.mark.parametrize("size,config", [(64, AnchorConfig()), (96, AnchorConfig(2, 5, 2, (1.0, 2.0), 4.0))])
def test_matches_tf_transcription(size, config):
    expected = ref.tf_anchors(
        config.min_level, config.max_level, config.num_scales, config.aspect_ratios, config.anchor_size, size
    )
    np.testing.assert_allclose(generate_anchors(config, size).boxes, expected, rtol=1e-6, atol=1e-4)


def test_flatten_level_outputs_follows_anchor_order():
    anchors = generate_anchors(AnchorConfig(min_level=3, max_level=4), 32)
    num_classes, batch = 5, 2
    outputs = {}
    for level, (h, w) in anchors.level_shapes.items():
        # Channel layout [anchor, class]; each entry encodes (level, y, x, anchor, class).
        y, x, k, c = np.meshgrid(np.arange(h), np.arange(w), np.arange(9), np.arange(num_classes), indexing="ij")
        code = level * 1e6 + y * 1e4 + x * 1e2 + k * 10 + c
        outputs[level] = np.broadcast_to(code.reshape(h, w, 9 * num_classes), (batch, h, w, 9 * num_classes))
    flat = np.asarray(flatten_level_outputs(outputs, anchors, num_classes))
    assert flat.shape == (batch, anchors.num_anchors, num_classes)

    centres = (anchors.boxes[:, :2] + anchors.boxes[:, 2:]) / 2
    for level, rows in anchors.level_slices.items():
        width = anchors.level_shapes[level][1]
        for row in range(rows.start, rows.stop):
            local = row - rows.start
            y, x, k = local // (width * 9), (local // 9) % width, local % 9
            expected = level * 1e6 + y * 1e4 + x * 1e2 + k * 10 + np.arange(num_classes)
            np.testing.assert_array_equal(flat[1, row], expected)
            np.testing.assert_allclose(centres[row], [(y + 0.5) * 2**level, (x + 0.5) * 2**level], atol=1e-4)


def test_flatten_rejects_mismatched_outputs():
    anchors = generate_anchors(AnchorConfig(min_level=3, max_level=4), 32)
    good = {3: np.zeros((1, 4, 4, 36)), 4: np.zeros((1, 2, 2, 36))}
    flatten_level_outputs(good, anchors, 4)
    with pytest.raises(ValueError, match="levels"):
        flatten_level_outputs({3: good[3]}, anchors, 4)
    with pytest.raises(ValueError, match="num_classes"):
        flatten_level_outputs(good, anchors, 5)


def test_config_validation():
    with pytest.raises(ValueError, match="min_level"):
        AnchorConfig(min_level=5, max_level=4)
    with pytest.raises(ValueError, match="aspect_ratios"):
        AnchorConfig(aspect_ratios=())
