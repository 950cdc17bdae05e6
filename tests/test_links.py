"""Link checking: every internal href and src of a built site resolves to a file of it,
checked on disk by `timeline check --links` and over real HTTP under a sub-path."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urldefrag, urljoin
from urllib.request import urlopen

from conftest import REPO, run_timeline, write
from sitehttp import serve

from builder.linkplaces import link_diagnostics
from builder.links import BrokenLink, LinkCheck, check_links, css_urls, html_links, xml_links


def _build(project: Path, *args: str) -> Path:
    result = run_timeline("build", str(project), *args)
    assert result.code == 0, result.err
    return project / "site"


def test_fixture_site_has_no_broken_links(project: Path) -> None:
    site = _build(project)
    assert check_links(site) == []
    assert (site / ".nojekyll").is_file()


def test_shipped_timeline_has_no_broken_links(tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = run_timeline("build", str(REPO), "-o", str(out), "--strict")
    assert result.code == 0, result.err
    assert check_links(out) == []


def test_sub_path_site_served_under_its_sub_path_has_no_broken_links(project: Path) -> None:
    """Build for http://127.0.0.1:PORT/timeline/, serve it there, follow every link."""
    with serve({"/timeline/": project / "site"}) as origin:
        base = origin + "/timeline/"
        site = _build(project, "--base-url", base)
        assert check_links(site) == []
        seen, broken = _crawl(base, origin)
    assert broken == []
    pages = {u for u in seen if u.endswith("/") or u.endswith(".html")}
    assert base + "events/taliban-takeover/" in pages
    assert base + "search/" in pages
    assert len(pages) >= 20
    assert any(re.search(r"/static/style\.[0-9a-f]{8}\.css$", u) for u in seen)
    assert base + "feed.xml" in seen and base + "sitemap.xml" in seen


def _crawl(base: str, origin: str) -> tuple[set[str], list[str]]:
    """Fetch every URL reachable from base inside base over HTTP; list those that fail."""
    queue, seen, broken = [base, base + "sitemap.xml", base + "404.html"], set(), []
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        try:
            with urlopen(url) as response:
                body, kind = response.read(), response.headers.get_content_type()
        except HTTPError as exc:
            broken.append(f"{url}: HTTP {exc.code}")
            continue
        if kind == "text/html":
            found = html_links(body.decode("utf-8"))
        elif kind == "text/css":
            found = css_urls(body.decode("utf-8"))
        elif url.endswith(".xml"):
            found = xml_links(body)
        else:
            found = []
        for href in found:
            target = urldefrag(urljoin(url, href))[0]
            if target.startswith(origin) and not target.startswith(base):
                broken.append(f"{url}: {href} leaves the sub-path")
            elif target.startswith(base):
                queue.append(target)
    return seen, broken


def _at(file: Path, line: int, col: int) -> str:
    """A file's text from a 1-based line and column to the end of that line."""
    return file.read_text(encoding="utf-8").split("\n")[line - 1][col - 1 :]


def _line_with(file: Path, marker: str) -> tuple[int, str]:
    """The 1-based number and the text of the one line of a file that holds `marker`."""
    found = [
        (number, line)
        for number, line in enumerate(file.read_text(encoding="utf-8").split("\n"), start=1)
        if marker in line
    ]
    assert len(found) == 1, found
    return found[0]


def _override_template(project: Path, name: str, marker: str, added: str) -> None:
    """Give the project its own copy of a shipped template, with `added` after `marker`."""
    theme = project / "themes" / "default" / "templates"
    theme.mkdir(parents=True, exist_ok=True)
    text = (REPO / "themes" / "default" / "templates" / name).read_text(encoding="utf-8")
    assert marker in text
    (theme / name).write_text(text.replace(marker, marker + added, 1), encoding="utf-8")


