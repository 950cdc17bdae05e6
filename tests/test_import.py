"""`timeline import`: clippings become content/articles/NAME.md with exact, YAML-safe fields."""

from __future__ import annotations

import datetime
import html
import re
from pathlib import Path

import pytest
import yaml
from conftest import timeline, write
from markdown_it import MarkdownIt

from builder.clipping import parse_clipping
from builder.importer import article_markdown, article_name, escape_markdown, run_import

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "clippings"
SEED = FIXTURES / "seed-khaama.txt"
SEED_NAME = "putin-expresses-support-for-tajikistan-amid-growing-threats-from-afghanistan"
OCT_13 = datetime.date(2023, 10, 13)


def front_matter(path: Path) -> tuple[dict, str]:
    """(front matter, body) of an article file."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    head, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(head), body


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "content" / "articles").mkdir(parents=True)
    return root


def articles(project: Path) -> list[str]:
    return sorted(p.name for p in (project / "content" / "articles").iterdir())


def test_import_seed_end_to_end(project: Path) -> None:
    result = timeline("import", SEED, "--into", project, cwd=project.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"imported {SEED} -> content/articles/{SEED_NAME}.md\n"
    assert result.stderr == ""
    meta, body = front_matter(project / "content" / "articles" / f"{SEED_NAME}.md")
    assert meta == {
        "title": "Putin expresses support for Tajikistan amid growing threats from Afghanistan",
        "date": OCT_13,
        "author": "Fidel Rahmati",
        "publisher": "The Khaama Press Online",
        "url": f"https://www.khaama.com/{SEED_NAME}/",
    }
    paragraphs = body.strip().split("\n\n")
    assert paragraphs == parse_clipping(SEED.read_text(encoding="utf-8")).paragraphs


VARIANTS = [
    (
        "two-authors-abbrev-month.txt",
        "border-patrols-reinforced-after-meeting",
        {
            "title": "Border patrols reinforced after meeting",
            "date": OCT_13,
            "author": ["Nadia Karimova", "Timur Saidov"],
            "publisher": "The Steppe Courier",
            "url": "https://steppe-courier.example/news/2023/10/13/"
            "border-patrols-reinforced-after-meeting-48213.html",
        },
    ),
    (
        "three-authors.txt",
        "summit-in-bishkek-draws-regional-leaders",
        {
            "title": "Summit in Bishkek draws regional leaders",
            "date": OCT_13,
            "author": ["Nadia Karimova", "Timur Saidov", "Laila Hakimi"],
            "publisher": "Pamir Daily",
            "url": "https://pamir-daily.example/summit-in-bishkek-draws-regional-leaders/",
        },
    ),
    (
        "oxford-comma.txt",
        "serial-comma-story",
        {
            "title": "Serial comma story",
            "date": OCT_13,
            "author": ["Nadia Karimova", "Timur Saidov", "Laila Hakimi"],
            "publisher": "Pamir Daily",
            "url": "https://pamir-daily.example/serial-comma-story",
        },
    ),
    (
        "day-first.txt",
        "day-first-dates-are-common",
        {
            "title": "Day first dates are common",
            "date": OCT_13,
            "author": "Bakhtiyor Rustamov",
            "publisher": "The Steppe Courier",
            "url": "https://steppe-courier.example/day-first-dates-are-common/",
        },
    ),
    (
        "sept-abbrev.txt",
        "new-talks-on-water-sharing",
        {
            "title": "New talks on water sharing",
            "date": datetime.date(2023, 9, 5),
            "author": "Laila Hakimi",
            "publisher": "Pamir Daily",
            "url": "https://pamir-daily.example/new-talks-on-water-sharing/",
        },
    ),
    (
        "iso-date.txt",
        "iso-dates-in-feeds",
        {
            "title": "ISO dates in feeds",
            "date": OCT_13,
            "author": "Timur Saidov",
            "publisher": "Kabul Ledger",
            "url": "https://kabul-ledger.example/iso-dates-in-feeds",
        },
    ),
    (
        "publisher-comma.txt",
        "publisher-with-a-comma",
        {
            "title": "Publisher with a comma",
            "date": OCT_13,
            "author": "Farida Usmonova",
            "publisher": "Steppe News Service, Inc.",
            "url": "https://steppe-news.example/a/publisher-with-a-comma/",
        },
    ),
    (
        "weekday-in-byline.txt",
        "weekday-before-the-date",
        {
            "title": "Weekday before the date",
            "date": OCT_13,
            "author": "Timur Saidov",
            "publisher": "Kabul Ledger",
            "url": "https://kabul-ledger.example/weekday-before-the-date/",
        },
    ),
    (
        "title-line.txt",
        "border-talks-resume",
        {
            "title": "Tajikistan: Border Talks Resume in Dushanbe",
            "date": datetime.date(2023, 10, 12),
            "author": "Nadia Karimova",
            "publisher": "The Steppe Courier",
            "url": "https://steppe-courier.example/border-talks-resume/",
        },
    ),
    (
        "curly-quotes.txt",
        "watching-the-border-closely",
        {
            "title": "Watching the border closely",
            "date": OCT_13,
            "author": ["Sa’id O’Rourke", "Zarmina “Zari” Ahmadi"],
            "publisher": "The Steppe Courier",
            "url": "https://steppe-courier.example/watching-the-border-closely/",
        },
    ),
    (
        "blank-lines.txt",
        "blank-lines-between-paragraphs",
        {
            "title": "Blank lines between paragraphs",
            "date": OCT_13,
            "author": "Laila Hakimi",
            "publisher": "Pamir Daily",
            "url": "https://pamir-daily.example/blank-lines-between-paragraphs/",
        },
    ),
]


@pytest.mark.parametrize(("fixture", "name", "expected"), VARIANTS)
def test_import_byline_variants(project: Path, fixture: str, name: str, expected: dict) -> None:
    status = run_import([FIXTURES / fixture], project, force=False)
    assert status == 0
    assert articles(project) == [f"{name}.md"]
    meta, _ = front_matter(project / "content" / "articles" / f"{name}.md")
    assert meta == expected


def test_import_many_in_one_process(project: Path) -> None:
    paths = [FIXTURES / fixture for fixture, _, _ in VARIANTS]
    result = timeline("import", *paths, "--into", project, cwd=project.parent)
    assert result.returncode == 0, result.stderr
    assert articles(project) == sorted(f"{name}.md" for _, name, _ in VARIANTS)
    assert len(result.stdout.splitlines()) == len(VARIANTS)


def test_never_overwrites_without_force(project: Path) -> None:
    for _ in range(3):
        assert timeline("import", SEED, "--into", project, cwd=project).returncode == 0
    assert articles(project) == [f"{SEED_NAME}-2.md", f"{SEED_NAME}-3.md", f"{SEED_NAME}.md"]


def test_a_story_imported_twice_is_a_warning_at_the_second_copy(project: Path) -> None:
    """`import` never overwrites, so importing a clipping again makes a second article of
    the same story: `check` names both, at the second copy's url."""
    write(project / "content" / "site.yaml", "title: T\n")
    for _ in range(2):
        assert timeline("import", SEED, "--into", project, cwd=project).returncode == 0
    second = f"content/articles/{SEED_NAME}-2.md"
    line = (
        (project / second)
        .read_text(encoding="utf-8")
        .splitlines()
        .index(f"url: https://www.khaama.com/{SEED_NAME}/")
    )
    result = timeline("check", project, cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"{second}:{line + 1}:6: warning: content/articles/{SEED_NAME}.md has the same url: "
        "one story imported twice? Keep one, and cite it from the events citing the other",
        "0 errors, 1 warning",
    ]


