"""Drawn panel boundaries (pmcmine.figures.frames and their use in layout/split): stacked
framed charts a couple of pixels apart are one panel each, a divider splits a chart in two
when the caption names its halves, and chart axes, gridlines, legend boxes and unframed
neighbours are no such evidence (drawn figures)."""

from types import SimpleNamespace

import numpy as np
from PIL import Image, ImageDraw

from pmcmine.figures.classic import ink_mask
from pmcmine.figures.detector import Panel
from pmcmine.figures.frames import dividers, find_frames, find_lines, frame_cells, panel_frames
from pmcmine.figures.layout import Ink, cut_at_dividers, frame_panels
from pmcmine.figures.split import split_figure


def _ink(img) -> Ink:
    return Ink(ink_mask(img), np.asarray(img.convert("L")))


def _words(d, x, y, n=3):
    """A row of glyph-sized blocks (tick labels, a title)."""
    for k in range(n):
        d.rectangle([x + 9 * k, y, x + 5 + 9 * k, y + 8], fill="black")


def _bars(d, x0, y0, x1, y1, seed=0, horizontal=True):
    rng = np.random.default_rng(seed)
    if horizontal:
        for k, y in enumerate(range(y0 + 10, y1 - 14, 22)):
            d.rectangle([x0 + 10, y, x0 + 10 + int(rng.uniform(0.2, 0.9) * (x1 - x0 - 20)), y + 10], fill="black")
    else:
        for k, x in enumerate(range(x0 + 12, x1 - 16, 28)):
            d.rectangle([x, y1 - int(rng.uniform(0.3, 0.9) * (y1 - y0)), x + 14, y1], fill=(90, 90, 90))


def stacked_frames(gap=2, n=3, zero_line=True):
    """n framed horizontal bar charts stacked ``gap`` px apart, row labels inside the frames,
    tick numbers above the first, a zero line running through all of them."""
    img = Image.new("RGB", (500, 40 + n * (120 + gap)), "white")
    d = ImageDraw.Draw(img)
    _words(d, 100, 10, 12)
    y = 30
    for k in range(n):
        d.rectangle([5, y, 495, y + 119], outline="black")
        for r in range(4):
            _words(d, 12, y + 12 + 24 * r, 4)
        _bars(d, 90, y, 420, y + 119, seed=k)
        y += 120 + gap
    if zero_line:
        d.line([(100, 30), (100, y - gap - 1)], fill="black")
    return img


def test_frames_of_stacked_charts_are_found_and_cut_apart():
    img = stacked_frames()
    mask = ink_mask(img)
    frames, border = panel_frames(mask)
    assert frames == [(5, 30, 496, 150), (5, 152, 496, 272), (5, 274, 496, 394)] and border is None
    cells = frame_cells(frames, (0, 0, 500, 400))
    assert [c[1] for c in cells] == [0, 151, 273] and all(c[0] == 0 and c[2] == 500 for c in cells)
    # one box around everything (a gutter splitter) and fragments (a detector trained on
    # gutters) both become one panel per frame; the tick numbers join the first
    for given in ([Panel((5, 10, 496, 394))], [Panel((12, 40, 60, 90)), Panel((90, 40, 400, 140)),
                                                Panel((90, 160, 420, 290)), Panel((12, 280, 60, 390))]):
        ps, members = frame_panels(given, _ink(img))
        assert [p.box[1] for p in ps] == [10, 151, 273] and all(p.score == 1.0 for p in ps)
    assert members == [[0, 1], [2], [3]]
    # through split_figure, a caption without labels: three confident panels, tight
    r = split_figure(img, SimpleNamespace(name="one@1", panels=lambda im: ([Panel((5, 10, 496, 394))], [None])), [])
    assert [p.box for p in r.panels] == [(5, 10, 496, 151), (5, 151, 496, 273), (5, 273, 496, 394)]  # the zero line crosses the gaps


