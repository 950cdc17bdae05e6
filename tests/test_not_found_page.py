"""The 404 page, which hosts serve for any missing address at any depth, in a real browser.

Its links cannot be relative to where it is served from, so they start from the site's
root path: the base URL's, or, without a base URL, a root its script finds. Served as a
GitHub Pages project site is (under /REPO/, the host's 404.html for every missing page),
it must look and link as every other page does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_timeline
from sitehttp import chromium, serve

MISSING = ["nowhere", "events/gone-event/", "a/b/c/d.html"]


def _built(project: Path, *args: str) -> Path:
    result = run_timeline("build", str(project), *args)
    assert result.code == 0, result.err
    return project / "site"


def _open_missing(origin: str, prefix: str, missing: str) -> dict:
    """Open a missing address in Chromium; what a reader gets: status, styling, links."""
    with chromium() as browser:
        page = browser.new_page()
        response = page.goto(f"{origin}{prefix}{missing}")
        page.wait_for_load_state("networkidle")
        home = page.locator("main a", has_text="the timeline")
        home.wait_for()
        # The theme's stylesheet sets the body's margin to 0 (a browser's own is 8px).
        page.wait_for_function("getComputedStyle(document.body).margin === '0px'", timeout=5000)
        seen = {
            "status": response.status if response else None,
            "home": home.evaluate("a => a.href"),
            "stylesheet": page.evaluate(
                "document.querySelector('link[rel=stylesheet]').sheet !== null"
                " && document.querySelector('link[rel=stylesheet]').sheet.cssRules.length > 0"
            ),
            "header": page.locator(".site-header a.site-title").evaluate("a => a.href"),
        }
        home.click()
        page.wait_for_load_state("load")
        seen["followed"] = page.url
        seen["title"] = page.title()
        return seen


@pytest.mark.parametrize("missing", MISSING)
def test_without_a_base_url_the_404_page_finds_its_sub_path(project: Path, missing: str) -> None:
    site = _built(project)
    with serve({"/repo/": site}, error_pages=True) as origin:
        seen = _open_missing(origin, "/repo/", missing)
    assert seen["status"] == 404
    assert seen["stylesheet"], "the stylesheet was not found under /repo/"
    assert seen["home"] == f"{origin}/repo/"
    assert seen["header"] == f"{origin}/repo/"
    assert seen["followed"] == f"{origin}/repo/" and "Test Timeline" in seen["title"]


def test_without_a_base_url_the_404_page_works_at_the_root_too(project: Path) -> None:
    site = _built(project)
    with serve({"/": site}, error_pages=True) as origin:
        seen = _open_missing(origin, "/", "events/gone-event/")
    assert seen["status"] == 404 and seen["stylesheet"]
    assert seen["home"] == f"{origin}/" and seen["followed"] == f"{origin}/"


def test_with_a_base_url_the_404_page_needs_no_script(project: Path) -> None:
    with serve({"/timeline/": project / "site"}, error_pages=True) as origin:
        site = _built(project, "--base-url", origin + "/timeline/")
        # No script looks for the site's root (only the search box's is left).
        assert "fetch(" not in (site / "404.html").read_text(encoding="utf-8")
        seen = _open_missing(origin, "/timeline/", "a/b/")
    assert seen["status"] == 404 and seen["stylesheet"]
    assert seen["home"] == f"{origin}/timeline/"


@pytest.mark.parametrize("base_url", [False, True])
def test_the_404_page_offers_to_search_for_the_missing_address(
    project: Path, base_url: bool
) -> None:
    """A reader following a stale link to a renamed event gets a search box holding the
    address's last words, and searching leads to the site's search page (under the sub-path
    the site is served from, found by script without a base URL)."""
    with serve({"/repo/": project / "site"}, error_pages=True) as origin:
        _built(project, *(["--base-url", origin + "/repo/"] if base_url else []))
        with chromium() as browser:
            page = browser.new_page()
            page.goto(f"{origin}/repo/events/putin-warns-at-cis/")
            page.wait_for_load_state("networkidle")
            box = page.locator("#missing-q")
            assert box.input_value() == "putin warns at cis"
            box.press("Enter")
            page.wait_for_url(f"{origin}/repo/search/?q=putin+warns+at+cis")
            page.wait_for_selector("#search-results li")
            titles = page.locator("#search-results li a").all_text_contents()
            assert titles[0] == "Putin warns about Afghanistan at CIS meeting"
