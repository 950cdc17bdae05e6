"""Turn the model into the site's files, with the theme's Jinja2 templates.

Rendering is a pure function of the timeline and the theme: it returns every output file
as bytes and writes nothing, so a live-preview rebuild can compare, skip or re-render
pages freely, and the writer alone decides what reaches the disk.
"""

from __future__ import annotations

import dataclasses
import html
import json
import operator
import re
import sys
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import groupby
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from builder import exports, periods, search, template_reads, urls, years
from builder.assets import fingerprint
from builder.chart import Chart, colour_class, overview_chart
from builder.countries import countries
from builder.dates import EdtfDate, year_range_label
from builder.depends import KeysMemo, LazyKey, PageKeys
from builder.model import (
    TAXONOMIES,
    Article,
    Event,
    Site,
    Term,
    Timeline,
    places_differing,
    same_in_place,
)
from builder.related import RelatedEvents
from builder.theme import (
    MACRO_CALLS,
    MacroCalls,
    Theme,
    compile_templates,
    is_shipped,
    make_environment,
    static_files,
)
from builder.write import RUN, OutputFile, Pieces, Text

TAXONOMY_TITLES = {
    "countries": "Countries",
    "actors": "Actors",
    "categories": "Categories",
    "tags": "Tags",
}
TAXONOMY_SINGULAR = {
    "countries": "Country",
    "actors": "Actor",
    "categories": "Category",
    "tags": "Tag",
}
#: The URL query parameter that filters the timeline by each taxonomy (`?country=tj`).
FACET_PARAMS = {"countries": "country", "actors": "actor", "categories": "category", "tags": "tag"}
IMPORTANCE_LABELS = {1: "minor", 2: "notable", 3: "major"}


#: Stands for a page's relative root (`./`, `../../`) in remembered list items: an item is
#: rendered once with it, and each page showing the item puts its own root in its place.
#: Content cannot spell it: all text is escaped, so a `<` in the output is the templates'.
ITEM_ROOT = Markup("<root>")


def header_section(page_path: str, paged: bool) -> tuple:
    """What the shipped header reads of its page to mark the current section: the page's
    path, except that every page inside events/ or inside articles/ shows the same header."""
    for folder in ("events/", "articles/"):
        if page_path.startswith(folder) and page_path != folder:
            return (folder, paged)
    return (page_path, paged)


#: The shipped partials `include_once` renders once per page depth (and, for the header,
#: per section): an event page's header and footer were a tenth of its rendering, the
#: filter form half of a timeline page's (all its terms, the same on every such page).
ONCE_PER_SECTION: dict[str, Callable[[str, bool], Hashable]] = {
    "partials/header.html": header_section,
    "partials/filters.html": lambda page_path, paged: None,
    "partials/footer.html": lambda page_path, paged: None,
}


