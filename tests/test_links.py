"""The link checker against a real HTTP server on 127.0.0.1: every case of the issue, retries, the per-host cap."""

import math
import random
import socket
import threading
import time

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from pipeline.findings import Slug
from pipeline.linkcheck.schedule import check_links
from pipeline.linkcheck.status import (
    Fetched,
    Hop,
    LinkResult,
    LinkStatus,
    Options,
    classify,
    is_public_address,
    network_down,
    parse_retry_after,
    retry_delay,
    scrubbed,
    should_retry,
    suggested_url,
    url_problem,
    without_credentials,
)
from pipeline.linkcheck.transport import LookupFailed, Resolver, error_slug
from tests.links_server import BlackHole, LinksServer, unused_port

FAST = Options(timeout=0.5, deadline=3.0, backoff=0.05, retry_after_cap=2.0, concurrency=16, per_host=16)

# path → (status, code, error): what each case of the issue must be classified as
CASES = {
    "/ok": (LinkStatus.OK, 200, None),
    "/moved301": (LinkStatus.REDIRECTED, 200, None),
    "/moved308": (LinkStatus.REDIRECTED, 200, None),
    "/chain/3": (LinkStatus.REDIRECTED, 200, None),
    "/loop/a": (LinkStatus.BROKEN, 302, "redirect-loop"),
    "/cookie-wall": (LinkStatus.REDIRECTED, 200, None),  # the cookie it sets is sent back on the hop, as a browser does
    "/to-404": (LinkStatus.BROKEN, 404, "http-404"),
    "/missing": (LinkStatus.BROKEN, 404, "http-404"),
    "/gone": (LinkStatus.BROKEN, 410, "http-410"),
    "/flaky500": (LinkStatus.OK, 200, None),
    "/always503": (LinkStatus.SERVER_ERROR, 503, "http-503"),
    "/ratelimited": (LinkStatus.OK, 200, None),
    "/head405": (LinkStatus.OK, 200, None),
    "/head404": (LinkStatus.OK, 200, None),
    "/forbidden": (LinkStatus.BLOCKED, 403, "http-403"),
    "/slow": (LinkStatus.TIMEOUT, None, "timeout"),
    "/drip": (LinkStatus.OK, 200, None),  # the headers said 200; the dripped body is not waited for
    "/huge": (LinkStatus.OK, 200, None),
    "/close": (LinkStatus.BROKEN, None, "connection-error"),
}
OTHER_CASES = {
    "mailto:someone@example.org": (LinkStatus.INVALID, None, "unsupported-scheme"),
    "ftp://ftp.example.org/file.txt": (LinkStatus.INVALID, None, "unsupported-scheme"),
    "javascript:alert(1)": (LinkStatus.INVALID, None, "unsupported-scheme"),
    "http://no-such-host.invalid/page": (LinkStatus.BROKEN, None, "dns-failure"),  # the test DNS knows no such name
}


@pytest.fixture(scope="module")
def checked():
    """Every case checked in one concurrent run; (results by case, server state, wall time)."""
    with LinksServer() as server:
        server.state.slow = 1.5  # longer than FAST.timeout
        refused = f"http://127.0.0.1:{unused_port()}/"
        urls = {path: server.url(path) for path in CASES} | {url: url for url in OTHER_CASES} | {"refused": refused}
        started = time.monotonic()
        results = check_links(list(urls.values()), FAST)
        wall = time.monotonic() - started
        by_url = {result.url: result for result in results}
        yield {case: by_url[url] for case, url in urls.items()}, server.state, wall


@pytest.mark.parametrize("case", list(CASES) + list(OTHER_CASES))
def test_each_case_is_classified_right(checked, case):
    results, _, _ = checked
    result = results[case]
    expected = (CASES | OTHER_CASES)[case]
    assert (result.status, result.code, result.error) == expected


def test_the_whole_table_finishes_within_a_bound(checked):
    results, _, wall = checked
    per_url = FAST.deadline + FAST.timeout  # a URL's deadline, plus the last read it may be in
    assert all(result.elapsed <= per_url for result in results.values())
    assert wall <= math.ceil(len(results) / FAST.concurrency) * per_url


def test_connection_refused_is_broken_after_retries(checked):
    result = checked[0]["refused"]
    assert (result.status, result.error, result.attempts) == (LinkStatus.BROKEN, "connection-refused", 3)


