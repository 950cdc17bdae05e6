"""Read a project folder into plain data, remembering where every value came from.

Loading is the only stage that touches the content files. It keeps the line and column
of every YAML value (from the marks of PyYAML's C parser events, read in one pass) so that
validation, much later, can point an editor at the exact place of a mistake. It never
trusts the input: only safe YAML tags, no symlinks out of the project, a cap on alias
expansion and on nesting, UTF-8 or a clear error.
"""

from __future__ import annotations

import errno
import operator
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePath
from typing import NamedTuple

import yaml

from builder.diagnostics import ERROR, Report
from builder.regular import NotRegular, describe, read_regular

try:  # the C loader is several times faster; fall back to pure Python where it is missing
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

#: How many values the aliases (*name) of one YAML file may add; stops "billion laughs"
#: alias bombs before anything is expanded. Values written out in full are not counted.
MAX_ALIAS_VALUES = 100_000
#: How deeply lists and mappings may nest. Content needs a handful of levels; the limit
#: keeps absurd nesting from exhausting the stack (the C composer would crash on it).
MAX_DEPTH = 64
_TOO_DEEP = f"lists and mappings are nested more than {MAX_DEPTH} levels deep here: flatten them"

_STR = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {
    _STR,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_INT = "tag:yaml.org,2002:int"
#: A plain int as a reader means it: digits in base ten, whatever zeros lead them.
_DECIMAL = re.compile(r"[-+]?[0-9]+")
_MERGE = "tag:yaml.org,2002:merge"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


@dataclass(frozen=True)
class Pos:
    """A 1-based line and column in a source file."""

    line: int
    col: int


class YamlMap(dict):
    """A mapping read from YAML that knows where it, each key and each value stand.

    Keys' and values' places are kept as (line, col) pairs, a Pos made only when asked for:
    a 10,000-event project has half a million of them, and validation asks for few. Slots,
    not a dict per mapping: the live preview keeps every parsed file.
    """

    __slots__ = ("pos", "key_pos", "value_pos")
    pos: Pos
    key_pos: dict[str, tuple[int, int]]
    value_pos: dict[str, tuple[int, int]]

    def at(self, key: str) -> Pos:
        """Where the value of `key` stands, or the mapping itself when the key is absent."""
        place = self.value_pos.get(key)
        return self.pos if place is None else Pos(*place)

    def key_at(self, key: str) -> Pos:
        """Where the key itself stands."""
        place = self.key_pos.get(key)
        return self.pos if place is None else Pos(*place)


class YamlList(list):
    """A sequence read from YAML that knows where it and each item stand."""

    __slots__ = ("pos", "item_pos")
    pos: Pos
    item_pos: list[tuple[int, int]]  # (line, col) pairs, as in YamlMap

    def at(self, index: int) -> Pos:
        """Where item `index` stands."""
        return Pos(*self.item_pos[index]) if index < len(self.item_pos) else self.pos


@dataclass
class SourceFile:
    """One content file: its path relative to the project, and its fingerprint for caching."""

    #: Its path on disk, as a string: the live preview lists every file at each rebuild, and
    #: a `Path` per file cost more than the listing itself.
    path: str
    rel: str
    mtime_ns: int
    size: int


@dataclass
class RawSite:
    """content/site.yaml as read, before validation."""

    file: str
    data: YamlMap | None
    #: Whether site.yaml is there but could not be used (an error says why): its settings,
    #: the categories among them, are then unknown, where a missing or empty one has none.
    broken: bool = False


@dataclass
class RawArticle:
    """An article as read: front matter (or fields taken from a clipping) and Markdown body."""

    id: str
    file: str
    kind: str  # "md" or "txt"
    meta: YamlMap
    body: str
    body_line: int
    title_derived: bool = False
    #: Clipping warnings to report with the file's path: (line, col, message).
    warnings: list[tuple[int, int, str]] = field(default_factory=list)


@dataclass
class RawEvent:
    """One event mapping as read from an events file."""

    file: str
    index: int
    data: YamlMap


@dataclass
class RawPage:
    """A free-standing page (content/pages/NAME.md), such as an About page."""

    id: str
    file: str
    meta: YamlMap
    body: str
    body_line: int


class Released:
    """Stands for the events of an unchanged events file whose parse the live preview let go
    once validation had made its records (see `FileCache.release_events`): validation knows
    the file by this very object and reuses its records; if it needs the events themselves
    (site.yaml's vocabularies or the set of articles changed), it asks for the file to be
    read again (`validate.NeedsReading`)."""

    __slots__ = ()


class SameEvent(NamedTuple):
    """Stands for one event of an edited events file whose text and place in the file are
    those of the file's last read, so that it was not parsed again (see `Outline`):
    validation reuses what it made of the event at that place. Only a `FileCache` made
    with `outlines=True` hands these out; its caller's validation keeps every file's
    records (the live preview's `ValidationCache`)."""

    file: str
    index: int
    #: The file's events as last read (or the `Released` marker standing for them): what
    #: validation must have made its records from to reuse them.
    read: object


@dataclass
class RawProject:
    """Everything read from a project folder, ready for validation."""

    root: Path
    site: RawSite
    articles: list[RawArticle] = field(default_factory=list)
    pages: list[RawPage] = field(default_factory=list)
    files: list[SourceFile] = field(default_factory=list)
    #: Each events file that reads cleanly, with its events, or `Released` (the live
    #: preview's unchanged files whose events are not kept), in reading order.
    event_files: list[tuple[str, list[RawEvent] | Released]] = field(default_factory=list)

    @property
    def events(self) -> list[RawEvent]:
        """The events of every events file read (not released, not standing in for events
        read before), in reading order."""
        return [
            e
            for _, events in self.event_files
            if type(events) is list
            for e in events
            if type(e) is RawEvent
        ]


class ClippingProblems(Exception):
    """Every error found in one raw clipping, reported together."""

    def __init__(self, problems: list[tuple[int, int, str]]):
        super().__init__(problems[0][2])
        self.problems = problems


class YamlProblem(Exception):
    """A YAML file that cannot be read as data; carries the position to report."""

    def __init__(self, line: int, col: int, message: str):
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


def _mark_pos(mark: yaml.Mark, line_offset: int) -> Pos:
    return Pos(mark.line + 1 + line_offset, mark.column + 1)


def _plain_tag(value: str, resolvers: dict) -> str:
    """The tag PyYAML's resolver gives a plain (unquoted, untagged) scalar."""
    for candidates in (resolvers.get(value[0] if value else ""), resolvers.get(None)):
        for tag, regexp in candidates or ():
            if regexp.match(value):
                return tag
    return _STR


def _scalar_value(event: yaml.ScalarEvent, tag: str, pos: tuple[int, int]) -> object:
    """The Python value of a scalar: its text for strings and dates (dates stay text: the
    EDTF parser reads them and reports impossible ones by position), else what PyYAML's
    safe constructor makes of it."""
    if tag in (_STR, _TIMESTAMP):
        return event.value
    if tag == _INT and event.tag is None:
        return _plain_int(event.value)
    if tag not in _SCALAR_TAGS:
        raise YamlProblem(*pos, f"the YAML tag {tag!r} is not allowed: remove it")
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    try:
        return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, node)
    except (ValueError, yaml.YAMLError) as exc:
        raise YamlProblem(*pos, f"cannot read {event.value!r}: {exc}") from None
    except (LookupError, TypeError):  # `!!bool maybe`, `!!int ""`: the tag forces a misfit
        kind = tag.rsplit(":", 1)[-1]
        raise YamlProblem(
            *pos, f"cannot read {event.value!r} as a {kind}: remove the !!{kind} tag"
        ) from None


