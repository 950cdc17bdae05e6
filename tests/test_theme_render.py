"""The default theme's HTML, without a browser: structure, weight, links, overrides, helpers.

Built with the real CLI from the theme fixture project (tests/fixtures/theme); the browser
tests in test_theme_browser.py check behaviour, these check what every page is made of.
"""

from __future__ import annotations

import gzip
import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import REPO, run_timeline, write

from builder.build import BuildOptions, make_timeline
from builder.dates import parse_edtf
from builder.links import check_links
from builder.related import RelatedEvents, related_events
from builder.render import year_span

FIXTURE = Path(__file__).parent / "fixtures" / "theme"
THEME_STATIC = REPO / "themes" / "default" / "static"
#: What one page of the theme makes a reader download before it works, its stylesheets and
#: scripts compressed as static hosts serve them (gzip). The timeline page, with the filters,
#: the chart's keys and the jump list, needed 12.4 KB when this budget replaced one on the
#: theme's source bytes (24 KB of JavaScript, 25 KB of CSS, both full): that one counted
#: comments and whitespace, and every page's scripts together, which no reader downloads.
PAGE_BUDGET = 16 * 1024


class Outline(HTMLParser):
    """Collects what the checks below need from one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.h1 = 0
        self.ids: list[str] = []
        self.resources: list[str] = []
        self.landmarks: set[str] = set()
        self.times: list[dict] = []
        self.titles_with_dir: int = 0
        self.lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang") or ""
        if tag == "h1":
            self.h1 += 1
        if "id" in a:
            self.ids.append(a["id"] or "")
        if tag in ("main", "nav", "header", "footer"):
            self.landmarks.add(tag)
        if tag == "script" and a.get("src"):
            self.resources.append(a["src"] or "")
        if tag == "link" and a.get("rel") in ("stylesheet", "icon", "preload", "modulepreload"):
            self.resources.append(a.get("href") or "")
        if tag in ("img", "iframe", "video", "audio", "source"):
            self.resources.append(a.get("src") or "")
        if tag == "time":
            self.times.append(a)


def outline(path: Path) -> Outline:
    parser = Outline()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The theme fixture project built with the real CLI; returns the output folder."""
    root = tmp_path_factory.mktemp("theme-render")
    shutil.copytree(FIXTURE, root / "project")
    result = run_timeline(
        "build", str(root / "project"), "-o", str(root / "site"), "--base-url", "https://ex.org/t/"
    )
    assert result.code == 0, result.err
    return root / "site"


def _theme_download(site: Path, page: str) -> dict[str, int]:
    """The theme's files a page links to (its stylesheets and scripts), each with its size
    compressed with gzip."""
    folder = (site / page).parent
    return {
        src: len(gzip.compress((folder / src).read_bytes(), 9))
        for src in outline(site / page).resources
        if "/static/" in src and src.endswith((".js", ".css"))
    }


def test_what_each_page_downloads_stays_within_the_budget(built) -> None:
    downloads = {
        page: _theme_download(built, page)
        for page in [
            "index.html",
            "events/kabul-falls/index.html",
            "search/index.html",
            "countries/tj/index.html",
        ]
    }
    assert [name.split("/")[-1].split(".")[0] for name in downloads["index.html"]] == [
        "style",
        "timeline",
    ]
    for page, files in downloads.items():
        assert sum(files.values()) <= PAGE_BUDGET, (page, files)
    # every script and stylesheet of the theme is counted on some page
    counted = {name.split("/")[-1].split(".")[0] for files in downloads.values() for name in files}
    shipped = {p.name.split(".")[0] for p in THEME_STATIC.rglob("*") if p.suffix in (".js", ".css")}
    assert shipped <= counted, shipped - counted


def test_the_contract_pages_exist(built: Path) -> None:
    for path in [
        "index.html",
        "404.html",
        "events/kabul-falls/index.html",
        "articles/wire-report/index.html",
        "countries/index.html",
        "countries/tj/index.html",
        "actors/index.html",
        "actors/islamic-state-khorasan-province/index.html",
        "categories/index.html",
        "categories/attack/index.html",
        "tags/index.html",
        "tags/rockets/index.html",
        "years/2021/index.html",
        "years/2024/index.html",
    ]:
        assert (built / path).is_file(), path


