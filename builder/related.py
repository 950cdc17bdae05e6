"""Related events for each event page: the same people and topics, close in time.

A reader who lands on one event from a search engine should find its context without
knowing the taxonomy: events that share its actors or tags (rare ones count more than
ubiquitous ones such as "Taliban"), then those close to it in time. Pure and bounded:
only chronological neighbours within each shared term are scored, so a timeline of
thousands of events stays fast.
"""

from __future__ import annotations

import math
from collections import defaultdict

from builder.model import Event, Timeline

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


def proximity(days: int) -> float:
    """A bonus between 1 (same day) and 0 (years apart) for closeness in time."""
    return 1.0 / (1.0 + abs(days) / 30.0)


def _windows(timeline: Timeline) -> dict[str, list[tuple[float, list[Event]]]]:
    """For each event id: (weight, nearby events) for every actor and tag it shares."""
    found: dict[str, list[tuple[float, list[Event]]]] = defaultdict(list)
    for taxonomy, base in WEIGHTS.items():
        for term in timeline.taxonomies.get(taxonomy, []):
            events = term.events
            if len(events) < 2:
                continue
            weight = base / math.log2(len(events) + 1)
            for index, event in enumerate(events):
                window = events[max(0, index - WINDOW) : index + WINDOW + 1]
                found[event.id].append((weight, window))
    return found


def related_events(timeline: Timeline, limit: int = 5) -> dict[str, list[Event]]:
    """Up to `limit` related events per event id, the most related first.

    Score: the weights of shared actors and tags, plus closeness in time, plus a little
    for the same category. Chronological neighbours are candidates even with nothing
    shared, so every event with others around it gets some context.
    """
    windows = _windows(timeline)
    days = {e.id: day_number(e) for e in timeline.events}
    result: dict[str, list[Event]] = {}
    for index, event in enumerate(timeline.events):
        scores: dict[str, float] = defaultdict(float)
        candidates: dict[str, Event] = {}
        for weight, window in windows.get(event.id, []):
            for other in window:
                if other.id != event.id:
                    scores[other.id] += weight
                    candidates[other.id] = other
        lo, hi = max(0, index - NEIGHBOURS), index + NEIGHBOURS + 1
        for other in timeline.events[lo:hi]:
            if other.id != event.id:
                candidates[other.id] = other
        for other_id, other in candidates.items():
            scores[other_id] += proximity(days[other_id] - days[event.id])
            if event.category and other.category == event.category:
                scores[other_id] += 0.5
        ranked = sorted(
            candidates.values(),
            key=lambda o: (-scores[o.id], abs(days[o.id] - days[event.id]), o.id),
        )
        result[event.id] = ranked[:limit]
    return result
