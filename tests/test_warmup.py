"""The cold build's warm-up: event summaries and article bodies converted by a forked
process while the build loads and plans. It may only ever save time: what it hands over is
exactly what rendering would have converted, a file it cannot read is skipped, and stopping
it early loses only the head start."""

from __future__ import annotations

import marshal
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, run_timeline, write

from builder import build, text, textcache, warmup

sys.path.insert(0, str(REPO / "bench"))
import corpus  # noqa: E402  (bench/ holds scripts, not a package)


@pytest.fixture
def early() -> Iterator[dict]:
    """The conversions handed over, emptied again after the test."""
    text.CONVERTED_EARLY.clear()
    yield text.CONVERTED_EARLY
    text.CONVERTED_EARLY.clear()


def _body(path: Path) -> str:
    """An article file's body: what follows its front matter."""
    return path.read_text(encoding="utf-8").split("\n---\n", 1)[1]


def test_every_summary_and_article_body_is_handed_over_converted(
    tmp_path: Path, early: dict
) -> None:
    corpus.generate(tmp_path, events=40, articles=12, seed=5)
    timeline, report, _ = build.make_timeline(tmp_path, build.BuildOptions(drafts=True))
    assert timeline is not None, report.sorted()
    summaries = {event.summary for event in timeline.events if event.summary}
    assert len(summaries) > 30
    articles = sorted((tmp_path / "content/articles").glob("*.md"))
    write(tmp_path / "content/articles/broken.md", "---\ntitle: [unclosed\n---\nNever read.\n")
    write(tmp_path / "content/events/broken.yaml", "- title: [unclosed\n  summary: Never read\n")
    # An alias is not followed (it would be the same text anyway): no alias bomb can grow.
    write(
        tmp_path / "content/events/zz-alias.yaml",
        "- {title: A, summary: &s '  Said *once*. '}\n- {title: B, summary: *s}\n",
    )
    warm = warmup.start(tmp_path)
    assert warm is not None
    warm._process.join(60)  # let it finish: this test is about what it hands over
    bodies = {_body(path) for path in articles}
    expected = bodies | summaries | {"Said *once*."}  # stripped, as validation reads it
    assert warm.collect() == len(expected)
    assert set(early) == expected  # the broken files skipped
    # What was handed over is byte for byte what converting in this process gives.
    assert {source: text._converted(source) for source in early} == early


def test_stopping_early_hands_over_only_whole_conversions(tmp_path: Path, early: dict) -> None:
    corpus.generate(tmp_path, events=20, articles=400, seed=6)
    warm = warmup.start(tmp_path)
    count = warm.collect()  # at once: the warm-up has barely started
    assert not warm._process.is_alive()
    assert count == len(early) < 400
    assert {b: text._converted(b) for b in early} == early


def test_a_cold_build_reports_its_head_start(tmp_path: Path) -> None:
    corpus.generate(tmp_path, events=300, articles=30, seed=8)
    out = tmp_path / "site"
    run = run_timeline("build", str(tmp_path), "-o", str(out), "--profile", "--jobs", "2")
    assert run.code == 0, run.err
    assert "warm-up (" in run.out and "texts ahead)" in run.out
    one = run_timeline(
        "build", str(tmp_path), "-o", str(tmp_path / "one"), "--profile", "--jobs", "1"
    )
    assert one.code == 0 and "warm-up" not in one.out
    pages = sorted(p.relative_to(out) for p in out.rglob("*.html"))
    assert pages and all(
        (out / p).read_bytes() == (tmp_path / "one" / p).read_bytes() for p in pages
    )


# -- conversions kept from one build to the next -------------------------------------------


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _build_kept(project: Path, cache: Path) -> tuple[str, Path]:
    """A cold build (no output folder) with `cache` as the cache folder: its profile lines."""
    out = project / "site"
    if out.exists():
        shutil.rmtree(out)
    run = run_timeline(
        "build",
        str(project),
        "-o",
        str(out),
        "--profile",
        "--jobs",
        "2",
        env={"XDG_CACHE_HOME": str(cache)},
    )
    assert run.code == 0, run.err
    return run.out, out


