"""The findings of the link checker's audit, each reproduced on loopback: a hung server called `ok`, working
links called broken, an archive that ends the night, a lost or doubled alarm, a name that slips past the
private-address guard, unfiltered archive suggestions, a check that cannot wait, and a status file that
crashes its reader."""

import json
import time
from urllib.parse import urlsplit

import pytest

from pipeline.errors import LinkStatusFileError
from pipeline.link_health import read_link_health
from pipeline.linkcheck.archive import Archive, read_snapshot
from pipeline.linkcheck.schedule import check_links
from pipeline.linkcheck.soft404 import read_page, soft_404_reason
from pipeline.linkcheck.status import LinkStatus, Options, is_public_address
from pipeline.locking import exclusive
from tests.fake_archive import FakeArchive
from tests.links_server import LinksServer, write_dataset
from tests.sites_server import ARTICLE, HOME, Sites

# ---- a response counts only once its headers (and the body it needs) are in, within the deadline ---------

DRIPS = ["/drip-after-status", "/drip-html"]


@pytest.mark.parametrize("path", DRIPS)
def test_a_drip_past_the_deadline_is_a_timeout(server, path):
    server.state.drip_every = 0.5
    options = Options(timeout=2, deadline=3, retries=0)
    [result] = check_links([server.url(path)], options)
    assert (result.status, result.error, result.code) == (LinkStatus.TIMEOUT, "deadline", None)
    assert result.elapsed <= options.deadline + 1