def test_framed_photographs_side_by_side_are_cut_apart():
    img = Image.new("RGB", (620, 260), "white")
    d = ImageDraw.Draw(img)
    for k, x0 in enumerate((5, 312)):  # 2 px apart
        d.rectangle([x0, 5, x0 + 305, 250], outline="black", width=2)
        noise = np.random.default_rng(k).integers(40, 200, (200, 260, 3), dtype=np.uint8)
        img.paste(Image.fromarray(noise), (x0 + 20, 25))
    ps, members = frame_panels([Panel((5, 5, 618, 251))], _ink(img))
    assert [p.box for p in ps] == [(5, 5, 311, 251), (311, 5, 618, 251)] and sorted(members) == [[], [0]]


def test_framed_panels_inside_a_border_around_the_figure():
    small = stacked_frames()
    img = Image.new("RGB", (520, 420), "white")
    img.paste(small, (10, 10))
    ImageDraw.Draw(img).rectangle([2, 2, 517, 417], outline="black")
    frames, border = panel_frames(ink_mask(img))
    assert len(frames) == 3 and border is not None and border[0] > 2 and border[2] < 517
    ps, _ = frame_panels([Panel((2, 2, 518, 418))], _ink(img))
    assert [p.box[1] for p in ps] == [20, 161, 283]  # the border is in none of them
    # one chart in its axis box inside a border: no panels
    img = Image.new("RGB", (520, 200), "white")
    img.paste(stacked_frames(n=1), (10, 10))
    ImageDraw.Draw(img).rectangle([2, 2, 517, 197], outline="black")
    assert panel_frames(ink_mask(img)) == ([], None)


def test_panels_that_already_follow_the_frames_are_kept():
    img = stacked_frames(gap=20, n=2)
    given = [Panel((2, 8, 498, 152)), Panel((2, 165, 498, 295))]
    assert frame_panels(given, _ink(img)) is None


def test_a_caption_naming_another_count_overrules_the_frames():
    img = stacked_frames(n=3)
    assert frame_panels([Panel((5, 10, 496, 394))], _ink(img), count=2) is None
    assert frame_panels([Panel((5, 10, 496, 394))], _ink(img), count=3) is not None


def test_one_frame_a_legend_box_or_an_unframed_neighbour_is_no_evidence():
    # one chart in its axis box
    img = stacked_frames(n=1)
    assert find_frames(ink_mask(img)) and panel_frames(ink_mask(img)) == ([], None)
    # a chart's axis box and its small legend box beside it
    img = Image.new("RGB", (500, 260), "white")
    d = ImageDraw.Draw(img)
    d.rectangle([10, 10, 340, 240], outline="black")
    _bars(d, 10, 10, 340, 240, horizontal=False)
    d.rectangle([360, 20, 470, 90], outline="black")
    _words(d, 370, 40, 5)
    assert len(find_frames(ink_mask(img))) == 2 and panel_frames(ink_mask(img)) == ([], None)
    # a framed chart beside a chart without a frame: the frames do not tile the panels
    img = Image.new("RGB", (700, 300), "white")
    d = ImageDraw.Draw(img)
    for x0 in (10, 240):
        d.rectangle([x0, 10, x0 + 200, 130], outline="black")
        _bars(d, x0, 10, x0 + 200, 130, horizontal=False)
        d.line([(x0, 160), (x0, 290), (x0 + 200, 290)], fill="black", width=2)  # axes, no box
        _bars(d, x0, 160, x0 + 200, 290, seed=3, horizontal=False)
    assert len(panel_frames(ink_mask(img))[0]) == 2
    assert frame_panels([Panel((5, 5, 450, 295))], _ink(img)) is None


def test_the_boxes_of_a_flowchart_are_no_panels():
    img = Image.new("RGB", (500, 420), "white")
    d = ImageDraw.Draw(img)
    for k in range(3):
        y = 10 + 140 * k
        d.rectangle([20, y, 480, y + 120], outline="black", width=2)
        _words(d, 200, y + 55, 8)
        if k:
            d.line([(250, y - 20), (250, y - 2)], fill="black", width=2)  # a short arrow
    assert len(panel_frames(ink_mask(img))[0]) == 3
    assert frame_panels([Panel((20, 10, 481, 411))], _ink(img)) is None


