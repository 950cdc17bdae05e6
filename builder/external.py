"""`timeline check --external`: find the cited sources whose addresses no longer answer.

A timeline stands on its sources, and link rot is the first thing to wear them away: a
news site reorganises, a story is taken down, a domain lapses. Every http(s) address the
content cites (events' `sources[].url`, articles' `url`, a clipping's URL line, links in
Markdown) is requested once, however many places cite it, and each address that does not
answer with a success is reported as a warning at every place that cites it, with where
an archived copy may be found.

The check is polite to the sites it asks: a HEAD request first (a GET, closed after the
first bytes, only when the server refuses HEAD), a User-Agent that says who asks, a few
requests at a time and at most two to one host, counted by the host a request is talking
to (redirects included). Only http(s) addresses are ever asked for, redirects included;
nothing is written.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import urllib.request
from collections import Counter, defaultdict, deque
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit, urlunsplit

from builder import __version__
from builder.build import Progress
from builder.diagnostics import WARNING, Diagnostic
from builder.model import Timeline
from builder.text import is_web_url, markdown_renderer

#: Seconds a request may wait for a connection or for the next bytes, by default.
DEFAULT_TIMEOUT = 10.0
#: Requests in flight at once, and to one host at once.
WORKERS = 8
PER_HOST = 2
#: What a server answers to HEAD when it serves GET alone (or guards HEAD as unusual).
HEAD_REFUSED = {400, 403, 405, 501}
#: What a server answers when it refuses to serve a program, whatever it would serve a
#: reader (a news site's bot shield, a paywall, a rate limit): the check cannot tell a
#: live page from a gone one, so such an address is listed to be opened by hand, and no
#: warning (a site that always refuses would fail every `--strict` run).
REFUSES_PROGRAMS = {401, 403, 429}
#: Bytes a GET reads (at most, and in one read) before it closes the connection.
GET_BYTES = 1024
USER_AGENT = (
    f"timeline-builder/{__version__} (checking the sources a timeline cites; "
    "one request per address)"
)
ARCHIVE = "https://web.archive.org/web/*/"


@dataclass(frozen=True, order=True)
class Citation:
    """One place in the content that cites an address, and the address as written there."""

    file: str
    line: int
    col: int
    written: str


@dataclass(frozen=True)
class Answer:
    """What an address answered: `problem` in words when it is not a success (None
    when it is), and whether a redirect on the way was permanent."""

    problem: str | None = None
    moved: bool = False
    #: Whether the server answered at all (any HTTP status): when no address did, the
    #: machine is more likely offline than every source gone.
    reached: bool = True
    #: What a server refusing programs answered (`REFUSES_PROGRAMS`), in words.
    refused: str | None = None


class _Unreachable(Exception):
    """A request that got no HTTP answer; `retry` when asking again may help."""

    def __init__(self, words: str, retry: bool) -> None:
        super().__init__(words)
        self.words = words
        self.retry = retry


def request_address(written: str) -> str:
    """The address to request for an address as written: percent-encoded and with its host
    in punycode as links are written into pages, without its fragment (which names a part
    of the same page). Two spellings of one address are asked for once. (An address with a
    user name or password never gets here: validation refuses it, as every page citing it
    would publish them.)"""
    normalized = markdown_renderer().normalizeLink(written)
    return urlunsplit(urlsplit(normalized)._replace(fragment=""))


def cited_addresses(project: Path, timeline: Timeline) -> dict[str, list[Citation]]:
    """Every http(s) address the content of `timeline` cites, each with the places that
    cite it, in the order the content cites them first."""
    cited: dict[str, list[Citation]] = defaultdict(list)
    for citation in _yaml_citations(project, timeline):
        cited[request_address(citation.written)].append(citation)
    for citation in _markdown_citations(project, timeline):
        cited[request_address(citation.written)].append(citation)
    return dict(cited)


def _yaml_citations(project: Path, timeline: Timeline) -> Iterable[Citation]:
    """The `url` of the sources of the timeline's events and of its articles, at their
    values in the content files (read again: the model keeps no places)."""
    from builder.load import YamlList, YamlMap, load_project

    raw, _ = load_project(project)
    shown_events = {(event.file, event.line) for event in timeline.events}
    for event in raw.events:
        if (event.file, event.data.pos.line) not in shown_events:
            continue
        sources = event.data.get("sources")
        if not isinstance(sources, YamlList):
            continue
        for source in sources:
            if isinstance(source, YamlMap):
                yield from _url_citation(event.file, source)
    shown_articles = {article.file for article in timeline.articles}
    for article in raw.articles:
        if article.file in shown_articles:
            yield from _url_citation(article.file, article.meta)


def _url_citation(file: str, mapping: object) -> Iterable[Citation]:
    from builder.load import YamlMap

    assert isinstance(mapping, YamlMap)
    url = mapping.get("url")
    if isinstance(url, str) and is_web_url(url):
        at = mapping.at("url")
        yield Citation(file, at.line, at.col, url)


def _markdown_citations(project: Path, timeline: Timeline) -> Iterable[Citation]:
    """The http(s) links and images of the summaries, article bodies and pages, at their
    addresses in the content files."""
    from builder.linksource import ContentLinks, content_texts

    places = ContentLinks(project, timeline)
    for text in content_texts(timeline, lambda source: "http" in source.lower()):
        for destination, line, col in places.places(text):
            written = text.source[destination.start : destination.end]
            if is_web_url(destination.href):
                yield Citation(text.file, line, col, written)


def host_of(address: str) -> str:
    """The host an address is asked of (lowercase, without port)."""
    return (urlsplit(address).hostname or "").lower()


class HostSlots:
    """At most `PER_HOST` requests talking to one host at a time.

    The queue in `answers` sends at most `PER_HOST` addresses of one host at a time, but a
    redirect takes a request elsewhere: the old addresses of several sites (`old.` and
    `www.` hosts, a link shortener) may all lead to one new host, which would then be
    asked by all of them at once. So a request holds a slot at the host it is talking to,
    and a redirect gives it up before waiting for one at the next host: a request holds
    one slot at a time, so no two requests can wait for each other.
    """

    def __init__(self, per_host: int = PER_HOST) -> None:
        self._per_host = per_host
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}

    def _of(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            slot = self._slots.get(host)
            if slot is None:
                slot = self._slots[host] = threading.BoundedSemaphore(self._per_host)
            return slot

    def take(self, host: str) -> None:
        """Wait for a slot at `host`, and hold it."""
        self._of(host).acquire()

    def give(self, host: str) -> None:
        """Give back a slot held at `host`."""
        self._of(host).release()


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http(s) addresses only, keeping the method (HEAD stays HEAD),
    noting whether any was permanent, and moving the request's slot (`HostSlots`) to the
    host it is sent to."""

    def __init__(self, slots: HostSlots, host: str) -> None:
        self.codes: list[int] = []
        self.slots = slots
        #: The host whose slot the request holds.
        self.host = host

    def http_error_302(self, req, fp, code, msg, headers):  # noqa: ANN001
        location = headers.get("location") or headers.get("uri") or ""
        scheme = urlsplit(location).scheme.lower()
        if scheme and scheme not in ("http", "https"):
            fp.close()
            raise _Unreachable(f"redirects to {location}, which is not a web address", False)
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None:
            self.codes.append(code)
            new.method = req.get_method()
            self._move_to(host_of(new.full_url))
        return new

    def _move_to(self, host: str) -> None:
        if host != self.host:
            self.slots.give(self.host)
            self.host = ""  # holding nothing while it waits
            self.slots.take(host)
            self.host = host


