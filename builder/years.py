"""How the site names the years it files events under, claiming no year the sources do not give.

An event dated only to a decade or a century (`201X`, `20XX`) is filed under the year its
span starts in, so that it stays findable on that year's page, under its own heading
("2010s, year not known"). Everything that leads there names the span instead of the year:
a year's heading and page title, the jump list, the years filter, the timeline's overview
line and the periods of a split list. A year that also holds events of its own keeps its
number; a year holding only such events is named by its span.

These read the head and tail of each year's list only (such events sort before the ones
that name the year), so they cost nothing at 10,000 events; and what they read of the
timeline is in the live preview's chrome (`depends.PageKeys`), so a page showing them is
rendered again when they change.
"""

from __future__ import annotations

from collections.abc import Sequence

from builder.dates import DatePart, year_name, year_range_label
from builder.model import Event, Timeline


def group_label(year: int, events: Sequence[Event]) -> str:
    """The label of events filed under one year (in timeline order): the year when one of
    them names it, else the span of the first, which holds the others' ("2010s",
    "2000–2099 (year unknown)")."""
    if not events or events[-1].date.names_year:
        return year_name(year)
    return events[0].date.year_label()


def section_label(year: int, months: Sequence[tuple[int | None, Sequence[Event]]]) -> str:
    """The heading of a year's section of a list, from its months (`render.group_by_month`)."""
    if not months:
        return year_name(year)
    return group_label(year, [months[0][1][0], months[-1][1][-1]])


def year_label(timeline: Timeline, year: int) -> str:
    """The label of one of the timeline's years (see `group_label`)."""
    return group_label(year, timeline.years[year])


def filter_end(timeline: Timeline, year: int) -> int:
    """The `to` of the years filter that takes in every event filed under `year`: the year
    itself, or the last year of the span when no event names the year."""
    events = timeline.years[year]
    if events[-1].date.names_year:
        return year
    return events[0].date.filed_years()[1]


def filter_years(timeline: Timeline) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The values and labels of the years filter's `from` and `to` choices.

    `from` offers each year the timeline files events under, labelled as `year_label` does
    ("2010s" for 2010 when only `201X` is there); `to` offers each one's `filter_end`
    (2019 for that "2010s"), in order, and the year's own label where a year and a span's
    end coincide. The filter keeps an event whose span overlaps the chosen years, as the
    list items' `data-from`/`data-to` and filters.json give them (`render.year_span`).
    """
    starts = [(year, year_label(timeline, year)) for year in timeline.years]
    ends: dict[int, str] = {}
    for year, label in starts:
        end = filter_end(timeline, year)
        if end not in ends or label == year_name(end):
            ends[end] = label
    return starts, sorted(ends.items())


def years_covered(timeline: Timeline) -> str:
    """The years the timeline's events cover, from the earliest start to the latest end
    (`Timeline.span`), as a term's list entry gives them (`span_years`); empty for no
    events."""
    return span_years(timeline.span) if timeline.span is not None else ""


def span_years(span: tuple[DatePart, DatePart]) -> str:
    """The years of a span of dates (`Term.span`, `Timeline.span`): "2010–2024",
    "2010s–2024", "from 2001" when its end is open, "from 2000–2099 (year unknown) to
    2024"."""
    first, last = span
    if last.kind == "open":
        return f"from {first.year_label()}"
    return year_range_label(first.year_label(), last.year_label())


def chrome(timeline: Timeline) -> tuple:
    """What the labels above read of the timeline beyond its years: each year holding
    decades or centuries, with them and whether an event names the year, and the years
    the timeline covers (an interval's end can change them without changing a year)."""
    years = timeline.years
    coarse = tuple(
        (year, spans, years[year][-1].date.names_year)
        for year, spans in timeline.year_spans.items()
    )
    return coarse, years_covered(timeline)
