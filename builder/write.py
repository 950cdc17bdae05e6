"""Put a built site on disk so that a reader never sees half of it.

The whole site is written into a fresh folder beside the output and swapped in only when
complete, so a failed or killed build leaves the previous site byte for byte as it was,
and pages of deleted events do not linger. This is the only module that writes output,
and it refuses any path that would land outside the output folder or be written twice.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from builder.diagnostics import UsageError

TEMP_PREFIX = ".timeline-tmp-"
OLD_PREFIX = ".timeline-old-"


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


class SiteWriter:
    """Writes the files of one build into a folder; refuses to write a path twice."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.written: set[str] = set()

    def write(self, path: str, data: bytes) -> None:
        """Write one file below the folder."""
        rel = safe_relative(path)
        key = rel.as_posix()
        if key in self.written:
            raise DuplicateOutput(f"two pages want the same output path {key!r}")
        self.written.add(key)
        target = self.folder.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as fh:
            fh.write(data)

    def copy(self, path: str, source: Path) -> None:
        """Copy a static file below the folder."""
        self.write(path, source.read_bytes())


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
    return out


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
    os.rename(built, output)
    shutil.rmtree(old, ignore_errors=True)
