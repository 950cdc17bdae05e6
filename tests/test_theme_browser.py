"""The default theme in a real browser: filters, search, order, URLs, no-JS, print, axe.

A fixture project (tests/fixtures/theme) is built with the real CLI and served by a real
HTTP server on 127.0.0.1 from a sub-path (/tl/), as on GitHub Pages project sites; headless
Chromium drives it through Playwright. What the filters should show is computed from the
site's own events.json, so the page's DOM filtering is checked against the data export.
Screenshots of the timeline at 375 and 1280 px, light and dark, go to tests/artifacts/.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from conftest import REPO, run_timeline, write
from playwright.sync_api import Browser, Page
from sitehttp import opened

from builder.text import slugify

FIXTURE = Path(__file__).parent / "fixtures" / "theme"
ARTIFACTS = Path(__file__).parent / "artifacts"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SUB_PATH = "/tl/"
VISIBLE_EVENT_IDS = """els => els.filter(e => e.offsetParent !== null).map(e => e.id)"""
FACETS = {"country": "countries", "actor": "actors", "category": "category", "tag": "tags"}


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves files quietly and remembers every path that was not found."""

    missing: list[str]

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None):
        if code == 404:
            self.missing.append(self.path)
        super().send_error(code, message, explain)


class Server:
    """A real HTTP server on 127.0.0.1 serving `root`, running in a thread."""

    def __init__(self, root: Path) -> None:
        handler = type("Handler", (_Handler,), {"missing": []})
        self.missing: list[str] = handler.missing
        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(root))
        )
        self.origin = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def build_into(project: Path, out: Path) -> None:
    """Build `project` with the real CLI into `out`, for publishing under the sub-path."""
    base_url = "https://example.org" + SUB_PATH
    result = run_timeline("build", str(project), "-o", str(out), "--base-url", base_url)
    assert result.code == 0, result.err


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    """The fixture project, built and served from the sub-path /tl/."""
    root = tmp_path_factory.mktemp("served")
    project = root / "project"
    shutil.copytree(FIXTURE, project)
    build_into(project, root / "tl")
    server = Server(root)
    yield server, root / "tl"
    server.close()


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Open a URL in a fresh browser context (own cookies, colour scheme, JS on or off)."""
    contexts = []

    def open_(url: str, width: int = 1280, scheme: str = "light", js: bool = True) -> Page:
        context = browser.new_context(
            viewport={"width": width, "height": 900}, color_scheme=scheme, java_script_enabled=js
        )
        contexts.append(context)
        return opened(context, url)

    yield open_
    for context in contexts:
        context.close()


def events_data(site_dir: Path) -> list[dict]:
    """The built site's events.json events."""
    return json.loads((site_dir / "events.json").read_text(encoding="utf-8"))["events"]


def slugs_of(event: dict, facet: str) -> set[str]:
    """The term slugs an event has for a facet, as the filter form's values are written."""
    value = event[FACETS[facet]]
    values = [value] if isinstance(value, str) else (value or [])
    return {slugify(v) for v in values}


def visible_ids(page: Page) -> list[str]:
    """Ids of the events shown, in page order."""
    return page.eval_on_selector_all("li.event", VISIBLE_EVENT_IDS)


def timeline_url(server: Server, query: str = "") -> str:
    """The served timeline's address, with an optional query (`?country=tj`)."""
    return server.origin + SUB_PATH + query


def facet_box(page: Page, facet: str, value: str):
    """The checkbox of one facet value."""
    return page.locator(f'#filters input[name="{facet}"][value="{value}"]')


def count_beside(page: Page, facet: str, value: str) -> int:
    """The count shown beside a facet value."""
    return int(facet_box(page, facet, value).locator("xpath=..").locator(".n").inner_text())


def open_facet(page: Page, facet: str) -> None:
    """Open the facet's disclosure (actors and tags start closed)."""
    page.eval_on_selector(f'#filters details[data-facet="{facet}"]', "d => { d.open = true; }")


# --- Filtering ---------------------------------------------------------------------------


@pytest.mark.parametrize("facet", ["country", "actor", "category", "tag"])
def test_each_facet_value_shows_exactly_its_events(site, open_page, facet: str) -> None:
    server, site_dir = site
    events = events_data(site_dir)
    page = open_page(timeline_url(server))
    open_facet(page, facet)
    values = page.eval_on_selector_all(
        f'#filters input[name="{facet}"]', "els => els.map(e => e.value)"
    )
    expected_values = set().union(*(slugs_of(e, facet) for e in events))
    assert set(values) == expected_values
    for value in values:
        expected = [e["id"] for e in events if value in slugs_of(e, facet)]
        assert count_beside(page, facet, value) == len(expected), value
        facet_box(page, facet, value).check()
        assert visible_ids(page) == expected, value
        assert f"{facet}={value}" in page.url
        assert page.locator("#status").inner_text() == (
            f"Showing {len(expected)} of {len(events)} events"
        )
        facet_box(page, facet, value).uncheck()
    assert len(visible_ids(page)) == len(events)
    assert page.errors == []


