"""Link history: streaks, alarm verdicts, and a database that stays readable when a run is cut short."""

import sqlite3

import pytest

from pipeline.linkcheck.history import HistoryError, LinkHistory, Verdict, next_state, verdict
from pipeline.linkcheck.status import LinkResult, LinkStatus

URL = "https://example.org/page"
OK = LinkResult(URL, LinkStatus.OK, 200)
BROKEN = LinkResult(URL, LinkStatus.BROKEN, 404, error="http-404")
TIMEOUT = LinkResult(URL, LinkStatus.TIMEOUT, error="timeout")
BLOCKED = LinkResult(URL, LinkStatus.BLOCKED, 403, error="http-403")


def nights(*results, confirm_after=2):
    """The verdict after each night, and the last state."""
    state, verdicts = None, []
    for night, result in enumerate(results, start=1):
        state = next_state(state, result, f"2026-01-{night:02d}T02:00:00Z")
        verdicts.append(verdict(state, confirm_after))
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
            history.finish_run(f"2026-01-0{night}T02:00:02Z")
    with LinkHistory(path) as history:
        state = history.states([URL, "https://never.checked/"])
        assert list(state) == [URL]
        assert (state[URL].failing_runs, state[URL].broken_since) == (2, "2026-01-01T02:00:01Z")
        assert [row[1] for row in history.checks(URL)] == ["broken", "broken"]


def test_a_run_cut_short_leaves_a_readable_history(tmp_path):
    path = tmp_path / "h.sqlite"
    history = LinkHistory(path)
    history.start_run("2026-01-01T02:00:00Z", 3)
    history.record(OK, "2026-01-01T02:00:01Z")
    # no finish_run and no close: as if the process were killed here
    db = sqlite3.connect(path)
    assert db.execute("SELECT count(*) FROM checks").fetchone() == (1,)
    assert db.execute("SELECT finished_at FROM runs").fetchone() == (None,)
    db.close()
    history.close()


def test_a_damaged_history_is_a_clear_error(tmp_path):
    path = tmp_path / "h.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(HistoryError, match="cannot open the link history"):
        LinkHistory(path)
