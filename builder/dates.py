"""Event dates, written in EDTF (the Library of Congress Extended Date/Time Format), levels 0 and 1.

Historians rarely know the exact day. An event happened "around August 2021", "some time in
the 2010s", "in spring 2001" or "from October 2021 on". EDTF is the standard way to write
such dates as short text, so an editor can state exactly what is known and no more, and the
timeline can still place, group, sort and label every event.

We parse EDTF ourselves instead of using the `edtf` package for two reasons. That package
takes several milliseconds per date, which is far too slow for live preview. And editors need
error messages that say what to write instead, with the column of the mistake. The `edtf`
package is still used in the tests, to check this module against it.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from math import inf
from operator import itemgetter

__all__ = [
    "PRECISIONS",
    "DateError",
    "DatePart",
    "EdtfDate",
    "date_span",
    "parse_edtf",
    "year_range_label",
]

#: Every precision a date can have, from the coarsest to the finest.
PRECISIONS: tuple[str, ...] = ("century", "decade", "year", "season", "month", "day")
#: The precisions that name a span of years but no year in it (201X, 20XX).
SPAN_PRECISIONS = frozenset({"century", "decade"})

_PRECISION_RANK = {name: rank for rank, name in enumerate(PRECISIONS)}

#: English month names, shared by everything that shows a date.
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_SEASON_NAMES = {21: "Spring", 22: "Summer", 23: "Autumn", 24: "Winter"}
# (first month, last month) of each season, meteorological, northern hemisphere.
# Winter starts in December of its year and ends in February of the next.
_SEASON_MONTHS = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 2)}
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

_QUALIFIERS = "?~%"
_EXAMPLE = "a date such as 2023-10-13"
_GENERAL_ADVICE = (
    "write a date as YYYY-MM-DD, YYYY-MM or YYYY (e.g. 2023-10-13), optionally followed by "
    "? (uncertain), ~ (approximate) or % (both)"
)

# The whole of EDTF level 0/1 for one date (one end of an interval) fits in two patterns.
_DATE_RE = re.compile(
    r"(?P<year>-?(?:[0-9]{4}|[0-9]{3}X|[0-9]{2}XX))"
    r"(?:-(?P<month>[0-9]{2}|XX)(?:-(?P<day>[0-9]{2}|XX))?)?"
    r"(?P<qualifier>[?~%])?",
    re.ASCII,
)
_LONG_YEAR_RE = re.compile(r"Y(?P<year>-?[1-9][0-9]{4,})", re.ASCII)
# Only used to explain a date that did not match the patterns above.
_LOOSE_DATE_RE = re.compile(
    r"(?P<sign>-?)(?P<year>[0-9X]*)(?:-(?P<month>[0-9X]*))?(?:-(?P<day>[0-9X]*))?", re.ASCII
)
_WORDY_APPROXIMATION_RE = re.compile(r"(?i)(?:c\.|ca\.?|circa|about|around|approx)\s*\d")
_WORDY_ERA_RE = re.compile(r"(?i)\d\s*(?:bc|bce|b\.c\.|ad|ce|a\.d\.)$")
_TIME_RE = re.compile(r"[T\s]?[0-9]{1,2}:[0-9]{2}|T[0-9]{2}", re.ASCII)
_MONTH_NAME_RE = re.compile(r"(?i)jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec")
_DECADE_WORD_RE = re.compile(r"(?P<digits>[0-9]{3})0'?s", re.ASCII)


class DateError(ValueError):
    """A value that is not an EDTF date we can use.

    `message` says what is wrong and what to write instead; `offset` is the 0-based index
    into the given string where the problem is, or None when no single place is to blame.
    """

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True)
class DatePart:
    """One date on its own, or one end of an interval.

    `kind` is "date", or for an interval end "open" (written `..`: there is no end, or it
    is not given) or "unknown" (written as nothing: there is an end but nobody knows it).
    Only dates have the other fields set.

    `year` is the first year the date can fall in and `last_year` the last; they differ
    only for unspecified year digits (`201X` covers 2010 to 2019; `-201X` covers -2019 to
    -2010). Years use astronomical numbering as EDTF does: 0000 is 1 BCE, -0044 is 45 BCE.
    `month` is 1-12 when given; `season` is 21-24 (spring, summer, autumn, winter) for a
    season, whose `month` is None. `month_unspecified`/`day_unspecified` record `-XX`.
    """

    kind: str
    text: str
    year: int | None = None
    last_year: int | None = None
    month: int | None = None
    day: int | None = None
    season: int | None = None
    precision: str | None = None
    uncertain: bool = False
    approximate: bool = False
    year_unspecified_digits: int = 0
    month_unspecified: bool = False
    day_unspecified: bool = False

    @property
    def is_date(self) -> bool:
        """Whether this is a date rather than an open or unknown interval end."""
        return self.kind == "date"

    @property
    def earliest_ymd(self) -> tuple[int, int, int] | None:
        """(year, month, day) of the first day the date can mean; works for any year."""
        if self.year is None:
            return None
        if self.season is not None:
            return (self.year, _SEASON_MONTHS[self.season][0], 1)
        return (self.year, self.month or 1, self.day or 1)

    @property
    def latest_ymd(self) -> tuple[int, int, int] | None:
        """(year, month, day) of the last day the date can mean; works for any year."""
        if self.last_year is None:
            return None
        year = self.last_year
        if self.season is not None:
            last_month = _SEASON_MONTHS[self.season][1]
            if last_month < _SEASON_MONTHS[self.season][0]:
                year += 1  # winter ends in the next year
            return (year, last_month, _days_in_month(year, last_month))
        if self.day is not None:
            return (year, self.month or 12, self.day)
        month = self.month or 12
        return (year, month, _days_in_month(year, month))

    @property
    def earliest(self) -> _dt.date | None:
        """The first day the date can mean, or None if open, unknown or outside years 1-9999."""
        return _date_or_none(self.earliest_ymd)

    @property
    def latest(self) -> _dt.date | None:
        """The last day the date can mean, or None if open, unknown or outside years 1-9999."""
        return _date_or_none(self.latest_ymd)

    def display(self) -> str:
        """Human English form: "13 October 2023", "c. August 2021", "2010s", "?" if unknown.

        Approximate dates get a "c. " prefix, uncertain ones a "?" suffix, and `%` both
        ("c. June 2004?"). Unspecified parts are named after the date: "2004 (month unknown)",
        "April 1985 (day unknown)", "1985 (month and day unknown)", and a century, written
        as its years, "2000–2099 (year unknown)" so that it does not read as a span of a
        hundred years. An open end is "…".
        """
        if self.kind == "open":
            return "…"
        if self.kind == "unknown":
            return "?"
        label = self._plain_label()
        if self.approximate:
            label = "c. " + label
        if self.uncertain:
            label += "?"
        if self.precision == "century":
            label += " (year unknown)"
        elif self.month_unspecified and self.day_unspecified:
            label += " (month and day unknown)"
        elif self.month_unspecified:
            label += " (month unknown)"
        elif self.day_unspecified:
            label += " (day unknown)"
        return label

    def spoken(self) -> str:
        """The date as a screen reader should say it: `display`'s words without its marks,
        which are read badly or not at all ("c." as "c dot", "?" as nothing, "–" as
        "dash"): "approximately August 2021", "September 2023 (uncertain)",
        "1900 to 1999 (year unknown)". An open end is "an open end", an unknown one "an
        unknown date"."""
        if self.kind == "open":
            return "an open end"
        if self.kind == "unknown":
            return "an unknown date"
        label = self._plain_label().replace(" – ", " to ").replace("–", " to ")
        if self.approximate:
            label = "approximately " + label
        notes = ["uncertain"] if self.uncertain else []
        if self.precision == "century":
            notes.append("year unknown")
        elif self.month_unspecified and self.day_unspecified:
            notes.append("month and day unknown")
        elif self.month_unspecified:
            notes.append("month unknown")
        elif self.day_unspecified:
            notes.append("day unknown")
        return f"{label} ({', '.join(notes)})" if notes else label

    def datetime_attr(self) -> str | None:
        """A valid HTML `<time datetime>` value for this date, or None if there is none.

        Day and month precision give "2023-10-13" and "2023-10"; a year, a season and a year
        with an unspecified month give the year ("2023", "0800", "170000002"). Decades,
        centuries, open or unknown ends and years before 1 have no HTML form and give None.
        """
        if self.year is None or self.year <= 0 or self.year != self.last_year:
            return None
        year = f"{self.year:04d}"
        if self.precision == "day":
            return f"{year}-{self.month:02d}-{self.day:02d}"
        if self.precision == "month":
            return f"{year}-{self.month:02d}"
        return year

    def year_label(self) -> str:
        """The year this date falls in, in words that claim no more than it gives: "2023",
        "45 BCE", "2010s" for `201X` (as `EdtfDate.year_label` says an event's year)."""
        if self.precision in SPAN_PRECISIONS:
            return self.display_span()
        assert self.year is not None, "an interval end that is not a date has no year"
        return year_name(self.year)

    def display_span(self) -> str:
        """A decade or century as `display` names it, without its qualifiers: "2010s",
        "2000–2099 (year unknown)"; other dates as their plain label ("2023")."""
        label = self._plain_label()
        return label + " (year unknown)" if self.precision == "century" else label

    def _plain_label(self) -> str:
        """The date in words, without qualifiers or notes about unspecified parts."""
        assert self.year is not None and self.last_year is not None
        if self.precision == "decade":
            return _decade_label(self.year, self.last_year)
        if self.precision == "century":
            return _century_label(self.year, self.last_year)
        year = year_name(self.year)
        if self.season is not None:
            return f"{_SEASON_NAMES[self.season]} {year}"
        if self.month is None:
            return year
        if self.day is None:
            return f"{MONTH_NAMES[self.month - 1]} {year}"
        return f"{self.day} {MONTH_NAMES[self.month - 1]} {year}"


