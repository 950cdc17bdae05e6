"""`timeline serve` in a real headless Chromium: the live-preview script, in-place page
updates (the page's scripts run again, filters and scroll anchors survive), full reloads when
the page's assets change, the error overlay, the warnings notice, many tabs on one
connection, stylesheet swaps and sub-path previews.

Each test starts a real server (see test_serve.py) and edits real files. Playwright's waits
are bounded only so that a broken preview fails instead of hanging; nothing is timed.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO, run_timeline, write
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sitehttp import serve as serve_folder
from test_serve import TAKEOVER, Server, replace_in
from test_theme_browser import run_axe

WAIT_MS = 60_000  # a guard against hanging, not an expectation
expect.set_options(timeout=WAIT_MS)  # its own default, 5 s, was an expectation
OVERLAY = "#timeline-serve-errors"
NOTICE = "#timeline-serve-warnings"


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
    """Put a marker in the page's window: it survives an in-place update, not a reload."""
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
    mark(other)

    event.write_text(good.replace("Taliban take Kabul", "Kabul taken, fixed"))
    for tab in (page, other):
        expect(tab.locator(OVERLAY)).to_have_count(0)
        expect(tab.locator("main")).to_contain_text("Kabul taken, fixed")
    expect(page).to_have_title(re.compile("Kabul taken, fixed"))
    assert marked(page) and marked(other)  # updated in place, not reloaded
    # The overlay's host lived in the old body: a new failure shows it in the new one.
    event.write_text(good.replace("title: Taliban take Kabul", "title: [Broken again"))
    expect(page.locator(f"{OVERLAY} li").first).to_contain_text("content/events/takeover.yaml")
    assert marked(page)


def test_a_project_that_never_built_says_so_and_shows_the_site_once_mended(project, serve, context):
    """The server's placeholder page has no build behind it: its overlay says nothing has
    built yet (not "the last good build"), and the page turns into the site once it builds.
    A broken template that no page uses is enough to fail the first build."""
    unused = project / "themes/default/templates/partials/unused.html"
    unused.parent.mkdir(parents=True)
    unused.write_text("<p>\n{% if event %}{{ event.title }</p>\n")
    server = serve(project)
    page = context.new_page()
    page.goto(server.url)
    expect(page.locator("h1")).to_have_text("The site does not build yet")
    overlay = page.locator(OVERLAY)
    expect(overlay.locator("li").first).to_contain_text(
        "themes/default/templates/partials/unused.html:2:1: error: template syntax"
    )
    expect(overlay.locator("h2")).to_have_text("The site does not build yet")
    expect(overlay).not_to_contain_text("last good build")
    unused.write_text("<p>{{ site.title }}</p>\n")
    expect(page).to_have_title(re.compile("Test Timeline"))
    expect(page.locator(OVERLAY)).to_have_count(0)


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


def test_many_tabs_share_one_event_stream_and_all_update(project, serve, context):
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
        assert marked(tab)  # updated in place


def project_copy_of_static(project: Path, name: str) -> Path:
    """A project-level copy of one of the shipped theme's static files, to edit."""
    static = project / "themes/default/static"
    static.mkdir(parents=True, exist_ok=True)
    copy = static / name
    shutil.copy(REPO / "themes/default/static" / name, copy)
    return copy


def test_a_stylesheet_change_is_swapped_without_a_reload(project, serve, context):
    stylesheet = project_copy_of_static(project, "style.css")
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
    # The swapped stylesheet's URL carries the build in its query, yet it is the same asset:
    # the next edit still updates the page in place, under the new style.
    replace_in(project / "content/events/takeover.yaml", "Taliban take Kabul", "After a swap")
    expect(page.locator("#taliban-takeover .event-title")).to_have_text("After a swap")
    assert marked(page)
    assert page.evaluate("getComputedStyle(document.body).outlineColor") == "rgb(1, 2, 3)"
    assert page.locator('link[rel~="stylesheet"]').count() == 1


