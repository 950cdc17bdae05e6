"""Which Markdown link of the content a broken link of a built page came from.

A link in an event summary is copied into every page that shows the event (its own page,
the timeline, its year, each of its terms), an article's into the article's page. Someone
reading `timeline check --links` wants the line of the Markdown to fix, once, not the
copies: a relative link in a summary, for instance, leads somewhere else from each of
those pages. So a broken link whose occurrence lies inside the HTML of a summary or body
that has a Markdown link with that address is reported at that Markdown link, in the
content file, with the pages it broke on.

Nothing here runs unless a link is broken: the content's link addresses are collected
the first time one is asked about.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from markdown_it.helpers import parseLinkDestination

from builder.linkplaces import line_col
from builder.load import YamlProblem, decode_utf8, split_front_matter
from builder.model import Timeline
from builder.text import (
    is_root_relative,
    markdown_forms,
    markdown_renderer,
    with_note_owner,
    with_root,
)
from builder.urls import article_path, event_path, file_for, page_path, root_for

#: Where a Markdown link's address follows: `](` of an inline link or image, `[label]:`
#: of a link reference definition, or `<` of an autolink.
_DESTINATION_START = re.compile(
    r"\]\(|^ {0,3}\[(?!\^)[^\]\n]+\]:|<(?=[A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*>)", re.MULTILINE
)


#: An address's scheme (`https:`): an address without one is read against the page.
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(eq=False)
class ContentText:
    """A Markdown text of the content that pages show as HTML: a summary or a body."""

    #: The content file, relative to the project (as content diagnostics name it).
    file: str
    #: The built file that is the text's own page, relative to the site folder.
    home: str
    #: Whether it is an event summary, shown on pages at different depths.
    summary: bool
    source: str
    #: The lines of `file` the text lies within, 1-based: from `first_line` (0: where the
    #: body after the front matter starts) to before `end_line` (0: the end of the file).
    first_line: int
    end_line: int = 0
    #: The event whose summary it is, after whom pages name its footnotes ('' for a body).
    owner: str = ""

    @cached_property
    def html(self) -> str:
        """The HTML of the text, its root-relative links leading from `CONTENT_ROOT`."""
        return with_note_owner(self._unowned_html, self.source, self.owner)

    @cached_property
    def _unowned_html(self) -> str:
        return markdown_forms(self.source).html

    def htmls_on(self, page: str) -> tuple[str, ...]:
        """The HTML the built page `page` (relative to the site folder) may show for the
        text: its footnotes named after its event, as the shipped templates name them, or
        after the text alone, as a project's own templates from before may still do."""
        root = root_for(page)
        forms = dict.fromkeys((self.html, self._unowned_html))
        return tuple(with_root(form, root) for form in forms)


@dataclass(frozen=True)
class Destination:
    """A link address as written in Markdown: where its syntax starts (`](`), where the
    address itself starts and ends in the text, and the address the HTML gets."""

    syntax: int
    start: int
    end: int
    href: str


def destinations(source: str) -> Iterator[Destination]:
    """Every link address of a Markdown text (inline links, images, reference definitions,
    autolinks), each with the address markdown-it writes into the HTML for it."""
    normalize = markdown_renderer().normalizeLink
    for match in _DESTINATION_START.finditer(source):
        start = match.end()
        if match.group() == "<":
            end = source.index(">", start)
            yield Destination(match.start(), start, end, normalize(source[start:end]))
            continue
        while start < len(source) and source[start] in " \t\n":
            start += 1
        parsed = parseLinkDestination(source, start, len(source))
        if parsed.ok and parsed.pos > start:
            inside = source[start] == "<"
            end = parsed.pos - 1 if inside else parsed.pos
            yield Destination(match.start(), start + inside, end, normalize(parsed.str))


def _may_link(source: str) -> bool:
    return "](" in source or "]:" in source or "<" in source


def _texts(timeline: Timeline) -> Iterator[ContentText]:
    """Every summary and body of the timeline that may hold a Markdown link."""
    return content_texts(timeline, _may_link)


def content_texts(timeline: Timeline, wanted: Callable[[str], bool]) -> Iterator[ContentText]:
    """The summaries and bodies of the timeline whose Markdown `wanted` accepts."""
    starts: dict[str, list[int]] | None = None
    for event in timeline.events:
        if event.summary and wanted(event.summary):
            if starts is None:  # only where a summary is wanted: most have no link
                starts = _event_starts(timeline)
            lines = starts[event.file]
            following = bisect_right(lines, event.line)
            end = lines[following] if following < len(lines) else 0
            home = file_for(event_path(event.id))
            yield ContentText(event.file, home, True, event.summary, event.line, end, event.id)
    bodies = [(a.file, file_for(article_path(a.id)), a.body) for a in timeline.articles]
    bodies += [(p.file, file_for(page_path(p.id)), p.body) for p in timeline.pages]
    for file, home, body in bodies:
        if body and wanted(body):
            yield ContentText(file, home, False, body, 0)


def _event_starts(timeline: Timeline) -> dict[str, list[int]]:
    """The first line of each event of each events file, in order."""
    starts: dict[str, list[int]] = defaultdict(list)
    for event in timeline.events:
        starts[event.file].append(event.line)
    for lines in starts.values():
        lines.sort()
    return starts


def _spans(page: str, piece: str) -> Iterator[tuple[int, int]]:
    at = page.find(piece)
    while at >= 0:
        yield at, at + len(piece)
        at = page.find(piece, at + 1)


