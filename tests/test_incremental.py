"""The live preview's incremental rebuilds give exactly the site a cold build gives.

`timeline serve` keeps the previous build's pages and re-renders only those whose inputs
changed (builder.depends), keeps validated records between rebuilds (ValidationCache),
related events of events an edit cannot reach (related.affected_by) and rendered list
items. Each of those is a cache that could go stale, so every test here edits a real
project on disk, rebuilds through the preview's own `Preview.rebuild`, and compares every
file the preview serves with a cold, in-process build of the same files.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest
from markupsafe import Markup

from builder import build, serve
from builder.dates import date_span
from builder.depends import LazyKey
from builder.load import Released
from builder.related import RelatedEvents
from builder.render import Blocks, render_site
from builder.watch import CONFIG, CONTENT, TEMPLATE, Change
from builder.write import Pieces, Text

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from corpus import generate  # noqa: E402


@pytest.fixture()
def preview(tmp_path: Path):
    """A preview of a generated 300-event project, fully rendered once."""
    root = tmp_path / "proj"
    generate(root, 300, 20, seed=3)
    terminal = serve.Terminal(out=io.StringIO(), err=io.StringIO())
    pv = serve.Preview(root, build.BuildOptions(), tmp_path / "out" / "site", terminal)
    assert pv.rebuild([])
    served(pv)
    return pv


def served(pv: serve.Preview) -> dict[str, bytes]:
    """Every file the preview serves now, rendered."""
    return pv.current().files()


def cold(project: Path) -> dict[str, bytes]:
    """Every file a cold build of the project gives, built in this process."""
    from builder import urls
    from builder.theme import find_theme

    timeline, report, _ = build.make_timeline(project, build.BuildOptions())
    assert timeline is not None, report.sorted()
    theme = find_theme(project, timeline.site.theme)
    outputs = render_site(timeline, theme, urls.Urls(timeline.site.base_url))
    return {item.path: item.data for item in outputs}


def assert_same_as_cold(pv: serve.Preview) -> None:
    got, want = served(pv), cold(pv.project)
    assert sorted(got) == sorted(want)
    differing = [path for path in want if got[path] != want[path]]
    assert not differing, f"stale after an incremental rebuild: {differing[:10]}"


def edit(path: Path, pattern: str, replacement: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    new, n = re.subn(pattern, replacement, text, count=count)
    assert n, f"{pattern!r} not found in {path}"
    path.write_text(new, encoding="utf-8")


def rebuild(pv: serve.Preview, path: Path, kind: str = CONTENT) -> serve.Snapshot:
    assert pv.rebuild([Change(kind, path.relative_to(pv.project).as_posix())])
    return pv.current()


def events_file(pv: serve.Preview, n: int = 1) -> Path:
    return sorted((pv.project / "content/events").glob("*.yaml"))[n]


def test_a_title_edit_re_renders_a_few_files_and_matches_a_cold_build(preview) -> None:
    total = len(served(preview))
    target = events_file(preview)
    edit(target, r'title: "([^"]*)"', r'title: "\1 (edited)"')
    snapshot = rebuild(preview, target)
    assert 0 < len(snapshot.changed) < total / 4, (len(snapshot.changed), total)
    assert_same_as_cold(preview)
    html = b"".join(snapshot.files().values())
    assert b"(edited)" in html


def test_the_exports_take_an_edits_places_from_the_model(preview) -> None:
    """After a title edit the exports read the changed places and revisions from the model's
    `Timeline.replaced` instead of comparing every record: the same places and revisions a
    comparison finds, and the same files as a cold build."""
    from operator import attrgetter

    target = events_file(preview)
    before = preview._model.timeline
    edit(target, r'title: "([^"]*)"', r'title: "\1 (edited)"')
    rebuild(preview, target)
    after = preview._model.timeline
    fragments = preview._model.memo.exports.latest
    assert fragments.timeline is after and after.replaced is not None
    places = [
        i for i, (a, b) in enumerate(zip(before.events, after.events, strict=True)) if a is not b
    ]
    assert fragments.replaced == places and len(places) == 1
    assert fragments.revisions == list(map(attrgetter("revision"), after.events))
    assert fragments.changes[1] == places
    assert_same_as_cold(preview)


def test_the_big_exports_are_held_in_pieces_and_pack_as_their_bytes_do(preview) -> None:
    """After an edit the preview keeps each big export as the memo's pieces, not joined
    (`write.Pieces`); packing them piece by piece must give the very blob packing their bytes
    gives, or the build folder would be rewritten (or not) on a wrong comparison."""
    target = events_file(preview)
    edit(target, r'title: "([^"]*)"', r'title: "\1 (in pieces)"')
    snapshot = rebuild(preview, target)
    exports = ["events.json", "timelinejs.json", "events.csv", "events.ics", "search/index.js"]
    for path in exports:
        assert path in snapshot.changed
        stored = snapshot.render(path)
        assert type(stored) is Pieces, path
        assert len(stored.parts) > 250, path  # a piece per event (of nearly 300)
        assert serve.packed(stored).blob == serve.packed(stored.joined()).blob, path
        unfolded = snapshot.file(path).replace(b"\r\n ", b"")  # the calendar folds lines
        assert b"(in pieces)" in unfolded, path
    assert_same_as_cold(preview)


def test_pages_an_edit_changed_are_held_as_text_until_their_bytes_are_needed(preview) -> None:
    """After an edit the preview keeps each page it rendered again as its text, not encoded
    (`write.Text`): the bytes a browser gets, and those packed for the build folder, must be
    a cold build's."""
    target = events_file(preview)
    edit(target, r'title: "([^"]*)"', r'title: "\1 — as text"')
    snapshot = rebuild(preview, target)
    pages = [path for path in snapshot.changed if path.endswith(".html")]
    assert any(path.startswith("events/") for path in pages)
    assert any(path.split("/")[0] in ("countries", "actors", "years", "periods") for path in pages)
    for path in pages:
        stored = snapshot.render(path)
        assert type(stored) is Text, path
        assert snapshot.file(path) == stored.text.encode("utf-8"), path
        assert serve.packed(stored).blob == serve.packed(stored.joined()).blob, path
    assert any("— as text".encode() in snapshot.file(path) for path in pages)
    assert_same_as_cold(preview)


def test_changing_an_events_actors_date_and_category(preview) -> None:
    target = events_file(preview, 2)
    edit(target, r"actors: \[[^\]]*\]", 'actors: ["Taliban", "CSTO"]')
    rebuild(preview, target)
    assert_same_as_cold(preview)
    edit(target, r"date: '?\d{4}-\d{2}-\d{2}'?", "date: '2019-06-01'")
    edit(target, r"category: [a-z-]+", "category: diplomacy", count=2)
    rebuild(preview, target)
    assert_same_as_cold(preview)


def test_adding_and_deleting_events(preview) -> None:
    new = preview.project / "content/events/new.yaml"
    new.write_text(
        "date: 2015-03-04\ntitle: A brand new event\nactors: [Taliban]\ntags: [sanctions]\n"
        "countries: [TJ]\nsources: [{url: 'https://example.org/x'}]\n",
        encoding="utf-8",
    )
    rebuild(preview, new)
    assert_same_as_cold(preview)
    gone = events_file(preview, 0)
    gone.unlink()
    rebuild(preview, gone)
    assert_same_as_cold(preview)


def test_an_article_edit_reaches_the_events_that_cite_it(preview) -> None:
    articles = sorted((preview.project / "content/articles").glob("*.md"))
    for article in articles[:2]:
        edit(article, r'title: "([^"]*)"', r'title: "\1 (retitled)"')
    assert preview.rebuild(
        [Change(CONTENT, a.relative_to(preview.project).as_posix()) for a in articles[:2]]
    )
    assert_same_as_cold(preview)
    edit(articles[1], r"(?m)^date: .*$", "date: 2020-01-01\ndraft: true")
    rebuild(preview, articles[1])
    assert_same_as_cold(preview)