_OPEN = DatePart(kind="open", text="..")
_UNKNOWN = DatePart(kind="unknown", text="")


@dataclass(frozen=True, repr=False)
class EdtfDate:
    """A parsed EDTF date or interval, with what a timeline needs to place and label it.

    - `text`: the EDTF text ("2023-10", "2021-10/..").
    - `precision`: one of `PRECISIONS` - of the start, or of the end when the start is open
      or unknown. With unspecified digits it is the precision of what is given: `2004-XX`
      and `1985-XX-XX` are "year", `1985-04-XX` is "month", `201X` is "decade" and `20XX`
      is "century".
    - `approximate`, `uncertain`: whether any part carries `~`/`?` (`%` sets both).
    - `year`: the year to group the event under: the first year of the start (of the end
      when the start is open or unknown), so `201X` gives 2010. Always set, since every
      accepted value has at least one date. May lie outside 1-9999 (long years, BCE).
    - `month`: the month to group under, or None when the precision is coarser than month
      (seasons included).
    - `earliest`, `latest`: the first and last day the value can cover; for an interval the
      start's first day and the end's last day. None for an open or unknown end, or when
      the day falls outside years 1-9999. A season covers its three months, winter running
      from December into February of the next year.
    - `start`, `end`: the parts. For a single date `start` is the date and `end` is None.
    """

    text: str
    precision: str
    approximate: bool
    uncertain: bool
    is_interval: bool
    year: int
    month: int | None
    earliest: _dt.date | None
    latest: _dt.date | None
    start: DatePart
    end: DatePart | None

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"EdtfDate({self.text!r})"

    def sort_key(self) -> tuple[int, int, int, int, int, int, int, int, int, str]:
        """A key that orders any EdtfDate values chronologically.

        Values sort by the first day their start can mean; an interval with an open or
        unknown start sorts by the first day of its end instead. On a tie the less precise
        value comes first, so 2023 < 2023-01 < 2023-01-01 < 2023-01-02, and 2023-09 <
        2023-09-01 < 2023-09-05. Remaining ties put an open or unknown start first, then
        the value that can end sooner (an open or unknown end last), then the EDTF text.
        Long years and BCE years sort in their true place. The key holds only ints and a
        str, so keys of any two values compare.
        """
        anchor = self.start if self.start.is_date else self.end
        assert anchor is not None and anchor.earliest_ymd is not None
        year, month, day = anchor.earliest_ymd
        last = self.end if self.end is not None else self.start
        last_ymd = last.latest_ymd
        end_key = (1, 0, 0, 0) if last_ymd is None else (0, *last_ymd)
        start_known = 1 if self.start.is_date else 0
        return (
            year,
            month,
            day,
            _PRECISION_RANK[anchor.precision or "day"],
            start_known,
            *end_key,
            self.text,
        )

    def display(self) -> str:
        """Human English form of the date or interval.

        Dates: "13 October 2023", "October 2023", "Spring 2001", "2023", "2010s" (`201X`),
        "2000–2099 (year unknown)" (`20XX`), "2004 (month unknown)", "45 BCE" (-0044),
        "170000002" (Y170000002); "c. " prefix for approximate, "?" suffix for uncertain,
        both for `%` ("c. June 2004?"). Intervals: "2021 – 2023", "October 2021 –
        October 2023", with compact forms for unqualified days or months in the same year
        ("13–15 October 2023", "13 September – 15 October 2023", "September–October 2023");
        open ends "from October 2021" / "until 2023"; unknown ends "October 2021 – ?" /
        "? – 2023".
        """
        if self.end is None:
            return self.start.display()
        return _interval_label(self.start, self.end)

    def spoken(self) -> str:
        """The date or interval as a screen reader should say it, in words alone (see
        `DatePart.spoken`): "approximately March 2024", "from 2021 (uncertain) to
        approximately 2023", "until 2023". Pages show `display` and let assistive
        technology read this instead."""
        if self.end is None:
            return self.start.spoken()
        start, end = self.start, self.end
        if start.kind == "open":
            return f"until {end.spoken()}"
        if end.kind == "open":
            return f"from {start.spoken()}"
        if start == end:
            return start.spoken()
        return f"from {start.spoken()} to {end.spoken()}"

    def datetime_attr(self) -> str | None:
        """A valid HTML `<time datetime>` value, or None when HTML cannot express it.

        That is the start's value, or the end's when the start is open or unknown: see
        `DatePart.datetime_attr` ("2023-10-13", "2023-10", "2023"; None for decades,
        centuries and years before 1).
        """
        anchor = self.start if self.start.is_date else self.end
        assert anchor is not None
        return anchor.datetime_attr()

    @cached_property
    def names_year(self) -> bool:
        """Whether the date names the year it is filed under (`year`).

        False for a date known only to a decade or a century (`201X`, `20XX`, or an interval
        anchored on one): it is filed under the first year of its span, and nothing that
        leads there may name that year. Cached, as the live preview reads it of every event
        at each edit and dates are shared (see `_parse_text`).
        """
        return self.precision not in SPAN_PRECISIONS

    def year_label(self) -> str:
        """The year the date is filed under, in words that claim no more than the date gives:
        "2023" (`year_name`: "45 BCE" for -0044), "2010s" for `201X`, "2000–2099 (year
        unknown)" for `20XX`."""
        if self.names_year:
            return year_name(self.year)
        return self._anchor().display_span()

    def filed_years(self) -> tuple[int, int]:
        """The first and last year of what the date is filed under: the year itself, or the
        span of a decade or century (`201X` gives (2010, 2019)). The years filter of the
        timeline reaches a span's last year to take it in whole."""
        if self.names_year:
            return self.year, self.year
        anchor = self._anchor()
        assert anchor.year is not None and anchor.last_year is not None
        return anchor.year, anchor.last_year

    @cached_property
    def span_ends(self) -> tuple[float, DatePart, float, DatePart]:
        """Where `date_span` takes the date to start and to end, each after a number that
        orders it (`_day_number`): the first day of the start (of the end when the start is
        not given), and the first day of the end too (of the start when the end is not known;
        an open end after every day). Cached, as a term's span is made of thousands of dates."""
        start = self._anchor()
        end = self.end if self.end is not None and self.end.kind != "unknown" else self.start
        last = inf if end.kind == "open" else _day_number(end.earliest_ymd)
        return _day_number(start.earliest_ymd), start, last, end

    def _anchor(self) -> DatePart:
        """The part the date is placed by: the start, or the end when the start is not given."""
        anchor = self.start if self.start.is_date else self.end
        assert anchor is not None
        return anchor