def test_existing_file_is_kept_and_next_number_used(project: Path) -> None:
    existing = project / "content" / "articles" / f"{SEED_NAME}.md"
    existing.write_text("---\ntitle: Mine\n---\nhand edits\n", encoding="utf-8")
    result = timeline("import", SEED, "--into", project, cwd=project)
    assert result.returncode == 0
    assert f"-> content/articles/{SEED_NAME}-2.md" in result.stdout
    assert existing.read_text(encoding="utf-8") == "---\ntitle: Mine\n---\nhand edits\n"


def test_a_clipping_with_the_same_id_blocks_the_name(project: Path) -> None:
    other = project / "content" / "articles" / f"{SEED_NAME}.txt"
    other.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    assert run_import([SEED], project, force=True) == 0
    assert articles(project) == [f"{SEED_NAME}-2.md", f"{SEED_NAME}.txt"]


def test_force_overwrites(project: Path) -> None:
    existing = project / "content" / "articles" / f"{SEED_NAME}.md"
    existing.write_text("---\ntitle: Mine\n---\n", encoding="utf-8")
    result = timeline("import", SEED, "--into", project, "--force", cwd=project)
    assert result.returncode == 0, result.stderr
    assert articles(project) == [f"{SEED_NAME}.md"]
    meta, _ = front_matter(existing)
    assert meta["title"].startswith("Putin expresses support")


