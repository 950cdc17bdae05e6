"""`timeline serve`: a live preview that editors can leave open all day and trust.

Editors keep the preview open while they write, so it must never need a restart, a manual
reload or a second guess. The design follows from what users of `mkdocs serve`, `zola serve`
and `hugo server` complain about:

- **Never a half-written build.** Each build is an immutable `Snapshot` in memory (every
  output path, and its bytes once rendered); requests read the snapshot that is current when
  they arrive, and a new build replaces it by reference only once it is known to be good.
  Each complete good build is also mirrored into a temporary folder (never site/), only
  its changed files rewritten; the folder is removed on exit.
- **Fast where the editor looks.** A rebuild re-reads only changed files (one `FileCache`
  per server), re-validates only those files (one `ValidationCache`), patches the previous
  model with the events the edit added and removed (`ModelMemo`), and plans again only the
  units of pages the edit may have touched (`next_memo` tells which: the changed events,
  those around them in time and in their terms' windows, their terms, years and
  articles); the new snapshot takes every other file over from the previous one
  (`render.plan_update`). Every file keeps a dependency key (`builder.depends`), and of
  the files planned, those whose key is unchanged are taken over too; of the others, the
  pages browsers showed recently render first, the build is published, open pages get to
  fetch it, and the rest of an edit's files render right after (after a template or
  site.yaml change, on request or in the background). No garbage collection runs until the
  build is complete. A template change re-renders from the last model without re-reading
  content; a stylesheet change is swapped in the browser without a reload.
- **Small enough to hold two builds.** A build being completed keeps its files compressed;
  once complete and written to the build folder, it reads them back from there and forgets
  how it rendered them (`Packed`, `OnDisk`, `Snapshot.seal`).
- **Errors never kill it.** A failed rebuild keeps the last good build, prints the errors
  and shows them over every open page; fixing the file removes them by itself. Warnings
  are printed too, and listed in a dismissible notice in a corner of every open page.
- **Safe to leave running.** GET and HEAD only, only files of the build (looked up by the
  build's own paths, so no request names a file on disk), loopback by default,
  DNS-rebinding Host check.

The browser side is `builder/data/livereload.js`, injected into HTML responses here only.
An open page updates in place: it fetches itself and its scripts, swaps its body and head
text, runs its scripts again and keeps the reader's place by anchor (an element's id), since
a full reload of a large timeline page costs several times more; it reloads only when its
stylesheets or scripts changed. One tab per browser holds the event stream and relays it to
the others, so any number of tabs uses one connection. `builder.watch` turns file-system
events into batches of changes.
"""

from __future__ import annotations

import ctypes
import dataclasses
import errno
import functools
import gc
import hashlib
import html
import ipaddress
import json
import mimetypes
import os
import secrets
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import webbrowser
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from itertools import chain
from pathlib import Path
from urllib.parse import parse_qs, unquote

import jinja2

from builder import build, render, text, textcache, urls
from builder.diagnostics import Diagnostic, Report
from builder.exports import FragmentMemo
from builder.load import FileCache
from builder.model import ModelMemo
from builder.related import RelatedEvents, affected_by, ranking
from builder.theme import (
    RenderFailed,
    Theme,
    broken_template,
    find_theme,
    make_environment,
    render_problem,
    shown_path,
    static_link_warnings,
)
from builder.validate import NeedsReading, ValidationCache
from builder.watch import (
    CONFIG,
    CONTENT,
    STYLE,
    TEMPLATE,
    Change,
    ChangeQueue,
    Watcher,
    WatchPlan,
    describe,
)
from builder.write import DuplicateOutput, OutputFile, Pieces, Text, safe_relative, update_site

#: A batch of changes is rebuilt once the file system has been quiet this long (seconds)…
QUIET = 0.05
#: …or once this long has passed since its first change, so a storm still rebuilds.
LONGEST_WAIT = 1.0
#: How many recently viewed pages a rebuild renders before it is published: the most recent
#: one always, the others while this many seconds of rendering are not used up.
RECENT_PAGES = 6
PRERENDER_BUDGET = 0.1
#: A rebuild that re-renders at most this many files (an edit's worth) renders them all
#: before it is published; a larger one (a template or site.yaml change at scale) renders
#: the rest on request or in the background.
EAGER_FILES = 1000
#: Seconds between keep-alive comments on an idle event stream.
PING_SECONDS = 15.0
#: How long, at most, a rebuild lets open pages fetch the new build before it renders the
#: rest of the edit's files (seconds).
BROWSERS_TURN = 0.1
#: The background renderer starts a page only after this many seconds without a request or
#: a new build, leaving the CPU to browsers that are reloading…
BACKGROUND_QUIET = 0.3
#: …but waits for quiet at most this long after a build, so steady traffic cannot starve it.
BACKGROUND_PATIENCE = 2.0
#: Where the preview's own endpoints live, below the site's base path.
INTERNAL = "__timeline/"

RELOAD = "reload"
CSS = "css"


# --- builds ----------------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """What the browsers are told: which build is served, and whether the newest one failed;
    the newest build's errors and warnings, one `PATH:LINE:COL:` line each."""

    version: int
    build: str  # id of the build being served ("" when none is)
    previous: str  # id of the build served before it, for the stylesheet-only swap
    ok: bool
    kind: str = RELOAD  # RELOAD, or CSS when only stylesheets changed since `previous`
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def to_json(self) -> str:
        """The state as the JSON the reload script reads."""
        return json.dumps(
            {
                "version": self.version,
                "build": self.build,
                "previous": self.previous,
                "ok": self.ok,
                "kind": self.kind,
                "errors": list(self.errors),
                "warnings": list(self.warnings),
            },
            ensure_ascii=False,
        )


@dataclass(frozen=True, slots=True, eq=False)
class Packed:
    """A rendered file kept compressed. A preview holds its whole build, yet browsers ask for
    a few pages of it: at 10,000 events the files are 300 MB, compressed about 65 MB."""

    blob: bytes

    def unpacked(self) -> bytes:
        """The file's bytes."""
        return zlib.decompress(self.blob)

    def __eq__(self, other: object) -> bool:
        # Equal bytes pack alike, so packed files compare without unpacking.
        if type(other) is Packed:
            return self.blob == other.blob
        if type(other) is OnDisk:
            return other.digest == _digest(self.blob)
        return NotImplemented


@dataclass(frozen=True, slots=True, eq=False)
class OnDisk:
    """A file of a complete build once the build folder holds it: read back from there when
    a browser asks for it. Keeping the served build's files packed in memory cost 65 MB at
    10,000 events, for the few pages a browser shows; the folder holds them anyway.

    `file` is the build's own path for it inside the build folder (a request never names a
    file on disk); `digest` is that of its packed bytes, what the next build's files are
    compared with when the folder is brought up to date.
    """

    file: Path
    digest: bytes

    def unpacked(self) -> bytes:
        """The file's bytes, as the build folder holds them."""
        return self.file.read_bytes()

    def __eq__(self, other: object) -> bool:
        if type(other) is OnDisk:
            return self.digest == other.digest
        if type(other) is Packed:
            return other == self
        return NotImplemented


def _digest(blob: bytes) -> bytes:
    return hashlib.blake2b(blob, digest_size=16).digest()


