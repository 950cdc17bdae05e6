"""A compact search index of events and articles, loaded by a small script on search/.

Why our own index rather than Pagefind: the whole timeline's text is small (a few hundred
events fit in well under 100 KB), so a single prebuilt file searched in memory is instant,
needs no binary in the build, and the client stays under 4 KB. The index is a plain script
(`search/index.js`, setting `window.TIMELINE_SEARCH = [...]`) rather than JSON fetched at run
time, so search also works when the site is opened from disk (`file://`), where browsers
refuse `fetch`. Its name is fixed, so the build can plan it before computing it (the live
preview renders it only when asked).

Every entry carries what a result shows (title, date as written, kind, snippet) and the
words it can be found by: a deduplicated, lowercased, accent-free word list that the client
matches by prefix. Words come from the Markdown source with link targets removed (Markdown
marks are not letters, so they drop out), which is far cheaper than parsing long articles.

The index is a join of one compact JSON entry per event and per article; given the
`exports.FragmentMemo` that the exports use, entries are kept between builds, so the live
preview re-renders the index in milliseconds after a small edit.

Normalisation here and in `static/search.js` must agree: NFKD, drop the marks readers do
not type (`FOLDED_MARKS`), lowercase, split on anything but letters, digits and the
combining marks left (the vowel signs that spell हिन्दी, which splitting on them cut into
letters).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from builder import jsontext, urls
from builder.countries import countries
from builder.dates import EdtfDate
from builder.exports import FragmentMemo, plain_text, summary_text
from builder.model import Article, Event, Timeline
from builder.text import markdown_forms
from builder.write import Pieces

#: Longest snippet shown under a result, in characters.
SNIPPET_LENGTH = 180
#: Characters of an article's body that are searchable (bodies can be long; titles rarely).
ARTICLE_TEXT_LIMIT = 20_000
#: `_word_pattern()` for lowercased ASCII text, which it matches alike: a range is tested
#: faster than a Unicode category (a third of the time of finding an article's words).
_ASCII_WORD = re.compile(r"[a-z0-9]+")
_LINK_TARGET = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)|<https?://[^>\s]*>|https?://\S+")
#: The index's path; search.html loads it with a script element.
INDEX_PATH = "search/index.js"
#: Marks dropped before words are found, here and in static/search.js alike: the accents of
#: Latin, Greek and Cyrillic letters (café, Dušanbe), and the vowel points that Hebrew and
#: Arabic-script text (Dari, Pashto) may or may not carry: مُحَمَّد is found by محمد.
FOLDED_MARKS = "\u0300-\u036f\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u064b-\u065f\u0670"
_FOLDED = re.compile(f"[{FOLDED_MARKS}]")


def search_words(*texts: str) -> list[str]:
    """The distinct search words of these texts, in first-seen order.

    The texts are searched as one, joined by spaces: a space ends a word (and a Greek final
    sigma) as the end of a text does, and an event's nine texts took nine searches.
    """
    text = " ".join(filter(None, texts))
    if text.isascii():  # ASCII has no accents to fold
        return list(dict.fromkeys(_ASCII_WORD.findall(text.lower())))
    text = _FOLDED.sub("", unicodedata.normalize("NFKD", text))
    return list(dict.fromkeys(_word_pattern().findall(text.lower())))


@cache
def _word_pattern() -> re.Pattern[str]:
    """A word: letters, digits and combining marks (`[\\p{L}\\p{N}\\p{M}]+` in
    static/search.js). Python's patterns have no class of marks, so it is listed from the
    Unicode database, once per process and only for text that is not ASCII."""
    marks = [c for c in range(0x300, 0x20000) if unicodedata.category(chr(c)).startswith("M")]
    marks += range(0xE0100, 0xE01F0)  # variation selectors, the only marks beyond
    return re.compile(f"(?:[^\\W_]|[{_as_ranges(marks)}])+")


def _as_ranges(code_points: list[int]) -> str:
    """Sorted code points as the ranges of a character class (`\\u0300-\\u036f...`)."""
    ranges: list[list[int]] = []
    for c in code_points:
        if ranges and c == ranges[-1][1] + 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return "".join(
        re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges
    )


def other_words(title: str, words: list[str]) -> str:
    """The words not already in the title (the client matches title words on their own)."""
    in_title = set(search_words(title))
    return " ".join(w for w in words if w not in in_title)


def _without_link_targets(markdown: str) -> str:
    return _LINK_TARGET.sub("] ", markdown or "")


def snippet(text: str, limit: int = SNIPPET_LENGTH) -> str:
    """The first `limit` characters of text, cut at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def event_entry(event: Event, timeline: Timeline, summary: str | None = None) -> dict:
    """The search entry of one event (`summary`: its plain text, if the caller has it)."""
    names = countries().names
    category = timeline.site.categories.get(event.category or "", event.category or "")
    words = search_words(
        event.date.display(),
        _without_link_targets(event.summary),
        " ".join(event.actors),
        " ".join(names.get(c, c) for c in event.countries),
        event.location.name if event.location else "",
        category,
        " ".join(event.tags),
        " ".join(s.title or "" for s in event.sources),
        " ".join(s.publisher or "" for s in event.sources),
    )
    return {
        "k": "event",
        "u": urls.event_path(event.id),
        "t": event.title,
        "d": event.date.display(),
        **_spoken(event.date),
        "o": _sort_date(event.date.earliest),
        "s": snippet(markdown_forms(event.summary).text if summary is None else summary),
        "i": event.importance,
        "w": other_words(event.title, words),
    }


