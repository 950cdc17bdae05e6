"""The timeline as data other programs read: feeds, sitemap, JSON, CSV, iCalendar, GeoJSON.

A timeline is only useful if people can follow it and reuse its facts, so every build also
writes the events in the formats other tools already load: Atom feeds for feed readers (one
for the whole site, one per country and per category), `events.json` in our own documented
schema, `timelinejs.json` for Knight Lab's TimelineJS, `events.csv` for spreadsheets,
`events.ics` for calendars and `events.geojson` for maps, plus the files a static host and
search engines look for (`sitemap.xml`, `robots.txt`, `.nojekyll`).

Like rendering, this is a pure function of the timeline: no clocks, no file times. Dates
that stand for "last modified" are taken from the content itself (see `modified_dates`),
so the same sources always give the same bytes, and a rebuild on a CI runner, where every
file's time is the checkout time, does not claim that every page changed.

Links: with a `base_url` every link is absolute. Without one, links are relative to the
file that holds them, so the exports work wherever the site is served, sub-paths included;
Atom and sitemap readers resolve them against the document's own address.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from builder import urls
from builder.countries import countries
from builder.dates import DatePart, EdtfDate
from builder.model import TAXONOMIES, Event, Timeline
from builder.text import markdown_renderer, render_markdown, slugify
from builder.write import OutputFile

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
#: Most entries a feed carries; feed readers keep what they have already seen.
FEED_LIMIT = 100
#: Taxonomies that get a feed of their own per term.
FEED_TAXONOMIES = ("countries", "categories")
#: Version of the events.json layout; raised only when a field changes meaning or goes.
EVENTS_JSON_VERSION = 1
CSV_COLUMNS = (
    "id",
    "date",
    "date_display",
    "start",
    "end",
    "precision",
    "approximate",
    "uncertain",
    "title",
    "summary",
    "countries",
    "location",
    "lat",
    "lon",
    "actors",
    "category",
    "category_label",
    "tags",
    "importance",
    "sources",
    "url",
)
#: Characters that make a spreadsheet read a cell as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_EPOCH = dt.date(1970, 1, 1)


# -- Links and dates ------------------------------------------------------------------------


def link(links: urls.Urls, site_path: str, from_file: str) -> str:
    """The URL of `site_path` as written in `from_file`: absolute with a base URL, else relative."""
    if links.base_url:
        return links.absolute(site_path)
    return urls.root_for(from_file) + site_path


def _publication_dates(event: Event, timeline: Timeline) -> Iterator[dt.date]:
    for source in event.sources:
        if source.date is not None and source.date.earliest is not None:
            yield source.date.earliest
        article = timeline.articles_by_id.get(source.article or "")
        if article is not None and article.date is not None and article.date.earliest:
            yield article.date.earliest


def newest_publication(timeline: Timeline) -> dt.date | None:
    """The newest publication date of any article or cited source: the content's "now"."""
    dates = [a.date.earliest for a in timeline.articles if a.date and a.date.earliest]
    for event in timeline.events:
        dates.extend(_publication_dates(event, timeline))
    return max(dates, default=None)


@dataclass(frozen=True)
class ModifiedDates:
    """When each page's content last changed, as far as the content itself can tell."""

    events: dict[str, dt.date]
    articles: dict[str, dt.date]
    site: dt.date | None

    def of_events(self, events: Iterable[Event]) -> dt.date | None:
        """The newest modification among these events."""
        return max((self.events[e.id] for e in events if e.id in self.events), default=None)


def modified_dates(timeline: Timeline) -> ModifiedDates:
    """Last-modified dates for sitemap lastmod, Atom `updated` and iCalendar DTSTAMP.

    An event changed last when its newest source was published (new reporting is what
    changes an entry); an event citing no dated source counts from its own start. No date
    lies beyond the newest publication date in the project, so a scheduled future event
    does not claim to have been modified in the future. An article counts from its date.
    """
    ceiling = newest_publication(timeline)
    events = {}
    for event in timeline.events:
        when = max(_publication_dates(event, timeline), default=None) or _first_day(event.date)
        if when is not None:
            events[event.id] = min(when, ceiling) if ceiling else when
    articles = {a.id: a.date.earliest for a in timeline.articles if a.date and a.date.earliest}
    every = [*events.values(), *articles.values()]
    return ModifiedDates(events, articles, max(every, default=None))