def parse_edtf(value: object) -> EdtfDate:
    """Parse the value of a `date:` field, as PyYAML hands it over, into an EdtfDate.

    Accepts EDTF text (levels 0 and 1, surrounding whitespace ignored), a `datetime.date`
    (day precision), a `datetime.datetime` (its date) or an int year (2023, -44) of up to
    four digits: a longer int must be written as a long year (Y12345), as in text.
    Either end of an interval may be any single date this accepts (seasons, X digits and
    long years included), `..` (open) or nothing (unknown); at least one end must be a
    date, and the end must not come before the start. Seasons may be qualified (2001-21~);
    long years may not. Raises DateError for anything else, with a message saying what to
    write instead.
    """
    if isinstance(value, str):
        return _parse_string(value)
    if isinstance(value, _dt.datetime):
        return _parse_text(value.date().isoformat())
    if isinstance(value, _dt.date):
        return _parse_text(value.isoformat())
    if isinstance(value, int) and not isinstance(value, bool):
        return _parse_int(value)
    raise DateError(_wrong_type_message(value))


def _parse_int(value: int) -> EdtfDate:
    """An int year, as PyYAML hands over `date: 2023` or `date: -44`.

    Beyond four digits the int is read as the same text would be, so that it is refused
    the same way: an unquoted 20230505 or 20233 is far likelier a mistyped date than a
    year thousands of years ahead (which is written Y20233)."""
    if abs(value) > 9999:
        return _parse_text(str(value))
    return _parse_text(_year_as_edtf(value))


