"""The Keras layers TF Model Garden creates for a spec, in the order it creates them, with our parameter paths.

TF Model Garden's ``SpineNet`` and ``SpineNetMobile`` name their top-level Keras
layers by class and creation count (``conv2d_21``, ``batch_normalization_44``,
``bottleneck_block_3``): a checkpoint's variables carry these names, while the
object paths that key them (``layer_with_weights-95``) follow Keras' sort of the
functional graph, which is no simple function of the spec. The creation order
is: it follows the construction code, which ``proxy_task.backbones.spinenet``
mirrors: the stem conv and BN, the stem block groups, then for each spec block
the resampling of parent 0 and parent 1 (convs and BNs in the order they are
applied) and its block group, and last the endpoints, level by level. Layers off
every path to an endpoint are created but are not part of the model, so they
are left out here as they are absent there; the relative order of the rest is
what matters.
"""

from __future__ import annotations

import dataclasses

from search_space.network_graph import Node, resolve
from search_space.scaling import Scaling
from search_space.spec import BOTTLENECK, MBCONV, SpineNetSpec

CONV, NORM, DEPTHWISE = "conv2d", "batch_normalization", "depthwise_conv2d"
BLOCK_CLASSES = {BOTTLENECK: "bottleneck_block", "residual": "residual_block", MBCONV: "inverted_bottleneck_block"}


@dataclasses.dataclass(frozen=True)
class TfLayer:
    """One top-level Keras layer with weights: its class name and where its weights go in our tree."""

    keras_class: str
    path: str  # our module path: "block_3/resample_0/reduce/conv", "stem_group_0/block_0", ...
    block_fn: str | None = None  # for block layers: how to read their sublayers


def _conv_bn(path: str, depthwise: bool = False) -> list[TfLayer]:
    return [TfLayer(DEPTHWISE if depthwise else CONV, f"{path}/conv"), TfLayer(NORM, f"{path}/bn")]


def _group(path: str, block_fn: str, repeats: int) -> list[TfLayer]:
    return [TfLayer(BLOCK_CLASSES[block_fn], f"{path}/block_{r}", block_fn) for r in range(repeats)]


def _resample(path: str, parent: Node, target: Node, mobile: bool) -> list[TfLayer]:
    layers, size, step = [], parent.size, 0
    if mobile:  # _resample_with_sepconv: a depthwise conv per halving, then the 1x1
        while size > target.size:
            layers += _conv_bn(f"{path}/down_{step}", depthwise=True)
            size, step = -(-size // 2), step + 1
    else:  # _resample_with_alpha: 1x1 reduction, one 3x3/2 conv to go down (then pools), the 1x1
        layers += _conv_bn(f"{path}/reduce")
        if size > target.size:
            layers += _conv_bn(f"{path}/down")
    return layers + _conv_bn(f"{path}/expand")


def tf_layer_sequence(spec: SpineNetSpec, scaling: Scaling) -> list[TfLayer]:
    """Every weighted top-level layer of TF's model of ``spec``, in creation order."""
    nodes = resolve(spec, scaling)
    mobile, repeats = spec.is_mobile, scaling.block_repeats
    layers = _conv_bn("stem")
    for node in nodes:
        if not node.used:
            continue
        if node.block is None:
            layers += _group(f"stem_group_{node.index}", node.block_fn, repeats)
            continue
        for p, parent in enumerate(node.parents):
            layers += _resample(f"block_{node.block}/resample_{p}", nodes[parent], node, mobile)
        layers += _group(f"block_{node.block}/group", node.block_fn, repeats)
    for level in range(spec.min_level, spec.max_level + 1):
        layers += _conv_bn(f"endpoint_{level}")
    return layers
