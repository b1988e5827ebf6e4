"""Link statuses: a closed set of slugs, the result records, and the pure rules of classification and retrying.

A dead link is data (a `LinkResult`), never an exception."""

from __future__ import annotations

import dataclasses
import email.utils
import ipaddress
import random
import re
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import overload
from urllib.parse import urlsplit, urlunsplit

from pipeline.findings import Slug
from pipeline.linkcheck.soft404 import Page
from schemas.vocabulary import INVISIBLE_CHARACTERS, MAX_URL_LENGTH, URL_PATTERN

PERMANENT_REDIRECTS = frozenset({301, 308})
BLOCKED_CODES = frozenset({401, 403, 429})
RETRY_CODES = frozenset({408, 429})  # and every 5xx
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
    SOFT_404 = "soft-404"  # answers 2xx, but the page is really "not found" (see pipeline.linkcheck.soft404)


# Statuses that count as a failing night for alarms; `blocked` is reported apart and never alarms.
FAILING = frozenset(
    {LinkStatus.BROKEN, LinkStatus.TIMEOUT, LinkStatus.SERVER_ERROR, LinkStatus.INVALID, LinkStatus.SOFT_404}
)
# Errors met before any server answered: when every URL on several hosts ends so, the checker is offline.
NETWORK_ERRORS = frozenset(
    {Slug.DNS_FAILURE, Slug.DNS_TIMEOUT, Slug.CONNECTION_REFUSED, Slug.CONNECTION_ERROR, Slug.CONNECT_TIMEOUT}
)
CREDENTIALS = re.compile(r"(?<=//)[^/?#@\s]*@")  # the user:password@ part of an address in free text


def look_up_host(host: str, port, family: int = 0, kind: int = 0):
    """The system's getaddrinfo, looked up when called (so a test can stand in for DNS)."""
    return socket.getaddrinfo(host, port, family, kind)


def is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_public_address(address: str) -> bool:
    """Whether an IP address is on the public internet (not private, loopback, link-local, shared or reserved)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class Suggestion(StrEnum):
    """Why `suggested_url` is offered instead of the URL; stable slugs."""

    MOVED = "moved-permanently"  # the URL redirects there with 301 or 308
    HTTPS = "https-upgrade"  # the https:// twin of an http:// URL answers the same page


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
    body_limit: int = 65_536  # bytes of a body read at most (the start of an HTML page is soft-404 evidence)
    allow_private_redirects: bool = False  # follow a public site's redirect into a private address (intranets)
    # How host names are looked up, and which addresses count as public; tests put their own in.
    lookup: Callable = field(default=look_up_host, compare=False, repr=False)
    public_address: Callable[[str], bool] = field(default=is_public_address, compare=False, repr=False)
    # Where the https twin of an http port is looked for: the default ports only, unless told otherwise.
    https_ports: Mapping[int, int] = field(default_factory=lambda: MappingProxyType({80: 443}))


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
    error: str | None = None  # a Slug of pipeline.findings, such as dns-failure or redirect-loop
    detail: str = ""
    retry_after: float | None = None
    page: Page | None = field(default=None, compare=False, repr=False)  # a 2xx HTML answer to GET, read back


@dataclass(frozen=True)
class LinkResult:
    """The outcome of checking one URL."""

    url: str
    status: LinkStatus
    code: int | None = None
    final_url: str | None = None
    suggested_url: str | None = None
    suggestion: Suggestion | None = None
    error: str | None = None
    detail: str = ""
    elapsed: float = 0.0
    attempts: int = 1

    @property
    def failing(self) -> bool:
        return self.status in FAILING


# ---- pure rules ---------------------------------------------------------------------------------


def url_problem(url: str) -> Slug | None:
    """Why a URL must not be opened (a slug), or None if it is an http(s) URL with a host."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — raises ValueError on a malformed port
    except ValueError:
        return Slug.MALFORMED_URL
    if parts.scheme.lower() not in SCHEMES:
        return Slug.UNSUPPORTED_SCHEME
    if not parts.hostname:
        return Slug.MALFORMED_URL
    return None


