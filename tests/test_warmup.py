"""The cold build's warm-up: event summaries and article bodies converted by a forked
process while the build loads and plans. It may only ever save time: what it hands over is
exactly what rendering would have converted, a file it cannot read is skipped, and stopping
it early loses only the head start."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, run_timeline, write

from builder import build, text, warmup

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
