"""The timeline as readers see it: validated events and articles, sorted, indexed, cross-linked.

Validation produces the plain records defined here; `build_timeline` arranges them into
the one structure that rendering reads. Nothing here touches files or templates, so the
same model serves a cold build, a live-preview rebuild and the tests.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from itertools import compress, count, repeat
from operator import is_, is_not
from typing import NamedTuple

from builder.dates import DatePart, EdtfDate, date_span
from builder.text import folder_slug


@dataclass(frozen=True)
class Location:
    """Where an event happened: a place name, with coordinates when known."""

    name: str
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Source:
    """Where an event's facts come from: one of our articles, or an outside page."""

    article: str | None = None
    url: str | None = None
    title: str | None = None
    publisher: str | None = None
    date: EdtfDate | None = None


@dataclass
class Event:
    """One dated happening on the timeline."""

    id: str
    date: EdtfDate
    title: str
    summary: str = ""
    countries: list[str] = field(default_factory=list)
    location: Location | None = None
    actors: list[str] = field(default_factory=list)
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    importance: int = 1
    sources: list[Source] = field(default_factory=list)
    draft: bool = False
    file: str = ""
    line: int = 0
    #: Changes whenever validation makes this record anew (0: not from validation), so
    #: caches that outlive one build, in `serve`, can tell an unchanged event from an edit.
    revision: int = field(default=0, compare=False, repr=False)


@dataclass
class Article:
    """A source article kept in the project (Markdown, or a raw news clipping)."""

    id: str
    title: str
    date: EdtfDate | None
    authors: list[str] = field(default_factory=list)
    publisher: str | None = None
    url: str | None = None
    countries: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    draft: bool = False
    body: str = ""
    file: str = ""
    title_derived: bool = False
    #: As `Event.revision`.
    revision: int = field(default=0, compare=False, repr=False)
    #: As `revision`, but changing only when what an event citing the article shows of it
    #: changes (`CITED_FIELDS`): an edit of its body alone leaves the citing events' pages,
    #: their list items and their export records as they were.
    cited_revision: int = field(default=0, compare=False, repr=False)


#: What an event shows of each article it cites (its sources list, its export records, the
#: dates its page was last modified): an article's `cited_revision` follows these alone.
CITED_FIELDS = ("id", "title", "publisher", "date", "url")


@dataclass
class Page:
    """A free-standing page such as About."""

    id: str
    title: str
    body: str
    description: str = ""
    file: str = ""


@dataclass
class Site:
    """Site settings and vocabularies from content/site.yaml."""

    title: str
    description: str = ""
    base_url: str = ""
    language: str = "en"
    theme: str = "default"
    categories: dict[str, str] = field(default_factory=dict)
    actors: dict[str, list[str]] = field(default_factory=dict)
    #: Longer lists (the timeline, a term's or a year's events) are split into pages by
    #: period; 400 list items of about 1.8 KB keep every page well under 1 MB.
    events_per_page: int = 400
    #: How many related events an event's page lists (0: none, and none are ranked).
    related_events: int = 5
    #: Whether `categories` is the list site.yaml meant, so that an event's category is
    #: checked against it: False when site.yaml could not be read, or its categories had
    #: errors (each event would otherwise bury that one cause in errors). A missing
    #: site.yaml declares no categories, as one without `categories:` does.
    categories_known: bool = True


@dataclass
class Term:
    """One value of a taxonomy (a country, actor, category or tag) and its events."""

    taxonomy: str
    key: str
    label: str
    slug: str
    events: list[Event]
    #: `span()` once made; a list of events is never modified once made, so the next
    #: build's term of the very same list takes it over (`_terms`).
    _span: tuple[DatePart, DatePart] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def span(self) -> tuple[DatePart, DatePart]:
        """When the term's events run from and to: the earliest start and the latest end
        (`date_span`), which its page says and its dependency key holds. The live preview
        makes the key of every term at each edit, so it is made once per list of events."""
        if self._span is None:
            self._span = date_span([event.date for event in self.events])
        return self._span


class YearSpan(NamedTuple):
    """Events filed under a year though their dates give only a decade or a century that
    starts in it (`201X` under 2010): the span's label ("2010s"), its last year, and how
    many such events the year holds."""

    label: str
    last: int
    count: int