def _sealed() -> bytes:
    raise RuntimeError("a sealed build has every file rendered")


def unpacked(stored: bytes | Pieces | Text | Packed | OnDisk) -> bytes:
    """The bytes of a file as a snapshot stores it: rendered (whole, in pieces or as text),
    packed or in the build folder."""
    kind = type(stored)
    if kind is bytes:
        return stored
    return stored.joined() if kind is Pieces or kind is Text else stored.unpacked()


def packed(stored: bytes | Pieces | Text) -> Packed:
    """A rendered file packed: pieces are compressed as they come, never joined (the same
    deflate stream as of their join, so equal bytes still pack alike)."""
    if type(stored) is Text:
        stored = stored.joined()
    if type(stored) is bytes:
        return Packed(zlib.compress(stored, 1))
    compressor = zlib.compressobj(1)
    blob = [*map(compressor.compress, stored.parts), compressor.flush()]
    return Packed(b"".join(blob))


class Snapshot:
    """One build of the whole site: every output path, each rendered at most once, on demand.

    All pages of a snapshot come from the same model and theme, so a page rendered late is
    exactly the page an eager build would have written. A snapshot is never modified after a
    page failed to render: the server then stops serving it.
    """

    def __init__(
        self,
        build_id: str,
        plan: list[render.PlannedFile],
        base_path: str,
        project: Path,
        previous: Snapshot | None = None,
        paths: list[str] | None = None,
    ):
        self.id = build_id
        self.base_path = base_path
        self.created = time.monotonic()
        self.failed = False
        self._project = project
        #: Rendered files: fresh ones as bytes (or pieces), packed once the build is complete.
        self._rendered: dict[str, bytes | Pieces | Text | Packed | OnDisk] = {}
        #: Paths to render before the plan's others (see `render_first`).
        self._first: list[str] = []
        if paths is not None and previous is not None:
            #: Paths whose bytes may differ from the previous snapshot's (all, without one).
            self.changed = self._update(previous, plan, paths)
            return
        self._plan = {item.path: item for item in plan}
        self._order = [item.path for item in plan]
        self.changed = self._take_unchanged(previous) if previous else set(self._plan)

    def _update(
        self, previous: Snapshot, plan: list[render.PlannedFile], paths: list[str]
    ) -> set[str]:
        """Take over the previous snapshot, for a plan that left out the files it knows
        unchanged (`render.plan_update`: `paths` are all the files): drop the files gone,
        put in the planned ones whose key changed; the paths left to render."""
        before = previous._plan
        self._order = paths
        self._plan = dict(before)
        self._rendered = dict(previous._rendered)
        # The paths are the previous build's, less those gone, plus the planned files new to
        # it: when the counts add up, none is gone, and 11,000 paths need no set difference.
        new = sum(1 for item in plan if item.path not in before)
        if len(paths) != len(before) + new:
            for path in before.keys() - set(paths):
                del self._plan[path]
                self._rendered.pop(path, None)
        changed = set()
        for item in plan:
            old = before.get(item.path)
            if item.key is None or old is None or old.key != item.key:
                changed.add(item.path)
                self._plan[item.path] = item
                self._rendered.pop(item.path, None)
        if len(self._plan) != len(paths):
            raise ValueError("a file left out of the plan is not in the previous build")
        return changed

    def _take_unchanged(self, previous: Snapshot) -> set[str]:
        """Take over from the previous snapshot every file whose dependency key is the
        same (its bytes, or its renderer when not rendered yet); the paths left to render."""
        changed = set()
        for path, item in self._plan.items():
            before = previous._plan.get(path)
            if item.key is None or before is None or before.key != item.key:
                changed.add(path)
                continue
            data = previous._rendered.get(path)
            if data is not None:
                self._rendered[path] = data
            else:
                self._plan[path] = before
        return changed

    def __contains__(self, path: str) -> bool:
        return path in self._plan

    def kept_page(self, path: str) -> tuple[Hashable, str] | None:
        """The key and text of the file at `path`, if this build has it rendered: what the
        next build's edited list pages are spliced into (see `render._spliced_list_page`)."""
        item, stored = self._plan.get(path), self._rendered.get(path)
        if item is None or item.key is None or stored is None:
            return None
        try:
            return item.key, unpacked(stored).decode("utf-8")
        except (OSError, UnicodeDecodeError, zlib.error):  # a build folder gone: render it
            return None

    def file(self, path: str) -> bytes:
        """The bytes of the output file at `path`, rendering it if needed (RenderFailed)."""
        return unpacked(self.render(path))

    def render(self, path: str) -> bytes | Pieces | Text | Packed | OnDisk:
        """The output file at `path` as stored, rendered first if it is not (RenderFailed)."""
        stored = self._rendered.get(path)
        if stored is not None:
            return stored
        try:
            data = self._plan[path].render()
        except Exception as exc:  # a template bug or a theme file gone: fail this build
            raise RenderFailed(render_problem(exc, path, self._project)) from exc
        self._rendered[path] = data
        return data

    def pack(self, paths: list[str] | None = None) -> None:
        """Compress these rendered files (all, by default), unless they already are."""
        rendered = self._rendered
        for path in rendered if paths is None else paths:
            stored = rendered.get(path)
            if type(stored) is bytes or type(stored) is Pieces or type(stored) is Text:
                rendered[path] = packed(stored)

    def seal(self) -> None:
        """Forget how to render the files of this complete build, keeping their bytes and
        keys: its renderers hold the model and memos it was rendered from, which a served or
        fallback build no longer needs (at 10,000 events, a hundred megabytes)."""
        if not self.unrendered():
            self._plan = {
                path: render.PlannedFile(path, _sealed, item.key)
                for path, item in self._plan.items()
            }

    def rest_on_disk(self, folder: Path) -> None:
        """Read this complete build's packed files from `folder` from now on, where they have
        just been written, instead of holding them (see `OnDisk`)."""
        rendered = self._rendered
        for path, stored in list(rendered.items()):
            if type(stored) is Packed:
                file = folder.joinpath(*safe_relative(path).parts)
                rendered[path] = OnDisk(file, _digest(stored.blob))

    def stored(self) -> dict[str, bytes | Pieces | Text | Packed | OnDisk]:
        """Every file as stored, packed or not (call once `unrendered()` is empty)."""
        return {path: self._rendered[path] for path in self._order}

    def render_first(self, paths: list[str]) -> None:
        """Put these paths (pages browsers showed lately) first in the rendering order."""
        self._first = [path for path in paths if path in self._plan]

    def unrendered(self, among: set[str] | None = None) -> list[str]:
        """Output paths not rendered yet, in rendering order (those `render_first` named,
        then the plan's); or only those `among` these, in path order. An edit's few dozen
        files are rendered without a walk over the other 11,000, which the background
        makes later."""
        rendered = self._rendered
        if among is not None:
            return sorted(path for path in among if path not in rendered)
        first = self._first
        chosen = set(first)
        order = chain(first, (path for path in self._order if path not in chosen))
        return [path for path in order if path not in rendered]

    def files(self) -> dict[str, bytes]:
        """Every file by path, rendered (call once `unrendered()` is empty)."""
        return {path: self.file(path) for path in self._order}

    def page_count(self) -> int:
        """How many HTML pages the build has."""
        return sum(1 for path in self._order if path.endswith(".html"))


