"""The overview chart above the timeline: events per month, stacked by category, as inline SVG.

Drawn at build time so it needs no JavaScript, no chart library and no request: a reader sees
the rhythm of the whole chronology at once and jumps to any month with one click. This module
only turns counts into SVG text; which events to count and where bars link are the caller's.
Colours are CSS classes (`c0` … `c15`, `cx` for events without a category), so the page's
stylesheet colours the bars for light and dark schemes alike; the bars of the last six are
hatched as well, as their swatches are, so that sixteen categories never rest on hue alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from itertools import pairwise

from builder.dates import month_year_name, year_name

#: How many colours the theme's palette has; categories beyond it reuse colours in turn.
PALETTE_SIZE = 16
#: The palette's colours from this one on are hatched: a second cue beside the hue.
FIRST_HATCHED = 10
#: Stripes in the chart's background colour, laid over a hatched category's bars.
_HATCH = (
    '<defs><pattern id="chart-hatch" width="3.5" height="3.5" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect x="2" width="1.5" height="3.5"/></pattern></defs>'
)
#: Above this many months the chart counts per year instead, so bars stay wide enough to see.
MAX_MONTH_BARS = 180
#: Above this many years from the first event to the last, empty years longer than
#: `KEPT_GAP` are drawn as one break: a year mistyped as 20230505 would otherwise make a
#: bar for each of twenty million empty years (and hang the build), while the events keep
#: a bar each whatever the span.
MAX_YEAR_BARS = 400
#: Beyond `MAX_YEAR_BARS`, runs of up to this many empty years still get their (empty)
#: bars, so that a busy stretch keeps its rhythm; longer runs become one break.
KEPT_GAP = 5

_PLOT_HEIGHT = 96
_TOP = 10
_LEFT = 30
_BOTTOM = 22
_RIGHT = 6


@dataclass(frozen=True)
class Gap:
    """A break in the row of year bars: the years `first` to `last` hold no event."""

    first: int
    last: int


@dataclass(frozen=True)
class Chart:
    """An overview chart: the SVG markup and what a caption needs to describe it honestly.

    `unit` is "month" or "year" (the width of one bar); `omitted` counts the events in no
    bar: those that have no month while the bars are months (they are dated only to a
    year, a season or coarser), and those that have no year (dated only to a decade or a
    century) while the bars are years.
    """

    svg: str
    unit: str
    bars: int
    omitted: int


def colour_class(category: str | None, categories: Sequence[str]) -> str:
    """The palette class of a category: `c0` … `c15` by its place in site.yaml, `cx` for none."""
    if category is None or category not in categories:
        return "cx"
    return f"c{categories.index(category) % PALETTE_SIZE}"


def is_hatched(colour: str) -> bool:
    """Whether a palette class (`colour_class`) is one of the hatched colours."""
    return colour != "cx" and int(colour[1:]) >= FIRST_HATCHED


def _month_count(first: tuple[int, int], last: tuple[int, int]) -> int:
    """How many months run from `first` to `last`, both included, counted without listing them."""
    return (last[0] - first[0]) * 12 + last[1] - first[1] + 1


def _month_keys(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    keys = []
    year, month = first
    while (year, month) <= last:
        keys.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def bar_keys(
    points: Sequence[tuple[int, int | None, str | None]],
) -> tuple[str, list[tuple | Gap]]:
    """The unit of the bars and every bar's key, gaps included, in chronological order.

    Months (`(year, month)`) when most events have a month, the others fall within the
    years those cover, and the span is short enough to draw; otherwise years (`(year,)`),
    with long runs of empty years as one `Gap` when the span is too long to draw year by
    year (see `MAX_YEAR_BARS`).
    """
    with_month = [(y, m) for y, m, _ in points if m is not None]
    years = [y for y, _, _ in points]
    if with_month and len(with_month) * 2 >= len(points):
        first, last = min(with_month), max(with_month)
        fits = _month_count(first, last) <= MAX_MONTH_BARS
        if fits and first[0] <= min(years) and max(years) <= last[0]:
            return "month", _month_keys(first, last)
    if max(years) - min(years) < MAX_YEAR_BARS:
        return "year", [(y,) for y in range(min(years), max(years) + 1)]
    return "year", _broken_year_keys(sorted(set(years)))


def _broken_year_keys(years: list[int]) -> list[tuple | Gap]:
    """A bar for each of these years (sorted, distinct) and each short run of empty years
    between them, and a `Gap` for each longer run: as many keys as years, at most
    `KEPT_GAP + 1` times over, however far apart the years are."""
    keys: list[tuple | Gap] = [(years[0],)]
    for before, year in pairwise(years):
        if year - before - 1 > KEPT_GAP:
            keys.append(Gap(before + 1, year - 1))
        else:
            keys.extend((y,) for y in range(before + 1, year))
        keys.append((year,))
    return keys


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
    when = month_year_name(*key) if len(key) == 2 else year_name(key[0])
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
    """The overview chart for events given as `(year or None, month or None, category or
    None)`, the year None for an event dated only to a decade or a century: it has no year
    to count in, so it is in no bar and counted as `omitted`.

    `categories` orders the stack (and picks colours), `labels` names them, and `href(key)`
    gives each bar's link target for its key, `(year, month)` or `(year,)`. Returns None
    when there is nothing to draw.
    """
    points = list(points)
    placed = [point for point in points if point[0] is not None]
    if not placed:
        return None
    unit, keys = bar_keys(placed)
    counts: dict[tuple, Counter] = {key: Counter() for key in keys if not isinstance(key, Gap)}
    omitted = len(points) - len(placed)
    for year, month, category in placed:
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
        *([_HATCH] if len(categories) > FIRST_HATCHED else []),
        *_axis(top, width),
    ]
    for index, key in enumerate(keys):
        x = _LEFT + index * step
        if isinstance(key, Gap):
            parts.append(_gap(x, step, key))
            continue
        if _starts_label(key, unit, index) or isinstance(keys[index - 1], Gap):
            parts.append(_x_label(x, key, unit))
        stack = [(c, counts[key][c]) for c in order if counts[key][c]]
        if stack:
            parts.append(_bar(x, step, key, stack, top, categories, labels, href))
    parts.append("</svg>")
    return Chart("".join(parts), unit, len(counts), omitted)


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
    # Every fifth year as readers number them: 45 BCE and 40 BCE, not -44 and -39.
    return (key[0] if key[0] > 0 else 1 - key[0]) % 5 == 0 or index == 0


def _x_label(x: int, key: tuple, unit: str) -> str:
    base = _TOP + _PLOT_HEIGHT
    return (
        f'<g class="axis" aria-hidden="true"><line x1="{x}" x2="{x}" y1="{base}" y2="{base + 5}"/>'
        f'<text x="{x}" y="{base + 17}">{year_name(key[0])}</text></g>'
    )


def _gap(x: int, step: int, gap: Gap) -> str:
    """A break in the axis where years without events are left out, named in its tooltip so
    that a reader knows the bars on either side are not neighbours."""
    base = _TOP + _PLOT_HEIGHT
    middle = x + step // 2
    label = escape(f"No events from {year_name(gap.first)} to {year_name(gap.last)}")
    return (
        f'<g class="axis gap"><title>{label}</title>'
        f'<line x1="{middle - 4}" x2="{middle}" y1="{base + 4}" y2="{base - 4}"/>'
        f'<line x1="{middle}" x2="{middle + 4}" y1="{base + 4}" y2="{base - 4}"/></g>'
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
    # The title alone names the link (and is its tooltip); an aria-label too would make the
    # same words its description, read a second time.
    out = [
        f'<a href="{escape(href(key))}"><title>{label}</title>',
        f'<rect class="hit" x="{x}" y="{_TOP}" width="{step}" height="{_PLOT_HEIGHT}"/>',
    ]
    y = float(base)
    for category, n in stack:
        h = _PLOT_HEIGHT * n / top
        y -= h
        colour = colour_class(category, categories)
        place = f'x="{x + 1}" y="{y:.2f}" width="{step - 2}" height="{h:.2f}"'
        out.append(f'<rect class="{colour}" {place}/>')
        if is_hatched(colour):
            out.append(f'<rect class="hatch" {place} fill="url(#chart-hatch)"/>')
    out.append("</a>")
    return "".join(out)
