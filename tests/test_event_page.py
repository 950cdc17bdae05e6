"""An event page's related events: each related event's line is rendered once per page
depth and reused, so it must read the same on every page that relates it, and link, date
and label the event as the timeline does."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import run_timeline, write

RELATED = re.compile(r'<ul class="event-list">\n(.*?)</ul>', re.S)


def test_related_lines_are_the_same_on_every_page_and_point_at_the_events(project: Path) -> None:
    events = "\n".join(
        f"""\
- id: raid-{n}
  date: 2023-0{n}-1{n}
  title: Raid {n} near the border
  summary: Raid number {n}.
  countries: [TJ]
  actors: [Taliban]
  category: {"attack" if n % 2 else "border-incident"}
  sources: [{{url: "https://wire.example/{n}", title: Raid {n}}}]"""
        for n in range(1, 7)
    )
    write(project / "content" / "events" / "raids.yaml", events + "\n")
    result = run_timeline("build", str(project), "--strict")
    assert result.code == 0, result.err
    site = project / "site"
    lines: dict[str, set[str]] = {}
    for n in range(1, 7):
        html = (site / "events" / f"raid-{n}" / "index.html").read_text(encoding="utf-8")
        [block] = RELATED.findall(html)
        for line in block.splitlines():
            [target] = re.findall(r'<a href="\.\./\.\./events/([^/]+)/" dir="auto">', line)
            assert target != f"raid-{n}"  # never the page's own event
            assert (site / "events" / target / "index.html").is_file()
            lines.setdefault(target, set()).add(line)
    assert len(lines) >= 5
    for target, seen in lines.items():
        assert len(seen) == 1, seen  # one event, one line, whichever page shows it
        [line] = seen
        n = int(target.rsplit("-", 1)[1])
        assert line.startswith("<li><time datetime=") and line.endswith("</a></li>")
        assert f"Raid {n} near the border</a>" in line
        label = "Attack" if n % 2 else "Border incident"
        assert f'<span class="sw" aria-hidden="true"></span>{label}</span>' in line
