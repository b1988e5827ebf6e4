"""The nightly job in operation, night after night: each problem of issue 9 as a sequence of runs.

Offline nights, killed and interrupted runs, reports that cannot be written and a lowered
--confirm-after must never use up the "newly broken" step of a streak, so the alarm is raised once,
by a run whose report says so. Servers run on 127.0.0.1; names are answered by the tests' own DNS.
"""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from markdown_it import MarkdownIt

from pipeline import config
from pipeline.link_health import link_state, read_link_health
from pipeline.linkcheck.history import LinkHistory
from pipeline.linkcheck.run import CheckPaths, run_link_check
from pipeline.linkcheck.status import Options, is_public_address
from pipeline.locking import exclusive
from pipeline.presentation import link_note
from tests.conftest import REPO as ROOT
from tests.links_server import FAST, BlackHole, LinksServer, write_dataset

NAMES = ("alpha.example", "beta.example", "gamma.example")


@pytest.fixture
def sites(fake_dns):
    """Three web sites on three loopback addresses, known by name while the network is up."""
    with LinksServer(("127.0.0.1", "127.0.0.2", "127.0.0.3")) as server:

        class Sites:
            state = server.state

            def url(self, path, n=0):
                return f"http://{NAMES[n]}:{server.servers[n].server_address[1]}{path}"

            def online(self):
                fake_dns.answers.update({name: [f"127.0.0.{n}"] for n, name in enumerate(NAMES, start=1)})

            def offline(self):
                fake_dns.answers.clear()

        sites = Sites()
        sites.online()
        yield sites


def night(run_cli, place, *more):
    return run_cli(*place.args(*more))


def report(place) -> dict:
    return json.loads((place.out / "link-report.json").read_text(encoding="utf-8"))


def outcomes(place) -> list:
    with LinkHistory(place.history) as history:
        return history.outcomes()


def dead_and_alive(sites, place):
    sites.state.toggles["/toggle"] = 404
    write_dataset(
        place.dataset,
        [
            ("dead", "Websites", "Dead page", sites.url("/toggle")),
            ("b", "Websites", "Fine", sites.url("/ok", 1)),
            ("c", "Websites", "Fine too", sites.url("/ok", 2)),
        ],
    )
    return sites.url("/toggle")


# ---- 1 and 2: an offline night poisons nothing and uses up no step ----------------------------------


def test_offline_nights_change_nothing_and_the_alarm_comes_on_the_next_real_night(run_cli, sites, place):
    dead = dead_and_alive(sites, place)
    first = night(run_cli, place)
    assert first.status == 0 and first.err.startswith("note: a new link history starts at ")
    status_before = place.status.read_bytes()
    reports_before = {path.name: path.read_bytes() for path in place.out.iterdir()}

    sites.offline()
    for _ in range(2):
        run = night(run_cli, place)
        assert (run.status, run.out) == (4, "")
        assert len(run.err.splitlines()) == 1 and "offline: all 3 URLs on 3 hosts" in run.err  # even with -q
    assert place.status.read_bytes() == status_before  # the handbook and the dataset never see the offline nights
    assert {path.name: path.read_bytes() for path in place.out.iterdir()} == reports_before
    health = read_link_health(place.status)
    assert (link_state(health, dead), health[dead].checked_on) == ("failing", first_check_date(place))

    sites.online()
    run = night(run_cli, place)
    assert run.status == 1  # the second real failing night announces it
    [row] = [row for row in report(place)["results"] if row["url"] == dead]
    assert (row["verdict"], row["failing_runs"]) == ("newly-broken", 2)
    assert night(run_cli, place).status == 0  # announced once
    assert outcomes(place) == ["completed", "offline", "offline", "completed", "completed"]


def first_check_date(place) -> str:
    return json.loads(place.status.read_text(encoding="utf-8"))["checked_at"][:10]


# ---- 3: a network that drops packets is offline too -----------------------------------------------