def test_an_edit_updates_open_pages_in_place(project, serve, context):
    server = serve(project)
    timeline, event = context.new_page(), context.new_page()
    timeline.goto(server.url)
    event.goto(server.url + TAKEOVER)
    for page in (timeline, event):
        page.wait_for_load_state("load")
        mark(page)
    status = timeline.locator("#status").inner_text()
    assert re.fullmatch(r"\d+ events", status)
    event.evaluate(
        "window.__head = ['meta[name=viewport]', 'link[rel=stylesheet]', 'meta[name=description]']"
        ".map(selector => document.querySelector(selector))"
    )

    replace_in(
        project / "content/events/takeover.yaml", "Taliban take Kabul", "Kabul changes hands"
    )
    expect(timeline.locator("#taliban-takeover .event-title")).to_have_text("Kabul changes hands")
    expect(event.locator("h1")).to_have_text("Kabul changes hands")
    expect(event).to_have_title(re.compile("Kabul changes hands"))  # <head> is fresh too
    expect(event.locator('meta[name="description"]')).to_have_attribute(
        "content", re.compile("Kabul changes hands")
    )
    assert marked(timeline) and marked(event)  # no navigation
    # Unchanged head elements and the stylesheet stay the very same nodes; the rest is fresh.
    same = event.evaluate(
        "['meta[name=viewport]', 'link[rel=stylesheet]', 'meta[name=description]']"
        ".map((selector, i) => document.querySelector(selector) === window.__head[i])"
    )
    assert same == [True, True, False]
    # …and the head as a whole is the fresh page's, in its order.
    assert event.evaluate(
        """async () => {
            const html = await (await fetch(location.href, {cache: 'no-store'})).text();
            const fresh = new DOMParser().parseFromString(html, 'text/html');
            return fresh.head.innerHTML === document.head.innerHTML;
        }"""
    )
    for page in (timeline, event):
        assert "Taliban take Kabul" not in page.locator("body").inner_text()
        # Each asset once, and the preview's own script kept out of the re-run.
        assert page.evaluate(
            "[...document.querySelectorAll('script[src]')].map(s => s.src).length"
            " === new Set([...document.querySelectorAll('script[src]')].map(s => s.src)).size"
        )
    # timeline.js ran on the new body: the toolbar it shows and the count it writes are there.
    expect(timeline.locator("#toolbar")).to_be_visible()
    expect(timeline.locator("#status")).to_have_text(status)
    assert timeline.evaluate("document.documentElement.classList.contains('js')")


def test_an_updated_event_page_cites_its_new_title_at_its_address(project, serve, context):
    """The citation is rendered without an address (no base URL) and cite.js adds the one
    in the address bar: after an edit, on the fresh body, once."""
    server = serve(project)
    page = context.new_page()
    page.goto(server.url + TAKEOVER)
    expect(page.locator("#citation")).to_have_text(re.compile(re.escape(server.url + TAKEOVER)))
    mark(page)
    replace_in(
        project / "content/events/takeover.yaml", "Taliban take Kabul", "Kabul changes hands"
    )
    expect(page.locator("#citation")).to_have_text(
        f'"Kabul changes hands" (c. August 2021). In: Test Timeline. {server.url}{TAKEOVER}'
    )
    expect(page.locator("#citation-note")).to_have_count(0)
    expect(page.get_by_role("button", name="Copy citation")).to_be_visible()
    assert marked(page)  # in place


def test_a_filtered_view_stays_filtered_after_an_update(project, serve, context):
    server = serve(project)
    page = context.new_page()
    page.goto(server.url + "?country=tj")
    events = page.locator("li.event")
    expect(page.locator("#status")).to_have_text("Showing 2 of 4 events")
    expect(events.filter(has_text="Taliban take Kabul")).to_be_hidden()
    mark(page)

    replace_in(
        project / "content/events/2023.yaml",
        "Three militants killed near the border",
        "Four militants killed near the border",
    )
    expect(events.filter(has_text="Four militants killed")).to_be_visible()
    assert marked(page)
    expect(page.locator("#status")).to_have_text("Showing 2 of 4 events")
    expect(events.filter(has_text="Taliban take Kabul")).to_be_hidden()
    expect(events.filter(has_text="Putin warns")).to_be_hidden()
    expect(page.locator('#filters input[name="country"][value="tj"]')).to_be_checked()
    assert page.evaluate("location.search") == "?country=tj"