@pytest.fixture
def proxy(monkeypatch):
    for name in ("no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with LinksServer() as running:
        monkeypatch.setenv("http_proxy", running.url(""))
        yield running


@pytest.mark.parametrize("path", DRIPS)
def test_a_drip_past_the_deadline_is_a_timeout_through_a_proxy(proxy, path):
    proxy.state.drip_every = 0.5
    options = Options(timeout=2, deadline=3, retries=0)
    started = time.monotonic()
    [result] = check_links([f"http://guide.invalid{path}"], options)
    assert (result.status, result.error, result.code) == (LinkStatus.TIMEOUT, "deadline", None)
    assert time.monotonic() - started <= options.deadline + 1
    assert proxy.state.proxied == [f"http://guide.invalid{path}"]


# ---- 1: working links called broken ---------------------------------------------------------------


def page(url: str, final: str, body: str):
    return read_page(url, final, 200, body.encode())


def test_a_site_root_that_redirects_home_is_not_soft():
    """The root redirects to the home page, where unknown paths land too: that is what a root does."""
    probe = page("http://site.test/zzz-no-such-page", "http://site.test/home", HOME)
    assert soft_404_reason(page("http://site.test/", "http://site.test/home", HOME), probe) is None
    assert soft_404_reason(page("http://site.test", "http://site.test/en/home", HOME), probe) is None


@pytest.mark.parametrize(
    "title, heading",
    [("Error 404 - Podcast episode on mentoring mistakes", "Episode 12"), ("Mentoring podcast", "Oops!")],
)
def test_a_title_or_heading_alone_never_decides(title, heading):
    body = f"<html><head><title>{title}</title></head><body><h1>{heading}</h1>{ARTICLE}</body></html>"
    episode = page("http://pod.test/episodes/12", "http://pod.test/episodes/12", body)
    assert soft_404_reason(episode, None) is None  # the site answers 404 for what does not exist
    other = "<html><head><title>Nothing here</title></head><body><h1>Nothing</h1></body></html>"
    assert soft_404_reason(episode, page("http://pod.test/zzz", "http://pod.test/zzz", other)) is None


def test_a_cms_whose_pages_share_a_title_and_first_kilobyte_is_judged_by_the_rest():
    head = "<html><head><title>College</title>" + "<meta name=x content=y>" * 60 + "</head><body>"
    missing = head + "<p>" + "Nothing was found at this address. " * 40 + "</p></body></html>"
    article = head + "<p>" + "Mentors and mentees meet every month. " * 36 + "</p></body></html>"
    assert len(head) > 1024
    probe = page("http://cms.test/zzz-no-such-page", "http://cms.test/zzz-no-such-page", missing)
    assert soft_404_reason(page("http://cms.test/mentoring", "http://cms.test/mentoring", article), probe) is None
    assert soft_404_reason(page("http://cms.test/old", "http://cms.test/old", missing), probe) is not None


def roots_of_the_guide(real_build) -> list[str]:
    import csv

    with open(real_build / "resources.csv", encoding="utf-8-sig", newline="") as file:
        urls = [row["url"] for row in csv.DictReader(file) if row["url"]]
    return sorted({url for url in urls if urlsplit(url).path in ("", "/") and not urlsplit(url).query})


def redirect_root_home(path: str):
    if path == "/home":
        return 200, HOME.encode(), None
    return 302, b"", "/home"  # the root, and every address that does not exist


def test_the_site_roots_of_the_real_guide_stay_ok_on_sites_that_redirect_their_root_home(real_build, fake_dns):
    roots = roots_of_the_guide(real_build)
    assert len(roots) == 6
    with Sites({"root-home": redirect_root_home}) as sites:
        port = sites.port("root-home")
        urls = [f"http://{urlsplit(url).hostname}:{port}/" for url in roots]
        fake_dns.answers.update({urlsplit(url).hostname: ["127.0.0.1"] for url in urls})
        options = Options(timeout=2, deadline=5, retries=0, public_address=lambda address: True)
        results = check_links(urls, options)
    assert [(result.status, result.error) for result in results] == [(LinkStatus.REDIRECTED, None)] * 6


# ---- 2: the archive lookup never ends or holds the night ------------------------------------------


@pytest.mark.parametrize(
    "case", ["archive-deep", "archive-truncated", "archive-bad-gzip", "archive-stall", "archive-drip"]
)
def test_a_hostile_archive_answer_is_no_suggestion_within_the_deadline(case):
    with FakeArchive() as fake:
        archive = Archive(fake.url, timeout=1)
        started = time.monotonic()
        assert archive.lookup(f"http://a.test/{case}", started + 2) is None
        assert time.monotonic() - started < 3


def test_a_night_with_a_hostile_archive_ends_with_its_report(run_cli, server, place):
    write_dataset(place.dataset, [("dead", "Websites", "Dead", server.url("/missing?archive-deep"))])
    with FakeArchive() as fake:
        args = [arg for arg in place.args("--archive-url", fake.url) if arg != "--no-archive"]
        run = run_cli(*args)
    assert run.status == 0, run.err
    assert (place.out / "link-report.json").exists()


# ---- 3: the exit status says what was committed, and an alarm is announced once -------------------


def dead_link(server, place):
    server.state.toggles["/toggle"] = 404
    write_dataset(place.dataset, [("dead", "Websites", "Dead page", server.url("/toggle"))])


def test_an_alarm_committed_before_the_status_file_failed_is_still_exit_1(run_cli, server, place):
    dead_link(server, place)
    assert run_cli(*place.args()).status == 0
    blocked = place.status.parent / "status-is-a-folder"
    blocked.mkdir()
    run = run_cli(*place.args("--status", blocked))
    assert run.status == 1, run.err  # the history holds the alarm now: this is the night that announces it
    assert "status-is-a-folder" in run.err and "Traceback" not in run.err
    assert run_cli(*place.args()).status == 0  # still broken: announced once


def test_a_run_stopped_before_its_commit_announces_nothing(run_cli, server, place, monkeypatch):
    from pipeline.linkcheck import history

    dead_link(server, place)
    assert run_cli(*place.args()).status == 0

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(history.LinkHistory, "commit_run", killed)
        assert run_cli(*place.args()).status == 130
    verdicts = [row["verdict"] for row in json.loads((place.out / "link-report.json").read_text())["results"]]
    assert verdicts == ["unconfirmed"]  # the reports of the night before: nothing was announced
    assert run_cli(*place.args()).status == 1  # announced by the night that commits it
    assert run_cli(*place.args()).status == 0  # and never again


# ---- 4: a non-ASCII name is judged by the private-address guard too ---------------------------------


def test_a_redirect_to_a_private_non_ascii_name_is_refused(fake_dns):
    fake_dns.answers["intränet.example".encode("idna").decode()] = ["10.9.9.9"]
    with LinksServer() as server:
        # As a server sends it: UTF-8 bytes (the test server writes each character of a header as one byte).
        server.state.locations["/redirect/in"] = "http://intränet.example/".encode().decode("latin-1")
        options = Options(timeout=1, deadline=2, public_address=lambda a: a == "127.0.0.1" or is_public_address(a))
        [result] = check_links([server.url("/redirect/in")], options)
    assert (result.status, result.error) == (LinkStatus.BROKEN, "private-redirect")


# ---- 5: archive suggestions pass the dataset's checks -----------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "http://keeper:secret@web.archive.test/web/20200102030405/http://a.test/",
        "http://web.archive.test/web/20200102030405/\u202egnp.exe",
        "http://web.archive.test/web/20200102030405/\x1b[31mred",
        "http://web.archive.test/web/20200102030405/a b",
        # 1,990 characters, but the dataset (and a printed QR code) counts 2,000 as bytes of UTF-8
        "http://web.archive.test/web/20200102030405/" + "é" * 1_947,
        "http://web.archive.test/web/20200102030405/\ud800",  # JSON may hold half a character; no text has it
    ],
)
def test_a_snapshot_address_that_the_dataset_would_refuse_is_no_suggestion(address):
    closest = {"available": True, "status": "200", "timestamp": "20200102030405", "url": address}
    assert read_snapshot({"archived_snapshots": {"closest": closest}}) is None


