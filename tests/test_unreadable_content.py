"""Content the builder cannot or must not read, through the real CLI: a folder it may not
list, a link in a loop, a named pipe or a device where a file should be.

Each must end as a located diagnostic, never as a traceback (not even from the forked
warm-up, hence `-j 2`), a hang or a smaller site: a folder skipped without a word built a
site without its events and replaced the published one with it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import run_timeline, write

#: As root, permissions do not apply: drop the capabilities that override them.
AS_USER = (
    ("setpriv", "--bounding-set", "-dac_override,-dac_read_search") if os.geteuid() == 0 else ()
)
#: A build reading a device would fill memory within seconds: cap the address space.
MEMORY_CAP = ("prlimit", "--as=3000000000", "--")


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _build(project: Path, prefix: tuple[str, ...] = ()):
    return run_timeline("build", str(project), "-j", "2", timeout=60, prefix=prefix)


@pytest.fixture
def built(project: Path, cache_home: Path) -> Path:
    """The fixture project with a subfolder of events and a page, built once."""
    write(project / "content" / "pages" / "about.md", "---\ntitle: About\n---\nAbout us.\n")
    write(
        project / "content" / "events" / "sub" / "more.yaml",
        "date: 2022-05-01\ntitle: An event in a subfolder\nsources: [{article: report}]\n",
    )
    first = _build(project)
    assert first.code == 0, first.err
    return project


@pytest.mark.parametrize(
    ("folder", "shown"),
    [
        ("content/events", "content/events"),
        ("content/events/sub", "content/events/sub"),
        ("content/articles", "content/articles"),
        ("content/pages", "content/pages"),
        ("content", "content"),
    ],
)
@pytest.mark.parametrize("mode", [0o000, 0o644])
def test_an_unreadable_folder_fails_the_build_and_keeps_the_site(
    built: Path, folder: str, shown: str, mode: int
) -> None:
    site = _tree(built / "site")
    path = built / folder
    path.chmod(mode)
    try:
        run = _build(built, AS_USER)
    finally:
        path.chmod(0o755)
    assert run.code == 1, run.out + run.err
    assert "Traceback" not in run.err
    assert (
        f"{shown}:1:1: error: cannot read this folder (Permission denied): make it readable"
        in run.err.splitlines()
    )
    assert run.err.splitlines()[-1] == "build failed: the previous site was left as it was"
    assert _tree(built / "site") == site


def test_symlink_loops_are_warnings_and_no_process_prints_a_traceback(built: Path) -> None:
    events = built / "content" / "events"
    (events / "zz.yaml").symlink_to("zz.yaml")
    (events / "a.yaml").symlink_to("b.yaml")
    (events / "b.yaml").symlink_to("a.yaml")
    run = _build(built)
    assert run.code == 0, run.err
    assert "Traceback" not in run.err
    loop = "warning: this symbolic link leads round in a loop and was not followed: "
    loop += "point it at a file, or remove it"
    assert run.err.splitlines() == [
        f"content/events/{name}:1:1: {loop}" for name in ("a.yaml", "b.yaml", "zz.yaml")
    ] + ["0 errors, 3 warnings"]
    assert "(5 events" in run.out


@pytest.mark.parametrize("name", ["zz.yaml", "zz.txt"])
@pytest.mark.parametrize("kind", ["pipe", "device"])
def test_a_pipe_or_device_in_content_never_hangs_the_build(
    built: Path, name: str, kind: str
) -> None:
    """A name the loader ignores (zz.txt among events) is not read either: the check for
    an unchanged build read every file of content/ in full."""
    path = built / "content" / "events" / name
    if kind == "pipe":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    run = _build(built, MEMORY_CAP)
    assert run.code == 0, run.err
    assert "Traceback" not in run.err
    warnings = [line for line in run.err.splitlines() if "warning:" in line]
    if name == "zz.txt":
        assert warnings == []
    elif kind == "pipe":
        assert warnings == [
            "content/events/zz.yaml:1:1: warning: this is a named pipe, not a regular file, "
            "and was not read: replace it with a file, or remove it"
        ]
    else:
        assert warnings == [
            "content/events/zz.yaml:1:1: warning: this symbolic link leads outside the project "
            "and was not followed: copy what it points to into the project to use it"
        ]


def test_a_pipe_or_device_in_the_theme_never_hangs_the_build(built: Path) -> None:
    theme = built / "themes" / "default"
    (theme / "static").mkdir(parents=True)
    (theme / "static" / "zero.css").symlink_to("/dev/zero")
    (theme / "templates").mkdir()
    os.mkfifo(theme / "templates" / "pipe.html")
    run = _build(built, MEMORY_CAP)
    assert run.code == 1, run.err
    assert run.err.splitlines()[0] == (
        "themes/default/templates/pipe.html:1:1: error: template pipe.html is a named pipe, "
        "not a file: replace it with a file"
    )
    (theme / "templates" / "pipe.html").unlink()
    run = _build(built, MEMORY_CAP)
    assert run.code == 0, run.err
    assert not list((built / "site" / "static").glob("zero*"))


def test_a_control_character_is_one_line_where_it_stands(built: Path) -> None:
    site = _tree(built / "site")
    (built / "content" / "events" / "zz.yaml").write_bytes(b"- date: 2023-01-01\n  title: a\x07b\n")
    run = _build(built)
    assert run.code == 1
    assert run.err.splitlines() == [
        "content/events/zz.yaml:2:11: error: the control character U+0007 is not allowed in "
        "YAML: remove it",
        "1 error, 0 warnings",
        "build failed: the previous site was left as it was",
    ]
    assert _tree(built / "site") == site


@pytest.fixture(autouse=True)
def _tools() -> None:
    for tool in ("setpriv", "prlimit"):
        assert shutil.which(tool), f"{tool} (util-linux) is needed by these tests"
