"""A run of preview edits through one FragmentMemo, as `timeline serve` makes them: every
export and the search index after each edit equals a cold build's bytes.

The preview patches what it kept from the last rebuild at the places an edit changed (each
event's holder of pieces, the last-modified dates when a title edit renames an event, the
bytes of each export, into which the changed pieces are spliced), so the edits here are
chosen to take those paths and the full ones in turn: a title edit that keeps the id, one
that renames, a date edit that moves an event past an unchanged one (an unchanged record
changes place: two pieces side by side), a long move (many pieces), the first and the last
event, an event added and one removed, an article's title shown by the events citing it, and
the same kinds of edit again after each full path. A splice at a wrong offset, or a patch
at a wrong place, shows as bytes that differ from the cold build's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write
from test_export_memo import assert_same, edit, fresh, render

from builder.build import BuildOptions, make_timeline
from builder.exports import FragmentMemo
from builder.load import FileCache
from builder.model import ModelMemo, Timeline
from builder.validate import ValidationCache

#: Events of the edited file: one a month from 2019 on, every other one without an id (its
#: id comes from its date and title, so a new title renames it), some placed on the map,
#: some citing the project's article; and an event to come.
COUNT = 40


def _events_yaml() -> str:
    lines = []
    for n in range(COUNT):
        year, month = 2019 + n // 12, n % 12 + 1
        lines.append(f"- date: {year}-{month:02d}-{n % 27 + 1:02d}")
        if n % 2 == 0:
            lines.append(f"  id: event-{n:02d}")
        lines.append(f"  title: Event number {n:02d}")
        lines.append(f"  summary: Summary *{n}* of the [event](https://news.example/{n}).")
        lines.append(f"  countries: [{('TJ', 'UZ', 'AF')[n % 3]}]")
        lines.append(f"  category: {('attack', 'diplomacy')[n % 2]}")
        if n % 4 == 0:
            lines.append(f"  location: {{name: Place {n}, lat: {36 + n / 10}, lon: 68.5}}")
        if n % 5 == 0:
            lines.append("  sources: [{article: report}]")
        else:
            lines.append(f"  sources: [{{url: 'https://news.example/{n}', title: Story {n}}}]")
    # Dated after every publication, so its last-modified date is the newest publication's.
    lines += ["- date: 2030-05-05", "  title: Scheduled vote", "  countries: [KZ]"]
    return "\n".join(lines) + "\n"


class ServerLikePreview:
    """Rebuilds with every cache the server keeps: files, validation, the patched model and
    the exports' memo."""

    def __init__(self, project: Path, splice: bool = True) -> None:
        self.project = project
        self.files, self.validation = FileCache(), ValidationCache()
        self.model, self.memo = ModelMemo(), FragmentMemo(splice=splice)

    def rebuild(self) -> tuple[Timeline, dict[str, bytes]]:
        timeline, report, _ = make_timeline(
            self.project, BuildOptions(), self.files, validation=self.validation, memo=self.model
        )
        assert timeline is not None, report.items
        return timeline, render(timeline, self.memo)


@pytest.fixture
def events_file(project: Path) -> Path:
    return write(project / "content" / "events" / "many.yaml", _events_yaml())


def _holders(timeline: Timeline, memo: FragmentMemo) -> dict[str, dict]:
    return dict(zip([e.id for e in timeline.events], memo.latest.events, strict=True))


@pytest.mark.parametrize("splice", [True, False])
def test_a_run_of_edits_gives_a_cold_builds_exports_after_each(
    project: Path, events_file: Path, splice: bool
) -> None:
    preview = ServerLikePreview(project, splice)
    before, _ = preview.rebuild()
    edits = [
        ("Event number 10", "Event number ten"),  # keeps its id
        ("Event number 11", "Event number eleven"),  # renames it
        ("2019-03-03", "2019-04-06"),  # event 2 moves past event 3, which is unchanged
        ("Event number 02", "Event number two"),  # a patch again after the move
        ("2019-01-01", "2022-03-25"),  # event 0 moves across the timeline
        ("Event number 21", "Event number twenty-one"),  # renames it
        # a newer publication moves the scheduled vote's date, in a feed of its own
        ("title: Story 7}", "title: Story 7, date: 2026-06-01}"),
        ("Event number 23", "Event number twenty-three"),
        ("Event number 01", "Event number one"),  # the first in the timeline now
        ("Scheduled vote", "Scheduled vote, postponed"),  # the last
    ]
    for old, new in edits:
        held = _holders(before, preview.memo)
        edit(events_file, old, new)
        after, warm = preview.rebuild()
        assert_same(warm, fresh(project))
        shown = new.split("date: ")[-1].rstrip("}")  # a title, or a source's date
        assert shown.encode() in warm["events.json"], new
        now = _holders(after, preview.memo)
        kept = [key for key in now if key in held and now[key] is held[key]]
        assert len(kept) >= len(now) - 3  # only the edited event was given new pieces
        before = after


def test_add_remove_and_article_edits_then_patches_again(project: Path, events_file: Path) -> None:
    preview = ServerLikePreview(project)
    preview.rebuild()
    extra = project / "content" / "events" / "extra.yaml"
    steps = [
        lambda: write(extra, "- date: 2020-02-29\n  title: Leap day meeting\n  countries: [TJ]\n"),
        lambda: edit(events_file, "Event number 16", "Event number sixteen"),
        lambda: edit(extra, "Leap day meeting", "Leap day summit"),
        lambda: extra.unlink(),
        lambda: edit(events_file, "Event number 08", "Event number eight"),
        lambda: edit(
            project / "content" / "articles" / "report.md",
            "title: A report on the border",
            "title: The border, reported again",
        ),
        lambda: edit(events_file, "Event number 15", "Event number fifteen"),
        # a date that keeps the articles' order, then one that moves the newest publication
        lambda: edit(project / "content" / "articles" / "report.md", "2023-09-05", "2023-09-20"),
        lambda: edit(project / "content" / "articles" / "report.md", "2023-09-20", "2025-01-02"),
        lambda: edit(events_file, "Event number 13", "Event number thirteen"),
    ]
    for step in steps:
        step()
        _, warm = preview.rebuild()
        assert_same(warm, fresh(project))
    assert b"The border, reported again" in warm["timelinejs.json"]
    assert b"Leap day" not in warm["events.json"]
    assert b"<lastmod>2025-01-02</lastmod>" in warm["sitemap.xml"]


def test_each_event_keeps_one_holder(project: Path, events_file: Path) -> None:
    """Patched tables of holders drop the records an edit replaced, as the full path does
    (holders are gathered when an export asks for them: a feed of some events does)."""
    preview = ServerLikePreview(project)
    preview.rebuild()
    for n in (4, 5, 6):
        edit(events_file, f"Event number {n:02d}", f"Event number {n:02d} again")
        timeline, _ = preview.rebuild()
        preview.memo.latest.events  # as a feed of some events asks for them  # noqa: B018
        assert len(preview.memo.events) == len(timeline.events)
        assert {id(held[0]) for held in preview.memo.events.values()} == {
            id(e) for e in timeline.events
        }
