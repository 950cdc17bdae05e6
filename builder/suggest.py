"""`timeline suggest`: draft candidate events from the dated statements in an article.

Turning an article into events is the slow part of keeping a timeline: an editor reads
"On Friday, ..." in a story published on 13 October 2023 and has to work out which day
that was. This command does the reading and the arithmetic and prints drafts, as YAML
ready to paste into content/events/*.yaml, each marked `draft: true` and preceded by a
comment saying which phrase its date came from, so the editor checks rather than types.

Dates are found by a small table of rules, each a compiled regex and a function that
resolves a match against the publication date into an EDTF string. The rules are
deliberately conservative: a missed date costs the editor a minute, an invented one can
put a false event on the timeline. Month and weekday names must be capitalised, bare
years need a preposition ("in 2022"), and numbers alone ("two diplomats") are never dates.
"""

from __future__ import annotations

import datetime
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from builder.clipping import MONTHS, parse_clipping, parse_date
from builder.dates import MONTH_NAMES
from builder.diagnostics import Report
from builder.importer import escape_markdown
from builder.load import (
    YamlMap,
    YamlProblem,
    content_kind,
    decode_utf8,
    parse_yaml,
    split_front_matter,
)

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2
#: How far ahead a day named without its year ("on 20 October") may be to count as upcoming.
_UPCOMING_DAYS = 31

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}

# --- Building blocks of the rules' patterns --------------------------------------------

_MONTH = (
    r"(?P<month>(?:January|February|March|April|May|June|July|August|September|October"
    r"|November|December)\b|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\b\.?)"
)
_WEEKDAY = r"(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b"
_YEAR = r"(?P<year>(?:1[89]|20)\d\d)\b"
_NUMBER = r"(?P<n>\d{1,3}|(?i:an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve))"
_SINCE_WORD = r"(?P<since>(?i:since))"
_SINCE = rf"(?:{_SINCE_WORD}\s+)?"
_PART_OF_DAY = r"(?:\s+(?i:morning|afternoon|evening|night))?"
# After "in 2000": a plural noun means a count ("in 2000 villages"), not a year.
_NOT_A_COUNT = (
    r"(?!\s+(?!(?:was|has|is|as|this|thus|its|his|across|amid|towards|whereas)\b)[a-z]+s\b)"
)


@dataclass(frozen=True)
class Resolved:
    """A date found in text: its EDTF form and how to say it to the editor."""

    edtf: str
    label: str


@dataclass(frozen=True)
class Rule:
    """One kind of date phrase: a pattern and how to resolve a match against publication."""

    name: str
    pattern: re.Pattern[str]
    resolve: Callable[[re.Match[str], datetime.date], Resolved | None]


@dataclass(frozen=True)
class Mention:
    """A date phrase in a sentence (`start`/`end` index the sentence) and its date."""

    phrase: str
    start: int
    end: int
    date: Resolved


@dataclass(frozen=True)
class Candidate:
    """A draft event: one dated statement of the article."""

    date: Resolved
    phrase: str
    line: int
    title: str
    summary: str


# --- Date arithmetic and labels ---------------------------------------------------------


def _month_of(match: re.Match[str]) -> int:
    return MONTHS[match["month"].rstrip(".").lower()]


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _day(d: datetime.date) -> Resolved:
    return Resolved(d.isoformat(), f"{WEEKDAY_NAMES[d.weekday()]} {_day_label(d)}")


def _day_label(d: datetime.date) -> str:
    return f"{d.day} {MONTH_NAMES[d.month - 1]} {d.year}"


def _month(year: int, month: int) -> Resolved:
    return Resolved(f"{year:04d}-{month:02d}", f"{MONTH_NAMES[month - 1]} {year}")


def _year(year: int) -> Resolved:
    return Resolved(f"{year:04d}", str(year))


def _interval(start: Resolved, end: Resolved) -> Resolved:
    return Resolved(f"{start.edtf}/{end.edtf}", f"{start.label} to {end.label}")


