"""Fetching one URL: the only code that touches the network; never raises for a dead link.

`check_url` checks one URL with its retries and redirects, within the per-URL deadline. Each host is
looked up once by the `Resolver`, and connections go to the addresses it found, so the rule on
private addresses judges the address actually used (through a proxy, the proxy looks names up).
A `Watchdog` cuts a request at the deadline, however slowly the server drips its headers or body.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import os
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import idna
import requests
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import create_connection

from pipeline.findings import Slug
from pipeline.linkcheck.sites import Sites
from pipeline.linkcheck.soft404 import Page, is_html, read_page
from pipeline.linkcheck.status import (
    REDIRECT_CODES,
    Fetched,
    Hop,
    LinkResult,
    Options,
    classify,
    is_ip_address,
    look_up_host,
    parse_retry_after,
    retry_delay,
    should_retry,
    url_problem,
)


def error_slug(error: BaseException) -> Slug:
    """The failure class of an exception raised while making a request, from its type and the errors behind it."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return Slug.CONNECT_TIMEOUT  # no server answered at all: with others like it, a sign the network is down
    if isinstance(error, requests.Timeout):
        return Slug.TIMEOUT
    if isinstance(error, requests.exceptions.SSLError):
        return Slug.TLS_ERROR
    if isinstance(
        error,
        (
            requests.exceptions.InvalidURL,
            requests.exceptions.InvalidSchema,
            requests.exceptions.MissingSchema,
            ValueError,
        ),
    ):
        return Slug.MALFORMED_URL
    causes = list(error_chain(error))
    if any(isinstance(cause, (NameResolutionError, socket.gaierror)) for cause in causes):
        return Slug.DNS_FAILURE
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return Slug.CONNECTION_REFUSED
    return Slug.CONNECTION_ERROR


