"""`timeline suggest`: the dated statements of an article, resolved against its publication."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import yaml
from conftest import timeline
from edtf import parse_edtf

from builder.importer import run_import
from builder.suggest import draft_title, find_dates, split_sentences, suggest_events

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "clippings"
SEED = FIXTURES / "seed-khaama.txt"
FRIDAY = datetime.date(2023, 10, 13)  # the seed's publication date, a Friday

SEED_CANDIDATES = [
    (
        "2023-10-13",
        "On Friday, the President of Russia issued a warning during a meeting of the "
        "Commonwealth of Independent States (CIS) in Bishkek regarding the situation in "
        "Afghanistan.",
    ),
    (
        "2023-10-13",
        "In a significant development, on Friday morning, the Presidents of Russia and "
        "Tajikistan engaged in separate discussions on the sidelines of the Commonwealth of "
        "Independent States (CIS) meeting.",
    ),
    (
        "2023-09",
        "In September of this year, the National Security Committee of Tajikistan announced "
        "that three terrorists had been targeted and killed near the border with Afghanistan.",
    ),
    (
        "2021-10~/2023-10",
        "Additionally, over the past two years, ISIS has launched multiple rocket attacks from "
        "Afghan territory into Tajikistan and carried out a suicide attack in front of the "
        "Russian Embassy in Kabul, resulting in the deaths of two Russian diplomats.",
    ),
    (
        "2021-08",
        "Following the Taliban’s takeover in August 2021, Russia modernized its military base "
        "in Tajikistan to enhance border security.",
    ),
]


def suggest(path: Path) -> tuple[list[dict], str]:
    result = timeline("suggest", path, cwd=path.parent)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout), result.stdout


def as_text(value: object) -> str:
    """An event date as the editor would see it (PyYAML turns 2023-10-13 into a date)."""
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


def test_seed_candidates_exactly() -> None:
    events, _ = suggest(SEED)
    assert [(as_text(e["date"]), e["summary"]) for e in events] == SEED_CANDIDATES
    for event in events:
        assert event["sources"] == [{"article": "seed-khaama"}]
        assert event["draft"] is True
        assert event["title"] and len(event["title"].split()) <= 14
        assert "\n" not in event["title"]


def test_seed_dates_are_valid_edtf() -> None:
    events, _ = suggest(SEED)
    for event in events:
        parse_edtf(as_text(event["date"]))


def test_seed_output_comments_say_where_each_date_came_from() -> None:
    _, text = suggest(SEED)
    comments = [line for line in text.splitlines() if line.startswith('# "')]
    assert comments == [
        '# "On Friday" -> Friday 13 October 2023 (line 2)',
        '# "on Friday morning" -> Friday 13 October 2023 (line 6)',
        '# "In September of this year" -> September 2023 (line 9)',
        '# "over the past two years" -> about October 2021 to October 2023 (line 10)',
        '# "in August 2021" -> August 2021 (line 11)',
    ]


def test_seed_titles_are_short_drafts() -> None:
    events, _ = suggest(SEED)
    assert [e["title"] for e in events] == [
        "The President of Russia issued a warning during a meeting…",
        "The Presidents of Russia and Tajikistan engaged in separate discussions…",
        "The National Security Committee of Tajikistan announced that three terrorists…",
        "ISIS has launched multiple rocket attacks from Afghan territory into Tajikistan…",
        "Following the Taliban’s takeover, Russia modernized its military base in Tajikistan…",
    ]


def test_imported_markdown_gives_the_same_candidates(tmp_path: Path) -> None:
    (tmp_path / "content" / "articles").mkdir(parents=True)
    assert run_import([SEED], tmp_path, force=False) == 0
    (article,) = (tmp_path / "content" / "articles").iterdir()
    events, _ = suggest(article)
    assert [(as_text(e["date"]), e["summary"]) for e in events] == SEED_CANDIDATES
    assert events[0]["sources"] == [{"article": article.stem}]


def test_pasted_candidates_form_a_valid_events_list(tmp_path: Path) -> None:
    _, text = suggest(SEED)
    events_file = tmp_path / "from-seed.yaml"
    events_file.write_text(text, encoding="utf-8")
    events = yaml.safe_load(events_file.read_text(encoding="utf-8"))
    assert isinstance(events, list) and all(isinstance(e, dict) for e in events)
    assert all(set(e) == {"date", "title", "summary", "sources", "draft"} for e in events)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("On Friday, the talks ended.", ["2023-10-13"]),
        ("The talks ended on Tuesday night.", ["2023-10-10"]),
        ("Last Friday the talks ended.", ["2023-10-06"]),
        ("Friday’s attack killed two.", ["2023-10-13"]),
        ("Yesterday the border closed.", ["2023-10-12"]),
        ("The border closed last night.", ["2023-10-12"]),
        ("In September of this year, troops moved.", ["2023-09"]),
        ("In September last year, troops moved.", ["2022-09"]),
        ("In September, troops moved.", ["2023-09"]),
        ("In November, troops moved.", ["2022-11"]),
        ("Last month the army moved.", ["2023-09"]),
        ("Earlier this month the army moved.", ["2023-10"]),
        ("Last year the army moved.", ["2022"]),
        ("The army moved earlier this year.", ["2023"]),
        ("Last week talks ended.", ["2023-10-02/2023-10-08"]),
        ("In August 2021 the Taliban took Kabul.", ["2021-08"]),
        ("In Aug. 2021 the Taliban took Kabul.", ["2021-08"]),
        ("On 5 September 2023 a raid took place.", ["2023-09-05"]),
        ("On September 5, 2023, a raid took place.", ["2023-09-05"]),
        ("On Sept. 5, 2023, a raid took place.", ["2023-09-05"]),
        ("On Tuesday, September 5, 2023, a raid took place.", ["2023-09-05"]),
        ("A raid on 2023-09-05 was reported.", ["2023-09-05"]),
        ("On October 5, the army moved.", ["2023-10-05"]),
        ("Talks start on 20 October.", ["2023-10-20"]),
        ("In 2022 there were many attacks.", ["2022"]),
        ("Over the past two years, attacks rose.", ["2021-10~/2023-10"]),
        ("Over the past three months, attacks rose.", ["2023-07~/2023-10"]),
        ("In the past year, attacks rose.", ["2022-10~/2023-10"]),
        ("Since August 2021, the Taliban have ruled.", ["2021-08/2023-10"]),
        ("Since 2021, the Taliban have ruled.", ["2021/2023"]),
        ("Between 2019 and 2021 attacks rose.", ["2019/2021"]),
        ("Three years ago, it began.", ["2020~"]),
        ("It began in May 2023 and ended in June 2023.", ["2023-05", "2023-06"]),
    ],
)
def test_date_phrases(sentence: str, expected: list[str]) -> None:
    found = [m.date.edtf for m in find_dates(sentence, FRIDAY)]
    assert found == expected
    for value in found:
        parse_edtf(value)


@pytest.mark.parametrize(
    "sentence",
    [
        "It resulted in the deaths of two Russian diplomats.",
        "Members are Russia, Azerbaijan, Armenia, Uzbekistan, Belarus and Moldova.",
        "A force of 2000 soldiers was deployed in 2000 villages.",
        "He may visit the border soon.",
        "The meeting was friday-ish, in a may-be sense.",
        "Over the past several years, things changed.",
        "About 300 fighters crossed 12 times.",
    ],
)
def test_no_false_dates(sentence: str) -> None:
    assert find_dates(sentence, FRIDAY) == []


def test_weekday_on_other_publication_days() -> None:
    monday = datetime.date(2023, 10, 16)
    assert [m.date.edtf for m in find_dates("On Friday, x.", monday)] == ["2023-10-13"]
    assert [m.date.edtf for m in find_dates("On Monday, x.", monday)] == ["2023-10-16"]
    assert [m.date.edtf for m in find_dates("Last Monday, x.", monday)] == ["2023-10-09"]
    assert [m.date.edtf for m in find_dates("Next Monday, x.", monday)] == ["2023-10-23"]


def test_month_arithmetic_crosses_years() -> None:
    january = datetime.date(2024, 1, 10)
    assert [m.date.edtf for m in find_dates("Last month, x.", january)] == ["2023-12"]
    assert [m.date.edtf for m in find_dates("Over the past two months, x.", january)] == [
        "2023-11~/2024-01"
    ]
    assert [m.date.edtf for m in find_dates("In December, x.", january)] == ["2023-12"]


def test_sentence_splitting_keeps_abbreviations() -> None:
    text = (
        "Mr. Putin met Dr. Rahmon on Oct. 13 in the U.S. embassy. "
        "He said, “Fine.” Then J. K. Rowling left! Did he? Yes."
    )
    assert [s for _, s in split_sentences(text)] == [
        "Mr. Putin met Dr. Rahmon on Oct. 13 in the U.S. embassy.",
        "He said, “Fine.”",
        "Then J. K. Rowling left!",
        "Did he?",
        "Yes.",
    ]


def test_one_candidate_per_distinct_date_in_a_sentence() -> None:
    paragraphs = [(7, "On Friday, on Friday morning, in May 2023 it rained.\nSecond line.")]
    candidates = suggest_events(paragraphs, FRIDAY, markdown=False)
    assert [(c.date.edtf, c.line) for c in candidates] == [("2023-10-13", 7), ("2023-05", 7)]


def test_line_numbers_follow_wrapped_paragraphs() -> None:
    paragraphs = [(3, "First sentence here.\nOn Friday, it rained.")]
    (candidate,) = suggest_events(paragraphs, FRIDAY, markdown=True)
    assert candidate.line == 4


def test_plain_text_summaries_are_escaped_for_markdown() -> None:
    (candidate,) = suggest_events([(1, "On Friday, *nobody* came.")], FRIDAY, markdown=False)
    assert candidate.summary == "On Friday, \\*nobody\\* came."


def test_draft_title_drops_the_date_phrase_and_connectives() -> None:
    sentence = "Additionally, over the past two years, ISIS has launched attacks."
    (mention,) = find_dates(sentence, FRIDAY)
    assert draft_title(sentence, mention) == "ISIS has launched attacks"


def test_markdown_article_skips_headings_and_code(tmp_path: Path) -> None:
    article = tmp_path / "notes.md"
    article.write_text(
        "---\ntitle: Notes\ndate: 2023-10-13\n---\n\n"
        "# In August 2021\n\n"
        "```\nOn Friday, code.\n```\n\n"
        "- On Friday, a list item said.\n"
        "Since 2021, things went on.\n",
        encoding="utf-8",
    )
    events, text = suggest(article)
    assert [(as_text(e["date"]), e["summary"]) for e in events] == [
        ("2023-10-13", "On Friday, a list item said."),
        ("2021/2023", "Since 2021, things went on."),
    ]
    assert "(line 12)" in text and "(line 13)" in text


def test_no_dates_prints_an_empty_list(tmp_path: Path) -> None:
    article = tmp_path / "plain.md"
    article.write_text("---\ntitle: Plain\ndate: 2023-10-13\n---\nNothing dated.\n", "utf-8")
    events, _ = suggest(article)
    assert events == []


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = timeline("suggest", tmp_path / "nope.md", cwd=tmp_path)
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    assert "give an article's file, such as content/articles/NAME.md" in result.stderr


def test_an_article_is_found_by_its_name_in_the_project_folder(tmp_path: Path) -> None:
    (tmp_path / "content" / "articles").mkdir(parents=True)
    assert run_import([SEED], tmp_path, force=False) == 0
    (article,) = (tmp_path / "content" / "articles").iterdir()
    result = timeline("suggest", article.stem, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    events = yaml.safe_load(result.stdout)
    assert [(as_text(e["date"]), e["summary"]) for e in events] == SEED_CANDIDATES
    assert events[0]["sources"] == [{"article": article.stem}]
    assert "no event can cite it yet" not in result.stdout


def test_a_file_outside_a_project_is_to_be_imported_before_it_is_cited() -> None:
    _, text = suggest(SEED)
    assert text.splitlines()[3:5] == [
        "# seed-khaama.txt is not in a project's content/articles, so no event can cite it yet:",
        f"# import it (timeline import {SEED}) and set `article:` to the name it gets.",
    ]


@pytest.mark.parametrize(
    ("content", "position", "fragment"),
    [
        (b"no front matter\n", "1:1", "front matter"),
        (b"---\ntitle: x\n---\nOn Friday.\n", "2:1", "no `date:`"),
        (b"---\ntitle: x\ndate: soon\n---\nOn Friday.\n", "3:7", "is not a day"),
        (b"---\ntitle: x\ndate: 2023-10-13\n---\nCaf\xe9\n", "5:4", "UTF-8"),
    ],
)
def test_unreadable_markdown_exits_1(
    tmp_path: Path, content: bytes, position: str, fragment: str
) -> None:
    article = tmp_path / "bad.md"
    article.write_bytes(content)
    result = timeline("suggest", article, cwd=tmp_path)
    assert result.returncode == 1
    assert f"{article}:{position}: error: " in result.stderr
    assert fragment in result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr


def test_bad_clipping_exits_1() -> None:
    bad = FIXTURES / "bad-byline.txt"
    result = timeline("suggest", bad, cwd=FIXTURES)
    assert result.returncode == 1
    assert f"{bad}:1:1: error: " in result.stderr
    assert result.stdout == ""
