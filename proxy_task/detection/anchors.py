"""Multi-level RetinaNet anchors (TF Model Garden ``official/vision/ops/anchor.py``).

Every location of every level P``min_level``..P``max_level`` carries
``num_scales * len(aspect_ratios)`` anchors (9 by default). Anchors are
computed once on the host, in numpy, for a fixed square input: they are a
constant of the model, not part of the traced computation.

Order of the flat ``[A, 4]`` array (the contract between the head, the labeler,
the loss and the post-processing): levels ascending; within a level
``[H, W, anchor]`` row-major; within a location ``anchor = scale *
len(aspect_ratios) + ratio_index``. This is TF's order, and the order that a
head output ``[B, H, W, anchors * C]`` with channels laid out ``[anchor, C]``
gets from ``reshape(B, H * W * anchors, C)`` (see ``flatten_level_outputs``).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Mapping

import jax
import jax.numpy as jnp
import numpy as np


@dataclasses.dataclass(frozen=True)
class AnchorConfig:
    """How anchors tile the feature pyramid.

    Attributes:
      min_level: finest pyramid level (stride ``2**min_level``).
      max_level: coarsest pyramid level.
      num_scales: intermediate octave scales per level, ``2**(i / num_scales)``.
      aspect_ratios: width / height of each anchor shape (TF's convention).
      anchor_size: base anchor side in units of the level's stride: 3.0 for
        SpineNet-96 and smaller, 4.0 for SpineNet-143 and larger
        (``spinenet.md`` §2.4).
    """

    min_level: int = 3
    max_level: int = 7
    num_scales: int = 3
    aspect_ratios: tuple[float, ...] = (0.5, 1.0, 2.0)
    anchor_size: float = 3.0

    def __post_init__(self):
        if not 1 <= self.min_level <= self.max_level:
            raise ValueError(
                f"AnchorConfig needs 1 <= min_level <= max_level, got min_level={self.min_level}, "
                f"max_level={self.max_level}; RetinaNet uses 3 and 7."
            )
        if self.num_scales < 1 or not self.aspect_ratios or min(self.aspect_ratios) <= 0:
            raise ValueError(
                f"AnchorConfig needs num_scales >= 1 and positive aspect_ratios, got num_scales="
                f"{self.num_scales}, aspect_ratios={self.aspect_ratios}."
            )
        if self.anchor_size <= 0:
            raise ValueError(f"AnchorConfig.anchor_size must be positive, got {self.anchor_size}.")

    @property
    def levels(self) -> tuple[int, ...]:
        return tuple(range(self.min_level, self.max_level + 1))

    @property
    def anchors_per_location(self) -> int:
        return self.num_scales * len(self.aspect_ratios)


@dataclasses.dataclass(frozen=True, eq=False)
class Anchors:
    """The anchors of one input size; hashable by identity so it can be static.

    Attributes:
      boxes: ``[A, 4]`` float32 numpy array, ``(ymin, xmin, ymax, xmax)`` in
        absolute input pixels, in the order described in the module docstring.
      input_size: side of the square network input, in pixels.
      level_shapes: ``{level: (height, width)}`` of each feature map.
      anchors_per_location: anchors at each feature-map location (9).
    """

    boxes: np.ndarray
    input_size: int
    level_shapes: Mapping[int, tuple[int, int]]
    anchors_per_location: int

    @property
    def levels(self) -> tuple[int, ...]:
        return tuple(sorted(self.level_shapes))

    @property
    def num_anchors(self) -> int:
        return self.boxes.shape[0]

    @property
    def level_counts(self) -> dict[int, int]:
        """``{level: H * W * anchors_per_location}``."""
        return {lvl: h * w * self.anchors_per_location for lvl, (h, w) in sorted(self.level_shapes.items())}

    @property
    def level_slices(self) -> dict[int, slice]:
        """``{level: slice}`` of each level's rows in ``boxes`` (and in flat outputs)."""
        slices, start = {}, 0
        for level, count in self.level_counts.items():
            slices[level] = slice(start, start + count)
            start += count
        return slices


def generate_anchors(config: AnchorConfig, input_size: int) -> Anchors:
    """Anchors for a square ``input_size`` x ``input_size`` input.

    A level has ``ceil(input_size / 2**level)`` cells per side, and cell ``i``
    is centred at ``(i + 0.5) * input_size / cells`` (TF's current
    ``Anchor._generate_multilevel_boxes``). That is ``(i + 0.5) * 2**level``
    when ``2**max_level`` divides ``input_size``; otherwise the coarse levels
    spread their few cells evenly over the image, as SAME-padded strided convs
    do. The anchor side is ``anchor_size * 2**level * 2**(scale / num_scales)``,
    stretched to width ``side * sqrt(ratio)`` and height ``side / sqrt(ratio)``.

    Args:
      config: the anchor tiling.
      input_size: side of the square network input, in pixels.

    Returns:
      ``Anchors`` with ``boxes`` of shape ``[A, 4]``, where
      ``A = sum_l H_l * W_l * anchors_per_location``.
    """
    if input_size < 1:
        raise ValueError(f"input_size must be a positive number of pixels, got {input_size}.")
    scales = 2.0 ** (np.arange(config.num_scales) / config.num_scales)
    sqrt_ratios = np.sqrt(np.asarray(config.aspect_ratios, np.float64))
    boxes, level_shapes = [], {}
    for level in config.levels:
        cells = math.ceil(input_size / 2**level)
        centres = (np.arange(cells) + 0.5) * (input_size / cells)
        yc, xc = np.meshgrid(centres, centres, indexing="ij")  # [H, W]
        sides = config.anchor_size * 2**level * scales  # [S]
        # Scale-major, ratio-minor: TF's nested `for scale: for aspect_ratio:`.
        half_h = (sides[:, None] / sqrt_ratios[None, :]).reshape(-1) / 2  # [S * R]
        half_w = (sides[:, None] * sqrt_ratios[None, :]).reshape(-1) / 2
        yc, xc = yc[..., None], xc[..., None]  # [H, W, 1]
        level_boxes = np.stack([yc - half_h, xc - half_w, yc + half_h, xc + half_w], axis=-1)
        boxes.append(level_boxes.reshape(-1, 4))
        level_shapes[level] = (cells, cells)
    return Anchors(
        boxes=np.concatenate(boxes).astype(np.float32),
        input_size=input_size,
        level_shapes=level_shapes,
        anchors_per_location=config.anchors_per_location,
    )


def split_level_outputs(outputs: Mapping[int, jax.Array], anchors: Anchors, last_dim: int) -> list[jax.Array]:
    """Per-level head outputs as ``[B, A_level, last_dim]`` chunks, levels ascending.

    Their concatenation along axis 1 is the flat anchor order of ``anchors``;
    each chunk is a reshape (no copy), so a per-level loss never materialises
    the concatenated ``[B, A, num_classes]`` logits (94 MB at 512 px, batch 8).

    Args:
      outputs: ``{level: [B, H, W, anchors_per_location * last_dim]}`` with
        channels laid out ``[anchor, last_dim]``, as the RetinaNet head emits.
      anchors: the anchors the outputs are predicted against.
      last_dim: ``num_classes`` for class logits, 4 for box regressions.

    Raises:
      ValueError: if the levels or a level's shape disagree with ``anchors``.
    """
    if sorted(outputs) != list(anchors.levels):
        raise ValueError(
            f"Head outputs have levels {sorted(outputs)} but the anchors have {list(anchors.levels)}; "
            "build both from the same min_level/max_level."
        )
    chunks = []
    for level in anchors.levels:
        x = outputs[level]
        expected = (*anchors.level_shapes[level], anchors.anchors_per_location * last_dim)
        if tuple(x.shape[1:]) != expected:
            raise ValueError(
                f"Level {level} output has shape {tuple(x.shape)}, expected [B, {', '.join(map(str, expected))}] "
                f"for input_size={anchors.input_size}, {anchors.anchors_per_location} anchors and "
                f"last_dim={last_dim}; check the input size, num_classes and anchors_per_location."
            )
        chunks.append(jnp.reshape(x, (x.shape[0], -1, last_dim)))
    return chunks


def flatten_level_outputs(outputs: Mapping[int, jax.Array], anchors: Anchors, last_dim: int) -> jax.Array:
    """Flattens per-level head outputs into the flat anchor order of ``anchors``.

    Returns:
      ``[B, A, last_dim]``, row ``a`` predicting for ``anchors.boxes[a]``: the
      concatenation of ``split_level_outputs`` (same arguments and errors).
    """
    return jnp.concatenate(split_level_outputs(outputs, anchors, last_dim), axis=1)