def test_every_page_has_one_h1_landmarks_a_language_and_only_local_resources(built) -> None:
    pages = list(built.rglob("*.html"))
    assert len(pages) > 30
    for page in pages:
        o = outline(page)
        assert o.h1 == 1, page
        assert o.lang == "en", page
        assert {"main", "header", "footer", "nav"} <= o.landmarks, page
        assert len(o.ids) == len(set(o.ids)), (page, sorted(i for i in o.ids if o.ids.count(i) > 1))
        for url in o.resources:
            assert not re.match(r"^([a-z]+:)?//", url), (page, url)
        for time in o.times:
            value = time.get("datetime")
            assert value is None or re.fullmatch(r"\d{4}(-\d\d(-\d\d)?)?", value), (page, time)


def test_events_dated_to_a_decade_or_century_are_not_headed_with_a_year(tmp_path: Path) -> None:
    """`201X` is listed in 2010, where its span starts, but its heading names the decade: a
    heading "2010, month not known" would claim a year no source gives."""
    write(tmp_path / "content" / "site.yaml", "title: Coarse dates\n")
    events = [("201X", "Decade"), ("2010", "Year"), ("2010-05", "Month"), ("200X", "Alone")]
    events += [("20XX", "Century")]
    write(
        tmp_path / "content" / "events" / "all.yaml",
        "".join(
            f"- {{date: '{d}', title: {t}, sources: [{{url: 'https://a.example/'}}]}}\n"
            for d, t in events
        ),
    )
    result = run_timeline("build", str(tmp_path))
    assert result.code == 0, result.err
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    headings = re.findall(r'<h3 class="month-h">([^<]*)</h3>', index)
    assert headings == [
        "2000–2099, year not known; 2000s, year not known",
        "2010s, year not known; 2010, month not known",
        "May 2010",
    ]


def term_lead(site: Path, path: str) -> str:
    """The line under a term page's heading, as HTML."""
    page = (site / path / "index.html").read_text(encoding="utf-8")
    return re.search(r'<p class="lead">(.*?)</p>', page).group(1)


def test_a_terms_dates_run_from_the_earliest_start_to_the_latest_end(tmp_path: Path) -> None:
    """A term's page said its events ran from the first one's date to the last one's: with
    a long interval first, "2001 – 2021 to 2010", though its events run to 2021."""
    write(tmp_path / "content" / "site.yaml", "title: Spans\n")
    events = [
        ("2001/2021", "TJ"),
        ("2005-03~", "TJ"),
        ("2010", "TJ, UZ"),
        ("../2003", "UZ"),
        ("2012-06/..", "UZ"),
        ("2014?", "KG"),
        ("2014?", "KG"),
        ("2018/", "AF"),
        ("2017", "AF"),
    ]
    write(
        tmp_path / "content" / "events" / "all.yaml",
        "".join(
            f"- {{date: '{d}', title: E{i}, countries: [{c}], sources: [{{url: 'https://a.example/'}}]}}\n"
            for i, (d, c) in enumerate(events)
        ),
    )
    result = run_timeline("build", str(tmp_path))
    assert result.code == 0, result.err
    site = tmp_path / "site"
    assert term_lead(site, "countries/tj") == "Country · 3 events · 2001 to 2021"
    # a start not given starts with its end; an open end leaves the span open
    assert term_lead(site, "countries/uz") == "Country · 3 events · from 2003"
    # one date for both ends is said once, in words as its events' dates are
    assert term_lead(site, "countries/kg") == (
        'Country · 2 events · <span aria-hidden="true">2014?</span>'
        '<span class="visually-hidden">2014 (uncertain)</span>'
    )
    # an end not known: the span ends at the last date known
    assert term_lead(site, "countries/af") == "Country · 2 events · 2017 to 2018"
    # the index of countries gives the same spans, in years
    index = (site / "countries" / "index.html").read_text(encoding="utf-8")
    ranges = re.findall(
        r'href="\.\./countries/(\w\w)/".*?<span class="range">([^<]*)</span>', index, re.S
    )
    assert sorted(ranges) == [
        ("af", "2017–2018"),
        ("kg", "2014"),
        ("tj", "2001–2021"),
        ("uz", "from 2003"),
    ]


