"""The timeline as readers see it: validated events and articles, sorted, indexed, cross-linked.

Validation produces the plain records defined here; `build_timeline` arranges them into
the one structure that rendering reads. Nothing here touches files or templates, so the
same model serves a cold build, a live-preview rebuild and the tests.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from builder.dates import EdtfDate
from builder.text import slugify


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


@dataclass
class Term:
    """One value of a taxonomy (a country, actor, category or tag) and its events."""

    taxonomy: str
    key: str
    label: str
    slug: str
    events: list[Event]


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

    def event_key(self, event: Event) -> tuple:
        """What an event's own output (its list item, its export records) depends on.

        Equal keys mean equal output, so per-event caches are keyed on this: the event's
        revision and the revisions of the articles it cites (whose titles it shows). An
        event that never went through validation falls back on its identity, which is
        only unique while the timeline holds it.
        """
        cited = tuple(
            (s.article, getattr(self.articles_by_id.get(s.article), "revision", None))
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


def event_order(event: Event) -> tuple:
    """Sort key: start of the date, less precise first on ties, then title."""
    return (event.date.sort_key(), event.title.casefold(), event.id)


def _terms(taxonomy: str, buckets: dict[str, list[Event]], labels: dict[str, str]) -> list[Term]:
    terms = [
        Term(taxonomy, key, labels.get(key, key), slugify(key), events)
        for key, events in buckets.items()
    ]
    return sorted(terms, key=lambda t: t.label.casefold())


def build_timeline(
    site: Site,
    events: list[Event],
    articles: list[Article],
    pages: list[Page],
    country_names: dict[str, str],
) -> Timeline:
    """Sort the events, index them by taxonomy and year, and link events and articles."""
    ordered = sorted(events, key=event_order)
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
    labels = {"countries": country_names, "categories": site.categories}
    taxonomies = {name: _terms(name, by[name], labels.get(name, {})) for name in TAXONOMIES}
    articles_sorted = sorted(
        articles,
        key=lambda a: (a.date.sort_key() if a.date else (), a.title.casefold()),
        reverse=True,
    )
    return Timeline(
        site=site,
        events=ordered,
        articles=articles_sorted,
        pages=sorted(pages, key=lambda p: p.id),
        taxonomies=taxonomies,
        years=dict(sorted(years.items())),
        articles_by_id={a.id: a for a in articles},
        citing=dict(citing),
    )
