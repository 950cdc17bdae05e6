"""Rules on the text of content, through the real `timeline build`: what would break the
feeds, the robots.txt or the site's folders on another system is a positioned content
error, and what is only surprising is a warning."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from conftest import run_timeline, write

from builder.text import markdown_forms

CONTROL = "this text holds the control character {}: remove it"

# YAML double-quoted escapes, so each file holds the escape, not the character itself.
EVENTS_WITH_CONTROLS = r"""
- date: 2023-10-13
  title: "Title \f end"
  summary: "Sum \x01 mary"
  location: "Place \e"
  actors: ["Putin", "Act\x7for"]
  tags: ["ok", "ta\vg"]
  sources: [{url: "https://a.example/", title: "T\0", publisher: "P\uFFFF"}]
- date: 2023-10-14
  title: Second
  location: {name: "Named \b place", lat: 1, lon: 2}
  sources: [{article: report, title: "\uFFFE"}]
"""[1:]

SITE_WITH_CONTROLS = r"""
title: "Site \x02"
description: "About \x10 this"
categories:
  attack: "Att\x1aack"
actors:
  "Vladimir\x03 Putin": [Putin]
"""[1:]

ARTICLE_WITH_CONTROLS = r"""
---
title: "Report \x04"
date: 2023-09-05
author: [Jane Doe, "John\x05 Roe"]
publisher: "Pub \x06"
tags: ["t\x07"]
---
Body.
"""[1:]


def test_a_control_character_in_any_text_is_an_error_at_its_value(project: Path) -> None:
    write(project / "content/site.yaml", SITE_WITH_CONTROLS)
    write(project / "content/events/2023.yaml", EVENTS_WITH_CONTROLS)
    write(project / "content/articles/report.md", ARTICLE_WITH_CONTROLS)
    result = run_timeline("build", str(project))
    assert result.code == 1, result.err
    assert "Traceback" not in result.err
    expected = [
        ("content/articles/report.md:2:8", "U+0004"),
        ("content/articles/report.md:4:20", "U+0005"),
        ("content/articles/report.md:5:12", "U+0006"),
        ("content/articles/report.md:6:8", "U+0007"),
        ("content/events/2023.yaml:2:10", "U+000C"),
        ("content/events/2023.yaml:3:12", "U+0001"),
        ("content/events/2023.yaml:4:13", "U+001B"),
        ("content/events/2023.yaml:5:21", "U+007F"),
        ("content/events/2023.yaml:6:16", "U+000B"),
        ("content/events/2023.yaml:7:48", "U+0000"),
        ("content/events/2023.yaml:7:66", "U+FFFF"),
        ("content/events/2023.yaml:10:20", "U+0008"),
        ("content/events/2023.yaml:11:38", "U+FFFE"),
        ("content/site.yaml:1:8", "U+0002"),
        ("content/site.yaml:2:14", "U+0010"),
        ("content/site.yaml:4:11", "U+001A"),
        ("content/site.yaml:6:3", "U+0003"),
    ]
    lines = result.err.splitlines()
    for where, code in expected:
        assert f"{where}: error: {CONTROL.format(code)}" in lines, (where, result.err)
    assert lines[-2].startswith(f"{len(expected)} errors, ")


#: Text with every kind of odd character the rule lets through, as YAML escapes (raw, a
#: line or paragraph separator or NEL would be read as a line break by YAML itself).
ODD = r"Tab\there, emoji 🛰️, RTL \u200f\u202bشلام\u202c, line\Lpara\Pnext\N, \u00a0nbsp"


def test_tabs_emoji_rtl_marks_and_line_separators_keep_every_feed_well_formed(
    project: Path,
) -> None:
    """Every character the rule lets through can be written into XML: each feed and the
    sitemap parse, and the feeds give the title back as written."""
    write(
        project / "content/events/odd.yaml",
        rf"""
        id: odd
        date: 2023-11-01
        title: "{ODD}"
        summary: "Summary: {ODD}\r\n\nwith a CR and\ttabs"
        countries: [TJ]
        category: attack
        tags: ["{ODD}"]
        actors: ["{ODD}"]
        location: "{ODD}"
        sources: [{{url: "https://a.example/", title: "{ODD}", publisher: "{ODD}"}}]
        """,
    )
    result = run_timeline("build", str(project), "--base-url", "https://example.org/tl/")
    assert result.code == 0, result.err
    site = project / "site"
    feeds = [site / "feed.xml", site / "countries/tj/feed.xml", site / "categories/attack/feed.xml"]
    assert set(site.glob("**/feed.xml")) >= set(feeds)
    atom = "{http://www.w3.org/2005/Atom}"
    title = yaml.safe_load(f'"{ODD}"')
    for feed in site.glob("**/feed.xml"):
        titles = [e.findtext(f"{atom}title") for e in ET.parse(feed).iter(f"{atom}entry")]
        assert (title in titles) == (feed in feeds), feed
    ET.parse(site / "sitemap.xml")


def test_a_line_break_in_base_url_is_refused_from_site_yaml_and_the_flag(
    project: Path,
) -> None:
    """`urlsplit` drops CRs, so they passed as part of an http(s) address, and put lines
    of the author's choosing into robots.txt (de-indexing the site), the sitemap and the
    calendar."""
    evil = r"https://evil.example/\rUser-agent: Googlebot\rDisallow: /\r/"
    site_yaml = (project / "content/site.yaml").read_text(encoding="utf-8")
    write(project / "content/site.yaml", f'base_url: "{evil}"\n' + site_yaml)
    result = run_timeline("build", str(project))
    assert result.code == 1, result.err
    assert "content/site.yaml:1:11: error: base_url must be an absolute http(s) URL" in result.err
    assert not (project / "site").exists()

    write(project / "content/site.yaml", site_yaml)
    for url in (evil.replace(r"\r", "\r"), "https://a.example/x\ny", "https://a.example/ x"):
        flag = run_timeline("build", str(project), "--base-url", url)
        assert flag.code == 2, (url, flag.err)
        assert "--base-url" in flag.err and "Traceback" not in flag.err
        assert not (project / "site").exists()


def test_an_author_must_be_text_or_a_list_of_texts(project: Path) -> None:
    write(
        project / "content/articles/numbers.md",
        """\
        ---
        title: Numbers
        date: 2023-01-01
        author: 5
        ---
        Body.
        """,
    )
    write(
        project / "content/articles/listed.md",
        """\
        ---
        title: Listed
        date: 2023-01-01
        author: [Jane Doe, 7]
        ---
        Body.
        """,
    )
    result = run_timeline("build", str(project))
    assert result.code == 1
    message = "error: an author must be a name, not a number: write the name as text"
    assert f"content/articles/numbers.md:4:9: {message}" in result.err.splitlines()
    assert f"content/articles/listed.md:4:20: {message}" in result.err.splitlines()


def test_article_ids_equal_but_for_case_are_an_error_naming_both_files(project: Path) -> None:
    """articles/Seed/ and articles/seed/ are one folder on macOS and Windows."""
    write(project / "content/articles/Seed.md", "---\ntitle: S\ndate: 2023-01-01\n---\nBody\n")
    result = run_timeline("build", str(project))
    assert result.code == 1, result.err
    assert (
        "content/articles/seed.txt:1:1: error: article id 'seed' differs from 'Seed' "
        "(content/articles/Seed.md) only in case: their pages would share one folder on macOS "
        "and Windows; rename one of the files"
    ) in result.err.splitlines()


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("CON", "is a device name on Windows"),
        ("nul", "is a device name on Windows"),
        ("Com1", "is a device name on Windows"),
        ("lpt9.old", "is a device name on Windows"),
        ("aux.draft.v2", "is a device name on Windows"),
        ("ends.", "ends in a dot, which Windows drops"),
    ],
)
def test_article_names_windows_cannot_hold_are_errors(project: Path, name: str, why: str) -> None:
    write(project / f"content/articles/{name}.md", "---\ntitle: W\ndate: 2023-01-01\n---\nB\n")
    result = run_timeline("check", str(project))
    assert result.code == 1, result.err
    line = next(x for x in result.err.splitlines() if x.startswith(f"content/articles/{name}.md"))
    assert line.startswith(f"content/articles/{name}.md:1:1: error: file name {name!r} {why}")
    assert line.endswith("rename the file")


def test_names_near_the_windows_device_names_are_fine(project: Path) -> None:
    for name in ("console", "com10", "lpt", "nul-report", "a.con"):
        write(project / f"content/articles/{name}.md", "---\ntitle: W\ndate: 2023-01-01\n---\nB\n")
    result = run_timeline("check", str(project))
    assert result.code == 0, result.err


#: A device name's folder cannot exist on Windows: tested here without asking this builder.
DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10))}


def test_event_ids_and_page_names_windows_cannot_hold_are_errors(project: Path) -> None:
    """An event's id and a page's file name are the names of their pages' folders, chosen
    by the editor: a device name is refused as an article's file name is."""
    write(
        project / "content/events/devices.yaml",
        """\
        - {id: con, date: 2023-01-01, title: A, sources: [{url: "https://a.example/"}]}
        - {id: lpt9, date: 2023-01-02, title: B, sources: [{url: "https://a.example/"}]}
        - {id: con-1, date: 2023-01-03, title: C, sources: [{url: "https://a.example/"}]}
        - {id: com10, date: 2023-01-04, title: D, sources: [{url: "https://a.example/"}]}
        - {date: 2023-01-05, title: Con, sources: [{url: "https://a.example/"}]}
        """,
    )
    write(project / "content/pages/aux.md", "---\ntitle: Aux\n---\nBody.\n")
    write(project / "content/pages/nul-and-void.md", "---\ntitle: Nul\n---\nBody.\n")
    result = run_timeline("build", str(project))
    assert result.code == 1, result.err
    device = "is a device name on Windows (CON, PRN, AUX, NUL, COM1-9, LPT1-9)"
    assert result.err.splitlines() == [
        f"content/events/devices.yaml:1:8: error: id 'con' {device}: its page's folder cannot "
        "be made there; choose another id, such as 'con-1'",
        f"content/events/devices.yaml:2:8: error: id 'lpt9' {device}: its page's folder cannot "
        "be made there; choose another id, such as 'lpt9-1'",
        f"content/pages/aux.md:1:1: error: page file name 'aux' {device}: its page's folder "
        "cannot be made there; rename the file",
        "3 errors, 0 warnings",
        "build failed: the previous site was left as it was",
    ]


