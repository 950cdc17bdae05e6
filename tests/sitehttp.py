"""Test helpers: serve folders over real HTTP on 127.0.0.1, and start headless Chromium.

`serve({"/timeline/": site})` answers only below the given URL prefixes, the way GitHub
Pages serves a project site under /REPO/, so a link that escapes the prefix gets a 404.
With `error_pages=True` a missing address below a prefix gets that site's 404.html (with
status 404), as GitHub Pages, Netlify and most hosts answer.
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

    def __init__(self, *args, mounts: dict[str, Path], error_pages: bool = False, **kwargs):
        self.mounts = mounts
        self.error_pages = error_pages
        super().__init__(*args, directory=str(next(iter(mounts.values()))), **kwargs)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None):
        page = self._error_page() if code == 404 and self.error_pages else None
        if page is None:
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error_page(self) -> Path | None:
        url_path = unquote(urlsplit(self.path).path)
        for prefix, folder in sorted(self.mounts.items(), key=lambda m: -len(m[0])):
            if url_path.startswith(prefix) and (folder / "404.html").is_file():
                return folder / "404.html"
        return None

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
def serve(mounts: dict[str, Path], error_pages: bool = False) -> Iterator[str]:
    """Serve folders under URL prefixes (each starting and ending with /); yields the origin."""
    handler = partial(
        _PrefixHandler, mounts={k: Path(v) for k, v in mounts.items()}, error_pages=error_pages
    )
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


def opened(context, url: str):
    """A new page of a browser context at `url`, keeping the script errors it raises in
    `page.errors` (a page whose JavaScript fails still renders, so tests must ask)."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    page.goto(url)
    return page
