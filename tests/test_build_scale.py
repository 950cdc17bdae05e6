"""Builds at scale: several render processes, page-by-page writing, terminal progress.

A cold build of a newsroom-sized timeline renders in one forked process per CPU and writes
each page as soon as it is rendered; the result must be byte for byte what one process
writes, and any failure in any process must leave the previous site untouched. Progress
shows on a terminal only, so CI logs stay line-oriented.
"""

from __future__ import annotations

import gc
import io
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO, run_on_a_terminal, run_timeline

from builder import uptodate
from builder.build import BuildOptions, Progress, _collections_paused
from builder.write import DuplicateOutput, write_site

sys.path.insert(0, str(REPO / "bench"))
import corpus  # noqa: E402  (bench/ holds scripts, not a package)


@dataclass(frozen=True)
class Planned:
    """A planned file as render.plan_site makes them: a path and a function for its bytes."""

    path: str
    render: object


def _plan(count: int) -> list[Planned]:
    return [
        Planned(f"pages/{n}/index.html", lambda n=n: f"<p>page {n}</p>\n".encode())
        for n in range(count)
    ]


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_two_processes_write_exactly_what_one_writes(tmp_path: Path) -> None:
    plan = _plan(2000)
    assert write_site(plan, tmp_path / "one", jobs=1) == 1
    counted: list[int] = []
    assert write_site(plan, tmp_path / "two", jobs=2, progress=counted.append) == 2
    assert _tree(tmp_path / "two") == _tree(tmp_path / "one")
    assert len(_tree(tmp_path / "two")) == 2000
    assert sum(counted) == 2000


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_writer_tells_the_files_as_listing_the_folder_would(tmp_path: Path, jobs: int):
    """`timeline build` records its files for the next build's nothing-changed check from
    what its processes wrote, not from a listing of the 11,000 files afterwards."""
    plan = [*_plan(600), Planned("index.html", lambda: b"<p>home</p>\n")]
    written: dict[str, list[int]] = {}
    assert write_site(plan, tmp_path / "site", jobs=jobs, written=written) == jobs
    assert written == uptodate.output_files(tmp_path / "site")
    assert len(written) == 601 and written["index.html"][0] == len(b"<p>home</p>\n")


def _pid_page(n: int, started: Path) -> bytes:
    """A page naming its process. Each process leaves its name in the folder `started`,
    and the page waits until two processes have started rendering: otherwise one process
    could take every shared file before the other has begun, which says nothing of how
    files are shared out."""
    (started / str(os.getpid())).touch()
    deadline = time.monotonic() + 60
    while len(os.listdir(started)) < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    return f"{n} {os.getpid()}".encode()


def test_files_of_one_group_are_rendered_by_one_process(tmp_path: Path) -> None:
    """Files that share work (list items, export pieces) go to one process each; the rest
    are shared out, so both processes work."""
    started = tmp_path / "started"
    started.mkdir()
    plan = [
        Planned(f"{kind}/{n}.txt", lambda n=n: _pid_page(n, started))
        for kind in "abc"
        for n in range(400)
    ]
    groups = {"a": "lists", "b": "exports"}
    write_site(plan, tmp_path / "site", jobs=2, group=lambda path: groups.get(path[0]))
    pids = {kind: set() for kind in "abc"}
    for path, data in _tree(tmp_path / "site").items():
        pids[path[0]].add(data.split()[1])
    assert len(pids["a"]) == 1 and len(pids["b"]) == 1
    assert pids["a"] != pids["b"]
    assert pids["c"] == pids["a"] | pids["b"]  # the ungrouped files were shared out


def test_render_processes_seldom_make_full_collections(tmp_path: Path) -> None:
    """A render process keeps what it renders for the rest of the build (list items, macro
    calls): its garbage collector collects the young generations as usual and rescans
    everything only after a thousand middle collections; the parent keeps its own."""
    import gc

    from builder.write import RENDER_GC_THRESHOLDS

    before = gc.get_threshold()
    plan = [Planned(f"t/{n}.txt", lambda: repr(gc.get_threshold()).encode()) for n in range(600)]
    assert write_site(plan, tmp_path / "site", jobs=2) == 2
    assert set(_tree(tmp_path / "site").values()) == {repr(RENDER_GC_THRESHOLDS).encode()}
    assert RENDER_GC_THRESHOLDS[2] >= 1000 and RENDER_GC_THRESHOLDS[:2] == (700, 10)
    assert gc.get_threshold() == before