def test_redirects_record_the_final_url_and_suggest_only_permanent_moves(checked):
    results, _, _ = checked
    assert results["/moved301"].final_url.endswith("/ok")
    assert results["/moved301"].suggested_url == results["/moved301"].final_url
    assert results["/moved308"].suggested_url.endswith("/ok")
    assert results["/chain/3"].final_url.endswith("/ok")
    assert results["/chain/3"].suggested_url is None  # 302s are temporary: keep the address
    assert results["/to-404"].final_url.endswith("/missing")


def test_retries_happen_and_are_counted(checked):
    results, state, _ = checked
    # Each attempt is at most one request: on a loaded machine a kept-alive connection that the server (its
    # /close case) has just closed can fail an attempt before the request reaches it, and that attempt counts.
    assert state.requests[("GET", "/flaky500")] == 2 and 2 <= results["/flaky500"].attempts <= FAST.retries + 1
    # Retries go on as far as the per-URL deadline allows (on a loaded machine it may cut the last one), never
    # beyond `retries`.
    assert 2 <= state.requests[("GET", "/always503")] <= results["/always503"].attempts <= FAST.retries + 1
    assert 2 <= results["/slow"].attempts <= 3
    assert 2 <= results["/close"].attempts <= 3


def test_retry_after_is_honoured(checked):
    results, state, _ = checked
    assert state.requests[("GET", "/ratelimited")] == 2
    assert results["/ratelimited"].elapsed >= 1.0


def test_every_check_is_one_get_never_a_head(checked):
    _, state, _ = checked
    assert state.requests[("GET", "/head405")] == 1 and state.requests[("GET", "/head404")] == 1
    assert not any(method == "HEAD" for method, _ in state.requests)


def test_bodies_are_not_downloaded(checked):
    results, state, _ = checked
    assert state.sent["/huge"] < 64 * 1024 * 1024  # the server gave up long before 2 GB
    assert state.sent["/drip"] < 15  # one dripped byte per 0.2 s cannot hold a worker
    assert results["/huge"].elapsed < FAST.deadline and results["/drip"].elapsed < FAST.deadline


def test_invalid_urls_are_never_opened(checked):
    _, state, _ = checked
    assert not any("example.org" in path for _, path in state.requests)


def test_duplicate_urls_are_checked_once():
    with LinksServer() as server:
        url = server.url("/dup")
        results = check_links([url, server.url("/ok"), url, url], FAST)
        assert [result.url for result in results] == [url, server.url("/ok")]
        assert server.state.requests[("GET", "/dup")] == 1


def test_the_per_host_cap_is_never_exceeded():
    addresses = ("127.0.0.1", "127.0.0.2", "127.0.0.3")
    with LinksServer(addresses) as server:
        server.state.slow = 0.05
        urls = [server.url(f"/slowish?{n}", n % 3) for n in range(60)]
        results = check_links(urls, Options(concurrency=8, per_host=2, timeout=2, deadline=5))
        assert all(result.status is LinkStatus.OK for result in results)
        seen = server.state.max_in_flight
        assert len(seen) == 3 and max(seen.values()) == 2  # the cap was reached, never passed
        assert 2 < server.state.max_in_flight_total <= 6  # and the hosts ran side by side, 2 each at most


def test_an_interrupt_stops_the_workers_and_keeps_what_was_checked():
    with LinksServer() as server:
        server.state.slow = 0.2
        urls = [server.url(f"/slowish?{n}") for n in range(40)]
        seen = []

        def on_result(result):
            seen.append(result)
            if len(seen) == 3:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            check_links(urls, Options(concurrency=2, per_host=2, timeout=2), on_result=on_result)
        assert len(seen) == 3
        # The workers stop taking URLs: a few more than were handed over (those in hand, one more each if the
        # interrupt is slow to land on a loaded machine), far from the 40 given.
        assert len(seen) <= sum(server.state.requests.values()) < len(urls) // 4


def problem(resolver: Resolver, host: str, timeout: float) -> str | None:
    """The error slug if `host` does not resolve within `timeout` seconds, else None."""
    try:
        resolver.addresses(host, timeout)
    except LookupFailed as failed:
        return failed.slug
    return None