@dataclass
class _Model:
    """What the rebuild thread keeps between rebuilds, to redo only what a change needs."""

    timeline: object | None = None
    theme: Theme | None = None
    env: jinja2.Environment | None = None
    warnings: tuple[str, ...] = ()
    #: The warnings of the content as last read, which a rebuild that reads none still has.
    content_warnings: tuple[Diagnostic, ...] = ()
    #: The warnings about the theme's static files (None: look at its folders again).
    static_warnings: tuple[Diagnostic, ...] | None = None
    failed: bool = True
    #: Validated records, kept so an edit re-validates only its file.
    validation: ValidationCache = field(default_factory=ValidationCache)
    #: Sort keys and event keys of the last model, kept for the events an edit left alone.
    model: ModelMemo = field(default_factory=ModelMemo)
    #: What rendering the last build left for the next (None: start afresh).
    memo: render.RenderMemo | None = None


class Terminal:
    """Prints the preview's lines (one per rebuild), whole lines only, from any thread."""

    def __init__(self, out=None, err=None):
        self._out = out or sys.stdout
        self._err = err or sys.stderr
        self._lock = threading.Lock()

    def say(self, line: str, stamp: bool = True) -> None:
        """Print a status line, prefixed by the time of day."""
        with self._lock:
            prefix = time.strftime("%H:%M:%S ") if stamp else ""
            print(prefix + line, file=self._out, flush=True)

    def problems(self, lines: list[str]) -> None:
        """Print diagnostics, one per line, on standard error."""
        with self._lock:
            for line in lines:
                print(line, file=self._err)
            self._err.flush()


