"""Search engines and link previews: titles, descriptions, OpenGraph and Twitter cards,
JSON-LD (schema.org Event and NewsArticle), canonical links, sitemap lastmod, robots.txt."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
from conftest import run_timeline, write
from markupsafe import escape

from builder import seo
from builder.build import BuildOptions, make_timeline
from builder.theme import find_theme, make_environment

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "https://example.org/tl/"
NASTY = "Ends the script </script><script>window.pwned=1</script> & more"


class _Head(HTMLParser):
    """The title, meta tags, links and JSON-LD of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.title, self.meta, self.links, self.json_ld = "", {}, [], []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "title":
            self._in = "title"
        elif tag == "meta" and ("property" in a or "name" in a):
            self.meta[a.get("property") or a.get("name")] = a.get("content", "")
        elif tag == "link":
            self.links.append(a)
        elif tag == "script" and a.get("type") == "application/ld+json":
            self._in = "ld"
            self.json_ld.append("")

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "ld":
            self.json_ld[-1] += data


def head(site: Path, rel: str) -> _Head:
    parser = _Head()
    parser.feed((site / rel).read_text(encoding="utf-8"))
    return parser


@pytest.fixture
def site(project: Path) -> Path:
    write(
        project / "content" / "events" / "nasty.yaml",
        f"""\
        id: nasty
        date: 2022-11-02
        title: "{NASTY}"
        summary: A *summary* that becomes the description.
        location: {{name: Termez, lat: 37.2242, lon: 67.2783}}
        countries: [UZ]
        sources: [{{url: "https://news.example/nasty", title: Nasty, publisher: Wire}}]
        """,
    )
    result = run_timeline("build", str(project), "--base-url", BASE, "--strict")
    assert result.code == 0, result.err
    return project / "site"


def test_every_page_has_a_title_description_and_card(site: Path) -> None:
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    assert len(pages) > 20
    titles = {}
    for rel in pages:
        page = head(site, rel)
        assert page.title.strip(), rel
        assert page.meta.get("description", "").strip(), rel
        for key in ("og:title", "og:type", "og:site_name", "twitter:card", "twitter:title"):
            assert page.meta.get(key, "").strip(), (rel, key)
        titles[rel] = page.title
    events = [t for rel, t in titles.items() if rel.startswith("events/")]
    assert len(set(events)) == len(events)  # every event page has its own title


def test_event_page_describes_a_schema_org_event(site: Path) -> None:
    page = head(site, "events/nasty/index.html")
    assert page.meta["og:title"] == NASTY
    assert page.meta["og:type"] == "article"
    assert page.meta["og:description"] == "A summary that becomes the description."
    assert page.meta["og:url"] == BASE + "events/nasty/"
    [canonical] = [link["href"] for link in page.links if link.get("rel") == "canonical"]
    assert canonical == BASE + "events/nasty/"
    [data] = [json.loads(text) for text in page.json_ld]
    assert data["@context"] == "https://schema.org" and data["@type"] == "Event"
    assert data["name"] == NASTY  # the text survived, and did not end the script early
    assert data["startDate"] == "2022-11-02"
    assert data["url"] == BASE + "events/nasty/"
    assert data["location"][0] == {
        "@type": "Place",
        "name": "Termez",
        "geo": {"@type": "GeoCoordinates", "latitude": 37.2242, "longitude": 67.2783},
    }
    assert data["location"][1]["address"]["addressCountry"] == "UZ"
    assert data["subjectOf"][0]["url"] == "https://news.example/nasty"
    html = (site / "events" / "nasty" / "index.html").read_text(encoding="utf-8")
    assert "<script>window.pwned" not in html


def test_interval_event_has_start_and_end(site: Path) -> None:
    page = head(site, "events/2021-10-2023-10-rocket-fire-into-tajikistan/index.html")
    [data] = [json.loads(text) for text in page.json_ld]
    assert (data["startDate"], data["endDate"]) == ("2021-10", "2023-10")


def test_article_page_describes_a_news_article(site: Path) -> None:
    page = head(site, "articles/report/index.html")
    [data] = [json.loads(text) for text in page.json_ld]
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "A report on the border"
    assert data["datePublished"] == "2023-09-05"
    assert data["author"] == [
        {"@type": "Person", "name": "Jane Doe"},
        {"@type": "Person", "name": "John Roe"},
    ]
    assert data["publisher"] == {"@type": "Organization", "name": "Example News"}
    assert data["isBasedOn"] == "https://news.example/report"
    assert page.meta["og:description"] == "Body of the report."


