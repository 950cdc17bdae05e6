"""Loading: real files in, plain values out, each remembering its line and column.

These are unit tests of `builder.load` on real files in a temporary project. Hostile input
(unsafe tags, alias bombs, deep nesting, bad bytes, links out of the project, files that
vanish) must end as a positioned problem or a warning, never as an exception or a crash.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from conftest import REPO, run_timeline, write

from builder import load
from builder.load import FileCache, Pos, YamlProblem, decode_utf8, load_project, parse_yaml

SITE = "title: Load test\n"


def _project(root: Path, events: dict[str, str | bytes] | None = None) -> Path:
    """A project with site.yaml and the given events files (text is dedented, bytes raw)."""
    write(root / "content" / "site.yaml", SITE)
    (root / "content" / "events").mkdir(parents=True, exist_ok=True)
    for name, body in (events or {}).items():
        path = root / "content" / "events" / name
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            write(path, body)
    return root


def _lines(report) -> list[str]:
    return [d.format() for d in report.sorted()]


def test_the_c_loader_is_used_when_present() -> None:
    assert hasattr(yaml, "CSafeLoader"), "PyYAML here was built without libyaml"
    assert load._Loader is yaml.CSafeLoader


def test_positions_of_values_in_an_events_file(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        {
            "a.yaml": """\
            - date: 2023-10-13
              title: "Putin warns"
              countries: [TJ, Afghanistan]
              location: {name: Dushanbe, lat: 38.5}
            - date: 2021-08~
              title: Second
            """
        },
    )
    raw, report = load_project(root)
    assert report.items == []
    first, second = (e.data for e in raw.events)
    assert first.pos == Pos(1, 3)
    assert first.key_at("title") == Pos(2, 3)
    assert first.at("title") == Pos(2, 10)
    assert first["title"] == "Putin warns"
    assert first["date"] == "2023-10-13"  # dates stay text for the EDTF parser
    assert first["countries"].at(0) == Pos(3, 15)
    assert first["countries"].at(1) == Pos(3, 19)
    assert first["location"].at("lat") == Pos(4, 35)
    assert first["location"]["lat"] == 38.5
    assert second.pos == Pos(5, 3)
    assert second.at("date") == Pos(5, 9)
    assert [e.index for e in raw.events] == [0, 1]
    assert {e.file for e in raw.events} == {"content/events/a.yaml"}


def test_positions_in_front_matter_are_offset_by_the_opening_line(tmp_path: Path) -> None:
    root = _project(tmp_path)
    write(
        root / "content" / "articles" / "report.md",
        """\
        ---
        title: A report
        date: 2023-09-05
        tags: [border, cis]
        ---
        Body text.
        """,
    )
    raw, report = load_project(root)
    assert report.items == []
    (article,) = raw.articles
    assert article.id == "report"
    assert article.meta.at("title") == Pos(2, 8)
    assert article.meta.at("date") == Pos(3, 7)
    assert article.meta["tags"].at(1) == Pos(4, 16)
    assert article.body_line == 6
    assert article.body.strip() == "Body text."


def test_byte_order_mark_and_crlf_files_load_with_the_right_positions(tmp_path: Path) -> None:
    body = "\ufeffdate: 2023-10-13\r\ntitle: Café\r\ntags: [a, b]\r\n".encode()
    root = _project(tmp_path, {"bom.yaml": body})
    write(root / "content" / "articles" / "crlf.md", "")
    (root / "content" / "articles" / "crlf.md").write_bytes(
        b"\xef\xbb\xbf---\r\ntitle: Windows\r\ndate: 2023-01-02\r\n---\r\nBody\r\n"
    )
    raw, report = load_project(root)
    assert report.items == []
    (event,) = raw.events
    assert event.data["title"] == "Café"
    assert event.data.at("date") == Pos(1, 7)  # the mark takes no column
    assert event.data["tags"].at(1) == Pos(3, 11)
    (article,) = raw.articles
    assert article.meta["title"] == "Windows"
    assert article.meta.at("date") == Pos(3, 7)
    assert "\r" not in article.body


def test_non_utf8_bytes_are_reported_at_the_bad_byte(tmp_path: Path) -> None:
    root = _project(tmp_path, {"latin1.yaml": b"date: 2023-10-13\ntitle: caf\xe9 au lait\n"})
    raw, report = load_project(root)
    assert raw.events == []
    (line,) = _lines(report)
    assert line.startswith("content/events/latin1.yaml:2:11: error: the file is not UTF-8")
    assert "0xE9" in line and "save the file as UTF-8" in line


def test_bad_byte_column_counts_characters_not_bytes() -> None:
    # "título: é" holds two 2-byte characters before the bad byte
    with pytest.raises(YamlProblem) as caught:
        decode_utf8("a: 1\r\ntítulo: é ".encode() + b"\xff\n")
    assert (caught.value.line, caught.value.col) == (2, 11)
    with pytest.raises(YamlProblem) as caught:
        decode_utf8(b"\xef\xbb\xbf\xff")
    assert (caught.value.line, caught.value.col) == (1, 1)


@pytest.mark.parametrize(
    "tagged",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object:builder.load.Pos {{line: 1, col: 1}}",
        "!!python/name:os.system",
        "!custom {marker}",
    ],
)
def test_unsafe_yaml_tags_are_refused(tmp_path: Path, tagged: str) -> None:
    marker = tmp_path / "pwned"
    text = f"date: 2023-10-13\ntitle: {tagged.format(marker=marker)}\n"
    root = _project(tmp_path / "p", {"tag.yaml": text})
    raw, report = load_project(root)
    assert raw.events == []
    (line,) = _lines(report)
    assert line.startswith("content/events/tag.yaml:2:8: error: the YAML tag")
    assert "is not allowed: remove it" in line
    assert not marker.exists()


def test_duplicate_keys_are_refused_naming_the_first_line(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        {"dup.yaml": "date: 2023-10-13\ntitle: First\nsummary: x\ntitle: Second\n"},
    )
    raw, report = load_project(root)
    assert raw.events == []
    assert _lines(report) == [
        "content/events/dup.yaml:4:1: error: duplicate key 'title' (first given on line 2)"
    ]


def _alias_bomb(levels: int = 10, width: int = 10) -> str:
    """The "billion laughs" document: each level repeats the previous one `width` times."""
    lines = ['a0: &a0 ["lol"' + ', "lol"' * (width - 1) + "]"]
    for n in range(1, levels):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_fails_with_a_clear_error(tmp_path: Path) -> None:
    root = _project(tmp_path, {"bomb.yaml": _alias_bomb()})
    raw, report = load_project(root)
    assert raw.events == []
    (line,) = _lines(report)
    assert line.startswith("content/events/bomb.yaml:")
    assert "expand to more than 100,000 values (a YAML alias bomb?)" in line
    # it points at the alias where the expansion crosses the limit, before expanding any
    assert line.startswith("content/events/bomb.yaml:5:45: error:")


def test_alias_bomb_does_not_eat_memory(tmp_path: Path) -> None:
    """Parse 10**10 values' worth of aliases in a process capped at 512 MB of address space:
    expanding even a millionth of it would not fit."""
    (tmp_path / "bomb.yaml").write_text(_alias_bomb(), encoding="utf-8")
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (512 * 2**20, 512 * 2**20))\n"
        "from builder.load import YamlProblem, parse_yaml\n"
        "text = open(sys.argv[1], encoding='utf-8').read()\n"
        "try:\n"
        "    parse_yaml(text)\n"
        "except YamlProblem as problem:\n"
        "    print('refused', problem.line, problem.message)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "bomb.yaml")],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("refused 5 ")
    assert "alias bomb" in proc.stdout


def test_moderate_alias_use_is_fine() -> None:
    data = parse_yaml("base: &src {url: 'https://a.example/x'}\nuse: [*src, *src]\n")
    assert data["use"][1]["url"] == "https://a.example/x"


def test_an_alias_inside_its_own_value_is_refused() -> None:
    with pytest.raises(YamlProblem) as caught:
        parse_yaml("date: 2023-10-13\ntags: &t [a, *t]\n")
    assert (caught.value.line, caught.value.col) == (2, 14)
    assert "the alias *t is used inside the value it names" in caught.value.message
    with pytest.raises(YamlProblem) as caught:  # an anchor name used again, for a new value
        parse_yaml("date: &t 2023-10-13\ntags: &t [a, *t]\n")
    assert (caught.value.line, caught.value.col) == (2, 14)


def test_deep_nesting_is_an_error_not_a_crash(tmp_path: Path) -> None:
    """libyaml's composer recurses in C: 100,000 nested lists used to kill the process."""
    depth = 100_000
    root = _project(
        tmp_path, {"deep.yaml": "date: 2023-10-13\ntags: " + "[" * depth + "]" * depth + "\n"}
    )
    write(root / "content" / "events" / "ok.yaml", "date: 2023-10-14\ntitle: Fine\n")
    proc = subprocess.run(
        [sys.executable, "-m", "builder", "check", str(root)],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert (
        "content/events/deep.yaml:2:70: error: lists and mappings are nested more than 64 levels "
        "deep here: flatten them" in proc.stderr
    )


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("x: " + "[" * 3000 + "]" * 3000 + "\n", (1, 67)),  # the 64th [, in the root mapping
        ("x: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n", (1, 256)),
        ("x: " + "[" * 3000, (1, 67)),  # never closed: the depth is met first
        ("x:\n" + "".join(" " * i + "- \n" for i in range(0, 2400, 2)), (65, 127)),
        ("a:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(1200)), (65, 65)),
    ],
    ids=["flow lists", "flow mappings", "unclosed lists", "block lists", "block mappings"],
)
def test_nesting_is_refused_where_it_first_goes_too_deep(text: str, where: tuple) -> None:
    """Wherever the parser itself gives up (libyaml 0.2.6 and later stop at 1,000 levels,
    scanning ahead of the values), the error is placed where the 65th level opens (the
    root mapping is the first)."""
    with pytest.raises(load.YamlProblem) as caught:
        load.parse_yaml(text)
    assert (caught.value.line, caught.value.col) == where
    assert caught.value.message == (
        "lists and mappings are nested more than 64 levels deep here: flatten them"
    )


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (
            'date: 2023-10-13\ntitle: "Putin warns\n',
            (2, 8),
            "the quoted text opened on line 2, column 8 is never closed: add the closing quote",
        ),
        ("date: 2023-10-13\n\ttitle: x\n", (2, 1), "a tab cannot indent YAML: indent with spaces"),
        (
            "date: 2023-10-13\ntitle: Putin: a warning\n",
            (2, 13),
            "a colon followed by a space starts a new key here: put the text in quotes",
        ),
        ("date: 2023-10-13\ntitle: @putin\n", (2, 8), "'@' cannot start a value: put the value"),
        (
            "date: 2023-10-13\ncountries: [TJ, AF\ntitle: x\n",
            (3, 6),
            "the list opened with [ on line 2, column 12 is not closed properly: add ] or a comma",
        ),
        ("date: 2023-10-13\ntitle: x\n---\ndate: 2023\n", (3, 1), "a second YAML document"),
        ("title: *nothing\n", (1, 8), "this *alias names no &anchor defined before it"),
        (
            "tags: &x [a]\nactors: &x [b]\n",
            (2, 9),
            "this &anchor is defined a second time (first on line 1, column 7): rename one",
        ),
        (
            "date: 2023-10-13\ntitle without a colon\nsummary: x\n",
            (2, 1),
            "invalid YAML: this line is not `key: value`: add the colon and a space",
        ),
        (
            "- date: 2023-10-13\n title: x\n",
            (2, 2),
            "invalid YAML: did not find expected '-' indicator (while parsing a block collection "
            "on line 1, column 1): check the indentation",
        ),
    ],
)
def test_yaml_syntax_errors_say_where_and_what_to_do(
    text: str, where: tuple[int, int], message: str
) -> None:
    with pytest.raises(YamlProblem) as caught:
        parse_yaml(text)
    assert (caught.value.line, caught.value.col) == where
    assert caught.value.message.startswith(message)


