"""A real, non-editable install finds its default theme from any folder.

The theme lives at the repo root (themes/default) and must ship inside the wheel as
builder/themes. This test installs a copy of the repo into a fresh virtual environment,
exactly as a user would, and builds a small project from an unrelated working directory.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, write

IGNORED = shutil.ignore_patterns(
    ".git", "site", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", "node_modules"
)


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=600, env=env or _clean_env()
    )
    assert proc.returncode == 0, f"{args}\n{proc.stdout}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr
    return proc.stdout


def _clean_env() -> dict[str, str]:
    """The environment without anything pointing Python at the repo's sources."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.fixture(scope="module")
def build_outputs_before() -> dict[str, int]:
    """Build leftovers in the repo before anything is installed."""
    return _build_outputs(REPO)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, build_outputs_before: dict) -> Path:
    """A virtual environment with timeline-builder installed from a copy of the repo."""
    base = tmp_path_factory.mktemp("packaging")
    source = base / "source"
    shutil.copytree(REPO, source, ignore=IGNORED)
    env_dir = base / "venv"
    # Without its own pip the venv also has no old setuptools of its own, so the build uses
    # the installed build requirements (setuptools>=68, wheel) and pip from the system site.
    _run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(env_dir)],
        cwd=base,
    )
    python = env_dir / "bin" / "python"
    _run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            str(source),
        ],
        cwd=base,
    )
    return env_dir


def test_the_installed_package_is_the_copy_not_the_repo(venv: Path, tmp_path: Path) -> None:
    out = _run(
        [str(venv / "bin" / "python"), "-c", "import builder; print(builder.__file__)"],
        cwd=tmp_path,
    )
    installed = Path(out.strip()).resolve()
    assert installed.is_relative_to(venv.resolve()), installed
    assert not installed.is_relative_to(REPO)


def test_the_theme_ships_inside_the_package(venv: Path, tmp_path: Path) -> None:
    out = _run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import importlib.resources as r; "
            "t = r.files('builder') / 'themes' / 'default'; "
            "print(t / 'templates' / 'base.html'); print(t / 'static' / 'style.css')",
        ],
        cwd=tmp_path,
    )
    base_html, style_css = (Path(line) for line in out.split())
    assert base_html.is_file() and style_css.is_file()
    assert base_html.is_relative_to(venv.resolve())
    assert base_html.as_posix().endswith("builder/themes/default/templates/base.html")
    theme = venv.parent / "source" / "themes" / "default"  # the copy that was installed
    assert base_html.read_bytes() == (theme / "templates" / "base.html").read_bytes()
    shipped = {p.relative_to(base_html.parent.parent) for p in base_html.parent.parent.rglob("*")}
    assert shipped == {p.relative_to(theme) for p in theme.rglob("*")}


def test_the_installed_command_builds_a_project_from_another_folder(
    venv: Path, tmp_path: Path
) -> None:
    project = tmp_path / "somewhere" / "project"
    write(project / "content" / "site.yaml", "title: Installed\ncategories:\n  attack: Attack\n")
    write(
        project / "content" / "events" / "one.yaml",
        """\
        date: 2023-10-13
        title: Built by the installed command
        category: attack
        sources: [{url: "https://news.example/x"}]
        """,
    )
    elsewhere = tmp_path / "unrelated"
    elsewhere.mkdir()
    out = _run([str(venv / "bin" / "timeline"), "build", str(project)], cwd=elsewhere)
    assert "built " in out
    site = project / "site"
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "Built by the installed command" in index
    # the stylesheet is published under a fingerprinted name (static/style.HASH.css)
    (href,) = re.findall(r'<link rel="stylesheet" href="([^"]+)"', index)
    assert re.fullmatch(r"\./static/style(\.[0-9a-f]{8})?\.css", href), href
    stylesheet = site / href
    assert stylesheet.is_file()
    assert b"{" in stylesheet.read_bytes()
    assert list(elsewhere.iterdir()) == []


def test_python_dash_m_builder_version(venv: Path, tmp_path: Path) -> None:
    out = _run([str(venv / "bin" / "python"), "-m", "builder", "--version"], cwd=tmp_path)
    assert out.startswith("timeline-builder ")
    cli = _run([str(venv / "bin" / "timeline"), "--version"], cwd=tmp_path)
    assert cli == out


def test_installing_did_not_write_into_the_repo(venv: Path, build_outputs_before: dict) -> None:
    """The wheel was built in the copy: no new build/, dist/ or egg-info in the repo."""
    assert _build_outputs(REPO) == build_outputs_before


def _build_outputs(folder: Path) -> dict[str, int]:
    """What building a wheel would leave in a folder, with modification times."""
    return {
        p.name: p.stat().st_mtime_ns
        for p in folder.iterdir()
        if p.name in ("build", "dist") or p.name.endswith(".egg-info")
    }