def _approximately(date: Resolved) -> Resolved:
    return Resolved(date.edtf + "~", "about " + date.label)


def _until_publication(start: Resolved, published: datetime.date) -> Resolved:
    """An interval from `start` to publication, at the precision of `start`."""
    if len(start.edtf) == 4:
        end = _year(published.year)
    elif len(start.edtf) == 7:
        end = _month(published.year, published.month)
    else:
        end = _day(published)
    return _interval(start, end)


def _since(match: re.Match[str], start: Resolved, published: datetime.date) -> Resolved:
    """`start` itself, or for "since START" the interval up to publication."""
    groups = match.groupdict()
    if groups.get("since"):
        return _until_publication(start, published)
    return start


def _safe_date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


# --- Resolvers: one per rule ---------------------------------------------------------------


def _full_date(match: re.Match[str], published: datetime.date) -> Resolved | None:
    """ "October 13, 2023", "13 October 2023", "2023-10-13" (optionally "since ...")."""
    month = int(match["mnum"]) if match.groupdict().get("mnum") else _month_of(match)
    found = _safe_date(int(match["year"]), month, int(match["day"]))
    return _since(match, _day(found), published) if found else None


def _day_and_month(match: re.Match[str], published: datetime.date) -> Resolved | None:
    """ "on October 5" (no year): the latest such day on or before publication, unless that
    day comes within the next month ("talks start on 20 October")."""
    month, day = _month_of(match), int(match["day"])
    options = [_safe_date(published.year + shift, month, day) for shift in (-1, 0, 1)]
    dates = [d for d in options if d is not None]
    soon = [d for d in dates if 0 < (d - published).days <= _UPCOMING_DAYS]
    past = [d for d in dates if d <= published]
    if not soon and not past:
        return None
    found = soon[0] if soon else past[-1]
    return _since(match, _day(found), published)


def _month_and_year(match: re.Match[str], published: datetime.date) -> Resolved | None:
    """ "in August 2021" -> 2021-08; "since August 2021" -> 2021-08/PUBLICATION-MONTH."""
    return _since(match, _month(int(match["year"]), _month_of(match)), published)


def _month_relative_year(match: re.Match[str], published: datetime.date) -> Resolved | None:
    """ "in September of this year", "September last year"."""
    shift = {"this": 0, "last": -1, "next": 1}[match["rel"].lower()]
    return _since(match, _month(published.year + shift, _month_of(match)), published)


def _recent_month(match: re.Match[str], published: datetime.date) -> Resolved | None:
    """ "in September" / "last September": the latest such month on or before publication.

    "last September" in September means the year before; "next May" the coming May.
    """
    month = _month_of(match)
    rel = (match.groupdict().get("rel") or "").lower()
    year = published.year
    if rel == "next":
        year += 1 if month <= published.month else 0
    elif month > published.month or (rel == "last" and month == published.month):
        year -= 1
    return _since(match, _month(year, month), published)


def _weekday(match: re.Match[str], published: datetime.date) -> Resolved | None:
    """ "on Friday" -> the latest Friday on or before publication; "last"/"next" Friday."""
    target = WEEKDAY_NAMES.index(match["weekday"])
    rel = (match["rel"] or "").lower()
    back = (published.weekday() - target) % 7
    if rel == "next":
        return _day(published + datetime.timedelta(days=(target - published.weekday()) % 7 or 7))
    if rel == "last" and back == 0:
        back = 7
    return _day(published - datetime.timedelta(days=back))


def _relative_day(match: re.Match[str], published: datetime.date) -> Resolved | None:
    """ "yesterday", "last night", "tomorrow", "earlier today", "this morning"."""
    word = " ".join(match.group().lower().split())
    shift = -1 if word in ("yesterday", "last night") else 1 if word == "tomorrow" else 0
    return _day(published + datetime.timedelta(days=shift))


