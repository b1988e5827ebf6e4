"""Fetching one URL: the only code that touches the network; never raises for a dead link.

`check_url` checks one URL with its retries and redirects, within the per-URL deadline.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import socket
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from collections.abc import Callable
import urllib.request
from urllib.parse import urljoin, urlsplit

import requests

from pipeline.linkcheck.sites import Sites
from pipeline.linkcheck.soft404 import Page, is_html, read_page

from pipeline.linkcheck.status import (
    REDIRECT_CODES,
    Fetched,
    Hop,
    LinkResult,
    Options,
    classify,
    parse_retry_after,
    retry_delay,
    should_retry,
    url_problem,
)


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


def make_adapter(options: Options) -> requests.adapters.HTTPAdapter:
    """Connections shared by every worker: at most `per_host` kept per host, as at most that many are in flight."""
    return requests.adapters.HTTPAdapter(pool_connections=256, pool_maxsize=options.per_host, max_retries=0)


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


def drain(response: requests.Response, limit: int, deadline: float, keep: bool = False) -> bytes:
    """Read at most `limit` bytes of the body before `deadline`; reuse the connection only if the body ended.

    Returns what was read (decoded from gzip and the like) when `keep`, else nothing.
    """
    raw = response.raw
    read1 = getattr(raw, "read1", None)  # urllib3 >= 2: one recv per call, so a drip cannot stall us
    read, kept = 0, []
    try:
        while read1 is not None and read <= limit and time.monotonic() < deadline:
            chunk = read1(min(8192, limit + 1 - read), decode_content=keep)
            if not chunk:
                raw.release_conn()
                return b"".join(kept)
            read += len(chunk)
            if keep:
                kept.append(chunk)
    except Exception:  # noqa: BLE001 — the answer is already known; a failure here only loses the connection
        pass
    raw.close()  # too long or too slow: drop the connection rather than read on
    return b"".join(kept)[:limit]


def read_answer(response: requests.Response, url: str, final_url: str, options: Options, deadline: float) -> Page | None:
    """Read the body; keep the start of a 2xx HTML answer to GET as a Page (soft-404 and https-twin evidence)."""
    wanted = response.request.method == "GET" and 200 <= response.status_code < 300 and \
        is_html(response.headers.get("Content-Type"))  # fmt: skip
    body = drain(response, options.body_limit, min(deadline, time.monotonic() + options.timeout), keep=wanted)
    if not wanted:
        return None
    length = response.headers.get("Content-Length", "")
    return read_page(url, final_url, response.status_code, body, encoding=response.encoding,
                     content_length=int(length) if length.isdigit() else None)  # fmt: skip


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
        if not location:
            # The answer is in the headers; the body is read for soft-404 evidence and to reuse the connection.
            page = read_answer(response, url, current, options, deadline)
            return Fetched(current, tuple(hops), code=code, retry_after=retry_after, page=page)
        drain(response, options.body_limit, min(deadline, time.monotonic() + options.timeout))
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
    """One GET, as a browser asks: many servers mishandle HEAD, and the page's start is soft-404 evidence."""
    return fetch(session, url, "GET", options, deadline, resolver)


def check_url(session: requests.Session, url: str, options: Options = Options(),
              stop: threading.Event | None = None, resolver: Resolver | None = None,
              sites: Sites | None = None) -> LinkResult:  # fmt: skip
    """Check one URL, retrying as `should_retry` says; never raises for a dead link.

    With `sites`, a page that answered 2xx is weighed further (soft 404, https twin)."""
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
