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

Nothing here asks where a link is written: `builder.linkplaces` finds that afterwards, in
the few files with a broken link, and reports each as a `PATH:LINE:COL: error:` line.
"""

from __future__ import annotations

import multiprocessing
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET

from selectolax.lexbor import LexborHTMLParser, LexborNode

from builder.build import Progress
from builder.write import usable_processes

LINK_ATTRIBUTES = {"href", "src", "poster", "data", "action", "formaction"}
#: A stylesheet's `url(...)` and `@import` addresses (`builder.linkplaces` finds them too).
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")
_IGNORED_SCHEMES = {"mailto", "tel", "data", "javascript", "about", "blob"}
_FRAGMENTS_THAT_ALWAYS_WORK = {"", "top"}


@dataclass
class _Page:
    """What one HTML page links to and which fragment ids it offers."""

    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    canonical: str | None = None


#: Every element a page's links, ids or canonical address can be on: one query, whose
#: matches come once per selector they match (`_elements` keeps each once).
_ELEMENTS = ",".join(
    [f"[{name}]" for name in sorted(LINK_ATTRIBUTES | {"srcset", "imagesrcset", "style", "id"})]
    + ["a[name]", "style"]
)


def _elements(tree: LexborHTMLParser) -> Iterator[LexborNode]:
    seen: set[int] = set()
    for node in tree.css(_ELEMENTS):
        if node.mem_id not in seen:
            seen.add(node.mem_id)
            yield node


def _srcset_urls(value: str) -> list[str]:
    return [part.split()[0] for part in value.split(",") if part.strip()]


def css_urls(css: str) -> list[str]:
    """The URLs a stylesheet refers to with `url(...)` and `@import`."""
    return [(m.group(2) or m.group(4)).strip() for m in CSS_URL.finditer(css)]


def parse_page(html: str) -> _Page:
    """The links, fragment ids and canonical URL of one HTML page, parsed as a browser
    parses it (the HTML standard's algorithm, by lexbor).

    Python's own `html.parser` took 79 s to read the 11,000 pages (300 MB) of a
    10,000-event site, eight times as long as lexbor with the queries below, and five
    times as long as building the site.
    """
    page = _Page()
    for node in _elements(LexborHTMLParser(html)):
        tag, values = node.tag, node.attributes
        if values.get("id"):
            page.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            page.ids.add(values["name"])
        if tag == "link" and "canonical" in (values.get("rel") or "").split():
            page.canonical = values.get("href")
        if tag == "style":
            page.links.extend(css_urls(node.text()))
        if tag == "base":
            continue
        for name, value in values.items():
            value = value or ""
            if name in LINK_ATTRIBUTES and value.strip():
                page.links.append(value.strip())
            elif name in ("srcset", "imagesrcset"):
                page.links.extend(_srcset_urls(value))
            elif name == "style":
                page.links.extend(css_urls(value))
    return page


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


#: A URL's scheme, as `urlsplit` finds it.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def _link_key(page_rel: str, href: str) -> tuple[str, str]:
    """What a link's verdict depends on: the page and the link as written; for an address
    with a scheme, the link alone; for a link that climbs out of the page's folder
    (`../../events/x/`, nearly every link the builder writes), the folder it climbs to and
    the rest of the link. The 11,000 pages of a 10,000-event site hold 640,000 links to
    a few tens of thousands of places: resolving each link again took a quarter of the
    check."""
    if _SCHEME.match(href) or href.startswith("//"):
        return "", href  # the same on every page
    climbs = 0
    while href.startswith("../", 3 * climbs):
        climbs += 1
    folders = page_rel.split("/")[:-1]
    if not climbs or climbs > len(folders):
        return page_rel, href
    return "/".join(folders[: len(folders) - climbs]) + "/", href[3 * climbs :]


#: A link's verdict, before the ids of the pages it leads to are known: None when it works
#: (or leads elsewhere), why it is broken, or (page, fragment) when it works if that page
#: of the site has that id.
Verdict = str | tuple[str, str] | None


class _Checker:
    """Resolves the links of one site's pages, each place once (see `_link_key`)."""

    def __init__(self, site: _Site):
        self.site = site
        self.files: dict[str, Path | None] = {}
        #: Each link's verdict, by `_link_key`.
        self.verdicts: dict[tuple[str, str], Verdict] = {}

    def verdict(self, page_rel: str, href: str) -> Verdict:
        """What a link from page_rel leads to (see `Verdict`)."""
        key = _link_key(page_rel, href)
        if key in self.verdicts:
            return self.verdicts[key]
        verdict = self.verdicts[key] = self._verdict(page_rel, href)
        return verdict

    def _verdict(self, page_rel: str, href: str) -> Verdict:
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
        if fragment in _FRAGMENTS_THAT_ALWAYS_WORK or file.suffix != ".html":
            return None
        return file.relative_to(self.site.folder).as_posix(), fragment


def _links_of(file: Path) -> tuple[list[str], set[str] | None]:
    """A file's links, each once, and, for an HTML page, its fragment ids."""
    ids = None
    if file.suffix == ".html":
        page = parse_page(file.read_text(encoding="utf-8", errors="replace"))
        found, ids = page.links, page.ids
    elif file.suffix == ".css":
        found = css_urls(file.read_text(encoding="utf-8", errors="replace"))
    elif file.suffix == ".xml":
        found = xml_links(file.read_bytes())
    else:
        found = []
    return list(dict.fromkeys(found)), ids


@dataclass(frozen=True, order=True)
class BrokenLink:
    """A link of a built file that leads nowhere, and why (`href` is "" when the file itself
    is the problem, `rel` "" when the site folder is)."""

    rel: str
    href: str
    why: str


_NO_SITE = "no built site here (no index.html)"

#: Files a reading process takes at a time.
_BATCH = 128

#: One file as read: its path, its ids (an HTML page's) and its links that do not plainly
#: work, with their verdicts.
_Read = tuple[str, "set[str] | None", list[tuple[str, Verdict]]]


#: The checker of a reading process (see `LinkCheck`), given once when the process starts:
#: a checker sent with each batch would start each batch with no verdicts.
_process_checker: _Checker | None = None


def _start_reading(checker: _Checker) -> None:
    global _process_checker
    _process_checker = checker


def _read_in_process(rels: list[str]) -> list[_Read]:
    assert _process_checker is not None
    return _read_batch(_process_checker, rels)


def _read_batch(checker: _Checker, rels: list[str]) -> list[_Read]:
    read = []
    for rel in rels:
        try:
            hrefs, ids = _links_of(checker.site.folder / rel)
        except OSError as exc:  # gone since it was listed, or not readable
            read.append((rel, None, [("", f"cannot read it ({exc.strerror or exc})")]))
            continue
        verdicts = [(href, checker.verdict(rel, href)) for href in hrefs]
        read.append((rel, ids, [(href, v) for href, v in verdicts if v is not None]))
    return read


class LinkCheck:
    """A check of a built site's links, started before the caller's other work.

    Reading the files and resolving their links is nearly all of a check's time (11,000
    pages, 300 MB and 640,000 links at 10,000 events), and it needs nothing but the files:
    with `jobs` above one, forked processes start at once, so that `timeline check --links`
    validates the content meanwhile. They hand back only what needs the whole site: each
    page's ids and the links to fragments of other pages. `broken` gives the verdicts;
    closing stops the processes.
    """

    def __init__(self, site_dir: Path, jobs: int = 1) -> None:
        self.site_dir = Path(site_dir)
        self.rels: list[str] = []
        self._pool = None
        if not (self.site_dir / "index.html").is_file():
            return
        folder = self.site_dir
        files = [file for file in folder.rglob("*") if file.is_file()]
        self.rels = sorted(file.relative_to(folder).as_posix() for file in files)
        batches = [self.rels[i : i + _BATCH] for i in range(0, len(self.rels), _BATCH)]
        checker = _Checker(_site(folder))
        processes = usable_processes(jobs, len(self.rels))
        if processes > 1:
            context = multiprocessing.get_context("fork")
            self._pool = context.Pool(processes, _start_reading, (checker,))
            self._reading: Iterator[list[_Read]] = self._pool.imap_unordered(
                _read_in_process, batches
            )
        else:
            self._reading = map(partial(_read_batch, checker), batches)  # when `broken` asks

    def broken(self, progress: Progress | None = None) -> list[BrokenLink]:
        """Every broken internal link, sorted; `progress` counts the files read."""
        if not self.rels:
            return [BrokenLink("", "", _NO_SITE)]
        progress = progress or Progress(enabled=False)
        progress.stage("check links", len(self.rels), "files")
        ids: dict[str, set[str]] = {}
        found = []
        for batch in self._reading:
            for rel, page_ids, verdicts in batch:
                if page_ids is not None:
                    ids[rel] = page_ids
                found += [(rel, href, verdict) for href, verdict in verdicts]
            progress.advance(len(batch))
        broken = []
        for rel, href, verdict in found:
            if type(verdict) is tuple:
                target, fragment = verdict
                if target not in ids:  # not listed (behind a link to a folder, say): read it
                    ids[target] = _links_of(self.site_dir / target)[1] or set()
                if fragment in ids[target]:
                    continue
                verdict = f"no id {fragment!r} in {target}"
            broken.append(BrokenLink(rel, href, str(verdict)))
        return sorted(broken)

    def close(self) -> None:
        """Stop the reading processes, if any are left."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> LinkCheck:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_links(
    site_dir: Path, jobs: int = 1, progress: Progress | None = None, shown: str = ""
) -> list[str]:
    """Every broken internal link of the built site, one `PATH:LINE:COL: error: ...` line
    each (see `builder.linkplaces`), sorted; empty when all links work.

    PATH is the file's path in the site folder after `shown` (a prefix such as `site`).
    A missing site folder is reported as one line. The files are read by `jobs` processes;
    `progress` counts them.
    """
    from builder.linkplaces import link_diagnostics

    with LinkCheck(site_dir, jobs) as check:
        broken = check.broken(progress)
    return [item.format() for item in sorted(link_diagnostics(Path(site_dir), broken, shown))]