def test_values_of_one_facet_add_up_and_facets_narrow_each_other(site, open_page) -> None:
    server, site_dir = site
    events = events_data(site_dir)
    page = open_page(timeline_url(server))
    facet_box(page, "country", "tj").check()
    facet_box(page, "country", "uz").check()
    either = [e["id"] for e in events if {"tj", "uz"} & slugs_of(e, "country")]
    assert visible_ids(page) == either
    facet_box(page, "category", "attack").check()
    both = [
        e["id"]
        for e in events
        if {"tj", "uz"} & slugs_of(e, "country") and e["category"] == "attack"
    ]
    assert visible_ids(page) == both == ["rocket-fire", "termez-claim"]
    # counts beside other countries say what adding them would show (within attacks);
    # counts beside categories say what each category would show within TJ or UZ
    assert count_beside(page, "country", "af") == 3
    assert count_beside(page, "country", "ru") == 0
    assert count_beside(page, "category", "diplomacy") == 3
    assert count_beside(page, "category", "border-incident") == 1
    label = facet_box(page, "country", "ru").locator("xpath=..")
    assert "zero" in (label.get_attribute("class") or "")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("rocket", ["rocket-fire", "termez-claim"]),
        ("iskp", ["termez-claim", "rahmon-warning"]),  # title and summary
        ("khorasan", ["rocket-fire", "termez-claim", "rahmon-warning"]),  # actor names
        ("Moscow  EMBASSY", ["embassy-talks"]),  # every word, any case
        ("طالبان", ["dari-meeting"]),
        ("محمد نبی", ["dari-meeting"]),  # typed without the summary's vowel points
        ("zzz-nothing", []),
    ],
)
def test_search_over_titles_summaries_and_actors(site, open_page, query, expected) -> None:
    server, _ = site
    page = open_page(timeline_url(server))
    page.fill("#q", query)
    assert visible_ids(page) == expected
    assert page.locator("#no-match").is_visible() == (not expected)


def test_a_short_result_sits_right_under_the_count(site, open_page) -> None:
    """Beside the filters, which are taller than one result, the count and order keep their
    own height: the filters' height went to both rows of the layout, and put 200 px of
    empty space between the count and a lone result."""
    server, _ = site
    page = open_page(timeline_url(server, "?q=moscow+embassy"), width=1280)
    assert visible_ids(page) == ["embassy-talks"]
    box = page.eval_on_selector(
        "#toolbar",
        """bar => { const r = bar.getBoundingClientRect(), side = document.querySelector('.side');
          const first = [...document.querySelectorAll('li.event')].find(li => li.offsetParent);
          return { bar: r.height, gap: first.getBoundingClientRect().top - r.bottom,
                   side: side.getBoundingClientRect().height }; }""",
    )
    assert box["side"] > 600, box  # the filters are the taller column
    assert box["bar"] < 110 and box["gap"] < 150, box


def test_year_range_keeps_events_overlapping_it(site, open_page) -> None:
    server, site_dir = site
    events = events_data(site_dir)
    page = open_page(timeline_url(server))
    page.select_option('#filters select[name="from"]', "2022")
    page.select_option('#filters select[name="to"]', "2023")
    expected = [
        e["id"]
        for e in events
        if date.fromisoformat(e["start"]).year <= 2023 and date.fromisoformat(e["end"]).year >= 2022
    ]
    assert "rocket-fire" in expected  # the 2021-2023 span overlaps
    assert visible_ids(page) == expected
    assert "from=2022" in page.url and "to=2023" in page.url
    assert page.locator("#y2021").is_visible()  # where the span starts
    # empty years are hidden, and so are their jump links
    page.select_option('#filters select[name="from"]', "2024")
    page.select_option('#filters select[name="to"]', "")
    assert visible_ids(page) == ["aid-convoy", "embassy-talks"]
    assert not page.locator("#y2021").is_visible()
    assert not page.locator('.years-nav a[href="#y2021"]').is_visible()
    assert page.locator('.years-nav a[href="#y2024"]').is_visible()


#: Events dated to centuries (19XX, 20XX) and a decade (201X), filed under 1900, 2000 and
#: 2010; 2000 also holds an event of its own.
COARSE_DATES = ["19XX", "20XX", "2000", "201X", "2012", "2024"]


@pytest.fixture(scope="module")
def coarse_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A project of one event per date in COARSE_DATES (ids e-20xx, e-2000, …), served."""
    root = tmp_path_factory.mktemp("coarse")
    project = root / "project"
    write(project / "content" / "site.yaml", "title: Coarse dates\n")
    write(
        project / "content" / "events" / "all.yaml",
        "".join(
            f"- {{date: '{d}', id: e-{d.lower()}, title: Event {d}, "
            "sources: [{url: 'https://a.example/'}]}\n"
            for d in COARSE_DATES
        ),
    )
    build_into(project, root / "tl")
    server = Server(root)
    yield server.origin + SUB_PATH
    server.close()


def test_a_decade_is_kept_by_any_year_range_its_span_overlaps(coarse_site, open_page) -> None:
    """201X may be any year of the 2010s: "from 2012" keeps it, as it keeps 20XX; the
    filter's "2010s" reaches to 2019 in `to`; the year page of 2010 (only 201X) links to
    the timeline filtered to the whole decade, and the form shows that range by name."""
    page = open_page(coarse_site)
    page.select_option('#filters select[name="from"]', "2012")
    assert visible_ids(page) == ["e-20xx", "e-201x", "e-2012", "e-2024"]
    page.select_option('#filters select[name="from"]', "")
    page.select_option('#filters select[name="to"]', label="2010s")
    assert visible_ids(page) == ["e-19xx", "e-20xx", "e-2000", "e-201x", "e-2012"]
    assert "to=2019" in page.url
    year = open_page(coarse_site + "years/2010/")
    assert year.locator("h1").inner_text() == "2010s"
    year.get_by_role("link", name="Show in the filterable timeline").click()
    year.wait_for_url("**/?from=2010&to=2019")
    assert visible_ids(year) == ["e-20xx", "e-201x", "e-2012"]
    chosen = "s => s.options[s.selectedIndex].text"
    assert year.eval_on_selector('#filters select[name="from"]', chosen) == "2010s"
    assert year.eval_on_selector('#filters select[name="to"]', chosen) == "2010s"
    assert page.errors == [] and year.errors == []


def test_a_year_and_its_century_leave_the_jump_list_together(coarse_site, open_page) -> None:
    """2000 holds 20XX and 2000, each with its own entry in the jump list: when the filters
    empty the year, neither entry stays."""
    page = open_page(coarse_site)
    entries = page.locator('.years-nav a[href="#y2000"]')
    assert entries.all_inner_texts() == ["2000–2099 (year unknown) 1", "2000 1"]
    page.fill("#q", "2024")
    assert visible_ids(page) == ["e-2024"]
    assert not page.locator("#y2000").is_visible()
    assert [entries.nth(i).is_visible() for i in range(2)] == [False, False]
    page.fill("#q", "")
    assert [entries.nth(i).is_visible() for i in range(2)] == [True, True]
    assert page.errors == []


def jump_entries(page: Page) -> list[str]:
    """The jump list's entries the reader can see, as they read: label and count."""
    return page.eval_on_selector_all(
        ".years-nav li",
        "els => els.filter(e => e.offsetParent !== null).map(e => e.innerText.trim())",
    )