def _relative_month(match: re.Match[str], published: datetime.date) -> Resolved | None:
    """ "this month", "last month", "next month"."""
    shift = {"this": 0, "last": -1, "next": 1}[match["rel"].lower()]
    return _month(*_add_months(published.year, published.month, shift))


def _relative_week(match: re.Match[str], published: datetime.date) -> Resolved | None:
    """ "last week" -> Monday to Sunday of the week before; "this week" -> Monday to publication."""
    monday = published - datetime.timedelta(days=published.weekday())
    rel = match["rel"].lower()
    if rel == "this":
        return _interval(_day(monday), _day(published)) if monday != published else _day(monday)
    start = monday + datetime.timedelta(days=-7 if rel == "last" else 7)
    return _interval(_day(start), _day(start + datetime.timedelta(days=6)))


def _relative_year(match: re.Match[str], published: datetime.date) -> Resolved | None:
    """ "this year", "last year", "next year"."""
    shift = {"this": 0, "last": -1, "next": 1}[match["rel"].lower()]
    return _year(published.year + shift)


def _count(match: re.Match[str]) -> int | None:
    text = (match["n"] or "one").lower()
    return int(text) if text.isdigit() else NUMBER_WORDS.get(text)


def _back(published: datetime.date, n: int, unit: str) -> Resolved:
    """The date `n` units before publication, at the unit's precision."""
    unit = unit.lower().rstrip("s")
    if unit in ("year", "decade"):
        years = n * (10 if unit == "decade" else 1)
        return _month(published.year - years, published.month)
    if unit == "month":
        return _month(*_add_months(published.year, published.month, -n))
    days = n * (7 if unit == "week" else 1)
    return _day(published - datetime.timedelta(days=days))


def _past_period(match: re.Match[str], published: datetime.date) -> Resolved | None:
    """ "over the past two years" -> 2021-10~/2023-10 (publication in October 2023): the
    period ends at publication, but where it began is a manner of speaking, as "two years
    ago" is, so its start is approximate."""
    n = _count(match)
    if not n:
        return None
    start = _back(published, n, match["unit"])
    span = _until_publication(start, published)
    begun, ended = span.edtf.split("/")
    return Resolved(f"{begun}~/{ended}", f"about {span.label}")


def _ago(match: re.Match[str], published: datetime.date) -> Resolved | None:
    """ "two years ago" -> 2021~ ; "three months ago" -> 2023-07~ ; "two days ago" -> the day."""
    n = _count(match)
    if not n:
        return None
    unit = match["unit"].lower().rstrip("s")
    back = _back(published, n, unit)
    if unit == "day":
        return back
    if unit in ("year", "decade"):
        back = _year(int(back.edtf[:4]))
    return _approximately(back)


def _bare_year(match: re.Match[str], published: datetime.date) -> Resolved | None:
    """ "in 2022" -> 2022; "since 2021" -> 2021/PUBLICATION-YEAR."""
    return _since(match, _year(int(match["year"])), published)


def _year_range(match: re.Match[str], published: datetime.date) -> Resolved | None:
    """ "from 2019 to 2021", "between 2019 and 2021" -> 2019/2021."""
    start, end = int(match["y1"]), int(match["y2"])
    return _interval(_year(start), _year(end)) if start < end else None


# --- The rules ---------------------------------------------------------------------------


def _rule(name: str, pattern: str, resolve: Callable) -> Rule:
    return Rule(name, re.compile(rf"\b{pattern}"), resolve)


