"""The timeline as data other programs read: feeds, sitemap, JSON, CSV, iCalendar, GeoJSON.

A timeline is only useful if people can follow it and reuse its facts, so every build also
writes the events in the formats other tools already load: Atom feeds for feed readers (one
for the whole site, one per country and per category), `events.json` in our own documented
schema, `timelinejs.json` for Knight Lab's TimelineJS, `events.csv` for spreadsheets,
`events.ics` for calendars and `events.geojson` for maps, plus the files a static host and
search engines look for (`sitemap.xml`, `robots.txt`, `.nojekyll`).

Like rendering, this is a pure function of the timeline: no clocks, no file times. Dates
that stand for "last modified" are taken from the content itself (see `modified_dates`),
so the same sources always give the same bytes, and a rebuild on a CI runner, where every
file's time is the checkout time, does not claim that every page changed.

Links: with a `base_url` every link is absolute. Without one, links are relative to the
file that holds them, so the exports work wherever the site is served, sub-paths included;
Atom and sitemap readers resolve them against the document's own address.

Each export is a join of per-event pieces (a JSON record, a CSV row, a VEVENT, an Atom
entry...). A `FragmentMemo` keeps those pieces between builds, keyed on what they depend
on, so the live preview re-renders every export in milliseconds after one event's edit; a
cold build uses a memo of its own, which also means each summary's plain text and each
event's dates are worked out once rather than once per export.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import uuid
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain, compress
from operator import and_, attrgetter, eq, is_, is_not, itemgetter, not_
from typing import Any, TypeVar
from urllib.parse import urlsplit

from builder import jsontext, periods, urls
from builder.countries import countries
from builder.dates import SPAN_PRECISIONS, DatePart, EdtfDate
from builder.model import TAXONOMIES, Article, Event, Timeline
from builder.text import (
    inline_text,
    markdown_forms,
    markdown_renderer,
    render_markdown,
    slugify,
    with_note_owner,
    with_root,
)
from builder.write import Pieces

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
#: Most entries a feed carries; feed readers keep what they have already seen.
FEED_LIMIT = 100
#: Taxonomies that get a feed of their own per term.
FEED_TAXONOMIES = ("countries", "categories")
#: Version of the events.json layout; raised only when a field changes meaning or goes.
EVENTS_JSON_VERSION = 1
CSV_COLUMNS = (
    "id",
    "date",
    "date_display",
    "start",
    "end",
    "precision",
    "approximate",
    "uncertain",
    "title",
    "summary",
    "countries",
    "location",
    "lat",
    "lon",
    "actors",
    "category",
    "category_label",
    "tags",
    "importance",
    "sources",
    "url",
)
#: Characters that make a spreadsheet read a cell as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_EPOCH = dt.date(1970, 1, 1)
_XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
_ID = attrgetter("id")
_REVISION = attrgetter("revision")
#: What an event's pieces read of the articles it cites changes with these alone.
_ID_AND_CITED_REVISION = attrgetter("id", "cited_revision")
T = TypeVar("T")


# -- Links and dates ------------------------------------------------------------------------


def link(links: urls.Urls, site_path: str, from_file: str) -> str:
    """The URL of `site_path` as written in `from_file`: absolute with a base URL, else relative."""
    if links.base_url:
        return links.absolute(site_path)
    return urls.root_for(from_file) + site_path


def _link_root(links: urls.Urls, from_file: str) -> str:
    """What `link` puts before every site path written in `from_file`."""
    return links.absolute("") if links.base_url else urls.root_for(from_file)


def _publication_dates(event: Event, timeline: Timeline) -> Iterator[dt.date]:
    for source in event.sources:
        if source.date is not None and source.date.earliest is not None:
            yield source.date.earliest
        article = timeline.articles_by_id.get(source.article or "")
        if article is not None and article.date is not None and article.date.earliest:
            yield article.date.earliest


def _article_dates(timeline: Timeline) -> list[dt.date]:
    return [a.date.earliest for a in timeline.articles if a.date and a.date.earliest]


@dataclass(frozen=True)
class ModifiedDates:
    """When each page's content last changed, as far as the content itself can tell."""

    events: dict[str, dt.date]
    articles: dict[str, dt.date]
    site: dt.date | None

    def of_events(self, events: Iterable[Event]) -> dt.date | None:
        """The newest modification among these events."""
        return max(filter(None, map(self.events.get, map(_ID, events))), default=None)


def modified_dates(timeline: Timeline, memo: FragmentMemo | None = None) -> ModifiedDates:
    """Last-modified dates for sitemap lastmod, Atom `updated` and iCalendar DTSTAMP.

    An event changed last when its newest source was published (new reporting is what
    changes an entry); an event citing no dated source counts from its own start. No date
    lies beyond the newest publication date in the project, so a scheduled future event
    does not claim to have been modified in the future. An article counts from its date.
    """
    return _fragments(memo, timeline).modified


def _own_dates(event: Event, timeline: Timeline) -> tuple[dt.date | None, dt.date | None]:
    """An event's newest publication date, and its modification before the ceiling."""
    published = max(_publication_dates(event, timeline), default=None)
    return published, published or _first_day(event.date)


def _modified_from(timeline: Timeline, own: list[tuple]) -> ModifiedDates:
    """`modified_dates` from each event's `_own_dates`, in timeline order."""
    published = map(itemgetter(0), own)
    ceiling = max(filter(None, chain(_article_dates(timeline), published)), default=None)
    whens = list(map(itemgetter(1), own))
    events = dict(zip(map(_ID, timeline.events), whens, strict=True))
    if None in whens:  # a date with no day at all (an open interval)
        events = {key: when for key, when in events.items() if when is not None}
    if ceiling is not None and max(events.values(), default=ceiling) > ceiling:
        events = {key: min(when, ceiling) for key, when in events.items()}
    articles = {a.id: a.date.earliest for a in timeline.articles if a.date and a.date.earliest}
    every = [*events.values(), *articles.values()]
    return ModifiedDates(events, articles, max(every, default=None))


def _first_day(date: EdtfDate) -> dt.date | None:
    anchor = date.start if date.start.is_date else date.end
    return date.earliest or (anchor.earliest if anchor else None)


def _last_day(date: EdtfDate) -> dt.date | None:
    last_known: DatePart = date.end if date.end is not None and date.end.is_date else date.start
    return date.latest or last_known.latest


def _timestamp(day: dt.date | None) -> str:
    return f"{(day or _EPOCH).isoformat()}T00:00:00Z"


def plain_text(markdown: str) -> str:
    """Markdown as one line of plain text (for CSV cells, calendars and search snippets).

    Parsed as inline Markdown only, twice as fast as a full parse: emphasis, code and links
    become their text, while block marks such as list bullets stay as written. For a text
    whose HTML is wanted too (an event's summary), `markdown_forms` gives both at once.
    """
    tokens = markdown_renderer().parseInline(markdown or "")
    text = "".join(inline_text(tokens[0].children or [])) if tokens else ""
    return " ".join(text.split())


# -- Fragments kept between builds ----------------------------------------------------------


def _site_inputs(timeline: Timeline) -> tuple:
    """The site-wide values that per-event fragments show (see FragmentMemo)."""
    site = timeline.site
    categories = tuple(site.categories.items())
    return (site.title, site.description, site.language, site.base_url, categories)


