"""Flax backbones built from architecture specs: SpineNet and ResNet-FPN."""

from __future__ import annotations

import flax.linen as nn

from proxy_task.backbones.options import BackboneOptions
from proxy_task.backbones.resnet_fpn import ResNetFpn
from proxy_task.backbones.spinenet import SpineNet
from search_space.scaling import Scaling
from search_space.spec import ArchitectureSpec, ResNetFpnSpec
from search_space.validation import validate

__all__ = ["BackboneOptions", "ResNetFpn", "SpineNet", "build_backbone"]


def build_backbone(
    spec: ArchitectureSpec, scaling: Scaling, options: BackboneOptions = BackboneOptions(), name: str | None = None
) -> nn.Module:
    """The Flax module for ``spec`` at ``scaling``; calling it returns ``{level: features}``."""
    validate(spec, scaling.input_size)
    if isinstance(spec, ResNetFpnSpec):
        return ResNetFpn(spec, scaling, options, name=name)
    return SpineNet(spec, scaling, options, name=name)
