"""The exports' FragmentMemo as the live preview uses it: real project files edited between
rebuilds, parsed and validated with the preview's caches, and every export and the search
index rendered through one memo must be byte for byte what a fresh build renders."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import icalendar
import pytest
from conftest import write

from builder import urls
from builder.build import BuildOptions, make_timeline
from builder.exports import FragmentMemo, plan_exports
from builder.load import FileCache
from builder.model import Timeline
from builder.search import INDEX_PATH, search_index
from builder.validate import ValidationCache

ATOM = "{http://www.w3.org/2005/Atom}"
EVENTS = """\
- id: ferry-crossing
  date: 2022-06-14
  title: Ferry crossing reopens on the Amu Darya
  summary: Traders *return* to the [crossing](https://example.org/ferry).
  countries: [UZ, AF]
  location: {name: Termez, lat: 37.2242, lon: 67.2783}
  category: diplomacy
  sources: [{article: report}]
- id: border-talks
  date: 2022-07
  title: Border talks in Dushanbe
  countries: [TJ]
  category: diplomacy
  sources: [{url: "https://news.example/talks", title: Talks}]
"""


class Preview:
    """Rebuilds as `timeline serve` does: one file cache, one validation cache, one memo."""

    def __init__(self, project: Path, base_url: str | None = None) -> None:
        self.project = project
        self.options = BuildOptions(base_url=base_url)
        self.files = FileCache()
        self.validation = ValidationCache()
        self.memo = FragmentMemo()

    def rebuild(self) -> tuple[Timeline, dict[str, bytes]]:
        """The new timeline and its exports rendered through the kept memo."""
        timeline, report, _ = make_timeline(
            self.project, self.options, self.files, validation=self.validation
        )
        assert timeline is not None, report.items
        return timeline, render(timeline, self.memo)


def render(timeline: Timeline, memo: FragmentMemo | None = None) -> dict[str, bytes]:
    """Every export and the search index, by path."""
    links = urls.Urls(timeline.site.base_url)
    files = {path: make() for path, make in plan_exports(timeline, links, memo)}
    files[INDEX_PATH] = search_index(timeline, memo)
    return files


def fresh(project: Path, base_url: str | None = None) -> dict[str, bytes]:
    """The exports of a cold build of the project as it is now, with no memo."""
    timeline, report, _ = make_timeline(project, BuildOptions(base_url=base_url))
    assert timeline is not None, report.items
    return render(timeline)


def assert_same(warm: dict[str, bytes], cold: dict[str, bytes]) -> None:
    assert sorted(warm) == sorted(cold)
    differing = [path for path in cold if warm[path] != cold[path]]
    assert differing == []


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def preview(project: Path) -> Preview:
    write(project / "content" / "events" / "2022.yaml", EVENTS)
    return Preview(project)


def test_title_edit_shows_in_every_export_and_matches_a_fresh_build(
    project: Path, preview: Preview
) -> None:
    before, _ = preview.rebuild()
    kept = dict(zip([e.id for e in before.events], preview.memo.latest.events, strict=True))
    edit(
        project / "content" / "events" / "2022.yaml",
        "Ferry crossing reopens on the Amu Darya",
        "Ferry & barge crossing reopens at Termez",
    )
    after, warm = preview.rebuild()
    assert_same(warm, fresh(project))

    new_title = "Ferry & barge crossing reopens at Termez"
    for path in ("events.json", "timelinejs.json", "events.geojson", INDEX_PATH):
        text = warm[path].decode("utf-8")
        assert new_title in text or new_title.replace("&", "&amp;") in text, path
        assert "Amu Darya" not in text, path
    assert new_title in warm["events.csv"].decode("utf-8")
    assert "Ferry & barge crossing reopens at Termez" in warm["events.ics"].decode("utf-8")
    for feed in ("feed.xml", "countries/uz/feed.xml", "categories/diplomacy/feed.xml"):
        titles = [
            e.findtext(f"{ATOM}title") for e in ET.fromstring(warm[feed]).iter(f"{ATOM}entry")
        ]
        assert new_title in titles, feed
        assert not any("Amu Darya" in t for t in titles), feed

    # The memo did its work: unchanged events kept their pieces, the edited one got new ones.
    now = dict(zip([e.id for e in after.events], preview.memo.latest.events, strict=True))
    assert now["border-talks"] is kept["border-talks"] and now["border-talks"]
    assert now["ferry-crossing"] is not kept["ferry-crossing"]


def test_removed_event_disappears_from_every_export(project: Path, preview: Preview) -> None:
    preview.rebuild()
    write(project / "content" / "events" / "2022.yaml", EVENTS.split("- id: border-talks")[0])
    after, warm = preview.rebuild()
    assert_same(warm, fresh(project))
    for path, data in warm.items():
        assert b"border-talks" not in data and b"Border talks" not in data, path
    assert "border-talks" not in [e.id for e in after.events]
    assert len(preview.memo.events) == len(after.events)  # its pieces are gone too


def test_added_event_appears_in_order(project: Path, preview: Preview) -> None:
    preview.rebuild()
    extra = "- id: new-checkpoint\n  date: 2022-06-20\n  title: New checkpoint\n"
    extra += "  countries: [TJ]\n  sources: [{url: 'https://news.example/cp'}]\n"
    write(project / "content" / "events" / "more.yaml", extra)
    _, warm = preview.rebuild()
    assert_same(warm, fresh(project))
    ids = [e["id"] for e in json.loads(warm["events.json"])["events"]]
    assert ids.index("ferry-crossing") < ids.index("new-checkpoint") < ids.index("border-talks")


def test_event_moved_to_another_country_and_year_moves_in_sitemap_and_feeds(
    project: Path, preview: Preview
) -> None:
    _, before = preview.rebuild()
    assert b"countries/kz/" not in before["sitemap.xml"]
    edit(project / "content" / "events" / "2022.yaml", "countries: [TJ]", "countries: [KZ]")
    edit(project / "content" / "events" / "2022.yaml", "date: 2022-07", "date: 2019-07")
    _, warm = preview.rebuild()
    assert_same(warm, fresh(project))
    assert b"countries/kz/" in warm["sitemap.xml"] and b"years/2019/" in warm["sitemap.xml"]
    assert b"Border talks" in warm["countries/kz/feed.xml"]


def test_article_title_change_reaches_the_events_citing_it(project: Path, preview: Preview) -> None:
    preview.rebuild()
    edit(
        project / "content" / "articles" / "report.md",
        "title: A report on the border",
        "title: The border, reported again",
    )
    _, warm = preview.rebuild()
    assert_same(warm, fresh(project))
    for path in ("timelinejs.json", "events.ics", "feed.xml", "countries/uz/feed.xml"):
        text = warm[path].decode("utf-8").replace("\r\n ", "")  # unfold iCalendar lines
        assert "The border\\, reported again" in text or "The border, reported again" in text
        assert "A report on the border" not in text, path


def test_site_yaml_change_starts_the_memo_over(project: Path, preview: Preview) -> None:
    preview.rebuild()
    edit(project / "content" / "site.yaml", "diplomacy: Diplomacy", "diplomacy: Talks & deals")
    edit(project / "content" / "site.yaml", "title: Test Timeline", "title: Renamed Timeline")
    _, warm = preview.rebuild()
    assert_same(warm, fresh(project))
    assert "Talks & deals" in warm["events.csv"].decode("utf-8")
    assert b"Renamed Timeline" in warm["feed.xml"]


def test_unchanged_rebuild_and_absolute_links(project: Path) -> None:
    write(project / "content" / "events" / "2022.yaml", EVENTS)
    preview = Preview(project, base_url="https://example.org/tl/")
    _, first = preview.rebuild()
    _, second = preview.rebuild()
    assert_same(second, first)
    assert_same(second, fresh(project, "https://example.org/tl/"))
    assert b"https://example.org/tl/events/ferry-crossing/" in second["events.json"]


def test_feed_and_sitemap_escape_markup_characters_as_xml_requires(project: Path) -> None:
    tricky = "Fish & <chips> \"quoted\" 'single' > done"
    write(
        project / "content" / "events" / "2022.yaml",
        """\
        - id: tricky
          date: 2022-06-14
          title: 'Fish & <chips> "quoted" ''single'' > done'
          category: diplomacy
          sources: [{url: "https://news.example/a?b=1&c=2"}]
        """,
    )
    edit(project / "content" / "site.yaml", "diplomacy: Diplomacy", 'diplomacy: "A&B <\\"C\\">\\t"')
    files = Preview(project).rebuild()[1]
    feed = ET.fromstring(files["categories/diplomacy/feed.xml"])
    entries = {e.findtext(f"{ATOM}title"): e for e in feed.iter(f"{ATOM}entry")}
    assert tricky in entries
    assert entries[tricky].find(f"{ATOM}category").get("label") == 'A&B <"C">\t'
    assert "https://news.example/a?b=1&amp;c=2" in entries[tricky].findtext(f"{ATOM}content")
    sitemap = ET.fromstring(files["sitemap.xml"])
    locations = [
        loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")
    ]
    assert "./events/tricky/" in locations


def test_title_changed_in_place_with_a_new_revision(project: Path, preview: Preview) -> None:
    """The way docs/performance.md measures a warm rebuild: one record edited in place."""
    timeline, _ = preview.rebuild()
    event = next(e for e in timeline.events if e.id == "border-talks")
    event.title = "Border talks move to Khorog"
    event.revision = 10**9
    warm = render(timeline, preview.memo)
    assert_same(warm, render(timeline))
    assert b"Border talks move to Khorog" in warm["events.json"]


def test_every_event_removed_leaves_valid_empty_exports(project: Path, preview: Preview) -> None:
    preview.rebuild()
    for path in (project / "content" / "events").glob("*.yaml"):
        path.write_text("[]\n", encoding="utf-8")
    timeline, warm = preview.rebuild()
    assert timeline.events == []
    assert_same(warm, fresh(project))
    assert warm["events.csv"].decode("utf-8").startswith("id,date,date_display,")
    calendar = icalendar.Calendar.from_ical(warm["events.ics"])
    assert calendar.get("X-WR-CALNAME") == "Test Timeline"
    assert calendar.walk("VEVENT") == []
    assert json.loads(warm["events.json"])["events"] == []
    assert ET.fromstring(warm["feed.xml"]).findall(f"{ATOM}entry") == []


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain",
        "Fish & <chips> > 'x' \"y\"",
        "tab\there\r\nCRLF\rCR\nLF",
        "Dušanbe — “q” \u2028 &amp;",
    ],
)
def test_feed_and_sitemap_markup_is_written_as_elementtree_writes_it(text: str) -> None:
    """Entries are string-built so each can be kept on its own; the bytes must not change."""
    from builder.exports import _xml_element

    element = ET.Element("title", {"label": text, "term": "t"})
    element.text = text
    assert _xml_element("title", text, (("label", text), ("term", "t"))) == ET.tostring(
        element, encoding="unicode"
    )


def test_newer_article_date_moves_last_modified_dates(project: Path, preview: Preview) -> None:
    """The newest publication caps every page's lastmod, so one article's date moves many."""
    _, before = preview.rebuild()
    edit(project / "content" / "articles" / "report.md", "date: 2023-09-05", "date: 2025-02-01")
    _, warm = preview.rebuild()
    assert_same(warm, fresh(project))
    assert warm["sitemap.xml"] != before["sitemap.xml"]
    assert b"<lastmod>2025-02-01</lastmod>" in warm["sitemap.xml"]
