"""Raw clippings in content/articles: every problem is reported with its position."""

from __future__ import annotations

import html
from pathlib import Path

import yaml
from conftest import SEED, run_timeline, write


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


FIXTURES = Path(__file__).parent / "fixtures" / "clippings"


def test_every_importable_clipping_builds_with_all_its_authors(tmp_path: Path) -> None:
    """Each clipping `timeline import` accepts (and the seed) also builds as a raw .txt
    article, and its page names every author of the byline: one author, two, three, with
    a serial comma or curly quotes alike. The authors expected are those the import wrote
    into front matter, a path independent of the raw clipping's."""
    clippings = sorted(FIXTURES.glob("*.txt")) + [SEED]
    project = tmp_path / "proj"
    write(project / "content/site.yaml", "title: C\n")
    everything = run_timeline("import", *map(str, clippings), "--into", str(project))
    refused = {line.split(":", 1)[0] for line in everything.err.splitlines() if ": error: " in line}
    accepted = [c for c in clippings if str(c) not in refused]
    assert len(accepted) >= 10 and FIXTURES / "three-authors.txt" in accepted
    imported = run_timeline("import", *map(str, accepted), "--into", str(project))
    assert imported.code == 0, imported.err
    authors = {}
    for line in imported.out.splitlines():  # imported CLIPPING -> content/articles/NAME.md
        clipping, article = line.removeprefix("imported ").split(" -> ")
        meta = yaml.safe_load((project / article).read_text(encoding="utf-8").split("---\n")[1])
        names = meta.get("author", [])
        authors[Path(clipping).stem] = [names] if isinstance(names, str) else names
        (project / "content/articles" / Path(clipping).name).write_bytes(
            Path(clipping).read_bytes()
        )
    assert len(authors[FIXTURES.joinpath("three-authors.txt").stem]) == 3

    result = run_timeline("build", str(project))
    assert result.code == 0, result.err
    for stem, names in authors.items():
        page = (project / "site/articles" / stem / "index.html").read_text(encoding="utf-8")
        for name in names:
            assert name in html.unescape(page), (stem, name)