@dataclass
class _Context:
    """What every template gets: the timeline, the site, URL helpers, vocabularies."""

    timeline: Timeline
    links: urls.Urls
    country_names: dict[str, str]
    term_slugs: dict[str, dict[str, str]]
    assets: dict[str, str]
    #: Each event's rendered list item, by `list_item_key`: an event shows on about seven
    #: lists (timeline, year, its terms), and its item differs only by the page's depth,
    #: which stands as `ITEM_ROOT` in the item until a page shows it.
    list_items: dict[tuple, str] = field(default_factory=dict)
    #: macros.html with links from `ITEM_ROOT`, made on first use (see `event_item_once`).
    rootless: object = None
    #: The timeline page of each event by id, filled on first use (see `timeline_path`).
    timeline_pages: dict[str, str] = field(default_factory=dict)
    #: The timeline's list pages, made on first use (see `timeline_list_pages`).
    timeline_list: list[periods.ListPage] | None = None
    #: Finds an event's related events when its page renders, not while planning.
    related: RelatedEvents | None = None
    #: Makes the pages' dependency keys, when the caller wants them (the live preview).
    keys: PageKeys | None = None
    #: The exports' and search index's per-event pieces, kept by the live preview.
    fragments: exports.FragmentMemo | None = None
    #: The units of pages the previous build planned, and those this one plans (see
    #: `_unit`); None when pages have no keys, so every unit is planned.
    units_before: dict | None = None
    units: dict | None = None
    #: Names of the units of lists and articles this build planned (see `_unit`), and the
    #: file of each event's page in timeline order: what the next edit's plan takes over
    #: when it kept every event in its place (see `_swapped_event_units`).
    list_units: list = field(default_factory=list)
    event_files: list | None = None
    #: Events whose page unit may have changed: the others' are known unchanged without
    #: looking at their inputs (see `events_touched`); None: any.
    events_touched: frozenset[str] | None = None
    #: Names of the units of lists (terms, years, articles) an edit may have changed (see
    #: `RenderMemo.lists_touched`); None: any.
    lists_touched: frozenset | None = None
    #: Whether units known unchanged are left out of the plan (`plan_update`) rather than
    #: planned to render from a fresh plan.
    partial: bool = False
    #: The live preview's memo, for the timeline's split and chart (see `timeline_points`).
    memo: RenderMemo | None = None
    points: tuple | None = None
    #: The overview chart once drawn, as a 1-tuple (it may be None).
    chart: tuple | None = None
    #: Which timeline page holds each year and month, and the number of the split in the
    #: live preview (see `timeline_list_pages`).
    where: dict | None = None
    split_version: int = 0
    page_paths: tuple[str, ...] = ()
    #: Whether the timeline's split is the previous build's (see `_period_kept`).
    split_kept: bool = False
    #: `globals()`, made on first use: the same for every page of the build.
    shared: dict | None = None
    #: `root_helpers(root)` by root: pages at one depth share them.
    by_root: dict[str, dict] = field(default_factory=dict)
    #: `page_globals(template, root)` by template and root.
    merged_globals: dict[tuple, dict] = field(default_factory=dict)
    #: The environment the pages render with (set by `plan_site`).
    env: jinja2.Environment | None = None
    #: Partials rendered by `include_once`, by `include_key`.
    includes: dict[tuple, str] = field(default_factory=dict)
    #: Whether each partial `include_once` was asked for is the shipped one (not overridden).
    shipped_partials: dict[str, bool] = field(default_factory=dict)
    #: The last key, new key and record of each event an edit changed only where its list
    #: item shows it, by the id of its last key (see `item_swaps`); None when it did more.
    swaps: dict[int, tuple] | None = None
    #: The lazy keys this plan made, when it has no earlier plan to compare its keys with
    #: (the live preview's first build, or its build after a template change: see
    #: `lazy_key`, `_page_key`, `_unit`); None when it makes them at once.
    lazy_keys: list[LazyKey] | None = None

    def __post_init__(self) -> None:
        if self.related is None:  # a cold build's (the live preview hands its own over)
            self.related = RelatedEvents(self.timeline, ahead=RANKED_AHEAD)

    def related_key(self, event: Event) -> Hashable:
        """What an event's related-events block shows depends on: those events' keys. Only
        the keys of an event's page and unit read it, and a plan with nothing before it
        makes those lazily (see `lazy_key`), so it ranks no events while it plans."""
        return self.keys.events(self.related.of(event))

    def lazy_key(self, make: Callable[[], Hashable]) -> Hashable:
        """`make()`, or in a plan that makes its keys lazily (see `lazy_keys`) a
        `depends.LazyKey` made when first compared, or by the background."""
        if self.lazy_keys is None:
            return make()
        key = LazyKey(make)
        self.lazy_keys.append(key)
        return key

    def timeline_path(self, event: Event) -> str:
        """Site path of the timeline page listing this event: the root, unless the timeline
        is split into periods."""
        if not self.timeline_pages:
            ids = map(_ID, self.timeline.events)
            self.timeline_pages.update(zip(ids, self.timeline_page_paths(), strict=True))
        return self.timeline_pages.get(event.id, "")

    def timeline_page_paths(self) -> tuple[str, ...]:
        """The path of the timeline page of each event, in order (the previous build's very
        tuple in the live preview while the split is the same)."""
        self.timeline_list_pages()
        return self.page_paths

    def timeline_list_pages(self) -> list[periods.ListPage]:
        """The timeline's pages: one, or one per period; split once per build, and in the
        live preview only when the events' months moved (see `_split_again`)."""
        if self.timeline_list is None:
            limit = self.timeline.site.events_per_page
            events = self.timeline.events
            split = self.memo.split if self.memo is not None else None
            if split is not None and split[0] == limit and split[1] is self.timeline_points():
                self.timeline_list = [
                    periods.ListPage(path, periods.Period(slug, label, events[start:stop]))
                    for path, slug, label, start, stop in split[2]
                ]
                self.where, self.split_version, self.page_paths = split[3:6]
                self.memo.split = (*split[:6], events)  # compared with the next build's
                self.split_kept = True
            else:
                self.timeline_list = periods.list_pages("", events, limit)
                self.where = _period_index(self.timeline_list)
                spans = _spans(self.timeline_list)
                self.page_paths = tuple(
                    path for path, _, _, start, stop in spans for _ in range(stop - start)
                )
                if self.memo is not None:
                    self.split_version = (split[4] + 1) if split is not None else 1
                    self.memo.split = (
                        limit,
                        self.timeline_points(),
                        spans,
                        self.where,
                        self.split_version,
                        self.page_paths,
                        events,
                    )
        return self.timeline_list

    def list_pages(self, path: str, events: list[Event]) -> list[periods.ListPage]:
        """The pages of the list at `path` (see `periods.list_pages`); in the live preview,
        the previous build's split of the list again while its events' years and months are
        those it was made for (an edited title or summary, a new tag): a common term's list
        holds thousands of events, and an edit splits each of the lists it touched."""
        limit = self.timeline.site.events_per_page
        if self.memo is None or len(events) <= limit:
            return periods.list_pages(path, events, limit)
        before = self.memo.list_splits.get(path)
        replaced = self.timeline.replaced
        if before is not None and before[0] == limit and _same_months(before[1], events, replaced):
            spans = before[2]
            pages = [
                periods.ListPage(page, periods.Period(slug, label, events[start:stop]))
                for page, slug, label, start, stop in spans
            ]
        else:
            pages = periods.list_pages(path, events, limit)
            spans = _spans(pages)
        self.memo.list_splits[path] = (limit, events, spans)
        return pages

    def filters_version(self) -> int:
        """A number that changes whenever what filters.json holds of the events may have: the
        live preview keeps it while an edit leaves every event's years, importance and terms
        as they were (a new title or summary), so the file is not rendered again."""
        events = self.timeline.events
        before = self.memo.filters if self.memo is not None else None
        if before is None or not _same_facets(before[0], events, self.timeline.replaced):
            version = before[1] + 1 if before is not None else 1
        else:
            version = before[1]
        if self.memo is not None:
            self.memo.filters = (events, version)
        return version

    def timeline_where(self) -> dict[tuple, int]:
        """Which of the timeline's pages holds each year and month (see `_period_index`)."""
        self.timeline_list_pages()
        return self.where

    def timeline_points(self) -> tuple:
        """Year, month and category of every event in order, and whether its date names the
        year (see `EdtfDate.names_year`): what the timeline's periods and its overview chart
        are made from (the previous build's very tuple when equal)."""
        if self.points is None:
            events = self.timeline.events
            split = self.memo.split if self.memo is not None else None
            replaced = self.timeline.replaced
            if split is not None and _same_points(split[6], split[1], events, replaced):
                self.points = split[1]
                return self.points
            columns = map(_YEAR, events), map(_MONTH, events), map(_CATEGORY, events)
            points = tuple(zip(*columns, map(_NAMES_YEAR, events), strict=True))
            self.points = split[1] if split is not None and split[1] == points else points
        return self.points

    def overview(self) -> Chart | None:
        """The overview chart of the whole timeline (bars linking to headings on the same
        page), drawn again in the live preview only when its points or categories changed."""
        if self.chart is not None:
            return self.chart[0]
        key = (self.timeline_points(), tuple(self.timeline.site.categories.items()))
        memo = self.memo
        if memo is not None and memo.overview is not None and memo.overview[0] == key:
            chart = memo.overview[1]
        else:
            chart = overview_for(self.timeline.events, self.timeline.site)
            if memo is not None:
                memo.overview = (key, chart)
        self.chart = (chart,)
        return chart

    def list_item_key(self, event: Event, heading: str, compact: bool) -> tuple:
        """What an event's list item depends on: the event, its heading and compactness (each
        page puts in its own way back to the root, see `event_item_once`)."""
        return (self.timeline.event_key(event), heading, compact)

    def event_item_once(
        self, root: str, macro, event: Event, heading: str, compact: bool
    ) -> Markup:
        """The list item `macro` renders for this event, rendered once for the whole build.

        It is rendered by macros.html's macro of the same name with `ITEM_ROOT` for the
        relative root, which each page replaces with its own: the bytes are those of a
        direct render, at any depth. A macro macros.html does not define is rendered once
        per depth instead. Templates call it as `event_item_once(macro, event, heading,
        compact)`, with their page's `root` bound (see `root_helpers`): a function that
        takes the template's context would copy it for every item of a list.
        """
        rootless = getattr(self._rootless_macros(self.env), macro.name, None)
        item = self._remembered_item(root, macro, rootless, event, heading, compact)
        return Markup(item.replace(ITEM_ROOT, root))

    def event_items_once(
        self, root: str, macro, events: list[Event], heading: str, compact: bool, between: str
    ) -> Markup:
        """The list items of these events, as `event_item_once` makes each, with `between`
        between them: what a template's loop over `event_item_once` writes, in one call.

        A list page shows up to a thousand remembered items; looking each up through a
        template call, then putting the page's root into it, cost more than the look-up.
        Here the items are joined first and the root put in once.

        The live preview keeps the blocks it made (see `Blocks`) by their events' keys, as
        the items are kept: an edit renders again the lists that hold the edited event, and
        looking up each of their items to find the block took a third of such a page.
        """
        if self.memo is None:
            return self._block(root, macro, events, heading, compact, between)
        self.memo.item_kinds.add((macro.name, heading, compact))
        keys = tuple(map(self.timeline.event_key, events))
        key = (root, between, macro.name, heading, compact, keys)
        block = self.memo.blocks.get(key)
        if block is None:
            block = self._block(root, macro, events, heading, compact, between)
            self.memo.blocks.put(key, block)
        return block

    def _block(
        self, root: str, macro, events: list[Event], heading: str, compact: bool, between: str
    ) -> Markup:
        """The remembered items of these events joined, each page's root put in once."""
        rootless = getattr(self._rootless_macros(self.env), macro.name, None)
        item = partial(self._remembered_item, root, macro, rootless)
        items = [item(event, heading, compact) for event in events]
        return Markup(between.join(items).replace(ITEM_ROOT, root))

    def _remembered_item(
        self, root: str, macro, rootless, event: Event, heading: str, compact: bool
    ) -> str:
        """An event's list item as remembered for the build: rendered by `rootless` (the
        macro of macros.html, links from `ITEM_ROOT`) when there is one, else by `macro`
        once for the page depth `root`."""
        key = self.list_item_key(event, heading, compact) + (() if rootless else (root,))
        item = self.list_items.get(key)
        if item is None:
            item = self.list_items[key] = str((rootless or macro)(event, heading, compact))
        return item

    @jinja2.pass_context
    def include_once(self, context: jinja2.runtime.Context, name: str) -> Markup:
        """The partial `name` as `{% include %}` renders it, rendered once for every page
        that would show the same bytes (see `include_key`)."""
        template = context.environment.get_template(name, context.name)
        key = self.include_key(name, template, context)
        html = self.includes.get(key) if key is not None else None
        if html is None:
            html = context.environment.concat(
                template.root_render_func(template.new_context(context.get_all(), True, {}))
            )
            if key is not None:
                self.includes[key] = html
        return Markup(html)

    def include_key(
        self, name: str, template: jinja2.Template, context: jinja2.runtime.Context
    ) -> tuple | None:
        """What a shipped partial of `ONCE_PER_SECTION` reads from its page: the page's way
        to the root and, for the header, the section it marks as current. None for any other
        partial and for a project's own copy, which may read anything."""
        if name not in ONCE_PER_SECTION:
            return None
        shipped = self.shipped_partials.get(name)
        if shipped is None:
            shipped = self.shipped_partials[name] = is_shipped(template.filename)
        if not shipped:
            return None
        section = ONCE_PER_SECTION[name](context["page_path"], "paging" in context)
        return (name, context["root"], section)

    def _rootless_macros(self, env: jinja2.Environment) -> object:
        """macros.html with links made from `ITEM_ROOT` instead of a page's relative root."""
        if self.rootless is None:
            values = self.globals() | {
                "root": ITEM_ROOT,
                "url": lambda target="": ITEM_ROOT + target,
                "asset": lambda name: (
                    ITEM_ROOT + self.assets.get("static/" + name, "static/" + name)
                ),
                "event_item_once": partial(self.event_item_once, ITEM_ROOT),
                "event_items_once": partial(self.event_items_once, ITEM_ROOT),
                "page_path": "",
                "canonical": "",
            }
            self.rootless = env.get_template("macros.html").make_module(values)
        return self.rootless

    def globals(self) -> dict:
        """What every template gets besides its page's own values (see `root_helpers`, `_page`)."""
        if self.shared is None:
            self.shared = self._globals()
        return self.shared

    def _globals(self) -> dict:
        categories = list(self.timeline.site.categories)
        category_classes = {key: colour_class(key, categories) for key in categories}
        return {
            "site": self.timeline.site,
            "timeline": self.timeline,
            "country_name": lambda code: self.country_names.get(code, code),
            "category_label": lambda key: self.timeline.site.categories.get(key, key or ""),
            "term_slug": lambda taxonomy, key: self.term_slugs[taxonomy].get(key, ""),
            "article_of": lambda article_id: self.timeline.articles_by_id.get(article_id),
            "taxonomies": TAXONOMIES,
            "taxonomy_titles": TAXONOMY_TITLES,
            "taxonomy_singular": TAXONOMY_SINGULAR,
            "paths": urls,
            "absolute_url": self.links.absolute,
            "facet_params": FACET_PARAMS,
            "category_class": lambda key: category_classes.get(key, "cx"),
            "importance_label": lambda n: IMPORTANCE_LABELS.get(n, "minor"),
            "year_span": year_span,
            "year_label": partial(years.year_label, self.timeline),
            "year_heading": years.section_label,
            "year_spans": lambda year: self.timeline.year_spans.get(year, ()),
            "year_filter_end": partial(years.filter_end, self.timeline),
            "year_filter_choices": partial(years.filter_years, self.timeline),
            "year_range": year_range_label,
            "years_covered": partial(years.years_covered, self.timeline),
            "span_years": years.span_years,
            "slug_list": lambda taxonomy, keys: " ".join(
                self.term_slugs[taxonomy].get(key, "") for key in keys
            ),
            "url_host": lambda url: urlsplit(url).hostname or url,
            "has_asset": lambda name: "static/" + name in self.assets,
            "include_once": self.include_once,
            "timeline_path": self.timeline_path,
            MACRO_CALLS: MacroCalls(self.env) if self.env is not None else None,
        }

    def page_globals(self, template: jinja2.Template, root: str) -> dict:
        """What a page of this template under `root` gets besides its own values: the
        template's globals, the build's (`globals`) and the root's (`root_helpers`), merged
        once per build. The template's globals are a chain of dictionaries, and walking it
        for each of 10,000 pages was a thirtieth of their rendering."""
        merged = self.merged_globals.get((template, root))
        if merged is None:
            merged = {**template.globals, **self.globals(), **self.root_helpers(root)}
            self.merged_globals[(template, root)] = merged
        return merged

    def root_helpers(self, root: str) -> dict:
        """`root`, `url` and `asset` for pages whose way back to the site's root is `root`."""
        helpers = self.by_root.get(root)
        if helpers is None:
            assets = self.assets
            helpers = self.by_root[root] = {
                "root": root,
                "url": lambda target="": root + target,
                "asset": lambda name: root + assets.get("static/" + name, "static/" + name),
                "event_item_once": partial(self.event_item_once, root),
                "event_items_once": partial(self.event_items_once, root),
            }
        return helpers


