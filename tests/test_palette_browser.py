"""Sixteen categories a reader can tell apart, in a real browser, light and dark.

A project with sixteen categories (and events without one) is built with the real CLI and
served on 127.0.0.1; headless Chromium reports the colours the stylesheet gives the legend's
swatches, the chart's bars and the timeline's markers. Each category must have a colour of
its own, far enough from every other to be seen (CIELAB distance), with WCAG's 3:1 contrast
for graphics against the page, the chart's panel and the chip behind it; the last six are
also hatched, so that hue is never the only cue among them.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator

import pytest
from conftest import REPO, run_timeline, write
from playwright.sync_api import Browser, Page
from sitehttp import serve

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
COUNT = 16
#: CIE76 distance between any two categories' colours: about 2.3 is just noticeable; the
#: palette keeps well clear of confusing neighbours.
MIN_DISTANCE = 10
MIN_CONTRAST = 3.0  # WCAG 2 success criterion 1.4.11, non-text contrast

#: For each legend chip: its swatch's colour, its pattern, and the chip's background.
LEGEND = """() => [...document.querySelectorAll('.legend .cat')].map(chip => {
  const sw = getComputedStyle(chip.querySelector('.sw'));
  return {label: chip.textContent.trim(), colour: sw.backgroundColor, image: sw.backgroundImage,
          chip: getComputedStyle(chip).backgroundColor};
})"""
#: For each bar segment: its class, its fill, and whether a hatch lies over it.
BARS = """() => [...document.querySelectorAll('.chart rect[class^=c]')].map(r => ({
  cls: r.getAttribute('class'), fill: getComputedStyle(r).fill,
  hatched: r.nextElementSibling?.getAttribute('class') === 'hatch'}))"""
#: For each timeline marker: its event's category class and its colour and pattern.
DOTS = """() => [...document.querySelectorAll('li.event')].map(li => {
  const dot = getComputedStyle(li.querySelector('.dot'));
  return {cls: [...li.classList].find(c => /^c(\\d+|x)$/.test(c)),
          colour: dot.backgroundColor, image: dot.backgroundImage};
})"""


def rgb(css: str) -> tuple[float, float, float]:
    """The first `rgb(r, g, b)` in a computed CSS value."""
    found = re.search(r"rgba?\((\d+), (\d+), (\d+)", css)
    assert found, css
    return tuple(float(v) for v in found.groups())  # type: ignore[return-value]


def luminance(colour: tuple[float, float, float]) -> list[float]:
    """The linear-light channels of an sRGB colour."""
    return [c / 255 / 12.92 if c <= 10.3 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in colour]


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """WCAG 2 contrast ratio."""
    la, lb = (
        sum(w * c for w, c in zip((0.2126, 0.7152, 0.0722), luminance(x), strict=True))
        for x in (a, b)
    )
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def lab(colour: tuple[float, float, float]) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB colour."""
    r, g, b = luminance(colour)
    xyz = (
        (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
    )
    fx, fy, fz = (t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116 for t in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A project of sixteen categories, three events each and two without one, served."""
    root = tmp_path_factory.mktemp("palette")
    keys = [f"topic-{i:02d}" for i in range(COUNT)]
    write(
        root / "content" / "site.yaml",
        "title: Sixteen categories\ncategories:\n"
        + "".join(f"  {key}: Topic {i + 1}\n" for i, key in enumerate(keys)),
    )
    events = [
        f"- {{date: '{2020 + n // 12}-{n % 12 + 1:02d}', title: Event {n}, "
        f"category: {keys[n % COUNT]}, sources: [{{url: 'https://a.example/{n}'}}]}}\n"
        for n in range(3 * COUNT)
    ]
    events += [
        f"- {{date: '2024-0{n}', title: Loose {n}, sources: [{{url: 'https://a.example/'}}]}}\n"
        for n in (1, 2)
    ]
    write(root / "content" / "events" / "all.yaml", "".join(events))
    assert run_timeline("build", str(root), "-o", str(root / "site")).code == 0
    with serve({"/repo/": root / "site"}) as served:
        yield served + "/repo/"


@pytest.fixture
def timeline(origin: str, browser: Browser, scheme: str) -> Iterator[Page]:
    """The served timeline in the colour scheme of the test's `scheme`."""
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(origin)
    yield page
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_sixteen_categories_have_colours_of_their_own_with_contrast(
    timeline: Page, scheme: str
) -> None:
    page = timeline
    legend = page.evaluate(LEGEND)
    assert [chip["label"].split()[0:2] for chip in legend[:COUNT]] == [
        ["Topic", str(i + 1)] for i in range(COUNT)
    ]
    assert legend[COUNT]["label"].startswith("No category")
    colours = [rgb(chip["image"] if chip["image"] != "none" else chip["colour"]) for chip in legend]
    for (i, a), (j, b) in itertools.combinations(enumerate(colours), 2):
        assert math.dist(lab(a), lab(b)) >= MIN_DISTANCE, (scheme, i, j, a, b)
    page_bg = rgb(page.evaluate("getComputedStyle(document.body).backgroundColor"))
    panel = rgb(
        page.evaluate("getComputedStyle(document.querySelector('.overview')).backgroundColor")
    )
    for i, (chip, colour) in enumerate(zip(legend, colours, strict=True)):
        for behind in (page_bg, panel, rgb(chip["chip"])):
            assert contrast(colour, behind) >= MIN_CONTRAST, (scheme, i, colour, behind)
    # the last six are hatched: their swatch is a pattern, and no other is
    assert [chip["image"] != "none" for chip in legend] == [i >= 10 for i in range(COUNT)] + [False]
    # and the chips' text keeps its contrast on the new tints (axe checks every text)
    page.add_style_tag(content=".month { content-visibility: visible !important; }")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run()")
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]] == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_bars_and_markers_wear_their_category_s_colour_and_hatch(timeline: Page) -> None:
    page = timeline
    legend = page.evaluate(LEGEND)
    swatch = {
        f"c{i}": rgb(chip["image"] if i >= 10 else chip["colour"])
        for i, chip in enumerate(legend[:COUNT])
    }
    swatch["cx"] = rgb(legend[COUNT]["colour"])
    bars = page.evaluate(BARS)
    assert {bar["cls"] for bar in bars} == set(swatch)
    for bar in bars:
        assert rgb(bar["fill"]) == swatch[bar["cls"]], bar
        assert bar["hatched"] == (bar["cls"] != "cx" and int(bar["cls"][1:]) >= 10), bar
    stripes = page.evaluate("getComputedStyle(document.querySelector('#chart-hatch rect')).fill")
    panel = page.evaluate("getComputedStyle(document.querySelector('.overview')).backgroundColor")
    assert rgb(stripes) == rgb(panel)
    dots = page.evaluate(DOTS)
    assert len(dots) == 3 * COUNT + 2
    for dot in dots:
        hatched = dot["image"] != "none"
        assert rgb(dot["image"] if hatched else dot["colour"]) == swatch[dot["cls"]], dot
        assert hatched == (dot["cls"] != "cx" and int(dot["cls"][1:]) >= 10), dot


#: The name of a chart bar's link: "March 2021: 1 event (Topic 3 1)".
BAR_NAME = r"^\w+ \d{4}: \d+ events? \("


@pytest.mark.parametrize("scheme", ["light"])
def test_each_bar_is_announced_once(timeline: Page) -> None:
    """A bar's label is its link's name, not also its description (which is read after it)."""
    page = timeline
    tree = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]
    links = [
        (node["name"]["value"], node.get("description", {}).get("value", ""))
        for node in tree
        if node.get("role", {}).get("value") == "link"
        and re.match(BAR_NAME, node.get("name", {}).get("value", ""))
    ]
    assert len(links) == 3 * COUNT + 2  # a month each
    assert links[0][0] == "January 2020: 1 event (Topic 1 1)"
    assert [description for _, description in links] == [""] * len(links)