def _plain_int(text: str) -> int | str:
    """An unquoted int as YAML 1.2 and its reader take it, where PyYAML's YAML 1.1 differs:
    `0750` is 750 (not octal 488: `date: 0750` was the year 488, `-0050` 41 BCE), and
    `1_000` or `1:30` stay text (not 1000 or 90), which a field that wants a number or
    a date then refuses by name. Hexadecimal and binary (`0x1F`) keep PyYAML's reading."""
    if _DECIMAL.fullmatch(text):
        return int(text, 10)
    if "_" in text or ":" in text:
        return text
    return _CONSTRUCTOR.construct_yaml_int(yaml.ScalarNode(_INT, text))


def _check_key(tag: str, is_scalar: bool, pos: tuple[int, int]) -> None:
    """Refuse a merge key (<<) and a key that is a list or mapping."""
    if tag == _MERGE:
        raise YamlProblem(*pos, "YAML merge keys (<<) are not supported")
    if not is_scalar:
        raise YamlProblem(*pos, "a key must be a plain word, not a list or mapping")


def _collection(tag: str, is_map: bool, pos: tuple[int, int]) -> YamlMap | YamlList:
    """An empty positioned mapping or list, if its tag is the plain one."""
    if tag != (_MAP if is_map else _SEQ):
        raise YamlProblem(*pos, f"the YAML tag {tag!r} is not allowed: remove it")
    if is_map:
        return _empty_map(Pos(*pos))
    items = YamlList()
    items.pos, items.item_pos = Pos(*pos), []
    return items


def _shell(value: object) -> object:
    """A scalar itself; for a mapping or list, an empty one with the same positions."""
    if isinstance(value, YamlMap):
        copy = _empty_map(value.pos)
        copy.key_pos, copy.value_pos = dict(value.key_pos), dict(value.value_pos)
        return copy
    if isinstance(value, YamlList):
        items = YamlList()
        items.pos, items.item_pos = value.pos, list(value.item_pos)
        return items
    return value


def _copy(value: object) -> object:
    """A deep copy of an anchored value for one of its aliases, positions and all (as the
    composed tree gave each alias its own values). Iterative: aliases of aliases can nest
    deeper than Python recursion goes."""
    top = _shell(value)
    pending = [(value, top)] if top is not value else []
    while pending:
        source, target = pending.pop()
        pairs = source.items() if isinstance(source, YamlMap) else enumerate(source)
        for key, item in pairs:
            child = _shell(item)
            if isinstance(target, YamlMap):
                target[key] = child
            else:
                target.append(child)
            if child is not item:
                pending.append((item, child))
    return top


class _Open:
    """A list or mapping whose end has not been read yet."""

    __slots__ = ("anchor", "size", "value", "pos", "is_map", "key", "key_pos")

    def __init__(self, anchor: str | None, is_map: bool, pos: tuple[int, int]) -> None:
        self.anchor = anchor
        self.size = 1  # how many values it expands to so far, itself included
        self.value: YamlMap | YamlList | None = None
        self.pos = pos
        self.is_map = is_map
        self.key: object = _NO_KEY  # a mapping's key waiting for its value
        self.key_pos: tuple[int, int] | None = None


_NO_KEY = object()