def test_a_century_is_shown_as_its_years_wherever_its_date_is(tmp_path: Path) -> None:
    """`20XX` means 2000-2099, not the 21st century (2001-2100): every page, feed and export
    that shows the date says so in the same words."""
    write(tmp_path / "content" / "site.yaml", "title: Coarse dates\n")
    write(
        tmp_path / "content" / "events" / "all.yaml",
        "- {date: '20XX', id: c21, title: Century, sources: [{url: 'https://a.example/'}]}\n"
        "- {date: '19XX~', id: c20, title: Older, sources: [{url: 'https://a.example/'}]}\n",
    )
    assert run_timeline("build", str(tmp_path), "--base-url", "https://ex.org/").code == 0
    site = tmp_path / "site"
    page = html.unescape((site / "events/c21/index.html").read_text(encoding="utf-8"))
    assert '<time class="date p-century"><span aria-hidden="true">2000–2099 (year unknown)<' in page
    assert '<meta name="description" content="2000–2099 (year unknown): Century">' in page
    # in the citation's parentheses, the date's own are brackets
    assert '"Century" (2000–2099 [year unknown]). In: Coarse dates.' in page
    index = (site / "index.html").read_text(encoding="utf-8")
    assert (
        '<time class="date p-century approximate"><span aria-hidden="true">c. 1900–1999 '
        "(year unknown)</span>" in index
    )
    assert '<h3 class="month-h">2000–2099, year not known</h3>' in index
    for name in ("feed.xml", "events.csv", "events.ics", "search/index.js"):
        assert "2000–2099 (year unknown)" in (site / name).read_text(encoding="utf-8"), name
    events = json.loads((site / "events.json").read_text(encoding="utf-8"))["events"]
    assert {e["id"]: e["date_display"] for e in events}["c21"] == "2000–2099 (year unknown)"
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json", ".csv", ".ics", ".js"):
            assert not re.search(r"\d(st|nd|rd|th) century", path.read_text("utf-8")), path


def _id_part(date: str) -> str:
    """An id's part for an EDTF date: `2001/2021` gives `2001-2021`, `2010/..` `2010`."""
    return re.sub(r"[/.]+", "-", date.lower()).rstrip("-")


def _coarse_site(tmp_path: Path, dates: list[str], **site: str) -> Path:
    """A project of one event per date (category `c`), built with the real CLI."""
    settings = "".join(f"{key}: {value}\n" for key, value in site.items())
    write(tmp_path / "content" / "site.yaml", f"title: Coarse dates\n{settings}")
    write(
        tmp_path / "content" / "events" / "all.yaml",
        "".join(
            f"- {{date: '{d}', id: e-{_id_part(d)}, title: Event {d}, countries: [TJ], "
            f"sources: [{{url: 'https://a.example/'}}]}}\n"
            for d in dates
        ),
    )
    result = run_timeline("build", str(tmp_path))
    assert result.code == 0, result.err
    return tmp_path / "site"


def _jump_entries(page: str) -> list[tuple[str, str, str]]:
    nav = re.search(r'<nav class="years-nav".*?</nav>', page, re.DOTALL).group(0)
    return re.findall(r'<a href="([^"]*)">([^<]*) <span class="n">(\d+)</span>', nav)


