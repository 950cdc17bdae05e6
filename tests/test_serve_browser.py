"""`timeline serve` in a real headless Chromium: the reload script, the error overlay, many
tabs on one connection, stylesheet swaps, scroll positions and sub-path previews.

Each test starts a real server (see test_serve.py) and edits real files. Playwright's waits
are bounded only so that a broken preview fails instead of hanging; nothing is timed.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO, write
from playwright.sync_api import Browser, BrowserContext, Page, expect
from test_serve import TAKEOVER, Server, replace_in

WAIT_MS = 60_000  # a guard against hanging, not an expectation
OVERLAY = "#timeline-serve-errors"


@pytest.fixture
def serve():
    """Start `timeline serve` processes; every one is stopped when the test ends."""
    servers: list[Server] = []

    def start(project: Path, *args: str) -> Server:
        servers.append(Server(project, *args))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def context(browser: Browser):
    """A fresh browser profile (its own connections, storage and locks) per test."""
    ctx = browser.new_context()
    ctx.set_default_timeout(WAIT_MS)
    yield ctx
    ctx.close()


def mark(page: Page) -> None:
    """Put a marker in the page's window: it survives everything but a reload."""
    page.evaluate("window.__marker = 'still here'")


def marked(page: Page) -> bool:
    return page.evaluate("window.__marker === 'still here'")


def test_a_broken_file_shows_the_overlay_and_the_fix_removes_it(project, serve, context):
    server = serve(project)
    page = context.new_page()
    page.goto(server.url + TAKEOVER)
    expect(page).to_have_title(re.compile("Taliban take Kabul"))
    mark(page)
    event = project / "content/events/takeover.yaml"
    good = event.read_text()
    event.write_text(good.replace("title: Taliban take Kabul", "title: [Taliban take Kabul"))

    errors = page.locator(f"{OVERLAY} li")
    expect(errors.first).to_contain_text(re.compile(r"^content/events/takeover\.yaml:\d+:\d+: "))
    expect(errors.first).to_contain_text("error:")
    assert marked(page)  # shown over the page as it was: no reload
    last_good = server.get(server.path(TAKEOVER))
    assert last_good.status == 200 and "Taliban take Kabul" in last_good.text

    # A tab opened while the build is broken shows the last good page and the errors too.
    other = context.new_page()
    other.goto(server.url)
    expect(other.locator(f"{OVERLAY} li").first).to_contain_text("content/events/takeover.yaml")

    event.write_text(good.replace("Taliban take Kabul", "Kabul taken, fixed"))
    for tab in (page, other):
        expect(tab.locator(OVERLAY)).to_have_count(0)
        expect(tab.locator("main")).to_contain_text("Kabul taken, fixed")
    expect(page).to_have_title(re.compile("Kabul taken, fixed"))
    assert not marked(page)  # the page was reloaded to show the fix


def test_error_text_in_the_overlay_is_never_markup(project, serve, context):
    server = serve(project)
    page = context.new_page()
    page.goto(server.url)
    page.evaluate(
        "() => { window.__alerted = false; window.alert = () => { window.__alerted = true; }; }"
    )
    write(
        project / "content/events/hostile.yaml",
        """\
        date: 2021-08
        title: Hostile
        category: '<img src=x onerror=alert(1)>'
        countries: ['<b>bold</b>']
        """,
    )
    overlay = page.locator(f"{OVERLAY} li")
    expect(overlay).to_have_count(2)
    expect(overlay.nth(0)).to_contain_text("unknown category '<img src=x onerror=alert(1)>'")
    expect(overlay.nth(1)).to_contain_text("unknown country '<b>bold</b>'")
    assert page.locator(f"{OVERLAY} img, {OVERLAY} b").count() == 0
    assert page.evaluate("window.__alerted") is False