@dataclass(frozen=True)
class Deferred:
    """A template value computed only when its page renders (in a render process, or when
    the live preview asks for that page), so planning every page stays cheap. `key`
    returns what the value depends on, for the live preview's page keys."""

    compute: Callable[[], object]
    key: Callable[[], Hashable] | None = None


#: How many characters of list item blocks the live preview keeps (see `Blocks`).
BLOCK_CHARACTERS = 8_000_000
#: How many characters of list pages the live preview keeps (see `_spliced_list_page`): the
#: seven or so lists that show one event, twice over.
PAGE_CHARACTERS = 8_000_000
#: The templates of list pages, whose events show only as items (see `_spliced_list_page`).
LIST_TEMPLATES = frozenset({"index.html", "term.html", "year.html"})


def _kept_page_size(kept: tuple[Hashable, str]) -> int:
    return len(kept[1])


class Blocks:
    """Texts the live preview showed lately, the least recently shown dropped beyond `limit`
    characters (as `size` counts them in a value): the blocks of list items (a month of a
    list) by their page's root, their kind of item and their events' keys, and the list
    pages by path, with their keys (see `_spliced_list_page`).

    An edit renders again the lists holding the edited event, pages of up to a megabyte in
    thirty months or so; all but one of those months are the last build's, and joining
    their items again cost half of rendering such a page. Items are the same strings while
    their events' keys are unchanged (`RenderMemo.list_items`), so equal keys mean equal
    blocks.
    """

    def __init__(self, limit: int, size: Callable[[object], int] = len) -> None:
        self.limit = limit
        self.size = 0
        self._size = size
        self._blocks: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable) -> Any:
        """The value kept under `key` (a block, or a page's key and text), if any."""
        block = self._blocks.get(key)
        if block is not None:
            self._blocks.move_to_end(key)
        return block

    def put(self, key: Hashable, block: Any) -> Any:
        """Keep a value (and return it), forgetting the least recently shown beyond `limit`."""
        replaced = self._blocks.pop(key, None)
        if replaced is not None:  # a page's path: kept again with its new text
            self.size -= self._size(replaced)
        self._blocks[key] = block
        self.size += self._size(block)
        while self.size > self.limit and len(self._blocks) > 1:
            _, dropped = self._blocks.popitem(last=False)
            self.size -= self._size(dropped)
        return block


@dataclass
class RenderMemo:
    """What rendering one build hands to the next in the live preview, so an edit costs
    what it changed: list items by event key, related events of the events the edit
    cannot have affected, and the exports' per-event fragments.

    Everything here is keyed by `Timeline.event_key`, which does not cover site.yaml, the
    theme or the builder's code: the caller starts a new memo when one of those changes.
    """

    list_items: dict[tuple, str] = field(default_factory=dict)
    related: RelatedEvents | None = None
    exports: exports.FragmentMemo | None = None
    #: What the previous build's page keys leave to the next (see `depends.KeysMemo`).
    keys: KeysMemo = field(default_factory=KeysMemo)
    #: Each unit of pages the previous build planned (see `_unit`): its inputs, and the
    #: path and key of each of its files.
    units: dict[Hashable, tuple[Hashable, list[tuple[str, Hashable]]]] = field(default_factory=dict)
    #: The previous build's chrome, events and each event's timeline page, in timeline order
    #: (see `events_touched`).
    events: tuple | None = None
    #: Ids of the events whose page unit an edit may have changed, and names of the list
    #: units it may have changed (see `serve.next_memo`); None: not known, any.
    events_touched: frozenset[str] | None = None
    lists_touched: frozenset | None = None
    #: The id of the preview build made from the last plan (see `plan_update`).
    planned_for: str | None = None
    #: The last plan's names of list and article units, and its events with the file of
    #: each one's page, in timeline order (see `_swapped_event_units`).
    list_units: list = field(default_factory=list)
    event_files: tuple[list[Event], list[tuple[str, Hashable]]] | None = None
    #: The timeline's periods as (limit, points, spans, period index, version, each event's
    #: timeline page, the events they were last checked for) and its overview chart as
    #: (key, chart), kept while the events' months and categories stay (see
    #: `_Context.timeline_list_pages`, `_Context.overview`).
    split: tuple | None = None
    overview: tuple | None = None
    #: How each long list (a term's, a year's) was last split into periods, by path: the
    #: limit, its events and the spans of its pages (see `_Context.list_pages`).
    list_splits: dict[str, tuple] = field(default_factory=dict)
    #: The chrome of the last build and the partials `include_once` rendered for it.
    includes: tuple[Hashable, dict] | None = None
    #: Months of list items as pages last showed them (see `_Context.event_items_once`).
    blocks: Blocks = field(default_factory=lambda: Blocks(BLOCK_CHARACTERS))
    #: The events filters.json was last keyed for, and the number of its version (see
    #: `_Context.filters_version`).
    filters: tuple[list[Event], int] | None = None
    #: The articles the list of articles was last keyed for, and that key (`_listed_key`).
    listed: tuple[list[Article], tuple] | None = None
    #: The list pages rendered lately, by path: (key, text), for `_spliced_list_page`; the
    #: kinds of rootless item they were made of (macro name, heading, compact); and how many
    #: pages were made by splicing (for tests and profiles).
    pages: Blocks = field(default_factory=lambda: Blocks(PAGE_CHARACTERS, _kept_page_size))
    item_kinds: set[tuple[str, str, bool]] = field(default_factory=set)
    spliced: int = 0
    #: The key and text of a file of the last build by its path, for the list pages not
    #: kept in `pages` (the live preview's last snapshot: see `serve.Snapshot.kept_page`).
    last_pages: Callable[[str], tuple[Hashable, str] | None] | None = None
    #: Keys a plan made lazily and nothing has compared yet (see `depends.LazyKey`): each
    #: holds on to the model of the build that planned it until `settle_keys` makes it.
    lazy_keys: list[LazyKey] | None = None
    #: The project's own templates and where they read more than the keys cover (see
    #: `own_templates`), found once per memo: a template's change starts a new memo.
    own_templates: OwnTemplates | None = None

    def settle_keys(self) -> int:
        """Make the lazy keys not made yet, so that they let go of their build's model;
        how many there were. The live preview's background calls this once it has rendered
        a build, when making them costs little: the pages' rendering ranked the events."""
        keys, self.lazy_keys = self.lazy_keys, None
        for key in keys or ():
            key.value()
        return len(keys or ())


