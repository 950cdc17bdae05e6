"""`timeline serve` as editors use it: a real server process on an ephemeral port, real file
edits (including a real vim save), real HTTP requests.

Waiting is bounded only to stop a broken server from hanging the suite; no test asserts how
fast anything happened. Rebuilds are counted from the server's own terminal lines.
"""

from __future__ import annotations

import gc
import http.client
import io
import json
import os
import pty
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import REPO, run_timeline, write

from builder.build import BuildOptions
from builder.render import PlannedFile
from builder.serve import (
    BadTarget,
    Preview,
    Snapshot,
    Terminal,
    host_policy,
    inject,
    parse_target,
)
from builder.watch import CONTENT, STYLE, TEMPLATE, Change, ChangeQueue, WatchPlan

WAIT = 60  # seconds: only a guard against hanging, never a measured expectation
REBUILD = re.compile(r"(rebuilt in \d+ ms|rebuild failed)")


@dataclass
class Response:
    """One HTTP response, read whole."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Server:
    """A real `timeline serve` process; its output is collected line by line as it comes."""

    def __init__(
        self,
        project: Path,
        *args: str,
        prefix: tuple[str, ...] = (),
        env: dict[str, str | None] | None = None,
    ):
        """`env`: variables to set in the server's environment (None: to remove)."""
        env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1", **(env or {}))
        env = {name: value for name, value in env.items() if value is not None}
        self.proc = subprocess.Popen(
            [*prefix, sys.executable, "-m", "builder", "serve", str(project), "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._closed: list[list[str]] = []
        self._arrived = threading.Condition()
        for stream, lines in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=self._collect, args=(stream, lines), daemon=True).start()
        self.url = self.wait_for(r"serving (http://\S+)").group(1)
        self.folder = Path(self.wait_for(r"building into (\S+) ").group(1))

    def _collect(self, stream, lines: list[str]) -> None:
        for line in stream:
            with self._arrived:
                lines.append(line.rstrip("\n"))
                self._arrived.notify_all()
        with self._arrived:
            self._closed.append(lines)
            self._arrived.notify_all()

    def wait_for(self, pattern: str, start: int = 0, stream: str = "out") -> re.Match:
        """The first line from index `start` on that matches; fails if the server exits."""
        lines = self.out if stream == "out" else self.err
        regex = re.compile(pattern)
        deadline = time.monotonic() + WAIT
        with self._arrived:
            while True:
                for line in lines[start:]:
                    found = regex.search(line)
                    if found:
                        return found
                if any(closed is lines for closed in self._closed) or time.monotonic() > deadline:
                    pytest.fail(f"no line matching {pattern!r}:\n{self.log()}")
                self._arrived.wait(0.2)

    def rebuild_lines(self) -> list[str]:
        """Every rebuild line printed so far (good or failed)."""
        with self._arrived:
            return [line for line in self.out if REBUILD.search(line)]

    def next_rebuild(self, after: int) -> str:
        """Wait for rebuild number `after + 1` and return its line."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            lines = self.rebuild_lines()
            if len(lines) > after:
                return lines[after]
            self.wait_for(r".", start=len(self.out))  # wakes on the next line
        pytest.fail(f"no rebuild after {after}:\n{self.log()}")

    def version(self) -> int:
        """The server's state version, which every rebuild (good or failed) steps by one."""
        return json.loads(self.get(self.path("__timeline/state")).body)["version"]

    def log(self) -> str:
        return "\n".join(["--- stdout", *self.out, "--- stderr", *self.err])

    def get(self, path: str, method: str = "GET", host: str | None = None) -> Response:
        """Send `path` exactly as given (no normalisation), with an optional Host header."""
        parts = urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=WAIT)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", host if host is not None else parts.netloc)
            conn.endheaders()
            reply = conn.getresponse()
            return Response(reply.status, reply.headers, reply.read())
        finally:
            conn.close()

    def path(self, site_path: str = "") -> str:
        """The URL path of a site path, below the served base path."""
        return urlsplit(self.url).path + site_path

    def eventually(self, site_path: str, predicate, what: str) -> Response:
        """GET a page until `predicate(response)` holds."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            response = self.get(self.path(site_path))
            if predicate(response):
                return response
            time.sleep(0.05)
        pytest.fail(f"{what} never happened:\n{self.log()}")

    def stop(self) -> int:
        """Ctrl-C, as an editor would; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@pytest.fixture