def test_terms_named_as_windows_devices_get_folders_windows_can_hold(project: Path) -> None:
    """Tags and actors are free words, and a category key is chosen once for many events:
    a term whose slug is a device name (a tag `aux`) takes `-1` (tags/aux-1/) instead of
    failing the build, and every link, filter value and feed follows it. No folder of the
    site is then named as a device, and the other terms keep their addresses."""
    site_yaml = (project / "content/site.yaml").read_text(encoding="utf-8")
    write(
        project / "content/site.yaml",
        site_yaml.replace("categories:\n", "categories:\n  com1: Ports\n"),
    )
    write(
        project / "content/events/devices.yaml",
        """\
        id: devices
        date: 2023-01-01
        title: Terms named as devices
        category: com1
        actors: [Con, Taliban]
        tags: [aux, NUL, Prn., cis]
        sources: [{url: "https://a.example/"}]
        """,
    )
    result = run_timeline("build", str(project))
    assert result.code == 0, result.err
    site = project / "site"
    named = [p for p in site.rglob("*") if p.name.split(".")[0].upper() in DEVICES]
    assert named == []
    for folder in ("tags/aux-1", "tags/nul-1", "tags/prn-1", "actors/con-1", "categories/com1-1"):
        assert (site / folder / "index.html").is_file(), folder
    assert (site / "categories/com1-1/feed.xml").is_file()
    assert (site / "tags/cis/index.html").is_file() and (site / "actors/taliban").is_dir()
    page = (site / "events/devices/index.html").read_text(encoding="utf-8")
    for href in ("tags/aux-1/", "tags/nul-1/", "actors/con-1/", "categories/com1-1/"):
        assert f'href="../../{href}"' in page, href
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'data-tag="aux-1 nul-1 prn-1 cis"' in index and 'data-category="com1-1"' in index
    term = (site / "tags/aux-1/index.html").read_text(encoding="utf-8")
    assert "?tag=aux-1" in term
    assert run_timeline("check", str(project), "--links").code == 0


