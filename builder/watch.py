"""Watch a project's sources and turn editors' file-system noise into one batch per edit.

This is the watchdog half of the live-preview server (`serve` owns it; nothing else in the
builder knows about file watching). Editors do not simply write a file: vim renames the
original to `file~` and writes a new one, JetBrains writes `file___jb_tmp___` and renames it
over, `git checkout` touches hundreds of files at once. So the watcher

- watches *folders* (content/ and the themes in use, recursively; the project folder itself,
  not recursively, so that content/ or themes/ coming back is seen), which catches atomic
  saves that replace a file by renaming another one over it;
- reads every event through `WatchPlan.classify`, which drops editor temporary and backup
  files and anything the build does not read, and says what kind of source changed;
- hands changes to a `ChangeQueue`, which releases them as one batch once the file system
  has been quiet for a moment (or a storm has lasted long enough).

The build output is never inside a watched folder: the server builds into a temporary folder
elsewhere, and the project's own site/ is neither content/ nor a theme.
"""

from __future__ import annotations

import os
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

#: What a change is, from the cheapest rebuild it needs to the most expensive.
STYLE = "style"  # a stylesheet of the theme: browsers swap it without reloading
STATIC = "static"  # another static file of the theme
TEMPLATE = "template"  # a Jinja2 template: re-render without re-reading content
CONTENT = "content"  # an article, event or page: re-read that file, rebuild the model
CONFIG = "config"  # site.yaml or a whole folder: rebuild everything

#: How many changes in one batch make it a storm, which waits for a longer quiet.
STORM_SIZE = 10

#: Events that can change what the build reads. Opening and reading (our own build reads
#: every file) and attribute changes are left out, so they never cause a rebuild.
WATCHED_EVENTS = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    FileClosedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
]

#: Names editors and tools write beside the real file while saving: vim swap and backup
#: files and its `4913` write probe, emacs lock and autosave files, JetBrains safe-write
#: files, macOS folder metadata, gedit and Kate temporaries.
_EDITOR_TEMP = re.compile(
    r"""(
        \.sw[a-p]$ | \.swx$ | ~$ | ^\.\# | ^\#.*\#$ | ^\d+$ | ^\.DS_Store$
      | ___jb_(tmp|old)___$ | ^\.goutputstream- | \.kate-swp$ | \.crswap$
    )""",
    re.VERBOSE,
)

_CONTENT_SUFFIXES = {
    "articles": (".md", ".txt"),
    "events": (".yaml", ".yml"),
    "pages": (".md",),
}


def is_editor_temp(name: str) -> bool:
    """Whether a file name is an editor's temporary, backup or lock file, never a source."""
    return bool(_EDITOR_TEMP.search(name))


@dataclass(frozen=True)
class Change:
    """One source that changed: its kind (CONFIG … STYLE) and the path shown to the editor."""

    kind: str
    path: str


@dataclass(frozen=True)
class WatchPlan:
    """Which folders to watch for a project, and what a changed path in them means."""

    project: Path
    theme_dirs: tuple[Path, ...] = ()

    @property
    def content(self) -> Path:
        """The project's content folder."""
        return self.project / "content"

    def folders(self) -> list[tuple[Path, bool]]:
        """(folder, recursive) pairs to watch; folders that do not exist are left out."""
        wanted = [(self.project, False), (self.project / "themes", False), (self.content, True)]
        wanted += [(folder, True) for folder in self.theme_dirs]
        seen: set[Path] = set()
        result = []
        for folder, recursive in wanted:
            if folder.is_dir() and folder not in seen:
                seen.add(folder)
                result.append((folder, recursive))
        return result

    def classify(self, path: Path, is_dir: bool) -> Change | None:
        """What a change at `path` means for the build, or None when the build ignores it."""
        if not is_dir and is_editor_temp(path.name):
            return None
        if path.parent == self.project:
            if path.name == "content":
                return Change(CONFIG, "content/")
            if path.name == "themes":
                return Change(TEMPLATE, "themes/")
            return None
        if path.is_relative_to(self.content):
            return self._classify_content(path, is_dir)
        for theme in self.theme_dirs:
            if path.is_relative_to(theme):
                return self._classify_theme(theme, path, is_dir)
        if path.parent == self.project / "themes":
            return Change(TEMPLATE, self.shown(path) + "/")  # a theme folder came or went
        return None

    def _classify_content(self, path: Path, is_dir: bool) -> Change | None:
        parts = path.relative_to(self.content).parts
        if not parts:
            return Change(CONFIG, "content/")
        if any(part.startswith(".") for part in parts):
            return None  # the loader skips hidden files and folders
        if parts == ("site.yaml",):
            return Change(CONFIG, self.shown(path))
        suffixes = _CONTENT_SUFFIXES.get(parts[0])
        if suffixes is None:
            return None
        if is_dir or len(parts) == 1:
            return Change(CONTENT, self.shown(path) + "/")
        if path.name.endswith(suffixes):
            return Change(CONTENT, self.shown(path))
        return None

    def _classify_theme(self, theme: Path, path: Path, is_dir: bool) -> Change | None:
        parts = path.relative_to(theme).parts
        if any(part.startswith(".") for part in parts):
            return None
        if not parts or parts[0] == "templates":
            return Change(TEMPLATE, self.shown(path))
        if parts[0] == "static":
            if not is_dir and path.suffix == ".css":
                return Change(STYLE, self.shown(path))
            return Change(STATIC, self.shown(path))
        return None

    def shown(self, path: Path) -> str:
        """`path` as an editor reads it: relative to the project when inside it."""
        try:
            return path.relative_to(self.project).as_posix()
        except ValueError:
            return str(path)