@dataclass
class Timeline:
    """Everything rendering needs, arranged once."""

    site: Site
    events: list[Event]
    articles: list[Article]
    pages: list[Page]
    taxonomies: dict[str, list[Term]]
    years: dict[int, list[Event]]
    articles_by_id: dict[str, Article]
    citing: dict[str, list[Event]]
    #: `event_key` of each event by id(event), with the event (kept so its id stays unique);
    #: handed from one timeline to the next by `ModelMemo`, so unchanged events keep the
    #: very same key object and comparing keys across builds stops at identity.
    event_keys: dict[int, tuple[Event, tuple]] = field(
        default_factory=dict, compare=False, repr=False
    )
    #: When the live preview's `ModelMemo` patched the previous timeline into this one:
    #: id() of the previous timeline and the ids of the events added, removed or given a
    #: new key (see `changed_since`).
    edit: tuple[int, frozenset[str]] | None = field(default=None, compare=False, repr=False)
    #: When that edit only replaced records in their places (each by one of the same id:
    #: a title or summary edited, say): the previous timeline's events, these events and
    #: the places where the two differ. Caches that compare the two lists place by place
    #: read these places instead of walking 10,000 (see `same_in_place`).
    replaced: tuple[list[Event], list[Event], tuple[int, ...]] | None = field(
        default=None, compare=False, repr=False
    )

    @cached_property
    def events_by_id(self) -> dict[str, Event]:
        """Each event by its id, made once per timeline: the live preview looks events up by
        id in several places at each edit, and at 10,000 events each such index took a few
        milliseconds to make."""
        return {e.id: e for e in self.events}

    @cached_property
    def year_spans(self) -> dict[int, tuple[YearSpan, ...]]:
        """The decades and centuries filed under each year that has events dated only to
        one (`EdtfDate.names_year`), the coarsest first, as they sort: what the site counts
        and labels apart from the year, so that no label or count claims a year that no
        source gives. Such events sort before every event that names the year, so only the
        head of each year's list is read: a few hundred steps at 10,000 events."""
        spans: dict[int, tuple[YearSpan, ...]] = {}
        for year, events in self.years.items():
            counts: dict[tuple[str, int], int] = {}
            for event in events:
                if event.date.names_year:
                    break
                key = (event.date.year_label(), event.date.filed_years()[1])
                counts[key] = counts.get(key, 0) + 1
            if counts:
                spans[year] = tuple(YearSpan(label, last, n) for (label, last), n in counts.items())
        return spans

    @cached_property
    def span(self) -> tuple[DatePart, DatePart] | None:
        """When the timeline's events run from and to, as a term's (`Term.span`): the
        overview line says it, so an interval that runs past the last event filed does not
        undersell the timeline. None for no events."""
        return date_span([event.date for event in self.events]) if self.events else None

    def changed_since(self, before: Timeline) -> frozenset[str] | None:
        """Ids of the events added, removed or given a new key since `before`, when this
        timeline was patched from it (None: not known)."""
        if self.edit is None or self.edit[0] != id(before):
            return None  # ids are unique among live objects, and `before` is alive
        return self.edit[1]

    def event_key(self, event: Event) -> tuple:
        """What an event's own output (its list item, its export records) depends on.

        Equal keys mean equal output, so per-event caches are keyed on this: the event's
        revision and the cited revisions of the articles it cites (whose titles it shows). An
        event that never went through validation falls back on its identity, which is
        only unique while the timeline holds it.
        """
        hit = self.event_keys.get(id(event))
        if hit is not None and hit[0] is event:
            return hit[1]
        key = self._make_event_key(event)
        self.event_keys[id(event)] = (event, key)
        return key

    def _make_event_key(self, event: Event) -> tuple:
        cited = tuple(
            (s.article, getattr(self.articles_by_id.get(s.article), "cited_revision", None))
            for s in event.sources
            if s.article
        )
        return (event.revision or id(event), cited)

    def term(self, taxonomy: str, key: str) -> Term | None:
        """The term of `taxonomy` with this key, if any event uses it."""
        for term in self.taxonomies.get(taxonomy, []):
            if term.key == key:
                return term
        return None


#: Taxonomies in the order the site shows them, with their page folder names.
TAXONOMIES = ("countries", "actors", "categories", "tags")