class Preview:
    """The project as last built, rebuilt on changes; what every HTTP request reads.

    Threads: the rebuild thread alone calls `rebuild`; the background thread runs
    `complete_builds`; request threads call `fetch`, `state`, `wait_for_state` and
    `note_viewed`. Shared fields change only under `_changed`.
    """

    def __init__(
        self, project: Path, options: build.BuildOptions, output: Path, terminal: Terminal
    ):
        self.project = project
        self.options = options
        self._told_own_templates: render.OwnTemplates | None = None
        self.output = output
        self._terminal = terminal
        self._cache = FileCache(outlines=True)
        self._instance = secrets.token_hex(3)
        self._builds = 0
        self._model = _Model()
        self._changed = threading.Condition()
        self._current: Snapshot | None = None
        self._verified: Snapshot | None = None
        self._state = State(version=0, build="", previous="", ok=False)
        self._closed = False
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._rendering = 0  # pages being rendered for waiting browsers
        self._rebuilding = False
        self._last_activity = 0.0  # time.monotonic() of the last request or published build
        self._streams = 0  # open event streams: browsers that fetch each new build
        self._served = 0.0  # time.monotonic() when a page was last sent
        self._written: dict[str, Packed | OnDisk] | None = None  # what the build folder holds
        self._written_id = ""  # the build the folder holds, once all of it is written
        self._kept_texts = self._take_kept_conversions()

    def _take_kept_conversions(self) -> frozenset[str]:
        """Take the Markdown conversions the project's last build kept (see
        `builder.textcache`), so that the first build converts only the texts edited since;
        the texts they are for."""
        kept = textcache.read(self.project)
        text.CONVERTED_EARLY.update(kept)
        return frozenset(kept)

    def _keep_conversions(self, timeline) -> None:
        """Keep the conversions of a complete build's summaries and bodies for the next
        build of the project (`timeline build`, or the next preview), when its texts are
        not those kept already."""
        texts = {e.summary for e in timeline.events if e.summary}
        texts |= {a.body for a in timeline.articles if a.body}
        if texts == self._kept_texts:
            return
        textcache.write(self.project, {source: text.markdown_forms(source) for source in texts})
        self._kept_texts = frozenset(texts)

    # -- reading (request threads) --

    def current(self) -> Snapshot | None:
        """The snapshot being served, or None before the first good build."""
        with self._changed:
            return self._current

    def state(self) -> State:
        """What the browsers should know now."""
        with self._changed:
            return self._state

    def base_path(self) -> str:
        """The URL path the site is served under (`/`, or the path of the base URL)."""
        snapshot = self.current()
        if snapshot is not None:
            return snapshot.base_path
        return urls.Urls(self.options.base_url or "").base_path

    def written_build(self) -> str:
        """The id of the build the build folder holds completely ("" before the first).

        The folder's own time changes when the last file of a build is in, but also on the
        way, as files directly in it are replaced: a tool that must know the folder complete
        (the benchmark, before its next edit) asks for this instead.
        """
        with self._changed:
            return self._written_id

    def wait_for_state(self, version: int, timeout: float) -> State | None:
        """The state once it differs from `version` (or after `timeout`); None once closed."""
        with self._changed:
            self._changed.wait_for(lambda: self._closed or self._state.version != version, timeout)
            return None if self._closed else self._state

    def fetch(self, path: str) -> tuple[Snapshot | None, bytes | None]:
        """The served snapshot and the file at `path` in it (None if it has no such file).

        A page that fails to render fails its whole build: the previous good build takes
        over, and the page is answered from it.
        """
        while True:
            snapshot = self.current()
            if snapshot is None or path not in snapshot:
                return snapshot, None
            try:
                with self._busy():
                    return snapshot, snapshot.file(path)
            except RenderFailed as failure:
                self._fail_late(snapshot, failure.diagnostic)

    def note_viewed(self, path: str) -> None:
        """Remember a page a browser showed, so the next rebuild renders it first."""
        with self._changed:
            self._recent[path] = None
            self._recent.move_to_end(path)
            while len(self._recent) > RECENT_PAGES:
                self._recent.popitem(last=False)

    @contextmanager
    def streaming(self) -> Iterator[None]:
        """Count an open event stream while it lasts (see `_browsers_turn`)."""
        with self._changed:
            self._streams += 1
        try:
            yield
        finally:
            with self._changed:
                self._streams -= 1

    def note_served(self) -> None:
        """A page was sent to a browser."""
        with self._changed:
            self._served = time.monotonic()
            self._changed.notify_all()

    @contextmanager
    def _busy(self):
        with self._changed:
            self._rendering += 1
            self._last_activity = time.monotonic()
        try:
            yield
        finally:
            with self._changed:
                self._rendering -= 1
                self._last_activity = time.monotonic()

    def close(self) -> None:
        """Wake every waiting event stream so it ends."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    # -- building (the rebuild thread) --

    def watch_plan(self) -> WatchPlan:
        """The folders to watch: content/ and the folders of the theme in use."""
        theme = self._model.theme or find_theme(self.project, "default")
        folders = dict.fromkeys(d.parent.resolve() for d in theme.template_dirs + theme.static_dirs)
        return WatchPlan(self.project, tuple(folders))

    def rebuild(self, changes: list[Change], progress: build.Progress | None = None) -> bool:
        """Rebuild for a batch of changes (all of it when `changes` is empty), publish the
        new build if it is good, and print one line; True if it was good. `progress` shows
        the stages on the terminal (the first build of a large project takes seconds)."""
        started = time.perf_counter()
        with _collections_deferred():
            return self._rebuild(changes, started, progress or build.Progress(enabled=False))

    def _rebuild(self, changes: list[Change], started: float, progress: build.Progress) -> bool:
        report = Report()
        self._rebuilding = True  # the background renderer pauses meanwhile
        try:
            snapshot = self._next_snapshot(changes, report, progress)
        except Exception as exc:  # a bug must not end the preview; show it like a content error
            self._terminal.problems(traceback.format_exc().rstrip().splitlines())
            report.error("(timeline serve)", 1, 1, f"internal error: {type(exc).__name__}: {exc}")
            snapshot = None
        finally:
            self._rebuilding = False
            progress.finish()
        ms = (time.perf_counter() - started) * 1000
        if snapshot is None:
            self._publish_failure(report, changes, ms)
            return False
        published = time.monotonic()
        kind = self._publish(snapshot, report, changes)
        shown = ms
        self._browsers_turn(published)
        if not self._render_changed(snapshot):
            return False
        ms = (time.perf_counter() - started) * 1000
        self._say_built(snapshot, changes, kind, ms, shown)
        return True

    def _browsers_turn(self, published: float) -> None:
        """Let open pages fetch the new build before the edit's other files are rendered:
        both want the processor, and the page a browser waits for is what the editor sees
        (at most `BROWSERS_TURN`; not at all without an open page)."""
        with self._changed:
            if self._streams:
                self._changed.wait_for(
                    lambda: self._closed or self._served > published, BROWSERS_TURN
                )

    def _render_changed(self, snapshot: Snapshot) -> bool:
        """Render, right after publishing, the files an edit changed that no browser shows
        (feeds, exports, other pages); a larger change leaves them to the background."""
        if len(snapshot.changed) > EAGER_FILES:
            return True
        self._rebuilding = True
        try:
            changed = snapshot.unrendered(among=snapshot.changed)
            _prerender(snapshot, changed, None)
        except RenderFailed as failure:
            self._fail_late(snapshot, failure.diagnostic)
            return False
        finally:
            self._rebuilding = False
        return True

    def _make_timeline(self, progress: build.Progress) -> tuple[object | None, Report]:
        """Load, validate and model the project with the caches kept between rebuilds (see
        `build.make_timeline`), then let go of the events files' parsed YAML: validation
        keeps what it made of them (see `FileCache.release_events`). The files whose events
        validation needs again (their articles came or went, or site.yaml's vocabularies
        changed) are read again."""
        model, cache = self._model, self._cache
        options = {"validation": model.validation, "memo": model.model}
        try:
            timeline, loaded, _ = build.make_timeline(
                self.project, self.options, cache, progress, **options
            )
        except NeedsReading as needs:
            cache.forget_released(needs.files)
            timeline, loaded, _ = build.make_timeline(
                self.project, self.options, cache, progress, **options
            )
        model.validation.release(cache.release_events())
        return timeline, loaded

    def _next_snapshot(
        self, changes: list[Change], report: Report, progress: build.Progress
    ) -> Snapshot | None:
        kinds = {change.kind for change in changes}
        model = self._model
        self._cache.expect_changes(changed_files(changes))
        if kinds & {CONFIG, TEMPLATE}:
            model.env = None  # compile templates afresh, even if this rebuild fails early
            model.memo = None
        if not changes or kinds - {CONTENT}:
            model.static_warnings = None  # look again, even if this rebuild fails early
        previous_timeline = model.timeline
        if not changes or model.failed or model.timeline is None or kinds & {CONFIG, CONTENT}:
            timeline, loaded = self._make_timeline(progress)
            report.extend(loaded)
            if timeline is None:
                model.failed = True
                return None
            model.timeline = timeline
            model.content_warnings = tuple(loaded.warnings)
        else:
            report.items.extend(model.content_warnings)
        timeline = model.timeline
        progress.stage("plan")
        theme = find_theme(self.project, timeline.site.theme)
        if not theme.template_dirs:
            report.error("content/site.yaml", 1, 1, f"theme {timeline.site.theme!r} not found")
            model.failed = True
            return None
        if model.static_warnings is None or theme != model.theme:
            model.static_warnings = tuple(static_link_warnings(theme, self.project))
        report.items.extend(model.static_warnings)
        if model.env is None or theme != model.theme:
            model.env = make_environment(theme)
            model.env.auto_reload = False  # a snapshot keeps the templates it started with
            model.memo = None
            # As `timeline build` does, every template at the start (or with a new theme),
            # then each one an edit touched: a broken one fails the build, used or not.
            edited = None
            if theme == model.theme:
                edited = edited_templates(changes, theme, self.project)
            problem = broken_template(model.env, self.project, edited)
            if problem is not None:
                report.items.append(problem)
                model.env = model.theme = None  # all compiled again at the next change
                model.failed = True
                return None
        model.theme = theme
        links = urls.Urls(timeline.site.base_url)
        carry_over = model.memo is not None and self._current is not None
        model.memo = next_memo(model.memo, previous_timeline, timeline)
        previous = self._current if carry_over else None
        self._builds += 1
        snapshot = next_snapshot(
            f"{self._instance}-{self._builds}",
            (timeline, theme, links, model.env),
            model.memo,
            self.project,
            previous,
            report,
        )
        if snapshot is None:
            model.failed = True
            return None
        with self._changed:
            recent = [path for path in reversed(self._recent) if path in snapshot]
        snapshot.render_first(recent)
        # The pages browsers show render before publishing (all of them after an edit; within
        # a budget after a big change), the rest of an edit's files right after publishing.
        eager = len(snapshot.changed) <= EAGER_FILES
        deadline = None if eager else time.perf_counter() + PRERENDER_BUDGET
        try:
            _prerender(snapshot, recent, deadline)
        except RenderFailed as failure:
            report.items.append(failure.diagnostic)
            model.failed = True
            return None
        model.failed = False
        return snapshot

    def _publish(self, snapshot: Snapshot, report: Report, changes: list[Change]) -> str:
        """Serve the new build and tell the browsers: RELOAD, or CSS for a stylesheet swap
        (returned)."""
        with self._changed:
            previous = self._current
            css_only = bool(changes) and all(c.kind == STYLE for c in changes)
            kind = CSS if css_only and previous is not None and self._state.ok else RELOAD
            self._current = snapshot
            self._state = State(
                self._state.version + 1,
                snapshot.id,
                previous.id if previous else "",
                True,
                kind,
                warnings=_warning_lines(report),
            )
            self._changed.notify_all()
        self._show_warnings(report)
        if previous is not None and previous.base_path != snapshot.base_path:
            self._terminal.say(f"the site is now served under {snapshot.base_path} (base_url)")
        return kind

    def _say_built(
        self, snapshot: Snapshot, changes: list[Change], kind: str, ms: float, shown: float
    ) -> None:
        """The rebuild's one line: what changed, how long it took, how many files it
        rendered again, and when open pages were told to reload."""
        if not changes:
            timeline = self._model.timeline
            self._terminal.say(
                f"built in {ms:.0f} ms: {snapshot.page_count()} pages "
                f"({_count(len(timeline.events), 'event')}, "
                f"{_count(len(timeline.articles), 'article')})"
            )
        else:
            swapped = "; stylesheet swapped in open pages" if kind == CSS else ""
            touched = len(snapshot.changed)
            files = "" if kind == CSS else f"; {_count(touched, 'file')} re-rendered"
            early = f"; pages reloading after {shown:.0f} ms" if ms - shown >= 1 else ""
            self._terminal.say(
                f"rebuilt in {ms:.0f} ms ({describe(changes)}{swapped}{files}{early})"
            )
        self._say_untracked_reads()

    def _say_untracked_reads(self) -> None:
        """Once per set of templates: why every page renders again after each edit, when a
        project's own template reads more than the pages' keys cover."""
        memo = self._model.memo
        own = memo.own_templates if memo is not None else None
        if own is None or own is self._told_own_templates:
            return
        self._told_own_templates = own
        if own.uncovered:
            first = own.uncovered[0]
            more = len(own.uncovered) - 1
            others = f" (and {_count(more, 'other place')})" if more else ""
            where = f"{shown_path(Path(first.file), self.project)}:{first.line}"
            self._terminal.say(
                f"note: {where}: {first.what}{others}: the preview cannot tell which pages "
                "that shows on, so every page renders again after each edit "
                "(see docs/theming.md)"
            )

    def _publish_failure(self, report: Report, changes: list[Change], ms: float) -> None:
        errors = [d for d in report.sorted() if d.severity == "error"]
        with self._changed:
            served = self._current
            self._state = State(
                self._state.version + 1,
                served.id if served else "",
                "",
                False,
                errors=tuple(d.format() for d in errors),
                warnings=_warning_lines(report),
            )
            self._changed.notify_all()
        self._terminal.problems([d.format() for d in report.sorted()])
        self._model.warnings = ()
        what = f" ({describe(changes)})" if changes else ""
        still = "previous build still served" if served else "nothing to serve until it is fixed"
        verb = "rebuild" if changes else "build"
        self._terminal.say(f"{verb} failed{what}: {_count(len(errors), 'error')} ({still})")

    def _show_warnings(self, report: Report) -> None:
        warnings = _warning_lines(report)
        if warnings and warnings != self._model.warnings:
            self._terminal.problems([*warnings, f"{_count(len(warnings), 'warning')}"])
        self._model.warnings = warnings

    def _fail_late(self, snapshot: Snapshot, diagnostic: Diagnostic) -> None:
        """A page of a published build failed to render: go back to the last complete one."""
        with self._changed:
            if snapshot.failed:
                return
            snapshot.failed = True
            if self._current is not snapshot:
                return  # already replaced by a newer build
            fallback = self._verified if self._verified is not snapshot else None
            self._current = fallback
            self._model.failed = True
            self._state = State(
                self._state.version + 1,
                fallback.id if fallback else "",
                "",
                False,
                errors=(diagnostic.format(),),
                warnings=self._state.warnings,
            )
            self._changed.notify_all()
        self._terminal.problems([diagnostic.format()])
        still = "previous build still served" if fallback else "nothing to serve until it is fixed"
        self._terminal.say(f"rebuild failed: 1 error ({still})")

    # -- completing builds (the background thread) --

    def complete_builds(self, stop: threading.Event) -> None:
        """Render the rest of each published build in the background, then write it to the
        build folder and keep it as the build to fall back to."""
        while not stop.is_set():
            snapshot = self._next_to_complete(stop)
            if snapshot is None or not self._render_rest(snapshot, stop):
                continue
            snapshot.seal()
            self._settle_keys()
            # What rebuilds set aside (see _collections_deferred) is collected now, while the
            # editor types, rather than in the next rebuild; before the build folder is
            # written, whose new time tells that the preview is idle again.
            gc.unfreeze()
            gc.collect()
            try:
                self._mirror(snapshot)
            except (OSError, ValueError, DuplicateOutput) as exc:
                self._written = None
                if stop.is_set():  # stopping: the folder is being removed under the writer
                    return
                self._terminal.problems([f"timeline: warning: cannot write {self.output}: {exc}"])
            # Before the build is told written: a benchmark's next edit waits for that.
            if self.current() is snapshot and not snapshot.failed:
                timeline = self._model.timeline
                if timeline is not None:
                    self._keep_conversions(timeline)
            _return_free_memory()
            with self._changed:
                if not snapshot.failed:
                    self._verified = snapshot
                if self._written is not None:
                    self._written_id = snapshot.id

    def _settle_keys(self) -> None:
        """Make the keys a build left lazy (the first, or the one after a template change:
        see `depends.LazyKey`), now that its pages are rendered and its events ranked:
        about half a second at 10,000 events, after the ten or so of rendering them, and
        then its model can go."""
        memo = self._model.memo
        if memo is not None:
            memo.settle_keys()

    def _mirror(self, snapshot: Snapshot) -> None:
        """Write a complete build to the build folder: whole the first time, then only the
        files whose bytes changed (compared packed: equal bytes pack alike)."""
        snapshot.pack()
        files = snapshot.stored()
        if self._written is None or not self.output.is_dir():
            outputs = (OutputFile(path, unpacked(data)) for path, data in files.items())
            build.write_outputs(outputs, self.output)
        else:
            update_site(self.output, self._written, files, unpacked)
            os.utime(self.output)  # the folder's time tells watchers a build is complete
        snapshot.rest_on_disk(self.output)
        self._written = snapshot.stored()

    def _next_to_complete(self, stop: threading.Event) -> Snapshot | None:
        with self._changed:
            self._changed.wait_for(
                lambda: (
                    stop.is_set()
                    or (self._current is not None and self._current is not self._verified)
                ),
                timeout=0.5,
            )
            snapshot = self._current
        if snapshot is None or snapshot is self._verified or stop.is_set():
            return None
        return snapshot

    def _render_rest(self, snapshot: Snapshot, stop: threading.Event) -> bool:
        for path in snapshot.unrendered():
            self._wait_for_quiet(snapshot, stop)
            if stop.is_set() or self.current() is not snapshot:
                return False
            try:
                snapshot.render(path)
            except RenderFailed as failure:
                self._fail_late(snapshot, failure.diagnostic)
                return False
            snapshot.pack([path])  # as it goes: a new build is held beside the served one
        return True

    def _wait_for_quiet(self, snapshot: Snapshot, stop: threading.Event) -> None:
        """Wait while browsers are loading pages or a rebuild runs: they go first."""
        while not stop.is_set():
            with self._changed:
                busy = self._rendering or self._rebuilding
                since = max(self._last_activity, snapshot.created)
            now = time.monotonic()
            quiet = now - since >= BACKGROUND_QUIET
            if not busy and (quiet or now - snapshot.created >= BACKGROUND_PATIENCE):
                return
            stop.wait(0.01)


def _return_free_memory() -> None:
    """Give the pages the C allocator holds free back to the system, once a build is
    complete: rendering a whole build in the background frees a hundred megabytes in small
    pieces that glibc keeps for later, and the preview's next peak came on top of them (at
    10,000 events, 575-587 MB against 528-534 MB with them given back, for 5-22 ms).
    Nothing where the C library has no `malloc_trim` (not glibc)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


