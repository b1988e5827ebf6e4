"""The history of link checks in SQLite: the recent checks, and per URL its failing streak and since when.

Checks are stored as they arrive (a quarter of a second's worth at a time), so a run killed halfway
leaves a readable history holding what was checked up to its last moments. The state of a URL (its
streak) moves only when a run is committed: after every URL was checked and the reports were
written. So an offline, killed or interrupted run, or one whose reports could not be written, uses
up no step of a streak, and an alarm is never lost. A URL is *newly broken* on the committed run that
confirms its streak (`confirm_after` failing runs in a row), so one flaky night raises nothing. What
each site settles on answering for an address that cannot exist is kept too, for
`config.PROBE_DAYS` days, so that a site is not asked for one every night. Checks are kept for
`config.KEEP_DAYS` days.
"""

from __future__ import annotations

import datetime as dt
import json
import operator
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, replace
from enum import StrEnum
from pathlib import Path

from pipeline import config
from pipeline.errors import HistoryError
from pipeline.linkcheck.health import LinkHealth
from pipeline.linkcheck.soft404 import Page
from pipeline.linkcheck.status import LinkResult, LinkStatus, without_credentials

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,              -- NULL: the run was killed (or is running)
    url_count INTEGER NOT NULL,
    interrupted INTEGER NOT NULL DEFAULT 0,
    outcome TEXT                   -- a RunOutcome, or NULL: killed
);
CREATE TABLE IF NOT EXISTS checks (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    url TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    status TEXT NOT NULL,
    code INTEGER,
    final_url TEXT,
    suggested_url TEXT,
    elapsed REAL NOT NULL,
    error TEXT,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS checks_by_url ON checks (url, id);
-- The latest state of each URL as of the last completed run, whose reports were written.
CREATE TABLE IF NOT EXISTS url_state (
    url TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    code INTEGER,
    checked_at TEXT NOT NULL,
    final_url TEXT,
    suggested_url TEXT,
    error TEXT,
    failing_runs INTEGER NOT NULL,  -- consecutive failing checks up to the latest one
    broken_since TEXT,              -- first check of that streak
    previous_failing_runs INTEGER NOT NULL,  -- the streak just before the latest check
    confirmed INTEGER NOT NULL DEFAULT 0,    -- this streak was reported as broken
    previous_confirmed INTEGER NOT NULL DEFAULT 0
);
-- What each site answered for an address that cannot exist (soft-404 evidence), as of a completed run.
CREATE TABLE IF NOT EXISTS site_probes (
    origin TEXT PRIMARY KEY,        -- scheme://host:port
    probed_at TEXT NOT NULL,
    page TEXT                       -- the 2xx HTML page it answered, as JSON, or NULL: it answered otherwise
);
"""
# Columns added since the first histories; a history written before them gains them on opening.
ADDED_COLUMNS = (
    ("runs", "outcome", "TEXT"),
    ("url_state", "confirmed", "INTEGER NOT NULL DEFAULT 0"),
    ("url_state", "previous_confirmed", "INTEGER NOT NULL DEFAULT 0"),
)
OLD_CONFIRM_AFTER = 2  # the default under which a history without `confirmed` raised its alarms
STATE_COLUMNS = (
    "url",
    "status",
    "code",
    "checked_at",
    "final_url",
    "suggested_url",
    "error",
    "failing_runs",
    "broken_since",
    "previous_failing_runs",
    "confirmed",
    "previous_confirmed",
)
# A LinkResult as the rest of a checks row, after its run, URL and time.
check_values = operator.attrgetter("status", "code", "final_url", "suggested_url", "elapsed", "error", "detail")
# A LinkHealth as a url_state row (whose `confirmed` is the record's `confirmed_broken`).
state_values = operator.attrgetter(*("confirmed_broken" if name == "confirmed" else name for name in STATE_COLUMNS))
HISTORY_VERSION = 2  # 2: runs have an outcome, and URL states say whether their failure was confirmed
BUSY_TIMEOUT = 2.0  # seconds to wait for another program's write lock on the database


class RunOutcome(StrEnum):
    """How a run ended; only a completed run moves streaks and statuses."""

    COMPLETED = "completed"  # every URL checked, reports written, states stored
    OFFLINE = "offline"  # the checker could not reach the network: nothing stored but the checks
    INTERRUPTED = "interrupted"  # Ctrl-C
    REPORTS_FAILED = "reports-failed"  # the reports could not be written, so nothing was announced


def history_hint(error: BaseException) -> str:
    text = str(error).lower()
    if "readonly" in text or "read-only" in text or "permission" in text:
        return (
            "the history (or its folder) is read-only for this user: make both writable by the user "
            "that runs check-links, or pass another file with --history"
        )
    if "locked" in text or "busy" in text:
        return "another program holds the history open for writing (a sqlite3 shell?); close it and run again"
    if "unable to open" in text:
        return "check that the file can be read and written by this user, or pass another file with --history"
    return (
        "if the file is damaged, move it aside (a new history starts, without earlier streaks) "
        "or pass another with --history"
    )


class LinkHistory:
    """An open history database; use as a context manager. Its folder must exist (a typo must not start afresh)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise HistoryError(
                "the folder of the link history does not exist",
                path=self.path,
                hint="create the folder, or correct --history: a new history would start "
                "without any streak or 'broken since' date",
            )
        self.created = not self.path.exists()
        self.db: sqlite3.Connection | None = None
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT)  # we open transactions
            # WAL: a commit needs no fsync of the whole file, and readers never see half a transaction.
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("BEGIN IMMEDIATE")  # fails now, not after the checks, if we cannot write
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    self.db.execute(statement)
            self._add_columns()
            self.db.execute(f"PRAGMA user_version = {HISTORY_VERSION}")  # a write: a read-only file fails here
            self.db.execute("COMMIT")
        except (sqlite3.Error, OSError) as error:
            self.close()
            raise HistoryError(
                f"cannot open the link history: {error}", path=self.path, hint=history_hint(error)
            ) from None
        self.run_id: int | None = None

    def _add_columns(self) -> None:
        added = set()
        for table, column, kind in ADDED_COLUMNS:
            if column not in {row[1] for row in self.connection.execute(f"PRAGMA table_info({table})")}:
                self.connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
                added.add(column)
        if "confirmed" in added:  # alarms already raised under the old rule stay raised, and are not raised again
            self.connection.execute(
                "UPDATE url_state SET confirmed = failing_runs >= ?, previous_confirmed = previous_failing_runs >= ?",
                (OLD_CONFIRM_AFTER, OLD_CONFIRM_AFTER),
            )

    @property
    def connection(self) -> sqlite3.Connection:
        """The open database: a history is used between opening and closing only."""
        assert self.db is not None, "the link history is closed"
        return self.db

    def __enter__(self) -> LinkHistory:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def _write(self, *statements: tuple[str, tuple | list[tuple]]) -> sqlite3.Cursor | None:
        """Run statements in one transaction (a list of value tuples runs its statement once for each);
        a failure is a HistoryError and leaves no half-open transaction."""
        cursor = None
        try:
            self.connection.execute("BEGIN IMMEDIATE")
            for sql, values in statements:
                if isinstance(values, list):
                    cursor = self.connection.executemany(sql, values)
                else:
                    cursor = self.connection.execute(sql, values)
            self.connection.execute("COMMIT")
        except sqlite3.Error as error:
            raise HistoryError(
                f"cannot write the link history: {error}", path=self.path, hint=history_hint(error)
            ) from None
        finally:
            if self.connection.in_transaction:  # an error or a Ctrl-C between BEGIN and COMMIT
                self.connection.execute("ROLLBACK")
        return cursor

    def start_run(self, started_at: str, url_count: int) -> int:
        cursor = self._write(("INSERT INTO runs (started_at, url_count) VALUES (?, ?)", (started_at, url_count)))
        assert cursor is not None and cursor.lastrowid is not None  # one INSERT ran
        self.run_id = cursor.lastrowid
        return self.run_id

    def finish_run(self, finished_at: str, outcome: RunOutcome) -> None:
        """End a run that changes no state (offline, interrupted, reports not written)."""
        self._write(
            (
                "UPDATE runs SET finished_at = ?, interrupted = ?, outcome = ? WHERE id = ?",
                (finished_at, int(outcome is RunOutcome.INTERRUPTED), str(outcome), self.run_id),
            )
        )

    def record(self, result: LinkResult, checked_at: str) -> None:
        """Store one check of the run in progress; the URL's state moves only when the run is committed."""
        self.record_all([(result, checked_at)])

    def record_all(self, checks: list[tuple[LinkResult, str]]) -> None:
        """Store checks of the run in progress, each with when it was made, in one transaction."""
        if checks:
            self._write(
                (
                    "INSERT INTO checks (run_id, url, checked_at, status, code, final_url, suggested_url, elapsed,"
                    " error, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(self.run_id, result.url, checked_at, *check_values(result)) for result, checked_at in checks],
                )
            )

    def commit_run(
        self, states: dict[str, LinkHealth], finished_at: str, probes: Mapping[str, Page | None] | None = None
    ) -> None:
        """Store the new state of every URL and what sites newly answered for an address that cannot exist
        (`probes`, dated `finished_at`), and end the run as completed, all in one transaction.

        What is older than `config.KEEP_DAYS` before `finished_at` goes in the same transaction: checks,
        the runs they belonged to, and the states of URLs no longer checked (a URL's streak lives in its
        state, so the streaks of the URLs checked now lose nothing). So a nightly history stays about a
        year of checks in size. Site answers go once older than `config.PROBE_DAYS` (unused by then)."""
        insert = f"INSERT OR REPLACE INTO url_state VALUES ({', '.join('?' * len(STATE_COLUMNS))})"
        forget_before, probes_before = (
            days_before(finished_at, config.KEEP_DAYS),
            days_before(finished_at, config.PROBE_DAYS),
        )
        # Checks are stored in time order: those before the first one made since the cutoff are older.
        first_kept = "(SELECT id FROM checks WHERE checked_at >= ? ORDER BY id LIMIT 1)"
        self._write(
            (insert, [state_values(state) for state in states.values()]),
            (
                "INSERT OR REPLACE INTO site_probes VALUES (?, ?, ?)",
                [(site, finished_at, probe_json(page)) for site, page in (probes or {}).items()],
            ),
            (
                "UPDATE runs SET finished_at = ?, outcome = ? WHERE id = ?",
                (finished_at, str(RunOutcome.COMPLETED), self.run_id),
            ),
            (
                f"DELETE FROM runs WHERE started_at < ? AND id < (SELECT run_id FROM checks WHERE id = {first_kept})",
                (forget_before, forget_before),
            ),
            (f"DELETE FROM checks WHERE id < {first_kept}", (forget_before,)),
            ("DELETE FROM url_state WHERE checked_at < ?", (forget_before,)),
            ("DELETE FROM site_probes WHERE probed_at < ?", (probes_before,)),
        )

    def probes(self, since: str) -> dict[str, Page | None]:
        """What sites answered for an address that cannot exist, as asked at `since` or later, by origin."""
        rows = self.connection.execute("SELECT origin, page FROM site_probes WHERE probed_at >= ?", (since,))
        known: dict[str, Page | None] = {}
        for site, page in rows:
            try:
                known[site] = Page(**json.loads(page)) if page else None
            except (TypeError, ValueError):  # not as this program writes it: ask the site again
                continue
        return known

    def state(self, url: str) -> LinkHealth | None:
        row = self.connection.execute(
            f"SELECT {', '.join(STATE_COLUMNS)} FROM url_state WHERE url = ?", (url,)
        ).fetchone()
        return state_of(row) if row else None

    def states(self, urls: list[str]) -> dict[str, LinkHealth]:
        """The latest state of each of `urls` that a completed run checked."""
        wanted = set(urls)
        rows = self.connection.execute(f"SELECT {', '.join(STATE_COLUMNS)} FROM url_state").fetchall()
        return {row[0]: state_of(row) for row in rows if row[0] in wanted}

    def checks(self, url: str) -> list[tuple]:
        """Every check of `url`, oldest first: (checked_at, status, code, error)."""
        return self.connection.execute(
            "SELECT checked_at, status, code, error FROM checks WHERE url = ? ORDER BY id", (url,)
        ).fetchall()

    def outcomes(self) -> list[str | None]:
        """How each run ended, oldest first (None: killed)."""
        return [row[0] for row in self.connection.execute("SELECT outcome FROM runs ORDER BY id")]