def test_an_article_body_edit_leaves_the_pages_of_the_events_citing_it(preview) -> None:
    """An event shows of an article it cites only its title, publisher, date and address:
    an edit of the body alone renders the article's own page and what shows its text (the
    search index) again, not the pages of the events citing it nor their lists."""
    timeline = preview._model.timeline
    article_id = max(timeline.citing, key=lambda a: len(timeline.citing[a]))
    citing = {f"events/{e.id}/index.html" for e in timeline.citing[article_id]}
    assert len(citing) >= 2
    path = preview.project / "content/articles" / f"{article_id}.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nA sentence added later.\n")
    snapshot = rebuild(preview, path)
    assert f"articles/{article_id}/index.html" in snapshot.changed
    assert "search/index.js" in snapshot.changed
    assert not citing & snapshot.changed
    pages = [p for p in snapshot.changed if p.endswith(".html")]
    assert pages == [f"articles/{article_id}/index.html"]
    assert_same_as_cold(preview)
    assert b"A sentence added later." in served(preview)[f"articles/{article_id}/index.html"]
    # What they do show of it brings them back: each field alone, then the body again.
    for pattern, replacement in [
        (r'title: "([^"]*)"', r'title: "\1 (retitled)"'),
        (r'publisher: "([^"]*)"', r'publisher: "\1 Weekly"'),
        (r"(?m)^date: .*$", "date: 2019-05-04"),
        (r"(?m)^url: .*$", "url: https://moved.example/story/"),
    ]:
        edit(path, pattern, replacement)
        snapshot = rebuild(preview, path)
        assert citing <= snapshot.changed, pattern
        assert_same_as_cold(preview)
    path.write_text(path.read_text(encoding="utf-8") + "\nAnd one more.\n")
    assert not citing & rebuild(preview, path).changed
    assert_same_as_cold(preview)


def test_an_articles_tags_follow_its_edits_and_the_term_pages_events_make(preview) -> None:
    """An article's page and the list of articles show its tags, each a link to the tag's
    page when events use the tag (only those have pages), else text: an edit of the
    article's tags shows on both, and an event edit that makes a tag's page, or takes it
    away, turns the article's tag into a link, or back into text."""
    path = sorted((preview.project / "content/articles").glob("*.md"))[0]
    page, listing = f"articles/{path.stem}/index.html", "articles/index.html"
    edit(path, r"(?m)^tags: \[", "tags: [preview-only, ")
    snapshot = rebuild(preview, path)
    assert {page, listing} <= snapshot.changed
    assert_same_as_cold(preview)
    text = b'<span dir="auto">preview-only</span>'
    files = served(preview)
    assert text in files[page] and text in files[listing]
    assert "tags/preview-only/index.html" not in files

    target = events_file(preview)
    edit(target, r"(?m)^  tags: \[", "  tags: [preview-only, ")
    snapshot = rebuild(preview, target)
    assert {"tags/preview-only/index.html", page, listing} <= snapshot.changed
    assert_same_as_cold(preview)
    files = served(preview)
    assert b'<a href="../../tags/preview-only/" dir="auto">preview-only</a>' in files[page]
    assert b'<a href="../tags/preview-only/" dir="auto">preview-only</a>' in files[listing]

    edit(target, r"preview-only, ", "")
    snapshot = rebuild(preview, target)
    assert {page, listing} <= snapshot.changed
    assert_same_as_cold(preview)
    files = served(preview)
    assert text in files[page] and text in files[listing]
    assert "tags/preview-only/index.html" not in files


def test_an_event_moved_to_a_later_file_matches_a_cold_build(preview) -> None:
    """One file loses an event and a later one gains it: the timeline has as many events as
    before, and the unchanged records of the files between sit one place earlier in what
    validation hands the model (see `model._edit`)."""
    source, target = events_file(preview, 0), events_file(preview, 2)
    text = source.read_text(encoding="utf-8")
    first = re.search(r"(?ms)^- .*?(?=^- |\Z)", text)
    source.write_text(text[: first.start()] + text[first.end() :], encoding="utf-8")
    moved = first.group(0) if first.group(0).endswith("\n") else first.group(0) + "\n"
    target.write_text(target.read_text(encoding="utf-8") + moved, encoding="utf-8")
    before = preview._model.timeline
    assert preview.rebuild(
        [Change(CONTENT, f.relative_to(preview.project).as_posix()) for f in (source, target)]
    )
    after = preview._model.timeline
    assert len(after.events) == len(before.events)
    # The model patched the last timeline with the events of the two files, not with the
    # unchanged records of the file between them, which sit at other places now.
    changed = after.changed_since(before)
    between = {e.id for e in after.events if e.file.endswith(events_file(preview, 1).name)}
    assert changed is not None and between and not changed & between
    assert_same_as_cold(preview)


def test_site_yaml_and_template_changes(preview) -> None:
    site = preview.project / "content/site.yaml"
    edit(site, r"title: .*", "title: Retitled timeline")
    rebuild(preview, site, CONFIG)
    assert_same_as_cold(preview)
    footer = preview.project / "themes/default/templates/partials/footer.html"
    footer.parent.mkdir(parents=True)
    footer.write_text('<footer class="site-footer"><p>Our own footer</p></footer>\n')
    rebuild(preview, footer, TEMPLATE)
    assert_same_as_cold(preview)
    assert b"Our own footer" in served(preview)["index.html"]
    target = events_file(preview)
    edit(target, r'title: "([^"]*)"', r'title: "\1 (after the override)"')
    rebuild(preview, target)
    assert_same_as_cold(preview)


def _related_counts(files: dict[str, bytes]) -> list[int]:
    """How many related events each event page lists (0 when it has no such section)."""
    counts = []
    for path, html in files.items():
        if path.startswith("events/") and path.endswith(".html"):
            section = html.partition(b'<section class="related"')[2].partition(b"</section>")[0]
            counts.append(section.count(b"<li>"))
    return counts


def test_the_number_of_related_events_follows_site_yaml(preview) -> None:
    """site.yaml's related_events sets every event page's list, in the preview as in a cold
    build, and an edit after the change ranks the events it touches with the new number."""
    assert max(_related_counts(served(preview))) == 5
    site = preview.project / "content/site.yaml"
    original = site.read_text(encoding="utf-8")
    site.write_text(original + "related_events: 2\n", encoding="utf-8")
    rebuild(preview, site, CONFIG)
    assert max(_related_counts(served(preview))) == 2
    assert_same_as_cold(preview)
    target = events_file(preview)  # an edit that ranks the events around it again
    edit(target, r"tags: \[", "tags: [ceasefire, ")
    rebuild(preview, target)
    assert max(_related_counts(served(preview))) == 2
    assert_same_as_cold(preview)
    site.write_text(original + "related_events: 0\n", encoding="utf-8")
    rebuild(preview, site, CONFIG)
    files = served(preview)
    assert set(_related_counts(files)) == {0}
    assert not any(b"Related events" in html for path, html in files.items() if "events/" in path)
    assert_same_as_cold(preview)


def test_a_burst_of_edits_then_a_broken_file_then_its_fix(preview) -> None:
    target = events_file(preview, 1)
    for n in range(3):
        edit(target, r'title: "([^"]*)"', rf'title: "\1 ({n})"')
        rebuild(preview, target)
    good = target.read_text(encoding="utf-8")
    target.write_text(good + "\n- date: 2020-13-45\n  title: broken\n", encoding="utf-8")
    assert not preview.rebuild([Change(CONTENT, "content/events/x.yaml")])
    target.write_text(good.replace("(2)", "(fixed)"), encoding="utf-8")
    rebuild(preview, target)
    assert_same_as_cold(preview)


def test_split_lists_stay_right_after_edits(preview) -> None:
    site = preview.project / "content/site.yaml"
    site.write_text(site.read_text(encoding="utf-8") + "events_per_page: 40\n", encoding="utf-8")
    rebuild(preview, site, CONFIG)
    assert any(path.startswith("periods/") for path in served(preview))
    total = len(served(preview))
    target = events_file(preview, 1)
    edit(target, r'title: "([^"]*)"', r'title: "\1 (split)"')
    snapshot = rebuild(preview, target)
    assert len(snapshot.changed) < total / 4
    periods = [p for p in snapshot.changed if p.startswith("periods/") or p == "index.html"]
    assert len(periods) <= 2, periods  # the period holding the event, not every period
    assert "filters.json" not in snapshot.changed  # it holds no titles
    assert_same_as_cold(preview)
    # The filters hold each event's importance, which no page's chrome shows.
    level = re.search(r"importance: (\d)", target.read_text(encoding="utf-8")).group(1)
    edit(target, r"importance: \d", f"importance: {int(level) % 3 + 1}")
    assert "filters.json" in rebuild(preview, target).changed
    assert_same_as_cold(preview)
    # A new tag is in every timeline page's filter form (a partial kept between builds
    # while the chrome stands).
    edit(target, r"tags: \[[^\]]*\]", "tags: [brand-new-tag]")
    rebuild(preview, target)
    assert b"brand-new-tag" in served(preview)["index.html"]
    assert_same_as_cold(preview)
    edit(target, r"date: '?\d{4}-\d{2}-\d{2}'?", "date: '2024-06-01'")
    assert "filters.json" in rebuild(preview, target).changed
    assert_same_as_cold(preview)
    other = events_file(preview, 2)  # moving some events to 2024 shifts later boundaries
    edit(other, r"date: '?\d{4}-\d{2}(-\d{2})?'?\n", "date: '2024-07-01'\n", count=8)
    rebuild(preview, other)
    assert_same_as_cold(preview)