#: Two links broken in event.html, on one event's page: a page that does not exist, and
#: (twice) an id the page does not have.
_BROKEN_TEMPLATE_LINKS = (
    "{% if event.id == 'taliban-takeover' %}\n"
    '<p class="more"><a href="{{ url(\'nowhere/\') }}">gone</a>'
    ' <a href="#no-such-id">here</a> <a href="#no-such-id">again</a></p>\n'
    "{% endif %}"
)


def test_check_links_points_at_each_broken_link_where_it_is_written(project: Path) -> None:
    """A template's links are reported in the built page, at the attribute value; a
    content Markdown link at the Markdown; one line each, sorted, then the count. A good
    site prints nothing but the summary."""
    _build(project)
    good = run_timeline("check", str(project), "--links")
    assert good.code == 0, good.err
    assert good.err == ""
    assert good.out == "ok: 4 events, 2 articles, 0 errors, 0 warnings\n"
    _override_template(project, "event.html", "{% block main %}", _BROKEN_TEMPLATE_LINKS)
    article = project / "content" / "articles" / "report.md"
    article.write_text(
        article.read_text(encoding="utf-8") + "\nSee [the other report](../missing-report/).\n",
        encoding="utf-8",
    )
    site = _build(project)
    result = run_timeline("check", str(project), "--links")
    assert result.code == 1
    assert "Traceback" not in result.err
    assert result.out == ""
    page = "site/events/taliban-takeover/index.html"
    built = site / "events" / "taliban-takeover" / "index.html"
    line, text = _line_with(built, '<p class="more">')
    gone, here = text.index('"../../nowhere/"') + 2, text.index('"#no-such-id"') + 2
    assert result.err.splitlines() == [
        "content/articles/report.md:10:24: error: broken link to ../missing-report/ "
        "(on site/articles/report/index.html: no file articles/missing-report/index.html "
        "in the output; correct the address: it is read from site/articles/report/)",
        f"{page}:{line}:{gone}: error: broken link to ../../nowhere/ (no file nowhere/index.html "
        "in the output: link to a page the site has)",
        f"{page}:{line}:{here}: error: broken link to #no-such-id (no id 'no-such-id' in "
        "events/taliban-takeover/index.html: link to an id that page has; the page has it "
        "2 times, this is the first)",
        "3 errors, 0 warnings",
    ]
    assert _at(article, 10, 24).startswith("../missing-report/)")
    assert _at(built, line, gone).startswith('../../nowhere/">gone<')
    assert _at(built, line, here).startswith('#no-such-id">here<')


def test_a_summary_link_is_reported_once_at_the_summary(project: Path) -> None:
    """A summary shows on the event's page, the timeline, its year and its terms: its
    broken relative link is one error at the YAML, with the number of pages it broke on.
    The same address written by the template on the same page stays an error of the page."""
    write(
        project / "content" / "events" / "takeover.yaml",
        """\
        id: taliban-takeover
        date: 2021-08~
        title: Taliban take Kabul
        summary: |
          The city fell *without a fight*.

          Background: [the notes](../notes/ "Notes").
        countries: [Afghanistan]
        actors: [Taliban]
        sources: [{url: "https://wire.example/kabul", title: Kabul falls}]
        """,
    )
    template_link = (
        "{% if event.id == 'taliban-takeover' %}"
        '<p class="more"><a href="../notes/">notes</a></p>{% endif %}'
    )
    _override_template(project, "event.html", "{% block main %}", template_link)
    site = _build(project)
    result = run_timeline("check", str(project), "--links")
    assert result.code == 1
    assert "Traceback" not in result.err
    built = site / "events" / "taliban-takeover" / "index.html"
    line, text = _line_with(built, '<p class="more">')
    col = text.index('"../notes/"') + 2
    assert result.err.splitlines() == [
        "content/events/takeover.yaml:7:27: error: broken link to ../notes/ (on 5 built "
        "pages, e.g. site/events/taliban-takeover/index.html: no file events/notes/index.html "
        "in the output; a summary shows on pages at different depths, where a relative "
        "address leads to different places: write it from the site's root (/events/ID/))",
        "content/events/takeover.yaml:7:27: warning: relative link to ../notes/: a summary "
        "shows on pages at different depths (the timeline, term and year pages, the event's "
        "own page), where it leads to different places: write it from the site's root, as "
        "/events/notes/",
        f"site/events/taliban-takeover/index.html:{line}:{col}: error: broken link to "
        "../notes/ (no file events/notes/index.html in the output: link to a page the site "
        "has)",
        "2 errors, 1 warning",
    ]
    assert _at(project / "content" / "events" / "takeover.yaml", 7, 27).startswith(
        '../notes/ "Notes").'
    )
    assert _at(built, line, col).startswith('../notes/">notes<')


