"""Turning untrusted text into safe slugs, safe links and safe HTML.

Clippings and YAML are written by many hands; none of their text may become markup or a
path outside the output folder. Every conversion from content text to something a
browser or the file system interprets goes through this module.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

from anyascii import anyascii
from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import normalizeLink
from markupsafe import Markup
from mdit_py_plugins.footnote import footnote_plugin

_NON_SLUG = re.compile(r"[^a-z0-9]+")
_SAFE_SCHEMES = {"http", "https"}


def slugify(text: str, max_length: int = 80) -> str:
    """A lowercase `[a-z0-9-]` slug of `text`, safe as one path segment (never empty): its
    readable slug, else (text of symbols alone) `x` and a hash of it."""
    return readable_slug(text, max_length) or "x" + format(abs(hash_text(str(text))), "x")[:10]


def readable_slug(text: str, max_length: int = 80) -> str:
    """The words and numbers of `text` as a lowercase `[a-z0-9-]` slug, or "" if it has none.

    Letters lose their accents (`Ḵost` gives `kost`) and punctuation only parts words or
    goes (`Afghanistan’s` gives `afghanistans`), as slugs have always been made, so the
    addresses of sites built before stay; a letter or digit that Unicode cannot take apart
    into ASCII, and that was dropped before, is transliterated: other scripts' (`Кабул`,
    `طالبان`, `中国` give `kabul`, `tlbn`, `zhongguo`) and a few Latin ones (`ß`, `ø`, `ł`)."""
    text = str(text)
    ascii_text = text if text.isascii() else "".join(map(_ascii_form, text))
    slug = _NON_SLUG.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug


#: What is not a letter or digit in a transliteration: anyascii writes `ʼ` (a letter in
#: Uzbek's `oʻ`) as an apostrophe, which a slug would take for a break between words.
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")

#: Combining marks that point a letter rather than spell a sound every writing of the word
#: has: accents (of Latin, Greek and Cyrillic letters) and the vowel points that Hebrew,
#: Arabic and Syriac text mostly leaves out. A slug drops them, as slugs always have, so
#: `مُحَمَّد` and `محمد` share one. The marks of other scripts are vowels and nasals that
#: every word writes (Devanagari's `ि` in `हिन्दी`, Thai's `ิ`): those are transliterated.
POINTING_MARKS = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
    "\u06d6-\u06ed\u0711\u0730-\u074a\u08d3-\u08ff\u1ab0-\u1aff\u1dc0-\u1dff"
    "\u20d0-\u20ff\ufe20-\ufe2f]"
)


@lru_cache(maxsize=4096)
def _ascii_form(char: str) -> str:
    """What one character of a text adds to its slug's letters: the ASCII of its NFKD form
    (`é` gives `e`, `’` nothing), or, for a letter, digit or spelling mark that has none,
    its transliteration (`К` gives `K`, `ि` gives `i`), never punctuation."""
    ascii_part = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
    if ascii_part or not is_transliterated(char):
        return ascii_part
    return _NOT_ALNUM.sub("", anyascii(char))


def is_transliterated(char: str) -> bool:
    """Whether a slug transliterates `char` when NFKD brings it to no ASCII: letters and
    digits of every script, and the marks that spell a sound (not `POINTING_MARKS`)."""
    category = unicodedata.category(char)[0]
    return category in "LN" or (category == "M" and not POINTING_MARKS.match(char))


#: Names Windows keeps for devices, in any case and even followed by an extension (nul.txt):
#: a folder tags/aux/ cannot be made, copied or checked out there.
WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"{port}{n}" for port in ("COM", "LPT") for n in range(1, 10)]
)


def is_windows_device(name: str) -> bool:
    """Whether a file or folder called `name` cannot exist on Windows, its name (before any
    dot) being a device's."""
    return name.split(".", 1)[0].upper() in WINDOWS_RESERVED


def folder_slug(text: str, max_length: int = 80) -> str:
    """`slugify(text)`, made a folder name every system can hold: a slug that is a Windows
    device name (`aux`, `con`, `lpt1`) takes `-1`, so that a tag `aux` has its page at
    tags/aux-1/. Every other slug is left as it is, and so is every URL made from one."""
    slug = slugify(text, max_length)
    return f"{slug}-1" if slug.upper() in WINDOWS_RESERVED else slug


def hash_text(text: str) -> int:
    """A stable (not per-process) hash of text, for slugs of names without a letter or
    digit, and for ids of footnotes."""
    import zlib

    return zlib.crc32(text.encode("utf-8"))


