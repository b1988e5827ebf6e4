"""Asking the services politely: one request at a time per service, its documented pace, a disk cache, a deadline.

A service that cannot be reached, keeps answering 5xx, or keeps refusing with 429 stops the run
(`ServiceUnavailable`, exit 4): a review written from half the services would look complete and
is not. An answer that is not the JSON promised is a finding of its own (`Answer.problem`), not a stop.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

from pipeline.errors import ServiceUnavailable
from pipeline.linkcheck.status import parse_retry_after  # one reading of Retry-After for every client
from pipeline.linkcheck.transport import WATCHDOG, GuardedAdapter

USER_AGENT = "mentor-guide-find/{version} (Mentoring Resource Guide; mailto:{contact})"
CACHE_DAYS = 7
ANSWER_LIMIT = 4_000_000  # bytes: a search answer is a few kilobytes; anything larger is not one
MAX_RETRY_AFTER = 60.0  # seconds: a longer Retry-After means "come back another day"
RATE_LIMIT_RETRIES = 2
# Seconds between two requests to one service, from each one's documented limits: Crossref's polite pool
# (5 a second for single records and searches), Open Library (one a second without an agreement), NCBI
# E-utilities (3 a second without an API key), the Internet Archive (one a second, as check-links asks).
INTERVALS = {"crossref": 0.2, "openlibrary": 1.0, "pubmed": 0.34, "archive": 1.0}


class DeadlineReached(Exception):
    """The run's deadline came before this request could be made."""


@dataclass(frozen=True)
class Answer:
    """One service's answer: its exact address, and the JSON it held (None when there was none to read)."""

    service: str
    url: str
    status: int
    data: object = None
    problem: str | None = None  # why a 200 answer could not be read ("not JSON")
    cached: bool = False


def make_session(cache: Path | None, user_agent: str) -> requests.Session:
    """A session naming the project and its contact; with `cache`, answers are kept on disk for a week."""
    session: requests.Session
    if cache is None:
        session = requests.Session()
    else:
        import requests_cache  # only a run with a cache needs it

        cache.parent.mkdir(parents=True, exist_ok=True)
        session = requests_cache.CachedSession(
            str(cache),
            backend="sqlite",
            expire_after=dt.timedelta(days=CACHE_DAYS),
            allowable_codes=(200, 404),  # answers, and "no such record"; never a failure
            allowable_methods=("GET",),
            stale_if_error=False,
        )
    session.headers["User-Agent"] = user_agent
    session.headers["Accept"] = "application/json"
    adapter = GuardedAdapter(max_retries=0)  # its sockets are cut when an answer's time is up (`Client.send`)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class Client:
    """Gets JSON from the services, one request at a time, each service at its own pace, within one deadline."""

    def __init__(
        self,
        session: requests.Session,
        *,
        timeout: float,
        deadline: float,
        intervals: dict[str, float] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.session, self.timeout, self.deadline = session, timeout, deadline
        self.intervals = INTERVALS if intervals is None else intervals
        self.clock, self.sleep = clock, sleep
        self.last: dict[str, float] = {}
        self.requests = 0  # sent over the network, not read from the cache

    def remaining(self) -> float:
        return self.deadline - self.clock()

    def pause(self, service: str, seconds: float = 0.0) -> None:
        """Wait for the service's pace (or `seconds`), unless the deadline comes first."""
        since = self.clock() - self.last.get(service, float("-inf"))
        wait = max(seconds, self.intervals.get(service, 0.0) - since)
        if wait >= self.remaining():
            raise DeadlineReached
        if wait > 0:
            self.sleep(wait)

    def get(self, service: str, url: str) -> Answer:
        """The service's answer at `url`; raises ServiceUnavailable when it cannot give one, DeadlineReached."""
        wait = 0.0
        for attempt in range(RATE_LIMIT_RETRIES + 2):
            response = self.send(service, url, wait)
            if response.status_code == 429 and attempt < RATE_LIMIT_RETRIES:
                asked = parse_retry_after(response.headers.get("Retry-After"))
                wait = min(MAX_RETRY_AFTER, asked if asked is not None else 2.0**attempt)
                continue
            if response.status_code >= 500 and attempt == 0:
                wait = 1.0
                continue
            return self.read(service, url, response)
        raise AssertionError("unreachable")  # the loop returns or raises

    def send(self, service: str, url: str, wait: float) -> requests.Response:
        cached = self.is_cached(url)
        if not cached:
            self.pause(service, wait)
        remaining = self.remaining()
        if remaining <= 0:
            raise DeadlineReached
        timeout = min(self.timeout, remaining)
        # The whole answer within the timeout: a service that drips it byte by byte has not answered.
        with WATCHDOG.deadline(time.monotonic() + timeout) as alarm:
            try:
                response = self.session.get(url, timeout=(timeout, timeout), allow_redirects=True)
            except requests.RequestException as error:
                self.requests += 1
                raise unreachable(
                    service, url, "it did not answer in time" if alarm.rang else describe(error)
                ) from None
            finally:
                if not cached:
                    self.last[service] = self.clock()
        if not getattr(response, "from_cache", False):
            self.requests += 1
        return response

    def is_cached(self, url: str) -> bool:
        cache = getattr(self.session, "cache", None)  # a requests_cache.CachedSession has one
        return bool(cache is not None and cache.contains(url=url))

    def read(self, service: str, url: str, response: requests.Response) -> Answer:
        code, cached = response.status_code, bool(getattr(response, "from_cache", False))
        if code == 429:
            raise unreachable(service, url, "it kept answering 429 Too Many Requests")
        if code >= 500:
            raise unreachable(service, url, f"it answered {code}")
        if code != 200:
            return Answer(service, url, code, cached=cached)  # 404 and the like: no record there
        body = response.content
        if len(body) > ANSWER_LIMIT:
            return Answer(service, url, code, problem=f"the answer is over {ANSWER_LIMIT:,} bytes", cached=cached)
        try:
            return Answer(service, url, code, data=json.loads(body), cached=cached)
        except ValueError:
            return Answer(service, url, code, problem="the answer is not JSON", cached=cached)


def describe(error: requests.RequestException) -> str:
    if isinstance(error, requests.Timeout):
        return "it did not answer in time"
    if isinstance(error, requests.ConnectionError):
        return "it could not be reached (no network, or the service is down)"
    return f"the request failed ({type(error).__name__})"


def unreachable(service: str, url: str, why: str) -> ServiceUnavailable:
    host = urlsplit(url).netloc
    return ServiceUnavailable(
        f"{service} ({host}): {why}; no review file was written and the previous one is kept",
        hint="check the network and try again later; --service chooses which services are asked",
    )