def test_connect_timeouts_on_three_hosts_are_an_offline_night(run_cli, place):
    holes = [BlackHole(f"127.0.0.{n}") for n in (1, 2, 3)]
    try:
        write_dataset(place.dataset, [(f"h{n}", "Websites", f"H{n}", hole.url) for n, hole in enumerate(holes)])
        for _ in range(2):
            run = night(run_cli, place, "--retries", "0", "--timeout", "0.3")
            assert run.status == 4 and "(connect-timeout)" in run.err.splitlines()[-1]
    finally:
        for hole in holes:
            hole.close()
    assert not place.status.exists() and outcomes(place) == ["offline", "offline"]


# ---- 2: killed, interrupted, reports not written, --confirm-after lowered -------------------------


def start_check(place, *more) -> subprocess.Popen:
    command = [sys.executable, "-m", "pipeline", *map(str, place.args("--concurrency", "2", *more))]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def wait_for_requests(state, count: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and sum(state.requests.values()) < count:
        time.sleep(0.02)


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT])
def test_a_killed_or_interrupted_night_uses_up_no_step(run_cli, place, stop):
    with LinksServer() as server:
        server.state.toggles["/toggle"] = 404
        server.state.slow = 0.01
        dead = server.url("/toggle")
        write_dataset(
            place.dataset,
            [("dead", "Websites", "Dead", dead)]
            + [(f"r{n}", "Websites", f"R{n}", server.url(f"/slowish?{n}")) for n in range(30)],
        )
        assert night(run_cli, place).status == 0  # first failing night
        status_before = place.status.read_bytes()

        server.state.slow = 0.3  # the cut run is still checking when it is stopped
        server.state.requests.clear()
        process = start_check(place)
        wait_for_requests(server.state, 4)
        assert server.state.requests[("GET", "/toggle")] == 1  # the dead URL was checked in the cut run
        process.send_signal(stop)
        _, err = process.communicate(timeout=20)
        assert process.returncode == (130 if stop == signal.SIGINT else -signal.SIGKILL), err
        assert "Traceback" not in err
        assert place.status.read_bytes() == status_before

        server.state.slow = 0.01
        assert night(run_cli, place).status == 1  # the next complete night announces it
        [row] = [row for row in report(place)["results"] if row["url"] == dead]
        assert (row["verdict"], row["failing_runs"]) == ("newly-broken", 2)
    assert outcomes(place) == ["completed", "interrupted" if stop == signal.SIGINT else None, "completed"]


def test_a_night_whose_reports_cannot_be_written_announces_nothing_and_loses_nothing(run_cli, sites, place):
    dead = dead_and_alive(sites, place)
    assert night(run_cli, place).status == 0
    status_before = place.status.read_bytes()
    blocked = place.out.parent / "not-a-folder"
    blocked.write_text("a file where the report folder should be", encoding="utf-8")
    run = run_cli(*place.args("--out", blocked))  # the later --out wins
    assert run.status == 3 and "cannot write the outputs" in run.err and "Traceback" not in run.err
    assert place.status.read_bytes() == status_before
    run = night(run_cli, place)
    assert run.status == 1
    assert [row["verdict"] for row in report(place)["results"] if row["url"] == dead] == ["newly-broken"]
    assert outcomes(place) == ["completed", "reports-failed", "completed"]


def test_lowering_confirm_after_announces_what_it_now_confirms(run_cli, sites, place):
    dead = dead_and_alive(sites, place)
    for _ in range(2):
        assert night(run_cli, place, "--confirm-after", "3").status == 0
    run = night(run_cli, place, "--confirm-after", "2")
    assert run.status == 1
    assert [row["verdict"] for row in report(place)["results"] if row["url"] == dead] == ["newly-broken"]
    assert night(run_cli, place, "--confirm-after", "2").status == 0  # once
    assert night(run_cli, place, "--confirm-after", "9").status == 0  # raising it hides nothing...
    assert json.loads(place.status.read_text(encoding="utf-8"))["urls"][dead]["confirmed_broken"] is True


# ---- 4: one rule of "broken" for the report, the status file, the handbook and the dataset -------------


