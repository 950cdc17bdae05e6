"""`timeline new event`: a commented template that parses, and appends that keep files valid."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import yaml
from conftest import timeline

from builder.scaffold import as_list_item, event_template

REPO = Path(__file__).resolve().parent.parent
# Every field of the events table in DESIGN.md (the contract).
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


def load(path: Path) -> object:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_printed_template_is_a_draft_event_dated_today(tmp_path: Path) -> None:
    before = datetime.date.today()
    result = timeline("new", "event", cwd=tmp_path)
    after = datetime.date.today()
    assert result.returncode == 0, result.stderr
    event = yaml.safe_load(result.stdout)
    assert isinstance(event, dict)
    assert event["date"] in (before, after)
    assert event["title"] and event["draft"] is True
    assert set(event) <= set(EVENT_FIELDS)
    assert list(tmp_path.iterdir()) == []  # printing writes nothing


def test_template_explains_every_field_and_the_date_forms() -> None:
    text = event_template(datetime.date(2023, 10, 13))
    for field in EVENT_FIELDS:
        assert f"# {field}: " in text or f"\n{field}: " in text, field
    for form in ("2023-10-13", "2023-10 ", "2023 ", "2023-10~", "2023-10?", "2022-10/2023-10"):
        assert form in text, form


EXAMPLES = {
    "id: 2023-10-13-what-happened": "2023-10-13-what-happened",
    "countries: [TJ, Afghanistan]": ["TJ", "Afghanistan"],
    "location: Bishkek": "Bishkek",
    "location: {name: Bishkek, lat: 42.87, lon: 74.59}": {
        "name": "Bishkek",
        "lat": 42.87,
        "lon": 74.59,
    },
    "actors: [Vladimir Putin, Taliban]": ["Vladimir Putin", "Taliban"],
    "category: diplomacy": "diplomacy",
    "tags: [border, security]": ["border", "security"],
    "importance: 2": 2,
}


def test_commented_examples_are_valid_yaml_when_uncommented() -> None:
    lines = event_template(datetime.date(2023, 10, 13)).splitlines()
    for example, value in EXAMPLES.items():
        assert f"# {example}" in lines, example
        key = example.split(":")[0]
        assert yaml.safe_load(example) == {key: value}
    start = lines.index("# sources:")
    block = [line[2:] for line in lines[start : start + 6]]
    sources = yaml.safe_load("\n".join(block))["sources"]
    assert sources[0] == {"article": "an-article-id"}
    assert sources[1]["url"].startswith("https://")
    assert sources[1]["date"] == datetime.date(2023, 10, 13)


def test_append_twice_to_a_list(tmp_path: Path) -> None:
    events = tmp_path / "events.yaml"
    events.write_text("- date: 2023-10-13\n  title: Existing\n", encoding="utf-8")
    for _ in range(2):
        result = timeline("new", "event", "--append", events, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert f"appended a draft event to {events}" in result.stdout
    data = load(events)
    assert isinstance(data, list) and len(data) == 3
    assert data[0] == {"date": datetime.date(2023, 10, 13), "title": "Existing"}
    assert all(item["draft"] is True for item in data[1:])


def test_appending_outside_content_events_says_no_build_reads_it(tmp_path: Path) -> None:
    events = tmp_path / "content" / "events"
    events.mkdir(parents=True)
    for name in ("2024.yaml", "2024.yml"):
        result = timeline("new", "event", "--append", events / name, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
    for stray in (tmp_path / "2024.yaml", events / "2024.txt"):
        result = timeline("new", "event", "--append", stray, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stderr == (
            "note: builds read only content/events/*.yaml (and *.yml) of a project, not "
            f"{stray}: move the event there\n"
        )


def test_append_creates_a_missing_file_as_a_list(tmp_path: Path) -> None:
    events = tmp_path / "new.yaml"
    assert timeline("new", "event", "--append", events, cwd=tmp_path).returncode == 0
    assert timeline("new", "event", "--append", events, cwd=tmp_path).returncode == 0
    data = load(events)
    assert isinstance(data, list) and len(data) == 2


@pytest.mark.parametrize(
    "existing",
    [
        "",
        "# only a comment\n",
        "- date: 2023\n  title: No newline at the end",
        "---\n- date: 2023\n  title: After a document start\n",
        "  - date: 2023\n    title: Indented list\n",
        "# heading comment\n\n- date: 2023\n  title: x\n\n\n",
        "- {date: 2023, title: Flow items inside a block list}\n",
    ],
)
def test_append_keeps_the_list_valid(tmp_path: Path, existing: str) -> None:
    events = tmp_path / "events.yaml"
    events.write_text(existing, encoding="utf-8")
    before = yaml.safe_load(existing) or []
    result = timeline("new", "event", "--append", events, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = load(events)
    assert data[: len(before)] == before
    assert len(data) == len(before) + 1
    assert events.read_text(encoding="utf-8").startswith(existing)


def test_append_keeps_windows_line_endings(tmp_path: Path) -> None:
    events = tmp_path / "events.yaml"
    events.write_bytes(b"- date: 2023\r\n  title: x\r\n")
    assert timeline("new", "event", "--append", events, cwd=tmp_path).returncode == 0
    raw = events.read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n")
    assert len(yaml.safe_load(raw)) == 2


@pytest.mark.parametrize(
    ("existing", "position", "fragment"),
    [
        ("date: 2023\ntitle: One event\n", "1:1", "holds a single event"),
        ("[{date: 2023, title: x}]\n", "1:1", "cannot append safely"),
        ("- date: 2023\n  title: x\n...\n", "1:1", "cannot append safely"),
        ("just a string\n", "1:1", "must hold a list of events"),
        ("- date: 2023\n  title: [unclosed\n", "3:1", "invalid YAML"),
    ],
)
def test_refuses_and_leaves_the_file_as_it_was(
    tmp_path: Path, existing: str, position: str, fragment: str
) -> None:
    events = tmp_path / "events.yaml"
    events.write_text(existing, encoding="utf-8")
    result = timeline("new", "event", "--append", events, cwd=tmp_path)
    assert result.returncode == 1
    assert f"{events}:{position}: error: " in result.stderr
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr
    assert events.read_text(encoding="utf-8") == existing


def test_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = timeline("new", "event", "--append", tmp_path / "nowhere" / "e.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert not (tmp_path / "nowhere").exists()


def test_as_list_item_indents_under_the_dash() -> None:
    item = as_list_item("# note\ndate: 2023\nsummary: |\n  text\n", indent=2)
    assert item == "  # note\n  - date: 2023\n    summary: |\n      text\n"
    assert yaml.safe_load(item) == [{"date": 2023, "summary": "text\n"}]