def test_a_terms_dates_follow_an_edit_of_the_event_that_ends_last(tmp_path: Path) -> None:
    """A term's page says when its events run, to the latest end: here a long interval
    (2003/2030) neither first nor last of the term, and listed on none but the oldest of
    its period pages. Every page of the term says its end, and follows an edit of it, as
    does the overview line of every page of the timeline."""
    root = tmp_path / "proj"
    (root / "content" / "events").mkdir(parents=True)
    (root / "content" / "site.yaml").write_text("title: Spans\nevents_per_page: 3\n")
    dates = ["2001-03", "2003/2030", "2004-05", "2010", "2011", "2012-01", "2013"]
    events = root / "content" / "events" / "tj.yaml"
    events.write_text(
        "".join(
            f"- {{date: '{d}', id: e{i}, title: Event {i}, countries: [TJ], "
            "sources: [{url: 'https://a.example/'}]}\n"
            for i, d in enumerate(dates)
        )
    )
    terminal = serve.Terminal(out=io.StringIO(), err=io.StringIO())
    pv = serve.Preview(root, build.BuildOptions(), tmp_path / "out" / "site", terminal)
    assert pv.rebuild([])
    pages = [p for p in served(pv) if p.startswith("countries/tj/") and p.endswith(".html")]
    assert len(pages) == 3, pages  # 2001-2004, 2010-2012 and 2013
    for path in pages:
        assert b"March 2001 to 2030</p>" in served(pv)[path], path
    assert b'<span class="range">2001\xe2\x80\x932030</span>' in served(pv)["countries/index.html"]
    timeline = [p for p in served(pv) if p == "index.html" or p.startswith("periods/")]
    assert len(timeline) == 3, timeline
    for path in timeline:  # the overview line of every page of the timeline, too
        assert b"7 events, 2001\xe2\x80\x932030 " in served(pv)[path], path
    edit(events, r"2003/2030", "2003/2031")
    rebuild(pv, events)
    for path in pages:
        assert b"March 2001 to 2031</p>" in served(pv)[path], path
    # the index of countries says the same span, in years
    assert b'<span class="range">2001\xe2\x80\x932031</span>' in served(pv)["countries/index.html"]
    for path in timeline:
        assert b"7 events, 2001\xe2\x80\x932031 " in served(pv)[path], path
    assert_same_as_cold(pv)


def test_a_year_named_or_not_by_its_events_follows_their_edits(preview) -> None:
    """A year whose events give only its decade is named by the decade on every page that
    names the year (the years filter, the browse links, the next year's page): an edit that
    dates its one event to the year itself, or back to the decade, keeps the same years and
    counts, and must still reach those pages (`years.chrome`)."""
    site = preview.project / "content/site.yaml"
    site.write_text(site.read_text(encoding="utf-8") + "events_per_page: 40\n", encoding="utf-8")
    rebuild(preview, site, CONFIG)
    lone = preview.project / "content/events/lone.yaml"
    lone.write_text(
        "date: 1990\ntitle: A lone event\nsources: [{url: 'https://example.org/x'}]\n",
        encoding="utf-8",
    )
    rebuild(preview, lone)
    assert_same_as_cold(preview)
    for date, label in [("199X", "1990s"), ("1990-06", "1990"), ("199X", "1990s")]:
        edit(lone, r"date: \S+", f"date: {date}")
        rebuild(preview, lone)
        files = served(preview)
        earlier = f'<span class="dir">← Earlier</span> {label}</a>'.encode()
        assert earlier in files["years/2001/index.html"]
        # the latest period's filter form, far from the event's own period
        assert f'<option value="1990">{label}</option>'.encode() in files["index.html"]
        assert_same_as_cold(preview)


def test_months_of_list_items_are_reused_by_the_next_build(preview) -> None:
    """A list page rendered again after an edit takes its untouched months from the last
    build (`render.Blocks`), the very blocks, and still reads as a cold build's."""
    blocks = preview._model.memo.blocks
    shown = list(blocks._blocks.values())
    assert shown and blocks.size == sum(map(len, shown))
    target = events_file(preview)
    edit(target, r'title: "([^"]*)"', r'title: "\1 (blocks)"')
    rebuild(preview, target)
    served(preview)
    kept = {id(block) for block in blocks._blocks.values()}
    assert sum(id(block) in kept for block in shown) > 10
    assert_same_as_cold(preview)


def test_blocks_forget_the_least_recently_shown_beyond_their_limit() -> None:
    blocks = Blocks(10)
    blocks.put(("", "", ("a",)), Markup("aaaa"))
    blocks.put(("", "", ("b",)), Markup("bbbb"))
    assert blocks.get(("", "", ("a",))) == "aaaa"  # now the most recently shown
    blocks.put(("../", "", ("c",)), Markup("cccc"))
    assert blocks.get(("", "", ("b",))) is None
    assert blocks.get(("", "", ("a",))) == "aaaa" and blocks.size == 8


def test_a_long_lists_keys_are_taken_once_per_plan(tmp_path: Path) -> None:
    """A list's unit and its page's groups both ask for the keys of one long list of events:
    the second asking gets the first's tuple; another list of the same events, or a short
    list, gets keys made anew, equal to them."""
    from builder.depends import LONG_LIST, KeysMemo, PageKeys

    generate(tmp_path, 120, 5, seed=3)
    timeline, report, _ = build.make_timeline(tmp_path, build.BuildOptions())
    assert timeline is not None, report.sorted()
    keys = PageKeys(timeline, {}, KeysMemo())
    long = timeline.events[: LONG_LIST * 2]
    first = keys.events(long)
    assert keys.events(long) is first
    assert len(first) == len(long) and first == tuple(map(keys.event, long))
    copy = list(long)
    assert keys.events(copy) == first and keys.events(copy) is not first
    short = timeline.events[: LONG_LIST - 1]
    assert keys.events(short) == first[: LONG_LIST - 1] and keys.events(short) is not keys.events(
        short
    )


def test_list_pages_keys_start_from_the_last_builds_while_records_keep_theirs(preview) -> None:
    """The preview makes a list page's keys from those the last build made for the same page
    (`depends.KeysMemo`): the pages an edit left alone keep the very tuple, the page of the
    edited event gets a new one, and every one equals the keys made afresh. An article edit
    gives records left in place new keys: no list starts from the last build's then."""
    from builder.depends import PageKeys

    def assert_fresh(memo) -> None:
        fresh = PageKeys(preview._model.timeline, {})
        for place, (events, keys) in memo.lists.items():
            assert keys == fresh.events(events), place

    site = preview.project / "content/site.yaml"
    site.write_text(site.read_text(encoding="utf-8") + "events_per_page: 40\n", encoding="utf-8")
    rebuild(preview, site, CONFIG)
    served(preview)
    memo = preview._model.memo.keys
    before = dict(memo.lists)
    assert len(before) > 10
    target = events_file(preview)
    edit(target, r'title: "([^"]*)"', r'title: "\1 (edited)"')
    rebuild(preview, target)
    assert preview._model.memo.keys is memo
    planned = [place for place in memo.lists if memo.lists[place] is not before.get(place)]
    assert planned, "the edit planned no list page again"
    kept = [place for place in planned if memo.lists[place][1] is before[place][1]]
    remade = [place for place in planned if memo.lists[place][1] is not before[place][1]]
    assert kept and remade, (kept, remade)
    assert_fresh(memo)
    assert_same_as_cold(preview)

    article = sorted((preview.project / "content/articles").glob("*.md"))[0]
    edit(article, r'title: "([^"]*)"', r'title: "\1 (retitled)"')
    lists = dict(memo.lists)
    rebuild(preview, article)
    assert all(memo.lists.get(place) is not hit for place, hit in lists.items())
    assert_fresh(memo)
    assert_same_as_cold(preview)


