"""Skip a build whose inputs are all unchanged since the last build into the same folder.

A build is a pure function of the project's content, its theme, the builder and its
libraries, and the build options, so when none of them changed, and the output folder still
holds exactly the files that build wrote, building again could only rewrite the same bytes.
`timeline build` run twice in a row (by hand, by a Makefile, by a deploy script) then takes
a fraction of a second instead of the full build.

The check is deliberately coarse: any changed byte in content/, in the theme folders or in
the builder itself, any other library version or option, and any file added, removed or
touched in the output folder means a full build. An input file whose size, times and inode
are those the record holds is taken as unchanged without reading it, as git does with its
index: writing a file, or setting its times, sets its change time. The record of the last
build lives in the user's cache folder (~/.cache/timeline-builder, or $XDG_CACHE_HOME),
never in the project or the site; it is only ever an optimisation, so a missing, unreadable
or unwritable record just means building.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import builder
from builder import jsontext
from builder.regular import read_regular

#: Records kept (one per output folder); the least recently written go first.
RECORDS_KEPT = 64
_FORMAT = 3


@dataclass(frozen=True)
class LastBuild:
    """What the last successful build into one output folder was made from and wrote."""

    key: str
    facts: str  # the digest of what a build depends on besides its files (see `read_inputs`)
    inputs: dict[str, list[int]]  # input path -> [size, mtime_ns, ctime_ns, inode]; see `Inputs`
    files: dict[str, list[int]]  # output path -> [size, mtime_ns]
    folders: dict[str, int]  # output folder ("" for the output itself, "events/", ...) -> mtime_ns
    counts: str  # "11186 pages (9957 events, 1000 articles)", for the summary line
    diagnostics: list[str]  # the warnings it printed, to print again


#: How long ago a file must have changed for its size and times to stand for its bytes. A
#: file's times tick with the file system's clock (a few milliseconds on Linux, two seconds on
#: FAT), so a file written just before the check could be written again within the same tick,
#: at the same size, without any of them changing (git's "racily clean" files).
SETTLED_NS = 2_000_000_000


@dataclass(frozen=True)
class Inputs:
    """Everything a build of a project into one folder depends on, as the check found it."""

    #: A digest of the facts and of every input file's path and bytes.
    key: str
    #: A digest of the facts alone: the output folder, the options, Python, the libraries.
    facts: str
    #: Each input file's size, modification and change times and inode, when every file had
    #: settled (see SETTLED_NS); else empty, and the next check reads every file again.
    stats: dict[str, list[int]]
    #: How many files were read to make the key: none when each one's size, times and inode
    #: were those the last build recorded, as git trusts its index.
    read: int


def read_inputs(
    project: Path,
    output: Path,
    options: object,
    last: LastBuild | None = None,
    settled_ns: int = SETTLED_NS,
) -> Inputs:
    """What a build of `project` into `output` depends on: the key of the last build when
    the facts are the same and no input file was added, removed or touched since (its size,
    times and inode unchanged: a write or `touch` changes the change time), else a digest of
    every input file's bytes.

    Reading and hashing the 15 MB of a 10,000-event project was a sixth of the time
    `timeline build` took when nothing had changed; a `stat` of each file is a tenth of that.
    """
    facts = [f"format {_FORMAT}", str(output.resolve()), repr(options), sys.version]
    facts += _installed_distributions()
    facts_key = hashlib.blake2b("\n".join(facts).encode(), digest_size=20).hexdigest()
    roots = _input_roots(project)
    paths = _input_files(project, roots)
    checked = time.time_ns()
    stats = _stats(paths)
    if last is not None and stats and last.facts == facts_key and last.inputs == stats:
        return Inputs(last.key, facts_key, stats, read=0)
    digest = hashlib.blake2b(digest_size=20)
    digest.update(facts_key.encode())
    for path in paths:
        digest.update(b"\0" + path.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(_input_bytes(path, roots))
    settled = stats and all(checked - max(s[1], s[2]) >= settled_ns for s in stats.values())
    return Inputs(digest.hexdigest(), facts_key, stats if settled else {}, read=len(paths))


def _input_roots(project: Path) -> tuple[str, ...]:
    """The folders whose files a build may read: the project, the builder's package and,
    in a source checkout, its shipped themes."""
    package = Path(builder.__file__).resolve().parent
    return (str(project.resolve()), str(package), str(package.parent / "themes"))


def _input_files(project: Path, roots: tuple[str, ...]) -> list[str]:
    """Every file a build reads: the project's content and themes, the builder's code and its
    shipped themes. A folder that is a link in a loop holds nothing to read."""
    package = Path(roots[1])
    folders = [project / "content", project / "themes", package, package.parent / "themes"]
    resolved = []
    for folder in folders:
        try:
            resolved.append(folder.resolve())
        except (RuntimeError, OSError):  # a link loop (RuntimeError before Python 3.13)
            continue
    paths: list[str] = []
    for folder in dict.fromkeys(resolved):
        paths += _files(folder)
    return paths


def _input_bytes(path: str, roots: tuple[str, ...]) -> bytes:
    """What stands for one input file in the key: its bytes when it is a regular file inside
    `roots`. A named pipe, a device or a socket is never opened (a pipe hung the check and
    a link to /dev/zero filled memory), and neither is a file outside the project, which a
    link or a linked folder leads to: the loader refuses those, and should a theme's
    template lead there, its size, times and inode stand for its bytes."""
    try:
        st = os.lstat(path)
        real = path
        if stat.S_ISLNK(st.st_mode):
            real = os.path.realpath(path)
            st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return f"(not a regular file: {stat.S_IFMT(st.st_mode)})".encode()
        if not any(real == root or real.startswith(root + os.sep) for root in roots):
            return f"(outside: {real} {st.st_size} {st.st_mtime_ns} {st.st_ino})".encode()
        return read_regular(path)
    except OSError:
        return b"(unreadable)"


def _stats(paths: list[str]) -> dict[str, list[int]]:
    """Each file's size, modification and change times and inode; empty if one is gone."""
    stats = {}
    for path in paths:
        try:
            s = os.stat(path)
        except OSError:
            return {}
        stats[path] = [s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_ino]
    return stats


