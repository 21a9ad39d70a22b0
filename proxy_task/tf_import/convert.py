"""TF Model Garden SpineNet variables -> our Flax variables, or a refusal naming the first that does not fit.

Top-level layers are paired by class, in creation order (``creation_order``);
inside a block, TF's sublayer attributes (``_conv1``, ``_norm1``, ...) name the
part. Conv kernels keep their layout (both HWIO); depthwise kernels go from
TF's ``[k, k, C, 1]`` to Flax's grouped ``[k, k, 1, C]``; a BN's gamma and beta
become ``scale`` and ``bias``, its moving mean and variance ``batch_stats``.
"""

from __future__ import annotations

import re
from collections import defaultdict

import jax
import numpy as np
from flax.traverse_util import flatten_dict, unflatten_dict

from proxy_task.backbones import build_backbone
from proxy_task.tf_import.checkpoint_reader import TfVariable
from proxy_task.tf_import.creation_order import TfLayer, tf_layer_sequence
from search_space.scaling import Scaling
from search_space.spec import BOTTLENECK, MBCONV, RESIDUAL, SpineNetSpec

# Sublayers of TF's blocks (nn_blocks.BottleneckBlock, ResidualBlock, InvertedBottleneckBlock) -> our paths.
SUBLAYERS = {
    BOTTLENECK: {"_shortcut": "shortcut/conv", "_norm0": "shortcut/bn", "_conv1": "conv_0/conv", "_norm1": "conv_0/bn",
                 "_conv2": "conv_1/conv", "_norm2": "conv_1/bn", "_conv3": "conv_2/conv", "_norm3": "conv_2/bn"},
    RESIDUAL: {"_shortcut": "shortcut/conv", "_norm0": "shortcut/bn", "_conv1": "conv_0/conv", "_norm1": "conv_0/bn",
               "_conv2": "conv_1/conv", "_norm2": "conv_1/bn"},
    MBCONV: {"_conv0": "expand/conv", "_norm0": "expand/bn", "_conv1": "depthwise/conv", "_norm1": "depthwise/bn",
             "_squeeze_excitation/_se_reduce": "se/reduce", "_squeeze_excitation/_se_expand": "se/expand",
             "_conv2": "project/conv", "_norm2": "project/bn"},
}
# A variable's attribute -> (collection, our leaf name).
LEAVES = {"kernel": ("params", "kernel"), "depthwise_kernel": ("params", "kernel"), "bias": ("params", "bias"),
          "gamma": ("params", "scale"), "beta": ("params", "bias"), "moving_mean": ("batch_stats", "mean"),
          "moving_variance": ("batch_stats", "var")}
KERAS_NAME = re.compile(r"^(?P<cls>.+?)(?:_(?P<count>\d+))?$")


class ImportMismatchError(ValueError):
    """The checkpoint does not hold the network the spec builds; the message names the first difference."""


def _keras_layer(variable: TfVariable) -> tuple[str, int]:
    match = KERAS_NAME.match(variable.full_name.split("/")[0])
    cls = match["cls"].removeprefix("sync_")  # SyncBatchNormalization's layers are BN too
    return cls, int(match["count"] or 0)


def _pair_layers(variables: list[TfVariable], sequence: list[TfLayer], where: str) -> dict[tuple[str, int], TfLayer]:
    """Each TF layer (class, count) -> the layer of ours it is, by creation order within its class."""
    theirs: dict[str, set[int]] = defaultdict(set)
    for variable in variables:
        cls, count = _keras_layer(variable)
        theirs[cls].add(count)
    ours: dict[str, list[TfLayer]] = defaultdict(list)
    for layer in sequence:
        ours[layer.keras_class].append(layer)
    for cls in sorted(set(theirs) | set(ours)):
        if len(theirs[cls]) != len(ours[cls]):
            raise ImportMismatchError(f"{where} has {len(theirs[cls])} {cls} layers where the spec builds "
                                      f"{len(ours[cls])}: the checkpoint holds another architecture or scaling")
    return {(cls, count): layer for cls in theirs for count, layer in zip(sorted(theirs[cls]), ours[cls])}


def _our_leaf(variable: TfVariable, layer: TfLayer) -> tuple[str, str, np.ndarray]:
    """(collection, our path, value in our layout) of one TF variable of ``layer``."""
    parts = variable.key.split("/")[1:]  # past the layer's own object name (layer_with_weights-N)
    attribute, inner = parts[-1], "/".join(parts[:-1])
    path = layer.path
    if layer.block_fn is not None:
        if inner not in SUBLAYERS[layer.block_fn]:
            raise ImportMismatchError(f"{variable.full_name} ({variable.key}): no part {inner!r} in our "
                                      f"{layer.block_fn} block at {path}")
        path = f"{path}/{SUBLAYERS[layer.block_fn][inner]}"
    collection, leaf = LEAVES[attribute]
    value = variable.value
    if attribute == "depthwise_kernel":
        value = value.transpose(0, 1, 3, 2)  # [k, k, C, 1] -> [k, k, 1, C]
    return collection, f"{path}/{leaf}", value


def expected_variables(spec: SpineNetSpec, scaling: Scaling) -> dict[str, dict[str, tuple[int, ...]]]:
    """Shapes of our backbone's ``params`` and ``batch_stats``, by flat path."""
    module = build_backbone(spec, scaling)
    size = scaling.input_size
    shapes = jax.eval_shape(lambda: module.init(jax.random.key(0), jax.numpy.zeros((1, size, size, 3))))
    return {collection: {"/".join(k): tuple(v.shape) for k, v in flatten_dict(shapes[collection]).items()}
            for collection in ("params", "batch_stats")}


def convert(variables: list[TfVariable], spec: SpineNetSpec, scaling: Scaling, where: str = "the checkpoint"):
    """Our backbone's Flax variables (``{'params': ..., 'batch_stats': ...}``) from TF's."""
    if spec.is_mobile and scaling.block_repeats != 1:
        raise ImportMismatchError("TF Model Garden's Mobile SpineNet with block_repeats > 1 keeps only the last "
                                  "repeat of each group, which we do not build; import a scaling with repeats 1")
    pairs = _pair_layers(variables, tf_layer_sequence(spec, scaling), where)
    expected = expected_variables(spec, scaling)
    found: dict[str, dict[str, np.ndarray]] = {"params": {}, "batch_stats": {}}
    for variable in variables:
        collection, path, value = _our_leaf(variable, pairs[_keras_layer(variable)])
        shape = expected[collection].get(path)
        if shape != tuple(value.shape):
            raise ImportMismatchError(f"{variable.full_name} ({variable.key}) has shape {list(value.shape)}; "
                                      f"the spec has {list(shape) if shape else 'nothing'} at {collection}/{path}")
        found[collection][path] = value.astype(np.float32)
    for collection, shapes in expected.items():
        missing = sorted(set(shapes) - set(found[collection]))
        if missing:
            raise ImportMismatchError(f"{where} has no value for {collection}/{missing[0]} "
                                      f"({len(missing)} missing in all)")
    return {collection: unflatten_dict({tuple(k.split("/")): v for k, v in leaves.items()})
            for collection, leaves in found.items()}