def test_the_writer_makes_folders_new_nested_or_there_already(tmp_path: Path) -> None:
    """Each folder is made with one system call when its parent is there, with its parents
    when not; a folder already there is fine, a file in its place is an error."""
    from builder.write import SiteWriter

    (tmp_path / "site/kept").mkdir(parents=True)
    writer = SiteWriter(tmp_path / "site")
    for path in ("events/a/index.html", "events/b/index.html", "x/y/z/f.txt", "kept/f.txt"):
        writer.write(path, path.encode())
    assert _tree(tmp_path / "site") == {
        p: p.encode()
        for p in ("events/a/index.html", "events/b/index.html", "x/y/z/f.txt", "kept/f.txt")
    }
    (tmp_path / "site/blocked").write_bytes(b"a file")
    with pytest.raises(FileExistsError):
        SiteWriter(tmp_path / "site").write("blocked/index.html", b"")


def test_small_sites_are_rendered_in_one_process(tmp_path: Path) -> None:
    assert write_site(_plan(50), tmp_path / "site", jobs=8) == 1


def _failing_at(plan: list[Planned], index: int, render) -> list[Planned]:
    return [*plan[:index], Planned(plan[index].path, render), *plan[index + 1 :]]


def _raise_template_error() -> bytes:
    raise ValueError("a template broke on this page")


def _die() -> bytes:
    os._exit(9)  # a render process killed mid-build (out of memory, say)


@pytest.mark.parametrize(
    ("render", "error", "message"),
    [
        (_raise_template_error, ValueError, "a template broke"),
        (_die, RuntimeError, "ended unexpectedly"),
    ],
)
def test_a_failing_render_process_leaves_the_previous_site(
    tmp_path: Path, render, error, message
) -> None:
    out = tmp_path / "site"
    write_site(_plan(10), out)
    before = _tree(out)
    with pytest.raises(error, match=message):
        write_site(_failing_at(_plan(2000), 1500, render), out, jobs=2)
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no temporary folder left