def test_home_page_is_a_website_and_lists_pages_are_not_things(site: Path) -> None:
    [data] = [json.loads(text) for text in head(site, "index.html").json_ld]
    assert data["@type"] == "WebSite" and data["url"] == BASE
    assert head(site, "countries/index.html").json_ld == []
    term = head(site, "countries/tj/index.html")
    assert term.meta["og:description"].startswith("2 events on country Tajikistan")
    feeds = [link["href"] for link in term.links if link.get("type") == "application/atom+xml"]
    assert "../../countries/tj/feed.xml" in feeds


def test_not_found_and_search_pages_are_not_indexed(site: Path) -> None:
    assert head(site, "404.html").meta.get("robots") == "noindex"
    assert head(site, "search/index.html").meta.get("robots") == "noindex"
    assert "robots" not in head(site, "index.html").meta


def test_sitemap_lists_every_page_with_lastmod(site: Path) -> None:
    root = ElementTree.parse(site / "sitemap.xml").getroot()
    entries = {
        url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
        for url in root.iter(f"{SITEMAP}url")
    }
    assert all(loc.startswith(BASE) for loc in entries)
    assert entries[BASE + "events/2023-10-13-putin-warns-about-afghanistan-at-cis-meeting/"] == (
        "2023-10-13"  # the seed clipping it cites
    )
    assert entries[BASE + "events/nasty/"] == "2022-11-02"
    assert entries[BASE + "articles/report/"] == "2023-09-05"
    assert entries[BASE] == "2023-10-13"  # the newest change anywhere
    html_pages = {p.relative_to(site).as_posix() for p in site.rglob("index.html")}
    listed = {loc[len(BASE) :] + "index.html" for loc in entries}
    assert listed == html_pages - {"search/index.html"}


def test_robots_txt_names_the_sitemap(site: Path) -> None:
    robots = (site / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert robots == ["User-agent: *", "Allow: /", f"Sitemap: {BASE}sitemap.xml"]
    assert (site / ".nojekyll").read_bytes() == b""


def test_without_base_url_nothing_claims_an_address(project: Path) -> None:
    assert run_timeline("build", str(project)).code == 0
    site = project / "site"
    page = head(site, "events/taliban-takeover/index.html")
    assert "og:url" not in page.meta
    assert not [link for link in page.links if link.get("rel") == "canonical"]
    assert "url" not in json.loads(page.json_ld[0])
    assert "Sitemap:" not in (site / "robots.txt").read_text(encoding="utf-8")
    root = ElementTree.parse(site / "sitemap.xml").getroot()
    locs = [u.findtext(f"{SITEMAP}loc") for u in root.iter(f"{SITEMAP}url")]
    assert "./events/taliban-takeover/" in locs  # relative to the sitemap's own address


LONG = " ".join(["word"] * 60)  # 299 characters


@pytest.mark.parametrize(
    "summary",
    [
        "A *summary* with [a link](https://a.example/) and `code`.",
        LONG,
        "x" * 205,  # within the leeway: kept whole
        "x" * 206,  # past it, one word: cut inside the word
        "a " * 102 + "tail",  # cut on the last space before 199 characters
        "Fish &amp; chips, <b>bold</b> and 5 < 6",
        "- first item\n- second item\n\n# A heading\n\nText[^1].\n\n[^1]: A footnote.",
        "",  # no summary: the date and the title
    ],
)
def test_event_description_is_what_the_theme_made_of_the_summary(
    project: Path, summary: str
) -> None:
    """`seo.event_description` replaces the template expression below; it must give the
    same text for every summary, however it is written."""
    text = json.dumps(summary)
    write(
        project / "content" / "events" / "one.yaml",
        f"id: one\ndate: 2022-11-02\ntitle: One & only\nsummary: {text}\nsources: []\n",
    )
    timeline, report, _ = make_timeline(project, BuildOptions())
    assert timeline is not None, report.sorted()
    [event] = [e for e in timeline.events if e.id == "one"]
    env = make_environment(find_theme(project, "default"))
    before = env.from_string(
        "{{ (e.summary | markdown | striptags | truncate(200, end='…')) if e.summary "
        "else e.date.display() ~ ': ' ~ e.title }}"
    )
    assert str(escape(seo.event_description(event))) == before.render(e=event)
    assert len(seo.event_description(event)) <= 205


def test_an_event_page_gives_one_description_to_every_reader(site: Path) -> None:
    page = head(site, "events/nasty/index.html")
    [data] = [json.loads(text) for text in page.json_ld]
    assert page.meta["og:description"] == page.meta["twitter:description"]
    assert data["description"] == page.meta["og:description"]
    untitled = head(site, "events/taliban-takeover/index.html")  # no summary
    assert untitled.meta["og:description"] == "c. August 2021: Taliban take Kabul"
