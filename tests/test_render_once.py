"""What the builder renders once and reuses (the shipped header and footer, per page depth
and section) must show on each page exactly as if the page had rendered it, and a project's
own partials must never receive the shipped, reused rendering."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO, run_timeline, write


def _build(project: Path, *args: str) -> Path:
    out = project / "out"
    result = run_timeline("build", str(project), "-o", str(out), *args)
    assert result.code == 0, result.err
    return out


def _event_pages(out: Path) -> list[Path]:
    return sorted((out / "events").glob("*/index.html"))


def _nav_current(page: Path) -> dict[str, str]:
    """Each site-navigation link's text and its aria-current value ("" when none)."""
    html = page.read_text(encoding="utf-8")
    nav = html[html.index('<nav class="site-nav"') : html.index("</nav>", html.index("site-nav"))]
    links = re.findall(r'<a href="[^"]*"(?: aria-current="([^"]*)")?[^>]*>([^<]*)</a>', nav)
    return {text: current for current, text in links}


def test_the_shipped_header_marks_each_pages_own_section(project: Path) -> None:
    out = _build(project)
    article = next((out / "articles").glob("*/index.html"))
    assert _nav_current(article)["Articles"] == "true"
    assert _nav_current(out / "articles/index.html")["Articles"] == "page"
    assert _nav_current(out / "index.html")["Timeline"] == "page"
    assert _nav_current(out / "countries/index.html")["Countries"] == "page"
    country = next((out / "countries").glob("*/index.html"))
    assert _nav_current(country)["Countries"] == "true"
    for page in _event_pages(out):
        assert set(_nav_current(page).values()) == {""}, page


def test_the_shipped_header_and_footer_link_from_each_pages_depth(project: Path) -> None:
    out = _build(project)
    top = (out / "search/index.html").read_text(encoding="utf-8")
    deep = _event_pages(out)[0].read_text(encoding="utf-8")
    assert '<a class="site-title" href="../"' in top
    assert '<a class="site-title" href="../../"' in deep
    assert '<a href="../feed.xml">Atom feed</a>' in top
    assert '<a href="../../feed.xml">Atom feed</a>' in deep


def test_a_projects_own_header_and_footer_render_on_every_page(project: Path) -> None:
    partials = project / "themes/default/templates/partials"
    write(partials / "header.html", '<header class="mine">header of {{ page_path }}</header>\n')
    write(partials / "footer.html", '<footer class="mine">footer of {{ page_path }}</footer>\n')
    out = _build(project, "--jobs", "1")
    pages = _event_pages(out)
    assert len(pages) >= 2
    for page in pages:
        html = page.read_text(encoding="utf-8")
        path = page.parent.relative_to(out).as_posix() + "/"
        assert f'<header class="mine">header of {path}</header>' in html
        assert f'<footer class="mine">footer of {path}</footer>' in html
        assert 'class="site-header"' not in html


def test_a_projects_own_base_template_keeps_its_includes(project: Path) -> None:
    shipped = Path(__file__).resolve().parent.parent / "themes/default/templates/base.html"
    base = shipped.read_text(encoding="utf-8")
    base = base.replace(
        '{{ include_once("partials/footer.html") }}', '{% include "partials/footer.html" %}'
    ).replace("<main ", '<p class="own-base"></p>\n<main ')
    write(project / "themes/default/templates/base.html", base)
    write(
        project / "themes/default/templates/partials/footer.html",
        "<footer>{{ page_path }}</footer>\n",
    )
    out = _build(project)
    for page in _event_pages(out):
        html = page.read_text(encoding="utf-8")
        assert '<p class="own-base"></p>' in html
        assert f"<footer>{page.parent.relative_to(out).as_posix()}/</footer>" in html


def test_list_pages_and_exports_are_grouped_for_one_process_each(project: Path) -> None:
    """Every file of a real build is grouped: the pages showing event list items together,
    the feeds and data files together, the pages of their own in no group."""
    from builder.render import shared_work

    out = _build(project)
    groups: dict[str | None, set[str]] = {}
    for file in out.rglob("*"):
        if file.is_file():
            path = file.relative_to(out).as_posix()
            groups.setdefault(shared_work(path), set()).add(path.split("/")[0])
    assert groups["lists"] == {"index.html", "countries", "actors", "categories", "tags", "years"}
    assert {"events.json", "feed.xml", "sitemap.xml", "search"} <= groups["exports"]
    assert "events" not in groups["lists"] | groups["exports"]
    assert {"events", "articles", "static", "countries"} <= groups[None]  # countries/ index


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_list_items_joined_in_one_call_read_as_a_loop_over_each_item(project: Path) -> None:
    """The shipped lists put each month's remembered items in one call
    (`event_items_once`); a project's macros.html that loops over `event_item_once` item by
    item, as the theme once did, gives the very same site. A project's own item macro
    goes through the same call, each item with its page's links."""
    write(  # months of several events, so that items are joined
        project / "content/events/more.yaml",
        "".join(
            f"- date: 2023-10-{day:02d}\n  title: Border event {day}\n  countries: [TJ]\n"
            f"  sources: [{{url: 'https://news.example/{day}'}}]\n"
            for day in (2, 3, 4, 5)
        ),
    )
    shipped = _tree(_build(project, "--jobs", "1"))
    macros = (REPO / "themes/default/templates/macros.html").read_text(encoding="utf-8")
    joined = (
        "    {{ event_items_once(event_item, events, 'h' ~ (level + 2), compact, "
        "between='\\n    ') }}\n"
    )
    assert joined in macros
    looped = (
        "    {% for e in events %}\n"
        "    {{ event_item_once(event_item, e, 'h' ~ (level + 2), compact) }}\n"
        "    {% endfor %}\n"
    )
    write(project / "themes/default/templates/macros.html", macros.replace(joined, looped))
    assert _tree(_build(project, "--jobs", "1")) == shipped

    write(
        project / "themes/default/templates/year.html",
        '{% macro mine(e, heading, compact) %}<a href="{{ url(paths.event_path(e.id)) }}">'
        "{{ e.title }}</a>{% endmacro %}"
        "<ul>{% for y, months in groups %}{% for m, evs in months %}<!--m-->"
        "{{ event_items_once(mine, evs, 'h3', false, between=' | ') }}"
        "{% endfor %}{% endfor %}</ul>\n",
    )
    out = _build(project, "--jobs", "1")
    year = sorted((out / "years").glob("*/index.html"))[0]
    html = year.read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]*)">', html)
    assert links and all(link.startswith("../../events/") for link in links)
    assert html.count(" | ") == len(links) - html.count("<!--m-->")


