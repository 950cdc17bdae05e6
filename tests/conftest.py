"""Shared fixtures: build small real projects on disk and run the real `timeline` command."""

from __future__ import annotations

import codecs
import os
import pty
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEED = REPO.parent / "shared" / "seeds" / "000_192757e8cdab22f9.txt"

SITE_YAML = """\
title: Test Timeline
description: A fixture timeline.
language: en
categories:
  attack: Attack
  diplomacy: Diplomacy
  border-incident: Border incident
actors:
  Islamic State – Khorasan Province: [ISKP, ISIS-K]
  Vladimir Putin: [Putin]
  Taliban: []
"""


@dataclass
class Run:
    """The outcome of one `timeline` process."""

    code: int
    out: str
    err: str


def run_timeline(
    *args: str,
    cwd: Path | None = None,
    timeout: float = 120,
    env: dict[str, str] | None = None,
    prefix: Sequence[str] = (),
) -> Run:
    """Run `python -m builder ARGS` in a real process and capture its output (`env`: more
    environment variables; `prefix`: a command to run it under, such as `setpriv ...`)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), **(env or {}))
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "builder", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def run_on_a_terminal(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    """What the real CLI shows on a pseudo-terminal, run with `args` until it exits (0):
    the output a person at a terminal sees, progress lines included."""
    leader, follower = pty.openpty()
    env = dict(os.environ, PYTHONPATH=str(REPO), TERM="xterm", **(env or {}))
    proc = subprocess.Popen(
        [sys.executable, "-m", "builder", *args], stdout=follower, stderr=follower, env=env
    )
    os.close(follower)
    screen = read_terminal(leader)
    assert proc.wait(timeout=timeout) == 0
    os.close(leader)
    return screen


def read_terminal(leader: int, pattern: str | None = None, seconds: float = 300) -> str:
    """What a pseudo-terminal shows until it closes, or until `pattern` appears on it, or
    `seconds` pass."""
    decode = codecs.getincrementaldecoder("utf-8")().decode  # a character may span reads
    screen, deadline = "", time.monotonic() + seconds
    while not (pattern and re.search(pattern, screen)) and time.monotonic() < deadline:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command has ended
            break
        if not data:
            break
        screen += decode(data)
    return screen


def timeline(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a separate process."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "builder", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def write(path: Path, text: str) -> Path:
    """Write dedented text to path, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache folder (records of last builds, kept conversions, compiled
    templates), for this process and the CLI processes it starts."""
    home = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small valid project: site.yaml, one Markdown article, the seed clipping, events."""
    root = tmp_path / "proj"
    write(root / "content" / "site.yaml", SITE_YAML)
    write(
        root / "content" / "articles" / "report.md",
        """\
        ---
        title: A report on the border
        date: 2023-09-05
        author: [Jane Doe, John Roe]
        publisher: Example News
        url: https://news.example/report
        ---
        Body of the **report**.
        """,
    )
    (root / "content" / "articles" / "seed.txt").write_bytes(SEED.read_bytes())
    write(
        root / "content" / "events" / "2023.yaml",
        """\
        - date: 2023-10-13
          title: Putin warns about Afghanistan at CIS meeting
          summary: Said at the *summit* in Bishkek.
          countries: [RU, Kyrgyzstan]
          actors: [Putin]
          category: diplomacy
          tags: [cis]
          importance: 3
          sources:
            - article: seed
        - date: 2023-09
          title: Three militants killed near the border
          countries: [TJ]
          category: border-incident
          sources:
            - article: report
            - url: https://other.example/story
              title: Other story
              publisher: Other Publisher
              date: 2023-09-06
        - date: 2021-10/2023-10
          title: Rocket fire into Tajikistan
          countries: [AF, TJ]
          actors: [ISIS-K]
          category: attack
          sources: [{article: seed}]
        """,
    )
    write(
        root / "content" / "events" / "takeover.yaml",
        """\
        id: taliban-takeover
        date: 2021-08~
        title: Taliban take Kabul
        countries: [Afghanistan]
        actors: [Taliban]
        sources: [{url: "https://wire.example/kabul", title: Kabul falls}]
        """,
    )
    return root


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium (Debian's, driven by Playwright) per test module."""
    from playwright.sync_api import sync_playwright
    from sitehttp import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
