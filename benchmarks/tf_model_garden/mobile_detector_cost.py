"""Parameters and FLOPs of TF Model Garden's Mobile SpineNet detectors (the paper's Table 10), measured by TF.

Run with the Python of ``.venv-tfmg`` (``setup_env.sh``)::

    .venv-tfmg/bin/python benchmarks/tf_model_garden/mobile_detector_cost.py --model-id 49 --input-size 384 \
        --head-filters 48

It builds ``SpineNetMobile`` (the model id's ``SCALING_MAP`` entry, se_ratio 0.2,
expand_ratio 6, the given activation) and on its P3-P7 a ``RetinaNetHead`` with
separable convs (4 convs of ``--head-filters``, 91 classes, 9 anchors), counts
trainable parameters, and counts FLOPs the way the published figures were
taken: TF's profiler (``float_operation``) over the frozen batch-1 inference
graph, divided by 2. It prints one JSON object, the FLOPs also split by op type
(``benchmarks/mobile_table10.py`` puts them beside our count).
"""

from __future__ import annotations

import argparse
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402  (Model Garden's Keras 2; tf.keras is Keras 3 here)
from official.vision.modeling.backbones import spinenet_mobile  # noqa: E402
from official.vision.modeling.heads import dense_prediction_heads  # noqa: E402
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2  # noqa: E402


def trainable(weights) -> int:
    return int(sum(np.prod(w.shape) for w in weights))


def profiled_flops(model, input_size: int) -> dict[str, int]:
    """FLOPs of the frozen batch-1 inference graph by op type, as TF's profiler counts them."""
    spec = tf.TensorSpec([1, input_size, input_size, 3], tf.float32)
    function = tf.function(lambda images: model(images, training=False)).get_concrete_function(spec)
    graph = convert_variables_to_constants_v2(function).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    profile = tf.compat.v1.profiler.profile(graph=graph, run_meta=tf.compat.v1.RunMetadata(), cmd="scope",
                                            options=options)
    op_types = {op.name: op.type for op in graph.get_operations()}
    by_type: dict[str, int] = {}
    nodes = list(profile.children)
    while nodes:
        node = nodes.pop()
        nodes.extend(node.children)
        if node.float_ops:
            op_type = op_types.get(node.name, "other")
            by_type[op_type] = by_type.get(op_type, 0) + int(node.float_ops)
    assert sum(by_type.values()) == profile.total_float_ops, "a node was counted twice or not at all"
    return dict(sorted(by_type.items(), key=lambda item: -item[1]))


def build(model_id: str, input_size: int, head_filters: int, activation: str):
    scaling = spinenet_mobile.SCALING_MAP[model_id]
    backbone = spinenet_mobile.SpineNetMobile(
        input_specs=tf_keras.layers.InputSpec(shape=[None, input_size, input_size, 3]),
        endpoints_num_filters=scaling["endpoints_num_filters"], filter_size_scale=scaling["filter_size_scale"],
        block_repeats=scaling["block_repeats"], se_ratio=0.2, expand_ratio=6, activation=activation)
    head = dense_prediction_heads.RetinaNetHead(min_level=3, max_level=7, num_classes=91,
                                                num_anchors_per_location=9, num_convs=4, num_filters=head_filters,
                                                use_separable_conv=True, activation=activation)
    images = tf_keras.Input(shape=(input_size, input_size, 3))
    scores, boxes = head(backbone(images))[:2]  # then the attribute outputs (none here)
    return backbone, head, tf_keras.Model(images, [scores, boxes])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-id", required=True, choices=sorted(spinenet_mobile.SCALING_MAP))
    parser.add_argument("--input-size", type=int, required=True)
    parser.add_argument("--head-filters", type=int, required=True)
    parser.add_argument("--activation", default="swish")
    args = parser.parse_args(argv)
    backbone, head, detector = build(args.model_id, args.input_size, args.head_filters, args.activation)
    flops = profiled_flops(detector, args.input_size)
    backbone_flops = profiled_flops(backbone, args.input_size)
    print(json.dumps({
        "model_id": args.model_id, "input_size": args.input_size, "head_filters": args.head_filters,
        "activation": args.activation, "backbone_params": trainable(backbone.trainable_weights),
        "total_params": trainable(detector.trainable_weights),
        "backbone_flops_by_op": backbone_flops, "total_flops_by_op": flops,
        "backbone_madds": sum(backbone_flops.values()) // 2, "total_madds": sum(flops.values()) // 2,
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