PUBLISHABLE_URL = re.compile(URL_PATTERN)
INVISIBLE = re.compile(f"[{''.join(INVISIBLE_CHARACTERS)}\ud800-\udfff]")  # and half characters (from JSON)


def publishable_url(url: str) -> bool:
    """Whether an address found on the web passes the dataset's checks: http(s), no spaces, invisible
    characters or credentials, within the dataset's length (in bytes of UTF-8, as a printed QR code holds it)."""
    if (
        INVISIBLE.search(url)  # first: half a character cannot be encoded to be measured
        or len(url.encode("utf-8")) > MAX_URL_LENGTH
        or not PUBLISHABLE_URL.match(url)
        or url_problem(url)
    ):
        return False
    return without_credentials(url) == url


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
    if error in (Slug.TIMEOUT, Slug.DEADLINE, Slug.DNS_TIMEOUT, Slug.CONNECT_TIMEOUT):
        return LinkStatus.TIMEOUT
    if error in (Slug.MALFORMED_URL, Slug.UNSUPPORTED_SCHEME):
        return LinkStatus.INVALID
    return LinkStatus.BROKEN  # dns-failure, connection-refused, tls-error, redirect-loop, private-redirect...


def suggested_url(hops: tuple[Hop, ...]) -> str | None:
    """Where the leading permanent redirects lead: the address to put in the guide instead."""
    suggestion = None
    for hop in hops:
        if hop.code not in PERMANENT_REDIRECTS:
            break
        suggestion = hop.location
    return suggestion


def classify(fetched: Fetched, *, attempts: int = 1) -> LinkResult:
    """Turn what came back from the server (or the error met on the way) into a LinkResult."""
    error: str | None = fetched.error
    if error:
        status = status_of_error(error)
    else:
        assert fetched.code is not None  # a request that met no error has a final code
        status = status_of_code(fetched.code)
        error = None if status is LinkStatus.OK else f"http-{fetched.code}"
    moved = suggested_url(fetched.hops) if status is LinkStatus.OK else None
    return LinkResult(
        url=fetched.hops[0].url if fetched.hops else fetched.url,
        status=LinkStatus.REDIRECTED if status is LinkStatus.OK and fetched.hops else status,
        code=fetched.code,
        final_url=fetched.url if fetched.hops else None,
        suggested_url=moved,
        suggestion=Suggestion.MOVED if moved else None,
        error=error,
        detail=fetched.detail,
        attempts=attempts,
    )


def should_retry(result: LinkResult) -> bool:
    """Whether another attempt may give a different answer: timeouts, connection errors, 5xx, 408, 429."""
    if result.status in (LinkStatus.TIMEOUT, LinkStatus.SERVER_ERROR):
        return result.error != Slug.DEADLINE
    if result.code in RETRY_CODES:
        return True
    return result.error in (Slug.CONNECTION_REFUSED, Slug.CONNECTION_ERROR)


def retry_delay(retry_after: float | None, attempt: int, options: Options, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number `attempt` (0-based): Retry-After if given, else backoff with jitter."""
    if retry_after is not None:
        return min(retry_after, options.retry_after_cap)
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


@overload
def without_credentials(url: str) -> str: ...
@overload
def without_credentials(url: None) -> None: ...
def without_credentials(url: str | None) -> str | None:
    """The address without its `user:password@` part: credentials are never printed or stored."""
    if not url or "@" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return CREDENTIALS.sub("", url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def scrubbed(result: LinkResult) -> LinkResult:
    """The result as it may be printed and stored: no credentials in any address or in the detail."""
    return dataclasses.replace(
        result,
        url=without_credentials(result.url),
        final_url=without_credentials(result.final_url),
        suggested_url=without_credentials(result.suggested_url),
        detail=CREDENTIALS.sub("", result.detail),
    )


def network_down(results: list[LinkResult], min_hosts: int) -> bool:
    """Every URL, on at least `min_hosts` hosts, failed before any server answered: the checker is offline."""
    if not all(result.error in NETWORK_ERRORS and result.code is None for result in results):
        return False
    return len({urlsplit(result.url).hostname for result in results}) >= min_hosts