def _installed_distributions() -> list[str]:
    """The name and version of every distribution installed where Python imports from (its
    `*.dist-info` folder), and the size and time of any archive it imports from: a library
    installed, upgraded or removed means a full build.

    `importlib.metadata` answered the same for the builder's own dependencies, but importing
    it and asking took 60 ms of the 0.5 s a check of a large project took.
    """
    found = []
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as entries:
                found += sorted(
                    e.name for e in entries if e.name.endswith((".dist-info", ".egg-info"))
                )
        except NotADirectoryError:
            with contextlib.suppress(OSError):
                s = os.stat(entry)
                found.append(f"{entry} {s.st_size} {s.st_mtime_ns}")
        except OSError:
            continue
    return found


def _files(folder: Path) -> list[str]:
    """Every file below `folder`, sorted, leaving out compiled Python and caches (as
    strings: a `Path` for each of a thousand files was a third of the digest's time), and
    every linked folder: it is not entered, but a link added or removed is a change (a
    theme's linked folder may be refused, and must be reported, not found up to date)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        found += [f"{dirpath}/{d}" for d in dirnames if os.path.islink(f"{dirpath}/{d}")]
        found += [f"{dirpath}/{name}" for name in sorted(filenames) if not name.endswith(".pyc")]
    return found


def output_files(output: Path) -> dict[str, list[int]]:
    """Every file in the output folder by relative path: its size and modification time."""
    files: dict[str, list[int]] = {}
    stack = [(output, "")]
    while stack:
        folder, prefix = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((Path(entry.path), f"{prefix}{entry.name}/"))
                else:
                    stat = entry.stat(follow_symlinks=False)
                    files[prefix + entry.name] = [stat.st_size, stat.st_mtime_ns]
    return files


def folder_times(output: Path, files: Iterable[str]) -> dict[str, int]:
    """The modification time of every folder holding these output files, the output folder
    itself included ("" for it, "events/" and so on below it).

    A folder's time changes whenever an entry is added to it, removed from it or renamed in
    it, so these times and the files' own tell any change to the output folder without
    listing its ten thousand folders (two thirds of the nothing-changed check's time when
    it listed them).
    """
    folders = {""}
    for path in files:
        cut = path.rfind("/")
        while cut > 0 and (folder := path[: cut + 1]) not in folders:
            folders.add(folder)
            cut = path.rfind("/", 0, cut)
    root = str(output)
    return {f: os.stat(f"{root}/{f}" if f else root).st_mtime_ns for f in sorted(folders)}


def _untouched(output: Path, last: LastBuild) -> bool:
    """Whether the output folder holds exactly the files `last` wrote, unchanged: the same
    folder times (nothing added or removed) and every file of the same size and time."""
    root = str(output)
    try:
        for folder, time in last.folders.items():
            if os.stat(f"{root}/{folder}" if folder else root).st_mtime_ns != time:
                return False
        for path, (size, time) in last.files.items():
            stat = os.stat(f"{root}/{path}")
            if stat.st_size != size or stat.st_mtime_ns != time:
                return False
    except OSError:
        return False
    return True


def cache_home() -> Path:
    """The builder's folder in the user's cache folder ($XDG_CACHE_HOME or ~/.cache), never
    in the project: what it keeps between builds only ever saves time."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "timeline-builder"