def _opener(redirects: _Redirects) -> urllib.request.OpenerDirector:
    """An opener that speaks http(s) alone: `build_opener` would add file:, ftp: and data:."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        redirects,
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def _request(address: str, method: str, timeout: float, slots: HostSlots) -> bool:
    """Ask for `address` once with `method`, holding a slot at each host on the way;
    whether a redirect on the way was permanent. Raises HTTPError for an answer that is
    not a success, `_Unreachable` for none."""
    redirects = _Redirects(slots, host_of(address))
    request = urllib.request.Request(
        address, method=method, headers={"User-Agent": USER_AGENT, "Accept": "*/*"}
    )
    slots.take(redirects.host)
    try:
        with _opener(redirects).open(request, timeout=timeout) as response:
            if method == "GET":
                _read_start(response)
    except HTTPError:
        raise
    except (OSError, http.client.HTTPException) as exc:
        raise _unreachable(exc, timeout) from exc
    finally:
        if redirects.host:
            slots.give(redirects.host)
    return any(code in (301, 308) for code in redirects.codes)


def _read_start(response: http.client.HTTPResponse) -> None:
    """Read the first bytes of a GET's answer, then let it go: its status line was a
    success, and the rest of the body is not ours to judge (or to download). One read
    only, of what has come: a server dripping its body a byte at a time would otherwise
    hold the check for up to `GET_BYTES` timeouts."""
    with contextlib.suppress(OSError, http.client.HTTPException):
        response.read1(GET_BYTES)


def _unreachable(exc: BaseException, timeout: float) -> _Unreachable:
    """Why a request got no HTTP answer, in words, and whether to ask once more."""
    reason = exc.reason if isinstance(exc, URLError) else exc
    if isinstance(reason, _Unreachable):
        return reason
    if isinstance(reason, socket.gaierror):
        return _Unreachable("could not be reached: its host name was not found (DNS)", True)
    if isinstance(reason, TimeoutError):
        seconds = f"{timeout:g} second{'s' * (timeout != 1)}"
        return _Unreachable(f"did not answer within {seconds} (timeout)", True)
    if isinstance(reason, ssl.SSLCertVerificationError):
        why = reason.verify_message or "certificate verify failed"
        return _Unreachable(f"could not be reached: its TLS certificate was refused ({why})", False)
    if isinstance(reason, ssl.SSLError):
        why = (reason.reason or reason.strerror or "handshake failed").replace("_", " ").lower()
        return _Unreachable(f"could not be reached: TLS error ({why})", False)
    if isinstance(reason, ConnectionRefusedError):
        return _Unreachable("could not be reached: the connection was refused", True)
    if isinstance(reason, ConnectionResetError):  # http.client.RemoteDisconnected too
        return _Unreachable("closed the connection without answering", True)
    if isinstance(reason, http.client.InvalidURL):  # raised before anything is sent
        return _Unreachable(f"was not asked: it is not a valid address ({reason})", False)
    if isinstance(reason, http.client.HTTPException):
        return _Unreachable("answered with something that is not HTTP", False)
    if isinstance(reason, OSError):
        return _Unreachable(f"could not be reached: {reason.strerror or reason}", True)
    return _Unreachable(f"could not be reached: {reason}", False)


def _http_problem(error: HTTPError) -> str:
    """An HTTP answer that is not a success, in words: `answered 404 Not Found`."""
    try:
        phrase = HTTPStatus(error.code).phrase
    except ValueError:
        phrase = str(error.reason or "").strip()
    if 300 <= error.code < 400:
        return f"answered {error.code} {phrase} but its redirects lead to no page (a loop?)"
    return f"answered {error.code} {phrase}".rstrip()


def _answer_once(address: str, timeout: float, slots: HostSlots) -> Answer:
    try:
        return Answer(moved=_request(address, "HEAD", timeout, slots))
    except HTTPError as error:
        error.close()
        if error.code not in HEAD_REFUSED:
            return _judged(error)
    try:
        return Answer(moved=_request(address, "GET", timeout, slots))
    except HTTPError as error:
        error.close()
        return _judged(error)


def _judged(error: HTTPError) -> Answer:
    """An answer that is not a success: link rot, or a refusal to serve programs."""
    if error.code in REFUSES_PROGRAMS:
        return Answer(refused=_http_problem(error))
    return Answer(_http_problem(error))


def answer(
    address: str, timeout: float = DEFAULT_TIMEOUT, slots: HostSlots | None = None
) -> Answer:
    """What an http(s) address answers, asked once more after a connection error or a
    timeout (a news site's hiccup is not link rot). `slots` are shared by the requests
    asked at the same time (`answers`)."""
    if not is_web_url(address):
        raise ValueError(f"not an http(s) address: {address!r}")
    slots = slots or HostSlots()
    try:
        return _answer_once(address, timeout, slots)
    except _Unreachable as first:
        if not first.retry:
            return Answer(first.words, reached=False)
    try:
        return _answer_once(address, timeout, slots)
    except _Unreachable as second:
        return Answer(second.words, reached=False)


def answers(
    addresses: Iterable[str],
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
) -> dict[str, Answer]:
    """What each address answers, asked `WORKERS` at a time and at most `PER_HOST` of one
    host at a time (redirects included: `HostSlots`), so that no news site is hammered;
    `progress` counts the answers."""
    waiting: dict[str, deque[str]] = defaultdict(deque)
    for address in dict.fromkeys(addresses):
        waiting[host_of(address)].append(address)
    total = sum(len(queue) for queue in waiting.values())
    progress = progress or Progress(enabled=False)
    progress.stage("check sources", total, "addresses")
    found: dict[str, Answer] = {}
    busy: Counter[str] = Counter()
    running: dict[Future[Answer], tuple[str, str]] = {}
    slots = HostSlots()
    pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="external")
    try:
        while waiting or running:
            for host in list(waiting):
                queue = waiting[host]
                while queue and busy[host] < PER_HOST and len(running) < WORKERS:
                    address = queue.popleft()
                    running[pool.submit(answer, address, timeout, slots)] = (address, host)
                    busy[host] += 1
                if not queue:
                    del waiting[host]
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                address, host = running.pop(future)
                busy[host] -= 1
                found[address] = future.result()
                progress.advance()
    finally:
        pool.shutdown(wait=not running, cancel_futures=True)
    return found


@dataclass
class SourceCheck:
    """The outcome of checking the cited addresses: a warning at each place citing an
    address that failed, and the counts for the closing line."""

    warnings: list[Diagnostic] = field(default_factory=list)
    addresses: int = 0
    hosts: int = 0
    failed: int = 0
    moved: int = 0
    reached: int = 0
    #: Addresses whose servers refused the check (`REFUSES_PROGRAMS`), each with what it
    #: answered and where it is first cited: to be opened in a browser.
    refused: list[tuple[str, str, Citation]] = field(default_factory=list)

    def summary(self) -> str:
        """The closing line: how many addresses of how many hosts, how many failed."""
        if not self.addresses:
            return "external: the content cites no http(s) addresses"
        moved = f", {_count(self.moved, 'address')} moved permanently" if self.moved else ""
        offline = (
            "; none answered at all: is this machine offline, or behind a proxy (HTTPS_PROXY)?"
            if not self.reached
            else ""
        )
        refused = (
            f", {_count(len(self.refused), 'address')} refused to be checked by a program "
            "(open them in a browser):"
            if self.refused
            else ""
        )
        return (
            f"external: {_count(self.addresses, 'address')} on "
            f"{_count(self.hosts, 'host')} checked, {self.failed} failed{moved}{refused}"
            f"{offline}"
        )

    def refused_lines(self) -> list[str]:
        """One line for each address that refused the check: what it answered, and where
        it is first cited."""
        return [
            f"  {address} {words} ({place.file}:{place.line}:{place.col})"
            for address, words, place in self.refused
        ]


def _count(n: int, noun: str) -> str:
    plural = "es" if noun.endswith("s") else "s"
    return f"{n} {noun}{plural * (n != 1)}"


def archived_copy(address: str) -> str:
    """Where the Internet Archive lists its copies of an address."""
    return ARCHIVE + address


def check_sources(
    project: Path,
    timeline: Timeline,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
) -> SourceCheck:
    """Ask every address the content cites, once each, and warn at each place citing one
    that does not answer with a success."""
    cited = cited_addresses(project, timeline)
    found = answers(cited, timeout, progress)
    result = SourceCheck(addresses=len(cited), hosts=len({host_of(address) for address in cited}))
    for address, places in cited.items():
        outcome = found[address]
        result.moved += outcome.moved
        result.reached += outcome.reached
        if outcome.refused is not None:
            result.refused.append((address, outcome.refused, min(places)))
        if outcome.problem is None:
            continue
        result.failed += 1
        for place in places:
            message = (
                f"{place.written} {outcome.problem}; an archived copy may be at "
                f"{archived_copy(address)}"
            )
            result.warnings.append(Diagnostic(place.file, place.line, place.col, WARNING, message))
    return result
