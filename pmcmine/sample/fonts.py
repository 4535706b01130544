"""TrueType fonts for drawn text: the DejaVu faces that ship inside matplotlib, so
every machine draws the same glyphs (PIL's default bitmap font is too crude and
system fonts differ between hosts)."""

from __future__ import annotations

from functools import lru_cache

from matplotlib import font_manager
from PIL import ImageFont


@lru_cache(maxsize=None)
def _path(spec: str) -> str:
    return font_manager.findfont(spec, fallback_to_default=True)


@lru_cache(maxsize=64)
def bold(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(_path("DejaVu Sans:bold"), size)


@lru_cache(maxsize=64)
def regular(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(_path("DejaVu Sans"), size)