def test_a_clipping_titled_as_a_device_is_imported_under_a_name_windows_can_hold(
    tmp_path: Path,
) -> None:
    project = tmp_path / "proj"
    write(project / "content/site.yaml", "title: T\n")
    clipping = write(
        tmp_path / "aux.txt",
        "Aux\nBy Jane Doe in Example News, October 1, 2023\nText.\nhttps://news.example/123456\n",
    )
    result = run_timeline("import", str(clipping), "--into", str(project))
    assert result.code == 0, result.err
    assert (project / "content/articles/aux-1.md").is_file()
    assert run_timeline("check", str(project)).code == 0


def test_a_published_event_citing_a_draft_article_is_warned_of(project: Path) -> None:
    write(
        project / "content/articles/dr.md",
        "---\ntitle: Draft\ndate: 2023-01-01\ndraft: true\n---\nBody\n",
    )
    write(
        project / "content/events/draft-cited.yaml",
        """\
        - id: cites-a-draft
          date: 2023-11-02
          title: Cites a draft
          sources: [{article: dr}]
        - id: draft-cites-a-draft
          date: 2023-11-03
          title: A draft citing a draft
          draft: true
          sources: [{article: dr}]
        """,
    )
    result = run_timeline("build", str(project))
    assert result.code == 0, result.err
    assert result.err.splitlines()[:-1] == [
        "content/events/draft-cited.yaml:4:23: warning: article 'dr' is a draft and will not be "
        "published, so this source is left out: publish the article (draft: false) or cite "
        "another source"
    ]
    page = (project / "site/events/cites-a-draft/index.html").read_text(encoding="utf-8")
    assert "No source is given for this event" in page
    assert run_timeline("build", str(project), "--strict").code == 1

    drafts = run_timeline("build", str(project), "--drafts", "--strict")
    assert drafts.code == 0, drafts.err
    page = (project / "site/events/cites-a-draft/index.html").read_text(encoding="utf-8")
    assert "articles/dr/" in page and "No source is given" not in page