def test_one_failing_night_is_broken_nowhere_two_are_broken_everywhere(run_cli, sites, place):
    dead = dead_and_alive(sites, place)
    for nights, verdict, state, note in (
        (1, "unconfirmed", "failing", "unconfirmed"),
        (2, "newly-broken", "broken", "broken"),
    ):
        night(run_cli, place)
        health = read_link_health(place.status)
        assert [row["verdict"] for row in report(place)["results"] if row["url"] == dead] == [verdict]
        assert health[dead].confirmed_broken is (nights == 2)
        assert [link_state(health, url) for url in (dead, sites.url("/ok", 1), None)] == [state, "ok", None]
        assert link_note(health[dead], omit_broken=False).state == note
        omitted = link_note(health[dead], omit_broken=True).state
        assert omitted == ("omitted" if nights == 2 else "unconfirmed")


# ---- 5: what a web site sends stays inert; no credentials; no way into private addresses -----------


HOSTILE_LOCATION = "/![p](http://host/p.png) [Renew your password](http://host/phish)"


def test_hostile_sites_and_titles_write_nothing_into_the_reports(run_cli, place):
    with LinksServer() as server:
        host, port = server.servers[0].server_address[:2]
        server.state.locations["/redirect/hostile"] = HOSTILE_LOCATION
        server.state.locations["/redirect/creds"] = f"http://admin:secret@{host}:{port}/ok"
        write_dataset(
            place.dataset,
            [
                (
                    "h",
                    "Websites",
                    "Title\rwith *stars* [x](javascript:alert(1)) `code` | pipe",
                    server.url("/redirect/hostile"),
                ),
                ("c", "Websites", "Credentials", f"http://reader:hunter2@{host}:{port}/redirect/creds"),
            ],
        )
        assert night(run_cli, place).status == 0
    markdown = (place.out / "link-report.md").read_text(encoding="utf-8")
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    children = [child.type for token in tokens if token.type == "inline" for child in token.children]
    assert not {"link_open", "image", "em_open", "strong_open", "code_inline", "html_inline"} & set(children)
    rows = [token for token in tokens if token.type == "tr_open"]
    assert len([t for t in tokens if t.type == "td_open"]) == 7 * (
        len(rows) - sum(t.type == "thead_open" for t in tokens)
    )
    everything = [
        markdown,
        *(path.read_text(encoding="utf-8") for path in place.out.iterdir()),
        place.status.read_text(encoding="utf-8"),
    ]
    db = sqlite3.connect(place.history)
    everything += [repr(row) for table in ("checks", "url_state") for row in db.execute(f"SELECT * FROM {table}")]
    assert not [text for text in everything if "secret" in text or "hunter2" in text]
    assert f"http://{host}:{port}/redirect/creds" in place.status.read_text(encoding="utf-8")


def test_a_redirect_into_a_private_address_is_refused_and_reported(tmp_path, fake_dns):
    fake_dns.answers["metadata.example"] = ["169.254.169.254"]
    with LinksServer() as server:
        server.state.locations["/redirect/in"] = "http://metadata.example/latest/"
        dataset = write_dataset(tmp_path / "resources.csv", [("p", "Websites", "Pivot", server.url("/redirect/in"))])
        paths = CheckPaths(dataset, tmp_path / "out", tmp_path / "h.sqlite", tmp_path / "status.json")
        options = Options(
            timeout=1, deadline=2, retries=0, public_address=lambda a: a == "127.0.0.1" or is_public_address(a)
        )
        run_link_check(paths, options, progress=False)
    [row] = json.loads((tmp_path / "out" / "link-report.json").read_text(encoding="utf-8"))["results"]
    assert (row["status"], row["error"]) == ("broken", "private-redirect")


# ---- 6: bounded waits, classified failures ---------------------------------------------------------


def test_a_malformed_dataset_exits_3_with_its_line(run_cli, place):
    place.dataset.write_text(
        'id,section,title,url\r\na,Websites,"Open quote,http://x.example/\r\nb,Websites,B,http://y.example/\r\n',
        encoding="utf-8",
    )
    run = night(run_cli, place)
    assert run.status == 3 and "malformed CSV" in run.err and "hint:" in run.err and "Traceback" not in run.err
    assert not place.history.exists()


