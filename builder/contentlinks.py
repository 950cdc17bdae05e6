"""Checks, before a build, of the links content writes between its own pages.

An editor links one event to another, or an article to an event, by the page's address
from the site's root (`[the takeover](/events/taliban-takeover/)`), which every page that
shows the text turns into a link from its own depth (see `builder.text.CONTENT_ROOT`). A
typo there, or an event renamed since, would only show as a broken link on every page
that shows the text, so such a link must lead to a page this build makes; its error
points at the Markdown link. A relative address (`../x/`) in an event summary leads to a
different place from each page that shows the summary: a warning says to write it from
the root. Article and page bodies show on their own page alone, where a relative address
is read as written. An image of the site's own (`![map](/map.png)`) is an error: the build
publishes no file at an address content could know (a theme's static files take
fingerprinted names), so it must be another site's https:// address.

Only texts with a local link destination are looked at, by one search each: a timeline
whose content links only to other sites costs no more than that.
"""

from __future__ import annotations

import difflib
import html
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from builder import exports, urls
from builder.diagnostics import Report
from builder.linksource import SCHEME, ContentLinks, ContentText, content_texts
from builder.model import TAXONOMIES, Timeline
from builder.text import CONTENT_ROOT, CREDENTIALS, REMEMBERED_TEXTS, holds_credentials

_SCHEME_OR_FRAGMENT = r"(?![A-Za-z][A-Za-z0-9+.-]*:|#)"
#: A Markdown link destination that is neither another site's address nor a fragment: an
#: inline link's, and a reference definition's. Each starts with a literal the regular
#: expression engine searches for quickly: one pattern of both searched every position.
_LOCAL_INLINE = re.compile(rf"\]\(\s*<?{_SCHEME_OR_FRAGMENT}")
_LOCAL_REFERENCE = re.compile(rf"\]:\s*<?{_SCHEME_OR_FRAGMENT}")
#: A link or image destination (inline or a reference's) or an autolink naming a user
#: before its host: `](https://user:pass@host/...`, `<https://user@host/>`.
_CREDENTIAL_LINK = re.compile(r"(?:\]\(\s*<?|\]:\s*<?|<)https?://[^\s/?#>)]*@", re.IGNORECASE)
#: The address of a link in converted Markdown (images are `<img src=`, never matched).
_ANCHOR = re.compile(r'<a href="([^"]*)"')
#: The address of an image in converted Markdown.
_IMAGE = re.compile(r'<img src="([^"]*)"')


@lru_cache(maxsize=REMEMBERED_TEXTS)
def has_local_link(source: str) -> bool:
    """Whether a Markdown text may link to a page of this site. Remembered: the live
    preview asks about every unchanged text again at each edit."""
    if "](" in source and _LOCAL_INLINE.search(source):
        return True
    return "]:" in source and _LOCAL_REFERENCE.search(source) is not None


def link_targets(timeline: Timeline) -> frozenset[str]:
    """The site paths of the pages a root-relative content link may lead to: the timeline,
    search, each event's, article's and page's own page, the taxonomies, their terms and
    the years; the feeds and data exports."""
    paths = ["", "search/", "articles/", *exports.DATA_EXPORTS]
    paths += [urls.event_path(event.id) for event in timeline.events]
    paths += [urls.article_path(article.id) for article in timeline.articles]
    paths += [urls.page_path(page.id) for page in timeline.pages]
    for taxonomy in TAXONOMIES:
        paths.append(urls.taxonomy_path(taxonomy))
        paths += [urls.term_path(taxonomy, t.slug) for t in timeline.taxonomies.get(taxonomy, [])]
    paths += [urls.year_path(year) for year in timeline.years]
    paths += [feed.path for feed in exports.feeds(timeline)]
    return frozenset(paths)