def same_in_place(
    before: list[Event],
    events: list[Event],
    fact: Callable,
    replaced: tuple[list[Event], list[Event], tuple[int, ...]] | None = None,
) -> bool:
    """Whether two lists of events give the same `fact` place by place, looking only at the
    places where the record is not the very same one: the live preview keeps what it made
    of the last timeline while an edit (which replaces a few records) left it standing.
    Those places are the model's when it knows them for these two lists (`replaced`, see
    `Timeline.replaced`)."""
    if len(before) != len(events):
        return False
    differ = places_differing(before, events, replaced)
    return all(fact(before[i]) == fact(events[i]) for i in differ)


def places_differing(
    before: list[Event],
    events: list[Event],
    replaced: tuple[list[Event], list[Event], tuple[int, ...]] | None = None,
) -> Iterable[int]:
    """The places where two lists of events of one length hold different records: the
    model's own when it knows them for these two lists (`Timeline.replaced`), else found
    by comparing pointers."""
    if replaced is not None and replaced[0] is before and replaced[1] is events:
        return replaced[2]
    return compress(range(len(events)), map(is_not, before, events))


def event_order(event: Event) -> tuple:
    """Sort key: start of the date, less precise first on ties, then title."""
    return (event.date.sort_key(), event.title.casefold(), event.id)


def term_slug(key: str) -> str:
    """The folder of a term's page within its taxonomy's (`tags/SLUG/`). Terms the model
    keeps apart can share one ("C#" and "c"; "Kabul", "kabul" and "Кабул"): validation refuses
    that (see `builder.termfolders`), as one page would be written over the other."""
    return folder_slug(key)


def event_terms(event: Event) -> list[tuple[str, str]]:
    """Each (taxonomy, key) of a term whose page lists the event, in the event's order."""
    terms = [("countries", c) for c in event.countries]
    terms += [("actors", a) for a in event.actors]
    if event.category:
        terms.append(("categories", event.category))
    terms += [("tags", t) for t in event.tags]
    return terms


def _terms(
    taxonomy: str,
    buckets: dict[str, list[Event]],
    labels: dict[str, str],
    before: Iterable[Term] = (),
) -> list[Term]:
    """The terms of a taxonomy, sorted by label; those whose list of events is the very
    list of a term `before` (the previous timeline's, alive meanwhile, so no other list can
    have its id) keep that term's span."""
    spans = {id(term.events): term._span for term in before if term._span is not None}
    terms = []
    for key, events in buckets.items():
        term = Term(taxonomy, key, labels.get(key, key), term_slug(key), events)
        term._span = spans.get(id(events))
        terms.append(term)
    return sorted(terms, key=lambda t: t.label.casefold())


@dataclass
class ModelMemo:
    """What building one timeline hands to the next in the live preview, so a rebuild after
    an edit costs what the edit changed: the previous timeline, whose order, indexes and
    event keys are patched where events were added or removed, and each event's sort key
    (by id(event), with the event).

    Validation hands back the very same record for an unchanged event and never modifies a
    record it made, so identity tells an unchanged event here; an edited event is a new
    record, removed and added.
    """

    orders: dict[int, tuple[Event, tuple]] = field(default_factory=dict)
    before: Timeline | None = None
    #: Each article's sort key, as `orders`.
    article_orders: dict[int, tuple[Article, tuple]] = field(default_factory=dict)
    #: The events `before` was built from, in the order given (validation's): what the next
    #: edit is told apart from.
    events: list[Event] | None = None
    #: The articles `before` was built from, as given: while they are the very same records,
    #: `before`'s sorted list and index of them are taken over.
    articles: list[Article] | None = None


