"""Templates for new content: `timeline new event`.

An editor adding an event by hand has to remember a dozen optional fields and the EDTF
date forms. The template names every field with a comment saying what it takes, so the
file itself is the reference; only what every event needs (date, title, summary) and
`draft: true` are active, the rest are commented-out examples to uncomment. With
`--append FILE` the template is added to an events file as one more list item, and the
result is parsed before anything is written, so the file is never left invalid.
"""

from __future__ import annotations

import datetime
import re
import sys
from pathlib import Path

import yaml

from builder.diagnostics import Diagnostic

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2

try:  # the C loader is faster; fall back to pure Python where PyYAML was built without it
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

_EVENT_TEMPLATE = """\
# An event on the timeline. Required: date and title. Uncomment the fields you need.
#
# date: when it happened, in EDTF (Extended Date/Time Format):
#   {today}          a day
#   {month}             a month
#   {year}                a year
#   {month}~            approximately that month
#   {month}?            uncertain: perhaps that month
#   {y0}-{mm}/{month}     an interval, start/end: {name} {y0} to {name} {year}
date: {today}
# title: one line saying what happened.
title: What happened, in one line
# summary: Markdown; who did what, where, and why it matters.
summary: |
  What happened, who was involved, and why it matters.
# id: a-z, 0-9 and -, unique; default: the date and a slug of the title.
# id: {today}-what-happened
# countries: ISO 3166 alpha-2 codes or English names.
# countries: [TJ, Afghanistan]
# location: a place name, or a mapping with decimal degrees.
# location: Bishkek
# location: {{name: Bishkek, lat: 42.87, lon: 74.59}}
# actors: people, states, groups, organisations.
# actors: [Vladimir Putin, Taliban]
# category: one of the keys of `categories` in content/site.yaml.
# category: diplomacy
# tags: free keywords.
# tags: [border, security]
# importance: 1 (minor, the default), 2, or 3 (major).
# importance: 2
# sources: what the event rests on: an article of this project (its file name in
# content/articles without .md or .txt), or a web page.
# sources:
#   - article: an-article-id
#   - url: https://example.com/story
#     title: The story's headline
#     publisher: The publisher
#     date: {today}
# draft: true keeps the event out of the site unless built with --drafts;
# delete the line once the event is ready.
draft: true
"""
_LIST_ITEM = re.compile(r"^(?P<indent> *)-(?:\s|$)")


class _Refused(Exception):
    """Appending would not give a valid list of events; nothing was written."""

    def __init__(self, message: str, line: int = 1, col: int = 1):
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


def event_template(today: datetime.date | None = None) -> str:
    """The commented event template (a YAML mapping), dated `today` (default: today)."""
    today = today or datetime.date.today()
    return _EVENT_TEMPLATE.format(
        today=today.isoformat(),
        month=f"{today.year:04d}-{today.month:02d}",
        year=f"{today.year:04d}",
        y0=f"{today.year - 1:04d}",
        mm=f"{today.month:02d}",
        name=today.strftime("%B"),
    )


def as_list_item(template: str, indent: int = 0) -> str:
    """The template as one item of a block list whose dashes stand at column `indent`.

    Comments before the first field stay above the item; the first field gets the dash
    and everything after it is indented under it.
    """
    pad = " " * indent
    out: list[str] = []
    started = False
    for line in template.splitlines():
        if not started and (line.startswith("#") or not line.strip()):
            out.append(pad + line if line else "")
        elif not started:
            out.append(f"{pad}- {line}")
            started = True
        else:
            out.append(f"{pad}  {line}" if line else "")
    return "\n".join(out) + "\n"


def run_new_event(append: Path | None) -> int:
    """Print the event template, or append it to the events file `append`.

    Returns 0 on success; 1 when the file is not a list of events (a single event, invalid
    YAML, a flow-style list): nothing is written then; 2 when the file cannot be used.
    """
    template = event_template()
    if append is None:
        sys.stdout.write(template)
        return EXIT_OK
    if append.is_dir():
        print(f"timeline: error: {append} is a folder, not an events file", file=sys.stderr)
        return EXIT_USAGE
    if not append.parent.is_dir():
        print(
            f"timeline: error: folder {append.parent} does not exist: create it first",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        created = append_event(append, template)
    except _Refused as exc:
        print(
            Diagnostic(str(append), exc.line, exc.col, "error", exc.message).format(),
            file=sys.stderr,
        )
        print("1 error, 0 warnings", file=sys.stderr)
        return EXIT_CONTENT
    except OSError as exc:
        print(f"timeline: error: cannot write {append}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    verb = "created" if created else "appended a draft event to"
    print(f"{verb} {append}" + (" with a draft event" if created else ""))
    from builder.load import content_kind

    if content_kind(append) != "events":
        print(
            f"note: builds read only content/events/*.yaml (and *.yml) of a project, not "
            f"{append}: move the event there",
            file=sys.stderr,
        )
    return EXIT_OK


def append_event(path: Path, template: str) -> bool:
    """Append the template to the events list in `path` (created if missing).

    Returns True when the file was created. Raises _Refused, writing nothing, unless the
    result parses as the same list plus the new event.
    """
    if not path.exists():
        _write_new(path, as_list_item(template))
        return True
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Refused("the file is not UTF-8: save it as UTF-8 and try again") from exc
    newline = "\r\n" if "\r\n" in text else "\n"
    text = text.replace("\r\n", "\n")
    events = _load(text)
    if isinstance(events, dict):
        raise _Refused(
            "this file holds a single event (a mapping), not a list of events: to add more, "
            "put `- ` before its first field, indent its other lines by two spaces, and run "
            "this again"
        )
    if events is not None and not isinstance(events, list):
        raise _Refused("this file must hold a list of events (lines starting with `- `)")
    count = len(events or [])
    separator = "" if not text or text.endswith("\n\n") else "\n" if text.endswith("\n") else "\n\n"
    addition = separator + as_list_item(template, _list_indent(text))
    if not _appends_one(text + addition, count, _load(template)):
        raise _Refused(
            "cannot append safely to this file (is it a [flow-style] list, or does it end "
            "its document with `...`?): add the event by hand, or append to a new file"
        )
    with open(path, "a", encoding="utf-8", newline="") as fh:
        fh.write(addition.replace("\n", newline))
    return False


def _appends_one(text: str, count: int, event: object) -> bool:
    """Whether `text` parses as a list of `count` events followed by `event`."""
    try:
        result = _load(text)
    except _Refused:
        return False
    return isinstance(result, list) and len(result) == count + 1 and result[-1] == event


def _write_new(path: Path, text: str) -> None:
    with open(path, "x", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def _load(text: str) -> object:
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise _Refused(f"invalid YAML: {exc.problem or exc.context}", line, col) from None
    except yaml.YAMLError as exc:
        raise _Refused(f"invalid YAML: {exc}") from None


def _list_indent(text: str) -> int:
    """The column of the top-level list's dashes (0 when there is no item yet)."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped == "---":
            continue
        m = _LIST_ITEM.match(line)
        return len(m["indent"]) if m else 0
    return 0


def run_init(directory: Path) -> int:
    """`timeline init DIR`: scaffold a new, buildable project (see builder/init_project.py)."""
    from builder.init_project import run_init as init_project

    return init_project(directory)