class _EventReader:
    """Positioned values built straight from one YAML event stream, in one pass.

    Problems take precedence as they always have: a syntax error, nesting deeper than
    MAX_DEPTH or an alias bomb is raised where the stream meets it, wherever it is; else
    the first thing PyYAML's composer refuses (an undefined or repeated anchor, a second
    document); else the first value that cannot be read (an unsafe tag, a duplicate key, a
    merge key, a scalar its type cannot hold). The last two are held until the stream ends.
    """

    def __init__(self, line_offset: int) -> None:
        self.offset = line_offset
        self.resolvers = _Loader.yaml_implicit_resolvers
        self.plain_tags: dict[str, str] = {}
        self.open: list[_Open] = []
        self.sizes: dict[str, int] = {}  # anchor -> how many values its node expands to
        self.added = 0  # values added by aliases so far
        self.documents = 0
        self.root_mark: yaml.Mark | None = None
        self.root: object = None
        self.anchor_marks: dict[str, yaml.Mark] = {}  # the composer's anchors, first document
        self.anchored: dict[str, tuple[object, tuple[int, int], bool]] = {}  # value, place, scalar?
        self.composer_error: yaml.MarkedYAMLError | None = None
        self.value_error: YamlProblem | None = None
        self.composing = True  # until the composer would have stopped
        self.building = True  # until composing stops or a value cannot be read

    def read(self, parser: yaml.CSafeLoader) -> object:
        """The document's value, or the problem that takes precedence."""
        scalar, alias = yaml.ScalarEvent, yaml.AliasEvent
        starts = {yaml.MappingStartEvent: True, yaml.SequenceStartEvent: False}
        ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
        while True:
            event = parser.get_event()
            kind = type(event)
            if kind is scalar:
                self._on_scalar(event)
            elif kind in ends:
                self._on_end()
            elif kind in starts:
                self._on_start(event, starts[kind])
            elif kind is alias:
                self._on_alias(event)
            elif kind is yaml.DocumentStartEvent:
                self._on_document(event)
            elif kind is yaml.StreamEndEvent:
                break
        if self.composer_error is not None:
            raise self.composer_error
        if self.value_error is not None:
            raise self.value_error
        return self.root

    def _on_scalar(self, event: yaml.ScalarEvent) -> None:
        anchor = event.anchor
        if self.open:
            parent = self.open[-1]
            parent.size += 1
        else:
            parent = None
            if self.root_mark is None:
                self.root_mark = event.start_mark
        if anchor is not None:
            self.sizes[anchor] = 1
            if self.composing and not self._register(anchor, event.start_mark):
                return
        if not self.building:
            return
        mark = event.start_mark
        pos = (mark.line + 1 + self.offset, mark.column + 1)
        tag = event.tag
        if tag is None or tag == "!":
            tag = self._resolved(event.value) if event.implicit[0] else _STR
        try:
            if parent is not None and parent.is_map and parent.key is _NO_KEY:
                _check_key(tag, True, pos)
                value = event.value if tag == _STR else _scalar_value(event, tag, pos)
                self._take_key(parent, value, pos)
            else:
                value = event.value if tag == _STR else _scalar_value(event, tag, pos)
                self._add(parent, value, pos)
        except YamlProblem as problem:
            self._stop(problem)
            return
        if anchor is not None:
            self.anchored[anchor] = (value, pos, True)

    def _resolved(self, text: str) -> str:
        """The tag of a plain scalar, remembered per text (keys repeat in every event)."""
        tag = self.plain_tags.get(text)
        if tag is None:
            tag = self.plain_tags[text] = _plain_tag(text, self.resolvers)
        return tag

    def _on_start(self, event: yaml.CollectionStartEvent, is_map: bool) -> None:
        if len(self.open) >= MAX_DEPTH:
            p = _mark_pos(event.start_mark, self.offset)
            raise YamlProblem(
                p.line,
                p.col,
                _TOO_DEEP,
            )
        if not self.open and self.root_mark is None:
            self.root_mark = event.start_mark
        mark = event.start_mark
        pos = (mark.line + 1 + self.offset, mark.column + 1)
        frame = _Open(event.anchor, is_map, pos)
        parent = self.open[-1] if self.open else None
        self.open.append(frame)
        if not self.composing or not self._register(event.anchor, event.start_mark):
            return
        if not self.building:
            return
        tag = event.tag
        if tag is None or tag == "!":
            tag = _MAP if is_map else _SEQ
        try:
            if parent is not None and parent.is_map and parent.key is _NO_KEY:
                _check_key(tag, False, pos)
            frame.value = _collection(tag, is_map, pos)
        except YamlProblem as problem:
            self._stop(problem)

    def _on_end(self) -> None:
        frame = self.open.pop()
        if frame.anchor is not None:
            self.sizes[frame.anchor] = frame.size
        parent = self.open[-1] if self.open else None
        if parent is not None:
            parent.size += frame.size
        if not self.building:
            return
        value = frame.value
        try:
            self._add(parent, value, frame.pos)
        except YamlProblem as problem:  # pragma: no cover - a collection never fails a key
            self._stop(problem)
            return
        if frame.anchor is not None:
            self.anchored[frame.anchor] = (value, frame.pos, False)

    def _on_alias(self, event: yaml.AliasEvent) -> None:
        anchor = event.anchor
        if any(frame.anchor == anchor for frame in self.open):
            p = _mark_pos(event.start_mark, self.offset)
            raise YamlProblem(
                p.line, p.col, f"the alias *{anchor} is used inside the value it names: remove it"
            )
        size = self.sizes.get(anchor)
        if size is not None:
            self.added += size
            if self.added > MAX_ALIAS_VALUES:
                p = _mark_pos(event.start_mark, self.offset)
                raise YamlProblem(
                    p.line,
                    p.col,
                    f"the aliases in this file expand to more than {MAX_ALIAS_VALUES:,} values "
                    "(a YAML alias bomb?): write the values out instead of using *aliases",
                )
            if self.open:
                self.open[-1].size += size
        if not self.composing:
            return
        if anchor not in self.anchor_marks:
            self._composer_failed(
                yaml.composer.ComposerError(None, None, "found undefined alias", event.start_mark)
            )
            return
        if not self.building:
            return
        value, pos, is_scalar = self.anchored[anchor]
        try:
            parent = self.open[-1] if self.open else None
            if parent is not None and parent.is_map and parent.key is _NO_KEY:
                _check_key(_STR, is_scalar, pos)
                self._take_key(parent, value, pos)
            else:
                self._add(parent, _copy(value), pos)
        except YamlProblem as problem:
            self._stop(problem)

    def _on_document(self, event: yaml.DocumentStartEvent) -> None:
        self.documents += 1
        if self.documents == 2 and self.composing:
            self._composer_failed(
                yaml.composer.ComposerError(
                    "expected a single document in the stream",
                    self.root_mark,
                    "but found another document",
                    event.start_mark,
                )
            )

    def _register(self, anchor: str | None, mark: yaml.Mark) -> bool:
        """Note a node's anchor as the composer does; False when it names one already."""
        if anchor is None:
            return True
        first = self.anchor_marks.get(anchor)
        if first is not None:
            self._composer_failed(
                yaml.composer.ComposerError(
                    "found duplicate anchor; first occurrence", first, "second occurrence", mark
                )
            )
            return False
        self.anchor_marks[anchor] = mark
        return True

    def _take_key(self, parent: _Open, key: object, pos: tuple[int, int]) -> None:
        key = key if isinstance(key, str) else str(key)
        if key in parent.value:
            first_line = parent.value.key_pos[key][0]
            raise YamlProblem(*pos, f"duplicate key {key!r} (first given on line {first_line})")
        parent.key, parent.key_pos = key, pos

    def _add(self, parent: _Open | None, value: object, pos: tuple[int, int]) -> None:
        if parent is None:
            self.root = value
        elif not parent.is_map:
            parent.value.append(value)
            parent.value.item_pos.append(pos)
        else:
            mapping, key = parent.value, parent.key
            mapping[key] = value
            mapping.key_pos[key] = parent.key_pos
            mapping.value_pos[key] = pos
            parent.key = _NO_KEY

    def _stop(self, problem: YamlProblem) -> None:
        self.building = False
        if self.value_error is None:
            self.value_error = problem

    def _composer_failed(self, error: yaml.MarkedYAMLError) -> None:
        self.composing = self.building = False
        self.composer_error = error


#: Each folder of content/ and the suffixes of the files a build reads in it.
CONTENT_SUFFIXES = {"articles": (".md", ".txt"), "events": (".yaml", ".yml"), "pages": (".md",)}


def content_kind(path: Path) -> str | None:
    """The folder of content/ a build reads `path` from ("articles", "events", "pages"),
    or None for a file no build reads: elsewhere, or with a suffix its folder skips."""
    folder = path.resolve().parent
    if folder.parent.name != "content" or path.suffix not in CONTENT_SUFFIXES.get(folder.name, ()):
        return None
    return folder.name


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, line_offset: int) -> YamlProblem:
    """The syntax error positioned where the fix goes, in words that say what to change."""
    if "maximum nesting depth" in (exc.problem or ""):
        return _nesting_problem(exc.problem_mark, text, line_offset)
    ended = _quote_ended_early(exc, text)
    if ended is not None:
        return _quote_problem(*ended, line_offset)
    mark = exc.problem_mark or exc.context_mark
    if exc.context_mark and (
        "quoted scalar" in (exc.context or "") or "expected ':'" in (exc.problem or "")
    ):
        mark = exc.context_mark  # the quote left open, the line without a colon
    pos = _mark_pos(mark, line_offset) if mark else Pos(1 + line_offset, 1)
    return YamlProblem(pos.line, pos.col, _syntax_message(exc, text, line_offset))


def _nesting_problem(mark: yaml.Mark | None, text: str, line_offset: int) -> YamlProblem:
    """Nesting too deep, where the values first go deeper than MAX_DEPTH.

    libyaml 0.2.6 and later refuse nesting past their own limit (1,000 levels), and their
    scanner, reading ahead of the events, can meet it before the events reach this
    module's lower one. The text up to where libyaml stopped holds the place where they do.
    """
    if mark is None:
        return YamlProblem(1 + line_offset, 1, _TOO_DEEP)
    stop = sum(len(line) + 1 for line in text.split("\n")[: mark.line]) + mark.column
    if stop < len(text):  # the text before the mark nests less deeply than libyaml allows
        try:
            _parsed(text[:stop], line_offset)
        except YamlProblem as found:
            if found.message == _TOO_DEEP:
                return found
    pos = _mark_pos(mark, line_offset)
    return YamlProblem(pos.line, pos.col, _TOO_DEEP)


def _quote_ended_early(
    exc: yaml.MarkedYAMLError, text: str
) -> tuple[yaml.Mark, yaml.Mark, str] | None:
    """(where a quoted text opened, where it closed, its quote) when the parser stopped at
    text right after it: `title: 'Taliban's order'` ends the quoted text at the apostrophe,
    and PyYAML reports only "did not find expected key" at `s order'`."""
    problem = exc.problem_mark
    if problem is None or not any(
        f"expected {what}" in (exc.problem or "") for what in ("<block end>", "key", "'-'")
    ):
        return None
    last = None
    try:
        for token in yaml.scan(text, Loader=_Loader):
            if (token.start_mark.line, token.start_mark.column) >= (problem.line, problem.column):
                break
            last = token
    except yaml.YAMLError:
        pass
    if not isinstance(last, yaml.ScalarToken) or last.style not in ("'", '"'):
        return None
    end = last.end_mark
    lines = text.split("\n")
    line = lines[problem.line] if problem.line < len(lines) else ""
    if end.line != problem.line or line[end.column : problem.column].strip():
        return None
    return last.start_mark, end, last.style