def _ahead(profile: str) -> tuple[int, int]:
    """(texts the warm-up handed over, how many of them the last build had kept)."""
    match = re.search(
        r"warm-up \((\d+) texts ahead(?:, (\d+) kept from the last build)?\)", profile
    )
    assert match, profile
    return int(match.group(1)), int(match.group(2) or 0)


def _warmed(project: Path) -> tuple[int, int]:
    """A warm-up given all the time it needs, then kept as a build keeps it: (texts handed
    over, how many of them the last build had kept). A build stops its warm-up when planning
    ends, which on a loaded machine can be before it has read a file (it runs at the lowest
    priority), so the handing over is tested here, where it is given the time; that it is a
    head start is the benchmark's to show."""
    text.CONVERTED_EARLY.clear()
    try:
        warm = warmup.start(project)
        assert warm is not None
        warm._process.join(60)
        count = warm.collect()
        warm.keep(project)
        return count, count - warm.fresh
    finally:
        text.CONVERTED_EARLY.clear()


def test_the_next_build_takes_the_conversions_the_last_one_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, cache = tmp_path / "project", tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    corpus.generate(project, events=120, articles=10, seed=9)
    write(  # one summary twice: one text
        project / "content/events/zz-twice.yaml",
        "- {date: 2020-01-01, title: A, summary: Said *twice*.}\n"
        "- {date: 2020-01-02, title: B, summary: Said *twice*.}\n",
    )
    converted, kept = _warmed(project)
    assert converted > 100 and kept == 0
    assert len(textcache.read(project)) == converted
    kept_file = textcache.cache_path(project)
    written = kept_file.stat().st_mtime_ns
    assert _warmed(project) == (converted, converted)
    assert kept_file.stat().st_mtime_ns == written  # nothing new: not written again

    # A build that finds them makes the same site, byte for byte, as one that does not.
    with_kept = _tree(_build_kept(project, cache)[1])
    assert with_kept == _tree(_build_kept(project, tmp_path / "empty-cache")[1])

    # An edited summary is converted anew; the text it replaced is not kept any longer.
    events = sorted((project / "content/events").glob("*.yaml"))[0]
    source = events.read_text(encoding="utf-8")
    old = re.search(r"  summary: >-\n(    .*\n)+", source).group(0)
    events.write_text(source.replace(old, '  summary: "A *new* summary."\n', 1), encoding="utf-8")
    assert _warmed(project) == (converted, converted - 1)
    kept_texts = textcache.read(project)
    assert "A *new* summary." in kept_texts and len(kept_texts) == converted
    assert kept_texts["A *new* summary."] == text._converted("A *new* summary.")
    _, out = _build_kept(project, cache)
    assert "<em>new</em> summary." in "".join(
        p.read_text(encoding="utf-8") for p in (out / "events").rglob("index.html")
    )


