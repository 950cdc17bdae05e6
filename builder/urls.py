"""The one place that makes URLs, so every link works from a domain root or a sub-path.

Pages link to each other with relative URLs computed from their own depth, so the same
output works at https://example.org/ and at https://example.org/timeline/ (GitHub Pages
project sites) without a rebuild. Only feeds, sitemaps and canonical links, which must be
absolute, use the configured base URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from builder.text import slugify


@dataclass(frozen=True)
class Urls:
    """URL maker for one build; `base_url` may be empty (then absolute links use the path `/`)."""

    base_url: str = ""

    @property
    def base_path(self) -> str:
        """The path part of the base URL, always starting and ending with `/`."""
        path = urlsplit(self.base_url).path if self.base_url else "/"
        return path if path.endswith("/") else path + "/"

    def absolute(self, target: str) -> str:
        """An absolute URL (or, without a base URL, a root-relative path) for a site path."""
        if self.base_url:
            root = self.base_url if self.base_url.endswith("/") else self.base_url + "/"
            return root + target
        return self.base_path + target


def root_for(file_path: str) -> str:
    """The relative prefix that leads from the page at `file_path` back to the site root."""
    depth = file_path.count("/")
    return "../" * depth if depth else "./"


def event_path(event_id: str) -> str:
    """Site path of an event's page."""
    return f"events/{event_id}/"


def article_path(article_id: str) -> str:
    """Site path of an article's page."""
    return f"articles/{article_id}/"


def term_path(taxonomy: str, slug: str) -> str:
    """Site path of a taxonomy term's page (a country, actor, category or tag)."""
    return f"{taxonomy}/{slug}/"


def taxonomy_path(taxonomy: str) -> str:
    """Site path of a taxonomy's index page."""
    return f"{taxonomy}/"


def year_path(year: int) -> str:
    """Site path of one year's page."""
    return f"years/{year}/"


def period_path(list_path: str, slug: str) -> str:
    """Site path of one period of a split list: `periods/2019-2020/` for the timeline (whose
    path is the root), `countries/af/2019/` beside a term's or a year's page."""
    return f"{list_path or 'periods/'}{slug}/"


def page_path(page_id: str) -> str:
    """Site path of a free-standing page such as about/."""
    return f"{slugify(page_id)}/"


def file_for(path: str) -> str:
    """The output file that serves a site path: `events/x/` → `events/x/index.html`."""
    return path + "index.html" if path.endswith("/") or not path else path