def days_before(moment: str, days: int) -> str:
    """The UTC time `days` before `moment`, both as stored (2026-03-02T03:00:00Z)."""
    then = dt.datetime.strptime(moment, "%Y-%m-%dT%H:%M:%SZ") - dt.timedelta(days=days)
    return then.strftime("%Y-%m-%dT%H:%M:%SZ")


def probe_json(page: Page | None) -> str | None:
    """A site's answer as stored: the page without credentials in its addresses, or None."""
    if page is None:
        return None
    page = replace(page, url=without_credentials(page.url), final_url=without_credentials(page.final_url))
    return json.dumps(asdict(page), ensure_ascii=False)


class PendingChecks:
    """Checks of the run in progress not yet stored: stored together at most `every` seconds apart.

    One transaction per check would cost the main thread as much as the check itself. The caller
    also saves when it has waited a while for the next result, and before it stops, so a run killed
    outright loses only the checks of its last moments, which move no state anyway.
    """

    def __init__(self, history: LinkHistory, every: float = 0.25, clock: Callable[[], float] = time.monotonic):
        self.history, self.every, self.clock = history, every, clock
        self.checks: list[tuple[LinkResult, str]] = []
        self.saved = clock()

    def add(self, result: LinkResult, checked_at: str) -> None:
        self.checks.append((result, checked_at))
        if self.clock() - self.saved >= self.every:
            self.save()

    def save(self) -> None:
        checks, self.checks, self.saved = self.checks, [], self.clock()  # taken first: never stored twice
        self.history.record_all(checks)


def state_of(row: tuple) -> LinkHealth:
    url, status, code, checked_at, final_url, suggested, error, runs, since, previous_runs, confirmed, previous = row
    return LinkHealth(
        url,
        LinkStatus(status),
        checked_at,
        runs,
        bool(confirmed),
        since,
        suggested,
        code,
        final_url,
        error,
        previous_runs,
        bool(previous),
    )
