"""The benchmark corpus as a minimal Hugo site and a minimal Pelican site.

The speed targets are relative ("no slower than Hugo, ten times faster than Pelican, on the
same corpus, in the same run"), so the benchmark turns the corpus it generated into the
nearest equivalent site for each of them: one page per event and per article, a list page
of all events with their summaries, four taxonomies (countries, actors, categories, tags:
Pelican has only three kinds, so countries become tags there), feeds and a sitemap. The
templates are as small as each tool allows, so the comparison measures the engines rather
than theme work; our own default theme does more per page than either.

The corpus is read through the builder itself (load, validate, model), so all three sites
hold exactly the same events and articles.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from builder.build import BuildOptions, make_timeline
from builder.model import Event, Timeline

HUGO_CONFIG = """\
baseURL = "https://example.org/timeline/"
title = {title}
languageCode = "en"
buildFuture = true
disableKinds = []

[taxonomies]
country = "countries"
actor = "actors"
category = "categories"
tag = "tags"

[services.rss]
limit = 100
"""

HUGO_BASEOF = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ .Title }} · {{ .Site.Title }}</title>
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" \
href="{{ .RelPermalink }}">{{ end }}
</head>
<body>
<header><a href="{{ "/" | relURL }}">{{ .Site.Title }}</a>
<nav>{{ range $name, $_ := .Site.Taxonomies }}<a href="{{ printf "/%s/" $name | relURL }}">\
{{ $name }}</a> {{ end }}</nav></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
"""

HUGO_SINGLE = """\
{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
<p><time>{{ with .Params.edtf }}{{ . }}{{ else }}{{ $.Date.Format "2006-01-02" }}{{ end }}\
</time></p>
{{ .Content }}
{{ range $taxonomy, $_ := .Site.Taxonomies }}{{ with $.GetTerms $taxonomy }}
<p>{{ $taxonomy }}: {{ range . }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
{{ end }}{{ end }}
<nav>{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
{{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</nav>
</article>
{{ end }}
"""

HUGO_LIST = """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ol>
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> \
<time>{{ .Date.Format "2006-01-02" }}</time> {{ .Summary }}</li>
{{ end }}
</ol>
{{ end }}
"""

HUGO_HOME = """\
{{ define "main" }}
<h1>{{ .Site.Title }}</h1>
<ol>
{{ range where .Site.RegularPages.ByDate "Section" "events" }}<li>\
<a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time> \
{{ .Summary }}</li>
{{ end }}
</ol>
{{ end }}
"""

#: Our own builder's templates as small as the Hugo site's above, written over the default
#: theme's by a project of its own (`write_minimal_project`): the same page per event (title,
#: date, summary, location, sources, terms, neighbours) and per article, and lists of
#: events with their summaries. The builder still writes everything else it writes (the
#: exports, the search index, the split lists), so with these the benchmark compares the
#: two engines at the same weight of templates, where the default theme shows far more on
#: each page than the Hugo site does.
OURS_MINIMAL = {
    "base.html": """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{% block title %}{{ site.title }}{% endblock %}</title>
<link rel="alternate" type="application/atom+xml" href="{{ url('feed.xml') }}">
</head>
<body>
<header><a href="{{ url('') }}">{{ site.title }}</a>
<nav>{% for name in ('countries', 'actors', 'categories', 'tags') %}\
<a href="{{ url(paths.taxonomy_path(name)) }}">{{ name }}</a> {% endfor %}</nav></header>
<main>{% block main %}{% endblock %}</main>
</body>
</html>
""",
    "event.html": """\
{% extends "base.html" %}
{% block title %}{{ event.title }} · {{ site.title }}{% endblock %}
{% block main %}
<article>
<h1>{{ event.title }}</h1>
<p><time>{{ event.date.text }}</time></p>
{{ event.summary | markdown(owner=event.id) }}
{% if event.location %}<p><strong>Location:</strong> {{ event.location.name }}</p>{% endif %}
<h2>Sources</h2>
<ul>{% for s in event.sources %}{% if s.article %}\
<li><a href="{{ url(paths.article_path(s.article)) }}">{{ article_of(s.article).title }}</a></li>\
{% else %}<li><a href="{{ s.url }}">{{ s.title or s.url }}</a> {{ s.publisher }}</li>{% endif %}\
{% endfor %}</ul>
{% for kind, keys in (('countries', event.countries), ('actors', event.actors), \
('categories', [event.category] if event.category else []), ('tags', event.tags)) %}\
{% if keys %}<p>{{ kind }}: {% for k in keys %}\
<a href="{{ url(paths.term_path(kind, term_slug(kind, k))) }}">{{ k }}</a> {% endfor %}</p>\
{% endif %}{% endfor %}
<nav>{% if previous %}<a href="{{ url(paths.event_path(previous.id)) }}">{{ previous.title }}</a>\
{% endif %}
{% if next %}<a href="{{ url(paths.event_path(next.id)) }}">{{ next.title }}</a>{% endif %}</nav>
</article>
{% endblock %}
""",
    "article.html": """\
{% extends "base.html" %}
{% block title %}{{ article.title }} · {{ site.title }}{% endblock %}
{% block main %}
<article>
<h1>{{ article.title }}</h1>
<p><time>{{ article.date.text }}</time></p>
{{ article.body | markdown }}
</article>
{% endblock %}
""",
    "list.html": """\
{% extends "base.html" %}
{% block main %}
<h1>{% block heading %}{{ site.title }}{% endblock %}</h1>
<ol>
{% for year, months in groups %}{% for month, events in months %}{% for e in events %}\
<li><a href="{{ url(paths.event_path(e.id)) }}">{{ e.title }}</a> <time>{{ e.date.text }}</time> \
{{ e.summary | markdown(owner=e.id) }}</li>
{% endfor %}{% endfor %}{% endfor %}
</ol>
{% endblock %}
""",
    "index.html": '{% extends "list.html" %}\n',
    "term.html": '{% extends "list.html" %}\n{% block heading %}{{ term.label }}{% endblock %}\n',
    "year.html": '{% extends "list.html" %}\n{% block heading %}{{ year }}{% endblock %}\n',
}

