"""Check that every internal link of a built site leads to a file of that site.

A static site breaks quietly: a mistyped template path, a root-relative link that works on
a domain but not under a GitHub Pages project sub-path, or a stylesheet renamed by
fingerprinting all still build. `timeline check --links` (and the test suite) therefore
reads every HTML page, feed, sitemap and stylesheet in the output, resolves each internal
`href`, `src`, `srcset`, feed `link`, sitemap `loc` and CSS `url()` the way a browser would,
and reports those that do not name a file in the output, or a fragment (`#id`) that the
target page does not have.

The base URL the site was built for is read from the home page's canonical link; without
one the site must work anywhere, so root-relative links (`/static/...`) count as broken,
except on 404.html, which hosts serve at arbitrary depths. External links are not fetched.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET

LINK_ATTRIBUTES = {"href", "src", "poster", "data", "action", "formaction"}
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")
_IGNORED_SCHEMES = {"mailto", "tel", "data", "javascript", "about", "blob"}
_FRAGMENTS_THAT_ALWAYS_WORK = {"", "top"}


@dataclass
class _Page:
    """What one HTML page links to and which fragment ids it offers."""

    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    canonical: str | None = None


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = _Page()
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if values.get("id"):
            self.page.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.page.ids.add(values["name"])
        if tag == "link" and "canonical" in values.get("rel", "").split():
            self.page.canonical = values.get("href")
        if tag == "base":
            return
        for name, value in values.items():
            if name in LINK_ATTRIBUTES and value.strip():
                self.page.links.append(value.strip())
            elif name in ("srcset", "imagesrcset"):
                self.page.links.extend(_srcset_urls(value))
            elif name == "style":
                self.page.links.extend(css_urls(value))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.page.links.extend(css_urls(data))


def _srcset_urls(value: str) -> list[str]:
    return [part.split()[0] for part in value.split(",") if part.strip()]


def css_urls(css: str) -> list[str]:
    """The URLs a stylesheet refers to with `url(...)` and `@import`."""
    return [(m.group(2) or m.group(4)).strip() for m in _CSS_URL.finditer(css)]


def parse_page(html: str) -> _Page:
    """The links, fragment ids and canonical URL of one HTML page."""
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser.page


def html_links(html: str) -> list[str]:
    """Every URL an HTML page links to or loads (href, src, srcset, inline CSS url())."""
    return parse_page(html).links


def xml_links(xml: bytes) -> list[str]:
    """The URLs of an Atom feed (`link/@href`, `id` left out) or a sitemap (`loc`)."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return []
    found = []
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        if local == "link" and element.get("href"):
            found.append(element.get("href", ""))
        elif local == "loc" and element.text:
            found.append(element.text.strip())
    return found


@dataclass(frozen=True)
class _Site:
    folder: Path
    base_url: str  # "" when the site was built without one
    base_path: str  # "/" or "/sub/path/"


def site_base_url(folder: Path) -> str:
    """The base URL a built site was made for (its home page's canonical link), or ""."""
    home = Path(folder) / "index.html"
    if not home.is_file():
        return ""
    canonical = parse_page(home.read_text(encoding="utf-8", errors="replace")).canonical
    if not canonical or urlsplit(canonical).scheme not in ("http", "https"):
        return ""
    return canonical if canonical.endswith("/") else canonical + "/"


def _site(folder: Path) -> _Site:
    base = site_base_url(folder)
    path = urlsplit(base).path or "/"
    return _Site(folder, base, path if path.endswith("/") else path + "/")


