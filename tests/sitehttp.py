"""Test helpers: serve folders over real HTTP on 127.0.0.1, and start headless Chromium.

`serve({"/timeline/": site})` answers only below the given URL prefixes, the way GitHub
Pages serves a project site under /REPO/, so a link that escapes the prefix gets a 404.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class _PrefixHandler(SimpleHTTPRequestHandler):
    """Serves each mounted folder below its URL prefix; everything else is a 404."""

    def __init__(self, *args, mounts: dict[str, Path], **kwargs):
        self.mounts = mounts
        super().__init__(*args, directory=str(next(iter(mounts.values()))), **kwargs)

    def translate_path(self, path: str) -> str:
        url_path = unquote(urlsplit(path).path)
        for prefix, folder in sorted(self.mounts.items(), key=lambda m: -len(m[0])):
            if url_path.startswith(prefix):
                rest = url_path[len(prefix) :]
                target = (folder / rest).resolve()
                if target == folder.resolve() or folder.resolve() in target.parents:
                    return str(target) + ("/" if rest.endswith("/") or not rest else "")
        return "/nonexistent/404"

    def log_message(self, *args) -> None:  # keep test output quiet
        pass


@contextmanager
def serve(mounts: dict[str, Path]) -> Iterator[str]:
    """Serve folders under URL prefixes (each starting and ending with /); yields the origin."""
    handler = partial(_PrefixHandler, mounts={k: Path(v) for k, v in mounts.items()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def chromium() -> Iterator:
    """A headless Chromium browser (Playwright), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
