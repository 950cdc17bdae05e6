"""What each page depends on, as a key: equal keys mean the page's bytes are the same.

The live preview (`timeline serve`) keeps the previous build's pages and, after an edit,
re-renders only those whose key changed: the edited event's page, its neighbours, the
pages that list or relate to it, the feeds and exports. Keys are made from the values a
page's template receives (events by `Timeline.event_key`, articles by revision, terms by
their events), plus the *chrome*: what the shipped templates read from the whole site on
every page (the site settings, the number of events, the years and how they are named
(`years.chrome`), the page menu, the term and citation counts, the asset names).

A key is only as good as that list, so it is made for the templates shipped with the
builder, whose reads are known, and for a project's own templates only when they read
nothing more (`builder.template_reads`); otherwise every page is rendered again after each
change, as in a cold build. A value of a kind not known here makes the page's key None
(always render) rather than a guess.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from itertools import compress

from builder import years
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


class LazyKey:
    """A key made when it is first compared, from the build that planned it.

    The live preview's first build, and its build after a template change, plan 11,000
    pages and have no earlier build to compare their keys with. Ranking the related events
    that event pages' keys name took a third of the time before the first build could
    answer, and making the keys of every page half of planning a template change. So those
    builds' keys, but for the list pages', stand in as lazy ones: the next build compares
    only the few it planned again, the background makes the others once it has rendered
    the pages (which ranks the events anyway), and each is made from the planning build's
    own model, so it is the key that build would have made at once.
    """

    __slots__ = ("_make", "_value")

    def __init__(self, make: Callable[[], Hashable]):
        self._make: Callable[[], Hashable] | None = make
        self._value: Hashable = None

    def value(self) -> Hashable:
        """The key itself (made now if it was not yet): the build's model then goes."""
        make = self._make
        if make is not None:  # two threads may both make it: it is the same
            self._value = make()
            self._make = None
        return self._value

    def __eq__(self, other: object) -> bool:
        value = self.value()
        # None is no key (a page whose values cannot be keyed): it equals nothing, as the
        # eager None is never compared
        return value is not None and value == (other.value() if type(other) is LazyKey else other)

    def __hash__(self) -> int:
        return hash(self.value())

    def __repr__(self) -> str:
        return f"LazyKey({self.value()!r})"


@dataclass
class KeysMemo:
    """What one build's page keys leave to the next build's (the live preview keeps one)."""

    #: The last build's chrome: an equal chrome is replaced by this very object, as
    #: unchanged events' keys are by the model (`Timeline.event_keys`), so comparing two
    #: builds' keys mostly stops at "same object" instead of walking them.
    chrome: Hashable = None
    #: The timeline the last build's keys were made for.
    timeline: Timeline | None = None
    #: The keys of long lists by the place that shows them (a list page), with the list.
    lists: dict[Hashable, tuple[list[Event], tuple]] = field(default_factory=dict)


class PageKeys:
    """Makes the keys of one build's pages; one per planned build.

    `memo` holds what the previous build's keys leave to this one (see `KeysMemo`).
    """

    def __init__(self, timeline: Timeline, assets: dict[str, str], memo: KeysMemo | None = None):
        self.timeline = timeline
        # Events' keys are the timeline's, made once per event (`Timeline.event_keys`): the
        # very objects of the previous build for unchanged events in the live preview.
        self._events = timeline.event_keys
        chrome = self._chrome(timeline, assets)
        self.chrome = chrome
        self._memo = memo
        if memo is not None:
            if memo.chrome == chrome:
                self.chrome = memo.chrome
            if not _records_keep_their_keys(memo.timeline, timeline):
                memo.lists.clear()
            memo.chrome, memo.timeline = self.chrome, timeline
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
            years.chrome(timeline),
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

    def events(self, events: list[Event], place: Hashable = None) -> tuple:
        """The keys of these events, in order; `place` names where a long list is shown (a
        list page's path), so that the next build can start from these keys."""
        if len(events) < LONG_LIST:
            return self._keys_of(events)
        hit = self._lists.get(id(events))
        if hit is None or hit[0] is not events:
            memo = self._memo if place is not None else None
            keys = self._kept_keys(memo.lists.get(place), events) if memo is not None else None
            hit = self._lists[id(events)] = (events, keys or self._keys_of(events))
            if memo is not None:
                memo.lists[place] = hit
        return hit[1]

    def _kept_keys(self, before: tuple[list[Event], tuple] | None, events: list[Event]):
        """The keys of `events` made from those of the list the last build showed in the same
        place, when it held the same records in the same places but a few; else None.

        After an edit, each list showing the edited event is planned again, page by page: a
        common term's pages hold thousands of events, and looking each event's key up cost
        a microsecond (the records and keys are scattered in memory), where comparing two
        lists' records costs a twentieth of that. A record still there keeps its key (see
        `_records_keep_their_keys`).
        """
        if before is None or len(before[0]) != len(events):
            return None
        differ = list(compress(range(len(events)), map(operator.is_not, before[0], events)))
        if len(differ) * 8 > len(events):
            return None
        if not differ:
            return before[1]
        keys = list(before[1])
        for i in differ:
            keys[i] = self.event(events[i])
        return tuple(keys)

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
        label, link, number of events and when they run from and to (`Term.span`), as
        written: the words said for those dates as well as the text shown); the events a
        page lists come in a value of their own, so an edit does not touch every page that
        shows the filters."""
        first, last = term.span() if term.events else (None, None)
        return (
            "term",
            term.taxonomy,
            term.key,
            term.label,
            term.slug,
            len(term.events),
            first and first.text,
            last and last.text,
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


def _records_keep_their_keys(before: Timeline | None, after: Timeline) -> bool:
    """Whether every event record both timelines hold has the same key in both: the model
    names the events an edit added, removed or gave a new key (`Timeline.changed_since`),
    and a new key for a record left in place means an article it cites changed."""
    changed = after.changed_since(before) if before is not None else None
    if changed is None:
        return False
    old, new = before.events_by_id, after.events_by_id
    return all(new.get(i) is None or old.get(i) is not new.get(i) for i in changed)
