"""Long lists of events split into pages by period, so no page grows without bound.

At 10,000 events the timeline alone would be a 17 MB page. A list holding more events than
the site's `events_per_page` is cut into periods of whole years, consecutive years packed
greedily from the oldest (so adding recent events never moves an older period's page); a
single year above the limit is cut by months instead. The list's own path shows the latest
period, each other period gets a path of its own beside it (`periods/2019-2020/`,
`countries/af/2019/`). A list within the limit stays one page, exactly as before.
"""

from __future__ import annotations

import operator
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain, groupby, islice

from builder import urls
from builder.dates import MONTH_NAMES, month_unknown_heading, month_year_name, year_range_label
from builder.model import TAXONOMIES, Event, Timeline
from builder.years import group_label


@dataclass(frozen=True)
class Period:
    """A run of consecutive years (or months of one year) and its events, oldest first."""

    slug: str
    label: str
    events: list[Event]


@dataclass(frozen=True)
class ListPage:
    """One page of a list: its site path and the period it shows."""

    path: str
    period: Period


@dataclass(frozen=True)
class Paging:
    """Where a page sits among its list's period pages, for the period navigation."""

    pages: list[ListPage]
    current: int

    @property
    def previous(self) -> ListPage | None:
        """The period just before this page's, if any."""
        return self.pages[self.current - 1] if self.current else None

    @property
    def next(self) -> ListPage | None:
        """The period just after this page's, if any."""
        return self.pages[self.current + 1] if self.current + 1 < len(self.pages) else None

    @property
    def total(self) -> int:
        """How many events the whole list holds."""
        return sum(len(page.period.events) for page in self.pages)

    @property
    def period(self) -> Period:
        """The period this page shows."""
        return self.pages[self.current].period


def _pack(
    groups: list[tuple[int | None, list[Event]]], limit: int, none_alone: bool
) -> list[list[tuple]]:
    """Consecutive groups packed greedily, each pack holding at most `limit` events unless a
    single group is larger; with `none_alone`, a group keyed None (undated) packs alone."""
    packs: list[list[tuple]] = []
    size = 0
    alone = False
    for key, events in groups:
        if not packs or alone or size + len(events) > limit or (none_alone and key is None):
            packs.append([])
            size = 0
        packs[-1].append((key, events))
        size += len(events)
        alone = none_alone and key is None
    return packs


def _year_period(years: list[tuple[int | None, list[Event]]]) -> Period:
    """A period of whole years, labelled as its first and last years' headings are: a year
    holding only decades or centuries is named by the span ("2010s–2014")."""
    events = list(chain.from_iterable(group for _, group in years))
    first, last = years[0][0], years[-1][0]
    if first is None or last is None:
        return Period("undated", "Undated", events)
    label = year_range_label(group_label(first, years[0][1]), group_label(last, years[-1][1]))
    if first == last:
        return Period(str(first), label, events)
    return Period(f"{first}-{last}", label, events)


def _month_period(year: int, months: list[tuple[int | None, list[Event]]]) -> Period:
    events = list(chain.from_iterable(group for _, group in months))
    # Dates with a year but no month sort first in their year; they open its first period.
    first, last = months[0][0], months[-1][0]
    if not last:
        label = month_unknown_heading(year, (event.date for event in events))
        return Period(f"{year}-no-month", label, events)
    first = first or 1
    if first == last:
        return Period(f"{year}-{last:02d}", month_year_name(year, last), events)
    label = f"{MONTH_NAMES[first - 1]}–{month_year_name(year, last)}"
    return Period(f"{year}-{first:02d}-to-{last:02d}", label, events)


def _unique(periods: list[Period]) -> list[Period]:
    seen: dict[str, int] = {}
    result = []
    for period in periods:
        n = seen[period.slug] = seen.get(period.slug, 0) + 1
        result.append(
            period if n == 1 else Period(f"{period.slug}-{n}", period.label, period.events)
        )
    return result


def _runs(events: list[Event], key) -> list[tuple[int | None, list[Event]]]:
    """Events grouped by a year or month that never goes back: an event without one (a
    season, a decade) stays with the events before it, so each key forms one group."""
    values = list(map(key, events))
    if None not in values and all(map(operator.le, values, islice(values, 1, None))):
        return _ascending_runs(events, values)
    keyed = []
    current = None
    for event, value in zip(events, values, strict=True):
        current = value if value is not None and (current is None or value > current) else current
        keyed.append((current, event))
    return [(k, [e for _, e in group]) for k, group in groupby(keyed, key=lambda pair: pair[0])]


def _ascending_runs(events: list[Event], values: list[int]) -> list[tuple[int, list[Event]]]:
    """`_runs` when every event has its key and keys only go up (as in every list that is
    sorted by date and has no seasons or decades): each key's events are one slice. The
    live preview splits the lists an edit touched at each save, some of thousands of
    events, and this takes a tenth of the time of looking at each event in Python."""
    runs = []
    start, end = 0, len(values)
    while start < end:
        stop = bisect_right(values, values[start], start)
        runs.append((values[start], events[start:stop]))
        start = stop
    return runs


_YEAR = operator.attrgetter("date.year")
_MONTH = operator.attrgetter("date.month")


def split_periods(events: list[Event], limit: int) -> list[Period]:
    """The periods of a chronological list: one holding every event when they fit in `limit`."""
    if len(events) <= limit:
        return [Period("", "", events)]
    years = _runs(events, _YEAR)
    periods = []
    for pack in _pack(years, limit, none_alone=True):
        year, in_year = pack[0]
        if len(pack) == 1 and year is not None and len(in_year) > limit:
            months = _runs(in_year, _MONTH)
            periods += [
                _month_period(year, part) for part in _pack(months, limit, none_alone=False)
            ]
        else:
            periods.append(_year_period(pack))
    return _unique(periods)


def list_pages(list_path: str, events: list[Event], limit: int) -> list[ListPage]:
    """The pages of the list at `list_path`: the latest period there, the others beside it."""
    periods = split_periods(events, limit)
    last = len(periods) - 1
    return [
        ListPage(list_path if i == last else urls.period_path(list_path, p.slug), p)
        for i, p in enumerate(periods)
    ]


def lists(timeline: Timeline) -> Iterator[tuple[str, list[Event]]]:
    """Every list that may be split: the timeline, each term and each year, by site path."""
    yield "", timeline.events
    for taxonomy in TAXONOMIES:
        for term in timeline.taxonomies[taxonomy]:
            yield urls.term_path(taxonomy, term.slug), term.events
    for year, events in timeline.years.items():
        yield urls.year_path(year), events


def period_pages(timeline: Timeline) -> Iterator[ListPage]:
    """The pages that exist only because a list was split (every period but the latest)."""
    for path, events in lists(timeline):
        yield from list_pages(path, events, timeline.site.events_per_page)[:-1]