@contextmanager
def _collections_deferred() -> Iterator[None]:
    """No garbage collection during a rebuild, nor right after it, when browsers fetch the
    new pages: a collection rescans every object the rebuild made (at 10,000 events, half of
    a rebuild's time) and the first one after it would fall on those requests. What the
    rebuild made is set aside (`gc.freeze`) until the background completes the build and
    collects it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def changed_files(changes: list[Change]) -> list[str] | None:
    """The content files a batch of changes names, for loading to look at them alone (see
    `FileCache.expect_changes`); None when the batch is more than files changed in place
    (the first build, site.yaml, a folder), which has every file looked at."""
    if not changes:
        return None
    files = []
    for change in changes:
        if change.kind == CONFIG or (change.kind == CONTENT and change.path.endswith("/")):
            return None
        if change.kind == CONTENT:
            files.append(change.path)
    return files


def _prerender(snapshot: Snapshot, paths: list[str], deadline: float | None) -> None:
    """Render these files of the snapshot in order (theme.RenderFailed), at least the first, and
    the others until the deadline, if any."""
    for number, path in enumerate(paths):
        if number and deadline is not None and time.perf_counter() > deadline:
            break
        snapshot.render(path)


#: How many list items per event the memo keeps before it forgets those of past edits: an
#: event's item differs by heading level and compactness (two or three kinds), and each
#: edit adds one more of the edited events.
ITEMS_PER_EVENT = 6


def next_memo(
    memo: render.RenderMemo | None, before: object | None, after: object
) -> render.RenderMemo:
    """The memo for rendering `after`, kept from the build of `before` where the change
    between them cannot have touched it (a new one when there is nothing to keep)."""
    if memo is None or before is None:
        return render.RenderMemo(exports=FragmentMemo(in_pieces=True))
    if before is after:
        memo.events_touched, memo.lists_touched = frozenset(), frozenset()
        return memo
    old_events, new_events = before.events_by_id, after.events_by_id
    changed = after.changed_since(before)
    if changed is None:
        changed = _changed_events(before, after, old_events, new_events)
    finder = RelatedEvents(after, previous=memo.related)
    touched = lists = None
    if memo.related is not None:
        # Validation keeps the very record of an event it found unchanged: only the others
        # can have moved.
        moved = {i for i in changed if ranking(old_events.get(i)) != ranking(new_events.get(i))}
        affected = affected_by(memo.related, finder, moved)
        finder.found = dict(memo.related.found)
        for event_id in affected:
            finder.found.pop(event_id, None)
        # A page shows its event, its neighbours and its related events: the events whose
        # page an edit may change are those around the changed ones in time and in their
        # actors' and tags' windows (what `affected_by` finds), the changed ones included.
        touched = frozenset(affected_by(memo.related, finder, changed))
        lists = frozenset(_lists_touched(before, after, changed, old_events, new_events))
    items = memo.list_items
    if len(items) > ITEMS_PER_EVENT * len(after.events):  # drop the items of edits gone by
        current = {after.event_key(e) for e in after.events}
        items = {key: item for key, item in items.items() if key[0] in current}
    # The rest of the memo carries over as it is.
    return dataclasses.replace(
        memo, list_items=items, related=finder, events_touched=touched, lists_touched=lists
    )


def _changed_events(before, after, old_events: dict, new_events: dict) -> set[str]:
    """Ids of the events added, removed, or changed (a new record, or a new key: an article
    it cites changed) between two timelines."""
    changed = set(old_events.keys() ^ new_events.keys())
    for i, event in new_events.items():
        old = old_events.get(i)
        if old is None:
            continue
        if old is not event or before.event_key(old) != after.event_key(event):
            changed.add(i)
    return changed


def _lists_touched(before, after, changed: set[str], old_events: dict, new_events: dict) -> set:
    """Names of the list units (see `render._pages`) whose events may differ between two
    timelines: those of each changed event's terms, year and cited articles, before and after
    the change, and those of the articles that changed."""
    names: set = set()
    for i in changed:
        for event in (old_events.get(i), new_events.get(i)):
            if event is None:
                continue
            for taxonomy, keys in (
                ("countries", event.countries),
                ("actors", event.actors),
                ("categories", [event.category] if event.category else []),
                ("tags", event.tags),
            ):
                names.update(("term", taxonomy, key) for key in keys)
            names.add(("year", event.date.year))
            names.update(("article", s.article) for s in event.sources if s.article)
    old_articles, new_articles = before.articles_by_id, after.articles_by_id
    names.update(
        ("article", a)
        for a in old_articles.keys() | new_articles.keys()
        if old_articles.get(a) is not new_articles.get(a)
    )
    return names


def edited_templates(changes: list[Change], theme: Theme, project: Path) -> list[str] | None:
    """The names of the templates that these changes edited or added, or None when a folder
    of templates changed (any of them may have)."""
    folders = [folder.resolve() for folder in theme.template_dirs]
    names = []
    for change in changes:
        if change.kind != TEMPLATE:
            continue
        path = project / change.path  # relative to the project when inside it
        if path.is_dir():
            return None
        if path.is_file():
            path = path.resolve()
            folder = next((f for f in folders if path.is_relative_to(f)), None)
            if folder is not None:
                names.append(path.relative_to(folder).as_posix())
    return names


def next_snapshot(
    build_id: str,
    site: tuple,
    memo: render.RenderMemo,
    project: Path,
    previous: Snapshot | None,
    report: Report,
) -> Snapshot | None:
    """The snapshot of the next build of `site` (timeline, theme, links, environment), None
    (reported) if two pages want one path. When `previous` is the build made from the
    memo's last plan, only the units of pages the change may have touched are planned
    (`render.plan_update`) and the snapshot takes the rest over; otherwise every page is
    planned, and files keep the previous build's bytes where their keys are the same."""
    timeline, theme, links, env = site
    memo.last_pages = previous.kept_page if previous is not None else None
    update = None
    if previous is not None and memo.units and memo.planned_for == previous.id:
        memo.planned_for = None  # until a snapshot is made from this plan
        update = render.plan_update(timeline, theme, links, env, memo)
    if update is not None:
        snapshot = _updated_snapshot(build_id, update, links, project, previous, report)
        if snapshot is not None or report.failed():
            memo.planned_for = snapshot and snapshot.id
            return snapshot
    memo.planned_for = None
    plan = render.plan_site(timeline, theme, links, env, memo=memo, keyed=True)
    if _reported_duplicates([item.path for item in plan], report):
        return None
    snapshot = Snapshot(build_id, plan, links.base_path, project, previous)
    memo.planned_for = snapshot.id
    return snapshot


