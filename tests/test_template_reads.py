"""A project's own templates keep the live preview's dependency keys only when they read
nothing the keys do not cover (builder.template_reads).

Each test writes real template files into a project's theme folder, loads them through the
builder's own Jinja2 environment, and asks which places read too much. The second half
edits content in a running preview of such a project and compares every page it serves
with a cold build of the same files.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from test_incremental import assert_same_as_cold, edit, events_file, generate, served

from builder import build, render, serve
from builder.theme import find_theme, make_environment
from builder.watch import CONTENT, TEMPLATE, Change

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "themes" / "default" / "templates"


def own(project: Path, templates: dict[str, str]) -> render.OwnTemplates:
    """The project's own templates (written now) as the preview sees them."""
    folder = project / "themes" / "default" / "templates"
    for name, text in templates.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    theme = find_theme(project, "default")
    return render.own_templates(make_environment(theme))


def uncovered(project: Path, templates: dict[str, str]) -> list[str]:
    found = own(project, templates)
    assert sorted(found.names) == sorted(templates)
    return [f"{Path(r.file).name}:{r.line}: {r.what}" for r in found.uncovered]


def shipped_with(name: str, old: str, new: str) -> str:
    """A shipped template as a project would copy and change it."""
    text = (SHIPPED / name).read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    return text.replace(old, new)


def test_the_shipped_theme_alone_has_no_templates_of_the_projects(tmp_path: Path) -> None:
    found = own(tmp_path, {})
    assert found == render.OwnTemplates([], [], True)


@pytest.mark.parametrize(
    "name",
    [
        "base.html",
        "event.html",
        "index.html",
        "term.html",
        "taxonomy.html",
        "macros.html",
        "article.html",
        "articles.html",
        "search.html",
        "partials/footer.html",
        "partials/header.html",
        "partials/browse.html",
        "partials/filters.html",
        "partials/intro.html",
        "partials/periods.html",
        "partials/seo.html",
    ],
)
def test_copies_of_the_shipped_templates_keep_the_keys(tmp_path: Path, name: str) -> None:
    assert uncovered(tmp_path, {name: (SHIPPED / name).read_text(encoding="utf-8")}) == []


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("partials/overview.html", "overview.html:32: reads timeline.years.items()[].1 |length"),
    ],
)
def test_copies_of_shipped_templates_that_read_a_terms_events_lose_them(
    tmp_path: Path, name: str, why: str
) -> None:
    """The shipped one reads each year's count: the keys hold it for the shipped
    template's pages only. (term.html and taxonomy.html read only `term.span()` and the
    number of a term's events, which a term's key holds.)"""
    assert why in uncovered(tmp_path, {name: (SHIPPED / name).read_text(encoding="utf-8")})


def test_a_branded_footer_and_the_documented_event_page_keep_the_keys(tmp_path: Path) -> None:
    footer = shipped_with(
        "partials/footer.html",
        "<p>",
        '<p><img src="{{ asset(\'logo.svg\') }}" alt=""> {{ site.description }} · '
        "{% for term in timeline.taxonomies.countries %}"
        "{{ term.label }} ({{ term.events | length }}){{ ', ' if not loop.last }}{% endfor %} · "
        "{{ timeline.citing.get('a1', []) | length }} · ",
    )
    event = """{% extends "base.html" %}
{% from "macros.html" import date, sources with context %}
{% block main %}
<h1 dir="auto">{{ event.title }}</h1>
<p>{{ date(event.date) }}</p>
{{ sources(event.sources) }}
{% for s in event.sources %}{% set a = article_of(s.article) if s.article %}
{% if a %}<p>{{ a.title }}, {{ a.date.display() if a.date }}</p>{% endif %}{% endfor %}
{% if next %}<a href="{{ url(paths.event_path(next.id)) }}">{{ next.title }}</a>{% endif %}
{% endblock %}
"""
    assert uncovered(tmp_path, {"partials/footer.html": footer, "event.html": event}) == []