def test_hostile_snapshot_addresses_reach_no_report(run_cli, server, place):
    cases = ("archive-credentials", "archive-bidi", "archive-control")
    write_dataset(place.dataset, [(case, "Websites", case, server.url(f"/missing?{case}")) for case in cases])
    with FakeArchive() as fake:
        args = [arg for arg in place.args("--archive-url", fake.url, "--deadline", "6") if arg != "--no-archive"]
        assert run_cli(*args).status == 0
        assert len(fake.lookups) == 3
    for path in [*place.out.glob("link-report.*"), place.status]:
        text = path.read_text(encoding="utf-8")
        assert "secret" not in text and "\u202e" not in text and "\x1b" not in text and "\\u001b" not in text


# ---- 6: check-links waits as told, and -q is quiet --------------------------------------------------


@pytest.mark.parametrize("held", ["out", "history"])
def test_check_links_waits_as_long_as_told_and_quietly(run_cli, server, place, held):
    write_dataset(place.dataset, [("a", "Websites", "A", server.url("/ok"))])
    place.out.mkdir()
    started = time.monotonic()
    with exclusive(getattr(place, held), "a test"):
        run = run_cli(*place.args("--wait", "0.5"))
    assert run.status == 75 and time.monotonic() - started < 10
    assert not server.state.requests  # busy before checking anything
    assert "waiting" not in run.err and "another run is using" in run.err.splitlines()[-2]
    run = run_cli(*[arg for arg in place.args("--wait", "0") if arg != "-q"])
    assert run.status == 0


def test_check_links_wait_must_be_a_number(run_cli, place):
    assert run_cli(*place.args("--wait", "soon")).status == 2


# ---- the status file: bounded depth, real dates ---------------------------------------------------


def test_a_status_file_nested_too_deep_is_a_clear_error(tmp_path):
    path = tmp_path / "link-status.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(LinkStatusFileError) as caught:
        read_link_health(path)
    assert caught.value.exit_status == 3 and str(path) in caught.value.message


def test_a_deep_status_file_stops_a_build_with_exit_3(run_cli, tmp_path):
    path = tmp_path / "link-status.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    run = run_cli("build", "-q", "--out", tmp_path / "out", "--processed", tmp_path / "p", "--link-status", path)
    assert run.status == 3 and str(path) in run.err and "Traceback" not in run.err


@pytest.mark.parametrize("field", ["checked_at", "broken_since"])
def test_a_date_that_does_not_exist_is_refused_with_its_place(tmp_path, field):
    entry = {
        "status": "broken",
        "code": 404,
        "checked_at": "2026-03-02T03:00:00Z",
        "failing_runs": 2,
        "confirmed_broken": True,
        "broken_since": "2026-03-01T03:00:00Z",
        "final_url": None,
        "suggested_url": None,
    }
    entry[field] = "2026-13-45T03:00:00Z"
    document = {
        "format": 2,
        "checked_at": "2026-03-02T03:00:00Z",
        "confirm_after": 2,
        "urls": {"https://a.example/": entry},
    }
    path = tmp_path / "link-status.json"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    with pytest.raises(LinkStatusFileError) as caught:
        read_link_health(path)
    assert caught.value.exit_status == 3 and f'`{field}` is "2026-13-45T03:00:00Z"' in caught.value.message
    assert caught.value.line == 6 and f"{path}:6" in caught.value.message