def _updated_snapshot(
    build_id: str,
    update: render.PlanUpdate,
    links: urls.Urls,
    project: Path,
    previous: Snapshot,
    report: Report,
) -> Snapshot | None:
    """The snapshot of a plan update; None if two pages want one path (reported) or the
    update does not fit the previous snapshot (not reported: plan everything instead)."""
    if _reported_duplicates(update.paths, report):
        return None
    try:
        return Snapshot(build_id, update.files, links.base_path, project, previous, update.paths)
    except ValueError:
        return None


def _reported_duplicates(paths: list[str], report: Report) -> bool:
    """Whether two files want the same output path (each reported)."""
    if len(set(paths)) == len(paths):
        return False
    seen: set[str] = set()
    for path in paths:
        if path in seen:
            report.error("content", 1, 1, f"two pages want the same output path {path!r}")
        seen.add(path)
    return True


def _warning_lines(report: Report) -> tuple[str, ...]:
    """The warnings of a build's report, one `PATH:LINE:COL: warning:` line each, sorted."""
    return tuple(d.format() for d in report.sorted() if d.severity == "warning")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


# --- HTTP ------------------------------------------------------------------------------

_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".webmanifest": "application/manifest+json",
    ".pdf": "application/pdf",
}


def content_type(path: str) -> str:
    """The Content-Type for an output path, by its suffix."""
    suffix = Path(path).suffix.lower()
    return _CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