def _first_day(date: EdtfDate) -> dt.date | None:
    anchor = date.start if date.start.is_date else date.end
    return date.earliest or (anchor.earliest if anchor else None)


def _last_day(date: EdtfDate) -> dt.date | None:
    last_known: DatePart = date.end if date.end is not None and date.end.is_date else date.start
    return date.latest or last_known.latest


def _timestamp(day: dt.date | None) -> str:
    return f"{(day or _EPOCH).isoformat()}T00:00:00Z"


def plain_text(markdown: str) -> str:
    """Markdown as one line of plain text (for CSV cells, calendars and search snippets).

    Parsed as inline Markdown only, twice as fast as a full parse: emphasis, code and links
    become their text, while block marks such as list bullets stay as written.
    """
    tokens = markdown_renderer().parseInline(markdown or "")
    text = "".join(_inline_text(tokens[0].children or [])) if tokens else ""
    return " ".join(text.split())


def _inline_text(children: list) -> Iterator[str]:
    for child in children:
        if child.type in ("text", "code_inline"):
            yield child.content
        elif child.type in ("softbreak", "hardbreak"):
            yield " "


# -- events.json ----------------------------------------------------------------------------


def event_record(event: Event, links: urls.Urls, from_file: str = "events.json") -> dict:
    """An event as plain JSON data (the events.json schema, schema/events.schema.json)."""
    location = None
    if event.location:
        location = {
            "name": event.location.name,
            "lat": event.location.lat,
            "lon": event.location.lon,
        }
    return {
        "id": event.id,
        "date": event.date.text,
        "date_display": event.date.display(),
        "start": event.date.earliest.isoformat() if event.date.earliest else None,
        "end": event.date.latest.isoformat() if event.date.latest else None,
        "precision": event.date.precision,
        "approximate": event.date.approximate,
        "uncertain": event.date.uncertain,
        "title": event.title,
        "summary": event.summary,
        "countries": event.countries,
        "location": location,
        "actors": event.actors,
        "category": event.category,
        "tags": event.tags,
        "importance": event.importance,
        "sources": [
            {
                "article": s.article,
                "url": s.url,
                "title": s.title,
                "publisher": s.publisher,
                "date": s.date.text if s.date else None,
            }
            for s in event.sources
        ],
        "url": link(links, urls.event_path(event.id), from_file),
    }


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_document(head: dict, key: str, items: Iterable[dict]) -> str:
    """`head` as a JSON object whose last member `key` lists `items`, one per line.

    One item per line keeps the file readable and diffable; compact JSON lets Python use
    its C encoder (an indented dump of 10,000 events takes seconds).
    """
    opening = _compact({**head, key: []})[:-2]  # everything up to the list's "[" ... "]}"
    body = ",\n".join(_compact(item) for item in items)
    return f"{opening}\n{body}\n]}}\n" if body else f"{opening}]}}\n"


def events_json(timeline: Timeline, links: urls.Urls) -> str:
    """The events.json export: site metadata and every event, in timeline order."""
    head = {
        "version": EVENTS_JSON_VERSION,
        "title": timeline.site.title,
        "description": timeline.site.description,
        "language": timeline.site.language,
        "base_url": timeline.site.base_url or None,
        "categories": timeline.site.categories,
    }
    return json_document(head, "events", (event_record(e, links) for e in timeline.events))


# -- timelinejs.json ------------------------------------------------------------------------


def _timelinejs_date(part: DatePart) -> dict | None:
    ymd = part.earliest_ymd
    if ymd is None:
        return None
    year, month, day = ymd
    value: dict = {"year": year}
    if part.precision in ("month", "day", "season"):
        value["month"] = month
    if part.precision == "day":
        value["day"] = day
    value["display_date"] = part.display()
    return value