def _quote_problem(start: yaml.Mark, end: yaml.Mark, quote: str, line_offset: int) -> YamlProblem:
    """What to do about a quoted text that a quote inside it ended early, or that runs on
    over a line break to the next quote: the message for `_quote_ended_early`."""
    if start.line != end.line:
        opened = _mark_pos(start, line_offset)
        closed = _mark_pos(end, line_offset)
        return YamlProblem(
            opened.line,
            opened.col,
            f"the text quoted here runs on to the {quote} on line {closed.line}, column "
            f"{closed.col - 1}: add its closing {quote} on line {opened.line}",
        )
    inside = "write it twice ('')" if quote == "'" else 'write it as \\"'
    other = '"' if quote == "'" else "'"
    at = _mark_pos(end, line_offset)
    return YamlProblem(
        at.line,
        at.col - 1,
        f"this {quote} ends the text quoted from column {start.column + 1}, and more text "
        f"follows it: to write {quote} inside {quote}...{quote}, {inside}, or quote the "
        f"whole text with {other}...{other}",
    )


def _syntax_message(exc: yaml.MarkedYAMLError, text: str, line_offset: int) -> str:
    problem = exc.problem or exc.context or "syntax error"
    context = exc.context or ""
    where = exc.context_mark and _mark_pos(exc.context_mark, line_offset)
    opened = f" on line {where.line}, column {where.col}" if where else ""
    if "quoted scalar" in context and "end of stream" in problem:
        return f"the quoted text opened{opened} is never closed: add the closing quote"
    if "tab character" in problem:
        return "a tab cannot indent YAML: indent with spaces"
    if "flow sequence" in context:
        return f"the list opened with [{opened} is not closed properly: add ] or a comma"
    if "flow mapping" in context:
        return f"the mapping opened with {{{opened} is not closed properly: add }} or a comma"
    if "cannot start any token" in problem:
        char = _char_at(text, exc.problem_mark)
        if char == "\t":
            return "a tab cannot indent YAML: indent with spaces"
        if char:
            return f"{char!r} cannot start a value: put the value in quotes"
    if "mapping values are not allowed" in problem:
        return (
            "a colon followed by a space starts a new key here: put the text in quotes, "
            "or check the indentation"
        )
    if "duplicate anchor" in context:
        return f"this &anchor is defined a second time (first{opened}): rename one of them"
    if "undefined alias" in problem:
        return "this *alias names no &anchor defined before it: define the anchor or quote the *"
    if "another document" in problem:
        return "a second YAML document (---) starts here: keep one document per file"
    if "expected ':'" in problem:
        return (
            "invalid YAML: this line is not `key: value`: add the colon and a space, or indent "
            "it under its key"
        )
    if any(f"expected {what}" in problem for what in ("<block end>", "'-' indicator", "key")):
        return (
            f"invalid YAML: {problem} ({context}{opened}): check the indentation, and put "
            "values holding quotes or ': ' in quotes"
        )
    return f"invalid YAML: {problem}" + (f" ({context}{opened})" if context else "")


def _char_at(text: str, mark: yaml.Mark | None) -> str:
    if mark is None:
        return ""
    lines = text.split("\n")
    if mark.line < len(lines) and mark.column < len(lines[mark.line]):
        return lines[mark.line][mark.column]
    return ""


def parse_yaml(text: str, line_offset: int = 0) -> object:
    """Parse one YAML document into plain values that remember their positions.

    Raises YamlProblem for syntax errors, unsafe tags, duplicate keys, deep nesting and
    alias bombs. `line_offset` shifts every line, for YAML embedded in a larger file
    (front matter).
    """
    return _parsed(text, line_offset)[0]


def _parsed(text: str, line_offset: int = 0) -> tuple[object, bool]:
    """`parse_yaml`'s value, and whether the text names anchors (and so may have aliases):
    its values may then stand for one another, and its parts cannot be read apart."""
    try:
        parser = _Loader(text)
        try:
            reader = _EventReader(line_offset)
            return reader.read(parser), bool(reader.sizes)
        finally:
            parser.dispose()
    except yaml.MarkedYAMLError as exc:
        raise _syntax_problem(exc, text, line_offset) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_problem(exc, text, line_offset) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(1 + line_offset, 1, f"invalid YAML: {exc}") from None


def _reader_problem(exc: yaml.reader.ReaderError, text: str, line_offset: int) -> YamlProblem:
    """A character YAML does not allow, at its line and column, in one line that says to
    remove it. PyYAML's own message names no line: a second line gives an offset into
    "<unicode string>" (in UTF-8 bytes, for the C parser)."""
    if _Loader is yaml.SafeLoader:  # pragma: no cover - the pure-Python reader counts characters
        before = text[: exc.position]
    else:
        before = text.encode("utf-8")[: exc.position].decode("utf-8", "replace")
    line = before.count("\n") + 1 + line_offset
    col = len(before) - before.rfind("\n")
    code = int(exc.character)
    kind = "control character" if code < 0x20 or 0x7F <= code <= 0x9F else "character"
    return YamlProblem(line, col, f"the {kind} U+{code:04X} is not allowed in YAML: remove it")


def decode_utf8(data: bytes) -> str:
    """Decode file bytes as UTF-8 (a byte-order mark is dropped, CRLF becomes LF).

    Raises YamlProblem, positioned at the first bad byte, when the bytes are not UTF-8.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise YamlProblem(
                1,
                1,
                "the file is UTF-16 (it starts with UTF-16's byte-order mark; Windows editors "
                "call it Unicode): save it as UTF-8",
            ) from None
        # the bytes before the bad one are valid UTF-8: count lines and columns in
        # characters, after the same clean-up as the text, so positions match the editor's
        before = _clean_text(data[: exc.start].decode("utf-8"))
        line = before.count("\n") + 1
        col = len(before) - (before.rfind("\n") + 1) + 1
        raise YamlProblem(
            line,
            col,
            f"the file is not UTF-8: byte 0x{data[exc.start]:02X} cannot be decoded; "
            "save the file as UTF-8",
        ) from None
    return _clean_text(text)


def _clean_text(text: str) -> str:
    """The text without a byte-order mark and with every line ending as LF."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def split_front_matter(text: str) -> tuple[str, int, str, int]:
    """Split a Markdown file into (front matter YAML, its first line, body, body's first line).

    Raises YamlProblem when the front matter is missing or never closed.
    """
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise YamlProblem(
            1,
            1,
            "an article must start with front matter: a line with ---, fields such as "
            "title: and date:, then another line with ---",
        )
    for number, line in enumerate(lines[1:], start=2):
        if line.rstrip() in ("---", "..."):
            yaml_text = "\n".join(lines[1 : number - 1])
            body = "\n".join(lines[number:])
            return yaml_text, 2, body, number + 1
    raise YamlProblem(1, 1, "front matter opened on line 1 is never closed: add a line with ---")