def test_many_tabs_share_one_event_stream_and_all_reload(project, serve, context):
    server = serve(project)
    streams: list[str] = []
    context.on("request", lambda r: streams.append(r.url) if "__timeline/events" in r.url else None)
    tabs = []
    for n in range(10):
        tab = context.new_page()
        tab.goto(server.url if n % 2 else server.url + TAKEOVER)
        mark(tab)
        tabs.append(tab)
    expect(tabs[-1].locator("body")).to_contain_text("Taliban take Kabul")
    # With one stream per tab, six tabs would take every connection and this would hang.
    status = tabs[-1].evaluate(
        "fetch(location.href, {cache: 'no-store', signal: AbortSignal.timeout(30000)})"
        ".then(r => r.status)"
    )
    assert status == 200
    assert len(streams) == 1, streams

    replace_in(project / "content/events/takeover.yaml", "Taliban take Kabul", "All tabs see it")
    for tab in tabs:
        expect(tab.locator("main")).to_contain_text("All tabs see it")
        assert not marked(tab)


def test_a_stylesheet_change_is_swapped_without_a_reload(project, serve, context):
    static = project / "themes/default/static"
    static.mkdir(parents=True)
    stylesheet = static / "style.css"
    shutil.copy(REPO / "themes/default/static/style.css", stylesheet)
    server = serve(project)
    page = context.new_page()
    page.goto(server.url)
    mark(page)
    before = server.rebuild_lines()
    with stylesheet.open("a") as css:
        css.write("\nbody { outline: 7px solid rgb(1, 2, 3) !important; }\n")
    page.wait_for_function("getComputedStyle(document.body).outlineColor === 'rgb(1, 2, 3)'")
    assert marked(page)  # no reload: the stylesheet was swapped in place
    assert page.locator('link[rel~="stylesheet"]').count() == 1
    line = server.next_rebuild(len(before))
    assert "themes/default/static/style.css changed; stylesheet swapped" in line


def test_a_reload_keeps_the_scroll_position(project, serve, browser: Browser):
    events = "".join(
        f"- date: 2015-{n % 12 + 1:02}-{n % 27 + 1:02}\n  title: Filler event number {n}\n"
        f"  summary: {'A longer summary line to take up space. ' * 4}\n"
        for n in range(80)
    )
    (project / "content/events/filler.yaml").write_text(events)
    server = serve(project)
    context: BrowserContext = browser.new_context(viewport={"width": 800, "height": 400})
    try:
        page = context.new_page()
        page.goto(server.url)
        page.evaluate("window.scrollTo(0, 1500)")
        assert page.evaluate("scrollY") == 1500
        mark(page)
        replace_in(
            project / "content/events/takeover.yaml", "Taliban take Kabul", "Taliban take Kabul!"
        )
        expect(page.locator("main")).to_contain_text("Taliban take Kabul!", timeout=WAIT_MS)
        assert not marked(page)
        page.wait_for_load_state("load")
        assert abs(page.evaluate("scrollY") - 1500) <= 2
    finally:
        context.close()


def test_a_sub_path_preview_loads_every_resource_and_reloads(project, serve, context):
    server = serve(project, "--base-url", "https://example.org/timeline/")
    failed: list[str] = []
    context.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    # An event stream is cut when its page navigates away: that is not a failure.
    context.on(
        "requestfailed",
        lambda r: None if "__timeline/events" in r.url else failed.append(r.url),
    )
    page = context.new_page()
    assert server.url.endswith("/timeline/")
    page.goto(server.url)
    page.wait_for_load_state("load")
    assert page.evaluate("[...document.styleSheets].some(s => s.cssRules.length > 0)")
    page.locator(f"a[href$='{TAKEOVER}']").first.click()
    expect(page).to_have_url(re.compile("/timeline/" + re.escape(TAKEOVER) + "$"))
    page.wait_for_load_state("load")
    replace_in(project / "content/events/takeover.yaml", "Taliban take Kabul", "Under a sub-path")
    expect(page.locator("main")).to_contain_text("Under a sub-path")
    assert failed == [], failed


def test_the_reload_script_stays_out_of_non_html_files(project, serve):
    server = serve(project)
    for path in ("events.json", "feed.xml", "sitemap.xml"):
        reply = server.get(server.path(path))
        assert reply.status == 200 and b"livereload" not in reply.body, path
