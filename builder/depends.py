"""What each page depends on, as a key: equal keys mean the page's bytes are the same.

The live preview (`timeline serve`) keeps the previous build's pages and, after an edit,
re-renders only those whose key changed: the edited event's page, its neighbours, the
pages that list or relate to it, the feeds and exports. Keys are made from the values a
page's template receives (events by `Timeline.event_key`, articles by revision, terms by
their events), plus the *chrome*: what the shipped templates read from the whole site on
every page (the site settings, the number of events, the years, the page menu, the term
and citation counts, the asset names).

A key is only as good as that list, so keys are made only for the templates shipped with
the builder, whose reads are known; a project that overrides templates gets no keys, and
every page is rendered again after each change, as in a cold build. A value of a kind
not known here makes the page's key None (always render) rather than a guess.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Hashable

from builder.model import TAXONOMIES, Article, Event, Page, Term, Timeline
from builder.periods import Period

#: The key of a `Timeline.event_keys` entry (event, key).
_KEY = operator.itemgetter(1)

#: Values that are their own key.
_PLAIN = frozenset({str, int, float, bool, type(None)})

#: How many events make a list whose keys `PageKeys.events` keeps (a term's, a year's, a
#: period's), rather than the few of a page's neighbours or related events.
LONG_LIST = 32


class Unkeyable(Exception):
    """A template value whose dependencies this module cannot tell."""


class PageKeys:
    """Makes the keys of one build's pages; one per planned build.

    `shared` holds the chrome of the previous build: an equal chrome is replaced by that
    very object, as unchanged events' keys are by the model (`Timeline.event_keys`), so
    comparing two builds' keys mostly stops at "same object" instead of walking them.
    """

    def __init__(self, timeline: Timeline, assets: dict[str, str], shared: dict | None = None):
        self.timeline = timeline
        before = shared if shared is not None else {}
        # Events' keys are the timeline's, made once per event (`Timeline.event_keys`): the
        # very objects of the previous build for unchanged events in the live preview.
        self._events = timeline.event_keys
        chrome = self._chrome(timeline, assets)
        self.chrome = before.get(chrome, chrome)
        if shared is not None:
            shared.clear()
            shared[chrome] = self.chrome
        #: Keys of dataclass values by id; the values live as long as the plan, which
        #: outlives this object, so an id cannot be reused meanwhile.
        self._records: dict[int, Hashable] = {}
        #: Keys of long lists of events by id, with the list (so its id stays its own): a
        #: list's unit and its page's groups both take the keys of one list of hundreds.
        self._lists: dict[int, tuple[list[Event], tuple]] = {}

    @staticmethod
    def _chrome(timeline: Timeline, assets: dict[str, str]) -> Hashable:
        site = dataclasses.astuple(timeline.site)
        return (
            repr(site),
            len(timeline.events),
            tuple(timeline.years),
            tuple((p.id, p.title) for p in timeline.pages),
            tuple(
                (name, tuple((t.key, t.label, t.slug, len(t.events)) for t in terms))
                for name, terms in ((n, timeline.taxonomies[n]) for n in TAXONOMIES)
            ),
            tuple((a, len(events)) for a, events in sorted(timeline.citing.items())),
            tuple(sorted(assets.items())),
            len(timeline.articles),
        )

    def page(self, template: str, site_path: str, root: str | None, values: dict) -> Hashable:
        """The key of one page, or None when one of its values cannot be keyed."""
        try:
            parts = tuple((name, self.value(v)) for name, v in sorted(values.items()))
        except Unkeyable:
            return None
        return (template, site_path, root, self.chrome, parts)

    def events(self, events: list[Event]) -> tuple:
        """The keys of these events, in order."""
        if len(events) < LONG_LIST:
            return self._keys_of(events)
        hit = self._lists.get(id(events))
        if hit is None or hit[0] is not events:
            hit = self._lists[id(events)] = (events, self._keys_of(events))
        return hit[1]

    def _keys_of(self, events: list[Event]) -> tuple:
        try:
            return tuple(map(_KEY, map(self._events.__getitem__, map(id, events))))
        except KeyError:  # some have no key yet: made (and kept) one by one
            return tuple(map(self.event, events))

    def event(self, event: Event) -> Hashable:
        """An event's key (see `Timeline.event_key`)."""
        return self.timeline.event_key(event)

    def term(self, term: Term) -> Hashable:
        """A term's key: what the shipped templates show of a term passed to them (its
        label, link, number of events and the dates of its first and last); the events a
        page lists come in a value of their own, so an edit does not touch every page that
        shows the filters."""
        first, last = (term.events[0], term.events[-1]) if term.events else (None, None)
        return (
            "term",
            term.taxonomy,
            term.key,
            term.label,
            term.slug,
            len(term.events),
            first and first.date.display(),
            last and last.date.display(),
        )

    def value(self, value: object) -> Hashable:
        """The key of one template value (Unkeyable if its kind is unknown)."""
        kind = type(value)
        if kind in _PLAIN:
            return value
        if kind is list or kind is tuple:
            if value and type(value[0]) is Event:  # the bulk of every list page
                return ("events", self.events(value))
            return tuple([v if type(v) in _PLAIN else self.value(v) for v in value])
        if kind is Event:
            return ("event", self.event(value))
        if kind is dict:  # the same filters dict goes to every page of the timeline
            key = self._records.get(id(value))
            if key is None:
                key = self._records[id(value)] = tuple((k, self.value(v)) for k, v in value.items())
            return key
        if kind is Term:
            key = self._records.get(id(value))
            if key is None:
                key = self._records[id(value)] = self.term(value)
            return key
        if kind is Article:
            return ("article", value.revision or id(value))
        if kind is Period:  # period links show a label and a count
            return ("period", value.slug, value.label, len(value.events))
        if kind is Page:
            return ("page", value.id, value.title, value.body, value.description)
        if isinstance(value, str | int | float | bool):
            return value
        deferred_key = getattr(value, "key", None)
        if isinstance(deferred_key, Callable):  # a render.Deferred value: it names its key
            return ("deferred", deferred_key())
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return self._record(value)
        raise Unkeyable(kind.__name__)

    def _record(self, value: object) -> Hashable:
        """A dataclass value's key, made once per object: the pages of a split list share
        their period records."""
        key = self._records.get(id(value))
        if key is None:
            fields = dataclasses.fields(value)
            key = (type(value).__name__, tuple(self.value(getattr(value, f.name)) for f in fields))
            self._records[id(value)] = key
        return key