def _parse_string(value: str) -> EdtfDate:
    """Parse EDTF text, reporting error offsets relative to the string as given."""
    text = value.strip()
    if not text:
        raise DateError(f"the date is empty; give {_EXAMPLE}")
    try:
        return _parse_text(text)
    except DateError as error:
        leading = len(value) - len(value.lstrip())
        if leading and error.offset is not None:
            raise DateError(error.message, error.offset + leading) from None
        raise


@lru_cache(maxsize=8192)
def _parse_text(text: str) -> EdtfDate:
    """Parse stripped, non-empty EDTF text; results are immutable, so they are cached."""
    slash = text.find("/")
    if slash < 0:
        return _single_date(text, _parse_part(text, 0, text))
    second_slash = text.find("/", slash + 1)
    if second_slash >= 0:
        raise DateError(
            f"'{text}' is not an EDTF date: only one '/' is allowed, between the start and "
            "the end of an interval; separate year, month and day with '-', as 2023-10-13",
            second_slash,
        )
    start = _parse_interval_end(text[:slash], 0, text)
    end = _parse_interval_end(text[slash + 1 :], slash + 1, text)
    if not start.is_date and not end.is_date:
        raise DateError(
            f"'{text}' is not an EDTF date: an interval needs a date at one end at least, "
            "as 2021/.. or ../2023",
            0,
        )
    if start.is_date and end.is_date and _ends_before_start(start, end):
        raise DateError(
            f"'{text}' is not a valid interval: it ends ({end.display()}) before it starts "
            f"({start.display()}); put the earlier date first",
            slash + 1,
        )
    return _interval(text, start, end)


