"""Crash safety: `kill -9` during a build never damages the site that was there before.

A 2,000-event project is built once; then its content changes and a second build is killed
with SIGKILL, once while it is writing files (a `.timeline-tmp-*` folder has appeared beside
site/) and once shortly after it started. Either way site/ must still be byte for byte the
old site, and the next normal build must succeed, show the new content and leave no
temporary folders behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, run_timeline, write

EVENTS = 2000
FILES = 20
TEMP_PREFIX = ".timeline-tmp-"
OLD_PREFIX = ".timeline-old-"


def _write_corpus(root: Path, version: str) -> None:
    """Write 2,000 valid events over 20 files; `version` goes into every title."""
    per_file = EVENTS // FILES
    for f in range(FILES):
        chunks = []
        for i in range(per_file):
            n = f * per_file + i
            chunks.append(
                f"- id: event-{n:04d}\n"
                f"  date: {1990 + n % 35}-{n % 12 + 1:02d}-{n % 28 + 1:02d}\n"
                f"  title: Event {n} near the border ({version})\n"
                f"  summary: What happened in event {n}, with *emphasis*.\n"
                f"  countries: [{['TJ', 'AF', 'UZ', 'TM'][n % 4]}]\n"
                f"  category: {['attack', 'diplomacy'][n % 2]}\n"
                f"  tags: [tag-{n % 40}]\n"
                f"  importance: {n % 3 + 1}\n"
                f"  sources: [{{url: 'https://news.example/{n}', title: 'Story {n}'}}]\n"
            )
        write(root / "content" / "events" / f"part-{f:02d}.yaml", "".join(chunks))


def _snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith((TEMP_PREFIX, OLD_PREFIX)))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 2,000-event project, built once."""
    root = tmp_path_factory.mktemp("kill") / "big"
    write(
        root / "content" / "site.yaml",
        # the index lists every event, as the assertions below expect
        "title: Big\nevents_per_page: 2000\n"
        "categories:\n  attack: Attack\n  diplomacy: Diplomacy\n",
    )
    _write_corpus(root, "first")
    result = run_timeline("build", str(root), timeout=600)
    assert result.code == 0, result.err
    assert "2000 events" in result.out
    return root


@pytest.fixture
def big(built: Path, tmp_path: Path) -> Path:
    """A copy of the built project for one test to change and kill builds in."""
    copy = tmp_path / "big"
    shutil.copytree(built, copy)
    return copy


def _start_build(root: Path, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "builder", "build", str(root)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, PYTHONPATH=str(REPO)),
        )


def _kill_once_writing(proc: subprocess.Popen, root: Path) -> bool:
    """SIGKILL the build as soon as its temporary folder appears; False if it never did."""
    while proc.poll() is None:
        if any(name.startswith(TEMP_PREFIX) for name in os.listdir(root)):
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.0005)
    return False


def _assert_next_build_is_clean(root: Path, version: str) -> None:
    result = run_timeline("build", str(root), timeout=600)
    assert result.code == 0, result.err
    assert "2000 events" in result.out
    assert _leftovers(root) == []
    index = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert f"Event 1234 near the border ({version})" in index
    assert "(first)" not in index
    page = (root / "site" / "events" / "event-0007" / "index.html").read_text(encoding="utf-8")
    assert f"Event 7 near the border ({version})" in page


def test_kill_during_the_write_stage_leaves_the_old_site(big: Path, tmp_path: Path) -> None:
    before = _snapshot(big / "site")
    assert len(before) > EVENTS
    caught_writing = False
    for attempt in range(5):
        version = f"second-{attempt}"
        _write_corpus(big, version)
        proc = _start_build(big, tmp_path / f"build-{attempt}.log")
        killed = _kill_once_writing(proc, big)
        log = (tmp_path / f"build-{attempt}.log").read_text(encoding="utf-8", errors="replace")
        assert "Traceback" not in log
        if not killed:
            # finished before the poll saw its folder: then it must be a complete new site
            assert proc.returncode == 0, log
            _assert_next_build_is_clean(big, version)
            before = _snapshot(big / "site")
            continue
        assert proc.returncode == -signal.SIGKILL
        after = _snapshot(big / "site")
        if after != before:
            # killed in the instant after the swap: the site must be the whole new one
            reference = tmp_path / f"reference-{attempt}"
            assert run_timeline("build", str(big), "-o", str(reference), timeout=600).code == 0
            assert after == _snapshot(reference), "site/ is neither the old nor the new site"
            before = after
            continue
        assert _leftovers(big), "killed while writing, so its temporary folder remains"
        caught_writing = True
        _assert_next_build_is_clean(big, version)
        break
    assert caught_writing, "no attempt was killed while writing; the write stage was too quick"


def test_kill_shortly_after_start_leaves_the_old_site(big: Path, tmp_path: Path) -> None:
    before = _snapshot(big / "site")
    _write_corpus(big, "early")
    proc = _start_build(big, tmp_path / "build.log")
    # let it get into loading or rendering; any moment before the swap must be safe
    time.sleep(0.3)
    assert proc.poll() is None, "the build ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert _snapshot(big / "site") == before
    _assert_next_build_is_clean(big, "early")