PELICAN_CONFIG = """\
AUTHOR = "Benchmark"
SITENAME = {title}
SITEURL = ""
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
THEME = "simple"
THEME_TEMPLATES_OVERRIDES = [{templates}]
DEFAULT_PAGINATION = False
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
DELETE_OUTPUT_DIRECTORY = False
FEED_ALL_ATOM = "feeds/all.atom.xml"
CATEGORY_FEED_ATOM = "feeds/{{slug}}.atom.xml"
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
FEED_MAX_ITEMS = 100
DIRECT_TEMPLATES = ["index", "tags", "categories", "authors", "archives", "sitemap"]
SITEMAP_SAVE_AS = "sitemap.xml"
"""

PELICAN_SITEMAP = """\
<?xml version="1.0" encoding="utf-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{% for article in articles %}<url><loc>{{ SITEURL }}/{{ article.url }}</loc></url>
{% endfor %}{% for tag, _ in tags %}<url><loc>{{ SITEURL }}/{{ tag.url }}</loc></url>
{% endfor %}{% for category, _ in categories %}\
<url><loc>{{ SITEURL }}/{{ category.url }}</loc></url>
{% endfor %}{% for author, _ in authors %}<url><loc>{{ SITEURL }}/{{ author.url }}</loc></url>
{% endfor %}</urlset>
"""


def read_timeline(project: Path) -> Timeline:
    """The corpus as the builder models it (drafts left out, as in a build)."""
    timeline, report, _ = make_timeline(project, BuildOptions())
    if timeline is None:
        raise SystemExit("the corpus does not validate:\n" + report.summary())
    return timeline


def _day(event: Event) -> dt.date:
    return event.date.earliest or event.date.latest or dt.date(event.date.year, 1, 1)


def _sources_markdown(event: Event, timeline: Timeline, article_url: str) -> str:
    lines = []
    for source in event.sources:
        if source.article:
            article = timeline.articles_by_id.get(source.article)
            title = article.title if article else source.article
            lines.append(f"- [{title}]({article_url.format(id=source.article)})")
        else:
            extra = ", ".join(x for x in (source.publisher, str(source.date or "")) if x)
            lines.append(f"- [{source.title or source.url}]({source.url}) {extra}")
    return "\n".join(lines)


def _event_body(event: Event, timeline: Timeline, article_url: str) -> str:
    parts = [event.summary]
    if event.location:
        parts.append(f"**Location:** {event.location.name}")
    parts.append("## Sources\n\n" + _sources_markdown(event, timeline, article_url))
    return "\n\n".join(p for p in parts if p) + "\n"


def _country_names(timeline: Timeline, codes: list[str]) -> list[str]:
    from builder.countries import countries

    names = countries().names
    return [names.get(code, code) for code in codes]


