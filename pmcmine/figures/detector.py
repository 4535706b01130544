"""What a panel detector is, and the registry that finds one by name.

Everything the pipeline relies on is the :class:`Detector` protocol below; a new detector is
one module with a class that satisfies it plus one :func:`register_detector` call::

    register_detector("mine", "mypkg.mydet:MyDetector")   # or a callable returning one
    StageOptions(detector="mine")                           # --detector mine

Names are resolved lazily ("module:attr" strings), so listing or choosing a detector never
imports onnxruntime or another detector's dependencies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Optional, Protocol, runtime_checkable

from PIL import Image

from pmcmine.registry import Registry


@dataclass(slots=True)
class Panel:
    """One detected panel: its box in image pixels (x0, y0, x1, y1), a score in [0, 1]."""

    box: tuple[int, int, int, int]
    score: float = 1.0
    kind: str = "panel"


LabelBox = Optional[list]  # [x0, y0, x1, y1] of the panel's label letter, or None
Detection = tuple[list[Panel], list[LabelBox]]  # label boxes aligned with the panels


@runtime_checkable
class Detector(Protocol):
    """A panel detector as the pipeline uses it (``pmcmine.figures.split.split_figure``).

    * ``name``: ``"<kind>@<version>"``, written to ``subfigures.detector``.
    * ``panels(image)``: the figure's panels in reading order and, aligned with them, the box
      of each one's label (None where none was found); never an empty list for a non-blank
      image (a single-panel figure is one panel).
    * ``batch(images)``: ``panels`` for each image.

    Optional: ``candidates``, a sequence of detectors, makes this a multi-detector (``auto``):
    the split runs each of them and keeps the one that agrees best with the caption's labels
    (see :func:`candidates_of`).
    """

    name: str

    def panels(self, image: Image.Image) -> Detection: ...

    def batch(self, images: Sequence[Image.Image]) -> list[Detection]: ...


def candidates_of(detector: Detector) -> list[Detector]:
    """The detectors a split tries: a multi-detector's ``candidates``, else the detector."""
    return list(getattr(detector, "candidates", None) or [detector])


Factory = Callable[[], Optional[Detector]]
DETECTORS: Registry[Optional[Detector]] = Registry("detector", {
    # name -> "module:callable" (imported on first use) or a callable; None means no detection
    "yolo": "pmcmine.figures.detect:YoloOnnxDetector",
    "classic": "pmcmine.figures.classic:ClassicDetector",
    "auto": "pmcmine.figures.detect:AutoDetector",
    "none": lambda: None,
})


def register_detector(name: str, factory: Factory | str, *, replace: bool = False) -> None:
    """Make ``--detector name`` load ``factory()`` (a callable, or a ``"module:attr"`` string)."""
    DETECTORS.register(name, factory, replace=replace)


def unregister_detector(name: str) -> None:
    DETECTORS.unregister(name)


def detector_names() -> list[str]:
    return DETECTORS.names()


def load_detector(kind: str = "auto") -> Detector | None:
    """The detector registered as ``kind`` (``None`` for ``"none"``), or YOLO weights at a
    path ending in ``.onnx``. Raises ValueError for an unknown name."""
    if kind in DETECTORS:
        return DETECTORS.factory(kind)()
    if str(kind).endswith(".onnx"):
        return DETECTORS.factory("yolo")(kind)
    raise ValueError(f"unknown detector {kind!r} ({', '.join(DETECTORS.names())}, or a path to an .onnx)")