def _ends_before_start(start: DatePart, end: DatePart) -> bool:
    """Whether the last day `end` can mean is before the first day `start` can mean."""
    assert start.earliest_ymd is not None and end.latest_ymd is not None
    return end.latest_ymd < start.earliest_ymd


def _single_date(text: str, part: DatePart) -> EdtfDate:
    """The EdtfDate for a date that is not an interval."""
    assert part.year is not None and part.precision is not None
    return EdtfDate(
        text=text,
        precision=part.precision,
        approximate=part.approximate,
        uncertain=part.uncertain,
        is_interval=False,
        year=part.year,
        month=_grouping_month(part),
        earliest=part.earliest,
        latest=part.latest,
        start=part,
        end=None,
    )


def _interval(text: str, start: DatePart, end: DatePart) -> EdtfDate:
    """The EdtfDate for an interval with at least one date among its ends."""
    anchor = start if start.is_date else end
    assert anchor.year is not None and anchor.precision is not None
    return EdtfDate(
        text=text,
        precision=anchor.precision,
        approximate=start.approximate or end.approximate,
        uncertain=start.uncertain or end.uncertain,
        is_interval=True,
        year=anchor.year,
        month=_grouping_month(anchor),
        earliest=start.earliest,
        latest=end.latest,
        start=start,
        end=end,
    )


def _grouping_month(part: DatePart) -> int | None:
    """The month to group a date under, or None when it is less precise than a month."""
    return part.month if part.precision in ("month", "day") else None


def _parse_interval_end(text: str, offset: int, whole: str) -> DatePart:
    """One side of an interval: `..` (open), nothing (unknown) or a date."""
    if text == "..":
        return _OPEN
    if not text:
        return _UNKNOWN
    return _parse_part(text, offset, whole)


def _parse_part(text: str, offset: int, whole: str) -> DatePart:
    """A date that is not an interval; `offset` locates `text` inside `whole`."""
    match = _DATE_RE.fullmatch(text)
    if match is not None:
        return _checked_date(match, offset, whole)
    long_year = _LONG_YEAR_RE.fullmatch(text)
    if long_year is not None:
        year = int(long_year["year"])
        return DatePart(kind="date", text=text, year=year, last_year=year, precision="year")
    advice, at = _syntax_advice(text)
    raise DateError(f"'{whole}' is not an EDTF date: {advice}", offset + at)


def _checked_date(match: re.Match[str], offset: int, whole: str) -> DatePart:
    """The DatePart for a date that matched `_DATE_RE`, once its values are checked."""
    year_text, month_text, day_text = match["year"], match["month"], match["day"]

    def fail(message: str, group: str) -> DateError:
        return DateError(f"'{whole}' is not an EDTF date: {message}", offset + match.start(group))

    if year_text == "-0000":
        raise fail("there is no year -0000; write 0000 (which is 1 BCE)", "year")
    unspecified_digits = year_text.count("X")
    if unspecified_digits and month_text is not None:
        raise fail(
            "a year with unspecified digits (such as 201X) cannot have a month or day in "
            "EDTF level 1; write 201X, or an interval such as 2010-10/2019-10",
            "month",
        )
    first_year, last_year = _year_range(year_text)
    qualifier = match["qualifier"] or ""
    common = {
        "kind": "date",
        "text": match.string,
        "year": first_year,
        "last_year": last_year,
        "uncertain": qualifier in ("?", "%"),
        "approximate": qualifier in ("~", "%"),
    }
    if month_text is None:
        precision = ("year", "decade", "century")[unspecified_digits]
        return DatePart(precision=precision, year_unspecified_digits=unspecified_digits, **common)
    if month_text == "XX":
        if day_text is not None and day_text != "XX":
            raise fail(
                f"when the month is unspecified the day must be too: write {year_text}-XX-XX",
                "day",
            )
        return DatePart(
            precision="year", month_unspecified=True, day_unspecified=day_text == "XX", **common
        )
    month = int(month_text)
    if month in _SEASON_NAMES:
        if day_text is not None:
            raise fail(
                f"{month_text} is a season ({_SEASON_NAMES[month].lower()}), which has no days",
                "day",
            )
        return DatePart(precision="season", season=month, **common)
    if not 1 <= month <= 12:
        seasons = "" if day_text is not None else " (21 to 24 are spring to winter)"
        raise fail(f"months run from 01 to 12{seasons}", "month")
    if day_text is None:
        return DatePart(precision="month", month=month, **common)
    if day_text == "XX":
        return DatePart(precision="month", month=month, day_unspecified=True, **common)
    day = int(day_text)
    if day == 0:
        raise fail("days run from 01, as 2023-10-01", "day")
    days = _days_in_month(first_year, month)
    if day > days:
        plain = f"{year_text}-{month_text}-{day_text}"
        raise DateError(
            f"{plain} is not a real date: {MONTH_NAMES[month - 1]} "
            f"{_year_for_message(year_text)} has {days} days",
            offset + match.start("day"),
        )
    return DatePart(precision="day", month=month, day=day, **common)