def _page(
    env: jinja2.Environment,
    ctx: _Context,
    template: str,
    site_path: str,
    root: str | None = None,
    **values: object,
) -> OutputFile:
    text = _page_text(env, ctx, template, site_path, root, **values)
    return OutputFile(urls.file_for(site_path), text.encode("utf-8"))


def page_root(site_path: str, root: str | None = None) -> str:
    """The relative way back to the site's root from the page at `site_path` (`root`, when
    the caller knows it)."""
    return root if root is not None else urls.root_for(urls.file_for(site_path))


def _page_text(
    env: jinja2.Environment,
    ctx: _Context,
    template: str,
    site_path: str,
    root: str | None = None,
    **values: object,
) -> str:
    """The page `_page` writes, as text."""
    prefix = page_root(site_path, root)
    page = env.get_template(template)
    context = page.new_context(
        {
            **ctx.page_globals(page, prefix),
            "page_path": site_path,
            "canonical": ctx.links.absolute(site_path) if ctx.timeline.site.base_url else "",
            **{k: v.compute() if isinstance(v, Deferred) else v for k, v in values.items()},
        },
        shared=True,  # a new dict per page, already holding the environment's globals
    )
    try:
        return env.concat(page.root_render_func(context))
    except Exception:
        env.handle_exception()


#: What list pages show of an event outside its item (its place, month and year, the
#: filters' facets, the chart's bars, a term's first and last dates): an edit that leaves
#: these alone changes a list page only inside the event's item.
_SHOWN_OUTSIDE_ITEMS = operator.attrgetter(
    "id", "date", "countries", "actors", "category", "tags", "importance", "draft"
)


def item_swaps(before: Timeline | None, timeline: Timeline) -> dict[int, tuple] | None:
    """For an edit that kept every event in its place (`Timeline.replaced`) and changed the
    replaced events only where their list items show them (a title, a summary, a source),
    each such event's last key, new key and new record, by the id of its last key (which
    the entry holds alive, so no other object can have that id); None for any other edit."""
    replaced = timeline.replaced
    if before is None or replaced is None or replaced[0] is not before.events:
        return None
    old_events, new_events, places = replaced
    swaps = {}
    for place in places:
        old, new = old_events[place], new_events[place]
        if _SHOWN_OUTSIDE_ITEMS(old) != _SHOWN_OUTSIDE_ITEMS(new):
            return None
        old_key = before.event_key(old)
        swaps[id(old_key)] = (old_key, timeline.event_key(new), new)
    return swaps


def _spliced_list_page(ctx: _Context, site_path: str, root: str, key: Hashable) -> str | None:
    """The list page at `site_path` as its last text with the edited events' items swapped
    for their new ones, when its key shows that nothing else on it changed; else None.

    An edit of an event's title or summary renders again the seven or so lists that show
    it, each up to a megabyte, though only one item changed on each: splicing the new item
    into the last text takes a seventh of rendering such a page (0.85 against 6.1 ms at
    10,000 events). It is exact because the key is: the page's last key, with the edited
    events' last keys in place of their new ones, is its new key (`_same_but`), and list
    pages show those events only in their items (`LIST_TEMPLATES`, `_SHOWN_OUTSIDE_ITEMS`).
    Each of those events must be found in the text exactly once, as the item the last
    build made, else the page is rendered.
    """
    memo, swaps = ctx.memo, ctx.swaps
    if memo is None or not swaps:
        return None
    kept = memo.pages.get(site_path)
    if kept is None and memo.last_pages is not None:  # not rendered lately: the build's
        kept = memo.last_pages(urls.file_for(site_path))
    if kept is None:
        return None
    last_key, text = kept
    found: set[int] = set()
    if not _same_but(last_key, key, swaps, found):
        return None
    for old_id in found:
        old_key, _, event = swaps[old_id]
        text = _swapped_item(ctx, text, root, old_key, event)
        if text is None:
            return None
    memo.spliced += 1
    return text


def _swapped_item(ctx: _Context, text: str, root: str, old_key: tuple, event: Event) -> str | None:
    """`text` with the event's last item (made from `old_key`) replaced by its new one, for
    each kind of item list pages were made of; None unless it stood there exactly once."""
    rootless = ctx._rootless_macros(ctx.env)
    swapped = 0
    for name, heading, compact in ctx.memo.item_kinds:
        old = ctx.list_items.get((old_key, heading, compact))
        if old is None:
            continue
        old = old.replace(ITEM_ROOT, root)
        count = text.count(old)
        if count > 1:
            return None
        macro = getattr(rootless, name, None)
        if macro is None:  # not the item it was taken for: render the page
            return None
        if count:
            new = ctx._remembered_item(root, macro, macro, event, heading, compact)
            text = text.replace(old, new.replace(ITEM_ROOT, root))
            swapped += 1
    return text if swapped else None


def _same_but(last: object, now: object, swaps: dict[int, tuple], found: set[int]) -> bool:
    """Whether the key `now` is the key `last` with some of the swapped events' keys in
    place of their last ones (whose ids it adds to `found`)."""
    if last is now:
        return True
    swap = swaps.get(id(last))
    if swap is not None:
        if swap[1] is now or swap[1] == now:
            found.add(id(last))
            return True
        return False
    if type(last) is tuple and type(now) is tuple and len(last) == len(now):
        if last == now:
            return True
        return all(_same_but(a, b, swaps, found) for a, b in zip(last, now, strict=True))
    return last == now


def group_by_month(events: list[Event]) -> list[tuple[int | None, list[tuple[int | None, list]]]]:
    """Events grouped by year, then by month (None for dates without a month)."""
    years = []
    for year, in_year in groupby(events, key=_YEAR):
        months = [(m, list(es)) for m, es in groupby(in_year, key=_MONTH)]
        years.append((year, months))
    return years


_ID = operator.attrgetter("id")
_YEAR, _MONTH = operator.attrgetter("date.year"), operator.attrgetter("date.month")
_CATEGORY = operator.attrgetter("category")
_NAMES_YEAR = operator.attrgetter("date.names_year")
_POINT = operator.attrgetter("date.year", "date.month", "category", "date.names_year")


class Kept(NamedTuple):
    """A unit of pages the previous plan had with the same inputs: its files' paths and keys
    (and how to plan it afresh when `plan_site` must render its files)."""

    files: list[tuple[str, Hashable]]
    produce: Callable[[], Iterator] | None = None


def _unit(
    ctx: _Context,
    name: Hashable,
    inputs: Callable[[], Hashable],
    produce: Callable[[], Iterator],
    kept: bool | None = None,
    lazy: bool = False,
) -> Iterator:
    """The files of one unit of pages (a term's list, a year's, an article's page…).

    A unit's `inputs` are everything its pages' keys are made from besides the chrome: when
    they are those of the previous build, so are its paths and keys, and the live preview
    takes its files over without planning it again (without even making its inputs when the
    caller knows them `kept`): the unit is then a `Kept`. A unit the caller knows changed
    (`kept` False: an edited event is in its list) is planned without making its inputs,
    which for the list of a common term means every event's key; its files' own keys still
    tell which of them changed, and the next build that must compare its inputs plans it.
    A `lazy` unit's inputs read nothing the next plan changes (no memo of long lists): in a
    plan with nothing before it they are made when first compared (`depends.LazyKey`).
    """
    if ctx.units is None:
        yield from produce()
        return
    before = ctx.units_before.get(name)
    if kept is False:
        key: Hashable = _CHANGED
    elif kept and before is not None:
        key = None
    elif lazy and before is None:
        chrome = ctx.keys.chrome
        key = ctx.lazy_key(lambda: (chrome, inputs()))
    else:
        key = (ctx.keys.chrome, inputs())
    if before is not None and (key is None or before[0] == key):
        ctx.units[name] = before
        yield Kept(before[1], None if ctx.partial else produce)
        return
    files = list(produce())
    ctx.units[name] = (key, [(item.path, item.key) for item in files])
    yield from files