def test_the_jump_list_counts_the_events_the_filters_leave(site, open_page) -> None:
    """Each year's number is the number of events shown in it, not the year's total; years
    the filters empty leave the list, and clearing the filters brings the totals back."""
    server, _ = site
    page = open_page(timeline_url(server))
    totals = ["2021 3", "2022 2", "2023 2", "2024 2"]
    assert jump_entries(page) == totals
    facet_box(page, "country", "tj").check()
    assert jump_entries(page) == ["2021 2", "2023 2"]
    page.fill("#q", "rocket")
    assert jump_entries(page) == ["2021 1"]
    page.locator("[data-clear]").first.click()
    assert jump_entries(page) == totals
    no_js = open_page(timeline_url(server, "?country=tj"), js=False)
    assert jump_entries(no_js) == totals
    assert page.errors == []


def test_a_year_and_its_century_are_counted_apart(coarse_site, open_page) -> None:
    """2000 holds 20XX and 2000: each entry counts its own events, so a filter that keeps
    the century only leaves the century's entry."""
    page = open_page(coarse_site + "?q=20xx")
    assert visible_ids(page) == ["e-20xx"]
    assert jump_entries(page) == ["2000–2099 (year unknown) 1"]
    page.select_option('#filters select[name="from"]', "2012")
    page.fill("#q", "")
    assert jump_entries(page) == ["2000–2099 (year unknown) 1", "2010s 1", "2012 1", "2024 1"]
    assert page.errors == []


@pytest.fixture(scope="module")
def bce_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A project of events in 45 BCE (-0044, two), 1 BCE (0000) and 1 CE (0001), served."""
    root = tmp_path_factory.mktemp("bce")
    project = root / "project"
    write(project / "content" / "site.yaml", "title: Before the era\n")
    dates = {"ides": "-0044-03-15", "turmoil": "-0044", "one-bce": "0000", "one-ce": "0001-05"}
    write(
        project / "content" / "events" / "all.yaml",
        "".join(
            f"- {{date: '{d}', id: {i}, title: Event {i}, sources: [{{url: 'https://a.example/'}}]}}\n"
            for i, d in dates.items()
        ),
    )
    build_into(project, root / "tl")
    server = Server(root)
    yield server.origin + SUB_PATH
    server.close()


def test_the_years_filter_takes_1_bce_as_a_year(bce_site, open_page) -> None:
    """1 BCE is year 0: choosing it is a filter like any other year, not "any"."""
    page = open_page(bce_site)
    assert jump_entries(page) == ["45 BCE 2", "1 BCE 1", "1 1"]
    page.select_option('#filters select[name="to"]', label="1 BCE")
    assert visible_ids(page) == ["turmoil", "ides", "one-bce"]
    assert page.url.endswith("?to=0")
    assert jump_entries(page) == ["45 BCE 2", "1 BCE 1"]
    page.select_option('#filters select[name="from"]', label="1 BCE")
    assert visible_ids(page) == ["one-bce"]
    fresh = open_page(bce_site + "?from=0")
    assert visible_ids(fresh) == ["one-bce", "one-ce"]
    assert page.errors == [] and fresh.errors == []


@pytest.mark.parametrize("width", [375, 1280])
def test_a_long_year_label_keeps_the_years_filter_in_its_column(
    coarse_site, open_page, width: int
) -> None:
    """ "1900–1999 (year unknown)" is the widest choice of both selects: they stay inside
    the filter form, and the page does not scroll sideways."""
    page = open_page(coarse_site, width=width)
    if width < 700:
        page.locator(".filters-toggle").click()
    form = page.locator("#filters").bounding_box()
    for name in ("from", "to"):
        box = page.locator(f'#filters select[name="{name}"]').bounding_box()
        assert box and form and box["x"] + box["width"] <= form["x"] + form["width"], name
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


@pytest.fixture(scope="module")
def new_project_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The project `timeline init` makes (two events two months apart), built and served."""
    root = tmp_path_factory.mktemp("init")
    assert run_timeline("init", str(root / "project")).code == 0
    build_into(root / "project", root / "tl")
    server = Server(root)
    yield server.origin + SUB_PATH
    server.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_a_chart_of_a_few_bars_is_not_blown_up_to_the_page_width(
    new_project_site, open_page, width: int
) -> None:
    """A chart of three months drew 72 units wide: stretched to the page, its "1" stood
    a hundred pixels tall and the chart took two screens of a new project's home page."""
    page = open_page(new_project_site, width=width)
    chart = page.locator("svg.chart").bounding_box()
    assert chart and chart["height"] <= 128 * 1.6 + 1, chart  # its drawn height, 1.6 times
    label = page.locator("svg.chart text").first.bounding_box()
    assert label and label["height"] <= 20, label
    assert page.locator(".timeline li.event").first.bounding_box()["y"] < 900


