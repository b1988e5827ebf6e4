"""`mentor-guide check-links` end to end against a loopback server: reports, status file, alarms, exits, Ctrl-C."""

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline import config
from pipeline.cli import make_parser
from tests.links_server import write_dataset

ROOT = Path(__file__).resolve().parent.parent
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_reports_and_status_file(run_cli, server, place):
    write_dataset(
        place.dataset,
        [
            ("a", "Articles", "Fine page", server.url("/ok")),
            ("b", "Books & E-Books", "Same page again", server.url("/ok")),
            ("c", "Videos", "Moved", server.url("/moved301")),
            ("d", "Websites", "Gone <b>page</b> | with pipe", server.url("/missing")),
            ("e", "Websites", "Mail", "mailto:someone@example.org"),
            ("f", "Podcasts", "Bot wall", server.url("/forbidden")),
            ("g", "Podcasts", "No link", ""),
        ],
    )
    run = run_cli(*place.args())
    assert (run.status, run.out) == (0, "")  # failing for one night only: no alarm with --fail-on new
    assert server.state.requests[("GET", "/ok")] == 2  # once for the page, once at the end of the redirect

    report = json.loads((place.out / "link-report.json").read_text(encoding="utf-8"))
    by_url = {row["url"]: row for row in report["results"]}
    assert report["counts"] == {
        "ok": 1,
        "redirected": 1,
        "broken": 1,
        "timeout": 0,
        "server-error": 0,
        "blocked": 1,
        "invalid": 1,
        "soft-404": 0,
    }
    assert (report["urls"], report["resources"], report["alarm"]) == (5, 6, False)
    assert [ref["id"] for ref in by_url[server.url("/ok")]["resources"]] == ["a", "b"]
    assert by_url[server.url("/missing")]["verdict"] == "unconfirmed"
    assert by_url[server.url("/moved301")]["suggested_url"] == server.url("/ok")

    status = json.loads(place.status.read_text(encoding="utf-8"))
    assert set(status) == {"format", "checked_at", "confirm_after", "urls"} and ISO.match(status["checked_at"])
    assert list(status["urls"]) == sorted(status["urls"])
    missing = status["urls"][server.url("/missing")]
    assert set(missing) == {
        "status",
        "code",
        "checked_at",
        "failing_runs",
        "confirmed_broken",
        "broken_since",
        "final_url",
        "suggested_url",
    }
    assert (missing["status"], missing["code"], missing["final_url"]) == ("broken", 404, None)
    assert (missing["failing_runs"], missing["confirmed_broken"]) == (1, False)  # one night: not broken anywhere
    assert ISO.match(missing["checked_at"]) and missing["broken_since"] == missing["checked_at"]
    moved = status["urls"][server.url("/moved301")]
    assert (moved["status"], moved["suggested_url"], moved["broken_since"]) == ("redirected", server.url("/ok"), None)
    assert status["urls"]["mailto:someone@example.org"]["status"] == "invalid"

    page = (place.out / "link-report.html").read_text(encoding="utf-8")
    assert "<b>" not in page and "Gone &lt;b&gt;page&lt;/b&gt; | with pipe" in page
    assert "<h2>All links (5)</h2>" in page and "Fine page" in page
    assert '<a href="mailto:' not in page  # only http(s) becomes a link
    markdown = (place.out / "link-report.md").read_text(encoding="utf-8")
    assert "## Failing, not yet confirmed (2)" in markdown and "## Blocked" in markdown
    assert (
        f"| Gone \\<b\\>page\\</b\\> \\| with pipe | Websites | d | {server.url('/missing')} "
        "| broken (http-404) | since " in markdown
    )
    assert (
        f"| Moved | Videos | c | {server.url('/moved301')} | redirected |  | {server.url('/ok')} (moved-permanently) |"
        in markdown
    )


def test_one_failing_night_then_recovery_raises_no_alarm(run_cli, server, place):
    write_dataset(place.dataset, [("t", "Websites", "Flaky", server.url("/toggle"))])
    server.state.toggles["/toggle"] = 404
    assert run_cli(*place.args()).status == 0
    server.state.toggles["/toggle"] = 200
    assert run_cli(*place.args()).status == 0
    report = json.loads((place.out / "link-report.json").read_text(encoding="utf-8"))
    assert report["verdicts"] == {"newly-broken": 0, "still-broken": 0, "unconfirmed": 0, "recovered": 1}
    assert "## Recovered (1)" in (place.out / "link-report.md").read_text(encoding="utf-8")


def test_an_offline_checker_cries_no_wolf(run_cli, server, place):
    """Every URL on several hosts failing before any server answers means the network is down, not the links."""
    offline = [(f"o{n}", "Websites", f"Offline {n}", f"https://host{n}.example.invalid/") for n in range(3)]
    write_dataset(place.dataset, offline)
    for _ in range(2):
        run = run_cli(*place.args())
        assert (run.status, run.out) == (4, "")
        assert run.err.splitlines()[-1].startswith("error: offline: all 3 URLs on 3 hosts failed before any server")
    assert not place.out.exists() and not place.status.exists()

    write_dataset(place.dataset, [*offline, ("ok", "Websites", "Fine", server.url("/ok"))])
    assert run_cli(*place.args()).status == 0
    assert run_cli(*place.args()).status == 1  # one server answered: the dead hosts are really dead
    assert json.loads((place.out / "link-report.json").read_text(encoding="utf-8"))["verdicts"]["newly-broken"] == 3


