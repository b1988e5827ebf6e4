"""The history of link checks in SQLite: the checks of recent runs, and per URL its streak as of the last
completed run (README, "Nightly link check", tells when states move and what is kept)."""

from __future__ import annotations

import datetime as dt
import operator
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields, replace
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
# A url_state row's columns: LinkHealth's fields in their order, but `confirmed_broken` is `confirmed`.
STATE_COLUMNS = ", ".join(field.name for field in fields(LinkHealth)).replace("confirmed_broken", "confirmed")
STATE_PLACES = ", ".join("?" * len(fields(LinkHealth)))
state_values = operator.attrgetter(*(field.name for field in fields(LinkHealth)))  # astuple would copy deeply
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


def refuse_missing_folder(path: Path, name: str, option: str) -> None:
    """A missing folder is a typo, refused: a new history there would start afresh."""
    if not path.parent.is_dir():
        raise HistoryError(
            f"the folder of {name} does not exist",
            path=path,
            hint=f"create it, or correct {option}: a new history would start without any streak or 'broken since' date",
        )


class LinkHistory:
    """An open history database; use as a context manager. Its folder must exist (a typo must not start afresh)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        refuse_missing_folder(self.path, "the link history", "--history")
        self.created = not self.path.exists()
        self.run_id: int | None = None  # the run in progress, until it is committed
        with self.failing_as("open"):
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT)  # we open transactions
        try:
            with self.failing_as("open"):
                version = self.db.execute("PRAGMA user_version").fetchone()[0]
                has_tables = self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'runs'").fetchone()
                if has_tables and version != HISTORY_VERSION:
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

    def __enter__(self) -> LinkHistory:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()  # a second close does nothing

    @contextmanager
    def failing_as(self, doing: str) -> Iterator[None]:
        """A database error as a HistoryError that says what to do."""
        try:
            yield
        except (sqlite3.Error, OSError) as error:
            raise HistoryError(
                f"cannot {doing} the link history: {error}", path=self.path, hint=history_hint(error)
            ) from None

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; a failure is a HistoryError, and neither it nor a Ctrl-C leaves it half open."""
        with self.failing_as("write"):
            try:
                self.db.execute("BEGIN IMMEDIATE")
                yield self.db
                self.db.execute("COMMIT")
            finally:
                if self.db.in_transaction:  # an error or a Ctrl-C between BEGIN and COMMIT
                    self.db.execute("ROLLBACK")

    def start_run(self, started_at: str, url_count: int) -> None:
        with self.writing() as db:
            self.run_id = db.execute(
                "INSERT INTO runs (started_at, url_count) VALUES (?, ?)", (started_at, url_count)
            ).lastrowid

    def finish_run(self, finished_at: str, outcome: RunOutcome) -> None:
        """End a run that changes no state (offline, interrupted, reports not written)."""
        with self.writing() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, interrupted = ?, outcome = ? WHERE id = ?",
                (finished_at, int(outcome is RunOutcome.INTERRUPTED), str(outcome), self.run_id),
            )

    def record(self, result: LinkResult, checked_at: str) -> None:
        """Store one check of the run in progress; the URL's state moves only when the run is committed.
        One statement is its own transaction."""
        with self.failing_as("write"):
            self.db.execute(
                "INSERT INTO checks (run_id, url, checked_at, status, code, final_url, suggested_url, elapsed,"
                " error, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.run_id, result.url, checked_at, *check_values(result)),
            )

    def commit_run(self, states: dict[str, LinkHealth], finished_at: str) -> None:
        """Store the new state of every URL and end the run as completed, and forget what is older than
        `config.KEEP_DAYS` (checks, their runs, states of URLs no longer checked), in one transaction."""
        cutoff = dt.datetime.strptime(finished_at, TIME_FORMAT) - dt.timedelta(days=config.KEEP_DAYS)
        forget_before = cutoff.strftime(TIME_FORMAT)
        # Checks are stored in time order: those before the first one made since the cutoff are older.
        first_kept = "(SELECT id FROM checks WHERE checked_at >= ? ORDER BY id LIMIT 1)"
        with self.writing() as db:
            db.executemany(
                f"INSERT OR REPLACE INTO url_state ({STATE_COLUMNS}) VALUES ({STATE_PLACES})",
                [state_values(state) for state in states.values()],
            )
            db.execute(
                "UPDATE runs SET finished_at = ?, outcome = ? WHERE id = ?",
                (finished_at, str(RunOutcome.COMPLETED), self.run_id),
            )
            db.execute(
                f"DELETE FROM runs WHERE started_at < ? AND id < (SELECT run_id FROM checks WHERE id = {first_kept})",
                (forget_before, forget_before),
            )
            db.execute(f"DELETE FROM checks WHERE id < {first_kept}", (forget_before,))
            db.execute("DELETE FROM url_state WHERE checked_at < ?", (forget_before,))
        self.run_id = None

    def state(self, url: str) -> LinkHealth | None:
        return self.states([url]).get(url)

    def states(self, urls: list[str]) -> dict[str, LinkHealth]:
        """The latest state of each of `urls` that a completed run checked."""
        wanted = set(urls)
        rows = self.db.execute(f"SELECT {STATE_COLUMNS} FROM url_state").fetchall()
        return {row[0]: state_of(row) for row in rows if row[0] in wanted}

    def checks(self, url: str) -> list[tuple]:
        """Every check of `url`, oldest first: (checked_at, status, code, error)."""
        return self.db.execute(
            "SELECT checked_at, status, code, error FROM checks WHERE url = ? ORDER BY id", (url,)
        ).fetchall()

    def outcomes(self) -> list[str | None]:
        """How each run ended, oldest first (None: killed)."""
        return [row[0] for row in self.db.execute("SELECT outcome FROM runs ORDER BY id")]


def state_of(row: tuple) -> LinkHealth:
    url, status, *rest = row
    health = LinkHealth(url, LinkStatus(status), *rest)
    return replace(
        health, confirmed_broken=bool(health.confirmed_broken), previous_confirmed=bool(health.previous_confirmed)
    )