class ChangeQueue:
    """Changes from the watcher thread, released as batches after a quiet moment."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Change] = queue.Queue()

    def put(self, change: Change) -> None:
        """Add one change (called from the watcher thread)."""
        self._queue.put(change)

    def next_batch(
        self, stop: threading.Event, quiet: float, longest: float, storm_quiet: float = 0.25
    ) -> list[Change]:
        """Wait for a change, then collect more until none came for `quiet` seconds or
        `longest` seconds passed since the first; each change once, in order of arrival.
        Once a batch holds `STORM_SIZE` changes it is a storm (a checkout, a "save all"),
        whose pauses are longer: it then waits for `storm_quiet` seconds of quiet instead.
        Returns an empty list once `stop` is set."""
        while True:
            if stop.is_set():
                return []
            try:
                first = self._queue.get(timeout=0.2)
                break
            except queue.Empty:
                continue
        batch = {first: None}
        deadline = time.monotonic() + longest
        while not stop.is_set():
            pause = storm_quiet if len(batch) >= STORM_SIZE else quiet
            wait = min(pause, deadline - time.monotonic())
            if wait <= 0:
                break
            try:
                batch[self._queue.get(timeout=wait)] = None
            except queue.Empty:
                break
        return list(batch)


class _Forwarder(FileSystemEventHandler):
    """Classifies each watchdog event with the current plan and queues what matters."""

    def __init__(self, plan: Callable[[], WatchPlan], sink: Callable[[Change], None]):
        super().__init__()
        self._plan = plan
        self._sink = sink

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory and not isinstance(
            event, (DirCreatedEvent, DirDeletedEvent, DirMovedEvent)
        ):
            return  # "folder modified" only repeats what the file events say
        if not isinstance(event, tuple(WATCHED_EVENTS)):
            return
        plan = self._plan()
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                change = plan.classify(Path(os.fsdecode(raw)), event.is_directory)
                if change is not None:
                    self._sink(change)


class Watcher:
    """Watches the folders of a `WatchPlan` with watchdog and feeds a `ChangeQueue`.

    The plan can be replaced at any time (site.yaml chose another theme, a deleted folder
    came back): only the watches that differ are changed. A folder that was deleted and
    created again is watched anew, since the old watch died with the old folder.
    """

    def __init__(self, changes: ChangeQueue, plan: WatchPlan):
        self._changes = changes
        self._plan = plan
        self._lock = threading.Lock()
        self._watches: dict[tuple[Path, bool], tuple[object, tuple[int, int]]] = {}
        self._observer = Observer()
        self._handler = _Forwarder(lambda: self._plan, changes.put)
        self.notes: list[str] = []

    def start(self) -> None:
        """Start watching; falls back to polling where the OS refuses more inotify watches."""
        try:
            self._observer.start()
            self._schedule_all()
        except OSError as exc:
            self._fall_back_to_polling(exc)

    def _fall_back_to_polling(self, exc: OSError) -> None:
        self.notes.append(f"file watching failed ({exc.strerror or exc}); polling instead")
        self._stop_observer()
        self._watches.clear()
        self._observer = PollingObserver(timeout=0.5)
        self._observer.start()
        self._schedule_all()

    def update(self, plan: WatchPlan) -> None:
        """Watch what `plan` names, dropping watches it no longer names."""
        with self._lock:
            self._plan = plan
            try:
                self._schedule_all()
            except OSError as exc:
                self._fall_back_to_polling(exc)

    def _schedule_all(self) -> None:
        wanted = {
            (folder, recursive): _identity(folder) for folder, recursive in self._plan.folders()
        }
        for key, (watch, identity) in list(self._watches.items()):
            if wanted.get(key) != identity:
                self._unschedule(watch)
                del self._watches[key]
        for (folder, recursive), identity in wanted.items():
            if (folder, recursive) in self._watches or identity is None:
                continue
            try:
                watch = self._observer.schedule(
                    self._handler, str(folder), recursive=recursive, event_filter=WATCHED_EVENTS
                )
            except FileNotFoundError:
                continue  # vanished between listing and watching; the next update retries
            self._watches[(folder, recursive)] = (watch, identity)

    def _unschedule(self, watch: object) -> None:
        with suppress(KeyError, OSError):  # its folder is gone, and the watch with it
            self._observer.unschedule(watch)

    def stop(self, timeout: float = 0.5) -> None:
        """Stop watching and wait (briefly) for the watcher thread to end."""
        self._stop_observer(timeout)

    def _stop_observer(self, timeout: float = 0.5) -> None:
        self._observer.stop()
        if self._observer.is_alive():
            self._observer.join(timeout)


def _identity(folder: Path) -> tuple[int, int] | None:
    """(device, inode) of a folder, so a folder deleted and made again counts as new."""
    try:
        st = folder.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def describe(changes: Iterable[Change]) -> str:
    """A short account of a batch for the terminal: one path, or counts by kind."""
    changes = list(changes)
    if len(changes) == 1:
        return f"{changes[0].path} changed"
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.kind] = counts.get(change.kind, 0) + 1
    nouns = {
        CONFIG: ("setting", "settings"),
        CONTENT: ("content file", "content files"),
        TEMPLATE: ("template", "templates"),
        STYLE: ("stylesheet", "stylesheets"),
        STATIC: ("static file", "static files"),
    }
    parts = []
    for kind in (CONFIG, CONTENT, TEMPLATE, STYLE, STATIC):
        if kind in counts:
            one, many = nouns[kind]
            parts.append(f"{counts[kind]} {one if counts[kind] == 1 else many}")
    return ", ".join(parts) + " changed"