@dataclass(eq=False)
class FragmentMemo:
    """Per-event and per-article pieces of the exports and the search index, between builds.

    Every export is a join of pieces: each event's compact JSON record, TimelineJS slide,
    CSV row, VEVENT, GeoJSON feature, Atom entry (one per link depth), plain-text summary,
    dates and search entry, and each article's search entry. An event's pieces are kept
    under its `Timeline.event_key` (its revision and those of the articles it cites), an
    article's under its revision. Pieces that also depend on other values keep those with
    them and are remade when they differ: the prefix of links (the base URL, or the depth of
    the file holding the link) and the event's last-modified date, which moves with the
    newest publication in the project. Besides, each export's whole list of pieces is kept
    with the events it was made for: the next timeline reuses it where the same record sits
    at the same place and makes only the others, so an edit costs a copy of a list of
    pointers per export; and each export's bytes are kept (unless `splice` is off) so that
    the next one splices its few new pieces in rather than joining them all (the bytes are
    the very object the build wrote, so they cost memory only once that build lets go of
    them). Rendering with a memo gives exactly the bytes of rendering without.

    Give the same memo to `plan_exports` and `search.search_index` on every rebuild (`serve`
    keeps one as long as it runs; a cold build needs none). Each timeline rendered through
    it drops the pieces of events and articles that timeline no longer holds (removed, or
    edited: an edit changes the key), so it holds one set of pieces per event.

    Site-wide inputs are checked on each timeline, and every piece is dropped when one
    differs: site.yaml's `title`, `description`, `language`, `base_url` and `categories`
    (with their labels). What the memo does NOT notice, so the caller must `clear()` it (or
    make a new one) when it changes: the `links` passed to `plan_exports` other than
    through `site.base_url` (the prefixes of links are checked, the rest of `urls.Urls` is
    not); the country names (`builder.countries`, fixed while a process runs); the
    builder's own code; and records changed in place. A record must be replaced by a new
    one with a new `revision` when it changes (as validation does), never mutated. Pieces
    are reused only for the very same record object with the same revision (what a
    `ValidationCache` hands back for an unchanged event), so timelines validated afresh
    each time are correct but gain nothing; records without a revision (not from
    validation) get new pieces in every build.
    """

    #: `_site_inputs` of the timeline the pieces were made for.
    site: tuple | None = None
    #: (event, event_key, pieces) of each validated event, by revision (`event_holders`).
    events: dict[int, tuple[Event, Hashable, dict]] = field(default_factory=dict)
    #: (article, pieces) of each validated article, by its revision.
    articles: dict[int, tuple[Article, dict]] = field(default_factory=dict)
    #: (id, cited revision) of every article when `events` was filled: the rest of event keys.
    article_revisions: list[tuple] = field(default_factory=list)
    #: The last `modified_dates`, and what they were worked out from.
    modified: _Modified | None = None
    #: The sitemap's block of list pages, and what it was made from (see `sitemap_xml`).
    sitemap_lists: tuple[tuple, str] | None = None
    #: The sitemap's block of articles, and what it was made from.
    sitemap_articles: tuple[tuple, str] | None = None
    #: The sitemap as written last, with its parts (see `sitemap_xml`).
    sitemap: tuple[tuple, bytes] | None = None
    #: Each list of pieces made last, by name, with the events it was made for.
    lists: dict[str, _PieceList] = field(default_factory=dict)
    #: The events (a copy), revisions and article state of the timeline whose lists of
    #: pieces were made last, and that timeline's own list of events (which the model's
    #: `Timeline.replaced` of the next timeline names).
    previous: tuple[list, list, list, list] | None = None
    #: Each Atom feed last written, by path (see `atom_feed`).
    feeds: dict[str, _FeedBytes] = field(default_factory=dict)
    #: The pieces of the timeline rendered last, shared by its exports and search index.
    latest: TimelineFragments | None = None
    #: Whether to keep each whole export to splice the next one into (see `joined`): at
    #: 10,000 events, 44 MB kept for about 5 ms less per one-event edit. Off by default:
    #: the preview's memory is further from its target (600 MB) than 5 ms matter to its
    #: edits, and a one-off build has nothing to splice into.
    splice: bool = False
    #: Whether the big exports and the search index are handed out as `Pieces` rather than
    #: joined (see `joined`): the live preview joins a file only when something needs its
    #: bytes, and after an edit nothing does until its background work.
    in_pieces: bool = False
    #: Each whole export as written last, by name, with its pieces (see `joined`).
    documents: dict[str, _Document] = field(default_factory=dict)
    #: The events whose holders (`event_holders`) were handed out last, and those holders:
    #: the next timeline patches this list at the places an edit changed.
    holders: tuple[list[Event], list[dict]] | None = None

    def clear(self) -> None:
        """Forget every piece (for a change to an input the memo does not cover)."""
        self._start_over(None)
        self.latest = None

    def _start_over(self, site: tuple | None) -> None:
        self.site, self.events, self.articles, self.article_revisions = site, {}, {}, []
        self.modified = self.sitemap_lists = self.sitemap_articles = self.sitemap = None
        self.lists, self.previous, self.feeds, self.holders = {}, None, {}, None
        self.documents = {}

    def fragments(self, timeline: Timeline, *, fresh: bool = False) -> TimelineFragments:
        """The pieces of this timeline: those of its last rendering unless `fresh`.

        `plan_exports` asks for fresh ones (each call is a new build, and the caller may have
        rebuilt the timeline object); the search index renders with the same pieces.
        """
        latest = self.latest
        if fresh or latest is None or latest.timeline is not timeline:
            latest = self.latest = TimelineFragments(self, timeline)
        return latest

    def check_site(self, timeline: Timeline) -> None:
        """Start over if the site-wide inputs differ from those the pieces were made with."""
        site = _site_inputs(timeline)
        if site != self.site:
            self._start_over(site)

    def event_holders(self, timeline: Timeline) -> list[dict]:
        """Each event's dict of pieces, in timeline order; drops those of other events."""
        # While no article's cited revision changed, an event's revision and the record itself
        # stand for its key: a lookup by revision is much cheaper than making 10,000 keys.
        # Otherwise every key is made anew. Pieces are reused only for the very same record
        # (validation hands back the same object for an unchanged event), so a revision
        # number met again in a record made elsewhere can never bring back old pieces.
        events = timeline.events
        revisions = list(map(_REVISION, events))
        cited = list(map(_ID_AND_CITED_REVISION, timeline.articles))
        known, by_key = self.events, {}
        if cited != self.article_revisions:
            known, by_key = {}, {key: (event, pieces) for event, key, pieces in known.values()}
            self.article_revisions = cited
        found = list(map(known.get, revisions))
        if None in found or not all(map(is_, map(itemgetter(0), found), events)):
            for index, event in enumerate(events):
                hit = found[index]
                if hit is None or hit[0] is not event:
                    key = timeline.event_key(event)
                    old = by_key.get(key)
                    pieces = old[1] if old is not None and old[0] is event else {}
                    found[index] = (event, key, pieces)
        kept = dict(zip(revisions, found, strict=True))
        kept.pop(0, None)  # no revision: keyed by identity, so never kept
        self.events = kept  # replaced whole, never changed after: another thread may read it
        return list(map(itemgetter(2), found))

    def article_holders(self, timeline: Timeline) -> list[dict]:
        """Each article's dict of pieces, in timeline order; drops those of other articles."""
        articles = timeline.articles
        revisions = list(map(_REVISION, articles))
        found = list(map(self.articles.get, revisions))
        if None in found or not all(map(is_, map(itemgetter(0), found), articles)):
            found = [
                hit if hit is not None and hit[0] is article else (article, {})
                for article, hit in zip(articles, found, strict=True)
            ]
        kept = dict(zip(revisions, found, strict=True))
        kept.pop(0, None)
        self.articles = kept
        return list(map(itemgetter(1), found))


@dataclass(frozen=True)
class _Document:
    """An export as written: its bytes, and the pieces and ends they were joined from."""

    ends: tuple[bytes, bytes, bytes]
    pieces: list[bytes]
    data: bytes


#: Most changed pieces spliced into the last bytes of an export; more are joined afresh.
SPLICE_LIMIT = 64


@dataclass(frozen=True)
class _FeedBytes:
    """A feed as written, with what it was written from."""

    base: list[Event]
    modified: ModifiedDates
    shown: tuple
    events: list[Event]
    data: bytes


@dataclass
class _Modified:
    """The last `modified_dates`, what they were worked out from, and the list of each
    event's date (`last`, once asked for)."""

    events: list[Event]
    ids: list[str]
    own: list[tuple]
    articles: list[tuple]
    dates: ModifiedDates
    last: list | None = None


