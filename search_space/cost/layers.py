"""Cost records: one per convolution or normalisation layer of a model.

Each record carries the Flax module path of the layer it describes, so the
analytic count can be checked leaf by leaf against a real parameter tree.
FLOPs are what the references report (``spinenet.md`` §6.1): batch-1
convolution multiply-adds, ``H_out * W_out * k * k * C_in * C_out`` summed over
conv layers; BN, activations, pooling, resizing and adds count zero.
"""

from __future__ import annotations

import dataclasses

from search_space.mbconv import MBConvSettings, mbconv_expanded_filters, se_reduced_filters
from search_space.network_graph import needs_projection
from search_space.spec import BOTTLENECK, MBCONV


@dataclasses.dataclass(frozen=True)
class Conv:
    """A (possibly shared) k x k convolution applied at ``out_sizes`` resolutions."""

    path: str
    kernel: int
    in_channels: int
    out_channels: int
    out_sizes: tuple[int, ...]
    bias: bool = False

    @property
    def params(self) -> int:
        weights = self.kernel * self.kernel * self.in_channels * self.out_channels
        return weights + (self.out_channels if self.bias else 0)

    @property
    def madds(self) -> int:
        per_position = self.kernel * self.kernel * self.in_channels * self.out_channels
        return per_position * sum(size * size for size in self.out_sizes)

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        shapes = {f"{self.path}/kernel": (self.kernel, self.kernel, self.in_channels, self.out_channels)}
        if self.bias:
            shapes[f"{self.path}/bias"] = (self.out_channels,)
        return shapes


@dataclasses.dataclass(frozen=True)
class DepthwiseConv:
    """A k x k depthwise convolution (one filter per channel, no bias), Flax's grouped ``nn.Conv``."""

    path: str
    kernel: int
    channels: int
    out_sizes: tuple[int, ...]

    @property
    def params(self) -> int:
        return self.kernel * self.kernel * self.channels

    @property
    def madds(self) -> int:
        return self.params * sum(size * size for size in self.out_sizes)

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        return {f"{self.path}/kernel": (self.kernel, self.kernel, 1, self.channels)}


@dataclasses.dataclass(frozen=True)
class Norm:
    """A batch norm; trainable parameters are its scale and offset only."""

    path: str
    channels: int

    @property
    def params(self) -> int:
        return 2 * self.channels

    madds = 0

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        return {f"{self.path}/scale": (self.channels,), f"{self.path}/bias": (self.channels,)}


Layer = Conv | DepthwiseConv | Norm


def conv_bn(path: str, kernel: int, in_channels: int, out_channels: int, out_size: int) -> list[Layer]:
    """A bias-free conv and its BN, as the ``ConvBN`` Flax module names them."""
    return [
        Conv(f"{path}/conv", kernel, in_channels, out_channels, (out_size,)),
        Norm(f"{path}/bn", out_channels),
    ]


def depthwise_conv_bn(path: str, kernel: int, channels: int, out_size: int) -> list[Layer]:
    """A depthwise conv and its BN, as ``ConvBN(depthwise=True)`` names them."""
    return [DepthwiseConv(f"{path}/conv", kernel, channels, (out_size,)), Norm(f"{path}/bn", channels)]


def mbconv_layers(path: str, in_channels: int, out_channels: int, in_size: int, out_size: int,
                  settings: MBConvSettings) -> list[Layer]:
    """One MBConv block (``proxy_task.backbones.mbconv``): expand, depthwise, squeeze-and-excitation, project."""
    expanded = mbconv_expanded_filters(in_channels, settings.expand_ratio)
    layers: list[Layer] = []
    if settings.expand_ratio > 1:
        layers += conv_bn(f"{path}/expand", 1, in_channels, expanded, in_size)  # before the stride
    layers += depthwise_conv_bn(f"{path}/depthwise", settings.kernel_size, expanded, out_size)
    if settings.se_ratio > 0:
        reduced = se_reduced_filters(in_channels, settings.se_ratio)
        layers += [Conv(f"{path}/se/reduce", 1, expanded, reduced, (1,), bias=True),
                   Conv(f"{path}/se/expand", 1, reduced, expanded, (1,), bias=True)]
    return layers + conv_bn(f"{path}/project", 1, expanded, out_channels, out_size)


def block_group_layers(
    path: str,
    block_fn: str,
    in_channels: int,
    filters: int,
    stride: int,
    repeats: int,
    in_size: int,
    out_size: int,
    mbconv: MBConvSettings = MBConvSettings(),
) -> list[Layer]:
    """A group of ``repeats`` blocks of one type (TF ``_block_group``); ``mbconv`` shapes MBConv blocks."""
    if block_fn == MBCONV:
        return [layer for r in range(repeats) for layer in mbconv_layers(
            f"{path}/block_{r}", in_channels if r == 0 else filters, filters, in_size if r == 0 else out_size,
            out_size, mbconv)]
    expansion = 4 if block_fn == BOTTLENECK else 1
    out_channels = filters * expansion
    layers: list[Layer] = []
    for r in range(repeats):
        prefix = f"{path}/block_{r}"
        c_in = in_channels if r == 0 else out_channels
        s = stride if r == 0 else 1
        size_in = in_size if r == 0 else out_size
        if block_fn == BOTTLENECK:
            layers += conv_bn(f"{prefix}/conv_0", 1, c_in, filters, size_in)
            layers += conv_bn(f"{prefix}/conv_1", 3, filters, filters, out_size)
            layers += conv_bn(f"{prefix}/conv_2", 1, filters, out_channels, out_size)
        else:
            layers += conv_bn(f"{prefix}/conv_0", 3, c_in, filters, out_size)
            layers += conv_bn(f"{prefix}/conv_1", 3, filters, filters, out_size)
        if needs_projection(c_in, out_channels, s):
            layers += conv_bn(f"{prefix}/shortcut", 1, c_in, out_channels, out_size)
    return layers
