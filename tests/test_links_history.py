"""Link history: streaks, alarm verdicts, and a database that stays readable when a run is cut short."""

import sqlite3

import pytest

from pipeline.errors import EXIT_INVALID
from pipeline.linkcheck.history import HistoryError, LinkHistory, RunOutcome
from pipeline.linkcheck.status import LinkResult, LinkStatus
from pipeline.linkcheck.streak import Verdict, next_state, verdict

URL = "https://example.org/page"
OK = LinkResult(URL, LinkStatus.OK, 200)
BROKEN = LinkResult(URL, LinkStatus.BROKEN, 404, error="http-404")
TIMEOUT = LinkResult(URL, LinkStatus.TIMEOUT, error="timeout")
BLOCKED = LinkResult(URL, LinkStatus.BLOCKED, 403, error="http-403")


def nights(*results, confirm_after=2):
    """The verdict after each completed night, and the last state; confirm_after may change night by night."""
    state, verdicts = None, []
    thresholds = confirm_after if isinstance(confirm_after, tuple) else (confirm_after,) * len(results)
    for night, (result, threshold) in enumerate(zip(results, thresholds, strict=True), start=1):
        state = next_state(state, result, f"2026-01-{night:02d}T02:00:00Z", threshold)
        verdicts.append(verdict(state))
    return verdicts, state


@pytest.mark.parametrize(
    "results, expected",
    [
        ((BROKEN, OK), [Verdict.UNCONFIRMED, Verdict.RECOVERED]),  # one flaky night: no alarm
        ((BROKEN, BROKEN), [Verdict.UNCONFIRMED, Verdict.NEW]),  # two nights: alarm once
        ((BROKEN, BROKEN, BROKEN), [Verdict.UNCONFIRMED, Verdict.NEW, Verdict.STILL]),
        ((BROKEN, TIMEOUT), [Verdict.UNCONFIRMED, Verdict.NEW]),  # any failing status counts
        ((BROKEN, BLOCKED, BROKEN), [Verdict.UNCONFIRMED, Verdict.RECOVERED, Verdict.UNCONFIRMED]),  # blocked ≠ failing
        ((OK, OK), [None, None]),
    ],
)
def test_verdicts_night_by_night(results, expected):
    assert nights(*results)[0] == expected


def test_confirm_after_one_alarms_at_once():
    assert nights(BROKEN, BROKEN, confirm_after=1)[0] == [Verdict.NEW, Verdict.STILL]


def test_lowering_confirm_after_announces_what_it_now_confirms():
    """Two failing nights under --confirm-after 3, then 2: the third night announces it (before: never)."""
    verdicts, _state = nights(BROKEN, BROKEN, BROKEN, BROKEN, confirm_after=(3, 3, 2, 2))
    assert verdicts == [Verdict.UNCONFIRMED, Verdict.UNCONFIRMED, Verdict.NEW, Verdict.STILL]
    assert nights(BROKEN, BROKEN, BROKEN, confirm_after=(5, 5, 1))[0][-1] is Verdict.NEW


def test_raising_confirm_after_keeps_a_confirmed_link_broken():
    verdicts, state = nights(BROKEN, BROKEN, BROKEN, confirm_after=(2, 2, 5))
    assert verdicts == [Verdict.UNCONFIRMED, Verdict.NEW, Verdict.STILL] and state.confirmed_broken


def test_broken_since_is_the_first_failing_night():
    _, state = nights(OK, BROKEN, TIMEOUT, BROKEN)
    assert (state.failing_runs, state.broken_since) == (3, "2026-01-02T02:00:00Z")
    _, state = nights(BROKEN, BROKEN, OK)
    assert (state.failing_runs, state.broken_since, state.previous_failing_runs) == (0, None, 2)


