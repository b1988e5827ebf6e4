"""Check links: a closed set of statuses, pure classification and retry rules, and a polite concurrent checker.

A dead link is data (a `LinkResult`), never an exception. `check_url` is the only function that
touches the network; `classify`, `should_retry` and `retry_delay` are pure. `check_links` runs
`check_url` on a pool of worker threads, each with its own `requests.Session`, and never has more
than `per_host` requests in flight to one host.
"""

from __future__ import annotations

import email.utils
import ipaddress
import queue
import random
import socket
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urljoin, urlsplit

import requests

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
BLOCKED_CODES = frozenset({401, 403, 429})
RETRY_CODES = frozenset({408, 429})  # and every 5xx
# Codes some servers give to HEAD while GET works; anything else is believed (429 waits for a retry instead).
HEAD_SUSPECT_CODES = frozenset(range(400, 600)) - {429}
SCHEMES = ("http", "https")
USER_AGENT = "Mozilla/5.0 (compatible; mentor-guide-link-check/1.0)"


class LinkStatus(StrEnum):
    """What a link check found; the values are stable slugs used in reports, history and exit logic."""

    OK = "ok"
    REDIRECTED = "redirected"
    BROKEN = "broken"
    TIMEOUT = "timeout"
    SERVER_ERROR = "server-error"
    BLOCKED = "blocked"
    INVALID = "invalid"


# Statuses that count as a failing night for alarms; `blocked` is reported apart and never alarms.
FAILING = frozenset({LinkStatus.BROKEN, LinkStatus.TIMEOUT, LinkStatus.SERVER_ERROR, LinkStatus.INVALID})


@dataclass(frozen=True)
class Options:
    """How hard and how fast to check: every bound the checker honours."""

    concurrency: int = 16
    per_host: int = 2
    timeout: float = 10.0  # connect and read timeout of each request, seconds
    deadline: float = 30.0  # total time one URL may take, retries and waits included
    retries: int = 2
    backoff: float = 1.0  # first retry waits about this long, then twice as long each time
    retry_after_cap: float = 10.0  # a longer Retry-After is cut to this
    max_redirects: int = 10
    body_limit: int = 16_384  # bytes of a body read at most (only to keep the connection reusable)
    user_agent: str = USER_AGENT


@dataclass(frozen=True)
class Hop:
    """One redirect: from `url` with `code` to `location`."""

    url: str
    code: int
    location: str


@dataclass(frozen=True)
class Fetched:
    """What one request (with its redirects) came back with: a final code, or an error slug."""

    url: str
    hops: tuple[Hop, ...] = ()
    code: int | None = None
    error: str | None = None  # a slug such as "dns-failure", "redirect-loop"
    detail: str = ""
    retry_after: float | None = None


@dataclass(frozen=True)
class LinkResult:
    """The outcome of checking one URL."""

    url: str
    status: LinkStatus
    code: int | None = None
    final_url: str | None = None
    suggested_url: str | None = None
    error: str | None = None
    detail: str = ""
    elapsed: float = 0.0
    attempts: int = 1
    retry_after: float | None = field(default=None, compare=False)

    @property
    def failing(self) -> bool:
        return self.status in FAILING


# ---- pure rules ---------------------------------------------------------------------------------