def test_a_path_planned_twice_is_refused_before_anything_is_rendered(tmp_path: Path) -> None:
    rendered: list[str] = []

    def render() -> bytes:
        rendered.append("x")
        return b""

    plan = [Planned("a/index.html", render), Planned("a/index.html", render)]
    with pytest.raises(DuplicateOutput):
        write_site(plan, tmp_path / "site", jobs=2)
    assert rendered == []
    assert not (tmp_path / "site").exists()


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated corpus big enough for two render processes (about 900 files)."""
    root = tmp_path_factory.mktemp("newsroom")
    corpus.generate(root, events=500, articles=30, seed=7)
    return root


def test_cli_builds_the_same_site_with_one_or_two_processes(newsroom: Path, tmp_path) -> None:
    one = run_timeline("build", str(newsroom), "-o", str(tmp_path / "one"), "-j", "1", "--profile")
    two = run_timeline("build", str(newsroom), "-o", str(tmp_path / "two"), "-j", "2", "--profile")
    assert one.code == 0, one.err
    assert two.code == 0, two.err
    assert "render+write (1 process)" in one.out
    assert "render+write (2 processes)" in two.out
    for stage in ("load", "validate", "model", "plan"):
        assert f"  {stage} " in two.out
    assert _tree(tmp_path / "two") == _tree(tmp_path / "one")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_template_failing_in_a_render_process_is_reported_where_it_fails(
    newsroom: Path, tmp_path: Path, jobs: str
) -> None:
    """A project's template that fails on a page: `path:line:col: error:`, exit status 1,
    no traceback, the previous site as it was, whichever process rendered the page."""
    project = tmp_path / "newsroom"
    shutil.copytree(newsroom, project)
    out = tmp_path / "site"
    assert run_timeline("build", str(project), "-o", str(out)).code == 0
    before = _tree(out)
    override = project / "themes" / "default" / "templates" / "event.html"
    override.parent.mkdir(parents=True)
    override.write_text(
        '{% extends "base.html" %}\n{% block main %}\n<h1>{{ event.headline.text }}</h1>\n'
        "{% endblock %}\n"
    )
    run = run_timeline("build", str(project), "-o", str(out), "-j", jobs)
    assert run.code == 1
    first, count, last = run.err.splitlines()
    assert first.startswith("themes/default/templates/event.html:3:1: error: UndefinedError: ")
    assert "has no attribute 'headline' (rendering events/" in first
    assert count == "1 error, 0 warnings"  # as a template that does not compile ends
    assert last == "build failed: the previous site was left as it was"
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["newsroom", "site"]


def test_a_template_that_does_not_compile_fails_the_build_before_any_page(
    project: Path,
) -> None:
    """Every template is compiled before the first page, even one no page uses."""
    assert run_timeline("build", str(project)).code == 0
    site = project / "site"
    before = _tree(site)
    unused = project / "themes" / "default" / "templates" / "partials" / "unused.html"
    unused.parent.mkdir(parents=True)
    unused.write_text("<p>\n{% if event %}{{ event.title }</p>\n")
    run = run_timeline("build", str(project))
    assert run.code == 1
    assert run.err.splitlines() == [
        "themes/default/templates/partials/unused.html:2:1: error: template syntax: unexpected '}'",
        "1 error, 0 warnings",
        "build failed: the previous site was left as it was",
    ]
    assert _tree(site) == before
    unused.write_bytes(b"<p>\xff\xfe</p>\n")
    run = run_timeline("build", str(project))
    assert run.code == 1 and "Traceback" not in run.err
    assert run.err.startswith(
        "themes/default/templates/partials/unused.html:1:1: error: template partials/unused.html "
        "could not be "
        "read as UTF-8 text: "
    )
    unused.unlink()
    assert run_timeline("build", str(project)).code == 0


def test_cli_refuses_zero_jobs(newsroom: Path, tmp_path: Path) -> None:
    run = run_timeline("build", str(newsroom), "-o", str(tmp_path / "site"), "-j", "0")
    assert run.code == 2
    assert "--jobs 0 must be 1 or more" in run.err
    assert "Traceback" not in run.err


def test_no_progress_when_the_output_is_not_a_terminal(newsroom: Path, tmp_path: Path) -> None:
    run = run_timeline("build", str(newsroom), "-o", str(tmp_path / "site"))
    assert run.code == 0, run.err
    assert "\r" not in run.out + run.err
    assert run.err == ""
    assert run.out.startswith("built ") and run.out.count("\n") == 1


def test_progress_on_a_terminal_shows_stage_and_count(tmp_path: Path) -> None:
    """The real CLI under a pseudo-terminal, on a corpus that takes well over the second
    after which progress shows (about 4 s on a 2-core machine; 500 events no longer do):
    the build, then the check of its links."""
    project = tmp_path / "big"
    corpus.generate(project, events=3000, articles=60, seed=7)
    site = str(tmp_path / "s")
    screen = run_on_a_terminal("build", str(project), "-o", site)
    assert "\rrender " in screen
    assert re.search(r"\rrender [1-9][\d,]*/[1-9][\d,]* pages and files", screen)
    last = screen.replace("\r\n", "\n").split("\r")[-1]
    assert last.strip().startswith("built ")

    screen = run_on_a_terminal("check", str(project), "--links", "-o", site)
    assert re.search(r"\rcheck links [1-9][\d,]*/[1-9][\d,]* files", screen)
    last = screen.replace("\r\n", "\n").split("\r")[-1]
    assert last.strip().startswith("ok: ")


def test_progress_line_counts_and_is_erased() -> None:
    stream = io.StringIO()
    progress = Progress(stream, enabled=True)
    progress.DELAY = 0.0
    progress.stage("render", 11_185, "pages")
    progress.advance(3_400)
    progress._drawn_at = 0.0  # past the redraw interval
    progress.advance(1)
    assert "\rrender 0/11,185 pages" in stream.getvalue()
    assert "\rrender 3,401/11,185 pages" in stream.getvalue()
    progress.finish()
    assert stream.getvalue().endswith("\r" + " " * len("render 3,401/11,185 pages") + "\r")


def test_progress_stays_silent_for_short_builds() -> None:
    stream = io.StringIO()
    progress = Progress(stream, enabled=True)  # DELAY is a second: nothing is drawn sooner
    progress.stage("render", 10, "pages")
    progress.advance(10)
    progress.finish()
    assert stream.getvalue() == ""


# -- nothing changed, nothing rebuilt ---------------------------------------------------------


def _stamps(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*")}


def test_a_build_with_nothing_changed_rewrites_nothing(project: Path, cache_home: Path) -> None:
    unsourced = project / "content" / "events" / "unsourced.yaml"
    unsourced.write_text("date: 2024-01-02\ntitle: An event nobody sourced yet\n")
    first = run_timeline("build", str(project))
    assert first.code == 0, first.err
    site = project / "site"
    before, inode = _stamps(site), site.stat().st_ino
    again = run_timeline("build", str(project), "--profile")
    assert again.code == 0, again.err
    assert "nothing changed since the last build: no file rewritten" in again.out
    assert "  check " in again.out
    assert again.out.split("\n")[-2].startswith(first.out.split(" in ")[0])
    assert "unsourced.yaml:1:1: warning:" in first.err
    assert again.err == first.err  # the same warnings, printed again
    assert _stamps(site) == before and site.stat().st_ino == inode
    assert sorted(p.name for p in project.iterdir()) == ["content", "site"]
    assert list((cache_home / "timeline-builder" / "last-builds").glob("*.json"))


@pytest.mark.parametrize(
    "change",
    [
        "content",
        "output file touched",
        "output file deleted",
        "output file added",
        "output folder added",
        "option",
        "theme override",
    ],
)
def test_any_change_means_a_full_build(project: Path, cache_home: Path, change: str) -> None:
    assert run_timeline("build", str(project)).code == 0
    args = ["build", str(project)]
    site = project / "site"
    if change == "content":
        events = project / "content" / "events" / "takeover.yaml"
        events.write_text(events.read_text().replace("Taliban take Kabul", "Kabul falls"))
    elif change == "output file touched":
        page = site / "index.html"
        page.write_bytes(page.read_bytes() + b"<!-- edited by hand -->")
    elif change == "output file deleted":
        (site / "404.html").unlink()
    elif change == "output file added":
        (site / "events" / "taliban-takeover" / "notes.txt").write_text("left by hand\n")
    elif change == "output folder added":
        (site / "events" / "taliban-takeover" / "drafts").mkdir()
    elif change == "option":
        args.append("--drafts")
    else:
        override = project / "themes" / "default" / "templates" / "404.html"
        override.parent.mkdir(parents=True)
        override.write_text("<p>Not here</p>\n")
    run = run_timeline(*args)
    assert run.code == 0, run.err
    assert "nothing changed" not in run.out
    if change == "content":
        assert "Kabul falls" in (site / "events" / "taliban-takeover" / "index.html").read_text()
    elif change == "theme override":
        assert (site / "404.html").read_text() == "<p>Not here</p>\n"
    elif change.startswith("output f") and "added" in change:
        assert sorted(p.name for p in (site / "events" / "taliban-takeover").iterdir()) == [
            "index.html"
        ]
    else:
        assert "edited by hand" not in (site / "index.html").read_text()
        assert (site / "404.html").exists()


def _recorded(inputs: uptodate.Inputs) -> uptodate.LastBuild:
    return uptodate.LastBuild(inputs.key, inputs.facts, inputs.stats, {}, {}, "", [])


def test_what_loading_made_is_set_aside_before_the_collector_runs_again() -> None:
    """Objects made while collections were paused are frozen, not scanned by the first
    collection after (0.3 s of a 10,000-event build, in its one serial stretch)."""
    frozen = gc.get_freeze_count()
    try:
        with _collections_paused():
            assert not gc.isenabled()
            made = [[n] for n in range(5000)]
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen + len(made)
    finally:
        gc.unfreeze()


def test_settled_input_files_are_trusted_on_their_size_times_and_inode(
    project: Path, tmp_path: Path
) -> None:
    out, options = tmp_path / "out", BuildOptions()
    first = uptodate.read_inputs(project, out, options, settled_ns=0)
    assert first.read == len(first.stats) > 50  # the content, the builder and its theme
    again = uptodate.read_inputs(project, out, options, _recorded(first), settled_ns=0)
    assert (again.read, again.key) == (0, first.key)
    assert uptodate.read_inputs(project, out, options, settled_ns=0).key == first.key

    # The same size and modification time, other bytes: the change time tells.
    events = project / "content" / "events" / "takeover.yaml"
    stat = events.stat()
    events.write_text(events.read_text().replace("Taliban take Kabul", "Taliban take Kunar"))
    os.utime(events, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert events.stat().st_size == stat.st_size
    edited = uptodate.read_inputs(project, out, options, _recorded(first), settled_ns=0)
    assert edited.read == first.read and edited.key != first.key

    # A file added, other options, another output folder: each reads every file again.
    (project / "content" / "events" / "more.yaml").write_text("date: 2024\ntitle: More\n")
    added = uptodate.read_inputs(project, out, options, _recorded(edited), settled_ns=0)
    assert added.read == edited.read + 1 and added.key != edited.key
    last = _recorded(added)
    drafts = uptodate.read_inputs(project, out, BuildOptions(drafts=True), last, settled_ns=0)
    elsewhere = uptodate.read_inputs(project, tmp_path / "other", options, last, settled_ns=0)
    assert drafts.read == elsewhere.read == added.read
    assert len({drafts.key, elsewhere.key, added.key}) == 3


def test_files_changed_just_before_the_check_are_read_the_next_time(project: Path) -> None:
    out, options = project / "site", BuildOptions()
    fresh = uptodate.read_inputs(project, out, options)  # the fixture was written just now
    assert fresh.stats == {} and fresh.read > 0
    again = uptodate.read_inputs(project, out, options, _recorded(fresh))
    assert again.read == fresh.read and again.key == fresh.key


def test_an_unwritable_cache_only_means_building(project: Path, tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    for _ in range(2):
        run = run_timeline("build", str(project))
        assert run.code == 0, run.err
        assert "nothing changed" not in run.out