def test_syntax_error_in_front_matter_is_positioned_in_the_file(tmp_path: Path) -> None:
    root = _project(tmp_path)
    write(
        root / "content" / "articles" / "bad.md",
        "---\ntitle: ok\ndate: 2023-01-01\nauthor: [a, b\n---\nBody\n",
    )
    _raw, report = load_project(root)
    (line,) = _lines(report)
    assert line.startswith(
        "content/articles/bad.md:5:1: error: the list opened with [ on line 4, column 9 is not"
    )


def test_unclosed_front_matter_says_how_to_close_it(tmp_path: Path) -> None:
    root = _project(tmp_path)
    write(root / "content" / "articles" / "open.md", "---\ntitle: x\ndate: 2023-01-01\nBody\n")
    raw, report = load_project(root)
    assert raw.articles == []
    assert _lines(report) == [
        "content/articles/open.md:1:1: error: front matter opened on line 1 is never closed: "
        "add a line with ---"
    ]


def test_a_symlink_out_of_the_project_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside / "secret.yaml", "date: 2023-10-13\ntitle: Secret outside event\n")
    write(outside / "more" / "x.yaml", "date: 2023-10-13\ntitle: Another outside event\n")
    root = _project(tmp_path / "proj", {"inside.yaml": "date: 2023-10-13\ntitle: Inside\n"})
    events = root / "content" / "events"
    (events / "link.yaml").symlink_to(outside / "secret.yaml")
    (events / "folder").symlink_to(outside / "more")
    (events / "alias.yaml").symlink_to(events / "inside.yaml")  # inside: followed
    raw, report = load_project(root)
    assert sorted(e.data["title"] for e in raw.events) == ["Inside", "Inside"]
    assert _lines(report) == [
        "content/events/folder:1:1: warning: this symbolic link leads outside the project and "
        "was not followed: copy what it points to into the project to use it",
        "content/events/link.yaml:1:1: warning: this symbolic link leads outside the project "
        "and was not followed: copy what it points to into the project to use it",
    ]
    assert report.errors == []


