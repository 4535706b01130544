"""Axis-aligned boxes ``[x0, y0, x1, y1)`` in pixels: the few measures the detectors, the
grouping of tiles, PDF figure finding and the evaluation all use."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Box = Sequence[float]


def area(b: Box) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def intersection(a: Box, b: Box) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def iou(a: Box, b: Box) -> float:
    i = intersection(a, b)
    u = area(a) + area(b) - i
    return i / u if u > 0 else 0.0


def share_inside(a: Box, b: Box) -> float:
    """How much of ``a``'s area lies within ``b``."""
    return intersection(a, b) / max(1.0, area(a))


def overlap_of_smaller(a: Box, b: Box) -> float:
    """Intersection over the smaller of the two areas (1.0: one holds the other)."""
    return intersection(a, b) / max(1.0, min(area(a), area(b)))


def union(boxes: Iterable[Box]) -> tuple:
    """The smallest box holding all of them, in the boxes' own number type."""
    bs = list(boxes)
    return (min(b[0] for b in bs), min(b[1] for b in bs), max(b[2] for b in bs), max(b[3] for b in bs))