def _unit_of_list(ctx: _Context, name: Hashable, *args, **kwargs) -> Iterator:
    """`_unit` for any unit but an event's page (the timeline's pages, a list, an article),
    whose name the plan notes (see `_Context.list_units`)."""
    if ctx.units is not None:
        ctx.list_units.append(name)
    return _unit(ctx, name, *args, **kwargs)


class _Changed:
    """The inputs of a unit planned as changed: equal to no inputs, not even its own."""

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = object.__hash__


_CHANGED = _Changed()


def _kept_files(kept: Kept) -> Iterator[PlannedFile]:
    """The files of a kept unit, each rendered, if ever asked, from a fresh plan of the unit:
    the previous plan's values belong to an older timeline."""
    fresh: dict[str, PlannedFile] = {}
    for path, page_key in kept.files:
        yield PlannedFile(path, _from_fresh_plan(kept.produce, fresh, path), page_key)


def _swapped_event_units(ctx: _Context, event_unit: Callable) -> Iterator | None:
    """The event pages' units of an edit that kept every event in its place (see
    `Timeline.replaced`), made from the last plan's: its event files taken over in runs
    between the events the edit touched, which alone are planned (`event_unit(index,
    event)`), found by their places instead of by a pass over 10,000 events (the pass was a
    seventh of a title edit). None when the last plan was not made for the events the model
    compared with, or did not note its files.

    Every unit of the last plan is carried over, then those of the other units dropped (the
    timeline's pages, planned before the events, and the lists and articles, planned
    after): a unit that is gone must not stay.
    """
    memo, timeline = ctx.memo, ctx.timeline
    replaced, last = timeline.replaced, memo.event_files if memo is not None else None
    if replaced is None or last is None or last[0] is not replaced[0]:
        return None
    if ctx.related.timeline is not timeline:
        return None
    places = sorted({ctx.related.place(i) for i in ctx.events_touched} - {None})
    planned = ctx.units  # the timeline's pages, planned before the events
    # A copy of a whole dictionary is a fraction of the cost of adding 11,000 entries to one.
    units = ctx.units = dict(ctx.units_before)
    for name in memo.list_units:
        units.pop(name, None)
    units.update(planned)
    return _swapped_units_in_order(ctx, event_unit, last[1], places)


def _swapped_units_in_order(
    ctx: _Context, event_unit: Callable, files: list, places: list[int]
) -> Iterator:
    """The last plan's event files in runs, with the units at `places` planned between them;
    notes this plan's files (the last plan's, with those places' own) for the next edit."""
    events, start = ctx.timeline.events, 0
    files = list(files)
    for place in places:
        if place > start:
            yield Kept(files[start:place])
        yield from event_unit(place, events[place])
        (files[place],) = ctx.units[events[place].id][1]
        start = place + 1
    if start < len(events):
        yield Kept(files[start:])
    ctx.event_files = files


def events_touched(ctx: _Context, memo: RenderMemo) -> frozenset[str] | None:
    """The events whose page unit may differ from the previous build's; the others' are the
    previous build's, told without making their inputs (None: not known, any may differ).

    An event page's inputs are the keys of the event and its neighbours, its related events
    and its timeline page (see `_pages`). When the chrome is the previous build's, the unit
    of an event is unchanged unless the edit touched it (`RenderMemo.events_touched`: the
    events changed, added or removed, their neighbours and every event that may count one
    of them among its related events) or its timeline page changed.
    """
    events, keys = ctx.timeline.events, ctx.keys
    pages = ctx.timeline_page_paths()
    before, memo.events = memo.events, (keys.chrome, events, pages)
    touched = memo.events_touched
    if before is None or touched is None or before[0] is not keys.chrome:
        return None
    _, old_events, old_pages = before
    if old_pages is not pages and old_pages != pages:
        # The ids only now: reading every event's id is a walk over 10,000 records.
        was = dict(zip(map(_ID, old_events), old_pages, strict=True))
        now = zip(map(_ID, events), pages, strict=True)
        touched = touched | {i for i, page in now if was.get(i) != page}
    return touched


def _from_fresh_plan(
    produce: Callable[[], Iterator], fresh: dict[str, PlannedFile], path: str
) -> Callable[[], bytes]:
    """Renders the file at `path` from the unit planned afresh (once for all its files)."""

    def render() -> bytes:
        if not fresh:
            fresh.update((item.path, item) for item in produce())
        return fresh[path].render()

    return render


def _pages(env: jinja2.Environment, ctx: _Context, make=_page) -> Iterator:
    timeline = ctx.timeline
    limit = timeline.site.events_per_page
    events_of = ctx.keys.events if ctx.keys else None
    yield from _timeline_pages(env, ctx, make)
    events = timeline.events
    touched, units_before, units = ctx.events_touched, ctx.units_before, ctx.units
    partial = ctx.partial and touched is not None

    def event_unit(index: int, event: Event) -> Iterator:
        neighbours = events[max(index - 1, 0) : index + 2]
        return _unit(
            ctx,
            event.id,  # every other unit is named by a tuple: no event id can equal it
            lambda: (
                events_of(neighbours),
                ctx.related_key(event),
                ctx.timeline_page_paths()[index],
            ),
            lambda: _event_page(env, ctx, make, index, event),
            kept=True if touched is not None and event.id not in touched else None,
            lazy=True,
        )

    swapped = _swapped_event_units(ctx, event_unit) if partial else None
    if swapped is not None:
        yield from swapped
    else:
        run: list = []  # the files of consecutive kept events: nearly all, at every edit
        files: list | None = [] if units is not None else None
        for index, event in enumerate(events):
            if partial and event.id not in touched:
                before = units_before.get(event.id)
                if before is not None:
                    units[event.id] = before
                    run += before[1]
                    files += before[1]
                    continue
            if run:
                yield Kept(run)
                run = []
            yield from event_unit(index, event)
            if files is not None:
                files += units[event.id][1]
        if run:
            yield Kept(run)
        if files is not None and len(files) == len(events):
            ctx.event_files = files
    yield make(env, ctx, "articles.html", "articles/", articles=_listed_articles(ctx))
    for article in timeline.articles:
        citing = timeline.citing.get(article.id, [])
        yield from _unit_of_list(
            ctx,
            ("article", article.id),
            lambda article=article, citing=citing: (
                article.revision or id(article),
                events_of(citing),
            ),
            lambda article=article, citing=citing: _article_page(env, ctx, make, article, citing),
            kept=_list_kept(ctx, ("article", article.id)),
        )
    for taxonomy in TAXONOMIES:
        terms = timeline.taxonomies[taxonomy]
        yield make(
            env, ctx, "taxonomy.html", urls.taxonomy_path(taxonomy), taxonomy=taxonomy, terms=terms
        )
        for term in terms:
            yield from _unit_of_list(
                ctx,
                ("term", taxonomy, term.key),
                lambda term=term: (term.label, term.slug, limit, events_of(term.events)),
                lambda term=term: _list_pages(
                    env,
                    ctx,
                    make,
                    "term.html",
                    urls.term_path(term.taxonomy, term.slug),
                    term.events,
                    term=term,
                ),
                kept=_list_kept(ctx, ("term", taxonomy, term.key)),
            )
    for year, events in timeline.years.items():
        yield from _unit_of_list(
            ctx,
            ("year", year),
            lambda events=events: (limit, events_of(events)),
            lambda year=year, events=events: _list_pages(
                env, ctx, make, "year.html", urls.year_path(year), events, year=year
            ),
            kept=_list_kept(ctx, ("year", year)),
        )
    for page in timeline.pages:
        yield make(env, ctx, "page.html", urls.page_path(page.id), page=page)
    yield make(env, ctx, "404.html", "404.html", root=ctx.links.base_path)
    yield PlannedFile(search.INDEX_PATH, lambda: search.search_index(timeline, ctx.fragments))
    yield make(env, ctx, "search.html", "search/", search_index=search.INDEX_PATH)
    for path, render in exports.plan_exports(timeline, ctx.links, ctx.fragments):
        yield PlannedFile(path, render)


def _listed_articles(ctx: _Context) -> list[Article] | Deferred:
    """The articles for the list of articles; with page keys, keyed by what the list shows
    of each (`_listed`; the counts of citing events are in the chrome), so that editing an
    article's body does not render the list of 1,000 again."""
    articles = ctx.timeline.articles
    if ctx.keys is None:
        return articles
    return Deferred(lambda: articles, lambda: _listed_key(ctx.memo, articles))


