"""Fingerprinted names for the theme's static files, so hosts can cache them for a year.

`static/style.css` is published as `static/style.3f2a9c1e.css`, the hash taken from its
bytes. A changed file gets a new name, so a browser or CDN may keep any file for as long as
it likes (`Cache-Control: immutable`) and still never show a stale stylesheet. Templates ask
for files through `asset('style.css')`, which returns the fingerprinted name; stylesheets
that point at other static files with `url(...)` are rewritten to the new names first.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from pathlib import Path, PurePosixPath

_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")\s]+)\1\s*\)""")


def hashed_name(path: str, data: bytes) -> str:
    """`static/style.css` → `static/style.<first 8 hex digits of SHA-256>.css`."""
    digest = hashlib.sha256(data).hexdigest()[:8]
    pure = PurePosixPath(path)
    return str(pure.with_name(f"{pure.stem}.{digest}{pure.suffix}"))


def _rewrite_css(path: str, css: str, names: dict[str, str]) -> str:
    """The stylesheet with `url(...)` references to other static files renamed."""
    folder = posixpath.dirname(path)

    def rename(match: re.Match) -> str:
        quote, target = match.group(1), match.group(2)
        if ":" in target or target.startswith(("/", "#")):
            return match.group(0)
        plain, _, suffix = target.partition("?")
        plain, hash_mark, fragment = plain.partition("#")
        resolved = posixpath.normpath(posixpath.join(folder, plain))
        if resolved not in names:
            return match.group(0)
        relative = posixpath.relpath(names[resolved], folder)
        rest = (hash_mark + fragment) + (("?" + suffix) if suffix else "")
        return f"url({quote}{relative}{rest}{quote})"

    return _CSS_URL.sub(rename, css)


def fingerprint(static: dict[str, Path]) -> dict[str, tuple[str, bytes]]:
    """Each static file's published name and bytes, by its path in the theme (`static/...`).

    Files other than stylesheets are named first, so the stylesheets that refer to them can
    be rewritten before their own hash is taken.
    """
    result: dict[str, tuple[str, bytes]] = {}
    names: dict[str, str] = {}
    stylesheets = [p for p in static if p.endswith(".css")]
    for path in [p for p in static if not p.endswith(".css")] + stylesheets:
        data = static[path].read_bytes()
        if path.endswith(".css"):
            data = _rewrite_css(path, data.decode("utf-8"), names).encode("utf-8")
        names[path] = hashed_name(path, data)
        result[path] = (names[path], data)
    return result
