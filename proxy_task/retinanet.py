"""RetinaNet: a spec's backbone with the RetinaNet head on top."""

from __future__ import annotations

import flax.linen as nn
import jax

from proxy_task.backbones import BackboneOptions, build_backbone
from proxy_task.detection import AnchorConfig
from proxy_task.retinanet_head import RetinaNetHead
from search_space.scaling import Scaling
from search_space.spec import ArchitectureSpec


class RetinaNet(nn.Module):
    """Returns ``(class_logits, box_regressions)``, each ``{level: [B, H, W, anchors * K]}``.

    ``num_anchors`` is the anchors per location of the ``AnchorConfig`` whose anchors label the
    outputs; the head predicts that many boxes and class vectors per location.
    """

    spec: ArchitectureSpec
    scaling: Scaling
    num_classes: int
    options: BackboneOptions = BackboneOptions()
    num_anchors: int = AnchorConfig().anchors_per_location

    @nn.compact
    def __call__(self, images: jax.Array, train: bool = False):
        features = build_backbone(self.spec, self.scaling, self.options, name="backbone")(images, train)
        head = RetinaNetHead(
            self.num_classes, self.scaling.head_num_convs, self.scaling.head_num_filters,
            num_anchors=self.num_anchors, separable=self.scaling.head_separable, options=self.options,
            name="head",
        )
        return head(features, train)