@pytest.mark.parametrize(
    ("template", "why"),
    [
        ("{{ timeline.events[0].title }}", "reads timeline.events[].title"),
        ("{{ (timeline.events | last).summary }}", "reads timeline.events[].summary"),
        ("{% for e in timeline.events %}{{ e.id }}{% endfor %}", "loops over timeline.events"),
        ("{% set all = timeline %}{{ all.articles[0].body }}", "reads timeline.articles[].body"),
        ("{{ article_of('a1').title }}", "reads an article that is not one of an event's"),
        (
            "{% for s in event.sources %}{{ article_of(s.article).body }}{% endfor %}",
            "reads article_of().body",
        ),
        ("{{ term.events[0].title }}", "reads (value).events[].title"),
        # a page's term holds its span in its key; the chrome holds no term's
        ("{{ timeline.term('countries', 'TJ').span() }}", "reads timeline.term().span()"),
        (
            "{{ paging.period.events | map(attribute='title') | join }}",
            "reads (value).events |map |join",
        ),
        ("{{ paging.period.events | map(attribute=name) | join }}", "through the map filter"),
        ("{{ term | attr(name) }}", "reads attributes through the attr filter"),
        ("{% set k = 'events' %}{{ term[k] }}", "reads (value).[?]"),
        ("{{ event.__class__ }}", "reads (value).__class__"),
        ("{{ timeline_path(related[0]) }}", "reads timeline_path()"),
        ("{{ json_ld(timeline.taxonomies.tags) }}", "reads timeline.taxonomies.tags"),
        ("{% set ns = namespace(all=timeline.events) %}{{ ns.all }}", "reads timeline.events"),
    ],
)
def test_reads_past_the_keys_are_named_with_their_line(
    tmp_path: Path, template: str, why: str
) -> None:
    found = uncovered(tmp_path, {"partials/footer.html": "<footer>\n" + template + "\n</footer>\n"})
    assert any(line.startswith("footer.html:2: ") and why in line for line in found), found


def test_a_value_passed_to_shipped_templates_counts_as_read(tmp_path: Path) -> None:
    """A variable set before an include is seen by the included template, which may read
    anything of it: the shipped seo.html reads an `event`'s every field."""
    base = shipped_with(
        "base.html",
        '{% include "partials/seo.html" %}',
        '{% set event = timeline.events[0] %}{% include "partials/seo.html" %}',
    )
    found = uncovered(tmp_path, {"base.html": base})
    assert any("reads timeline.events[]" in line for line in found), found


def test_variables_of_an_imported_template_count_as_read(tmp_path: Path) -> None:
    templates = {
        "partials/data.html": "{% set first = timeline.events[0] %}\n",
        "partials/footer.html": '{% from "partials/data.html" import first %}\n'
        '{% import "partials/data.html" as data %}\n'
        "{{ first.title }} {{ data.first.summary }}\n",
    }
    found = uncovered(tmp_path, templates)
    assert "data.html:1: reads timeline.events[]" in found
    assert "footer.html:3: reads timeline.events[].title" in found
    assert "footer.html:3: reads timeline.events[].summary" in found


def test_values_reach_a_projects_macros_through_their_callers(tmp_path: Path) -> None:
    templates = {
        "partials/lines.html": "{% macro line(t) %}{{ t.events[0].title }}{% endmacro %}\n",
        "partials/footer.html": '{% from "partials/lines.html" import line %}\n'
        "{{ line(timeline.taxonomies.tags[0]) }}\n",
    }
    found = uncovered(tmp_path, templates)
    assert "footer.html:2: reads timeline.taxonomies.tags[]" in found
    assert any(line.startswith("lines.html:1: reads timeline.taxonomies") for line in found)


def test_splicing_is_kept_unless_the_project_shows_list_events_itself(tmp_path: Path) -> None:
    footer = shipped_with("partials/footer.html", "<p>", "<p>Our newsroom · ")
    assert own(tmp_path, {"partials/footer.html": footer}).splices
    grouped = footer.replace("<p>", "<p>{{ groups | length if groups is defined }} ", 1)
    found = own(tmp_path, {"partials/footer.html": grouped})
    assert not found.uncovered and not found.splices
    (tmp_path / "themes/default/templates/partials/footer.html").unlink()
    macros = (SHIPPED / "macros.html").read_text(encoding="utf-8")
    assert not own(tmp_path, {"macros.html": macros}).splices


# --------------------------------------------------------------------------- the preview


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    generate(root, 300, 20, seed=5)
    return root


def start(project: Path, tmp_path: Path) -> tuple[serve.Preview, io.StringIO]:
    out = io.StringIO()
    pv = serve.Preview(
        project, build.BuildOptions(), tmp_path / "out" / "site", serve.Terminal(out, out)
    )
    assert pv.rebuild([])
    served(pv)
    return pv, out


