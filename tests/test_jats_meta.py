"""Licence codes, ids and dates (pure functions of pmcmine.jats.license / .meta)."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from pmcmine.jats.license import code_from_text, code_from_type, code_from_url, read_license
from pmcmine.jats.meta import article_id_for, earliest, normalise_doi, normalise_pmcid, pub_date_key


@pytest.mark.parametrize(
    "url, code",
    [
        ("http://creativecommons.org/licenses/by/2.0", "CC BY"),
        ("https://creativecommons.org/licenses/by/4.0/", "CC BY"),
        ("http://creativecommons.org/licenses/by-sa/3.0/", "CC BY-SA"),
        ("http://creativecommons.org/licenses/by-nd/4.0/", "CC BY-ND"),
        ("http://creativecommons.org/licenses/by-nc/3.0", "CC BY-NC"),
        ("https://creativecommons.org/licenses/by-nc-sa/4.0/", "CC BY-NC-SA"),
        ("https://creativecommons.org/licenses/by-nc-nd/4.0/", "CC BY-NC-ND"),
        ("http://creativecommons.org/licenses/by-nd-nc/1.0/", "CC BY-NC-ND"),
        ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0"),
        ("http://creativecommons.org/publicdomain/mark/1.0/", "PD"),
        ("https://www.elsevier.com/tdm/userlicense/1.0/", None),
        ("", None),
        (None, None),
    ],
)
def test_code_from_url(url, code):
    assert code_from_url(url) == code


@pytest.mark.parametrize(
    "text, code",
    [
        ("distributed under the terms of the Creative Commons Attribution License, which permits "
         "unrestricted non-commercial use", "CC BY"),
        ("the Creative Commons Attribution Non-Commercial License (http://...)", "CC BY-NC"),
        ("Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International License", "CC BY-NC-ND"),
        ("Creative Commons Attribution-NonCommercial-ShareAlike 3.0 Unported", "CC BY-NC-SA"),
        ("Creative Commons Attribution-ShareAlike License", "CC BY-SA"),
        ("This article is distributed under the CC BY 4.0 license.", "CC BY"),
        ("Licensed CC BY-NC-ND.", "CC BY-NC-ND"),
        ("CC-BY-NC", "CC BY-NC"),
        ("made available under the Creative Commons CC0 public domain dedication", "CC0"),
        ("Publication of EHP lies in the public domain and is therefore without copyright.", "PD"),
        ("This is a work of the U.S. Government and is not subject to copyright protection.", "PD"),
        ("Copyright © 2010 Cancer Research UK", None),
        ("", None),
    ],
)
def test_code_from_text(text, code):
    assert code_from_text(text) == code


@pytest.mark.parametrize(
    "value, code",
    [("open-access", None), ("cc-by", "CC BY"), ("cc-by-nc-nd", "CC BY-NC-ND"), ("public-domain", "PD"), ("cc0", "CC0"), (None, None)],
)
def test_code_from_type(value, code):
    assert code_from_type(value) == code


def _meta(inner: str):
    return etree.fromstring(
        '<article-meta xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:ali="http://www.niso.org/schemas/ali/1.0/">'
        + inner
        + "</article-meta>"
    )


@pytest.mark.parametrize(
    "inner, expected",
    [
        ('<permissions><license license-type="open-access" xlink:href="http://creativecommons.org/licenses/by/2.0">'
         "<license-p>text</license-p></license></permissions>", ("CC BY", "http://creativecommons.org/licenses/by/2.0")),
        ("<permissions><ali:license_ref>https://creativecommons.org/licenses/by-nc/4.0/</ali:license_ref></permissions>",
         ("CC BY-NC", "https://creativecommons.org/licenses/by-nc/4.0/")),
        ('<permissions><license><license-p>under the <ext-link xlink:href="http://creativecommons.org/licenses/by-sa/4.0/">'
         "Creative Commons Attribution License</ext-link></license-p></license></permissions>",
         ("CC BY-SA", "http://creativecommons.org/licenses/by-sa/4.0/")),
        ("<permissions><license><license-p>See https://creativecommons.org/licenses/by-nd/4.0/ for terms.</license-p>"
         "</license></permissions>", ("CC BY-ND", "https://creativecommons.org/licenses/by-nd/4.0/")),
        ('<permissions><license license-type="cc-by-nc"><license-p>Open access.</license-p></license></permissions>',
         ("CC BY-NC", None)),
        ("<permissions><license><license-p>distributed under the terms of the Creative Commons Attribution License"
         "</license-p></license></permissions>", ("CC BY", None)),
        ("<copyright-statement>This is an open-access article distributed under the terms of the Creative Commons "
         "Attribution License</copyright-statement>", ("CC BY", None)),
        ('<permissions><license xlink:href="https://example.org/terms"><license-p>All rights reserved.</license-p>'
         "</license></permissions>", ("unknown", "https://example.org/terms")),
        ("<permissions><copyright-statement>© 2010 Cancer Research UK</copyright-statement></permissions>", ("unknown", None)),
        ("", ("unknown", None)),
    ],
)
def test_read_license(inner, expected):
    assert read_license(_meta(inner)) == expected


def test_read_license_custom_meta_values():
    assert read_license(_meta(""), ["CC BY"]) == ("CC BY", None)
    assert read_license(_meta(""), ["https://creativecommons.org/licenses/by-nc-sa/4.0/"])[0] == "CC BY-NC-SA"
    assert read_license(None) == ("unknown", None)


@pytest.mark.parametrize(
    "value, expected",
    [("3166277", ("PMC3166277", None)), ("PMC3166277", ("PMC3166277", None)), ("pmc123.2", ("PMC123", 2)),
     (" PMC0042 ", ("PMC42", None)), ("abc", (None, None)), ("", (None, None)), (None, (None, None))],
)
def test_normalise_pmcid(value, expected):
    assert normalise_pmcid(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [("10.1/x", "10.1/x"), ("https://doi.org/10.1/X", "10.1/X"), ("doi: 10.1/x", "10.1/x"), (" ", None), (None, None)],
)
def test_normalise_doi(value, expected):
    assert normalise_doi(value) == expected


def test_article_id_fallback_order():
    raw = b"<article/>"
    assert article_id_for("PMC1", "PMC2", "10.1/x", raw) == "PMC1"
    assert article_id_for(None, "PMC2", "10.1/x", raw) == "PMC2"
    assert article_id_for(None, "  ", "10.1/x", raw) == "doi:10.1/x"
    assert article_id_for(None, None, None, raw) == "sha1:" + __import__("hashlib").sha1(raw).hexdigest()[:16]


@pytest.mark.parametrize(
    "attrs, key",
    [
        ('pub-type="epub"', "epub"),
        ('pub-type="ppub"', "ppub"),
        ('pub-type="collection"', "collection"),
        ('pub-type="pmc-release"', "pmc-release"),
        ('pub-type="epreprint"', "epreprint"),
        ('publication-format="electronic" date-type="pub"', "epub"),
        ('publication-format="print" date-type="pub"', "ppub"),
        ('date-type="publication" publication-format="electronic"', "epub"),
        ('date-type="collection"', "collection"),
        ('date-type="pub"', "pub"),
        ("", "pub"),
    ],
)
def test_pub_date_key(attrs, key):
    assert pub_date_key(etree.fromstring(f"<pub-date {attrs}/>")) == key


def test_earliest():
    assert earliest({}) is None
    assert earliest({"collection": (2011, None, None), "epub": (2011, 8, 2)}) == dt.date(2011, 8, 2)
    assert earliest({"ppub": (2019, None, None), "epub": (2020, 7, 17)}) == dt.date(2019, 1, 1)
    assert earliest({"collection": (2013, 2, None), "epub": (2013, 2, 28)}) == dt.date(2013, 2, 28)
    assert earliest({"received": (2001, 1, 1), "pmc-release": (2012, 11, 12)}) == dt.date(2012, 11, 12)
