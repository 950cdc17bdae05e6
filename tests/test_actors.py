"""The actor vocabulary: aliases normalise to canonical names; unknown actors are warnings."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_timeline, write


def test_aliases_normalise_to_the_canonical_name(project: Path) -> None:
    write(
        project / "content/events/aliases.yaml",
        """\
        - date: 2022-05-07
          title: Rockets fired towards Tajikistan
          actors: [IS-K, ISIS-K, iskp]
          sources: [{url: "https://x.example/a"}]
        """,
    )
    write(
        project / "content/site.yaml",
        """\
        title: T
        categories: {attack: Attack, diplomacy: Diplomacy, border-incident: Border}
        actors:
          Islamic State – Khorasan Province: [ISKP, ISIS-K, IS-K]
          Vladimir Putin: [Putin]
          Taliban: []
        """,
    )
    result = run_timeline("build", str(project), "--strict")
    assert result.code == 0, result.err
    events = json.loads((project / "site/events.json").read_text("utf-8"))["events"]
    rockets = next(e for e in events if e["title"] == "Rockets fired towards Tajikistan")
    assert rockets["actors"] == ["Islamic State – Khorasan Province"]
    assert (project / "site/actors/islamic-state-khorasan-province/index.html").is_file()
    assert not (project / "site/actors/iskp").exists()


def test_unknown_actor_is_a_warning_with_did_you_mean(project: Path) -> None:
    write(
        project / "content/events/typo.yaml",
        """\
        date: 2022
        title: Typo in an actor
        actors: [Talibam]
        sources: [{url: "https://x.example/b"}]
        """,
    )
    result = run_timeline("check", str(project))
    assert result.code == 0
    assert (
        "content/events/typo.yaml:3:10: warning: unknown actor 'Talibam': add it to actors in "
        "site.yaml; did you mean 'Taliban'?"
    ) in result.err
    assert run_timeline("check", str(project), "--strict").code == 1
