"""Procedural detection scenes: coloured shapes on cluttered backgrounds.

A scene is a gradient background with noise and line clutter, an optional
crowd (a tight cluster of tiny shapes annotated as one ``is_crowd`` box) and up
to ``max_objects`` shapes of ``SHAPE_NAMES`` with varied size (small, medium and
large in COCO's sense), aspect, rotation and colour. Shapes may overlap and
cross the image border; every box is the extent of the shape's *visible*
pixels and every area its visible pixel count, as COCO's are for masks.

Everything is numpy on windows around each shape, so a 256-px scene takes a
few milliseconds.
"""

from __future__ import annotations

import dataclasses

import numpy as np

SHAPE_NAMES = ("circle", "square", "triangle", "ring", "cross", "ellipse", "diamond", "star")

# Classes whose identity survives a stretched aspect ratio; a stretched circle
# or square would look like an ellipse or a rectangle of another class.
_FREE_ASPECT = {"triangle", "cross", "diamond", "star"}
_MAX_IOU = 0.3  # placement rejection: keeps occlusion partial
_MIN_VISIBLE = 0.3  # an object less visible than this is left unannotated


@dataclasses.dataclass(frozen=True)
class Scene:
    """One rendered image and its annotations.

    Attributes:
      image: uint8 [H, W, 3].
      boxes: float32 [N, 4] normalized (ymin, xmin, ymax, xmax) of visible pixels.
      labels: int64 [N] indices into ``SHAPE_NAMES``.
      areas: int64 [N] visible pixel counts.
      is_crowd: bool [N].
      instances: int16 [H, W]; ``k + 1`` where annotation ``k`` is visible,
        0 elsewhere (background, clutter, unannotated shapes). For tests.
    """

    image: np.ndarray
    boxes: np.ndarray
    labels: np.ndarray
    areas: np.ndarray
    is_crowd: np.ndarray
    instances: np.ndarray


