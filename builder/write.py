"""Put a built site on disk so that a reader never sees half of it.

The whole site is written into a fresh folder beside the output and swapped in only when
complete, so a failed or killed build leaves the previous site byte for byte as it was,
and pages of deleted events do not linger. This is the only module that writes output,
and it refuses any path that would land outside the output folder or be written twice.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol

from builder.diagnostics import UsageError

# multiprocessing, ctypes, pickle and traceback are imported where they are used: `timeline
# build` with nothing changed imports this module, and they took a tenth of its time.
if TYPE_CHECKING:
    import multiprocessing
    from multiprocessing.connection import Connection

TEMP_PREFIX = ".timeline-tmp-"
OLD_PREFIX = ".timeline-old-"
#: Below this many files, forking render processes costs more than it saves.
MIN_FILES_PER_PROCESS = 200
#: How many consecutive files of the plan a render process takes at a time (see `_runs`).
RUN = 64
#: The garbage collector's thresholds in a render process: the usual young generations,
#: and full collections only after a thousand middle ones (see `_worker`).
RENDER_GC_THRESHOLDS = (700, 10, 1000)


@dataclass(frozen=True, slots=True, eq=False)
class Pieces:
    """A file's bytes as the pieces they join from, in order, not joined yet.

    The live preview re-renders the big exports (events.json, the CSV, the calendar, the
    search index: 50 MB at 10,000 events) after every edit, and joining them cost a fifth of
    an edit's rebuild, mostly in touching fresh memory. The pieces are those the exports'
    memo keeps anyway, so a file in pieces costs a list of pointers until something needs
    its bytes: a browser asking for it, or the background packing it for the build folder.
    """

    parts: list[bytes]

    def joined(self) -> bytes:
        """The file's bytes."""
        return b"".join(self.parts)


@dataclass(frozen=True, slots=True, eq=False)
class Text:
    """A page as the text its templates rendered, not encoded yet.

    After an edit the live preview renders again each list page showing the edited event,
    and encoding one (700,000 characters, stored two bytes each once an item holds a dash or
    a curly quote) cost an eighth of rendering it. The encoding waits, as `Pieces`' join
    does, until something needs the bytes: a browser asking for the page, or the background
    packing it for the build folder.
    """

    text: str

    def joined(self) -> bytes:
        """The file's bytes."""
        return self.text.encode("utf-8")


@dataclass(frozen=True)
class OutputFile:
    """One file of the site: a relative POSIX path and its bytes."""

    path: str
    data: bytes


class DuplicateOutput(Exception):
    """Two parts of the site tried to write the same path."""


