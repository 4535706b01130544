"""Choose a figure's images and match each ``xlink:href`` to a file in its package.

PMC hrefs usually omit the extension ("1471-2180-11-174-1") and the package holds the
same image several times (a full ``.jpg``, a ``.gif`` thumbnail, sometimes the
original ``.tif``); publisher hrefs may name a format the package does not have
("fig1.tif" next to "fig1.jpg"), carry a folder, or differ in case. Dots are common
inside PMC stems ("pone.0000217.g001"), so an extension is only stripped when it is
one we know.
"""

from __future__ import annotations

import posixpath
import re

from pmcmine.records import Graphic

XLINK_HREF = "{http://www.w3.org/1999/xlink}href"

# Preference when one stem has several files: web formats first (PMC's own full-size
# renditions, decodable everywhere), then the TIFF originals, GIF thumbnails last.
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".gif")
_ANY_EXT = re.compile(r"\.[A-Za-z0-9]{1,5}$")


def basename(name: str) -> str:
    return posixpath.basename(name.replace("\\", "/")).strip()


class MemberIndex:
    """Case-insensitive lookup of package members by base name."""

    def __init__(self, names) -> None:
        self._by_lower: dict[str, str] = {}
        for n in names:
            base = basename(str(n))
            if base:
                self._by_lower.setdefault(base.lower(), base)

    def __bool__(self) -> bool:
        return bool(self._by_lower)

    def _by_stem(self, stem: str) -> str | None:
        for ext in IMAGE_EXTS:
            hit = self._by_lower.get(stem + ext)
            if hit is not None:
                return hit
        return None

    def resolve(self, href: str) -> str | None:
        base = basename(href).lower()
        if not base:
            return None
        ext = next((e for e in IMAGE_EXTS if base.endswith(e)), None)
        if ext is not None:
            stem = base[: -len(ext)]
            exact = self._by_lower.get(base)
            if exact is not None and ext != ".gif":
                return exact
            # A .gif named outright is still the thumbnail when a full image exists.
            return self._by_stem(stem) or exact
        hit = self._by_stem(base) or self._by_lower.get(base)
        if hit is not None:
            return hit
        m = _ANY_EXT.search(base)  # an extension we do not read: "fig1.eps" -> fig1.jpg
        return self._by_stem(base[: m.start()]) if m else None


def _href(el) -> str:
    return (el.get(XLINK_HREF) or el.get("href") or "").strip()


def _is_thumbnail(el) -> bool:
    for attr in ("specific-use", "content-type"):
        v = el.get(attr)
        if v and "thumb" in v.lower():
            return True
    return False


def figure_graphics(fig, members: MemberIndex | None) -> list[Graphic]:
    """The figure's images: direct ``<graphic>`` children and those in ``<alternatives>``."""
    groups: list[list] = []
    for child in fig:
        tag = child.tag
        if tag == "graphic":
            groups.append([child])
        elif tag == "alternatives":
            groups.append([g for g in child if g.tag == "graphic"])
    out: list[Graphic] = []
    seen: set[str] = set()
    for group in groups:
        kept = [g for g in group if not _is_thumbnail(g) and _href(g)]
        if any(not _href(g).lower().endswith(".gif") for g in kept):
            kept = [g for g in kept if not _href(g).lower().endswith(".gif")]
        for g in kept:
            href = _href(g)
            if href in seen:
                continue
            seen.add(href)
            file_name = members.resolve(href) if members else None
            out.append(Graphic(href=href, role="main" if not out else "alternative", file_name=file_name))
    return out
