"""`mentor-guide check-links` end to end: soft 404s under the confirmation rule, archived copies in the
reports and the status file (from a loopback fake archive), and the progress line."""

import io
import json

import pytest

from pipeline.linkcheck.run import Progress, progress_line
from pipeline.linkcheck.schedule import check_links
from pipeline.linkcheck.status import LinkResult, LinkStatus, Options
from tests.fake_archive import FakeArchive
from tests.links_server import LinksServer, unused_port, write_dataset
from tests.sites_server import Sites

FAST = ("--timeout", "1", "--deadline", "3", "--retries", "0", "-q")


def check(tmp_path, *more):
    return (
        "check-links",
        "--dataset",
        tmp_path / "resources.csv",
        "--out",
        tmp_path / "out",
        "--history",
        tmp_path / "history.sqlite",
        "--status",
        tmp_path / "link-status.json",
        *FAST,
        *more,
    )


def read_json(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_a_soft_404_is_confirmed_like_any_failure_and_gets_an_archived_copy(run_cli, tmp_path):
    with Sites() as sites, FakeArchive() as fake:
        removed, real = sites.url("honest", "/removed"), sites.url("honest", "/real")
        fake.snapshots[removed] = "20190304050607"
        write_dataset(
            tmp_path / "resources.csv", [("a", "Articles", "Removed", removed), ("b", "Articles", "Real", real)]
        )
        first = run_cli(*check(tmp_path, "--archive-url", fake.url))
        second = run_cli(*check(tmp_path, "--archive-url", fake.url))
    assert (first.status, second.status) == (0, 1)  # one failing night raises nothing; the second confirms it
    report = read_json(tmp_path / "out" / "link-report.json")
    row = {row["url"]: row for row in report["results"]}[removed]
    assert (row["status"], row["verdict"], row["error"]) == ("soft-404", "newly-broken", "soft-404")
    assert row["detail"] == "the page's title says 'Page Not Found | Example College'"
    copy = f"http://web.archive.test/web/20190304050607/{removed}"
    assert row["archived"] == {"url": copy, "date": "2019-03-04"}
    assert report["counts"]["soft-404"] == 1 and report["counts"]["ok"] == 1
    status = read_json(tmp_path / "link-status.json")["urls"]
    assert status[removed]["archived"] == {"url": copy, "date": "2019-03-04"}
    assert "archived" not in status[real] and status[removed]["suggested_url"] is None  # never replaces the URL
    markdown = (tmp_path / "out" / "link-report.md").read_text(encoding="utf-8")
    assert "| soft-404: the page's title says 'Page Not Found \\| Example College' |" in markdown
    assert f"archived copy of 2019-03-04: {copy} |" in markdown
    page = (tmp_path / "out" / "link-report.html").read_text(encoding="utf-8")
    assert f'archived copy of 2019-03-04: <a href="{copy}">{copy}</a>' in page
    assert fake.lookups == {removed: 2}  # one lookup per failing URL per run; none for the page that is fine


def test_no_archive_asks_nothing(run_cli, tmp_path):
    with LinksServer() as server, FakeArchive() as fake:
        write_dataset(tmp_path / "resources.csv", [("a", "Articles", "Gone", server.url("/missing"))])
        assert run_cli(*check(tmp_path, "--archive-url", fake.url, "--no-archive")).status == 0
    assert fake.lookups == {}
    assert read_json(tmp_path / "out" / "link-report.json")["results"][0]["archived"] is None


@pytest.mark.parametrize("archive", ["unreachable", "failing"])
def test_an_archive_that_fails_never_fails_the_run(run_cli, tmp_path, archive):
    with LinksServer() as server, FakeArchive() as fake:
        url = server.url("/missing?archive-500")
        base = f"http://127.0.0.1:{unused_port()}" if archive == "unreachable" else fake.url
        write_dataset(tmp_path / "resources.csv", [("a", "Articles", "Gone", url)])
        run = run_cli(*check(tmp_path, "--archive-url", base, "--fail-on", "any"))
    assert run.status == 1  # the link is failing, as --fail-on any says
    assert [line for line in run.err.splitlines() if not line.startswith("note: a new link history")] == []
    assert read_json(tmp_path / "out" / "link-report.json")["results"][0]["archived"] is None


def test_an_offline_run_asks_the_archive_nothing(run_cli, tmp_path):
    offline = [(f"o{n}", "Websites", f"Offline {n}", f"https://host{n}.example.invalid/") for n in range(3)]
    with FakeArchive() as fake:
        write_dataset(tmp_path / "resources.csv", offline)
        run_cli(*check(tmp_path, "--archive-url", fake.url))
    assert fake.lookups == {}


# ---- progress line -------------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self):
        return True


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_the_progress_line_has_an_eta_and_names_a_slow_url():
    assert (
        progress_line(0, 10, 0, 0.0, None) == "checking links [..............................] 0/10, 0 failing, ETA --"
    )
    assert progress_line(5, 10, 1, 12.0, ("http://a.test/slow", 7.2)) == (
        "checking links [###############...............] 5/10, 1 failing, ETA 12s; waiting 7 s for http://a.test/slow"
    )
    assert progress_line(1, 100, 0, 2.0, None).endswith("ETA 3m18s")
    long = "http://a.test/" + "x" * 100
    cut = progress_line(1, 2, 0, 1.0, (long, 9), width=120)
    assert cut.endswith("x…") and len(cut) == 120  # a wrapped line could not be redrawn in place


def test_progress_names_the_url_in_flight_too_long_and_only_on_a_terminal():
    clock, terminal, pipe = Clock(), Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        bar = Progress(3, stream, clock=clock)
        bar.in_flight.update({"http://a.test/fast": clock.now, "http://a.test/slow": clock.now - 6})
        clock.now += 1
        bar.update(LinkResult("http://a.test/done", LinkStatus.OK, 200))
        bar.close()
    assert pipe.getvalue() == ""
    assert terminal.getvalue() == (
        "\rchecking links [##########....................] 1/3, 0 failing, ETA 2s; "
        "waiting 7 s for http://a.test/slow\x1b[K\n"
    )


def test_check_links_reports_what_is_in_flight_while_waiting():
    seen = []
    in_flight = {}
    with LinksServer() as server:
        server.state.slow = 1.2
        url = server.url("/slowish")
        check_links(
            [url], Options(timeout=3, deadline=5), in_flight=in_flight, on_wait=lambda: seen.append(dict(in_flight))
        )
    assert seen and all(list(snapshot) == [url] for snapshot in seen)
    assert in_flight == {}
