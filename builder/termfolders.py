"""Terms of one taxonomy whose pages would be written to one folder.

A term's page lives at TAXONOMY/SLUG/, and a slug keeps only lowercase ASCII letters, digits
and hyphens, so two terms the model keeps apart (tags "C#" and "c", "Kabul" and "kabul",
"Kabul" and "Кабул", Arabic-script words whose letters transliterate alike, an actor
site.yaml does not list and one it does) would share a folder, one page written over the
other. Validation reports each such pair where the later spelling is written, so that the
editor makes the two one term or tells them apart; the model is not left to guess.

The terms are counted event by event and kept between the live preview's rebuilds, so an
edit recounts only the events it changed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain, compress
from operator import attrgetter, is_not
from typing import TYPE_CHECKING

from builder import urls
from builder.model import Event, event_terms, term_slug

if TYPE_CHECKING:
    from builder.validate import FileEvents

#: Where an event was read: its file and its index among the file's events.
Place = tuple[str, int]


@dataclass(frozen=True)
class Clash:
    """Two terms of one taxonomy whose pages would share `folder` (`tags/c/`): `first` is
    met first in reading order, at `first_at`; `later` first comes at `later_at`."""

    taxonomy: str
    folder: str
    first: str
    first_at: Place
    later: str
    later_at: Place


@dataclass
class TermFolders:
    """How many valid events use each term, and the terms each folder would hold."""

    #: By events file, the group of records last counted.
    _groups: dict[str, FileEvents] = field(default_factory=dict)
    #: (taxonomy, key) -> how many counted events use the term.
    _uses: dict[tuple[str, str], int] = field(default_factory=dict)
    #: (taxonomy, slug) -> the keys in use whose page would be written there.
    _keys_at: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    #: The (taxonomy, slug) pairs that more than one key wants.
    _shared: set[tuple[str, str]] = field(default_factory=set)
    #: Whether drafts are counted: they are published only then (`--drafts`).
    _drafts: bool = False

    def distinct(self, groups: dict[str, FileEvents], drafts: bool = False) -> bool:
        """Whether no two terms of the events of these files (by file: every file's) that
        are published (drafts only with `drafts`) would share a folder, counted from the
        last call's count with the events that changed since: after an edit, the records
        of unchanged events are the very same."""
        if drafts != self._drafts:
            self._groups, self._uses, self._keys_at, self._shared = {}, {}, {}, set()
            self._drafts = drafts
        for file, group in self._groups.items():
            if file not in groups:
                self._count(group.records, -1)
        for file, group in groups.items():
            before = self._groups.get(file)
            if before is group:
                continue
            gone, added = _differing(before.records if before else [], group.records)
            self._count(gone, -1)
            self._count(added, 1)
        self._groups = dict(groups)
        return not self._shared

    def clashes(self, groups: list[FileEvents]) -> list[Clash]:
        """Each term that wants the folder of a term met before it, once, in reading order
        (as `distinct` last counted these groups)."""
        wanted = {
            (taxonomy, key): slug
            for taxonomy, slug in self._shared
            for key in self._keys_at[(taxonomy, slug)]
        }
        first: dict[tuple[str, str], tuple[str, Place]] = {}
        found: list[Clash] = []
        met: set[tuple[str, str]] = set()
        for place, event in _events(groups):
            if event.draft and not self._drafts:
                continue
            for term in event_terms(event):
                slug = wanted.get(term)
                if slug is None or term in met:
                    continue
                met.add(term)
                taxonomy, key = term
                earlier = first.setdefault((taxonomy, slug), (key, place))
                if earlier[0] != key:
                    folder = urls.term_path(taxonomy, slug)
                    found.append(Clash(taxonomy, folder, earlier[0], earlier[1], key, place))
        return found

    def _count(self, events: list[Event], step: int) -> None:
        if not self._drafts:
            events = [event for event in events if not event.draft]
        uses = self._uses
        for taxonomy, keys in _terms_counted(events).items():
            for key, times in keys.items():
                term = (taxonomy, key)
                n = uses.get(term, 0) + step * times
                if n:
                    uses[term] = n
                    if n == times and step > 0:
                        self._place(term, used=True)
                else:
                    del uses[term]
                    self._place(term, used=False)

    def _place(self, term: tuple[str, str], used: bool) -> None:
        """Note that the term came into use (`used`) or went out of it."""
        taxonomy, key = term
        at = (taxonomy, term_slug(key))
        keys = self._keys_at.setdefault(at, set())
        if used:
            keys.add(key)
        else:
            keys.discard(key)
        if len(keys) > 1:
            self._shared.add(at)
        else:
            self._shared.discard(at)
            if not keys:
                del self._keys_at[at]


#: How each taxonomy's keys are read from an event, but categories (one key or None).
_TERM_LISTS = {name: attrgetter(name) for name in ("countries", "actors", "tags")}


def _terms_counted(events: list[Event]) -> dict[str, Counter[str]]:
    """How many of these events use each term, by taxonomy: counted by Python's own loops,
    as the first build counts every event (10,000 one by one took a twentieth of
    validating them)."""
    counted = {
        name: Counter(chain.from_iterable(map(get, events))) for name, get in _TERM_LISTS.items()
    }
    categories = Counter(map(attrgetter("category"), events))
    categories.pop(None, None)
    categories.pop("", None)
    counted["categories"] = categories
    return counted


def _differing(before: list[Event], now: list[Event]) -> tuple[list[Event], list[Event]]:
    """The records of `before` that `now` does not hold and those `now` holds anew, by
    identity: the places that differ when no event was added or removed (an edit of one)."""
    if len(before) == len(now):
        places = list(compress(range(len(now)), map(is_not, before, now)))
        return [before[i] for i in places], [now[i] for i in places]
    in_now, in_before = set(map(id, now)), set(map(id, before))
    gone = [e for e in before if id(e) not in in_now]
    added = [e for e in now if id(e) not in in_before]
    return gone, added


def _events(groups: list[FileEvents]) -> Iterator[tuple[Place, Event]]:
    """Every valid event of these files with its place, in reading order."""
    for group in groups:
        for index, item in enumerate(group.items):
            if item[0] is not None:
                yield (item[1], index), item[0]