def cache_folder() -> Path:
    """Where the records of last builds live: the user's cache folder, not the project."""
    return cache_home() / "last-builds"


def _record_path(output: Path) -> Path:
    name = hashlib.blake2b(str(output.resolve()).encode(), digest_size=10).hexdigest()
    return cache_folder() / f"{name}.json"


def last_build(output: Path) -> LastBuild | None:
    """The record of the last build into `output`, if there is a readable one."""
    try:
        data = jsontext.loads(_record_path(output).read_bytes())
        return LastBuild(**data)
    except (OSError, ValueError, TypeError):
        return None


def unchanged(output: Path, inputs: Inputs, last: LastBuild | None) -> LastBuild | None:
    """`last` if it was made from these inputs and its files are untouched."""
    if last is None or last.key != inputs.key or not output.is_dir():
        return None
    return last if _untouched(output, last) else None


def remember(
    output: Path,
    inputs: Inputs,
    counts: str,
    diagnostics: list[str],
    files: dict[str, list[int]] | None = None,
) -> None:
    """Record the build just written into `output` from `inputs`; silently nothing if that
    fails. `files` are its files as `output_files` would list them, when the writer has told
    them."""
    record = _record_path(output)
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        files = output_files(output) if files is None else files
        last = LastBuild(
            inputs.key,
            inputs.facts,
            inputs.stats,
            files,
            folder_times(output, files),
            counts,
            diagnostics,
        )
        temporary = record.with_name(f"{record.stem}.{os.getpid()}.tmp")
        temporary.write_bytes(jsontext.compact_bytes(vars(last)))
        os.replace(temporary, record)
        _prune(record.parent)
    except OSError:
        pass


def _prune(folder: Path) -> None:
    """Keep only the most recently written records (test runs build into many folders)."""
    keep_newest(folder, "*.json", RECORDS_KEPT)


def keep_newest(folder: Path, pattern: str, count: int) -> None:
    """Delete all but the `count` most recently written files of `folder` matching
    `pattern`: how each of the builder's caches stays bounded."""
    files = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in files[count:]:
        old.unlink(missing_ok=True)