def _sources_html(event: Event, timeline: Timeline, links: urls.Urls, from_file: str) -> str:
    items = []
    for source in event.sources:
        article = timeline.articles_by_id.get(source.article or "")
        if article is not None:
            href = link(links, urls.article_path(article.id), from_file)
            label = ", ".join(x for x in (article.title, article.publisher) if x)
        else:
            href = source.url or ""
            label = ", ".join(x for x in (source.title or source.url, source.publisher) if x)
        items.append(f'<li><a href="{html.escape(href)}">{html.escape(label)}</a></li>')
    return f"<p>Sources:</p><ul>{''.join(items)}</ul>" if items else ""


def timelinejs_slide(
    event: Event, timeline: Timeline, links: urls.Urls, from_file: str = "timelinejs.json"
) -> dict:
    """One TimelineJS 3 slide: partial dates as year/month/day, qualifiers in display_date."""
    anchor = event.date.start if event.date.start.is_date else event.date.end
    assert anchor is not None
    slide: dict = {
        "unique_id": event.id,
        "start_date": _timelinejs_date(anchor),
        "display_date": event.date.display(),
        "text": {
            "headline": html.escape(event.title),
            "text": render_markdown(event.summary)
            + _sources_html(event, timeline, links, from_file),
        },
        "group": timeline.site.categories.get(event.category or "", event.category or ""),
        "autolink": False,
    }
    end = event.date.end
    if end is not None and end.is_date and anchor is event.date.start:
        slide["end_date"] = _timelinejs_date(end)
    return slide


def timelinejs_json(timeline: Timeline, links: urls.Urls) -> str:
    """The timelinejs.json export, the JSON that `new TL.Timeline(el, url)` loads."""
    site = timeline.site
    head = {
        "title": {
            "unique_id": "_title",
            "text": {
                "headline": html.escape(site.title),
                "text": f"<p>{html.escape(site.description)}</p>" if site.description else "",
            },
        },
    }
    slides = (timelinejs_slide(e, timeline, links) for e in timeline.events)
    return json_document(head, "events", slides)


# -- events.csv -----------------------------------------------------------------------------


def _cell(value: str) -> str:
    """Text for a CSV cell that a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_row(event: Event, timeline: Timeline, links: urls.Urls) -> list[str]:
    """One events.csv row, in the order of CSV_COLUMNS; lists are joined with "; "."""
    loc = event.location
    names = countries().names
    sources = []
    for s in event.sources:
        if s.article:
            sources.append(link(links, urls.article_path(s.article), "events.csv"))
        if s.url:
            sources.append(s.url)
    return [
        event.id,
        event.date.text,
        _cell(event.date.display()),
        event.date.earliest.isoformat() if event.date.earliest else "",
        event.date.latest.isoformat() if event.date.latest else "",
        event.date.precision,
        "true" if event.date.approximate else "false",
        "true" if event.date.uncertain else "false",
        _cell(event.title),
        _cell(plain_text(event.summary)),
        "; ".join(names.get(c, c) for c in event.countries),
        _cell(loc.name) if loc else "",
        "" if loc is None or loc.lat is None else repr(loc.lat),
        "" if loc is None or loc.lon is None else repr(loc.lon),
        _cell("; ".join(event.actors)),
        event.category or "",
        _cell(timeline.site.categories.get(event.category or "", "")),
        _cell("; ".join(event.tags)),
        str(event.importance),
        " ".join(sources),
        link(links, urls.event_path(event.id), "events.csv"),
    ]


def events_csv(timeline: Timeline, links: urls.Urls) -> str:
    """The events.csv export: a header row, then one row per event (RFC 4180, CRLF lines)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, dialect="excel")  # RFC 4180: CRLF, "" doubled, minimal quoting
    writer.writerow(CSV_COLUMNS)
    for event in timeline.events:
        writer.writerow(csv_row(event, timeline, links))
    return buffer.getvalue()


# -- events.ics -----------------------------------------------------------------------------