#: Whitespace and control characters: none belongs in an address written in content, and
#: `urlsplit` silently drops tabs, CRs and LFs, so an address checked by its parts alone
#: could still carry a line break into robots.txt, the sitemap or the calendar.
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def is_safe_url(url: str, allow_relative: bool = True) -> bool:
    """Whether a link may appear in output: http(s) or (optionally) relative, as the
    contract allows; other schemes (mailto:, javascript:, data:) never."""
    url = url.strip()
    if not url or _SPACE_OR_CONTROL.search(url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme:
        return parts.scheme.lower() in _SAFE_SCHEMES and bool(parts.netloc)
    if url.startswith("//"):
        return False  # protocol-relative: leaves the site on an unknown scheme
    return allow_relative


def is_web_url(url: str) -> bool:
    """Whether `url` is an absolute http(s) address, as required for sources and base_url,
    with no whitespace or control character anywhere (not even at its ends: the caller
    uses the text as given)."""
    if _SPACE_OR_CONTROL.search(url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def with_https(written: str) -> str | None:
    """The web address meant by one written without its scheme (`www.example.org/x` gives
    `https://www.example.org/x`), or None when it does not look like one."""
    host = written.split("/", 1)[0]
    if "://" in written or "." not in host or not is_web_url(f"https://{written}"):
        return None
    return f"https://{written}"


def web_url_example(written: str) -> str:
    """How to write a site's address instead of `written`, for an error message."""
    meant = with_https(written)
    return f"such as {meant!r}" if meant else "such as https://example.org/timeline/"


#: The error for an address with `user:password@` in it, which would be published on
#: every page citing it.
CREDENTIALS = (
    "the address holds a user name or password (user:...@), which the site would publish "
    "for anyone to read: remove them and cite the address without"
)


def holds_credentials(url: str) -> bool:
    """Whether an address carries a user name or password (`https://user:pass@host/`),
    which a page citing it would publish for anyone to read."""
    try:
        return "@" in urlsplit(url).netloc
    except ValueError:
        return False


#: Link targets that markdown-it's `normalizeLink` returns unchanged and `is_safe_url`
#: accepts: an http(s) address with a plain host, or a path, query or fragment of this site,
#: made only of characters that need no percent-encoding (no `%`, no space, nothing outside
#: ASCII). Nearly every link in content has this form; checking it is a tenth of the cost
#: of parsing, re-encoding and re-formatting the address.
_PLAIN_LINK = re.compile(
    r"(?:https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?"
    r"(?:[/?#][A-Za-z0-9;/?:@&=+$,\-_.!~*'()#]*)?"
    r"|(?:/(?!/)|[?#])[A-Za-z0-9;/?:@&=+$,\-_.!~*'()#]*)\Z"
)


def _normalized_link(url: str) -> str:
    return url if _PLAIN_LINK.match(url) else normalizeLink(url)


def _validate_link(url: str) -> bool:
    return is_safe_url(url)


def _validate_plain_link(url: str) -> bool:
    return _PLAIN_LINK.match(url) is not None or is_safe_url(url)


@lru_cache(maxsize=1)
def markdown_renderer() -> MarkdownIt:
    """The one Markdown renderer: CommonMark, tables, footnotes; raw HTML off; safe links."""
    md = full_markdown_renderer()
    # With raw HTML off these two rules only ever answer "no", but they were still asked at
    # every line and every "<": a twentieth of converting an article.
    md.disable(["html_block", "html_inline"])
    # Parsing, encoding and formatting each link again was a tenth of converting an article.
    md.normalizeLink = _normalized_link
    md.validateLink = _validate_plain_link
    return md


def full_markdown_renderer() -> MarkdownIt:
    """A new renderer like `markdown_renderer`, with every rule its options name still
    asked and markdown-it's own normalisation of every link: what the tests hold the one
    renderer's output to."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": True})
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.use(footnote_plugin)
    md.validateLink = _validate_link
    md.add_render_rule("link_open", _link_open)
    return md


#: Stands for the way from a page to the site's root in the HTML of a Markdown link written
#: from the root (`/events/x/`): a summary is converted once and shown on pages at many
#: depths, and on a site served from a sub-path, so each page puts in its own relative root
#: (see `with_root`). Content cannot spell it: every `&` of converted text is escaped.
CONTENT_ROOT = "&root;"


def is_root_relative(href: str) -> bool:
    """Whether a link address is written from the site's root (`/about/`, not `//host/`)."""
    return href[:1] == "/" and href[1:2] != "/"


def _link_open(self, tokens: list, idx: int, options, env: dict) -> str:
    """A link's opening tag; one to a root-relative address leads from `CONTENT_ROOT`, and
    an autolink (`<https://…>`, whose text is its address) is marked `class="address"`, so
    that print does not write its address a second time after it."""
    token = tokens[idx]
    if token.markup == "autolink":
        token.attrSet("class", "address")
    href = token.attrs.get("href")
    if not isinstance(href, str) or not is_root_relative(href):
        return self.renderToken(tokens, idx, options, env)
    token.attrs["href"] = href[1:]
    try:
        tag = self.renderToken(tokens, idx, options, env)
    finally:
        token.attrs["href"] = href
    return tag.replace(' href="', ' href="' + CONTENT_ROOT, 1)


def with_root(html: str, root: str) -> str:
    """Converted Markdown as a page at the relative root `root` (`./`, `../../`), or a feed
    with the absolute root, shows it: its root-relative links made to lead from there.
    A text without such a link is returned as it is, at the cost of one search."""
    return html.replace(CONTENT_ROOT, root) if CONTENT_ROOT in html else html


#: How many distinct Markdown texts keep their HTML. An event's summary shows on its page,
#: the timeline, its year and each of its term pages: converting it once instead of about
#: eight times cut the render time of a 10,000-event timeline by an eighth (51 to 44.5 CPU
#: seconds). The bound holds every summary and body of such a timeline (about 20 MB of HTML).
REMEMBERED_TEXTS = 1 << 15


class MarkdownForms(NamedTuple):
    """A Markdown text as HTML and as one line of plain text (its words, no marks)."""

    html: str
    text: str


def markdown_forms(source: str) -> MarkdownForms:
    """HTML and plain text for a Markdown text from content, from one parse: a summary is
    shown as HTML on pages and feeds and as plain text in the search index, CSV and
    calendar, and parsing it once for both saved half a second per 10,000 events."""
    forms = CONVERTED_EARLY.get(source)
    return forms if forms is not None else _converted(source)


#: Conversions made ahead of need, by source text: a cold build converts summaries and
#: article bodies on its idle CPU while it loads and plans (see `builder.warmup`), or takes
#: them from the project's last build (see `builder.textcache`). Filled in a `timeline
#: build` process before its render processes fork, and by the live preview as it starts.
CONVERTED_EARLY: dict[str, MarkdownForms] = {}


@lru_cache(maxsize=REMEMBERED_TEXTS)
def _converted(source: str) -> MarkdownForms:
    if not source:
        return MarkdownForms("", "")
    md = markdown_renderer()
    # Footnotes are numbered within their text, and a list page shows many texts: their ids
    # (`fn1`) would repeat, and each text's note link lead to the first text's note. A text
    # with footnotes names its ids after itself (`fn-1a2b3c4d-1`); the others stay as they were.
    env: dict = {"docId": _notes_id(source)} if "[^" in source else {}
    tokens = md.parse(source, env)
    html = md.renderer.render(tokens, md.options, env)
    words: list[str] = []
    for token in tokens:
        if token.type == "inline":
            words.extend(inline_text(token.children or []))
            words.append(" ")
    return MarkdownForms(html, " ".join("".join(words).split()))


def _notes_id(source: str) -> str:
    """What a text's footnote ids are named after (`1a2b3c4d` in `fn-1a2b3c4d-1`)."""
    return f"{hash_text(source):08x}"


def with_note_owner(html: str, source: str, owner: str) -> str:
    """Converted Markdown (`html`, from `source`) as the text of `owner` (an event's id)
    shows it: its footnote ids and note links named after the owner too.

    A text's ids are named after the text, so that its conversion serves every page and
    build; but two events may have the same summary, and a list page showing both had each
    id twice, the second event's note link leading to the first's note. Only the ids and
    links the footnotes made are renamed (the text's own words cannot hold a quote mark)."""
    if "[^" not in source or not owner:
        return html
    ids = re.compile(f'(="#?fn(?:ref)?-{_notes_id(source)}-)')
    named = _attribute(owner)
    return ids.sub(lambda found: found.group(1) + named + "-", html)


def _attribute(text: str) -> str:
    return html.escape(text, quote=True)


def inline_text(children: list) -> Iterator[str]:
    """The text of parsed inline Markdown: emphasis, code and links become their words."""
    for child in children:
        if child.type in ("text", "code_inline"):
            yield child.content
        elif child.type in ("softbreak", "hardbreak"):
            yield " "


#: A tag, from its `<` to the first `>` after it.
_TAG = re.compile(r"<[^>]*>")


def striptags(markup: str) -> str:
    """What `Markup(markup).striptags()` gives (tags removed, whitespace collapsed, entities
    replaced), in one pass over the text.

    MarkupSafe copies the whole text once per tag it removes: an article's description, cut
    from its body of a hundred tags, took a quarter of a millisecond that way. Without a
    comment in the text, removing each first `<` to the first `>` after it, as MarkupSafe
    does, is what the pattern does; a text with one goes MarkupSafe's way.
    """
    if "<!--" in markup:
        return Markup(markup).striptags()
    return html.unescape(" ".join(_TAG.sub("", markup).split()))


def render_markdown(source: str) -> str:
    """HTML for a Markdown text from content; raw HTML in it is shown as text."""
    return markdown_forms(source).html


@lru_cache(maxsize=REMEMBERED_TEXTS)
def render_inline(source: str) -> str:
    """HTML for a one-line Markdown text (no paragraph wrapper)."""
    if not source:
        return ""
    return markdown_renderer().renderInline(source)
