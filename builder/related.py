"""Related events for each event page: the same people and topics, close in time.

A reader who lands on one event from a search engine should find its context without
knowing the taxonomy: events that share its actors or tags (rare ones count more than
ubiquitous ones such as "Taliban"), then those close to it in time. Pure and bounded:
only chronological neighbours within each shared term are scored, so a timeline of
thousands of events stays fast.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator, Sequence
from functools import cached_property
from operator import attrgetter

from builder.model import Event, Timeline, same_in_place

_ID = attrgetter("id")

#: How many events of a shared actor or tag, on each side in time, are considered.
WINDOW = 25
#: How many neighbours in the whole chronology, on each side, are considered.
NEIGHBOURS = 3
#: Base weight of a shared term, before its rarity is taken into account.
WEIGHTS = {"actors": 2.0, "tags": 1.5}


def day_number(event: Event) -> int:
    """A day count for the event's start, for distances (approximate for odd dates)."""
    if event.date.earliest is not None:
        return event.date.earliest.toordinal()
    return int(event.date.year * 365.25)


class RelatedEvents:
    """Related events found one event at a time, when its page is rendered.

    Finding them for all events before rendering would hold up every render process and
    every live-preview rebuild; one event's related events need only the windows around it
    in its own actors and tags, found through indexes built once per timeline.
    """

    def __init__(
        self,
        timeline: Timeline,
        limit: int | None = None,
        known: dict[str, list[str]] | None = None,
        previous: RelatedEvents | None = None,
        ahead: int = 1,
    ):
        self.timeline = timeline
        #: How many related events each event gets: the site's `related_events` unless given.
        self.limit = timeline.site.related_events if limit is None else limit
        #: How many events, from the one asked for on in time, are ranked at a time: a cold
        #: build renders the event pages in order (see `render.work_groups`), and ranking a
        #: run of neighbours at once, while their windows are in the processor's caches, cost
        #: half as much as ranking each between two pages.
        self.ahead = ahead
        #: Related event ids found so far (or carried over from the previous build by the
        #: live preview, for events an edit cannot have affected: see `affected_by`).
        self.found: dict[str, list[str]] = dict(known or {})
        #: The indexes the finder of the live preview's previous build made: entries for the
        #: very same term lists and events are taken over (the preview's model keeps them).
        made = previous.__dict__ if previous is not None else {}
        self._before = {name: made[name] for name in self._CARRIED if name in made}
        self._chronology_before = (
            (made["_chronology"], previous.timeline.events) if "_chronology" in made else None
        )
        self._facts_by_term: dict[tuple[str, str], tuple[list[int], list[str | None]]] = {}

    #: The indexes a finder can take over from the previous build's (see `__init__`).
    _CARRIED = ("_by_id", "_terms", "_term_ids", "_facts")

    @cached_property
    def _by_id(self) -> dict[str, Event]:
        return self.timeline.events_by_id

    @cached_property
    def _terms(self) -> dict[tuple[str, str], tuple[list[Event], dict[str, int]]]:
        """Each actor and tag: its events and every event's position among them."""
        before = self._before.get("_terms", {})
        terms = {}
        for taxonomy in WEIGHTS:
            for term in self.timeline.taxonomies.get(taxonomy, []):
                if len(term.events) >= 2:
                    hit = before.get((taxonomy, term.key))
                    if hit is None or hit[0] is not term.events:
                        hit = (term.events, {e.id: i for i, e in enumerate(term.events)})
                    terms[(taxonomy, term.key)] = hit
        return terms

    @cached_property
    def _chronology(self) -> dict[str, int]:
        """Each event's place in time by id: the previous finder's while every place holds
        an event of the same id as before (an edit that moved nothing in time), told by
        looking only at the places where the event is not the very same record."""
        events = self.timeline.events
        carried, self._chronology_before = self._chronology_before, None
        if carried is not None and same_in_place(carried[1], events, _ID, self.timeline.replaced):
            return carried[0]
        return {e.id: i for i, e in enumerate(events)}

    def place(self, event_id: str) -> int | None:
        """The place of the event with this id in the timeline's order, if it is there."""
        return self._chronology.get(event_id)

    def _shared_terms(self, event: Event) -> Iterator[tuple[tuple[str, str], list, list]]:
        """((taxonomy, key), the term's events, the window around this event in them) for
        every actor and tag the event shares with others."""
        for term, _, start, end in self._windows(event):
            events = self._terms[term][0]
            yield term, events, events[start:end]

    @cached_property
    def _term_ids(self) -> dict[tuple[str, str], list[str]]:
        """Each actor's and tag's event ids, in the order of `_terms`."""
        before, ids = self._before.get("_terms", {}), self._before.get("_term_ids", {})
        return {
            term: ids[term] if term in ids and before[term][0] is events else [e.id for e in events]
            for term, (events, _) in self._terms.items()
        }

    def _windows(self, event: Event) -> Iterator[tuple[tuple[str, str], float, int, int]]:
        """(term, weight, start, end) for every actor and tag the event shares with others:
        the term's events from `start` to `end` are the window around it. Rare terms weigh
        more than ubiquitous ones."""
        for taxonomy, keys in (("actors", event.actors), ("tags", event.tags)):
            for key in keys:
                hit = self._terms.get((taxonomy, key))
                if hit is not None:
                    events, positions = hit
                    index = positions[event.id]
                    weight = WEIGHTS[taxonomy] / math.log2(len(events) + 1)
                    yield (taxonomy, key), weight, max(0, index - WINDOW), index + WINDOW + 1

    def _term_facts(self, term: tuple[str, str]) -> tuple[list[int], list[str | None]]:
        """The day numbers and the categories of a term's events, in the term's order, made
        when one of its events is first ranked.

        Scoring read each candidate's facts from a table of every event, in no order: a
        cache miss or two per candidate, over half of ranking. A window's facts are now read
        in a run, as its ids are.
        """
        made = self._facts_by_term.get(term)
        if made is None:
            facts = [self._facts[i] for i in self._term_ids[term]]
            made = self._facts_by_term[term] = ([f[0] for f in facts], [f[1] for f in facts])
        return made

    def _neighbours(self, event: Event) -> list[Event]:
        """The events just before and after this one in the whole chronology (and itself)."""
        index = self._chronology[event.id]
        return self.timeline.events[max(0, index - NEIGHBOURS) : index + NEIGHBOURS + 1]

    def of(self, event: Event) -> list[Event]:
        """Up to `limit` related events of `event`, the most related first (see `rank`)."""
        if self.limit <= 0:  # the site shows none: nothing to rank
            return []
        ids = self.found.get(event.id)
        if ids is None:
            ids = self.found[event.id] = [other.id for other in self.rank(event)]
            if self.ahead > 1:
                self._rank_ahead(event)
        return [self._by_id[i] for i in ids]

    def _rank_ahead(self, event: Event) -> None:
        """Rank the `ahead` events that follow `event` in time, those not ranked yet."""
        start = self._chronology[event.id] + 1
        found = self.found
        for other in self.timeline.events[start : start + self.ahead - 1]:
            if other.id not in found:
                found[other.id] = [e.id for e in self.rank(other)]

    @cached_property
    def _facts(self) -> dict[str, tuple[int, str | None]]:
        """Each event's day number and category: all that scoring reads of a candidate."""
        before, known = self._before.get("_facts", {}), self._before.get("_by_id", {})
        facts = {}
        for e in self.timeline.events:
            hit = before.get(e.id)
            facts[e.id] = (
                hit if hit is not None and known.get(e.id) is e else (day_number(e), e.category)
            )
        return facts

    def rank(self, event: Event) -> list[Event]:
        """Up to `limit` related events of `event`, the most related first.

        Score: the weights of shared actors and tags, plus closeness in time (1 on the same
        day, 1/2 a month apart, near 0 years apart), plus a little for the same category.
        Chronological neighbours are candidates even with nothing shared, so every event
        with others around it gets some context.
        """
        scores: dict[str, float] = {}
        get = scores.get
        term_ids, facts = self._term_ids, self._facts
        # Each window's ids with their day numbers and categories, then the neighbours'.
        runs: list[tuple[Sequence[str], Sequence[int], Sequence[str | None]]] = []
        for term, weight, start, end in self._windows(event):
            window = term_ids[term][start:end]
            for other_id in window:
                scores[other_id] = get(other_id, 0.0) + weight
            days, categories = self._term_facts(term)
            runs.append((window, days[start:end], categories[start:end]))
        for other in self._neighbours(event):
            if other.id not in scores:
                scores[other.id] = 0.0
                day, other_category = facts[other.id]
                runs.append(((other.id,), (day,), (other_category,)))
        scores.pop(event.id, None)
        here, category = facts[event.id]
        ranked = []
        take = scores.pop
        for window, days, categories in runs:
            for other_id, day, other_category in zip(window, days, categories):  # noqa: B905  (one length)
                score = take(other_id, None)
                if score is None:  # the event itself, or scored from an earlier window
                    continue
                days_apart = day - here if day >= here else here - day
                score += 1.0 / (1.0 + days_apart / 30.0)
                if category and other_category == category:
                    score += 0.5
                ranked.append((-score, days_apart, other_id))
        # Ids are unique, so these keys order the candidates totally: the first `limit` are
        # those a full sort would put first, in whatever order they were scored.
        by_id = self._by_id
        return [by_id[entry[2]] for entry in heapq.nsmallest(self.limit, ranked)]