class BadTarget(ValueError):
    """A request target that is not a plain path (traversal, bad encoding, control bytes)."""


def parse_target(target: str) -> tuple[str, str]:
    """The percent-decoded path and the raw query of a request target; BadTarget otherwise.

    Decoding happens once: `%252e` stays the three characters `%2e`, a name that no build
    has, rather than becoming a dot. Dot segments, backslashes and control characters are
    refused outright, although the server could not reach the disk through them anyway.
    """
    if not target.startswith("/"):
        raise BadTarget(target)
    raw, _, query = target.partition("?")
    raw = raw.partition("#")[0]
    try:
        path = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise BadTarget(target) from None
    if "\\" in path or any(ord(c) < 32 or ord(c) == 127 for c in path):
        raise BadTarget(target)
    if any(segment in (".", "..") for segment in path.split("/")):
        raise BadTarget(target)
    return path, query


def inject(page: bytes, tag: bytes) -> bytes:
    """`page` with `tag` inserted before its last `</body>` (appended if there is none)."""
    at = page.rfind(b"</body")
    if at < 0:
        at = page.lower().rfind(b"</body")
    if at < 0:
        return page + tag
    return page[:at] + tag + page[at:]


@dataclass(frozen=True)
class HostPolicy:
    """Which Host headers the server answers: DNS-rebinding protection.

    A page on a hostile domain that resolves to 127.0.0.1 still sends its own name as Host,
    so only loopback names, the bound address and, when bound to every interface, this
    machine's names and IP literals are answered.
    """

    names: frozenset[str]
    any_ip: bool = False

    def allows(self, header: str | None) -> bool:
        """Whether a request with this Host header may be answered."""
        if not header:
            return False
        host = header.strip().lower()
        if host.startswith("["):
            host = host[1 : host.find("]")] if "]" in host else ""
        elif host.count(":") == 1:
            host = host.rsplit(":", 1)[0]
        host = host.rstrip(".")
        if host in self.names or host.endswith(".localhost"):
            return True
        return self.any_ip and _is_ip(host)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def host_policy(bound: str) -> HostPolicy:
    """The Host policy for a server bound to address `bound`."""
    names = {"localhost", "127.0.0.1", "::1", bound.lower()}
    wildcard = bound in ("0.0.0.0", "::", "")
    if wildcard:
        with suppress(OSError):
            names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
    return HostPolicy(frozenset(names), any_ip=wildcard)


