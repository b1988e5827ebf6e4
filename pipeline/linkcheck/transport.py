"""The transport: sessions and their connections, the only code that opens a socket (README, "Nightly link check").

`GuardedConnection` alone uses a private name of urllib3, `_new_conn`, its one hook for where a connection goes
(the private-address guard must judge the address actually used); pyproject pins urllib3 2.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import idna
import requests
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import create_connection

from pipeline.findings import Slug
from pipeline.linkcheck.status import USER_AGENT, Options, is_ip_address, look_up_host

# The failure class of a request's exception: the first of these types found in it or among the errors behind it,
# else connection-error. The words of a message never decide.
ERROR_SLUGS = (
    (requests.exceptions.ConnectTimeout, Slug.CONNECT_TIMEOUT),  # no server answered: with others, the network is down
    (requests.Timeout, Slug.TIMEOUT),
    (requests.exceptions.SSLError, Slug.TLS_ERROR),
    (ValueError, Slug.MALFORMED_URL),  # requests' InvalidURL, InvalidSchema and MissingSchema are ValueErrors
    ((NameResolutionError, socket.gaierror), Slug.DNS_FAILURE),
    (ConnectionRefusedError, Slug.CONNECTION_REFUSED),
)


def error_slug(error: BaseException) -> Slug:
    """The failure class of an exception raised while making a request."""
    causes = list(error_chain(error))
    for kinds, slug in ERROR_SLUGS:
        if any(isinstance(cause, kinds) for cause in causes):
            return slug
    return Slug.CONNECTION_ERROR


def error_chain(error: BaseException) -> Iterator[BaseException]:
    """The error and those behind it: requests wraps urllib3's MaxRetryError, whose `reason` wraps the OS error."""
    pending: list[object] = [error]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if isinstance(current, BaseException) and id(current) not in seen:
            seen.add(id(current))
            yield current
            pending += [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]


class LookupFailed(Exception):
    """A host name that did not resolve: `slug` is dns-failure or dns-timeout."""

    def __init__(self, slug: Slug, detail: str):
        super().__init__(detail)
        self.slug, self.detail = slug, detail


class Resolver:
    """Looks each host up once per run, in a daemon thread, and waits only so long: the OS resolver ignores our
    timeouts. `lookup` has getaddrinfo's signature (`Options.lookup`)."""

    def __init__(self, lookup: Callable = look_up_host):
        self.lookup = lookup
        self.lock = threading.Lock()
        self.answers: dict[str, Future] = {}

    def addresses(self, host: str, timeout: float) -> list[str]:
        """The IP addresses of `host` (an ASCII name: see `ascii_host`); raises LookupFailed."""
        if is_ip_address(host):
            return [host]
        with self.lock:
            answer = self.answers.get(host)
            if answer is None:
                answer = self.answers[host] = Future()
                threading.Thread(
                    target=self._look_up, args=(host, answer, self.lookup), name="dns", daemon=True
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

    @staticmethod
    def _look_up(host: str, answer: Future, lookup: Callable) -> None:
        try:
            answer.set_result(lookup(host, None, 0, socket.SOCK_STREAM))
        except BaseException as error:  # handed to whoever waits for the answer
            answer.set_exception(error)


@dataclass(eq=False)
class Alarm:
    """One request in flight: its deadline, the addresses it may connect to by host name (None: look the name up),
    and the sockets it uses (the watchdog's lock guards those)."""

    when: float
    pins: dict[str, list[str] | None] = field(default_factory=dict)
    sockets: list[socket.socket] = field(default_factory=list)
    rang: bool = False


def cut(sock: socket.socket) -> None:
    """Wake whoever waits on `sock`: its reads end at once, as if the server had hung up."""
    with suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


class Watchdog:
    """One thread that rings each request's alarm at its deadline, cutting its sockets: a read timeout bounds each
    wait for a byte, not their sum. Connections learn which alarm is theirs from the thread making the request."""

    def __init__(self):
        self.condition = threading.Condition()
        self.alarms: list[Alarm] = []  # those armed: at most one per request in flight
        self.local = threading.local()
        threading.Thread(target=self._run, name="link-watchdog", daemon=True).start()

    @contextmanager
    def deadline(self, when: float, pins: dict[str, list[str] | None] | None = None) -> Iterator[Alarm]:
        alarm = Alarm(when, pins or {})
        with self.condition:
            if all(when < other.when for other in self.alarms):  # wake the watchdog only to ring sooner than planned
                self.condition.notify()
            self.alarms.append(alarm)
        self.local.alarm = alarm
        try:
            yield alarm
        finally:
            self.local.alarm = None
            with self.condition:
                if not alarm.rang:
                    self.alarms.remove(alarm)

    def watch(self, sock: socket.socket | None) -> None:
        """Put `sock` under the alarm of the request this thread is making, if any (cut now if it rang)."""
        alarm = getattr(self.local, "alarm", None)
        if alarm is None or sock is None:
            return
        with self.condition:
            alarm.sockets.append(sock)
            if alarm.rang:
                cut(sock)

    def pinned(self, host: str) -> list[str] | None:
        """The addresses `host` may be connected to by the request this thread is making (None: any)."""
        alarm = getattr(self.local, "alarm", None)
        return alarm.pins.get(host) if alarm else None

    def _run(self) -> None:
        with self.condition:
            while True:
                now = time.monotonic()
                for alarm in [alarm for alarm in self.alarms if alarm.when <= now]:
                    alarm.rang = True
                    self.alarms.remove(alarm)
                    for sock in alarm.sockets:
                        cut(sock)
                soonest = min((alarm.when for alarm in self.alarms), default=None)
                self.condition.wait(None if soonest is None else soonest - now)


WATCHDOG = Watchdog()


class GuardedConnection(HTTPConnection):
    """Connects to the addresses the Resolver found (no second lookup that could answer differently),
    and puts every socket under the watchdog."""

    def _new_conn(self) -> socket.socket:
        addresses = WATCHDOG.pinned(self.host)
        sock = self._connect_to(addresses) if addresses else super()._new_conn()
        WATCHDOG.watch(sock)
        return sock

    def _connect_to(self, addresses: list[str]) -> socket.socket:
        failure = OSError(f"no address for {self.host}")  # the Resolver never gives an empty list
        for address in addresses:
            try:
                return create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except OSError as error:  # kept behind urllib3's error, where error_slug looks for its type
                failure = error
        if isinstance(failure, TimeoutError):
            message = f"Connection to {self.host} ({address}) timed out. (connect timeout={self.timeout})"
            raise ConnectTimeoutError(self, message) from failure
        raise NewConnectionError(self, f"Failed to establish a new connection: {failure}") from failure

    def connect(self) -> None:
        super().connect()
        WATCHDOG.watch(self.sock)  # for TLS, the wrapped socket

    def request(self, *args, **kwargs):
        WATCHDOG.watch(self.sock)  # a reused connection
        return super().request(*args, **kwargs)


class GuardedHTTPSConnection(GuardedConnection, HTTPSConnection):
    pass


class GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = GuardedConnection


class GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


GUARDED_POOLS = {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}


class GuardedAdapter(requests.adapters.HTTPAdapter):
    """Every connection is guarded, to the sites and to a proxy alike."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = GUARDED_POOLS

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = GUARDED_POOLS
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
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "*/*"})
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


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def ascii_host(host: str) -> str:
    """The name as it is looked up and connected to: IDNA-encoded, as requests sends it; raises UnicodeError."""
    return host if host.isascii() else idna.encode(host, uts46=True).decode("ascii")
