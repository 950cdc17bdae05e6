"""Compiled templates kept on disk from one build to the next.

Compiling the shipped theme's templates (parsing them and turning them into Python code)
took 0.2–0.3 s at the start of every build and every live preview, whatever the size of
the project: a quarter of building the shipped timeline. Jinja2 keeps compiled templates in
a bytecode cache, checked against each template's source; this is its file cache, in the
user's cache folder beside the builder's other caches (see `builder.uptodate.cache_home`).

Jinja2 checks a cached template against its name, file and source, not against the
environment that compiled it, so the folder is named by everything else compilation
reads: Python's and Jinja2's versions and the environment's syntax options, extensions,
filters and tests (`compile_key`). Like the builder's other caches it is only ever an
optimisation: a missing, unreadable or foreign file means compiling, and a failure to
write one is ignored. Like Python's own `__pycache__`, what it holds is code the builder
runs: it lives in a folder of the user's own.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
import time
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket

from builder import uptodate

#: The most compiled templates kept, the least recently written going first: a theme has a
#: score of them, but the test suite builds hundreds of projects with their own.
FILES_KEPT = 400
#: How long another compile key's folder is kept after it was last written to: a week.
STALE_AFTER = 7 * 24 * 3600

#: What an environment compiles with, besides its filters, tests and extensions.
_SYNTAX = (
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "line_statement_prefix",
    "line_comment_prefix",
    "trim_blocks",
    "lstrip_blocks",
    "newline_sequence",
    "keep_trailing_newline",
    "optimized",
    "autoescape",
    "finalize",
    "is_async",
)


def _callables(named: dict) -> str:
    """Filters' or tests' names, each with what it is passed besides its arguments (the
    context, the environment): a call compiles differently for each."""
    return " ".join(
        f"{name}:{_named(getattr(named[name], 'jinja_pass_arg', None))}" for name in sorted(named)
    )


def compile_key(env: jinja2.Environment) -> str:
    """A digest of everything besides a template's source that its compiled code depends
    on in this environment."""
    facts = [
        sys.version,
        jinja2.__version__,
        *(f"{name}={_named(getattr(env, name))}" for name in _SYNTAX),
        f"code generator {_named(env.code_generator_class)}",
        "extensions " + " ".join(sorted(env.extensions)),
        "filters " + _callables(env.filters),
        "tests " + _callables(env.tests),
    ]
    return hashlib.blake2b("\n".join(facts).encode(), digest_size=12).hexdigest()


def _named(value: object) -> str:
    """A value as the same text in every process: a function or class by its name."""
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{value.__module__}.{value.__qualname__}"
    return repr(value)


class TemplateCache(jinja2.FileSystemBytecodeCache):
    """Jinja2's file cache of compiled templates, in a folder of its own per `compile_key`,
    that never fails a build: what it cannot read is compiled, what it cannot write is not
    kept."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))

    @property
    def folder(self) -> Path:
        """Where this cache's compiled templates are (Jinja2 keeps it as `directory`)."""
        return Path(self.directory)

    def load_bytecode(self, bucket: Bucket) -> None:
        """Fill the bucket from its file, or leave it empty (to be compiled)."""
        try:
            super().load_bytecode(bucket)
        except Exception:  # unreadable, truncated or foreign: compile instead
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep a template just compiled, and drop the oldest beyond `FILES_KEPT`."""
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True)
            super().dump_bytecode(bucket)
            _prune(self.folder)


def template_cache(env: jinja2.Environment) -> TemplateCache:
    """The cache of compiled templates for this environment (call it once the environment
    has its filters and tests)."""
    return TemplateCache(uptodate.cache_home() / "templates" / compile_key(env))


def _prune(folder: Path) -> None:
    """Drop the least recently written templates beyond `FILES_KEPT` in this folder, and
    the folders of other compile keys (another Python, Jinja2 or builder) that nothing has
    written to for `STALE_AFTER` seconds: two builders in use side by side (two Pythons, say)
    would otherwise each drop the other's at every template they compiled."""
    stale = time.time() - STALE_AFTER
    for other in folder.parent.iterdir():
        if other != folder and other.is_dir() and other.stat().st_mtime < stale:
            for old in other.iterdir():
                old.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                other.rmdir()
    uptodate.keep_newest(folder, "*.cache", FILES_KEPT)