def build_timeline(
    site: Site,
    events: list[Event],
    articles: list[Article],
    pages: list[Page],
    country_names: dict[str, str],
    memo: ModelMemo | None = None,
) -> Timeline:
    """Sort the events, index them by taxonomy and year, and link events and articles.

    With a `memo` (the live preview keeps one), the previous timeline is patched instead:
    the result is the same, in a few milliseconds for an edit of one events file.
    """
    labels = {"countries": country_names, "categories": site.categories}
    edit = _edit(memo, events) if memo is not None else None
    taxonomies = None
    replaced = None
    if edit is not None:
        ordered, replaced = _patched_order(memo, *edit)
        by, years, citing = _patched_indexes(
            memo.before, *edit, memo.orders, swapped=replaced is not None
        )
        taxonomies = {
            name: _terms(name, by[name], labels.get(name, {}), memo.before.taxonomies[name])
            for name in TAXONOMIES
        }
    else:
        ordered = _ordered(events, memo)
    if taxonomies is None or _labels_tie(taxonomies):
        by, years, citing = _indexes(ordered)
        taxonomies = {name: _terms(name, by[name], labels.get(name, {})) for name in TAXONOMIES}
    kept = _kept_articles(memo, articles)
    if kept is not None:
        articles_sorted, articles_by_id = kept
    else:
        articles_sorted = _articles_ordered(articles, memo)
        articles_by_id = {a.id: a for a in articles}
    timeline = Timeline(
        site=site,
        events=ordered,
        articles=articles_sorted,
        pages=sorted(pages, key=lambda p: p.id),
        taxonomies=taxonomies,
        years=dict(sorted(years.items())),
        articles_by_id=articles_by_id,
        citing=citing,
    )
    if memo is not None:
        gone = edit[1] if edit is not None else None
        timeline.event_keys, rekeyed = _kept_event_keys(memo.before, timeline, gone)
        if edit is not None:
            moved = {e.id for events in edit for e in events}
            timeline.edit = (id(memo.before), frozenset(moved | rekeyed))
            if replaced is not None:
                timeline.replaced = (memo.before.events, ordered, replaced)
            _patch_events_by_id(memo.before, timeline, *edit)
        memo.before, memo.events, memo.articles = timeline, events, articles
    return timeline


def _patch_events_by_id(
    before: Timeline, after: Timeline, added: list[Event], gone: list[Event]
) -> None:
    """Give `after` the index by id of `before` with the edit's events swapped, if `before`
    made one (a copy of a dict costs a tenth of making it again event by event)."""
    made = before.__dict__.get("events_by_id")
    if made is None:
        return
    by_id = dict(made)
    for event in gone:
        by_id.pop(event.id, None)
    by_id.update((event.id, event) for event in added)
    after.__dict__["events_by_id"] = by_id


#: An edit that adds or removes more events than this sorts and indexes them from scratch.
PATCH_LIMIT = 200

Indexes = tuple[dict[str, dict[str, list[Event]]], dict[int, list[Event]], dict[str, list[Event]]]


def _indexes(ordered: list[Event]) -> Indexes:
    """The events of each term by taxonomy, of each year, and citing each article, in order."""
    by: dict[str, dict[str, list[Event]]] = {name: defaultdict(list) for name in TAXONOMIES}
    years: dict[int, list[Event]] = defaultdict(list)
    citing: dict[str, list[Event]] = defaultdict(list)
    for event in ordered:
        for code in event.countries:
            by["countries"][code].append(event)
        for actor in event.actors:
            by["actors"][actor].append(event)
        if event.category:
            by["categories"][event.category].append(event)
        for tag in event.tags:
            by["tags"][tag].append(event)
        if event.date.year is not None:
            years[event.date.year].append(event)
        for article_id in {s.article for s in event.sources if s.article}:
            citing[article_id].append(event)
    return by, dict(years), dict(citing)


def _edit(memo: ModelMemo, events: list[Event]) -> tuple[list[Event], list[Event]] | None:
    """The events added to and removed from the previous timeline (new records and records
    gone); None without a previous timeline or for an edit above `PATCH_LIMIT`."""
    before, then = memo.before, memo.events
    if before is None or then is None:
        return None
    if len(then) == len(events):
        # Validation lists the records file by file, each unchanged one where it was: the
        # places holding another record are found by comparing pointers alone.
        places = list(compress(range(len(events)), map(is_not, then, events)))
        added, gone = [events[i] for i in places], [then[i] for i in places]
        moved = set(map(id, added)) & set(map(id, gone))  # the same record, another place
        if moved:
            added = [e for e in added if id(e) not in moved]
            gone = [e for e in gone if id(e) not in moved]
    else:
        now = dict(zip(map(id, events), events, strict=True))
        old = dict(zip(map(id, then), then, strict=True))
        added = [now[key] for key in now.keys() - old.keys()]
        gone = [old[key] for key in old.keys() - now.keys()]
    if len(added) + len(gone) > PATCH_LIMIT:
        return None
    # In timeline order, as a full pass would meet them, whatever the places.
    return sorted(added, key=event_order), sorted(gone, key=event_order)


