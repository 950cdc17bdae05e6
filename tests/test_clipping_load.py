"""Raw clippings in content/articles: every problem is reported with its position."""

from __future__ import annotations

from pathlib import Path

from conftest import run_timeline, write


def test_clipping_errors_and_warnings_are_all_reported(project: Path) -> None:
    write(project / "content/articles/nourl.txt", "By A in P, October 13, 2023\nOne.\nTwo.\n")
    write(project / "content/articles/nobyline.txt", "nonsense\nmore\n")
    result = run_timeline("check", str(project))
    assert result.code == 1
    lines = result.err.splitlines()
    assert any(
        line.startswith("content/articles/nobyline.txt:1:1: error: the first line is not a byline")
        for line in lines
    )
    assert "content/articles/nourl.txt:3:1: warning: no source URL on the last line" in result.err
    assert lines[-1] == "1 error, 1 warning"


def test_a_draft_without_sources_is_no_warning(project: Path) -> None:
    write(project / "content/events/draft.yaml", "date: 2024\ntitle: Draft\ndraft: true\n")
    assert run_timeline("check", str(project), "--strict").code == 0