class ContentLinks:
    """The Markdown links of one project's content, asked about broken links of its site."""

    def __init__(self, project: Path, timeline: Timeline) -> None:
        self.project = Path(project)
        self.timeline = timeline

    @cached_property
    def _by_href(self) -> dict[str, list[ContentText]]:
        """The texts that link to each address."""
        found: dict[str, list[ContentText]] = defaultdict(list)
        for text in _texts(self.timeline):
            for href in dict.fromkeys(d.href for d in destinations(text.source)):
                found[href].append(text)
        return found

    def split(
        self, page: str, href: str, offsets: list[int], rel: str = ""
    ) -> tuple[list[int], list[tuple[ContentText, str]]]:
        """Of a link's occurrences in the built page `rel` (its text `page`, the link's
        `offsets` in it), those that no content text put there, and the content texts
        whose HTML in the page holds the others, each with the address as the Markdown
        writes it (`/events/x/` for `../../events/x/` on a page two folders deep)."""
        left, owners = set(offsets), []
        for text, written in self._writers(href, rel):
            spans = [span for html in text.htmls_on(rel) for span in _spans(page, html)]
            inside = {at for at in offsets if any(a <= at < b for a, b in spans)}
            if inside:
                owners.append((text, written))
                left -= inside
        return sorted(left), owners

    def _writers(self, href: str, rel: str) -> Iterator[tuple[ContentText, str]]:
        """The texts that may have put `href` into the page `rel`, and how they wrote it."""
        for text in self._by_href.get(href, []):
            yield text, href
        root = root_for(rel)
        if href.startswith(root):
            written = "/" + href[len(root) :]
            for text in self._by_href.get(written, []):
                yield text, written

    def spelling(self, text: ContentText, href: str) -> str:
        """The address `href` of the HTML as the text's Markdown first writes it: markdown-it
        percent-encodes what the editor wrote (`/tags/кабул/`), and the editor looks for
        their own spelling."""
        for d in destinations(text.source):
            if d.href == href:
                return text.source[d.start : d.end]
        return href

    def place(self, text: ContentText, href: str) -> tuple[int, int, int]:
        """Where in its content file a text first links to `href` (line, column), and
        how many times the text does."""
        written = [d for d in destinations(text.source) if d.href == href]
        content = self._content(text)
        if content is None:
            return max(text.first_line, 1), 1, len(written)
        first, start, end = _text_span(content, text)
        for d in written[:1]:
            at = _written_at(content, text, d, start, end)
            if at >= 0:
                return *line_col(content, at), len(written)
        return first, 1, len(written)

    def places(self, text: ContentText) -> list[tuple[Destination, int, int]]:
        """Every link address of a text, in order, with where its content file writes it
        (line, column): a text that links to one address twice has two places."""
        content = self._content(text)
        if content is None:
            return [(d, max(text.first_line, 1), 1) for d in destinations(text.source)]
        first, start, end = _text_span(content, text)
        found = []
        for d in destinations(text.source):
            at = _written_at(content, text, d, start, end)
            if at < 0:
                found.append((d, first, 1))
                continue
            found.append((d, *line_col(content, at)))
            start = at + 1
        return found

    def _content(self, text: ContentText) -> str | None:
        try:
            return decode_utf8((self.project / text.file).read_bytes())
        except (OSError, YamlProblem):
            return None

    def message(
        self, text: ContentText, href: str, pages: list[tuple[str, str]], prefix: str, times: int
    ) -> str:
        """The error for a broken Markdown link: which pages it broke on (`pages`: each
        page's path in the site folder and why), and what to do; `prefix` names the site."""
        pages = sorted(pages, key=lambda page: (page[0] != text.home, page[0]))
        rel, why = pages[0]
        where = f"on {prefix}{rel}"
        if len(pages) > 1:
            where = f"on {len(pages)} built pages, e.g. {prefix}{rel}"
        relative = not SCHEME.match(href)
        if is_root_relative(href):
            advice = "correct the address: it is read from the site's root"
        elif text.summary and relative:
            advice = (
                "a summary shows on pages at different depths, where a relative address "
                "leads to different places: write it from the site's root (/events/ID/)"
            )
        elif relative:
            folder = text.home.rpartition("/")[0]
            advice = f"correct the address: it is read from {prefix}{folder}/"
        else:
            advice = "correct the address"
        repeated = f"; the text has it {times} times, this is the first" if times > 1 else ""
        written = self.spelling(text, href)
        return f"broken link to {written} ({where}: {why}; {advice}{repeated})"


def _text_span(content: str, text: ContentText) -> tuple[int, int, int | None]:
    """The first line of a text in its file's `content`, and the offsets it lies between
    (None: the end of the file)."""
    lines = content.split("\n")
    first = text.first_line or _body_line(content)
    start = sum(len(line) + 1 for line in lines[: first - 1])
    end = sum(len(line) + 1 for line in lines[: text.end_line - 1]) if text.end_line else None
    return first, start, end


def _written_at(
    content: str, text: ContentText, d: Destination, start: int, end: int | None
) -> int:
    """The offset in `content` (from `start`, before `end`) where the address of `d` is
    written, found by its link syntax (`](https://...`) or else by the address alone; -1
    when the file spells it otherwise (a YAML escape, say)."""
    for piece, lead in (
        (text.source[d.syntax : d.end], d.start - d.syntax),
        (text.source[d.start : d.end], 0),
    ):
        at = content.find(piece, start, end)
        if at >= 0:
            return at + lead
    return -1


def _body_line(content: str) -> int:
    """The first line of a Markdown file's body (1 for a clipping, which has no front
    matter)."""
    try:
        return split_front_matter(content)[3]
    except YamlProblem:
        return 1