RULES: tuple[Rule, ...] = (
    _rule(
        "month day, year",
        rf"{_SINCE}(?:(?i:on)\s+)?(?:{_WEEKDAY},?\s+)?{_MONTH}\s+{_DAY},?\s+{_YEAR}",
        _full_date,
    ),
    _rule(
        "day month year",
        rf"{_SINCE}(?:(?i:on)\s+)?(?:{_WEEKDAY},?\s+)?(?:(?i:the)\s+)?{_DAY}\s+(?:(?i:of)\s+)?"
        rf"{_MONTH},?\s+{_YEAR}",
        _full_date,
    ),
    _rule(
        "month day",
        rf"{_SINCE}(?:(?i:on)\s+)?(?:{_WEEKDAY},?\s+)?{_MONTH}\s+{_DAY}(?![,\s]*\d)",
        _day_and_month,
    ),
    _rule(
        "day month",
        rf"{_SINCE}(?:(?i:on)\s+)?(?:{_WEEKDAY},?\s+)?(?:(?i:the)\s+)?{_DAY}\s+(?:(?i:of)\s+)?"
        rf"{_MONTH}(?![,\s]*\d)",
        _day_and_month,
    ),
    _rule("ISO date", rf"{_SINCE}(?:(?i:on)\s+)?{_YEAR}-(?P<mnum>[01]\d)-{_DAY}\b", _full_date),
    _rule(
        "month of this year",
        rf"{_SINCE}(?:(?i:in|during|by|early|late|mid)[\s-]+)?{_MONTH}\s+(?:(?i:of)\s+)?"
        r"(?P<rel>(?i:this|last|next))\s+(?i:year)\b",
        _month_relative_year,
    ),
    _rule(
        "month year",
        rf"{_SINCE}(?:(?i:in|during|by|until|from|early|late|mid)[\s-]+)?{_MONTH},?\s+{_YEAR}",
        _month_and_year,
    ),
    _rule("last month-name", rf"(?P<rel>(?i:last|next))\s+{_MONTH}(?!\s*\d)", _recent_month),
    _rule(
        "in month-name",
        rf"(?:{_SINCE_WORD}|(?i:in|during|until|by|early|late|mid|earlier\s+in|later\s+in))"
        rf"[\s-]+{_MONTH}(?![\s,]*\d)",
        _recent_month,
    ),
    _rule(
        "weekday",
        rf"(?:(?P<rel>(?i:on|last|this|next|past|earlier\s+on|late\s+on|early\s+on))\s+)?"
        rf"{_WEEKDAY}(?:['’]s)?{_PART_OF_DAY}\b",
        _weekday,
    ),
    _rule(
        "yesterday",
        r"(?i:yesterday|tomorrow|last\s+night|earlier\s+today|later\s+today"
        r"|this\s+(?:morning|afternoon|evening))\b",
        _relative_day,
    ),
    _rule(
        "this month",
        r"(?:(?i:earlier|later|early|late)\s+)?(?P<rel>(?i:this|last|next))\s+(?i:month)\b",
        _relative_month,
    ),
    _rule("this week", r"(?P<rel>(?i:this|last|next))\s+(?i:week)\b", _relative_week),
    _rule(
        "this year",
        r"(?:(?i:earlier|later|early|late)\s+)?(?P<rel>(?i:this|last|next))\s+(?i:year)\b",
        _relative_year,
    ),
    _rule(
        "over the past N units",
        r"(?:(?i:over|in|during|for|throughout|within)\s+)?(?i:the)\s+"
        rf"(?i:past|last|previous|preceding)\s+(?:{_NUMBER}\s+)?"
        r"(?P<unit>(?i:days?|weeks?|months?|years?|decades?))\b",
        _past_period,
    ),
    _rule(
        "N units ago",
        rf"{_NUMBER}\s+(?P<unit>(?i:days?|weeks?|months?|years?|decades?))\s+(?i:ago)\b",
        _ago,
    ),
    _rule(
        "year range",
        r"(?i:from|between)\s+(?P<y1>(?:1[89]|20)\d\d)\s+(?i:to|and|until|through)\s+"
        r"(?P<y2>(?:1[89]|20)\d\d)\b",
        _year_range,
    ),
    _rule(
        "in year",
        rf"(?:{_SINCE_WORD}|(?i:in|during|until|throughout|early|late|mid))[\s-]+"
        rf"{_YEAR}(?![-–/]?\d){_NOT_A_COUNT}",
        _bare_year,
    ),
)