def error_chain(error: BaseException) -> Iterator[BaseException]:
    """The error and those behind it: requests wraps urllib3's MaxRetryError, whose `reason` wraps the OS error."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        reason = getattr(current, "reason", None)
        behind = [current.__cause__, current.__context__, reason if isinstance(reason, BaseException) else None]
        pending.extend(behind + [arg for arg in current.args if isinstance(arg, BaseException)])


# ---- the network --------------------------------------------------------------------------------


class LookupFailed(Exception):
    """A host name that did not resolve: `slug` is dns-failure or dns-timeout."""

    def __init__(self, slug: Slug, detail: str):
        super().__init__(detail)
        self.slug, self.detail = slug, detail


class Resolver:
    """Looks each host up once per run, in a daemon thread of its own, and waits for the answer only so long.

    The OS resolver ignores our timeouts (a lost DNS packet costs 5 s or more); bounding the wait here
    keeps the per-URL deadline true, and a host that does not resolve fails all its URLs at once.
    `lookup` (getaddrinfo's signature) wins over the one each call names (from `Options.lookup`).
    """

    def __init__(self, lookup: Callable | None = None):
        self.lookup = lookup
        self.lock = threading.Lock()
        self.answers: dict[str, Future] = {}

    def addresses(self, host: str, timeout: float, lookup: Callable = look_up_host) -> list[str]:
        """The IP addresses of `host` (an ASCII name: see `ascii_host`); raises LookupFailed."""
        if is_ip_address(host):
            return [host]
        with self.lock:
            answer = self.answers.get(host)
            if answer is None:
                answer = self.answers[host] = Future()
                threading.Thread(
                    target=self._look_up, args=(host, answer, self.lookup or lookup), name="dns", daemon=True
                ).start()
        try:
            found = answer.result(timeout=timeout)
        except FutureTimeout:
            raise LookupFailed(Slug.DNS_TIMEOUT, f"no DNS answer for {host} within {timeout:.3g} s") from None
        except (OSError, UnicodeError) as error:
            raise LookupFailed(Slug.DNS_FAILURE, f"{host} does not resolve: {error}") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
        if not addresses:
            raise LookupFailed(Slug.DNS_FAILURE, f"{host} resolves to no address")
        return addresses

    def problem(self, host: str, timeout: float) -> tuple[str, str] | None:
        """(error slug, detail) if `host` does not resolve within `timeout` seconds, else None."""
        try:
            self.addresses(host, timeout)
        except LookupFailed as failed:
            return failed.slug, failed.detail
        return None

    @staticmethod
    def _look_up(host: str, answer: Future, lookup: Callable) -> None:
        try:
            answer.set_result(lookup(host, None, 0, socket.SOCK_STREAM))
        except BaseException as error:  # handed to whoever waits for the answer
            answer.set_exception(error)


class Alarm:
    """The deadline of one request: when it rings, every connection the request used is shut down."""

    def __init__(self, when: float):
        self.when = when
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        self.state = "armed"  # armed | rang | disarmed

    @property
    def rang(self) -> bool:
        return self.state == "rang"

    def watch(self, sock: socket.socket) -> None:
        with self.lock:
            if self.state == "armed":
                self.sockets.append(sock)
                return
            late = self.state == "rang"
        if late:
            cut(sock)

    def ring(self) -> None:
        with self.lock:
            if self.state != "armed":
                return
            self.state, sockets, self.sockets = "rang", self.sockets, []
        for sock in sockets:
            cut(sock)

    def disarm(self) -> None:
        with self.lock:
            if self.state == "armed":
                self.state, self.sockets = "disarmed", []


def cut(sock: socket.socket) -> None:
    """Wake whoever waits on `sock`: its reads end at once, as if the server had hung up."""
    with suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


class Watchdog:
    """One thread that rings each request's alarm at its deadline.

    A read timeout bounds each wait for a byte, not their sum: a server dripping its headers one byte
    a second never trips it. The watchdog bounds the sum. Connections learn which alarm is theirs
    from the thread that makes the request.
    """

    def __init__(self):
        self.condition = threading.Condition()
        self.alarms: list[tuple[float, int, Alarm]] = []  # a heap, earliest first
        self.order = itertools.count()
        self.thread: threading.Thread | None = None
        self.local = threading.local()

    @contextmanager
    def deadline(self, when: float) -> Iterator[Alarm]:
        alarm = Alarm(when)
        with self.condition:
            heapq.heappush(self.alarms, (when, next(self.order), alarm))
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="link-watchdog", daemon=True)
                self.thread.start()
            if self.alarms[0][2] is alarm:  # wake the watchdog only when it must ring sooner than it planned
                self.condition.notify()
        self.local.alarm = alarm
        try:
            yield alarm
        finally:
            self.local.alarm = None
            alarm.disarm()

    def watch(self, sock: socket.socket | None) -> None:
        """Put `sock` under the alarm of the request this thread is making, if any."""
        alarm = getattr(self.local, "alarm", None)
        if alarm is not None and sock is not None:
            alarm.watch(sock)

    def _run(self) -> None:
        with self.condition:
            while True:
                if not self.alarms:
                    self.condition.wait()
                    continue
                wait = self.alarms[0][0] - time.monotonic()
                if wait > 0:
                    self.condition.wait(wait)
                    continue
                heapq.heappop(self.alarms)[2].ring()


WATCHDOG = Watchdog()
PINS = threading.local()  # per worker thread: {host: addresses} the request in flight may connect to


@contextmanager
def pinned(host: str, addresses: list[str] | None) -> Iterator[None]:
    PINS.hosts = {host: addresses} if addresses else {}
    try:
        yield
    finally:
        PINS.hosts = {}


# The guard is a mixin for urllib3's HTTP and HTTPS connections; the type checker is told what it mixes into.
if TYPE_CHECKING:
    _Connection = HTTPConnection
else:
    _Connection = object


class GuardedConnection(_Connection):
    """Connects to the addresses the Resolver found (no second lookup that could answer differently),
    and puts every socket under the watchdog."""

    def _new_conn(self) -> socket.socket:
        addresses = getattr(PINS, "hosts", {}).get(self.host)
        sock = self._connect_to(addresses) if addresses else super()._new_conn()
        WATCHDOG.watch(sock)
        return sock

    def _connect_to(self, addresses: list[str]) -> socket.socket:
        failure: Exception | None = None
        cause: OSError | None = None  # kept behind the failure, where error_slug looks for its type
        for address in addresses:
            try:
                return create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as error:
                cause, failure = (
                    error,
                    ConnectTimeoutError(
                        self, f"Connection to {self.host} ({address}) timed out. (connect timeout={self.timeout})"
                    ),
                )
            except OSError as error:
                cause, failure = error, NewConnectionError(self, f"Failed to establish a new connection: {error}")
        assert failure is not None  # there was at least one address
        raise failure from cause

    def connect(self) -> None:
        super().connect()
        WATCHDOG.watch(self.sock)  # for TLS, the wrapped socket

    def request(self, *args, **kwargs):
        WATCHDOG.watch(self.sock)  # a reused connection
        return super().request(*args, **kwargs)


class GuardedHTTPConnection(GuardedConnection, HTTPConnection):
    pass


class GuardedHTTPSConnection(GuardedConnection, HTTPSConnection):
    pass


class GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedAdapter(requests.adapters.HTTPAdapter):
    """Every connection is guarded, to the sites and to a proxy alike."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}
        return manager


def make_adapter(options: Options) -> requests.adapters.HTTPAdapter:
    """Connections shared by every worker: at most `per_host` kept per host, as at most that many are in flight."""
    return GuardedAdapter(pool_connections=256, pool_maxsize=options.per_host, max_retries=0)


def make_session(options: Options, adapter: requests.adapters.HTTPAdapter | None = None) -> requests.Session:
    """A session for one worker: reuses the connections of `adapter` (its own if None), sends our user agent."""
    session = requests.Session()
    adapter = adapter or make_adapter(options)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.update({"User-Agent": options.user_agent, "Accept": "*/*"})
    if not urllib.request.getproxies():
        # No proxy to find: skip requests' look-ups of proxy variables and ~/.netrc on every request
        # (a dozen per cent of its CPU; and .netrc credentials have no business going to a guide's sites).
        session.trust_env = False
        session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    return session


def send(session: requests.Session, method: str, url: str, timeout: tuple[float, float]) -> requests.Response:
    """One request, not following redirects, with the body left to read."""
    return session.request(method, url, allow_redirects=False, stream=True, timeout=timeout)


def proxied(session: requests.Session, url: str) -> bool:
    """Whether requests sends `url` through a proxy from the environment (its proxy variables and no_proxy)."""
    return session.trust_env and requests.utils.select_proxy(url, requests.utils.get_environ_proxies(url)) is not None


def cookies_for(session: requests.Session) -> frozenset[tuple[str, str, str, str | None]]:
    return frozenset((cookie.domain, cookie.path, cookie.name, cookie.value) for cookie in session.cookies)


def drain(response: requests.Response, limit: int, deadline: float, keep: bool = False) -> tuple[bytes, bool]:
    """Read at most `limit` bytes of the body before `deadline`: (what was read if `keep`, whether the body
    ended or reached `limit` in time). The connection is reused only if the body ended."""
    read, kept = 0, list[bytes]()
    try:
        while read <= limit and time.monotonic() < deadline:
            chunk = response.raw.read1(
                min(8192, limit + 1 - read), decode_content=keep
            )  # one recv: a drip cannot stall us
            if not chunk:
                response.raw.release_conn()
                return b"".join(kept), True
            read += len(chunk)
            if keep:
                kept.append(chunk)
    except Exception:  # a body cut short, too slow, or not the gzip it claims: only what was read counts
        response.raw.close()
        return b"".join(kept)[:limit], False
    response.raw.close()  # too long or too slow: drop the connection rather than read on
    return b"".join(kept)[:limit], read > limit


def read_answer(
    response: requests.Response, url: str, final_url: str, options: Options, deadline: float
) -> Page | None:
    """Read the body; keep the start of a 2xx or 404 HTML answer to GET as a Page (soft-404 and https-twin evidence).
    Raises TimeoutError when that page has not arrived by `deadline`."""
    wanted = (
        response.request.method == "GET"
        and (200 <= response.status_code < 300 or response.status_code in (404, 410))  # a 404 page: a site's probe
        and is_html(response.headers.get("Content-Type"))
    )
    if not wanted:
        drain(response, options.body_limit, min(deadline, time.monotonic() + options.timeout))
        return None
    body, complete = drain(response, options.body_limit, deadline, keep=True)
    if not complete and time.monotonic() >= deadline:
        raise TimeoutError
    length = response.headers.get("Content-Length", "")
    return read_page(
        url,
        final_url,
        response.status_code,
        body,
        encoding=response.encoding,
        content_length=int(length) if length.isdigit() else None,
    )


def fetch(
    session: requests.Session,
    url: str,
    method: str,
    options: Options,
    deadline: float,
    resolver: Resolver | None = None,
) -> Fetched:
    """One request and the redirects after it, followed by hand so loops, hops, addresses and the deadline are ours."""
    resolver = resolver or Resolver()
    hops: list[Hop] = []
    seen = {(url, cookies_for(session))}
    current = url
    starts_public: bool | None = None
    for _ in range(options.max_redirects + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return Fetched(current, tuple(hops), error=Slug.DEADLINE, detail=f"no answer within {options.deadline:g} s")
        wait = min(options.timeout, remaining)
        try:
            host = ascii_host(host_of(current))
        except UnicodeError:
            return Fetched(
                current, tuple(hops), error=Slug.MALFORMED_URL, detail=f"{host_of(current)!r} is not a valid host name"
            )
        try:
            # Through a proxy the proxy looks the name up (on many campus networks it alone can), and
            # connects where it decides: no address of ours to pin or to judge.
            addresses = None if proxied(session, current) else resolver.addresses(host, wait, options.lookup)
        except LookupFailed as failed:
            return Fetched(current, tuple(hops), error=failed.slug, detail=failed.detail)
        public = addresses is None or all(options.public_address(address) for address in addresses)
        if starts_public is None:
            starts_public = public  # a check that starts on an intranet may stay there
        elif starts_public and not public and not options.allow_private_redirects:
            return Fetched(
                current,
                tuple(hops),
                code=hops[-1].code,
                error=Slug.PRIVATE_REDIRECT,
                detail=f"a public site redirected to {host} ({', '.join(addresses or ())}), "
                "a private address; not followed",
            )
        late = Fetched(
            current, tuple(hops), error=Slug.DEADLINE, detail=f"no complete answer within {options.deadline:g} s"
        )
        with WATCHDOG.deadline(deadline) as alarm, pinned(host, addresses):
            try:
                response = send(session, method, current, (wait, wait))
            except (requests.RequestException, ValueError) as error:
                slug = error_slug(error)
                # A connect timeout ends at the deadline too, but says more: no server answered at all.
                return (
                    late
                    if alarm.rang and slug != Slug.CONNECT_TIMEOUT
                    else Fetched(current, tuple(hops), error=slug, detail=str(error)[:300])
                )
            if alarm.rang:  # the headers were cut at the deadline: whatever the status line said, no answer came
                response.close()
                return late
            code = response.status_code
            location = session.get_redirect_target(response) if code in REDIRECT_CODES else None
            retry_after = parse_retry_after(response.headers.get("Retry-After")) if code in (429, 503) else None
            # The answer is in the headers; the body is read for soft-404 evidence and to reuse the connection.
            if location:
                drain(response, options.body_limit, min(deadline, time.monotonic() + options.timeout))
            else:
                try:
                    page = read_answer(response, url, current, options, deadline)
                except TimeoutError:  # the page it needs did not arrive in time
                    return late
        if not location:
            return Fetched(current, tuple(hops), code=code, retry_after=retry_after, page=page)
        target = urljoin(current, location.strip())
        hops.append(Hop(current, code, target))
        # Back to an address with the cookies it was asked with before is a loop; a site that sets a cookie and
        # sends the reader back to the same page (a common publisher's wall) is not.
        visit = (target, cookies_for(session))
        if visit in seen:
            return Fetched(target, tuple(hops), code=code, error=Slug.REDIRECT_LOOP, detail=f"{target} again")
        if url_problem(target):
            return Fetched(target, tuple(hops), code=code, error=Slug.BAD_REDIRECT, detail=f"redirect to {target}")
        seen.add(visit)
        current = target
    return Fetched(current, tuple(hops), error=Slug.TOO_MANY_REDIRECTS, detail=f"more than {options.max_redirects}")


def attempt(
    session: requests.Session, url: str, options: Options, deadline: float, resolver: Resolver | None = None
) -> Fetched:
    """One GET, as a browser asks: many servers mishandle HEAD, and the page's start is soft-404 evidence."""
    return fetch(session, url, "GET", options, deadline, resolver)


def check_url(
    session: requests.Session,
    url: str,
    options: Options = Options(),
    stop: threading.Event | None = None,
    resolver: Resolver | None = None,
    sites: Sites | None = None,
) -> LinkResult:
    """Check one URL, retrying as `should_retry` says; never raises for a dead link.

    With `sites`, a page that answered 2xx is weighed further (soft 404, https twin)."""
    started = time.monotonic()
    problem = url_problem(url)
    if problem:
        return classify(Fetched(url, error=problem, detail="only http and https links are checked"))
    resolver = resolver or Resolver()
    deadline = started + options.deadline
    tries = 0
    while True:
        tries += 1
        fetched = attempt(session, url, options, deadline, resolver)
        result = classify(fetched, elapsed=time.monotonic() - started, attempts=tries)
        if tries > options.retries or not should_retry(result):
            if sites is None:
                return result
            judged = sites.judge(session, result, fetched, deadline)
            return dataclasses.replace(judged, elapsed=round(time.monotonic() - started, 3))
        delay = retry_delay(result, tries - 1, options)
        if time.monotonic() + delay >= deadline:
            return result
        if stop is not None and stop.wait(delay):
            return result
        if stop is None:
            time.sleep(delay)


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def ascii_host(host: str) -> str:
    """The name as it is looked up and connected to: IDNA-encoded, as requests sends it; raises UnicodeError."""
    return host if host.isascii() else idna.encode(host, uts46=True).decode("ascii")
