"""A split timeline in a real browser: filters count matches in every period and survive a
move to another period page; without JavaScript each period page is a complete list.

The project of tests/test_periods.py (27 events, five a page) is built with the real CLI for
a sub-path, served by a real HTTP server on 127.0.0.1 and driven in headless Chromium.
Kyrgyzstan (`kg`) is on events 9, 18 and 27, one each in January–March 2018, 2019–2020 and
2022 (the latest period, on index.html). axe-core checks the period pages, filtered too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_timeline
from playwright.sync_api import Browser, Page
from sitehttp import serve
from test_periods import TIMELINE_PAGES, make_project
from test_theme_browser import run_axe

VISIBLE_EVENTS = "els => els.filter(e => e.offsetParent !== null).map(e => e.id)"


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The split project, built for https://example.org/tl/ and served under /tl/."""
    root = tmp_path_factory.mktemp("split-browser")
    project = make_project(root / "project", 5)
    out = root / "site"
    result = run_timeline(
        "build", str(project), "-o", str(out), "--base-url", "https://example.org/tl/"
    )
    assert result.code == 0, result.err
    with serve({"/tl/": Path(out)}) as served:
        yield served + "/tl/"


def visible_events(page: Page) -> list[str]:
    """Ids of the events the reader can see."""
    return page.eval_on_selector_all("li.event", VISIBLE_EVENTS)


def period_counts(page: Page) -> dict[str, str]:
    """Each period link's label and the number shown beside it."""
    links = page.locator("nav.periods a[data-period]")
    return {
        links.nth(i).inner_text().rsplit(" ", 1)[0].strip(): links.nth(i).locator(".n").inner_text()
        for i in range(links.count())
    }


def test_a_filter_counts_matches_in_every_period_and_follows_a_period_link(
    origin: str, browser: Browser
) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(origin)
    assert visible_events(page) == ["e25", "e26", "e27"]
    page.locator("input[name=country][value=kg]").check()
    note = page.locator("[data-period-matches]")
    note.get_by_text("3 events match in all periods").wait_for()
    assert visible_events(page) == ["e27"]
    assert period_counts(page) == {
        "2015–2016": "0",
        "2017": "0",
        "January–March 2018": "1",
        "June–September 2018": "0",
        "2019–2020": "1",
        "2021": "0",
        "2022": "1",
    }
    link = page.get_by_role("link", name="January–March 2018")
    assert link.get_attribute("href").endswith("periods/2018-01-to-03/?country=kg")
    link.click()
    page.wait_for_url("**/tl/periods/2018-01-to-03/?country=kg")
    assert page.locator("input[name=country][value=kg]").is_checked()
    assert visible_events(page) == ["e09"]
    note.get_by_text("3 events match in all periods").wait_for()
    page.locator("[data-clear]").first.click()
    assert visible_events(page) == ["e08", "e09", "e10", "e11"]
    assert period_counts(page)["2022"] == "3"
    assert "country=" not in page.url
    assert errors == []
    page.close()


def jump_entries(page: Page) -> list[str]:
    """The jump list's entries the reader can see: year and count."""
    return page.eval_on_selector_all(
        ".years-nav li",
        "els => els.filter(e => e.offsetParent !== null).map(e => e.innerText.trim())",
    )


YEAR_TOTALS = ["2015 2", "2016 2", "2017 3", "2018 8", "2019 3", "2020 2", "2021 4", "2022 3"]


def test_the_jump_list_counts_matches_in_every_period(origin: str, browser: Browser) -> None:
    """Years on other period pages are counted from filters.json, 2018 across the two pages
    it is split over; a text search counts on this page only, as the periods' numbers do."""
    page = browser.new_page()
    page.goto(origin)
    assert jump_entries(page) == YEAR_TOTALS
    page.locator("input[name=country][value=kg]").check()
    page.locator("[data-period-matches]").get_by_text("3 events match in all periods").wait_for()
    assert jump_entries(page) == ["2018 1", "2019 1", "2022 1"]
    page.locator("input[name=q]").fill("number 26")  # on this page, and not in Kyrgyzstan
    assert jump_entries(page) == ["2018 1", "2019 1"]
    page.goto(origin + "periods/2017/?q=number+5")
    assert visible_events(page) == ["e05"]
    assert jump_entries(page) == [*YEAR_TOTALS[:2], "2017 1", *YEAR_TOTALS[3:]]
    page.close()


