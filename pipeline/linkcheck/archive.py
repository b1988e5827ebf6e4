"""Archived copies of failing links: the Internet Archive's closest snapshot, a suggestion beside the URL."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

import requests

from pipeline.linkcheck.status import Options, publishable_url
from pipeline.linkcheck.transport import WATCHDOG, drain, make_session, send

MIN_INTERVAL = 1.0  # seconds between two lookups: the archive is a shared public service
ANSWER_LIMIT = 65_536  # bytes of an answer read at most


@dataclass(frozen=True)
class Snapshot:
    """An archived copy of a URL: where it is and when it was taken."""

    url: str
    timestamp: str  # YYYYMMDDhhmmss, as the archive gives it

    @property
    def date(self) -> str:
        return f"{self.timestamp[:4]}-{self.timestamp[4:6]}-{self.timestamp[6:8]}"


def availability_url(base: str, url: str) -> str:
    return f"{base.rstrip('/')}/wayback/available?url={quote(url, safe='')}"


def read_snapshot(answer: object) -> Snapshot | None:
    """The closest usable snapshot in an availability API answer (pure); None for anything else."""
    snapshots = answer.get("archived_snapshots") if isinstance(answer, dict) else None
    closest = snapshots.get("closest") if isinstance(snapshots, dict) else None
    if not isinstance(closest, dict) or closest.get("available") is not True:
        return None
    url, timestamp = closest.get("url"), str(closest.get("timestamp") or "")
    if str(closest.get("status", "200")) != "200" or not isinstance(url, str):
        return None  # a snapshot of an error page is no copy of the resource
    if not publishable_url(url) or len(timestamp) != 14 or not timestamp.isdigit():
        return None  # an address the dataset would refuse is no suggestion either
    return Snapshot(url, timestamp)


class Archive:
    """Looks up snapshots on one archive, at most once per URL, pausing between lookups."""

    def __init__(
        self,
        base: str,
        *,
        timeout: float = 10.0,
        interval: float = MIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base, self.timeout, self.interval = base, timeout, interval
        self.session = make_session(Options())  # its timeouts are given with each request
        self.clock, self.sleep = clock, sleep
        self.found: dict[str, Snapshot | None] = {}
        self.last: float | None = None

    def lookup(self, url: str, deadline: float) -> Snapshot | None:
        """The closest snapshot of `url`, or None (none, the archive failed, or no time left before `deadline`)."""
        if url in self.found:
            return self.found[url]
        wait = 0.0 if self.last is None else self.last + self.interval - self.clock()
        if self.clock() + max(wait, 0.0) >= deadline:  # no time left, or not for the pause
            return None
        if wait > 0:
            self.sleep(wait)
        self.last = self.clock()
        self.found[url] = snapshot = self._ask(url, min(self.timeout, deadline - self.last))
        return snapshot

    def _ask(self, url: str, timeout: float) -> Snapshot | None:
        """One lookup, the answer read whole within `timeout`; any failure of it is no suggestion."""
        with WATCHDOG.deadline(time.monotonic() + timeout) as alarm:
            try:
                with send(self.session, "GET", availability_url(self.base, url), (timeout, timeout)) as response:
                    if response.status_code != 200:
                        return None
                    body, complete = drain(response, ANSWER_LIMIT, time.monotonic() + timeout, keep=True)
                if complete and not alarm.rang:
                    return read_snapshot(json.loads(body))
            except (requests.RequestException, ValueError, OSError, RecursionError):  # too deep, cut, not JSON
                pass
        return None


def find_snapshots(urls: Iterable[str], archive: Archive, budget: float) -> dict[str, Snapshot]:
    """Snapshots of `urls`, looked up one by one within `budget` seconds; URLs without one are left out."""
    deadline = archive.clock() + budget  # once it has passed, a lookup returns None at once
    found = {url: archive.lookup(url, deadline) for url in dict.fromkeys(urls)}
    return {url: snapshot for url, snapshot in found.items() if snapshot is not None}
