"""Untrusted text never becomes markup, a dangerous link, or a path outside the output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_timeline, write
from markupsafe import escape

from builder.write import plain_relative, safe_relative

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_xss_payloads_in_every_text_field_come_out_escaped(project: Path) -> None:
    write(
        project / "content/site.yaml",
        f"""\
        title: '{XSS}'
        description: '{XSS}'
        categories:
          attack: '{XSS}'
        """,
    )
    write(
        project / "content/articles/evil.md",
        f"""\
        ---
        title: '{XSS}'
        date: 2023-01-01
        author: '{XSS}'
        publisher: '{XSS}'
        url: https://evil.example/"onmouseover="alert(1)
        tags: ['{XSS}', '{XSS} alone']
        ---
        {XSS}

        [click](javascript:alert(1)) [data](data:text/html,hi) <a href="javascript:x">raw</a>
        """,
    )
    write(
        project / "content/events/2023.yaml",
        f"""\
        - date: 2023-01-02
          title: '{XSS}'
          summary: '{XSS} [bad](javascript:alert(1)) [ok](https://ok.example/)'
          actors: ['{XSS}']
          tags: ['{XSS}']
          category: attack
          location: '{XSS}'
          sources:
            - article: evil
            - url: https://src.example/
              title: '{XSS}'
              publisher: '{XSS}'
        """,
    )
    (project / "content/events/takeover.yaml").unlink()
    result = run_timeline("build", str(project))
    assert result.code == 0, result.err
    pages = [p for p in (project / "site").rglob("*") if p.suffix in (".html", ".xml")]
    assert len(pages) > 10
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert '<script>alert("x")' not in text, page  # the theme's own scripts may be inline
        assert "<img" not in text, page
        assert 'href="javascript:' not in text.lower(), page
        assert 'href="data:' not in text.lower(), page
        assert '"onmouseover="' not in text, page
    index = (project / "site/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in index
    # the article's tags: the one an event shares links to its page, the other is text
    article = (project / "site/articles/evil/index.html").read_text(encoding="utf-8")
    assert f'<span dir="auto">{escape(XSS)} alone</span>' in article
    assert f'dir="auto">{escape(XSS)}</a>' in article
    assert 'href="https://ok.example/"' in index
    data = json.loads((project / "site/events.json").read_text(encoding="utf-8"))
    assert data["events"][0]["title"] == XSS  # data exports keep the text, as data


def test_markdown_links_are_only_http_s_or_relative(project: Path) -> None:
    """The contract allows http(s) and relative links from content, nothing else: a
    mailto: link (written out, as an autolink or an e-mail autolink) stays text, in
    summaries and article bodies alike, while the other links keep working."""
    mail = "[mail](mailto:a@example.org) <mailto:b@example.org> <c@example.org>"
    write(
        project / "content/events/mail.yaml",
        f"""\
        id: mail
        date: 2023-01-02
        title: Mail
        summary: '{mail} [ok](https://ok.example/) [here](../../about/)'
        sources: [{{article: mailed}}]
        """,
    )
    write(
        project / "content/articles/mailed.md",
        f"---\ntitle: Mailed\ndate: 2023-01-01\n---\n{mail} [ok](https://ok.example/)\n",
    )
    result = run_timeline("build", str(project))
    assert result.code == 0, result.err
    site = project / "site"
    for page in (site / "events/mail/index.html", site / "articles/mailed/index.html"):
        text = page.read_text(encoding="utf-8")
        assert "[mail](mailto:a@example.org)" in text  # shown as written, not as a link
        assert 'href="https://ok.example/"' in text
    assert 'href="../../about/"' in (site / "events/mail/index.html").read_text(encoding="utf-8")
    for page in site.rglob("*"):
        if page.suffix in (".html", ".xml"):
            assert 'href="mailto:' not in page.read_text(encoding="utf-8").lower(), page


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/\rUser-agent: x\r/",
        "https://evil.example/\nDisallow: /",
        "https://a.example/\tx",
        "https://a\t.example/",
        "https://a.example/ x",
        "https://a.example/\x00x",
        "https://a.example/\x7fx",
        "https://a.example/\x85x",
        "https://a.example/\u2028x",
        "https://a.example/\u00a0x",
        "https://[::1/",
    ],
)
def test_addresses_with_whitespace_or_control_characters_are_refused(url: str) -> None:
    """`urlsplit` drops tabs, CRs and LFs before looking at an address: the address must
    be refused as written, by both checks (a line break in base_url went into robots.txt)."""
    from builder.text import is_safe_url, is_web_url

    assert not is_web_url(url)
    assert not is_safe_url(url)
    # base_url is used as written: not even its ends may hold whitespace.
    assert not is_web_url(" https://a.example/") and not is_web_url("https://a.example/\n")
    assert is_web_url("https://a.example/") and is_safe_url("https://a.example/a?b#c")


def test_traversal_ids_and_file_names_write_nothing_outside(project: Path, tmp_path: Path) -> None:
    write(
        project / "content/events/trav.yaml",
        """\
        - id: ../../../escaped
          date: 2023
          title: Traversal
        - date: 2023
          title: ../../../../escaped-too
          sources: [{url: "https://x.example/"}]
        """,
    )
    write(
        project / "content/articles/..%2f..%2fescape.md",
        "---\ntitle: T\ndate: 2023\n---\nbody\n",
    )
    result = run_timeline("build", str(project))
    assert result.code == 1
    assert "content/events/trav.yaml:1:7: error: id '../../../escaped'" in result.err
    assert not list(tmp_path.rglob("escaped*"))
    # fix the bad id: the title-derived id is a safe slug, the odd file name is refused
    write(
        project / "content/events/trav.yaml",
        """\
        - date: 2023
          title: ../../../../escaped-too
          sources: [{url: "https://x.example/"}]
        """,
    )
    (project / "content/articles/..%2f..%2fescape.md").unlink()
    assert run_timeline("build", str(project)).code == 0
    assert (project / "site/events/2023-escaped-too/index.html").is_file()
    outside = [p for p in tmp_path.rglob("*") if "escaped" in p.name and "site" not in p.parts]
    assert outside == []


def test_python_tags_are_content_errors(project: Path) -> None:
    marker = project.parent / "pwned"
    write(
        project / "content/events/tag.yaml",
        f"""\
        date: 2023
        title: !!python/object/apply:os.system ["touch {marker}"]
        """,
    )
    result = run_timeline("check", str(project))
    assert result.code == 1
    assert "content/events/tag.yaml:2:8: error: the YAML tag" in result.err
    assert not marker.exists()


def test_alias_bomb_fails_fast(project: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    write(project / "content/events/bomb.yaml", "\n".join(lines) + "\n")
    result = run_timeline("check", str(project), timeout=30)
    assert result.code == 1
    assert "content/events/bomb.yaml" in result.err and "alias bomb" in result.err


def test_symlink_out_of_project_is_not_followed(project: Path, tmp_path: Path) -> None:
    secret = write(tmp_path / "secret.md", "---\ntitle: Secret\ndate: 2020\n---\nsecret text\n")
    (project / "content/articles/link.md").symlink_to(secret)
    result = run_timeline("build", str(project))
    assert result.code == 0, result.err
    assert "content/articles/link.md:1:1: warning: this symbolic link leads outside" in result.err
    assert not (project / "site/articles/link").exists()
    all_text = "".join(p.read_text("utf-8") for p in (project / "site").rglob("*.html"))
    assert "secret text" not in all_text


def test_theme_static_link_out_of_the_theme_is_not_published(project: Path, tmp_path: Path) -> None:
    secret = write(tmp_path / "private.txt", "private bytes\n")
    static = project / "themes" / "default" / "static"
    static.mkdir(parents=True)
    (static / "leak.txt").symlink_to(secret)
    result = run_timeline("build", str(project))
    assert result.code == 0, result.err
    assert (
        "themes/default/static/leak.txt:1:1: warning: this static file is a symbolic link "
        "leading outside its theme folder, and was not published"
    ) in result.err
    published = [p for p in (project / "site").rglob("*") if p.is_file()]
    assert not any("leak" in p.name for p in published)
    assert all(b"private bytes" not in p.read_bytes() for p in published)


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


#: What a project template linked outside its theme is told, whatever the link's name.
TEMPLATE_OUTSIDE = (
    "error: template {} is a symbolic link leading outside its theme folder, and was not read:"
    " copy what it points to into the theme to use it"
)


def test_a_theme_template_linked_out_of_the_theme_is_refused(project: Path, tmp_path: Path) -> None:
    """A project's template may override a shipped one by name; as a link it could render
    any file on the machine into the site (a template need only be text). It is refused at
    the link's own path, like a static file leading out of the theme, whether the link is
    the template or a folder it sits in; a link staying inside the theme is followed."""
    secret = write(tmp_path / "private.html", "private bytes {{ 6 * 7 }}\n")
    templates = project / "themes" / "default" / "templates"
    templates.mkdir(parents=True)
    assert run_timeline("build", str(project)).code == 0
    before = _files(project / "site")
    failed = ["1 error, 0 warnings", "build failed: the previous site was left as it was"]

    (templates / "404.html").symlink_to(secret)
    result = run_timeline("build", str(project))
    assert result.code == 1, result.err
    where = "themes/default/templates/404.html:1:1"
    assert result.err.splitlines() == [f"{where}: {TEMPLATE_OUTSIDE.format('404.html')}", *failed]
    (templates / "404.html").unlink()

    # A linked folder is not entered by the up-to-date check, but adding one is a change.
    (templates / "partials").symlink_to(tmp_path / "partials", target_is_directory=True)
    write(tmp_path / "partials" / "footer.html", "private bytes {{ 6 * 7 }}\n")
    result = run_timeline("build", str(project))
    assert result.code == 1, result.err
    where = "themes/default/templates/partials/footer.html:1:1"
    message = TEMPLATE_OUTSIDE.format("partials/footer.html")
    assert result.err.splitlines() == [f"{where}: {message}", *failed]
    assert _files(project / "site") == before
    (templates / "partials").unlink()

    write(project / "themes" / "default" / "own-404.html", secret.read_text(encoding="utf-8"))
    (templates / "404.html").symlink_to("../own-404.html")
    result = run_timeline("build", str(project))
    assert result.code == 0, result.err
    assert (project / "site" / "404.html").read_text(encoding="utf-8") == "private bytes 42\n"


@pytest.mark.parametrize(
    "path",
    [
        "a/b.html",
        "index.html",
        "a//b",
        "./a",
        "a/./b",
        "a/",
        "/abs",
        "../x",
        "a/../b",
        "a\\b",
        "a\0b",
        "",
        "events/x/index.html",
        "..",
        ".",
    ],
)
def test_the_writers_quick_path_check_agrees_with_the_full_one(path: str) -> None:
    """`plain_relative` skips making a path object for plain paths: it must accept, refuse
    and normalise exactly as `safe_relative` does."""
    try:
        expected = safe_relative(path).as_posix()
    except ValueError:
        with pytest.raises(ValueError):
            plain_relative(path)
    else:
        assert plain_relative(path) == expected


@pytest.mark.parametrize("text", [XSS, 'it\'s "quoted" & <b>', "plain", "", "é\u2028<"])
def test_templates_escape_text_as_markupsafe_does_with_or_without_its_speedups(text: str):
    """Compiled templates escape each `{{ … }}` with `theme.escaped`: MarkupSafe's escaping
    without its `Markup` wrapper, or, where MarkupSafe does not offer that, its plain form."""
    from markupsafe import Markup, escape

    from builder.theme import _escape_text, _escaped_text, escaped

    assert escaped(text) == _escape_text(text) == _escaped_text(text) == str(escape(text))
    assert escaped(Markup(text)) == Markup(text)


RAW_HTML = [
    XSS,
    "<div onclick=alert(1)>\n*block*\n</div>",
    "text <b>bold</b> <!-- comment --> <![CDATA[x]]> <?php x ?> <!DOCTYPE html>",
    "<https://example.org/a> <mailto:a@example.org> <javascript:alert(1)>",
    "a line\n<pre>\n  kept?\n</pre>\nafter",
    "> quoted <span>x</span>\n\n- item <i>one</i>\n- <br/>",
    "| a | <b>b</b> |\n| - | - |\n| <x> | y |",
    'Footnote[^1] and "quotes" -- (c)\n\n[^1]: <em>raw</em> note',
]


@pytest.mark.parametrize("source", RAW_HTML)
def test_raw_html_reads_as_text_exactly_as_with_the_html_rules_asked(source: str) -> None:
    """The renderer leaves out markdown-it's two raw-HTML rules, which with raw HTML off only
    ever decline: what it makes of any text is what the full rule set makes of it."""
    from builder import text

    full = text.full_markdown_renderer()
    assert "html_block" in full.get_active_rules()["block"]
    ours = text.markdown_renderer()
    assert "html_block" not in ours.get_active_rules()["block"]
    assert ours.render(source) == full.render(source)
    assert ours.renderInline(source) == full.renderInline(source)
    assert "<b>" not in ours.render(source) and "<div" not in ours.render(source)


LINK_TARGETS = [
    "https://example.org/a/b?c=d&e=f#g",
    "HTTP://Example.ORG:8080/x",
    "http://user:pw@host.example/x",
    "//protocol.relative/x",
    "///three",
    "/local/page/",
    "/a:b@c",
    "?q=1",
    "#frag",
    "relative/path",
    "http://a.example/x y",
    "http://a.example/%zz",
    "http://a.example/%41%",
    "http://a.example/ü",
    "http://bücher.example/",
    "http://a.example/<x>",
    "http://[::1]:80/",
    "http://@host/",
    "http://a.example:99999/",
    "javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    "data:text/html,hi",
    "mailto:a@example.org",
    "http:/one-slash",
    "http://-dash.example/",
    "http://a.example/\\back",
]


@pytest.mark.parametrize("target", LINK_TARGETS)
def test_link_targets_come_out_as_markdown_it_normalises_and_we_validate_them(target: str):
    """The renderer passes plain link targets through without markdown-it's normalisation
    and accepts them without `is_safe_url`: every target, plain or not, still comes out as
    the full renderer (markdown-it's `normalizeLink`, our `is_safe_url`) makes it."""
    from builder import text

    full = text.full_markdown_renderer()
    ours = text.markdown_renderer()
    forms = ("[link]({})", "[link](<{}>)", "<{}>", "[ref]\n\n[ref]: {}")
    for source in (form.format(target) for form in forms):
        assert ours.render(source) == full.render(source), source
    assert 'href="javascript' not in ours.render(f"[x]({target})").lower()


def test_tags_are_stripped_as_markupsafe_strips_them() -> None:
    """`text.striptags` (page descriptions) gives MarkupSafe's `striptags` for any text:
    rendered Markdown of every kind, and random runs of tag and entity pieces."""
    import random

    from markupsafe import Markup

    from builder import text

    samples = [
        text.render_markdown(source)
        for source in (
            "A *summary* with [a link](https://a.example/x?y=1&z=2) & more\n\nSecond  para.",
            "Footnote[^1] and `code <b>`.\n\n[^1]: The note, with &amp; and &copy;.",
            "| a | b |\n| - | - |\n| 1 | <2> |\n\n```\n<!-- not a comment -->\n```",
            '"Quotes" -- dashes... (c) and <script>alert(1)</script>',
        )
    ]
    pieces = ["<", ">", "<!--", "-->", "<p>", "</p>", "&amp;", "&lt;", "&#39;", "&", "a", " "]
    pieces += ["\n", "\t", "b c", "<a href='x>y'>", "-", "!", "&nbsp;", "é"]
    chance = random.Random(7)
    samples += ["".join(chance.choices(pieces, k=chance.randint(0, 30))) for _ in range(20000)]
    for sample in samples:
        assert text.striptags(sample) == Markup(sample).striptags(), sample