def filler_events(count: int) -> str:
    """Events with ids filler-0… in date order, twenty to a month, each a few lines long."""
    return "".join(
        f"- id: filler-{n}\n  date: 2015-{n // 20 + 1:02}-{n % 20 + 1:02}\n"
        f"  title: Filler event number {n}\n"
        f"  summary: {'A longer summary line to take up space. ' * 4}\n"
        for n in range(count)
    )


def top_of(page: Page, element_id: str) -> float:
    """Where the element is in the viewport, once the page has settled for a few frames."""
    page.evaluate(
        "new Promise(done => requestAnimationFrame(() => requestAnimationFrame("
        "() => requestAnimationFrame(done))))"
    )
    return page.evaluate(f"document.getElementById('{element_id}').getBoundingClientRect().top")


def page_y_of(page: Page, element_id: str) -> float:
    """Where the element is in the document."""
    return page.evaluate(
        f"scrollY + document.getElementById('{element_id}').getBoundingClientRect().top"
    )


def scroll_to_event(page: Page, element_id: str, offset: int) -> float:
    """Scroll so the element is `offset` px below the viewport's top; its top, measured."""
    page.evaluate(
        f"() => {{ const top = document.getElementById('{element_id}').getBoundingClientRect().top;"
        f" window.scrollBy(0, top - {offset}); }}"
    )
    return top_of(page, element_id)


LONG_SUMMARY = "This summary became much longer. " * 60


def lengthen_event_25(project: Path) -> None:
    """Give an event above the anchored one a much longer summary (an edit that moves
    everything below it down)."""
    replace_in(
        project / "content/events/filler.yaml",
        "title: Filler event number 25\n  summary: A longer",
        f"title: Filler event number 25\n  summary: {LONG_SUMMARY}A longer",
    )


@pytest.mark.parametrize("viewport", [(1280, 600), (800, 400)], ids=["wide", "narrow"])
def test_an_update_keeps_the_event_in_view_where_it_was(project, serve, browser, viewport):
    (project / "content/events/filler.yaml").write_text(filler_events(80))
    server = serve(project)
    width, height = viewport
    context: BrowserContext = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(WAIT_MS)
    try:
        page = context.new_page()
        # timeline.js scrolls to the URL's target when it starts, and so when it runs again:
        # the reader's place must win over it.
        page.goto(server.url + "#filler-5")
        page.wait_for_load_state("load")
        before = scroll_to_event(page, "filler-30", 120)
        page_y = page_y_of(page, "filler-30")
        mark(page)
        # An event above it in the same month (laid out: it is on screen) grows a lot.
        lengthen_event_25(project)
        expect(page.locator("#filler-25 .summary")).to_contain_text("much longer")
        assert marked(page)
        assert page_y_of(page, "filler-30") - page_y > 200  # the content above really grew
        assert abs(top_of(page, "filler-30") - before) <= 3
    finally:
        context.close()


def test_a_full_reload_keeps_the_event_in_view_where_it_was(project, serve, browser):
    (project / "content/events/filler.yaml").write_text(filler_events(80))
    server = serve(project)
    context: BrowserContext = browser.new_context(viewport={"width": 1280, "height": 600})
    context.set_default_timeout(WAIT_MS)
    try:
        page = context.new_page()
        page.goto(server.url)
        page.wait_for_load_state("load")
        # The preview's fetch of the page fails, so it falls back to reloading the page.
        page.route(
            server.url,
            lambda route: (
                route.fulfill(status=503, body="busy")
                if route.request.resource_type == "fetch"
                else route.continue_()
            ),
        )
        before = scroll_to_event(page, "filler-30", 120)
        page_y = page_y_of(page, "filler-30")
        mark(page)
        lengthen_event_25(project)
        expect(page.locator("#filler-25 .summary")).to_contain_text("much longer")
        page.wait_for_load_state("load")
        assert not marked(page)
        assert page_y_of(page, "filler-30") - page_y > 200
        assert abs(top_of(page, "filler-30") - before) <= 3
    finally:
        context.close()


