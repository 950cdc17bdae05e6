"""The overview chart above the timeline: events per month, stacked by category, as inline SVG.

Drawn at build time so it needs no JavaScript, no chart library and no request: a reader sees
the rhythm of the whole chronology at once and jumps to any month with one click. This module
only turns counts into SVG text; which events to count and where bars link are the caller's.
Colours are CSS classes (`c0` … `c9`, `cx` for events without a category), so the page's
stylesheet colours the bars for light and dark schemes alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

from builder.dates import MONTH_NAMES as _MONTHS

#: How many colours the theme's palette has; categories beyond it reuse colours in turn.
PALETTE_SIZE = 10
#: Above this many months the chart counts per year instead, so bars stay wide enough to see.
MAX_MONTH_BARS = 180

_PLOT_HEIGHT = 96
_TOP = 10
_LEFT = 30
_BOTTOM = 22
_RIGHT = 6


@dataclass(frozen=True)
class Chart:
    """An overview chart: the SVG markup and what a caption needs to describe it honestly.

    `unit` is "month" or "year" (the width of one bar); `omitted` counts events that have
    no month while the bars are months (they are dated only to a year, a season or coarser).
    """

    svg: str
    unit: str
    bars: int
    omitted: int


def colour_class(category: str | None, categories: Sequence[str]) -> str:
    """The palette class of a category: `c0` … `c9` by its place in site.yaml, `cx` for none."""
    if category is None or category not in categories:
        return "cx"
    return f"c{categories.index(category) % PALETTE_SIZE}"


def _month_keys(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    keys = []
    year, month = first
    while (year, month) <= last:
        keys.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def bar_keys(points: Sequence[tuple[int, int | None, str | None]]) -> tuple[str, list[tuple]]:
    """The unit of the bars and every bar's key, gaps included, in chronological order.

    Months (`(year, month)`) when most events have a month, the others fall within the
    years those cover, and the span is short enough to draw; otherwise years (`(year,)`).
    """
    with_month = [(y, m) for y, m, _ in points if m is not None]
    years = [y for y, _, _ in points]
    if with_month and len(with_month) * 2 >= len(points):
        first, last = min(with_month), max(with_month)
        keys = _month_keys(first, last)
        if len(keys) <= MAX_MONTH_BARS and first[0] <= min(years) and max(years) <= last[0]:
            return "month", keys
    return "year", [(y,) for y in range(min(years), max(years) + 1)]


def nice_maximum(count: int) -> int:
    """The top of the y axis: the smallest of 1, 2, 5, 10, 20, 50 … that holds `count`."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= count:
                return step * factor
        step *= 10


def bar_label(key: tuple, total: int, by_category: Sequence[tuple[str, int]]) -> str:
    """What a bar says to a screen reader and in its tooltip: "October 2023: 5 events (…)"."""
    when = f"{_MONTHS[key[1] - 1]} {key[0]}" if len(key) == 2 else str(key[0])
    noun = "event" if total == 1 else "events"
    parts = ", ".join(f"{label} {n}" for label, n in by_category)
    return f"{when}: {total} {noun}" + (f" ({parts})" if parts else "")


def overview_chart(
    points: Iterable[tuple[int, int | None, str | None]],
    categories: Sequence[str],
    labels: Mapping[str, str],
    href: Callable[[tuple], str],
    title: str = "Events over time, by category",
) -> Chart | None:
    """The overview chart for events given as `(year, month or None, category or None)`.

    `categories` orders the stack (and picks colours), `labels` names them, and `href(key)`
    gives each bar's link target for its key, `(year, month)` or `(year,)`. Returns None
    when there is nothing to draw.
    """
    points = list(points)
    if not points:
        return None
    unit, keys = bar_keys(points)
    counts: dict[tuple, Counter] = {key: Counter() for key in keys}
    omitted = 0
    for year, month, category in points:
        if unit == "month" and month is None:
            omitted += 1
            continue
        counts[(year, month) if unit == "month" else (year,)][category] += 1
    order = [*categories, None]
    top = nice_maximum(max(sum(c.values()) for c in counts.values()))
    step = 12 if unit == "month" else 24
    width = _LEFT + step * len(keys) + _RIGHT
    height = _TOP + _PLOT_HEIGHT + _BOTTOM
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="group" aria-label="{escape(title)}">',
        *_axis(top, width),
    ]
    for index, key in enumerate(keys):
        x = _LEFT + index * step
        if _starts_label(key, unit, index):
            parts.append(_x_label(x, key, unit))
        stack = [(c, counts[key][c]) for c in order if counts[key][c]]
        if stack:
            parts.append(_bar(x, step, key, stack, top, categories, labels, href))
    parts.append("</svg>")
    return Chart("".join(parts), unit, len(keys), omitted)


def _axis(top: int, width: int) -> list[str]:
    base = _TOP + _PLOT_HEIGHT
    middle = top // 2 if top % 2 == 0 and top > 1 else None
    lines = ['<g class="axis" aria-hidden="true">']
    for value in (top, middle):
        if value:
            y = base - _PLOT_HEIGHT * value / top
            lines.append(
                f'<line class="grid" x1="{_LEFT}" x2="{width - _RIGHT}" y1="{y:g}" y2="{y:g}"/>'
            )
            lines.append(f'<text x="{_LEFT - 4}" y="{y + 4:g}" text-anchor="end">{value}</text>')
    lines.append(f'<line x1="{_LEFT}" x2="{width - _RIGHT}" y1="{base}" y2="{base}"/>')
    lines.append(f'<text x="{_LEFT - 4}" y="{base + 4}" text-anchor="end">0</text>')
    lines.append("</g>")
    return lines


def _starts_label(key: tuple, unit: str, index: int) -> bool:
    if unit == "month":
        return key[1] == 1 or index == 0
    return key[0] % 5 == 0 or index == 0


def _x_label(x: int, key: tuple, unit: str) -> str:
    base = _TOP + _PLOT_HEIGHT
    return (
        f'<g class="axis" aria-hidden="true"><line x1="{x}" x2="{x}" y1="{base}" y2="{base + 5}"/>'
        f'<text x="{x}" y="{base + 17}">{key[0]}</text></g>'
    )


def _bar(
    x: int,
    step: int,
    key: tuple,
    stack: list[tuple[str | None, int]],
    top: int,
    categories: Sequence[str],
    labels: Mapping[str, str],
    href: Callable[[tuple], str],
) -> str:
    total = sum(n for _, n in stack)
    named = [(labels.get(c, c) if c else "No category", n) for c, n in stack]
    label = escape(bar_label(key, total, named))
    base = _TOP + _PLOT_HEIGHT
    out = [
        f'<a href="{escape(href(key))}" aria-label="{label}"><title>{label}</title>',
        f'<rect class="hit" x="{x}" y="{_TOP}" width="{step}" height="{_PLOT_HEIGHT}"/>',
    ]
    y = float(base)
    for category, n in stack:
        h = _PLOT_HEIGHT * n / top
        y -= h
        out.append(
            f'<rect class="{colour_class(category, categories)}" x="{x + 1}" y="{y:.2f}" '
            f'width="{step - 2}" height="{h:.2f}"/>'
        )
    out.append("</a>")
    return "".join(out)