#: A Cyrillic and an Arabic tag page that the build does not make (a tag in another script
#: gets an ASCII slug), linked by a template: one address as is, one percent-encoded.
_NON_ASCII_TEMPLATE_LINKS = (
    "{% if event.id == 'taliban-takeover' %}\n"
    '<p class="more"><a href="{{ url(\'tags/кабул/\') }}">Кабул</a>'
    " <a href=\"{{ url('tags/%D9%83%D8%A7%D8%A8%D9%84/') }}\">كابل</a></p>\n"
    "{% endif %}"
)


def test_a_non_ascii_address_is_reported_as_the_editor_wrote_it(project: Path) -> None:
    """Markdown turns `кабул` into `%D0%BA%D0%B0%D0%B1%D1%83%D0%BB` in the HTML; the error
    names the address as the Markdown writes it, at the Markdown, and a template's address
    decoded, at the attribute value, so that a search for what was written finds it."""
    article = project / "content" / "articles" / "report.md"
    article.write_text(
        article.read_text(encoding="utf-8")
        + "\nSee [the tag](../../tags/кабул/) and [its twin](../../tags/كابل/).\n",
        encoding="utf-8",
    )
    takeover = project / "content" / "events" / "takeover.yaml"
    takeover.write_text(
        takeover.read_text(encoding="utf-8")
        + "summary: Before [the talks](/events/taliban-takeover/#переговоры).\n",
        encoding="utf-8",
    )
    _override_template(project, "event.html", "{% block main %}", _NON_ASCII_TEMPLATE_LINKS)
    site = _build(project)
    result = run_timeline("check", str(project), "--links")
    assert result.code == 1
    assert "Traceback" not in result.err
    built = site / "events" / "taliban-takeover" / "index.html"
    line, text = _line_with(built, '<p class="more">')
    cyrillic, arabic = text.index('"../../tags/кабул/"') + 2, text.index('"../../tags/%D9') + 2
    page = "site/events/taliban-takeover/index.html"
    assert result.err.splitlines() == [
        "content/articles/report.md:10:15: error: broken link to ../../tags/кабул/ (on "
        "site/articles/report/index.html: no file tags/кабул/index.html in the output; "
        "correct the address: it is read from site/articles/report/)",
        "content/articles/report.md:10:49: error: broken link to ../../tags/كابل/ (on "
        "site/articles/report/index.html: no file tags/كابل/index.html in the output; "
        "correct the address: it is read from site/articles/report/)",
        "content/events/takeover.yaml:7:29: error: broken link to "
        "/events/taliban-takeover/#переговоры (on 5 built pages, e.g. "
        "site/events/taliban-takeover/index.html: no id 'переговоры' in "
        "events/taliban-takeover/index.html; correct the address: it is read from the "
        "site's root)",
        f"{page}:{line}:{cyrillic}: error: broken link to ../../tags/кабул/ (no file "
        "tags/кабул/index.html in the output: link to a page the site has)",
        f"{page}:{line}:{arabic}: error: broken link to ../../tags/كابل/ (no file "
        "tags/كابل/index.html in the output: link to a page the site has)",
        "5 errors, 0 warnings",
    ]
    in_content, in_page = result.err.splitlines()[:3], result.err.splitlines()[3:5]
    _assert_written_at_their_places(project, in_content, {})
    encoded = {"../../tags/كابل/": "../../tags/%D9%83%D8%A7%D8%A8%D9%84/"}
    _assert_written_at_their_places(project, in_page, encoded)


