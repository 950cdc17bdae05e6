"""Read the raw news-clipping format that articles arrive in.

A clipping is what people paste from a news site::

    By AUTHOR in PUBLISHER, MONTH D, YYYY
    paragraph
    ...
    https://source.example/url-slug-of-the-story/

Clippings are written by hand and copied from many sites, so the parser is lenient about
the shape of the byline (several authors, day-first or ISO dates, abbreviated months, a
publisher with a comma in its name), line endings, byte-order marks and blank lines, and
strict only where a wrong guess would put a wrong date or link on the timeline. It never
raises for bad content: it returns what it could read plus a list of `Problem`s, each
pointing at a line and column, that the caller reports as `path:line:col: error: ...`.
The loader (content/articles/*.txt), `timeline import` and `timeline suggest` all use it.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from builder.controls import first_control

ERROR = "error"
WARNING = "warning"

BYLINE_EXAMPLE = "By Fidel Rahmati in The Khaama Press Online, October 13, 2023"

MONTHS: dict[str, int] = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}

_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_DATE_FORMS = (
    re.compile(rf"{_YEAR}-(?P<mnum>\d{{1,2}})-(?P<day>\d{{1,2}})"),  # 2023-10-13
    re.compile(rf"{_MONTH}\s+{_DAY},?\s+{_YEAR}"),  # October 13, 2023 / Sept. 5 2023
    re.compile(rf"{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}"),  # 13 October 2023
)
_WEEKDAY_PREFIX = re.compile(
    r"^(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:[a-z]*day)?\.?,?\s+", re.IGNORECASE
)
_WEEKDAY_SUFFIX = re.compile(
    r"(?:,|\s[|\-–—])\s*(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:[a-z]*day)?\.?\s*$",
    re.IGNORECASE,
)
_BY = re.compile(r"^\s*by[\s:]+", re.IGNORECASE)
# Where a byline's date may begin: after a comma, or after " | ", " - ", " – ", " — ".
_DATE_SEPARATOR = re.compile(r",\s*|\s+[|\-–—]\s+")
_PUBLISHER_SEPARATOR = re.compile(r"\s+(?:in|for)\s+")
_AUTHOR_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+|&\s*)?|\s+and\s+|\s*&\s*")
_NAME_SUFFIX = re.compile(r",\s*(Jr|Sr|II|III|IV)\b\.?", re.IGNORECASE)
_URL_LINE = re.compile(
    r"^(?:(?:source|url|link)\s*:\s*)?<?(?P<url>[A-Za-z][A-Za-z0-9+.\-]*:\S+?|www\.\S+?)>?$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")
_WORD = re.compile(r"[^\W_]+")
_SLUG_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,6}$")
_SLUG_SPLIT = re.compile(r"[-_+\s.]+")
_SLUG_NOISE = frozenset({"index", "default", "amp", "print", "story", "article", "news"})
_MIN_SLUG_WORDS = 2
_TITLE_WORDS = 12


@dataclass(frozen=True)
class Problem:
    """Something wrong in a clipping, at a 1-based line and column."""

    line: int
    col: int
    severity: str  # "error" or "warning"
    message: str


@dataclass
class Clipping:
    """What a clipping says: byline fields, source URL, body paragraphs, and any problems."""

    title: str
    title_derived: bool
    authors: list[str]
    publisher: str | None
    date: datetime.date | None
    url: str | None
    paragraphs: list[str]
    body_line: int
    problems: list[Problem]
    paragraph_lines: list[int] = field(default_factory=list)  # 1-based line of each paragraph
    #: Where the source URL is written (1-based line and column; (0, 0) without one), so
    #: that a report about the address (`timeline check --external`) points at it.
    url_at: tuple[int, int] = (0, 0)

    @property
    def errors(self) -> list[Problem]:
        """The problems that make the clipping unusable."""
        return [p for p in self.problems if p.severity == ERROR]


@dataclass
class Byline:
    """The fields read from a byline, and what was wrong with it."""

    authors: list[str]
    publisher: str | None
    date: datetime.date | None
    problems: list[Problem]


def parse_clipping(text: str) -> Clipping:
    """Parse a clipping's text (decoded, possibly with a BOM and \\r\\n) into a `Clipping`.

    Never raises for bad content: problems come back in `Clipping.problems`.
    """
    text = _normalized(text)
    lines = _split_lines(text)
    filled = [i for i, line in enumerate(lines) if line.strip()]
    problems: list[Problem] = _control_problems(text)
    if not filled:
        problems.append(Problem(1, 1, ERROR, f"the clipping is empty: {_byline_hint()}"))
        return Clipping("", True, [], None, None, None, [], 1, problems)

    title, byline_index, byline = _find_byline(lines, filled)
    problems.extend(byline.problems)
    body_start = filled[0] if byline_index is None else byline_index + 1

    url, url_problems, body_end = _read_url(lines, filled)
    problems.extend(url_problems)

    paragraphs, paragraph_lines = _paragraphs(lines, body_start, body_end)
    if not paragraphs:
        problems.append(
            Problem(body_start + 1, 1, WARNING, "the clipping has no text below the byline")
        )
    body_line = paragraph_lines[0] if paragraph_lines else body_start + 1

    title_derived = title is None
    if title is None:
        title = _derived_title(url, paragraphs)
    return Clipping(
        title=title,
        title_derived=title_derived,
        authors=byline.authors,
        publisher=byline.publisher,
        date=byline.date,
        url=url,
        paragraphs=paragraphs,
        body_line=body_line,
        problems=sorted(problems, key=lambda p: (p.line, p.col)),
        paragraph_lines=paragraph_lines,
        url_at=_url_at(lines, filled, url),
    )


def _url_at(lines: list[str], filled: list[int], url: str | None) -> tuple[int, int]:
    """Where the source URL read from the last filled line stands ((0, 0) without one)."""
    if url is None:
        return 0, 0
    last = filled[-1]
    return last + 1, lines[last].index(url) + 1


def _normalized(text: str) -> str:
    """The text without a BOM, every line ending in \\n (not str.splitlines' exotic breaks)."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _split_lines(text: str) -> list[str]:
    """The lines of a `_normalized` text, without trailing whitespace."""
    return [line.rstrip() for line in text.split("\n")]


def _control_problems(text: str) -> list[Problem]:
    """An error at the first control character of the clipping, if it holds one: paragraphs
    and byline go into the article's page as they are (see `builder.controls`)."""
    found = first_control(text)
    if found is None:
        return []
    return [Problem(found.line, found.col, ERROR, found.message("a clipping's text"))]


def _byline_hint() -> str:
    return f"expected a byline such as `{BYLINE_EXAMPLE}`"


def _find_byline(lines: list[str], filled: list[int]) -> tuple[str | None, int | None, Byline]:
    """Locate the byline: the first filled line, or the second one after a title line.

    Returns (title line or None, index of the byline or None, the parsed byline).
    """
    first = filled[0]
    parsed = parse_byline(lines[first], first + 1)
    if _BY.match(lines[first]) and not _errors(parsed.problems):
        return None, first, parsed
    if len(filled) > 1 and _BY.match(lines[filled[1]]):
        second = filled[1]
        return lines[first].strip(), second, parse_byline(lines[second], second + 1)
    if _BY.match(lines[first]):
        return None, first, parsed
    guess = parse_byline("By " + lines[first].strip(), first + 1)
    if not _errors(guess.problems):
        message = f"start the byline with `By `, as in `{BYLINE_EXAMPLE}`"
        guess.problems = [Problem(first + 1, 1, ERROR, message)]
        return None, first, guess
    problem = Problem(first + 1, 1, ERROR, f"the first line is not a byline: {_byline_hint()}")
    return None, None, Byline([], None, None, [problem])


def _errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == ERROR]


