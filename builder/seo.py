"""Structured data for search engines and link previews: schema.org JSON-LD per page.

Search engines read a page's `<script type="application/ld+json">` to learn what it is
about: an event page describes a schema.org `Event`, an article page a `NewsArticle`, the
home page the `WebSite`. The theme's `partials/seo.html` calls `json_ld(...)` and writes the
result with Jinja's `tojson`, which escapes `<`, `>` and `&`, so no content text can close
the script element.
"""

from __future__ import annotations

from builder.countries import countries
from builder.model import Article, Event, Site
from builder.text import render_markdown, striptags

SCHEMA_ORG = "https://schema.org"
#: How many characters of a summary a page description keeps (cut on a word, ending in …).
DESCRIPTION_LENGTH = 200
#: How far past DESCRIPTION_LENGTH a text may run uncut (Jinja's `truncate` leeway).
DESCRIPTION_LEEWAY = 5


def _without_empty(data: dict) -> dict:
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def shortened(text: str, length: int = DESCRIPTION_LENGTH) -> str:
    """The text cut on a word before `length` characters and ended with `…`, unless it runs
    at most DESCRIPTION_LEEWAY past them (what Jinja's `truncate(length, end='…')` does)."""
    if len(text) <= length + DESCRIPTION_LEEWAY:
        return text
    return text[: length - 1].rsplit(" ", 1)[0] + "…"


def event_description(event: Event) -> str:
    """An event page's description for link previews and search engines: its summary as
    plain text (the rendered Markdown without tags, as readers see it), shortened; or its
    date and title when it has no summary. The summary's HTML is the one its page shows,
    converted once per process by `builder.text`."""
    if not event.summary:
        return f"{event.date.display()}: {event.title}"
    return shortened(striptags(render_markdown(event.summary)))


def event_json_ld(event: Event, site: Site, url: str, description: str) -> dict:
    """A schema.org Event: name, ISO 8601 start and end (partial dates allowed), place."""
    start = event.date.start if event.date.start.is_date else None
    end = event.date.end if event.date.end is not None and event.date.end.is_date else None
    names = countries().names
    places = []
    if event.location:
        geo = None
        if event.location.lat is not None and event.location.lon is not None:
            geo = {
                "@type": "GeoCoordinates",
                "latitude": event.location.lat,
                "longitude": event.location.lon,
            }
        places.append(_without_empty({"@type": "Place", "name": event.location.name, "geo": geo}))
    for code in event.countries:
        places.append(
            {
                "@type": "Place",
                "name": names.get(code, code),
                "address": {"@type": "PostalAddress", "addressCountry": code},
            }
        )
    sources = [
        _without_empty(
            {"@type": "CreativeWork", "url": s.url, "name": s.title, "publisher": s.publisher}
        )
        for s in event.sources
        if s.url
    ]
    return _without_empty(
        {
            "@context": SCHEMA_ORG,
            "@type": "Event",
            "name": event.title,
            "description": description,
            "startDate": start.datetime_attr() if start else None,
            "endDate": end.datetime_attr() if end else None,
            "location": places[0] if len(places) == 1 else places,
            "url": url,
            "keywords": ", ".join([*event.tags, *event.actors]),
            "subjectOf": sources,
            "isPartOf": {"@type": "WebSite", "name": site.title},
        }
    )


def article_json_ld(article: Article, site: Site, url: str, description: str) -> dict:
    """A schema.org NewsArticle: headline, publication date, authors, publisher, original."""
    return _without_empty(
        {
            "@context": SCHEMA_ORG,
            "@type": "NewsArticle",
            "headline": article.title[:110],
            "description": description,
            "datePublished": article.date.datetime_attr() if article.date else None,
            "author": [{"@type": "Person", "name": name} for name in article.authors],
            "publisher": (
                {"@type": "Organization", "name": article.publisher} if article.publisher else None
            ),
            "url": url,
            "mainEntityOfPage": url,
            "isBasedOn": article.url,
            "isPartOf": {"@type": "WebSite", "name": site.title},
        }
    )


def website_json_ld(site: Site, url: str) -> dict:
    """A schema.org WebSite for the home page."""
    return _without_empty(
        {
            "@context": SCHEMA_ORG,
            "@type": "WebSite",
            "name": site.title,
            "description": site.description,
            "url": url,
            "inLanguage": site.language,
        }
    )


def json_ld(
    site: Site,
    url: str = "",
    description: str | None = None,
    event: Event | None = None,
    article: Article | None = None,
    home: bool = False,
) -> dict | None:
    """The JSON-LD object of a page, or None for pages that are not an event, article or home.

    An event's description, when not given, is `event_description(event)`; the page's other
    tags read it back from the object's "description".
    """
    if event is not None:
        return event_json_ld(event, site, url, description or event_description(event))
    description = description or ""
    if article is not None:
        return article_json_ld(article, site, url, description)
    if home:
        return website_json_ld(site, url)
    return None