def serve():
    """Start `timeline serve` processes; every one is stopped when the test ends."""
    servers: list[Server] = []

    def start(
        project: Path,
        *args: str,
        prefix: tuple[str, ...] = (),
        env: dict[str, str | None] | None = None,
    ) -> Server:
        """`prefix`: a command to run the server under, such as `setpriv ...`; `env`:
        variables to set (None: to remove) in its environment."""
        server = Server(project, *args, prefix=prefix, env=env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def replace_in(path: Path, old: str, new: str) -> None:
    """Edit a file in place, as an editor without atomic saves does."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


TAKEOVER = "events/taliban-takeover/"


def stylesheet(home: Response) -> str:
    """The site path of the home page's stylesheet (its name may carry a fingerprint)."""
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', home.text).group(1)
    return href.removeprefix("./")


# --- starting, serving, stopping --------------------------------------------------------


def test_serves_the_site_from_a_temporary_folder_and_never_touches_site(project, serve):
    server = serve(project)
    assert urlsplit(server.url).port not in (None, 0, 8000)  # --port 0 picked a free port
    page = server.get(server.path())
    assert page.status == 200
    assert "Putin warns about Afghanistan" in page.text
    assert '<script src="/__timeline/livereload.js"' in page.text
    assert not server.folder.is_relative_to(project)
    # The background render writes the complete build there; site/ is never created.
    server.eventually(TAKEOVER, lambda r: (server.folder / "index.html").is_file(), "a build")
    assert (server.folder / TAKEOVER / "index.html").is_file()
    assert not (project / "site").exists()


def test_build_output_never_contains_the_reload_script(project, tmp_path):
    out = tmp_path / "out"
    result = run_timeline("build", str(project), "-o", str(out))
    assert result.code == 0, result.err
    for page in out.rglob("*.html"):
        assert "__timeline" not in page.read_text(encoding="utf-8"), page


def test_ctrl_c_stops_the_server_and_removes_its_folder(project, serve):
    server = serve(project)
    server.eventually("", lambda r: server.folder.is_dir(), "the build folder")
    assert server.stop() == 0
    assert not server.folder.parent.exists()
    assert "stopped" in server.out[-1]
    # A large build takes long to delete, so the server renames its folder away and leaves
    # the deleting to a process of its own: that one finishes the job.
    trash = server.folder.parent.with_name(server.folder.parent.name + ".removing")
    for _ in range(3000):  # a bound against hanging, not a timing
        if not trash.exists():
            break
        time.sleep(0.01)
    assert not trash.exists()


def test_a_port_in_use_is_a_clear_usage_error(project):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_timeline("serve", str(project), "--port", str(port), timeout=WAIT)
    assert result.code == 2
    assert f"port {port} on 127.0.0.1 is in use" in result.err
    assert "--port" in result.err and "Traceback" not in result.err


def test_binding_beyond_loopback_warns(project, serve):
    server = serve(project, "--host", "0.0.0.0")
    server.wait_for(r"warning: listening on 0\.0\.0\.0", stream="err")
    assert server.get(server.path()).status == 200


def test_a_bad_base_url_is_a_usage_error(project):
    result = run_timeline("serve", str(project), "--port", "0", "--base-url", "ftp://x/")
    assert result.code == 2
    assert "--base-url" in result.err


# Python's webbrowser finds no browser on Linux without these (X, Wayland, a terminal).
NO_BROWSER: dict[str, str | None] = dict.fromkeys(
    ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY", "TERM"), None
)


def recording_browser(folder: Path) -> tuple[Path, Path]:
    """A browser command for BROWSER that only writes down each address it is given; the
    command, and the file it writes to."""
    record = folder / "opened.txt"
    script = folder / "record-browser"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{record}"\n', encoding="utf-8")
    script.chmod(0o755)
    return script, record


def test_open_opens_the_preview_in_the_browser_once_it_is_served(project, serve, tmp_path):
    browser, record = recording_browser(tmp_path)
    server = serve(project, "--open", env={**NO_BROWSER, "BROWSER": str(browser)})
    for _ in range(WAIT * 20):  # a bound against hanging, not a timing
        if record.is_file() and record.read_text().endswith("\n"):
            break
        time.sleep(0.05)
    assert record.read_text().splitlines() == [server.url], server.log()
    with urllib.request.urlopen(server.url, timeout=WAIT) as reply:
        assert reply.status == 200
        assert "Putin warns about Afghanistan" in reply.read().decode()
    assert server.err == []


def test_open_without_a_browser_says_so_on_one_line_and_keeps_serving(project, serve):
    server = serve(project, "--open", env=NO_BROWSER)
    said = server.wait_for(r"no web browser could be opened", stream="err").string
    assert said == (
        "timeline: warning: no web browser could be opened (set BROWSER to the command of "
        f"one); open {server.url} yourself"
    )
    assert server.err == [said]
    replace_in(project / "content/events/takeover.yaml", "Taliban take Kabul", "Still serving")
    server.eventually(TAKEOVER, lambda r: "Still serving" in r.text, "a rebuild")
    assert server.proc.poll() is None


@pytest.fixture(scope="module")
def big_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose first build takes well over the second after which progress shows
    (15,000 events: about 2.5 s on a 2-core machine; 5,000 took under a second once the
    first build's keys were left lazy)."""
    sys.path.insert(0, str(REPO / "bench"))
    import corpus

    project = tmp_path_factory.mktemp("big") / "project"
    corpus.generate(project, events=15000, articles=30, seed=7)
    return project


def test_the_first_build_shows_its_stages_on_a_terminal(big_project):
    """The real server under a pseudo-terminal: the first build's stages show on one line,
    erased before the server says it built."""
    leader, follower = pty.openpty()
    env = dict(os.environ, PYTHONPATH=str(REPO), TERM="xterm")
    cmd = [sys.executable, "-m", "builder", "serve", str(big_project), "--port", "0"]
    proc = subprocess.Popen(cmd, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    screen = b""
    deadline = time.monotonic() + 300  # a guard against hanging, not a timing
    try:
        while b"building into" not in screen and time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 1.0)
            if ready:
                screen += os.read(leader, 65536)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=WAIT)
        os.close(leader)
    text = screen.decode()
    assert "building into" in text, text
    before, built = text.split(" built in ", 1)
    shown = re.findall(r"\r(load|validate|model|plan) \.\.\.", before)
    assert shown and shown[-1] == "plan", repr(before)  # planning comes last, after a second
    # The progress line was erased (spaces, then back to its start) before the summary.
    assert re.search(r"\r +\r\d\d:\d\d:\d\d$", before), repr(before[-60:])
    assert re.match(r"\d+ ms: \d+ pages \([\d,]+ events, 30 articles\)", built), built


def test_no_progress_in_the_preview_when_the_output_is_not_a_terminal(big_project, serve):
    server = serve(big_project)
    assert server.get(server.path()).status == 200
    assert server.err == [] and not any("\r" in line for line in server.out)
    assert re.search(r"^\d\d:\d\d:\d\d built in \d+ ms", server.out[0])


# --- HTTP -------------------------------------------------------------------------------


def test_get_and_head_only_with_types_and_no_caching(project, serve):
    server = serve(project)
    page = server.get(server.path())
    head = server.get(server.path(), method="HEAD")
    assert head.status == 200 and head.body == b""
    assert head.headers["Content-Length"] == str(len(page.body))
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["Cache-Control"] == "no-store"
    css = server.get(server.path(stylesheet(page)))
    assert css.status == 200 and css.headers["Content-Type"] == "text/css; charset=utf-8"
    assert css.headers["Cache-Control"] == "no-store"
    feed = server.get(server.path("events.json"))
    assert feed.headers["Content-Type"] == "application/json"
    assert json.loads(feed.body)["events"]
    for method in ("POST", "PUT", "DELETE", "OPTIONS"):
        refused = server.get(server.path(), method=method)
        assert refused.status == 405 and refused.headers["Allow"] == "GET, HEAD"


def test_missing_pages_get_the_404_page_and_folders_redirect(project, serve):
    server = serve(project)
    missing = server.get(server.path("events/no-such-event/"))
    assert missing.status == 404
    assert "livereload.js" in missing.text and "<html" in missing.text.lower()
    folder = server.get(server.path(TAKEOVER.rstrip("/")))
    assert folder.status == 301 and folder.headers["Location"] == server.path(TAKEOVER)


@pytest.mark.parametrize(
    "target",
    [
        "/../../../etc/passwd",
        "/static/../../content/site.yaml",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/static/%2e%2e/%2e%2e/content/site.yaml",
        "/static/..%2f..%2fcontent%2fsite.yaml",
        "/%252e%252e/%252e%252e/etc/passwd",
        "/static/%252e%252e%252f%252e%252e%252fcontent/site.yaml",
        "/..%5c..%5cetc%5cpasswd",
        "/%00/etc/passwd",
        "/%ff%fe",
        "//etc/passwd",
        "/content/site.yaml",
    ],
)
def test_traversal_attempts_get_404_or_400(project, serve_once, target):
    reply = serve_once(project).get(target)
    assert reply.status in (400, 404)
    assert b"root:" not in reply.body and b"categories:" not in reply.body


@pytest.fixture
def serve_once(serve):
    """One server shared by the parametrized cases of a test, started on first use."""
    started: dict[Path, Server] = {}

    def get(project: Path) -> Server:
        if project not in started:
            started[project] = serve(project)
        return started[project]

    return get


def test_a_symlink_planted_in_the_build_folder_is_not_followed(project, serve, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret\n")
    server = serve(project)
    server.eventually("", lambda r: (server.folder / "index.html").is_file(), "a build")
    (server.folder / "leak.txt").symlink_to(secret)
    (server.folder / "leak").symlink_to(tmp_path)
    for target in ("leak.txt", "leak/secret.txt"):
        reply = server.get(server.path(target))
        assert reply.status == 404 and b"top secret" not in reply.body


def test_a_foreign_host_header_is_refused(project, serve):
    server = serve(project)
    port = urlsplit(server.url).port
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1.nip.io:{port}"):
        assert server.get(server.path(), host=host).status == 403, host
    for host in (f"localhost:{port}", f"127.0.0.1:{port}"):
        assert server.get(server.path(), host=host).status == 200, host


def test_base_url_serves_under_its_sub_path(project, serve):
    server = serve(project, "--base-url", "https://example.org/timeline/")
    assert urlsplit(server.url).path == "/timeline/"
    home = server.get("/timeline/")
    assert home.status == 200
    assert '<script src="/timeline/__timeline/livereload.js"' in home.text
    assert server.get("/timeline/" + stylesheet(home)).status == 200
    assert server.get("/timeline/" + TAKEOVER).status == 200
    root = server.get("/")
    assert root.status == 302 and root.headers["Location"] == "/timeline/"
    assert server.get("/index.html").status == 404
    assert server.get("/timeline/__timeline/state").status == 200


# --- watching and rebuilding -----------------------------------------------------------


def test_an_edited_title_is_served_after_one_rebuild(project, serve):
    server = serve(project)
    before = len(server.rebuild_lines())
    replace_in(project / "content/events/takeover.yaml", "Taliban take Kabul", "Kabul falls fast")
    server.eventually(TAKEOVER, lambda r: "Kabul falls fast" in r.text, "the new title")
    line = server.next_rebuild(before)
    assert "rebuilt in" in line and "content/events/takeover.yaml changed" in line
    assert "Kabul falls fast" in server.get(server.path()).text


def test_a_vim_save_is_seen(project, serve):
    vim = shutil.which("vim")
    assert vim, "vim is needed to test a real editor's atomic save"
    server = serve(project)
    before = len(server.rebuild_lines())
    target = project / "content/events/takeover.yaml"
    inode = target.stat().st_ino
    # vim's real default outside /tmp: probe with 4913, rename the file to file~, write a
    # new file, delete file~; its swap files come and go meanwhile.
    subprocess.run(
        [vim, "-u", "NONE", "-i", "NONE", "-N", "-Es",
         "-c", "set backupcopy=auto writebackup backupskip=",
         "-c", "%s/Taliban take Kabul/Saved by vim/", "-c", "wq", str(target)],
        check=True, timeout=WAIT,
    )  # fmt: skip
    assert target.stat().st_ino != inode  # the save really replaced the file
    server.eventually(TAKEOVER, lambda r: "Saved by vim" in r.text, "vim's change")
    line = server.next_rebuild(before)
    assert "content/events/takeover.yaml changed" in line


def test_a_temporary_file_renamed_over_the_original_is_seen(project, serve):
    server = serve(project)
    target = project / "content/events/takeover.yaml"
    temp = target.with_name("takeover.yaml___jb_tmp___")
    temp.write_text(target.read_text().replace("Taliban take Kabul", "Renamed over"))
    os.replace(temp, target)
    server.eventually(TAKEOVER, lambda r: "Renamed over" in r.text, "the renamed file")


def test_editor_temporary_files_cause_no_rebuild(project, serve):
    server = serve(project)
    before = len(server.rebuild_lines())
    events = project / "content/events"
    for name in (
        ".takeover.yaml.swp", ".takeover.yaml.swx", "takeover.yaml~", ".#takeover.yaml",
        "4913", ".DS_Store", "takeover.yaml___jb_tmp___", "takeover.yaml___jb_old___",
        "#takeover.yaml#",
    ):  # fmt: skip
        (events / name).write_text("title: [broken\n")
        (events / name).unlink()
    # A real edit afterwards is the barrier: it must be the only change ever reported.
    version = server.version()
    replace_in(events / "takeover.yaml", "Taliban take Kabul", "After the noise")
    line = server.next_rebuild(before)
    assert re.search(
        r"\(content/events/takeover\.yaml changed; \d+ files? re-rendered(; .*)?\)$", line
    ), line
    server.eventually(TAKEOVER, lambda r: "After the noise" in r.text, "the real edit")
    assert server.version() == version + 1  # one rebuild in all


def test_a_burst_of_200_writes_rebuilds_at_most_twice(project, serve):
    server = serve(project)
    before = server.version()  # the build counter: one step per rebuild, good or failed
    events = project / "content/events"
    for n in range(200):
        write(events / f"burst-{n:03}.yaml", f"date: 2022-01-{n % 28 + 1:02}\ntitle: Burst {n}\n")
    server.eventually("events.json", lambda r: burst_events(r) == 200, "the whole burst")
    assert 1 <= server.version() - before <= 2
    # A later edit is a barrier: a late rebuild of the burst would come before its own.
    replace_in(events / "takeover.yaml", "Taliban take Kabul", "After the burst")
    server.eventually(TAKEOVER, lambda r: "After the burst" in r.text, "the barrier edit")
    rebuilds = server.version() - before
    assert rebuilds <= 3
    lines = [server.next_rebuild(n) for n in range(rebuilds)]
    assert all("rebuilt in" in line for line in lines), lines


def burst_events(response: Response) -> int:
    """How many events of the burst a served events.json holds."""
    events = json.loads(response.body)["events"]
    return sum(1 for event in events if event["title"].startswith("Burst "))


def test_broken_site_yaml_keeps_the_last_good_build_until_fixed(project, serve):
    server = serve(project)
    before = len(server.rebuild_lines())
    site_yaml = project / "content/site.yaml"
    good = site_yaml.read_text()
    site_yaml.write_text(good.replace("title: Test Timeline", "title: [Test Timeline"))
    assert "rebuild failed" in server.next_rebuild(before)
    server.wait_for(r"^content/site\.yaml:\d+:\d+: error: ", stream="err")
    state = json.loads(server.get(server.path("__timeline/state")).body)
    assert state["ok"] is False
    assert any(e.startswith("content/site.yaml:") for e in state["errors"])
    page = server.get(server.path())
    assert page.status == 200 and "Putin warns about Afghanistan" in page.text
    assert state["build"] in page.text  # the page is the build the state names
    site_yaml.write_text(good.replace("Test Timeline", "Fixed Timeline"))
    assert "rebuilt in" in server.next_rebuild(before + 1)
    server.eventually("", lambda r: "Fixed Timeline" in r.text, "the fixed site")
    assert json.loads(server.get(server.path("__timeline/state")).body)["ok"] is True


def test_two_tags_that_would_share_a_folder_fail_the_rebuild_until_spelled_alike(project, serve):
    """The first spelling is in a file whose parse the preview let go of after the first
    build: it is read again to say where that spelling is written."""
    server = serve(project)
    before = len(server.rebuild_lines())
    takeover = project / "content/events/takeover.yaml"
    replace_in(takeover, "actors: [Taliban]\n", "actors: [Taliban]\ntags: [CIS]\n")
    assert "rebuild failed" in server.next_rebuild(before)
    server.wait_for(
        r"^content/events/takeover\.yaml:6:8: error: tag 'CIS' and tag 'cis' "
        r"\(content/events/2023\.yaml:7:10\) would both be published at tags/cis/: "
        r"spell them the same, or rename one$",
        stream="err",
    )
    state = json.loads(server.get(server.path("__timeline/state")).body)
    assert state["ok"] is False
    replace_in(takeover, "tags: [CIS]", "tags: [cis]")
    assert "rebuilt in" in server.next_rebuild(before + 1)
    server.eventually("tags/cis/", lambda r: "Taliban take Kabul" in r.text, "both on tags/cis/")


def test_a_file_made_readable_again_is_read_at_the_next_rebuild(project, serve):
    """chmod changes neither a file's time nor its size, which the preview's cache of parsed
    files is keyed by: a file that could not be read must be tried again at every rebuild,
    not reported from the cache until its time changes."""
    # As root, permissions do not apply: drop the capabilities that override them.
    as_user = (
        ("setpriv", "--bounding-set", "-dac_override,-dac_read_search") if os.geteuid() == 0 else ()
    )
    server = serve(project, prefix=as_user)
    before = len(server.rebuild_lines())
    locked = project / "content/events/locked.yaml"
    fd = os.open(locked, os.O_CREAT | os.O_WRONLY, 0o000)  # never readable before it is whole
    os.write(fd, b"date: 2022-01-01\ntitle: Behind a lock\n")
    os.close(fd)
    assert "rebuild failed" in server.next_rebuild(before)
    server.wait_for(r"locked\.yaml:1:1: error: cannot read this file", stream="err")

    locked.chmod(0o644)  # no event: the next edit of anything must read it again
    replace_in(project / "content/events/takeover.yaml", "take Kabul", "took Kabul")
    assert "rebuilt in" in server.next_rebuild(before + 1)
    server.eventually("", lambda r: "Behind a lock" in r.text, "the unlocked event")


def test_a_project_that_does_not_build_yet_serves_its_errors_escaped(project, serve):
    event = project / "content/events/takeover.yaml"
    event.write_text("date: 2021-08\ntitle: <img src=x onerror=alert(1)>\ncategory: <b>bad</b>\n")
    server = serve(project)
    assert "build failed" in server.out[0]
    page = server.get(server.path())
    assert page.status == 503
    assert "content/events/takeover.yaml:" in page.text
    assert "<b>bad</b>" not in page.text and "&lt;b&gt;bad&lt;/b&gt;" in page.text
    event.write_text("date: 2021-08\ntitle: Fixed at last\n")
    server.eventually("", lambda r: r.status == 200 and "Fixed at last" in r.text, "the fix")


def test_deleted_folders_and_vanishing_files_never_kill_the_server(project, serve):
    server = serve(project)
    content = project / "content"
    shutil.rmtree(content / "events")
    server.eventually("", lambda r: "Putin warns" not in r.text, "the events to go")
    # Files that appear and vanish while rebuilds read them.
    (content / "events").mkdir()
    for n in range(60):
        churn = content / "events" / f"churn-{n % 5}.yaml"
        churn.write_text(f"date: 2020-01-01\ntitle: Churn {n}\n")
        if n % 2:
            churn.unlink()
    # The whole content folder goes and comes back: a new folder, watched anew.
    kept = shutil.copytree(content, project.parent / "kept")
    shutil.rmtree(content)
    state = server.eventually(
        "__timeline/state", lambda r: not json.loads(r.body)["ok"], "the failure"
    )
    assert any("site.yaml" in e for e in json.loads(state.body)["errors"])
    shutil.copytree(kept, content)
    server.eventually("__timeline/state", lambda r: json.loads(r.body)["ok"], "recovery")
    write(content / "events/back.yaml", "date: 2020-02-02\ntitle: Back again\n")
    server.eventually("", lambda r: "Back again" in r.text, "the content to come back")
    assert server.proc.poll() is None
    assert server.get(server.path("__timeline/state")).status == 200


def _linked_out(path: str) -> str:
    """The warning `timeline build` gives for a theme's static file linked out of its theme."""
    return (
        f"{path}:1:1: warning: this static file is a symbolic link leading outside its theme "
        "folder, and was not published: copy what it points to into the theme to publish it"
    )


def _state(server: Server) -> dict:
    return json.loads(server.get(server.path("__timeline/state")).body)


def test_a_static_file_linked_out_of_its_theme_is_a_warning_as_in_the_build(
    project, serve, tmp_path
):
    """The preview leaves out such a file as `timeline build` does, and says so as it does:
    on standard error and in the state, at the first build and when the static folder
    changes; an edit elsewhere keeps the warning, removing the link ends it."""
    private = write(tmp_path / "private.txt", "private bytes\n")
    static = project / "themes" / "default" / "static"
    static.mkdir(parents=True)
    (static / "leak.txt").symlink_to(private)
    leak = _linked_out("themes/default/static/leak.txt")
    built = run_timeline("build", str(project), "-o", str(tmp_path / "site"))
    assert leak in built.err.splitlines()

    server = serve(project)
    server.wait_for(f"^{re.escape(leak)}$", stream="err")
    assert _state(server)["warnings"] == [leak]
    assert server.get(server.path("static/leak.txt")).status == 404

    before = len(server.rebuild_lines())
    (static / "map.png").symlink_to(private)
    map_png = _linked_out("themes/default/static/map.png")
    assert "rebuilt in" in server.next_rebuild(before)
    server.wait_for(f"^{re.escape(map_png)}$", stream="err")
    assert _state(server)["warnings"] == [leak, map_png]

    replace_in(project / "content/events/takeover.yaml", "Taliban take Kabul", "Kabul falls")
    assert "rebuilt in" in server.next_rebuild(before + 1)
    assert _state(server)["warnings"] == [leak, map_png]

    (static / "leak.txt").unlink()
    (static / "map.png").unlink()
    server.eventually(
        "__timeline/state", lambda r: json.loads(r.body)["warnings"] == [], "the warnings to go"
    )
    assert all(b"private bytes" not in file.read_bytes() for file in server.folder.rglob("*.*"))


def test_the_event_stream_announces_each_new_build(project, serve):
    server = serve(project)
    state = json.loads(server.get(server.path("__timeline/state")).body)
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=WAIT)
    conn.request("GET", server.path(f"__timeline/events?build={state['build']}"))
    stream = conn.getresponse()
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    replace_in(project / "content/events/takeover.yaml", "Taliban take Kabul", "Streamed")
    data = None
    while data is None:
        line = stream.readline().decode()
        if line.startswith("data: "):
            data = json.loads(line[len("data: ") :])
    conn.close()
    assert data["ok"] is True and data["build"] != state["build"]
    assert data["previous"] == state["build"]


# --- in-process: the pieces, on real files ----------------------------------------------


def test_a_template_change_rerenders_without_rereading_content(project, tmp_path):
    preview = Preview(project, BuildOptions(), tmp_path / "out", Terminal())
    assert preview.rebuild([])
    templates = project / "themes/default/templates"
    templates.mkdir(parents=True)
    shipped = REPO / "themes/default/templates/404.html"
    (templates / "404.html").write_text(shipped.read_text().replace("</h1>", " (custom)</h1>"))
    # Content edited on disk but not reported: a template-only rebuild must not read it.
    replace_in(project / "content/events/takeover.yaml", "Taliban take Kabul", "Unread title")
    assert preview.rebuild([Change(TEMPLATE, "themes/default/templates/404.html")])
    _, page_404 = preview.fetch("404.html")
    _, event_page = preview.fetch(TAKEOVER + "index.html")
    assert b"(custom)</h1>" in page_404
    assert b"Taliban take Kabul" in event_page and b"Unread title" not in event_page
    assert preview.rebuild([Change(CONTENT, "content/events/takeover.yaml")])
    _, event_page = preview.fetch(TAKEOVER + "index.html")
    assert b"Unread title" in event_page


def test_a_template_change_made_while_content_is_broken_is_not_lost(project, tmp_path):
    override = project / "themes/default/templates/404.html"
    override.parent.mkdir(parents=True)
    shutil.copy(REPO / "themes/default/templates/404.html", override)
    preview = Preview(project, BuildOptions(), tmp_path / "out", Terminal())
    assert preview.rebuild([])
    assert b"(custom)" not in preview.fetch("404.html")[1]  # the template is compiled now
    event = project / "content/events/takeover.yaml"
    good = event.read_text()
    event.write_text(good.replace("title: Taliban take Kabul", "title: [broken"))
    assert not preview.rebuild([Change(CONTENT, "content/events/takeover.yaml")])
    replace_in(override, "</h1>", " (custom)</h1>")
    assert not preview.rebuild([Change(TEMPLATE, "themes/default/templates/404.html")])
    event.write_text(good)
    assert preview.rebuild([Change(CONTENT, "content/events/takeover.yaml")])
    assert b"(custom)</h1>" in preview.fetch("404.html")[1]


def test_a_template_that_does_not_compile_fails_the_preview_as_it_fails_the_build(
    project, tmp_path
):
    """Every template is compiled when the preview starts and each one an edit touches, so
    a broken template no page uses fails the preview as it fails `timeline build`; the last
    good build stays served, and the error stays until the template is mended."""
    unused = project / "themes/default/templates/partials/unused.html"
    unused.parent.mkdir(parents=True)
    unused.write_text("<p>\n{% if event %}{{ event.title }</p>\n")
    error = (
        "themes/default/templates/partials/unused.html:2:1: error: template syntax: unexpected '}'"
    )
    preview = Preview(project, BuildOptions(), tmp_path / "out", Terminal())
    assert not preview.rebuild([])
    assert preview.state().errors == (error,)
    unused.write_text("<p>{{ site.title }}</p>\n")
    edit = [Change(TEMPLATE, "themes/default/templates/partials/unused.html")]
    assert preview.rebuild(edit)
    good = preview.state()
    assert good.ok and good.errors == ()
    unused.write_text("<p>\n{% if event %}{{ event.title }</p>\n")
    assert not preview.rebuild(edit)
    assert preview.state().errors == (error,)
    # The last good build is still served.
    assert b"Taliban take Kabul" in preview.fetch(TAKEOVER + "index.html")[1]
    replace_in(project / "content/events/takeover.yaml", "Taliban take Kabul", "Retitled")
    assert not preview.rebuild([Change(CONTENT, "content/events/takeover.yaml")])
    assert preview.state().errors == (error,)
    unused.unlink()
    assert preview.rebuild([Change(TEMPLATE, "themes/default/templates/partials/unused.html")])
    assert b"Retitled" in preview.fetch(TAKEOVER + "index.html")[1]


def test_a_template_linked_out_of_the_theme_fails_the_preview_as_it_fails_the_build(
    project, tmp_path
):
    """A template that is a link leading out of its theme is refused by the preview too,
    at the link's place, while the last good build stays served; a file in its place mends
    it."""
    preview = Preview(project, BuildOptions(), tmp_path / "out", Terminal())
    assert preview.rebuild([])
    secret = tmp_path / "private.html"
    secret.write_text("private bytes\n")
    override = project / "themes/default/templates/404.html"
    override.parent.mkdir(parents=True)
    override.symlink_to(secret)
    edit = [Change(TEMPLATE, "themes/default/templates/404.html")]
    assert not preview.rebuild(edit)
    assert preview.state().errors == (
        "themes/default/templates/404.html:1:1: error: template 404.html is a symbolic link "
        "leading outside its theme folder, and was not read: copy what it points to into the "
        "theme to use it",
    )
    assert b"private bytes" not in preview.fetch("404.html")[1]
    override.unlink()
    override.write_text("own 404\n")
    assert preview.rebuild(edit)
    assert preview.fetch("404.html")[1] == b"own 404\n"


def test_a_rebuild_that_reads_no_content_keeps_the_contents_warnings(project, tmp_path):
    """A template or stylesheet edit re-renders without reading content: the warnings the
    content had stay in the state, and are not printed again as if they were new."""
    replace_in(
        project / "content/events/takeover.yaml",
        "title: Taliban take Kabul",
        "title: Taliban take Kabul\nsummary: See [the border](../border/).",
    )
    err = io.StringIO()
    preview = Preview(project, BuildOptions(), tmp_path / "out", Terminal(io.StringIO(), err))
    assert preview.rebuild([])
    warnings = preview.state().warnings
    assert len(warnings) == 1 and "relative link to ../border/" in warnings[0], warnings
    assert err.getvalue() == f"{warnings[0]}\n1 warning\n"
    assert preview.rebuild([Change(STYLE, "themes/default/static/style.css")])
    assert preview.rebuild([Change(TEMPLATE, "themes/default/templates/404.html")])
    assert preview.state().warnings == warnings
    assert err.getvalue() == f"{warnings[0]}\n1 warning\n"


def test_a_stylesheet_change_is_announced_as_a_swap(project, tmp_path):
    preview = Preview(project, BuildOptions(), tmp_path / "out", Terminal())
    assert preview.rebuild([])
    first = preview.state()
    assert preview.rebuild([Change(STYLE, "themes/default/static/style.css")])
    swap = preview.state()
    assert (swap.kind, swap.previous, swap.ok) == ("css", first.build, True)
    assert preview.rebuild([Change(CONTENT, "content/events/takeover.yaml")])
    assert preview.state().kind == "reload"


def test_a_snapshot_renders_the_pages_browsers_showed_first(tmp_path):
    """The background renders what `render_first` named before the plan's other files; an
    edit's own files are picked out of the plan without walking it, in path order."""
    paths = [f"events/e{i}/index.html" for i in range(6)] + ["index.html", "feed.xml"]
    plan = [PlannedFile(path, lambda p=path: p.encode()) for path in paths]
    snapshot = Snapshot("b1", plan, "/", tmp_path)
    snapshot.render_first(["index.html", "events/e4/index.html", "gone.html"])
    assert snapshot.unrendered() == ["index.html", "events/e4/index.html"] + [
        p for p in paths if p not in ("index.html", "events/e4/index.html")
    ]
    snapshot.file("events/e4/index.html")
    snapshot.file("events/e0/index.html")
    assert snapshot.unrendered()[:2] == ["index.html", "events/e1/index.html"]
    among = {"feed.xml", "events/e0/index.html", "events/e2/index.html"}
    assert snapshot.unrendered(among=among) == ["events/e2/index.html", "feed.xml"]


def test_parse_target_decodes_once_and_refuses_dot_segments():
    assert parse_target("/events/x/?a=1") == ("/events/x/", "a=1")
    assert parse_target("/a%20b") == ("/a b", "")
    assert parse_target("/%252e%252e/x") == ("/%2e%2e/x", "")  # stays a plain (missing) name
    for bad in ("/../x", "/%2e%2e/x", "/a/%2E%2E/b", "/a/./b", "/a%5cb", "/%00", "/%ff", "x"):
        with pytest.raises(BadTarget):
            parse_target(bad)


def test_host_policy_allows_loopback_names_only():
    local = host_policy("127.0.0.1")
    assert local.allows("127.0.0.1:8000") and local.allows("localhost:8000")
    assert local.allows("[::1]:8000") and local.allows("LOCALHOST") and local.allows("a.localhost")
    assert not local.allows("evil.example:8000") and not local.allows("10.0.0.5:8000")
    assert not local.allows(None) and not local.allows("")
    everywhere = host_policy("0.0.0.0")
    assert everywhere.allows("192.168.1.20:8000") and not everywhere.allows("evil.example")


def test_inject_puts_the_script_before_the_last_body_end():
    assert inject(b"<body>x</body></html>", b"<s>") == b"<body>x<s></body></html>"
    assert inject(b"<BODY>x</BODY>", b"<s>") == b"<BODY>x<s></BODY>"
    assert inject(b"<p>no body", b"<s>") == b"<p>no body<s>"


def test_watch_plan_reads_what_changed(project):
    theme = project / "themes/default"
    plan = WatchPlan(project, (theme,))
    kind = lambda rel, is_dir=False: (plan.classify(project / rel, is_dir) or Change("-", "")).kind  # noqa: E731
    assert kind("content/site.yaml") == "config"
    assert kind("content/events/2023.yaml") == "content"
    assert kind("content/events/2023", is_dir=True) == "content"  # a year folder, not vim's 4913
    assert kind("content/articles/a.txt") == kind("content/pages/about.md") == "content"
    assert kind("themes/default/templates/base.html") == "template"
    assert kind("themes/default/static/style.css") == "style"
    assert kind("themes/default/static/app.js") == "static"
    assert kind("content") == "config"
    for ignored in (
        "content/events/.2023.yaml.swp", "content/events/2023.yaml~", "content/events/4913",
        "content/events/.#2023.yaml", "content/events/2023.yaml___jb_tmp___",
        "content/events/notes.txt", "content/.DS_Store", "site/index.html", "README.md",
        "themes/default/static/.style.css.swp", "themes/default/templates/base.html~",
    ):  # fmt: skip
        assert plan.classify(project / ignored, False) is None, ignored


def test_change_queue_coalesces_a_burst_into_one_batch():
    changes = ChangeQueue()
    stop = threading.Event()
    for n in range(500):
        changes.put(Change(CONTENT, f"content/events/{n % 50}.yaml"))
    batch = changes.next_batch(stop, quiet=0.05, longest=1.0)
    assert len(batch) == 50  # each file once
    stop.set()
    assert changes.next_batch(stop, quiet=0.05, longest=1.0) == []


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file()
    }