def test_history_keeps_every_check_and_the_state(tmp_path):
    path = tmp_path / "h.sqlite"
    with LinkHistory(path) as history:
        for night, result in enumerate((BROKEN, BROKEN), start=1):
            history.start_run(f"2026-01-0{night}T02:00:00Z", 1)
            history.record(result, f"2026-01-0{night}T02:00:01Z")
            state = next_state(history.state(URL), result, f"2026-01-0{night}T02:00:01Z")
            history.commit_run({URL: state}, f"2026-01-0{night}T02:00:02Z")
    with LinkHistory(path) as history:
        state = history.states([URL, "https://never.checked/"])
        assert list(state) == [URL]
        assert (state[URL].failing_runs, state[URL].broken_since) == (2, "2026-01-01T02:00:01Z")
        assert [row[1] for row in history.checks(URL)] == ["broken", "broken"]
        assert history.outcomes() == ["completed", "completed"]


def test_what_is_older_than_the_kept_days_is_forgotten_and_no_streak_is_lost(tmp_path):
    """Three committed nights: two years ago, 364 days ago and now. A URL checked no more goes with its checks."""
    gone = "https://example.org/removed-from-the-guide"
    with LinkHistory(tmp_path / "h.sqlite") as history:
        for day, results in (
            ("2024-11-01", [BROKEN, LinkResult(gone, LinkStatus.OK, 200)]),
            ("2025-12-01", [BROKEN]),
            ("2026-11-30", [BROKEN]),
        ):
            history.start_run(f"{day}T02:00:00Z", len(results))
            states = {}
            for result in results:
                history.record(result, f"{day}T02:00:01Z")
                states[result.url] = next_state(history.state(result.url), result, f"{day}T02:00:01Z")
            history.commit_run(states, f"{day}T02:00:02Z")
        assert [row[0][:10] for row in history.checks(URL)] == ["2025-12-01", "2026-11-30"]
        assert history.checks(gone) == [] and history.state(gone) is None
        assert history.outcomes() == ["completed", "completed"]
        state = history.state(URL)
        assert state is not None and (state.failing_runs, state.broken_since) == (3, "2024-11-01T02:00:01Z")


def test_a_run_that_is_not_committed_moves_no_state(tmp_path):
    with LinkHistory(tmp_path / "h.sqlite") as history:
        history.start_run("2026-01-01T02:00:00Z", 1)
        history.record(BROKEN, "2026-01-01T02:00:01Z")
        history.finish_run("2026-01-01T02:00:02Z", RunOutcome.OFFLINE)
        assert history.state(URL) is None and len(history.checks(URL)) == 1
        assert history.outcomes() == ["offline"]


def test_a_history_in_an_older_format_is_one_clear_error_and_left_as_it_was(tmp_path):
    """A history from before URL states said whether their failure was confirmed: exit 3, how to go on."""
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE runs (id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,
                           url_count INTEGER NOT NULL, interrupted INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE url_state (url TEXT PRIMARY KEY, status TEXT NOT NULL, code INTEGER, checked_at TEXT NOT NULL,
            final_url TEXT, suggested_url TEXT, error TEXT, failing_runs INTEGER NOT NULL, broken_since TEXT,
            previous_failing_runs INTEGER NOT NULL);
    """)
    db.close()
    before = path.read_bytes()
    with pytest.raises(HistoryError, match=r"in another format \(version 0; this check-links reads 2\)") as error:
        LinkHistory(path)
    assert error.value.exit_status == EXIT_INVALID and "move it aside" in error.value.hint
    assert path.read_bytes() == before


def test_a_run_cut_short_leaves_a_readable_history(tmp_path):
    path = tmp_path / "h.sqlite"
    history = LinkHistory(path)
    history.start_run("2026-01-01T02:00:00Z", 3)
    history.record(OK, "2026-01-01T02:00:01Z")
    # no finish_run and no close: as if the process were killed here
    db = sqlite3.connect(path)
    assert db.execute("SELECT count(*) FROM checks").fetchone() == (1,)
    assert db.execute("SELECT finished_at, outcome FROM runs").fetchone() == (None, None)
    assert db.execute("SELECT count(*) FROM url_state").fetchone() == (0,)
    db.close()
    history.close()


def test_a_damaged_history_is_a_clear_error(tmp_path):
    path = tmp_path / "h.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(HistoryError, match="cannot open the link history"):
        LinkHistory(path)


def test_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(HistoryError, match="the folder of the link history does not exist"):
        LinkHistory(tmp_path / "typo" / "h.sqlite")
    assert not (tmp_path / "typo").exists()