def test_a_hung_dns_lookup_costs_the_timeout_not_a_worker():
    release = threading.Event()

    asked = []

    def hung(host, *args):
        asked.append(host)
        release.wait(10)
        raise OSError("gave up")

    resolver = Resolver(lookup=hung)
    assert problem(resolver, "slow.example", 0.2) == "dns-timeout"  # while the lookup still hangs
    assert problem(resolver, "slow.example", 0.1) == "dns-timeout"
    assert asked == ["slow.example"]  # the same lookup, not a second one
    release.set()
    assert problem(resolver, "slow.example", 1) == "dns-failure"
    assert problem(resolver, "127.0.0.1", 0.1) is None  # an address is not looked up


def test_a_host_that_does_not_resolve_is_a_dns_failure(fake_dns):
    assert problem(Resolver(), "no-such-host.invalid", 2) == "dns-failure"
    assert fake_dns.asked == ["no-such-host.invalid"]  # the system's lookup, looked up when called


def test_dripped_headers_are_cut_at_the_deadline():
    """One byte a second: every read is quicker than --timeout, yet the whole answer never comes in time."""
    with LinksServer() as server:
        options = Options(timeout=2, deadline=3, retries=2, backoff=0.05)
        [result] = check_links([server.url("/drip-headers")], options)
        assert (result.status, result.error) == (LinkStatus.TIMEOUT, "deadline")
        assert result.elapsed <= options.deadline + options.timeout
        assert server.state.sent["/drip-headers"] <= options.deadline + 2  # the connection was cut, not read on


def test_connect_timeouts_on_three_silent_hosts_mean_the_network_is_down():
    holes = [BlackHole(f"127.0.0.{n}") for n in (1, 2, 3)]
    try:
        results = check_links([hole.url for hole in holes], Options(timeout=0.3, deadline=1, retries=1))
    finally:
        for hole in holes:
            hole.close()
    assert {(result.status, result.error) for result in results} == {(LinkStatus.TIMEOUT, "connect-timeout")}
    assert network_down(results, 3)
    assert not network_down(results[:2], 3)  # two sites down may just be two sites down


def test_one_answering_server_means_the_network_is_up():
    results = [LinkResult(f"http://h{n}.example/", LinkStatus.BROKEN, error="dns-failure") for n in range(3)]
    assert network_down(results, 3)
    assert not network_down([*results, LinkResult("http://up.example/", LinkStatus.BROKEN, 404, error="http-404")], 3)
    assert not network_down([*results, LinkResult("http://slow.example/", LinkStatus.TIMEOUT, error="timeout")], 3)


def public_test_address(address: str) -> bool:
    """In these tests 127.0.0.1 stands for a public web site; every other address is judged by the real rule."""
    return address == "127.0.0.1" or is_public_address(address)


@pytest.mark.parametrize(
    "target",
    [
        "http://intranet.example/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.255.255.1/",
        "http://127.0.0.2:{port}/ok",
    ],
)
def test_a_redirect_from_a_public_site_into_a_private_address_is_refused(fake_dns, target):
    fake_dns.answers["intranet.example"] = ["10.1.2.3"]
    with LinksServer(("127.0.0.1", "127.0.0.2")) as server:
        server.state.locations["/redirect/in"] = target.format(port=server.servers[1].server_address[1])
        options = Options(timeout=1, deadline=2, public_address=public_test_address)
        [result] = check_links([server.url("/redirect/in")], options)
        assert (result.status, result.error, result.code) == (LinkStatus.BROKEN, "private-redirect", 301)
        assert result.attempts == 1  # refused before connecting, not timed out and retried
        assert server.state.requests[("GET", "/ok")] == 0
        assert "private address; not followed" in result.detail


def test_private_redirects_are_followed_when_allowed_or_when_the_check_starts_inside():
    with LinksServer(("127.0.0.1", "127.0.0.2")) as server:
        server.state.locations["/redirect/in"] = server.url("/ok", 1)
        allowed = Options(timeout=1, deadline=2, public_address=public_test_address, allow_private_redirects=True)
        inside = Options(timeout=1, deadline=2)  # 127.0.0.1 is loopback: an intranet guide may stay inside
        for options in (allowed, inside):
            [result] = check_links([server.url("/redirect/in")], options)
            assert (result.status, result.final_url) == (LinkStatus.REDIRECTED, server.url("/ok", 1))


def test_connections_go_to_the_address_the_resolver_found(fake_dns):
    """The name is looked up once, by the injected resolver; the connection uses its answer."""
    with LinksServer() as server:
        port = server.servers[0].server_address[1]
        calls = []

        def lookup(host, *args):
            calls.append(host)
            return [(2, 1, 6, "", ("127.0.0.1", 0))]

        options = Options(timeout=1, deadline=2, lookup=lookup)
        results = check_links([f"http://guide.example:{port}/ok", f"http://guide.example:{port}/moved301"], options)
        assert [result.status for result in results] == [LinkStatus.OK, LinkStatus.REDIRECTED]
        assert calls == ["guide.example"] and fake_dns.asked == []