def test_after_edits_the_build_folder_is_a_cold_build_byte_for_byte(tmp_path, serve):
    """Each edit is planned as an update of the last build (only the pages it may touch),
    the model patched and validation reused per file: after a site.yaml edit, a new events
    file and its deletion, a title edit of an event with an id and one that renames an
    event, the build folder the server writes holds exactly the files of a cold `timeline build`."""
    sys.path.insert(0, str(REPO / "bench"))
    from corpus import generate

    root = tmp_path / "proj"
    generate(root, 200, 10, seed=5)
    server = serve(root)
    server.eventually("", lambda r: (server.folder / "index.html").is_file(), "a first build")
    files = sorted((root / "content/events").glob("*.yaml"))
    text = files[1].read_text(encoding="utf-8")
    with_id = re.search(r'(?m)^- id: \S+\n  date: [^\n]+\n  title: "([^"]*)"', text).group(1)
    without_id = re.search(r'(?m)^- date: [^\n]+\n  title: "([^"]*)"', text).group(1)
    new = root / "content/events/new.yaml"
    edits = [  # those that change every page first (site.yaml, the number of events), so
        # that they cannot hide a stale page left by the edits that change a few
        lambda: replace_in(root / "content/site.yaml", "title: ", "title: Edited "),
        lambda: new.write_text(
            "date: 2012-03-04\ntitle: A brand new event\nactors: [Taliban]\n"
            "tags: [sanctions]\nsources: [{url: 'https://example.org/x'}]\n",
            encoding="utf-8",
        ),
        new.unlink,
        lambda: replace_in(files[1], f'"{with_id}"', f'"{with_id} (edited)"'),
        lambda: replace_in(files[1], f'"{without_id}"', f'"{without_id} (renamed)"'),
    ]
    for edit in edits:
        before = len(server.rebuild_lines())
        edit()
        assert "rebuilt in" in server.next_rebuild(before), server.log()
    out = tmp_path / "cold"
    result = run_timeline("build", str(root), "-o", str(out))
    assert result.code == 0, result.err
    want = _tree(out)
    # The server writes its folder in the background, and says when the build it serves
    # is in it completely: from then on the folder is the cold build.
    serving = json.loads(server.get(server.path("__timeline/state")).body)["build"]
    server.eventually("__timeline/written", lambda r: r.text.strip() == serving, "the write")
    got = _tree(server.folder)
    assert sorted(got) == sorted(want)
    assert [path for path in want if got[path] != want[path]] == []
    assert "(renamed)" in got["index.html"].decode("utf-8")
    # The complete build is read back from that folder (not held in memory): every file the
    # server answers with is still the cold build's (HTML with the reload script added).
    injected = re.compile(rb'<script src="[^"]*livereload\.js"[^>]*></script>\n')
    for path, data in want.items():
        response = server.get(server.path(path))
        assert response.status == 200, path
        body = injected.sub(b"", response.body) if path.endswith(".html") else response.body
        assert body == data, path