def _year_range(year_text: str) -> tuple[int, int]:
    """The first and last year an EDTF year such as "2023", "-0044" or "201X" can be."""
    if "X" not in year_text:
        year = int(year_text)
        return year, year
    zeros, nines = int(year_text.replace("X", "0")), int(year_text.replace("X", "9"))
    return min(zeros, nines), max(zeros, nines)


def _year_for_message(year_text: str) -> str:
    """A year as an editor would recognise it in an error message: 2023, 0800, -0044."""
    if year_text.startswith("-"):
        return year_text
    return year_text.lstrip("0") or "0"


def _day_number(ymd: tuple[int, int, int] | None) -> int:
    """A number that orders days as their (year, month, day) do, for any year: comparing
    ints is what keeps a span of thousands of dates quick."""
    assert ymd is not None
    year, month, day = ymd
    return (year * 13 + month) * 32 + day


def _days_in_month(year: int, month: int) -> int:
    """Days in a month of the proleptic Gregorian calendar, for any (astronomical) year."""
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS_IN_MONTH[month - 1]


def _date_or_none(ymd: tuple[int, int, int] | None) -> _dt.date | None:
    """A `datetime.date`, or None when there is no day or its year is outside 1-9999."""
    if ymd is None or not _dt.MINYEAR <= ymd[0] <= _dt.MAXYEAR:
        return None
    return _dt.date(*ymd)


def _year_as_edtf(year: int) -> str:
    """EDTF text for an int year: 2023 -> "2023", -44 -> "-0044", 12345 -> "Y12345"."""
    if abs(year) > 9999:
        return f"Y{year}"
    return f"{year:04d}" if year >= 0 else f"-{-year:04d}"


def _wrong_type_message(value: object) -> str:
    """What to say when the date field holds something that is neither text nor a year."""
    if value is None:
        return f"the date is empty; give {_EXAMPLE}"
    if isinstance(value, bool):
        return f"'{str(value).lower()}' is not a date; give {_EXAMPLE}"
    if isinstance(value, float):
        return (
            f"{value!r} is not a date: give a whole year (2023) or a date written with '-', "
            "as 2023-10 or 2023-10-13"
        )
    if isinstance(value, (list, tuple, set, dict)):
        kind = "a mapping" if isinstance(value, dict) else "a list"
        return f"give one date, not {kind}; for a span write an interval, as 2021/2023"
    return f"a date must be text such as 2023-10-13, not {type(value).__name__}"


# -- Explaining syntax errors --------------------------------------------------------------


def _syntax_advice(text: str) -> tuple[str, int]:
    """Why `text` (one date, not an interval) is not EDTF, and the index of the problem."""
    for explain in (_wording_advice, _character_advice, _qualifier_advice):
        found = explain(text)
        if found is not None:
            return found
    core = text[:-1] if text[-1] in _QUALIFIERS else text
    if core.startswith(("Y", "y")):
        return _long_year_advice(core)
    return _digits_advice(core) or (_GENERAL_ADVICE, 0)


def _wording_advice(text: str) -> tuple[str, int] | None:
    """Advice for dates written in words: "c. 1850", "44 BC", "1990s", "..".."""
    if text == "..":
        return "'..' marks an open end of an interval, as 2021/.. or ../2023", 0
    if _WORDY_APPROXIMATION_RE.match(text):
        return "mark an approximate date with ~ at the end, as 1850~", 0
    if _WORDY_ERA_RE.search(text):
        return "write years before 1 CE as negative astronomical years: 44 BCE is -0043", 0
    decade = _DECADE_WORD_RE.fullmatch(text)
    if decade is not None:
        return f"write a decade with X for its last digit, as {decade['digits']}X", 0
    if ".." in text:
        return "separate the start and end of an interval with '/', as 2021/2023", text.index("..")
    return None


def _character_advice(text: str) -> tuple[str, int] | None:
    """Advice for times, words and other characters that never appear in EDTF level 1."""
    time = _TIME_RE.search(text)
    if time is not None:
        return f"times are not supported; give {_EXAMPLE}", time.start()
    for index, char in enumerate(text):
        if char.isalpha() and char not in "XYxy":
            if _MONTH_NAME_RE.search(text):
                return "write the month as a number, as 2023-10 or 2023-10-13", index
            return _GENERAL_ADVICE, index
    for index, char in enumerate(text):
        if char.isspace():
            return "remove the space; EDTF dates contain no spaces, as 2021/2023", index
        if char == "x":
            return "write unspecified digits with a capital X, as 201X", index
    return None