def safe_relative(path: str) -> PurePosixPath:
    """The path as a relative path inside the output, or ValueError if it would escape."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or not pure.parts or any(p in ("", ".", "..") for p in pure.parts):
        raise ValueError(f"refusing to write {path!r}: not a plain path inside the output")
    if any("\\" in p or "\0" in p for p in pure.parts):
        raise ValueError(f"refusing to write {path!r}: not a plain path inside the output")
    return pure


def plain_relative(path: str) -> str:
    """`safe_relative(path)` as a string: the path itself when it is plain already (as every
    planned path is), checked without making a path object; else what `safe_relative`
    makes of it, or its ValueError."""
    if (
        path
        and path[0] != "/"
        and "\\" not in path
        and "\0" not in path
        and all(part and part != "." and part != ".." for part in path.split("/"))
    ):
        return path
    return safe_relative(path).as_posix()


class SiteWriter:
    """Writes the files of one build into a folder; refuses to write a path twice.

    Paths stay strings, and each folder is made once: a cold build writes 11,000 files,
    and a path object, a parse and a `mkdir` per file tripled the cost of writing them.
    """

    def __init__(self, folder: Path, stats: dict[str, list[int]] | None = None):
        self.folder = folder
        self.written: set[str] = set()
        #: When given, each file written, by path: its size and modification time (what
        #: `uptodate` records of a build, without listing the folder again).
        self.stats = stats
        self._root = str(folder)
        self._folders: set[str] = set()

    def write(self, path: str, data: bytes) -> None:
        """Write one file below the folder."""
        key = plain_relative(path)
        if key in self.written:
            raise DuplicateOutput(f"two pages want the same output path {key!r}")
        self.written.add(key)
        target = f"{self._root}/{key}"
        folder = target.rpartition("/")[0]
        if folder not in self._folders:
            _make_folder(folder)
            self._folders.add(folder)
        with open(target, "wb") as fh:
            fh.write(data)
            if self.stats is not None:
                fh.flush()  # as closing would: the size and time are then the file's own
                stat = os.fstat(fh.fileno())
                self.stats[key] = [stat.st_size, stat.st_mtime_ns]

    def copy(self, path: str, source: Path) -> None:
        """Copy a static file below the folder."""
        self.write(path, source.read_bytes())


def _make_folder(folder: str) -> None:
    """Make a folder for files, and its parents if they are missing.

    Nearly every folder of a site is new and its parent already there (an event's folder in
    events/): one `mkdir`, where `os.makedirs` first asked whether the parent exists, a
    second system call for each of 10,000 pages.
    """
    try:
        os.mkdir(folder)
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
    except FileExistsError:
        if not os.path.isdir(folder):
            raise


def _as_is(data: object) -> bytes:
    return data  # type: ignore[return-value]  (bytes given as they are)


def update_site(
    folder: Path,
    old: dict[str, object],
    new: dict[str, object],
    read: Callable[[object], bytes] = _as_is,
) -> int:
    """Bring a folder that holds the site `old` up to the site `new`, touching only files
    whose bytes differ (each replaced atomically) and deleting those that are gone; returns
    how many files were written or deleted.

    The live preview mirrors each build into its folder this way, so an edit rewrites a few
    files, not the whole site. Files may be given in any stored form that compares equal
    when their bytes are equal (the preview's packed files), with `read` for their bytes.
    """
    touched = 0
    for path, data in new.items():
        before = old.get(path)
        if before is data or before == data:
            continue
        target = folder.joinpath(*safe_relative(path).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        temporary.write_bytes(read(data))
        os.replace(temporary, target)
        touched += 1
    for path in old.keys() - new.keys():
        target = folder.joinpath(*safe_relative(path).parts)
        target.unlink(missing_ok=True)
        touched += 1
        for parent in target.parents:
            if parent == folder or not parent.is_relative_to(folder) or any(parent.iterdir()):
                break
            parent.rmdir()
    return touched


def check_output_folder(output: Path, project: Path) -> Path:
    """The resolved output folder, or UsageError when writing there could destroy sources.

    The output is replaced as a whole on every build, so it must never be the project,
    content/, themes/, a folder holding one of them, or a folder that is not a site.
    """
    out = output.resolve()
    project = project.resolve()
    protected = [project, project / "content", project / "themes"]
    for place in protected:
        if out == place or place.is_relative_to(out):
            raise UsageError(
                f"refusing to build into {output}: it is or holds {place}, which the build "
                "would replace; choose another output folder such as site/"
            )
        if out.is_relative_to(place) and place != project:
            raise UsageError(f"refusing to build into {output}: it lies inside {place}")
    if (out / ".git").exists() or (out / "content" / "site.yaml").exists():
        raise UsageError(f"refusing to build into {output}: it holds a git repository or project")
    if out == Path.home() or out == Path(out.anchor):
        raise UsageError(f"refusing to build into {output}: choose a dedicated folder")
    _check_is_folder(output, out)
    _check_replaceable(output, out)
    return out


#: Files that every build writes at the top of the site since the first release (the exports
#: and the host files, whatever the theme): together they tell a site this builder wrote.
SITE_SIGNATURE = ("index.html", "events.json", "timelinejs.json", "sitemap.xml", ".nojekyll")
#: Files a file manager leaves in any folder it shows; they do not make a folder non-empty.
FOLDER_LITTER = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})


def _check_is_folder(output: Path, out: Path) -> None:
    """UsageError when the output, or the first of its parents that exists, is not a folder:
    the swap would replace a file with a site, and a path below a file can never be made."""
    for place in (out, *out.parents):
        if not os.path.lexists(place):
            continue
        if not place.is_dir():
            what = "it is" if place == out else f"{place} is"
            raise UsageError(
                f"refusing to build into {output}: {what} a file, not a folder; "
                "choose a new or empty folder with -o"
            )
        return


def _check_replaceable(output: Path, out: Path) -> None:
    """UsageError unless the output folder is missing, empty or a site a build wrote.

    A build replaces the output folder as a whole, so anything else in it would be lost
    without a question (a thesis in `-o ~/Documents`)."""
    try:
        others = _foreign_entries(out)
    except OSError as exc:
        raise UsageError(f"cannot read {output}: {_reason(exc)}") from exc
    if others:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        raise UsageError(
            f"{output} holds files that no timeline build wrote ({shown}): choose an empty "
            "or new folder with -o, or move them elsewhere (a site an old build wrote can "
            "simply be deleted and built again)"
        )


def _foreign_entries(out: Path) -> list[str]:
    """The names in the output folder that a build would destroy without having written
    them: none when the folder is missing, empty or holds a previous build."""
    if not out.is_dir():
        return []
    with os.scandir(out) as entries:
        names = sorted(e.name for e in entries if e.name not in FOLDER_LITTER)
    if not names or is_previous_build(out):
        return []
    return names


def is_previous_build(out: Path) -> bool:
    """Whether the folder holds a site that a timeline build wrote: it has the files every
    build writes, or the record of the last build into it (see `builder.uptodate`, kept in
    the user's cache) lists its index page. The signature is looked at first: it costs five
    `stat` calls, reading the record of a large site a tenth of a second."""
    if all(os.path.isfile(out / name) for name in SITE_SIGNATURE):
        return True
    from builder import uptodate

    last = uptodate.last_build(out)
    return last is not None and "index.html" in last.files and (out / "index.html").is_file()


def _reason(exc: OSError) -> str:
    """What went wrong, as the system says it, and where when that is not the output itself."""
    if exc.strerror and exc.filename:
        where = Path(exc.filename)
        if where.name.startswith((TEMP_PREFIX, OLD_PREFIX)):
            where = where.parent  # the folder it was to be made in, not a name made up
        return f"{exc.strerror.lower()} ({where})"
    return exc.strerror.lower() if exc.strerror else str(exc)


def cannot_write(output: Path, exc: OSError) -> str:
    """The one line that says an output folder could not be written, and what to do."""
    return (
        f"cannot write {output}: {_reason(exc)}; a build is written beside the output folder "
        "and then swapped in, so make its parent folder writable or choose another with -o"
    )


def prepare_build_folder(output: Path) -> Path:
    """`remove_leftovers`, then `new_build_folder`, or UsageError (with what to do) when the
    folder beside the output cannot be made: no page is worth rendering then."""
    try:
        remove_leftovers(output)
        return new_build_folder(output)
    except OSError as exc:
        raise UsageError(cannot_write(output, exc)) from exc


def remove_leftovers(output: Path) -> None:
    """Delete temporary folders that an interrupted earlier build left beside the output."""
    parent = output.parent
    if not parent.is_dir():
        return
    for entry in parent.iterdir():
        if entry.name.startswith((TEMP_PREFIX + output.name, OLD_PREFIX + output.name)):
            shutil.rmtree(entry, ignore_errors=True)


def new_build_folder(output: Path) -> Path:
    """A fresh, empty folder beside the output, on the same file system for the swap."""
    output.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{output.name}-", dir=output.parent))


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two folders with Linux renameat2(RENAME_EXCHANGE); False if unavailable."""
    import ctypes.util

    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0


def swap_in(built: Path, output: Path) -> None:
    """Make `built` the output folder, replacing the old one as a whole."""
    os.chmod(built, 0o755)  # mkdtemp makes 0700; a web server must be able to read the site
    if not output.exists():
        os.rename(built, output)
        return
    if _exchange(built, output):
        shutil.rmtree(built, ignore_errors=True)  # `built` now holds the old site
        return
    old = output.parent / f"{OLD_PREFIX}{output.name}-{os.getpid()}"
    os.rename(output, old)
    try:
        os.rename(built, output)
    except OSError:
        os.rename(old, output)  # the previous site back where it was
        raise
    shutil.rmtree(old, ignore_errors=True)


class PlannedOutput(Protocol):
    """A file of the site not produced yet: its path, and a function that produces its bytes."""

    path: str
    render: Callable[[], bytes]


def check_plan(files: Sequence[PlannedOutput]) -> None:
    """Refuse a plan with a path outside the output, or with one path twice, before any work."""
    seen: set[str] = set()
    for item in files:
        key = safe_relative(item.path).as_posix()
        if key in seen:
            raise DuplicateOutput(f"two pages want the same output path {key!r}")
        seen.add(key)


def usable_processes(jobs: int, files: int) -> int:
    """How many processes to produce `files` files with, given `jobs` asked for: 1 when
    forking is unavailable, unsafe (other threads run) or not worth it (a small site)."""
    import multiprocessing

    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if threading.active_count() > 1:
        return 1  # a forked child gets only this thread; locks held by others stay locked
    return max(1, min(jobs, files // MIN_FILES_PER_PROCESS))


def write_site(
    files: Sequence[PlannedOutput],
    output: Path,
    *,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    group: Callable[[str], str | None] | None = None,
    written: dict[str, list[int]] | None = None,
) -> int:
    """Produce every planned file and write it into a fresh folder beside `output`, then
    swap that folder in whole; returns the number of processes used. `written`, when given,
    receives each file's size and modification time by path (see `SiteWriter.stats`).

    Each file is produced right before it is written and dropped right after, so memory
    never holds the whole site. With `jobs` above 1 the files are produced and written by
    that many forked processes (see `usable_processes`), which share the model copy-on-write
    and take runs of consecutive files of the plan as they finish the last (see `_runs`),
    so one slow page does not hold the others back. Files that `group` names alike share
    work that the first of them does (the timeline's list items, the exports' pieces of
    each event): all of a group go to one process, which renders them before it joins the
    others on the ungrouped files.
    `progress` is called with the number of files just written. Any failure, in any
    process, leaves `output` as it was and re-raises the error here; a folder beside
    `output` that cannot be made is a UsageError (see `prepare_build_folder`).
    """
    check_plan(files)
    folder = prepare_build_folder(output)
    processes = usable_processes(jobs, len(files))
    try:
        if processes > 1:
            stats = _write_in_processes(files, folder, processes, progress or _ignore, group)
            if written is not None:
                written.update(stats)
        else:
            writer = SiteWriter(folder, written)
            for item in files:
                writer.write(item.path, item.render())
                if progress:
                    progress(1)
        swap_in(folder, output)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # after a failed swap, still the new site
        raise
    return processes


def _ignore(count: int) -> None:
    pass


def _runs(indexes: Sequence[int]) -> list[Sequence[int]]:
    """The indexes in runs of `RUN` consecutive ones, each taken by one process at a time.

    The plan lists files that share work one after another (the event pages in time, whose
    related events are ranked a run at a time), and taking runs as they finish the last
    keeps the processes finishing together: the cost of a run is the most that one can
    finish after the other.
    """
    return [indexes[start : start + RUN] for start in range(0, len(indexes), RUN)]


def _shares(
    count: int, processes: int, group: Callable[[int], str | None] | None
) -> tuple[list[list[int]], list[int]]:
    """Each process's own indexes (whole groups, dealt round the processes in the order
    the groups first appear) and the indexes any process may take."""
    own: list[list[int]] = [[] for _ in range(processes)]
    anyone: list[int] = []
    owner: dict[str, int] = {}
    for index in range(count):
        name = group(index) if group else None
        if name is None:
            anyone.append(index)
        else:
            own[owner.setdefault(name, len(owner) % processes)].append(index)
    return own, anyone


def _write_in_processes(
    files: Sequence[PlannedOutput],
    folder: Path,
    processes: int,
    progress: Callable[[int], None],
    group: Callable[[str], str | None] | None = None,
) -> dict[str, list[int]]:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    shared = context.SimpleQueue()
    queues = [context.SimpleQueue() for _ in range(processes)]
    pipes = [context.Pipe(duplex=False) for _ in range(processes)]
    workers = [
        context.Process(target=_worker, args=(files, folder, [own, shared], send), daemon=True)
        for own, (_, send) in zip(queues, pipes, strict=True)
    ]
    gc.freeze()  # children must not touch (and so copy) every inherited object when collecting
    try:
        for worker in workers:
            worker.start()
        for _, send in pipes:
            send.close()  # only the workers write: a dead one's pipe then reads as closed
        by_index = (lambda i: group(files[i].path)) if group else None
        own, anyone = _shares(len(files), processes, by_index)
        for queue, indexes in zip(queues, own, strict=True):
            for chunk in _runs(indexes):
                queue.put(chunk)
            queue.put(None)
        for chunk in _runs(anyone):
            shared.put(chunk)
        for _ in workers:
            shared.put(None)
        return _collect(workers, [receive for receive, _ in pipes], progress)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
        for receive, send in pipes:
            receive.close()
            send.close()
        gc.unfreeze()


def _collect(
    workers: list[multiprocessing.Process], pipes: list[Connection], progress: Callable[[int], None]
) -> dict[str, list[int]]:
    """Wait until every worker has said it is finished, and return the sizes and times of
    the files they wrote; raise the first failure reported."""
    from multiprocessing.connection import wait

    stats: dict[str, list[int]] = {}
    running = dict(zip(pipes, workers, strict=True))
    while running:
        exits = {worker.sentinel: pipe for pipe, worker in running.items()}
        for ready in wait([*running, *exits]):
            pipe = exits.get(ready, ready)
            if pipe not in running:
                continue
            try:
                if not pipe.poll():
                    raise EOFError  # exited without a word: killed, or crashed in C
                kind, value = pipe.recv()
            except EOFError:
                worker = running.pop(pipe)
                worker.join()
                raise RuntimeError(
                    f"a render process ended unexpectedly (exit status {worker.exitcode})"
                ) from None
            if kind == "written":
                progress(value)
            elif kind == "finished":
                stats.update(value)
                running.pop(pipe)
            else:
                raise value
    return stats


def _worker(
    files: Sequence[PlannedOutput], folder: Path, queues: list, results: Connection
) -> None:
    """A render process: produce and write the chunks it takes from each queue in turn (its
    own, then the shared one), then say it is finished.

    A render process lives for one build. What it keeps (the model it inherited, frozen;
    list items and macro calls it makes) is never garbage, and each full collection
    rescanned all it had made so far: half of its collector's time (0.2 s in each of two
    processes at 10,000 events), for no memory back.
    """
    gc.set_threshold(*RENDER_GC_THRESHOLDS)
    writer = SiteWriter(folder, {})
    try:
        for tasks in queues:
            while (chunk := tasks.get()) is not None:
                for index in chunk:
                    item = files[index]
                    writer.write(item.path, item.render())
                results.send(("written", len(chunk)))
        results.send(("finished", writer.stats))
    except BaseException as exc:  # reported to the parent, which raises it
        results.send(("failed", _portable(exc)))
    finally:
        results.close()


def _portable(exc: BaseException) -> BaseException:
    """The exception itself if it survives pickling, else a RuntimeError with its text; in
    both cases noting the traceback from the render process."""
    import pickle
    import traceback

    note = "in a render process:\n" + "".join(traceback.format_exception(exc)).rstrip()
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        exc = RuntimeError(f"{type(exc).__name__}: {exc}")
    if hasattr(exc, "add_note"):
        exc.add_note(note)
    return exc