@dataclass(frozen=True)
class _PieceList:
    """A list of pieces and what it was made for: events, their revisions and dates."""

    events: list[Event]
    revisions: list[int]
    dates: list | None
    articles: list[tuple]
    pieces: list


class TimelineFragments:
    """One timeline's pieces, gathered from the memo when an export first needs them."""

    #: The last timeline's `modified` when this one's differs from it only in the ids of
    #: the changed places (see `_renamed`): every other event has the same date in both.
    renamed_from: ModifiedDates | None = None

    def __init__(self, memo: FragmentMemo, timeline: Timeline) -> None:
        self.memo = memo
        self.timeline = timeline
        memo.check_site(timeline)

    @cached_property
    def events(self) -> list[dict]:
        """Each event's pieces, in timeline order."""
        holders = self._patched_holders()
        if holders is None:
            holders = self.memo.event_holders(self.timeline)
        self.memo.holders = (self.events_copy, holders)
        return holders

    def _patched_holders(self) -> list[dict] | None:
        """`event_holders` worked out from the last timeline's at the changed places only.

        After a one-event edit, `event_holders` would look up all 10,000 revisions and make
        a new table of them (several milliseconds); this copies the last list of holders and
        the table, and puts the records of the changed places in. Only when the last list
        was made for the timeline `changes` compares with, no article changed and every
        event of that timeline was kept by revision (none without one: those get new pieces
        in every build); None otherwise.
        """
        kept = self.memo.holders
        base, changed = self.changes
        known = self.memo.events
        if (
            changed is None
            or self.cited is None
            or kept is None
            or kept[0] is not base
            or len(known) != len(base)
            or self.memo.article_revisions != self._articles_before
        ):
            return None
        events, before = self.timeline.events, self._revisions_before
        known = dict(known)
        arriving = {id(events[index]) for index in changed}
        for index in changed:  # the records that left these places, unless they moved
            hit = known.get(before[index])
            if hit is not None and hit[0] is base[index] and id(hit[0]) not in arriving:
                del known[before[index]]
        holders = kept[1].copy()
        for index in changed:
            event = events[index]
            hit = known.get(event.revision)
            if hit is None or hit[0] is not event:
                if not event.revision:
                    return None  # not from validation: the full path makes it new pieces
                hit = known[event.revision] = (event, self.timeline.event_key(event), {})
            holders[index] = hit[2]
        for index in set(self.cited).difference(changed):  # same record, a new key
            event = events[index]
            hit = known[event.revision] = (event, self.timeline.event_key(event), {})
            holders[index] = hit[2]
        self.memo.events = known  # replaced whole, as `event_holders` does
        self.memo.article_revisions = self.article_state
        return holders

    @cached_property
    def articles(self) -> list[dict]:
        """Each article's pieces, in the timeline's article order."""
        return self.memo.article_holders(self.timeline)

    @cached_property
    def revisions(self) -> list[int]:
        """Each event's revision, in timeline order: the last timeline's, put right at the
        places the model says changed (`replaced`), or read from every event."""
        places = self.replaced
        if places is None:
            return list(map(_REVISION, self.timeline.events))
        revisions = self.last[1].copy()
        events = self.timeline.events
        for place in places:
            revisions[place] = events[place].revision
        return revisions

    @cached_property
    def last(self) -> tuple[list, list, list, list] | None:
        """What the memo holds of the timeline whose lists of pieces were made last (see
        `FragmentMemo.previous`), as it was when this timeline first asked."""
        return self.memo.previous

    @cached_property
    def replaced(self) -> list[int] | None:
        """The places where this timeline holds other records than the last one, when the
        model knows them (`Timeline.replaced`, after an edit that only replaced records):
        an edit then reads a few places instead of 10,000 records and revisions."""
        last, replaced = self.last, self.timeline.replaced
        if last is None or replaced is None or replaced[1] is not self.timeline.events:
            return None
        return sorted(replaced[2]) if replaced[0] is last[3] else None

    @cached_property
    def events_copy(self) -> list[Event]:
        """The timeline's events as they are now, kept with the lists of pieces made for them."""
        return list(self.timeline.events)

    @cached_property
    def changes(self) -> tuple[list[Event] | None, list[int] | None]:
        """The events of the timeline rendered before this one, and the places where this
        one differs from it (another record or revision); None when there are many."""
        previous = self.last
        events, revisions = self.events_copy, self.revisions
        self.memo.previous = (events, revisions, self.article_state, self.timeline.events)
        if previous is None or len(previous[0]) != len(events):
            return None, None
        self._articles_before, self._revisions_before = previous[2], previous[1]
        changed = self.replaced
        if changed is None:
            changed = _changed_places([(events, previous[0], is_), (revisions, previous[1], eq)])
        if len(changed) > max(16, len(events) // 8):
            return previous[0], None
        return previous[0], changed

    @cached_property
    def changed_records(self) -> set[int] | None:
        """`id()` of the events at the changed places (see `changes`), when no article changed
        either; None when that is not known."""
        base, changed = self.changes
        cited = self.cited
        if changed is None or cited is None:
            return None
        events = self.timeline.events
        return {id(events[i]) for i in (*changed, *cited)}

    @cached_property
    def cited(self) -> list[int] | None:
        """The places of the events citing an article whose cited fields changed, or that
        came or went, since the timeline `changes` compares with (their pieces show its
        title): none when no such article; None when not known (no such timeline, or many
        articles changed)."""
        base, changed = self.changes
        if changed is None:
            return None
        before, now = self._articles_before, self.article_state
        if before == now:
            return []
        touched = {article for article, _ in set(before) ^ set(now)}
        if len(touched) > 16:
            return None
        citing = self.timeline.citing
        stale = {id(event) for article in touched for event in citing.get(article, ())}
        events = self.timeline.events
        return list(compress(range(len(events)), map(stale.__contains__, map(id, events))))

    @cached_property
    def ids(self) -> list[str]:
        """Each event's id, in timeline order."""
        return list(map(_ID, self.timeline.events))

    @cached_property
    def article_state(self) -> list[tuple]:
        """Each article's id and cited revision: what event keys hold besides events'
        revisions."""
        return list(map(_ID_AND_CITED_REVISION, self.timeline.articles))

    def joined(
        self, name: str, first: bytes, pieces: list[bytes], separator: bytes, last: bytes
    ) -> bytes | Pieces:
        """first + separator.join(pieces) + last, spliced into the last bytes of export `name`
        where only a few pieces differ from those it was joined from (by identity); or, for
        a memo that hands files out `in_pieces`, those parts not joined.

        Joining 10,000 pieces gathers them from all over memory (7 ms for the 11 MB of
        events.json); a splice copies the last bytes in a few stretches, with the new pieces
        between them. The pieces' places in the last bytes are summed from the last pieces'
        lengths, so nothing but the bytes themselves is kept besides the lists of pieces.
        """
        if self.memo.in_pieces:
            return Pieces(_interleaved(first, pieces, separator, last))
        if not self.memo.splice:
            return _concatenate(first, pieces, separator, last)
        ends = (first, separator, last)
        kept = self.memo.documents.get(name)
        data = None
        if kept is not None and kept.ends == ends and len(kept.pieces) == len(pieces):
            data = _spliced(kept, pieces, len(first), len(separator))
        if data is None:
            data = _concatenate(first, pieces, separator, last)
        self.memo.documents[name] = _Document(ends, pieces, data)
        return data

    def event_pieces(self, kind: str, make: Callable[[Event, dict], T]) -> list[T]:
        """Every event's piece `kind` in timeline order, made by `make(event, pieces)` if new."""
        return self._piece_list(kind, kind, self.timeline.events, None, lambda e, p, _: make(e, p))

    def dated_pieces(
        self,
        kind: str,
        dates: list,
        make: Callable[[Event, dict, Any], T],
        events: list[Event] | None = None,
        name: str | None = None,
    ) -> list[T]:
        """Each event's piece `kind` for its date in `dates`, remade when that date moved.

        `make(event, pieces, date)` makes one. `events` are the timeline's unless given (a
        feed's), `name` names the list kept for the next build (`kind` unless given).
        """
        events = self.timeline.events if events is None else events
        return self._piece_list(name or kind, kind, events, dates, make)

    def _piece_list(self, name: str, kind: str, events: list, dates: list | None, make) -> list:
        # The list made for the last timeline is reused where the same record (same object,
        # same revision, same date) sits at the same place: after an edit, a copy of a list
        # of pointers and one new piece, instead of a look-up per event. Anything else (a
        # first build, events added or removed, an article changed) looks each one up.
        timeline_events = events is self.timeline.events
        revisions = self.revisions if timeline_events else list(map(_REVISION, events))
        last = self.memo.lists.get(name)
        pieces = None
        if last is not None and timeline_events and last.articles != self.article_state:
            base, changed = self.changes  # an article edit: patch where the article shows
            if (
                last.events is base
                and changed is not None
                and self.cited is not None
                and last.articles == self._articles_before
            ):
                changed = sorted({*changed, *self.cited})
                if dates is not None and dates != last.dates:
                    changed = sorted({*changed, *_changed_places([(dates, last.dates, eq)])})
                pieces = _patch(last.pieces, changed, events, dates, make)
        elif last is not None and last.articles == self.article_state:
            base, changed = self.changes if timeline_events else (None, None)
            if last.events is base and changed is not None:  # made for the last timeline
                if dates is not None and dates != last.dates:
                    changed = sorted({*changed, *_changed_places([(dates, last.dates, eq)])})
                pieces = _patch(last.pieces, changed, events, dates, make)
            elif len(last.events) == len(events):
                pairs = [(events, last.events, is_), (revisions, last.revisions, eq)]
                if dates is not None:
                    pairs.append((dates, last.dates, eq))
                changed = _changed_places(pairs)
                if len(changed) <= max(16, len(events) // 8):
                    pieces = _patch(last.pieces, changed, events, dates, make)
        if pieces is None:
            holders = self.events if timeline_events else self._holders_of(events)
            if dates is None:
                pieces = _pieces(kind, events, holders, lambda e, p: make(e, p, None))
            else:
                pieces = _dated_pieces(kind, events, holders, dates, make)
        copy = self.events_copy if timeline_events else list(events)
        made = _PieceList(copy, revisions, dates, self.article_state, pieces)
        self.memo.lists[name] = made
        return pieces

    def _holders_of(self, events: list[Event]) -> list[dict]:
        holders = list(map(self.of_event.get, map(id, events)))
        if None in holders:  # not the timeline's own events: nowhere to keep their pieces
            holders = [{} if pieces is None else pieces for pieces in holders]
        return holders

    def article_pieces(self, kind: str, make: Callable[[Article, dict], T]) -> list[T]:
        """Every article's piece `kind`, in the timeline's article order."""
        return _pieces(kind, self.timeline.articles, self.articles, make)

    @cached_property
    def of_event(self) -> dict[int, dict]:
        """Each event's pieces by the event object's `id()` (for events taken from terms)."""
        return dict(zip(map(id, self.timeline.events), self.events, strict=True))

    @cached_property
    def modified(self) -> ModifiedDates:
        """`modified_dates` of the timeline (the last one's again if made from the same)."""
        timeline = self.timeline
        own = self.event_pieces("dates", lambda event, _: _own_dates(event, timeline))
        articles = [(a.id, a.date.earliest if a.date else None) for a in timeline.articles]
        kept = self.memo.modified
        same = kept is not None and kept.own == own and kept.articles == articles
        if same and self._same_ids(kept):
            self.memo.modified = _Modified(self.events_copy, kept.ids, own, articles, kept.dates)
            self.memo.modified.last = kept.last
            return kept.dates
        if same:
            renamed = self._renamed(kept, own, articles)
            if renamed is not None:
                self.memo.modified = renamed
                self.renamed_from = kept.dates
                return renamed.dates
        modified = _modified_from(timeline, own)
        self.memo.modified = _Modified(self.events_copy, self.ids, own, articles, modified)
        return modified

    def _renamed(self, kept: _Modified, own: list, articles: list) -> _Modified | None:
        """The kept dates with the ids of the changed places replaced, when only those
        places changed and every event's own dates are the kept ones (a renaming title edit);
        None otherwise. With the same dates at every place, the newest publication, the
        ceiling and each place's date stay: only the ids they are filed under move."""
        base, changed = self.changes
        if kept.events is not base or changed is None:
            return None
        events, dates = self.timeline.events, dict(kept.dates.events)
        ids, moved = kept.ids.copy(), []
        for index in changed:
            moved.append(dates.pop(kept.ids[index], None))
            ids[index] = events[index].id
        for index, when in zip(changed, moved, strict=True):
            if when is not None:
                dates[ids[index]] = when
        modified = ModifiedDates(dates, kept.dates.articles, kept.dates.site)
        renamed = _Modified(self.events_copy, ids, own, articles, modified)
        renamed.last = kept.last  # each place's date is the same
        return renamed

    def _same_ids(self, kept: _Modified) -> bool:
        base, changed = self.changes
        if kept.events is base and changed is not None:  # only the changed places can differ
            events = self.timeline.events
            return all(events[i].id == kept.ids[i] for i in changed)
        return self.ids == kept.ids

    @cached_property
    def last_modified(self) -> list[dt.date | None]:
        """Each event's modification date in `modified`, in timeline order."""
        modified, kept = self.modified, self.memo.modified
        if kept is not None and kept.dates is modified and kept.last is not None:
            return kept.last
        last = list(map(modified.events.get, self.ids))
        if kept is not None and kept.dates is modified:
            kept.last = last
        return last

    @cached_property
    def calendar_domain(self) -> str:
        """The domain part of every VEVENT's UID."""
        return _calendar_domain(self.timeline)


def _changed_places(pairs: list[tuple[list, list, Callable]]) -> list[int]:
    """The places where a new list's item differs from its old list's, by each pair's test
    (`is_` or `eq`); the lists have one length."""
    same = None
    for new, old, test in pairs:
        same_here = map(test, new, old)
        same = same_here if same is None else map(and_, same, same_here)
    return list(compress(range(len(pairs[0][0])), map(not_, same)))


def _spliced(kept: _Document, pieces: list[bytes], start: int, step: int) -> bytes | None:
    """The kept bytes with the pieces that differ (by identity) put in place of the kept
    ones; None when more than SPLICE_LIMIT differ. `start` is the length of what comes before
    the first piece, `step` that of the separator between two."""
    if kept.pieces is pieces:
        return kept.data
    changed = list(compress(range(len(pieces)), map(is_not, pieces, kept.pieces)))
    if len(changed) > SPLICE_LIMIT:
        return None
    if not changed:
        return kept.data
    old, before = memoryview(kept.data), kept.pieces
    parts: list = []
    offset, done, copied = start, 0, 0  # offset: where piece `done` starts in the old bytes
    for index in changed:
        offset += sum(map(len, before[done:index])) + step * (index - done)
        done = index
        parts += (old[copied:offset], pieces[index])
        copied = offset + len(before[index])
    parts.append(old[copied:])
    return b"".join(parts)


def _patch(pieces: list, changed: list[int], events: list, dates: list | None, make) -> list:
    """A copy of `pieces` with those of the events at the `changed` places made anew."""
    pieces = pieces.copy()
    for index in changed:
        pieces[index] = make(events[index], {}, None if dates is None else dates[index])
    return pieces


def _fragments(memo: FragmentMemo | None, timeline: Timeline) -> TimelineFragments:
    """The timeline's pieces from the caller's memo, or from a memo for this call alone."""
    return (memo or FragmentMemo()).fragments(timeline)


def _dated_pieces(
    kind: str, records: list, holders: list[dict], dates: list, make: Callable
) -> list:
    """Each record's piece `kind` for its date in `dates`, remade when that date moved.

    `make(record, pieces, date)` makes one; the pieces keep (date, piece).
    """
    known = [pieces.get(kind) for pieces in holders]
    if None in known or not all(map(eq, map(itemgetter(0), known), dates)):
        for index, record in enumerate(records):
            hit, date = known[index], dates[index]
            if hit is None or hit[0] != date:
                pieces = holders[index]
                known[index] = pieces[kind] = (date, make(record, pieces, date))
    return list(map(itemgetter(1), known))


def _pieces(kind: str, records: list, holders: list[dict], make: Callable) -> list:
    result = [pieces.get(kind) for pieces in holders]
    if None in result:
        for index, record in enumerate(records):
            if result[index] is None:
                pieces = holders[index]
                result[index] = pieces[kind] = make(record, pieces)
    return result


def summary_text(event: Event, pieces: dict) -> str:
    """The event's summary as plain text, kept with the event's pieces."""
    text = pieces.get("plain")
    if text is None:
        text = pieces["plain"] = markdown_forms(event.summary).text
    return text


def summary_html(event: Event, pieces: dict) -> str:
    """The event's summary as HTML, kept with the event's pieces."""
    text = pieces.get("html")
    if text is None:
        text = pieces["html"] = event_summary_html(event)
    return text


def event_summary_html(event: Event) -> str:
    """The event's summary as HTML, its footnotes named after the event as on its pages
    (TimelineJS shows every slide in one page, a feed reader many entries)."""
    return with_note_owner(render_markdown(event.summary), event.summary, event.id)


# -- events.json ----------------------------------------------------------------------------


def event_record(event: Event, links: urls.Urls, from_file: str = "events.json") -> dict:
    """An event as plain JSON data (the events.json schema, schema/events.schema.json)."""
    location = None
    if event.location:
        location = {
            "name": event.location.name,
            "lat": event.location.lat,
            "lon": event.location.lon,
        }
    return {
        "id": event.id,
        "date": event.date.text,
        "date_display": event.date.display(),
        "start": event.date.earliest.isoformat() if event.date.earliest else None,
        "end": event.date.latest.isoformat() if event.date.latest else None,
        "precision": event.date.precision,
        "approximate": event.date.approximate,
        "uncertain": event.date.uncertain,
        "title": event.title,
        "summary": event.summary,
        "countries": event.countries,
        "location": location,
        "actors": event.actors,
        "category": event.category,
        "tags": event.tags,
        "importance": event.importance,
        "sources": [
            {
                "article": s.article,
                "url": s.url,
                "title": s.title,
                "publisher": s.publisher,
                "date": s.date.text if s.date else None,
            }
            for s in event.sources
        ],
        "url": link(links, urls.event_path(event.id), from_file),
    }


def json_document(
    head: dict,
    key: str,
    items: list[bytes],
    fragments: TimelineFragments | None = None,
    name: str = "",
) -> bytes | Pieces:
    """`head` as a JSON object whose last member `key` lists `items`, one per line.

    One item per line keeps the file readable and diffable; compact JSON lets Python use
    its C encoder (an indented dump of 10,000 events takes seconds). The items come
    encoded already (compact, UTF-8), as the memo keeps them. With `fragments`, the
    document is spliced into the last one of that `name` (see `TimelineFragments.joined`).
    """
    opening = jsontext.compact_bytes({**head, key: []})[:-2]  # up to the list's "[" ... "]}"
    if not items:
        return opening + b"]}\n"
    if fragments is not None:
        return fragments.joined(name, opening + b"\n", items, b",\n", b"\n]}\n")
    return _concatenate(opening + b"\n", items, b",\n", b"\n]}\n")


def _concatenate(first: bytes, items: list[bytes], separator: bytes, last: bytes) -> bytes:
    """first + separator.join(items) + last, copying the (large) result only once."""
    if not items:
        return first + last
    return b"".join(_interleaved(first, items, separator, last))


def _interleaved(first: bytes, items: list[bytes], separator: bytes, last: bytes) -> list[bytes]:
    """The parts of first + separator.join(items) + last, in order."""
    if not items:
        return [first, last]
    if not separator:
        return [first, *items, last]
    parts = [separator] * (2 * len(items) + 1)
    parts[1::2] = items
    parts[0], parts[-1] = first, last
    return parts


def events_json(
    timeline: Timeline, links: urls.Urls, memo: FragmentMemo | None = None
) -> bytes | Pieces:
    """The events.json export: site metadata and every event, in timeline order."""
    head = {
        "version": EVENTS_JSON_VERSION,
        "title": timeline.site.title,
        "description": timeline.site.description,
        "language": timeline.site.language,
        "base_url": timeline.site.base_url or None,
        "categories": timeline.site.categories,
    }
    fragments = _fragments(memo, timeline)
    records = fragments.event_pieces(
        "json " + _link_root(links, "events.json"),
        lambda event, _: jsontext.compact_bytes(event_record(event, links)),
    )
    return json_document(head, "events", records, fragments, "events.json")


# -- timelinejs.json ------------------------------------------------------------------------


def _timelinejs_date(part: DatePart, end: bool = False) -> dict | None:
    """A TimelineJS date for one part; for the `end` of a span, a decade's or century's last
    year, so that the slide spans what the part can mean instead of ending at its start."""
    ymd = part.earliest_ymd
    if ymd is None:
        return None
    year, month, day = ymd
    if end and part.precision in SPAN_PRECISIONS:
        year = part.last_year
    value: dict = {"year": year}
    if part.precision in ("month", "day", "season"):
        value["month"] = month
    if part.precision == "day":
        value["day"] = day
    value["display_date"] = part.display()
    return value


def _sources_html(event: Event, timeline: Timeline, links: urls.Urls, from_file: str) -> str:
    items = []
    for source in event.sources:
        article = timeline.articles_by_id.get(source.article or "")
        if article is not None:
            href = link(links, urls.article_path(article.id), from_file)
            label = ", ".join(x for x in (article.title, article.publisher) if x)
        else:
            href = source.url or ""
            label = ", ".join(x for x in (source.title or source.url, source.publisher) if x)
        items.append(f'<li><a href="{html.escape(href)}">{html.escape(label)}</a></li>')
    return f"<p>Sources:</p><ul>{''.join(items)}</ul>" if items else ""


def timelinejs_slide(
    event: Event,
    timeline: Timeline,
    links: urls.Urls,
    from_file: str = "timelinejs.json",
    summary: str | None = None,
) -> dict:
    """One TimelineJS 3 slide: partial dates as year/month/day, qualifiers in display_date,
    and a date known only to a decade or century as a span over its years.

    `summary` is the summary's HTML when the caller has it already.
    """
    anchor = event.date.start if event.date.start.is_date else event.date.end
    assert anchor is not None
    if summary is None:
        summary = event_summary_html(event)
    slide: dict = {
        "unique_id": event.id,
        "start_date": _timelinejs_date(anchor),
        "display_date": event.date.display(),
        "text": {
            "headline": html.escape(event.title),
            "text": with_root(summary, _link_root(links, from_file))
            + _sources_html(event, timeline, links, from_file),
        },
        "group": timeline.site.categories.get(event.category or "", event.category or ""),
        "autolink": False,
    }
    end = event.date.end
    if end is not None and end.is_date and anchor is event.date.start:
        slide["end_date"] = _timelinejs_date(end, end=True)
    elif not event.date.names_year:
        # TimelineJS would show 201X as a point in 2010: a span over the decade claims no year
        slide["end_date"] = _timelinejs_date(anchor, end=True)
    return slide


def timelinejs_json(
    timeline: Timeline, links: urls.Urls, memo: FragmentMemo | None = None
) -> bytes | Pieces:
    """The timelinejs.json export, the JSON that `new TL.Timeline(el, url)` loads."""
    site = timeline.site
    head = {
        "title": {
            "unique_id": "_title",
            "text": {
                "headline": html.escape(site.title),
                "text": f"<p>{html.escape(site.description)}</p>" if site.description else "",
            },
        },
    }
    fragments = _fragments(memo, timeline)
    slides = fragments.event_pieces(
        "slide " + _link_root(links, "timelinejs.json"),
        lambda event, pieces: jsontext.compact_bytes(
            timelinejs_slide(event, timeline, links, summary=summary_html(event, pieces))
        ),
    )
    return json_document(head, "events", slides, fragments, "timelinejs.json")


# -- events.csv -----------------------------------------------------------------------------


def _cell(value: str) -> str:
    """Text for a CSV cell that a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_row(
    event: Event, timeline: Timeline, links: urls.Urls, summary: str | None = None
) -> list[str]:
    """One events.csv row, in the order of CSV_COLUMNS; lists are joined with "; ".

    `summary` is the summary's plain text when the caller has it already.
    """
    loc = event.location
    names = countries().names
    sources = []
    for s in event.sources:
        if s.article:
            sources.append(link(links, urls.article_path(s.article), "events.csv"))
        if s.url:
            sources.append(s.url)
    return [
        _cell(event.id),  # an id may start with "-"
        _cell(event.date.text),  # a date before year 0 starts with "-"
        _cell(event.date.display()),
        event.date.earliest.isoformat() if event.date.earliest else "",
        event.date.latest.isoformat() if event.date.latest else "",
        event.date.precision,
        "true" if event.date.approximate else "false",
        "true" if event.date.uncertain else "false",
        _cell(event.title),
        _cell(markdown_forms(event.summary).text if summary is None else summary),
        "; ".join(names.get(c, c) for c in event.countries),
        _cell(loc.name) if loc else "",
        "" if loc is None or loc.lat is None else repr(loc.lat),
        "" if loc is None or loc.lon is None else repr(loc.lon),
        _cell("; ".join(event.actors)),
        event.category or "",
        _cell(timeline.site.categories.get(event.category or "", "")),
        _cell("; ".join(event.tags)),
        str(event.importance),
        " ".join(sources),
        link(links, urls.event_path(event.id), "events.csv"),
    ]


def _csv_line(row: Iterable[str]) -> bytes:
    """One row as RFC 4180 text: CRLF line ends, quotes doubled, quoting only when needed."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, dialect="excel").writerow(row)
    return buffer.getvalue().encode("utf-8")


def events_csv(
    timeline: Timeline, links: urls.Urls, memo: FragmentMemo | None = None
) -> bytes | Pieces:
    """The events.csv export: a header row, then one row per event (RFC 4180, CRLF lines)."""
    fragments = _fragments(memo, timeline)
    rows = fragments.event_pieces(
        "csv " + _link_root(links, "events.csv"),
        lambda event, pieces: _csv_line(
            csv_row(event, timeline, links, summary_text(event, pieces))
        ),
    )
    return fragments.joined("events.csv", _csv_line(CSV_COLUMNS), rows, b"", b"")


# -- events.ics -----------------------------------------------------------------------------


def _calendar_domain(timeline: Timeline) -> str:
    host = urlsplit(timeline.site.base_url).hostname if timeline.site.base_url else None
    return host or f"{slugify(timeline.site.title)}.timeline"


def _needs_date_in_title(date: EdtfDate) -> bool:
    return date.precision != "day" or date.approximate or date.uncertain


def ics_text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 section 3.3.11 requires."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str, limit: int = 75) -> str:
    """A content line folded into lines of at most 75 octets (RFC 5545 section 3.1).

    Folds never split a UTF-8 sequence or a backslash escape (some clients mishandle both).
    """
    data = line.encode("utf-8")
    if len(data) <= limit:
        return line
    parts, start, room = [], 0, limit
    while start < len(data):
        end = min(start + room, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:
            end -= 1  # inside a multi-byte character
        chunk = data[start:end]
        trailing = len(chunk) - len(chunk.rstrip(b"\\"))
        if end < len(data) and trailing % 2 == 1:
            end -= 1  # a lone backslash starts an escape: keep it with its character
        parts.append(data[start:end].decode("utf-8"))
        start, room = end, limit - 1  # continuation lines begin with a space
    return "\r\n ".join(parts)


def _ics_date(day: dt.date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def calendar_event(
    event: Event, timeline: Timeline, links: urls.Urls, stamp: dt.date, domain: str, summary: str
) -> list[str] | None:
    """The content lines of an all-day VEVENT spanning every day the date can mean.

    A day is a one-day event; a month, a year or an interval spans all its days, and the
    summary then names the date as written ("c. August 2021"), so a month-long bar is not
    read as a month-long happening. None when the date lies outside years 1-9999. `stamp`
    is its DTSTAMP, `domain` the domain part of its UID, `summary` the summary's plain text.
    """
    first, last = _first_day(event.date), _last_day(event.date)
    if first is None or last is None or last >= dt.date.max:
        return None
    title = event.title
    if _needs_date_in_title(event.date):
        title += f" ({event.date.display()})"
    lines = [
        "BEGIN:VEVENT",
        f"UID:{ics_text(event.id + '@' + domain)}",
        f"DTSTAMP:{_ics_date(stamp)}T000000Z",
        f"DTSTART;VALUE=DATE:{_ics_date(first)}",
        # DTEND of an all-day event is the day after its last day
        f"DTEND;VALUE=DATE:{_ics_date(last + dt.timedelta(days=1))}",
        f"SUMMARY:{ics_text(title)}",
        f"DESCRIPTION:{ics_text(_calendar_description(event, timeline, links, summary))}",
        "TRANSP:TRANSPARENT",
    ]
    if event.category:
        label = timeline.site.categories.get(event.category, event.category)
        lines.append(f"CATEGORIES:{ics_text(label)}")
    if event.location:
        lines.append(f"LOCATION:{ics_text(event.location.name)}")
        if event.location.lat is not None and event.location.lon is not None:
            lines.append(f"GEO:{event.location.lat!r};{event.location.lon!r}")
    if links.base_url:
        lines.append(f"URL:{links.absolute(urls.event_path(event.id))}")
    lines.append("END:VEVENT")
    return lines


def _calendar_description(event: Event, timeline: Timeline, links: urls.Urls, summary: str) -> str:
    lines = [event.date.display()]
    if event.summary:
        lines += ["", summary]
    cited = []
    for s in event.sources:
        article = timeline.articles_by_id.get(s.article or "")
        if article is not None:
            where = article.url or (
                links.absolute(urls.article_path(article.id)) if links.base_url else ""
            )
            cited.append(" ".join(x for x in (article.title, where) if x))
        elif s.url:
            cited.append(" ".join(x for x in (s.title, s.url) if x))
    if cited:
        lines += ["", "Sources:", *("- " + c for c in cited)]
    return "\n".join(lines)


def _content_lines(lines: Iterable[str]) -> bytes:
    """iCalendar content lines, folded, each ending in CRLF."""
    return "".join(fold(line) + "\r\n" for line in lines).encode("utf-8")


def events_ics(
    timeline: Timeline, links: urls.Urls, memo: FragmentMemo | None = None
) -> bytes | Pieces:
    """The events.ics export: an iCalendar (RFC 5545) file of all-day events.

    Written directly rather than with the `icalendar` package (which the tests use to read
    it back): that package folds lines character by character, which took 17 s for 10,000
    events; this takes well under one.
    """
    site = timeline.site
    head = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//timeline-builder//Timeline export//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{ics_text(site.title)}",
    ]
    if site.description:
        head.append(f"X-WR-CALDESC:{ics_text(site.description)}")
    fragments = _fragments(memo, timeline)
    modified = fragments.modified
    stamps = fragments.last_modified
    if None in stamps:
        stamps = [stamp or modified.site or _EPOCH for stamp in stamps]
    domain = fragments.calendar_domain

    def vevent(event: Event, pieces: dict, stamp: dt.date) -> bytes:
        summary = summary_text(event, pieces)
        return _content_lines(calendar_event(event, timeline, links, stamp, domain, summary) or [])

    kind = "vevent " + links.base_url  # only a base URL adds to a VEVENT (its URL line)
    body = fragments.dated_pieces(kind, stamps, vevent)
    return fragments.joined("events.ics", _content_lines(head), body, b"", b"END:VCALENDAR\r\n")


# -- events.geojson -------------------------------------------------------------------------


def geojson_feature(event: Event, links: urls.Urls) -> dict | None:
    """An event's GeoJSON Point feature; None without coordinates."""
    loc = event.location
    if loc is None or loc.lat is None or loc.lon is None:
        return None
    return {
        "type": "Feature",
        "id": event.id,
        "geometry": {"type": "Point", "coordinates": [loc.lon, loc.lat]},
        "properties": {
            "title": event.title,
            "date": event.date.text,
            "date_display": event.date.display(),
            "start": event.date.earliest.isoformat() if event.date.earliest else None,
            "end": event.date.latest.isoformat() if event.date.latest else None,
            "place": loc.name,
            "countries": event.countries,
            "category": event.category,
            "importance": event.importance,
            "url": link(links, urls.event_path(event.id), "events.geojson"),
        },
    }


def events_geojson(
    timeline: Timeline, links: urls.Urls, memo: FragmentMemo | None = None
) -> bytes | Pieces:
    """The events.geojson export (RFC 7946): a Point per event with coordinates."""

    def feature(event: Event, _: dict) -> bytes:
        value = geojson_feature(event, links)
        return b"" if value is None else jsontext.compact_bytes(value)

    fragments = _fragments(memo, timeline)
    features = fragments.event_pieces("feature " + _link_root(links, "events.geojson"), feature)
    located = [f for f in features if f]
    return json_document({"type": "FeatureCollection"}, "features", located, fragments, "geojson")


# -- XML, written as ElementTree writes it ----------------------------------------------------


def _xml_text(text: str) -> str:
    """Character data escaped exactly as ElementTree escapes it: & < > only.

    What `xml.sax.saxutils.escape` does, whose import brings urllib.request, http.client,
    ssl and email along: 20-40 ms at the start of every build and preview.
    """
    return html.escape(text, quote=False)


#: What ElementTree escapes in attribute values besides & < >.
_ATTRIBUTE_ENTITIES = {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}


def _xml_attribute(text: str) -> str:
    """An attribute value escaped exactly as ElementTree escapes it."""
    text = html.escape(text, quote=False)
    for char, entity in _ATTRIBUTE_ENTITIES.items():
        text = text.replace(char, entity)
    return text


def _xml_element(tag: str, text: str | None = None, attributes: Iterable[tuple] = ()) -> str:
    """An element without children, as ElementTree writes it (`<a />` when it has no text).

    String-built rather than serialised from a tree, so that each Atom entry can be kept
    and joined on its own.
    """
    start = "<" + tag + "".join(f' {name}="{_xml_attribute(v)}"' for name, v in attributes)
    return f"{start}>{_xml_text(text)}</{tag}>" if text else start + " />"


# -- Atom feeds -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Feed:
    """One Atom feed: where it lives, what it is called, which page it describes."""

    path: str
    title: str
    page_path: str
    events: list[Event]


def feeds(timeline: Timeline) -> list[Feed]:
    """The site's feed, then one per country and one per category, events newest first."""
    site = timeline.site
    result = [Feed("feed.xml", site.title, "", timeline.events[::-1])]
    for taxonomy in FEED_TAXONOMIES:
        for term in timeline.taxonomies[taxonomy]:
            result.append(
                Feed(
                    feed_path(taxonomy, term.slug),
                    f"{term.label} · {site.title}",
                    urls.term_path(taxonomy, term.slug),
                    term.events[::-1],
                )
            )
    return result


def feed_path(taxonomy: str, slug: str) -> str:
    """Site path of the Atom feed of one country or category."""
    return urls.term_path(taxonomy, slug) + "feed.xml"


def _feed_id(timeline: Timeline, links: urls.Urls, site_path: str) -> str:
    """A permanent Atom id: the page's URL with a base URL, else a name-based UUID URN."""
    if links.base_url:
        return links.absolute(site_path)
    name = f"timeline:{timeline.site.title}:{site_path}"
    return uuid.uuid5(uuid.NAMESPACE_URL, name).urn


def _entry_html(
    event: Event, timeline: Timeline, links: urls.Urls, from_file: str, summary: str
) -> str:
    date = f"<p><strong>{html.escape(event.date.display())}</strong></p>"
    summary = with_root(summary, _link_root(links, from_file))
    return date + summary + _sources_html(event, timeline, links, from_file)


def atom_entry(
    event: Event,
    timeline: Timeline,
    links: urls.Urls,
    from_file: str,
    updated: dt.date | None,
    summary: str | None = None,
) -> str:
    """An event's Atom `<entry>` in the feed at `from_file`, last updated on `updated`.

    `summary` is the summary's HTML when the caller has it already.
    """
    page = urls.event_path(event.id)
    alternate = (
        ("rel", "alternate"),
        ("type", "text/html"),
        ("href", link(links, page, from_file)),
    )
    parts = [
        "<entry>",
        _xml_element("title", event.title),
        _xml_element("id", _feed_id(timeline, links, page)),
        _xml_element("link", None, alternate),
        _xml_element("updated", _timestamp(updated)),
    ]
    first = _first_day(event.date)
    if first is not None:
        parts.append(
            _xml_element("published", _timestamp(min(first, updated) if updated else first))
        )
    if event.category:
        label = timeline.site.categories.get(event.category, event.category)
        parts.append(_xml_element("category", None, (("term", event.category), ("label", label))))
    if summary is None:
        summary = event_summary_html(event)
    content = _entry_html(event, timeline, links, from_file, summary)
    parts += [_xml_element("content", content, (("type", "html"),)), "</entry>"]
    return "".join(parts)


def atom_feed(
    feed: Feed,
    timeline: Timeline,
    links: urls.Urls,
    modified: ModifiedDates | None = None,
    memo: FragmentMemo | None = None,
) -> bytes:
    """An Atom (RFC 4287) feed of the feed's newest events.

    With a memo, a feed whose events, their records and dates are those of the last build
    is not written again.
    """
    fragments = _fragments(memo, timeline)
    modified = modified or fragments.modified
    events = feed.events[:FEED_LIMIT]
    shown = (feed.title, feed.page_path, _link_root(links, feed.path))
    kept = fragments.memo.feeds.get(feed.path)
    changed = fragments.changed_records
    if (
        kept is not None
        and changed is not None
        and kept.base is fragments.changes[0]
        and _same_dates(kept.modified, modified, fragments)
        and kept.shown == shown
        and kept.events == events
        and not any(map(changed.__contains__, map(id, events)))
    ):
        data = kept.data
    else:
        data = _atom_feed(feed, events, timeline, links, modified, fragments)
    made = _FeedBytes(fragments.events_copy, modified, shown, events, data)
    fragments.memo.feeds[feed.path] = made
    return data


def _same_dates(kept: ModifiedDates, modified: ModifiedDates, fragments: TimelineFragments) -> bool:
    """Whether `modified` gives every event outside the changed places the date `kept` gave
    it (the same dates, or those a renaming title edit moved to the event's new id)."""
    if kept is modified:
        return True
    return modified is fragments.modified and kept is fragments.renamed_from


def _atom_feed(
    feed: Feed,
    events: list[Event],
    timeline: Timeline,
    links: urls.Urls,
    modified: ModifiedDates,
    fragments: TimelineFragments,
) -> bytes:
    site = timeline.site
    self_link = (("rel", "self"), ("type", "application/atom+xml"))
    self_link += (("href", link(links, feed.path, feed.path)),)
    page_link = (("rel", "alternate"), ("type", "text/html"))
    page_link += (("href", link(links, feed.page_path, feed.path)),)
    parts = [
        _XML_DECLARATION,
        f'<feed xmlns="{ATOM}" xml:lang="{_xml_attribute(site.language)}">',
        _xml_element("title", feed.title),
    ]
    if site.description:
        parts.append(_xml_element("subtitle", site.description))
    parts += [
        _xml_element("id", _feed_id(timeline, links, feed.path)),
        _xml_element("updated", _timestamp(modified.of_events(events) or modified.site)),
        _xml_element("link", None, self_link),
        _xml_element("link", None, page_link),
        f"<author>{_xml_element('name', site.title)}</author>",
        _xml_element(
            "generator",
            "timeline-builder",
            (("uri", "https://pypi.org/project/timeline-builder/"),),
        ),
    ]

    def entry(event: Event, pieces: dict, updated: dt.date | None) -> bytes:
        summary = summary_html(event, pieces)
        return atom_entry(event, timeline, links, feed.path, updated, summary).encode("utf-8")

    updated = [d or modified.site for d in map(modified.events.get, map(_ID, events))]
    kind = "entry " + _link_root(links, feed.path)  # the same entry in feeds at one depth
    entries = fragments.dated_pieces(kind, updated, entry, events, name=f"{kind} {feed.path}")
    return b"".join([*(part.encode("utf-8") for part in parts), *entries, b"</feed>\n"])


# -- sitemap.xml, robots.txt, .nojekyll -----------------------------------------------------


def _front_entries(modified: ModifiedDates) -> Iterator[tuple[str, dt.date | None]]:
    yield "", modified.site
    yield "articles/", max(modified.articles.values(), default=None)


def _article_entries(
    timeline: Timeline, modified: ModifiedDates
) -> Iterator[tuple[str, dt.date | None]]:
    for article in timeline.articles:
        yield urls.article_path(article.id), modified.articles.get(article.id)


def list_entries(
    timeline: Timeline, modified: ModifiedDates
) -> Iterator[tuple[str, dt.date | None]]:
    """The sitemap entries of every list page: taxonomies, terms, years and their periods.

    What these read of each event must stay within `_list_inputs` (its date and terms, by
    its place in the timeline) and its modified date, besides `site.events_per_page`: the
    memo reuses them otherwise.
    """
    for taxonomy in TAXONOMIES:
        terms = timeline.taxonomies[taxonomy]
        newest = [modified.of_events(term.events) for term in terms]
        yield urls.taxonomy_path(taxonomy), max(filter(None, newest), default=None)
        for term, lastmod in zip(terms, newest, strict=True):
            yield urls.term_path(taxonomy, term.slug), lastmod
    for year, events in timeline.years.items():
        yield urls.year_path(year), modified.of_events(events)
    for listed in periods.period_pages(timeline):
        yield listed.path, modified.of_events(listed.period.events)


def _page_entries(timeline: Timeline) -> Iterator[tuple[str, None]]:
    for page in timeline.pages:
        yield urls.page_path(page.id), None


def _list_inputs(event: Event) -> tuple:
    """What placing an event in the site's lists reads: its date and terms. Not its id: list
    pages are named by term, year and period, so renaming an event (a new title without an
    `id` gives a new one) leaves the block of list pages as it was."""
    terms = (tuple(event.countries), tuple(event.actors), event.category, tuple(event.tags))
    return (event.date.text, *terms)


class _SitemapWriter:
    """Sitemap `<url>` elements, written as ElementTree wrote them."""

    def __init__(self, links: urls.Urls) -> None:
        self.root = _xml_text(_link_root(links, "sitemap.xml"))
        self.ends: dict[dt.date | None, str] = {None: "</loc></url>"}  # dates recur

    def url(self, path: str, lastmod: dt.date | None) -> str:
        """One page's `<url>` element."""
        end = self.ends.get(lastmod)
        if end is None:
            end = self.ends[lastmod] = f"</loc><lastmod>{lastmod.isoformat()}</lastmod></url>"
        return f"<url><loc>{self.root}{_xml_text(path)}{end}"

    def urls(self, entries: Iterable[tuple[str, dt.date | None]]) -> str:
        """The `<url>` elements of these entries."""
        return "".join([self.url(path, lastmod) for path, lastmod in entries])


def _kept_or_made(kept: tuple | None, inputs: object, make: Callable[[], str]) -> tuple:
    """(inputs, block): the block kept from the last sitemap while what it shows (`inputs`)
    is the same, else made again."""
    if kept is not None and kept[0] == inputs:
        return kept
    return (inputs, make())


def sitemap_xml(
    timeline: Timeline,
    links: urls.Urls,
    modified: ModifiedDates | None = None,
    memo: FragmentMemo | None = None,
) -> bytes:
    """sitemap.xml (sitemaps.org 0.9) with lastmod; locations relative without a base URL.

    The front pages, then each event, article, list page and free-standing page; with a
    memo, each event's entry and the blocks of list pages and of articles are kept while
    what they show is unchanged, and when no part changed (a title edit that keeps the id)
    the last bytes are handed back.
    """
    fragments = _fragments(memo, timeline)
    modified = modified or fragments.modified
    writer = _SitemapWriter(links)
    if modified is fragments.modified:
        lastmods = fragments.last_modified
    else:
        lastmods = list(map(modified.events.get, map(_ID, timeline.events)))
    events = fragments.dated_pieces(
        "sitemap " + writer.root,
        lastmods,
        lambda event, _, lastmod: writer.url(urls.event_path(event.id), lastmod),
    )
    inputs = (
        writer.root,
        getattr(timeline.site, "events_per_page", None),
        fragments.event_pieces("lists", lambda event, _: _list_inputs(event)),
        lastmods,
    )
    memo = fragments.memo
    memo.sitemap_lists = _kept_or_made(
        memo.sitemap_lists, inputs, lambda: writer.urls(list_entries(timeline, modified))
    )
    lists = memo.sitemap_lists[1]
    articles = (writer.root, list(map(_ID, timeline.articles)), modified.articles)
    memo.sitemap_articles = _kept_or_made(
        memo.sitemap_articles, articles, lambda: writer.urls(_article_entries(timeline, modified))
    )
    article_urls = memo.sitemap_articles[1]
    front = writer.urls(_front_entries(modified))
    shown = (front, events, article_urls, lists, writer.urls(_page_entries(timeline)))
    kept_sitemap = fragments.memo.sitemap
    if kept_sitemap is not None and kept_sitemap[0] == shown:  # mostly a check by identity
        return kept_sitemap[1]
    parts = [_XML_DECLARATION, f'<urlset xmlns="{SITEMAP}">', front, *events]
    parts += [*shown[2:], "</urlset>\n"]
    data = "".join(parts).encode("utf-8")
    fragments.memo.sitemap = (shown, data)
    return data


def robots_txt(links: urls.Urls) -> str:
    """robots.txt allowing every crawler, naming the sitemap when its address is known."""
    lines = ["User-agent: *", "Allow: /"]
    if links.base_url:
        lines.append(f"Sitemap: {links.absolute('sitemap.xml')}")
    return "\n".join(lines) + "\n"


# -- Everything -----------------------------------------------------------------------------


def _sitemap(timeline: Timeline, links: urls.Urls, memo: FragmentMemo) -> bytes | Pieces:
    return sitemap_xml(timeline, links, memo=memo)


#: The data exports at the site's root by file name, besides its feeds: each made from the
#: timeline, its links and the exports' shared memo. Content may link to them too.
DATA_EXPORTS: dict[str, Callable[[Timeline, urls.Urls, FragmentMemo], bytes | Pieces]] = {
    "events.json": events_json,
    "timelinejs.json": timelinejs_json,
    "events.csv": events_csv,
    "events.ics": events_ics,
    "events.geojson": events_geojson,
    "sitemap.xml": _sitemap,
}


def plan_exports(
    timeline: Timeline, links: urls.Urls, memo: FragmentMemo | None = None
) -> list[tuple[str, Callable[[], bytes]]]:
    """Every feed, data export and host file as (path, render): paths now, bytes on demand.

    The live-preview server renders the page open in the browser first and these later; it
    passes the `FragmentMemo` it keeps between rebuilds (and the same memo to
    `search.search_index`), so these re-render in milliseconds after a small edit. Without
    one, the exports share a memo of their own.
    """
    memo = memo or FragmentMemo()
    memo.fragments(timeline, fresh=True)  # gathered when the first export renders

    plan: list[tuple[str, Callable[[], bytes]]] = [
        (name, lambda make=make: make(timeline, links, memo)) for name, make in DATA_EXPORTS.items()
    ]
    plan.append(("robots.txt", lambda: robots_txt(links).encode("utf-8")))
    plan.append((".nojekyll", lambda: b""))
    for feed in feeds(timeline):
        plan.append((feed.path, lambda f=feed: atom_feed(f, timeline, links, memo=memo)))
    return plan
