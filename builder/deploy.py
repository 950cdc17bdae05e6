"""`timeline deploy`: publish the built site to a git branch that GitHub Pages serves.

Like `mkdocs gh-deploy`, this builds the site, then lets `ghp-import` commit the output
folder as the whole tree of a branch (`gh-pages` by default, history kept) and push it to a
remote. The project's own branches and working tree are never touched: ghp-import writes
the commit with `git fast-import` straight into the repository.

ghp-import runs git in the current directory and has no option for another one, so it is
started as its own process (`python -m ghp_import`) in the project folder rather than by
changing this process's working directory.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from builder import __version__
from builder.diagnostics import UsageError
from builder.links import site_base_url


def _git(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=project, capture_output=True, text=True)


def _check_repository(project: Path, remote: str) -> str:
    """The remote as git is to be given it, or UsageError unless the project is inside a git
    work tree and `remote` is one of its remotes, a URL or the path of a repository (as
    `git push` takes them); a path is made absolute, since git runs in the project."""
    inside = _git(project, "rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        raise UsageError(
            f"{project} is not in a git repository: run `git init` and add a remote "
            "(e.g. `git remote add origin URL`) before deploying"
        )
    if _is_named_remote(project, remote) or _is_url(remote):
        return remote
    if Path(remote).exists():
        return _repository_path(project, remote)
    raise UsageError(
        f"the git repository has no remote {remote!r}: add it with "
        f"`git remote add {remote} URL`, or give --remote another remote's name, a URL "
        "or the path of a repository"
    )


def _is_named_remote(project: Path, remote: str) -> bool:
    return _git(project, "remote", "get-url", remote).returncode == 0


def _is_url(remote: str) -> bool:
    """Whether git reads `remote` as a URL: `scheme://...`, or scp-like `[user@]host:path`
    (a remote's name never holds a colon). A Windows drive (`C:\\...`) is a path."""
    if "://" in remote:
        return True
    head, colon, _ = remote.partition(":")
    return bool(colon) and len(head) > 1 and "/" not in head and "\\" not in head


def _repository_path(project: Path, remote: str) -> str:
    """The absolute path of the repository at `remote`, or UsageError if it is not one."""
    path = str(Path(remote).resolve())
    if _git(project, "ls-remote", "--heads", path).returncode != 0:
        raise UsageError(
            f"{remote} is not a git repository: give --remote a remote's name, a URL or "
            "the path of a repository (make one with `git init --bare PATH`)"
        )
    return path


def _where(project: Path, remote: str, branch: str) -> str:
    """How messages name the branch of a remote: `origin/gh-pages` for a remote's name,
    `gh-pages of URL` for a URL or a path."""
    return f"{remote}/{branch}" if _is_named_remote(project, remote) else f"{branch} of {remote}"


def default_message(project: Path) -> str:
    """`Deploy <commit> with timeline-builder <version>`, naming the source commit if any."""
    head = _git(project, "rev-parse", "--short", "HEAD")
    source = f"commit {head.stdout.strip()}" if head.returncode == 0 else "the working tree"
    return f"Deploy {source} with timeline-builder {__version__}"


def custom_domain(base_url: str) -> str | None:
    """The domain GitHub Pages must be told about (its CNAME file), if the site has one.

    That is the base URL's host when the site lives at the root of its own domain; GitHub's
    own `*.github.io` addresses, sub-paths, local addresses and IPs need none.
    """
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.path not in ("", "/") or host.endswith(".github.io") or "." not in host:
        return None
    if host.replace(".", "").isdigit() or host == "localhost":
        return None
    return host


def publish(site: Path, project: Path, *, remote: str, branch: str, message: str) -> int:
    """Commit `site` as the whole tree of `branch` and push it; 0 on success, 1 if git fails."""
    # Start from the remote's branch if it exists, so history is kept and the push is a
    # fast-forward; a first deploy has nothing to fetch, which is fine. ghp-import starts
    # from `REMOTE/BRANCH` when that names a commit, else from the local branch: a URL or a
    # path has no remote-tracking branches, so its branch is fetched into the local one.
    if _is_named_remote(project, remote):
        refspec = f"refs/heads/{branch}:refs/remotes/{remote}/{branch}"
    else:
        refspec = f"+refs/heads/{branch}:refs/heads/{branch}"
    _git(project, "fetch", "--quiet", remote, refspec)
    command = [
        sys.executable,
        "-m",
        "ghp_import",
        "--no-jekyll",
        "--push",
        "--remote",
        remote,
        "--branch",
        branch,
        "--message",
        message,
    ]
    domain = custom_domain(site_base_url(site))
    if domain:
        command += ["--cname", domain]
    command.append(str(site))
    result = subprocess.run(command, cwd=project, capture_output=True, text=True)
    if result.returncode != 0:
        where = _where(project, remote, branch)
        print(f"timeline: error: publishing to {where} failed:", file=sys.stderr)
        print(git_messages(result.stderr or result.stdout), file=sys.stderr)
        return 1
    return 0


def git_messages(output: str) -> str:
    """What git said, without the Python traceback ghp-import prints when a git command fails."""
    before, marker, after = output.partition("Traceback (most recent call last):")
    if not marker:
        return output.strip()
    last = after.strip().splitlines()[-1] if after.strip() else ""
    return (before.strip() or last).strip()


def run_deploy(
    project: Path,
    *,
    remote: str = "origin",
    branch: str = "gh-pages",
    message: str | None = None,
    output: Path | None = None,
    build_first: bool = True,
) -> int:
    """`timeline deploy`: build (unless told not to), then publish the output to a branch."""
    remote = _check_repository(project, remote)
    site = (output or project / "site").resolve()
    if build_first:
        from builder.build import run_build

        status = run_build(project, output=site)
        if status != 0:
            return status
    if not (site / "index.html").is_file():
        raise UsageError(f"no built site in {site}: run `timeline build` first, or drop --no-build")
    status = publish(
        site, project, remote=remote, branch=branch, message=message or default_message(project)
    )
    if status == 0:
        print(f"published {site.name}/ to {_where(project, remote, branch)}")
    return status