def test_a_changed_script_reloads_the_page(project, serve, context):
    script = project_copy_of_static(project, "timeline.js")
    server = serve(project)
    page = context.new_page()
    page.goto(server.url + "?country=tj")
    expect(page.locator("#status")).to_have_text("Showing 2 of 4 events")
    old_src = page.locator("script[src*='timeline']").first.get_attribute("src")
    mark(page)
    with script.open("a") as js:
        js.write("\ndocument.documentElement.dataset.changed = 'yes';\n")
    page.wait_for_function("window.__marker === undefined")  # a full reload
    page.wait_for_load_state("load")
    expect(page.locator("html")).to_have_attribute("data-changed", "yes")
    assert page.locator("script[src*='timeline']").first.get_attribute("src") != old_src
    expect(page.locator("#status")).to_have_text("Showing 2 of 4 events")
    # Updates in place work again from the reloaded page.
    mark(page)
    replace_in(project / "content/events/takeover.yaml", "Taliban take Kabul", "After the reload")
    expect(page.locator("#taliban-takeover .event-title")).to_have_text("After the reload")
    assert marked(page)
    expect(page.locator("html")).to_have_attribute("data-changed", "yes")  # the script ran again


def test_the_search_page_runs_its_new_index_and_keeps_its_query(project, serve, context):
    server = serve(project)
    page = context.new_page()
    page.goto(server.url + "search/?q=kabul")
    results = page.locator("#search-results a")
    expect(results.first).to_have_text("Taliban take Kabul")
    mark(page)
    replace_in(project / "content/events/takeover.yaml", "Taliban take Kabul", "Kabul falls")
    # The index (search/index.js) keeps its name but not its content: the update fetches it
    # afresh and runs it again, then search.js, which reads the query from the URL.
    expect(results.first).to_have_text("Kabul falls")
    assert marked(page)
    expect(page.locator("#search-q")).to_have_value("kabul")
    # The script ran again, and still listens for keys once: ArrowDown moves to the first
    # result, then "/" goes back to the query.
    assert _keydown_listeners(context, page) == 1
    page.locator("#search-q").press("ArrowDown")
    expect(results.first).to_be_focused()
    page.keyboard.press("/")
    expect(page.locator("#search-q")).to_be_focused()


def _keydown_listeners(context: BrowserContext, page: Page) -> int:
    """How many keydown listeners the document has (Chromium's DevTools protocol)."""
    cdp = context.new_cdp_session(page)
    document = cdp.send("Runtime.evaluate", {"expression": "document"})["result"]
    found = cdp.send("DOMDebugger.getEventListeners", {"objectId": document["objectId"]})
    return sum(1 for listener in found["listeners"] if listener["type"] == "keydown")


def test_quick_successive_edits_end_on_the_last_one(project, serve, context):
    server = serve(project)
    page = context.new_page()
    page.goto(server.url + TAKEOVER)
    page.wait_for_load_state("load")
    mark(page)
    event = project / "content/events/takeover.yaml"
    good = event.read_text()
    versions = server.version()
    for n in range(1, 6):
        event.write_text(good.replace("Taliban take Kabul", f"Edit number {n}"))
        # Each save its own build, published while the page may still be updating.
        server.eventually(
            "__timeline/state",
            lambda reply, v=versions + n: json.loads(reply.body)["version"] >= v,
            f"build {n}",
        )
    expect(page.locator("h1")).to_have_text("Edit number 5")
    expect(page).to_have_title(re.compile("Edit number 5"))
    assert marked(page)
    assert page.locator("h1").count() == 1 and page.locator("main").count() == 1


def test_a_sub_path_preview_loads_every_resource_and_updates(project, serve, context):
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
    mark(page)
    replace_in(project / "content/events/takeover.yaml", "Taliban take Kabul", "Under a sub-path")
    expect(page.locator("main")).to_contain_text("Under a sub-path")
    assert marked(page)  # the page fetched itself under the sub-path and updated in place
    assert failed == [], failed


def test_the_reload_script_stays_out_of_non_html_files(project, serve):
    server = serve(project)
    for path in ("events.json", "feed.xml", "sitemap.xml"):
        reply = server.get(server.path(path))
        assert reply.status == 200 and b"livereload" not in reply.body, path


# --- the warnings notice ------------------------------------------------------------------