def test_a_locked_history_exits_3_with_a_hint(run_cli, sites, place):
    dead_and_alive(sites, place)
    assert night(run_cli, place).status == 0
    holder = sqlite3.connect(place.history, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        run = night(run_cli, place)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert run.status == 3 and "database is locked" in run.err and "close it and run again" in run.err


@pytest.mark.parametrize("mode, hint", [(0o444, "read-only for this user"), (0o000, "can be read and written")])
def test_a_read_only_or_unreadable_history_exits_3_with_a_hint(server, tmp_path, mode, hint):
    """A history this user may not write or read. Root may anyway, so as root the run drops that privilege."""
    folder = tmp_path
    dataset = write_dataset(folder / "resources.csv", [("a", "Websites", "Fine", server.url("/ok"))])
    history = folder / "history.sqlite"
    LinkHistory(history).close()
    history.chmod(mode)
    command = [
        sys.executable,
        "-m",
        "pipeline",
        "check-links",
        "--dataset",
        dataset,
        "--out",
        folder / "out",
        "--history",
        history,
        "--status",
        folder / "status.json",
        *FAST,
    ]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv to drop the right to write any file")
        drop = "-dac_override,-dac_read_search"
        command = ["setpriv", f"--inh-caps={drop}", f"--bounding-set={drop}", *command]
    done = subprocess.run(list(map(str, command)), cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 3, done.stderr
    assert "cannot open the link history" in done.stderr and hint in done.stderr
    assert "Traceback" not in done.stderr


# ---- 7: state is not a build product --------------------------------------------------------------


def test_a_history_in_a_missing_folder_is_refused(run_cli, place):
    write_dataset(place.dataset, [("a", "Websites", "A", "http://127.0.0.1:9/")])
    typo = place.history.parent.parent / "stat" / "history.sqlite"
    run = run_cli(*place.args("--history", typo))
    assert run.status == 3 and "the folder of --history does not exist" in run.err and "hint:" in run.err
    assert not typo.parent.exists()


def test_the_default_state_folder_is_made_and_a_new_history_is_announced(run_cli, server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "output").mkdir()
    write_dataset(tmp_path / "output" / "resources.csv", [("a", "Websites", "A", server.url("/ok"))])
    first = run_cli("check-links", *FAST)
    assert (
        first.status == 0
        and first.err
        == f"note: a new link history starts at {config.LINK_HISTORY}; no earlier streak or 'broken since' date\n"
    )
    assert (tmp_path / config.LINK_HISTORY).exists() and (tmp_path / config.LINK_STATUS).exists()
    assert run_cli("check-links", *FAST).err == ""


def test_make_clean_leaves_the_state_alone(tmp_path):
    for name in (
        "data/state/link-history.sqlite",
        "data/state/link-status.json",
        "output/resources.csv",
        "data/processed/resources.csv",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    recipe = subprocess.run(
        ["make", "-s", "-n", "-f", ROOT / "Makefile", "clean"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    subprocess.run(["sh", "-c", recipe], cwd=tmp_path, check=True)
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == [
        "data/state/link-history.sqlite",
        "data/state/link-status.json",
    ]


def test_one_check_at_a_time_per_history(run_cli, server, place):
    write_dataset(place.dataset, [("a", "Websites", "A", server.url("/ok"))])
    with exclusive(place.history, "check-links"):
        run = night(run_cli, place)
    assert run.status == 75 and "another run is using" in run.err
    assert not place.history.exists()
    assert night(run_cli, place).status == 0


def test_a_bug_is_an_internal_error_never_the_broken_links_status(run_cli, server, place, monkeypatch):
    import pipeline.linkcheck.run as run_module

    def crash(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(run_module, "check_links", crash)
    write_dataset(place.dataset, [("a", "Websites", "A", server.url("/ok"))])
    run = night(run_cli, place)
    assert run.status == 70 and "internal error: RuntimeError: a bug" in run.err and "Traceback" not in run.err
