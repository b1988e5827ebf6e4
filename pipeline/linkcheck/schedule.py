"""Checking many URLs: a pool of worker threads, and never more than `per_host` requests in flight to one host."""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from pipeline.linkcheck.check import check_url, fetch
from pipeline.linkcheck.sites import Sites
from pipeline.linkcheck.status import LinkResult, Options
from pipeline.linkcheck.transport import Resolver, host_of, make_adapter, make_session


def check_links(
    urls: Iterable[str],
    options: Options = Options(),
    on_result: Callable[[LinkResult], None] = lambda result: None,
    *,
    in_flight: dict[str, float] | None = None,
    on_wait: Callable[[], None] = lambda: None,
) -> list[LinkResult]:
    """Check each distinct URL once, concurrently; results in first-seen order.

    In the calling thread, `on_result` gets each result as it arrives and `on_wait` runs about twice a second
    while none does; `in_flight` holds each URL being checked with when it started. On Ctrl-C the workers stop.
    """
    in_flight = {} if in_flight is None else in_flight
    distinct = list(dict.fromkeys(urls))
    if not distinct:
        return []
    by_host: dict[str, deque[str]] = {}
    for url in distinct:
        by_host.setdefault(host_of(url), deque()).append(url)
    resolver = Resolver(options.lookup)
    sites = Sites(lambda session, url, deadline: fetch(session, url, options, deadline, resolver), options)
    stop = threading.Event()
    done: queue.SimpleQueue = queue.SimpleQueue()
    # One pool of connections for all workers: a host's few connections stay warm whichever lane uses them.
    adapter = make_adapter(options)

    def lane(waiting: deque[str]) -> None:
        """One of a host's `per_host` slots: its URLs, one after another."""
        session = make_session(options, adapter)
        while not stop.is_set() and waiting:
            try:
                url = waiting.popleft()
            except IndexError:  # another lane of the host took the last one
                return
            in_flight[url] = time.monotonic()
            try:
                done.put(check_url(session, url, options, stop, resolver, sites))
            except BaseException as error:  # a bug, not a dead link: hand it to the caller
                done.put(error)
                raise
            finally:
                in_flight.pop(url, None)

    # A host's n-th lane stands for 1/n of its URLs: the busiest host, which bounds the run, starts first,
    # and every host gets its first lane before any gets another (each then asks its own site probe).
    slots = [(len(waiting) / n, waiting) for waiting in by_host.values() for n in range(1, options.per_host + 1)]
    lanes = [waiting for share, waiting in sorted(slots, key=lambda slot: slot[0], reverse=True) if share >= 1]
    results: dict[str, LinkResult] = {}
    with ThreadPoolExecutor(min(options.concurrency, len(lanes)), thread_name_prefix="link-worker") as pool:
        for waiting in lanes:
            pool.submit(lane, waiting)
        try:
            while len(results) < len(distinct):
                try:
                    item = done.get(timeout=0.5)  # a timeout keeps Ctrl-C responsive
                except queue.Empty:
                    on_wait()
                    continue
                if isinstance(item, BaseException):
                    raise item
                results[item.url] = item
                on_result(item)
        finally:
            stop.set()  # on an interrupt or error the lanes drop what they had not started
    adapter.close()
    return [results[url] for url in distinct]
