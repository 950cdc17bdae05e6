"""An event page's "Cite this event" in a real browser, served from a sub-path.

A site built without a base URL cannot print its pages' addresses, so the page says where
to find one and cite.js adds the address the reader sees; with a base URL the citation is
complete in the HTML. The theme fixture project is built with the real CLI and served by a
real HTTP server on 127.0.0.1 under /repo/, as a GitHub Pages project site is.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_timeline
from playwright.sync_api import Browser, Page
from sitehttp import opened, serve

FIXTURE = Path(__file__).parent / "fixtures" / "theme"
EVENT = "events/kabul-falls/"
LINE = '"Taliban take Kabul" (15 August 2021). In: Theme Test Timeline.'


def built(tmp: Path, *options: str) -> Path:
    """The theme fixture built with the real CLI (and `options`); returns the output folder."""
    shutil.copytree(FIXTURE, tmp / "project")
    result = run_timeline("build", str(tmp / "project"), "-o", str(tmp / "site"), *options)
    assert result.code == 0, result.err
    return tmp / "site"


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture built without a base URL, served under /repo/; yields the origin."""
    with serve({"/repo/": built(tmp_path_factory.mktemp("bare"))}) as origin:
        yield origin


@pytest.fixture(scope="module")
def based(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture built with a base URL elsewhere, served under /repo/; yields the origin."""
    site = built(tmp_path_factory.mktemp("based"), "--base-url", "https://ex.org/t/")
    with serve({"/repo/": site}) as origin:
        yield origin


def open_event(browser: Browser, url: str, js: bool = True, clipboard: bool = True) -> Page:
    """The page in a fresh context; `clipboard`: may the page write to the clipboard."""
    context = browser.new_context(java_script_enabled=js)
    if clipboard:
        context.grant_permissions(["clipboard-read", "clipboard-write"])
    else:
        context.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: null})")
    return opened(context, url)


def citation(page: Page) -> str:
    return page.locator("#citation").inner_text()


def test_without_a_base_url_the_address_in_the_browser_completes_the_citation(
    bare: str, browser: Browser
) -> None:
    page = open_event(browser, f"{bare}/repo/{EVENT}")
    assert citation(page) == f"{LINE} {bare}/repo/{EVENT}"
    assert page.locator("#citation-note").count() == 0
    page.get_by_role("button", name="Copy citation").click()
    page.get_by_role("status").filter(has_text="Copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == f"{LINE} {bare}/repo/{EVENT}"
    assert page.errors == []


def test_the_address_of_index_html_is_the_page_s_own(bare: str, browser: Browser) -> None:
    page = open_event(browser, f"{bare}/repo/{EVENT}index.html?x=1#sources-h")
    assert citation(page) == f"{LINE} {bare}/repo/{EVENT}"


def test_without_javascript_the_citation_says_where_its_address_is(
    bare: str, browser: Browser
) -> None:
    page = open_event(browser, f"{bare}/repo/{EVENT}", js=False)
    assert citation(page) == LINE  # no path that would pass for an address
    assert page.locator("#citation-note").inner_text() == (
        "Add this page’s address, from your browser’s address bar, to the citation."
    )
    assert not page.get_by_role("button", name="Copy citation").is_visible()


def test_with_a_base_url_the_citation_is_the_published_address_with_or_without_js(
    based: str, browser: Browser
) -> None:
    full = f"{LINE} https://ex.org/t/{EVENT}"
    for js in (True, False):
        page = open_event(browser, f"{based}/repo/{EVENT}", js=js)
        assert citation(page) == full
        assert page.locator("#citation-note").count() == 0
        assert page.get_by_role("button", name="Copy citation").is_visible() == js


def test_where_copying_is_refused_the_citation_is_selected_instead(
    based: str, browser: Browser
) -> None:
    page = open_event(browser, f"{based}/repo/{EVENT}", clipboard=False)
    page.get_by_role("button", name="Copy citation").click()
    assert page.get_by_role("status").inner_text().startswith("Selected: press Ctrl+C")
    assert page.evaluate("getSelection().toString()") == f"{LINE} https://ex.org/t/{EVENT}"
    assert page.errors == []


def test_titles_and_addresses_stay_text(tmp_path: Path, browser: Browser) -> None:
    """Markup in a title or in the address (a sub-path named `<b>`) never becomes elements."""
    title = "<img src=x onerror=window.pwned=1> & co"
    shutil.copytree(FIXTURE, tmp_path / "project")
    events = tmp_path / "project/content/events/events.yaml"
    text = events.read_text("utf-8").replace("title: Taliban take Kabul", f"title: '{title}'")
    events.write_text(text, encoding="utf-8")
    assert run_timeline("build", str(tmp_path / "project"), "-o", str(tmp_path / "site")).code == 0
    with serve({"/<b>x/": tmp_path / "site"}) as origin:
        page = open_event(browser, f"{origin}/%3Cb%3Ex/{EVENT}")
        assert citation(page) == (
            f'"{title}" (15 August 2021). In: Theme Test Timeline. {origin}/%3Cb%3Ex/{EVENT}'
        )
        assert page.locator("#citation *").count() == 0
        assert page.evaluate("window.pwned") is None


@pytest.mark.parametrize(
    ("edtf", "when"),
    [
        ("20XX", "2000–2099 [year unknown]"),
        ("19XX~", "c. 1900–1999 [year unknown]"),
        ("2004-XX/2005~", "2004 [month unknown] – c. 2005"),
    ],
)
def test_a_date_s_own_parentheses_become_brackets_in_the_citation(
    tmp_path: Path, browser: Browser, edtf: str, when: str
) -> None:
    """The citation puts the date in parentheses, so the date's "(year unknown)" is not nested
    in them: "(2000–2099 [year unknown])", as citation styles write a parenthesis within one."""
    shutil.copytree(FIXTURE, tmp_path / "project")
    events = tmp_path / "project/content/events/events.yaml"
    text = events.read_text("utf-8").replace("date: 2021-08-15", f"date: '{edtf}'", 1)
    events.write_text(text, encoding="utf-8")
    assert run_timeline("build", str(tmp_path / "project"), "-o", str(tmp_path / "site")).code == 0
    with serve({"/repo/": tmp_path / "site"}) as origin:
        page = open_event(browser, f"{origin}/repo/{EVENT}")
        expected = f'"Taliban take Kabul" ({when}). In: Theme Test Timeline.'
        assert citation(page) == f"{expected} {origin}/repo/{EVENT}"
        # the page's own date keeps its words (those shown; screen readers get them spoken)
        shown = page.locator(".event-head .when time > [aria-hidden=true]")
        assert shown.inner_text() == when.replace("[", "(").replace("]", ")")
