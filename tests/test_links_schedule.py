"""The scheduler of requests across hosts: the per-host cap holds and no host's free slot waits behind others.

`simulate` runs HostSlots against a clock instead of a network (every request takes `latency`), so
the schedule's own waste is measured exactly, free of the machine's load.
"""

import heapq
import threading
from collections import Counter

import pytest

from pipeline.linkcheck.schedule import HostSlots

LATENCY = 0.1


def simulate(urls: list[str], concurrency: int, per_host: int) -> tuple[float, int]:
    """(finishing time, most requests in flight on one host) when each request takes LATENCY seconds."""
    slots = HostSlots(urls, per_host)
    now, free, running, in_flight, most = 0.0, concurrency, [], Counter(), 0
    while True:
        while free and slots.ready:
            host, _ = slots.take()
            free -= 1
            in_flight[host] += 1
            most = max(most, in_flight[host])
            heapq.heappush(running, (now + LATENCY, host))
        if not running:
            assert slots.take() is None  # everything was handed out
            return now, most
        now, host = heapq.heappop(running)
        in_flight[host] -= 1
        slots.done(host)
        free += 1


def bound(urls: list[str], concurrency: int, per_host: int) -> float:
    busiest = max(Counter(url.split("/")[2] for url in urls).values())
    return max(len(urls) * LATENCY / concurrency, busiest * LATENCY / per_host)


SPREAD = [f"http://h{n % 32}/{n}" for n in range(3000)]
SKEWED = [f"http://busy/{n}" if n % 3 == 0 else f"http://h{n % 31}/{n}" for n in range(3000)]
FEW_HOSTS = [f"http://busy/{n}" for n in range(40)] + [f"http://h{n % 3}/x{n}" for n in range(30)]


@pytest.mark.parametrize("urls", [SPREAD, SKEWED, FEW_HOSTS], ids=["spread", "skewed", "few-hosts"])
@pytest.mark.parametrize("concurrency", [4, 16, 32])
def test_the_schedule_reaches_the_bound_on_every_shape(urls, concurrency):
    wall, most = simulate(urls, concurrency, per_host=4)
    assert wall <= bound(urls, concurrency, 4) + LATENCY  # at most one request's time lost to rounding
    assert most <= 4


def test_the_busy_host_keeps_every_slot_busy():
    wall, most = simulate(SKEWED, 16, per_host=4)
    assert most == 4
    assert wall == pytest.approx(1000 * LATENCY / 4)


def test_a_freed_slot_of_the_busiest_host_is_refilled_first():
    slots = HostSlots([f"http://busy/{n}" for n in range(10)] + ["http://a/1", "http://b/1"], per_host=2)
    assert [slots.take()[0] for _ in range(4)] == ["busy", "busy", "a", "b"]
    slots.done("a")  # a has nothing left; busy is at its cap: nothing to hand out
    assert not slots.ready
    slots.done("busy")
    assert slots.take() == ("busy", "http://busy/2")


def test_a_worker_waits_only_while_every_host_with_work_is_at_its_cap():
    slots = HostSlots(["http://a/1", "http://a/2", "http://a/3", "http://b/1"], per_host=2)
    assert [slots.take() for _ in range(3)] == [("a", "http://a/1"), ("a", "http://a/2"), ("b", "http://b/1")]
    got = []
    waiter = threading.Thread(target=lambda: got.append(slots.take()))
    waiter.start()
    waiter.join(0.1)
    assert waiter.is_alive()  # a is at its cap and b has nothing left: wait
    slots.done("a")
    waiter.join(1)
    assert got == [("a", "http://a/3")]
    for host in ("a", "b", "a"):
        slots.done(host)
    assert slots.take() is None