TITLE_LINE = "title: Taliban take Kabul"
RELATIVE_LINK = "summary: See [the border](../border/)."
RELATIVE_LINK_WARNING = re.compile(
    r"^content/events/takeover\.yaml:\d+:\d+: warning: relative link to \.\./border/: "
)


def add_summary(project: Path, summary: str = RELATIVE_LINK) -> None:
    """Give the takeover event a summary (one with a relative link is a warning)."""
    replace_in(project / "content/events/takeover.yaml", TITLE_LINE, f"{TITLE_LINE}\n{summary}")


def covered_fraction(page: Page, selector: str) -> float:
    """How much of the viewport the element's box covers (0 to 1)."""
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    return box["width"] * box["height"] / (size["width"] * size["height"])


def test_a_warning_shows_in_a_notice_beside_the_page_until_it_is_fixed(project, serve, context):
    server = serve(project)
    page = context.new_page()
    page.goto(server.url + TAKEOVER)
    expect(page).to_have_title(re.compile("Taliban take Kabul"))
    mark(page)
    # The warning quotes the link as written: text, never markup.
    add_summary(project, "summary: See [the border](../<b>border</b>/).")

    warnings = page.locator(f"{NOTICE} li")
    expect(warnings).to_have_count(1)
    expect(warnings.first).to_have_text(
        re.compile(
            r"^content/events/takeover\.yaml:\d+:\d+: warning: relative link to "
            r"\.\./<b>border</b>/: "
        )
    )
    state = json.loads(server.get(server.path("__timeline/state")).body)
    assert warnings.first.inner_text() == state["warnings"][0]
    assert page.locator(f"{NOTICE} b").count() == 0
    expect(page.locator(f"{NOTICE} [role=status]")).to_have_text("This build has 1 warning")
    expect(page.locator(OVERLAY)).to_have_count(0)  # not an error
    assert marked(page)  # the page updated in place and shows under the notice
    expect(page.locator("main")).to_contain_text("See the border")
    # A corner of the page, not over it: the heading is still what a click there reaches.
    assert covered_fraction(page, f"{NOTICE} aside") < 0.2
    assert page.evaluate(
        """() => { const h1 = document.querySelector('h1').getBoundingClientRect();
            const hit = document.elementFromPoint(h1.left + 5, h1.top + h1.height / 2);
            return hit.closest('h1') !== null; }"""
    )

    replace_in(project / "content/events/takeover.yaml", "<b>border</b>", "border")
    expect(warnings.first).to_have_text(RELATIVE_LINK_WARNING)  # updated by the next build
    # A broken build's errors take the notice's place; mended, the warnings are back.
    replace_in(project / "content/events/takeover.yaml", TITLE_LINE, "title: [Broken")
    expect(page.locator(f"{OVERLAY} li").first).to_contain_text("error:")
    expect(page.locator(NOTICE)).to_have_count(0)
    replace_in(project / "content/events/takeover.yaml", "title: [Broken", TITLE_LINE)
    expect(page.locator(OVERLAY)).to_have_count(0)
    expect(warnings.first).to_have_text(RELATIVE_LINK_WARNING)
    replace_in(project / "content/events/takeover.yaml", RELATIVE_LINK, "summary: Fixed.")
    expect(page.locator(NOTICE)).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Fixed.")
    assert marked(page)


def test_the_notice_is_dismissed_from_the_keyboard_until_its_warnings_change(
    project, serve, context
):
    add_summary(project)
    server = serve(project)
    page = context.new_page()
    page.goto(server.url + TAKEOVER)
    dismiss = page.get_by_role("button", name="Dismiss warnings")
    expect(dismiss).to_be_visible()
    # Backwards from the start of the page, the first stop is the notice's last control.
    page.keyboard.press("Shift+Tab")
    expect(dismiss).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(NOTICE)).to_have_count(0)

    # The same warnings after an edit, or after a reload, stay dismissed in this tab.
    mark(page)
    replace_in(project / "content/events/takeover.yaml", "Taliban take Kabul", "Edit one")
    expect(page.locator("h1")).to_have_text("Edit one")
    expect(page.locator(NOTICE)).to_have_count(0)
    assert marked(page)
    page.reload()
    replace_in(project / "content/events/takeover.yaml", "Edit one", "Edit two")
    expect(page.locator("h1")).to_have_text("Edit two")
    expect(page.locator(NOTICE)).to_have_count(0)

    # Another warning is news: the notice comes back with both.
    replace_in(
        project / "content/events/takeover.yaml",
        RELATIVE_LINK,
        "summary: See [the border](../border/) and [the south](../south/).",
    )
    expect(page.locator(f"{NOTICE} li")).to_have_count(2)
    expect(page.locator(f"{NOTICE} [role=status]")).to_have_text("This build has 2 warnings")


