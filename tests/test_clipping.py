"""The raw clipping format: the seed must load as it is, and byline variants must not lose data."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from builder.clipping import (
    BYLINE_EXAMPLE,
    parse_byline,
    parse_clipping,
    parse_date,
    proper_words,
    slug_words,
    title_from_url,
)

FIXTURES = Path(__file__).parent / "fixtures" / "clippings"
SEED = FIXTURES / "seed-khaama.txt"
SEED_TITLE = "Putin expresses support for Tajikistan amid growing threats from Afghanistan"
OCT_13 = datetime.date(2023, 10, 13)


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_seed_loads_exactly() -> None:
    clip = parse_clipping(SEED.read_text(encoding="utf-8"))
    assert clip.problems == []
    assert clip.title == SEED_TITLE
    assert clip.title_derived is True
    assert clip.authors == ["Fidel Rahmati"]
    assert clip.publisher == "The Khaama Press Online"
    assert clip.date == OCT_13
    assert clip.url == (
        "https://www.khaama.com/"
        "putin-expresses-support-for-tajikistan-amid-growing-threats-from-afghanistan/"
    )
    assert len(clip.paragraphs) == 11
    assert clip.paragraphs[0].startswith("On Friday, the President of Russia issued a warning")
    assert clip.paragraphs[-1].startswith("Commonwealth of Independent States members are")
    assert clip.body_line == 2
    assert clip.paragraph_lines == list(range(2, 13))


def test_seed_with_crlf_and_bom_reads_the_same() -> None:
    text = SEED.read_text(encoding="utf-8")
    windows = parse_clipping("\ufeff" + text.replace("\n", "\r\n") + "\r\n")
    assert windows == parse_clipping(text)


def test_title_from_url_example() -> None:
    slug = "putin-expresses-support-for-tajikistan-amid-growing-threats-from-afghanistan"
    assert title_from_url(slug) == SEED_TITLE
    assert title_from_url(f"https://www.khaama.com/{slug}/") == SEED_TITLE


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://x.example/news/2023/10/13/foo-bar-12345.html", ["foo", "bar"]),
        (
            "https://x.example/a/b/border-talks-resume/?utm_source=feed#top",
            ["border", "talks", "resume"],
        ),
        ("https://x.example/world/asia-talks-2023/index.html", ["asia", "talks", "2023"]),
        ("https://x.example/story/a1b2c3d4e5-water-sharing-talks", ["water", "sharing", "talks"]),
        ("https://x.example/12345", []),
        ("https://x.example/", []),
    ],
)
def test_slug_words_drop_ids_and_extensions(url: str, words: list[str]) -> None:
    assert slug_words(url) == words


def test_title_keeps_words_the_body_capitalises() -> None:
    words = proper_words(["The talks, held by the CIS in Bishkek, ended. The talks went on."])
    assert "CIS" in words and "Bishkek" in words
    assert "The" not in words  # only ever capitalised at the start of a sentence
    title = title_from_url("https://x.example/cis-talks-in-bishkek-end", proper=words)
    assert title == "CIS talks in Bishkek end"


@pytest.mark.parametrize(
    ("line", "authors", "publisher", "date"),
    [
        (BYLINE_EXAMPLE, ["Fidel Rahmati"], "The Khaama Press Online", OCT_13),
        ("By A. Person and B. Person in P, Oct. 13, 2023", ["A. Person", "B. Person"], "P", OCT_13),
        (
            "By Ann, Bob and Cy in The Post, October 13, 2023",
            ["Ann", "Bob", "Cy"],
            "The Post",
            OCT_13,
        ),
        (
            "By Ann, Bob, and Cy in The Post, October 13, 2023",
            ["Ann", "Bob", "Cy"],
            "The Post",
            OCT_13,
        ),
        ("By Ann & Bob in The Post, October 13, 2023", ["Ann", "Bob"], "The Post", OCT_13),
        ("By Ann in The Post, 13 October 2023", ["Ann"], "The Post", OCT_13),
        ("By Ann in The Post, 13th of October, 2023", ["Ann"], "The Post", OCT_13),
        ("By Ann in The Post, Sept. 5, 2023", ["Ann"], "The Post", datetime.date(2023, 9, 5)),
        ("By Ann in The Post, 2023-10-13", ["Ann"], "The Post", OCT_13),
        ("By Ann in The Post, Friday, October 13, 2023", ["Ann"], "The Post", OCT_13),
        ("By Ann in The Post | Oct 13 2023", ["Ann"], "The Post", OCT_13),
        ("by Ann for The Post, October 13, 2023", ["Ann"], "The Post", OCT_13),
        (
            "By Ann in Radio Free Europe/Radio Liberty, Inc., October 13, 2023",
            ["Ann"],
            "Radio Free Europe/Radio Liberty, Inc.",
            OCT_13,
        ),
        (
            "By Martin Luther King, Jr. and Ann in The Post, October 13, 2023",
            ["Martin Luther King, Jr.", "Ann"],
            "The Post",
            OCT_13,
        ),
        ("By Sa’id O’Rourke in The Post, October 13, 2023", ["Sa’id O’Rourke"], "The Post", OCT_13),
        ("By  Ann   in  The\u00a0Post ,  October 13, 2023  ", ["Ann"], "The Post", OCT_13),
    ],
)
def test_byline_variants(
    line: str, authors: list[str], publisher: str, date: datetime.date
) -> None:
    byline = parse_byline(line)
    assert byline.problems == []
    assert (byline.authors, byline.publisher, byline.date) == (authors, publisher, date)


@pytest.mark.parametrize(
    ("line", "col", "fragment"),
    [
        ("By Ann in The Post, February 30, 2023", 21, "`February 30, 2023` is not a real date"),
        ("By Ann in The Post, Octobr 13, 2023", 21, "cannot read the byline's date"),
        ("By Ann in The Post", 19, "the byline has no date"),
    ],
)
def test_byline_date_errors_point_at_the_date(line: str, col: int, fragment: str) -> None:
    (problem,) = parse_byline(line).problems
    assert (problem.line, problem.col, problem.severity) == (1, col, "error")
    assert fragment in problem.message


def test_byline_without_publisher_is_a_warning() -> None:
    byline = parse_byline("By Ann, October 13, 2023")
    assert (byline.authors, byline.publisher, byline.date) == (["Ann"], None, OCT_13)
    assert [p.severity for p in byline.problems] == ["warning"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("October 13, 2023", OCT_13),
        ("Oct 13 2023", OCT_13),
        ("13 Oct. 2023", OCT_13),
        ("2023-10-13", OCT_13),
        ("Friday, October 13, 2023", OCT_13),
        ("2023-02-30", None),
        ("2023", None),
        ("Smarch 13, 2023", None),
    ],
)
def test_parse_date(text: str, expected: datetime.date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("name", "authors", "publisher", "date"),
    [
        (
            "two-authors-abbrev-month.txt",
            ["Nadia Karimova", "Timur Saidov"],
            "The Steppe Courier",
            OCT_13,
        ),
        (
            "three-authors.txt",
            ["Nadia Karimova", "Timur Saidov", "Laila Hakimi"],
            "Pamir Daily",
            OCT_13,
        ),
        (
            "oxford-comma.txt",
            ["Nadia Karimova", "Timur Saidov", "Laila Hakimi"],
            "Pamir Daily",
            OCT_13,
        ),
        ("day-first.txt", ["Bakhtiyor Rustamov"], "The Steppe Courier", OCT_13),
        ("sept-abbrev.txt", ["Laila Hakimi"], "Pamir Daily", datetime.date(2023, 9, 5)),
        ("iso-date.txt", ["Timur Saidov"], "Kabul Ledger", OCT_13),
        ("publisher-comma.txt", ["Farida Usmonova"], "Steppe News Service, Inc.", OCT_13),
        ("weekday-in-byline.txt", ["Timur Saidov"], "Kabul Ledger", OCT_13),
        (
            "curly-quotes.txt",
            ["Sa’id O’Rourke", "Zarmina “Zari” Ahmadi"],
            "The Steppe Courier",
            OCT_13,
        ),
    ],
)
def test_fixture_bylines(
    name: str, authors: list[str], publisher: str, date: datetime.date
) -> None:
    clip = parse_clipping(read(name))
    assert clip.problems == []
    assert (clip.authors, clip.publisher, clip.date) == (authors, publisher, date)
    assert clip.url and clip.url.startswith("https://")
    assert clip.paragraphs and clip.body_line == 2


def test_title_line_before_byline() -> None:
    clip = parse_clipping(read("title-line.txt"))
    assert clip.problems == []
    assert clip.title == "Tajikistan: Border Talks Resume in Dushanbe"
    assert clip.title_derived is False
    assert clip.date == datetime.date(2023, 10, 12)
    assert clip.paragraphs == ["Negotiators met for the first time since spring."]
    assert clip.body_line == 3


def test_blank_lines_wrapping_and_trailing_whitespace() -> None:
    clip = parse_clipping(read("blank-lines.txt"))
    assert clip.problems == []
    assert clip.paragraphs == [
        "First paragraph, with trailing spaces.",
        "Second paragraph was wrapped across two lines.",
    ]
    assert clip.paragraph_lines == [3, 5]
    assert clip.url == "https://pamir-daily.example/blank-lines-between-paragraphs/"
    assert clip.title == "Blank lines between paragraphs"


def test_missing_url_is_a_warning() -> None:
    clip = parse_clipping(read("no-url.txt"))
    assert clip.url is None
    (problem,) = clip.problems
    assert (problem.line, problem.col, problem.severity) == (2, 1, "warning")
    assert problem.message == "no source URL on the last line: add the story's https:// address"
    assert clip.paragraphs == ["This clipping lost its source link on the way."]
    assert clip.title == "This clipping lost its source link on the way"  # from the body


def test_javascript_url_is_an_error() -> None:
    clip = parse_clipping(read("javascript-url.txt"))
    assert clip.url is None
    assert [(p.line, p.col, p.severity) for p in clip.problems] == [(3, 1, "error")]
    assert "https://" in clip.problems[0].message
    assert clip.paragraphs == ["The last line is not a web address."]  # the bad URL is not text


def test_missing_byline_is_an_error_that_says_what_to_write() -> None:
    clip = parse_clipping(read("bad-byline.txt"))
    (problem,) = clip.errors
    assert (problem.line, problem.col) == (1, 1)
    assert BYLINE_EXAMPLE in problem.message
    assert clip.date is None


def test_byline_missing_its_by() -> None:
    clip = parse_clipping("Ann in The Post, October 13, 2023\nText.\nhttps://x.example/a-b\n")
    (problem,) = clip.errors
    assert (problem.line, problem.col) == (1, 1)
    assert "start the byline with `By `" in problem.message
    assert clip.paragraphs == ["Text."]


def test_source_prefix_and_angle_brackets_on_url_line() -> None:
    text = "By Ann in The Post, October 13, 2023\nText.\nSource: <https://x.example/a-b-c>\n"
    assert parse_clipping(text).url == "https://x.example/a-b-c"


@pytest.mark.parametrize("text", ["", "\ufeff", "\n\n  \n", "\r\n"])
def test_empty_clipping_is_an_error(text: str) -> None:
    clip = parse_clipping(text)
    assert [(p.line, p.col, p.severity) for p in clip.problems] == [(1, 1, "error")]


def test_never_raises_on_odd_input() -> None:
    for text in [
        "By",
        "By \n",
        "https://x.example/",
        "By A in B, 9999-99-99\nx\nftp://x",
        "\x00\x01",
    ]:
        parse_clipping(text)