@dataclass
class Listing:
    """A content folder's source files as listed, and the modification time of each folder
    listed: adding, removing or renaming a file changes its folder's, editing one does not."""

    #: (folder, modification time) of the folder and each subfolder listed.
    stamps: list[tuple[str, int]]
    files: list[SourceFile]
    #: Each file's place in `files`, by its path relative to the project.
    positions: dict[str, int]
    #: What listing the folder reported (links leading out of the project).
    warnings: list


class FileCache:
    """Parsed files kept by path, modification time and size, so a rebuild re-reads only
    what changed. One cache belongs to one caller (the live-preview server); none is global."""

    def __init__(self, outlines: bool = False) -> None:
        self._entries: dict[str, tuple[int, int, object]] = {}
        #: Each events file's outline as last read, when the caller asked for them: its
        #: validation then takes `SameEvent`s for the items an edit left as they were.
        self.keeps_outlines = outlines
        self._outlines: dict[str, Outline] = {}
        #: Each content folder as last listed (see `listing`).
        self._listings: dict[str, Listing] = {}
        #: Whether the caller reports changes (see `expect_changes`).
        self._watched = False
        #: The source files reported changed since the last load; None: not known.
        self._reported: frozenset[str] | None = None

    def expect_changes(self, paths: Iterable[str] | None) -> None:
        """Report source files changed (paths relative to the project, as the live
        preview's file watcher tells them), so that the next load looks again at those
        alone instead of at every file of every folder: at 10,000 events, listing 1,100
        files was a fifth of an edit's rebuild. None: what changed is not known (a folder
        came or went, site.yaml changed), so the next load lists everything. Without a
        report, each load lists everything."""
        self._watched = True
        if paths is None or self._reported is None:
            self._reported = None if paths is None else frozenset(paths)
        else:
            self._reported = self._reported.union(paths)

    def listing(self, folder: str) -> Listing | None:
        """A content folder's last listing, with fresh fingerprints for the files reported
        changed; None when it must be listed again: no changes were reported, a folder of
        it changed (a file came, went or was renamed), or a reported file is new, gone or
        no longer a plain file."""
        listing = self._listings.get(folder)
        if listing is None or not self._watched or self._reported is None:
            return None
        for path, mtime_ns in listing.stamps:
            try:
                if os.stat(path).st_mtime_ns != mtime_ns:
                    return None
            except OSError:
                return None
        files = listing.files
        prefix = folder + "/"
        for rel in self._reported:
            if not rel.startswith(prefix):
                continue
            at = listing.positions.get(rel)
            if at is None:
                return None
            try:
                st = os.lstat(files[at].path)
            except OSError:
                return None
            if not stat.S_ISREG(st.st_mode):
                return None
            if files is listing.files:
                files = list(files)  # the last load's list stays as it was
            files[at] = SourceFile(files[at].path, rel, st.st_mtime_ns, st.st_size)
        listing.files = files
        return listing

    def remember_listing(self, folder: str, listing: Listing) -> None:
        """Keep a folder's fresh listing for the next load (see `listing`)."""
        self._listings[folder] = listing

    def forget_listing(self, folder: str) -> None:
        """Make the next load list the folder again (it could not be read whole)."""
        self._listings.pop(folder, None)

    def loaded(self) -> None:
        """A load is complete: the changes reported before it are read (a load that stopped
        half-way keeps them for the next)."""
        self._reported = frozenset()

    def get(self, source: SourceFile) -> object | None:
        """The cached parse of `source`, if the file has not changed since."""
        hit = self._entries.get(source.rel)
        if hit and hit[0] == source.mtime_ns and hit[1] == source.size:
            return hit[2]
        return None

    def put(self, source: SourceFile, value: object) -> None:
        """Remember the parse of `source`."""
        self._entries[source.rel] = (source.mtime_ns, source.size, value)

    def outline(self, rel: str) -> tuple[Outline | None, object]:
        """The outline of the events file at `rel` as last read, if it could be cut, and
        the events read then (or the `Released` marker standing for them)."""
        entry = self._entries.get(rel)
        return self._outlines.get(rel), entry[2] if entry is not None else None

    def remember_outline(self, rel: str, outline: Outline | None) -> None:
        """Keep (or, with None, forget) the outline of the events file just read."""
        if outline is None:
            self._outlines.pop(rel, None)
        else:
            self._outlines[rel] = outline

    def release_events(self) -> dict[str, tuple[list[RawEvent], Released]]:
        """Let go of the parsed events of every events file, keeping in their place a
        `Released` marker that stands for them while the file is unchanged; returns, by
        file, the events let go and their marker.

        Parsed YAML with every position is the largest thing the preview would hold (108 MB
        for 10,000 events) and the bulk of what each garbage collection walks; validation
        keeps what it made of each file, and needs the events again only when what it checks
        them against changes.
        """
        released = {}
        for rel, (mtime_ns, size, value) in self._entries.items():
            if type(value) is list:  # the events of an events file (see `_load_events`)
                marker = Released()
                self._entries[rel] = (mtime_ns, size, marker)
                released[rel] = (value, marker)
        return released

    def forget_released(self, files: list[str]) -> None:
        """Forget these files, whose events validation needs but no longer has (let go, or
        stood for by `SameEvent`s), so that the next load reads each of them whole."""
        for rel in files:
            self._entries.pop(rel, None)
            self._outlines.pop(rel, None)


def _inside(path: Path, root: Path) -> bool:
    """Whether `path`, its links followed, stays inside `root`. A link loop leads nowhere,
    so not outside either: the `stat` that follows reports it (see `_unstatable`)."""
    try:
        path.resolve().relative_to(root)
    except RuntimeError:  # Python < 3.13 raises this for a link loop
        return True
    except (ValueError, OSError):
        return False
    return True


def _list_sources(
    root: Path,
    folder: str,
    suffixes: tuple[str, ...],
    report: Report,
    cache: FileCache | None = None,
) -> list[SourceFile]:
    """Files below root/folder with one of the suffixes, in sorted order (a folder's files
    before its subfolders'), with their fingerprints; links out of root skipped, linked
    folders not entered. One `stat` per file, unless `cache` can tell which files changed
    since it last listed the folder (see `FileCache.listing`)."""
    known = cache.listing(folder) if cache is not None else None
    if known is not None:
        report.items.extend(known.warnings)
        return known.files
    base = root / folder
    try:
        if not stat.S_ISDIR(os.stat(base).st_mode):
            return []
    except (FileNotFoundError, NotADirectoryError):
        return []  # content/pages and content/articles are optional
    except OSError as exc:
        _unstatable(root, folder, exc, report)
        return []
    if not _inside(base, root):
        _skip_link(root, base, report)
        return []
    found: list[SourceFile] = []
    stamps: list[tuple[str, int]] = []
    reported = len(report.items)
    _scan(root, base, folder, suffixes, report, found, stamps)
    if cache is not None:
        problems = report.items[reported:]
        if any(d.severity == ERROR for d in problems):
            # A folder made readable again keeps its modification time: list it again.
            cache.forget_listing(folder)
        else:
            positions = {source.rel: at for at, source in enumerate(found)}
            cache.remember_listing(folder, Listing(stamps, found, positions, problems))
    return found


