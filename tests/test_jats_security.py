"""Hostile and broken XML: clear errors, no entity expansion, no file or network reads."""

from __future__ import annotations

import time

import pytest

from pmcmine.errors import MalformedXMLError, PmcmineError
from pmcmine.jats import parse_article


@pytest.mark.parametrize(
    "xml, where",
    [
        (b"<article><front></article>", "line 1"),
        (b"<article>\n<body>\n<p>a <b></p></body></article>", "line 3"),
        (b"not xml at all", "line 1"),
        (b"<article><p>&undefined;</p></article>", "line 1"),
    ],
)
def test_malformed_xml_says_where(xml, where):
    with pytest.raises(MalformedXMLError) as err:
        parse_article(xml)
    assert where in str(err.value) and "column" in str(err.value)
    assert isinstance(err.value, PmcmineError)


@pytest.mark.parametrize("xml", [b"", "", "   "])
def test_empty_input(xml):
    with pytest.raises(MalformedXMLError, match="empty"):
        parse_article(xml)


def test_no_article_element():
    with pytest.raises(MalformedXMLError, match="no <article>"):
        parse_article(b"<pmc-articleset><error>not found</error></pmc-articleset>")


def test_xxe_system_entity_is_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    for target in (secret.as_uri(), "file:///etc/passwd", "http://127.0.0.1:9/x"):
        xml = (
            f'<?xml version="1.0"?><!DOCTYPE article [<!ENTITY xxe SYSTEM "{target}">]>'
            "<article><front><article-meta><title-group><article-title>A &xxe; B</article-title>"
            '</title-group></article-meta></front><body><p>See &xxe; (<xref ref-type="fig" rid="f1">Fig. 1</xref>).</p>'
            '<fig id="f1"><label>Figure 1</label><caption><p>&xxe;</p></caption></fig></body></article>'
        )
        try:
            a = parse_article(xml.encode())
        except MalformedXMLError:
            continue
        dump = repr(a)
        assert "TOPSECRET" not in dump and "root:" not in dump
        assert a.meta.title == "A B"
        assert a.refs[0].sentence == "See (Fig. 1)."
        assert any("not expanded" in w for w in a.warnings)


def test_parameter_entity_and_external_dtd_are_not_fetched(tmp_path):
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY leak "LEAKED">')
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE article SYSTEM "{dtd.as_uri()}" [<!ENTITY % p SYSTEM "{dtd.as_uri()}"> %p;]>'
        "<article><front><article-meta><title-group><article-title>T &leak;</article-title></title-group>"
        "</article-meta></front></article>"
    )
    try:
        a = parse_article(xml.encode())
    except MalformedXMLError:
        return
    assert "LEAKED" not in repr(a)


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + ']><article><body><p>&lol9;</p></body></article>'
)


def test_billion_laughs_does_not_expand():
    t0 = time.perf_counter()
    try:
        a = parse_article(BILLION_LAUGHS.encode())
    except MalformedXMLError:
        pass
    else:
        assert "lollol" not in repr(a)
    assert time.perf_counter() - t0 < 2.0


def test_quadratic_blowup_is_bounded():
    # One big entity referenced many times: no expansion, so no blow-up either.
    xml = '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "' + "x" * 50_000 + '">]><article><p>' + "&x;" * 5_000 + "</p></article>"
    t0 = time.perf_counter()
    try:
        a = parse_article(xml.encode())
    except MalformedXMLError:
        pass
    else:
        assert "xxxx" not in repr(a)
    assert time.perf_counter() - t0 < 2.0
