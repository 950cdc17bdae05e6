"""The overview chart: counts become stacked, linked, labelled bars in well-formed SVG."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

from conftest import run_timeline, write

from builder.chart import (
    KEPT_GAP,
    MAX_MONTH_BARS,
    MAX_YEAR_BARS,
    Gap,
    bar_keys,
    bar_label,
    colour_class,
    nice_maximum,
    overview_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
CATEGORIES = ["attack", "diplomacy"]
LABELS = {"attack": "Attack", "diplomacy": "Diplomacy"}


def month_anchor(key: tuple) -> str:
    return f"#y{key[0]}-{key[1]:02d}" if len(key) == 2 else f"#y{key[0]}"


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def bars(root: ElementTree.Element) -> dict[str, ElementTree.Element]:
    return {a.get("href"): a for a in root.iter(f"{SVG}a")}


def test_months_are_stacked_by_category_and_link_to_their_month() -> None:
    points = [
        (2023, 1, "attack"),
        (2023, 1, "diplomacy"),
        (2023, 1, "attack"),
        (2023, 3, None),
    ]
    chart = overview_chart(points, CATEGORIES, LABELS, month_anchor)
    assert chart is not None and chart.unit == "month" and chart.bars == 3 and chart.omitted == 0
    root = parse(chart.svg)
    linked = bars(root)
    assert set(linked) == {"#y2023-01", "#y2023-03"}  # February is an empty gap, not a link
    january = linked["#y2023-01"]
    # named by its title alone: an equal aria-label would make the title its description,
    # which screen readers read after the name (see test_palette_browser.py)
    assert january.find(f"{SVG}title").text == "January 2023: 3 events (Attack 2, Diplomacy 1)"
    assert january.get("aria-label") is None
    segments = [r for r in january.iter(f"{SVG}rect") if r.get("class") != "hit"]
    assert [r.get("class") for r in segments] == ["c0", "c1"]
    heights = [float(r.get("height")) for r in segments]
    assert heights[0] == 2 * heights[1]
    # stacked: the second segment sits right on top of the first
    first, second = segments
    assert float(second.get("y")) + float(second.get("height")) == float(first.get("y"))
    assert linked["#y2023-03"].find(f"{SVG}title").text == "March 2023: 1 event (No category 1)"
    assert "cx" in [r.get("class") for r in linked["#y2023-03"].iter(f"{SVG}rect")]


def test_year_labels_on_the_axis_and_a_nice_scale() -> None:
    points = [(2022, 11, "attack"), (2023, 2, "attack")] + [(2023, 2, "diplomacy")] * 6
    root = parse(overview_chart(points, CATEGORIES, LABELS, month_anchor).svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "2022" in texts and "2023" in texts
    assert "10" in texts and "5" in texts and "0" in texts  # 7 events: axis up to 10
    assert root.get("role") == "group" and root.get("aria-label")


def test_events_without_a_month_are_counted_as_left_out() -> None:
    points = [(2023, 5, "attack"), (2023, 6, "attack"), (2023, None, "attack")]
    chart = overview_chart(points, CATEGORIES, LABELS, month_anchor)
    assert chart.unit == "month" and chart.omitted == 1


def test_events_without_a_year_are_in_no_bar_and_move_no_axis() -> None:
    """An event dated only to a decade or a century comes with no year (None): counting it
    in the year its span starts in would claim that year. It is left out, counted as
    such, and neither stretches the axis back to its span nor tips the bars to years."""
    points = [(None, None, "attack"), (2012, None, "attack"), (2024, None, "diplomacy")]
    chart = overview_chart(points, CATEGORIES, LABELS, month_anchor)
    assert chart.unit == "year" and chart.omitted == 1
    assert set(bars(parse(chart.svg))) == {"#y2012", "#y2024"}
    assert "2010" not in chart.svg  # the axis starts at 2012
    months = [(None, None, "attack"), (2024, 3, "attack"), (2024, 5, "attack")]
    chart = overview_chart(months, CATEGORIES, LABELS, month_anchor)
    assert chart.unit == "month" and chart.omitted == 1
    assert set(bars(parse(chart.svg))) == {"#y2024-03", "#y2024-05"}
    assert overview_chart([(None, None, "attack")], CATEGORIES, LABELS, month_anchor) is None


def test_years_when_most_dates_have_no_month_or_the_span_is_long() -> None:
    coarse = [(1990, None, "attack"), (1995, None, "attack"), (2001, 4, "diplomacy")]
    unit, keys = bar_keys(coarse)
    assert unit == "year" and keys[0] == (1990,) and keys[-1] == (2001,) and len(keys) == 12
    outside = [(1990, None, "attack"), (2020, 5, "attack"), (2020, 6, "attack")]
    assert bar_keys(outside) == ("year", [(y,) for y in range(1990, 2021)])
    long_span = [(1900, 1, "attack"), (2000, 1, "attack")]
    unit, _ = bar_keys(long_span)
    assert unit == "year"
    assert MAX_MONTH_BARS < (2000 - 1900) * 12
    chart = overview_chart(coarse, CATEGORIES, LABELS, month_anchor)
    assert chart.omitted == 0
    assert set(bars(parse(chart.svg))) == {"#y1990", "#y1995", "#y2001"}


def test_untrusted_labels_are_escaped() -> None:
    labels = {"attack": '<script>alert("x")</script>'}
    svg = overview_chart([(2023, 1, "attack")], ["attack"], labels, month_anchor).svg
    assert "<script>" not in svg
    assert parse(svg) is not None  # still well-formed


def test_nothing_to_draw() -> None:
    assert overview_chart([], CATEGORIES, LABELS, month_anchor) is None


def test_helpers() -> None:
    tops = {1: 1, 2: 2, 3: 5, 6: 10, 11: 20, 49: 50, 51: 100, 101: 200}
    assert {n: nice_maximum(n) for n in tops} == tops
    assert colour_class("diplomacy", CATEGORIES) == "c1"
    assert colour_class(None, CATEGORIES) == "cx" == colour_class("unknown", CATEGORIES)
    assert colour_class("k", [f"x{i}" for i in range(10)] + ["k"]) == "c10"
    assert colour_class("k", [f"x{i}" for i in range(16)] + ["k"]) == "c0"  # palette wraps
    assert bar_label((2023,), 1, []) == "2023: 1 event"


def test_the_last_six_colours_are_hatched_bars_over_their_colour() -> None:
    """Categories 11 to 16 get a colour of their own and stripes over it; a chart with ten
    categories or fewer has no pattern at all (its SVG is as it was)."""
    keys = [f"k{i}" for i in range(16)]
    points = [(2023 + i // 12, i % 12 + 1, key) for i, key in enumerate(keys)]
    root = parse(overview_chart(points, keys, {}, month_anchor).svg)
    [pattern] = root.iter(f"{SVG}pattern")
    assert pattern.get("id") == "chart-hatch"
    for i, (year, month, _) in enumerate(points):
        classes = [
            r.get("class") for r in bars(root)[month_anchor((year, month))].iter(f"{SVG}rect")
        ]
        assert classes == ["hit", f"c{i}"] + (["hatch"] if i >= 10 else [])
    hatched = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "hatch"]
    assert len(hatched) == 6 and {h.get("fill") for h in hatched} == {"url(#chart-hatch)"}
    plain = overview_chart(points[:10], keys[:10], {}, month_anchor).svg
    assert "pattern" not in plain and "hatch" not in plain


def test_size_stays_small_for_a_decade_of_months() -> None:
    points = [(2015 + i // 12, i % 12 + 1, CATEGORIES[i % 2]) for i in range(120)]
    svg = overview_chart(points, CATEGORIES, LABELS, month_anchor).svg
    assert len(re.findall(r"<a ", svg)) == 120
    assert len(svg) < 60_000


def test_years_far_apart_get_a_break_not_a_bar_per_empty_year() -> None:
    points = [(2021, None, "attack"), (2023, None, "attack"), (3999, None, "diplomacy")]
    points += [(-1500, None, None)]
    unit, keys = bar_keys(points)
    assert unit == "year"
    assert keys == [
        (-1500,),
        Gap(-1499, 2020),
        (2021,),
        (2022,),  # a short run of empty years keeps its bars
        (2023,),
        Gap(2024, 3998),
        (3999,),
    ]
    chart = overview_chart(points, CATEGORIES, LABELS, month_anchor)
    root = parse(chart.svg)
    assert set(bars(root)) == {"#y-1500", "#y2021", "#y2023", "#y3999"}
    assert chart.bars == 5 and len(chart.svg) < 10_000
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "No events from 2024 to 3998" in titles
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "3999" in texts and "2021" in texts  # each year after a break is labelled


def test_a_long_span_with_small_gaps_is_drawn_year_by_year() -> None:
    within = [(1700, None, "attack"), (1700 + MAX_YEAR_BARS - 1, None, "attack")]
    assert len(bar_keys(within)[1]) == MAX_YEAR_BARS
    close = [(y, None, "attack") for y in range(1000, 3000, KEPT_GAP + 1)]
    unit, keys = bar_keys(close)
    assert not any(isinstance(k, Gap) for k in keys)
    assert keys == [(y,) for y in range(1000, close[-1][0] + 1)]


def test_a_year_far_out_builds_without_hanging(project: Path) -> None:
    write(
        project / "content" / "events" / "far.yaml",
        """\
        - {title: Typo, date: 'Y20230505', sources: [{url: 'https://a.example/'}]}
        - {title: Deep past, date: 'Y-170000002', sources: [{url: 'https://a.example/'}]}
        """,
    )
    # Before the chart had breaks, this build made a bar for each of 190 million years.
    result = run_timeline("build", str(project), timeout=30)
    assert result.code == 0, result.err
    index = (project / "site" / "index.html").read_text(encoding="utf-8")
    assert 'href="#y20230505"' in index and 'href="#y-170000002"' in index
