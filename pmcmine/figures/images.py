"""Identify figure image files: format, size, content hashes.

Publishers ship JPEG, PNG, GIF and (often 16-bit, LZW or multi-page) TIFF. A file can be
empty, truncated, or a decompression bomb; each becomes an ``ImageError`` with a reason,
never a crash of the batch.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

import imagehash
import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

from pmcmine.errors import ImageError

# Figures of 20k x 20k exist (gigapixel slides are not figures); past this we refuse to decode.
MAX_PIXELS = 400_000_000
Image.MAX_IMAGE_PIXELS = None  # we apply MAX_PIXELS ourselves, with a clear message
ImageFile.LOAD_TRUNCATED_IMAGES = False


@dataclass(frozen=True, slots=True)
class ImageInfo:
    format: str
    width: int
    height: int
    byte_size: int
    sha256: str
    phash: str


def open_image(data: bytes, name: str = "image", *, draft: bool = False) -> Image.Image:
    """Decode an image fully, or raise ImageError saying why not.

    With ``draft`` a JPEG may be decoded at reduced scale (enough for hashing); ``img.info``
    keeps the full size under ``"full_size"`` either way.
    """
    if not data:
        raise ImageError(f"{name}: empty file (0 bytes)")
    try:
        img = Image.open(io.BytesIO(data))
        w, h = img.size
        if w * h > MAX_PIXELS:
            raise ImageError(f"{name}: {w}x{h} pixels exceeds the {MAX_PIXELS:,} pixel limit")
        fmt = img.format or "unknown"
        if draft and fmt == "JPEG":
            # Hashing needs 32x32; JPEG can decode at 1/8 scale directly, which is much faster.
            img.draft("RGB", (max(64, w // 8), max(64, h // 8)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            img.load()
    except ImageError:
        raise
    except UnidentifiedImageError as exc:
        raise ImageError(f"{name}: not an image Pillow can read") from exc
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageError(f"{name}: corrupt or truncated image ({exc})") from exc
    img.info["full_size"] = (w, h)
    img.info["source_format"] = fmt
    return img


def probe_image(data: bytes, name: str = "image") -> ImageInfo:
    """Format, full-resolution size, sha256 and perceptual hash of an image file."""
    img = open_image(data, name, draft=True)
    w, h = img.info["full_size"]
    fmt = img.info["source_format"]
    if img.mode not in ("L", "RGB"):
        img = _to_8bit(img)
    return ImageInfo(
        format=fmt,
        width=w,
        height=h,
        byte_size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        phash=str(imagehash.phash(img)),
    )


def _to_8bit(img: Image.Image) -> Image.Image:
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # 16-bit scans: stretch to 8 bits rather than clip, or they hash as all-white.
        a = np.asarray(img, dtype=np.float64)
        lo, hi = float(a.min()), float(a.max())
        a = (a - lo) * (255.0 / (hi - lo)) if hi > lo else a * 0
        return Image.fromarray(a.astype("uint8"), mode="L")
    return img.convert("RGB")
