"""Event summaries and article bodies converted to HTML on the idle CPU while a cold build
loads and plans.

Loading, validating, modelling and planning run in one process, one after the other, and
leave the machine's other CPUs idle for the first seconds of a build; then the render
processes spend much of their time in Markdown. A forked process reads the content itself
during those first seconds and converts it: the events' summaries first, since each shows
on the event's page, in lists and in exports, which different render processes make (each
would convert it again), then the article bodies, a couple of milliseconds each. Whatever
it has converted when planning ends is handed to the renderers (they fork from the build
process and inherit it), and what it has not reached is converted as always.

It is only ever a head start: the warm-up cannot change a byte of the site, since a
conversion is looked up by its exact source text, and any problem in it (a file that
does not read, a process that dies) only means those bodies are converted later.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import pickle
import tempfile
from pathlib import Path
from typing import IO

from builder import text, textcache
from builder.load import article_bodies, event_summaries

#: Conversions written to the shared file at a time: small enough that little is lost
#: when the warm-up is stopped, large enough to keep pickling cheap.
BATCH = 64
#: How long the build waits for the warm-up to finish the body in hand when told to stop.
STOP_TIMEOUT = 2.0


class Warmup:
    """A running warm-up: `collect` stops it and hands its conversions to this process."""

    def __init__(self, process: multiprocessing.Process, stop, results: IO[bytes]) -> None:
        self._process = process
        self._stop = stop
        self._results = results
        #: How many of the texts collected were converted anew (not kept from the last build).
        self.fresh = 0
        #: Whether the conversions kept from the last build differ from those collected:
        #: some were not asked for (texts edited or removed), or the warm-up was stopped
        #: before it had looked at every text.
        self.stale = True

    def collect(self) -> int:
        """Stop converting, make what was converted available to rendering (in this process
        and the render processes forked after it), and return how many texts that is."""
        self._finish()
        converted: dict[str, text.MarkdownForms] = {}
        kept = None
        self._results.seek(0)
        while True:
            try:
                *lists, fresh, done = pickle.load(self._results)
            except (EOFError, pickle.UnpicklingError, ValueError, TypeError):
                break  # the end, or a batch cut short by a process that did not stop
            converted.update(textcache.from_columns(*lists))
            self.fresh += fresh
            kept = kept if done is None else done
        self._results.close()
        self.stale = kept is None or kept != len(converted) - self.fresh
        text.CONVERTED_EARLY.update(converted)
        return len(converted)

    def keep(self, project: Path) -> bool:
        """Keep what was collected for the project's next build, when it differs from what
        was kept before (see `builder.textcache`); whether it was written."""
        if not (self.fresh or self.stale) or not text.CONVERTED_EARLY:
            return False
        textcache.write(project, text.CONVERTED_EARLY)
        return True

    def close(self) -> None:
        """Stop converting and forget the conversions (the build ends without rendering)."""
        self._finish()
        self._results.close()

    def _finish(self) -> None:
        self._stop.set()
        self._process.join(STOP_TIMEOUT)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()


def start(project: Path) -> Warmup | None:
    """Start converting the project's summaries and article bodies in a forked process; None
    where the platform cannot fork. Call it before any other thread starts (a forked child
    gets only the calling thread)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    # Unlinked already, so nothing is left behind; `Warmup` closes it.
    results = tempfile.TemporaryFile()  # noqa: SIM115
    process = context.Process(target=_convert, args=(project, stop, results), daemon=True)
    process.start()
    return Warmup(process, stop, results)


def _convert(project: Path, stop, results: IO[bytes]) -> None:
    """The warm-up process. Whatever goes wrong in it ends it without a word: it is only a
    head start, and the build's own loading reports what is wrong with the content (a
    traceback here, printed beside those reports, only confused them)."""
    with contextlib.suppress(Exception):
        _convert_all(project, stop, results)


def _convert_all(project: Path, stop, results: IO[bytes]) -> None:
    """Convert summaries, then bodies, until told to stop or done, taking the conversions
    the project's last build kept where the text is the same."""
    # Only ever idle CPU: where the build has no CPU to spare, it goes first.
    with contextlib.suppress(OSError):
        os.nice(19)
    kept = textcache.read(project)
    batch: dict[str, text.MarkdownForms] = {}
    seen: set[str] = set()
    fresh = 0
    for body in itertools.chain(event_summaries(project), article_bodies(project)):
        if stop.is_set():
            break
        if body in seen:  # two events with one summary: one text to hand over
            continue
        seen.add(body)
        forms = kept.get(body)
        if forms is None:
            forms = text.markdown_forms(body)
            fresh += 1
        batch[body] = forms
        if len(batch) == BATCH:
            _write(results, batch, fresh)
            batch, fresh = {}, 0
    _write(results, batch, fresh, None if stop.is_set() else len(kept))


def _write(
    results: IO[bytes], batch: dict[str, text.MarkdownForms], fresh: int, done: int | None = None
) -> None:
    """Append a batch as `textcache.columns`, with how many were converted anew and, at the
    end of every text, how many conversions the last build had kept."""
    if batch or done is not None:
        record = (*textcache.columns(batch), fresh, done)
        pickle.dump(record, results, protocol=pickle.HIGHEST_PROTOCOL)
        results.flush()
