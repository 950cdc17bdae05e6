"""Skip a build whose inputs are all unchanged since the last build into the same folder.

A build is a pure function of the project's content, its theme, the builder and its
libraries, and the build options, so when none of them changed, and the output folder still
holds exactly the files that build wrote, building again could only rewrite the same bytes.
`timeline build` run twice in a row (by hand, by a Makefile, by a deploy script) then takes
a fraction of a second instead of the full build.

The check is deliberately coarse: any changed byte in content/, in the theme folders or in
the builder itself, any other library version or option, and any file added, removed or
touched in the output folder means a full build. The record of the last build lives in the
user's cache folder (~/.cache/timeline-builder, or $XDG_CACHE_HOME), never in the project or
the site; it is only ever an optimisation, so a missing, unreadable or unwritable record
just means building.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

import builder

#: Records kept (one per output folder); the least recently written go first.
RECORDS_KEPT = 64
_FORMAT = 2


@dataclass(frozen=True)
class LastBuild:
    """What the last successful build into one output folder was made from and wrote."""

    key: str
    files: dict[str, list[int]]  # output path -> [size, mtime_ns]
    folders: dict[str, int]  # output folder ("" for the output itself, "events/", ...) -> mtime_ns
    counts: str  # "11186 pages (9957 events, 1000 articles)", for the summary line
    diagnostics: list[str]  # the warnings it printed, to print again


def inputs_key(project: Path, output: Path, options: object) -> str:
    """A digest of everything a build of `project` into `output` depends on."""
    digest = hashlib.blake2b(digest_size=20)
    facts = [f"format {_FORMAT}", str(output.resolve()), repr(options), sys.version]
    facts += [f"{name} {version}" for name, version in _library_versions()]
    digest.update("\n".join(facts).encode())
    package = Path(builder.__file__).resolve().parent
    folders = [project / "content", project / "themes", package, package.parent / "themes"]
    for folder in dict.fromkeys(f.resolve() for f in folders):
        for path in _files(folder):
            digest.update(b"\0" + path.encode("utf-8", "surrogateescape") + b"\0")
            try:
                with open(path, "rb") as file:
                    digest.update(file.read())
            except OSError:
                digest.update(b"(unreadable)")
    return digest.hexdigest()


def _library_versions() -> list[tuple[str, str]]:
    """The installed versions of the builder's declared dependencies, and its own."""
    try:
        requires = metadata.requires("timeline-builder") or []
        own = metadata.version("timeline-builder")
    except metadata.PackageNotFoundError:
        return [("builder", builder.__version__)]
    versions = [("timeline-builder", own)]
    for requirement in requires:
        if "extra ==" in requirement:
            continue
        name = requirement.split(";")[0].split("[")[0]
        for mark in "<>=!~ ":
            name = name.split(mark)[0]
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, "missing"))
    return versions


def _files(folder: Path) -> list[str]:
    """Every file below `folder`, sorted, leaving out compiled Python and caches (as
    strings: a `Path` for each of a thousand files was a third of the digest's time)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
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


def unchanged(output: Path, key: str) -> LastBuild | None:
    """The last build into `output`, if it was made from `key` and its files are untouched."""
    try:
        data = json.loads(_record_path(output).read_text(encoding="utf-8"))
        last = LastBuild(**data)
    except (OSError, ValueError, TypeError):
        return None
    if last.key != key or not output.is_dir() or not _untouched(output, last):
        return None
    return last


def remember(
    output: Path,
    key: str,
    counts: str,
    diagnostics: list[str],
    files: dict[str, list[int]] | None = None,
) -> None:
    """Record the build just written into `output`; silently nothing if that fails. `files`
    are its files as `output_files` would list them, when the writer has told them."""
    record = _record_path(output)
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        files = output_files(output) if files is None else files
        last = LastBuild(key, files, folder_times(output, files), counts, diagnostics)
        temporary = record.with_name(f"{record.stem}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(asdict(last)), encoding="utf-8")
        os.replace(temporary, record)
        _prune(record.parent)
    except OSError:
        pass


def _prune(folder: Path) -> None:
    """Keep only the most recently written records (test runs build into many folders)."""
    records = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in records[RECORDS_KEPT:]:
        old.unlink(missing_ok=True)
