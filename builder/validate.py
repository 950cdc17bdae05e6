"""Check everything read from a project and turn it into the model's records.

Every rule reports through the shared Report, with the file, line and column of the value
at fault and a message that says what to do, and validation never stops at the first
problem: an editor running `timeline check` sees every mistake at once.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from operator import is_ as _is
from pathlib import Path
from typing import NamedTuple

from builder.controls import first_control
from builder.countries import countries
from builder.dates import DateError, EdtfDate, parse_edtf, year_name
from builder.diagnostics import Diagnostic, Report
from builder.load import (
    Pos,
    RawArticle,
    RawEvent,
    RawPage,
    RawProject,
    Released,
    SameEvent,
    YamlList,
    YamlMap,
)
from builder.model import CITED_FIELDS, Article, Event, Location, Page, Site, Source
from builder.termfolders import Clash, Place, TermFolders
from builder.text import (
    CREDENTIALS,
    folder_slug,
    holds_credentials,
    is_web_url,
    is_windows_device,
    readable_slug,
    slugify,
    web_url_example,
    with_https,
)

SITE_FIELDS = (
    "title",
    "description",
    "base_url",
    "language",
    "theme",
    "categories",
    "actors",
    "events_per_page",
    "related_events",
)
EVENT_FIELDS = (
    "date",
    "title",
    "summary",
    "id",
    "countries",
    "location",
    "actors",
    "category",
    "tags",
    "importance",
    "sources",
    "draft",
)
ARTICLE_FIELDS = ("title", "date", "author", "publisher", "url", "countries", "tags", "draft")
PAGE_FIELDS = ("title", "description", "draft")
SOURCE_FIELDS = ("article", "url", "title", "publisher", "date")
LOCATION_FIELDS = ("name", "lat", "lon")

#: A category key or a page's file name: single hyphens only, since both reach paths through
#: `slugify` (which would make `a--b` and `a-b` one folder). Event ids: `EVENT_ID_FORM`.
SLUG_FORM = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
ARTICLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
THEME_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\Z")
#: The shape of a BCP 47 language tag (`en`, `ru`, `fa-AF`, `zh-Hant`), as `lang` wants it.
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*\Z")
#: Characters XML 1.0 cannot hold at all (C0 controls but tab, LF and CR; DEL, which
#: iCalendar refuses; lone surrogates, which UTF-8 cannot encode; U+FFFE and U+FFFF):
#: one in any text would make feed.xml and every term feed unreadable.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


@dataclass
class Validated:
    """The records that passed validation, ready for the model."""

    site: Site
    events: list[Event]
    articles: list[Article]
    pages: list[Page]


class _Checker:
    """Validation helpers bound to one file, so each rule reads as one line."""

    def __init__(self, report: Report, path: str):
        self.report, self.path = report, path

    def error(self, pos: Pos, message: str) -> None:
        self.report.error(self.path, pos.line, pos.col, message)

    def warning(self, pos: Pos, message: str) -> None:
        self.report.warning(self.path, pos.line, pos.col, message)

    def unknown_fields(self, data: YamlMap, allowed: tuple[str, ...], what: str) -> None:
        for key in data:
            if key not in allowed:
                hint = _did_you_mean(key, allowed)
                self.error(
                    data.key_at(key),
                    f"unknown field {key!r} in {what}{hint or '; allowed: ' + ', '.join(allowed)}",
                )

    def text(self, data: YamlMap, key: str, required: bool = False) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                self.missing(data, key, "...")
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(data.at(key), f"{key!r} must be text, not {_type_name(value)}")
            return None
        value = str(value).strip()
        if required and not value:
            self.error(data.at(key), f"{key!r} must not be empty: write one")
            return None
        if not self.plain(value, data.at, key):
            return None
        return value

    def missing(self, data: YamlMap, key: str, example: str) -> None:
        """A required field left out, or written with nothing after its colon."""
        if key in data:
            self.error(
                data.at(key), f"{key!r} is empty: write one after the colon, as {key}: {example}"
            )
        else:
            self.error(data.pos, f"missing required field {key!r}: add a line {key}: {example}")

    def plain(self, value: str, at: Callable[[object], Pos], where: object) -> bool:
        """Whether `value` is free of control characters; if not, an error at `at(where)`
        (a position made only then: nearly every text is plain). `isprintable` answers
        for most one-line texts at a third of the search's cost; text with a tab or a
        line break is searched."""
        if value.isprintable():
            return True
        found = CONTROL_CHARACTER.search(value)
        if found is None:
            return True
        code = f"U+{ord(found.group()):04X}"
        self.error(at(where), f"this text holds the control character {code}: remove it")
        return False

    def body(self, text: str, first_line: int, where: str) -> None:
        """An error at the first control character of a Markdown body that starts at line
        `first_line`, YAML having read no part of it (see `builder.controls`)."""
        found = first_control(text, first_line)
        if found is not None:
            self.report.error(self.path, found.line, found.col, found.message(where))

    def line(self, data: YamlMap, key: str, required: bool = False) -> str | None:
        value = self.text(data, key, required)
        if value is not None and "\n" in value:
            self.error(data.at(key), f"{key!r} must be one line")
            return value.replace("\n", " ")
        return value

    def flag(self, data: YamlMap, key: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.error(data.at(key), f"{key!r} must be true or false, not {_type_name(value)}")
            return False
        return value

    def words(self, data: YamlMap, key: str) -> list[tuple[str, Pos]]:
        """A list of short texts (a single text is taken as a list of one)."""
        value = data.get(key)
        if value is None:
            return []
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            one = str(value).strip()
            return [(one, data.at(key))] if self.plain(one, data.at, key) else []
        if not isinstance(value, YamlList):
            self.error(
                data.at(key), f"{key!r} must be text or a list of texts, not {_type_name(value)}"
            )
            return []
        items = []
        for index, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                self.error(value.at(index), f"each of {key!r} must be text, not {_type_name(item)}")
                continue
            one = str(item).strip()
            if one and self.plain(one, value.at, index):
                items.append((one, value.at(index)))
        return items

    def date(self, data: YamlMap, key: str, required: bool = False) -> EdtfDate | None:
        if key not in data or data[key] is None:
            if required:
                self.missing(data, key, "2023-10-13")
            return None
        try:
            return parse_edtf(data[key])
        except DateError as exc:
            self.error(data.at(key), exc.message)
            return None


def _as_web_url(url: str) -> str:
    """A did-you-mean for an address written without its scheme (`www.example.org/x`)."""
    meant = with_https(url)
    return f"; did you mean {meant!r}?" if meant else ""


def _type_name(value: object) -> str:
    if isinstance(value, YamlMap):
        return "a mapping"
    if isinstance(value, YamlList):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, datetime.date):
        return "a date"
    if value is None:
        return "empty"
    return "text"


def _did_you_mean(value: str, choices) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def validate_site(project: RawProject, report: Report) -> Site:
    """Site settings, or defaults where site.yaml is missing or empty (no categories: an
    event's category is an error, as with a site.yaml listing none) or could not be read
    (already reported: the events are not checked against categories no one knows)."""
    data = project.site.data
    if data is None:
        return Site(title="Timeline", categories_known=not project.site.broken)
    check = _Checker(report, project.site.file)
    check.unknown_fields(data, SITE_FIELDS, "site.yaml")
    title = _site_title(check, data)
    base_url = check.line(data, "base_url") or ""
    if base_url and not is_web_url(base_url):
        check.error(
            data.at("base_url"),
            f"base_url must be an absolute http(s) URL, {web_url_example(base_url)}",
        )
        base_url = ""
    theme = check.line(data, "theme") or "default"
    if not THEME_NAME.match(theme):
        check.error(data.at("theme"), "theme must be a folder name such as default")
        theme = "default"
    elif (missing := _missing_theme(project.root, theme)) is not None:
        check.error(data.at("theme"), missing)
        theme = "default"
    return Site(
        title=title,
        description=check.text(data, "description") or "",
        base_url=base_url,
        language=_language(check, data),
        theme=theme,
        actors=_actor_vocabulary(check, data),
        events_per_page=_events_per_page(check, data),
        related_events=_related_events(check, data),
        **_category_vocabulary(check, data),
    )


def _language(check: _Checker, data: YamlMap) -> str:
    """site.yaml's language tag, default `en`: every page's `lang` and the feeds'
    `xml:lang`, which a language's name (`English`) would make invalid."""
    language = check.line(data, "language") or "en"
    if LANGUAGE_TAG.match(language):
        return language
    check.error(
        data.at("language"),
        f"language {language!r} must be a language tag such as en, ru or fa-AF (BCP 47)"
        + _language_hint(language),
    )
    return "en"


def _language_hint(language: str) -> str:
    """'; did you mean …?' with the tag an editor most likely meant: `en-US` for `en_US`,
    `en` for `English`; empty when nothing comes close."""
    dashed = language.replace("_", "-")
    if LANGUAGE_TAG.match(dashed):
        return f"; did you mean {dashed!r}?"
    import pycountry  # its table of languages loads only when a name needs looking up

    try:
        found = pycountry.languages.lookup(language.strip())
    except LookupError:
        return ""
    tag = getattr(found, "alpha_2", None) or found.alpha_3
    return f"; did you mean {tag!r} ({found.name})?"


def _site_title(check: _Checker, data: YamlMap) -> str:
    """site.yaml's title; without one (no site.yaml field is required) the site is called
    "Timeline", with a warning saying how to name it."""
    if "title" not in data:
        check.warning(
            data.pos, "site.yaml has no title: the site is called 'Timeline'; add a line title: ..."
        )
        return "Timeline"
    return check.line(data, "title", required=True) or "Timeline"


def _category_vocabulary(check: _Checker, data: YamlMap) -> dict:
    """The Site fields for the categories: `categories_known` is False when they had
    errors, so that events are not checked against a list missing what was meant."""
    before = len(check.report.errors)
    categories = _categories(check, data)
    return {"categories": categories, "categories_known": len(check.report.errors) == before}


def _missing_theme(root: Path, name: str) -> str | None:
    """Why the theme `name` cannot be used, naming the themes there are; None when the
    project's themes/NAME or a shipped theme of that name exists. A typo would otherwise
    build with the default theme and no word said (a theme with only some of the files
    still takes the others from the default theme)."""
    from builder.theme import builtin_themes_dir  # only here: it brings Jinja2

    folders = [root / "themes", builtin_themes_dir()]
    if any((folder / name).is_dir() for folder in folders):
        return None
    names = sorted({t.name for f in folders if f.is_dir() for t in f.iterdir() if t.is_dir()})
    return (
        f"theme {name!r} not found in the project's themes/ nor among the shipped themes: "
        f"use one of {', '.join(names)}, or make the folder themes/{name}/"
    )


def _events_per_page(check: _Checker, data: YamlMap) -> int:
    return _whole_number(check, data, "events_per_page", 1, "a whole number above 0")


def _related_events(check: _Checker, data: YamlMap) -> int:
    """How many related events each event's page lists: ranking them is about a twelfth of
    a large site's build, so a site that does without them says 0."""
    default = Site.related_events
    return _whole_number(
        check, data, "related_events", 0, f"a whole number, 0 for none (default {default})"
    )


def _whole_number(check: _Checker, data: YamlMap, key: str, least: int, what: str) -> int:
    """site.yaml's number `key`, at least `least`; else an error saying it must be `what`,
    and the `Site` default."""
    default = getattr(Site, key)
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        check.error(data.at(key), f"{key} must be {what}")
        return default
    return value


def _categories(check: _Checker, data: YamlMap) -> dict[str, str]:
    value = data.get("categories")
    if value is None:
        return {}
    if not isinstance(value, YamlMap):
        check.error(data.at("categories"), "categories must be a mapping of key: label")
        return {}
    result = {}
    for key, label in value.items():
        if not SLUG_FORM.match(key):
            check.error(
                value.key_at(key), f"category key {key!r} must use a-z, 0-9 and -{_as_slug(key)}"
            )
        elif isinstance(label, bool) or not isinstance(label, (str, int, float)):
            check.error(value.at(key), f"the label of category {key!r} must be text")
        elif check.plain(str(label), value.at, key):
            result[key] = str(label)
    return result


def _actor_vocabulary(check: _Checker, data: YamlMap) -> dict[str, list[str]]:
    value = data.get("actors")
    if value is None:
        return {}
    if not isinstance(value, YamlMap):
        check.error(data.at("actors"), "actors must be a mapping of canonical name: [aliases]")
        return {}
    result: dict[str, list[str]] = {}
    seen: dict[str, str] = {}
    for name in value:
        check.plain(name, value.key_at, name)
        aliases = [a for a, _ in check.words(value, name)]
        for alias in [name, *aliases]:
            key = alias.casefold()
            if key in seen and seen[key] != name:
                check.error(value.key_at(name), f"actor alias {alias!r} also names {seen[key]!r}")
            seen[key] = name
        result[name] = aliases
    return result


def _actor_lookup(site: Site) -> dict[str, str]:
    lookup = {}
    for name, aliases in site.actors.items():
        lookup[name.casefold()] = name
        for alias in aliases:
            lookup[alias.casefold()] = name
    return lookup


def _country_codes(check: _Checker, data: YamlMap) -> list[str]:
    table = countries()
    codes: list[str] = []
    for value, pos in check.words(data, "countries"):
        code = table.code(value)
        if code is None:
            guess = table.suggest(value)
            hint = _as_list(value, table.code) or (f"; did you mean {guess!r}?" if guess else "")
            check.error(
                pos,
                f"unknown country {value!r}: use an ISO 3166 alpha-2 code or English name{hint}",
            )
        elif code not in codes:
            codes.append(code)
    return codes


def _as_list(value: str, known: Callable[[str], str | None]) -> str:
    """A hint for several names written as one text (`Afghanistan, Pakistan`)."""
    parts = [part.strip() for part in value.split(",")]
    if len(parts) < 2 or not all(part and known(part) for part in parts):
        return ""
    return f"; to give several, write a list: [{', '.join(parts)}]"


def _tags(check: _Checker, data: YamlMap) -> list[str]:
    tags: list[str] = []
    for tag, _pos in check.words(data, "tags"):
        if tag not in tags:
            tags.append(tag)
    return tags


def _location(check: _Checker, data: YamlMap) -> Location | None:
    value = data.get("location")
    if value is None:
        return None
    if isinstance(value, str):
        if not check.plain(value, data.at, "location"):
            return None
        return Location(value.strip()) if value.strip() else None
    if not isinstance(value, YamlMap):
        check.error(data.at("location"), "location must be a place name or {name, lat, lon}")
        return None
    check.unknown_fields(value, LOCATION_FIELDS, "location")
    name = check.line(value, "name", required=True) or ""
    lat, lon = value.get("lat"), value.get("lon")
    coords = []
    for key, number, limit in (("lat", lat, 90), ("lon", lon, 180)):
        if number is None:
            coords.append(None)
        elif isinstance(number, bool) or not isinstance(number, (int, float)):
            check.error(value.at(key), f"{key} must be a number in decimal degrees")
            coords.append(None)
        elif not -limit <= number <= limit:
            check.error(value.at(key), f"{key} must be between -{limit} and {limit}")
            coords.append(None)
        else:
            coords.append(float(number))
    if (coords[0] is None) != (coords[1] is None) and not report_has_coord_error(coords, lat, lon):
        check.error(value.pos, "give both lat and lon, or neither")
    if coords[0] is None or coords[1] is None:
        return Location(name)
    return Location(name, coords[0], coords[1])


def report_has_coord_error(coords: list, lat: object, lon: object) -> bool:
    """Whether a missing coordinate was already reported as invalid (not merely absent)."""
    return (coords[0] is None and lat is not None) or (coords[1] is None and lon is not None)


def _sources(
    check: _Checker, data: YamlMap, article_ids: set[str], drafts: frozenset[str]
) -> list[Source]:
    """The sources of an event; citing one of the draft articles `drafts` is a warning, as
    the published event will not show that source."""
    value = data.get("sources")
    if value is None:
        return []
    if not isinstance(value, YamlList):
        check.error(data.at("sources"), "sources must be a list of {article: ID} or {url: ...}")
        return []
    sources = []
    for index, item in enumerate(value):
        if not isinstance(item, YamlMap):
            check.error(value.at(index), "each source must be {article: ID} or {url, title, ...}")
            continue
        check.unknown_fields(item, SOURCE_FIELDS, "a source")
        article = check.line(item, "article")
        url = check.line(item, "url")
        if article is None and url is None:
            check.error(
                item.pos,
                "a source needs an article: ID or a url: add article: NAME (its file in "
                "content/articles) or url: https://...",
            )
            continue
        if article is not None and article not in article_ids:
            hint = _did_you_mean(article, article_ids) or (
                f": add content/articles/{article}.md (or import its clipping with "
                "`timeline import`), or cite the story with url: https://..."
            )
            check.error(item.at("article"), f"no article with id {article!r}{hint}")
            article = None
        elif article in drafts:
            check.warning(
                item.at("article"),
                f"article {article!r} is a draft and will not be published, so this source"
                " is left out: publish the article (draft: false) or cite another source",
            )
        if url is not None and not is_web_url(url):
            check.error(
                item.at("url"),
                f"a source url must be an absolute http(s) address{_as_web_url(url)}",
            )
            url = None
        elif url is not None and holds_credentials(url):
            check.error(item.at("url"), CREDENTIALS)
            url = None
        if article is None and url is None:
            continue
        sources.append(
            Source(
                article=article,
                url=url,
                title=check.line(item, "title"),
                publisher=check.line(item, "publisher"),
                date=check.date(item, "date"),
            )
        )
    return sources


def _importance(check: _Checker, data: YamlMap) -> int:
    value = data.get("importance", 1)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3:
        check.error(data.at("importance"), "importance must be 1 (minor), 2 or 3 (major)")
        return 1
    return value


def _actors(check: _Checker, data: YamlMap, lookup: dict[str, str]) -> list[str]:
    names: list[str] = []
    for actor, pos in check.words(data, "actors"):
        name = lookup.get(actor.casefold(), actor) if lookup else actor
        if lookup and actor.casefold() not in lookup:
            hint = _did_you_mean(actor, list(lookup.values()) + list(lookup))
            check.warning(pos, f"unknown actor {actor!r}: add it to actors in site.yaml{hint}")
        if name not in names:
            names.append(name)
    return names


def _event(
    raw: RawEvent,
    site: Site,
    report: Report,
    article_ids: set[str],
    lookup: dict[str, str],
    drafts: frozenset[str] = frozenset(),
) -> Event | None:
    """The event `raw` stands for, or None if it has errors; `drafts`: the draft articles,
    whose citing by a published event is a warning."""
    data = raw.data
    check = _Checker(report, raw.file)
    before = len(report.errors)
    check.unknown_fields(data, EVENT_FIELDS, "an event")
    date = check.date(data, "date", required=True)
    title = check.line(data, "title", required=True)
    event_id = check.line(data, "id")
    if event_id is not None:
        _check_event_id(check, data.at("id"), event_id)
    category = check.line(data, "category")
    if category is not None and category not in site.categories and site.categories_known:
        check.error(data.at("category"), _unknown_category(category, site.categories))
    draft = check.flag(data, "draft")
    event = Event(
        id=event_id or "",
        date=date,  # type: ignore[arg-type]
        title=title or "",
        summary=check.text(data, "summary") or "",
        countries=_country_codes(check, data),
        location=_location(check, data),
        actors=_actors(check, data, lookup),
        category=category,
        tags=_tags(check, data),
        importance=_importance(check, data),
        sources=_sources(check, data, article_ids, frozenset() if draft else drafts),
        draft=draft,
        file=raw.file,
        line=data.pos.line,
    )
    if not data.get("sources") and not event.draft:
        check.warning(data.pos, "this event cites no sources: add sources: [{url: ...}]")
    if len(report.errors) > before or date is None or title is None:
        return None
    if not event.id:
        event.id = _default_id(date, title)
    return event


def _unknown_category(category: str, categories: dict[str, str]) -> str:
    """Why `category` is refused, and the key meant or how to declare it in site.yaml."""
    if not categories:
        label = category.replace("-", " ").capitalize()
        return (
            f"unknown category {category!r}: no categories are declared yet; add the line "
            f"categories: {{{category}: {label}}} to content/site.yaml"
        )
    hint = _did_you_mean(category, categories)
    advice = f": use a key of categories in site.yaml ({', '.join(categories)}) or add it there"
    return f"unknown category {category!r}{hint or advice}"


def _default_id(date: EdtfDate, title: str) -> str:
    """The id made from the date and title: it starts with the date's slug (digits, or `y`
    and digits for a long year) and holds a hyphen, so it is never a Windows device name.
    A year before year 1 is named as the pages name it (`-0044-03-15` as `45bce-03-15`):
    its minus sign alone would be dropped, and the address would claim the year 44."""
    prefix = slugify(_BCE_YEAR.sub(_bce_year, date.text), 40)
    return f"{prefix}-{slugify(title, 60)}".strip("-")


#: A four-digit year before year 1 at the start of a date or of an interval's end.
_BCE_YEAR = re.compile(r"(?:^|(?<=/))(-[0-9]{4}|0000)(?![0-9])")


def _bce_year(found: re.Match) -> str:
    return year_name(int(found.group(1))).replace(" ", "").lower()  # "45 BCE" -> "45bce"


#: An event id as the contract allows it: a-z, 0-9 and hyphens, in any order (it is one
#: path segment, events/ID/, and an HTML id, so nothing more is needed of it).
EVENT_ID_FORM = re.compile(r"[a-z0-9-]+\Z")
#: The longest event id or article file name: each names a folder of the site, and common
#: file systems take names of 255 bytes at most (some encrypted ones 143), so 200 is safe.
MAX_ID_LENGTH = 200


def _as_slug(name: str) -> str:
    """The advice for a name written with letters a slug cannot hold: `, as 'kabul-2023'`
    for `Кабул 2023` ("" when the name has no letter or digit to make one from)."""
    return f", as {folder_slug(name)!r}" if readable_slug(name) else ""


def _check_event_id(check: _Checker, pos: Pos, event_id: str) -> None:
    """An error at `pos` if `event_id` could not name its page's folder, saying what to write."""
    if not event_id:
        check.error(pos, "the id is empty: write one (a-z, 0-9 and -) or remove the line")
    elif not EVENT_ID_FORM.match(event_id):
        check.error(pos, f"id {event_id!r} must use only a-z, 0-9 and -{_as_slug(event_id)}")
    elif len(event_id) > MAX_ID_LENGTH:
        check.error(pos, _too_long(event_id, "id", "events/ID/"))
    elif is_windows_device(event_id):
        check.error(
            pos,
            f"id {event_id!r} {WINDOWS_DEVICE}: its page's folder cannot be made there; "
            f"choose another id, such as {folder_slug(event_id)!r}",
        )


def _too_long(name: str, what: str, folder: str) -> str:
    """Why an id too long for a folder name is refused, and how to fix it."""
    return (
        f"this {what} is {len(name)} characters long, too long for the folder {folder} it "
        f"names on many file systems: shorten it to at most {MAX_ID_LENGTH} characters"
    )


def _article(raw: RawArticle, report: Report) -> Article | None:
    data = raw.meta
    check = _Checker(report, raw.file)
    before = len(report.errors)
    if len(raw.id) > MAX_ID_LENGTH:
        check.error(Pos(1, 1), _too_long(raw.id, "file name", "articles/NAME/"))
    if not ARTICLE_ID.match(raw.id):
        check.error(
            Pos(1, 1),
            f"file name {raw.id!r} must use only letters, digits, _, . and -{_as_slug(raw.id)}",
        )
    elif raw.id.endswith(".") or is_windows_device(raw.id):
        why = "ends in a dot, which Windows drops" if raw.id.endswith(".") else WINDOWS_DEVICE
        check.error(
            Pos(1, 1),
            f"file name {raw.id!r} {why}: its page's folder cannot be made there; rename the file",
        )
    check.unknown_fields(data, ARTICLE_FIELDS, "an article")
    if raw.kind == "md":  # a clipping's whole text is checked as it is parsed
        check.body(raw.body, raw.body_line, "an article's text")
    title = check.line(data, "title", required=True)
    date = check.date(data, "date", required=True)
    url = check.line(data, "url")
    if url is not None and not is_web_url(url):
        check.error(data.at("url"), f"url must be an absolute http(s) address{_as_web_url(url)}")
        url = None
    elif url is not None and holds_credentials(url):
        check.error(data.at("url"), CREDENTIALS)
        url = None
    article = Article(
        id=raw.id,
        title=title or "",
        date=date,
        authors=_authors(check, data),
        publisher=check.line(data, "publisher"),
        url=url,
        countries=_country_codes(check, data),
        tags=_tags(check, data),
        draft=check.flag(data, "draft"),
        body=raw.body,
        file=raw.file,
        title_derived=raw.title_derived,
    )
    if len(report.errors) > before:
        return None
    return article


def _authors(check: _Checker, data: YamlMap) -> list[str]:
    """The names of `author`, a text or a list of texts as the contract says: a number
    (`author: 5`) is far likelier a slip than a name, so it is refused, not shown."""
    value = data.get("author")
    items = value if isinstance(value, YamlList) else [value]
    for index, item in enumerate(items):
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            at = value.at(index) if items is value else data.at("author")
            check.error(at, "an author must be a name, not a number: write the name as text")
            return []
    return [name for name, _ in check.words(data, "author")]


def _page(raw: RawPage, report: Report, drafts: bool) -> Page | None:
    """The page `raw` stands for, or None if it has errors or is a draft left out."""
    check = _Checker(report, raw.file)
    before = len(report.errors)
    check.unknown_fields(raw.meta, PAGE_FIELDS, "a page")
    title = check.line(raw.meta, "title", required=True)
    if not SLUG_FORM.match(raw.id):
        check.error(
            Pos(1, 1), f"page file name {raw.id!r} must use only a-z, 0-9 and -{_as_slug(raw.id)}"
        )
    if raw.id in RESERVED_PAGE_IDS:
        check.error(Pos(1, 1), f"page name {raw.id!r} is taken by the site itself: rename the file")
    elif is_windows_device(raw.id):
        check.error(
            Pos(1, 1),
            f"page file name {raw.id!r} {WINDOWS_DEVICE}: its page's folder cannot be made "
            "there; rename the file",
        )
    check.body(raw.body, raw.body_line, "a page's text")
    if len(report.errors) > before or (check.flag(raw.meta, "draft") and not drafts):
        return None
    return Page(raw.id, title or "", raw.body, check.text(raw.meta, "description") or "", raw.file)


#: Why a name that `is_windows_device` cannot name a page's folder.
WINDOWS_DEVICE = "is a device name on Windows (CON, PRN, AUX, NUL, COM1-9, LPT1-9)"

#: Folder names the site uses itself, so pages cannot take them.
RESERVED_PAGE_IDS = {
    "events",
    "articles",
    "countries",
    "actors",
    "categories",
    "tags",
    "years",
    "periods",
    "static",
    "search",
    "schema",
}


def _warn_same_story(
    made: list[tuple[Article | None, str]], raws: list[RawArticle], report: Report
) -> None:
    """A warning at each article whose `url` an earlier article has too: most often one
    clipping imported twice (`timeline import` never overwrites, so the second copy gets a
    new name), which leaves two pages for one story and splits the events citing it. The
    shorter name counts as the first (`story.md` before `story-2.md`)."""
    first: dict[str, str] = {}
    pairs = sorted(zip(made, raws, strict=True), key=lambda pair: (len(pair[0][1]), pair[0][1]))
    for (article, file), raw in pairs:
        if article is None or not article.url:
            continue
        story = article.url.rstrip("/")
        if story not in first:
            first[story] = file
            continue
        at = raw.meta.at("url")
        report.warning(
            file,
            at.line,
            at.col,
            f"{first[story]} has the same url: one story imported twice? Keep one, and cite "
            "it from the events citing the other",
        )


def _unique_ids(items: list[tuple[object, str, Pos, bool]], report: Report, what: str) -> list:
    """The items whose id is not taken by an earlier one; each repeat is an error at its id.

    `items` are (record, file, position of its id, whether the id was made up) in reading
    order.
    """
    ids = [item[0].id for item in items]
    if len(set(ids)) == len(ids):
        return [item[0] for item in items]
    seen: dict[str, tuple[str, Pos]] = {}
    unique = []
    for item, file, pos, made_up in items:
        first = seen.get(item.id)
        if first is not None:
            report.error(
                file,
                pos.line,
                pos.col,
                f"duplicate {what} id {item.id!r}"
                f"{' (made from the date and title)' if made_up else ''}: "
                f"{first[0]}:{first[1].line}:{first[1].col} has it too; {_FIX_DUPLICATE[what]}",
            )
            continue
        seen[item.id] = (file, pos)
        unique.append(item)
    return unique


def _distinct_in_any_case(articles: list[Article], report: Report) -> list[Article]:
    """The articles whose ids no earlier one's equals but for case; each other one is an
    error naming both files: articles/Foo/ and articles/foo/ are one folder on macOS and
    Windows, so one page would overwrite the other there."""
    if len({a.id.lower() for a in articles}) == len(articles):
        return articles
    seen: dict[str, Article] = {}
    kept = []
    for article in articles:
        first = seen.setdefault(article.id.lower(), article)
        if first is article:
            kept.append(article)
            continue
        report.error(
            article.file,
            1,
            1,
            f"article id {article.id!r} differs from {first.id!r} ({first.file}) only in case:"
            " their pages would share one folder on macOS and Windows; rename one of the files",
        )
    return kept


#: What citing events show of an article (see `ValidationCache.article_record`).
_cited = attrgetter(*CITED_FIELDS)

_FIX_DUPLICATE = {
    "article": "rename one of the files (the id is the file name)",
    "event": "give one of them a different id: field",
    "page": "rename one of the files (the page's address is the file name)",
}


def _cited_articles(raws: list[RawEvent]) -> frozenset[str]:
    """Every `article:` value the sources of these raw events give, as written."""
    cited = set()
    for raw in raws:
        sources = raw.data.get("sources")
        if isinstance(sources, list):
            for source in sources:
                if isinstance(source, dict) and "article" in source:
                    cited.add(str(source["article"]))
    return frozenset(cited)


class NeedsReading(Exception):
    """Validation needs the events of files whose parse the live preview let go (see
    `load.Released`): the caller reads those files again and validates anew."""

    def __init__(self, files: list[str]):
        super().__init__(f"{len(files)} events file(s) must be read again, first {files[0]}")
        self.files = files


class FileEvents:
    """What validation made of one events file: per event (record or None, file, position
    of its id, whether the id was made up), the valid records and their ids, and (see
    `ValidationCache.published_file`) the published ones."""

    def __init__(self, items: list[tuple[object, str, Pos, bool]]):
        self.items = items
        self.records: list[Event] = [item[0] for item in items if item[0]]
        self.ids = frozenset(e.id for e in self.records)
        self.published: tuple[frozenset[str], list[Event]] | None = None


class FileEntry(NamedTuple):
    """What a `ValidationCache` keeps of one events file."""

    #: Its raw events as loaded, or the `Released` marker standing for them.
    events: list[RawEvent] | Released
    #: What `file_records` made of them, and their diagnostics.
    made: FileEvents
    diagnostics: list[Diagnostic]
    #: The ids of their parsed values in `ValidationCache.records`.
    keys: tuple[int, ...]
    #: The article ids its sources name.
    cited: frozenset[str]
    #: The diagnostics of each event, in file order (`diagnostics` is all of them): what an
    #: event that a later read stands for with a `SameEvent` reports again.
    each: tuple[list[Diagnostic], ...] = ()


@dataclass
class ValidationCache:
    """Validated records kept between the live preview's rebuilds, so that saving one
    events file re-validates the events of that file and not the whole timeline.

    A record is reused when it comes from the very same parsed value (the loader's
    `FileCache` hands back the same object for an unchanged file) and everything else
    validation reads (site.yaml's vocabularies, the set of article ids) is unchanged.
    A record validated anew that equals the one last made in the same place (file and
    position in it) is replaced by that one: saving a file of a hundred events after
    editing one title changes one record. Records keep their `revision` as long as they
    are reused, which is how later caches know them unchanged. One cache belongs to one
    caller; none is global.
    """

    revisions: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    context: object = None
    #: id(parsed value) -> (the value, kept so its id stays unique; record; diagnostics;
    #: the place it was found at)
    records: dict[int, tuple[object, object, list[Diagnostic], tuple[str, int]]] = field(
        default_factory=dict
    )
    #: (file, index in it) -> the record last validated there
    places: dict[tuple[str, int], object] = field(default_factory=dict)
    #: What validation made of each events file (see `FileEntry`).
    files: dict[str, FileEntry] = field(default_factory=dict)
    #: The ids of the project's articles in the last run, and those added or removed since
    #: the run before: only the files whose sources name one of them, or name an article
    #: that does not exist (whose message suggests the closest id), depend on that change.
    article_ids: frozenset[str] = frozenset()
    #: The draft articles of the last run, and those that events were warned for citing
    #: (none with --drafts).
    draft_articles: frozenset[str] = frozenset()
    drafts: frozenset[str] = frozenset()
    _articles_changed: frozenset[str] = frozenset()
    #: The published articles and, by id(event), each event with its published copy
    #: (see `published`).
    _live: frozenset[str] | None = None
    _published: dict[int, tuple[Event, Event]] = field(default_factory=dict)
    #: The files' records counted by `ids_unique`: by id(group), the groups counted; how
    #: many files' records take each id; how many records there are.
    _id_groups: dict[int, FileEvents] = field(default_factory=dict)
    _id_counts: dict[str, int] = field(default_factory=dict)
    _records_counted: int = 0
    #: The terms of the files' records and the folders of their pages (see `TermFolders`).
    terms: TermFolders = field(default_factory=TermFolders)
    #: The raw articles of the last run, and what `articles` made of them: the valid
    #: articles, their diagnostics, the keys of their records and the published ones' ids.
    _articles: tuple[list, list[Article], list[Diagnostic], list[int], frozenset] | None = None

    def start(
        self,
        context: object,
        article_ids: frozenset[str] = frozenset(),
        drafts: frozenset[str] = frozenset(),
    ) -> None:
        """Begin a validation run; forget every record if what validation reads changed
        (`context`), and note which articles came or went (see `article_ids`) or became or
        stopped being drafts whose citing is warned of (`drafts`)."""
        if context != self.context:
            self.records.clear()
            self.places.clear()
            self.files.clear()
            self._articles = None
            self.context = context
        self._articles_changed = (article_ids ^ self.article_ids) | (drafts ^ self.drafts)
        self.drafts = drafts
        self._articles_before, self.article_ids = self.article_ids, article_ids
        self._unread: list[str] = []
        self._seen: set[int] = set()
        self._files_seen: set[str] = set()
        self._made: set[int] = set()  # ids of the records made (or found equal) in this run

    def record(
        self,
        raw: object,
        place: tuple[str, int],
        report: Report,
        make: Callable[[Report], object],
    ) -> object:
        """The record validated from `raw`, found at `place`, replaying its diagnostics."""
        key = id(raw)
        self._seen.add(key)
        hit = self.records.get(key)
        if hit is None or hit[0] is not raw:
            own = Report()
            value = make(own)
            if value is not None:
                before = self.places.get(place)
                if before is not None and before == value:
                    value = before
                else:
                    value.revision = next(self.revisions)
                    self.places[place] = value
                self._made.add(id(value))
            hit = (raw, value, own.items, place)
            self.records[key] = hit
        report.items.extend(hit[2])
        return hit[1]

    def article_record(self, raw: RawArticle, report: Report) -> Article | None:
        """`record` of an article, whose `cited_revision` is kept from the record last made
        of its file when what citing events show of it (`CITED_FIELDS`) is the same."""
        place = (raw.file, 0)
        before = self.places.get(place)
        article = self.record(raw, place, report, lambda own: _article(raw, own))
        if article is not None and not article.cited_revision:
            same = before is not None and _cited(before) == _cited(article)
            article.cited_revision = before.cited_revision if same else article.revision
        return article

    def file_records(
        self,
        file: str,
        raws: list,
        report: Report,
        make: Callable[[object, Report], object],
    ) -> FileEvents:
        """`make(raw, report)` of each raw event of one file, made again only when the
        loader read the file anew (the `FileCache` hands back the very same raw events, or
        the very same `Released` marker, for an unchanged file), replaying the diagnostics.
        A released file this cache cannot reuse is noted for `finish`, which raises
        `NeedsReading`."""
        self._files_seen.add(file)
        hit = self.files.get(file)
        same = hit is not None and hit.events is raws
        if same and not self._cites_changed(hit.cited):
            self._seen.update(hit.keys)
            report.items.extend(hit.diagnostics)
            return hit.made
        if type(raws) is Released:
            self._unread.append(file)
            return FileEvents([])
        if same:  # the same events, checked against other articles: no record is reused
            for key in hit.keys:
                self.records.pop(key, None)
        read = [raw for raw in raws if type(raw) is not SameEvent]
        if len(read) < len(raws) and not self._stands_for(hit, raws):
            self._unread.append(file)
            return FileEvents([])
        items, each = [], []
        for index, raw in enumerate(raws):
            if type(raw) is SameEvent:
                items.append(hit.made.items[index])
                each.append(hit.each[index])
            else:
                own = Report()
                items.append(make(raw, own))
                each.append(own.items)
        made = FileEvents(items)
        diagnostics = [item for mine in each for item in mine]
        keys = tuple(id(raw.data) for raw in read)
        cited = _cited_articles(read) | (hit.cited if len(read) < len(raws) else frozenset())
        self.files[file] = FileEntry(raws, made, diagnostics, keys, cited, tuple(each))
        report.items.extend(diagnostics)
        return made

    def articles_read_as_before(self, raws: list) -> bool:
        """Whether the loader handed over the very raw articles of the last run (it does
        when no article file changed), so that the ids of the last run are theirs."""
        last = self._articles
        return last is not None and len(last[0]) == len(raws) and all(map(_is, last[0], raws))

    def published_articles(self) -> frozenset[str]:
        """The ids of the valid articles that are not drafts, as `articles` last made them."""
        return self._articles[4]

    def articles(
        self,
        raws: list,
        read_as_before: bool,
        report: Report,
        check: Callable[[Report], list[Article]],
    ) -> list[Article]:
        """The valid articles, from `check` (reporting into the report it is given) unless
        the raw articles are the last run's (`read_as_before`) and what validation reads
        is unchanged: then the last run's, its diagnostics replayed. At every edit of an
        event, looking up a thousand unchanged articles one by one, and their ids, was a
        third of validation."""
        last = self._articles
        if read_as_before and last is not None:
            self._seen.update(last[3])
            report.items.extend(last[2])
            return last[1]
        own = Report()
        valid = check(own)
        published = frozenset(a.id for a in valid if not a.draft)
        self._articles = (list(raws), valid, own.items, [id(raw) for raw in raws], published)
        report.items.extend(own.items)
        return valid

    def _stands_for(self, hit: FileEntry | None, raws: list) -> bool:
        """Whether the `SameEvent`s among a file's events stand for events this cache made
        records of: those of the file's last read, checked against the same articles."""
        base = next(raw.read for raw in raws if type(raw) is SameEvent)
        return (
            hit is not None
            and hit.events is base
            and len(hit.each) == len(raws)
            and not self._cites_changed(hit.cited)
        )

    def _cites_changed(self, cited: frozenset[str]) -> bool:
        """Whether a file naming these articles may validate differently now that articles
        came or went: it names one of them, or one that did not exist."""
        changed = self._articles_changed
        return bool(changed) and (
            not cited.isdisjoint(changed) or not cited <= self._articles_before
        )

    def release(self, released: dict[str, tuple[list, Released]]) -> None:
        """Let go of the raw events of these files (by file: the events the loader let go
        and the marker standing for them, see `FileCache.release_events`), keeping the
        records made of them: the marker now stands for the events when the file comes
        back unchanged. A file whose records were made from other events is forgotten."""
        for file, (events, marker) in released.items():
            hit = self.files.get(file)
            if hit is None or hit.events is marker:
                continue
            for key in hit.keys:
                self.records.pop(key, None)
            if hit.events is events:
                self.files[file] = hit._replace(events=marker, keys=())
            else:
                del self.files[file]

    def same(self, live_articles: frozenset[str]) -> frozenset[str]:
        """The published articles' ids: the very set of the last run when equal, so that
        `published_file` knows them unchanged by identity."""
        if live_articles != self._live:
            self._live, self._published = live_articles, {}
        return self._live

    def published_file(self, group: FileEvents, live_articles: frozenset[str]) -> list[Event]:
        """The events of one file that are not drafts, each citing only published articles
        (`live_articles`, as `same` gives them): made again only when those changed."""
        if group.published is None or group.published[0] is not live_articles:
            shown = [_without_draft_sources(e, live_articles) for e in group.records if not e.draft]
            group.published = (live_articles, shown)
        return group.published[1]

    def published(self, events: list[Event], live_articles: frozenset[str]) -> list[Event]:
        """The events that are not drafts, each citing only published articles: the same
        copy of an event as last time while those articles are the same (`live_articles`
        as `same` gives them)."""
        known, kept, shown = self._published, {}, []
        for event in events:
            if event.draft:
                continue
            hit = known.get(id(event))
            if hit is None or hit[0] is not event:
                hit = (event, _without_draft_sources(event, live_articles))
            kept[id(event)] = hit
            shown.append(hit[1])
        self._published = kept
        return shown

    def ids_unique(self, groups: list[FileEvents]) -> bool:
        """Whether no id is taken by two records of these files, counted from the last run's
        count with the files that changed since (at 10,000 events, a union of every file's
        ids was a twentieth of an edit's rebuild)."""
        counts, before = self._id_counts, self._id_groups
        now = {id(group): group for group in groups}
        for key, group in before.items():
            if key not in now:
                self._records_counted -= len(group.records)
                for event_id in group.ids:
                    counts[event_id] -= 1
                    if not counts[event_id]:
                        del counts[event_id]
        for key, group in now.items():
            if key not in before:
                self._records_counted += len(group.records)
                for event_id in group.ids:
                    counts[event_id] = counts.get(event_id, 0) + 1
        self._id_groups = now  # holds the groups, so that their ids stay theirs
        return self._records_counted == len(counts)

    def read_again(self, file: str) -> None:
        """Ask for the events of `file` to be read again: validation needs them, but the
        loader let go of them (or stood for them by those read before); `finish` raises
        `NeedsReading`."""
        if file not in self._unread:
            self._unread.append(file)

    def finish(self) -> None:
        """Drop the records of files that are gone or changed; raise `NeedsReading` if a
        released file could not be reused."""
        if self._unread:
            raise NeedsReading(self._unread)
        for file in self.files.keys() - self._files_seen:
            del self.files[file]
        for key in self.records.keys() - self._seen:
            _, value, _, place = self.records.pop(key)
            # A record lives on when a record made in this run at its place equals it.
            if (
                value is not None
                and id(value) not in self._made
                and self.places.get(place) is value
            ):
                del self.places[place]


def validate_project(
    project: RawProject,
    report: Report,
    drafts: bool = False,
    cache: ValidationCache | None = None,
) -> Validated:
    """Check the whole project, reporting every problem, and return what is valid.

    Drafts are checked like everything else but left out unless `drafts` is set. With a
    `cache` (the live preview keeps one), unchanged records are reused, not re-checked.
    """
    cache = cache or ValidationCache()
    site = validate_site(project, report)
    read_as_before = cache.articles_read_as_before(project.articles)
    article_ids = cache.article_ids if read_as_before else frozenset(a.id for a in project.articles)
    if not read_as_before:
        cache.draft_articles = frozenset(a.id for a in project.articles if _is_draft(a))
    draft_ids = frozenset() if drafts else cache.draft_articles
    lookup = _actor_lookup(site)
    categories = (site.categories_known, *site.categories.items())  # what events are checked by
    cache.start((categories, tuple(lookup.items())), article_ids, draft_ids)

    def check_articles(own: Report) -> list[Article]:
        made = [(cache.article_record(r, own), r.file) for r in project.articles]
        _warn_same_story(made, project.articles, own)
        unique = _unique_ids([(a, f, Pos(1, 1), False) for a, f in made if a], own, "article")
        return _distinct_in_any_case(unique, own)

    articles = cache.articles(project.articles, read_as_before, report, check_articles)
    groups = []
    for file, raws in project.event_files:
        groups.append(
            cache.file_records(
                file,
                raws,
                report,
                lambda r, own: (
                    cache.record(
                        r.data,
                        (r.file, r.index),
                        own,
                        lambda mine, r=r: _event(r, site, mine, article_ids, lookup, draft_ids),
                    ),
                    r.file,
                    r.data.at("id"),
                    "id" not in r.data,
                ),
            )
        )
    # As nearly always, no id taken twice: every file's records then stand as made.
    unique = cache.ids_unique(groups)
    if not unique:
        items = itertools.chain.from_iterable(g.items for g in groups)
        events = _unique_ids([e for e in items if e[0]], report, "event")
    elif drafts:
        events = list(itertools.chain.from_iterable(g.records for g in groups))
    by_file = {file: group for (file, _), group in zip(project.event_files, groups, strict=True)}
    if not cache.terms.distinct(by_file, drafts):
        _report_shared_folders(cache.terms.clashes(groups), project, lookup, cache, report)
    pages = [(_page(r, report, drafts), r.file, Pos(1, 1), False) for r in project.pages]
    pages = _unique_ids([p for p in pages if p[0]], report, "page")
    cache.finish()
    if not drafts:
        live_articles = cache.same(cache.published_articles())
        if unique:
            published = (cache.published_file(g, live_articles) for g in groups)
            events = list(itertools.chain.from_iterable(published))
        else:
            events = cache.published(events, live_articles)
        articles = [a for a in articles if not a.draft]
    return Validated(site, events, articles, pages)


#: A term of each taxonomy, as messages name it.
_TERM_NAMES = {"countries": "country", "actors": "actor", "categories": "category", "tags": "tag"}

#: How to keep two terms of a taxonomy from sharing a folder.
_FIX_SHARED_FOLDER = {
    "countries": "write one of them another way",
    "actors": "spell them the same (or list one as an alias of the other under actors in "
    "site.yaml), or rename one",
    "categories": "rename one of the two keys of categories in site.yaml",
    "tags": "spell them the same, or rename one",
}


def _report_shared_folders(
    clashes: list[Clash],
    project: RawProject,
    lookup: dict[str, str],
    cache: ValidationCache,
    report: Report,
) -> None:
    """An error at each term that wants the folder of one met before it, naming both.
    Where the live preview let go of a file's parse, the file is asked for again."""
    raws = dict(project.event_files)
    for clash in clashes:
        first = _term_at(raws, clash.first_at, clash.taxonomy, clash.first, lookup)
        later = _term_at(raws, clash.later_at, clash.taxonomy, clash.later, lookup)
        for pos, (file, _) in ((first, clash.first_at), (later, clash.later_at)):
            if pos is None:
                cache.read_again(file)
        if first is None or later is None:
            continue
        name = _TERM_NAMES[clash.taxonomy]
        report.error(
            clash.later_at[0],
            later.line,
            later.col,
            f"{name} {clash.later!r} and {name} {clash.first!r} "
            f"({clash.first_at[0]}:{first.line}:{first.col}) would both be published at "
            f"{clash.folder}: {_FIX_SHARED_FOLDER[clash.taxonomy]}",
        )


def _term_at(
    raws: dict[str, list | Released], place: Place, taxonomy: str, key: str, lookup: dict
) -> Pos | None:
    """Where the event read at `place` first names the term `key` (None: its parse was let
    go, or stood for by the one before)."""
    file, index = place
    events = raws.get(file)
    raw = events[index] if type(events) is list else None
    if type(raw) is not RawEvent:
        return None
    written = _written_terms(raw.data, taxonomy, lookup)
    return next((pos for term, pos in written if term == key), raw.data.pos)


def _written_terms(
    data: YamlMap, taxonomy: str, lookup: dict[str, str]
) -> Iterator[tuple[str | None, Pos]]:
    """Each term of `taxonomy` an event's mapping names, keyed as validation keys it (a
    country by its code, an actor by its name in site.yaml), with where it is written."""
    check = _Checker(Report(), "")  # the event's mistakes were reported when it was checked
    if taxonomy == "categories":
        yield check.line(data, "category"), data.at("category")
        return
    table = countries()
    for value, pos in check.words(data, taxonomy):
        if taxonomy == "countries":
            yield table.code(value), pos
        elif taxonomy == "actors":
            yield lookup.get(value.casefold(), value), pos
        else:
            yield value, pos


def _is_draft(raw: RawArticle) -> bool:
    """Whether an article says it is a draft (as `_Checker.flag` will read it)."""
    return raw.meta.get("draft") is True


def _without_draft_sources(event: Event, live_articles: set[str]) -> Event:
    """The event citing only published articles (a copy, if it cited a draft)."""
    kept = [s for s in event.sources if not s.article or s.article in live_articles]
    if len(kept) == len(event.sources):
        return event
    return dataclasses.replace(event, sources=kept)