def test_major_only(site, open_page) -> None:
    server, site_dir = site
    page = open_page(timeline_url(server))
    page.check('#filters input[name="major"]')
    expected = [e["id"] for e in events_data(site_dir) if e["importance"] == 3]
    assert visible_ids(page) == expected == ["kabul-falls", "rahmon-warning"]


def test_clear_all_restores_everything(site, open_page) -> None:
    server, site_dir = site
    page = open_page(timeline_url(server, "?country=tj&q=border&sort=desc"))
    assert len(visible_ids(page)) < len(events_data(site_dir))
    page.locator("#filters [data-clear]").click()
    assert len(visible_ids(page)) == len(events_data(site_dir))
    assert page.input_value("#q") == ""
    assert "country=" not in page.url and "q=" not in page.url
    assert "sort=desc" in page.url  # the order is not a filter


# --- URL state and order -----------------------------------------------------------------


def test_a_filtered_url_loaded_fresh_gives_the_same_view(site, open_page) -> None:
    server, _ = site
    page = open_page(timeline_url(server))
    facet_box(page, "country", "af").check()
    open_facet(page, "tag")
    facet_box(page, "tag", "rockets").check()
    page.fill("#q", "rocket")
    page.select_option('#filters select[name="from"]', "2022")
    page.check('.toolbar input[value="desc"]')
    shown, url = visible_ids(page), page.url
    assert shown == ["termez-claim", "rocket-fire"]
    fresh = open_page(url)
    assert visible_ids(fresh) == shown
    assert fresh.input_value("#q") == "rocket"
    assert facet_box(fresh, "country", "af").is_checked()
    assert facet_box(fresh, "tag", "rockets").is_checked()
    assert fresh.input_value('#filters select[name="from"]') == "2022"
    assert fresh.locator('.toolbar input[value="desc"]').is_checked()
    assert fresh.url == url


def test_hand_written_urls_are_understood(site, open_page) -> None:
    server, _ = site
    page = open_page(timeline_url(server, "?country=TJ,UZ&category=attack"))
    assert visible_ids(page) == ["rocket-fire", "termez-claim"]
    assert facet_box(page, "country", "tj").is_checked()


#: Events whose terms and titles are written in Russian, Dari and Chinese.
SCRIPTS_EVENTS = """\
- date: 2023-10-13
  title: Переговоры в Кабуле
  tags: [Кабул, Душанбе]
  actors: [طالبان]
  sources: [{url: "https://a.example/x"}]
- date: 2023-10-14
  title: Talks in Душанбе
  tags: [Душанбе, 中国]
  sources: [{url: "https://a.example/y"}]
- date: 2023-10-15
  title: Аэропорт Кабула
  tags: [Кабул]
  sources: [{url: "https://a.example/z"}]
"""


