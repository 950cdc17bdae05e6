"""The shipped timeline: it builds with --strict, and every event is sourced from the facts."""

from __future__ import annotations

from pathlib import Path

import yaml
from conftest import REPO, SEED, run_timeline

FACTS = REPO.parent / "shared" / "facts" / "facts.yaml"
SEED_ARTICLE = REPO / "content" / "articles" / "khaama-putin-tajikistan-2023-10-13.txt"


def _events() -> list[dict]:
    events: list[dict] = []
    for path in sorted((REPO / "content" / "events").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        events.extend(data if isinstance(data, list) else [data])
    return events


def test_shipped_content_builds_strict_without_warnings(tmp_path: Path) -> None:
    result = run_timeline("build", str(REPO), "--strict", "-o", str(tmp_path / "site"))
    assert result.code == 0, result.err
    assert "warning" not in result.err
    assert (tmp_path / "site" / "about" / "index.html").is_file()


def test_every_event_has_a_source_with_url_or_article() -> None:
    events = _events()
    assert len(events) >= 86
    for event in events:
        sources = event.get("sources") or []
        assert sources, event["title"]
        assert all(s.get("url") or s.get("article") for s in sources), event["title"]


def test_every_fact_is_published_once_and_nothing_unsourced() -> None:
    facts = yaml.safe_load(FACTS.read_text(encoding="utf-8"))
    cited = [s["url"] for e in _events() for s in e.get("sources", []) if s.get("url")]
    for fact in facts:
        assert cited.count(fact["source_url"]) >= 1, fact["title"]
    fact_urls = {f["source_url"] for f in facts}
    for event in _events():
        urls = {s["url"] for s in event["sources"] if s.get("url")}
        articles = {s["article"] for s in event["sources"] if s.get("article")}
        assert urls <= fact_urls, event["title"]
        assert urls or articles == {SEED_ARTICLE.stem}, event["title"]


def test_seed_clipping_is_shipped_byte_for_byte() -> None:
    assert SEED_ARTICLE.read_bytes() == SEED.read_bytes()


def test_events_from_the_seed_cite_it() -> None:
    citing = [e for e in _events() if {"article": SEED_ARTICLE.stem} in (e.get("sources") or [])]
    dates = sorted(str(e["date"]) for e in citing)
    assert "2023-10-13" in dates  # the CIS meeting and the Putin–Rahmon talks
    assert any(d.startswith("2023-09") for d in dates)  # Jamaat Ansarullah members killed
    assert any("/" in d and d.startswith("2021-10") for d in dates)  # two years of rockets
    assert any(d.startswith("2021-08") for d in dates)  # the Taliban takeover
    assert any(d.startswith("2022-09") for d in dates)  # the Russian embassy bombing
    assert len(citing) >= 7
