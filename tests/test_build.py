"""End-to-end: build fixture projects with the real CLI and assert on the files it writes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from conftest import REPO, SEED, run_timeline, write


def _html(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


def test_build_writes_every_page_and_summary_line(project: Path) -> None:
    result = run_timeline("build", str(project))
    assert result.code == 0, result.err
    assert re.search(r"built \d+ pages \(4 events, 2 articles\) into .* in \d+\.\d\d s", result.out)
    site = project / "site"
    for path in [
        "index.html",
        "404.html",
        "feed.xml",
        "events.json",
        "sitemap.xml",
        "events/taliban-takeover/index.html",
        "articles/seed/index.html",
        "articles/report/index.html",
        "articles/index.html",
        "countries/index.html",
        "countries/tj/index.html",
        "actors/index.html",
        "actors/islamic-state-khorasan-province/index.html",
        "categories/index.html",
        "categories/diplomacy/index.html",
        "tags/index.html",
        "tags/cis/index.html",
        "years/2021/index.html",
    ]:
        assert (site / path).is_file(), path
    assert [p.name for p in (site / "static").glob("style.*.css")]  # fingerprinted


def test_index_is_chronological_grouped_by_year_and_month(project: Path) -> None:
    assert run_timeline("build", str(project)).code == 0
    index = _html(project / "site", "index.html")
    titles = re.findall(r'class="event-title"><a href="[^"]+" dir="auto">([^<]+)</a>', index)
    assert titles == [
        "Taliban take Kabul",
        "Rocket fire into Tajikistan",
        "Three militants killed near the border",
        "Putin warns about Afghanistan at CIS meeting",
    ]
    assert index.index('id="y2021"') < index.index('id="y2023"')
    assert ">August 2021</h3>" in index and ">October 2023</h3>" in index
    assert '<time datetime="2023-10-13"' in index and ">13 October 2023</time>" in index
    assert '<span aria-hidden="true">c. August 2021</span>' in index
    assert ">September 2023</time>" in index
    # category label, countries by name, summary rendered, sources linked
    assert ">Diplomacy</a>" in index and ">Kyrgyzstan</a>" in index and ">Russia</a>" in index
    assert "<em>summit</em>" in index
    assert 'href="https://other.example/story"' in index
    assert 'href="./events/taliban-takeover/"' in index


def test_event_ids_default_to_date_and_slug(project: Path) -> None:
    assert run_timeline("build", str(project)).code == 0
    events = json.loads(_html(project / "site", "events.json"))["events"]
    ids = [e["id"] for e in events]
    assert "2023-10-13-putin-warns-about-afghanistan-at-cis-meeting" in ids
    assert "taliban-takeover" in ids
    putin = next(e for e in events if e["id"].startswith("2023-10-13"))
    assert putin["actors"] == ["Vladimir Putin"]  # alias normalised
    assert putin["countries"] == ["RU", "KG"]  # names normalised to codes
    assert putin["sources"][0]["article"] == "seed"


@pytest.mark.parametrize(
    "date, made",
    [
        ("-0044-03-15", "45bce-03-15-the-ides"),
        ("'0000'", "1bce-the-ides"),
        ("-0044/0010", "45bce-0010-the-ides"),
        ("../-0044", "45bce-the-ides"),
        ("0001-05", "0001-05-the-ides"),
    ],
)
def test_a_default_id_names_a_year_before_1_as_the_pages_do(
    tmp_path: Path, date: str, made: str
) -> None:
    """`-0044` is 45 BCE: the id's date kept its digits and lost its minus sign, so the
    address of an event of 45 BCE claimed the year 44."""
    project = tmp_path / "project"
    write(project / "content" / "site.yaml", "title: Old\n")
    write(
        project / "content" / "events" / "old.yaml",
        f"- date: {date}\n  title: The Ides\n  sources: [{{url: 'https://a.example/'}}]\n",
    )
    assert run_timeline("build", str(project)).code == 0
    assert (project / "site" / "events" / made / "index.html").is_file()


def test_seed_article_page_shows_byline_url_and_derived_title(project: Path) -> None:
    assert run_timeline("build", str(project)).code == 0
    page = _html(project / "site", "articles/seed/index.html")
    assert "Putin expresses support for Tajikistan amid growing threats from Afghanistan" in page
    assert "Fidel Rahmati" in page
    assert "The Khaama Press Online" in page
    assert ">13 October 2023</time>" in page
    assert (
        'href="https://www.khaama.com/putin-expresses-support-for-tajikistan-amid-growing-'
        'threats-from-afghanistan/"' in page
    )
    # the article lists the events citing it, and the event links back
    assert "Putin warns about Afghanistan at CIS meeting" in page
    assert "Rocket fire into Tajikistan" in page
    event = _html(
        project / "site",
        "events/2023-10-13-putin-warns-about-afghanistan-at-cis-meeting/index.html",
    )
    assert 'href="../../articles/seed/"' in event


def test_links_work_from_a_sub_path(project: Path) -> None:
    result = run_timeline("build", str(project), "--base-url", "https://example.org/timeline/")
    assert result.code == 0, result.err
    site = project / "site"
    event = _html(site, "events/taliban-takeover/index.html")
    assert re.search(r'href="\.\./\.\./static/style\.[0-9a-f]{8}\.css"', event)
    assert (
        '<link rel="canonical" href="https://example.org/timeline/events/taliban-takeover/">'
        in (event)
    )
    not_found = _html(site, "404.html")
    assert re.search(r'href="/timeline/static/style\.[0-9a-f]{8}\.css"', not_found)
    sitemap = ElementTree.parse(site / "sitemap.xml").getroot()
    locs = [e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://example.org/timeline/events/taliban-takeover/" in locs
    assert all(loc.startswith("https://example.org/timeline/") for loc in locs)
    feed = ElementTree.parse(site / "feed.xml").getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    entries = feed.findall(f"{atom}entry")
    assert len(entries) == 4
    assert entries[0].find(f"{atom}title").text == "Putin warns about Afghanistan at CIS meeting"


def test_deleted_event_page_does_not_linger(project: Path) -> None:
    assert run_timeline("build", str(project)).code == 0
    assert (project / "site/events/taliban-takeover/index.html").exists()
    (project / "content/events/takeover.yaml").unlink()
    assert run_timeline("build", str(project)).code == 0
    assert not (project / "site/events/taliban-takeover").exists()
    leftovers = [p.name for p in project.iterdir() if p.name.startswith(".timeline-")]
    assert leftovers == []


def test_failed_build_leaves_previous_site_byte_for_byte(project: Path) -> None:
    assert run_timeline("build", str(project)).code == 0
    before = {p: p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()}
    write(project / "content/events/bad.yaml", "date: 2023-02-30\ntitle: Impossible\n")
    result = run_timeline("build", str(project))
    assert result.code == 1
    assert "content/events/bad.yaml:1:7: error:" in result.err
    after = {p: p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()}
    assert after == before


def test_a_strict_build_failing_on_warnings_says_why(project: Path) -> None:
    assert run_timeline("build", str(project)).code == 0
    before = {p: p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()}
    write(project / "content/events/unsourced.yaml", "date: 2023-02-03\ntitle: Unsourced\n")
    result = run_timeline("build", str(project), "--strict")
    assert result.code == 1
    assert result.err.splitlines()[-2:] == [
        "0 errors, 1 warning",
        "build failed: --strict makes warnings fail: fix them, or build without --strict; "
        "the previous site was left as it was",
    ]
    after = {p: p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()}
    assert after == before
    checked = run_timeline("check", str(project), "--strict")
    assert checked.code == 1
    assert checked.err.splitlines()[-1] == (
        "check failed: --strict makes warnings fail: fix them, or check without --strict"
    )
    assert run_timeline("check", str(project)).code == 0


def test_output_option_and_refusals(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere" / "public"
    assert run_timeline("build", str(project), "-o", str(out)).code == 0
    assert (out / "index.html").is_file()
    for bad in (project, project / "content", project / "themes", project.parent):
        result = run_timeline("build", str(project), "-o", str(bad))
        assert result.code == 2, bad
        assert "refusing to build into" in result.err
    assert (project / "content" / "site.yaml").is_file()


def test_missing_project_is_a_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    result = run_timeline("build", str(missing))
    assert result.code == 2
    assert result.err.strip() == (
        f"timeline: error: project folder {str(missing)!r} does not exist: give the folder "
        f"that holds content/, or start a project there with `timeline init {missing}`"
    )


def test_a_base_url_without_its_scheme_is_told_the_address_meant(project: Path) -> None:
    result = run_timeline("build", str(project), "--base-url", "example.org/timeline/")
    assert result.code == 2
    assert result.err.strip() == (
        "timeline: error: --base-url 'example.org/timeline/' must be an absolute http(s) URL, "
        "such as 'https://example.org/timeline/'"
    )


def test_builds_the_seed_clipping_exactly_as_it_is(tmp_path: Path) -> None:
    root = tmp_path / "p"
    write(root / "content/site.yaml", "title: Seed only\n")
    (root / "content/articles").mkdir(parents=True)
    shutil.copy(SEED, root / "content/articles" / SEED.name)
    result = run_timeline("build", str(root))
    assert result.code == 0, result.err
    page = _html(root / "site", f"articles/{SEED.stem}/index.html")
    assert "Putin expresses support for Tajikistan amid growing threats from Afghanistan" in page


def test_drafts_are_left_out_unless_asked(project: Path) -> None:
    write(
        project / "content/events/draft.yaml",
        "date: 2024\ntitle: Draft event\ndraft: true\nsources: [{url: 'https://x.example/'}]\n",
    )
    assert run_timeline("build", str(project)).code == 0
    assert "Draft event" not in _html(project / "site", "index.html")
    assert run_timeline("build", str(project), "--drafts").code == 0
    assert "Draft event" in _html(project / "site", "index.html")


def test_a_draft_page_is_published_with_drafts_as_a_draft_event_is(project: Path) -> None:
    """`--drafts` previews every draft, and the error for a link to a draft's page says
    it is made with `--drafts`: a page's `draft: true` must follow the same rule."""
    write(project / "content/pages/plans.md", "---\ntitle: Plans\ndraft: true\n---\nSoon.\n")
    assert run_timeline("build", str(project)).code == 0
    assert not (project / "site/plans").exists()
    assert run_timeline("build", str(project), "--drafts").code == 0
    assert "Soon." in _html(project / "site", "plans/index.html")