@pytest.fixture(scope="module")
def scripts_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A project of SCRIPTS_EVENTS, served from the sub-path."""
    root = tmp_path_factory.mktemp("scripts")
    project = root / "project"
    write(project / "content" / "site.yaml", "title: Хроника\nlanguage: ru\n")
    write(project / "content" / "events" / "2023.yaml", SCRIPTS_EVENTS)
    build_into(project, root / "tl")
    server = Server(root)
    yield server
    server.close()


def test_terms_in_other_scripts_filter_and_link_by_their_transliteration(
    scripts_site: Server, open_page
) -> None:
    kabul = ["2023-10-13-peregovory-v-kabule", "2023-10-15-aeroport-kabula"]
    page = open_page(timeline_url(scripts_site, "?tag=kabul"))
    assert visible_ids(page) == kabul
    open_facet(page, "tag")
    assert facet_box(page, "tag", "kabul").is_checked()
    assert facet_box(page, "tag", "kabul").locator("xpath=..").inner_text().startswith("Кабул")
    facet_box(page, "tag", "kabul").uncheck()
    facet_box(page, "tag", "zhongguo").check()
    assert visible_ids(page) == ["2023-10-14-talks-in-dushanbe"]
    assert "tag=zhongguo" in page.url
    fresh = open_page(timeline_url(scripts_site, "?actor=tlbn"))
    assert visible_ids(fresh) == kabul[:1]
    fresh.goto(scripts_site.origin + SUB_PATH + f"events/{kabul[0]}/")
    fresh.get_by_role("link", name="Кабул", exact=True).first.click()
    fresh.wait_for_url("**/tl/tags/kabul/")
    assert fresh.locator("h1").inner_text() == "Кабул"
    assert fresh.eval_on_selector_all("li.event", "els => els.map(e => e.id)") == kabul
    assert page.errors == [] and fresh.errors == []
    assert scripts_site.missing == []


def test_sort_toggle_reverses_the_chronology_and_is_kept_in_the_url(site, open_page) -> None:
    server, site_dir = site
    chronological = [e["id"] for e in events_data(site_dir)]
    page = open_page(timeline_url(server))
    assert visible_ids(page) == chronological
    page.check('.toolbar input[value="desc"]')
    assert visible_ids(page) == chronological[::-1]
    assert "sort=desc" in page.url
    years = page.eval_on_selector_all(".timeline .year-h", "els => els.map(e => e.textContent)")
    assert years == ["2024", "2023", "2022", "2021"]
    page.reload()
    assert visible_ids(page) == chronological[::-1]
    page.check('.toolbar input[value="asc"]')
    assert visible_ids(page) == chronological
    assert "sort=" not in page.url


def test_filters_are_operable_by_keyboard(site, open_page) -> None:
    server, _ = site
    page = open_page(timeline_url(server))
    page.focus("#q")
    page.keyboard.type("rocket")
    page.keyboard.press("Enter")  # does not submit the form away
    assert visible_ids(page) == ["rocket-fire", "termez-claim"]
    box = facet_box(page, "category", "attack")
    for _ in range(60):
        page.keyboard.press("Tab")
        if box.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the category checkbox cannot be reached with Tab")
    page.keyboard.press("Space")
    assert box.is_checked()
    assert "category=attack" in page.url
    # focus is visible: the focused checkbox has an outline
    assert box.evaluate("el => getComputedStyle(el).outlineStyle") != "none"


#: Whether focus is on one of the overview chart's bars.
FOCUS_IN_CHART = "document.activeElement.closest('svg.chart') !== null"


def focused_is(locator) -> bool:
    """Whether the element `locator` finds has the focus."""
    return locator.evaluate("el => el === document.activeElement")


def test_the_chart_is_one_tab_stop_and_arrow_keys_move_between_its_bars(site, open_page) -> None:
    """Each bar of the overview chart was a Tab stop of its own, all before the filters:
    a keyboard user tabbed through every month to reach them. The bars are now one stop,
    the arrow keys, Home and End moving between them; each is still named by its title."""
    server, _ = site
    page = open_page(timeline_url(server))
    bars = page.locator("svg.chart a")
    titles = [bars.nth(i).locator("title").text_content() for i in range(bars.count())]
    assert len(titles) > 3
    page.focus(".skip-filters")
    in_chart = []
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
        in_chart.append(page.evaluate(FOCUS_IN_CHART))
        if in_chart[-1]:  # the stop is the first bar, under its own name
            assert focused_is(page.get_by_role("link", name=titles[0], exact=True))
    else:
        pytest.fail("the search field cannot be reached with Tab")
    assert in_chart.count(True) == 1, in_chart

    bars.first.focus()
    page.keyboard.press("ArrowRight")
    assert focused_is(bars.nth(1))
    hit = bars.nth(1).locator("rect.hit")
    assert hit.evaluate("r => getComputedStyle(r).stroke") != "none"  # the focus ring
    page.keyboard.press("End")
    assert focused_is(bars.last)
    page.keyboard.press("ArrowDown")  # past the last bar: stays there
    assert focused_is(bars.last)
    page.keyboard.press("ArrowUp")
    assert focused_is(bars.nth(len(titles) - 2))
    page.keyboard.press("Home")
    assert focused_is(bars.first)
    page.keyboard.press("ArrowLeft")
    assert focused_is(bars.first)
    # Tab leaves the chart from any bar, and Shift+Tab comes back to the bar last focused
    page.keyboard.press("End")
    page.keyboard.press("Tab")
    assert not page.evaluate(FOCUS_IN_CHART)
    page.keyboard.press("Shift+Tab")
    assert focused_is(bars.last)
    href = bars.last.get_attribute("href")
    page.keyboard.press("Enter")  # follows the bar's link, as without the script
    page.wait_for_url(re.compile(re.escape(href) + "$"))


#: The focused element's text and what is drawn over its first line, if that is not the
#: element itself (nor what holds it).
FOCUS_COVERED_BY = """() => {
  const el = document.activeElement, r = el.getClientRects()[0];
  const top = document.elementFromPoint(r.left + Math.min(r.width / 2, 8), r.top + r.height / 2);
  const own = top && (el.contains(top) || top.contains(el));
  return [el.textContent.trim(), own ? '' : top ? top.className || top.tagName : 'nothing'];
}"""


@pytest.mark.parametrize("width", [375, 1280])
def test_tabbing_back_up_keeps_focus_clear_of_the_sticky_year(site, open_page, width) -> None:
    """Shift+Tab up the timeline scrolled each link just into view, which is under the
    year heading stuck to the top of the screen: the focused link could not be seen."""
    server, _ = site
    page = open_page(timeline_url(server), width=width)
    page.set_viewport_size({"width": width, "height": 480})
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.focus(".site-footer a")
    covered, visited = [], 0
    for _ in range(80):
        page.keyboard.press("Shift+Tab")
        if not page.evaluate("document.activeElement.closest('.timeline') !== null"):
            continue
        visited += 1
        text, cover = page.evaluate(FOCUS_COVERED_BY)
        if cover:
            covered.append((text, cover))
    assert visited > 20
    assert covered == []


# --- Without JavaScript, phones, print ---------------------------------------------------


def test_without_javascript_every_event_is_present(site, open_page) -> None:
    server, site_dir = site
    events = events_data(site_dir)
    page = open_page(timeline_url(server, "?country=tj&sort=desc"), js=False)
    assert visible_ids(page) == [e["id"] for e in events]
    assert not page.locator("#filters").is_visible()
    assert not page.locator("#toolbar").is_visible()
    # the taxonomy pages stand in for the filters, by links
    browse = page.locator("nav.browse")
    assert browse.is_visible()
    href = browse.get_by_role("link", name="Tajikistan").get_attribute("href")
    term = open_page(server.origin + SUB_PATH + href.removeprefix("./"), js=False)
    expected = [e["id"] for e in events if "TJ" in e["countries"]]
    assert visible_ids(term) == expected
    # the overview chart needs no script either: each bar is a link and a Tab stop
    bars = page.locator("svg.chart a")
    assert bars.count() > 3
    assert bars.evaluate_all("els => els.filter(a => a.tabIndex !== 0).length") == 0


@pytest.mark.parametrize("width", [320, 375, 768, 1280, 1920])
def test_no_horizontal_scrolling_at_any_width(site, open_page, width: int) -> None:
    server, _ = site
    for path in ["", "events/rocket-fire/", "articles/wire-report/", "articles/", "countries/tj/"]:
        page = open_page(server.origin + SUB_PATH + path, width=width)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)


#: A tag with no place to break a line, wider than a phone's screen.
LONG_TAG = "internationalsecuritycooperationagreementsandprogrammes"


@pytest.fixture(scope="module")
def long_tag_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture project with LONG_TAG on an event and an article, served; yields its URL."""
    root = tmp_path_factory.mktemp("long-tag")
    project = root / "project"
    shutil.copytree(FIXTURE, project)
    for path, old in [
        (project / "content/events/events.yaml", "tags: [takeover]"),
        (project / "content/articles/wire-report.md", "tags: [border-security, water-rights]"),
    ]:
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, old[:-1] + f", {LONG_TAG}]"), encoding="utf-8")
    build_into(project, root / "tl")
    server = Server(root)
    yield server.origin + SUB_PATH
    server.close()


