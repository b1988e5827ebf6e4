"""Archived copies: the availability API's answer read purely, and lookups against a loopback fake archive."""

import time

import pytest

from pipeline.linkcheck.archive import Archive, Snapshot, availability_url, find_snapshots, read_snapshot
from tests.fake_archive import FakeArchive
from tests.links_server import unused_port

GOOD = {
    "url": "example.org/a",
    "archived_snapshots": {
        "closest": {
            "status": "200",
            "available": True,
            "url": "http://web.archive.org/web/20130919044612/http://example.org/a",
            "timestamp": "20130919044612",
        }
    },
}


def test_the_closest_snapshot_is_read_with_its_date():
    snapshot = read_snapshot(GOOD)
    assert snapshot == Snapshot("http://web.archive.org/web/20130919044612/http://example.org/a", "20130919044612")
    assert snapshot.date == "2013-09-19"


@pytest.mark.parametrize(
    "answer",
    [
        {"url": "x", "archived_snapshots": {}},
        {},
        [],
        "text",
        None,
        {"archived_snapshots": {"closest": {**GOOD["archived_snapshots"]["closest"], "available": False}}},
        {"archived_snapshots": {"closest": {**GOOD["archived_snapshots"]["closest"], "status": "404"}}},
        {"archived_snapshots": {"closest": {**GOOD["archived_snapshots"]["closest"], "url": "javascript:alert(1)"}}},
        {"archived_snapshots": {"closest": {**GOOD["archived_snapshots"]["closest"], "timestamp": "2013"}}},
        {"archived_snapshots": "nonsense"},
    ],
)
def test_anything_but_a_usable_snapshot_is_none(answer):
    assert read_snapshot(answer) is None


def test_the_url_asked_about_is_quoted_whole():
    assert availability_url("https://archive.org/", "http://a.test/p?q=1&r=2") == (
        "https://archive.org/wayback/available?url=http%3A%2F%2Fa.test%2Fp%3Fq%3D1%26r%3D2"
    )


def test_lookups_find_snapshots_once_per_url_and_pause_between_them():
    with FakeArchive({"http://a.test/gone": "20200102030405"}) as fake:
        archive = Archive(fake.url, interval=0.2)
        found = find_snapshots(["http://a.test/gone", "http://a.test/never", "http://a.test/gone"], archive, budget=5)
        assert archive.lookup("http://a.test/gone", time.monotonic() + 5) == found["http://a.test/gone"]
    assert found == {
        "http://a.test/gone": Snapshot(
            "http://web.archive.test/web/20200102030405/http://a.test/gone", "20200102030405"
        )
    }
    assert fake.lookups == {"http://a.test/gone": 1, "http://a.test/never": 1}


def test_lookups_are_paced_and_stop_when_the_pause_would_pass_the_deadline():
    class Clock:
        now = 0.0

    slept = []

    def sleep(seconds):
        slept.append(seconds)
        Clock.now += seconds

    with FakeArchive() as fake:
        archive = Archive(fake.url, interval=1.0, clock=lambda: Clock.now, sleep=sleep)
        find_snapshots(["http://a.test/1", "http://a.test/2"], archive, budget=5)
        assert slept == [1.0]  # the second lookup waited a full interval after the first (no time passes here)
        assert archive.lookup("http://a.test/3", deadline=Clock.now + 0.5) is None  # a pause of 1 s would pass it
    assert list(fake.lookups) == ["http://a.test/1", "http://a.test/2"]


@pytest.mark.parametrize("url", ["http://a.test/archive-500", "http://a.test/archive-garbage"])
def test_a_failing_archive_gives_no_suggestion(url):
    with FakeArchive({url: "20200102030405"}) as fake:
        assert find_snapshots([url], Archive(fake.url), budget=5) == {}


def test_an_unreachable_archive_gives_no_suggestion_at_once():
    started = time.monotonic()
    assert find_snapshots(["http://a.test/x"], Archive(f"http://127.0.0.1:{unused_port()}"), budget=5) == {}
    assert time.monotonic() - started < 5  # refused at once: the budget was not waited out


def test_the_lookups_stop_at_the_budget():
    urls = [f"http://a.test/archive-slow/{n}" for n in range(5)]
    with FakeArchive({url: "20200102030405" for url in urls}) as fake:
        started = time.monotonic()
        found = find_snapshots(urls, Archive(fake.url, timeout=5, interval=0), budget=0.5)
        assert time.monotonic() - started < 5  # cut at the budget, not at the archive's own timeout
    assert found == {} and sum(fake.lookups.values()) == 1