def find_dates(sentence: str, published: datetime.date) -> list[Mention]:
    """The date phrases in `sentence`, resolved against the publication date.

    Where phrases overlap the longest wins ("in September of this year" over
    "in September"), so each stretch of text gives at most one date.
    """
    matches = sorted(
        ((m, rule) for rule in RULES for m in rule.pattern.finditer(sentence)),
        key=lambda item: (item[0].start(), -(item[0].end() - item[0].start())),
    )
    mentions: list[Mention] = []
    taken_until = -1
    for match, rule in matches:
        if match.start() < taken_until:
            continue
        taken_until = match.end()
        resolved = rule.resolve(match, published)
        if resolved is not None:
            mentions.append(Mention(match.group(), match.start(), match.end(), resolved))
    return mentions


# --- Sentences ---------------------------------------------------------------------------

# Words after which a full stop does not end a sentence ("Mr. Putin", "Oct. 13").
_ABBREVIATION_WORDS = (
    "mr mrs ms dr prof st sr jr gen lt col maj capt sgt cmdr adm gov sen rep pres amb rev hon "
    "fr vs etc e.g i.e inc ltd co corp dept univ approx jan feb mar apr jun jul aug sep sept "
    "oct nov dec"
)
ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_LAST_TOKEN = re.compile(r"(\S+)$")
_INITIALS = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]?$")


def split_sentences(text: str) -> Iterator[tuple[int, str]]:
    """Yield (offset, sentence) for each sentence of `text`.

    Does not split after abbreviations and initials ("Mr.", "Oct.", "U.S.", "J. K.").
    """
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if text[m.start()] == "." and _is_abbreviation(text[start : m.start()]):
            continue
        yield start, text[start : m.end()].strip()
        start = m.end()
    if text[start:].strip():
        yield start, text[start:].strip()


def _is_abbreviation(before_dot: str) -> bool:
    token = _LAST_TOKEN.search(before_dot)
    if not token:
        return False
    word = token.group(1).lstrip("\"'“‘([").lower()
    if word in ABBREVIATIONS:
        return True
    return len(word) <= 4 and bool(_INITIALS.match(word + "."))


# --- Drafting candidates -----------------------------------------------------------------

_CONNECTIVE = re.compile(
    r"^(?:additionally|however|meanwhile|moreover|furthermore|in addition|also|separately"
    r"|earlier|later|then|in (?:a|another) (?:significant|separate|related|new|major) "
    r"development)\s*,\s*",
    re.IGNORECASE,
)
# Words a cut-off title should not end on.
_TRAILING_WORD_LIST = (
    "a an the of to in on at by for from with and or but that which who as its their his her "
    "had has have been was were is are be"
)
_TRAILING_WORDS = frozenset(_TRAILING_WORD_LIST.split())
_TITLE_MAX_WORDS = 12
_TITLE_WHOLE_WORDS = 14


def draft_title(sentence: str, mention: Mention) -> str:
    """A short draft title: the sentence without its date phrase, cut to about 12 words."""
    text = sentence[: mention.start] + sentence[mention.end :]
    text = re.sub(r"\s+([,.;:!?])", r"\1", " ".join(text.split()))
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r"^[\W_]+", "", text)
    text = _CONNECTIVE.sub("", text)
    words = text.split()
    whole = len(words) <= _TITLE_WHOLE_WORDS
    title = " ".join(words).rstrip(".!?,;: ") if whole else _cut(words)
    return title[:1].upper() + title[1:]


