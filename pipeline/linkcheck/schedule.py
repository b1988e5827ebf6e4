"""Checking many URLs: a pool of worker threads, each with its own session, and never more than
`per_host` requests in flight to one host.
"""

from __future__ import annotations

import heapq
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

from pipeline.linkcheck.check import check_url, fetch
from pipeline.linkcheck.sites import Sites
from pipeline.linkcheck.soft404 import Page
from pipeline.linkcheck.status import LinkResult, Options
from pipeline.linkcheck.transport import Resolver, host_of, make_adapter, make_session


class HostSlots:
    """Hands out URLs so that no host has more than `per_host` in flight, busiest host first.

    A worker waits only while every host with work is at its cap. Among the hosts with a free slot it
    gets the one with the most URLs left (longest queue first): the busiest host bounds the whole run,
    so a freed slot of that host must be refilled at once, not after every other host had its turn.
    """

    def __init__(self, urls: Iterable[str], per_host: int):
        self.per_host = per_host
        self.pending: dict[str, deque[str]] = {}
        for url in urls:
            self.pending.setdefault(host_of(url), deque()).append(url)
        self.in_flight = dict.fromkeys(self.pending, 0)
        self.first_seen = {host: n for n, host in enumerate(self.pending)}  # breaks ties: dataset order
        # Hosts with work and a free slot, as (-URLs left, first seen, host). A host is in the heap at most
        # once, and its URLs left change only when it is popped, so no entry is ever stale.
        self.ready: list[tuple[int, int, str]] = []
        self.queued: set[str] = set()
        self.left = sum(len(urls) for urls in self.pending.values())
        self.stopped = False
        self.lock = threading.Condition()
        for host in self.pending:
            self._requeue(host)

    def take(self) -> tuple[str, str] | None:
        """The next (host, url) to check, waiting while every host with work is at its cap; None when done."""
        with self.lock:
            while not self.stopped and self.left and not self.ready:
                self.lock.wait()
            if self.stopped or not self.left:
                return None
            host = heapq.heappop(self.ready)[2]
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
            heapq.heappush(self.ready, (-len(self.pending[host]), self.first_seen[host], host))
            self.queued.add(host)


def check_links(
    urls: Iterable[str],
    options: Options = Options(),
    on_result: Callable[[LinkResult], None] | None = None,
    *,
    in_flight: dict[str, float] | None = None,
    on_wait: Callable[[], None] | None = None,
    probes: dict[str, Page | None] | None = None,
) -> list[LinkResult]:
    """Check each distinct URL once, concurrently; results in first-seen order.

    `in_flight`, if given, holds each URL being checked with the time its check started, and
    `on_wait` runs in the calling thread about twice a second while no result arrives (for a
    progress line that names a slow URL).

    `probes`, if given, holds what sites answered for an address that cannot exist (see `Sites`): the
    answers it has are not asked again, and the new ones are added to it.

    `on_result` runs in the calling thread as each result arrives (to record it at once). On
    KeyboardInterrupt the workers are told to stop and the interrupt propagates: what was handed to
    `on_result` so far is all that was checked.
    """
    distinct = list(dict.fromkeys(urls))
    if not distinct:
        return []
    slots = HostSlots(distinct, options.per_host)
    resolver = Resolver()
    sites = Sites(
        lambda session, url, method, options, deadline: fetch(session, url, method, options, deadline, resolver),
        options,
        probes,
    )
    stop = threading.Event()
    done: queue.SimpleQueue = queue.SimpleQueue()

    # One pool of connections for all workers: a host's few connections stay warm whichever worker takes its
    # next URL, instead of every worker opening its own to every host.
    adapter = make_adapter(options)

    def work() -> None:
        session = make_session(options, adapter)  # closed with the adapter, once every worker is done
        while (task := slots.take()) is not None:
            host, url = task
            if in_flight is not None:
                in_flight[url] = time.monotonic()
            try:
                done.put(check_url(session, url, options, stop, resolver, sites))
            except BaseException as error:  # a bug, not a dead link: hand it to the caller
                done.put(error)
                raise
            finally:
                slots.done(host)
                if in_flight is not None:
                    in_flight.pop(url, None)

    workers = [
        threading.Thread(target=work, name=f"link-worker-{n}", daemon=True)
        for n in range(min(options.concurrency, len(distinct)))
    ]
    for worker in workers:
        worker.start()
    results: dict[str, LinkResult] = {}
    try:
        while len(results) < len(distinct):
            try:
                item = done.get(timeout=0.5)  # a timeout keeps Ctrl-C responsive
            except queue.Empty:
                if on_wait is not None:
                    on_wait()
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
    adapter.close()
    return [results[url] for url in distinct]