def _halves(gridlines=False, curve=False):
    """A bar chart whose plot is split by a vertical line from the top to the x-axis, y-axis
    ticks and title on the left, tick labels under the axis."""
    img = Image.new("RGB", (600, 340), "white")
    d = ImageDraw.Draw(img)
    for k in range(6):
        _words(d, 8, 30 + 35 * k, 2)  # y tick labels
    d.line([(44, 10), (44, 240)], fill="black", width=2)  # y-axis
    d.line([(41, 240), (597, 240)], fill="black")  # x-axis
    d.line([(320, 10), (320, 240)], fill="black", width=2)  # the divider
    _words(d, 80, 12, 10)
    _words(d, 360, 12, 10)
    _bars(d, 44, 40, 318, 239, seed=1, horizontal=False)
    _bars(d, 322, 40, 597, 239, seed=2, horizontal=False)
    for x in range(60, 580, 28):
        _words(d, x, 250, 1)
    if gridlines:
        for y in (80, 140, 200):
            d.line([(45, y), (597, y)], fill=(150, 150, 150))
    if curve:
        d.line([(50, 200), (300, 60), (580, 150)], fill="black", width=2)
    return img


def test_a_divider_cuts_a_chart_into_the_halves_the_caption_names():
    img = _halves()
    ink = _ink(img)
    whole = [Panel((0, 0, 600, 340))]
    ps, members = cut_at_dividers(whole, ink, 2, (True,))
    assert [p.box for p in ps] == [(8, 10, 320, 259), (322, 10, 598, 259)] and members == [[0], [0]]
    # the y-axis is no divider (text only to its left), nor is the x-axis (text only below)
    assert len(cut_at_dividers(whole, ink, 3, (True,))[0]) == 2
    assert len(cut_at_dividers(whole, ink, 2, (False,))[0]) == 1
    # through split_figure: the caption's left and right panels
    det = SimpleNamespace(name="one@1", panels=lambda im: ([Panel((0, 0, 600, 340))], [None]))
    r = split_figure(img, det, ["left", "right"], ocr=False)
    assert [p.box[0] for p in r.panels] == [8, 322]
    # a caption naming no panels, or one panel, cuts nothing
    assert len(split_figure(img, det, [], ocr=False).panels) == 1


def test_gridlines_and_lines_crossed_by_data_are_no_dividers():
    # horizontal gridlines run behind the bars: crossed, and no line closes them on the left
    img = _halves(gridlines=True)
    mask = ink_mask(img)
    assert dividers(mask, (8, 10, 597, 259), False) == [] or len(
        cut_at_dividers([Panel((8, 10, 597, 259))], _ink(img), 2, (False,))[0]) == 1
    # a curve drawn across the divider: it is part of one plot
    img = _halves(curve=True)
    assert dividers(ink_mask(img), (8, 10, 597, 259), True) == []


def test_a_zero_line_with_bars_growing_from_it_is_no_divider():
    # a horizontal bar chart with negative and positive bars either side of a zero line
    # running from the top of the axis box to its bottom: nothing crosses it, but the bars
    # lean on it
    img = Image.new("RGB", (500, 300), "white")
    d = ImageDraw.Draw(img)
    d.rectangle([10, 10, 490, 290], outline="black")
    d.line([(250, 10), (250, 290)], fill="black", width=2)
    rng = np.random.default_rng(0)
    for y in range(25, 270, 24):
        w = int(rng.uniform(40, 200))
        if rng.uniform() < 0.5:
            d.rectangle([250 - w, y, 249, y + 10], fill="black")
        else:
            d.rectangle([252, y, 252 + w, y + 10], fill=(120, 120, 120))
    assert dividers(ink_mask(img), (10, 10, 491, 291), True) == []
    assert len(cut_at_dividers([Panel((10, 10, 491, 291))], _ink(img), 2, (True,))[0]) == 1


def test_lines_are_thin_long_strokes_only():
    img = Image.new("RGB", (400, 300), "white")
    d = ImageDraw.Draw(img)
    d.line([(10, 20), (390, 20)], fill="black", width=2)
    d.rectangle([10, 100, 390, 140], fill="black")  # a thick bar: not a line
    d.line([(10, 200), (40, 200)], fill="black")  # too short
    h = find_lines(ink_mask(img), False)
    assert [(ln.width, ln.lo, ln.hi) for ln in h] == [(2, 10, 391)]