def _cut(words: list[str]) -> str:
    """The first words of a long sentence: up to a clause break, without dangling words."""
    kept = words[:_TITLE_MAX_WORDS]
    for index, word in enumerate(kept):
        if index >= 5 and word[-1] in ",;:":
            kept = kept[: index + 1]
            break
    opened = [i for i, w in enumerate(kept) if "(" in w]
    if opened and ")" not in " ".join(kept[opened[-1] :]) and opened[-1] > 0:
        kept = kept[: opened[-1]]
    kept[-1] = kept[-1].rstrip(",;:.")
    while len(kept) > 1 and kept[-1].lower() in _TRAILING_WORDS:
        kept.pop()
    return " ".join(kept) + "…"


def suggest_events(
    paragraphs: list[tuple[int, str]], published: datetime.date, *, markdown: bool
) -> list[Candidate]:
    """One candidate per dated statement: per distinct date in each sentence.

    `paragraphs` are (line, text) pairs, text possibly spanning lines; `markdown` says the
    text is already Markdown (an .md article) rather than plain text (a clipping).
    """
    candidates = []
    for first_line, paragraph in paragraphs:
        for offset, raw in split_sentences(paragraph):
            sentence = " ".join(raw.split())
            line = first_line + paragraph[:offset].count("\n")
            seen: set[str] = set()
            for mention in find_dates(sentence, published):
                if mention.date.edtf in seen:
                    continue
                seen.add(mention.date.edtf)
                summary = sentence if markdown else escape_markdown(sentence)
                title = draft_title(sentence, mention)
                candidates.append(Candidate(mention.date, mention.phrase, line, title, summary))
    return candidates


def format_candidates(
    candidates: list[Candidate],
    article_id: str,
    published: datetime.date,
    source: str,
    note: Sequence[str] = (),
) -> str:
    """The candidates as YAML: a commented list, ready to paste into an events file, its
    heading followed by the comment lines `note`."""
    out = [
        f"# Candidate events from {source}, published {_day(published).label}.",
        "# Drafts: check each date and title, then paste into content/events/*.yaml",
        "# and remove `draft: true`.",
        *note,
    ]
    if not candidates:
        out += [f"# No dated statements found in {source}.", "[]"]
    for candidate in candidates:
        event = {
            "date": candidate.date.edtf,
            "title": candidate.title,
            "summary": candidate.summary,
            "sources": [{"article": article_id}],
            "draft": True,
        }
        out.append("")
        out.append(f'# "{candidate.phrase}" -> {candidate.date.label} (line {candidate.line})')
        out.append(_dump([event]).rstrip("\n"))
    return "\n".join(out) + "\n"


def _dump(value: object) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=1_000_000)


# --- Reading the article -----------------------------------------------------------------


@dataclass
class _Article:
    published: datetime.date
    paragraphs: list[tuple[int, str]]
    markdown: bool


class _Unreadable(Exception):
    def __init__(self, line: int, col: int, message: str):
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


def _read_clipping(text: str, where: str, report: Report) -> _Article:
    clipping = parse_clipping(text)
    for problem in clipping.problems:
        add = report.error if problem.severity == "error" else report.warning
        add(where, problem.line, problem.col, problem.message)
    if report.errors or clipping.date is None:
        raise _Unreadable(1, 1, "the clipping has no publication date")
    pairs = list(zip(clipping.paragraph_lines, clipping.paragraphs, strict=True))
    return _Article(clipping.date, pairs, markdown=False)


_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}(\s|$)")
_LIST_MARK = re.compile(r"^\s{0,3}(?:[-+*]|\d{1,9}[.)])\s+")


def _read_markdown(text: str) -> _Article:
    yaml_text, yaml_line, body, body_line = split_front_matter(text)
    meta = parse_yaml(yaml_text, line_offset=yaml_line - 1)
    if not isinstance(meta, YamlMap):
        raise _Unreadable(yaml_line, 1, "front matter must be a mapping of fields (title: ...)")
    published = _publication_date(meta)
    return _Article(published, markdown_paragraphs(body, body_line), markdown=True)