def _qualifier_advice(text: str) -> tuple[str, int] | None:
    """Advice for ?, ~ and % anywhere but once at the very end."""
    positions = [index for index, char in enumerate(text) if char in _QUALIFIERS]
    if len(positions) > 1:
        return (
            "use one qualifier at the end: ? (uncertain), ~ (approximate) or % (both)",
            positions[1],
        )
    if positions and positions[0] != len(text) - 1:
        return (
            "put ?, ~ or % at the end of the date; in EDTF level 1 it qualifies the whole "
            "date, as 2023-10?",
            positions[0],
        )
    if positions and text.startswith(("Y", "y")):
        return "a long year (Y...) cannot be qualified with ?, ~ or %", positions[0]
    return None


def _long_year_advice(text: str) -> tuple[str, int]:
    """Advice for a `Y` year (years beyond four digits) that is not well formed."""
    if text.startswith("y"):
        return "write long years with a capital Y, as Y12345", 0
    digits = text[1:].removeprefix("-")
    sign = "-" if text[1:].startswith("-") else ""
    if not digits.isdigit() or not digits.isascii():
        return "a long year is Y followed by the year's digits only, as Y12345 or Y-12345", 1
    significant = digits.lstrip("0") or "0"
    if len(significant) <= 4:
        return (
            f"use Y only for years with more than four digits; write {sign}{significant.zfill(4)}",
            0,
        )
    return f"write a long year without leading zeros, as Y{sign}{significant}", 1


def _digits_advice(core: str) -> tuple[str, int] | None:
    """Advice for a date whose year, month or day has the wrong number of digits or X."""
    parts = _LOOSE_DATE_RE.fullmatch(core)
    if parts is None:
        return None
    sign, year, month, day = parts["sign"], parts["year"], parts["month"], parts["day"]
    if len(year) != 4 or ("X" in year and not re.fullmatch(r"[0-9]{2,3}X{1,2}", year)):
        return _year_advice(sign, year, month, day)
    if month is not None and not re.fullmatch(r"[0-9]{2}|XX", month):
        at = parts.start("month")
        if month.isdigit() and len(month) == 1:
            return f"write months with two digits, as {sign}{year}-0{month}", at
        if "X" in month:
            return "an unspecified month is written XX, as 2004-XX", at
        return "write the month with two digits, as 2023-09", at
    if day is not None and not re.fullmatch(r"[0-9]{2}|XX", day):
        at = parts.start("day")
        if day.isdigit() and len(day) == 1:
            return f"write days with two digits, as {sign}{year}-{month}-0{day}", at
        if "X" in day:
            return "an unspecified day is written XX, as 1985-04-XX", at
        return "write the day with two digits, as 2023-09-05", at
    return None


def _year_advice(sign: str, year: str, month: str | None, day: str | None) -> tuple[str, int]:
    """Advice for a year that is not four digits, or has X where level 1 allows none."""
    at = len(sign)
    if "X" in year:
        return (
            "only the last one or two digits of a year can be X, as 201X or 20XX",
            at + year.index("X"),
        )
    if day is not None and len(day) == 4 and len(year) <= 2:
        return "put the year first, then month and day: YYYY-MM-DD, as 2023-10-13", 0
    if len(year) > 4:
        guess = "" if sign or month is not None else _compact_date_guess(year)
        return guess + f"write years beyond four digits with a Y in front, as Y{sign}{year}", 0
    if year:
        return f"write years with four digits, as {sign}{year.zfill(4)}", at
    return _GENERAL_ADVICE, 0


def _compact_date_guess(digits: str) -> str:
    """ "did you mean 2023-05-05? " when eight digits read as a real YYYYMMDD date (the
    form many tools write dates in), else nothing."""
    if len(digits) != 8:
        return ""
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:])
    if not 1 <= month <= 12 or not 1 <= day <= _days_in_month(year, month):
        return ""
    return f"did you mean {digits[:4]}-{digits[4:6]}-{digits[6:]}? If not, "


# -- Labels ---------------------------------------------------------------------------------


def _interval_label(start: DatePart, end: DatePart) -> str:
    """Human form of an interval: "2021 – 2023", "from October 2021", "? – 2023", and with
    a century at either end "from 1900–1999 (year unknown) to 2015"."""
    if not start.is_date:
        return f"until {end.display()}" if start.kind == "open" else f"? – {end.display()}"
    if not end.is_date:
        return f"from {start.display()}" if end.kind == "open" else f"{start.display()} – ?"
    if start == end:
        return start.display()
    if "century" in (start.precision, end.precision):  # its own dash would blur the ends
        return f"from {start.display()} to {end.display()}"
    return _compact_span_label(start, end) or f"{start.display()} – {end.display()}"