def test_force_does_not_overwrite_what_the_same_run_wrote(project: Path) -> None:
    assert run_import([SEED, SEED], project, force=True) == 0
    assert articles(project) == [f"{SEED_NAME}-2.md", f"{SEED_NAME}.md"]


def test_crlf_and_bom(project: Path, tmp_path: Path) -> None:
    windows = tmp_path / "windows.txt"
    windows.write_bytes(b"\xef\xbb\xbf" + SEED.read_bytes().replace(b"\n", b"\r\n"))
    result = timeline("import", windows, "--into", project, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = project / "content" / "articles" / f"{SEED_NAME}.md"
    assert b"\r" not in written.read_bytes()
    assert not written.read_bytes().startswith(b"\xef\xbb\xbf")
    meta, body = front_matter(written)
    assert meta["date"] == OCT_13 and meta["author"] == "Fidel Rahmati"
    assert meta["url"] == f"https://www.khaama.com/{SEED_NAME}/"
    assert body.strip().split("\n\n")[0].startswith("On Friday, the President of Russia")


def test_bad_byline_exits_1_and_writes_nothing(project: Path) -> None:
    bad = FIXTURES / "bad-byline.txt"
    result = timeline("import", SEED, bad, "--into", project, cwd=project.parent)
    assert result.returncode == 1
    assert f"{bad}:1:1: error: " in result.stderr
    assert "By Fidel Rahmati in The Khaama Press Online, October 13, 2023" in result.stderr
    assert "1 error" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert articles(project) == []  # not even the good clipping


def test_javascript_url_is_refused(project: Path) -> None:
    bad = FIXTURES / "javascript-url.txt"
    result = timeline("import", bad, "--into", project, cwd=project.parent)
    assert result.returncode == 1
    assert f"{bad}:3:1: error: the source URL must start with https://" in result.stderr
    assert articles(project) == []


def test_not_utf8_is_a_positioned_error(project: Path, tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("By Ann in The Post, October 13, 2023\nCaf\xe9 text\n".encode("latin-1"))
    result = timeline("import", latin1, "--into", project, cwd=tmp_path)
    assert result.returncode == 1
    assert f"{latin1}:2:4: error: " in result.stderr and "UTF-8" in result.stderr


def test_missing_url_warns_and_names_from_title(project: Path) -> None:
    clipping = FIXTURES / "no-url.txt"
    result = timeline("import", clipping, "--into", project, cwd=project.parent)
    assert result.returncode == 0
    assert (
        f"{clipping}:2:1: warning: no source URL on the last line: "
        "add the story's https:// address" in result.stderr
    )
    name = "this-clipping-lost-its-source-link-on-the-way.md"
    assert articles(project) == [name]
    meta, _ = front_matter(project / "content" / "articles" / name)
    assert "url" not in meta
    assert meta["title"] == "This clipping lost its source link on the way"


def test_missing_clipping_is_a_usage_error(project: Path) -> None:
    result = timeline("import", SEED, "nope.txt", "--into", project, cwd=project.parent)
    assert result.returncode == 2
    assert "nope.txt does not exist" in result.stderr
    assert articles(project) == []


def test_missing_project_is_a_usage_error(tmp_path: Path) -> None:
    result = timeline("import", SEED, "--into", tmp_path / "nowhere", cwd=tmp_path)
    assert result.returncode == 2


def test_clipping_inside_articles_is_converted_in_place_and_stays_cited(project: Path) -> None:
    """Events cite an article by its name: converting content/articles/X.txt must give
    X.md, not a file named after the URL, or every citation of X would break."""
    write(project / "content" / "site.yaml", "title: T\n")
    inside = project / "content" / "articles" / "khaama-2023.txt"
    inside.write_bytes(SEED.read_bytes())
    write(
        project / "content" / "events" / "e.yaml",
        """
        date: 2023-10-13
        title: Putin backs Tajikistan
        sources: [{article: khaama-2023}]
        """,
    )
    result = timeline("import", inside, "--into", project, cwd=project)
    assert result.returncode == 0, result.stderr
    assert articles(project) == ["khaama-2023.md"]
    assert "converted" in result.stdout and "khaama-2023.md" in result.stdout
    meta, body = front_matter(project / "content" / "articles" / "khaama-2023.md")
    assert meta["date"] == OCT_13 and "Tajikistan" in body

    built = timeline("build", project, "--strict", cwd=project)
    assert built.returncode == 0, built.stderr
    page = project / "site" / "events" / "2023-10-13-putin-backs-tajikistan" / "index.html"
    assert 'href="../../articles/khaama-2023/"' in page.read_text(encoding="utf-8")


def test_converting_in_place_never_overwrites_an_article_of_the_same_id(project: Path) -> None:
    inside = project / "content" / "articles" / "khaama-2023.txt"
    inside.write_bytes(SEED.read_bytes())
    mine = write(project / "content" / "articles" / "khaama-2023.md", "---\ntitle: Mine\n---\n")
    before = mine.read_bytes()
    result = timeline("import", inside, "--into", project, cwd=project)
    assert result.returncode == 1
    assert "khaama-2023.md already has this clipping's id" in result.stderr
    assert "Traceback" not in result.stderr
    assert mine.read_bytes() == before and inside.exists()

    forced = timeline("import", inside, "--into", project, "--force", cwd=project)
    assert forced.returncode == 0, forced.stderr
    assert articles(project) == ["khaama-2023.md"]
    assert front_matter(mine)[0]["title"] != "Mine"


def test_yaml_sensitive_title_and_names_round_trip(project: Path, tmp_path: Path) -> None:
    tricky = tmp_path / "tricky.txt"
    tricky.write_text(
        "Breaking: “Yes” or 'no'? #1 - a [test] & more: @here\n"
        "By Ann O’Neil and Bob “Bobby” Ray in News: The Daily, Inc., 2023-10-13\n"
        "# not a heading\n"
        "1. not a list\n"
        "- not a bullet either\n"
        "> not a quote\n"
        "A *star* and `code` and [link](https://evil.example) and <b>tag</b> &amp; text.\n"
        "https://news.example/../../etc/passwd\n",
        encoding="utf-8",
    )
    assert run_import([tricky], project, force=False) == 0
    (name,) = articles(project)
    assert name == "breaking-yes-or-no-1-a-test-more-here.md"  # the slug is too short: title
    meta, body = front_matter(project / "content" / "articles" / name)
    assert meta["title"] == "Breaking: “Yes” or 'no'? #1 - a [test] & more: @here"
    assert meta["author"] == ["Ann O’Neil", "Bob “Bobby” Ray"]
    assert meta["publisher"] == "News: The Daily, Inc."
    rendered = MarkdownIt("commonmark").render(body)
    assert "<h1>" not in rendered and "<ol>" not in rendered and "<ul>" not in rendered
    assert "<blockquote>" not in rendered and "<em>" not in rendered and "<a " not in rendered
    assert "<code>" not in rendered and "<b>" not in rendered


@pytest.mark.parametrize(
    "text",
    [
        "# 1 fan",
        "1. Top story",
        "2023) was a year",
        "- item",
        "+ item",
        "* item",
        "> quote",
        "---",
        "- - -",
        "***",
        "```code",
        "~~~",
        "a *b* c and 3 * 4",
        "snake_case and _under_ x",
        "see [this](https://x.example) and [^1] or [a]: b",
        "<b>bold</b> & &amp; <https://x.example>",
        "~~gone~~",
        "back\\slash \\* and C:\\Users",
        "`code`",
    ],
)
def test_escaped_paragraph_renders_as_its_own_text(text: str) -> None:
    md = MarkdownIt("commonmark").enable("strikethrough")
    rendered = md.render(escape_markdown(text))
    assert rendered.startswith("<p>") and rendered.endswith("</p>\n")
    inner = rendered[3:-5]
    assert "<" not in inner.replace("&lt;", "")
    assert html.unescape(inner) == text


def test_plain_text_is_not_escaped() -> None:
    text = "He said, “It’s complex.” Costs rose 5% (to $3) - e.g. in U.S. cities; snake_case."
    assert escape_markdown(text) == text


def test_article_name_is_a_safe_slug() -> None:
    clip = parse_clipping(
        "By Ann in The Post, 2023-10-13\nText.\nhttps://x.example/%2E%2E/%2Fetc%2F/Ünïcode-Slug-Ça-va\n"
    )
    assert article_name(clip) == "unicode-slug-ca-va"
    long = parse_clipping(
        "By Ann in The Post, 2023-10-13\nText.\nhttps://x.example/" + "-".join(["word"] * 60) + "\n"
    )
    assert len(article_name(long)) <= 80 and re.fullmatch(r"[a-z0-9-]+", article_name(long))


def test_article_markdown_layout() -> None:
    clip = parse_clipping(SEED.read_text(encoding="utf-8"))
    text = article_markdown(clip)
    assert text.startswith("---\n# The title was drafted")
    assert "\n---\n\nOn Friday, the President" in text
    assert text.endswith("Kazakhstan, and Moldova.\n")
