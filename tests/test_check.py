"""`timeline check`: every problem of every file at once, sorted, counted, and nothing written.

An editor runs `check` to see all mistakes in one go, so it must not stop at the first
broken file, must list problems in a stable order (path, then line), and must leave the
project exactly as it found it.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from conftest import SEED, run_timeline, write

LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning): .+$")


def _tree(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under root with its bytes and modification time."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


def _break_several_files(project: Path) -> None:
    write(
        project / "content" / "events" / "b-broken.yaml",
        """\
        - date: 2023-02-30
          title: Impossible day
          sources: [{url: "https://a.example/"}]
        - date: 2023-10-13
          title: Wrong importance
          importance: 9
          sources: [{url: "https://a.example/"}]
        """,
    )
    write(
        project / "content" / "events" / "a-broken.yaml",
        """\
        date: 2023-10-13
        title: Unsourced, with a typo
        catgory: attack
        """,
    )
    write(project / "content" / "articles" / "open.md", "---\ntitle: x\ndate: 2023-01-01\n")
    (project / "content" / "events" / "c-latin1.yaml").write_bytes(
        b"date: 2023-10-13\ntitle: caf\xe9\n"
    )
    site = (project / "content" / "site.yaml").read_text(encoding="utf-8")
    (project / "content" / "site.yaml").write_text(site + "langauge: en\n", encoding="utf-8")


def test_check_prints_all_errors_of_several_files_sorted_then_a_count(project: Path) -> None:
    _break_several_files(project)
    result = run_timeline("check", str(project))
    assert result.code == 1
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert lines[-1] == "6 errors, 1 warning"
    problems = [LINE.match(line) for line in lines[:-1]]
    assert all(problems), lines
    assert lines[:-1] == [
        "content/articles/open.md:1:1: error: front matter opened on line 1 is never closed: "
        "add a line with ---",
        "content/events/a-broken.yaml:1:1: warning: this event cites no sources: "
        "add sources: [{url: ...}]",
        "content/events/a-broken.yaml:3:1: error: unknown field 'catgory' in an event; "
        "did you mean 'category'?",
        "content/events/b-broken.yaml:1:9: error: 2023-02-30 is not a real date: "
        "February 2023 has 28 days",
        "content/events/b-broken.yaml:6:15: error: importance must be 1 (minor), 2 or 3 (major)",
        "content/events/c-latin1.yaml:2:11: error: the file is not UTF-8: byte 0xE9 cannot be "
        "decoded; save the file as UTF-8",
        "content/site.yaml:12:1: error: unknown field 'langauge' in site.yaml; "
        "did you mean 'language'?",
    ]
    keys = [(m["path"], int(m["line"]), int(m["col"])) for m in problems]
    assert keys == sorted(keys)
    assert result.out == ""


def test_sorting_is_by_line_number_not_text(project: Path) -> None:
    """Line 10 comes after line 9, not between 1 and 2."""
    body = "".join(
        f"- date: 2023-10-{n:02d}\n  title: Event {n}\n  importance: 7\n" for n in range(1, 6)
    )
    write(project / "content" / "events" / "many.yaml", body)
    result = run_timeline("check", str(project))
    lines = [line for line in result.err.splitlines() if "many.yaml" in line]
    numbers = [int(LINE.match(line)["line"]) for line in lines]
    assert numbers == sorted(numbers)
    assert 15 in numbers and 3 in numbers


def test_check_writes_nothing(project: Path) -> None:
    before = _tree(project)
    ok = run_timeline("check", str(project))
    assert ok.code == 0, ok.err
    assert ok.out.startswith("ok: 4 events, 2 articles")
    _break_several_files(project)
    broken_before = _tree(project)
    failed = run_timeline("check", str(project))
    assert failed.code == 1
    assert _tree(project) == broken_before
    assert not (project / "site").exists()
    assert sorted(p.name for p in project.iterdir()) == ["content"]
    assert set(before) <= set(broken_before)


def test_check_leaves_an_existing_site_alone(project: Path) -> None:
    assert run_timeline("build", str(project)).code == 0
    before = _tree(project)
    write(project / "content" / "events" / "new.yaml", "date: 2023-10-13\ntitle: New\n")
    before["content/events/new.yaml"] = _tree(project)["content/events/new.yaml"]
    assert run_timeline("check", str(project)).code == 0
    assert _tree(project) == before


def test_check_in_the_current_folder_by_default(project: Path) -> None:
    result = run_timeline("check", cwd=project)
    assert result.code == 0, result.err
    assert result.out.startswith("ok: ")


def test_check_on_a_missing_project_is_a_usage_error(tmp_path: Path) -> None:
    result = run_timeline("check", str(tmp_path / "nowhere"))
    assert result.code == 2
    assert "Traceback" not in result.err
    assert "does not exist" in result.err


def test_the_seed_clipping_as_it_is_checks_and_builds_without_errors(tmp_path: Path) -> None:
    root = tmp_path / "seeded"
    write(root / "content" / "site.yaml", "title: Seeds\n")
    articles = root / "content" / "articles"
    articles.mkdir(parents=True)
    seeds = sorted(SEED.parent.glob("*.txt"))
    assert seeds, "no seed clippings in ../shared/seeds"
    for seed in seeds:
        shutil.copyfile(seed, articles / seed.name)
        assert (articles / seed.name).read_bytes() == seed.read_bytes()
    check = run_timeline("check", str(root))
    assert check.code == 0, check.err
    assert check.err == ""
    assert check.out.startswith(f"ok: 0 events, {len(seeds)} article")
    assert check.out.rstrip().endswith("0 errors, 0 warnings")
    build = run_timeline("build", str(root), "--strict")
    assert build.code == 0, build.err
    assert build.err == ""
    for seed in seeds:
        page = root / "site" / "articles" / seed.stem / "index.html"
        assert page.is_file()
    assert "Putin expresses support for Tajikistan" in (
        root / "site" / "articles" / SEED.stem / "index.html"
    ).read_text(encoding="utf-8")


def test_the_shipped_content_checks_cleanly() -> None:
    repo = Path(__file__).resolve().parent.parent
    before = _tree(repo / "content")
    result = run_timeline("check", str(repo))
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    assert not [line for line in result.err.splitlines() if ": error: " in line]
    assert _tree(repo / "content") == before


def test_no_traceback_for_any_broken_file_kind(project: Path) -> None:
    """A mixed bag of unreadable things: a folder named like a file, an empty file, binary
    noise, a file we may not read."""
    (project / "content" / "events" / "folder.yaml").mkdir()
    (project / "content" / "events" / "empty.yaml").write_bytes(b"")
    (project / "content" / "events" / "noise.yaml").write_bytes(os.urandom(64) + b"\x00\xff")
    (project / "content" / "articles" / "empty.md").write_bytes(b"")
    (project / "content" / "articles" / "nul.txt").write_bytes(b"\x00\x00\x00")
    result = run_timeline("check", str(project))
    assert result.code == 1
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert re.fullmatch(r"\d+ errors?, \d+ warnings?", lines[-1])
    assert any(line.startswith("content/events/noise.yaml:") for line in lines)
    assert any(line.startswith("content/articles/empty.md:1:1: error:") for line in lines)
    assert all(LINE.match(line) for line in lines[:-1]), lines


def test_check_links_sorts_broken_links_among_the_content_problems(
    project: Path, tmp_path: Path
) -> None:
    """`--links` adds one `PATH:LINE:COL: error:` line per broken link, sorted with the
    content's problems under the one count; a site built outside the project is named by
    its absolute path, which means the same from any folder."""
    write(project / "content" / "events" / "unsourced.yaml", "date: 2023-10-13\ntitle: New\n")
    out = tmp_path / "elsewhere" / "site"
    assert run_timeline("build", str(project), "-o", str(out)).code == 0
    page = out / "events" / "taliban-takeover" / "index.html"
    html = page.read_text(encoding="utf-8")
    page.write_text(html.replace("</main>", '<a href="../../nowhere/">x</a></main>'), "utf-8")
    result = run_timeline("check", str(project), "--links", "-o", str(out))
    assert result.code == 1
    assert "Traceback" not in result.err
    numbered = enumerate(page.read_text(encoding="utf-8").split("\n"), start=1)
    line, col = next(
        (n, text.index("../../nowhere/") + 1) for n, text in numbered if "nowhere" in text
    )
    assert result.err.splitlines() == [
        f"{page.resolve()}:{line}:{col}: error: broken link to ../../nowhere/ "
        "(no file nowhere/index.html in the output: link to a page the site has)",
        "content/events/unsourced.yaml:1:1: warning: this event cites no sources: "
        "add sources: [{url: ...}]",
        "1 error, 1 warning",
    ]
    assert all(LINE.match(line) for line in result.err.splitlines()[:-1])
    written = page.read_text(encoding="utf-8").split("\n")[line - 1][col - 1 :]
    assert written.startswith('../../nowhere/">x</a></main>')