def test_filters_of_a_split_timeline_follow_a_change_in_the_terms_order(preview) -> None:
    """filters.json numbers each term by its rank of use, and the preview keeps each event's
    row: an edit that makes a rare category the most used renumbers every row."""
    site = preview.project / "content/site.yaml"
    site.write_text(site.read_text(encoding="utf-8") + "events_per_page: 40\n", encoding="utf-8")
    rebuild(preview, site, CONFIG)
    before = served(preview)["filters.json"]
    counts: dict[str, int] = {}
    for path in (preview.project / "content/events").glob("*.yaml"):
        for found in re.findall(r"^\s*category: (\S+)", path.read_text(encoding="utf-8"), re.M):
            counts[found] = counts.get(found, 0) + 1
    rare = min(counts, key=counts.get)
    for n in (0, 1):
        edit(events_file(preview, n), r"category: \S+", f"category: {rare}", count=100)
        rebuild(preview, events_file(preview, n))
    assert served(preview)["filters.json"] != before
    assert_same_as_cold(preview)


def test_pages_planned_from_the_previous_build_render_from_a_fresh_plan(tmp_path: Path):
    """A unit of pages whose inputs did not change (an article's page, a term's list, an
    event's page) is not planned again: its files come with the previous plan's keys and, if
    the preview ever asks for one, it is rendered from a fresh plan of that unit alone.
    Rendering every file of such a plan directly gives a cold build's bytes."""
    from builder import urls
    from builder.render import RenderMemo, plan_site
    from builder.theme import find_theme, make_environment

    root = tmp_path / "proj"
    generate(root, 300, 20, seed=5)
    timeline, report, _ = build.make_timeline(root, build.BuildOptions())
    assert timeline is not None, report.sorted()
    theme = find_theme(root, timeline.site.theme)
    links = urls.Urls(timeline.site.base_url)
    memo, env = RenderMemo(), make_environment(theme)
    first = plan_site(timeline, theme, links, env, memo=memo, keyed=True)
    second = plan_site(timeline, theme, links, env, memo=memo, keyed=True)

    assert [item.path for item in second] == [item.path for item in first]
    reused = [a for a, b in zip(first, second, strict=True) if a.key is b.key]
    assert len(reused) > 300  # the events' pages, the articles', the terms' and the years'
    want = cold(root)
    differing = [item.path for item in second if item.render() != want[item.path]]
    assert not differing, differing[:10]