def _listed(article: Article) -> tuple:
    """What the list of articles shows of one: its link, title, publisher, date, countries
    and tags (whether each of those links to a term's page is in the chrome)."""
    shown = (article.id, article.title, article.publisher, article.date)
    return (*shown, tuple(article.countries), tuple(article.tags))


def _listed_key(memo: RenderMemo | None, articles: list[Article]) -> tuple:
    """What the list of articles shows of them; in the live preview, the last build's key
    while the model hands over the very same list (no article changed: see `model`), which
    spared a pass over a thousand articles at every edit of an event."""
    if memo is not None and memo.listed is not None and memo.listed[0] is articles:
        return memo.listed[1]
    key = ("listed", tuple(map(_listed, articles)))
    if memo is not None:
        memo.listed = (articles, key)
    return key


def _list_kept(ctx: _Context, name: tuple) -> bool | None:
    """Whether the unit of a list (a term's, a year's, an article's citing events) is known
    unchanged (True: the chrome is the previous build's and no edited event was or is in
    it), known changed (False: an edited event was or is in it), or not known (None)."""
    if ctx.lists_touched is None:
        return None
    return name not in ctx.lists_touched


def _period_kept(ctx: _Context, events: list[Event]) -> bool | None:
    """Whether the unit of one period of the split timeline is known unchanged: the split is
    the previous build's (so each period holds the same places of the list) and no edited
    event was or is in one of the period's years; None when not known."""
    if ctx.lists_touched is None or not ctx.split_kept:
        return None
    first, last = events[0].date.year, events[-1].date.year
    for name in ctx.lists_touched:
        if name[0] == "year":
            year = name[1]
            if year in (first, last) or (None not in (year, first, last) and first < year < last):
                return None
    return True


def _event_page(env, ctx: _Context, make, index: int, event: Event) -> Iterator:
    """An event's page, with its neighbours on the timeline and its related events."""
    events = ctx.timeline.events
    yield make(
        env,
        ctx,
        "event.html",
        urls.event_path(event.id),
        event=event,
        previous=events[index - 1] if index else None,
        next=events[index + 1] if index + 1 < len(events) else None,
        related=Deferred(
            lambda: ctx.related.of(event),
            lambda: ctx.related_key(event),
        ),
        citation=_citation(ctx, event),
        timeline_page=ctx.timeline_page_paths()[index],
    )


def _when_rendered(ctx: _Context, compute: Callable[[], object]) -> Deferred:
    """`compute()`, made when the page renders (in a render process), and with page keys
    made again for the key, which is the value itself: planning is serial, and dating
    10,000 events in words for their citations took a tenth of a second of it. The live
    preview makes most keys once it has rendered the pages (see `_page_key`), and the few
    of an edit's pages twice."""
    return Deferred(compute) if ctx.keys is None else Deferred(compute, compute)


def _groups(ctx: _Context, events: list[Event], place: str | None = None) -> Deferred:
    """The events grouped by month (`group_by_month`), made when the page renders; their
    key is the events' keys, whose dates the grouping reads (`place`: the page's path)."""
    keys = ctx.keys
    key = (lambda: ("groups", keys.events(events, place))) if keys is not None else None
    return Deferred(lambda: group_by_month(events), key)


def _citation(ctx: _Context, event: Event) -> Deferred:
    """The event's citation line (see `event_citation`), made when its page renders."""
    return _when_rendered(ctx, lambda: event_citation(event, ctx.timeline.site, ctx.links))


def _article_page(env, ctx: _Context, make, article: Article, citing: list[Event]) -> Iterator:
    """An article's page, listing the events that cite it."""
    yield make(
        env,
        ctx,
        "article.html",
        urls.article_path(article.id),
        article=article,
        events=citing,
        groups=_groups(ctx, citing),
    )


def _list_pages(
    env, ctx: _Context, make, template: str, path: str, events: list[Event], **values
) -> Iterator:
    """The pages of one list of events (a term's, a year's): one, or one per period."""
    for page, paging in _pagings(ctx.list_pages(path, events)):
        groups = _groups(ctx, page.period.events, page.path)
        yield make(env, ctx, template, page.path, groups=groups, **values, **paging)


def _pagings(pages: list[periods.ListPage]) -> Iterator[tuple[periods.ListPage, dict]]:
    """Each page of a list with what its template gets to link the periods (nothing when the
    list is one page, so unsplit lists render exactly as they always have)."""
    if len(pages) == 1:
        yield pages[0], {}
        return
    for index, page in enumerate(pages):
        yield page, {"paging": periods.Paging(pages, index)}


def _timeline_pages(env: jinja2.Environment, ctx: _Context, make) -> Iterator:
    """The timeline: index.html, and when it is split, a page per earlier period; each page
    a unit of its own (see `_unit`), so that an edit plans again the period it is in."""
    timeline = ctx.timeline
    limit = timeline.site.events_per_page
    events_of = ctx.keys.events if ctx.keys else None
    pages = ctx.timeline_list_pages()
    facets = facet_terms(timeline)
    if len(pages) == 1:
        yield from _unit_of_list(
            ctx,
            ("timeline",),
            lambda: (limit, events_of(timeline.events)),
            lambda: [
                make(
                    env,
                    ctx,
                    "index.html",
                    "",
                    groups=_groups(ctx, timeline.events),
                    overview=ctx.overview(),
                    facets=facets,
                )
            ],
        )
        return
    where = ctx.timeline_where()
    points = ctx.timeline_points()
    chart_key = lambda: ("overview", points)  # noqa: E731  (with the page path, in its key)

    def chart(href: Callable[[tuple], str]) -> Chart | None:
        """The overview, drawn once for all the pages, with this page's links in its bars."""
        return relinked(ctx.overview(), href)

    def period_page(page: periods.ListPage, paging: dict) -> list[PlannedFile]:
        href = _period_link(page.path, pages, where)
        return [
            make(
                env,
                ctx,
                "index.html",
                page.path,
                groups=_groups(ctx, page.period.events, page.path),
                overview=Deferred(lambda: chart(href), chart_key),
                facets=facets,
                year_links={year: href((year,)) for year in timeline.years},
                **paging,
            )
        ]

    # Besides the chrome, a period's page shows its events and what the split gives every
    # page (the periods, the chart, the year links): `split_version` tells the split.
    for page, paging in _pagings(pages):
        yield from _unit_of_list(
            ctx,
            ("timeline", page.path),
            lambda page=page: (ctx.split_version, events_of(page.period.events, page.path)),
            lambda page=page, paging=paging: period_page(page, paging),
            kept=_period_kept(ctx, page.period.events),
        )
    keys = ctx.keys
    key = (
        ("filters", keys.chrome, ctx.split_version, ctx.filters_version(), limit) if keys else None
    )
    yield PlannedFile(FILTERS_PATH, lambda: filters_json(ctx, pages), key)


#: A bar's link to a heading on its own page, as `overview_for` draws it by default.
_BAR_LINK = re.compile(r'href="#y(-?\d+)(?:-(\d\d))?"')


def relinked(chart: Chart | None, href: Callable[[tuple], str]) -> Chart | None:
    """The chart with each bar linking to `href(key)` instead of a heading on the same page."""
    if chart is None:
        return None

    def link(match: re.Match) -> str:
        year, month = match.groups()
        key = (int(year), int(month)) if month else (int(year),)
        return f'href="{html.escape(href(key))}"'

    return dataclasses.replace(chart, svg=_BAR_LINK.sub(link, chart.svg))


#: A split timeline's facet file: what timeline.js needs to count matches in other periods.
FILTERS_PATH = "filters.json"