def _publication_date(meta: YamlMap) -> datetime.date:
    value = meta.get("date")
    where = meta.at("date")
    if value is None:
        raise _Unreadable(
            where.line,
            where.col,
            "the article has no `date:`: suggest needs the publication date to resolve "
            "phrases such as “on Friday” (write date: 2023-10-13)",
        )
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    found = parse_date(str(value))
    if found is None:
        raise _Unreadable(
            where.line,
            where.col,
            f"the publication date {value!r} is not a day: write it as 2023-10-13",
        )
    return found


def markdown_paragraphs(body: str, first_line: int) -> list[tuple[int, str]]:
    """(line, text) of each paragraph of a Markdown body, skipping headings and code."""
    paragraphs: list[tuple[int, str]] = []
    block: list[str] = []
    block_line = first_line
    fenced = False
    for number, line in enumerate(body.split("\n"), start=first_line):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced or _HEADING.match(line) or not line.strip():
            if block:
                paragraphs.append((block_line, "\n".join(block)))
            block = []
            continue
        if not block:
            block_line = number
        block.append(_LIST_MARK.sub("", line).lstrip("> "))
    if block:
        paragraphs.append((block_line, "\n".join(block)))
    return paragraphs


def read_article(path: Path, report: Report) -> _Article:
    """Read a .txt clipping or an .md article; raises _Unreadable (after filling `report`)."""
    where = str(path)
    try:
        text = decode_utf8(path.read_bytes())
    except YamlProblem as exc:
        raise _Unreadable(exc.line, exc.col, exc.message) from None
    except OSError as exc:
        raise _Unreadable(1, 1, f"cannot read the article: {exc.strerror or exc}") from None
    if path.suffix.lower() == ".txt":
        return _read_clipping(text, where, report)
    try:
        return _read_markdown(text)
    except YamlProblem as exc:
        raise _Unreadable(exc.line, exc.col, exc.message) from None


def run_suggest(path: Path) -> int:
    """Print candidate events for the dated statements in an article; return the exit status.

    0: printed (possibly an empty list); 1: the article cannot be read, reported as
    `path:line:col: error: message`; 2: the file does not exist.
    """
    path = article_file(path)
    if not path.is_file():
        reason = (
            "is a folder, not an article file"
            if path.is_dir()
            else "does not exist: give an article's file, such as content/articles/NAME.md, "
            "or, in the project's folder, its name"
        )
        print(f"timeline: error: {path} {reason}", file=sys.stderr)
        return EXIT_USAGE
    report = Report()
    try:
        article = read_article(path, report)
    except _Unreadable as exc:
        if not report.errors:
            report.error(str(path), exc.line, exc.col, exc.message)
        _print_report(report)
        return EXIT_CONTENT
    _print_report(report)
    candidates = suggest_events(article.paragraphs, article.published, markdown=article.markdown)
    note = [] if content_kind(path) == "articles" else outside_articles_note(path)
    sys.stdout.write(format_candidates(candidates, path.stem, article.published, path.name, note))
    return EXIT_OK


def article_file(name: Path) -> Path:
    """The file to read for `timeline suggest NAME`: NAME itself, or else the project's
    article of that name (content/articles/NAME.md or .txt, from the current folder), so
    that the id events cite works as well as the file's path."""
    if name.exists() or len(name.parts) != 1:
        return name
    for suffix in (".md", ".txt"):
        candidate = Path("content", "articles", f"{name}{suffix}")
        if candidate.is_file():
            return candidate
    return name


def outside_articles_note(path: Path) -> list[str]:
    """The comment lines for the candidates of a file no event can cite yet: pasted as
    they are, their `article:` would name an unknown article."""
    return [
        f"# {path.name} is not in a project's content/articles, so no event can cite it yet:",
        f"# import it (timeline import {path}) and set `article:` to the name it gets.",
    ]


def _print_report(report: Report) -> None:
    for item in report.items:
        print(item.format(), file=sys.stderr)
    if report.items:
        print(report.summary(), file=sys.stderr)