def url_problem(url: str) -> str | None:
    """Why a URL must not be opened (a slug), or None if it is an http(s) URL with a host."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — raises ValueError on a malformed port
    except ValueError:
        return "malformed-url"
    if parts.scheme.lower() not in SCHEMES:
        return "unsupported-scheme"
    if not parts.hostname:
        return "malformed-url"
    return None


def status_of_code(code: int) -> LinkStatus:
    """The status a final HTTP status code means."""
    if 200 <= code < 300:
        return LinkStatus.OK
    if code in BLOCKED_CODES:
        return LinkStatus.BLOCKED
    if code == 408:
        return LinkStatus.TIMEOUT
    if code >= 500:
        return LinkStatus.SERVER_ERROR
    return LinkStatus.BROKEN  # 404, 410, other 4xx, and a 3xx without a usable Location


def status_of_error(error: str) -> LinkStatus:
    if error in ("timeout", "deadline", "dns-timeout"):
        return LinkStatus.TIMEOUT
    if error in ("malformed-url", "unsupported-scheme"):
        return LinkStatus.INVALID
    return LinkStatus.BROKEN  # dns-failure, connection-refused, connection-error, tls-error, redirect-loop...


def suggested_url(hops: tuple[Hop, ...]) -> str | None:
    """Where the leading permanent redirects lead: the address to put in the guide instead."""
    suggestion = None
    for hop in hops:
        if hop.code not in PERMANENT_REDIRECTS:
            break
        suggestion = hop.location
    return suggestion


def classify(fetched: Fetched, *, elapsed: float = 0.0, attempts: int = 1) -> LinkResult:
    """Turn what came back from the server (or the error met on the way) into a LinkResult."""
    url = fetched.hops[0].url if fetched.hops else fetched.url
    final_url = fetched.url if fetched.hops else None
    common = dict(url=url, code=fetched.code, final_url=final_url, elapsed=round(elapsed, 3), attempts=attempts,
                  detail=fetched.detail, retry_after=fetched.retry_after)  # fmt: skip
    if fetched.error:
        return LinkResult(status=status_of_error(fetched.error), error=fetched.error, **common)
    status = status_of_code(fetched.code)
    if status is LinkStatus.OK and fetched.hops:
        return LinkResult(status=LinkStatus.REDIRECTED, suggested_url=suggested_url(fetched.hops), **common)
    error = None if status is LinkStatus.OK else f"http-{fetched.code}"
    return LinkResult(status=status, error=error, **common)


def should_retry(result: LinkResult) -> bool:
    """Whether another attempt may give a different answer: timeouts, connection errors, 5xx, 408, 429."""
    if result.status in (LinkStatus.TIMEOUT, LinkStatus.SERVER_ERROR):
        return result.error != "deadline"
    if result.code in RETRY_CODES:
        return True
    return result.error in ("connection-refused", "connection-error")


def retry_delay(result: LinkResult, attempt: int, options: Options, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number `attempt` (0-based): Retry-After if given, else backoff with jitter."""
    if result.retry_after is not None:
        return min(result.retry_after, options.retry_after_cap)
    base = options.backoff * 2**attempt
    return base / 2 + (rng or random).uniform(0, base / 2)  # "equal jitter": spread retries, keep a floor


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds from now: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def error_slug(error: BaseException) -> str:
    """The failure class of an exception raised while making a request."""
    if isinstance(error, requests.Timeout):
        return "timeout"
    if isinstance(error, requests.exceptions.SSLError):
        return "tls-error"
    if isinstance(error, (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
                          requests.exceptions.MissingSchema, ValueError)):  # fmt: skip
        return "malformed-url"
    text = repr(error)
    if "NameResolutionError" in text or "Name or service not known" in text or "getaddrinfo failed" in text:
        return "dns-failure"
    if "ConnectionRefusedError" in text or "Connection refused" in text:
        return "connection-refused"
    return "connection-error"


# ---- the network --------------------------------------------------------------------------------


class Resolver:
    """Looks each host up once per run, in a daemon thread of its own, and waits for the answer only so long.

    The OS resolver ignores our timeouts (a lost DNS packet costs 5 s or more); bounding the wait here
    keeps the per-URL deadline true, and a host that does not resolve fails all its URLs at once.
    """

    def __init__(self, lookup: Callable = socket.getaddrinfo):
        self.lookup = lookup
        self.lock = threading.Lock()
        self.answers: dict[str, Future] = {}

    def problem(self, host: str, timeout: float) -> tuple[str, str] | None:
        """(error slug, detail) if `host` does not resolve within `timeout` seconds, else None."""
        if not host.isascii() or is_ip_address(host):
            return None  # an address needs no lookup; an IDN is left to requests, which encodes it
        with self.lock:
            answer = self.answers.get(host)
            if answer is None:
                answer = self.answers[host] = Future()
                threading.Thread(target=self._look_up, args=(host, answer), name="dns", daemon=True).start()
        try:
            answer.result(timeout=timeout)
        except FutureTimeout:
            return "dns-timeout", f"no DNS answer for {host} within {timeout:.3g} s"
        except (OSError, UnicodeError) as error:
            return "dns-failure", f"{host} does not resolve: {error}"
        return None

    def _look_up(self, host: str, answer: Future) -> None:
        try:
            answer.set_result(self.lookup(host, None, 0, socket.SOCK_STREAM))
        except BaseException as error:  # noqa: BLE001 — handed to whoever waits for the answer
            answer.set_exception(error)