def test_a_linked_site_yaml_outside_the_project_is_not_read(tmp_path: Path) -> None:
    write(tmp_path / "elsewhere.yaml", "title: Not ours\n")
    root = _project(tmp_path / "proj")
    (root / "content" / "site.yaml").unlink()
    (root / "content" / "site.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    raw, report = load_project(root)
    assert raw.site.data is None
    assert _lines(report) == [
        "content/site.yaml:1:1: error: site.yaml is a link leading outside the project: "
        "copy the file in"
    ]


def test_a_file_gone_before_it_is_read_is_left_out(tmp_path: Path) -> None:
    root = _project(tmp_path, {"ok.yaml": "date: 2023-10-13\ntitle: Stays\n"})
    (root / "content" / "events" / "gone.yaml").symlink_to(root / "content" / "nowhere.yaml")
    raw, report = load_project(root)
    assert [e.data["title"] for e in raw.events] == ["Stays"]
    assert report.items == []
    assert [f.rel for f in raw.files] == ["content/events/ok.yaml"]


def test_files_vanishing_while_loading_never_crash(tmp_path: Path) -> None:
    """An editor saving by delete-and-rename: a second thread removes and recreates files
    while the project is loaded again and again; every load must finish without an
    exception and without inventing errors."""
    root = _project(tmp_path, {"ok.yaml": "date: 2023-10-13\ntitle: Stays\n"})
    flicker = [root / "content" / "events" / f"flicker{n}.yaml" for n in range(20)]
    stop = threading.Event()

    def churn() -> None:
        while not stop.is_set():
            for path in flicker:
                path.write_text("date: 2023-10-13\ntitle: Flicker\n", encoding="utf-8")
            for path in flicker:
                path.unlink()

    worker = threading.Thread(target=churn)
    worker.start()
    try:
        seen = set()
        for _ in range(300):
            raw, report = load_project(root, FileCache())
            assert report.errors == [], _lines(report)
            seen.add(len(raw.events))
    finally:
        stop.set()
        worker.join()
    assert 1 in seen or len(seen) > 1  # the churn really overlapped the loads


def _events_file(root: Path) -> Path:
    return root / "content" / "events" / "a.yaml"


def test_file_cache_reuses_a_parse_until_mtime_or_size_change(tmp_path: Path) -> None:
    root = _project(tmp_path, {"a.yaml": "date: 2023-10-13\ntitle: First\n"})
    path = _events_file(root)
    cache = FileCache()
    first, _ = load_project(root, cache)
    again, _ = load_project(root, cache)
    assert again.events[0].data is first.events[0].data  # the cached parse, not a new one

    stat = path.stat()
    path.write_text("date: 2023-10-13\ntitle: Other\n", encoding="utf-8")  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    same, _ = load_project(root, cache)
    assert same.events[0].data is first.events[0].data  # unchanged fingerprint: trusted

    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    touched, _ = load_project(root, cache)
    assert touched.events[0].data is not first.events[0].data
    assert touched.events[0].data["title"] == "Other"

    path.write_text("date: 2023-10-13\ntitle: Longer title\n", encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # mtime as before
    grown, _ = load_project(root, cache)
    assert grown.events[0].data["title"] == "Longer title"  # the size changed


def test_file_cache_keeps_problems_too_and_forgets_them_when_fixed(tmp_path: Path) -> None:
    root = _project(tmp_path, {"a.yaml": "date: 2023-10-13\ntitle: [unclosed\n"})
    cache = FileCache()
    _, report = load_project(root, cache)
    assert len(report.errors) == 1
    _, report = load_project(root, cache)
    assert len(report.errors) == 1
    path = _events_file(root)
    stat = path.stat()
    path.write_text("date: 2023-10-13\ntitle: fixed now\n", encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    raw, report = load_project(root, cache)
    assert report.items == []
    assert raw.events[0].data["title"] == "fixed now"


def _titles(raw) -> list[str]:
    return sorted(e.data["title"] for e in raw.events)


def _rewrite(path: Path, title: str) -> None:
    """Edit an events file in place, with a new modification time even on a coarse clock."""
    before = path.stat().st_mtime_ns
    path.write_text(f"date: 2023-10-13\ntitle: {title}\n", encoding="utf-8")
    os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


def test_reported_changes_are_the_only_files_looked_at_again(tmp_path: Path) -> None:
    """With changes reported (the live preview's watcher), a load looks again only at the
    files reported; a folder whose files came or went is listed afresh all the same."""
    root = _project(tmp_path, {"a.yaml": "date: 2023-10-13\ntitle: A\n"})
    write(root / "content/events/b.yaml", "date: 2023-10-13\ntitle: B\n")
    events = root / "content/events"
    cache = FileCache()
    cache.expect_changes(None)
    assert _titles(load_project(root, cache)[0]) == ["A", "B"]

    _rewrite(events / "a.yaml", "A2")
    _rewrite(events / "b.yaml", "B2")
    cache.expect_changes(["content/events/a.yaml"])
    assert _titles(load_project(root, cache)[0]) == ["A2", "B"]  # b.yaml: not reported
    cache.expect_changes(["content/events/b.yaml"])
    assert _titles(load_project(root, cache)[0]) == ["A2", "B2"]

    folder_time = events.stat().st_mtime_ns
    write(events / "c.yaml", "date: 2023-10-13\ntitle: C\n")
    os.utime(events, ns=(folder_time + 1_000_000, folder_time + 1_000_000))
    cache.expect_changes([])  # not reported, but the folder changed
    assert _titles(load_project(root, cache)[0]) == ["A2", "B2", "C"]

    (events / "a.yaml").unlink()
    cache.expect_changes(["content/events/a.yaml"])
    assert _titles(load_project(root, cache)[0]) == ["B2", "C"]

    # A subfolder is listed with the folder, and watched by its own time.
    write(events / "more" / "d.yaml", "date: 2023-10-13\ntitle: D\n")
    cache.expect_changes(["content/events/more/"])  # what the watcher says of a new folder
    cache.expect_changes(None)
    assert _titles(load_project(root, cache)[0]) == ["B2", "C", "D"]
    _rewrite(events / "more" / "d.yaml", "D2")
    cache.expect_changes(["content/events/more/d.yaml"])
    assert _titles(load_project(root, cache)[0]) == ["B2", "C", "D2"]
    folder_time = (events / "more").stat().st_mtime_ns
    write(events / "more" / "e.yaml", "date: 2023-10-13\ntitle: E\n")
    os.utime(events / "more", ns=(folder_time + 1_000_000, folder_time + 1_000_000))
    cache.expect_changes([])
    assert _titles(load_project(root, cache)[0]) == ["B2", "C", "D2", "E"]

    _rewrite(events / "c.yaml", "C2")
    cache.expect_changes(None)  # not known what changed: every file is looked at
    assert _titles(load_project(root, cache)[0]) == ["B2", "C2", "D2", "E"]


def test_without_reports_each_load_looks_at_every_file(tmp_path: Path) -> None:
    root = _project(tmp_path, {"a.yaml": "date: 2023-10-13\ntitle: A\n"})
    cache = FileCache()
    load_project(root, cache)
    _rewrite(_events_file(root), "A2")
    assert _titles(load_project(root, cache)[0]) == ["A2"]


def test_changes_reported_before_an_unfinished_load_are_kept(tmp_path: Path) -> None:
    root = _project(tmp_path, {"a.yaml": "date: 2023-10-13\ntitle: A\n"})
    write(root / "content/events/b.yaml", "date: 2023-10-13\ntitle: B\n")
    cache = FileCache()
    cache.expect_changes(None)
    load_project(root, cache)
    _rewrite(root / "content/events/a.yaml", "A2")
    cache.expect_changes(["content/events/a.yaml"])  # a rebuild that never loaded
    _rewrite(root / "content/events/b.yaml", "B2")
    cache.expect_changes(["content/events/b.yaml"])
    assert _titles(load_project(root, cache)[0]) == ["A2", "B2"]


def test_a_reported_file_turned_into_a_link_out_of_the_project_is_not_followed(
    tmp_path: Path,
) -> None:
    outside = tmp_path / "outside"
    write(outside / "secret.yaml", "date: 2023-10-13\ntitle: Secret\n")
    root = _project(tmp_path / "proj", {"a.yaml": "date: 2023-10-13\ntitle: A\n"})
    (root / "content/events/link.yaml").symlink_to(outside / "secret.yaml")
    cache = FileCache()
    cache.expect_changes(None)
    first = load_project(root, cache)[1]
    assert len(first.warnings) == 1
    _rewrite(root / "content/events/a.yaml", "A2")
    cache.expect_changes(["content/events/a.yaml"])
    raw, again = load_project(root, cache)
    assert _titles(raw) == ["A2"]
    assert _lines(again) == _lines(first)  # the listing's warning is given again
    # A file replaced by a link in place (a folder on a coarse clock may not show it).
    a = root / "content/events/a.yaml"
    folder_time = a.parent.stat().st_mtime_ns
    a.unlink()
    a.symlink_to(outside / "secret.yaml")
    os.utime(a.parent, ns=(folder_time, folder_time))
    cache.expect_changes(["content/events/a.yaml"])
    raw, report = load_project(root, cache)
    assert _titles(raw) == []
    assert len(report.warnings) == 2


def test_an_events_file_must_hold_events(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        {
            "scalar.yaml": "just a sentence\n",
            "items.yaml": "- date: 2023-10-13\n  title: ok\n- not an event\n",
            "empty.yaml": "# nothing yet\n",
        },
    )
    raw, report = load_project(root)
    assert raw.events == []
    assert _lines(report) == [
        "content/events/items.yaml:3:3: error: each event must be a mapping (date:, title: ...)",
        "content/events/scalar.yaml:1:1: error: an events file holds one event (a mapping) or "
        "a list of events: start it with date: and title: lines, or a '- date:' line for each "
        "event",
    ]


SCALARS = """\
plain: some words
quoted: 'yes'
double: "1.5"
yes_: yes
off_: Off
int_: 42
negative: -7
hex: 0x1F
octal: 0750
underscored: 1_000
sexagesimal: 1:30
float_: 1.5e3
infinity: .inf
not_a_number: .NaN
null_: ~
empty:
day: 2023-10-13
instant: 2023-10-13T10:00:00Z
forced_str: !!str 12
forced_int: !!int "12"
literal: |
  two
  lines
"""


#: Where we read a plain scalar otherwise than PyYAML's YAML 1.1, as YAML 1.2 and a reader
#: do (see `test_an_unquoted_number_is_read_in_base_ten_as_its_reader_means_it`).
NOT_YAML_1_1 = {"octal": 750, "underscored": "1_000", "sexagesimal": "1:30"}


def test_scalars_resolve_to_the_types_pyyaml_safe_load_gives_dates_staying_text() -> None:
    ours = parse_yaml(SCALARS)
    theirs = yaml.load(SCALARS, Loader=yaml.SafeLoader)
    assert list(ours) == list(theirs)
    assert (theirs["octal"], theirs["underscored"], theirs["sexagesimal"]) == (488, 1000, 90)
    for key, value in theirs.items():
        if key in NOT_YAML_1_1:
            assert (type(ours[key]), ours[key]) == (type(NOT_YAML_1_1[key]), NOT_YAML_1_1[key])
        elif key in ("day", "instant"):
            assert ours[key] == SCALARS.split(f"{key}: ")[1].split("\n")[0]
        elif value != value:  # NaN
            assert ours[key] != ours[key]
        else:
            assert (type(ours[key]), ours[key]) == (type(value), value), key


def test_each_alias_gets_its_own_copy_positioned_where_the_anchor_is() -> None:
    data = parse_yaml("base: &src {url: x, tags: [a, b]}\nuse: [*src, *src]\n")
    first, second = data["use"]
    assert first == second == data["base"]
    assert first is not second and first["tags"] is not data["base"]["tags"]
    assert [data["use"].at(0), data["use"].at(1)] == [Pos(1, 7), Pos(1, 7)]
    assert first.at("tags") == Pos(1, 27) and first["tags"].at(1) == Pos(1, 31)
    assert parse_yaml("a: &k key\n*k : 1\n").key_at("key") == Pos(1, 4)


def test_a_forced_tag_that_cannot_hold_its_value_is_a_positioned_error() -> None:
    with pytest.raises(YamlProblem) as caught:
        parse_yaml("date: 2023-10-13\nfeatured: !!bool maybe\n")
    assert (caught.value.line, caught.value.col) == (2, 11)
    assert caught.value.message == "cannot read 'maybe' as a bool: remove the !!bool tag"
    with pytest.raises(YamlProblem) as caught:
        parse_yaml('count: !!int ""\n')
    assert caught.value.message == "cannot read '' as a int: remove the !!int tag"


@pytest.mark.parametrize(
    ("text", "where", "start"),
    [
        # a syntax error anywhere is reported before a duplicate key earlier in the file
        ("a: 1\na: 2\nb: [1\n", (4, 1), "the list opened with ["),
        # so is nesting too deep, and what the composer refuses (an undefined alias)
        ("a: 1\na: 2\nb: *none\n", (3, 4), "this *alias names no &anchor"),
        ("b: *none\nc: " + "[" * 70 + "]" * 70 + "\n", (2, 67), "lists and mappings are nested"),
        # of several value problems, the first in the file
        ("a: !!set {}\nb: 1\nb: 2\n", (1, 4), "the YAML tag 'tag:yaml.org,2002:set'"),
        ("a: 1\n? [x]\n: 2\na: 3\n", (2, 3), "a key must be a plain word"),
        ("<<: {a: 1}\n", (1, 1), "YAML merge keys (<<) are not supported"),
    ],
)
def test_the_problem_reported_is_the_one_that_takes_precedence(
    text: str, where: tuple[int, int], start: str
) -> None:
    with pytest.raises(YamlProblem) as caught:
        parse_yaml(text)
    assert (caught.value.line, caught.value.col) == where
    assert caught.value.message.startswith(start)


def test_aliases_nesting_deeper_than_python_recursion_still_load() -> None:
    """Each line nests the previous anchor 60 levels deeper: 2,400 levels in all, within
    the alias limit; the values are built without recursion."""
    lines = ["a0: &a0 leaf"]
    for n in range(1, 41):
        lines.append(f"a{n}: &a{n} " + "[" * 60 + f"*a{n - 1}" + "]" * 60)
    data = parse_yaml("\n".join(lines) + "\n")
    value, depth = data["a40"], 0
    while isinstance(value, list):
        value, depth = value[0], depth + 1
    assert (value, depth) == ("leaf", 2400)


OUTLINED = """\
# Three events: the outline tests edit them.

- id: first
  date: 2020-01-02
  title: "First"
  summary: |
    A block scalar
    of two lines.
# a comment at the first column, between two items

- id: second
  date: 2020-02
  title: Second, a plain title
    folded onto a second line
- id: third
  date: 2020-03-04
  title: 'Third'
"""


def _kinds(raw) -> list[str]:
    ((_, events),) = raw.event_files
    return [type(e).__name__ for e in events]


def test_an_outlined_file_is_read_again_only_in_the_items_an_edit_changed(tmp_path: Path):
    """With outlines, an edit to one event of an events file parses that event alone, at its
    place (its values keep their lines), and stands for the others with `SameEvent`s; an
    edit that moves later items parses those again, since their lines changed."""
    root = _project(tmp_path, {"a.yaml": OUTLINED})
    path = _events_file(root)
    cache = FileCache(outlines=True)
    first, _ = load_project(root, cache)
    assert _kinds(first) == ["RawEvent"] * 3
    assert cache.outline("content/events/a.yaml")[0].starts == [2, 10, 14]

    path.write_text(OUTLINED.replace("title: 'Third'", "title: 'Third, edited'"), "utf-8")
    second, report = load_project(root, cache)
    assert _kinds(second) == ["SameEvent", "SameEvent", "RawEvent"]
    ((_, events),) = second.event_files
    assert events[0].read is first.event_files[0][1]  # what the stand-ins stand for
    assert events[2].data["title"] == "Third, edited"
    assert events[2].data.value_pos["title"] == (17, 10)  # its line in the whole file
    assert _lines(report) == []

    path.write_text(OUTLINED.replace("of two lines.\n", "of two lines,\n    and three.\n"), "utf-8")
    third, _ = load_project(root, cache)
    assert _kinds(third) == ["RawEvent"] * 3
    ((_, events),) = third.event_files
    assert events[2].data.value_pos["title"] == (18, 10)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("a mapping at the top", "date: 2020\ntitle: One event\n"),
        ("a document marker", "---\n" + OUTLINED),
        ("an item whose mapping starts below its dash", OUTLINED + "-\n  date: 2021\n"),
        ("an anchor", OUTLINED.replace("date: 2020-02", "date: &d 2020-02")),
        ("a line at the first column that is no item", OUTLINED + "extra: value\n"),
    ],
)
def test_a_file_that_cannot_be_cut_is_always_read_whole(tmp_path: Path, name, text) -> None:
    """Files whose items could read differently apart are never cut into items."""
    root = _project(tmp_path, {"a.yaml": text})
    cache = FileCache(outlines=True)
    load_project(root, cache)
    assert cache.outline("content/events/a.yaml")[0] is None, name


def test_an_item_that_does_not_read_alone_makes_the_file_read_whole(tmp_path: Path) -> None:
    """An edited item that fails alone (a quote left open, or one that the next item
    closes, which reads whole as a key given twice) or brings an anchor is never taken
    from its part: the whole file is read, and gives what a read without outlines gives (a
    value or the usual message)."""
    root = _project(tmp_path, {"a.yaml": OUTLINED})
    path = _events_file(root)
    cache = FileCache(outlines=True)
    load_project(root, cache)
    edits = [
        (
            OUTLINED.replace("title: 'Third'", "title: 'Third").replace('title: "First"', "x: 1"),
            "a.yaml:17:10: error: the quoted text opened on line 17, column 10 is never closed",
        ),
        (
            OUTLINED.replace(
                "title: Second, a plain title\n    folded onto a second line", 'title: "Second'
            ).replace("- id: third", '- id: third"'),
            "a.yaml:15:3: error: duplicate key 'date' (first given on line 12)",
        ),
        (OUTLINED.replace("title: 'Third'", "title: &t 'Third'"), None),
        (OUTLINED, None),
    ]
    for text, problem in edits:
        path.write_text(text, encoding="utf-8")
        cached, cached_report = load_project(root, cache)
        whole, whole_report = load_project(root)
        assert _lines(cached_report) == _lines(whole_report)
        assert [e.data for e in cached.events] == [e.data for e in whole.events]
        if problem is not None:
            assert problem in _lines(whole_report)[0]
        else:
            assert "SameEvent" not in _kinds(cached)


def test_an_outline_cuts_before_each_dash_at_the_first_column() -> None:
    """Items start at dashes in the first column, the first line included; comments and
    blank lines belong to the item above them (or to the head, before the first)."""
    outline = load.Outline.of("- id: a\n  title: A\n# note\n\n- id: b\n  title: B")
    assert outline.head == "" and outline.starts == [0, 4]
    assert outline.items == ["- id: a\n  title: A\n# note\n\n", "- id: b\n  title: B"]
    assert load.Outline.of("# only a comment\n") is None
    assert load.Outline.of("\t- id: a\n") is None  # a tab where a dash or space belongs


def _within(work, seconds: float = 20) -> object:
    """What `work()` returns, failing the test (instead of hanging it) when it never ends,
    as reading a named pipe did."""
    done: list = []
    worker = threading.Thread(target=lambda: done.append(work()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert done, f"did not finish within {seconds} s"
    return done[0]


def test_symlink_loops_are_warnings_at_the_link_not_crashes(tmp_path: Path) -> None:
    root = _project(tmp_path, {"ok.yaml": "date: 2023-10-13\ntitle: Stays\n"})
    events = root / "content" / "events"
    (events / "self.yaml").symlink_to("self.yaml")
    (events / "a.yaml").symlink_to("b.yaml")
    (events / "b.yaml").symlink_to("a.yaml")
    (events / "sub").mkdir()
    (events / "sub" / "deep.yml").symlink_to("deep.yml")
    raw, report = load_project(root)
    assert [e.data["title"] for e in raw.events] == ["Stays"]
    loop = "warning: this symbolic link leads round in a loop and was not followed: "
    loop += "point it at a file, or remove it"
    assert _lines(report) == [
        f"content/events/{name}:1:1: {loop}" for name in ("a.yaml", "b.yaml", "self.yaml")
    ] + [f"content/events/sub/deep.yml:1:1: {loop}"]


def test_a_looping_site_yaml_is_an_error(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "content" / "site.yaml").unlink()
    (root / "content" / "site.yaml").symlink_to("site.yaml")
    raw, report = load_project(root)
    assert raw.site.data is None
    assert _lines(report) == [
        "content/site.yaml:1:1: error: site.yaml is a link that leads back to itself: copy it in"
    ]


def test_pipes_sockets_and_links_to_them_are_reported_and_never_opened(tmp_path: Path) -> None:
    import socket

    root = _project(tmp_path, {"ok.yaml": "date: 2023-10-13\ntitle: Stays\n"})
    events = root / "content" / "events"
    os.mkfifo(events / "pipe.yaml")
    os.mkfifo(root / "content" / "elsewhere")
    (events / "to-pipe.yaml").symlink_to(root / "content" / "elsewhere")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(events / "sock.yaml"))
        raw, report = _within(lambda: load_project(root))
    assert [e.data["title"] for e in raw.events] == ["Stays"]
    tail = "not a regular file, and was not read: replace it with a file, or remove it"
    assert _lines(report) == [
        f"content/events/pipe.yaml:1:1: warning: this is a named pipe, {tail}",
        f"content/events/sock.yaml:1:1: warning: this is a socket, {tail}",
        f"content/events/to-pipe.yaml:1:1: warning: this is a link to a named pipe, {tail}",
    ]


def test_a_file_replaced_by_a_pipe_after_listing_is_refused_not_waited_on(
    tmp_path: Path,
) -> None:
    """The read itself refuses what is not a regular file: a file can be swapped for a pipe
    between the listing's `stat` and the read (the live preview reads files it listed
    before)."""
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    source = load.SourceFile(str(pipe), "content/events/pipe.yaml", 0, 0)
    value = _within(lambda: load._cached(None, source, load._load_yaml_file))
    assert isinstance(value, YamlProblem)
    assert value.message == (
        "this is a named pipe, not a regular file, and was not read: replace it with a file"
    )


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("- date: 2023-01-01\n  title: a\x07b\n", "2:11", "the control character U+0007"),
        ("- date: 2023-01-01\n  title: a\x00b\n", "2:11", "the control character U+0000"),
        ("- date: 2023-01-01\n  title: a\x1bb\n", "2:11", "the control character U+001B"),
        ("- date: 2023-01-01\n  title: é\x7f\n", "2:11", "the control character U+007F"),
        ("- date: 2023-01-01\n  title: ü\ufffe\n", "2:11", "the character U+FFFE"),
        ("# ééé\n- date: 2023-01-01\n  title: oké\x9f\n", "3:13", "the control character U+009F"),
    ],
)
def test_a_character_yaml_refuses_is_one_line_at_its_place(
    tmp_path: Path, text: str, where: str, message: str
) -> None:
    root = _project(tmp_path, {"zz.yaml": text.encode("utf-8")})
    _, report = load_project(root)
    assert _lines(report) == [
        f"content/events/zz.yaml:{where}: error: {message} is not allowed in YAML: remove it"
    ]