def test_a_complete_build_rests_on_disk_and_compares_with_packed_files(tmp_path):
    """Once written to its folder, a build reads its files back from there (holding them all
    cost 65 MB at 10,000 events), and the next build's packed files compare with those on
    disk by their bytes, so the folder is brought up to date touching only changed files."""
    from builder.render import PlannedFile
    from builder.serve import OnDisk, Packed, Snapshot, unpacked
    from builder.write import update_site

    pages = {"index.html": b"<p>home</p>\n", "events/a/index.html": b"<p>a</p>\n"}
    plan = [PlannedFile(path, lambda data=data: data) for path, data in pages.items()]
    snapshot = Snapshot("1", plan, "/", tmp_path)
    for path in pages:
        snapshot.file(path)
    snapshot.pack()
    folder = tmp_path / "site"
    for path, data in pages.items():
        write(folder / path, data.decode())
    snapshot.rest_on_disk(folder)
    stored = snapshot.stored()
    assert all(type(value) is OnDisk for value in stored.values())
    (folder / "index.html").write_bytes(b"<p>home, written by the folder</p>\n")
    assert snapshot.file("index.html") == b"<p>home, written by the folder</p>\n"
    assert snapshot.file("events/a/index.html") == pages["events/a/index.html"]

    same, other = Packed(zlib.compress(b"<p>a</p>\n", 1)), Packed(zlib.compress(b"<p>b</p>\n", 1))
    assert same == stored["events/a/index.html"] and stored["events/a/index.html"] == same
    assert other != stored["events/a/index.html"]
    mtime = (folder / "events/a/index.html").stat().st_mtime_ns
    new = {"index.html": other, "events/a/index.html": same}
    written = update_site(folder, stored, new, unpacked)
    assert written == 1
    assert (folder / "events/a/index.html").stat().st_mtime_ns == mtime
    assert (folder / "index.html").read_bytes() == b"<p>b</p>\n"


