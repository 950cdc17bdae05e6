"""`timeline check --external`: every cited address asked once, each failure warned at
every place that cites it.

A real HTTP server on 127.0.0.1 stands in for the news sites: it answers each route as
a site might (a success, 404, 500, a permanent redirect, a refused HEAD, a slow answer,
a redirect loop, a redirect to a file: address) and counts what it was asked. A port with
nothing listening stands for a site that is gone. Nothing here reaches the internet.
"""

from __future__ import annotations

import contextlib
import os
import pty
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import REPO, SITE_YAML, read_terminal, run_on_a_terminal, run_timeline, write

#: Proxies from the environment must not see these requests: all of them are local.
LOCAL = {"no_proxy": "*", "NO_PROXY": "*"}


#: Routes answered the same to HEAD and GET: (status, Location). /shielded is a bot shield
#: (403 to any program), /busy a rate limit.
ANSWERS = {
    "/ok": (200, ""),
    "/moved-here": (200, ""),
    "/gone": (404, ""),
    "/broken": (500, ""),
    "/shielded": (403, ""),
    "/busy": (429, ""),
    "/moved": (301, "/moved-here"),
    "/loop": (302, "/loop"),
    "/to-file": (302, "file:///etc/passwd"),
}


@dataclass
class NewsSites:
    """What the server was asked: (method, path) counts, User-Agents, the most requests
    it was answering at once."""

    base: str
    asked: Counter[tuple[str, str]] = field(default_factory=Counter)
    agents: set[str] = field(default_factory=set)
    busy: int = 0
    most_busy: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def requests(self) -> int:
        return sum(self.asked.values())