def filters_json(ctx: _Context, pages: list[periods.ListPage]) -> bytes:
    """The terms and years of every event on a split timeline, as compact as JSON allows.

    `terms` lists each facet's term slugs, the most used first (so the most frequent indexes
    are the shortest); `periods` the number of events of each period page in order; `events`,
    in the same order, one row per event: first year, last year (null for an open end),
    importance, then per facet (category, country, actor, tag) the term indexes, a bare
    number when there is one.
    """
    facets = {t: FACET_PARAMS[t] for t in ("categories", "countries", "actors", "tags")}
    by_use = {
        taxonomy: sorted(ctx.timeline.taxonomies[taxonomy], key=lambda t: -len(t.events))
        for taxonomy in facets
    }
    index = {
        taxonomy: {t.key: n for n, t in enumerate(terms)} for taxonomy, terms in by_use.items()
    }

    def terms(taxonomy: str, keys: list[str]) -> int | list[int]:
        found = [index[taxonomy][key] for key in keys if key in index[taxonomy]]
        return found[0] if len(found) == 1 else found

    def row(e: Event) -> str:
        first, last = year_span(e.date)
        values = ([e.category] if e.category else [], e.countries, e.actors, e.tags)
        facet_terms = [terms(t, keys) for t, keys in zip(facets, values, strict=True)]
        return json.dumps([first, last, e.importance, *facet_terms], separators=(",", ":"))

    # The pages hold the timeline's events in its order. The live preview keeps each event's
    # row with its export pieces, remade when the terms' order of use (their indexes) moved;
    # the order is interned so that comparing it is comparing one pointer per event.
    events = [e for page in pages for e in page.period.events]
    order = sys.intern(json.dumps([[t.key for t in terms] for terms in by_use.values()]))
    timeline_events = ctx.timeline.events
    same = len(events) == len(timeline_events) and all(map(operator.is_, events, timeline_events))
    if ctx.fragments is None or not same:
        rows = list(map(row, events))
    else:
        fragments = ctx.fragments.fragments(ctx.timeline)
        rows = fragments.dated_pieces("filters", [order] * len(events), lambda e, _, __: row(e))
    head = {
        "terms": {param: [term.slug for term in by_use[t]] for t, param in facets.items()},
        "periods": [len(page.period.events) for page in pages],
    }
    text = json.dumps(head, separators=(",", ":"))[:-1] + ',"events":[' + ",".join(rows) + "]}"
    return text.encode("utf-8")


def _same_points(before: list[Event], points: tuple, events: list[Event], replaced=None) -> bool:
    """Whether `points` (see `_Context.timeline_points`) of the events `before` are those of
    `events` too, told by comparing only the places where the event differs (an edit
    replaces a few events, or moves one among events of the same date; the model's
    `replaced` names them when it knows them)."""
    if len(before) != len(events):
        return False
    differ = places_differing(before, events, replaced)
    return all(points[i] == _POINT(events[i]) for i in differ)


def _same_months(before: list[Event], events: list[Event], replaced=None) -> bool:
    """Whether the events fall in order in the years and months the events `before` did:
    all that splitting a list into periods reads of them."""
    return same_in_place(before, events, _YEAR_AND_MONTH, replaced)


_YEAR_AND_MONTH = operator.attrgetter("date.year", "date.month")


def _facets(event: Event) -> tuple:
    """What filters.json holds of an event (see `filters_json`)."""
    terms = (event.category, tuple(event.countries), tuple(event.actors), tuple(event.tags))
    return (year_span(event.date), event.importance, *terms)


def _same_facets(before: list[Event], events: list[Event], replaced=None) -> bool:
    """Whether the events hold in order what the events `before` did for filters.json."""
    return same_in_place(before, events, _facets, replaced)


def _spans(pages: list[periods.ListPage]) -> list[tuple[str, str, str, int, int]]:
    """Each page's path, period slug and label, and where its events start and stop in the
    list (the periods of a list are consecutive runs of it)."""
    spans, start = [], 0
    for page in pages:
        stop = start + len(page.period.events)
        spans.append((page.path, page.period.slug, page.period.label, start, stop))
        start = stop
    return spans


def _period_index(pages: list[periods.ListPage]) -> dict[tuple, int]:
    """Which page holds the first event of each year, `(year,)`, and month, `(year, month)`."""
    where: dict[tuple, int] = {}
    for index, page in enumerate(pages):
        for event in page.period.events:
            where.setdefault((event.date.year,), index)
            where.setdefault((event.date.year, event.date.month), index)
    return where


def _period_link(here: str, pages: list[periods.ListPage], where: dict[tuple, int]):
    """From the page at `here`, the link to a year's or month's heading on whichever period
    page holds it."""
    root = urls.root_for(urls.file_for(here))

    def href(key: tuple) -> str:
        target = pages[where.get(key, where.get(key[:1], len(pages) - 1))].path
        return _anchor(key) if target == here else root + target + _anchor(key)

    return href


def _anchor(key: tuple) -> str:
    return f"#y{key[0]}-{key[1]:02d}" if len(key) == 2 else f"#y{key[0]}"


def overview_for(
    events: list[Event], site: Site, href: Callable[[tuple], str] = _anchor
) -> Chart | None:
    """The overview chart of these events, its bars linking to the month (or year) headings
    (`href` gives each bar's link, by default the heading on the same page). An event dated
    only to a decade or a century has no year to be counted in: the chart leaves it out
    and says so, rather than count it in the year its span starts in."""
    points = [
        (e.date.year if e.date.names_year else None, e.date.month, e.category) for e in events
    ]
    return overview_chart(points, list(site.categories), site.categories, href)


def facet_terms(timeline: Timeline) -> dict[str, list[Term]]:
    """The filter form's values per taxonomy, in the order readers scan them.

    Categories in site.yaml's order (as in the chart's legend), countries by name, and
    the long lists, actors and tags, most frequent first.
    """
    order = {key: index for index, key in enumerate(timeline.site.categories)}
    taxonomies = timeline.taxonomies
    by_count = lambda t: (-len(t.events), t.label.casefold())  # noqa: E731
    return {
        "categories": sorted(taxonomies["categories"], key=lambda t: order.get(t.key, len(order))),
        "countries": taxonomies["countries"],
        "actors": sorted(taxonomies["actors"], key=by_count),
        "tags": sorted(taxonomies["tags"], key=by_count),
    }


def year_span(date: EdtfDate) -> tuple[int | None, int | None]:
    """The first and last year a date can fall in; None for an open end (no bound).

    The timeline's year-range filter keeps an event whose span overlaps the chosen years,
    so an interval from 2021 to 2023 shows when filtering for 2022.
    """
    first = date.start.year if date.start.is_date else None
    if date.end is None:
        return first, date.start.last_year
    if date.end.is_date:
        last = date.end.last_year
    else:
        last = None if date.end.kind == "open" else date.start.last_year
    if first is None and date.start.kind == "unknown":
        first = last
    return first, last


_BRACKETS = str.maketrans("()", "[]")


def event_citation(event: Event, site: Site, links: urls.Urls) -> str:
    """A ready citation line: `"Title" (15 August 2021). In: Site title. URL`.

    Without a base URL it ends before the URL: the page's path alone (`/events/x/`) is no
    address to cite, and is wrong when the site is served from a sub-path. The theme adds
    the address the reader sees, in the browser. The date's own parentheses become brackets
    within the citation's: "(2000–2099 [year unknown])".
    """
    when = event.date.display().translate(_BRACKETS)
    line = f'"{event.title}" ({when}). In: {site.title}.'
    return f"{line} {links.absolute(urls.event_path(event.id))}" if links.base_url else line


def render_site(timeline: Timeline, theme: Theme, links: urls.Urls) -> list[OutputFile]:
    """Every file of the site, in memory: pages, feeds, exports and the theme's static files."""
    return [OutputFile(item.path, item.render()) for item in plan_site(timeline, theme, links)]


@dataclass(frozen=True)
class PlannedFile:
    """One file of the site before rendering: its path, a function that renders it and,
    when the caller asked for keys, what its bytes depend on (None: not known, render)."""

    path: str
    #: Its bytes, or in the live preview possibly its pieces or its text, not joined yet.
    render: Callable[[], bytes | Pieces | Text]
    key: Hashable = None


def plan_site(
    timeline: Timeline,
    theme: Theme,
    links: urls.Urls,
    env: jinja2.Environment | None = None,
    *,
    memo: RenderMemo | None = None,
    keyed: bool = False,
) -> list[PlannedFile]:
    """Every file of the site, each rendered only when asked (what `render_site` renders).

    The live-preview server renders the pages open in a browser first and the rest later;
    it may pass an environment whose templates it has already compiled, the memo of its
    previous build, and ask for each page's dependency key (`keyed`), given only when
    every template is one the builder ships (see `builder.depends`).
    """
    plan: list[PlannedFile] = []
    for item in _plan(timeline, theme, links, env, memo, keyed, partial=False):
        if type(item) is Kept:
            plan += _kept_files(item)
        else:
            plan.append(item)
    return plan


@dataclass
class PlanUpdate:
    """A plan that leaves out the units of pages known unchanged (see `plan_update`)."""

    #: The files planned: those of the units planned again, and every file outside units.
    files: list[PlannedFile]
    #: Every path of the site, in plan order, the left-out files' included.
    paths: list[str]