def title_edit(pv: serve.Preview, mark: str) -> serve.Snapshot:
    target = events_file(pv)
    edit(target, r'title: "([^"]*)"', rf'title: "\1 ({mark})"')
    assert pv.rebuild([Change(CONTENT, target.relative_to(pv.project).as_posix())])
    return pv.current()


def test_a_project_with_its_own_footer_rebuilds_a_few_pages_after_an_edit(
    project: Path, tmp_path: Path
) -> None:
    footer = project / "themes/default/templates/partials/footer.html"
    footer.parent.mkdir(parents=True)
    shutil.copy(SHIPPED / "partials/footer.html", footer)
    edit(footer, "<p>", "<p>Our newsroom · {{ timeline.taxonomies.countries | length }} · ")
    pv, out = start(project, tmp_path)
    total = len(served(pv))
    snapshot = title_edit(pv, "edited")
    assert 0 < len(snapshot.changed) < total / 4, (len(snapshot.changed), total)
    assert_same_as_cold(pv)
    assert b"Our newsroom" in served(pv)["index.html"]
    assert "note:" not in out.getvalue()


def test_a_project_whose_template_reads_past_the_keys_renders_every_page(
    project: Path, tmp_path: Path
) -> None:
    footer = project / "themes/default/templates/partials/footer.html"
    footer.parent.mkdir(parents=True)
    footer.write_text(
        '<footer class="site-footer">\n<p>First: {{ timeline.events[0].title }}</p>\n</footer>\n'
    )
    pv, out = start(project, tmp_path)
    total = len(served(pv))
    first = sorted((project / "content/events").glob("*.yaml"))[0]
    edit(first, r'title: "([^"]*)"', r'title: "\1 (first edited)"')
    assert pv.rebuild([Change(CONTENT, first.relative_to(project).as_posix())])
    snapshot = pv.current()
    assert len(snapshot.changed) == total
    assert_same_as_cold(pv)
    assert b"(first edited)</p>" in served(pv)["about/index.html"]
    note = [line for line in out.getvalue().splitlines() if "note:" in line]
    assert len(note) == 1, out.getvalue()
    assert re.search(
        r"note: themes/default/templates/partials/footer.html:2: reads timeline.events\[\]"
        r"\.title: .* every page renders again after each edit",
        note[0],
    ), note
    # Mended, the keys come back at the template's change and the note is not repeated.
    footer.write_text('<footer class="site-footer">\n<p>{{ site.title }}</p>\n</footer>\n')
    assert pv.rebuild([Change(TEMPLATE, footer.relative_to(project).as_posix())])
    snapshot = title_edit(pv, "again")
    assert len(snapshot.changed) < total / 4
    assert_same_as_cold(pv)
    assert out.getvalue().count("note:") == 1


def own_item_macro(project: Path, shown: str) -> None:
    """A project copy of macros.html whose list item also shows `shown`."""
    macros = project / "themes/default/templates/macros.html"
    macros.parent.mkdir(parents=True, exist_ok=True)
    macros.write_text(
        shipped_with("macros.html", '<span class="dot"', f'<i>{shown}</i><span class="dot"'),
        encoding="utf-8",
    )


def test_a_projects_list_items_that_show_site_counts_follow_them(
    project: Path, tmp_path: Path
) -> None:
    """List items are kept between edits by their events' keys, which the shipped macros
    need; a project's own item may also show what the chrome holds, which a new event
    changes."""
    own_item_macro(project, "{{ timeline.events | length }} in all")
    pv, out = start(project, tmp_path)
    new = project / "content/events/new.yaml"
    new.write_text(
        "date: 2015-03-04\ntitle: A brand new event\ncountries: [TJ]\n"
        "sources: [{url: 'https://example.org/x'}]\n",
        encoding="utf-8",
    )
    assert pv.rebuild([Change(CONTENT, "content/events/new.yaml")])
    assert_same_as_cold(pv)
    assert "note:" not in out.getvalue()


def test_a_projects_list_items_that_read_past_the_keys_are_made_again(
    project: Path, tmp_path: Path
) -> None:
    own_item_macro(project, "after {{ timeline.events[0].title }}")
    pv, out = start(project, tmp_path)
    assert "macros.html" in out.getvalue()
    first = sorted((project / "content/events").glob("*.yaml"))[0]
    edit(first, r'title: "([^"]*)"', r'title: "\1 (first edited)"')
    assert pv.rebuild([Change(CONTENT, first.relative_to(project).as_posix())])
    assert_same_as_cold(pv)
    assert served(pv)["index.html"].count(b"(first edited)") > 10