def ranking(event: Event | None) -> tuple | None:
    """What choosing related events reads of an event: a change elsewhere (its title, its
    summary) can change how a related event is shown, never which ones are chosen."""
    if event is None:
        return None
    return (event.date, event.category, tuple(event.actors), tuple(event.tags))


def affected_by(old: RelatedEvents, new: RelatedEvents, changed: set[str]) -> set[str]:
    """Ids of events whose related events may differ between two builds, given the ids of
    the events added, removed or changed between them.

    Windows are symmetric (an event is in another's window of a term exactly when that
    one is in its window), so only the windows around each changed event, in the old and
    the new timeline, can change; a term that gained or lost events changes weight for
    every event in it.
    """
    affected = set(changed)
    for finder, other in ((old, new), (new, old)):
        for event_id in changed:
            event = finder._by_id.get(event_id)
            if event is None:
                continue
            affected.update(e.id for e in finder._neighbours(event))
            for term, members, window in finder._shared_terms(event):
                twin = other._terms.get(term)
                resized = twin is None or len(twin[0]) != len(members)
                affected.update(e.id for e in (members if resized else window))
    return affected


def related_events(timeline: Timeline, limit: int = 5) -> dict[str, list[Event]]:
    """Up to `limit` related events for every event id (see `RelatedEvents.of`)."""
    finder = RelatedEvents(timeline, limit)
    return {event.id: finder.of(event) for event in timeline.events}