def _shape_mask(name: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Membership of unit coordinates (shape spans [-1, 1]^2) in a shape."""
    r2 = u * u + v * v
    if name in ("circle", "ellipse"):
        return r2 <= 1.0
    if name == "square":
        return np.maximum(abs(u), abs(v)) <= 1.0
    if name == "triangle":  # apex up: half-width grows from 0 at v=-1 to 1 at v=1
        return (v <= 1.0) & (abs(u) <= (v + 1.0) / 2.0)
    if name == "ring":
        return (r2 <= 1.0) & (r2 >= 0.55**2)
    if name == "cross":
        return (np.minimum(abs(u), abs(v)) <= 0.33) & (np.maximum(abs(u), abs(v)) <= 1.0)
    if name == "diamond":
        return abs(u) + abs(v) <= 1.0
    if name == "star":  # five sharp lobes between radius 0.4 and 1
        lobe = ((1.0 + np.cos(5.0 * np.arctan2(u, -v))) / 2.0) ** 3
        return r2 <= (0.4 + 0.6 * lobe) ** 2
    raise ValueError(f"unknown shape {name!r}; expected one of {SHAPE_NAMES}")


def _aspect(rng: np.random.Generator, name: str) -> float:
    if name == "ellipse":  # clearly not a circle
        return float(rng.uniform(0.45, 0.7) if rng.random() < 0.5 else rng.uniform(1.45, 2.2))
    if name in _FREE_ASPECT:
        return float(np.exp(rng.uniform(np.log(0.5), np.log(2.0))))
    return 1.0


def _draw(ids: np.ndarray, canvas: np.ndarray, rng, name, center, height, width, colour,
          index) -> int:
    """Paints one (rotated) shape, writes ``index`` into the instance map ``ids``
    and returns how many pixels it painted."""
    half = 0.5 * np.hypot(height, width) + 1  # window holding any rotation
    h_img, w_img = ids.shape
    y0, y1 = max(int(center[0] - half), 0), min(int(center[0] + half) + 1, h_img)
    x0, x1 = max(int(center[1] - half), 0), min(int(center[1] + half) + 1, w_img)
    if y0 >= y1 or x0 >= x1:
        return 0
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32) + 0.5
    angle = rng.uniform(-0.26, 0.26)  # +-15 degrees
    cos, sin = np.cos(angle), np.sin(angle)
    dy, dx = yy - center[0], xx - center[1]
    u = (cos * dx + sin * dy) / (width / 2.0)
    v = (-sin * dx + cos * dy) / (height / 2.0)
    mask = _shape_mask(name, u, v)
    canvas[y0:y1, x0:x1][mask] = colour
    ids[y0:y1, x0:x1][mask] = index
    return int(np.count_nonzero(mask))


def _background(rng: np.random.Generator, height: int, width: int):
    """A float32 canvas with a colour ramp and clutter lines, and its mean colour."""
    start, end = rng.uniform(30, 225, size=(2, 3)).astype(np.float32)
    vertical = rng.random() < 0.5
    ramp = np.linspace(0.0, 1.0, height if vertical else width, dtype=np.float32)
    ramp = ramp[:, None] if vertical else ramp[None, :]
    canvas = start + (end - start) * ramp[..., None]
    canvas = np.broadcast_to(canvas, (height, width, 3)).copy()
    for _ in range(rng.integers(2, 7)):  # clutter lines that belong to no class
        a, b = rng.uniform(0, 1, size=(2, 2)) * (height, width)
        t = np.linspace(0, 1, int(np.hypot(*(b - a))) + 2)
        ys = np.clip((a[0] + t * (b[0] - a[0])).astype(int), 0, height - 1)
        xs = np.clip((a[1] + t * (b[1] - a[1])).astype(int), 0, width - 1)
        canvas[ys, xs] = rng.uniform(0, 255, size=3)
    return canvas, (start + end) / 2


def _contrasting_colour(rng: np.random.Generator, background: np.ndarray) -> np.ndarray:
    for _ in range(16):
        colour = rng.uniform(0, 255, size=3)
        if np.linalg.norm(colour - background) > 90:
            break
    return colour


def _place(rng, taken: list, height: int, width: int, size: float, aspect: float):
    """A centre and extent whose box overlaps earlier boxes by IoU <= _MAX_IOU."""
    box_h, box_w = size * np.sqrt(aspect), size / np.sqrt(aspect)
    for _ in range(20):
        # Up to ~30% of a shape may lie outside the image, as COCO's truncated objects do.
        cy = rng.uniform(0.2 * box_h, height - 0.2 * box_h)
        cx = rng.uniform(0.2 * box_w, width - 0.2 * box_w)
        box = np.array([cy - box_h / 2, cx - box_w / 2, cy + box_h / 2, cx + box_w / 2])
        if not taken or _iou(box, np.array(taken)).max() <= _MAX_IOU:
            taken.append(box)
            return (cy, cx), box_h, box_w
    return None


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    tl = np.maximum(box[:2], boxes[:, :2])
    br = np.minimum(box[2:], boxes[:, 2:])
    inter = np.prod(np.clip(br - tl, 0, None), axis=1)
    area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    return inter / (area(box) + area(boxes) - inter)


def _crowd(rng, ids, canvas, taken, background) -> int:
    """Draws a cluster of tiny same-class shapes into instance ``1``; returns its label."""
    height, width = ids.shape
    label = int(rng.integers(len(SHAPE_NAMES)))
    extent = rng.uniform(0.15, 0.3) * min(height, width)
    spot = _place(rng, taken, height, width, extent, 1.0)
    if spot is None:
        return -1
    (cy, cx), _, _ = spot
    colour = _contrasting_colour(rng, background)
    for _ in range(rng.integers(8, 16)):
        offset = rng.uniform(-0.4, 0.4, size=2) * extent
        size = rng.uniform(0.1, 0.18) * extent
        _draw(ids, canvas, rng, SHAPE_NAMES[label], (cy + offset[0], cx + offset[1]),
              size, size, colour, 1)
    return label


def render_scene(rng: np.random.Generator, image_size: int, max_objects: int,
                 crowd_probability: float = 0.1, empty_probability: float = 0.03) -> Scene:
    """Renders one scene; all randomness comes from ``rng``.

    Args:
      rng: the scene's generator, e.g. ``np.random.default_rng([seed, split, k])``.
      image_size: long side in pixels.
      max_objects: most annotated objects (the crowd, if any, is one of them).
      crowd_probability: chance that the scene holds one crowd region.
      empty_probability: chance of a scene with clutter but no object, as COCO
        has images without annotations.

    Returns:
      The rendered ``Scene``.
    """
    short = int(rng.integers(int(0.6 * image_size), image_size + 1))
    height, width = (image_size, short) if rng.random() < 0.5 else (short, image_size)
    canvas, background = _background(rng, height, width)
    ids = np.zeros((height, width), np.int16)  # 0 = background, k = instance k
    labels, crowd, taken = [], [], []
    num_objects = 0 if rng.random() < empty_probability else int(rng.integers(1, max_objects + 1))
    if num_objects and rng.random() < crowd_probability:
        label = _crowd(rng, ids, canvas, taken, background)
        if label >= 0:
            labels.append(label)
            crowd.append(True)
    full_areas = [0.0] * len(labels)  # the crowd is never dropped for occlusion
    min_size, max_size = 6.0, 0.6 * min(height, width)
    while len(labels) < num_objects:
        label = int(rng.integers(len(SHAPE_NAMES)))
        name = SHAPE_NAMES[label]
        aspect = _aspect(rng, name)
        size = float(np.exp(rng.uniform(np.log(min_size), np.log(max_size))))
        spot = _place(rng, taken, height, width, size, aspect)
        if spot is None:
            break
        center, box_h, box_w = spot
        full_areas.append(_draw(ids, canvas, rng, name, center, box_h, box_w,
                                _contrasting_colour(rng, background), len(labels) + 1))
        labels.append(label)
        crowd.append(False)
    # Sensor noise on everything; float32 draws are several times cheaper.
    canvas += 6.0 * rng.standard_normal(canvas.shape, dtype=np.float32)
    image = np.clip(canvas, 0, 255).astype(np.uint8)
    return _annotate(image, ids, labels, crowd, full_areas)


def _annotate(image, ids, labels, crowd, full_areas) -> Scene:
    """Boxes and areas from the final instance map, i.e. from visible pixels."""
    height, width = ids.shape
    keep, boxes, areas = [], [], []
    for index in range(1, len(labels) + 1):
        rows = np.flatnonzero((ids == index).any(axis=1))
        if rows.size == 0:
            continue
        cols = np.flatnonzero((ids[rows[0]:rows[-1] + 1] == index).any(axis=0))
        area = int(np.count_nonzero(ids[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1] == index))
        if not crowd[index - 1] and area < max(_MIN_VISIBLE * full_areas[index - 1], 4):
            continue  # mostly hidden: unlearnable as a labelled object
        keep.append(index - 1)
        boxes.append([rows[0] / height, cols[0] / width,
                      (rows[-1] + 1) / height, (cols[-1] + 1) / width])
        areas.append(area)
    remap = np.zeros(len(labels) + 1, np.int16)
    remap[np.array(keep, int) + 1] = np.arange(1, len(keep) + 1)
    return Scene(image=image,
                 boxes=np.array(boxes, np.float32).reshape(-1, 4),
                 labels=np.array([labels[i] for i in keep], np.int64),
                 areas=np.array(areas, np.int64),
                 is_crowd=np.array([crowd[i] for i in keep], bool),
                 instances=remap[ids])
