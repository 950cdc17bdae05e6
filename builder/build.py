"""The build as a short recipe of named, timed steps: load, validate, model, render, write.

`build_site` is what both `timeline build` and the live-preview server call; the `run_*`
functions add what a terminal user needs around it: messages, counts, exit statuses.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from builder import uptodate
from builder.diagnostics import ContentError, Diagnostic, Report, UsageError
from builder.write import (
    DuplicateOutput,
    OutputFile,
    SiteWriter,
    cannot_write,
    check_output_folder,
    new_build_folder,
    remove_leftovers,
    swap_in,
    write_site,
)

# The stages (and Jinja2, PyYAML, markdown-it) are imported where they are used, so that
# `timeline build` with nothing changed answers without paying for those imports.
if TYPE_CHECKING:
    from builder.links import BrokenLink
    from builder.load import FileCache
    from builder.model import ModelMemo, Timeline
    from builder.render import PlannedFile
    from builder.validate import ValidationCache


@dataclass
class BuildResult:
    """What a build did: the model, the files, the problems found and the time per step."""

    timeline: Timeline | None
    outputs: list[OutputFile]
    report: Report
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        """Total time of all steps."""
        return sum(self.timings.values())


@dataclass(frozen=True)
class BuildOptions:
    """How to build: drafts included or not, warnings fatal or not, the public base URL."""

    drafts: bool = False
    strict: bool = False
    base_url: str | None = None


class Progress:
    """The build's stage and count on one updating terminal line: `render 3,400/11,185 pages`.

    Shown only on a terminal, and only once the build has run for a second, so short builds,
    pipes and CI logs get the one-line summary and nothing else. Stages without counts (load,
    validate, model) are drawn by a ticker thread, which `counting` stops: counted stages draw
    as they advance, and forking render processes needs this to be the only thread.
    """

    DELAY = 1.0
    EVERY = 0.1

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_terminal(self.stream) if enabled is None else enabled
        self._started = time.monotonic()
        self._drawn_at = 0.0
        self._width = 0
        self._shown = ""
        self._stage, self._done, self._total, self._unit = "", 0, 0, ""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def stage(self, name: str, total: int = 0, unit: str = "") -> None:
        """Start a stage, with the number of items it will count, if it counts."""
        self._stage, self._done, self._total, self._unit = name, 0, total, unit
        self._draw(force=True)

    def advance(self, count: int = 1) -> None:
        """Count `count` more items of the current stage done."""
        self._done += count
        self._draw()

    @contextmanager
    def ticking(self) -> Iterator[None]:
        """Redraw the line regularly while the stages inside report no counts."""
        if self.enabled:
            self._stop.clear()
            self._ticker = threading.Thread(target=self._tick, name="progress", daemon=True)
            self._ticker.start()
        try:
            yield
        finally:
            if self._ticker is not None:
                self._stop.set()
                self._ticker.join()
                self._ticker = None

    def finish(self) -> None:
        """Erase the line, so whatever is printed next starts on a clean one."""
        with self._lock:
            if self._width:
                self.stream.write("\r" + " " * self._width + "\r")
                self.stream.flush()
                self._width = 0
                self._shown = ""

    def line(self) -> str:
        """The text of the status line as it stands."""
        if not self._total:
            return f"{self._stage} ..."
        return f"{self._stage} {self._done:,}/{self._total:,} {self._unit}".rstrip()

    def _tick(self) -> None:
        while not self._stop.wait(self.EVERY):
            self._draw(force=True)

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._started < self.DELAY or (not force and now - self._drawn_at < self.EVERY):
            return
        text = self.line()
        with self._lock:
            self._drawn_at = now
            if text == self._shown:
                return
            self._shown = text
            self.stream.write("\r" + text + " " * max(0, self._width - len(text)))
            self.stream.flush()
            self._width = len(text)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


@contextmanager
def _collections_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while loading and modelling (the live preview
    defers collections in its own way, see `serve._collections_deferred`).

    Loading creates hundreds of thousands of long-lived objects and almost no cyclic
    garbage; with the collector running, each collection rescans everything read so far,
    which more than doubled the load and validate time of a 10,000-event corpus. What was
    made meanwhile is set aside for good (`gc.freeze`) before the collector runs again:
    else its first collection scanned all of it, 0.3 s at 10,000 events.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


@contextmanager
def _timed(timings: dict[str, float], step: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[step] = timings.get(step, 0.0) + time.perf_counter() - start


def make_timeline(
    project: Path,
    options: BuildOptions,
    cache: FileCache | None = None,
    progress: Progress | None = None,
    validation: ValidationCache | None = None,
    memo: ModelMemo | None = None,
) -> tuple[Timeline | None, Report, dict[str, float]]:
    """Load, validate and model the project; the timeline is None if content errors stop it.

    The live preview passes the caches it keeps between rebuilds: parsed files (`cache`),
    validated records (`validation`) and the previous model (`memo`).
    """
    from builder.contentlinks import check_content_links
    from builder.countries import countries
    from builder.load import load_project
    from builder.model import build_timeline
    from builder.validate import validate_project

    progress = progress or Progress(enabled=False)
    timings: dict[str, float] = {}
    progress.stage("load")
    with _timed(timings, "load"):
        raw, report = load_project(project, cache)
    progress.stage("validate")
    with _timed(timings, "validate"):
        valid = validate_project(raw, report, drafts=options.drafts, cache=validation)
    if report.failed(options.strict):
        return None, report, timings
    if options.base_url is not None:
        valid.site.base_url = options.base_url
    progress.stage("model")
    with _timed(timings, "model"):
        timeline = build_timeline(
            valid.site, valid.events, valid.articles, valid.pages, countries().names, memo
        )
    with _timed(timings, "validate"):
        check_content_links(project, timeline, report)
    if report.failed(options.strict):
        return None, report, timings
    return timeline, report, timings


def plan_build(
    project: Path, timeline: Timeline, report: Report, timings: dict[str, float]
) -> list[PlannedFile] | None:
    """Every file the site will have, not rendered yet; None (reported) if the theme is
    missing."""
    import jinja2

    from builder import urls
    from builder.render import plan_site
    from builder.theme import (
        RenderFailed,
        find_theme,
        render_problem,
        static_link_warnings,
    )

    with _timed(timings, "plan"):
        theme = find_theme(project, timeline.site.theme)
        if not theme.template_dirs:
            report.error("content/site.yaml", 1, 1, f"theme {timeline.site.theme!r} not found")
            return None
        report.items.extend(static_link_warnings(theme, project))
        try:
            return plan_site(timeline, theme, urls.Urls(timeline.site.base_url))
        except (jinja2.TemplateSyntaxError, RenderFailed) as exc:  # a broken template
            problem = render_problem(exc, "", project)
            report.error(problem.path, problem.line, problem.col, problem.message)
            return None


def _reporting(plan: list[PlannedFile], project: Path) -> list[PlannedFile]:
    """The plan, each of whose files raises `RenderFailed`, located in the template at
    fault, when its template fails: in a render process, where the traceback still tells
    where (a failure without a template on its way, a bug of the builder, is left as it is)."""
    from builder.render import PlannedFile
    from builder.theme import UNLOCATED, RenderFailed, render_problem

    def reporting(item: PlannedFile) -> PlannedFile:
        def render():
            try:
                return item.render()
            except Exception as exc:
                problem = render_problem(exc, item.path, project)
                if problem.path == UNLOCATED:
                    raise
                raise RenderFailed(problem) from None

        return PlannedFile(item.path, render, item.key)

    return [reporting(item) for item in plan]


def build_site(
    project: Path,
    options: BuildOptions,
    cache: FileCache | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Build the site in memory: every output file, or the content errors that stop it."""
    progress = progress or Progress(enabled=False)
    timeline, report, timings = make_timeline(project, options, cache, progress)
    if timeline is None:
        return BuildResult(None, [], report, timings)
    plan = plan_build(project, timeline, report, timings)
    if plan is None:
        return BuildResult(timeline, [], report, timings)
    outputs = []
    progress.stage("render", len(plan), "files")
    with _timed(timings, "render"):
        for item in plan:
            outputs.append(OutputFile(item.path, item.render()))
            progress.advance()
    return BuildResult(timeline, outputs, report, timings)