def parse_byline(line: str, line_number: int = 1) -> Byline:
    """Read `By AUTHORS in PUBLISHER, DATE` from one line; `line_number` locates problems."""
    problems: list[Problem] = []
    by = _BY.match(line)
    if not by:
        problems.append(Problem(line_number, 1, ERROR, f"no byline: {_byline_hint()}"))
        return Byline([], None, None, problems)
    rest = line[by.end() :]
    offset = by.end()
    date, date_at = _byline_date(rest)
    if date is None:
        problem, date_at = _date_problem(rest, offset, line_number)
        problems.append(problem)
    head = _WEEKDAY_SUFFIX.sub("", rest[:date_at])
    head = head.strip().rstrip(",").strip()
    authors_text, publisher = _split_publisher(head)
    authors = split_authors(authors_text)
    if not authors:
        problems.append(
            Problem(line_number, 1, ERROR, f"the byline names no author: {_byline_hint()}")
        )
    elif publisher is None and date is not None:
        problems.append(
            Problem(
                line_number,
                1,
                WARNING,
                f"the byline names no publisher: write `By AUTHOR in PUBLISHER, DATE`, "
                f"such as `{BYLINE_EXAMPLE}`",
            )
        )
    return Byline(authors, publisher, date, problems)


def _byline_date(rest: str) -> tuple[datetime.date | None, int]:
    """Find the date after the last separator that starts a valid date.

    Returns the date and the index in `rest` where the text before it ends.
    """
    for sep in reversed(list(_DATE_SEPARATOR.finditer(rest))):
        found = parse_date(rest[sep.end() :])
        if found is not None:
            return found, sep.start()
    return None, len(rest)


