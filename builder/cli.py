"""The `timeline` command line: parses arguments and hands each command to the module that owns it.

Exit status is part of the contract: 0 success, 1 content errors, 2 usage errors. Content
problems are printed as `path:line:col: severity: message` lines followed by a count, and a
Python traceback is never shown for bad content.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from builder import __version__
from builder.diagnostics import UsageError

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="timeline",
        description="Build a sourced, filterable static timeline from articles and YAML events.",
    )
    parser.add_argument("--version", action="version", version=f"timeline-builder {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    build = sub.add_parser("build", help="build the site into PROJECT/site")
    build.add_argument("project", nargs="?", default=".", help="project folder (default: .)")
    build.add_argument("-o", "--output", help="output folder (default: PROJECT/site)")
    build.add_argument("--base-url", help="absolute URL the site is served from")
    build.add_argument("--drafts", action="store_true", help="include drafts")
    build.add_argument("--strict", action="store_true", help="warnings fail the build")
    build.add_argument("--profile", action="store_true", help="print the time per stage")
    build.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    build.add_argument(
        "-j", "--jobs", type=int, metavar="N", help="render in N processes (default: one per CPU)"
    )

    check = sub.add_parser("check", help="load and validate only; write nothing")
    check.add_argument("project", nargs="?", default=".", help="project folder (default: .)")
    check.add_argument("--strict", action="store_true", help="warnings fail the check")
    check.add_argument("--drafts", action="store_true", help="validate drafts as published")
    check.add_argument(
        "--links", action="store_true", help="also check every internal link of the built site"
    )
    check.add_argument("-o", "--output", help="built site to link-check (default: PROJECT/site)")
    check.add_argument(
        "--external",
        action="store_true",
        help="also request every http(s) address the content cites and warn about those "
        "that no longer answer (needs network access)",
    )
    check.add_argument(
        "--timeout",
        type=_seconds,
        metavar="SECONDS",
        help="with --external: how long to wait for each address (default: 10)",
    )

    serve = sub.add_parser("serve", help="live preview: build, serve, watch, rebuild, reload")
    serve.add_argument("project", nargs="?", default=".", help="project folder (default: .)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 = any free)")
    serve.add_argument("--drafts", action="store_true", help="include drafts")
    serve.add_argument("--base-url", help="serve under this URL's path, as in production")
    serve.add_argument(
        "--open",
        action="store_true",
        help="open the preview in the web browser once it is served (BROWSER chooses which)",
    )

    imp = sub.add_parser("import", help="turn raw clippings into content/articles/*.md")
    imp.add_argument("clippings", nargs="+", metavar="CLIPPING", help="raw clipping .txt files")
    imp.add_argument("--into", default=".", metavar="PROJECT", help="project folder (default: .)")
    imp.add_argument("--force", action="store_true", help="overwrite existing articles")

    sug = sub.add_parser("suggest", help="print candidate events for an article's dated statements")
    sug.add_argument("article", help="an article file (.md or .txt)")

    new = sub.add_parser("new", help="print or append a commented template")
    new.add_argument("kind", choices=["event"], help="what to create")
    new.add_argument("--append", metavar="FILE", help="append to this events file")

    init = sub.add_parser("init", help="scaffold a new, buildable timeline project")
    init.add_argument("directory", help="folder to create")

    deploy = sub.add_parser("deploy", help="publish the built site to a branch for GitHub Pages")
    deploy.add_argument("project", nargs="?", default=".", help="project folder (default: .)")
    deploy.add_argument(
        "--remote", default="origin", help="git remote: a name, URL or path (default: origin)"
    )
    deploy.add_argument("--branch", default="gh-pages", help="branch (default: gh-pages)")
    deploy.add_argument("--message", "-m", help="commit message")
    deploy.add_argument("-o", "--output", help="built site folder (default: PROJECT/site)")
    deploy.add_argument("--no-build", action="store_true", help="publish the existing output")
    return parser


def _seconds(text: str) -> float:
    """A --timeout value: a positive number of seconds."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return seconds


def _project(path: str) -> Path:
    root = Path(path).resolve()
    if not root.is_dir():
        raise UsageError(
            f"project folder {path!r} does not exist: give the folder that holds content/, "
            f"or start a project there with `timeline init {path}`"
        )
    if not (root / "content").is_dir():
        raise UsageError(
            f"{path!r} is not a timeline project: it has no content/ folder "
            "(create one with `timeline init DIR`)"
        )
    return root


def _run(args: argparse.Namespace) -> int:
    if args.command == "build":
        from builder import build

        return build.run_build(
            _project(args.project),
            output=Path(args.output) if args.output else None,
            base_url=args.base_url,
            drafts=args.drafts,
            strict=args.strict,
            profile=args.profile,
            quiet=args.quiet,
            jobs=args.jobs,
        )
    if args.command == "check":
        from builder import build

        if args.timeout is not None and not args.external:
            raise UsageError("--timeout is how long --external waits: add --external")
        return build.run_check(
            _project(args.project),
            strict=args.strict,
            drafts=args.drafts,
            links=args.links,
            output=Path(args.output) if args.output else None,
            external=args.external,
            timeout=args.timeout,
        )
    if args.command == "serve":
        from builder import serve

        return serve.run_serve(
            _project(args.project),
            host=args.host,
            port=args.port,
            drafts=args.drafts,
            base_url=args.base_url,
            open_browser=args.open,
        )
    if args.command == "import":
        from builder import importer

        return importer.run_import(
            [Path(p) for p in args.clippings], _project(args.into), force=args.force
        )
    if args.command == "suggest":
        from builder import suggest

        return suggest.run_suggest(Path(args.article))
    if args.command == "new":
        from builder import scaffold

        return scaffold.run_new_event(Path(args.append) if args.append else None)
    if args.command == "init":
        from builder import scaffold

        return scaffold.run_init(Path(args.directory))
    if args.command == "deploy":
        from builder import deploy

        return deploy.run_deploy(
            _project(args.project),
            remote=args.remote,
            branch=args.branch,
            message=args.message,
            output=Path(args.output) if args.output else None,
            build_first=not args.no_build,
        )
    raise UsageError(f"unknown command {args.command!r}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `timeline` command and return its exit status."""
    parser = _parser()
    args = parser.parse_args(argv)  # argparse itself exits 2 on bad flags
    try:
        return _run(args)
    except UsageError as exc:
        print(f"timeline: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def entry() -> NoReturn:
    """The `timeline` command as installed: `main`, then an exit that skips freeing memory.

    A cold build of 10,000 events ends holding some 300 MB of objects, and the interpreter
    took 0.4 s to free them one by one after the site was written. By the time `main`
    returns, everything it opened is closed and its processes are joined; only the
    standard streams are left to flush.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe, a closed stream
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