def _handler(sites: NewsSites) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:
            self._answer(body=False)

        def do_GET(self) -> None:
            self._answer(body=True)

        def _answer(self, body: bool) -> None:
            with sites.lock:
                sites.asked[(self.command, self.path)] += 1
                sites.agents.add(self.headers.get("User-Agent", ""))
                sites.busy += 1
                sites.most_busy = max(sites.most_busy, sites.busy)
            self.counted = True
            try:
                self._route(body)
            finally:
                self._done()

        def _done(self) -> None:
            """No longer busy: called before the answer is sent, as the client may ask its
            next address as soon as it has the answer, before this thread runs on."""
            if self.counted:
                self.counted = False
                with sites.lock:
                    sites.busy -= 1

        def _route(self, body: bool) -> None:
            path = self.path
            if path.startswith("/hop/"):  # an old address: to the address after /hop/
                return self._send(301, body, location=path.removeprefix("/hop/"))
            if path.startswith("/paced/"):
                time.sleep(0.3)
                return self._send(200, body)
            if path == "/slow":
                time.sleep(3)
                return self._send(200, body)
            if path in ANSWERS:
                status, location = ANSWERS[path]
                return self._send(status, body, location=location)
            if path == "/no-head":
                return self._send(200 if body else 405, body)
            if path == "/drip":  # GET only, its body a byte at a time
                return self._drip(body)
            return self._send(404, body)

        def _send(self, status: int, body: bool, location: str = "") -> None:
            payload = b"<!doctype html><title>story</title>" * 100
            self._done()
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if body:
                self.wfile.write(payload)

        def _drip(self, body: bool) -> None:
            """405 to HEAD; to GET a success whose body comes a byte every 0.2 s, until
            the client hangs up (or 1,000 bytes: the fixture must end)."""
            self._done()
            if not body:
                return self._send(405, body)
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(1000):
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.2)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextlib.contextmanager
def _news_site(address: str = "127.0.0.1") -> Iterator[NewsSites]:
    """A real HTTP server on a loopback `address` (one host name per address) answering
    each route as a news site might."""
    server = ThreadingHTTPServer((address, 0), BaseHTTPRequestHandler)
    state = NewsSites(f"http://{address}:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(state)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def sites() -> Iterator[NewsSites]:
    """A news site on 127.0.0.1."""
    with _news_site() as state:
        yield state


def _closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening: connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _project(root: Path, base: str, gone_host: str) -> Path:
    """A project whose events, article, clipping and page cite the server's routes."""
    write(root / "content" / "site.yaml", SITE_YAML)
    write(
        root / "content" / "events" / "2023.yaml",
        f"""\
        - date: 2023-10-13
          title: First event
          summary: See [the follow-up]({base}/no-head) and [the story]({base}/ok#part).
          sources:
            - url: {base}/ok
            - url: {base}/gone
        - date: 2023-10-14
          title: Second event
          sources:
            - url: {base}/ok
            - url: "{base}/broken"
            - {{url: {base}/loop}}
        """,
    )
    write(
        root / "content" / "articles" / "report.md",
        f"""\
        ---
        title: A report
        date: 2023-09-05
        url: {base}/moved
        ---
        The report cites [a dead page]({base}/gone) and <{base}/to-file>.
        Again: [the same dead page]({base}/gone).
        """,
    )
    write(
        root / "content" / "articles" / "clip.txt",
        f"""\
        By Jane Doe in Example News, October 13, 2023
        A paragraph of the clipping.
        {gone_host}/story-of-the-day
        """,
    )
    write(
        root / "content" / "pages" / "about.md",
        f"""\
        ---
        title: About
        ---
        Our sources, one of them slow: [slow]({base}/slow).
        """,
    )
    return root


def _citing(tmp_path: Path, *addresses: str, date: str = "2023-10-13") -> Path:
    """A project of one event, dated `date`, whose sources are these addresses (written
    in a flow list on line 3, so the first is at 3:17)."""
    project = tmp_path / "proj"
    write(project / "content" / "site.yaml", SITE_YAML)
    sources = ", ".join(f"{{url: {address}}}" for address in addresses)
    write(
        project / "content" / "events" / "e.yaml",
        f"date: {date}\ntitle: An event\nsources: [{sources}]\n",
    )
    return project


def _archive(address: str) -> str:
    return f"an archived copy may be at https://web.archive.org/web/*/{address}"


def test_each_failing_address_is_warned_at_every_place_citing_it(
    sites: NewsSites, tmp_path: Path
) -> None:
    base, gone = sites.base, f"http://127.0.0.1:{_closed_port()}"
    project = _project(tmp_path / "proj", base, gone)
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    result = run_timeline("check", str(project), "--external", "--timeout", "1", env=LOCAL)
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    # The check writes nothing: no site/, no file changed.
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before
    assert result.err.splitlines() == [
        f"content/articles/clip.txt:3:1: warning: {gone}/story-of-the-day could not be "
        f"reached: the connection was refused; {_archive(gone + '/story-of-the-day')}",
        f"content/articles/report.md:6:32: warning: {base}/gone answered 404 Not Found; "
        f"{_archive(base + '/gone')}",
        f"content/articles/report.md:6:{44 + len(base)}: warning: {base}/to-file redirects to "
        f"file:///etc/passwd, which is not a web address; {_archive(base + '/to-file')}",
        f"content/articles/report.md:7:29: warning: {base}/gone answered 404 Not Found; "
        f"{_archive(base + '/gone')}",
        f"content/events/2023.yaml:6:12: warning: {base}/gone answered 404 Not Found; "
        f"{_archive(base + '/gone')}",
        f"content/events/2023.yaml:11:12: warning: {base}/broken answered 500 Internal "
        f"Server Error; {_archive(base + '/broken')}",
        f"content/events/2023.yaml:12:13: warning: {base}/loop answered 302 Found but its "
        f"redirects lead to no page (a loop?); {_archive(base + '/loop')}",
        f"content/pages/about.md:4:39: warning: {base}/slow did not answer within 1 second "
        f"(timeout); {_archive(base + '/slow')}",
        "0 errors, 8 warnings",
    ]
    assert result.out.splitlines() == [
        "external: 9 addresses on 1 host checked, 6 failed, 1 address moved permanently",
        "ok: 2 events, 2 articles, 0 errors, 8 warnings",
    ]


def test_strict_makes_a_failing_address_fail_the_check(sites: NewsSites, tmp_path: Path) -> None:
    project = _citing(tmp_path, f"{sites.base}/gone")
    loose = run_timeline("check", str(project), "--external", env=LOCAL)
    strict = run_timeline("check", str(project), "--external", "--strict", env=LOCAL)
    assert (loose.code, strict.code) == (0, 1)
    expected = (
        f"content/events/e.yaml:3:17: warning: {sites.base}/gone answered 404 Not Found; "
        f"{_archive(sites.base + '/gone')}"
    )
    assert loose.err.splitlines()[0] == strict.err.splitlines()[0] == expected
    assert strict.out.splitlines() == [
        "external: 1 address on 1 host checked, 1 failed",
    ]


def test_when_no_address_answers_at_all_the_summary_asks_if_the_machine_is_offline(
    tmp_path: Path,
) -> None:
    """Every source unreachable is rarer than a machine without network: say so once,
    beside the warnings, rather than leave the reader to think every source is gone."""
    gone = f"http://127.0.0.1:{_closed_port()}"
    project = _citing(tmp_path, f"{gone}/a", f"{gone}/b")
    result = run_timeline("check", str(project), "--external", "--timeout", "1", env=LOCAL)
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == (
        "external: 2 addresses on 1 host checked, 2 failed; none answered at all: is this "
        "machine offline, or behind a proxy (HTTPS_PROXY)?"
    )


def test_an_address_refusing_programs_is_listed_to_open_by_hand_not_warned(
    sites: NewsSites, tmp_path: Path
) -> None:
    """A 403 to HEAD and GET alike (a bot shield) or a 429 says nothing of whether a
    reader would find the page: no warning, so `--strict` passes, but each such address is
    listed under the closing line, where it is first cited, to be opened in a browser."""
    base = sites.base
    project = tmp_path / "proj"
    write(project / "content" / "site.yaml", SITE_YAML)
    write(
        project / "content" / "events" / "e.yaml",
        f"""\
        - date: 2023-10-13
          title: One event
          sources: [{{url: {base}/shielded}}, {{url: {base}/busy}}]
        - date: 2023-10-14
          title: Another event
          sources: [{{url: {base}/shielded}}]
        """,
    )
    result = run_timeline("check", str(project), "--external", "--strict", env=LOCAL)
    assert result.code == 0, result.err
    assert result.err == ""
    assert result.out.splitlines()[:3] == [
        "external: 2 addresses on 1 host checked, 0 failed, 2 addresses refused to be checked "
        "by a program (open them in a browser):",
        f"  {base}/shielded answered 403 Forbidden (content/events/e.yaml:3:19)",
        f"  {base}/busy answered 429 Too Many Requests (content/events/e.yaml:3:{37 + len(base)})",
    ]
    assert sites.asked[("HEAD", "/shielded")] == sites.asked[("GET", "/shielded")] == 1


def test_each_address_is_asked_once_however_often_it_is_cited(
    sites: NewsSites, tmp_path: Path
) -> None:
    base, gone = sites.base, f"http://127.0.0.1:{_closed_port()}"
    project = _project(tmp_path / "proj", base, gone)
    result = run_timeline("check", str(project), "--external", "--timeout", "1", env=LOCAL)
    assert result.code == 0, result.err
    # /ok: two events' sources and a summary link (with a fragment); /gone: a source and
    # an article's link. Each answers HEAD, so HEAD is all they are asked.
    assert sites.asked[("HEAD", "/ok")] == 1
    assert sites.asked[("HEAD", "/gone")] == 1
    assert sites.asked[("GET", "/ok")] == sites.asked[("GET", "/gone")] == 0
    # A permanent redirect is followed with the same method, and is no warning.
    assert sites.asked[("HEAD", "/moved")] == sites.asked[("HEAD", "/moved-here")] == 1
    # A timeout is asked once more before it is reported; an HTTP answer is not.
    assert sites.asked[("HEAD", "/slow")] == 2
    assert sites.asked[("HEAD", "/broken")] == 1
    # A redirect to a file: address is not followed anywhere.
    assert sites.asked[("HEAD", "/to-file")] == 1
    assert sites.agents and all(agent.startswith("timeline-builder/") for agent in sites.agents)


def test_an_address_refusing_head_passes_by_get(sites: NewsSites, tmp_path: Path) -> None:
    project = _citing(tmp_path, f"{sites.base}/no-head")
    result = run_timeline("check", str(project), "--external", "--strict", env=LOCAL)
    assert result.code == 0, result.err
    assert result.err == ""
    assert result.out.splitlines()[0] == "external: 1 address on 1 host checked, 0 failed"
    assert sites.asked == Counter({("HEAD", "/no-head"): 1, ("GET", "/no-head"): 1})


def test_a_body_that_drips_in_holds_the_check_no_longer_than_a_read(
    sites: NewsSites, tmp_path: Path
) -> None:
    """A GET reads what has come of the body once and hangs up: a server sending it a
    byte at a time (each within --timeout) would otherwise keep the check for minutes."""
    project = _citing(tmp_path, f"{sites.base}/drip")
    started = time.monotonic()
    result = run_timeline("check", str(project), "--external", "--timeout", "1", env=LOCAL)
    assert time.monotonic() - started < 15
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == "external: 1 address on 1 host checked, 0 failed"


def test_at_most_two_requests_go_to_one_host_at_once(sites: NewsSites, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    write(project / "content" / "site.yaml", SITE_YAML)
    sources = "".join(f"  - url: {sites.base}/paced/{n}\n" for n in range(8))
    write(
        project / "content" / "events" / "e.yaml",
        f"date: 2023-10-13\ntitle: An event\nsources:\n{sources}",
    )
    result = run_timeline("check", str(project), "--external", "--strict", env=LOCAL)
    assert result.code == 0, result.err
    assert sites.requests() == 8
    assert sites.most_busy == 2


def test_redirects_from_two_hosts_ask_their_new_host_two_at_a_time(
    sites: NewsSites, tmp_path: Path
) -> None:
    """Two old hosts (127.0.0.2 and 127.0.0.3, two at a time each) whose eight addresses
    all redirect to one new host (127.0.0.1): it is still asked two at a time, not four."""
    with _news_site("127.0.0.2") as old, _news_site("127.0.0.3") as older:
        addresses = [
            f"{host.base}/hop/{sites.base}/paced/{n}" for n in range(4) for host in (old, older)
        ]
        result = run_timeline("check", str(_citing(tmp_path, *addresses)), "--external", env=LOCAL)
    assert result.code == 0, result.err
    assert old.requests() == older.requests() == 4
    assert sites.requests() == 8
    assert sites.most_busy == 2
    assert result.out.splitlines()[0] == (
        "external: 8 addresses on 2 hosts checked, 0 failed, 8 addresses moved permanently"
    )


def test_content_errors_fail_before_any_address_is_asked(sites: NewsSites, tmp_path: Path) -> None:
    project = _citing(tmp_path, f"{sites.base}/gone", date="2023-02-30")
    result = run_timeline("check", str(project), "--external", env=LOCAL)
    assert result.code == 1
    assert result.err.splitlines() == [
        "content/events/e.yaml:1:7: error: 2023-02-30 is not a real date: "
        "February 2023 has 28 days",
        "1 error, 0 warnings",
    ]
    assert sites.requests() == 0


def test_drafts_are_checked_only_with_drafts(sites: NewsSites, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    write(project / "content" / "site.yaml", SITE_YAML)
    write(
        project / "content" / "events" / "e.yaml",
        f"""\
        - date: 2023-10-13
          title: Published
          sources: [{{url: {sites.base}/ok}}]
        - date: 2023-10-14
          title: Not yet
          draft: true
          sources: [{{url: {sites.base}/gone}}]
        """,
    )
    published = run_timeline("check", str(project), "--external", "--strict", env=LOCAL)
    assert published.code == 0, published.err
    assert sites.asked == Counter({("HEAD", "/ok"): 1})
    drafts = run_timeline("check", str(project), "--external", "--drafts", env=LOCAL)
    assert drafts.code == 0
    assert drafts.err.splitlines()[0].startswith("content/events/e.yaml:7:19: warning: ")
    assert sites.asked[("HEAD", "/gone")] == 1


def test_an_address_is_asked_encoded_and_reported_as_written(
    sites: NewsSites, tmp_path: Path
) -> None:
    project = tmp_path / "proj"
    write(project / "content" / "site.yaml", SITE_YAML)
    written = f"{sites.base}/новости/кабул"
    write(
        project / "content" / "events" / "e.yaml",
        f"date: 2023-10-13\ntitle: An event\nsources: [{{url: {written}}}]\n"
        f"summary: Also [here]({written}#top).\n",
    )
    result = run_timeline("check", str(project), "--external", env=LOCAL)
    encoded = "/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/%D0%BA%D0%B0%D0%B1%D1%83%D0%BB"
    assert sites.asked == Counter({("HEAD", encoded): 1})
    archive = _archive(sites.base + encoded)
    assert result.err.splitlines() == [
        f"content/events/e.yaml:3:17: warning: {written} answered 404 Not Found; {archive}",
        f"content/events/e.yaml:4:22: warning: {written}#top answered 404 Not Found; {archive}",
        "0 errors, 2 warnings",
    ]


def test_an_address_with_a_password_is_refused_before_any_request(
    sites: NewsSites, tmp_path: Path
) -> None:
    """`http://user:password@host/` would be published on every page citing it: validation
    refuses it wherever it is written, so the check asks nothing and no report prints the
    password (reports end up in CI logs)."""
    project = tmp_path / "proj"
    write(project / "content" / "site.yaml", SITE_YAML)
    secret = sites.base.replace("http://", "http://reader:hunter2@")
    write(
        project / "content" / "events" / "e.yaml",
        f"date: 2023-10-13\ntitle: An event\nsources: [{{url: {sites.base}/ok}}]\n"
        f"summary: See [this]({secret}/gone).\n",
    )
    result = run_timeline("check", str(project), "--external", env=LOCAL)
    assert result.code == 1
    assert result.err.splitlines()[0].startswith(
        "content/events/e.yaml:4:21: error: the address holds a user name or password"
    )
    assert sites.requests() == 0
    assert "hunter2" not in result.out + result.err


def test_an_address_with_a_port_that_is_no_number_is_called_invalid(tmp_path: Path) -> None:
    project = _citing(tmp_path, "'http://127.0.0.1:8O8O/x'")
    result = run_timeline("check", str(project), "--external", env=LOCAL)
    assert result.err.splitlines()[0] == (
        "content/events/e.yaml:3:17: warning: http://127.0.0.1:8O8O/x was not asked: it is "
        "not a valid address (nonnumeric port: '8O8O'); " + _archive("http://127.0.0.1:8O8O/x")
    )


def test_a_tls_failure_is_named(sites: NewsSites, tmp_path: Path) -> None:
    """https:// to a server that speaks plain HTTP: the handshake fails."""
    project = tmp_path / "proj"
    write(project / "content" / "site.yaml", SITE_YAML)
    tls = sites.base.replace("http://", "https://") + "/ok"
    write(
        project / "content" / "events" / "e.yaml",
        f"date: 2023-10-13\ntitle: An event\nsources: [{{url: {tls}}}]\n",
    )
    result = run_timeline("check", str(project), "--external", env=LOCAL)
    assert result.err.splitlines() == [
        f"content/events/e.yaml:3:17: warning: {tls} could not be reached: TLS error "
        f"(wrong version number); {_archive(tls)}",
        "0 errors, 1 warning",
    ]
    assert sites.requests() == 0


def test_progress_on_a_terminal_counts_the_addresses(sites: NewsSites, tmp_path: Path) -> None:
    """Twelve addresses of one host answering in 0.3 s each, two at a time: about two
    seconds, past the second after which progress shows."""
    project = tmp_path / "proj"
    write(project / "content" / "site.yaml", SITE_YAML)
    sources = "".join(f"  - url: {sites.base}/paced/{n}\n" for n in range(12))
    write(
        project / "content" / "events" / "e.yaml",
        f"date: 2023-10-13\ntitle: An event\nsources:\n{sources}",
    )
    screen = run_on_a_terminal("check", str(project), "--external", env=LOCAL)
    assert re.search(r"\rcheck sources (1[0-2]|[1-9])/12 addresses", screen), screen
    last = screen.replace("\r\n", "\n").split("\r")[-1]
    assert last.strip().splitlines() == [
        "external: 12 addresses on 1 host checked, 0 failed",
        "ok: 1 event, 0 articles, 0 errors, 0 warnings",
    ]


def test_progress_shows_before_the_first_answer_and_ctrl_c_leaves_a_clean_line(
    sites: NewsSites, tmp_path: Path
) -> None:
    """An address that takes seconds to answer: the count shows meanwhile (0 answered),
    and Ctrl-C then ends the check at once, status 130, the count erased and no
    traceback."""
    project = _citing(tmp_path, f"{sites.base}/slow")
    leader, follower = pty.openpty()
    env = dict(os.environ, PYTHONPATH=str(REPO), TERM="xterm", **LOCAL)
    proc = subprocess.Popen(
        [sys.executable, "-m", "builder", "check", str(project), "--external"],
        stdout=follower,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    try:
        shown = read_terminal(leader, r"check sources 0/1 addresses", 10)
        assert "check sources 0/1 addresses" in shown, shown
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=5) == 130
        rest = read_terminal(leader, r"\Z.", 5)
    finally:
        proc.kill()
        os.close(leader)
    screen = shown + rest
    assert "Traceback" not in screen
    assert screen.replace("^C", "").split("\r")[-1].strip() == "", screen


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--external", "--timeout", "0"], "'0' is not a positive number of seconds"),
        (["--external", "--timeout", "soon"], "'soon' is not a positive number of seconds"),
        (["--timeout", "5"], "--timeout is how long --external waits: add --external"),
    ],
)
def test_a_bad_timeout_is_a_usage_error(tmp_path: Path, args: list[str], message: str) -> None:
    project = tmp_path / "proj"
    write(project / "content" / "site.yaml", SITE_YAML)
    result = run_timeline("check", str(project), *args, env=LOCAL)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
