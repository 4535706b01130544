"""Parse article XML safely and find the ``<article>`` element.

Article XML comes from strangers, so the parser never loads a DTD, never resolves an
entity and never touches the network: an XXE ``SYSTEM`` entity stays an unexpanded
entity node, and libxml2's amplification guard rejects billion-laughs documents, which
we report as malformed.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field

from lxml import etree

from pmcmine.errors import MalformedXMLError

# lxml parser objects are not safe to share between threads.
_local = threading.local()

# lxml refuses str input that carries an encoding declaration; the declaration is
# meaningless for an already-decoded str anyway.
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")

_MATHML_NS = "http://www.w3.org/1998/Math/MathML"


def _parser() -> etree.XMLParser:
    p = getattr(_local, "parser", None)
    if p is None:
        p = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            # Comments and processing instructions carry no article content.
            remove_comments=True,
            remove_pis=True,
        )
        _local.parser = p
    return p


@dataclass(slots=True)
class Loaded:
    article: etree._Element
    raw: bytes  # the document as given, for the content-hash fallback id
    source: str
    warnings: list[str] = field(default_factory=list)


def read_source(xml: bytes | str | os.PathLike) -> tuple[bytes | str, bytes, str]:
    """Return (what to parse, raw bytes, a name for messages).

    A ``str`` is XML text when it starts with ``<`` (after a BOM/whitespace) or is blank,
    and a path otherwise.
    """
    if isinstance(xml, (bytes, bytearray, memoryview)):
        raw = bytes(xml)
        return raw, raw, "<bytes>"
    if isinstance(xml, str) and (not xml.strip("\ufeff \t\r\n") or xml.lstrip("\ufeff \t\r\n").startswith("<")):
        text = _XML_DECL.sub("", xml.lstrip("\ufeff"), count=1)
        return text, xml.encode("utf-8"), "<string>"
    path = os.fspath(xml)
    with open(path, "rb") as f:
        raw = f.read()
    return raw, raw, str(path)


def parse_root(data: bytes | str, source: str) -> etree._Element:
    if not data or (isinstance(data, str) and not data.strip()):
        raise MalformedXMLError(f"{source}: empty document")
    try:
        return etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (exc.lineno or 0, 0)
        msg = (exc.msg or str(exc)).split(", line ")[0]
        what = "XML is not well-formed"
        if "amplification" in msg or "entity loop" in msg.lower():
            what = "XML rejected as an entity-expansion bomb"
        raise MalformedXMLError(f"{source}: {what} at line {line}, column {col}: {msg}") from None
    except ValueError as exc:  # e.g. lxml rejecting a str with an encoding declaration
        raise MalformedXMLError(f"{source}: cannot parse as XML: {exc}") from None


def load(xml: bytes | str | os.PathLike) -> Loaded:
    data, raw, source = read_source(xml)
    root = parse_root(data, source)
    warnings: list[str] = []

    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None:
        names = [e.name for e in dtd.iterentities()]
        if names:
            warnings.append(
                "the internal DTD subset declares entities "
                f"({', '.join(names[:5])}{'...' if len(names) > 5 else ''}); they were not expanded"
            )

    article = find_article(root)
    if article is None:
        raise MalformedXMLError(f"{source}: no <article> element (root element is <{_name(root)}>)")
    if isinstance(article.tag, str) and article.tag[0] == "{":
        _strip_default_namespace(article)
        warnings.append("article elements carry a namespace; it was stripped")
    if _name(root) == "pmc-articleset":
        count = sum(1 for c in root if isinstance(c.tag, str) and _name(c) == "article")
        if count > 1:
            warnings.append(f"<pmc-articleset> holds {count} articles; only the first was parsed")
    return Loaded(article, raw, source, warnings)


def child(el, *path: str):
    """The first child with each tag in turn, or None: ``el.find("a/b")`` for plain
    paths at a quarter of the cost (lxml's find goes through its Python ElementPath)."""
    for tag in path:
        if el is None:
            return None
        el = next(el.iterchildren(tag), None)
    return el


def _name(el) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return "?"
    return tag.rpartition("}")[2]


def find_article(root):
    if _name(root) == "article":
        return root
    found = root.find("article")
    if found is not None:
        return found
    found = root.find(".//article")
    if found is not None:
        return found
    # A JATS document in a default namespace: rare, but cheap to accept.
    for el in root.iter():
        if isinstance(el.tag, str) and _name(el) == "article":
            return el
    return None


def _strip_default_namespace(article) -> None:
    ns = article.tag[1:].partition("}")[0]
    prefix = "{" + ns + "}"
    if ns == _MATHML_NS:
        return
    for el in article.iter():
        tag = el.tag
        if isinstance(tag, str) and tag.startswith(prefix):
            el.tag = tag[len(prefix) :]