def _spoken(date: EdtfDate) -> dict[str, str]:
    """`{"ds": words}` when a screen reader should hear the date in other words than it is
    shown ("approximately August 2021" for "c. August 2021"), as pages give it; else
    nothing, which is most dates."""
    said = date.spoken()
    return {"ds": said} if said != date.display() else {}


def article_entry(article: Article) -> dict:
    """The search entry of one article."""
    body = article.body or ""
    words = search_words(
        " ".join(article.authors),
        article.publisher or "",
        article.date.display() if article.date else "",
        _without_link_targets(body[:ARTICLE_TEXT_LIMIT]),
    )
    return {
        "k": "article",
        "u": urls.article_path(article.id),
        "t": article.title,
        "d": article.date.display() if article.date else "",
        **(_spoken(article.date) if article.date else {}),
        "o": _sort_date(article.date.earliest if article.date else None),
        "s": snippet(plain_text(body[: SNIPPET_LENGTH * 4])),
        "i": 1,
        "w": other_words(article.title, words),
    }


def _sort_date(day) -> str:
    return day.isoformat() if day is not None else ""


def _script_json(value: object) -> bytes:
    """Compact JSON that stays valid inside a script element."""
    data = jsontext.compact_bytes(value)
    # JSON is valid JavaScript once U+2028/U+2029 are escaped; "</" cannot close a tag here.
    return (
        data.replace("\u2028".encode(), b"\\u2028")
        .replace("\u2029".encode(), b"\\u2029")
        .replace(b"</", b"<\\/")
    )


def search_index(timeline: Timeline, memo: FragmentMemo | None = None) -> bytes | Pieces:
    """The index as a script setting `window.TIMELINE_SEARCH`, served at INDEX_PATH.

    With the memo the exports use (see `exports.FragmentMemo`), each entry is encoded once
    and kept until its event or article changes.
    """
    fragments = (memo or FragmentMemo()).fragments(timeline)
    events = fragments.event_pieces(
        "search",
        lambda event, pieces: _script_json(
            event_entry(event, timeline, summary_text(event, pieces))
        ),
    )
    articles = fragments.article_pieces(
        "search", lambda article, _: _script_json(article_entry(article))
    )
    entries = events + articles
    if not entries:
        return b"window.TIMELINE_SEARCH=[];\n"
    # spliced into the last index where only a few entries changed: it is megabytes
    return fragments.joined(INDEX_PATH, b"window.TIMELINE_SEARCH=[", entries, b",", b"];\n")