def test_an_edit_that_keeps_the_warnings_leaves_the_notice_as_it_was(project, serve, context):
    """Not drawn again (a screen reader would announce it after every edit), nor blinking
    while the page's body is swapped."""
    add_summary(project)
    server = serve(project)
    page = context.new_page()
    page.goto(server.url + TAKEOVER)
    expect(page.locator(f"{NOTICE} li")).to_have_text(RELATIVE_LINK_WARNING)
    page.evaluate(
        "window.__notice = document.getElementById('timeline-serve-warnings');"
        "window.__list = window.__notice.shadowRoot.querySelector('ol')"
    )
    replace_in(project / "content/events/takeover.yaml", "Taliban take Kabul", "Kabul falls")
    expect(page.locator("h1")).to_have_text("Kabul falls")
    assert page.evaluate(
        "document.getElementById('timeline-serve-warnings') === window.__notice"
        " && window.__notice.shadowRoot.querySelector('ol') === window.__list"
    )


NOTICE_BACKGROUND = {"light": "rgb(255, 251, 235)", "dark": "rgb(41, 37, 36)"}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_the_notice_fits_the_screen_and_passes_axe(project, serve, browser, width, scheme):
    add_summary(project)
    server = serve(project)
    ctx = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
    ctx.set_default_timeout(WAIT_MS)
    try:
        for path in (TAKEOVER, ""):  # an event page, and the timeline with its sticky parts
            page = ctx.new_page()
            page.goto(server.url + path)
            aside = page.locator(f"{NOTICE} aside")
            expect(aside).to_be_visible()
            box = aside.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width
            assert box["y"] + box["height"] <= 800
            assert covered_fraction(page, f"{NOTICE} aside") < (0.3 if width == 375 else 0.1)
            background = aside.evaluate("el => getComputedStyle(el).backgroundColor")
            assert background == NOTICE_BACKGROUND[scheme]
            assert run_axe(page) == [], path
    finally:
        ctx.close()


OVERLAY_BACKGROUND = {"light": "rgb(254, 242, 242)", "dark": "rgb(28, 27, 34)"}


def break_the_build(project: Path) -> None:
    """An edit that fails the build: the takeover event's title becomes invalid YAML."""
    replace_in(project / "content/events/takeover.yaml", TITLE_LINE, "title: [Broken")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_the_overlay_follows_the_scheme_and_passes_axe(project, serve, browser, width, scheme):
    """A light page gets a light overlay (a dark box on it was the old look), a dark page a
    dark one; its Hide button stays reachable from the keyboard."""
    server = serve(project)
    ctx = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
    ctx.set_default_timeout(WAIT_MS)
    try:
        pages = {path: ctx.new_page() for path in (TAKEOVER, "")}  # an event, the timeline
        for path, page in pages.items():
            page.goto(server.url + path)
            page.wait_for_load_state("load")
        break_the_build(project)
        for path, page in pages.items():
            section = page.locator(f"{OVERLAY} section")
            expect(section.locator("li").first).to_contain_text("error:")
            box = section.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width
            background = section.evaluate("el => getComputedStyle(el).backgroundColor")
            assert background == OVERLAY_BACKGROUND[scheme]
            assert run_axe(page) == [], path
        page = pages[TAKEOVER]
        hide = page.get_by_role("button", name="Hide")
        page.keyboard.press("Shift+Tab")
        expect(hide).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator(OVERLAY)).to_have_count(0)
    finally:
        ctx.close()