def test_only_printable_non_ascii_characters_are_decoded_for_display(tmp_path: Path) -> None:
    """A decoded space, slash or `?` would name another address, and a decoded direction
    mark or control character would reorder or hide the rest of the line: those stay
    escaped, as do bytes that are no UTF-8 character."""
    site = tmp_path / "site"
    _page(
        site,
        "index.html",
        '<a href="%D0%BA%D0%B0%D0%B1%D1%83%D0%BB%20%2F%3F/">words</a>\n'
        '<a href="%E2%80%AEevil%C2%85/">marks</a>\n'
        '<a href="%D0%BA%D0/%FF%F0%9F%98%80/">bytes</a>',
    )
    broken = check_links(site)
    assert [line.split(" broken link to ")[1].split(" (")[0] for line in broken] == [
        "кабул%20%2F%3F/",
        "%E2%80%AEevil%C2%85/",
        "к%D0/%FF😀/",
    ]
    # Nor in the reason given after the address ("no file …" names the path decoded).
    assert all(line.isprintable() for line in broken), broken
    assert [line.split(": error:")[0] for line in broken] == [
        "index.html:1:57",
        "index.html:2:10",
        "index.html:3:10",
    ]


def test_missing_site_is_reported(project: Path) -> None:
    result = run_timeline("check", str(project), "--links")
    assert result.code == 1
    assert "Traceback" not in result.err
    assert result.err.splitlines() == [
        "site:1:1: error: no built site here (no index.html): run `timeline build` first",
        "1 error, 0 warnings",
    ]


def _page(site: Path, rel: str, body: str) -> None:
    write(site / rel, f"<!doctype html><title>t</title><main id='main'>{body}</main>")


#: A diagnostic line's path, line, column and link.
_PLACE = re.compile(
    r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): error: broken link to (?P<href>\S+) "
)


def _assert_written_at_their_places(
    folder: Path, lines: list[str], written: dict[str, str]
) -> None:
    """Each line's file has, at its line and column, its link as written (`written`: the
    raw form of a link whose characters the file escapes)."""
    for line in lines:
        place = _PLACE.match(line)
        assert place, line
        href = place["href"]
        at = _at(folder / place["path"], int(place["line"]), int(place["col"]))
        assert at.startswith(written.get(href, href)), (line, at)


