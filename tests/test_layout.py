"""Layout evidence between detected panels: legends and titles join their chart, a shared
legend is dropped, the halves of a flowchart joined by arrows become one panel, and panels
apart stay apart (drawn figures; the numbers behind the thresholds come from the real dev
figures, see pmcmine.figures.layout)."""

import numpy as np
from PIL import Image, ImageDraw

from pmcmine.figures.classic import ink_mask
from pmcmine.figures.detector import Panel
from pmcmine.figures.layout import Ink, connected, is_text_only, merge_fragments


def _chart(d: ImageDraw.ImageDraw, x0, y0, x1, y1):
    """Axes and a few bars: one big connected shape."""
    d.line([(x0, y0), (x0, y1), (x1, y1)], fill="black", width=2)
    for k, h in enumerate((0.4, 0.7, 0.5)):
        bx = x0 + 15 + 40 * k
        d.rectangle([bx, y1 - int(h * (y1 - y0)), bx + 20, y1], fill=(60, 60, 200))


def _legend(d: ImageDraw.ImageDraw, x, y, rows=3):
    """Swatches and 'words': glyph-sized shapes only."""
    for r in range(rows):
        yy = y + 16 * r
        d.rectangle([x, yy, x + 8, yy + 8], fill=(200, 40, 40))
        for c in range(4):
            d.rectangle([x + 14 + 8 * c, yy, x + 19 + 8 * c, yy + 8], fill="black")


def _ink(img) -> Ink:
    return Ink(ink_mask(img), np.asarray(img.convert("L")))


def _photo(img, box, seed=0):
    """A textured rectangle (a photograph, a micrograph)."""
    x0, y0, x1, y1 = box
    noise = np.random.default_rng(seed).integers(40, 200, (y1 - y0, x1 - x0, 3), dtype=np.uint8)
    img.paste(Image.fromarray(noise), (x0, y0))


def _panels(*boxes):
    return [Panel(b, 0.9) for b in boxes]


def test_a_legend_joins_its_chart_and_a_shared_one_is_dropped():
    img = Image.new("RGB", (600, 300), "white")
    d = ImageDraw.Draw(img)
    _chart(d, 20, 40, 180, 260)
    _legend(d, 195, 60)  # right beside the first chart
    _chart(d, 330, 40, 490, 260)
    ink = _ink(img)
    assert is_text_only(ink, (195, 60, 240, 100)) and not is_text_only(ink, (18, 38, 182, 262))
    ps, members = merge_fragments(_panels((18, 38, 182, 262), (195, 60, 240, 100), (328, 38, 492, 262)), ink.mask)
    assert [p.box for p in ps] == [(18, 38, 240, 262), (328, 38, 492, 262)]
    assert members == [[0, 1], [2]]

    img = Image.new("RGB", (600, 300), "white")
    d = ImageDraw.Draw(img)
    _chart(d, 20, 40, 180, 260)
    _legend(d, 235, 120)  # midway between the two charts: it serves both
    _chart(d, 330, 40, 490, 260)
    ps, members = merge_fragments(_panels((18, 38, 182, 262), (235, 120, 280, 160), (328, 38, 492, 262)),
                                  ink_mask(img))
    assert [p.box for p in ps] == [(18, 38, 182, 262), (328, 38, 492, 262)] and members == [[0], [2]]


def test_the_caption_count_is_a_floor():
    img = Image.new("RGB", (600, 300), "white")
    d = ImageDraw.Draw(img)
    _chart(d, 20, 40, 180, 260)
    _legend(d, 195, 60)
    _chart(d, 330, 40, 490, 260)
    three = _panels((18, 38, 182, 262), (195, 60, 240, 100), (328, 38, 492, 262))
    ps, _ = merge_fragments(three, ink_mask(img), floor=3)  # the caption names three panels
    assert len(ps) == 3


def _flowchart(img):
    d = ImageDraw.Draw(img)
    d.rectangle([100, 20, 300, 80], outline="black", width=2)
    d.rectangle([100, 200, 300, 260], outline="black", width=2)
    d.line([(200, 80), (200, 200)], fill="black", width=2)  # the arrow across the white gutter
    d.polygon([(192, 188), (208, 188), (200, 200)], fill="black")
    return d


def test_the_halves_of_a_flowchart_joined_by_an_arrow_are_one_panel():
    img = Image.new("RGB", (400, 300), "white")
    _flowchart(img)
    ink = _ink(img)
    top, bottom = (98, 18, 302, 120), (98, 150, 302, 262)
    assert connected(ink, top, bottom) and connected(ink, bottom, top)
    ps, members = merge_fragments(_panels(top, bottom), ink.mask)
    assert [p.box for p in ps] == [(98, 18, 302, 262)] and members == [[0, 1]]


