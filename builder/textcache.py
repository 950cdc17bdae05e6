"""Markdown conversions kept on disk from one build of a project to the next.

Converting the summaries and article bodies is the largest single piece of a cold build's
work that does not depend on anything but the text itself: at 10,000 events and 1,000
articles, about four CPU seconds of markdown-it-py. Between two builds of a newsroom's
timeline almost every text is unchanged, so `timeline build` keeps the conversions its
warm-up made (see `builder.warmup`) and the next build's warm-up takes them instead of
converting again.

A conversion is looked up by its exact source text, and the whole file is keyed by
everything a conversion depends on (this module's format, Python, markdown-it-py and its
plugins, and the source of `builder.text`), so a kept conversion is always the one the build
would make. Like the record of the last build (`builder.uptodate`), the file lives in the
user's cache folder, one per project, and is only ever an optimisation: a missing,
unreadable or stale file means converting, and a failure to write it is ignored. The file
holds strings alone, in `marshal`'s format: reading it builds no other kind of object.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

from builder import text, uptodate

#: Projects whose conversions are kept; the least recently built go first (test runs build
#: hundreds of small projects).
PROJECTS_KEPT = 8
_FORMAT = 1


def conversions_key() -> str:
    """A digest of everything a Markdown conversion depends on besides its text."""
    digest = hashlib.blake2b(digest_size=20)
    facts = [f"format {_FORMAT}", sys.version]
    for name in ("markdown-it-py", "mdit-py-plugins"):
        try:
            facts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            facts.append(f"{name} missing")
    digest.update("\n".join(facts).encode())
    digest.update(Path(text.__file__).read_bytes())
    return digest.hexdigest()


Columns = tuple[list[str], list[str], list[str]]


def columns(conversions: dict[str, text.MarkdownForms]) -> Columns:
    """Conversions as three lists of strings (sources, HTML, plain text): how they are
    stored here and handed over by the warm-up. Ten thousand of them load in milliseconds
    that way, in a fifth of a second as named tuples."""
    forms = list(conversions.values())
    return list(conversions), [f.html for f in forms], [f.text for f in forms]


def from_columns(sources: list[str], htmls: list[str], texts: list[str]) -> Iterator:
    """The (source, conversion) pairs of `columns`' three lists."""
    return zip(sources, map(text.MarkdownForms, htmls, texts), strict=True)


def cache_path(project: Path) -> Path:
    """The file holding the conversions of one project's last build."""
    name = hashlib.blake2b(str(project.resolve()).encode(), digest_size=10).hexdigest()
    return uptodate.cache_home() / "markdown" / f"{name}.marshal"


def read(project: Path) -> dict[str, text.MarkdownForms]:
    """The conversions kept from the project's last build by source text (none when there
    is no usable file)."""
    try:
        with cache_path(project).open("rb") as fh:
            key, *lists = marshal.load(fh)
        if key != conversions_key():
            return {}
        return dict(from_columns(*lists))
    except Exception:  # any unreadable, truncated or foreign file is as good as none
        return {}


def write(project: Path, conversions: dict[str, text.MarkdownForms]) -> None:
    """Keep these conversions for the project's next build (replacing the last ones)."""
    path = cache_path(project)
    record = (conversions_key(), *columns(conversions))
    temporary = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with temporary.open("wb") as fh:
            marshal.dump(record, fh)
        os.replace(temporary, path)
        _prune(path.parent)
    except OSError:
        with contextlib.suppress(OSError):  # the folder itself may be what failed
            temporary.unlink(missing_ok=True)


def _prune(folder: Path) -> None:
    """Keep only the files of the most recently built projects."""
    uptodate.keep_newest(folder, "*.marshal", PROJECTS_KEPT)
