"""Link checking: every internal href and src of a built site resolves to a file of it,
checked on disk by `timeline check --links` and over real HTTP under a sub-path."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urldefrag, urljoin
from urllib.request import urlopen

from conftest import REPO, run_timeline, write
from sitehttp import serve

from builder.links import LinkCheck, check_links, css_urls, html_links, xml_links


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


def test_check_links_command(project: Path) -> None:
    _build(project)
    ok = run_timeline("check", str(project), "--links")
    assert ok.code == 0, ok.err
    page = project / "site" / "events" / "taliban-takeover" / "index.html"
    html = page.read_text(encoding="utf-8")
    page.write_text(html.replace("</main>", '<a href="../../nowhere/">x</a></main>'), "utf-8")
    bad = run_timeline("check", str(project), "--links")
    assert bad.code == 1
    assert (
        "events/taliban-takeover/index.html: broken link to ../../nowhere/ "
        "(no file nowhere/index.html in the output)" in bad.err
    )
    assert "1 broken link" in bad.err


def test_missing_site_is_reported(project: Path) -> None:
    result = run_timeline("check", str(project), "--links")
    assert result.code == 1
    assert "no built site here" in result.err


def _page(site: Path, rel: str, body: str) -> None:
    write(site / rel, f"<!doctype html><title>t</title><main id='main'>{body}</main>")


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
    assert broken == sorted(
        [
            "a/index.html: broken link to ../#nope (no id 'nope' in index.html)",
            "a/index.html: broken link to ../../outside/ (leads outside the site)",
            "a/index.html: broken link to /a/ (root-relative link breaks when the site is served "
            "from a sub-path)",
            "a/index.html: broken link to bg.png (no file a/bg.png in the output)",
            "a/index.html: broken link to big.png (no file a/big.png in the output)",
            "static/s.css: broken link to ../img/x.png (no file img/x.png in the output)",
        ]
    )


def test_base_url_is_read_from_the_home_page(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(
        site / "index.html",
        '<link rel="canonical" href="https://example.org/tl/">'
        '<a href="/tl/a/">in</a> <a href="/other/">out</a> '
        '<a href="https://example.org/tl/missing/">absolute</a>',
    )
    _page(site, "a/index.html", "")
    assert check_links(site) == [
        "index.html: broken link to /other/ (outside the site's base path /tl/)",
        "index.html: broken link to https://example.org/tl/missing/ "
        "(no file missing/index.html in the output)",
    ]


def test_fingerprinted_names_break_hard_coded_links(project: Path) -> None:
    """A template that skips asset() points at a name that fingerprinting replaced: caught."""
    theme = project / "themes" / "default" / "templates"
    theme.mkdir(parents=True)
    shutil.copy(REPO / "themes" / "default" / "templates" / "404.html", theme / "404.html")
    text = (theme / "404.html").read_text(encoding="utf-8")
    marker = "{% block main %}"
    assert marker in text
    hard_coded = '<link rel="stylesheet" href="{{ url(\'static/style.css\') }}">'
    (theme / "404.html").write_text(text.replace(marker, marker + hard_coded), encoding="utf-8")
    site = _build(project, "--base-url", "https://example.org/")
    assert check_links(site) == [
        "404.html: broken link to /static/style.css (no file static/style.css in the output)"
    ]


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
            f"events/e{n}/index.html: broken link to ../e{(n + 7) % 600}/#q "
            f"(no id 'q' in events/e{(n + 7) % 600}/index.html)",
            f"events/e{n}/index.html: broken link to ../../static/gone.css "
            "(no file static/gone.css in the output)",
        ]
    # In a process of its own: a process with other threads (a test session's) never forks.
    script = (
        "import json, sys\n"
        "from builder.links import LinkCheck\n"
        "with LinkCheck(sys.argv[1], jobs=2) as check:\n"
        "    print(json.dumps([check._pool is not None, check.broken()]))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    run = subprocess.run(
        [sys.executable, "-c", script, str(site)], capture_output=True, text=True, env=env
    )
    assert run.returncode == 0, run.stderr
    forked, in_processes = json.loads(run.stdout)
    assert forked  # the processes' path, not the single process's
    assert in_processes == sorted(broken)
    assert check_links(site, jobs=1) == in_processes


def test_a_file_that_cannot_be_read_is_reported_not_raised(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _page(site, "index.html", '<a href="a/">a</a>')
    _page(site, "a/index.html", "")
    _page(site, "b/index.html", "")
    with LinkCheck(site, jobs=1) as check:  # lists the files now, reads them when asked
        (site / "b" / "index.html").unlink()
        assert check.broken() == ["b/index.html: cannot read it: No such file or directory"]