def test_a_period_without_matches_links_the_nearest_periods_with_some(
    origin: str, browser: Browser
) -> None:
    """A reader who lands on a period where nothing matches (from a shared link, or from a
    term page's link to the filtered timeline) is shown where the matches are."""
    page = browser.new_page()
    page.goto(origin + "periods/2018-06-to-09/?country=kg")
    no_match = page.locator("#no-match")
    no_match.get_by_text("Nearest matches:").wait_for()
    assert visible_events(page) == []
    links = no_match.get_by_role("link")
    assert links.all_inner_texts() == ["January–March 2018 (1)", "2019–2020 (1)"]
    links.last.click()
    page.wait_for_url("**/tl/periods/2019-2020/?country=kg")
    assert visible_events(page) == ["e18"]
    assert no_match.is_hidden()

    page.goto(origin + "periods/2017/?country=kg")  # nothing earlier matches: one link
    no_match.get_by_text("Nearest matches:").wait_for()
    assert no_match.get_by_role("link").all_inner_texts() == ["January–March 2018 (1)"]
    page.close()


def test_a_text_search_on_a_period_page_offers_the_search_of_every_period(
    origin: str, browser: Browser
) -> None:
    """filters.json holds no words, so the per-period numbers cannot count a text search:
    they stay the periods' sizes, and the reader is sent to the search page instead."""
    page = browser.new_page()
    page.goto(origin + "periods/2017/")
    sizes = period_counts(page)
    page.locator("input[name=q]").fill("number 27")
    note = page.locator("[data-period-matches]")
    note.get_by_text("The text search looks at this page only").wait_for()
    assert "match" not in note.inner_text().split("The text search")[0]
    assert period_counts(page) == sizes
    assert visible_events(page) == []
    no_match = page.locator("#no-match")
    search = no_match.get_by_role("link", name="Search all periods for “number 27”")
    assert search.get_attribute("href").endswith("search/?q=number%2027")

    page.locator("input[name=country][value=kg]").check()  # words and a facet
    note.get_by_text("3 events match the other filters in all periods").wait_for()
    assert period_counts(page)["2022"] == "1"
    search.click()
    page.wait_for_url("**/tl/search/?q=number%2027")
    page.locator(".search-results a", has_text="Event number 27").wait_for()
    page.close()


def test_on_a_phone_the_periods_take_one_row_that_starts_at_this_page(
    origin: str, browser: Browser
) -> None:
    """Dozens of periods would stack into a column of chips above the first event: on a
    narrow screen they scroll sideways in one row, shown from this page's period."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(origin + "periods/2021/")
    row = page.locator("nav.periods .period-list")
    chips = row.locator("li")
    tops = {round(chips.nth(i).bounding_box()["y"]) for i in range(chips.count())}
    assert len(tops) == 1
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    current = row.locator("a[aria-current=page]").bounding_box()
    box = row.bounding_box()
    assert box["x"] <= current["x"] and current["x"] + current["width"] <= box["x"] + box["width"]
    assert row.evaluate("el => el.scrollLeft") > 0
    page.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_second_tab_stop_skips_past_the_chart_to_the_filters(
    origin: str, browser: Browser, width: int
) -> None:
    """Every bar of the overview chart is a link: without this, a keyboard reached the
    filters after some seventy Tab presses on a long timeline."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(origin + "periods/2017/")
    first = visible_events(page)[0]
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to filters"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "q"
    assert page.locator("#q").is_visible()
    page.keyboard.type(f"number {int(first[1:])}")
    assert visible_events(page) == [first]
    page.close()


def test_without_javascript_each_period_page_is_a_complete_list(
    origin: str, browser: Browser
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    seen: list[str] = []
    for path, label, count in TIMELINE_PAGES:
        page.goto(origin + path)
        ids = visible_events(page)
        assert len(ids) == count, label
        seen += ids
        current = page.locator("nav.periods a[aria-current=page]")
        assert current.inner_text().startswith(label)
    assert sorted(seen) == [f"e{n:02d}" for n in range(1, 28)]
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["periods/2017/?country=kg", "countries/tj/2017/"])
def test_axe_finds_nothing_on_period_pages(
    origin: str, browser: Browser, path: str, scheme: str
) -> None:
    page = browser.new_page(color_scheme=scheme)
    page.goto(origin + path)
    if "?" in path:
        page.locator("[data-period-matches]").get_by_text("match in all periods").wait_for()
        assert page.locator("nav.periods a.zero").count() == 4
    assert run_axe(page) == []
    page.close()
