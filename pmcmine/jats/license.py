"""Normalise an article's licence to a short code ("CC BY", "CC BY-NC-ND", "CC0", "PD"...).

Publishers state the licence in several places and rarely all of them: an
``xlink:href`` on ``<license>``, an ``<ali:license_ref>``, a link inside
``<license-p>``, a ``license-type`` attribute, or only prose ("distributed under the
terms of the Creative Commons Attribution License"). A URL is the most precise
statement, so URLs win over the attribute, which wins over prose.
"""

from __future__ import annotations

import re

XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
ALI_LICENSE_REF = "{http://www.niso.org/schemas/ali/1.0/}license_ref"

CODES = ("CC BY", "CC BY-SA", "CC BY-ND", "CC BY-NC", "CC BY-NC-SA", "CC BY-NC-ND", "CC0", "PD")

_CC_URL = re.compile(r"creativecommons\.org/licen[cs]es/([a-z-]+)", re.I)
_CC_ZERO_URL = re.compile(r"creativecommons\.org/publicdomain/zero", re.I)
_PD_URL = re.compile(r"creativecommons\.org/publicdomain/mark", re.I)
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"')\]]+", re.I)

_CC0_TEXT = re.compile(r"\bcc[- ]?0\b|\bcc[- ]?zero\b|creative commons zero|public domain dedication", re.I)
_CC_ABBR = re.compile(r"\bcc[- ]?by((?:[- ](?:nc|nd|sa)\b)*)", re.I)
_CC_ATTRIBUTION = re.compile(r"creative\s+commons\s+attribution", re.I)
_NAME_END = re.compile(r"licen[cs]e|[,(;.]", re.I)
_NC = re.compile(r"non[- ]?commercial|\bnc\b", re.I)
_ND = re.compile(r"no[- ]?deriv|\bnd\b", re.I)
_SA = re.compile(r"share[- ]?alike|\bsa\b", re.I)
_PD_TEXT = re.compile(
    r"public domain|not subject to copyright|work of the (?:u\.?s\.?|united states) government"
    r"|u\.?s\.? government work",
    re.I,
)


def _compose(nc: bool, nd: bool, sa: bool) -> str:
    code = "CC BY"
    if nc:
        code += "-NC"
    if nd:
        code += "-ND"
    elif sa:
        code += "-SA"
    return code


def code_from_url(url: str | None) -> str | None:
    """The licence code a URL names, or None when it names none we know."""
    if not url:
        return None
    if _CC_ZERO_URL.search(url):
        return "CC0"
    if _PD_URL.search(url):
        return "PD"
    m = _CC_URL.search(url)
    if not m:
        return None
    parts = set(m.group(1).lower().split("-"))
    if "by" not in parts:
        return None
    return _compose("nc" in parts, "nd" in parts, "sa" in parts)


def code_from_text(text: str | None) -> str | None:
    """The licence code a human-readable statement names, or None."""
    if not text:
        return None
    if _CC0_TEXT.search(text):
        return "CC0"
    m = _CC_ABBR.search(text)
    if m:
        mods = m.group(1).lower()
        return _compose("nc" in mods, "nd" in mods, "sa" in mods)
    m = _CC_ATTRIBUTION.search(text)
    if m:
        # Only the licence's own name counts ("...Attribution-NonCommercial License"),
        # not the prose after it ("...which permits non-commercial use" is no NC).
        rest = _NAME_END.split(text[m.end() : m.end() + 80], maxsplit=1)[0]
        return _compose(bool(_NC.search(rest)), bool(_ND.search(rest)), bool(_SA.search(rest)))
    if _PD_TEXT.search(text):
        return "PD"
    return None


def code_from_type(license_type: str | None) -> str | None:
    """``license-type`` values carry a code only sometimes ("cc-by"; not "open-access")."""
    if not license_type:
        return None
    t = license_type.strip().lower()
    if t in {"public-domain", "publicdomain", "us-government"}:
        return "PD"
    if t in {"cc0", "cc-zero"}:
        return "CC0"
    if t.startswith("cc-by") or t.startswith("ccby"):
        return code_from_text(t.replace("ccby", "cc-by"))
    return None


def read_license(article_meta, custom_meta_values: list[str] | None = None) -> tuple[str, str | None]:
    """Return (code, url) for the article; ("unknown", None) when nothing is stated."""
    urls: list[str] = []
    types: list[str] = []
    texts: list[str] = []
    late_texts: list[str] = []
    permissions = next(article_meta.iterchildren("permissions"), None) if article_meta is not None else None
    if permissions is not None:
        for el in permissions.iter(ALI_LICENSE_REF, "license", "ext-link", "license-p"):
            tag = el.tag
            if tag == ALI_LICENSE_REF:
                urls.append("".join(el.itertext()).strip())
            elif tag == "license":
                href = el.get(XLINK_HREF) or el.get("href")
                if href:
                    urls.append(href.strip())
                if el.get("license-type"):
                    types.append(el.get("license-type"))
            elif tag == "ext-link":
                href = el.get(XLINK_HREF)
                if href:
                    urls.append(href.strip())
            else:
                text = " ".join("".join(el.itertext()).split())
                texts.append(text)
                urls.extend(_URL_IN_TEXT.findall(text))
    # Old NLM 2.x articles (PLoS 2007) state the licence only in a copyright statement
    # directly under <article-meta>; it is the weakest evidence, so it goes last.
    if article_meta is not None:
        for el in article_meta.iterchildren("copyright-statement"):
            late_texts.append(" ".join("".join(el.itertext()).split()))
        if permissions is not None:
            for el in permissions.iterchildren("copyright-statement"):
                late_texts.append(" ".join("".join(el.itertext()).split()))
    for value in custom_meta_values or ():
        value = value.strip()
        if value.lower().startswith("http"):
            urls.append(value)
        else:
            texts.append(value)

    for url in urls:
        code = code_from_url(url)
        if code:
            return code, url
    first_url = next((u for u in urls if u), None)
    for t in types:
        code = code_from_type(t)
        if code:
            return code, first_url
    for text in texts + late_texts:
        code = code_from_text(text)
        if code:
            return code, first_url
    return "unknown", first_url
