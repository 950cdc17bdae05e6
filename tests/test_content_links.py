"""Links between the content's own pages, written from the site's root in Markdown.

An editor links an event's summary to another event (`/events/taliban-takeover/#sources-h`),
an article or a page to an event. The project is built with the real CLI; the links are
read from the built pages at every depth that shows them and from the feed, checked with
`check_links`, and followed in headless Chromium on a site served under a sub-path. A link
to a page the build does not make fails the build at the Markdown link.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SITE_YAML, run_timeline, write
from playwright.sync_api import Browser
from sitehttp import serve

from builder.links import check_links
from builder.text import CONTENT_ROOT

TARGET = "/events/taliban-takeover/#sources-h"
EVACUATION = """\
id: evacuation
date: 2021-08-26
title: Bombing at Kabul airport
tags: [kabul]
summary: |
  After [the takeover of Kabul](/events/taliban-takeover/#sources-h), crowds
  gathered at the airport.
sources: [{url: "https://wire.example/airport", title: Airport}]
"""


def make_project(root: Path) -> Path:
    """Five events two a page (so the timeline splits into periods), two linking to the
    takeover; an article and a page linking to it too."""
    write(root / "content" / "site.yaml", SITE_YAML + "events_per_page: 2\n")
    write(
        root / "content" / "events" / "takeover.yaml",
        """\
        id: taliban-takeover
        date: 2021-08-15
        title: Taliban take Kabul
        tags: [kabul]
        sources: [{url: "https://wire.example/kabul", title: Kabul falls}]
        """,
    )
    (root / "content" / "events" / "evacuation.yaml").write_text(EVACUATION, encoding="utf-8")
    write(
        root / "content" / "events" / "older.yaml",
        """\
        - id: talks
          date: 2019-02-01
          title: Talks in Doha
          tags: [kabul]
          summary: Long before [the takeover](/events/taliban-takeover/#sources-h).
          sources: [{url: "https://wire.example/doha", title: Doha}]
        - id: filler-one
          date: 2019-06-01
          title: A quiet month
          sources: [{url: "https://wire.example/one", title: One}]
        - id: filler-two
          date: 2020-03-01
          title: Another quiet month
          sources: [{url: "https://wire.example/two", title: Two}]
        """,
    )
    write(
        root / "content" / "articles" / "report.md",
        """\
        ---
        title: A report from Kabul
        date: 2021-09-01
        publisher: Example News
        url: https://news.example/kabul
        ---
        It all began with [the takeover](/events/taliban-takeover/); see also
        [the tag](../../tags/kabul/).
        """,
    )
    write(
        root / "content" / "pages" / "about.md",
        """\
        ---
        title: About
        ---
        Start reading at [the takeover](/events/taliban-takeover/).
        """,
    )
    return root


def hrefs(page: Path, text: str) -> list[str]:
    """The addresses of the links whose text is `text` in a built page."""
    found = re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', page.read_text(encoding="utf-8"))
    return [href for href, label in found if label == text]


def page_showing(site: Path, folder: str, event_id: str) -> Path:
    """The one page below `folder` whose list shows the event."""
    pages = [p for p in (site / folder).glob("*/index.html") if f'id="{event_id}"' in p.read_text()]
    assert len(pages) == 1, pages
    return pages[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The project and its site, built with the real CLI without a base URL."""
    root = tmp_path_factory.mktemp("content-links")
    project = make_project(root / "project")
    result = run_timeline("build", str(project), "-o", str(root / "site"))
    assert result.code == 0, result.err
    return project, root / "site"


def test_a_summary_link_leads_from_each_page_that_shows_it(built: tuple[Path, Path]) -> None:
    _, site = built
    assert hrefs(site / "index.html", "the takeover of Kabul") == ["./" + TARGET[1:]]
    period = page_showing(site, "periods", "talks")
    assert period.parent.parent.name == "periods"
    assert hrefs(period, "the takeover") == ["../../" + TARGET[1:]]
    term = site / "tags" / "kabul" / "index.html"
    assert hrefs(term, "the takeover of Kabul") == ["../../" + TARGET[1:]]
    own = site / "events" / "evacuation" / "index.html"
    assert hrefs(own, "the takeover of Kabul") == ["../../" + TARGET[1:]]


def test_article_and_page_bodies_link_from_the_root_and_keep_relative_links(
    built: tuple[Path, Path],
) -> None:
    _, site = built
    article = site / "articles" / "report" / "index.html"
    assert hrefs(article, "the takeover") == ["../../events/taliban-takeover/"]
    assert hrefs(article, "the tag") == ["../../tags/kabul/"]
    assert hrefs(site / "about" / "index.html", "the takeover") == ["../events/taliban-takeover/"]


def test_no_page_or_export_holds_the_placeholder_and_no_link_is_broken(
    built: tuple[Path, Path],
) -> None:
    _, site = built
    for file in site.rglob("*"):
        if file.is_file() and file.suffix in (".html", ".xml", ".json"):
            assert CONTENT_ROOT not in file.read_text(encoding="utf-8"), file
    assert check_links(site) == []


def test_feeds_carry_the_link_from_the_feed_or_the_base_url(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    project, site = built
    feed = html.unescape((site / "feed.xml").read_text(encoding="utf-8"))
    assert f'<a href="./{TARGET[1:]}">the takeover of Kabul</a>' in feed
    slides = (site / "timelinejs.json").read_text(encoding="utf-8")
    assert f'<a href=\\"./{TARGET[1:]}\\">the takeover of Kabul</a>' in slides
    out = tmp_path / "based"
    result = run_timeline(
        "build", str(project), "-o", str(out), "--base-url", "https://example.org/repo/"
    )
    assert result.code == 0, result.err
    feed = html.unescape((out / "feed.xml").read_text(encoding="utf-8"))
    absolute = "https://example.org/repo" + TARGET
    assert f'<a href="{absolute}">the takeover of Kabul</a>' in feed
    assert hrefs(out / "index.html", "the takeover of Kabul") == ["./" + TARGET[1:]]


@pytest.fixture(scope="module")
def origin(built: tuple[Path, Path]) -> Iterator[str]:
    """The built site served under /repo/, as GitHub Pages serves a project site."""
    with serve({"/repo/": built[1]}) as served:
        yield served + "/repo/"


@pytest.mark.parametrize(
    ("start", "label", "fragment"),
    [
        ("", "the takeover of Kabul", "#sources-h"),
        ("periods", "the takeover", "#sources-h"),
        ("about/", "the takeover", ""),
    ],
)
def test_the_link_is_followed_in_a_browser_under_a_sub_path(
    built: tuple[Path, Path], origin: str, browser: Browser, start: str, label: str, fragment: str
) -> None:
    site = built[1]
    if start == "periods":
        start = page_showing(site, "periods", "talks").parent.relative_to(site).as_posix() + "/"
    page = browser.new_page()
    try:
        page.goto(origin + start)
        with page.expect_navigation():
            page.get_by_role("link", name=label, exact=True).first.click()
        assert page.url == origin + "events/taliban-takeover/" + fragment
        assert page.locator("h1").inner_text() == "Taliban take Kabul"
    finally:
        page.close()


def position(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of `needle` in `text`."""
    at = text.index(needle)
    return text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)


def test_a_link_to_a_missing_event_fails_the_build_at_the_markdown(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    out = tmp_path / "site"
    assert run_timeline("build", str(project), "-o", str(out)).code == 0
    before = (out / "index.html").read_bytes()
    events = project / "content" / "events" / "evacuation.yaml"
    broken = EVACUATION.replace("/events/taliban-takeover/", "/events/taliban-takover/")
    events.write_text(broken, encoding="utf-8")
    result = run_timeline("build", str(project), "-o", str(out))
    assert result.code == 1
    line, col = position(broken, "/events/taliban-takover/")
    expected = (
        f"content/events/evacuation.yaml:{line}:{col}: error: link to "
        "/events/taliban-takover/#sources-h: this site has no such page"
    )
    lines = result.err.splitlines()
    assert any(x.startswith(expected) for x in lines), result.err
    assert any("did you mean /events/taliban-takeover/?" in x for x in lines), result.err
    assert "Traceback" not in result.err
    assert (out / "index.html").read_bytes() == before


def test_a_relative_link_in_a_summary_is_a_warning_but_not_in_an_article(
    tmp_path: Path,
) -> None:
    project = make_project(tmp_path / "project")
    events = project / "content" / "events" / "evacuation.yaml"
    relative = EVACUATION.replace("(/events/taliban-takeover/#sources-h)", "(../taliban-takeover/)")
    events.write_text(relative, encoding="utf-8")
    result = run_timeline("check", str(project))
    assert result.code == 0, result.err
    line, col = position(relative, "../taliban-takeover/")
    warnings = [x for x in result.err.splitlines() if "relative link" in x]
    assert len(warnings) == 1, result.err  # the article's relative link is allowed
    assert warnings[0].startswith(f"content/events/evacuation.yaml:{line}:{col}: warning: ")
    assert warnings[0].endswith("as /events/taliban-takeover/")
    assert run_timeline("check", str(project), "--strict").code == 1


def test_the_live_preview_follows_a_new_link_and_fails_when_its_event_is_renamed(
    tmp_path: Path,
) -> None:
    from test_serve import Server, replace_in

    project = make_project(tmp_path / "project")
    events = project / "content" / "events" / "evacuation.yaml"
    events.write_text(EVACUATION.replace("(/events/taliban-takeover/#sources-h)", ""))
    server = Server(project)
    try:
        before = len(server.rebuild_lines())
        replace_in(events, "crowds\n", "crowds, as on [the takeover](/events/taliban-takeover/),\n")
        server.eventually(
            "tags/kabul/",
            lambda r: '<a href="../../events/taliban-takeover/">the takeover</a>' in r.text,
            "the new link on the term page",
        )
        assert (
            '<a href="./events/taliban-takeover/">the takeover</a>'
            in server.get(server.path()).text
        )
        # The page can change before the rebuild's line reaches the test: wait for it.
        assert "rebuild failed" not in server.next_rebuild(before)
        rebuilds = len(server.rebuild_lines())
        takeover = project / "content" / "events" / "takeover.yaml"
        replace_in(takeover, "id: taliban-takeover", "id: kabul-falls")
        assert "rebuild failed" in server.next_rebuild(rebuilds)
        line, col = position(events.read_text(), "/events/taliban-takeover/")
        at = rf"^content/events/evacuation\.yaml:{line}:{col}: error: link to {TARGET[:-10]}"
        server.wait_for(at, stream="err")
    finally:
        server.stop()


def _assert_reported_once_at_the_markdown(project: Path, source: str) -> None:
    """`check --links` gives the broken `#nowhere` link of evacuation.yaml (`source`) one
    error, at the Markdown, for the four pages that show it."""
    result = run_timeline("check", str(project), "--links")
    assert result.code == 1
    line, col = position(source, "/events/taliban-takeover/#nowhere")
    errors = [x for x in result.err.splitlines() if ": error: " in x]
    assert len(errors) == 1, result.err
    assert errors[0].startswith(
        f"content/events/evacuation.yaml:{line}:{col}: error: broken link to "
        "/events/taliban-takeover/#nowhere (on 4 built pages"
    ), result.err


def test_check_links_reports_a_broken_fragment_once_at_the_markdown(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    events = project / "content" / "events" / "evacuation.yaml"
    broken = EVACUATION.replace("#sources-h", "#nowhere")
    events.write_text(broken, encoding="utf-8")
    assert run_timeline("build", str(project)).code == 0
    _assert_reported_once_at_the_markdown(project, broken)


def test_a_broken_link_in_a_summary_with_a_footnote_is_found_at_the_markdown(
    tmp_path: Path,
) -> None:
    """Pages name a summary's footnotes after its event: the summary's HTML is still
    recognised on each page that shows it, so the link is reported once, where it is
    written, not on each page."""
    project = make_project(tmp_path / "project")
    events = project / "content" / "events" / "evacuation.yaml"
    broken = EVACUATION.replace("#sources-h), crowds", "#nowhere), crowds[^1]").replace(
        "the airport.\n", "the airport.\n\n  [^1]: As the wire reported.\n"
    )
    assert "[^1]:" in broken
    events.write_text(broken, encoding="utf-8")
    assert run_timeline("build", str(project)).code == 0
    page = (project / "site/events/evacuation/index.html").read_text(encoding="utf-8")
    assert 'id="fn-' in page and "-evacuation-1" in page
    _assert_reported_once_at_the_markdown(project, broken)


def test_a_footnoted_summary_in_a_projects_own_older_templates_is_found_at_the_markdown(
    tmp_path: Path,
) -> None:
    """A project's own copies of macros.html and event.html made before summaries were given
    their event (`| markdown` without `owner=`) show the footnote ids unnamed: the summary
    is still recognised there, and its broken link reported once, at the Markdown."""
    project = make_project(tmp_path / "project")
    shipped = Path(__file__).resolve().parent.parent / "themes" / "default" / "templates"
    own = project / "themes" / "default" / "templates"
    own.mkdir(parents=True)
    for name, call in (("macros.html", "e.summary"), ("event.html", "event.summary")):
        text = (shipped / name).read_text(encoding="utf-8")
        older = text.replace(f"{call} | markdown(owner={call[:-8]}.id)", f"{call} | markdown")
        assert older != text
        (own / name).write_text(older, encoding="utf-8")
    events = project / "content" / "events" / "evacuation.yaml"
    broken = EVACUATION.replace("#sources-h), crowds", "#nowhere), crowds[^1]").replace(
        "the airport.\n", "the airport.\n\n  [^1]: As the wire reported.\n"
    )
    events.write_text(broken, encoding="utf-8")
    assert run_timeline("build", str(project)).code == 0
    page = (project / "site/events/evacuation/index.html").read_text(encoding="utf-8")
    assert 'id="fn-' in page and "-evacuation-1" not in page
    _assert_reported_once_at_the_markdown(project, broken)


def test_a_page_may_link_to_the_feeds_and_data_files(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    files = [
        "/feed.xml",
        "/events.json",
        "/timelinejs.json",
        "/events.csv",
        "/events.ics",
        "/events.geojson",
        "/sitemap.xml",
        "/countries/af/feed.xml",
    ]
    takeover = project / "content" / "events" / "takeover.yaml"
    takeover.write_text(takeover.read_text() + "countries: [af]\n", encoding="utf-8")
    about = project / "content" / "pages" / "about.md"
    links = "".join(f"- [{name}]({name})\n" for name in files)
    about.write_text(about.read_text() + "\n" + links, encoding="utf-8")
    result = run_timeline("build", str(project), "-o", str(tmp_path / "site"))
    assert result.code == 0, result.err
    page = tmp_path / "site" / "about" / "index.html"
    assert [hrefs(page, name) for name in files] == [[".." + name] for name in files]
    assert check_links(tmp_path / "site") == []


def test_an_image_of_the_sites_own_is_an_error_at_the_markdown(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    events = project / "content" / "events" / "evacuation.yaml"
    with_image = EVACUATION.replace("crowds\n", "crowds ![the gate](gate.jpg)\n")
    events.write_text(with_image, encoding="utf-8")
    about = project / "content" / "pages" / "about.md"
    body = about.read_text() + "\n![a map](/static/map.png)\n"
    about.write_text(body, encoding="utf-8")
    result = run_timeline("build", str(project), "-o", str(tmp_path / "site"))
    assert result.code == 1
    errors = [x for x in result.err.splitlines() if ": error: " in x]
    line, col = position(with_image, "gate.jpg")
    assert errors[0].startswith(
        f"content/events/evacuation.yaml:{line}:{col}: error: image gate.jpg: this site "
        "publishes no file at that address"
    ), result.err
    line, col = position(body, "/static/map.png")
    at = f"content/pages/about.md:{line}:{col}"
    assert errors[1].startswith(f"{at}: error: image /static/map.png"), result.err
    assert all(x.endswith("give the image's full https:// address") for x in errors)
    assert len(errors) == 2, result.err
    assert not (tmp_path / "site").exists()


def test_a_link_in_upper_case_or_to_a_static_file_says_what_to_write(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    events = project / "content" / "events" / "evacuation.yaml"
    broken = EVACUATION.replace("/events/taliban-takeover/", "/events/Taliban-Takeover/")
    broken = broken.replace("crowds\n", "crowds ([style](/static/style.css))\n")
    events.write_text(broken, encoding="utf-8")
    result = run_timeline("check", str(project))
    assert result.code == 1
    errors = [x for x in result.err.splitlines() if ": error: " in x]
    assert len(errors) == 2, result.err
    assert errors[0].endswith("did you mean /events/taliban-takeover/?"), result.err
    line, col = position(broken, "/static/style.css")
    assert errors[1] == (
        f"content/events/evacuation.yaml:{line}:{col}: error: link to /static/style.css: a "
        "theme's static files take fingerprinted names, so content cannot link to one: link "
        "to another site's https:// address instead"
    )


def test_a_non_ascii_address_is_named_as_the_markdown_writes_it(tmp_path: Path) -> None:
    """markdown-it percent-encodes `/tags/кабул/` in the HTML; the build's errors and
    warnings name the address as the editor wrote it, which a search of the file finds."""
    project = make_project(tmp_path / "project")
    events = project / "content" / "events" / "evacuation.yaml"
    broken = EVACUATION.replace(
        "crowds\n",
        "crowds ([Кабул](/tags/кабул/), [كابل](../../tags/كابل/),\n  ![غ](خريطة.png))\n",
    )
    events.write_text(broken, encoding="utf-8")
    result = run_timeline("check", str(project))
    assert result.code == 1
    assert "%" not in result.err, result.err
    at = "content/events/evacuation.yaml"
    cyrillic, arabic, image = (
        position(broken, x) for x in ("/tags/кабул/", "../../tags/كابل/", "خريطة.png")
    )
    assert result.err.splitlines() == [
        f"{at}:{cyrillic[0]}:{cyrillic[1]}: error: link to /tags/кабул/: this site has no "
        "such page (a draft's is made only with --drafts): link to an event's /events/ID/, "
        "an article's /articles/ID/, a page's /NAME/, a term's /tags/SLUG/ or a data file "
        "such as /feed.xml; did you mean /tags/?",
        f"{at}:{arabic[0]}:{arabic[1]}: warning: relative link to ../../tags/كابل/: a summary "
        "shows on pages at different depths (the timeline, term and year pages, the event's "
        "own page), where it leads to different places: write it from the site's root, as "
        "/tags/كابل/",
        f"{at}:{image[0]}:{image[1]}: error: image خريطة.png: this site publishes no file at "
        "that address (a theme's static files take fingerprinted names): give the image's "
        "full https:// address",
        "2 errors, 1 warning",
    ]
