"""Image probing: formats, sizes, hashes, and clear errors for broken files."""

import io

import numpy as np
import pytest
from PIL import Image

from pmcmine.errors import ImageError
from pmcmine.figures import images
from pmcmine.figures.images import probe_image


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


@pytest.fixture
def picture():
    rng = np.random.default_rng(0)
    a = (rng.random((120, 200, 3)) * 255).astype("uint8")
    a[20:60, 30:90] = 0
    return Image.fromarray(a)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "TIFF", "GIF"])
def test_formats(picture, fmt):
    info = probe_image(_encode(picture, fmt), "f")
    assert (info.format, info.width, info.height) == (fmt, 200, 120)
    assert len(info.sha256) == 64 and len(info.phash) == 16


def test_jpeg_and_png_of_same_picture_hash_alike(picture):
    a = probe_image(_encode(picture, "JPEG", quality=60))
    b = probe_image(_encode(picture, "PNG"))
    # Perceptual hashes of the same picture differ in only a few of 64 bits.
    assert bin(int(a.phash, 16) ^ int(b.phash, 16)).count("1") <= 10
    assert a.sha256 != b.sha256


def test_16bit_tiff_is_stretched_not_clipped():
    a = np.zeros((64, 64), dtype=np.uint16)
    a[:, 32:] = 4000  # dark in 16-bit terms: clipping to 8 bits would make it all white
    info = probe_image(_encode(Image.fromarray(a), "TIFF"))
    assert info.phash != "0" * 16 and info.width == 64


def test_empty_file():
    with pytest.raises(ImageError, match="empty file"):
        probe_image(b"", "fig1.jpg")


def test_garbage():
    with pytest.raises(ImageError, match="not an image"):
        probe_image(b"<html>not found</html>", "fig1.jpg")


def test_truncated(picture):
    data = _encode(picture, "JPEG")
    with pytest.raises(ImageError, match="truncated"):
        probe_image(data[: len(data) // 3], "fig1.jpg")


def test_pixel_bomb_refused(monkeypatch, picture):
    monkeypatch.setattr(images, "MAX_PIXELS", 1000)
    with pytest.raises(ImageError, match="pixel limit"):
        probe_image(_encode(picture, "PNG"), "huge.png")