def _scan(
    root: Path,
    here: Path,
    rel: str,
    suffixes: tuple[str, ...],
    report: Report,
    found: list,
    stamps: list,
) -> None:
    """Add the files of one folder to `found`, then those of its subfolders, and each
    folder's modification time (as it was before listing) to `stamps` (see
    `_list_sources`). A folder that exists but cannot be listed is an error: skipping it
    would build, and publish, a site without its files."""
    try:
        stamps.append((str(here), os.stat(here).st_mtime_ns))
        with os.scandir(here) as listing:
            entries = sorted((e for e in listing if not e.name.startswith(".")), key=_NAME)
    except (FileNotFoundError, NotADirectoryError):
        return  # no such folder (content/pages is optional), or it vanished while listing
    except OSError as exc:
        _unstatable(root, rel, exc, report)
        return
    folders = []
    for entry in entries:
        try:
            is_folder = entry.is_dir()
        except OSError:
            is_folder = False
        if is_folder:
            folders.append(entry)
            continue
        name = entry.name
        if name.endswith(suffixes):
            source = _listed_file(root, entry, f"{rel}/{name}", report)
            if source is not None:
                found.append(source)
    for entry in folders:
        path = here / entry.name
        if entry.is_symlink():
            if not _inside(path, root):
                _skip_link(root, path, report)
            continue  # a linked folder is not entered (as os.walk without followlinks)
        _scan(root, path, f"{rel}/{entry.name}", suffixes, report, found, stamps)


_NAME = operator.attrgetter("name")


def _listed_file(root: Path, entry: os.DirEntry, rel: str, report: Report) -> SourceFile | None:
    """A listed file with its fingerprint, from the one `stat` a file costs; None, reported,
    when it must not be read: a link out of the project or in a loop, something other than
    a regular file (a named pipe would hang the build, a device never end), or a file that
    cannot be looked at. Silently None when it vanished, or is a link to nothing."""
    if entry.is_symlink() and not _inside(Path(entry.path), root):
        _skip_link(root, Path(entry.path), report)
        return None
    try:
        st = entry.stat()
    except FileNotFoundError:
        return None  # vanished between listing and reading, or a dangling link
    except OSError as exc:
        _unstatable(root, rel, exc, report)
        return None
    if not stat.S_ISREG(st.st_mode):
        link = "a link to " if entry.is_symlink() else ""
        report.warning(
            rel,
            1,
            1,
            f"this is {link}{describe(st.st_mode)}, not a regular file, and was not read: "
            "replace it with a file, or remove it",
        )
        return None
    return SourceFile(entry.path, rel, st.st_mtime_ns, st.st_size)


def _unstatable(root: Path, rel: str, exc: OSError, report: Report) -> None:
    """Report a content file or folder that exists but cannot be looked at: a link in a
    loop (a warning, as a link out of the project is), or one that cannot be read (an
    error, at the outermost folder that cannot be listed when one of those is the cause)."""
    if exc.errno == errno.ELOOP:
        report.warning(
            rel,
            1,
            1,
            "this symbolic link leads round in a loop and was not followed: "
            "point it at a file, or remove it",
        )
        return
    folder = _unlistable_folder(root, rel)
    if folder is not None:
        where, reason = folder
        message = f"cannot read this folder ({reason}): make it readable"
    else:
        where, reason = rel, exc.strerror or str(exc)
        message = f"cannot read this file ({reason}): make it readable"
    if not any(d.path == where and d.message == message for d in report.items):
        report.error(where, 1, 1, message)  # once: site.yaml and each folder can meet it


def _unlistable_folder(root: Path, rel: str) -> tuple[str, str] | None:
    """The outermost folder on the way to `rel` that cannot be entered, or `rel` itself when
    it is a folder that cannot be listed, with the reason; None when there is none (`rel`
    is a file whose folders open). Only asked once something failed."""
    parts = rel.split("/")
    for end in range(1, len(parts) + 1):
        folder = "/".join(parts[:end])
        try:
            os.stat(f"{root}/{folder}/.")  # entering a folder takes its x permission
            if end == len(parts):
                with os.scandir(root / folder):  # listing it, its r permission
                    pass
        except NotADirectoryError:
            return None
        except OSError as exc:
            return folder, exc.strerror or str(exc)
    return None


def _skip_link(root: Path, path: Path, report: Report) -> None:
    report.warning(
        path.relative_to(root).as_posix(),
        1,
        1,
        "this symbolic link leads outside the project and was not followed: "
        "copy what it points to into the project to use it",
    )


def _read_text(source: SourceFile) -> str:
    """The file's text; never waits on a pipe or reads a device that took its place since
    it was listed (see `builder.regular`)."""
    return decode_utf8(read_regular(source.path))


def _load_yaml_file(source: SourceFile) -> object:
    return parse_yaml(_read_text(source))


def _load_article(source: SourceFile) -> RawArticle:
    text = _read_text(source)
    path = PurePath(source.path)
    article_id = path.stem
    if path.suffix == ".txt":
        return _article_from_clipping(article_id, source.rel, text)
    yaml_text, yaml_line, body, body_line = split_front_matter(text)
    meta = parse_yaml(yaml_text, line_offset=yaml_line - 1)
    if meta is None:
        meta = _empty_map(Pos(1, 1))
    if not isinstance(meta, YamlMap):
        raise YamlProblem(yaml_line, 1, "front matter must be a mapping of fields (title: ...)")
    return RawArticle(article_id, source.rel, "md", meta, body, body_line)


def _empty_map(pos: Pos) -> YamlMap:
    result = YamlMap()
    result.pos, result.key_pos, result.value_pos = pos, {}, {}
    return result


def _byline_list(authors: list[str]) -> YamlList:
    """The byline's authors as validation expects a list read from front matter: a
    `YamlList` placed on the byline (a plain list was refused as "not a list")."""
    items = YamlList(authors)
    items.pos, items.item_pos = Pos(1, 1), [(1, 1)] * len(authors)
    return items


def _article_from_clipping(article_id: str, rel: str, text: str) -> RawArticle:
    from builder.clipping import parse_clipping

    clip = parse_clipping(text)
    errors = [p for p in clip.problems if p.severity == "error"]
    if errors:
        raise ClippingProblems([(p.line, p.col, p.message) for p in errors])
    meta = _empty_map(Pos(1, 1))
    fields = {
        "title": clip.title,
        "date": clip.date,
        "author": _byline_list(clip.authors) if len(clip.authors) != 1 else clip.authors[0],
        "publisher": clip.publisher,
        "url": clip.url,
    }
    for key, value in fields.items():
        if value not in (None, [], ""):
            meta[key] = value
            meta.value_pos[key] = clip.url_at if key == "url" else (1, 1)
    body = "\n\n".join(clip.paragraphs)
    warnings = [(p.line, p.col, p.message) for p in clip.problems if p.severity != "error"]
    return RawArticle(
        article_id, rel, "txt", meta, body, clip.body_line, clip.title_derived, warnings
    )


def _load_events(source: SourceFile, cache: FileCache | None = None) -> list:
    """The events of one events file. Cached as they are, so the preview's validation knows
    an unchanged file by its very records. With a cache that keeps outlines, only the items
    of the file's top-level list whose text or place changed since its last read are parsed
    (see `Outline`); the others are `SameEvent`s."""
    text = _read_text(source)
    if cache is None or not cache.keeps_outlines:
        return _events_from(source, parse_yaml(text))
    outline = Outline.of(text)
    before, last_read = cache.outline(source.rel)
    cache.remember_outline(source.rel, None)  # until this read succeeds
    events = None
    if outline is not None and before is not None:
        events = _events_patched(source.rel, before, outline, last_read)
    if events is None:
        data, anchored = _parsed(text)
        events = _events_from(source, data)
        if anchored or outline is None or not outline.matches(data):
            outline = None
    if outline is not None:
        cache.remember_outline(source.rel, outline)
    return events