class PreviewServer(ThreadingHTTPServer):
    """The HTTP server: one thread per connection, none of which delays exit."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple, family: int, hosts: HostPolicy, client_script: bytes):
        self.address_family = family
        self.hosts = hosts
        self.client_script = client_script
        self.preview: Preview | None = None
        super().__init__(address, PreviewHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind would look the address up in DNS, which can hang.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # a browser closed its tab or cancelled a request
        super().handle_error(request, client_address)


class PreviewHandler(BaseHTTPRequestHandler):
    """Answers one request from the current snapshot, or from the preview's own endpoints."""

    server: PreviewServer
    server_version = "timeline-serve"

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args) -> None:
        pass  # the terminal shows one line per rebuild, not one per request

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _not_allowed(self) -> None:
        self._plain(405, "only GET and HEAD are allowed\n", head=False, Allow="GET, HEAD")

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _not_allowed

    def _answer(self, head: bool) -> None:
        if not self.server.hosts.allows(self.headers.get("Host")):
            self._plain(403, "this preview answers only to localhost and its own address\n", head)
            return
        try:
            path, query = parse_target(self.path)
        except BadTarget:
            self._plain(400, "bad request path\n", head)
            return
        preview = self.server.preview
        base = preview.base_path()
        if not path.startswith(base):
            if path in ("/", base.rstrip("/")):
                self._redirect(base)
            else:
                self._not_found(head)
            return
        rel = path[len(base) :]
        if rel.startswith(INTERNAL):
            self._internal(rel[len(INTERNAL) :], query, head)
        else:
            self._site_file(rel, path, query, head)

    def _site_file(self, rel: str, path: str, query: str, head: bool) -> None:
        preview = self.server.preview
        key = rel + "index.html" if rel == "" or rel.endswith("/") else rel
        snapshot, data = preview.fetch(key)
        if snapshot is None:
            self._placeholder(head)
            return
        if data is None:
            if rel and not rel.endswith("/") and rel + "/index.html" in snapshot:
                self._redirect(path + "/" + ("?" + query if query else ""), status=301)
            else:
                self._not_found(head)
            return
        if key.endswith(".html"):
            preview.note_viewed(key)
        self._send(200, key, data, head, snapshot.id)
        if key.endswith(".html"):
            preview.note_served()

    def _not_found(self, head: bool) -> None:
        snapshot, data = self.server.preview.fetch("404.html")
        if data is None:
            self._plain(404, "not found\n", head)
        else:
            self._send(404, "404.html", data, head, snapshot.id)

    def _placeholder(self, head: bool) -> None:
        state = self.server.preview.state()
        if state.errors:
            heading = "The site does not build yet"
            text = "Fix the problems below; this page shows the site by itself once it builds."
        else:
            heading = "Building the site…"
            text = "This page shows the site by itself once it is built."
        items = "".join(f"<li><code>{html.escape(e)}</code></li>" for e in state.errors)
        page = (
            "<!doctype html><html lang=en><head><meta charset=utf-8>"
            f"<title>timeline serve: {heading}</title></head><body>"
            f"<h1>{heading}</h1><p>{text}</p><ol>{items}</ol></body></html>"
        ).encode()
        self._send(503, "placeholder.html", page, head, "", **{"Retry-After": "1"})

    def _internal(self, name: str, query: str, head: bool) -> None:
        if name == "livereload.js":
            self._send(200, name, self.server.client_script, head, "")
        elif name == "state":
            state = self.server.preview.state()
            self._send(200, "state.json", state.to_json().encode(), head, "")
        elif name == "events":
            self._events(parse_qs(query).get("build", [""])[0], head)
        elif name == "written":
            self._plain(200, self.server.preview.written_build() + "\n", head)
        else:
            self._plain(404, "not found\n", head)

    def _events(self, known: str, head: bool) -> None:
        """A server-sent event stream of states, starting with the current one unless the
        client already shows it."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if head:
            return
        preview = self.server.preview
        with preview.streaming():
            self._stream_states(preview, known)

    def _stream_states(self, preview: Preview, known: str) -> None:
        state = preview.state()
        try:
            self.wfile.write(b"retry: 1000\n\n")
            if not (state.ok and state.build == known):
                self._event(state)
            version = state.version
            while True:
                state = preview.wait_for_state(version, PING_SECONDS)
                if state is None:
                    return
                if state.version == version:
                    self.wfile.write(b": ping\n\n")
                else:
                    self._event(state)
                    version = state.version
        except (ConnectionError, TimeoutError, ValueError):
            return  # the tab went away (ValueError: the socket was closed on shutdown)

    def _event(self, state: State) -> None:
        self.wfile.write(f"id: {state.version}\ndata: {state.to_json()}\n\n".encode())

    def _send(
        self, status: int, name: str, data: bytes, head: bool, build_id: str, **extra
    ) -> None:
        ctype = content_type(name)
        if ctype.startswith("text/html"):
            data = inject(data, self._script_tag(build_id))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _script_tag(self, build_id: str) -> bytes:
        base = html.escape(self.server.preview.base_path() + INTERNAL)
        return (
            f'<script src="{base}livereload.js" data-build="{html.escape(build_id)}" '
            f'data-events="{base}events" data-state="{base}state" defer></script>\n'
        ).encode()

    def _plain(self, status: int, text: str, head: bool, **extra) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _redirect(self, location: str, status: int = 302) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()


# --- the command -----------------------------------------------------------------------


class BindError(Exception):
    """The server cannot listen where it was asked to; the message says why."""


def bind(host: str, port: int, client_script: bytes) -> PreviewServer:
    """A server listening on host:port (port 0: a free one); BindError with a clear message."""
    if not 0 <= port <= 65535:
        raise BindError(f"--port {port} is not a port number (0-65535; 0 picks a free one)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise BindError(f"cannot find the address {host!r}: {exc.strerror}") from None
    family, _, _, _, sockaddr = infos[0]
    try:
        return PreviewServer(sockaddr[:2], family, host_policy(sockaddr[0]), client_script)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            message = (
                f"port {port} on {host} is in use; choose another with --port (0 picks a free one)"
            )
        elif exc.errno == errno.EACCES:
            message = f"not allowed to listen on port {port} on {host}; choose another with --port"
        elif exc.errno == errno.EADDRNOTAVAIL:
            message = f"{host} is not an address of this machine; use --host 127.0.0.1"
        else:
            message = f"cannot listen on {host} port {port}: {exc.strerror or exc}"
        raise BindError(message) from None


def is_loopback(address: str) -> bool:
    """Whether a bound address is reachable from this machine only."""
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def site_url(server: PreviewServer, host: str, base_path: str) -> str:
    """The URL to open: the bound address (loopback when bound to every interface)."""
    address, port = server.server_address[:2]
    shown = host if host and not _is_ip(host) else address
    if shown in ("0.0.0.0", ""):
        shown = "127.0.0.1"
    elif shown == "::":
        shown = "::1"
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}{base_path}"


def open_in_browser(url: str, terminal: Terminal) -> None:
    """Open the preview in the user's web browser (`--open`; BROWSER chooses which), or say
    on one line that none could be: the preview serves either way.

    Run on a thread of its own: a browser command from BROWSER may not return until the
    browser is closed, and the server must not wait for it."""
    try:
        opened = webbrowser.open(url)
    except (webbrowser.Error, OSError):
        opened = False
    if not opened:
        terminal.problems(
            [
                "timeline: warning: no web browser could be opened (set BROWSER to the "
                f"command of one); open {url} yourself"
            ]
        )


def client_script() -> bytes:
    """The reload script the server injects into HTML pages (package data)."""
    return resources.files("builder").joinpath("data", "livereload.js").read_bytes()


@dataclass
class _Threads:
    """The background threads of one serve run, so they can be stopped together."""

    stop: threading.Event = field(default_factory=threading.Event)
    started: list[threading.Thread] = field(default_factory=list)

    def start(self, name: str, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self.started.append(thread)

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for thread in self.started:
            thread.join(max(0.0, deadline - time.monotonic()))


def _rebuild_loop(preview: Preview, watcher: Watcher, changes: ChangeQueue, stop) -> None:
    while not stop.is_set():
        batch = changes.next_batch(stop, QUIET, LONGEST_WAIT)
        if not batch:
            continue
        watcher.update(preview.watch_plan())  # a folder that came back is watched before it is read
        preview.rebuild(batch)
        watcher.update(preview.watch_plan())  # site.yaml may have chosen another theme


def run_serve(
    project: Path,
    *,
    host: str,
    port: int,
    drafts: bool,
    base_url: str | None,
    open_browser: bool = False,
) -> int:
    """`timeline serve`: build PROJECT into a temporary folder, serve it, rebuild on changes
    and reload the browsers, until Ctrl-C; with `open_browser`, open the preview in the
    user's browser once it is served. Returns 0, or 2 when it cannot listen."""
    options = build.BuildOptions(drafts=drafts, base_url=build.checked_base_url(base_url))
    try:
        server = bind(host, port, client_script())
    except BindError as exc:
        print(f"timeline: error: {exc}", file=sys.stderr)
        return 2
    terminal = Terminal()
    bound = server.server_address[0]
    if not is_loopback(bound):
        terminal.problems(
            [
                f"timeline: warning: listening on {host}, which other machines can reach: they "
                "can read this preview, drafts included (--host 127.0.0.1 keeps it local)"
            ]
        )
    folder = Path(tempfile.mkdtemp(prefix="timeline-serve-"))
    threads = _Threads()
    watcher = None
    serving = False
    previous_sigterm = _stop_on_sigterm()
    try:
        preview = Preview(project, options, folder / "site", terminal)
        server.preview = preview
        changes = ChangeQueue()
        watcher = Watcher(changes, preview.watch_plan())
        watcher.start()
        threads.start("http", server.serve_forever, 0.2)
        serving = True
        # Loading and planning 10,000 events takes seconds: a terminal shows how far it got.
        progress = build.Progress()
        with progress.ticking():
            preview.rebuild([], progress)
        terminal.problems(watcher.notes)
        url = site_url(server, host, preview.base_path())
        terminal.say(f"serving {url}  (Ctrl-C to stop)", stamp=False)
        terminal.say(f"building into {folder / 'site'} (removed on exit)", stamp=False)
        if open_browser:
            threads.start("browser", open_in_browser, url, terminal)
        threads.start("rebuild", _rebuild_loop, preview, watcher, changes, threads.stop)
        threads.start("background", preview.complete_builds, threads.stop)
        while not threads.stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        threads.stop.set()
        if server.preview is not None:
            server.preview.close()
        if serving:
            server.shutdown()
        server.server_close()
        if watcher is not None:
            watcher.stop()
        threads.join(0.8)
        remove_soon(folder)
        _restore_sigterm(previous_sigterm)
    terminal.say("stopped; the temporary build folder was removed", stamp=False)
    return 0


def remove_soon(folder: Path) -> None:
    """Remove the temporary build folder without making Ctrl-C wait for it.

    Deleting a large build takes a slow disk many seconds (10,000 events: 11,000 files, up to
    40 s on a busy machine), so the folder is renamed away at once and deleted by a separate
    process that outlives the server; in place only if that cannot start.
    """
    trash = folder.with_name(folder.name + ".removing")
    try:
        folder.rename(trash)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return
    remover = "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)"
    try:
        subprocess.Popen(
            [sys.executable, "-c", remover, str(trash)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        shutil.rmtree(trash, ignore_errors=True)


def _stop_on_sigterm():
    """Make SIGTERM stop the server as Ctrl-C does (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, interrupt)


def _restore_sigterm(previous) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)