@pytest.mark.parametrize("width", [320, 390, 1280])
def test_a_long_tag_breaks_inside_its_box(long_tag_site: str, open_page, width: int) -> None:
    """An event's facts, an article's terms and the articles list keep a long tag in view."""
    for path, box in [
        ("events/kabul-falls/", ".facts"),
        ("articles/wire-report/", ".article-terms"),
        ("articles/", ".article-list"),
    ]:
        page = open_page(long_tag_site + path, width=width)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)
        tag = page.locator(box).get_by_role("link", name=LONG_TAG).bounding_box()
        edge = page.locator(box).bounding_box()
        assert tag and edge and tag["x"] + tag["width"] <= edge["x"] + edge["width"], path


def test_filters_open_from_a_button_on_phones(site, open_page) -> None:
    server, _ = site
    page = open_page(timeline_url(server), width=375)
    toggle = page.locator(".filters-toggle")
    assert toggle.is_visible() and not page.locator("#q").is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator("#q").is_visible()
    facet_box(page, "country", "ru").check()
    assert toggle.inner_text().endswith("(1)")


def test_print_is_a_clean_list_with_source_addresses(site, open_page) -> None:
    server, _ = site
    page = open_page(timeline_url(server))
    page.emulate_media(media="print")
    for selector in [".site-header", ".site-footer", ".overview", "#filters", "#toolbar"]:
        assert not page.locator(selector).is_visible(), selector
    assert len(visible_ids(page)) == 9
    link = page.locator('#kabul-falls .src a[href="https://news.example/kabul"]')
    after = link.evaluate("a => getComputedStyle(a, '::after').content")
    assert "https://news.example/kabul" in after


def test_a_printed_filtered_list_says_it_is_filtered(site, open_page) -> None:
    """A filtered view printed the site's heading and its count of every event above a few
    of them, as if they were the whole timeline: the paper now says how many are shown."""
    server, _ = site
    page = open_page(timeline_url(server, "?country=tj"))
    page.emulate_media(media="print")
    status = page.locator("#status")
    assert status.is_visible()
    assert status.inner_text() == f"Showing {len(visible_ids(page))} of 9 events"
    for selector in [".filters-toggle", ".sort"]:
        assert not page.locator(selector).is_visible(), selector


def test_a_printed_filtered_list_names_its_filters(site, open_page) -> None:
    """A filtered view printed "Showing 2 of 9 events" without saying which filters left
    those: the page now names them under the count, on paper and on screen, as text
    whatever the address holds."""
    server, _ = site
    query = "?country=tj&category=attack&category=diplomacy&from=2022&major=1&q=%3Cb%3Eborder"
    page = open_page(timeline_url(server, query), width=375)
    line = page.locator("#filters-now")
    said = (
        "Search: “<b>border” · Years: from 2022 · Major events only · "
        "Category: Attack or Diplomacy · Country: Tajikistan"
    )
    assert line.is_visible()  # where the narrow screen folds the filters away
    assert line.inner_text() == said
    assert line.locator("*").count() == 0
    page.emulate_media(media="print")
    assert line.is_visible()
    assert line.inner_text() == said
    page.emulate_media(media="screen")
    page.locator("#no-match [data-clear]").click()
    assert not line.is_visible()
    assert page.locator("#status").inner_text() == "9 events"


#: An element's text as printed: its text with the text the print rules draw before and
#: after each element inside it (`content: " <" attr(href) ">"`).
PRINTED_TEXT = """el => {
  const drawn = (node, pseudo) => {
    const content = getComputedStyle(node, pseudo).content;
    return content.startsWith('"') ? content.slice(1, -1) : '';
  };
  const walk = node => node.nodeType === Node.TEXT_NODE ? node.textContent
    : node.nodeType !== Node.ELEMENT_NODE ? ''
    : drawn(node, '::before') + [...node.childNodes].map(walk).join('') + drawn(node, '::after');
  return walk(el);
}"""


@pytest.mark.parametrize(
    "path, box, address",
    [
        ("articles/wire-report/", ".original", "https://wire.example/border-report"),
        ("events/csto-drills/", ".sources", "https://news.example/drills"),  # no title
        ("events/kabul-falls/", ".sources", "https://news.example/kabul"),  # titled
        ("events/csto-drills/", ".summary", "https://news.example/drills"),  # an autolink
        ("", "#csto-drills .summary", "https://news.example/drills"),
    ],
)
def test_a_printed_address_is_written_once(site, open_page, path, box, address) -> None:
    """Print writes out each link's address after it, and a link whose text is already
    its address (an article's original, a source without a title, a summary's autolink)
    printed it twice."""
    server, _ = site
    page = open_page(server.origin + SUB_PATH + path)
    page.emulate_media(media="print")
    printed = page.locator(box).evaluate(PRINTED_TEXT)
    assert printed.count(address) == 1, printed