def default_jobs() -> int:
    """How many processes a cold build renders with by default: one per available CPU."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def write_outputs(outputs: Iterable[OutputFile], output: Path) -> None:
    """Write every file into a fresh folder beside `output`, then swap it in whole."""
    remove_leftovers(output)
    folder = new_build_folder(output)
    try:
        writer = SiteWriter(folder)
        for item in outputs:
            writer.write(item.path, item.data)
    except BaseException:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        raise
    swap_in(folder, output)


def strict_failure(report: Report, strict: bool, command: str) -> str:
    """Why a run with no errors failed (`--strict` with warnings), or "" when it did not.

    Without it an editor reads "0 errors, 1 warning" and then a failure, with no why."""
    if strict and report.warnings and not report.errors:
        return f"--strict makes warnings fail: fix them, or {command} without --strict"
    return ""


def print_report(report: Report, stream=sys.stderr) -> None:
    """Print every diagnostic, sorted by path and line, then the count."""
    for line in report_lines(report):
        print(line, file=stream)


def report_lines(report: Report) -> list[str]:
    """The lines `print_report` prints: every diagnostic, then the count (none if clean)."""
    items = report.sorted()
    return [item.format() for item in items] + ([report.summary()] if items else [])


def _normalise_base_url(base_url: str | None) -> str | None:
    if base_url is None:
        return None
    from builder.text import is_web_url, web_url_example

    if not is_web_url(base_url):
        raise UsageError(
            f"--base-url {base_url!r} must be an absolute http(s) URL, {web_url_example(base_url)}"
        )
    return base_url if base_url.endswith("/") else base_url + "/"


def checked_base_url(base_url: str | None) -> str | None:
    """A --base-url flag checked as `timeline build` checks it: an absolute http(s) URL,
    returned ending in `/` (UsageError otherwise). `timeline serve` uses it too."""
    return _normalise_base_url(base_url)


def run_build(
    project: Path,
    *,
    output: Path | None = None,
    base_url: str | None = None,
    drafts: bool = False,
    strict: bool = False,
    profile: bool = False,
    quiet: bool = False,
    jobs: int | None = None,
) -> int:
    """`timeline build`: build PROJECT into OUT, print problems and a one-line summary.

    Pages are rendered and written one at a time, straight into the new output folder, by
    `jobs` processes (default: one per CPU; small sites use one), so memory never holds
    the whole site. On a terminal, a build longer than a second shows its progress.
    """
    out = check_output_folder(output or project / "site", project)
    options = BuildOptions(drafts=drafts, strict=strict, base_url=_normalise_base_url(base_url))
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs {jobs} must be 1 or more")
    progress = Progress(enabled=False if quiet else None)
    started = time.perf_counter()
    timings: dict[str, float] = {}
    with _timed(timings, "check"):
        recorded = uptodate.last_build(out)
        inputs = uptodate.read_inputs(project, out, options, recorded)
        last = uptodate.unchanged(out, inputs, recorded)
    if last is not None:
        return _report_unchanged(last, out, timings, started, profile=profile, quiet=quiet)
    from builder import warmup

    jobs = jobs or default_jobs()
    # Before the progress thread starts: the warm-up forks.
    warm = warmup.start(project) if jobs > 1 else None
    with progress.ticking(), _collections_paused():
        timeline, report, stages = make_timeline(project, options, progress=progress)
        timings.update(stages)
        progress.stage("plan")
        plan = plan_build(project, timeline, report, timings) if timeline else None
    progress.finish()
    print_report(report)
    if report.failed(strict) or timeline is None or plan is None:
        if warm:
            warm.close()
        reason = strict_failure(report, strict, "build")
        print(
            f"build failed: {reason + '; ' if reason else ''}the previous site was left as it was",
            file=sys.stderr,
        )
        return 1
    if warm:
        collected = time.perf_counter()
        with _collections_paused():  # ten thousand new tuples: not a scan of the whole model
            texts = warm.collect()
        kept = f", {texts - warm.fresh} kept from the last build" if texts > warm.fresh else ""
        timings[f"warm-up ({texts} texts ahead{kept})"] = time.perf_counter() - collected
    from builder.render import shared_work
    from builder.theme import RenderFailed

    progress.stage("render", len(plan), "pages and files")
    written: dict[str, list[int]] = {}
    try:
        with _timed(timings, "render+write"):
            processes = write_site(
                _reporting(plan, project),
                out,
                jobs=jobs,
                progress=progress.advance,
                group=shared_work,
                written=written,
            )
    except DuplicateOutput as exc:
        progress.finish()
        print(f"timeline: error: {exc}", file=sys.stderr)
        return 1
    except RenderFailed as exc:
        progress.finish()
        _print_render_failure(exc.diagnostic, report)
        return 1
    except OSError as exc:
        progress.finish()
        print(f"timeline: error: {cannot_write(out, exc)}", file=sys.stderr)
        print("build failed: the previous site was left as it was", file=sys.stderr)
        return 1
    progress.finish()
    if warm:
        keeping = time.perf_counter()
        if warm.keep(project):
            timings["keep conversions"] = time.perf_counter() - keeping
    seconds = time.perf_counter() - started
    if profile:
        for step, spent in timings.items():
            shown = step
            if step == "render+write":
                shown += f" ({processes} process{'es' * (processes != 1)})"
            print(f"  {shown:<28} {spent * 1000:9.1f} ms")
    pages = sum(1 for item in plan if item.path.endswith(".html"))
    counts = (
        f"{pages} pages ({_count(len(timeline.events), 'event')}, "
        f"{_count(len(timeline.articles), 'article')})"
    )
    if not quiet:
        print(f"built {counts} into {_shown(out)} in {seconds:.2f} s")
    uptodate.remember(out, inputs, counts, report_lines(report), written)
    return 0


def _print_render_failure(diagnostic: Diagnostic, report: Report) -> None:
    """Print a page's rendering error and the count with it, as content errors end: the
    count of everything the build found, so a CI log tells at a glance how it ended."""
    report.items.append(diagnostic)
    print(diagnostic.format(), file=sys.stderr)
    print(report.summary(), file=sys.stderr)
    print("build failed: the previous site was left as it was", file=sys.stderr)


def _report_unchanged(
    last: uptodate.LastBuild,
    out: Path,
    timings: dict[str, float],
    started: float,
    *,
    profile: bool,
    quiet: bool,
) -> int:
    """What `timeline build` says when nothing changed: the last build's warnings again,
    and its summary, marked as not rebuilt."""
    for line in last.diagnostics:
        print(line, file=sys.stderr)
    if profile:
        for step, spent in timings.items():
            print(f"  {step:<28} {spent * 1000:9.1f} ms")
    if not quiet:
        seconds = time.perf_counter() - started
        print(
            f"built {last.counts} into {_shown(out)} in {seconds:.2f} s "
            "(nothing changed since the last build: no file rewritten)"
        )
    return 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd())) or "."
    except ValueError:
        return str(path)


def _link_errors(
    project: Path, site_dir: Path, broken: list[BrokenLink], timeline: Timeline | None
) -> list[Diagnostic]:
    """The broken links as content errors: at the Markdown link of the content that wrote
    them when the (valid) content has it, else where the built file has them."""
    if not broken:
        return []
    from builder.linkplaces import link_diagnostics, shown_path
    from builder.linksource import ContentLinks

    content = ContentLinks(project, timeline) if timeline is not None else None
    return link_diagnostics(site_dir, broken, shown_path(project, site_dir), content)


def run_check(
    project: Path,
    *,
    strict: bool = False,
    drafts: bool = False,
    links: bool = False,
    output: Path | None = None,
    external: bool = False,
    timeout: float | None = None,
) -> int:
    """`timeline check`: load and validate only, write nothing; optionally check links (in
    a process per CPU: at 10,000 events that reads 11,000 files) and, once the content is
    valid, the addresses it cites (`external`, each request waiting `timeout` seconds). On
    a terminal, a check longer than a second shows its progress, as a build does."""
    from builder.links import LinkCheck

    progress = Progress()
    options = BuildOptions(drafts=drafts, strict=strict)
    # Before the progress thread starts: the link check forks the processes reading the site.
    check = LinkCheck(output or project / "site", default_jobs()) if links else None
    sources = None
    try:
        with progress.ticking():
            timeline, report, _ = make_timeline(project, options, progress=progress)
        broken = check.broken(progress) if check else []
        if external and timeline is not None:
            from builder.external import DEFAULT_TIMEOUT, check_sources

            # Ticking: the first answers may be a whole timeout away.
            with progress.ticking():
                sources = check_sources(project, timeline, timeout or DEFAULT_TIMEOUT, progress)
    finally:
        if check:
            check.close()
        progress.finish()  # on Ctrl-C too: the shell's prompt must not follow the count
    if links:
        report.items += _link_errors(project, output or project / "site", broken, timeline)
    if sources is not None:
        report.items += sources.warnings
    print_report(report)
    if sources is not None:
        for line in [sources.summary(), *sources.refused_lines()]:
            print(line)
    status = 1 if report.failed(strict) else 0
    if reason := strict_failure(report, strict, "check"):
        print(f"check failed: {reason}", file=sys.stderr)
    if status == 0 and timeline is not None:
        print(
            f"ok: {_count(len(timeline.events), 'event')}, "
            f"{_count(len(timeline.articles), 'article')}, "
            f"{report.summary()}"
        )
    return status


__all__ = ["BuildOptions", "BuildResult", "ContentError", "build_site", "run_build", "run_check"]