def _date_problem(rest: str, offset: int, line_number: int) -> tuple[Problem, int]:
    """Explain why a byline has no readable date, pointing at the likeliest date text.

    Returns the problem and the index in `rest` where the text before the date ends.
    """
    forms = "write it as `October 13, 2023`, `13 October 2023` or `2023-10-13`"
    candidates = [
        (rest[sep.end() :].strip(), sep)
        for sep in _DATE_SEPARATOR.finditer(rest)
        if any(ch.isdigit() for ch in rest[sep.end() :])
    ]
    for candidate, sep in candidates:
        if date_parts(candidate) is not None:
            message = f"`{candidate}` is not a real date"
            return Problem(line_number, offset + sep.end() + 1, ERROR, message), sep.start()
    short = [c for c in candidates if len(c[0].split()) <= 3] or candidates[-1:]
    if short:
        candidate, sep = short[0]
        message = f"cannot read the byline's date `{candidate}`: {forms}"
        return Problem(line_number, offset + sep.end() + 1, ERROR, message), sep.start()
    message = f"the byline has no date: end it with a comma and the date, as in `{BYLINE_EXAMPLE}`"
    return Problem(line_number, offset + len(rest) + 1, ERROR, message), len(rest)


def date_parts(text: str) -> tuple[int, int, int] | None:
    """Read (year, month, day) from a whole date string, without checking the day exists."""
    text = _WEEKDAY_PREFIX.sub("", text.strip()).rstrip(".").strip()
    for form in _DATE_FORMS:
        m = form.fullmatch(text)
        if not m:
            continue
        groups = m.groupdict()
        month = int(groups["mnum"]) if groups.get("mnum") else MONTHS.get(groups["month"].lower())
        if month is None:
            continue
        return int(m["year"]), month, int(m["day"])
    return None


def parse_date(text: str) -> datetime.date | None:
    """Parse `October 13, 2023`, `Oct. 13, 2023`, `13 October 2023` or `2023-10-13`.

    The whole string must be the date (an optional leading weekday is allowed); returns None
    when it is not one of these forms or names a day that does not exist.
    """
    parts = date_parts(text)
    if parts is None:
        return None
    try:
        return datetime.date(*parts)
    except ValueError:
        return None


def _split_publisher(head: str) -> tuple[str, str | None]:
    """Split `AUTHORS in PUBLISHER` (or `for PUBLISHER`) at the first ` in `/` for `."""
    m = _PUBLISHER_SEPARATOR.search(head)
    if not m:
        return head, None
    publisher = " ".join(head[m.end() :].split())
    return head[: m.start()].strip(), publisher or None


def split_authors(text: str) -> list[str]:
    """Split `A, B and C` / `A and B` / `A & B` into names, keeping `Jr.`-style suffixes."""
    protected = _NAME_SUFFIX.sub(lambda m: "\0" + m.group(1) + ".", text)
    names = [
        " ".join(part.replace("\0", ", ").split()) for part in _AUTHOR_SEPARATOR.split(protected)
    ]
    return [name.strip(" .") if name.endswith(" .") else name for name in names if name]


def _read_url(lines: list[str], filled: list[int]) -> tuple[str | None, list[Problem], int]:
    """Read the source URL from the last filled line.

    Returns (url or None, problems, index where the body ends, exclusive).
    """
    last = filled[-1]
    if len(filled) < 2:
        return None, [_missing_url(last + 1)], last + 1
    text = lines[last].strip()
    m = _URL_LINE.match(text)
    if not m:
        return None, [_missing_url(last + 1)], last + 1
    url = m["url"]
    col = lines[last].index(url) + 1
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        message = f"the source URL must start with https:// or http://, not `{url}`"
        return None, [Problem(last + 1, col, ERROR, message)], last
    if not parts.netloc:
        message = f"`{url}` is not a web address: write it as https://site.example/story"
        return None, [Problem(last + 1, col, ERROR, message)], last
    return url, [], last


def _missing_url(line: int) -> Problem:
    return Problem(
        line, 1, WARNING, "no source URL on the last line: add the story's https:// address"
    )


def _paragraphs(lines: list[str], start: int, end: int) -> tuple[list[str], list[int]]:
    """Collect paragraphs between `start` and `end` (line indexes, end exclusive).

    Without blank lines, every line is a paragraph (the clipping format). With blank lines
    between paragraphs, a line that does not end a sentence is joined with the next line of
    its block, so hard-wrapped text copied from e-mail reads as one paragraph.
    """
    body = lines[start:end]
    wrapped = any(not line.strip() for line in body)
    paragraphs: list[str] = []
    numbers: list[int] = []
    joining = False
    for index, line in enumerate(body, start=start + 1):
        text = " ".join(line.split())
        if not text:
            joining = False
            continue
        if joining:
            paragraphs[-1] += " " + text
        else:
            paragraphs.append(text)
            numbers.append(index)
        joining = wrapped and not _SENTENCE_END.search(text)
    return paragraphs, numbers