def test_two_failing_nights_raise_the_alarm_once(run_cli, server, place):
    write_dataset(place.dataset, [("t", "Websites", "Dead", server.url("/toggle"))])
    server.state.toggles["/toggle"] = 410
    assert run_cli(*place.args()).status == 0
    first = json.loads(place.status.read_text(encoding="utf-8"))["urls"][server.url("/toggle")]["broken_since"]
    assert run_cli(*place.args()).status == 1
    markdown = (place.out / "link-report.md").read_text(encoding="utf-8")
    assert "## Newly broken (1)" in markdown and f"since {first[:10]} (2 run(s))" in markdown
    assert run_cli(*place.args()).status == 0  # still broken: not new any more
    assert "## Still broken (1)" in (place.out / "link-report.md").read_text(encoding="utf-8")
    assert run_cli(*place.args("--fail-on", "any")).status == 1
    assert run_cli(*place.args("--fail-on", "never")).status == 0
    assert json.loads(place.status.read_text(encoding="utf-8"))["urls"][server.url("/toggle")]["broken_since"] == first


def test_a_missing_dataset_says_to_build_first(run_cli, place):
    run = run_cli(*place.args())
    assert run.status == 3
    assert "the dataset does not exist" in run.err and "run `mentor-guide build` first" in run.err
    assert not place.out.exists()


def test_a_dataset_without_urls_is_invalid(run_cli, place):
    place.dataset.write_text("\ufeffname,link\r\nx,y\r\n", encoding="utf-8")
    run = run_cli(*place.args())
    assert run.status == 3 and "no column id, section, title, url" in run.err and "Traceback" not in run.err


def test_a_damaged_history_exits_3(run_cli, server, place):
    write_dataset(place.dataset, [("a", "Articles", "Fine", server.url("/ok"))])
    place.history.write_bytes(b"garbage" * 1000)
    run = run_cli(*place.args())
    assert run.status == 3 and "cannot open the link history" in run.err


def test_a_history_in_an_older_format_exits_3_and_says_what_to_do(run_cli, server, place):
    write_dataset(place.dataset, [("a", "Articles", "Fine", server.url("/ok"))])
    with sqlite3.connect(place.history) as old:  # a history from before runs had an outcome
        old.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, url_count INTEGER NOT NULL)")
    run = run_cli(*place.args())
    assert run.status == 3 and "in another format (version 0" in run.err and "move it aside" in run.err
    assert "Traceback" not in run.err and not (place.out / "link-report.json").exists()


@pytest.mark.parametrize(
    "option",
    [
        ("--concurrency", "0"),
        ("--fail-on", "sometimes"),
        ("--timeout", "soon"),
        ("--timeout", "inf"),
        ("--timeout", "nan"),
        ("--deadline", "nan"),
        ("--deadline", "-1"),
        ("--timeout", "-0.5"),
        ("--deadline", "infinity"),
        ("--per-host", "-2"),
        ("--confirm-after", "0"),
    ],
)
def test_wrong_usage_exits_2(run_cli, place, option):
    run = run_cli(*place.args(*option))
    assert run.status == 2 and "Traceback" not in run.err and not place.history.exists()


def test_ctrl_c_stops_cleanly_and_keeps_what_was_checked(server, place):
    server.state.slow = 0.3
    write_dataset(place.dataset, [(f"r{n}", "Websites", f"R{n}", server.url(f"/slowish?{n}")) for n in range(40)])
    command = [sys.executable, "-m", "pipeline", *map(str, place.args("--concurrency", "2"))]
    # A child of a background job inherits SIGINT ignored, and Python then installs no Ctrl-C handler: reset it.
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and sum(server.state.requests.values()) < 4:
        time.sleep(0.05)
    time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=20)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    [reported] = re.findall(r"interrupted after (\d+) of 40 URLs", err)
    db = sqlite3.connect(place.history)
    checked = db.execute("SELECT count(*) FROM checks").fetchone()[0]
    assert 0 < checked == int(reported) < 40  # every check made before the interrupt is kept
    assert db.execute("SELECT interrupted, outcome FROM runs").fetchall() == [(1, "interrupted")]
    assert db.execute("SELECT count(*) FROM url_state").fetchone() == (0,)  # an interrupted run moves no streak
    assert not place.status.exists() and not (place.out / "link-report.json").exists()


def test_defaults_follow_the_config():
    args = make_parser().parse_args(["check-links"])
    assert (args.dataset, args.out, args.history, args.status) == (
        config.OUTPUT_DIR / "resources.csv",
        config.OUTPUT_DIR,
        config.LINK_HISTORY,
        config.LINK_STATUS,
    )
    assert (args.concurrency, args.per_host, args.retries, args.confirm_after, args.fail_on) == (16, 2, 2, 2, "new")


def test_the_readme_documents_the_nightly_check():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "\n## Nightly link check\n" in readme
    section = readme.split("\n## Nightly link check\n", 1)[1]
    parser = make_parser()
    check_links = parser._subparsers._group_actions[0].choices["check-links"]  # argparse keeps no public handle
    for action in check_links._actions:
        for flag in action.option_strings:
            if flag.startswith("--") and flag != "--help":
                assert flag in section, f"{flag} is not documented"
    for slug in ("ok", "redirected", "broken", "timeout", "server-error", "blocked", "invalid", "soft-404"):
        assert f"`{slug}`" in section
    for needle in ("cron", "systemd", "OnCalendar", "schedule:", "| 130 |", "| 1 |", "| 3 |"):
        assert needle in section