@dataclass
class Outline:
    """An events file's text cut before each item of its top-level list, so that an edit
    re-reads only the items it changed: saving a file of a hundred events after changing
    one title parsed and validated all hundred again (a sixth of the preview's rebuild at
    10,000 events), and a newsroom's single file of thousands of events would cost seconds.

    A file is cut only where every line that starts at its first column is an item's dash
    (`- `), a comment or blank, and where the parser agrees that each item starts at its
    dash and no anchor ties items together. An item then reads the same alone as within its
    file: nothing before its dash is open where it starts (quotes, brackets and block
    scalars end before a line at the first column) and nothing it opens reaches past the
    next dash. An item read alone must be one mapping starting at its dash, with no anchor,
    or the whole file is read again, which also gives its problems their usual messages.
    """

    #: The text before the first item (comments, blank lines).
    head: str
    #: Each item's first line (0-based) and its text.
    starts: list[int]
    items: list[str]

    #: A line that starts with neither a space nor a comment, found after its newline (a
    #: search for `^` tries every character of a file of megabytes; a newline, only those).
    _FIRST_COLUMN = re.compile(r"\n[^ #\n]")
    _ITEM_START = re.compile(r"-(?: |$)", re.MULTILINE)

    @classmethod
    def of(cls, text: str) -> Outline | None:
        """The outline of an events file's text; None when it cannot be cut (see above)."""
        offsets = [match.start() + 1 for match in cls._FIRST_COLUMN.finditer(text)]
        if text[:1] not in ("", " ", "#", "\n"):
            offsets.insert(0, 0)
        if not offsets or not all(cls._ITEM_START.match(text, at) for at in offsets):
            return None  # no item, or a line that is not a dash, a comment or blank
        starts, line, last = [], 0, 0
        for at in offsets:
            line += text.count("\n", last, at)
            starts.append(line)
            last = at
        ends = offsets[1:] + [len(text)]
        items = [text[a:b] for a, b in zip(offsets, ends, strict=True)]
        return cls(text[: offsets[0]], starts, items)

    def matches(self, data: object) -> bool:
        """Whether the parsed file is a list of mappings, each starting at an item's dash."""
        return _mappings_at(data, self.starts)


def _mappings_at(data: object, starts: list[int]) -> bool:
    """Whether parsed YAML is a list of mappings that start on these lines (0-based)."""
    return (
        isinstance(data, YamlList)
        and len(data) == len(starts)
        and all(
            isinstance(item, YamlMap) and data.at(index).line == starts[index] + 1
            for index, item in enumerate(data)
        )
    )


def _events_patched(file: str, before: Outline, now: Outline, last_read: object) -> list | None:
    """The events of a file whose last read had outline `before`: a `SameEvent` for each
    item with the same text at the same line, the others parsed alone; None when the file
    must be read whole (items came or went, the head changed, an item does not read alone
    as one event)."""
    if len(now.items) != len(before.items) or now.head != before.head:
        return None
    events: list = []
    for index, (start, text) in enumerate(zip(now.starts, now.items, strict=True)):
        if start == before.starts[index] and text == before.items[index]:
            events.append(SameEvent(file, index, last_read))
            continue
        try:
            data, anchored = _parsed(text, line_offset=start)
        except YamlProblem:
            return None
        if anchored or not _mappings_at(data, [start]):
            return None
        events.append(RawEvent(file, index, data[0]))
    return events


def _load_page(source: SourceFile) -> RawPage:
    text = _read_text(source)
    yaml_text, yaml_line, body, body_line = split_front_matter(text)
    meta = parse_yaml(yaml_text, line_offset=yaml_line - 1) or _empty_map(Pos(1, 1))
    if not isinstance(meta, YamlMap):
        raise YamlProblem(yaml_line, 1, "front matter must be a mapping of fields (title: ...)")
    return RawPage(PurePath(source.path).stem, source.rel, meta, body, body_line)


def _events_from(source: SourceFile, data: object) -> list[RawEvent]:
    if data is None:
        return []
    if isinstance(data, YamlMap):
        return [RawEvent(source.rel, 0, data)]
    if isinstance(data, YamlList):
        events = []
        for index, item in enumerate(data):
            if not isinstance(item, YamlMap):
                p = data.at(index)
                raise YamlProblem(p.line, p.col, "each event must be a mapping (date:, title: ...)")
            events.append(RawEvent(source.rel, index, item))
        return events
    raise YamlProblem(
        1,
        1,
        "an events file holds one event (a mapping) or a list of events: "
        "start it with date: and title: lines, or a '- date:' line for each event",
    )


#: What `_cached` returns for a file deleted while it was being read: it is left out.
VANISHED = object()


def _cached(cache: FileCache | None, source: SourceFile, read) -> object:
    """Parse `source` with `read`, through the cache; problems in the text are cached too.

    A file that could not be read at all is not: `chmod` or swapping a pipe for a file need
    not change the time and size the cache is keyed by, and the live preview would go on
    reporting a file that has become readable."""
    if cache is not None:
        hit = cache.get(source)
        if hit is not None:
            return hit
    try:
        value: object = read(source)
    except (YamlProblem, ClippingProblems) as problem:
        value = problem
    except FileNotFoundError:
        return VANISHED  # deleted between listing and reading (an editor saving, say)
    except NotRegular as exc:
        return YamlProblem(1, 1, f"this is {exc}, and was not read: replace it with a file")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return YamlProblem(1, 1, f"cannot read this file ({reason}): make it readable")
    if cache is not None:
        cache.put(source, value)
    return value


def load_project(root: Path, cache: FileCache | None = None) -> tuple[RawProject, Report]:
    """Read site.yaml, articles, events and pages of the project at `root`.

    Returns what could be read and a report of every file that could not; a file with a
    problem is left out, so validation can still report the others.
    """
    root = root.resolve()
    report = Report()
    if not (root / "content").is_dir():  # gone while the live preview watches it
        report.error("content", 1, 1, _NO_CONTENT)
        return RawProject(root, RawSite("content/site.yaml", None)), report
    site = _load_site(root, cache, report)
    project = RawProject(root, site)
    for folder, read in (
        ("articles", _load_article),
        ("events", partial(_load_events, cache=cache)),
        ("pages", _load_page),
    ):
        suffixes = CONTENT_SUFFIXES[folder]
        for source in _list_sources(root, f"content/{folder}", suffixes, report, cache):
            value = _cached(cache, source, read)
            if value is VANISHED:
                continue
            project.files.append(source)
            if isinstance(value, YamlProblem):
                report.error(source.rel, value.line, value.col, value.message)
            elif isinstance(value, ClippingProblems):
                for line, col, message in value.problems:
                    report.error(source.rel, line, col, message)
            elif folder == "articles":
                for line, col, message in value.warnings:
                    report.warning(source.rel, line, col, message)
                project.articles.append(value)
            elif folder == "pages":
                project.pages.append(value)
            else:
                project.event_files.append((source.rel, value))
    if cache is not None:
        cache.loaded()
    return project, report


#: What a project without its content folder is told: the command line refuses such a folder
#: before loading, but the live preview's project can lose it while it runs.
_NO_CONTENT = (
    "the content folder is missing: restore content/ (site.yaml, events/, articles/), "
    "or stop the preview and start it in a project folder"
)