def test_a_control_character_in_front_matter_is_placed_in_the_file(tmp_path: Path) -> None:
    root = _project(tmp_path)
    write(root / "content" / "articles" / "a.md", "---\ntitle: A\ndate: 2023-01-0\x01\n---\nBody\n")
    _, report = load_project(root)
    assert _lines(report) == [
        "content/articles/a.md:3:16: error: the control character U+0001 is not allowed in "
        "YAML: remove it"
    ]


def test_an_unquoted_number_is_read_in_base_ten_as_its_reader_means_it() -> None:
    """PyYAML's YAML 1.1 reads `0750` as octal: `date: 0750` was the year 488 and
    `date: -0050` 41 BCE, silently. Digits are now read in base ten whatever zeros lead
    them, and `1_000` or `1:30` (1000 and 90 in YAML 1.1) stay text for the field to refuse."""
    data = parse_yaml(
        "a: 0750\nb: -0050\nc: 0800\nd: 1_000\ne: '0750'\nf: 0x1F\ng: 1:30\nh: !!int 010\ni: 2023\n"
    )
    assert dict(data) == {
        "a": 750, "b": -50, "c": "0800", "d": "1_000",  # 0800 was never an int (nor octal)
        "e": "0750", "f": 31, "g": "1:30",
        "h": 8, "i": 2023,
    }  # fmt: skip


def test_an_unquoted_old_year_is_the_year_written(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        {
            "old.yaml": "- date: 0750\n  title: Year 750\n  sources: [{url: 'https://a.example/'}]\n"
            "- date: -0050\n  title: Before the era\n  sources: [{url: 'https://a.example/'}]\n"
            "- date: 1_000\n  title: Underscored\n  sources: [{url: 'https://a.example/'}]\n"
        },
    )
    result = run_timeline("build", str(project))
    assert result.code == 1
    assert result.err.splitlines()[0].startswith(
        "content/events/old.yaml:7:9: error: '1_000' is not an EDTF date"
    ), result.err
    events = project / "content" / "events" / "old.yaml"
    events.write_text(events.read_text().split("- date: 1_000")[0])
    assert run_timeline("build", str(project)).code == 0
    page = (project / "site" / "index.html").read_text(encoding="utf-8")
    assert '<time datetime="0750" class="date p-year">750</time>' in page
    assert '<time class="date p-year">51 BCE</time>' in page