def test_the_preview_and_the_build_share_the_conversions_they_keep(
    tmp_path: Path, serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A preview keeps the Markdown conversions of its complete build for the project's next
    build (builder/textcache.py), and takes those a build kept, so that neither converts
    again what the other did."""
    from builder import text, textcache, warmup

    sys.path.insert(0, str(REPO / "bench"))
    import corpus

    project = tmp_path / "project"
    corpus.generate(project, events=80, articles=6, seed=11)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # for both processes
    server = serve(project)
    server.eventually(
        "__timeline/written", lambda r: r.status == 200 and r.body.strip(), "a complete build"
    )
    kept = textcache.read(project)
    assert len(kept) > 80
    assert all(kept[source] == text._converted(source) for source in kept)
    server.stop()

    # A build's warm-up takes them all, given the time (a build stops it when planning ends,
    # which on a busy machine can come before it has read a file: see test_warmup._warmed).
    monkeypatch.setattr(text, "CONVERTED_EARLY", {})
    warm = warmup.start(project)
    assert warm is not None
    warm._process.join(60)
    assert warm.collect() == len(kept) and warm.fresh == 0
    assert kept == text.CONVERTED_EARLY

    # An edited summary: the build keeps the new text, and the next preview starts with it.
    events = sorted((project / "content/events").glob("*.yaml"))[0]
    source = events.read_text(encoding="utf-8")
    old = re.search(r"  summary: >-\n(    .*\n)+", source).group(0)
    events.write_text(source.replace(old, '  summary: "Kept *once*."\n', 1), encoding="utf-8")
    # A build keeps what its warm-up converted before planning ended, and the warm-up runs at
    # the lowest priority: on a machine whose CPUs are all busy elsewhere it may convert
    # nothing in an 80-event build's fraction of a second. Its first text is the edited one.
    for _ in range(5):
        shutil.rmtree(project / "site", ignore_errors=True)
        assert run_timeline("build", str(project), "--jobs", "2").code == 0
        if "Kept *once*." in textcache.read(project):
            break
    assert "Kept *once*." in textcache.read(project)
    monkeypatch.setattr(text, "CONVERTED_EARLY", {})  # this process's own, for this test
    Preview(project, BuildOptions(), tmp_path / "preview", Terminal(io.StringIO(), io.StringIO()))
    assert text.CONVERTED_EARLY["Kept *once*."] == text._converted("Kept *once*.")


def test_a_batch_names_its_files_for_loading_only_when_they_changed_in_place() -> None:
    """Loading looks again only at the files a batch names (`FileCache.expect_changes`),
    so anything more than files edited has every file looked at."""
    from builder.serve import changed_files
    from builder.watch import CONFIG, CONTENT, STYLE, TEMPLATE, Change

    edits = [Change(CONTENT, "content/events/a.yaml"), Change(STYLE, "themes/x/static/s.css")]
    assert changed_files(edits) == ["content/events/a.yaml"]
    assert changed_files([Change(TEMPLATE, "themes/x/templates/base.html")]) == []
    assert changed_files([]) is None  # the first build
    assert changed_files(edits + [Change(CONFIG, "content/site.yaml")]) is None
    assert changed_files(edits + [Change(CONTENT, "content/articles/sub/")]) is None


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_a_complete_build_gives_the_memory_it_freed_back() -> None:
    """What a build frees in small pieces under memory still in use (glibc keeps it for
    later) goes back to the system once the preview has completed the build."""
    from builder.serve import _malloc_trim, _return_free_memory

    assert _malloc_trim() is not None, "glibc's malloc_trim not found"
    pieces = [bytes([i % 251]) * 2000 for i in range(60_000)]  # 120 MB, each from malloc
    # Made after the pieces, so above them on the heap: the heap cannot just shrink.
    still_used = [bytes([i % 251]) * 2000 for i in range(100)]
    del pieces
    gc.collect()
    before = _resident_mb()
    _return_free_memory()
    assert before - _resident_mb() > 60
    assert still_used[-1][0] == 99 % 251