def _compact_span_label(start: DatePart, end: DatePart) -> str | None:
    """ "13–15 October 2023"-style label for plain days or months in one year, else None."""
    plain = not (
        start.uncertain
        or start.approximate
        or end.uncertain
        or end.approximate
        or start.month_unspecified
        or start.day_unspecified
        or end.month_unspecified
        or end.day_unspecified
    )
    if not plain or start.year != end.year or start.precision != end.precision:
        return None
    assert start.year is not None
    year = year_name(start.year)
    if start.precision == "month":
        return f"{MONTH_NAMES[start.month - 1]}–{MONTH_NAMES[end.month - 1]} {year}"
    if start.precision != "day":
        return None
    if start.month == end.month:
        return f"{start.day}–{end.day} {MONTH_NAMES[start.month - 1]} {year}"
    return (
        f"{start.day} {MONTH_NAMES[start.month - 1]} – "
        f"{end.day} {MONTH_NAMES[end.month - 1]} {year}"
    )


def year_name(year: int) -> str:
    """A year as readers name it: 2023 -> "2023", 0 -> "1 BCE", -44 -> "45 BCE".

    EDTF and the site's paths number years astronomically (0000 is 1 BCE); everything that
    shows a year to a reader, from a date to a heading, a filter or a chart axis, names it
    through this, so that no page says "-44" where another says "45 BCE".
    """
    return str(year) if year > 0 else f"{1 - year} BCE"


def month_year_name(year: int, month: int) -> str:
    """A month of a year as headings and the chart name it: "October 2023", "March 45 BCE"."""
    return f"{MONTH_NAMES[month - 1]} {year_name(year)}"


def _year_span_label(first: int, last: int) -> str:
    """A span of years in words: "2010–2019", "2020–2011 BCE", "1 BCE – 9"."""
    if last <= 0:
        return f"{1 - first}–{1 - last} BCE"
    if first > 0:
        return f"{first}–{last}"
    return f"{1 - first} BCE – {last}"


def month_unknown_heading(year: int | None, dates: Iterable[EdtfDate]) -> str:
    """The heading over a year's events that have no month: "2004, month not known".

    An event dated only to a decade or a century is listed under the year its span starts
    in, so "201X" sits in 2010; its heading names the span instead ("2010s, year not
    known"), so that the list never claims a year the sources do not give.
    """
    spans: dict[str, None] = {}
    within_year = False
    for date in dates:
        anchor = date.start if date.start.is_date else date.end
        if anchor is not None and anchor.precision in ("decade", "century"):
            spans[anchor._plain_label() + ", year not known"] = None
        else:
            within_year = True
    headings = list(spans)
    if within_year or not headings:
        headings.append(f"{year if year is None else year_name(year)}, month not known")
    return "; ".join(headings)


def date_span(dates: Iterable[EdtfDate]) -> tuple[DatePart, DatePart]:
    """The earliest start and the latest end of these dates, as written: when a term's
    events run from and to. The last event listed is not the one that ends last when an
    earlier one is a long interval (`2001/2021`).

    Ends are compared by the first day they can be, the latest the events are known to
    reach: a date known only to its century (`20XX`) does not stretch a span to 2099, and
    of `2025` and `2025-12-29` the day ends it. A start not given (`../2001`) counts as its
    end, the first date known; an end not known (`2021/`) as its start, the last date
    known; an open end (`2021/..`) is the latest of all. Of equal dates the first met
    starts the span and the last met ends it. `dates` must not be empty (ValueError).
    """
    ends = [date.span_ends for date in dates]
    first = min(ends, key=itemgetter(0))[1]
    last = max(reversed(ends), key=itemgetter(2))[3]
    return first, last


def year_range_label(first: str, last: str) -> str:
    """Two year labels (`EdtfDate.year_label`) as a range: "2010–2024", "2010s–2024", just
    "2024" when they are the same, and "from 2000–2099 (year unknown) to 2024" when a label
    has a dash or a space of its own, which a dash between them would blur."""
    if first == last:
        return first
    if any(" " in label or "–" in label for label in (first, last)):
        return f"from {first} to {last}"
    return f"{first}–{last}"


def _decade_label(first: int, last: int) -> str:
    """A decade written with X: 201X -> "2010s"; BCE decades as a span of years."""
    return f"{first}s" if first > 0 else _year_span_label(first, last)


def _century_label(first: int, last: int) -> str:
    """A century written with XX, as the years it covers: 20XX -> "2000–2099".

    Not "21st century": that runs from 2001 to 2100, and 20XX means 2000 to 2099. Nor
    "2000s", which is also how the decade 200X reads.
    """
    return _year_span_label(first, last)