def check_content_links(project: Path, timeline: Timeline, report: Report) -> None:
    """Report each root-relative content link that leads to no page of the build and each
    image of the site's own (errors), and each relative link in an event summary (a
    warning), at its Markdown."""
    places = ContentLinks(project, timeline)
    targets: frozenset[str] | None = None
    for text in content_texts(timeline, _worth_a_look):
        for raw in dict.fromkeys(_ANCHOR.findall(text.html)):
            if raw.startswith(CONTENT_ROOT):
                written = "/" + html.unescape(raw[len(CONTENT_ROOT) :])
                if targets is None:
                    targets = link_targets(timeline)
                if not leads_to_page(written, targets):
                    line, col, _ = places.place(text, written)
                    spelling = places.spelling(text, written)
                    report.error(text.file, line, col, missing_page(written, targets, spelling))
            elif text.summary and _is_page_relative(html.unescape(raw)):
                written = html.unescape(raw)
                line, col, _ = places.place(text, written)
                advice = _relative_advice(text, places.spelling(text, written))
                report.warning(text.file, line, col, advice)
        for raw in dict.fromkeys(_IMAGE.findall(text.html)):
            if not SCHEME.match(raw):
                written = html.unescape(raw)
                line, col, _ = places.place(text, written)
                advice = _own_image_advice(places.spelling(text, written))
                report.error(text.file, line, col, advice)
        if has_credential_link(text.source):
            _report_credentials(text, places, report)


def _worth_a_look(source: str) -> bool:
    """Whether a text has a link these checks look at: one pass over the texts for both."""
    return has_local_link(source) or has_credential_link(source)


def has_credential_link(source: str) -> bool:
    """Whether a Markdown text may link to an address holding `user:password@`, which
    every page showing the text would publish."""
    return "@" in source and _CREDENTIAL_LINK.search(source) is not None


def _report_credentials(text: ContentText, places: ContentLinks, report: Report) -> None:
    for raw in dict.fromkeys(_ANCHOR.findall(text.html) + _IMAGE.findall(text.html)):
        written = html.unescape(raw)
        if SCHEME.match(written) and holds_credentials(written):
            line, col, _ = places.place(text, written)
            report.error(text.file, line, col, CREDENTIALS)


def _is_page_relative(href: str) -> bool:
    return bool(href) and href[0] not in "#?/" and not SCHEME.match(href)


def _site_path(written: str) -> str:
    """The site path of the page a root-relative link leads to (`/x/index.html` is `x/`)."""
    path = unquote(urlsplit(written).path)[1:]
    if path.endswith("index.html") and (path == "index.html" or path.endswith("/index.html")):
        path = path[: -len("index.html")]
    return path


def leads_to_page(written: str, targets: frozenset[str]) -> bool:
    """Whether a root-relative link leads to one of the pages `targets`."""
    return _site_path(written) in targets


def missing_page(written: str, targets: frozenset[str], spelling: str = "") -> str | None:
    """What is wrong with a root-relative link `written` whose page is not in `targets`
    (None: it leads to one); the message names it as the Markdown spells it (`spelling`),
    not percent-encoded as the HTML has it."""
    path = _site_path(written)
    written = spelling or written
    if path in targets:
        return None
    if path + "/" in targets:
        return f"link to {written}: a page's address ends with a slash: write /{path}/"
    if path.startswith("static/"):
        return (
            f"link to {written}: a theme's static files take fingerprinted names, so content "
            f"cannot link to one: link to another site's https:// address instead"
        )
    hint = _nearest(path, targets)
    return (
        f"link to {written}: this site has no such page (a draft's is made only with "
        f"--drafts): link to an event's /events/ID/, an article's /articles/ID/, a page's "
        f"/NAME/, a term's /tags/SLUG/ or a data file such as /feed.xml"
        + (f"; did you mean /{hint}?" if hint else "")
    )


def _nearest(path: str, targets: frozenset[str]) -> str | None:
    """The site path of `targets` that `path` most likely meant: the same in another case
    (ids and slugs are lowercase), else the closest in its folder."""
    for target in targets:
        if target.lower() == path.lower():
            return target
    folder = path.split("/", 1)[0] + "/"
    near = [t for t in targets if t.startswith(folder)] or list(targets)
    close = difflib.get_close_matches(path, near, n=1, cutoff=0.6)
    return close[0] if close else None


def _own_image_advice(written: str) -> str:
    """The error for an image with an address on this site."""
    return (
        f"image {written}: this site publishes no file at that address (a theme's static "
        f"files take fingerprinted names): give the image's full https:// address"
    )


def _relative_advice(text: ContentText, written: str) -> str:
    """The warning for a relative link in a summary, with the address from the root it
    means on the event's own page."""
    meant = urljoin("/" + text.home, written)
    return (
        f"relative link to {written}: a summary shows on pages at different depths (the "
        f"timeline, term and year pages, the event's own page), where it leads to different "
        f"places: write it from the site's root, as {meant}"
    )