def _target(site: _Site, page_rel: str, href: str) -> tuple[str | None, str, str | None]:
    """(site path or None when external, fragment, problem) for one link on page_rel."""
    parts = urlsplit(href)
    scheme = parts.scheme.lower()
    if scheme in _IGNORED_SCHEMES:
        return None, "", None
    if scheme or href.startswith("//"):
        absolute = href if scheme else "https:" + href
        if site.base_url and absolute.split("#")[0].startswith(site.base_url):
            rest = absolute[len(site.base_url) :]
            return unquote(urlsplit(rest).path), urlsplit(absolute).fragment, None
        return None, "", None
    path = unquote(parts.path)
    if path.startswith("/"):
        if not site.base_url and page_rel != "404.html":
            return None, "", "root-relative link breaks when the site is served from a sub-path"
        if not path.startswith(site.base_path) and path + "/" != site.base_path:
            return None, "", f"outside the site's base path {site.base_path}"
        resolved = path[len(site.base_path) :] if path != site.base_path[:-1] else ""
    elif path:
        folder = posixpath.dirname(page_rel)
        resolved = posixpath.normpath(posixpath.join(folder, path))
        if path.endswith("/") and resolved != ".":
            resolved += "/"
        if resolved == "." or resolved == "./":
            resolved = ""
        if resolved.startswith("../") or resolved == "..":
            return None, "", "leads outside the site"
    else:
        resolved = page_rel  # a fragment or query on the same page
    return resolved, parts.fragment, None


def _file_for(site: _Site, path: str) -> Path | None:
    """The file a static host serves for a site path, or None."""
    candidate = site.folder / path if path else site.folder
    if path == "" or path.endswith("/"):
        index = candidate / "index.html"
        return index if index.is_file() else None
    if candidate.is_file():
        return candidate
    if (candidate / "index.html").is_file():
        return candidate / "index.html"  # hosts redirect `dir` to `dir/`
    return None


class _Checker:
    """Resolves links of one site, remembering the fragment ids of pages already read."""

    def __init__(self, site: _Site):
        self.site = site
        self.ids: dict[Path, set[str]] = {}
        self.files: dict[str, Path | None] = {}

    def ids_of(self, file: Path) -> set[str]:
        if file not in self.ids:
            self.ids[file] = parse_page(file.read_text(encoding="utf-8", errors="replace")).ids
        return self.ids[file]

    def problem(self, page_rel: str, href: str) -> str | None:
        """Why a link from page_rel is broken, or None if it works (or is external)."""
        resolved, fragment, problem = _target(self.site, page_rel, href)
        if problem:
            return problem
        if resolved is None:
            return None
        if resolved not in self.files:
            self.files[resolved] = _file_for(self.site, resolved)
        file = self.files[resolved]
        if file is None:
            wanted = resolved + "index.html" if not resolved or resolved.endswith("/") else resolved
            return f"no file {wanted} in the output"
        fragment = unquote(fragment)
        known = fragment in _FRAGMENTS_THAT_ALWAYS_WORK or file.suffix != ".html"
        if not known and fragment not in self.ids_of(file):
            return f"no id {fragment!r} in {file.relative_to(self.site.folder).as_posix()}"
        return None


def _links_of(file: Path, rel: str, checker: _Checker) -> list[str]:
    if file.suffix == ".html":
        page = parse_page(file.read_text(encoding="utf-8", errors="replace"))
        checker.ids[file] = page.ids
        return page.links
    if file.suffix == ".css":
        return css_urls(file.read_text(encoding="utf-8", errors="replace"))
    if file.suffix == ".xml":
        return xml_links(file.read_bytes())
    return []


def check_links(site_dir: Path) -> list[str]:
    """Every broken internal link of the built site, as `PATH: broken link to HREF (why)`.

    PATH is relative to the site folder; the list is sorted and empty when all links work.
    A missing site folder is reported as one line.
    """
    site_dir = Path(site_dir)
    if not (site_dir / "index.html").is_file():
        return [f"{site_dir}: no built site here (no index.html); run `timeline build` first"]
    checker = _Checker(_site(site_dir))
    broken = []
    for file in sorted(site_dir.rglob("*")):
        if not file.is_file():
            continue
        rel = file.relative_to(site_dir).as_posix()
        for href in dict.fromkeys(_links_of(file, rel, checker)):
            problem = checker.problem(rel, href)
            if problem:
                broken.append(f"{rel}: broken link to {href} ({problem})")
    return sorted(broken)