def _patched_order(
    memo: ModelMemo, added: list[Event], gone: list[Event]
) -> tuple[list[Event], tuple[int, ...] | None]:
    """The previous timeline's events without those removed, with those added in place;
    and, when each added record took the place of a removed one of the same id, those
    places (see `Timeline.replaced`)."""
    orders = memo.orders
    places = _places_of(memo.before.events, added, gone, orders)
    for event in gone:
        del orders[id(event)]
    for event in added:
        orders[id(event)] = (event, event_order(event))
    if places is not None:
        ordered = list(memo.before.events)
        for place, event in zip(places, added, strict=True):
            ordered[place] = event
        if _sorted_around(ordered, places, orders):
            return ordered, places
    gone_ids = {id(e) for e in gone}
    ordered = (
        [e for e in memo.before.events if id(e) not in gone_ids]
        if gone
        else list(memo.before.events)
    )
    for event in added:
        insort(ordered, event, key=lambda e: orders[id(e)][1])
    return ordered, None


def _places_of(
    before: list[Event], added: list[Event], gone: list[Event], orders: dict
) -> tuple[int, ...] | None:
    """The places of the removed records in `before`, found by bisection, if each added
    record (both in timeline order) has the id of the removed one it would replace; None
    otherwise."""
    if len(added) != len(gone) or any(
        new.id != old.id for new, old in zip(added, gone, strict=True)
    ):
        return None
    order_of = lambda e: orders[id(e)][1]  # noqa: E731  (a key, as for insort)
    places = []
    for old in gone:
        place = bisect_left(before, order_of(old), key=order_of)
        if place == len(before) or before[place] is not old:
            return None
        places.append(place)
    return tuple(places)


def _sorted_around(ordered: list[Event], places: tuple[int, ...], orders: dict) -> bool:
    """Whether each of these places holds an event that sorts after the one before it and
    before the one after it: records swapped there leave the order as a sort makes it (sort
    keys end with the id, so no two are equal)."""
    last = len(ordered) - 1
    for place in places:
        key = orders[id(ordered[place])][1]
        if place > 0 and not orders[id(ordered[place - 1])][1] < key:
            return False
        if place < last and not key < orders[id(ordered[place + 1])][1]:
            return False
    return True


def _places(event: Event) -> list[tuple[str, object]]:
    """Every list of `_indexes` the event is in, once per time it is in it."""
    places: list[tuple[str, object]] = [*event_terms(event)]
    if event.date.year is not None:
        places.append(("years", event.date.year))
    places += [("citing", a) for a in {s.article for s in event.sources if s.article}]
    return places


def _patched_indexes(
    before: Timeline, added: list[Event], gone: list[Event], orders: dict, swapped: bool = False
) -> Indexes:
    """The previous timeline's indexes with the events removed taken out and those added
    put in their place (lists no edit touched are shared with the previous timeline: none
    is modified once made). `swapped`: each added record took the place of the removed
    one of its id in the timeline (`_patched_order`), as after a title edit."""
    by: dict[str, dict[str, list[Event]]] = {
        name: {term.key: term.events for term in before.taxonomies[name]} for name in TAXONOMIES
    }
    years, citing = dict(before.years), dict(before.citing)
    lists = {"years": years, "citing": citing, **by}
    touched: dict[tuple[str, object], list[Event]] = {}
    if swapped:
        added, gone = _swapped_in_place(lists, touched, added, gone)
    gone_ids = {id(e) for e in gone}
    sifted = set()
    for event in gone:
        for place in _places(event):
            if place not in sifted:
                sifted.add(place)
                name, key = place
                events = touched.get(place, lists[name][key])
                touched[place] = [e for e in events if id(e) not in gone_ids]
    for event in added:
        for place in _places(event):
            if place not in touched:
                name, key = place
                touched[place] = list(lists[name].get(key, ()))
            insort(touched[place], event, key=lambda e: orders[id(e)][1])
    for (name, key), events in touched.items():
        if events:
            lists[name][key] = events
        else:
            lists[name].pop(key, None)
    return by, years, citing