def _derived_title(url: str | None, paragraphs: list[str]) -> str:
    """A title from the URL's slug, else from the first words of the body."""
    capitals = proper_words(paragraphs)
    if url:
        title = title_from_url(url, proper=capitals)
        if title:
            return title
    if paragraphs:
        return title_from_text(paragraphs[0])
    return "Untitled clipping"


def title_from_text(text: str, max_words: int = _TITLE_WORDS) -> str:
    """The first sentence of `text`, or its first `max_words` words followed by an ellipsis."""
    first = re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)[0]
    words = first.split()
    if len(words) <= max_words:
        return first.rstrip(".")
    return " ".join(words[:max_words]).rstrip(",;:") + "…"


def slug_words(url: str) -> list[str]:
    """The words of the story's slug in a URL, without ids, dates or file extensions.

    `https://site/news/2023/10/13/foo-bar-baz-12345.html` gives `["foo", "bar", "baz"]`.
    Accepts a bare slug too. Returns [] when no path segment looks like a slug.
    """
    path = urlsplit(url).path if "://" in url else url.split("?")[0].split("#")[0]
    segments = [unquote(s) for s in path.split("/") if s]
    for segment in reversed(segments):
        words = _clean_slug(segment)
        if len(words) >= _MIN_SLUG_WORDS:
            return words
    return []


def _clean_slug(segment: str) -> list[str]:
    segment = _SLUG_EXTENSION.sub("", segment)
    words = [w for w in _SLUG_SPLIT.split(segment) if w]
    if len(words) == 1 and words[0].lower() in _SLUG_NOISE:
        return []
    while words and _is_id(words[-1]):
        words.pop()
    while words and _is_id(words[0]):
        words.pop(0)
    return words


def _is_id(word: str) -> bool:
    """Numeric ids (`12345`), dates' digits, and hash-like tokens (`a1b2c3d4`)."""
    if word.isdigit():
        return len(word) >= 5 or len(word) <= 2 or not 1900 <= int(word) <= 2100
    has_digit = any(c.isdigit() for c in word)
    has_alpha = any(c.isalpha() for c in word)
    return has_digit and has_alpha and len(word) >= 6


def title_from_url(url: str, proper: Iterable[str] = ()) -> str | None:
    """A sentence-case title from a URL's slug (or a bare slug), or None if it has none.

    Words listed in `proper` (as written, e.g. `"Tajikistan"`, `"CIS"`) keep their
    capitals; so do single-word country names. `parse_clipping` passes the words that
    the clipping's body capitalises mid-sentence.
    """
    words = slug_words(url)
    if not words:
        return None
    known = {w.lower(): w for w in _country_words()}
    known.update({w.lower(): w for w in proper})
    out = []
    for i, word in enumerate(words):
        lower = word.lower()
        if lower in known:
            out.append(known[lower])
        elif lower == "i":
            out.append("I")
        elif i == 0:
            out.append(lower[:1].upper() + lower[1:])
        else:
            out.append(lower)
    return " ".join(out)


def proper_words(paragraphs: Iterable[str]) -> list[str]:
    """Words the text capitalises mid-sentence more often than it writes them in lowercase.

    Sentence-initial words are ignored, so `The` or `On` do not count, but `Tajikistan`,
    `Putin` or `CIS` do.
    """
    capital: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = {}
    for paragraph in paragraphs:
        for m in _WORD.finditer(paragraph):
            word = m.group()
            key = word.lower()
            if word == key:
                lower[key] += 1
            elif not _sentence_initial(paragraph, m.start()):
                capital[key] += 1
                forms.setdefault(key, Counter())[word] += 1
    return [forms[k].most_common(1)[0][0] for k in capital if capital[k] > lower[k]]


def _sentence_initial(text: str, index: int) -> bool:
    before = text[:index].rstrip(" \"'“‘([")
    return not before or before[-1] in ".!?:"


@functools.lru_cache(maxsize=1)
def _country_words() -> tuple[str, ...]:
    """Single-word country names (`Tajikistan`), to capitalise them in slug titles."""
    try:
        import pycountry
    except ImportError:  # pragma: no cover - pycountry is a declared dependency
        return ()
    names = set()
    for country in pycountry.countries:
        for attr in ("name", "common_name"):
            name = getattr(country, attr, None)
            if name and " " not in name and name.isalpha():
                names.add(unicodedata.normalize("NFC", name))
    return tuple(sorted(names))