def test_a_list_or_mapping_as_a_date_is_named_as_such(project: Path) -> None:
    write(
        project / "content/events/bad-dates.yaml",
        """\
        - date: [2023, 5]
          title: Listed
        - date: {year: 2023}
          title: Mapped
        """,
    )
    result = run_timeline("check", str(project))
    assert result.code == 1
    lines = result.err.splitlines()
    span = "; for a span write an interval, as 2021/2023"
    assert f"content/events/bad-dates.yaml:1:9: error: give one date, not a list{span}" in lines
    assert f"content/events/bad-dates.yaml:3:9: error: give one date, not a mapping{span}" in lines
    assert "Yaml" not in result.err


def test_the_preview_warns_as_soon_as_a_cited_article_turns_draft(project: Path) -> None:
    """The live preview keeps validated events between rebuilds; an article turning draft
    (or back) changes no id, yet the events citing it must be checked again: each run with
    the kept records reports what a fresh validation reports."""
    from builder.load import FileCache, load_project
    from builder.validate import ValidationCache, validate_project

    files, validation = FileCache(), ValidationCache()

    def run(kept: bool = True) -> list[str]:
        raw, report = load_project(project, files if kept else None)
        validate_project(raw, report, cache=validation if kept else None)
        return [d.format() for d in report.sorted()]

    article = project / "content/articles/report.md"
    published = article.read_text(encoding="utf-8")
    before = run()
    assert not any("is a draft" in line for line in before)
    article.write_text(published.replace("---\nBody", "draft: true\n---\nBody"), "utf-8")
    drafted = run()
    assert (
        "content/events/2023.yaml:16:16: warning: article 'report' is a draft and will not be"
        in "\n".join(drafted)
    )
    assert drafted == run(kept=False)
    article.write_text(published, encoding="utf-8")
    assert run() == before