#: A project is any folder holding content/, so site.yaml is optional: without it the site
#: builds with the defaults, and the editor learns what to add.
_NO_SITE_YAML = (
    "the site is built as 'Timeline', with no categories; write a title: line in "
    "content/site.yaml (and categories: for the events' categories)"
)


def _load_site(root: Path, cache: FileCache | None, report: Report) -> RawSite:
    rel = "content/site.yaml"
    errors = len(report.errors)
    source = _site_source(root, rel, report)
    if source is None:  # missing (a warning), or not a file that can be read (an error)
        return RawSite(rel, None, broken=len(report.errors) > errors)
    value = _cached(cache, source, _load_yaml_file)
    if value is VANISHED or value is None:
        report.warning(
            rel, 1, 1, f"site.yaml is {'empty' if value is None else 'missing'}: {_NO_SITE_YAML}"
        )
        return RawSite(rel, None)
    if isinstance(value, YamlProblem):
        report.error(rel, value.line, value.col, value.message)
        return RawSite(rel, None, broken=True)
    if not isinstance(value, YamlMap):
        report.error(rel, 1, 1, "site.yaml must be a mapping of settings (title: ...)")
        return RawSite(rel, None, broken=True)
    return RawSite(rel, value)


def _site_source(root: Path, rel: str, report: Report) -> SourceFile | None:
    """site.yaml with its fingerprint; None when there is none (a warning: the site builds
    with the defaults) or it cannot be read (an error)."""
    path = root / rel
    if not _inside(path, root):
        report.error(rel, 1, 1, "site.yaml is a link leading outside the project: copy the file in")
        return None
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        report.warning(rel, 1, 1, f"site.yaml is missing: {_NO_SITE_YAML}")
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            report.error(rel, 1, 1, "site.yaml is a link that leads back to itself: copy it in")
        else:
            _unstatable(root, rel, exc, report)
        return None
    if not stat.S_ISREG(st.st_mode):
        report.error(
            rel, 1, 1, f"site.yaml is {describe(st.st_mode)}, not a file: replace it with a file"
        )
        return None
    return SourceFile(str(path), rel, st.st_mtime_ns, st.st_size)


def event_summaries(root: Path) -> Iterator[str]:
    """The summary of each event in the events files, as validation will read it: what a
    cold build converts ahead first (see `builder.warmup`), since a summary shows on about
    eight pages and in every export. Read from the YAML parser's events alone, so that it
    costs a third of loading, builds no values and follows no alias; files that do not
    parse are skipped (loading reports them)."""
    root = root.resolve()
    for source in _list_sources(root, "content/events", CONTENT_SUFFIXES["events"], Report()):
        try:
            text = _read_text(source)
            scanned = _summaries_scanned(text)
            yield from _summaries_in(text) if scanned is None else scanned
        except (OSError, ValueError, YamlProblem, yaml.YAMLError):
            continue


#: A `summary:` key opening a block scalar (`>-`, `|`, `>+` …); searched for by its word,
#: which is much faster than trying a pattern at each line's start.
_SUMMARY_BLOCK = re.compile(r"summary:[ \t]*([>|])[-+]?[ \t]*$", re.MULTILINE)


def _item_key_at(text: str, at: int) -> bool:
    """Whether a key at `at` opens a top-level item (`- key`) or is among its keys, two
    spaces in."""
    return text[at - 2 : at] in ("- ", "  ") and (at == 2 or text[at - 3] == "\n")


def _summaries_scanned(text: str) -> list[str] | None:
    """The summaries of an events file written the usual way, read from its lines without
    the YAML parser: each a top-level item's `summary:` written as a folded or literal block
    of lines at one indentation. None when any summary may be written otherwise, or the file
    is not a plain list of items (see `Outline`): the caller then parses it.

    Parsing 10,000 events for their summaries alone took the warm-up 0.6-0.75 s of its time
    to convert them; scanning their lines, a sixth of that. A summary read wrongly could
    only waste a conversion (one is looked up by its exact text), never change the site.
    """
    keys = [key for key in _SUMMARY_BLOCK.finditer(text) if _item_key_at(text, key.start())]
    if len(keys) != text.count("summary") or (keys and Outline.of(text) is None):
        return None
    lines = text.split("\n")
    summaries = []
    line, last = 0, 0
    for key in keys:
        line += text.count("\n", last, key.end())
        last = key.end()
        block = _block_lines(lines, line + 1)
        if block is None:
            return None
        joined = "\n".join(block) if key.group(1) == "|" else _folded(block)
        summaries.append(joined.strip())
    return summaries


def _block_lines(text_lines: list[str], start: int) -> list[str] | None:
    """The lines of a block scalar whose content starts at line `start` (0-based), without
    their indentation ("" for an empty line); None where a line is indented more than the
    first or holds a tab or trailing spaces."""
    lines: list[str] = []
    indent = 0
    for index in range(start, len(text_lines)):
        line = text_lines[index]
        stripped = line.lstrip(" ")
        if not stripped:
            if indent and len(line) > indent:
                return None  # spaces past the indentation: content a plain read may differ on
            lines.append("")
            continue
        depth = len(line) - len(stripped)
        if not indent:
            if depth <= 2:
                break  # the next key: an empty block
            indent = depth
        if depth < indent:
            break
        if depth > indent or "\t" in line or stripped != stripped.rstrip():
            return None
        lines.append(stripped)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _folded(lines: list[str]) -> str:
    """Lines of a folded block scalar as YAML folds them: a line break between two lines of
    text becomes a space; n empty lines between them, n line breaks."""
    parts: list[str] = []
    empty = 0
    for line in lines:
        if not line:
            empty += 1
            continue
        if parts:
            parts.append("\n" * empty if empty else " ")
        parts.append(line)
        empty = 0
    return "".join(parts)


def _summaries_in(text: str) -> Iterator[str]:
    """The `summary:` scalars of the mappings at the top of a YAML text or in its top list."""
    scalar, starts = yaml.ScalarEvent, (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    # Per open collection: whether it is a mapping, and for a mapping what it waits for:
    # a key (_NO_KEY), the value of a key (the key), or the end of a collection value.
    frames: list[list] = []
    for event in yaml.parse(text, Loader=_Loader):
        kind = type(event)
        if kind in starts:
            if frames and frames[-1][0]:
                frame = frames[-1]
                frame[1] = _COMPLEX_KEY if frame[1] is _NO_KEY else _VALUE_OPEN
            frames.append([kind is yaml.MappingStartEvent, _NO_KEY])
        elif kind in ends:
            frames.pop()
            if frames and frames[-1][0] and frames[-1][1] is _VALUE_OPEN:
                frames[-1][1] = _NO_KEY
        elif kind is scalar and frames and frames[-1][0]:
            frame = frames[-1]
            if frame[1] is _NO_KEY:
                frame[1] = event.value
                continue
            if frame[1] == "summary" and len(frames) <= 2:
                yield event.value.strip()
            frame[1] = _NO_KEY


_COMPLEX_KEY, _VALUE_OPEN = object(), object()


def article_bodies(root: Path) -> Iterator[str]:
    """The Markdown body of each article file that reads cleanly, in the order `load_project`
    reads them: what a cold build converts ahead while it loads (see `builder.warmup`).
    Files with problems are skipped; loading reports them."""
    root = root.resolve()
    for source in _list_sources(root, "content/articles", (".md", ".txt"), Report()):
        try:
            article = _load_article(source)
        except (OSError, YamlProblem, ClippingProblems):
            continue
        if article is not None and article.body:
            yield article.body