def _stat_tree(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def _wait_for_folder(folder: Path, before: int | None) -> int:
    """Wait until the preview has written a complete build into `folder` (its time changes
    when one is), and return that time; the bound only keeps a broken preview from hanging."""
    import time

    for _ in range(6000):
        if folder.is_dir() and folder.stat().st_mtime_ns != before:
            return folder.stat().st_mtime_ns
        time.sleep(0.01)
    raise AssertionError(f"no complete build was written into {folder}")


def test_the_build_folder_gets_only_the_files_an_edit_changed(preview) -> None:
    """The preview mirrors each complete build into its folder, file by file: after an edit,
    the files whose bytes changed are replaced and every other one is left untouched (its
    inode and time kept), and the folder holds exactly a cold build's files."""
    import threading

    stop = threading.Event()
    worker = threading.Thread(target=preview.complete_builds, args=(stop,), daemon=True)
    worker.start()
    try:
        folder = preview.output
        written = _wait_for_folder(folder, None)
        before = {path: folder.joinpath(path).read_bytes() for path in _stat_tree(folder)}
        stats = _stat_tree(folder)

        edit(events_file(preview), r"title: ", "title: Mirrored ")
        rebuild(preview, events_file(preview))
        _wait_for_folder(folder, written)
    finally:
        stop.set()
        worker.join(5)

    want = cold(preview.project)
    now = _stat_tree(folder)
    assert sorted(now) == sorted(want)
    assert all(folder.joinpath(path).read_bytes() == data for path, data in want.items())
    changed = {path for path in want if before.get(path) != want[path]}
    assert 0 < len(changed) < len(want) / 4
    untouched = [path for path in want if path not in changed and now[path] == stats[path]]
    assert len(untouched) == len(want) - len(changed), "files with the same bytes were rewritten"


def model_outline(timeline) -> dict:
    """What a timeline holds, by ids: its order, every term's and year's events, citations."""
    ids = lambda events: [e.id for e in events]  # noqa: E731
    return {
        "events": ids(timeline.events),
        "terms": {
            name: [(t.key, t.label, t.slug, ids(t.events)) for t in terms]
            for name, terms in timeline.taxonomies.items()
        },
        "years": {year: ids(events) for year, events in timeline.years.items()},
        "citing": {a: ids(events) for a, events in sorted(timeline.citing.items())},
        "articles": [a.id for a in timeline.articles],
    }


def assert_model_same_as_cold(pv: serve.Preview) -> None:
    timeline, report, _ = build.make_timeline(pv.project, build.BuildOptions())
    assert timeline is not None, report.sorted()
    kept = pv._model.timeline
    assert model_outline(kept) == model_outline(timeline)
    assert [kept.event_key(e) for e in kept.events] == [
        kept._make_event_key(e) for e in kept.events
    ], "an event key kept from the previous build is stale"
    # A term's span, taken over with the very list of events it was made of, is never stale.
    for terms in kept.taxonomies.values():
        for term in terms:
            assert term.span() == date_span([e.date for e in term.events]), term.key
    by_id = kept.events_by_id  # patched from the previous timeline's when it had one
    assert by_id.keys() == {e.id for e in kept.events}
    assert all(by_id[e.id] is e for e in kept.events)
    # The articles, taken over while they are the very same records: never stale ones.
    assert [(a.id, a.title, a.body) for a in kept.articles] == [
        (a.id, a.title, a.body) for a in timeline.articles
    ], "an article kept from the previous build is stale"
    assert kept.articles_by_id.keys() == timeline.articles_by_id.keys()
    assert all(kept.articles_by_id[a.id] is a for a in kept.articles)


def test_edits_that_keep_every_event_in_place_take_the_last_plans_event_files(
    preview, monkeypatch
) -> None:
    """An edit that leaves every event in its place (`Timeline.replaced`) plans the event
    pages it touched and takes the others from the last plan by place, without a pass over
    every event. The first and last events of the timeline, such edits in a row, a tag only
    one event had (its list comes and goes, which changes the chrome: everything is
    planned) and an edit after one that moved an event all give the site a cold build
    gives."""
    from builder import render

    taken: list[list[int]] = []
    made = render._swapped_units_in_order

    def noting(ctx, event_unit, files, places):
        taken.append(places)
        return made(ctx, event_unit, files, places)

    monkeypatch.setattr(render, "_swapped_units_in_order", noting)
    timeline = preview._model.timeline

    def file_of(event) -> Path:
        return preview.project / event.file

    def named(events):  # the first event its file gives an id (others' are made up)
        return next(e for e in events if f"- id: {e.id}\n" in file_of(e).read_text("utf-8"))

    first, last = named(timeline.events), named(reversed(timeline.events))

    def retitle(event, words: str) -> None:
        path = file_of(event)
        edit(path, rf'(- id: {event.id}\n(?:  .*\n)*?  title: "[^"]*)"', rf'\1 {words}"')
        rebuild(preview, path)
        assert_same_as_cold(preview)
        # What the next edit takes over is this plan's: each event's file and key.
        memo = preview._model.memo
        events, files = memo.event_files
        assert events is preview._model.timeline.events
        assert files == [memo.units[e.id][1][0] for e in events]

    retitle(first, "(first)")
    retitle(last, "(last)")
    retitle(first, "(again)")
    assert len(taken) == 3
    end = len(timeline.events) - 1  # the slices of the last files at both ends
    assert timeline.events.index(first) == 0 and taken[0][0] == 0
    assert timeline.events.index(last) == end and taken[1][-1] == end

    path = file_of(last)
    edit(path, rf"(- id: {last.id}\n(?:  .*\n)*?  tags: \[)", r"\1a-tag-of-one-event, ")
    rebuild(preview, path)
    assert_same_as_cold(preview)
    assert "tags/a-tag-of-one-event/index.html" in served(preview)
    edit(path, r"a-tag-of-one-event, ", "")
    rebuild(preview, path)
    assert_same_as_cold(preview)
    assert "tags/a-tag-of-one-event/index.html" not in served(preview)
    assert len(taken) == 3  # a term came and went: the chrome changed, all was planned

    moved = named(timeline.events[len(timeline.events) // 2 :])
    path = file_of(moved)
    edit(path, rf"(- id: {moved.id}\n  date: )\S+", r"\g<1>'1999-01-02'")
    rebuild(preview, path)
    assert_same_as_cold(preview)
    assert len(taken) == 3  # the event moved: every event looked at
    retitle(first, "(after a move)")
    assert len(taken) == 4


def test_the_patched_model_equals_a_cold_one_after_every_kind_of_edit(preview) -> None:
    """The preview patches the previous timeline (order, term, year and citation lists) with
    the events an edit added and removed: after each edit it is the timeline a cold build
    makes, including new terms, terms left without events and new years."""
    target = events_file(preview, 1)
    steps = [
        (r'title: "([^"]*)"', r'title: "\1 (renamed)"', 1),
        (r"tags: \[[^\]]*\]", "tags: [a-brand-new-tag, sanctions]", 1),
        (r"actors: \[[^\]]*\]", 'actors: ["A new actor"]', 3),
        (r"date: '?\d{4}-\d{2}-\d{2}'?", "date: '1999-02-03'", 2),
        (r"tags: \[a-brand-new-tag, sanctions\]", "tags: [sanctions]", 1),
    ]

    def rebuilt_changes(path: Path) -> frozenset[str] | None:
        """Rebuild after an edit of `path`; the events the patched model says changed, checked
        against the model a cold build makes and against the ids compared one by one."""
        before = preview._model.timeline
        rebuild(preview, path)
        assert_model_same_as_cold(preview)
        after = preview._model.timeline
        old, new = ({e.id: e for e in t.events} for t in (before, after))
        changed = after.changed_since(before)
        assert changed == serve._changed_events(before, after, old, new)
        if after.replaced is not None:  # records swapped in place: the places, exactly
            assert after.replaced[0] is before.events and after.replaced[1] is after.events
            pairs = list(zip(before.events, after.events, strict=True))
            assert after.replaced[2] == tuple(i for i, (a, b) in enumerate(pairs) if a is not b)
            assert all(pairs[i][0].id == pairs[i][1].id for i in after.replaced[2])
        swapped.append(after.replaced is not None)
        return changed

    swapped: list[bool] = []
    for pattern, replacement, count in steps:
        edit(target, pattern, replacement, count)
        rebuilt_changes(target)
    # One edit that renames the file's last event and gives another new tags, both kept in
    # their places: the lists both are in take the renamed record in place, then lose and
    # sort in the other's.
    edit(target, r'title: "([^"]*)"(?![\s\S]*title: )', r'title: "\1 (last)"')
    edit(target, r"tags: \[sanctions\]", "tags: [sanctions, a-second-new-tag]")
    rebuilt_changes(target)
    # A new title, tags or actors keep each event in its place; a new date moves it.
    assert swapped == [True, True, True, False, True, True]
    article = sorted((preview.project / "content/articles").glob("*.md"))[0]
    edit(article, r'title: "([^"]*)"', r'title: "\1 (retitled)"')
    assert rebuilt_changes(article)  # the events citing the article have new keys
    gone = events_file(preview, 0)
    gone.unlink()
    rebuild(preview, gone)
    assert_model_same_as_cold(preview)
    assert_same_as_cold(preview)
    timeline, kept = preview._model.timeline, preview._model.memo.related
    fresh = RelatedEvents(timeline)
    assert {e.id: [r.id for r in kept.of(e)] for e in timeline.events} == {
        e.id: [r.id for r in fresh.of(e)] for e in timeline.events
    }, "the related events found with indexes carried over differ from a fresh finder's"


def test_validation_reuses_unchanged_files_and_still_reports_their_problems(tmp_path: Path):
    """Records of an events file the loader did not read again are the very records of the
    previous run, and its warnings are reported again; the edited file's records are new
    except those equal to what was there before."""
    from builder.load import FileCache, load_project
    from builder.validate import ValidationCache, validate_project

    root = tmp_path / "proj"
    generate(root, 120, 5, seed=4)
    files = sorted((root / "content/events").glob("*.yaml"))
    edit(files[0], r"\n  sources:\n(?:    .*\n)+", "\n", count=1)  # a warning: no sources
    cache, validation = FileCache(), ValidationCache()

    def run() -> tuple[list, list[str]]:
        raw, report = load_project(root, cache)
        valid = validate_project(raw, report, cache=validation)
        return valid.events, [d.format() for d in report.sorted()]

    first, warnings = run()
    assert any("cites no sources" in w for w in warnings)
    edit(files[1], r'title: "([^"]*)"', r'title: "\1 (edited)"')
    second, again = run()
    assert again == warnings
    old = {e.id: e for e in first}
    changed = [e for e in second if old.get(e.id) is not e]
    assert len(changed) == 1 and changed[0].title.endswith("(edited)")
    edit(files[1], r'title: "([^"]*) \(edited\)"', r'title: "\1"')
    third, _ = run()
    assert [e.id for e in third] == [e.id for e in first]
    assert sum(a is not b for a, b in zip(first, third, strict=True)) == 1
    good = files[1].read_text(encoding="utf-8")
    files[1].write_text(good + "- date: 2020-13-45\n  title: broken\n", encoding="utf-8")
    assert any(": error: " in line for line in run()[1])
    files[1].write_text(good, encoding="utf-8")
    assert run()[1] == warnings
    taken = re.search(r"(?m)^- id: (\S+)", files[0].read_text(encoding="utf-8")).group(1)
    files[1].write_text(good.replace("- id: ", f"- id: {taken}\n  x: ", 1), encoding="utf-8")
    edit(files[1], r"\n  x: \S+", "")
    events, lines = run()
    assert any(f"duplicate event id {taken!r}" in line for line in lines)
    assert len(events) == len(first) - 1 and len({e.id for e in events}) == len(events)
    files[1].write_text(good, encoding="utf-8")
    assert run() == (first, warnings)
    # An id taken twice in one file, then the file that held the other copy gone.
    own = re.search(r"(?m)^- id: (\S+)", good).group(1)
    files[1].write_text(good.replace("- id: ", f"- id: {own}\n  x: ", 2), encoding="utf-8")
    edit(files[1], r"\n  x: \S+", "", count=2)
    assert any(f"duplicate event id {own!r}" in line for line in run()[1])
    files[1].write_text(good, encoding="utf-8")
    assert run() == (first, warnings)
    files[0].write_text(files[0].read_text(encoding="utf-8") + good, encoding="utf-8")
    assert any(f"duplicate event id {own!r}" in line for line in run()[1])
    files[1].unlink()
    events, lines = run()
    assert not any("duplicate" in line for line in lines)
    assert {e.id for e in events} == {e.id for e in first}


def test_edits_planned_as_updates_of_the_last_plan_match_a_cold_build(preview) -> None:
    """After an edit the preview plans only the units of pages the edit may have touched
    (render.plan_update) and takes every other file over from the last build: an event with
    an id of its own edited in place (its neighbours and related events keep theirs), moved
    to other terms, an article it cites retitled, an event whose id comes from its title
    renamed, each compared with a cold build."""
    target = events_file(preview, 2)
    text = target.read_text(encoding="utf-8")
    assert re.search(r"(?m)^- id: ", text)
    steps = [
        (r'(- id: [^\n]+\n  date: [^\n]+\n  title: "[^"]*)"', r'\1 (kept id)"'),
        (r"(- id: [^\n]+\n(?:  .*\n)*?  tags: )\[[^\]]*\]", r"\1[elections, a-new-tag]"),
        (r"(- id: [^\n]+\n(?:  .*\n)*?  category: )\S+", r"\1economy"),
        (r"summary: >-\n", "summary: >-\n    A new first sentence.\n"),
    ]
    for pattern, replacement in steps:
        edit(target, pattern, replacement)
        snapshot = rebuild(preview, target)
        assert preview._model.memo.planned_for == snapshot.id
        assert_same_as_cold(preview)
    cited = re.search(r"article: (\S+)", text)
    assert cited
    article = preview.project / "content/articles" / f"{cited.group(1)}.md"
    edit(article, r'title: "([^"]*)"', r'title: "\1 (cited and retitled)"')
    rebuild(preview, article)
    assert_same_as_cold(preview)
    untitled = next(
        path
        for path in sorted((preview.project / "content/events").glob("*.yaml"))
        if re.search(r"(?m)^- date: ", path.read_text(encoding="utf-8"))
    )
    edit(untitled, r'(?m)^(- date: [^\n]+\n  title: "[^"]*)"', r'\1 renamed"')
    rebuild(preview, untitled)
    assert_same_as_cold(preview)


def test_events_read_in_parts_validate_as_a_whole_read_does(tmp_path: Path) -> None:
    """The preview reads an edited events file only in the items the edit changed and
    validates only those (`load.Outline`, `load.SameEvent`): every edit here, run as the
    preview runs it (parses let go after each run, files whose stand-ins validation cannot
    use read whole), gives the records and messages a whole read gives, and the events the
    edit left alone keep their very records."""
    from builder.load import FileCache, load_project
    from builder.validate import NeedsReading, ValidationCache, validate_project

    root = tmp_path / "proj"
    generate(root, 60, 5, seed=5)
    path = sorted((root / "content/events").glob("*.yaml"))[0]
    cache, validation = FileCache(outlines=True), ValidationCache()
    reread: list[str] = []

    def preview_run() -> tuple[list, list[str]]:
        for _ in range(2):
            raw, report = load_project(root, cache)
            try:
                valid = validate_project(raw, report, cache=validation)
            except NeedsReading as needs:
                reread.extend(needs.files)
                cache.forget_released(needs.files)
                continue
            validation.release(cache.release_events())
            return valid.events, [d.format() for d in report.sorted()]
        raise AssertionError("validation asked twice for files to be read")

    def whole_run() -> tuple[list, list[str]]:
        raw, report = load_project(root)
        valid = validate_project(raw, report)
        return valid.events, [d.format() for d in report.sorted()]

    def same_as_whole() -> list:
        events, lines = preview_run()
        assert (events, lines) == whole_run()
        return events

    same_as_whole()
    edit(path, r"\n  sources:\n(?:    .*\n)+", "\n", count=1)  # a warning: no sources
    edit(path, r'(- id: (?:\S+)\n(?:  .*\n)*?  title: "[^"]*)"', r'\1 (edited)"', count=4)
    events = same_as_whole()
    assert any("cites no sources" in line for line in whole_run()[1])
    old = {e.id: e for e in events}
    ids = re.findall(r"(?m)^- id: (\S+)", path.read_text(encoding="utf-8"))
    edit(path, rf"(- id: {ids[3]}\n(?:  .*\n)*?  title: \"[^\"]*)\"", r'\1, again"')
    again = same_as_whole()
    assert [e.id for e in again if old[e.id] is not e] == [ids[3]]  # the others kept
    assert any("cites no sources" in line for line in whole_run()[1])  # said again

    edit(path, rf"(- id: {ids[5]}\n  date: )\S+", r"\g<1>2020-13-45")  # an error
    same_as_whole()
    edit(path, rf"(- id: {ids[5]}\n  date: )\S+", r"\g<1>'2020-12-31'")
    same_as_whole()
    edit(path, rf"(- id: {ids[1]}\n)", r"\1  # a line more: the items below move\n")
    same_as_whole()
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "- id: one-more\n  date: '2021'\n  title: One more\n", "utf-8")
    same_as_whole()
    path.write_text(text, encoding="utf-8")
    same_as_whole()

    # An article that comes: the file naming it is validated again, read whole.
    edit(path, rf"(- id: {ids[2]}\n(?:  .*\n)*?  sources:\n)", r"\1    - article: coming\n")
    same_as_whole()
    article = next((root / "content/articles").glob("*.md"))
    article.with_name("coming.md").write_text(article.read_text("utf-8"), "utf-8")
    edit(path, rf"(- id: {ids[4]}\n(?:  .*\n)*?  title: \"[^\"]*)\"", r'\1, too"')
    reread.clear()
    same_as_whole()
    assert reread == [path.relative_to(root).as_posix()]

    # Two reads with no validation between them: the stand-ins of the second stand for a
    # read validation never saw, so the file is read whole.
    edit(path, rf"(- id: {ids[6]}\n(?:  .*\n)*?  title: \"[^\"]*)\"", r'\1, once"')
    load_project(root, cache)
    edit(path, rf"(- id: {ids[7]}\n(?:  .*\n)*?  title: \"[^\"]*)\"", r'\1, twice"')
    reread.clear()
    same_as_whole()
    assert reread == [path.relative_to(root).as_posix()]


def parsed_events_held(pv: serve.Preview) -> list[str]:
    """The events files whose parsed YAML the preview still holds, in its file cache or in
    its validation cache."""
    cached = [rel for rel, entry in pv._cache._entries.items() if type(entry[2]) is list]
    validated = [f for f, hit in pv._model.validation.files.items() if type(hit[0]) is list]
    return cached + validated


def test_parsed_events_are_let_go_and_read_again_when_validation_needs_them(preview) -> None:
    """After every rebuild the preview holds no parsed events file, only what validation
    made of each; when what validation checks events against changes (an actor renamed in
    site.yaml, a new article), it reads every events file again, and the site is exactly a
    cold build's."""
    assert parsed_events_held(preview) == []
    released = [e for e in preview._cache._entries.values() if type(e[2]) is Released]
    assert len(released) == len(list((preview.project / "content/events").glob("*.yaml")))

    target = events_file(preview)
    edit(target, r'title: "([^"]*)"', r'title: "\1 (edited)"')
    rebuild(preview, target)
    assert_same_as_cold(preview)
    assert parsed_events_held(preview) == []

    site = preview.project / "content/site.yaml"
    edit(
        site,
        r'"Haqqani network": \["Haqqanis"\]',
        '"Haqqani Network": ["Haqqanis", "Haqqani network"]',
    )
    rebuild(preview, site, CONFIG)
    assert_same_as_cold(preview)
    assert b"Haqqani Network" in served(preview)["actors/index.html"]
    assert parsed_events_held(preview) == []

    articles = sorted((preview.project / "content/articles").glob("*.md"))
    copy = articles[0].with_name("a-new-article.md")
    copy.write_text(articles[0].read_text(encoding="utf-8"), encoding="utf-8")
    rebuild(preview, copy)
    assert_same_as_cold(preview)
    assert parsed_events_held(preview) == []


def test_an_article_that_comes_or_goes_rereads_only_the_files_that_name_it(preview) -> None:
    """Events are checked against the set of articles (a source's `article:` must exist),
    but a new or removed article matters only to the events files that name it, or that
    name an article that does not exist (the error suggests the closest id): only those
    are read and validated again, and the site is a cold build's."""
    naming = events_file(preview, 2)
    edit(naming, r"  sources:\n", "  sources:\n    - article: a-coming-article\n")
    assert not preview.rebuild([Change(CONTENT, naming.relative_to(preview.project).as_posix())])
    reread: list[str] = []
    cache = preview._cache
    original = cache.forget_released

    def forget_released(files: list[str]) -> None:
        reread.extend(files)
        original(files)

    cache.forget_released = forget_released
    articles = sorted((preview.project / "content/articles").glob("*.md"))
    coming = articles[0].with_name("a-coming-article.md")
    coming.write_text(articles[0].read_text(encoding="utf-8"), encoding="utf-8")
    rebuild(preview, coming)
    assert_same_as_cold(preview)
    assert reread == [naming.relative_to(preview.project).as_posix()]
    assert parsed_events_held(preview) == []

    reread.clear()
    other = articles[1].with_name("an-article-nobody-names.md")
    other.write_text(articles[1].read_text(encoding="utf-8"), encoding="utf-8")
    rebuild(preview, other)
    assert_same_as_cold(preview)
    assert reread == []

    coming.unlink()  # the event names it again: an error, and the last good build stays
    assert not preview.rebuild([Change(CONTENT, coming.relative_to(preview.project).as_posix())])
    assert reread == [naming.relative_to(preview.project).as_posix()]


def test_a_snapshot_updated_from_a_plan_drops_exactly_the_files_gone(tmp_path: Path) -> None:
    """`Snapshot` takes over the previous build for a plan that leaves out its unchanged
    files (`render.plan_update`): a file gone is dropped, a new one added, the rest kept."""
    from builder.render import PlannedFile

    def page(name: str, text: str, key: object) -> PlannedFile:
        return PlannedFile(name, lambda: text.encode(), ("page", key))

    first = serve.Snapshot("b1", [page(f"p{i}.html", str(i), i) for i in range(5)], "/", tmp_path)
    assert first.file("p3.html") == b"3"
    # p3 gone, p1 planned again with another key, p9 new; the others left out of the plan.
    plan = [page("p1.html", "one", "new"), page("p9.html", "nine", 9)]
    second = serve.Snapshot(
        "b2", plan, "/", tmp_path, first, ["p0.html", "p1.html", "p2.html", "p4.html", "p9.html"]
    )
    assert "p3.html" not in second and second.changed == {"p1.html", "p9.html"}
    assert [second.file(f"p{i}.html") for i in (0, 1, 9)] == [b"0", b"one", b"nine"]
    # Nothing gone, one new: the counts add up, and every file of the last build stays.
    third = serve.Snapshot(
        "b3", [page("p7.html", "seven", 7)], "/", tmp_path, second, [*second._order, "p7.html"]
    )
    assert all(f"p{i}.html" in third for i in (0, 1, 2, 4, 7, 9)) and "p3.html" not in third
    assert third.changed == {"p7.html"}


def test_an_event_named_like_the_timelines_page_previews_as_a_cold_build(preview) -> None:
    """The plan names each event's unit of pages by the event's id and the single-page
    timeline's by a tuple, so an event whose id is `timeline` keeps a unit of its own
    through edits in place, an edit that moves an event, and edits after it."""
    target = events_file(preview, 2)
    text = target.read_text(encoding="utf-8")
    published = next(
        item
        for item in re.findall(r"(?ms)^- id: \S+\n.*?(?=^- |\Z)", text)
        if "draft: true" not in item
    )
    target.write_text(
        text.replace(published, re.sub(r"^- id: \S+", "- id: timeline", published), 1),
        encoding="utf-8",
    )
    rebuild(preview, target)
    assert b"events/timeline/" in served(preview)["index.html"]
    assert_same_as_cold(preview)
    other = events_file(preview, 1)
    for step in range(2):
        edit(other, r'title: "([^"]*)"', rf'title: "\1 (edit {step})"')
        rebuild(preview, other)
        assert_same_as_cold(preview)
    edit(other, r"(?m)^(  date: )\d{4}", r"\g<1>2003")
    rebuild(preview, other)
    assert_same_as_cold(preview)
    edit(target, r'(- id: timeline\n  date: [^\n]+\n  title: "[^"]*)"', r'\1 (its own)"')
    rebuild(preview, target)
    assert b"(its own)" in served(preview)["events/timeline/index.html"]
    assert_same_as_cold(preview)


def _list_pages_spliced(pv: serve.Preview) -> int:
    return pv._model.memo.spliced


def test_list_pages_take_an_items_edit_by_splicing_their_last_text(preview) -> None:
    """Once a list page was rendered, an edit that changes its events only inside their items
    (a title, a summary, a source) swaps the edited item into the page's last text
    (`render._spliced_list_page`) instead of rendering the page again, and the page still
    reads as a cold build's; an edit that moves the event (its date) renders them all."""
    target = events_file(preview)
    edit(target, r'title: "([^"]*)"', r'title: "\1 (first)"')
    rebuild(preview, target)
    served(preview)  # the lists showing the event are rendered, and kept
    before = _list_pages_spliced(preview)
    edit(target, r'title: "([^"]*) \(first\)"', r'title: "\1 (second)"')
    rebuild(preview, target)
    assert_same_as_cold(preview)
    # Its timeline page, its year and each of its terms, at least.
    assert _list_pages_spliced(preview) - before >= 3
    before = _list_pages_spliced(preview)
    edit(target, r"summary: >-\n    ", "summary: >-\n    A *new* opening sentence. ")
    rebuild(preview, target)
    assert_same_as_cold(preview)
    assert _list_pages_spliced(preview) - before >= 3
    before = _list_pages_spliced(preview)
    edit(target, r"date: '(\d{4})-(\d\d)-(\d\d)'", r"date: '\1-\2'")
    rebuild(preview, target)
    assert_same_as_cold(preview)
    assert _list_pages_spliced(preview) == before


def test_a_title_that_reorders_a_day_renders_its_lists_again(preview) -> None:
    """Events of one day sort by title: an edit of a title that moves its event among them
    changes the list pages outside the item, and none of them may be spliced."""
    target = events_file(preview)
    text = target.read_text(encoding="utf-8")
    first, second = re.findall(r"^  date: '([^']*)'$", text, re.MULTILINE)[:2]
    # The second event joins the first's day.
    edit(target, f"(?m)^  date: '{second}'$", f"  date: '{first}'")
    edit(target, r'title: "([^"]*)"', r'title: "zz \1"')  # the first sorts last of the two
    rebuild(preview, target)
    served(preview)
    before = _list_pages_spliced(preview)
    edit(target, r'title: "zz ([^"]*)"', r'title: "AA \1"')  # and now first again
    rebuild(preview, target)
    assert_same_as_cold(preview)
    assert _list_pages_spliced(preview) == before


def test_a_date_that_moves_an_event_to_another_month_in_place_is_not_spliced(preview) -> None:
    """An event dated into the next month, still before the event that followed it, keeps
    its place in every list, but its item moves under another month's heading: its list
    pages must be rendered again, not spliced."""
    events = preview._model.timeline.events
    moving, following = next(
        (a, b)
        for a, b in zip(events, events[1:], strict=False)
        if a.date.precision == b.date.precision == "day"
        and not (a.date.approximate or a.date.uncertain)
        and (a.date.year, a.date.month) < (b.date.year, b.date.month)
        and b.date.text[8:] > "01"
        and re.search(rf"^- id: {a.id}$", (preview.project / a.file).read_text(), re.MULTILINE)
    )
    target = preview.project / moving.file
    new_date = following.date.text[:7] + "-01"
    edit(target, rf'(- id: {moving.id}\n  date: \S+\n  title: "[^"]*)"', r'\1 (kept)"')
    rebuild(preview, target)
    served(preview)  # its list pages are rendered, and kept
    before = _list_pages_spliced(preview)
    edit(target, rf"(- id: {moving.id}\n  date: )\S+", rf"\1'{new_date}'")
    rebuild(preview, target)
    assert preview._model.timeline.replaced is not None  # every event kept its place
    assert_same_as_cold(preview)
    assert _list_pages_spliced(preview) == before


def test_the_first_edit_of_an_event_splices_into_the_builds_own_pages(preview) -> None:
    """List pages the preview has not kept lately (the first edit after a full build) are
    spliced into the text the last build holds for them (`Snapshot.kept_page`)."""
    memo = preview._model.memo
    memo.pages = Blocks(memo.pages.limit, memo.pages._size)  # nothing rendered lately
    before = _list_pages_spliced(preview)
    target = events_file(preview)
    edit(target, r'title: "([^"]*)"', r'title: "\1 (first edit)"')
    rebuild(preview, target)
    assert_same_as_cold(preview)
    assert _list_pages_spliced(preview) - before >= 3


def test_the_first_keyed_plan_ranks_no_related_events(tmp_path: Path) -> None:
    """The preview's first plan leaves its pages' keys lazy (`depends.LazyKey`), but for
    the list pages, whose keys splicing reads: nothing is ranked and no event page's key is
    made before the preview answers. Made later, each key is the one a plan with the last
    build's finder in its memo makes at once, as before."""
    from builder import urls
    from builder.depends import LazyKey
    from builder.render import LIST_TEMPLATES, RenderMemo, plan_site
    from builder.theme import find_theme

    root = tmp_path / "proj"
    generate(root, 150, 5, seed=4)
    timeline, _, _ = build.make_timeline(root, build.BuildOptions())
    theme, links = find_theme(root, timeline.site.theme), urls.Urls(None)
    memo = RenderMemo()
    lazy = plan_site(timeline, theme, links, memo=memo, keyed=True)
    assert memo.related.found == {}, "the first plan ranked related events"
    event_pages = [f for f in lazy if f.path.startswith("events/")]
    assert len(event_pages) == len(timeline.events)
    assert all(type(f.key) is LazyKey and f.key._make is not None for f in event_pages)
    assert all(type(memo.units[e.id][0]) is LazyKey for e in timeline.events)
    assert memo.settle_keys() >= 2 * len(timeline.events)
    assert len(memo.related.found) == len(timeline.events) and memo.lazy_keys is None

    eager_memo = RenderMemo(related=memo.related)
    eager = plan_site(timeline, theme, links, memo=eager_memo, keyed=True)
    assert eager_memo.lazy_keys is None
    assert not any(type(f.key) is LazyKey for f in eager)
    assert [f.path for f in eager] == [f.path for f in lazy]
    assert [f.key for f in eager] == [f.key for f in lazy]
    assert [f.key for f in lazy] == [f.key for f in eager]  # each side's __eq__
    assert all(f.key is not None for f in lazy if f.path.endswith(".html"))
    assert {name: unit[0] for name, unit in eager_memo.units.items()} == {
        name: unit[0] for name, unit in memo.units.items()
    }
    list_pages = [
        f for f in lazy if f.path.startswith(("tags/", "years/")) and f.path.count("/") > 1
    ]
    assert list_pages and not any(type(f.key) is LazyKey for f in list_pages)
    assert {"term.html", "year.html"} <= LIST_TEMPLATES


def test_a_lazy_key_of_an_unkeyable_page_equals_nothing() -> None:
    """A page whose values cannot be keyed has no key (None: always rendered again); made
    lazily, its key must not equal another such key, nor None."""
    from builder.depends import LazyKey

    assert LazyKey(lambda: None) != LazyKey(lambda: None)
    assert LazyKey(lambda: None) != None  # noqa: E711  (the comparison is the point)
    assert LazyKey(lambda: ("a", 1)) == LazyKey(lambda: ("a", 1))
    assert LazyKey(lambda: ("a", 1)) == ("a", 1)
    assert ("a", 1) == LazyKey(lambda: ("a", 1))  # noqa: SIM300  (the reflected comparison)
    assert LazyKey(lambda: ("a", 1)) != LazyKey(lambda: ("a", 2))


def _moved_into_related(root: Path, target: Path, a_id: str, candidates: list) -> tuple:
    """An edit of `target` that moves event `a_id` to twelve days before one of the
    candidates, X, such that A becomes one of X's related events without being next to X
    in time: the edited text and X. The edit is tried with a cold model of the project."""
    import datetime as dt

    text = target.read_text(encoding="utf-8")
    line = re.search(rf"- id: {re.escape(a_id)}\n  date: \S+\n", text).group(0)
    for x in candidates:
        day = dt.date.fromisoformat(x.date.text) - dt.timedelta(days=12)
        edited = text.replace(line, f"- id: {a_id}\n  date: {day.isoformat()}\n")
        target.write_text(edited, encoding="utf-8")
        timeline, _, _ = build.make_timeline(root, build.BuildOptions())
        events, at = timeline.events, timeline.events.index(timeline.events_by_id[x.id])
        related = [e.id for e in RelatedEvents(timeline).of(events[at])]
        target.write_text(text, encoding="utf-8")
        if a_id in related and a_id not in {events[at - 1].id, events[at + 1].id}:
            return edited, x
    raise AssertionError("no event found that the moved one becomes related to")


def test_an_edit_before_any_page_rendered_compares_the_first_builds_lazy_keys(
    tmp_path: Path,
) -> None:
    """An edit made before the preview rendered any page of its first build (more files
    than it renders eagerly) compares that build's lazy keys, each made from the first
    build's own model: the site is a cold build's. The edit moves an event A close to a
    distant event X that shares a term with it, so that A becomes one of X's related events
    without being its neighbour: X's page changes by its related events alone."""
    root = tmp_path / "proj"
    generate(root, serve.EAGER_FILES + 100, 10, seed=5)
    terminal = serve.Terminal(out=io.StringIO(), err=io.StringIO())
    pv = serve.Preview(root, build.BuildOptions(), tmp_path / "out" / "site", terminal)
    assert pv.rebuild([])
    assert pv._model.memo.related.found == {}
    timeline, target = pv._model.timeline, events_file(pv)
    a = timeline.events_by_id[re.search(r"- id: (\S+)", target.read_text()).group(1)]
    terms = set(a.actors + a.tags)
    candidates = [
        e
        for e in reversed(timeline.events[:-1])
        if terms & set(e.actors + e.tags) and e.date.precision == "day"
    ][:8]
    edited, x = _moved_into_related(root, target, a.id, candidates)
    assert a.id not in [e.id for e in RelatedEvents(timeline).of(x)]
    target.write_text(edited, encoding="utf-8")
    rebuild(pv, target)
    assert_same_as_cold(pv)


def test_an_edit_right_after_a_template_change_compares_that_builds_lazy_keys(
    tmp_path: Path,
) -> None:
    """A template change plans every page again with lazy keys (nothing before it to
    compare them with); an edit made before the background rendered that build compares
    them, each made from that build's own model, and plans only the units it touched: the
    site is a cold build's."""
    root = tmp_path / "proj"
    generate(root, serve.EAGER_FILES + 100, 10, seed=5)
    terminal = serve.Terminal(out=io.StringIO(), err=io.StringIO())
    pv = serve.Preview(root, build.BuildOptions(), tmp_path / "out" / "site", terminal)
    assert pv.rebuild([])
    served(pv)
    own = root / "themes/default/templates/event.html"
    own.parent.mkdir(parents=True)
    shipped = (REPO / "themes/default/templates/event.html").read_text(encoding="utf-8")
    own.write_text(shipped.replace("</article>", "<p>Our own event page</p></article>", 1))
    total = len(rebuild(pv, own, TEMPLATE).changed)
    memo = pv._model.memo
    assert memo.lazy_keys and not pv._model.memo.own_templates.uncovered
    assert all(type(key) is LazyKey and key._make is not None for key in memo.lazy_keys[:50])
    target = events_file(pv)
    edit(target, r'title: "([^"]*)"', r'title: "\1 (after the template)"')
    snapshot = rebuild(pv, target)
    assert 0 < len(snapshot.changed) < total / 4, (len(snapshot.changed), total)
    assert_same_as_cold(pv)
    assert (
        b"Our own event page" in served(pv)[next(p for p in served(pv) if p.startswith("events/"))]
    )


def test_the_background_makes_the_lazy_keys_once_it_has_rendered_the_build(tmp_path: Path) -> None:
    import threading

    root = tmp_path / "proj"
    generate(root, 120, 6, seed=2)
    terminal = serve.Terminal(out=io.StringIO(), err=io.StringIO())
    pv = serve.Preview(root, build.BuildOptions(), tmp_path / "out" / "site", terminal)
    assert pv.rebuild([])
    lazy = list(pv._model.memo.lazy_keys)
    assert lazy and not any(key._make is None for key in lazy)
    stop = threading.Event()
    worker = threading.Thread(target=pv.complete_builds, args=(stop,), daemon=True)
    worker.start()
    try:
        _wait_for_folder(pv.output, None)
    finally:
        stop.set()
        worker.join(5)
    assert pv._model.memo.lazy_keys is None
    assert all(key._make is None for key in lazy), "a lazy key still holds the first model"
    target = events_file(pv)
    edit(target, r'title: "([^"]*)"', r'title: "\1 (after settling)"')
    rebuild(pv, target)
    assert_same_as_cold(pv)


def test_a_lazy_key_is_made_once_and_compares_as_the_key_it_makes() -> None:
    made = []

    def make() -> tuple:
        made.append(1)
        return ("events", ("e1", 3), ("e2", 1))

    key = LazyKey(make)
    assert made == []
    assert key == ("events", ("e1", 3), ("e2", 1))  # the key on the left
    made_key = ("events", ("e1", 3), ("e2", 1))
    assert made_key == key  # noqa: SIM300  (the key on the right: the reflected comparison)
    assert ("unit", key) == ("unit", ("events", ("e1", 3), ("e2", 1)))
    assert key != ("events", ("e1", 4), ("e2", 1))
    assert key == LazyKey(lambda: ("events", ("e1", 3), ("e2", 1)))
    assert hash(key) == hash(("events", ("e1", 3), ("e2", 1)))
    assert made == [1], "the key was made more than once"
    assert key._make is None  # what it was made from can go
