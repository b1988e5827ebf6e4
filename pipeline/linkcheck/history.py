"""The history of link checks in SQLite: the checks of recent runs, and per URL its streak as of the last
completed run (README, "Nightly link check", tells when states move and what is kept)."""

from __future__ import annotations

import datetime as dt
import operator
import sqlite3
from dataclasses import astuple, fields, replace
from enum import StrEnum
from pathlib import Path

from pipeline import config
from pipeline.errors import HistoryError
from pipeline.link_health import TIME_FORMAT, LinkHealth
from pipeline.linkcheck.status import LinkResult, LinkStatus

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
"""
# A url_state row's columns in the order of LinkHealth's fields (whose `confirmed_broken` is `confirmed`).
STATE_COLUMNS = (
    "url, status, checked_at, failing_runs, confirmed, broken_since, suggested_url, code, final_url, error,"
    " previous_failing_runs, previous_confirmed"
)
STATE_PLACES = ", ".join("?" * len(fields(LinkHealth)))
# A LinkResult as the rest of a checks row, after its run, URL and time.
check_values = operator.attrgetter("status", "code", "final_url", "suggested_url", "elapsed", "error", "detail")
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
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if (
                version != HISTORY_VERSION
                and self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'runs'").fetchone()
            ):
                raise HistoryError(
                    f"the link history is in another format (version {version}; "
                    f"this check-links reads {HISTORY_VERSION})",
                    path=self.path,
                    hint="move it aside (a new history starts, without earlier streaks and 'broken since' dates), "
                    "or keep running the release that wrote it",
                )
            # WAL: a commit needs no fsync of the whole file, and readers never see half a transaction. A history
            # that cannot be written fails here, not after the checks (the user_version is a write too).
            self.db.executescript(
                f"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; BEGIN IMMEDIATE; {SCHEMA}"
                f"PRAGMA user_version = {HISTORY_VERSION}; COMMIT;"
            )
        except HistoryError:
            self.close()
            raise
        except (sqlite3.Error, OSError) as error:
            self.close()
            raise HistoryError(
                f"cannot open the link history: {error}", path=self.path, hint=history_hint(error)
            ) from None
        self.run_id: int | None = None

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
        self._write(
            (
                "INSERT INTO checks (run_id, url, checked_at, status, code, final_url, suggested_url, elapsed,"
                " error, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.run_id, result.url, checked_at, *check_values(result)),
            )
        )

    def commit_run(self, states: dict[str, LinkHealth], finished_at: str) -> None:
        """Store the new state of every URL and end the run as completed, and forget what is older than
        `config.KEEP_DAYS` (checks, their runs, states of URLs no longer checked), in one transaction."""
        cutoff = dt.datetime.strptime(finished_at, TIME_FORMAT) - dt.timedelta(days=config.KEEP_DAYS)
        forget_before = cutoff.strftime(TIME_FORMAT)
        # Checks are stored in time order: those before the first one made since the cutoff are older.
        first_kept = "(SELECT id FROM checks WHERE checked_at >= ? ORDER BY id LIMIT 1)"
        self._write(
            (
                f"INSERT OR REPLACE INTO url_state ({STATE_COLUMNS}) VALUES ({STATE_PLACES})",
                [astuple(state) for state in states.values()],
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
        )

    def state(self, url: str) -> LinkHealth | None:
        row = self.connection.execute(f"SELECT {STATE_COLUMNS} FROM url_state WHERE url = ?", (url,)).fetchone()
        return state_of(row) if row else None

    def states(self, urls: list[str]) -> dict[str, LinkHealth]:
        """The latest state of each of `urls` that a completed run checked."""
        wanted = set(urls)
        rows = self.connection.execute(f"SELECT {STATE_COLUMNS} FROM url_state").fetchall()
        return {row[0]: state_of(row) for row in rows if row[0] in wanted}

    def checks(self, url: str) -> list[tuple]:
        """Every check of `url`, oldest first: (checked_at, status, code, error)."""
        return self.connection.execute(
            "SELECT checked_at, status, code, error FROM checks WHERE url = ? ORDER BY id", (url,)
        ).fetchall()

    def outcomes(self) -> list[str | None]:
        """How each run ended, oldest first (None: killed)."""
        return [row[0] for row in self.connection.execute("SELECT outcome FROM runs ORDER BY id")]


def state_of(row: tuple) -> LinkHealth:
    url, status, *rest = row
    health = LinkHealth(url, LinkStatus(status), *rest)
    return replace(
        health, confirmed_broken=bool(health.confirmed_broken), previous_confirmed=bool(health.previous_confirmed)
    )