def write_hugo_site(timeline: Timeline, root: Path) -> None:
    """A Hugo site of the timeline in `root`: config, four layouts, one page per item."""
    layouts = root / "layouts" / "_default"
    layouts.mkdir(parents=True, exist_ok=True)
    (root / "hugo.toml").write_text(
        HUGO_CONFIG.format(title=json.dumps(timeline.site.title)), encoding="utf-8"
    )
    (layouts / "baseof.html").write_text(HUGO_BASEOF, encoding="utf-8")
    (layouts / "single.html").write_text(HUGO_SINGLE, encoding="utf-8")
    (layouts / "list.html").write_text(HUGO_LIST, encoding="utf-8")
    (root / "layouts" / "index.html").write_text(HUGO_HOME, encoding="utf-8")
    events, articles = root / "content" / "events", root / "content" / "articles"
    events.mkdir(parents=True, exist_ok=True)
    articles.mkdir(parents=True, exist_ok=True)
    (events / "_index.md").write_text("---\ntitle: Events\n---\n", encoding="utf-8")
    (articles / "_index.md").write_text("---\ntitle: Articles\n---\n", encoding="utf-8")
    for event in timeline.events:
        front = {
            "title": event.title,
            "date": _day(event).isoformat(),
            "edtf": event.date.text,
            "countries": _country_names(timeline, event.countries),
            "actors": event.actors,
            "categories": [timeline.site.categories.get(event.category, event.category)]
            if event.category
            else [],
            "tags": event.tags,
        }
        body = _event_body(event, timeline, "/articles/{id}/")
        (events / f"{event.id}.md").write_text(_yaml_front(front) + body, encoding="utf-8")
    for article in timeline.articles:
        front = {
            "title": article.title,
            "date": (article.date.earliest or dt.date(2001, 1, 1)).isoformat(),
            "countries": _country_names(timeline, article.countries),
            "tags": article.tags,
        }
        (articles / f"{article.id}.md").write_text(
            _yaml_front(front) + article.body, encoding="utf-8"
        )


def _yaml_front(values: dict) -> str:
    lines = ["---"]
    lines += [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in values.items()]
    return "\n".join(lines) + "\n---\n"


def write_pelican_site(timeline: Timeline, root: Path) -> None:
    """A Pelican site of the timeline in `root`: pelicanconf.py, the simple theme plus a
    sitemap template, one Markdown article per event and per source article."""
    templates = root / "templates"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / "sitemap.html").write_text(PELICAN_SITEMAP, encoding="utf-8")
    (root / "pelicanconf.py").write_text(
        PELICAN_CONFIG.format(
            title=json.dumps(timeline.site.title), templates=json.dumps(str(templates))
        ),
        encoding="utf-8",
    )
    events, articles = root / "content" / "events", root / "content" / "articles"
    events.mkdir(parents=True, exist_ok=True)
    articles.mkdir(parents=True, exist_ok=True)
    for event in timeline.events:
        category = timeline.site.categories.get(event.category, event.category) or "Events"
        tags = [*event.tags, *_country_names(timeline, event.countries)]
        meta = {
            "Title": event.title,
            "Date": _day(event).isoformat(),
            "Slug": event.id,
            "Category": category,
            "Tags": ", ".join(t.replace(",", " ") for t in tags),
            "Authors": ", ".join(a.replace(",", " ") for a in event.actors),
        }
        body = _event_body(event, timeline, "{{filename}}/articles/{id}.md")
        (events / f"{event.id}.md").write_text(_pelican_meta(meta) + body, encoding="utf-8")
    for article in timeline.articles:
        meta = {
            "Title": article.title,
            "Date": (article.date.earliest or dt.date(2001, 1, 1)).isoformat(),
            "Slug": "article-" + article.id.lower(),
            "Category": "Source articles",
            "Tags": ", ".join(article.tags),
        }
        (articles / f"{article.id}.md").write_text(
            _pelican_meta(meta) + article.body, encoding="utf-8"
        )


def _pelican_meta(values: dict) -> str:
    lines = [f"{key}: {' '.join(str(value).split())}" for key, value in values.items() if value]
    return "\n".join(lines) + "\n\n"


def write_minimal_project(project: Path, root: Path) -> Path:
    """A copy of `project` in `root` whose own templates are `OURS_MINIMAL`: the builder
    at the weight of templates of the Hugo site (see `OURS_MINIMAL`). Returns `root`."""
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(project / "content", root / "content")
    templates = root / "themes" / "default" / "templates"
    templates.mkdir(parents=True)
    for name, text in OURS_MINIMAL.items():
        (templates / name).write_text(text, encoding="utf-8")
    return root