class OwnTemplates(NamedTuple):
    """The templates a project brings (overrides and additions) and the places where they
    read more than the pages' dependency keys cover (see `builder.template_reads`)."""

    names: list[str]
    uncovered: list[template_reads.UncoveredRead]
    #: Whether list pages still show events' titles, summaries and sources only in their
    #: items (for `_spliced_list_page`): no list template, macros.html or list of a page's
    #: events (`groups`) of the project's own.
    splices: bool


def own_templates(env: jinja2.Environment, memo: RenderMemo | None = None) -> OwnTemplates:
    """The project's own templates, and whether the live preview may trust its pages' keys
    with them: keys are made from what the shipped templates read, and a project's template
    keeps them only if it reads nothing more. Kept in `memo` when given."""
    if memo is not None and memo.own_templates is not None:
        return memo.own_templates
    names = [n for n in env.list_templates() if not is_shipped(env.loader.get_source(env, n)[1])]
    if not names:
        found = OwnTemplates([], [], True)
    else:
        splices = not (set(names) & (LIST_TEMPLATES | {"macros.html"})) and (
            "groups" not in template_reads.names_read(env, names)
        )
        found = OwnTemplates(names, template_reads.uncovered_reads(env, names), splices)
    if memo is not None:
        memo.own_templates = found
    return found


def plan_update(
    timeline: Timeline,
    theme: Theme,
    links: urls.Urls,
    env: jinja2.Environment,
    memo: RenderMemo,
) -> PlanUpdate | None:
    """The plan of the live preview's next build as an update of its last plan: the files of
    units whose inputs are unchanged (see `_unit`) are left out, to be taken over from the
    build made from the last plan, without making anything for them (at 10,000 events, an
    edit plans a few dozen files instead of eleven thousand). None when pages get no keys
    (a project's own template reads more than they cover), so that everything must be
    planned."""
    if own_templates(env, memo).uncovered:
        return None
    files: list[PlannedFile] = []
    paths: list[str] = []
    for item in _plan(timeline, theme, links, env, memo, True, partial=True):
        if type(item) is Kept:
            kept = item.files
            if len(kept) == 1:
                paths.append(kept[0][0])
            else:
                paths += [path for path, _ in kept]
        else:
            files.append(item)
            paths.append(item.path)
    return PlanUpdate(files, paths)


def _forget_list_items(memo: RenderMemo, ctx: _Context) -> None:
    """Start this build's list items afresh: the last builds' are kept by their events'
    keys alone, which holds for the shipped macros (they show the event only), not for a
    project's own macro once the rest of the site changed. New containers, not emptied
    ones: the last build may still be rendering from its own."""
    memo.list_items = ctx.list_items = {}
    memo.blocks = Blocks(BLOCK_CHARACTERS)


def _plan(
    timeline: Timeline,
    theme: Theme,
    links: urls.Urls,
    env: jinja2.Environment | None,
    memo: RenderMemo | None,
    keyed: bool,
    partial: bool,
) -> Iterator[PlannedFile | Kept]:
    """The files of the site and, with keys, `Kept` units (see `plan_site`, `plan_update`)."""
    made_here = env is None
    if env is None:
        env = make_environment(theme)
        # This plan's pages see the templates as they are now: no stat of every template
        # each time a page asks for it (five or six per page).
        env.auto_reload = False
    static = fingerprint(static_files(theme))
    assets = {path: name for path, (name, _) in static.items()}
    ctx = _Context(
        timeline,
        links,
        countries().names,
        {t: {term.key: term.slug for term in timeline.taxonomies[t]} for t in TAXONOMIES},
        assets,
    )
    # One memo of the exports' pieces per plan even in a cold build: the exports and the
    # search index then share each summary's plain text and HTML.
    ctx.fragments = exports.FragmentMemo()
    ctx.env = env
    if memo is not None:
        ctx.memo = memo
        ctx.list_items = memo.list_items
        if keyed and memo.related is None:  # nothing yet to compare its keys with
            ctx.lazy_keys = []
        ctx.related = memo.related or ctx.related
        memo.related = ctx.related
        memo.exports = ctx.fragments = memo.exports or ctx.fragments
    own = own_templates(env, memo) if keyed else None
    if own is not None and not own.uncovered:
        if memo is not None and own.splices:  # before the keys' memo moves on
            ctx.swaps = item_swaps(memo.keys.timeline, timeline)
        ctx.keys = PageKeys(timeline, assets, memo.keys if memo is not None else None)
        if memo is not None:
            # The partials read only what the chrome holds: the last build's stand.
            if memo.includes is not None and memo.includes[0] is ctx.keys.chrome:
                ctx.includes = memo.includes[1]
            elif own.names:  # a project's own item macro may show what the chrome holds
                _forget_list_items(memo, ctx)
            memo.includes = (ctx.keys.chrome, ctx.includes)
        ctx.units_before, ctx.units = (memo.units if memo is not None else {}), {}
        ctx.partial = partial
        if memo is not None:
            same_chrome = memo.events is not None and memo.events[0] is ctx.keys.chrome
            ctx.events_touched = events_touched(ctx, memo)
            if same_chrome and memo.events_touched is not None:
                ctx.lists_touched = memo.lists_touched

    elif own is not None and memo is not None:  # the keys cannot follow the templates
        _forget_list_items(memo, ctx)

    if made_here:
        compile_templates(env)
        ctx.globals()

    # The live preview's files may be handed over unjoined (see `write.Pieces`, `write.Text`).
    unencoded = ctx.fragments.in_pieces

    def planned(env, ctx, template, site_path, root=None, **values) -> PlannedFile:
        def render() -> bytes | Text:
            if unencoded:
                return Text(_page_text(env, ctx, template, site_path, root, **values))
            return _page(env, ctx, template, site_path, root, **values).data

        def render_list() -> bytes | Text:
            """A list page of the live preview: spliced when it can be, and kept."""
            text = _spliced_list_page(ctx, site_path, page_root(site_path, root), key)
            if text is None:
                text = _page_text(env, ctx, template, site_path, root, **values)
            ctx.memo.pages.put(site_path, (key, text))
            return Text(text) if unencoded else text.encode("utf-8")

        key = _page_key(ctx, template, site_path, root, values)
        listed = key is not None and ctx.memo is not None and template in LIST_TEMPLATES
        return PlannedFile(urls.file_for(site_path), render_list if listed else render, key)

    for item in _pages(env, ctx, planned):
        if type(item) is OutputFile:
            yield PlannedFile(item.path, lambda d=item.data: d)
        else:
            yield item
    for name, data in static.values():
        yield PlannedFile(name, lambda d=data: d, ("bytes", data) if ctx.keys else None)
    if memo is not None and ctx.lazy_keys:
        # Handed over whole, once planned: the preview's background may settle the memo's
        # lazy keys at any time (see `RenderMemo.settle_keys`). Only a new memo's first
        # plan makes lazy keys, so there are none before these.
        memo.lazy_keys = ctx.lazy_keys
    if memo is not None and ctx.units is not None:
        memo.units = ctx.units
        memo.list_units = ctx.list_units
        memo.event_files = (
            (timeline.events, ctx.event_files) if ctx.event_files is not None else None
        )


def _page_key(
    ctx: _Context, template: str, site_path: str, root: str | None, values: dict
) -> Hashable:
    """A planned page's dependency key (None without keys): made at once for list pages,
    whose kept text the next edit splices into, and lazily for the others in a plan that
    has nothing to compare them with yet (the live preview's first build, or its build after
    a template change), where making the keys of 11,000 pages took half of planning them."""
    keys = ctx.keys
    if keys is None:
        return None
    if template in LIST_TEMPLATES:
        return keys.page(template, site_path, root, values)
    return ctx.lazy_key(lambda: keys.page(template, site_path, root, values))


#: The first folders of list pages: the timeline's periods, the terms' and years' pages.
_LIST_FOLDERS = frozenset({"periods", "years", *TAXONOMIES})


#: How many events' related events a cold build ranks at a time (see `RelatedEvents.ahead`):
#: the files a render process takes at a time (`write.RUN`), so that a run of event pages
#: finds its related events ranked when its first page asks.
RANKED_AHEAD = RUN


def shared_work(path: str) -> str | None:
    """Which work a file shares with others, so that one render process makes all of them:
    "lists" for the timeline and the term and year pages, which show the same event items;
    "exports" for the feeds and data files, which share each event's pieces; None for pages
    of their own (events, articles).

    Rendering every event's list item in each of two processes cost a cold build of 10,000
    events about 3 CPU seconds.
    """
    if path == "index.html":
        return "lists"
    folder, _, rest = path.partition("/")
    if not path.endswith(".html"):
        return None if folder == "static" or path in ("robots.txt", ".nojekyll") else "exports"
    return "lists" if folder in _LIST_FOLDERS and rest != "index.html" else None
