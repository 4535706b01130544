"""Is a PDF crop the same picture as a package image? Perceptual hash distance and SSIM.

Both images are reduced to greys at a common size first, so a 150-dpi crop compares with
a 600-dpi TIFF. SSIM is the plain global-window form over 8x8 blocks, in numpy (no
scikit-image): enough to tell the same figure from a different one.
"""

from __future__ import annotations

import imagehash
import numpy as np
from PIL import Image

SIZE = 256


def _grey(img: Image.Image, size: int = SIZE) -> np.ndarray:
    if img.mode not in ("L", "RGB"):
        from pmcmine.figures.images import _to_8bit

        img = _to_8bit(img)
    return np.asarray(img.convert("L").resize((size, size), Image.Resampling.BILINEAR), dtype=np.float64)


def phash_distance(a: Image.Image, b: Image.Image) -> int:
    ga, gb = (Image.fromarray(_grey(x).astype("uint8")) for x in (a, b))
    return int(imagehash.phash(ga) - imagehash.phash(gb))


def ssim(a: Image.Image, b: Image.Image, size: int = SIZE, block: int = 8) -> float:
    """Mean SSIM over non-overlapping ``block`` windows of the two images as greys."""
    x, y = _grey(a, size), _grey(b, size)
    n = size // block
    x = x[: n * block, : n * block].reshape(n, block, n, block).swapaxes(1, 2).reshape(n, n, -1)
    y = y[: n * block, : n * block].reshape(n, block, n, block).swapaxes(1, 2).reshape(n, n, -1)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mx, my = x.mean(-1), y.mean(-1)
    vx, vy = x.var(-1), y.var(-1)
    cov = ((x - mx[..., None]) * (y - my[..., None])).mean(-1)
    s = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    return float(s.mean())


def trim_white(img: Image.Image, cutoff: int = 245) -> Image.Image:
    """The image cropped to its non-white content (frames and margins differ between copies)."""
    g = np.asarray(img.convert("L"))
    rows = np.flatnonzero((g < cutoff).any(axis=1))
    cols = np.flatnonzero((g < cutoff).any(axis=0))
    if rows.size == 0:
        return img
    return img.crop((int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1))
