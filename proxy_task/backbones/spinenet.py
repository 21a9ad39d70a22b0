"""SpineNet in Flax, built from any valid ``SpineNetSpec`` (``spinenet.md`` §3).

The module walks the nodes that ``search_space.network_graph.resolve`` derives
from the spec, so the network it builds is, node for node, the one the cost
accounting counts. Parameter names follow the nodes::

    stem/conv, stem/bn                       7x7/2 conv, 64 filters (Mobile SpineNet: 3x3/2, 8 scaled)
    stem_group_{i}/block_{r}/...             stem block groups (net[i])
    block_{k}/resample_{p}/{reduce,down,expand}    (Mobile SpineNet: down_{j}, expand)
    block_{k}/group/block_{r}/...            spec block k (net[len(stem)+k]); conv_{j} in ResNet blocks,
                                             expand, depthwise, se, project in MBConv blocks
    endpoint_{level}                          1x1 conv, BN, act to P{level}
"""

from __future__ import annotations

import flax.linen as nn
import jax

from proxy_task.backbones.blocks import BlockGroup
from proxy_task.backbones.layers import ConvBN, activation_fn, max_pool_3x3_s2
from proxy_task.backbones.options import BackboneOptions
from proxy_task.backbones.resample import DepthwiseResample, Resample
from search_space.network_graph import Node, endpoint_nodes, resolve
from search_space.scaling import Scaling, stem_conv
from search_space.spec import SpineNetSpec
from search_space.validation import validate


class PermutedBlock(nn.Module):
    """One scale-permuted block: resample both parents, sum, activate, block group."""

    node: Node
    parents: tuple[Node, ...]
    scaling: Scaling
    mobile: bool = False
    options: BackboneOptions = BackboneOptions()

    @nn.compact
    def __call__(self, parent_features, merged_features, train: bool) -> jax.Array:
        node, opts = self.node, self.options
        fused = []
        for p, (parent, feature) in enumerate(zip(self.parents, parent_features)):
            if self.mobile:
                resample = DepthwiseResample(node.channels, parent.size, node.size, opts, name=f"resample_{p}")
            else:
                resample = Resample(int(parent.filters * self.scaling.resample_alpha), node.channels, parent.size,
                                    node.size, options=opts, name=f"resample_{p}")
            fused.append(resample(feature, train))
        fused += [feature.astype(fused[0].dtype) for feature in merged_features]
        x = activation_fn(opts.activation)(sum(fused[1:], fused[0]))
        drop_rate = opts.stochastic_depth_rate * node.drop_fraction
        return BlockGroup(
            node.block_fn, node.filters, 1, self.scaling.block_repeats, drop_rate, options=opts,
            mbconv=self.scaling.mbconv(), name="group",
        )(x, train)


class SpineNet(nn.Module):
    """A SpineNet backbone; returns ``{level: [B, H, W, endpoints_num_filters]}``."""

    spec: SpineNetSpec
    scaling: Scaling
    options: BackboneOptions = BackboneOptions()

    @nn.compact
    def __call__(self, images: jax.Array, train: bool = False) -> dict[int, jax.Array]:
        size = images.shape[1]
        if images.shape[2] != size:
            raise ValueError(f"SpineNet expects square inputs, got {images.shape[1]}x{images.shape[2]}")
        validate(self.spec, size)
        nodes = resolve(self.spec, self.scaling.replace(input_size=size))
        opts, mobile = self.options, self.spec.is_mobile
        kernel, filters = stem_conv(mobile, self.scaling.filter_size_scale)
        x = ConvBN(filters, kernel, 2, options=opts, name="stem")(images.astype(opts.dtype), train)
        if not mobile:
            x = max_pool_3x3_s2(x, opts)
        features: dict[int, jax.Array] = {}
        for node in nodes:
            if not node.used:
                continue
            if node.block is None:
                features[node.index] = self._stem_group(node, nodes, features, x, train)
            else:
                block = PermutedBlock(
                    node, tuple(nodes[p] for p in node.parents), self.scaling, mobile, options=opts,
                    name=f"block_{node.block}",
                )
                features[node.index] = block(
                    [features[p] for p in node.parents], [features[m] for m in node.merged], train
                )
        return {
            level: ConvBN(self.scaling.endpoints_num_filters, 1, options=opts, name=f"endpoint_{level}")(
                features[node.index], train
            )
            for level, node in sorted(endpoint_nodes(nodes).items())
        }

    def _stem_group(self, node: Node, nodes, features, stem_output, train: bool) -> jax.Array:
        previous = nodes[node.stem_input] if node.stem_input is not None else None
        x = features[previous.index] if previous else stem_output
        stride = 2 if previous and previous.level < node.level else 1
        group = BlockGroup(
            node.block_fn, node.filters, stride, self.scaling.block_repeats,
            options=self.options, mbconv=self.scaling.mbconv(), name=f"stem_group_{node.index}",
        )
        return group(x, train)
