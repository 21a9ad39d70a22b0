"""Box coding: decode is the inverse of encode; known values; the exp clip."""

import numpy as np

from proxy_task.detection import BBOX_XFORM_CLIP, decode_boxes, encode_boxes

from . import numpy_reference as ref


def test_decode_inverts_encode():
    rng = np.random.default_rng(1)
    boxes, anchors = ref.random_boxes(rng, 200, 512.0), ref.random_boxes(rng, 200, 512.0)
    for weights in [(1.0, 1.0, 1.0, 1.0), (10.0, 10.0, 5.0, 5.0)]:
        codes = encode_boxes(boxes, anchors, weights)
        np.testing.assert_allclose(decode_boxes(codes, anchors, weights), boxes, rtol=1e-5, atol=1e-3)


def test_encode_inverts_decode():
    rng = np.random.default_rng(2)
    anchors = ref.random_boxes(rng, 100, 512.0)
    codes = rng.normal(0.0, 0.5, (100, 4)).astype(np.float32)
    np.testing.assert_allclose(encode_boxes(decode_boxes(codes, anchors), anchors), codes, atol=1e-4)


def test_known_codes():
    anchor = np.array([10.0, 20.0, 30.0, 60.0])  # centre (20, 40), size (20, 40)
    box = np.array([15.0, 20.0, 55.0, 80.0])  # centre (35, 50), size (40, 60)
    expected = [15 / 20, 10 / 40, np.log(2.0), np.log(1.5)]
    np.testing.assert_allclose(encode_boxes(box, anchor), expected, rtol=1e-5)
    np.testing.assert_allclose(decode_boxes(np.zeros(4), anchor), anchor)


def test_decode_clips_size_exponent():
    anchor = np.array([0.0, 0.0, 10.0, 10.0])
    box = np.asarray(decode_boxes(np.array([0.0, 0.0, 100.0, 100.0]), anchor))
    np.testing.assert_allclose(box[2] - box[0], 10.0 * np.exp(BBOX_XFORM_CLIP), rtol=1e-5)
    assert np.isfinite(box).all()
