"""Where each broken link of a built site is written, as `PATH:LINE:COL: error:` lines.

`builder.links` finds broken links quickly because it never asks where a link is written:
lexbor gives no positions, and tracking them for 640,000 links would slow down every check.
Only the few files that have a broken link are read again here and searched for where that
link's attribute value, CSS `url()`, feed `<link>` or sitemap `<loc>` starts, so an editor
or a CI log can jump to it. A link that came from content (a Markdown link in a summary or
an article) is reported once, at the Markdown, however many pages show it (see
`builder.linksource`), with its address as the Markdown spells it. An address a template
or a static file writes is shown with its percent-escaped non-ASCII characters decoded, as
they were most likely typed (`/tags/кабул/`, not `/tags/%D0%BA%D0%B0%D0%B1%D1%83%D0%BB/`).

A link broken several times in one page is reported once, at its first occurrence, with
the count: the occurrences nearly always come from one place in a template (a loop or a
macro), so one line per occurrence would bury the other problems under copies.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING

from builder.diagnostics import ERROR, Diagnostic
from builder.links import CSS_URL, LINK_ATTRIBUTES, BrokenLink

if TYPE_CHECKING:
    from builder.linksource import ContentLinks, ContentText

#: A start tag: its name, then its attributes (`>` inside quoted values included).
_TAG = re.compile(r"""<([A-Za-z][^\s/>]*)((?:[^>"']|"[^"]*"|'[^']*')*)>""")
#: One attribute with a value, as HTML writes it: double-, single- or unquoted.
_ATTRIBUTE = re.compile(
    r"""(?<![^\s"'/])([^\s"'/=<>]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))"""
)
_STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)
_XML_LINK = re.compile(r"""<(?:[\w.-]+:)?link\b((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_XML_LOC = re.compile(r"<(?:[\w.-]+:)?loc\s*>([^<]*)<")
#: A character reference (`&amp;`, `&#39;`, `&#x27;`, `&copy` without its semicolon).
_REFERENCE = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]*;?)")
_FINGERPRINT = re.compile(r"\.[0-9a-f]{8}(?=\.[^./]+$)")
#: A run of percent-escapes (`%D0%BA%D0%B0`).
_ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def _unescaped(raw: str) -> tuple[str, list[int]]:
    """`raw` with its character references replaced, and for each character of the result
    (and one past its end) the offset in `raw` it came from."""
    value: list[str] = []
    offsets: list[int] = []
    at = 0
    for match in _REFERENCE.finditer(raw):
        value.append(raw[at : match.start()])
        offsets.extend(range(at, match.start()))
        replaced = html.unescape(match.group())
        value.append(replaced)
        offsets.extend([match.start()] * len(replaced))
        at = match.end()
    value.append(raw[at:])
    offsets.extend(range(at, len(raw) + 1))
    return "".join(value), offsets


def readable_address(href: str) -> str:
    """`href` as a browser's address bar shows it: a template or Markdown writes `/tags/кабул/`,
    the built page may hold `/tags/%D0%BA%D0%B0%D0%B1%D1%83%D0%BB/`, and a person looks for
    the first. Only escapes of printable non-ASCII characters are decoded: a decoded `%20`,
    `%2F` or `%3F` would read as another address, and a decoded control or direction mark
    would hide or reorder the line it is printed on."""
    return _ESCAPES.sub(lambda run: _decoded_run(run.group()), href)


def _decoded_run(escapes: str) -> str:
    """A run of percent-escapes with each printable non-ASCII character in it decoded."""
    octets = bytes.fromhex(escapes.replace("%", ""))
    shown, at = [], 0
    while at < len(octets):
        character = _character_at(octets, at)
        if character:
            shown.append(character)
            at += len(character.encode())
        else:
            shown.append(escapes[3 * at : 3 * at + 3])
            at += 1
    return "".join(shown)


def _character_at(octets: bytes, at: int) -> str:
    """The printable non-ASCII character whose UTF-8 encoding starts at `at`, or ""."""
    if octets[at] < 0x80:
        return ""
    for length in (2, 3, 4):
        try:
            character = octets[at : at + length].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return character if len(character) == 1 and character.isprintable() else ""
    return ""


def _css_links(css: str) -> Iterator[tuple[str, int]]:
    """Each URL of a stylesheet's `url()` and `@import` with the offset where it starts."""
    for match in CSS_URL.finditer(css):
        group = 2 if match.group(2) is not None else 4
        written = match.group(group)
        if written.strip():
            yield written.strip(), match.start(group) + len(written) - len(written.lstrip())


def _attribute_links(name: str, raw: str, start: int) -> Iterator[tuple[str, int]]:
    """The links one attribute holds, as `links.parse_page` reads them, with their offsets
    in the file (`start` is where the attribute's raw value starts)."""
    value, at = _unescaped(raw)
    if name in LINK_ATTRIBUTES:
        if value.strip():
            yield value.strip(), start + at[len(value) - len(value.lstrip())]
    elif name in ("srcset", "imagesrcset"):
        for part in re.finditer(r"[^,]+", value):
            words = part.group().split()
            if words:
                lead = len(part.group()) - len(part.group().lstrip())
                yield words[0], start + at[part.start() + lead]
    elif name == "style":
        for url, offset in _css_links(value):
            yield url, start + at[offset]


def _attributes(text: str, start: int, end: int) -> Iterator[tuple[str, str, int]]:
    """Each attribute with a value between `start` and `end`: name, raw value, its offset."""
    for match in _ATTRIBUTE.finditer(text, start, end):
        group = next(g for g in (2, 3, 4) if match.group(g) is not None)
        yield match.group(1).lower(), match.group(group), match.start(group)


def _tag_links(tag: re.Match[str]) -> Iterator[tuple[str, int]]:
    if tag.group(1).lower() != "base":
        for name, raw, start in _attributes(tag.string, tag.start(2), tag.end(2)):
            yield from _attribute_links(name, raw, start)


def _style_links(text: str) -> Iterator[tuple[str, int]]:
    for style in _STYLE_ELEMENT.finditer(text):
        for url, offset in _css_links(style.group(1)):
            yield url, style.start(1) + offset


def _html_links(text: str) -> Iterator[tuple[str, int]]:
    for tag in _TAG.finditer(text):
        yield from _tag_links(tag)
    yield from _style_links(text)


def _probed_html_links(text: str, wanted: set[str]) -> Iterator[tuple[str, int]]:
    """The links of the tags in which one of the `wanted` links is written as templates
    write it (as is, or with `&`, `<`, `>` and quotes escaped), and of `<style>` elements.

    Parsing every tag of a page took twice as long as checking the whole site when a
    template link broke on all 1,300 pages of a 1,000-event site; the tags around the
    links, found by plain search, are a few per page.
    """
    starts = set()
    for probe in {form for href in wanted if href for form in (href, html.escape(href))}:
        at = text.find(probe)
        while at >= 0:
            starts.add(text.rfind("<", 0, at))
            at = text.find(probe, at + len(probe))
    for start in sorted(starts - {-1}):
        tag = _TAG.match(text, start)
        if tag:
            yield from _tag_links(tag)
    yield from _style_links(text)


def _xml_links(text: str) -> Iterator[tuple[str, int]]:
    for link in _XML_LINK.finditer(text):
        for name, raw, start in _attributes(text, link.start(1), link.end(1)):
            if name == "href" and raw:
                yield _unescaped(raw)[0], start
    for loc in _XML_LOC.finditer(text):
        raw = loc.group(1)
        value = html.unescape(raw).strip()
        if value:
            yield value, loc.start(1) + len(raw) - len(raw.lstrip())


def written_links(text: str, suffix: str) -> Iterator[tuple[str, int]]:
    """Every link of a built file's text, as `builder.links` reads it, with the offset in
    the text where it is written (an attribute value, a CSS URL, a feed or sitemap address)."""
    if suffix == ".html":
        yield from _html_links(text)
    elif suffix == ".css":
        yield from _css_links(text)
    elif suffix == ".xml":
        yield from _xml_links(text)


def link_offsets(text: str, suffix: str, wanted: set[str]) -> dict[str, list[int]]:
    """Where each of the `wanted` links is written in a built file's text: the offsets of
    its occurrences, first to last."""
    found: dict[str, set[int]] = defaultdict(set)
    probed = suffix == ".html"
    for href, offset in _probed_html_links(text, wanted) if probed else written_links(text, suffix):
        if href in wanted:
            found[href].add(offset)
    if probed and wanted - found.keys():  # written with other character references
        for href, offset in _html_links(text):
            if href in wanted:
                found[href].add(offset)
    return {href: sorted(offsets) for href, offsets in found.items()}


def line_col(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column (in characters) of an offset in a text."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def shown_path(project: Path, site_dir: Path) -> str:
    """How diagnostics name the site folder: relative to the project, as content files
    are named, when it is inside it; else its absolute path, which means the same thing
    from any folder (a path relative to the current folder would be read against the
    project by anyone comparing it with the content lines)."""
    folder = Path(site_dir).resolve()
    try:
        return folder.relative_to(Path(project).resolve()).as_posix()
    except ValueError:
        return str(folder)


def _published_name(site_dir: Path, missing: str) -> str | None:
    """The fingerprinted name the build gave a static file a link names without it."""
    folder, _, name = missing.rpartition("/")
    stem, dot, extension = name.rpartition(".")
    if not missing.startswith("static/") or not dot:
        return None
    for candidate in sorted((site_dir / folder).glob(f"{stem}.*.{extension}")):
        if _FINGERPRINT.sub("", candidate.name) == name:
            return f"{folder}/{candidate.name}"
    return None


def _advice(why: str, site_dir: Path) -> str:
    """What to do about a link broken for reason `why`, in a template or a static file."""
    if why.startswith("no file "):
        missing = why[len("no file ") :].split(" in the output")[0]
        published = _published_name(site_dir, missing)
        if published:
            name = missing[len("static/") :]
            return f"the build publishes it as {published}: link it with asset('{name}')"
        if missing.endswith("index.html"):
            return "link to a page the site has"
        return "correct the address, or add the file to the theme's static/ folder"
    if why.startswith("no id "):
        return "link to an id that page has"
    if why.startswith("leads outside"):
        return "it climbs above the site's root folder: remove a ../"
    if why.startswith("root-relative"):
        return "write it relative to the page (url() in a template), or build with --base-url"
    if why.startswith("outside the site's base path"):
        return "write it relative to the page (url() in a template)"
    if why.startswith("cannot read it"):
        return "make the file readable, or build the site again"
    return "run `timeline build` first"


def _page_message(link: BrokenLink, times: int, site_dir: Path) -> str:
    if not link.href:
        return f"{link.why}: {_advice(link.why, site_dir)}"
    repeated = f"; the page has it {times} times, this is the first" if times > 1 else ""
    shown = readable_address(link.href)
    return f"broken link to {shown} ({link.why}: {_advice(link.why, site_dir)}{repeated})"


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def link_diagnostics(
    site_dir: Path, broken: list[BrokenLink], shown: str = "", content: ContentLinks | None = None
) -> list[Diagnostic]:
    """One error per broken link, located where a person fixes it: in the built file (its
    path `shown/REL`, or REL without `shown`), or, for a link that `content` traces to
    a Markdown link of the project, in the content file."""
    prefix = f"{shown}/" if shown else ""
    found: list[Diagnostic] = []
    from_content: dict[tuple[ContentText, str], list[tuple[str, str]]] = defaultdict(list)
    for rel, links in groupby(sorted(broken), key=lambda link: link.rel):
        if not rel:
            folder = shown or str(site_dir)
            found += [Diagnostic(folder, 1, 1, ERROR, _page_message(x, 1, site_dir)) for x in links]
            continue
        links = list(links)
        text = _read(site_dir / rel)
        hrefs = {link.href for link in links if link.href}
        offsets = link_offsets(text, Path(rel).suffix, hrefs) if hrefs else {}
        for link in links:
            places = offsets.get(link.href, [])
            if content is not None and places:
                places, owners = content.split(text, link.href, places, rel)
                for owner, written in owners:
                    from_content[owner, written].append((rel, link.why))
                if not places:
                    continue
            line, col = line_col(text, places[0]) if places else (1, 1)
            message = _page_message(link, len(places), site_dir)
            found.append(Diagnostic(prefix + rel, line, col, ERROR, message))
    if content is not None:
        for (owner, href), pages in from_content.items():
            line, col, times = content.place(owner, href)
            message = content.message(owner, href, pages, prefix, times)
            found.append(Diagnostic(owner.file, line, col, ERROR, message))
    return found