#: Bodies no YAML parser reads, each holding a control character at a known place; a C1
#: control is what Windows-1252 text decoded as Latin-1 leaves of a curly quote.
BODIES = {
    "content/articles/bell.md": (
        "---\ntitle: Bell\ndate: 2023-09-01\n---\nFirst line.\nTab\tok, then a bell\x07 here.\n"
    ),
    "content/articles/quote.md": "---\ntitle: Quote\ndate: 2023-09-02\n---\nIt\x92s late.\n",
    "content/articles/clip.txt": (
        "By Jane Doe in Example News, October 1, 2023\r\n"
        "A paragraph.\r\n"
        "Colours \x1b[31mred\x1b[0m and a form feed\x0c.\r\n"
        "https://news.example/colours-in-the-clipping\r\n"
    ),
    "content/pages/about.md": "---\ntitle: About\n---\n\nWho we are\x00.\n",
}


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_a_control_character_in_a_body_or_clipping_is_an_error_where_it_stands(
    project: Path,
) -> None:
    """Article and page bodies and clippings are read by no YAML parser: a control
    character in one went unnoticed into the article's page (its text, description and
    JSON-LD), the page's HTML and the search index. It is an error at its own line and
    column (in characters, a tab being one), and the site built before stays as it was."""
    assert run_timeline("build", str(project)).code == 0
    before = _tree(project / "site")
    for rel, text in BODIES.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_bytes(text.encode("utf-8"))
    result = run_timeline("build", str(project))
    assert result.code == 1, result.err
    assert "Traceback" not in result.err
    assert result.err.splitlines() == [
        "content/articles/bell.md:6:20: error: the control character U+0007 (BEL) is not "
        "allowed in an article's text: remove it",
        "content/articles/clip.txt:3:9: error: the control character U+001B (ESC) is not "
        "allowed in a clipping's text: remove it (and 2 more after it)",
        "content/articles/quote.md:5:3: error: the control character U+0092 is not allowed in "
        "an article's text: it is most likely ’ garbled by a wrong text encoding; type ’ in "
        "its place",
        "content/pages/about.md:5:11: error: the control character U+0000 (NUL) is not "
        "allowed in a page's text: remove it",
        "4 errors, 0 warnings",
        "build failed: the previous site was left as it was",
    ]
    assert _tree(project / "site") == before

    clipping = project / "content/articles/clip.txt"
    imported = run_timeline("import", str(clipping), "--into", str(project))
    assert imported.code == 1, imported.err
    assert f"{clipping}:3:9: error: the control character U+001B (ESC)" in imported.err
    assert not (project / "content/articles/colours-in-the-clipping.md").exists()

    # Fixed as the messages say, the same texts (tabs and CRLF kept) build, and no page,
    # feed, index or export of the site holds a control character.
    for rel, text in BODIES.items():
        fixed = text.replace("\x92", "’").replace("\x1b[31m", "").replace("\x1b[0m", "")
        fixed = fixed.translate({0: None, 7: None, 0x0C: None})
        (project / rel).write_bytes(fixed.encode("utf-8"))
    write(project / "content/events/cites.yaml", CITING_EVENT)
    result = run_timeline("build", str(project), "--base-url", "https://example.org/tl/")
    assert result.code == 0, result.err
    site = project / "site"
    for feed in site.glob("**/*.xml"):
        ET.parse(feed)
    controls = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
    for path in site.rglob("*"):
        if path.suffix in (".html", ".xml", ".js", ".json", ".csv", ".ics", ".geojson"):
            text = path.read_text(encoding="utf-8")
            assert not controls.search(text), path
    page = (site / "articles/quote/index.html").read_text(encoding="utf-8")
    assert "It’s late." in page