def test_what_counts_as_broken(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _page(site, "index.html", '<a href="a/">a</a> <a href="#main">top</a>')
    _page(
        site,
        "a/index.html",
        """
        <a href="../">home</a> <a href="../index.html#main">ok</a>
        <a href="../#nope">missing id</a>
        <a href="/a/">root-relative</a>
        <a href="../../outside/">outside</a>
        <img src="pic.png" srcset="pic.png 1x, big.png 2x" alt="">
        <a href="https://elsewhere.example/x">external</a> <a href="mailto:a@b.c">mail</a>
        <div style="background: url('bg.png')"></div>
        <a href="b">directory without slash</a>
        """,
    )
    write(site / "a" / "pic.png", "png")
    _page(site, "a/b/index.html", "")
    write(site / "static" / "s.css", "body { background: url(../img/x.png) }")
    write(site / "feed.xml", '<feed xmlns="http://www.w3.org/2005/Atom"><link href="./a/"/></feed>')
    broken = check_links(site)
    assert broken == [
        "a/index.html:3:18: error: broken link to ../#nope (no id 'nope' in index.html: "
        "link to an id that page has)",
        "a/index.html:4:18: error: broken link to /a/ (root-relative link breaks when the site "
        "is served from a sub-path: write it relative to the page (url() in a template), or "
        "build with --base-url)",
        "a/index.html:5:18: error: broken link to ../../outside/ (leads outside the site: it "
        "climbs above the site's root folder: remove a ../)",
        "a/index.html:6:48: error: broken link to big.png (no file a/big.png in the output: "
        "correct the address, or add the file to the theme's static/ folder)",
        "a/index.html:8:38: error: broken link to bg.png (no file a/bg.png in the output: "
        "correct the address, or add the file to the theme's static/ folder)",
        "static/s.css:1:24: error: broken link to ../img/x.png (no file img/x.png in the "
        "output: correct the address, or add the file to the theme's static/ folder)",
    ]
    _assert_written_at_their_places(site, broken, {})


def test_each_broken_link_is_found_where_its_address_is_written(tmp_path: Path) -> None:
    """Escaped addresses, a `<style>` element, a feed's and a sitemap's links, and a link
    that a page has several times (reported once, at the first, with the count)."""
    site = tmp_path / "out"
    _page(
        site,
        "index.html",
        """
        <style>
          body { background: url( "paper.png" ) }
        </style>
        <a title="x=&quot;y&quot;" href="gone/?a=1&amp;b=2">escaped</a>
        <img alt="" srcset="wide.png 2x,&#10;narrow.png 1x">
        <p data-href="fine/">not a link</p> <a href='quoted/'>single</a> <a href=bare/>bare</a>
        <a href="gone/?a=1&amp;b=2">again</a> <a href="gone/?a=1&amp;b=2">and again</a>
        <a href="&#108;ost/">a character written as a reference</a>
        """,
    )
    write(
        site / "feed.xml",
        """        <feed xmlns="http://www.w3.org/2005/Atom">
          <entry><link rel="alternate" href="./events/lost/"/></entry>
        </feed>
        """,
    )
    write(
        site / "sitemap.xml",
        """        <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
          <url><loc>
            ./years/&#49;999/</loc></url>
        </urlset>
        """,
    )
    broken = check_links(site, shown="out")
    assert broken == [
        "out/feed.xml:2:38: error: broken link to ./events/lost/ (no file "
        "events/lost/index.html in the output: link to a page the site has)",
        "out/index.html:3:36: error: broken link to paper.png (no file paper.png in the "
        "output: correct the address, or add the file to the theme's static/ folder)",
        "out/index.html:5:42: error: broken link to gone/?a=1&b=2 (no file gone/index.html "
        "in the output: link to a page the site has; the page has it 3 times, this is the "
        "first)",
        "out/index.html:6:29: error: broken link to wide.png (no file wide.png in the output: "
        "correct the address, or add the file to the theme's static/ folder)",
        "out/index.html:6:46: error: broken link to narrow.png (no file narrow.png in the "
        "output: correct the address, or add the file to the theme's static/ folder)",
        "out/index.html:7:54: error: broken link to quoted/ (no file quoted/index.html in "
        "the output: link to a page the site has)",
        "out/index.html:7:82: error: broken link to bare/ (no file bare/index.html in the "
        "output: link to a page the site has)",
        "out/index.html:9:18: error: broken link to lost/ (no file lost/index.html in the "
        "output: link to a page the site has)",
        "out/sitemap.xml:3:5: error: broken link to ./years/1999/ (no file "
        "years/1999/index.html in the output: link to a page the site has)",
    ]
    written = {
        "gone/?a=1&b=2": "gone/?a=1&amp;b=2",
        "lost/": "&#108;ost/",
        "./years/1999/": "./years/&#49;999/",
    }
    _assert_written_at_their_places(tmp_path, broken, written)


def test_base_url_is_read_from_the_home_page(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(
        site / "index.html",
        '<link rel="canonical" href="https://example.org/tl/">'
        '<a href="/tl/a/">in</a> <a href="/other/">out</a> '
        '<a href="https://example.org/tl/missing/">absolute</a>',
    )
    _page(site, "a/index.html", "")
    broken = check_links(site)
    assert broken == [
        "index.html:1:87: error: broken link to /other/ (outside the site's base path /tl/: "
        "write it relative to the page (url() in a template))",
        "index.html:1:113: error: broken link to https://example.org/tl/missing/ "
        "(no file missing/index.html in the output: link to a page the site has)",
    ]
    _assert_written_at_their_places(site, broken, {})


def test_fingerprinted_names_break_hard_coded_links(project: Path) -> None:
    """A template that skips asset() points at a name that fingerprinting replaced: caught,
    and the message names the published file and the helper that links it."""
    hard_coded = '<link rel="stylesheet" href="{{ url(\'static/style.css\') }}">'
    _override_template(project, "404.html", "{% block main %}", hard_coded)
    site = _build(project, "--base-url", "https://example.org/")
    published = next((site / "static").glob("style.*.css")).name
    broken = check_links(site)
    assert len(broken) == 1
    assert broken[0].startswith("404.html:")
    assert broken[0].endswith(
        ": error: broken link to /static/style.css (no file static/style.css in the output: "
        f"the build publishes it as static/{published}: link it with asset('style.css'))"
    )
    _assert_written_at_their_places(site, broken, {})


def test_a_large_site_is_read_in_several_processes_with_the_same_verdicts(tmp_path: Path) -> None:
    """Past a few hundred files the check forks processes that read and resolve the pages;
    what needs the whole site (a fragment of a page another process read) is settled after."""
    site = tmp_path / "site"
    _page(site, "index.html", '<a id="top-list" href="#top-list">self</a>')
    broken = []
    for n in range(600):
        body = (
            f'<p id="p{n}">Item {n}</p>'
            '<a href="../../index.html#top-list">list</a>'  # another process's page: fine
            f'<a href="../e{(n + 1) % 600}/#p{(n + 1) % 600}">next</a>'  # fine
            f'<a href="../e{(n + 7) % 600}/#q">wrong id</a>'
            '<a href="../../static/gone.css">gone</a>'  # one place, broken on every page
            '<a href="https://example.org/elsewhere">external</a>'
        )
        _page(site, f"events/e{n}/index.html", body)
        broken += [
            [
                f"events/e{n}/index.html",
                f"../e{(n + 7) % 600}/#q",
                f"no id 'q' in events/e{(n + 7) % 600}/index.html",
            ],
            [
                f"events/e{n}/index.html",
                "../../static/gone.css",
                "no file static/gone.css in the output",
            ],
        ]
    # In a process of its own: a process with other threads (a test session's) never forks.
    script = (
        "import json, sys\n"
        "from builder.links import LinkCheck\n"
        "with LinkCheck(sys.argv[1], jobs=2) as check:\n"
        "    broken = [[b.rel, b.href, b.why] for b in check.broken()]\n"
        "    print(json.dumps([check._pool is not None, broken]))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    run = subprocess.run(
        [sys.executable, "-c", script, str(site)], capture_output=True, text=True, env=env
    )
    assert run.returncode == 0, run.stderr
    forked, in_processes = json.loads(run.stdout)
    assert forked  # the processes' path, not the single process's
    assert in_processes == sorted(broken)
    with LinkCheck(site, jobs=1) as check:
        assert [[b.rel, b.href, b.why] for b in check.broken()] == in_processes


def test_a_file_that_cannot_be_read_is_reported_not_raised(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _page(site, "index.html", '<a href="a/">a</a>')
    _page(site, "a/index.html", "")
    _page(site, "b/index.html", "")
    with LinkCheck(site, jobs=1) as check:  # lists the files now, reads them when asked
        (site / "b" / "index.html").unlink()
        broken = check.broken()
    assert broken == [BrokenLink("b/index.html", "", "cannot read it (No such file or directory)")]
    assert [item.format() for item in link_diagnostics(site, broken, "site")] == [
        "site/b/index.html:1:1: error: cannot read it (No such file or directory): make the "
        "file readable, or build the site again"
    ]
