"""The build as a short recipe of named, timed steps: load, validate, model, render, write.

`build_site` is what both `timeline build` and the live-preview server call; the `run_*`
functions add what a terminal user needs around it: messages, counts, exit statuses.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from builder import urls
from builder.countries import countries
from builder.diagnostics import ContentError, Report, UsageError
from builder.load import FileCache, load_project
from builder.model import Timeline, build_timeline
from builder.render import find_theme, render_site
from builder.validate import validate_project
from builder.write import (
    DuplicateOutput,
    OutputFile,
    SiteWriter,
    check_output_folder,
    new_build_folder,
    remove_leftovers,
    swap_in,
)


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


@contextmanager
def _timed(timings: dict[str, float], step: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[step] = timings.get(step, 0.0) + time.perf_counter() - start


def make_timeline(
    project: Path, options: BuildOptions, cache: FileCache | None = None
) -> tuple[Timeline | None, Report, dict[str, float]]:
    """Load, validate and model the project; the timeline is None if content errors stop it."""
    timings: dict[str, float] = {}
    with _timed(timings, "load"):
        raw, report = load_project(project, cache)
    with _timed(timings, "validate"):
        valid = validate_project(raw, report, drafts=options.drafts)
    if report.failed(options.strict):
        return None, report, timings
    if options.base_url is not None:
        valid.site.base_url = options.base_url
    with _timed(timings, "model"):
        timeline = build_timeline(
            valid.site, valid.events, valid.articles, valid.pages, countries().names
        )
    return timeline, report, timings


def build_site(project: Path, options: BuildOptions, cache: FileCache | None = None) -> BuildResult:
    """Build the site in memory: every output file, or the content errors that stop it."""
    timeline, report, timings = make_timeline(project, options, cache)
    if timeline is None:
        return BuildResult(None, [], report, timings)
    with _timed(timings, "render"):
        theme = find_theme(project, timeline.site.theme)
        if not theme.template_dirs:
            report.error("content/site.yaml", 1, 1, f"theme {timeline.site.theme!r} not found")
            return BuildResult(timeline, [], report, timings)
        outputs = render_site(timeline, theme, urls.Urls(timeline.site.base_url))
    return BuildResult(timeline, outputs, report, timings)


def write_outputs(outputs: list[OutputFile], output: Path) -> None:
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


def print_report(report: Report, stream=sys.stderr) -> None:
    """Print every diagnostic, sorted by path and line, then the count."""
    items = report.sorted()
    for item in items:
        print(item.format(), file=stream)
    if items:
        print(report.summary(), file=stream)


def _normalise_base_url(base_url: str | None) -> str | None:
    if base_url is None:
        return None
    from builder.text import is_web_url

    if not is_web_url(base_url):
        raise UsageError(f"--base-url {base_url!r} must be an absolute http(s) URL")
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
) -> int:
    """`timeline build`: build PROJECT into OUT, print problems and a one-line summary."""
    out = check_output_folder(output or project / "site", project)
    options = BuildOptions(drafts=drafts, strict=strict, base_url=_normalise_base_url(base_url))
    result = build_site(project, options)
    print_report(result.report)
    if result.report.failed(strict) or result.timeline is None:
        print("build failed: the previous site was left as it was", file=sys.stderr)
        return 1
    try:
        with _timed(result.timings, "write"):
            write_outputs(result.outputs, out)
    except DuplicateOutput as exc:
        print(f"timeline: error: {exc}", file=sys.stderr)
        return 1
    if profile:
        for step, seconds in result.timings.items():
            print(f"  {step:<9} {seconds * 1000:8.1f} ms")
    if not quiet:
        pages = sum(1 for o in result.outputs if o.path.endswith(".html"))
        t = result.timeline
        print(
            f"built {pages} pages ({_count(len(t.events), 'event')}, "
            f"{_count(len(t.articles), 'article')}) "
            f"into {_shown(out)} in {result.seconds:.2f} s"
        )
    return 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd())) or "."
    except ValueError:
        return str(path)


def run_check(
    project: Path,
    *,
    strict: bool = False,
    drafts: bool = False,
    links: bool = False,
    output: Path | None = None,
) -> int:
    """`timeline check`: load and validate only, write nothing; optionally check links."""
    timeline, report, _ = make_timeline(project, BuildOptions(drafts=drafts, strict=strict))
    print_report(report)
    status = 1 if report.failed(strict) else 0
    if links:
        from builder.links import check_links

        broken = check_links(output or project / "site")
        for line in broken:
            print(line, file=sys.stderr)
        if broken:
            print(f"{len(broken)} broken link{'s' * (len(broken) != 1)}", file=sys.stderr)
            status = 1
    if status == 0 and timeline is not None:
        print(
            f"ok: {len(timeline.events)} events, {len(timeline.articles)} articles, "
            f"{report.summary()}"
        )
    return status


__all__ = ["BuildOptions", "BuildResult", "ContentError", "build_site", "run_build", "run_check"]
