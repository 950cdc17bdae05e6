"""`timeline deploy` publishes the built site to a branch of a real (bare, local) remote."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from conftest import run_timeline, write

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Editor",
    "GIT_AUTHOR_EMAIL": "editor@example.org",
    "GIT_COMMITTER_NAME": "Test Editor",
    "GIT_COMMITTER_EMAIL": "editor@example.org",
}


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commits need a name; the test processes inherit it from the environment."""
    for key, value in GIT_IDENTITY.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def git(cwd: Path, *args: str) -> str:
    """Run git in cwd and return its output; fail the test on an error."""
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def repo(project: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The fixture project as a git repository whose `origin` is a bare repository."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    write(project / ".gitignore", "/site/\n")
    git(project, "init", "--quiet", "--initial-branch=main")
    git(project, "add", ".")
    git(project, "commit", "--quiet", "-m", "content")
    git(project, "remote", "add", "origin", str(remote))
    return project, remote


def _blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _tree(remote: Path, branch: str) -> dict[str, str]:
    """Path -> blob id of every file on the branch."""
    listing = git(remote, "ls-tree", "-r", branch)
    tree = {}
    for line in listing.splitlines():
        meta, path = line.split("\t", 1)
        tree[path] = meta.split()[2]
    return tree


def _files(site: Path) -> dict[str, str]:
    return {
        p.relative_to(site).as_posix(): _blob_id(p.read_bytes())
        for p in site.rglob("*")
        if p.is_file()
    }


def test_deploy_pushes_exactly_the_output_to_gh_pages(repo: tuple[Path, Path]) -> None:
    project, remote = repo
    result = run_timeline("deploy", str(project))
    assert result.code == 0, result.err
    assert "published site/ to origin/gh-pages" in result.out
    tree = _tree(remote, "gh-pages")
    assert tree == _files(project / "site")  # same paths, same bytes
    assert ".nojekyll" in tree and "index.html" in tree and "events.json" in tree
    head = git(project, "rev-parse", "--short", "HEAD").strip()
    message = git(remote, "log", "-1", "--format=%s", "gh-pages").strip()
    assert message == f"Deploy commit {head} with timeline-builder 0.1.0"
    assert git(project, "status", "--porcelain") == ""  # the working tree is untouched
    assert git(project, "branch", "--show-current").strip() == "main"


def test_second_deploy_keeps_history_and_replaces_the_tree(repo: tuple[Path, Path]) -> None:
    project, remote = repo
    assert run_timeline("deploy", str(project)).code == 0
    (project / "content" / "events" / "takeover.yaml").unlink()
    result = run_timeline("deploy", str(project), "--message", "Remove the takeover")
    assert result.code == 0, result.err
    log = git(remote, "log", "--format=%s", "gh-pages").splitlines()
    assert log[0] == "Remove the takeover" and len(log) == 2
    tree = _tree(remote, "gh-pages")
    assert tree == _files(project / "site")
    assert not any(path.startswith("events/taliban-takeover/") for path in tree)


def test_deploy_to_another_remote_and_branch_without_building(
    repo: tuple[Path, Path], tmp_path: Path
) -> None:
    project, _ = repo
    other = tmp_path / "other.git"
    git(tmp_path, "init", "--quiet", "--bare", str(other))
    git(project, "remote", "add", "pages", str(other))
    out = tmp_path / "public"
    assert run_timeline("build", str(project), "-o", str(out)).code == 0
    result = run_timeline(
        "deploy",
        str(project),
        "--remote",
        "pages",
        "--branch",
        "site",
        "-o",
        str(out),
        "--no-build",
    )
    assert result.code == 0, result.err
    assert "built" not in result.out  # --no-build: published as it was
    assert _tree(other, "site") == _files(out)


def test_deploy_needs_a_repository_a_remote_and_a_site(project: Path, tmp_path: Path) -> None:
    not_repo = run_timeline("deploy", str(project))
    assert not_repo.code == 2 and "not in a git repository" in not_repo.err
    git(project, "init", "--quiet")
    no_remote = run_timeline("deploy", str(project))
    assert no_remote.code == 2 and "no remote 'origin'" in no_remote.err
    git(project, "remote", "add", "origin", str(tmp_path / "missing.git"))
    no_site = run_timeline("deploy", str(project), "--no-build")
    assert no_site.code == 2 and "run `timeline build` first" in no_site.err
    push_fails = run_timeline("deploy", str(project))
    assert push_fails.code == 1
    assert "publishing to origin/gh-pages failed" in push_fails.err
    assert "Traceback" not in push_fails.err


def test_deploy_stops_on_content_errors(repo: tuple[Path, Path]) -> None:
    project, remote = repo
    write(project / "content" / "events" / "bad.yaml", "date: 2023-02-30\ntitle: Impossible\n")
    result = run_timeline("deploy", str(project))
    assert result.code == 1
    assert "content/events/bad.yaml:1:7: error:" in result.err
    branches = git(remote, "branch", "--list")
    assert branches.strip() == ""  # nothing was pushed


@pytest.mark.parametrize(
    ("base_url", "cname"),
    [
        ("https://timeline.example.org/", "timeline.example.org"),
        ("https://someone.github.io/timeline/", None),
        ("https://example.org/timeline/", None),
    ],
)
def test_a_custom_domain_gets_its_cname_file(
    repo: tuple[Path, Path], base_url: str, cname: str | None
) -> None:
    project, remote = repo
    assert run_timeline("build", str(project), "--base-url", base_url).code == 0
    assert run_timeline("deploy", str(project), "--no-build").code == 0
    tree = _tree(remote, "gh-pages")
    if cname is None:
        assert tree == _files(project / "site")
    else:
        assert git(remote, "show", "gh-pages:CNAME").strip() == cname
        assert {k: v for k, v in tree.items() if k != "CNAME"} == _files(project / "site")


def test_deploy_to_a_repository_path_or_url(repo: tuple[Path, Path], tmp_path: Path) -> None:
    """`--remote` takes what `git push` takes: a remote's name, a path (here relative to
    where the command runs, not to the project) or a URL; the history on the remote's
    branch is kept, as for a remote's name."""
    project, _ = repo
    other = tmp_path / "pages.git"
    git(tmp_path, "init", "--quiet", "--bare", str(other))
    first = run_timeline("deploy", str(project), "--remote", "pages.git", cwd=tmp_path)
    assert first.code == 0, first.err
    assert f"to gh-pages of {other}" in first.out
    assert _tree(other, "gh-pages") == _files(project / "site")
    write(project / "content/events/more.yaml", "date: 2024\ntitle: More\n")
    git(project, "branch", "-D", "gh-pages")  # as from another clone: history is the remote's
    second = run_timeline("deploy", str(project), "--remote", other.as_uri(), "-m", "again")
    assert second.code == 0, second.err
    assert _tree(other, "gh-pages") == _files(project / "site")
    assert "events/2024-more/index.html" in _tree(other, "gh-pages")
    log = git(other, "log", "--format=%s", "gh-pages").splitlines()
    assert len(log) == 2 and log[0] == "again"


def test_deploy_to_a_path_that_is_not_a_repository(repo: tuple[Path, Path], tmp_path: Path) -> None:
    project, remote = repo
    (tmp_path / "plain").mkdir()
    result = run_timeline("deploy", str(project), "--remote", str(tmp_path / "plain"))
    assert result.code == 2
    assert "is not a git repository" in result.err and "Traceback" not in result.err
    assert git(remote, "branch", "--list").strip() == ""
