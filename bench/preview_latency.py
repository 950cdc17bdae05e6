"""How long an editor waits: from saving a file to the browser showing the change.

Starts a real `timeline serve` on the shipped content and on a generated project
(bench/corpus.py, 1,000 events by default), opens a page in headless Chromium (an event's
page, and the timeline page listing that event, scrolled to it), then saves a
new title for the event on that page again and again, the way editors save (a temporary file
renamed over the original), and times each save until the new title is on screen in the
browser (checked on every animation frame). Each save waits until the server has finished
its background work for the previous one, so every figure is "save on an idle preview".

It also times, in this process, the steps a rebuild takes (load with a warm cache, validate,
model, plan, render the page), to show where the time goes.

    python bench/preview_latency.py [--runs 10] [--events 1000] [--articles 100]

A benchmark, not a test: figures depend on the machine. See bench/README-preview.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
GIVE_UP = 120.0  # seconds: a broken preview ends the benchmark instead of hanging it

#: Runs in every document the benchmark page loads: on each animation frame (just before the
#: browser paints) it looks for the awaited title, and records when it first saw it, in
#: epoch milliseconds, in localStorage, which outlives a reload that brings the title. The
#: title counts only once it is on screen: inside the viewport and rendered (the timeline
#: leaves months far from the viewport unrendered, `content-visibility: auto`).
WATCHER = """(() => {
  const onScreen = (element) => {
    const box = element.getBoundingClientRect();
    const rendered = !element.checkVisibility
      || element.checkVisibility({contentVisibilityAuto: true});
    return rendered && box.height > 0 && box.bottom > 0 && box.top < innerHeight;
  };
  const look = () => {
    let want = null;
    try { want = JSON.parse(localStorage.getItem("bench-want")); } catch {}
    if (want && document.readyState !== "loading") {
      const shown = document.getElementById(want.id) || document.querySelector("main h1");
      if (shown && shown.textContent.includes(want.title) && onScreen(shown)) {
        const at = performance.timeOrigin + performance.now();
        localStorage.setItem("bench-seen", JSON.stringify({title: want.title, at}));
        localStorage.removeItem("bench-want");
      }
    }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();"""


class Server:
    """A `timeline serve` process on a free port."""

    def __init__(self, project: Path):
        env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "builder", "serve", str(project), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        url = folder = None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())
            url = url or _group(r"serving (http://\S+)", line)
            folder = folder or _group(r"building into (\S+) ", line)
            if url and folder:
                break
        if not (url and folder):
            raise SystemExit("timeline serve did not start:\n" + "\n".join(self.lines))
        self.url, self.folder = url, Path(folder)
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())

    def rebuild_ms(self, after: int) -> float:
        """The time the server reported for its rebuild number `after + 1`."""
        deadline = time.monotonic() + GIVE_UP
        while time.monotonic() < deadline:
            found = [
                float(m) for line in self.lines for m in re.findall(r"rebuilt in (\d+) ms", line)
            ]
            if len(found) > after:
                return found[after]
            time.sleep(0.01)
        raise SystemExit("the server never reported its rebuild:\n" + "\n".join(self.lines))

    def rebuilds(self) -> int:
        """How many rebuilds the server has reported."""
        return sum(1 for line in self.lines if "rebuilt in" in line)

    def build_written(self) -> tuple[int, int] | None:
        """An id of the build folder on disk; it changes when a complete build is written
        (a new folder the first time, then the folder's time once changed files are in)."""
        try:
            found = self.folder.stat()
        except OSError:
            return None
        return found.st_ino, found.st_mtime_ns

    def wait_until_idle(self, previous: tuple[int, int] | None) -> tuple[int, int]:
        """Wait until the server has written a build newer than `previous` (its background
        rendering is then finished) and return that build's id."""
        deadline = time.monotonic() + GIVE_UP
        while time.monotonic() < deadline:
            current = self.build_written()
            if current is not None and current != previous:
                time.sleep(0.2)
                return current
            time.sleep(0.02)
        raise SystemExit("the server never finished its background build")

    def stop(self) -> None:
        # SIGTERM, which the server takes as Ctrl-C: a benchmark started in the background
        # by a shell has SIGINT ignored, and so has its server.
        self.proc.terminate()
        self.proc.wait(30)


def _group(pattern: str, line: str) -> str | None:
    found = re.search(pattern, line)
    return found.group(1) if found else None


class TitleLine:
    """The `title:` line of one event in its YAML file, rewritten by atomic saves."""

    def __init__(self, project: Path, title: str):
        for path in sorted((project / "content" / "events").glob("*.y*ml")):
            lines = path.read_text(encoding="utf-8").split("\n")
            for number, line in enumerate(lines):
                found = re.match(r"^(\s*-?\s*)title:\s*(.+)$", line)
                if found and _yaml_value(found.group(2)) == title:
                    self.path, self.number, self.prefix = path, number, found.group(1)
                    return
        raise SystemExit(f"cannot find the title line of {title!r}")

    def save(self, title: str) -> None:
        """Save the file with a new title as editors do: write a temporary file, rename it."""
        lines = self.path.read_text(encoding="utf-8").split("\n")
        lines[self.number] = f'{self.prefix}title: "{title}"'
        temp = self.path.with_name(f".{self.path.name}.bench-tmp")
        temp.write_text("\n".join(lines), encoding="utf-8")
        os.replace(temp, self.path)


def _yaml_value(text: str) -> object:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def evaluate(page: Page, script: str, arg: object = None) -> object:
    """`page.evaluate`, retried while the page is between two documents (reloading)."""
    deadline = time.monotonic() + GIVE_UP
    while True:
        try:
            return page.evaluate(script, arg)
        except PlaywrightError as exc:
            reloading = "destroyed" in str(exc) or "navigat" in str(exc)
            if not reloading or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def clock_offset(page: Page) -> float:
    """Browser epoch clock minus this process's, in milliseconds (close to zero)."""
    before = time.time() * 1000
    browser_now = evaluate(page, "() => performance.timeOrigin + performance.now()")
    return browser_now - (before + time.time() * 1000) / 2


def seen_at(page: Page, title: str) -> float:
    """The browser's epoch milliseconds when the page first showed `title`."""
    deadline = time.monotonic() + GIVE_UP
    while time.monotonic() < deadline:
        seen = evaluate(page, "() => JSON.parse(localStorage.getItem('bench-seen'))")
        if seen and seen["title"] == title:
            return seen["at"]
        time.sleep(0.02)
    raise SystemExit(f"the browser never showed {title!r}")


def measure(
    page: Page, server: Server, line: TitleLine, event_id: str, runs: int
) -> list[tuple[float, float]]:
    """(seconds from a save to the new title on screen, seconds the server says its rebuild
    took) for each save; the first save is a warm-up."""
    written = server.wait_until_idle(None)
    samples = []
    for run in range(runs + 1):
        title = f"Preview benchmark edit {time.time_ns()}"
        want = {"id": event_id, "title": title}
        evaluate(page, "want => localStorage.setItem('bench-want', JSON.stringify(want))", want)
        offset = clock_offset(page)
        rebuilds = server.rebuilds()
        saved = time.time() * 1000
        line.save(title)
        elapsed = (seen_at(page, title) - offset - saved) / 1000
        if run:
            samples.append((elapsed, server.rebuild_ms(rebuilds) / 1000))
        written = server.wait_until_idle(written)
    return samples


def middle_event(project: Path) -> tuple[str, str, str]:
    """(id, title, site path of the timeline page listing it) of an event in the middle of
    the timeline, from a real build's model (a long timeline is split into periods)."""
    from builder import periods
    from builder.build import BuildOptions, make_timeline

    timeline, _, _ = make_timeline(project, BuildOptions())
    event = timeline.events[len(timeline.events) // 2]
    pages = periods.list_pages("", timeline.events, timeline.site.events_per_page)
    where = next(page.path for page in pages if event in page.period.events)
    return event.id, event.title, where


def stage_times(project: Path, line: TitleLine, repeats: int = 5) -> dict[str, float]:
    """Median seconds of each step of the preview's rebuild after a title edit, taken in
    this process with the caches `timeline serve` keeps (parsed files, validated records,
    the previous model, the render memo, the previous build's files), collections deferred
    as the server defers them."""
    import gc

    from builder import serve, urls
    from builder.build import BuildOptions, make_timeline
    from builder.diagnostics import Report
    from builder.load import FileCache
    from builder.model import ModelMemo
    from builder.theme import find_theme, make_environment
    from builder.validate import ValidationCache

    cache, validation, model = FileCache(), ValidationCache(), ModelMemo()
    memo = before = previous = env = None
    times: dict[str, list[float]] = {}
    for run in range(repeats + 1):
        if run:
            line.save(f"Stage timing edit {run}")
        gc.collect()
        gc.disable()
        started = time.perf_counter()
        timeline, _, steps = make_timeline(
            project, BuildOptions(), cache, validation=validation, memo=model
        )
        theme = find_theme(project, timeline.site.theme)
        env = env or make_environment(theme)
        modelled = time.perf_counter()
        memo = serve.next_memo(memo, before, timeline)
        planned = time.perf_counter()
        links = urls.Urls(timeline.site.base_url)
        snapshot = serve.next_snapshot(
            str(run), (timeline, theme, links, env), memo, project, previous, Report()
        )
        rendering = time.perf_counter()
        for path in snapshot.changed:
            snapshot.file(path)
        done = time.perf_counter()
        gc.enable()
        if run:
            for step, seconds in steps.items():
                times.setdefault(step, []).append(seconds)
            times.setdefault("memo", []).append(planned - modelled)
            times.setdefault("plan", []).append(rendering - planned)
            times.setdefault("render changed", []).append(done - rendering)
            times.setdefault("files", []).append(len(snapshot.changed))
            times.setdefault("total", []).append(done - started)
        before, previous = timeline, snapshot
    return {step: statistics.median(values) for step, values in times.items()}


def copy_shipped(target: Path) -> Path:
    """The shipped timeline project, copied so that the benchmark can edit it."""
    shutil.copytree(REPO / "content", target / "content")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="saves per page (default 10)")
    parser.add_argument("--events", type=int, default=1000, help="generated events (1000)")
    parser.add_argument("--articles", type=int, default=100, help="generated articles (100)")
    args = parser.parse_args()

    import corpus

    rows, stages = [], {}
    with tempfile.TemporaryDirectory(prefix="preview-bench-") as tmp:
        generated = Path(tmp) / "generated"
        corpus.generate(generated, args.events, args.articles)
        projects = [
            ("shipped content", copy_shipped(Path(tmp) / "shipped")),
            (f"generated, {args.events:,} events", generated),
        ]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            for label, project in projects:
                event_id, title, timeline_page = middle_event(project)
                line = TitleLine(project, title)
                for page_label, site_path in (
                    ("event page", f"events/{event_id}/"),
                    (f"timeline ({timeline_page or 'index'})", f"{timeline_page}#{event_id}"),
                ):
                    server = Server(project)
                    try:
                        page = browser.new_page()
                        page.add_init_script(WATCHER)
                        page.goto(server.url + site_path)
                        try:
                            samples = measure(page, server, line, event_id, args.runs)
                        except SystemExit:
                            print("\n".join(server.lines[-20:]), file=sys.stderr)
                            raise
                        page.close()
                    finally:
                        server.stop()
                    rows.append((label, page_label, samples))
                    print(f"  {label}, {page_label}: done", file=sys.stderr)
                stages[label] = stage_times(project, line)
            browser.close()
    print_table(rows, stages, args.runs)


def print_table(rows: list, stages: dict[str, dict[str, float]], runs: int) -> None:
    """The figures, as a Markdown table."""
    print(f"\nSave to screen, headless Chromium, {runs} saves each (ms):\n")
    print("| project | page | median | min | max | of which server rebuild (median) |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for label, page_label, samples in rows:
        ms = [total * 1000 for total, _ in samples]
        rebuild = statistics.median(server * 1000 for _, server in samples)
        print(
            f"| {label} | {page_label} | {statistics.median(ms):.0f} | {min(ms):.0f} "
            f"| {max(ms):.0f} | {rebuild:.0f} |"
        )
    steps = ["load", "validate", "model", "memo", "plan", "render changed", "total"]
    print("\nWhere a title edit's rebuild goes, median in-process (ms; files re-rendered):\n")
    print("| project | " + " | ".join(steps) + " | files |")
    print("| --- | " + " | ".join("---:" for _ in steps) + " | ---: |")
    for label, times in stages.items():
        cells = " | ".join(f"{times.get(step, 0) * 1000:.0f}" for step in steps)
        print(f"| {label} | {cells} | {times.get('files', 0):.0f} |")


if __name__ == "__main__":
    main()