def _swapped_in_place(
    lists: dict[str, dict], touched: dict, added: list[Event], gone: list[Event]
) -> tuple[list[Event], list[Event]]:
    """Put each added record where the removed one of its id was, in copies of the lists
    (`lists` by index name, then key; the copies go in `touched`) that both are in, when
    they are in the same ones: a record that took another's place in the timeline takes it
    in each list of the timeline's events. The records in other lists than the one they
    replace are returned, to be taken out and sorted in. After a title edit this copies
    the edited event's eight or so lists instead of sifting them in Python: patching the
    indexes of a 10,000-event timeline went from 4.5-5.5 to 1.5-1.7 ms.
    """
    rest_added, rest_gone = [], []
    for new, old in zip(added, gone, strict=True):
        places = _places(old)
        if Counter(places) != Counter(_places(new)):
            rest_added.append(new)
            rest_gone.append(old)
            continue
        for place in dict.fromkeys(places):
            events = touched.get(place)
            if events is None:
                name, key = place
                events = touched[place] = lists[name][key].copy()
            for index in list(compress(count(), map(is_, events, repeat(old)))):
                events[index] = new
    return rest_added, rest_gone


def _labels_tie(taxonomies: dict[str, list[Term]]) -> bool:
    """Whether two terms of a taxonomy sort alike: their order is then the order in which a
    full pass over the events first meets them, which patched indexes do not keep."""
    for terms in taxonomies.values():
        labels = [t.label.casefold() for t in terms]
        if len(set(labels)) != len(labels):
            return True
    return False


def article_order(article: Article) -> tuple:
    """Sort key of articles, the latest first once reversed: date, then title."""
    return (article.date.sort_key() if article.date else (), article.title.casefold())


def _kept_articles(
    memo: ModelMemo | None, articles: list[Article]
) -> tuple[list[Article], dict[str, Article]] | None:
    """The previous timeline's sorted articles and index of them, while the articles given
    are the very same records in the same order (an edit of events only: sorting 1,000
    articles again took 1.5 ms of each); else None."""
    if memo is None or memo.before is None or memo.articles is None:
        return None
    if len(memo.articles) != len(articles) or not all(map(is_, memo.articles, articles)):
        return None
    return memo.before.articles, memo.before.articles_by_id


def _articles_ordered(articles: list[Article], memo: ModelMemo | None) -> list[Article]:
    """The articles, the latest first, with the sort keys the memo knows."""
    if memo is None:
        return sorted(articles, key=article_order, reverse=True)
    known, orders = memo.article_orders, {}
    for article in articles:
        hit = known.get(id(article))
        orders[id(article)] = (
            hit if hit is not None and hit[0] is article else (article, article_order(article))
        )
    memo.article_orders = orders
    return sorted(articles, key=lambda a: orders[id(a)][1], reverse=True)


def _ordered(events: list[Event], memo: ModelMemo | None) -> list[Event]:
    """The events in timeline order (`event_order`), keeping their sort keys in the memo."""
    if memo is None:
        return sorted(events, key=event_order)
    orders = memo.orders = {id(e): (e, event_order(e)) for e in events}
    return sorted(events, key=lambda e: orders[id(e)][1])


def _kept_event_keys(
    before: Timeline | None, after: Timeline, gone: list[Event] | None = None
) -> tuple[dict[int, tuple[Event, tuple]], set[str]]:
    """The previous timeline's event keys that still hold: those of events in both, unless
    the event cites an article whose cited revision changed (its key reads those); and the
    ids of the events in both whose key no longer holds for that reason. `gone`, when
    known, are the previous timeline's events that `after` does not have."""
    if before is None:
        return {}, set()
    old_articles, new_articles = before.articles_by_id, after.articles_by_id
    stale = set()
    if new_articles is not old_articles:  # taken over whole when no article changed
        stale = {
            a
            for a in old_articles.keys() | new_articles.keys()
            if getattr(old_articles.get(a), "cited_revision", None)
            != getattr(new_articles.get(a), "cited_revision", None)
        }
    citing_stale = {
        id(e): e.id
        for a in stale
        for citing in (before.citing, after.citing)
        for e in citing.get(a, ())
    }
    known = before.event_keys
    if gone is not None:
        kept = dict(known)
        for key in {id(e) for e in gone}.union(citing_stale):
            kept.pop(key, None)
        if len(kept) <= len(after.events):  # else it holds keys of other events: sift
            return kept, set(citing_stale.values())
    kept = {}
    for event in after.events:
        hit = known.get(id(event))
        if hit is not None and hit[0] is event and id(event) not in citing_stale:
            kept[id(event)] = hit
    return kept, set(citing_stale.values())