def test_the_command_exits_without_losing_buffered_output(tmp_path: Path) -> None:
    """`timeline` ends with `os._exit` (freeing a big build's objects one by one took 0.4 s):
    what the command printed to a pipe, block-buffered, must still arrive, and its status."""
    script = (
        "import builder.cli as cli\n"
        "cli.main = lambda: (print('written to a pipe'), 3)[1]\n"
        "cli.entry()\n"
        "print('never')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout == "written to a pipe\n"


def _one_error_line(err: str) -> str:
    """The only line of a usage error; fails on a traceback or several lines."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("timeline: error: ")
    return lines[0]


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_a_file_at_the_output_is_refused_and_kept(project: Path, tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("hi\n", encoding="utf-8")
    for target in (afile, afile / "out"):
        result = run_timeline("build", str(project), "-o", str(target))
        assert result.code == 2, result.err
        assert "is a file, not a folder" in _one_error_line(result.err)
    assert afile.read_text(encoding="utf-8") == "hi\n"
    assert not any(p.name.startswith(".timeline-") for p in tmp_path.iterdir())


def test_a_folder_of_other_files_is_refused_and_kept(project: Path, tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    write(precious / "thesis.docx", "years of work\n")
    write(precious / "notes" / "index.html", "<p>my own page</p>\n")
    result = run_timeline("build", str(project), "-o", str(precious))
    assert result.code == 2, result.err
    line = _one_error_line(result.err)
    assert "holds files that no timeline build wrote (notes, thesis.docx)" in line
    assert "choose an empty or new folder" in line
    assert _tree(precious) == {
        "thesis.docx": b"years of work\n",
        "notes/index.html": b"<p>my own page</p>\n",
    }
    assert not any(p.name.startswith(".timeline-") for p in tmp_path.iterdir())


def test_empty_missing_and_built_folders_are_built_into(
    project: Path, tmp_path: Path, cache_home: Path
) -> None:
    """A previous build is told by the files every build writes, or else by the record of
    the last build into the folder; a folder with neither is not replaced."""
    empty, missing = tmp_path / "empty", tmp_path / "missing"
    empty.mkdir()
    (empty / ".DS_Store").write_bytes(b"\0")  # what a file manager leaves: still empty
    for out in (empty, missing):
        assert run_timeline("build", str(project), "-o", str(out)).code == 0
        assert (out / "index.html").is_file()
    shutil.rmtree(cache_home)  # no record: the site itself tells it was built
    write(
        project / "content/events/more.yaml",
        "date: 2024\ntitle: More\nsources: [{url: 'https://x.example/'}]\n",
    )
    assert run_timeline("build", str(project), "-o", str(empty)).code == 0
    assert (empty / "events/2024-more/index.html").is_file()
    (empty / "timelinejs.json").unlink()  # no longer the whole signature, but the record
    (project / "content/events/more.yaml").unlink()
    assert run_timeline("build", str(project), "-o", str(empty)).code == 0
    assert not (empty / "events/2024-more").exists()
    (empty / "timelinejs.json").unlink()
    shutil.rmtree(cache_home)  # neither: not told apart from someone's own files
    result = run_timeline("build", str(project), "-o", str(empty))
    assert result.code == 2
    assert "holds files that no timeline build wrote" in _one_error_line(result.err)
    assert (empty / "index.html").is_file()


def test_an_output_that_cannot_be_made_is_one_line(project: Path) -> None:
    """Where no folder can be made (even by root: /proc takes no new entries), the build
    says so in one line, as for any other output folder it cannot use."""
    result = run_timeline("build", str(project), "-o", "/proc/timeline-nope/site")
    assert result.code == 2, result.err
    line = _one_error_line(result.err)
    assert line.startswith("timeline: error: cannot write /proc/timeline-nope/site: ")
    assert "choose another with -o" in line


def test_a_template_error_ends_with_the_count(project: Path) -> None:
    assert run_timeline("build", str(project)).code == 0
    before = _tree(project / "site")
    write(
        project / "themes/default/templates/event.html",
        '{% extends "base.html" %}{% block main %}{{ 1 // 0 }}{% endblock %}',
    )
    result = run_timeline("build", str(project))
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert lines[-3].startswith("themes/default/templates/event.html:1:")
    assert ": error: ZeroDivisionError" in lines[-3]
    assert re.fullmatch(r"1 error, \d+ warnings?", lines[-2]), result.err
    assert lines[-1] == "build failed: the previous site was left as it was"
    assert _tree(project / "site") == before