def test_panels_apart_stay_apart():
    # charts side by side: nothing crosses the gutter
    img = Image.new("RGB", (600, 300), "white")
    d = ImageDraw.Draw(img)
    _chart(d, 20, 40, 180, 260)
    _chart(d, 330, 40, 490, 260)
    boxes = [(18, 38, 182, 262), (328, 38, 492, 262)]
    assert not connected(_ink(img), *boxes)
    assert len(merge_fragments(_panels(*boxes), ink_mask(img))[0]) == 2
    # a photograph and its inset joined by a callout line: textured images, not drawings
    img = Image.new("RGB", (600, 300), "white")
    _photo(img, (20, 20, 251, 281))
    _photo(img, (350, 80, 561, 221), seed=1)
    d = ImageDraw.Draw(img)
    d.line([(250, 150), (350, 150)], fill="black", width=2)
    assert not connected(_ink(img), (20, 20, 251, 281), (350, 80, 561, 221))
    # one frame around two halves (a divider between them): the frame is no connector
    img = Image.new("RGB", (600, 300), "white")
    d = ImageDraw.Draw(img)
    d.rectangle([5, 5, 594, 294], outline="black", width=2)
    d.line([(300, 5), (300, 294)], fill="black", width=2)
    _chart(d, 40, 40, 250, 260)
    _chart(d, 340, 40, 560, 260)
    assert not connected(_ink(img), (5, 5, 290, 295), (310, 5, 595, 295))
    # a panel between the two: the space between them is no empty gutter
    img = Image.new("RGB", (400, 300), "white")
    d = _flowchart(img)
    d.rectangle([150, 110, 250, 170], fill=(90, 90, 90))
    assert not connected(_ink(img), (98, 18, 302, 82), (98, 198, 302, 262))


def test_a_flowchart_cut_into_many_boxes_becomes_one_drawing():
    img = Image.new("RGB", (500, 400), "white")
    d = ImageDraw.Draw(img)
    for x in (40, 280):  # two columns of three boxes, chained by arrows
        for y in (20, 150, 280):
            d.rectangle([x, y, x + 180, y + 80], outline="black", width=2)
        d.line([(x + 90, 100), (x + 90, 150)], fill="black", width=2)
        d.line([(x + 90, 230), (x + 90, 280)], fill="black", width=2)
    d.line([(220, 60), (280, 60)], fill="black", width=2)  # top boxes joined across the columns
    boxes = [(38, 18, 222, 110), (278, 18, 462, 102), (38, 148, 222, 232), (278, 148, 462, 232),
             (38, 278, 222, 362), (278, 278, 462, 362)]
    ps, members = merge_fragments(_panels(*boxes), ink_mask(img))
    assert [p.box for p in ps] == [(38, 18, 462, 362)] and sorted(members[0]) == list(range(6))
    # with a caption naming two panels the drawing is not joined below that count
    assert len(merge_fragments(_panels(*boxes), ink_mask(img), floor=2)[0]) == 6


def test_a_small_chart_in_a_tall_grid_is_no_text():
    # twelve rows of small charts: each chart's axes are short against the figure, but they
    # span the chart's own box
    img = Image.new("RGB", (300, 1800), "white")
    d = ImageDraw.Draw(img)
    for r in range(12):
        d.line([(20, 20 + 150 * r), (20, 120 + 150 * r), (120, 120 + 150 * r)], fill="black", width=2)
    ink = _ink(img)
    assert not is_text_only(ink, (18, 18, 122, 122))
    assert is_text_only(ink, (200, 40, 210, 52)) is False  # no ink there at all


def test_a_flowchart_of_filled_boxes_is_one_drawing():
    img = Image.new("RGB", (400, 300), "white")
    d = ImageDraw.Draw(img)
    d.rectangle([100, 20, 300, 80], fill=(200, 220, 250), outline=(40, 40, 120), width=2)
    d.rectangle([100, 200, 300, 260], fill=(200, 250, 200), outline=(40, 40, 120), width=2)
    d.line([(200, 80), (200, 200)], fill="black", width=2)
    top, bottom = (98, 18, 302, 120), (98, 150, 302, 262)
    assert connected(_ink(img), top, bottom)  # dense, but flat colours: a drawing
    assert not connected(Ink(ink_mask(img)), top, bottom)  # without the grey levels: not line art