#: Each visible element's own text (a text node of its own) and that text's colour.
OWN_TEXT_COLOURS = """() => [...document.querySelectorAll('body *')]
  .filter(el => el.checkVisibility() && [...el.childNodes].some(
    node => node.nodeType === Node.TEXT_NODE && node.textContent.trim()))
  .map(el => [el.className, el.textContent.trim().slice(0, 40), getComputedStyle(el).color])"""


def contrast_on_white(css: str) -> float:
    """WCAG 2 contrast of a computed `rgb(r, g, b)` colour against white paper."""
    channels = [int(v) / 255 for v in css[css.index("(") + 1 : css.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = sum(w * c for w, c in zip((0.2126, 0.7152, 0.0722), linear, strict=True))
    return 1.05 / (luminance + 0.05)


@pytest.mark.parametrize("path", ["", "events/kabul-falls/", "articles/wire-report/"])
def test_printed_from_a_dark_screen_every_text_is_dark_on_white(site, open_page, path) -> None:
    """Printing keeps the screen's colour scheme, and paper is white without the page's
    backgrounds: no text may keep a dark scheme's light colour (the "major" flag did)."""
    server, _ = site
    page = open_page(server.origin + SUB_PATH + path, scheme="dark")
    page.emulate_media(media="print", color_scheme="dark")
    texts = page.evaluate(OWN_TEXT_COLOURS)
    assert texts
    faint = [text for text in texts if contrast_on_white(text[2]) < 4.5]
    assert faint == []


# --- What a screen reader says -----------------------------------------------------------


def read_aloud(locator) -> str:
    """The accessibility tree of an element as Chromium gives it to screen readers, without
    the link addresses (which are not read)."""
    lines = locator.aria_snapshot().splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("- /url:"))


def test_drawn_separators_are_not_read_aloud(site, open_page) -> None:
    """The "/" between breadcrumbs and the "·" between an article's byline parts are drawn
    by CSS; a screen reader read them out ("slash", "dot") between the links."""
    server, _ = site
    page = open_page(server.origin + SUB_PATH + "events/csto-drills/")
    crumbs = page.locator(".crumbs")
    assert crumbs.get_by_role("link").all_inner_texts() == ["Timeline", "2021"]
    drawn = crumbs.locator("li + li").evaluate("li => getComputedStyle(li, '::before').content")
    assert "/" in drawn
    assert "/" not in read_aloud(crumbs)
    page = open_page(server.origin + SUB_PATH + "articles/wire-report/")
    byline = page.locator(".byline")
    assert "·" in byline.locator("time").evaluate("t => getComputedStyle(t, '::before').content")
    assert "·" not in read_aloud(byline)


@pytest.fixture(scope="module")
def qualified_dates_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture project with one more event, approximate and uncertain at once (`%`),
    served; yields its URL."""
    root = tmp_path_factory.mktemp("qualified-dates")
    project = root / "project"
    shutil.copytree(FIXTURE, project)
    (project / "content/events/both.yaml").write_text(
        "id: both-qualified\ndate: 2004-06%\ntitle: Reported but unsure\n"
        "sources: [{url: 'https://news.example/unsure'}]\n",
        encoding="utf-8",
    )
    build_into(project, root / "tl")
    server = Server(root)
    yield server.origin + SUB_PATH
    server.close()


QUALIFIED_DATES = {
    "csto-drills": ("c. October 2021", "approximately October 2021", ["approximate"]),
    "border-clash": ("September 2023?", "September 2023 (uncertain)", ["uncertain"]),
    "both-qualified": (
        "c. June 2004?",
        "approximately June 2004 (uncertain)",
        ["approximate", "uncertain"],
    ),
    "rocket-fire": (
        "October 2021 – October 2023",
        "from October 2021 to October 2023",
        ["span"],
    ),
}


@pytest.mark.parametrize("event", list(QUALIFIED_DATES))
def test_a_qualified_date_is_said_once_in_words(qualified_dates_site, open_page, event) -> None:
    """ "c. March 2024" beside an "approximate" badge was read as "c dot March 2024
    approximate": a screen reader now hears the date once, in words, while the page still
    shows the mark and the badge, on screen and on paper."""
    shown, said, flags = QUALIFIED_DATES[event]
    timeline = open_page(qualified_dates_site)
    single = open_page(qualified_dates_site + f"events/{event}/")
    for when in (timeline.locator(f"#{event} .when"), single.locator(".event-head .when")):
        assert read_aloud(when) == f"- paragraph:\n  - time: {said}"
        for media in ("screen", "print"):
            when.page.emulate_media(media=media)
            assert when.locator("time > [aria-hidden=true]").inner_text() == shown
            assert when.locator(".flag").all_inner_texts() == [f.upper() for f in flags]
            assert all(flag.is_visible() for flag in when.locator(".flag").all()), media


@pytest.mark.parametrize(
    "path, said, shown",
    [
        ("categories/diplomacy/", "approximately October 2021", "c. October 2021"),
        ("categories/border-incident/", "September 2023 (uncertain)", "September 2023?"),
    ],
)
def test_a_term_page_says_its_dates_qualifiers_in_words(site, open_page, path, said, shown):
    """A term's page gave its first and last dates as bare text under its heading: a screen
    reader said "c dot October 2021" and nothing for the "?" of an uncertain date."""
    server, _ = site
    lead = open_page(server.origin + SUB_PATH + path).locator("main .lead")
    assert said in read_aloud(lead)
    assert shown not in read_aloud(lead)
    assert shown in lead.inner_text()


def test_the_articles_list_labels_countries_and_tags_for_every_reader(site, open_page) -> None:
    """The list of articles labelled an article's countries and tags for screen readers
    only: sighted readers saw a run of links without knowing which were which."""
    server, _ = site
    page = open_page(server.origin + SUB_PATH + "articles/")
    terms = page.locator(".article-list .article-terms")
    for label, first_term in (("Countries:", "Tajikistan"), ("Tags:", "border-security")):
        shown = terms.get_by_text(label, exact=True).bounding_box()
        term = terms.get_by_role("link", name=first_term).bounding_box()
        assert shown and term and shown["width"] > 20 and shown["height"] > 8, label
        assert shown["x"] + shown["width"] <= term["x"] and abs(shown["y"] - term["y"]) < 4
    words = " ".join(re.findall(r'- (?:text: "?|link ")(.*?)"?:?$', read_aloud(terms), re.M))
    assert words.replace(" ,", ",") == (
        "Countries: Tajikistan, Afghanistan, Pakistan Tags: border-security, water-rights"
    )


# --- Requests, accessibility, screenshots ------------------------------------------------


def test_no_request_leaves_the_origin_and_nothing_is_missing(site, open_page) -> None:
    server, _ = site
    requested: list[str] = []
    for path in ["", "events/kabul-falls/", "articles/wire-report/", "tags/rockets/", "404.html"]:
        page = open_page("about:blank")
        page.on("request", lambda request: requested.append(request.url))
        page.goto(server.origin + SUB_PATH + path)
        page.wait_for_load_state("networkidle")
    assert requested
    assert all(url.startswith(server.origin + SUB_PATH) for url in requested), requested
    assert server.missing == []


def run_axe(page: Page) -> list[dict]:
    """axe-core's violations on the page (every rule axe runs by default, contrast included).

    Contrast that axe could not decide because of what lies behind the text (a pseudo
    element, an image, an overlap) counts as a violation too, so no text escapes the check;
    only symbols (arrows in <kbd>) and the chart's SVG axis labels are left to axe's verdict.
    Months far from the viewport are not rendered (`content-visibility: auto`) and axe cannot
    see their colours, so every month is rendered for the check.
    """
    page.add_style_tag(content=".month { content-visibility: visible !important; }")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run()")
    undecided = [
        n["html"][:80]
        for v in result["incomplete"]
        if v["id"] == "color-contrast"
        for n in v["nodes"]
        if not n["html"].startswith("<text")
        and (n["any"][0].get("data") or {}).get("messageKey") not in ("nonBmp", "shortTextContent")
    ]
    problems = [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
    return problems + (
        [{"id": "color-contrast undecided", "nodes": undecided}] if undecided else []
    )


AXE_PAGES = {
    "timeline": "",
    "event": "events/rocket-fire/",
    "article": "articles/wire-report/",
    "articles": "articles/",
    "term": "countries/tj/",
    "taxonomy": "categories/",
    "year": "years/2022/",
    "search": "search/?q=rocket",
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("page_name", list(AXE_PAGES))
def test_axe_reports_no_violations(site, open_page, page_name: str, scheme: str) -> None:
    server, _ = site
    page = open_page(server.origin + SUB_PATH + AXE_PAGES[page_name], scheme=scheme)
    assert run_axe(page) == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_on_a_filtered_phone_view(site, open_page, scheme: str) -> None:
    server, _ = site
    page = open_page(timeline_url(server, "?category=attack&sort=desc"), width=375, scheme=scheme)
    page.locator(".filters-toggle").click()
    assert run_axe(page) == []


@pytest.fixture(scope="module")
def shipped_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    """The repository's own content/, built and served, when it has events."""
    if not any((REPO / "content" / "events").glob("*.yaml")):
        pytest.fail("content/events holds no events to check")
    root = tmp_path_factory.mktemp("shipped")
    build_into(REPO, root / "tl")
    server = Server(root)
    yield server, root / "tl"
    server.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_on_the_shipped_content(shipped_site, open_page, scheme: str) -> None:
    server, site_dir = shipped_site
    events = events_data(site_dir)
    article = next(p.parent.name for p in (site_dir / "articles").glob("*/index.html"))
    paths = [
        "",
        f"events/{events[len(events) // 2]['id']}/",
        f"articles/{article}/",
        f"categories/{slugify(events[0]['category'] or 'x')}/",
        "countries/",
    ]
    for path in paths:
        page = open_page(server.origin + SUB_PATH + path, scheme=scheme)
        assert page.errors == []
        assert run_axe(page) == [], path


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_screenshots_of_the_timeline(shipped_site, open_page, width: int, scheme: str) -> None:
    server, _ = shipped_site
    ARTIFACTS.mkdir(exist_ok=True)
    page = open_page(timeline_url(server), width=width, scheme=scheme)
    target = ARTIFACTS / f"timeline-{width}-{scheme}.png"
    page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000
    page.locator(".timeline .year").nth(1).scroll_into_view_if_needed()
    # Months come into rendering in the frame after they come near the viewport
    # (`content-visibility: auto`): take what the reader sees once that frame is painted.
    page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    events = ARTIFACTS / f"timeline-{width}-{scheme}-events.png"
    page.screenshot(path=str(events))
    assert events.stat().st_size > 10_000
