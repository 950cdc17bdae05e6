"""The data exports, read back by the tools people use: feedparser, icalendar, jsonschema,
the csv module, and the real TimelineJS in headless Chromium."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from urllib.parse import urljoin

import feedparser
import icalendar
import jsonschema
import pytest
from conftest import REPO, run_timeline, write
from sitehttp import chromium, serve

SCHEMA = REPO / "schema" / "events.schema.json"

EXTRA_EVENTS = """\
- id: csv-trouble
  date: 2022-03-05
  title: '=HYPERLINK("https://evil.example") "quoted", with commas'
  summary: |
    First line with "quotes", commas, and a [link](https://example.org/).

    Second paragraph.

    - a *bullet*
  countries: [UZ]
  location: {name: Termez, lat: 37.2242, lon: 67.2783}
  category: attack
  sources: [{url: "https://news.example/termez"}]
- id: spring-talks
  date: 2022-21
  title: Talks in spring
  countries: [KZ]
  category: diplomacy
  sources: [{url: "https://news.example/spring"}]
- id: open-ended-deployment
  date: 2022-06/..
  title: Deployment continues
  countries: [TJ]
  category: attack
  sources: [{url: "https://news.example/deploy"}]
- id: the-2010s
  date: 201X
  title: Something in the 2010s
  sources: [{url: "https://news.example/decade"}]
- id: uncertain-day
  date: 2020-05-17?
  title: Perhaps on 17 May 2020
  location: {name: Dushanbe, lat: 38.5598, lon: 68.787}
  sources: [{url: "https://news.example/perhaps"}]
"""


@pytest.fixture
def rich(project: Path) -> Path:
    """The fixture project plus events with every kind of date, coordinates and CSV traps."""
    write(project / "content" / "events" / "extra.yaml", EXTRA_EVENTS)
    return project


def _build(project: Path, *args: str) -> Path:
    result = run_timeline("build", str(project), "--strict", *args)
    assert result.code == 0, result.err
    return project / "site"


def _events(site: Path) -> list[dict]:
    return json.loads((site / "events.json").read_text(encoding="utf-8"))["events"]


# -- Atom ------------------------------------------------------------------------------------


def test_feed_is_valid_atom_with_absolute_links_newest_first(rich: Path) -> None:
    site = _build(rich, "--base-url", "https://example.org/tl/")
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.title == "Test Timeline"
    assert feed.feed.id == "https://example.org/tl/feed.xml"
    assert feed.feed.updated_parsed is not None
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {
        "self": "https://example.org/tl/feed.xml",
        "alternate": "https://example.org/tl/",
    }
    ids = [e.id for e in feed.entries]
    assert len(ids) == len(set(ids)) == 9
    starts = {e["id"]: e["start"] for e in _events(site)}
    entry_starts = [starts[e.link.rsplit("/", 2)[-2]] or "" for e in feed.entries]
    assert entry_starts == sorted(entry_starts, reverse=True)  # newest first
    putin = next(e for e in feed.entries if e.title.startswith("Putin warns"))
    assert putin.link == (
        "https://example.org/tl/events/2023-10-13-putin-warns-about-afghanistan-at-cis-meeting/"
    )
    assert putin.id == putin.link
    assert putin.updated_parsed[:3] == (2023, 10, 13)  # the seed clipping's date
    assert "13 October 2023" in putin.content[0].value
    assert "<em>summit</em>" in putin.content[0].value
    assert putin.tags[0].term == "diplomacy" and putin.tags[0].label == "Diplomacy"


def test_feed_without_base_url_uses_stable_urn_ids_and_relative_links(rich: Path) -> None:
    site = _build(rich)
    with serve({"/sub/": site}) as origin:  # feedparser fetches it from a sub-path
        first = feedparser.parse(origin + "/sub/feed.xml")
    assert not first.bozo, first.bozo_exception
    assert first.feed.id.startswith("urn:uuid:")
    assert all(e.id.startswith("urn:uuid:") for e in first.entries)
    entry = next(e for e in first.entries if e.title == "Taliban take Kabul")
    assert entry.link == origin + "/sub/events/taliban-takeover/"
    again = feedparser.parse(_build(rich).joinpath("feed.xml").read_bytes())
    assert [e.id for e in again.entries] == [e.id for e in first.entries]  # stable ids


def test_one_feed_per_country_and_category(rich: Path) -> None:
    site = _build(rich, "--base-url", "https://example.org/")
    tajik = feedparser.parse((site / "countries" / "tj" / "feed.xml").read_bytes())
    assert not tajik.bozo
    assert tajik.feed.title == "Tajikistan · Test Timeline"
    titles = [e.title for e in tajik.entries]
    assert set(titles) == {
        "Rocket fire into Tajikistan",
        "Three militants killed near the border",
        "Deployment continues",
    }
    attack = feedparser.parse((site / "categories" / "attack" / "feed.xml").read_bytes())
    assert {e.title for e in attack.entries} == {
        "Rocket fire into Tajikistan",
        "Deployment continues",
        '=HYPERLINK("https://evil.example") "quoted", with commas',
    }
    page = (site / "countries" / "tj" / "index.html").read_text(encoding="utf-8")
    assert 'type="application/atom+xml"' in page and 'href="../../countries/tj/feed.xml"' in page
    assert not (site / "actors" / "taliban" / "feed.xml").exists()


def test_feed_newest_first_by_start(rich: Path) -> None:
    site = _build(rich)
    feed = feedparser.parse((site / "categories" / "attack" / "feed.xml").read_bytes())
    assert [e.title for e in feed.entries] == [
        "Deployment continues",
        '=HYPERLINK("https://evil.example") "quoted", with commas',
        "Rocket fire into Tajikistan",
    ]


# -- events.json -----------------------------------------------------------------------------


def test_events_json_validates_against_its_published_schema(rich: Path) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    for args in ([], ["--base-url", "https://example.org/tl/"]):
        data = json.loads((_build(rich, *args) / "events.json").read_text(encoding="utf-8"))
        jsonschema.validate(data, schema, format_checker=jsonschema.FormatChecker())
    assert len(data["events"]) == 9
    kabul = next(e for e in data["events"] if e["id"] == "taliban-takeover")
    assert kabul["url"] == "https://example.org/tl/events/taliban-takeover/"
    assert kabul["date"] == "2021-08~" and kabul["approximate"] is True
    assert kabul["date_display"] == "c. August 2021"


def test_events_json_schema_rejects_what_it_should(rich: Path) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    data = json.loads((_build(rich) / "events.json").read_text(encoding="utf-8"))
    data["events"][0]["surprise"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)
    del data["events"][0]["surprise"]
    data["events"][0]["importance"] = 7
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_events_json_urls_are_relative_without_base_url(rich: Path) -> None:
    site = _build(rich)
    for event in _events(site):
        target = urljoin("https://host.example/sub/events.json", event["url"])
        assert target == f"https://host.example/sub/events/{event['id']}/"
        assert (site / "events" / event["id"] / "index.html").is_file()


# -- events.csv ------------------------------------------------------------------------------


def test_csv_is_rfc4180_one_row_per_event(rich: Path) -> None:
    site = _build(rich)
    raw = (site / "events.csv").read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n") == 1 + 9  # every record ends in CRLF
    text = raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0][:3] == ["id", "date", "date_display"]
    assert len(rows) == 1 + 9
    assert len({len(r) for r in rows}) == 1
    by_id = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    trouble = by_id["csv-trouble"]
    assert trouble["title"] == '\'=HYPERLINK("https://evil.example") "quoted", with commas'
    # Plain words: the link, the emphasis and the list's bullet leave only their text.
    assert (
        trouble["summary"]
        == "First line with “quotes”, commas, and a link. Second paragraph. a bullet"
    )
    assert trouble["lat"] == "37.2242" and trouble["lon"] == "67.2783"
    assert trouble["countries"] == "Uzbekistan"
    assert by_id["taliban-takeover"]["date_display"] == "c. August 2021"
    assert [r[0] for r in rows[1:]] == [e["id"] for e in _events(site)]
    assert '"\'=HYPERLINK(""https://evil.example"") ""quoted"", with commas"' in text


def test_csv_date_cells_are_protected_from_formulas_like_the_others(project: Path) -> None:
    """A date before year 0 starts with "-", which a spreadsheet reads as a formula."""
    write(
        project / "content/events/ancient.yaml",
        """\
        id: ancient
        date: -0100/-0050
        title: Long ago
        sources: [{url: "https://news.example/ancient"}]
        """,
    )
    site = _build(project)
    text = (site / "events.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    (ancient,) = [r for r in rows if r["id"] == "ancient"]
    assert ancient["date"] == "'-0100/-0050"
    formula_start = tuple("=+-@\t\r")
    assert not [cell for row in rows for cell in row.values() if cell.startswith(formula_start)]


# -- events.ics ------------------------------------------------------------------------------


def _calendar(site: Path) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical((site / "events.ics").read_bytes())
    assert calendar["VERSION"] == "2.0" and calendar.get("PRODID")
    events = {}
    for component in calendar.walk("VEVENT"):
        uid = str(component["UID"])
        assert uid not in events
        events[uid.split("@")[0]] = component
        assert component.get("DTSTAMP") is not None
    return events


def test_ics_has_all_day_events_for_day_precision(rich: Path) -> None:
    site = _build(rich, "--base-url", "https://example.org/tl/")
    events = _calendar(site)
    putin = events["2023-10-13-putin-warns-about-afghanistan-at-cis-meeting"]
    assert putin["DTSTART"].dt == dt.date(2023, 10, 13)
    assert not isinstance(putin["DTSTART"].dt, dt.datetime)  # VALUE=DATE: all day
    assert putin["DTEND"].dt == dt.date(2023, 10, 14)
    assert str(putin["SUMMARY"]) == "Putin warns about Afghanistan at CIS meeting"
    assert str(putin["URL"]).endswith(
        "/events/2023-10-13-putin-warns-about-afghanistan-at-cis-meeting/"
    )
    assert str(putin["UID"]).endswith("@example.org")
    trouble = events["csv-trouble"]
    assert [float(x) for x in (trouble["GEO"].latitude, trouble["GEO"].longitude)] == [
        37.2242,
        67.2783,
    ]
    assert str(trouble["LOCATION"]) == "Termez"
    assert "Second paragraph." in str(trouble["DESCRIPTION"])
    assert "https://news.example/termez" in str(trouble["DESCRIPTION"])


def test_ics_spans_coarse_dates_and_names_them(rich: Path) -> None:
    events = _calendar(_build(rich))
    kabul = events["taliban-takeover"]
    assert (kabul["DTSTART"].dt, kabul["DTEND"].dt) == (dt.date(2021, 8, 1), dt.date(2021, 9, 1))
    assert str(kabul["SUMMARY"]) == "Taliban take Kabul (c. August 2021)"
    rockets = next(v for k, v in events.items() if k.startswith("2021-10-2023-10"))
    assert (rockets["DTSTART"].dt, rockets["DTEND"].dt) == (
        dt.date(2021, 10, 1),
        dt.date(2023, 11, 1),
    )
    spring = events["spring-talks"]
    assert (spring["DTSTART"].dt, spring["DTEND"].dt) == (dt.date(2022, 3, 1), dt.date(2022, 6, 1))
    assert str(spring["SUMMARY"]) == "Talks in spring (Spring 2022)"
    open_end = events["open-ended-deployment"]
    assert open_end["DTSTART"].dt == dt.date(2022, 6, 1)
    assert "URL" not in kabul  # no absolute address without a base URL
    assert len(events) == 9


# -- events.geojson --------------------------------------------------------------------------


def test_geojson_has_a_point_per_event_with_coordinates(rich: Path) -> None:
    site = _build(rich)
    data = json.loads((site / "events.geojson").read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    features = {f["id"]: f for f in data["features"]}
    assert set(features) == {"csv-trouble", "uncertain-day"}
    termez = features["csv-trouble"]
    assert termez["geometry"] == {"type": "Point", "coordinates": [67.2783, 37.2242]}  # lon, lat
    assert termez["properties"]["date"] == "2022-03-05"
    assert features["uncertain-day"]["properties"]["date_display"] == "17 May 2020?"


# -- timelinejs.json in the real TimelineJS --------------------------------------------------


TIMELINEJS = REPO / "node_modules" / "@knight-lab" / "timelinejs" / "dist"
PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/tljs/css/timeline.css">
<script src="/tljs/js/timeline.js"></script></head>
<body><div id="tl" style="width: 1000px; height: 600px"></div>
<script>
window.tlErrors = [];
window.timeline = new TL.Timeline("tl", "/site/timelinejs.json");
window.timeline.on("dataloaded", function () { window.tlLoaded = true; });
</script></body></html>
"""


def test_timelinejs_loads_one_slide_per_event(rich: Path, tmp_path: Path) -> None:
    assert (TIMELINEJS / "js" / "timeline.js").is_file(), "run `npm install` in the repo first"
    site = _build(rich)
    page = tmp_path / "page"
    page.mkdir()
    (page / "index.html").write_text(PAGE, encoding="utf-8")
    data = json.loads((site / "timelinejs.json").read_text(encoding="utf-8"))
    ids = [e["id"] for e in _events(site)]
    assert [s["unique_id"] for s in data["events"]] == ids
    with serve({"/": page, "/site/": site, "/tljs/": TIMELINEJS}) as origin, chromium() as browser:
        tab = browser.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.goto(origin + "/")
        tab.wait_for_function("window.tlLoaded === true && document.querySelector('.tl-slide')")
        slides = tab.eval_on_selector_all(
            ".tl-slide:not(.tl-slide-titleslide)", "els => els.map(e => e.id)"
        )
        events_loaded = tab.evaluate("window.timeline.config.events.length")
        title = tab.eval_on_selector(".tl-slide-titleslide .tl-headline", "e => e.textContent")
        dates = tab.eval_on_selector_all(".tl-headline-date", "els => els.map(e => e.textContent)")
        message = tab.evaluate(
            "(document.querySelector('.tl-message-full') || {}).textContent || ''"
        )
    assert errors == [] and message == ""
    assert events_loaded == len(ids) == 9
    assert sorted(slides) == sorted(ids)  # one slide per event, each with its stable id
    assert title == "Test Timeline"
    assert "c. August 2021" in dates and "Spring 2022" in dates and "2010s" in dates
    assert "from June 2022" in dates and "17 May 2020?" in dates


def test_timelinejs_partial_dates_are_fields_and_headlines_are_escaped(rich: Path) -> None:
    data = json.loads((_build(rich) / "timelinejs.json").read_text(encoding="utf-8"))
    slides = {s["unique_id"]: s for s in data["events"]}
    assert slides["taliban-takeover"]["start_date"] == {
        "year": 2021,
        "month": 8,
        "display_date": "c. August 2021",
    }
    assert slides["taliban-takeover"]["display_date"] == "c. August 2021"
    rockets = next(s for k, s in slides.items() if k.startswith("2021-10-2023-10"))
    assert rockets["start_date"]["year"] == 2021 and rockets["end_date"]["month"] == 10
    assert slides["the-2010s"]["start_date"] == {"year": 2010, "display_date": "2010s"}
    # a span over the decade: a point in 2010 would claim the year
    assert slides["the-2010s"]["end_date"] == {"year": 2019, "display_date": "2010s"}
    assert "end_date" not in slides["open-ended-deployment"]
    headline = slides["csv-trouble"]["text"]["headline"]
    assert (
        headline == "=HYPERLINK(&quot;https://evil.example&quot;) &quot;quoted&quot;, with commas"
    )


@pytest.mark.parametrize(
    "text",
    [
        "short",
        "Comma, semicolon; backslash \\ and\nnewline " * 5,
        "Кириллица и эмодзи 🙂 " * 12,
        "\\" * 200,
        "x" * 74 + "\\,tail",
        "é" * 100,
    ],
)
def test_ics_lines_fold_at_75_octets_and_read_back(text: str) -> None:
    from builder.exports import fold, ics_text

    line = fold("DESCRIPTION:" + ics_text(text))
    physical = line.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in physical)
    assert all(p.startswith(" ") for p in physical[1:])
    calendar = icalendar.Calendar.from_ical(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:x\r\nDTSTAMP:20240101T000000Z\r\nDTSTART;VALUE=DATE:20240101\r\n{line}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    [event] = calendar.walk("VEVENT")
    assert str(event["DESCRIPTION"]) == text