def _options(page: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select name="{name}">(.*?)</select>', page).group(1)
    return re.findall(r'<option value="([^"]+)">([^<]*)</option>', select)


def test_a_year_given_by_no_event_is_named_nowhere(tmp_path: Path) -> None:
    """`201X` is filed under 2010 and `20XX` under 2000, where their spans start. Where the
    year holds nothing else (2010), everything that leads there names the span: the event's
    breadcrumb, the year's heading and page, the jump list, the years filter, the overview
    line, the browse links and the terms' ranges; the chart counts neither in a year, and
    says so. Where the year has events of its own (2000), it keeps its number and count."""
    site = _coarse_site(tmp_path, ["20XX", "2000", "201X", "2012", "2024"])
    index = (site / "index.html").read_text(encoding="utf-8")
    # from the first event's year to the last's: the first is dated 2000-2099
    stats = "5 events, from 2000–2099 (year unknown) to 2024 · 1 country"
    assert f'<p class="stats">{stats}</p>' in index
    assert _jump_entries(index) == [
        ("#y2000", "2000–2099 (year unknown)", "1"),
        ("#y2000", "2000", "1"),
        ("#y2010", "2010s", "1"),
        ("#y2012", "2012", "1"),
        ("#y2024", "2024", "1"),
    ]
    # the chart: a bar for each year an event names, none for 2010
    bars = re.findall(r"<title>(\d+): (\d+) events?", index)
    assert bars == [("2000", "1"), ("2012", "1"), ("2024", "1")]
    assert "2 events dated only to a decade or century are not shown." in index
    assert re.findall(r'<h2 class="year-h" id="y(\d+)-h">([^<]*)</h2>', index) == [
        ("2000", "2000"),
        ("2010", "2010s"),
        ("2012", "2012"),
        ("2024", "2024"),
    ]
    assert _options(index, "from") == [
        ("2000", "2000"),
        ("2010", "2010s"),
        ("2012", "2012"),
        ("2024", "2024"),
    ]
    # to the 2010s is to their last year, in order among the others
    assert _options(index, "to") == [
        ("2000", "2000"),
        ("2012", "2012"),
        ("2019", "2010s"),
        ("2024", "2024"),
    ]
    assert '<li><a href="./years/2010/">2010s</a></li>' in index  # the links without JS
    page = (site / "events" / "e-201x" / "index.html").read_text(encoding="utf-8")
    assert '<li><a href="../../years/2010/">2010s</a></li>' in page
    page = (site / "events" / "e-20xx" / "index.html").read_text(encoding="utf-8")
    assert '<li><a href="../../years/2000/">2000–2099 (year unknown)</a></li>' in page
    year = (site / "years" / "2010" / "index.html").read_text(encoding="utf-8")
    assert "<title>2010s · Coarse dates</title>" in year
    assert "<h1>2010s</h1>" in year
    assert '<meta property="og:title" content="2010s">' in year
    assert 'href="../../?from=2010&amp;to=2019">Show in the filterable timeline' in year
    assert '<span class="dir">Later →</span> 2012</a>' in year
    later = (site / "years" / "2012" / "index.html").read_text(encoding="utf-8")
    assert '<span class="dir">← Earlier</span> 2010s</a>' in later
    assert "<h1>2000</h1>" in (site / "years" / "2000" / "index.html").read_text("utf-8")
    countries = (site / "countries" / "index.html").read_text(encoding="utf-8")
    assert '<span class="range">from 2000–2099 (year unknown) to 2024</span>' in countries
    for path in [site / "index.html", *site.glob("*/**/*.html")]:
        # no label "2010" anywhere but on the chart's axis, which marks every fifth year
        text = re.sub(r"<svg.*?</svg>", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
        assert not re.search(r">2010(?:<| <span)", text), path


def test_a_timeline_that_starts_with_a_decade_says_so(tmp_path: Path) -> None:
    """The overview line and a term's range start with the decade; the chart's note counts it."""
    site = _coarse_site(tmp_path, ["201X", "2012", "2024"])
    index = (site / "index.html").read_text(encoding="utf-8")
    assert '<p class="stats">3 events, 2010s–2024 · 1 country</p>' in index
    assert "1 event dated only to a decade or century is not shown." in index
    countries = (site / "countries" / "index.html").read_text(encoding="utf-8")
    assert '<span class="range">2010s–2024</span>' in countries
    site = _coarse_site(tmp_path, ["20XX", "2024-05"])
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "2 events, from 2000–2099 (year unknown) to 2024" in index
    assert "1 event is dated less precisely than a month and not counted in the bars." in index


def test_the_overview_line_runs_to_the_latest_end_as_a_terms_range_does(tmp_path: Path) -> None:
    """An interval filed under its start (2001/2021) outlasts the last event filed (2015):
    the overview line and the country's range both run to its end; an open end says
    "from"."""
    site = _coarse_site(tmp_path, ["2001/2021", "2010", "2015"])
    index = (site / "index.html").read_text(encoding="utf-8")
    assert '<p class="stats">3 events, 2001–2021 · 1 country</p>' in index
    countries = (site / "countries" / "index.html").read_text(encoding="utf-8")
    assert '<span class="range">2001–2021</span>' in countries
    site = _coarse_site(tmp_path, ["2001", "2010/..", "2015"])
    index = (site / "index.html").read_text(encoding="utf-8")
    assert '<p class="stats">3 events, from 2001 · 1 country</p>' in index


def test_periods_of_a_split_list_name_a_decade_not_its_first_year(tmp_path: Path) -> None:
    site = _coarse_site(tmp_path, ["201X", "2012", "2013", "2024"], events_per_page="2")
    periods = re.findall(
        r'data-period="\d+">([^<]*) <span class="n">',
        (site / "index.html").read_text(encoding="utf-8"),
    )
    assert periods == ["2010s–2012", "2013–2024"]


def test_timeline_events_carry_what_the_filters_need(built: Path) -> None:
    index = (built / "index.html").read_text(encoding="utf-8")
    item = re.search(r'<li class="event [^"]*" id="rocket-fire"[^>]*>', index).group(0)
    assert 'data-country="af tj"' in item
    assert 'data-actor="islamic-state-khorasan-province"' in item
    assert 'data-category="attack"' in item
    assert 'data-tag="rockets border-security"' in item
    assert 'data-from="2021" data-to="2023"' in item
    assert "is-span" in item and "imp-2" in item
    # one ordered list per month, a year and month axis, precision and qualifiers in words
    assert index.count('<ol class="events">') == 8
    assert '<h2 class="year-h" id="y2021-h">2021</h2>' in index
    assert '<h3 class="month-h">October 2021</h3>' in index
    assert '<h3 class="month-h">2024, month not known</h3>' in index
    assert (
        '<time datetime="2021-10" class="date p-month approximate">'
        '<span aria-hidden="true">c. October 2021</span>' in index
    )
    assert '<span class="flag flag-approx" aria-hidden="true">approximate</span>' in index
    assert '<span class="flag flag-uncertain" aria-hidden="true">uncertain</span>' in index
    assert '<span class="flag flag-span" aria-hidden="true">span</span>' in index
    assert '<span class="flag flag-major">major</span>' in index
    # user text is marked for the bidirectional algorithm, on the block so it aligns too
    assert (
        '<h4 dir="auto" class="event-title"><a href="./events/dari-meeting/" dir="auto">'
        "دیدار هیئت طالبان با مقامات ازبکستان</a></h4>"
    ) in index
    assert index.count('<div class="summary" dir="auto">') == 9


def test_chart_bars_link_to_month_headings_that_exist(built: Path) -> None:
    index = (built / "index.html").read_text(encoding="utf-8")
    chart = re.search(r"<svg class=\"chart\".*?</svg>", index, re.S).group(0)
    targets = re.findall(r'<a href="#([^"]+)"', chart)
    assert targets and all(f'id="{t}"' in index for t in targets)
    assert "#y2023-10" in chart
    # the legend names every category with its count; years can be jumped to
    assert re.search(r">Attack</a> <span class=\"n\">3</span>", index)
    assert re.search(r">No category</span> <span class=\"n\">1</span>", index)
    for year in (2021, 2022, 2023, 2024):
        assert f'<a href="#y{year}">{year} <span class="n">' in index


def test_event_page_has_sources_related_neighbours_and_a_citation(built: Path) -> None:
    page = html.unescape((built / "events/rocket-fire/index.html").read_text(encoding="utf-8"))
    assert (
        '"Rocket fire into Tajikistan over two years" (October 2021 – October 2023). '
        "In: Theme Test Timeline. https://ex.org/t/events/rocket-fire/"
    ) in page
    assert 'href="../../articles/wire-report/"' in page  # source: our article page
    assert 'href="https://wire.example/border-report"' in page  # and the original
    related = re.search(r'<section class="related".*?</section>', page, re.S).group(0)
    assert "termez-claim" in related  # shares ISKP and the rockets tag
    assert related.count("<li>") <= 5
    assert 'rel="prev" href="../../events/csto-drills/"' in page
    assert 'rel="next" href="../../events/termez-claim/"' in page


def test_article_and_term_pages_list_their_events_as_timelines(built: Path) -> None:
    article = (built / "articles/wire-report/index.html").read_text(encoding="utf-8")
    assert "By Jane Doe, John Roe" in article and "Example Wire" in article
    assert 'id="rocket-fire"' in article and 'id="border-clash"' in article
    assert 'id="kabul-falls"' not in article
    term = (built / "countries/tj/index.html").read_text(encoding="utf-8")
    ids = re.findall(r'<li class="event [^"]*" id="([^"]+)"', term)
    assert ids == ["csto-drills", "rocket-fire", "border-clash", "rahmon-warning"]
    assert 'href="../../?country=tj"' in term  # the same view, filterable


class ArticleTerms(HTMLParser):
    """The countries and tags an article's page or the list of articles shows: for each
    `.article-terms`, each term's text, link (None: plain text) and `dir`."""

    def __init__(self) -> None:
        super().__init__()
        self.lists: list[list[tuple[str, str | None, str | None]]] = []
        self._depth = 0  # open elements inside an .article-terms, itself included
        self._item: list | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if not self._depth and "article-terms" in (a.get("class") or "").split():
            self.lists.append([])
            self._depth = 1
            return
        if self._depth:
            self._depth += 1
            if tag == "a" or (tag == "span" and not a.get("class")):  # not a label
                self._item = ["", a.get("href") if tag == "a" else None, a.get("dir")]

    def handle_endtag(self, tag: str) -> None:
        if self._depth:
            self._depth -= 1
            if self._item is not None:
                self.lists[-1].append(tuple(self._item))
                self._item = None

    def handle_data(self, data: str) -> None:
        if self._item is not None:
            self._item[0] += data


def article_terms(page: Path) -> list[list[tuple[str, str | None, str | None]]]:
    parser = ArticleTerms()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.lists


def test_an_article_shows_its_countries_and_tags_linked_where_they_have_pages(built) -> None:
    """The fixture article names TJ, Afghanistan (by name) and Pakistan, and the tags
    border-security (events use it) and water-rights (none does): only the terms events use
    have pages, and only those are links, on its page and in the list of articles."""
    page = built / "articles/wire-report/index.html"
    listing = built / "articles/index.html"
    assert not (built / "countries/pk").exists() and not (built / "tags/water-rights").exists()
    for shown, root in ((page, "../../"), (listing, "../")):
        (items,) = article_terms(shown)
        assert items == [
            ("Tajikistan", root + "countries/tj/", "auto"),
            ("Afghanistan", root + "countries/af/", "auto"),
            ("Pakistan", None, "auto"),
            ("border-security", root + "tags/border-security/", "auto"),
            ("water-rights", None, "auto"),
        ], shown
        for _, href, _ in items:
            if href is not None:
                assert (shown.parent / href / "index.html").resolve().is_file(), (shown, href)
    text = page.read_text(encoding="utf-8")
    assert "<dt>Countries</dt>" in text and "<dt>Tags</dt>" in text
    assert check_links(built) == []  # every link of the site, these included, resolves


def test_citation_without_a_base_url_leaves_the_address_to_the_reader(tmp_path: Path) -> None:
    """A path such as /events/x/ is no address to cite (and wrong under a sub-path): the page
    says where the address is, and cite.js adds it (see test_citation_browser.py)."""
    shutil.copytree(FIXTURE, tmp_path / "p")
    assert run_timeline("build", str(tmp_path / "p")).code == 0
    page = html.unescape((tmp_path / "p/site/events/kabul-falls/index.html").read_text("utf-8"))
    citation = '"Taliban take Kabul" (15 August 2021). In: Theme Test Timeline.</code>'
    assert citation in page
    assert "from your browser’s address bar" in page
    assert re.search(r'<script src="\.\./\.\./static/cite\.[0-9a-f]{8}\.js" defer>', page)


def test_a_project_theme_overrides_one_template_only(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(FIXTURE, project)
    site_yaml = project / "content/site.yaml"
    site_yaml.write_text(
        site_yaml.read_text(encoding="utf-8").replace(
            "language: en", "language: en\ntheme: custom"
        ),
        encoding="utf-8",
    )
    write(
        project / "themes/custom/templates/event.html",
        """\
        {% extends "base.html" %}
        {% block main %}<h1 class="custom">{{ event.title }}</h1>{% endblock %}
        """,
    )
    write(project / "themes/custom/static/extra.css", ":root { --accent: #8a1538; }\n")
    result = run_timeline("build", str(project))
    assert result.code == 0, result.err
    event = (project / "site/events/kabul-falls/index.html").read_text(encoding="utf-8")
    assert '<h1 class="custom">Taliban take Kabul</h1>' in event
    assert 'class="site-header"' in event  # base.html still comes from the default theme
    index = (project / "site/index.html").read_text(encoding="utf-8")
    assert 'class="overview"' in index and 'class="custom"' not in index
    # an extra stylesheet is linked after the default one, on every page
    links = re.findall(r'<link rel="stylesheet" href="\./static/([^"]+)">', index)
    assert [name.split(".")[0] for name in links] == ["style", "extra"]
    assert "#8a1538" in (project / "site/static" / links[1]).read_text(encoding="utf-8")
    default = (FIXTURE / "content/site.yaml").read_text(encoding="utf-8")
    assert "theme:" not in default  # the fixture's own build links no extra.css


def test_year_span_of_dates_and_intervals() -> None:
    assert year_span(parse_edtf("2023-10-13")) == (2023, 2023)
    assert year_span(parse_edtf("201X")) == (2010, 2019)
    assert year_span(parse_edtf("2021-10/2023-10")) == (2021, 2023)
    assert year_span(parse_edtf("2021/..")) == (2021, None)
    assert year_span(parse_edtf("../2023")) == (None, 2023)
    assert year_span(parse_edtf("2021/")) == (2021, 2021)


def test_related_events_share_actors_or_tags_and_are_capped() -> None:
    timeline, report, _ = make_timeline(FIXTURE, BuildOptions())
    assert timeline is not None, report
    related = related_events(timeline, limit=3)
    assert set(related) == {e.id for e in timeline.events}
    for event_id, others in related.items():
        assert len(others) <= 3 and event_id not in [o.id for o in others]
    assert [o.id for o in related["termez-claim"]][:2] == ["rocket-fire", "rahmon-warning"]
    # the Taliban's other events first, the nearest in time first among equals
    assert [o.id for o in related["kabul-falls"]] == [
        "dari-meeting",
        "border-clash",
        "embassy-talks",
    ]


def test_ranking_related_events_ahead_gives_the_same_events(tmp_path: Path) -> None:
    """A cold build ranks a run of events at the first one's page (`RelatedEvents.ahead`):
    asked in any order, every event gets the events ranking it alone gives."""
    import random
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    from corpus import generate

    generate(tmp_path, 600, 10, seed=11)
    timeline, report, _ = make_timeline(tmp_path, BuildOptions())
    assert timeline is not None, report.sorted()
    alone = RelatedEvents(timeline)
    ahead = RelatedEvents(timeline, ahead=64)
    events = list(timeline.events)
    random.Random(4).shuffle(events)
    for event in events[:200]:  # each answer ranks up to 63 more, most of them unasked
        assert ahead.of(event) == alone.of(event), event.id
    assert len(ahead.found) > 400  # far more than the 200 asked for
    for event in events:
        assert ahead.of(event) == alone.of(event), event.id


def _ranked_by_the_rule(timeline, event, limit: int = 5) -> list[str]:
    """Related event ids as `RelatedEvents.rank` documents the rule, by a full sort."""
    import math

    from builder.related import NEIGHBOURS, WEIGHTS, WINDOW, day_number

    scores: dict[str, float] = {}
    for taxonomy in ("actors", "tags"):
        terms = {term.key: term for term in timeline.taxonomies[taxonomy]}
        for key in getattr(event, taxonomy):
            members = terms[key].events
            if len(members) < 2:
                continue
            place = members.index(event)
            weight = WEIGHTS[taxonomy] / math.log2(len(members) + 1)
            for other in members[max(0, place - WINDOW) : place + WINDOW + 1]:
                scores[other.id] = scores.get(other.id, 0.0) + weight
    place = timeline.events.index(event)
    for other in timeline.events[max(0, place - NEIGHBOURS) : place + NEIGHBOURS + 1]:
        scores.setdefault(other.id, 0.0)
    scores.pop(event.id, None)
    by_id = timeline.events_by_id
    ranked = []
    for other_id, score in scores.items():
        days = abs(day_number(by_id[other_id]) - day_number(event))
        score += 1.0 / (1.0 + days / 30.0)
        if event.category and by_id[other_id].category == event.category:
            score += 0.5
        ranked.append((-score, days, other_id))
    return [entry[2] for entry in sorted(ranked)[:limit]]


def test_related_events_are_those_the_rule_ranks_first(tmp_path: Path) -> None:
    """Ranking reads each window's facts in a run and scores each candidate once: the
    events chosen are those the documented rule, summed and sorted plainly, puts first."""
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    from corpus import generate

    generate(tmp_path, 600, 10, seed=12)
    timeline, report, _ = make_timeline(tmp_path, BuildOptions())
    assert timeline is not None, report.sorted()
    finder = RelatedEvents(timeline)
    shared = 0
    for event in timeline.events:
        chosen = [other.id for other in finder.of(event)]
        assert chosen == _ranked_by_the_rule(timeline, event), event.id
        shared += bool(set(event.actors) & {a for o in finder.of(event) for a in o.actors})
    assert shared > 300  # most events share an actor with one they are related to


BCE_DATES = ["-0048-08-09", "-0044", "-0044-03-15", "-0044-05", "0000", "0001-05"]


def _text_outside_charts(path: Path) -> str:
    return re.sub(r"<svg.*?</svg>", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_years_before_1_are_named_as_bce_wherever_a_year_is_named(tmp_path: Path) -> None:
    """EDTF numbers years astronomically: -0044 is 45 BCE and 0000 is 1 BCE, as the dates
    already say. Headings, the jump list, the years filter, the chart, year pages and the
    periods of a split list name them so too; the paths keep the astronomical number."""
    site = _coarse_site(tmp_path / "one", BCE_DATES)
    index = (site / "index.html").read_text(encoding="utf-8")
    assert _jump_entries(index) == [
        ("#y-48", "49 BCE", "1"),
        ("#y-44", "45 BCE", "3"),
        ("#y0", "1 BCE", "1"),
        ("#y1", "1", "1"),
    ]
    assert re.findall(r'<h2 class="year-h" id="y(-?\d+)-h">([^<]*)</h2>', index) == [
        ("-48", "49 BCE"),
        ("-44", "45 BCE"),
        ("0", "1 BCE"),
        ("1", "1"),
    ]
    assert re.findall(r'<h3 class="month-h">([^<]*)</h3>', index) == [
        "August 49 BCE",
        "45 BCE, month not known",
        "March 45 BCE",
        "May 45 BCE",
        "1 BCE, month not known",
        "May 1",
    ]
    years = [("-48", "49 BCE"), ("-44", "45 BCE"), ("0", "1 BCE"), ("1", "1")]
    assert _options(index, "from") == years and _options(index, "to") == years
    chart = re.search(r"<svg.*?</svg>", index, re.DOTALL).group(0)
    assert re.findall(r"<title>([^<:]*): (\d+) events?", chart) == [
        ("49 BCE", "1"),
        ("45 BCE", "3"),
        ("1 BCE", "1"),
        ("1", "1"),
    ]
    # the axis marks every fifth year as readers count them
    assert re.findall(r'<text x="\d+" y="123">([^<]*)</text>', chart)[:3] == [
        "49 BCE",
        "45 BCE",
        "40 BCE",
    ]
    assert '<p class="stats">6 events, from 49 BCE to 1 · 1 country</p>' in index
    year = (site / "years" / "-44" / "index.html").read_text(encoding="utf-8")
    assert "<title>45 BCE · Coarse dates</title>" in year and "<h1>45 BCE</h1>" in year
    assert '<span class="dir">← Earlier</span> 49 BCE</a>' in year
    assert '<span class="dir">Later →</span> 1 BCE</a>' in year
    assert "<h1>1 BCE</h1>" in (site / "years" / "0" / "index.html").read_text("utf-8")
    for path in [site / "index.html", *site.glob("*/**/*.html")]:
        # no year named as a number below 1 (an event's page gives its EDTF too, as code)
        assert not re.search(r"(?<!<code)>-\d|\b0(?:<| <span)", _text_outside_charts(path)), path

    split = _coarse_site(tmp_path / "split", BCE_DATES, events_per_page="2")
    periods = re.findall(
        r'data-period="\d+">([^<]*) <span class="n">',
        (split / "index.html").read_text(encoding="utf-8"),
    )
    assert periods == ["49 BCE", "January–March 45 BCE", "May 45 BCE", "from 1 BCE to 1"]
    assert run_timeline("check", str(tmp_path / "split"), "--links").code == 0