def test_a_cache_folder_restored_on_a_fresh_checkout_hands_its_conversions_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the workflow `timeline init` writes relies on: CI restores the cache folder of
    the last run (`actions/cache`, a tarball) beside a fresh checkout, whose files are all new."""
    project, cache = tmp_path / "project", tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    corpus.generate(project, events=80, articles=6, seed=11)
    converted, _ = _warmed(project)
    _, out = _build_kept(project, cache)
    site = _tree(out)

    shutil.rmtree(out)
    checkout = tmp_path / "checkout"
    project.rename(checkout)
    shutil.copytree(checkout, project, copy_function=shutil.copy)  # new files, new times
    restored = tmp_path / "restored-cache"
    shutil.copytree(cache, restored)
    monkeypatch.setenv("XDG_CACHE_HOME", str(restored))
    assert _warmed(project) == (converted, converted)
    again, out = _build_kept(project, restored)
    assert "built " in again and "unchanged" not in again
    assert _tree(out) == site


def test_a_text_shown_twice_is_converted_and_counted_once(tmp_path: Path, early: dict) -> None:
    write(
        tmp_path / "content/events/twice.yaml",
        "- {date: 2020-01-01, title: A, summary: Said *twice*.}\n"
        "- {date: 2020-01-02, title: B, summary: Said *twice*.}\n"
        "- {date: 2020-01-03, title: C, summary: Said *once*.}\n",
    )
    warm = warmup.start(tmp_path)
    warm._process.join(60)
    assert warm.collect() == 2 == warm.fresh


@pytest.mark.parametrize("damage", ["garbage", "another key", "truncated"])
def test_a_kept_file_that_does_not_fit_is_converted_anew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    project, cache = tmp_path / "project", tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    corpus.generate(project, events=60, articles=4, seed=10)
    _warmed(project)  # the kept file, whatever else the machine is doing
    _, out = _build_kept(project, cache)
    site = _tree(out)
    path = textcache.cache_path(project)
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"not a marshal file")
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    else:  # made by another version of the builder or its libraries: not trusted
        _, sources, htmls, texts = marshal.loads(data)
        stale = ["<p>stale</p>\n"] * len(htmls)
        path.write_bytes(marshal.dumps(("another key", sources, stale, texts)))
    again, out = _build_kept(project, cache)
    assert _ahead(again)[1] == 0  # nothing taken from it
    assert _tree(out) == site
    assert len(textcache.read(project)) == _ahead(again)[0]  # a good one in its place


def _parsed_summaries(text: str) -> list[str]:
    from builder.load import _summaries_in

    return list(_summaries_in(text))


def test_summaries_scanned_from_lines_are_those_the_parser_reads(tmp_path: Path) -> None:
    """The warm-up reads summaries written as blocks from the file's lines: every file of a
    generated corpus reads as the YAML parser reads it."""
    from builder.load import _summaries_scanned

    corpus.generate(tmp_path, events=300, articles=5, seed=11)
    files = sorted((tmp_path / "content/events").glob("*.yaml"))
    files += sorted((REPO / "content/events").glob("*.yaml"))
    for path in files:
        text = path.read_text(encoding="utf-8")
        scanned = _summaries_scanned(text)
        assert scanned is not None, path
        assert scanned == _parsed_summaries(text), path


BLOCKS = {
    "paragraphs folded": "- id: a\n  summary: >\n    One\n    two.\n\n\n    Three.\n  tags: [x]\n",
    "literal": "- summary: |-\n    Line one\n\n    line two\n- id: b\n",
    "kept, at the end": "- id: a\n  title: T\n  summary: >+\n    Last\n    words\n\n",
    "no newline at the end": "- id: a\n  summary: >-\n    Last words",
    "empty": "- id: a\n  summary: >-\n  title: T\n- id: b\n  summary: >-\n",
    "two items": (
        "# head\n- id: a\n  summary: >-\n    A.\n\n- id: b\n  summary: >-\n    B\n    c.\n"
    ),
}

ELSEWISE = {
    "plain": "- id: a\n  summary: Plain words\n",
    "quoted": "- id: a\n  summary: 'Quoted'\n",
    "in a flow mapping": "- {id: a, summary: Flow}\n",
    "more indented": "- id: a\n  summary: >-\n    One\n      indented\n    two\n",
    "a tab": "- id: a\n  summary: >-\n    One\ttab\n",
    "trailing spaces": "- id: a\n  summary: >-\n    One  \n    two\n",
    "the word in prose": "- id: a\n  summary: >-\n    A summary of talks.\n",
    "nested deeper": "- id: a\n  sources:\n    - summary: >-\n        Not the event's\n",
    "a mapping at the top": "events:\n  - id: a\n    summary: >-\n      Nested\n",
    "a comment after the block's mark": "- id: a\n  summary: >- # note\n    Words\n",
}


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_block_summaries_read_from_lines_as_the_parser_reads_them(name: str) -> None:
    from builder.load import _summaries_scanned

    text = BLOCKS[name]
    assert _summaries_scanned(text) == _parsed_summaries(text)


@pytest.mark.parametrize("name", sorted(ELSEWISE))
def test_summaries_written_otherwise_are_left_to_the_parser(name: str) -> None:
    from builder.load import _summaries_scanned

    assert _summaries_scanned(ELSEWISE[name]) is None