def test_a_state_fetched_before_a_build_failed_does_not_hide_its_errors(project, serve, context):
    """A page asks for the preview's state as it loads; when the answer comes after the
    stream has brought a newer state (a build that failed meanwhile), the older answer must
    not take the overlay of errors away."""
    server = serve(project)
    held = []
    page = context.new_page()
    # The state as the server has it before the build breaks, handed over only afterwards.
    page.route("**/__timeline/state", lambda route: held.append((route, route.fetch())))
    page.goto(server.url + TAKEOVER)
    page.wait_for_load_state("load")
    page.wait_for_function("() => document.querySelector('script[data-state]')")
    while not held:
        page.wait_for_timeout(50)
    break_the_build(project)
    errors = page.locator(f"{OVERLAY} section li").first
    expect(errors).to_contain_text("error:")
    route, before = held[0]
    assert json.loads(before.body())["ok"] is True
    route.fulfill(response=before)
    page.evaluate("() => new Promise((done) => setTimeout(done, 200))")
    expect(errors).to_contain_text("error:")


def test_the_same_errors_again_leave_the_overlay_and_its_focus_alone(project, serve, context):
    """The stream repeats the state it connects to, and the tab holding it relays every state
    to the others: a state listing the errors already shown must not draw the overlay again,
    which would take the focus off its Hide button (and have a screen reader announce it
    again)."""
    server = serve(project)
    page = context.new_page()
    page.goto(server.url + TAKEOVER)
    page.wait_for_load_state("load")
    break_the_build(project)
    hide = page.get_by_role("button", name="Hide")
    expect(hide).to_be_visible()
    page.keyboard.press("Shift+Tab")
    expect(hide).to_be_focused()
    # The current state again, as another tab relays it. Channels receive in the order they
    # were made, so once `heard` has it the preview's own channel has applied it.
    repeated = page.evaluate(
        """async () => {
            const host = document.getElementById('timeline-serve-errors');
            window.__section = host.shadowRoot.querySelector('section');
            const url = document.querySelector('script[data-state]').dataset.state;
            const state = await (await fetch(url, {cache: 'no-store'})).json();
            const heard = new BroadcastChannel('timeline-serve');
            const arrived = new Promise(done => { heard.onmessage = done; });
            new BroadcastChannel('timeline-serve').postMessage(state);
            await arrived;
            return state;
        }"""
    )
    assert repeated["ok"] is False and repeated["errors"]
    assert page.evaluate(
        "document.getElementById('timeline-serve-errors').shadowRoot.querySelector('section')"
        " === window.__section"
    )
    expect(hide).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(OVERLAY)).to_have_count(0)


def test_neither_the_overlay_nor_the_notice_is_printed(project, serve, context):
    """Printing a page of the preview prints the page, not the preview's boxes over it."""
    add_summary(project)
    server = serve(project)
    page = context.new_page()
    page.goto(server.url + TAKEOVER)
    for host, box in ((NOTICE, "aside"), (OVERLAY, "section")):
        if host == OVERLAY:
            break_the_build(project)
        expect(page.locator(f"{host} {box}")).to_be_visible()
        page.emulate_media(media="print")
        expect(page.locator(host)).to_be_hidden()
        assert page.locator(host).evaluate("el => getComputedStyle(el).display") == "none"
        expect(page.locator("h1")).to_be_visible()  # the page itself still prints
        page.emulate_media(media="screen")
        expect(page.locator(f"{host} {box}")).to_be_visible()


def test_a_built_site_has_no_trace_of_the_notice(project, serve, context, tmp_path):
    add_summary(project)
    server = serve(project)
    page = context.new_page()
    page.goto(server.url + TAKEOVER)
    expect(page.locator(f"{NOTICE} li")).to_have_text(RELATIVE_LINK_WARNING)

    site = tmp_path / "site"
    built = run_timeline("build", str(project), "-o", str(site))
    assert built.code == 0
    assert any(RELATIVE_LINK_WARNING.match(line) for line in built.err.splitlines()), built.err
    for file in site.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            assert b"timeline-serve" not in data and b"__timeline" not in data, file
    with serve_folder({"/": site}) as origin:
        built_page = context.new_page()
        built_page.goto(origin + "/" + TAKEOVER)
        expect(built_page.locator("main")).to_contain_text("See the border")
        assert built_page.evaluate("window.__timelineServe") is None
        assert built_page.locator(NOTICE).count() == 0