def is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def make_session(options: Options) -> requests.Session:
    """A session for one worker: keeps a connection per host for reuse, sends our user agent."""
    session = requests.Session()
    # One worker uses one connection at a time, but visits many hosts: keep one idle connection per host.
    adapter = requests.adapters.HTTPAdapter(pool_connections=256, pool_maxsize=1, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.update({"User-Agent": options.user_agent, "Accept": "*/*"})
    return session


def drain(response: requests.Response, limit: int, deadline: float) -> None:
    """Read at most `limit` bytes of the body before `deadline`; reuse the connection only if the body ended."""
    raw = response.raw
    read1 = getattr(raw, "read1", None)  # urllib3 >= 2: one recv per call, so a drip cannot stall us
    read = 0
    try:
        while read1 is not None and read <= limit and time.monotonic() < deadline:
            chunk = read1(min(8192, limit + 1 - read), decode_content=False)
            if not chunk:
                raw.release_conn()
                return
            read += len(chunk)
    except Exception:  # noqa: BLE001 — the answer is already known; a failure here only loses the connection
        pass
    raw.close()  # too long or too slow: drop the connection rather than read on


def fetch(session: requests.Session, url: str, method: str, options: Options, deadline: float,
          resolver: Resolver | None = None) -> Fetched:  # fmt: skip
    """One request and the redirects after it, followed by hand so loops, hops and the deadline are ours."""
    hops: list[Hop] = []
    seen = {url}
    current = url
    for _ in range(options.max_redirects + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return Fetched(current, tuple(hops), error="deadline", detail=f"no answer within {options.deadline:g} s")
        wait = min(options.timeout, remaining)
        if resolver is not None and (problem := resolver.problem(host_of(current), wait)):
            return Fetched(current, tuple(hops), error=problem[0], detail=problem[1])
        try:
            response = session.request(method, current, allow_redirects=False, stream=True, timeout=(wait, wait))
        except (requests.RequestException, ValueError) as error:
            return Fetched(current, tuple(hops), error=error_slug(error), detail=str(error)[:300])
        code = response.status_code
        location = response.headers.get("Location") if code in REDIRECT_CODES else None
        retry_after = parse_retry_after(response.headers.get("Retry-After")) if code in (429, 503) else None
        # The answer is in the headers; the body is read only to reuse the connection, and not for long.
        drain(response, options.body_limit, min(deadline, time.monotonic() + options.timeout))
        if not location:
            return Fetched(current, tuple(hops), code=code, retry_after=retry_after)
        target = urljoin(current, location.strip())
        hops.append(Hop(current, code, target))
        if target in seen:
            return Fetched(target, tuple(hops), code=code, error="redirect-loop", detail=f"{target} again")
        if url_problem(target):
            return Fetched(target, tuple(hops), code=code, error="bad-redirect", detail=f"redirect to {target}")
        seen.add(target)
        current = target
    return Fetched(current, tuple(hops), error="too-many-redirects", detail=f"more than {options.max_redirects}")


def attempt(session: requests.Session, url: str, options: Options, deadline: float,
            resolver: Resolver | None = None) -> Fetched:  # fmt: skip
    """HEAD first (cheap); a HEAD error is confirmed with GET because many servers mishandle HEAD."""
    head = fetch(session, url, "HEAD", options, deadline, resolver)
    if head.error or head.code not in HEAD_SUSPECT_CODES:
        return head
    return fetch(session, url, "GET", options, deadline, resolver)


def check_url(session: requests.Session, url: str, options: Options = Options(),
              stop: threading.Event | None = None, resolver: Resolver | None = None) -> LinkResult:  # fmt: skip
    """Check one URL, retrying as `should_retry` says; never raises for a dead link."""
    started = time.monotonic()
    problem = url_problem(url)
    if problem:
        return classify(Fetched(url, error=problem, detail="only http and https links are checked"))
    deadline = started + options.deadline
    tries = 0
    while True:
        tries += 1
        fetched = attempt(session, url, options, deadline, resolver)
        result = classify(fetched, elapsed=time.monotonic() - started, attempts=tries)
        if tries > options.retries or not should_retry(result):
            return result
        delay = retry_delay(result, tries - 1, options)
        if time.monotonic() + delay >= deadline:
            return result
        if stop is not None and stop.wait(delay):
            return result
        if stop is None:
            time.sleep(delay)


# ---- many URLs ----------------------------------------------------------------------------------


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


class HostSlots:
    """Hands out URLs so that no host has more than `per_host` in flight, and no worker waits on a busy host
    while another host has work (a ready-queue of hosts instead of one blocking semaphore each)."""

    def __init__(self, urls: Iterable[str], per_host: int):
        self.per_host = per_host
        self.pending: dict[str, deque[str]] = {}
        for url in urls:
            self.pending.setdefault(host_of(url), deque()).append(url)
        self.in_flight = dict.fromkeys(self.pending, 0)
        self.ready = deque(self.pending)  # hosts with work and a free slot, in round-robin order
        self.queued = set(self.pending)
        self.left = sum(len(urls) for urls in self.pending.values())
        self.stopped = False
        self.lock = threading.Condition()

    def take(self) -> tuple[str, str] | None:
        """The next (host, url) to check, waiting while every host with work is at its cap; None when done."""
        with self.lock:
            while not self.stopped and self.left and not self.ready:
                self.lock.wait()
            if self.stopped or not self.left:
                return None
            host = self.ready.popleft()
            self.queued.discard(host)
            url = self.pending[host].popleft()
            self.left -= 1
            self.in_flight[host] += 1
            self._requeue(host)
            return host, url

    def done(self, host: str) -> None:
        with self.lock:
            self.in_flight[host] -= 1
            self._requeue(host)
            self.lock.notify()

    def stop(self) -> None:
        with self.lock:
            self.stopped = True
            self.lock.notify_all()

    def _requeue(self, host: str) -> None:
        if host not in self.queued and self.pending[host] and self.in_flight[host] < self.per_host:
            self.ready.append(host)
            self.queued.add(host)


def check_links(urls: Iterable[str], options: Options = Options(),
                on_result: Callable[[LinkResult], None] | None = None) -> list[LinkResult]:  # fmt: skip
    """Check each distinct URL once, concurrently; results in first-seen order.

    `on_result` runs in the calling thread as each result arrives (to record it at once). On
    KeyboardInterrupt the workers are told to stop and the interrupt propagates: what was handed to
    `on_result` so far is all that was checked.
    """
    distinct = list(dict.fromkeys(urls))
    if not distinct:
        return []
    slots = HostSlots(distinct, options.per_host)
    resolver = Resolver()
    stop = threading.Event()
    done: queue.SimpleQueue = queue.SimpleQueue()

    def work() -> None:
        session = make_session(options)
        try:
            while (task := slots.take()) is not None:
                host, url = task
                try:
                    done.put(check_url(session, url, options, stop, resolver))
                except BaseException as error:  # a bug, not a dead link: hand it to the caller
                    done.put(error)
                    raise
                finally:
                    slots.done(host)
        finally:
            session.close()

    workers = [threading.Thread(target=work, name=f"link-worker-{n}", daemon=True)
               for n in range(min(options.concurrency, len(distinct)))]  # fmt: skip
    for worker in workers:
        worker.start()
    results: dict[str, LinkResult] = {}
    try:
        while len(results) < len(distinct):
            try:
                item = done.get(timeout=0.5)  # a timeout keeps Ctrl-C responsive
            except queue.Empty:
                continue
            if isinstance(item, BaseException):
                raise item
            results[item.url] = item
            if on_result is not None:
                on_result(item)
    finally:
        stop.set()
        slots.stop()  # on an interrupt or error the daemon workers drop what they had not started
    for worker in workers:
        worker.join()
    return [results[url] for url in distinct]