def test_shared_macro_calls_read_as_each_call_made_on_its_page(project: Path) -> None:
    """Calls of the shipped pure macros (a category chip, country and term links, sources)
    are made once per build and way to the root (`theme.MacroCalls`); a project copy of
    macros.html, whose calls are never shared, gives the very same site."""
    shipped = _tree(_build(project, "--jobs", "1"))
    macros = (REPO / "themes/default/templates/macros.html").read_text(encoding="utf-8")
    write(project / "themes/default/templates/macros.html", macros)
    assert _tree(_build(project, "--jobs", "1")) == shipped


def test_pages_share_the_shipped_macros_module_while_what_it_reads_is_the_same(
    project: Path,
) -> None:
    """A page imports macros.html with its context; the shipped one reads only some names
    (`MacroCalls.reads`), and pages that give each of them the very same value share one
    module of it, whatever else they hold. A project's own macros.html is made anew."""
    from jinja2.utils import missing

    from builder.theme import (
        MACRO_CALLS,
        MacroCalls,
        find_theme,
        make_environment,
        names_read,
    )

    env = make_environment(find_theme(project, "default"))
    calls = MacroCalls(env)
    assert {"url", "root", "term_slug", MACRO_CALLS} <= set(calls.reads)
    # The live preview makes one per build: the names are found once per text of the file.
    hits = names_read.cache_info().hits
    assert MacroCalls(env).reads == calls.reads
    assert names_read.cache_info().hits == hits + 1
    assert "event" not in calls.reads and "page_path" not in calls.reads
    macros = env.get_template("macros.html")

    def page(event: str, url=None) -> dict:
        values = dict(shared, event=event, page_path=f"events/{event}/")
        if url is not None:
            values["url"] = url
        return values

    shared = {name: object() for name in calls.reads} | {MACRO_CALLS: calls}
    first = macros.make_module(page("a"), True, {"date": missing})
    assert macros.make_module(page("b"), True, {}) is first
    assert macros.make_module(page("c", url=lambda target="": target), True, {}) is not first
    assert macros.make_module(page("d"), True, {"root": "../"}) is not first  # a local wins
    assert len(calls.modules) == 3

    write(project / "themes/default/templates/macros.html", "{% macro m() %}m{% endmacro %}")
    own_env = make_environment(find_theme(project, "default"))
    own = MacroCalls(own_env)
    assert own.template is None
    values = {MACRO_CALLS: own}
    template = own_env.get_template("macros.html")
    assert template.make_module(values, True, {}) is not template.make_module(values, True, {})


def test_only_the_shipped_pure_macros_have_their_calls_shared(project: Path) -> None:
    from builder import render
    from builder.theme import (
        PURE_MACROS,
        MacroCalls,
        find_theme,
        make_environment,
    )

    env = make_environment(find_theme(project, "default"))
    calls = MacroCalls(env)
    assert len(calls.pure) == len(PURE_MACROS)
    module = env.get_template("macros.html").make_module(
        {
            "category_class": lambda key: f"c-{key}",
            "category_label": str.title,
            "term_slug": lambda taxonomy, key: key,
            "paths": render.urls,
            "url": lambda target="": "../" + target,
        }
    )
    first = calls.result("../", module.category, ("attack",), {})
    assert 'href="../categories/attack/"' in first
    assert calls.result("../", module.category, ("attack",), {}) is first  # made once
    assert calls.result("../../", module.category, ("attack",), {}) is not first
    links = calls.result("../", module.term_links, ("tags", {"drones"}), {})  # a set: no key
    assert links == '<a href="../tags/drones/" dir="auto">drones</a>'

    # A project's own category macro may read its page's values: each page shows its own.
    macros = (REPO / "themes/default/templates/macros.html").read_text(encoding="utf-8")
    chip = '<span class="sw" aria-hidden="true"></span>{{ category_label(key) }}'
    assert chip in macros
    write(
        project / "themes/default/templates/macros.html",
        macros.replace(chip, chip + "<!--on {{ page_path }}-->"),
    )
    theme = find_theme(project, "default")
    assert MacroCalls(make_environment(theme)).pure == set()
    # Its top level may read the page's values: it is never made into a module without them.
    write(
        project / "themes/default/templates/macros.html",
        "{% set here = page_path ~ '' %}"
        + macros.replace(chip, chip + "<!--on {{ page_path }}, {{ here }}-->"),
    )
    assert MacroCalls(make_environment(theme)).pure == set()
    out = _build(project, "--jobs", "1")
    pages = [p for p in _event_pages(out) if 'class="cat ' in p.read_text(encoding="utf-8")]
    assert len(pages) >= 2
    for page in pages:
        path = page.parent.relative_to(out).as_posix() + "/"
        assert f"<!--on {path}, {path}-->" in page.read_text(encoding="utf-8")