CITING_EVENT = """\
id: cites-bodies
date: 2023-10-02
title: Cites the articles
countries: [TJ]
category: attack
sources: [{article: bell}, {article: quote}, {article: clip}]
"""


def test_footnotes_of_two_summaries_on_one_page_keep_their_own_ids(project: Path) -> None:
    """Each summary numbers its footnotes from 1; on a list page showing both, the second
    event's note link led to the first event's note (the same `id="fn1"` twice)."""
    write(
        project / "content/events/notes.yaml",
        """\
        - id: first-noted
          date: 2022-03-01
          title: First with a note
          summary: "First[^1].\\n\\n[^1]: Note one."
        - id: second-noted
          date: 2022-03-02
          title: Second with a note
          summary: "Second[^1].\\n\\n[^1]: Note two."
        """,
    )
    result = run_timeline("build", str(project))
    assert result.code == 0, result.err
    site = project / "site"
    for page in [site / "index.html", *site.glob("events/*/index.html")]:
        ids = re.findall(r'\bid="([^"]+)"', page.read_text(encoding="utf-8"))
        assert len(ids) == len(set(ids)), (page, sorted(i for i in ids if ids.count(i) > 1))
    timeline = (site / "index.html").read_text(encoding="utf-8")
    for event, note in (("first-noted", "Note one."), ("second-noted", "Note two.")):
        item = timeline[timeline.index(f'id="{event}"') :]
        item = item[: item.index("</li>\n", item.index("footnotes"))]
        href = re.search(r'class="footnote-ref"><a href="#([^"]+)"', item).group(1)
        assert note in item[item.index(f'id="{href}"') :], event


class _Ids(HTMLParser):
    """Every `id` attribute of an HTML page, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [value or "" for name, value in attrs if name == "id"]


def repeated_ids(page: str) -> list[str]:
    """The ids a page gives more than one element."""
    parser = _Ids()
    parser.feed(page)
    return sorted({i for i in parser.ids if parser.ids.count(i) > 1})


SAME_NOTE = '"As reported[^1].\\n\\n[^1]: The wire, at noon."'


def test_the_same_footnoted_summary_twice_on_a_page_keeps_ids_apart(
    project: Path, cache_home: Path
) -> None:
    """Footnote ids were named after the text alone, so two events with the same summary
    on one list page gave two elements each id, and the second event's note link led to
    the first event's note. Each event names its notes after itself, on every page and in
    the TimelineJS export (all slides in one page), while the conversion stays one per
    text, shared by pages and kept from build to build."""
    write(
        project / "content/events/notes.yaml",
        f"""\
        - id: first-noted
          date: 2022-03-01
          title: First with the note
          countries: [TJ]
          tags: [noted]
          summary: {SAME_NOTE}
        - id: second-noted
          date: 2022-03-02
          title: Second with the note
          countries: [TJ]
          tags: [noted]
          summary: {SAME_NOTE}
        """,
    )
    result = run_timeline("build", str(project))
    assert result.code == 0, result.err
    site = project / "site"
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        assert repeated_ids(page.read_text(encoding="utf-8")) == [], page
    slides = json.loads((site / "timelinejs.json").read_text(encoding="utf-8"))["events"]
    assert repeated_ids("".join(slide["text"]["text"] for slide in slides)) == []
    for listing in ("index.html", "countries/tj/index.html", "tags/noted/index.html"):
        page = (site / listing).read_text(encoding="utf-8")
        for event in ("first-noted", "second-noted"):
            item = page[page.index(f'id="{event}"') :]
            item = item[: item.index("</li>\n", item.index("footnotes"))]
            links = re.findall(r'href="#([^"]+)"', item)
            assert len(links) == 2, (listing, event)  # to the note and back
            assert all(f'id="{target}"' in item for target in links), (listing, event)
            assert all(event in target for target in links), (listing, event)
    source = yaml.safe_load(SAME_NOTE)
    assert "noted" not in markdown_forms(source).html  # one conversion for both