def test_behind_a_proxy_the_proxy_looks_the_names_up(monkeypatch, fake_dns):
    """Where the proxy alone resolves names (as on many campus networks), links are checked through it."""
    for name in ("no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with LinksServer() as proxy:
        monkeypatch.setenv("http_proxy", proxy.url(""))
        monkeypatch.setenv("https_proxy", proxy.url(""))
        [result] = check_links(["http://guide.invalid/moved301"], Options(timeout=1, deadline=2))
        assert (result.status, result.final_url) == (LinkStatus.REDIRECTED, "http://guide.invalid/ok")
        assert proxy.state.proxied[:2] == ["http://guide.invalid/moved301", "http://guide.invalid/ok"]
        assert fake_dns.asked == []  # no name was looked up here


@pytest.mark.parametrize(
    "address, public",
    [
        ("8.8.8.8", True),
        ("2606:4700::1111", True),
        ("10.255.255.1", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("127.0.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:10.0.0.1", False),
        ("224.0.0.1", False),
    ],
)
def test_public_addresses(address, public):
    assert is_public_address(address) is public


@pytest.mark.parametrize(
    "url, clean",
    [
        ("https://admin:secret@example.org/x", "https://example.org/x"),
        ("http://user@example.org:8080/", "http://example.org:8080/"),
        ("https://example.org/a@b?c=d@e", "https://example.org/a@b?c=d@e"),
        ("mailto:someone@example.org", "mailto:someone@example.org"),
        (None, None),
    ],
)
def test_credentials_are_stripped(url, clean):
    assert without_credentials(url) == clean


def test_a_scrubbed_result_holds_no_credentials():
    result = LinkResult(
        "https://a:b@x.example/",
        LinkStatus.REDIRECTED,
        200,
        final_url="https://admin:secret@y.example/",
        suggested_url="https://admin:secret@y.example/",
        detail="redirect to https://admin:secret@y.example/",
    )
    clean = scrubbed(result)
    assert "secret" not in repr(clean) and clean.url == "https://x.example/"


def test_credentials_added_by_a_redirect_are_not_kept():
    with LinksServer() as server:
        host, port = server.servers[0].server_address[:2]
        server.state.locations["/redirect/creds"] = f"http://admin:secret@{host}:{port}/ok"
        [result] = check_links([server.url("/redirect/creds")], FAST)
        assert result.status is LinkStatus.REDIRECTED
        assert "secret" not in repr(scrubbed(result))


# ---- pure rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, status",
    [
        (200, "ok"),
        (204, "ok"),
        (404, "broken"),
        (410, "broken"),
        (400, "broken"),
        (401, "blocked"),
        (403, "blocked"),
        (429, "blocked"),
        (408, "timeout"),
        (500, "server-error"),
        (503, "server-error"),
    ],
)
def test_classify_codes(code, status):
    assert classify(Fetched("http://a/", code=code)).status == status


@pytest.mark.parametrize(
    "error, status",
    [
        ("timeout", "timeout"),
        ("deadline", "timeout"),
        ("dns-timeout", "timeout"),
        ("dns-failure", "broken"),
        ("connection-refused", "broken"),
        ("redirect-loop", "broken"),
        ("tls-error", "broken"),
        ("unsupported-scheme", "invalid"),
    ],
)
def test_classify_errors(error, status):
    assert classify(Fetched("http://a/", error=error)).status == status


def test_the_slugs_are_a_closed_stable_set():
    assert [str(status) for status in LinkStatus] == [
        "ok",
        "redirected",
        "broken",
        "timeout",
        "server-error",
        "blocked",
        "invalid",
        "soft-404",
    ]


@pytest.mark.parametrize(
    "result, retry",
    [
        (LinkResult("u", LinkStatus.SERVER_ERROR, 500), True),
        (LinkResult("u", LinkStatus.BLOCKED, 429), True),
        (LinkResult("u", LinkStatus.TIMEOUT, 408), True),
        (LinkResult("u", LinkStatus.TIMEOUT, error="timeout"), True),
        (LinkResult("u", LinkStatus.BROKEN, error="connection-error"), True),
        (LinkResult("u", LinkStatus.TIMEOUT, error="deadline"), False),
        (LinkResult("u", LinkStatus.BROKEN, 404), False),
        (LinkResult("u", LinkStatus.BLOCKED, 403), False),
        (LinkResult("u", LinkStatus.BROKEN, error="dns-failure"), False),
        (LinkResult("u", LinkStatus.OK, 200), False),
        (LinkResult("u", LinkStatus.INVALID), False),
    ],
)
def test_should_retry(result, retry):
    assert should_retry(result) is retry


@given(attempt=st.integers(0, 6), seed=st.integers(), backoff=st.floats(0.01, 5))
def test_backoff_doubles_with_jitter(attempt, seed, backoff):
    options = Options(backoff=backoff)
    delay = retry_delay(None, attempt, options, random.Random(seed))  # a 500 without Retry-After
    assert backoff * 2**attempt / 2 <= delay <= backoff * 2**attempt


def test_retry_after_wins_up_to_the_cap():
    options = Options(retry_after_cap=10)
    assert retry_delay(3, 0, options) == 3  # a 429 with Retry-After: 3
    assert retry_delay(3600, 0, options) == 10


def test_parse_retry_after():
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_suggested_url_follows_only_leading_permanent_moves():
    hops = (Hop("http://a", 301, "https://a"), Hop("https://a", 302, "https://a/login"))
    assert suggested_url(hops) == "https://a"
    assert suggested_url(hops[1:]) is None


@pytest.mark.parametrize(
    "url, problem",
    [
        ("https://example.org/x", None),
        ("HTTP://example.org", None),
        ("mailto:a@b.c", "unsupported-scheme"),
        ("ftp://x/y", "unsupported-scheme"),
        ("example.org/page", "unsupported-scheme"),
        ("http://", "malformed-url"),
        ("http://host:99999999/", "malformed-url"),
    ],
)
def test_url_problem(url, problem):
    assert url_problem(url) == problem


def raised(make_error, cause: BaseException):
    """The error `make_error` builds, raised from `cause` the way urllib3 and requests chain them."""
    try:
        try:
            raise cause
        except BaseException as inner:
            raise make_error(inner) from inner
    except BaseException as error:
        return error


def wrapped_by_requests(reason: BaseException):
    """requests' ConnectionError around urllib3's MaxRetryError around `reason`, as a failed request raises it."""
    from urllib3.exceptions import MaxRetryError

    retries = raised(lambda inner: MaxRetryError(None, "http://h.example/", inner), reason)
    return raised(requests.ConnectionError, retries)


@pytest.mark.parametrize(
    ("error", "slug"),
    [
        (
            lambda: wrapped_by_requests(raised(lambda e: OSError("cannot connect"), ConnectionRefusedError(111, "x"))),
            Slug.CONNECTION_REFUSED,
        ),
        (lambda: wrapped_by_requests(socket.gaierror(-2, "no such name")), Slug.DNS_FAILURE),
        (lambda: wrapped_by_requests(ConnectionResetError(104, "reset")), Slug.CONNECTION_ERROR),
        # The words of a message never decide: a refusal is known by its type.
        (lambda: requests.ConnectionError("Connection refused; Name or service not known"), Slug.CONNECTION_ERROR),
        (lambda: requests.exceptions.ConnectTimeout("slow"), Slug.CONNECT_TIMEOUT),
        (lambda: requests.exceptions.SSLError("bad certificate"), Slug.TLS_ERROR),
        (lambda: requests.exceptions.InvalidURL("http://[::1"), Slug.MALFORMED_URL),
    ],
)
def test_request_errors_are_classified_by_their_types_and_causes(error, slug):
    assert error_slug(error()) is slug


def test_the_private_address_guard_runs_on_the_urllib3_it_is_pinned_to():
    """The guard's one private hook (urllib3's `_new_conn`) is tested on the major version pyproject allows."""
    import re
    import tomllib

    import urllib3
    from urllib3.connection import HTTPConnection

    from pipeline.linkcheck.transport import GuardedConnection
    from tests.conftest import REPO

    dependencies = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    [low, high] = map(
        int, re.fullmatch(r"urllib3>=(\d+),<(\d+)", *[d for d in dependencies if "urllib3" in d]).groups()
    )
    assert low <= int(urllib3.__version__.split(".")[0]) < high
    assert "_new_conn" in vars(HTTPConnection) and "_new_conn" in vars(GuardedConnection)