def _calendar_domain(timeline: Timeline) -> str:
    host = urlsplit(timeline.site.base_url).hostname if timeline.site.base_url else None
    return host or f"{slugify(timeline.site.title)}.timeline"


def _needs_date_in_title(date: EdtfDate) -> bool:
    return date.precision != "day" or date.approximate or date.uncertain


def ics_text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 section 3.3.11 requires."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str, limit: int = 75) -> str:
    """A content line folded into lines of at most 75 octets (RFC 5545 section 3.1).

    Folds never split a UTF-8 sequence or a backslash escape (some clients mishandle both).
    """
    data = line.encode("utf-8")
    if len(data) <= limit:
        return line
    parts, start, room = [], 0, limit
    while start < len(data):
        end = min(start + room, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:
            end -= 1  # inside a multi-byte character
        chunk = data[start:end]
        trailing = len(chunk) - len(chunk.rstrip(b"\\"))
        if end < len(data) and trailing % 2 == 1:
            end -= 1  # a lone backslash starts an escape: keep it with its character
        parts.append(data[start:end].decode("utf-8"))
        start, room = end, limit - 1  # continuation lines begin with a space
    return "\r\n ".join(parts)


def _ics_date(day: dt.date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def calendar_event(
    event: Event, timeline: Timeline, links: urls.Urls, modified: ModifiedDates
) -> list[str] | None:
    """The content lines of an all-day VEVENT spanning every day the date can mean.

    A day is a one-day event; a month, a year or an interval spans all its days, and the
    summary then names the date as written ("c. August 2021"), so a month-long bar is not
    read as a month-long happening. None when the date lies outside years 1-9999.
    """
    first, last = _first_day(event.date), _last_day(event.date)
    if first is None or last is None or last >= dt.date.max:
        return None
    stamp = modified.events.get(event.id) or modified.site or _EPOCH
    title = event.title
    if _needs_date_in_title(event.date):
        title += f" ({event.date.display()})"
    lines = [
        "BEGIN:VEVENT",
        f"UID:{ics_text(event.id + '@' + _calendar_domain(timeline))}",
        f"DTSTAMP:{_ics_date(stamp)}T000000Z",
        f"DTSTART;VALUE=DATE:{_ics_date(first)}",
        # DTEND of an all-day event is the day after its last day
        f"DTEND;VALUE=DATE:{_ics_date(last + dt.timedelta(days=1))}",
        f"SUMMARY:{ics_text(title)}",
        f"DESCRIPTION:{ics_text(_calendar_description(event, timeline, links))}",
        "TRANSP:TRANSPARENT",
    ]
    if event.category:
        label = timeline.site.categories.get(event.category, event.category)
        lines.append(f"CATEGORIES:{ics_text(label)}")
    if event.location:
        lines.append(f"LOCATION:{ics_text(event.location.name)}")
        if event.location.lat is not None and event.location.lon is not None:
            lines.append(f"GEO:{event.location.lat!r};{event.location.lon!r}")
    if links.base_url:
        lines.append(f"URL:{links.absolute(urls.event_path(event.id))}")
    lines.append("END:VEVENT")
    return lines


def _calendar_description(event: Event, timeline: Timeline, links: urls.Urls) -> str:
    lines = [event.date.display()]
    if event.summary:
        lines += ["", plain_text(event.summary)]
    cited = []
    for s in event.sources:
        article = timeline.articles_by_id.get(s.article or "")
        if article is not None:
            where = article.url or (
                links.absolute(urls.article_path(article.id)) if links.base_url else ""
            )
            cited.append(" ".join(x for x in (article.title, where) if x))
        elif s.url:
            cited.append(" ".join(x for x in (s.title, s.url) if x))
    if cited:
        lines += ["", "Sources:", *("- " + c for c in cited)]
    return "\n".join(lines)


def events_ics(timeline: Timeline, links: urls.Urls) -> bytes:
    """The events.ics export: an iCalendar (RFC 5545) file of all-day events.

    Written directly rather than with the `icalendar` package (which the tests use to read
    it back): that package folds lines character by character, which took 17 s for 10,000
    events; this takes well under one.
    """
    site = timeline.site
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//timeline-builder//Timeline export//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{ics_text(site.title)}",
    ]
    if site.description:
        lines.append(f"X-WR-CALDESC:{ics_text(site.description)}")
    modified = modified_dates(timeline)
    for event in timeline.events:
        lines.extend(calendar_event(event, timeline, links, modified) or [])
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")


# -- events.geojson -------------------------------------------------------------------------


def events_geojson(timeline: Timeline, links: urls.Urls) -> str:
    """The events.geojson export (RFC 7946): a Point per event with coordinates."""
    features = []
    for event in timeline.events:
        loc = event.location
        if loc is None or loc.lat is None or loc.lon is None:
            continue
        features.append(
            {
                "type": "Feature",
                "id": event.id,
                "geometry": {"type": "Point", "coordinates": [loc.lon, loc.lat]},
                "properties": {
                    "title": event.title,
                    "date": event.date.text,
                    "date_display": event.date.display(),
                    "start": event.date.earliest.isoformat() if event.date.earliest else None,
                    "end": event.date.latest.isoformat() if event.date.latest else None,
                    "place": loc.name,
                    "countries": event.countries,
                    "category": event.category,
                    "importance": event.importance,
                    "url": link(links, urls.event_path(event.id), "events.geojson"),
                },
            }
        )
    return json_document({"type": "FeatureCollection"}, "features", features)


# -- Atom feeds -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Feed:
    """One Atom feed: where it lives, what it is called, which page it describes."""

    path: str
    title: str
    page_path: str
    events: list[Event]


def feeds(timeline: Timeline) -> list[Feed]:
    """The site's feed, then one per country and one per category, events newest first."""
    site = timeline.site
    result = [Feed("feed.xml", site.title, "", list(reversed(timeline.events)))]
    for taxonomy in FEED_TAXONOMIES:
        for term in timeline.taxonomies[taxonomy]:
            result.append(
                Feed(
                    feed_path(taxonomy, term.slug),
                    f"{term.label} · {site.title}",
                    urls.term_path(taxonomy, term.slug),
                    list(reversed(term.events)),
                )
            )
    return result


def feed_path(taxonomy: str, slug: str) -> str:
    """Site path of the Atom feed of one country or category."""
    return urls.term_path(taxonomy, slug) + "feed.xml"


def _feed_id(timeline: Timeline, links: urls.Urls, site_path: str) -> str:
    """A permanent Atom id: the page's URL with a base URL, else a name-based UUID URN."""
    if links.base_url:
        return links.absolute(site_path)
    name = f"timeline:{timeline.site.title}:{site_path}"
    return uuid.uuid5(uuid.NAMESPACE_URL, name).urn


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _entry_html(event: Event, timeline: Timeline, links: urls.Urls, from_file: str) -> str:
    date = f"<p><strong>{html.escape(event.date.display())}</strong></p>"
    return date + render_markdown(event.summary) + _sources_html(event, timeline, links, from_file)


def atom_feed(feed: Feed, timeline: Timeline, links: urls.Urls, modified: ModifiedDates) -> bytes:
    """An Atom (RFC 4287) feed of the feed's newest events."""
    site = timeline.site
    events = feed.events[:FEED_LIMIT]
    root = ET.Element("feed", {"xmlns": ATOM, XML_LANG: site.language})
    _sub(root, "title", feed.title)
    if site.description:
        _sub(root, "subtitle", site.description)
    _sub(root, "id", _feed_id(timeline, links, feed.path))
    _sub(root, "updated", _timestamp(modified.of_events(events) or modified.site))
    self_href = link(links, feed.path, feed.path)
    _sub(root, "link", rel="self", type="application/atom+xml", href=self_href)
    page_href = link(links, feed.page_path, feed.path)
    _sub(root, "link", rel="alternate", type="text/html", href=page_href)
    author = _sub(root, "author")
    _sub(author, "name", site.title)
    _sub(root, "generator", "timeline-builder", uri="https://pypi.org/project/timeline-builder/")
    for event in events:
        entry = _sub(root, "entry")
        _sub(entry, "title", event.title)
        page = urls.event_path(event.id)
        _sub(entry, "id", _feed_id(timeline, links, page))
        _sub(entry, "link", rel="alternate", type="text/html", href=link(links, page, feed.path))
        updated = modified.events.get(event.id) or modified.site
        _sub(entry, "updated", _timestamp(updated))
        first = _first_day(event.date)
        if first is not None:
            _sub(entry, "published", _timestamp(min(first, updated) if updated else first))
        if event.category:
            label = site.categories.get(event.category, event.category)
            _sub(entry, "category", term=event.category, label=label)
        _sub(entry, "content", _entry_html(event, timeline, links, feed.path), type="html")
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")


# -- sitemap.xml, robots.txt, .nojekyll -----------------------------------------------------


def sitemap_entries(
    timeline: Timeline, modified: ModifiedDates
) -> Iterator[tuple[str, dt.date | None]]:
    """Every HTML page's site path with its last-modified date, for sitemap.xml."""
    yield "", modified.site
    yield "articles/", max(modified.articles.values(), default=None)
    for event in timeline.events:
        yield urls.event_path(event.id), modified.events.get(event.id)
    for article in timeline.articles:
        yield urls.article_path(article.id), modified.articles.get(article.id)
    for taxonomy in TAXONOMIES:
        terms = timeline.taxonomies[taxonomy]
        yield urls.taxonomy_path(taxonomy), modified.of_events(e for t in terms for e in t.events)
        for term in terms:
            yield urls.term_path(taxonomy, term.slug), modified.of_events(term.events)
    for year, events in timeline.years.items():
        yield urls.year_path(year), modified.of_events(events)
    for page in timeline.pages:
        yield urls.page_path(page.id), None


def sitemap_xml(timeline: Timeline, links: urls.Urls, modified: ModifiedDates) -> bytes:
    """sitemap.xml (sitemaps.org 0.9) with lastmod; locations relative without a base URL."""
    root = ET.Element("urlset", {"xmlns": SITEMAP})
    for path, lastmod in sitemap_entries(timeline, modified):
        url = ET.SubElement(root, "url")
        ET.SubElement(url, "loc").text = link(links, path, "sitemap.xml")
        if lastmod is not None:
            ET.SubElement(url, "lastmod").text = lastmod.isoformat()
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")


def robots_txt(links: urls.Urls) -> str:
    """robots.txt allowing every crawler, naming the sitemap when its address is known."""
    lines = ["User-agent: *", "Allow: /"]
    if links.base_url:
        lines.append(f"Sitemap: {links.absolute('sitemap.xml')}")
    return "\n".join(lines) + "\n"


# -- Everything -----------------------------------------------------------------------------


def plan_exports(timeline: Timeline, links: urls.Urls) -> list[tuple[str, Callable[[], bytes]]]:
    """Every feed, data export and host file as (path, render): paths now, bytes on demand.

    The live-preview server renders the page open in the browser first and these later.
    """
    modified = cache(lambda: modified_dates(timeline))
    plan: list[tuple[str, Callable[[], bytes]]] = [
        ("events.json", lambda: events_json(timeline, links).encode("utf-8")),
        ("timelinejs.json", lambda: timelinejs_json(timeline, links).encode("utf-8")),
        ("events.csv", lambda: events_csv(timeline, links).encode("utf-8")),
        ("events.ics", lambda: events_ics(timeline, links)),
        ("events.geojson", lambda: events_geojson(timeline, links).encode("utf-8")),
        ("sitemap.xml", lambda: sitemap_xml(timeline, links, modified())),
        ("robots.txt", lambda: robots_txt(links).encode("utf-8")),
        (".nojekyll", lambda: b""),
    ]
    for feed in feeds(timeline):
        plan.append((feed.path, lambda f=feed: atom_feed(f, timeline, links, modified())))
    return plan


def render_exports(timeline: Timeline, links: urls.Urls) -> list[OutputFile]:
    """Every feed, data export and host file of the site, in memory."""
    return [OutputFile(path, render()) for path, render in plan_exports(timeline, links)]
