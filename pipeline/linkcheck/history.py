"""The history of link checks in SQLite: every check, and per URL its failing streak and since when it fails.

Each check is committed on its own, so a run killed halfway leaves a readable history holding what
was checked. Alarms come from streaks: a URL is *newly broken* on the run where its streak of
failing checks reaches `confirm_after`, so one flaky night raises nothing.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.linkcheck.status import LinkResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,              -- NULL: the run was killed or interrupted
    url_count INTEGER NOT NULL,
    interrupted INTEGER NOT NULL DEFAULT 0
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
-- The latest check of each URL and its streak, kept with each check so reading them costs nothing.
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
    previous_failing_runs INTEGER NOT NULL  -- the streak just before the latest check
);
"""
STATE_COLUMNS = ("url", "status", "code", "checked_at", "final_url", "suggested_url", "error",
                 "failing_runs", "broken_since", "previous_failing_runs")  # fmt: skip


class HistoryError(PipelineError):
    "The link history database cannot be opened or written"


class Verdict(StrEnum):
    """Where a URL stands in the alarm rules; stable slugs."""

    NEW = "newly-broken"  # its failing streak reached confirm_after on this check
    STILL = "still-broken"  # confirmed before, still failing
    UNCONFIRMED = "unconfirmed"  # failing, not yet for confirm_after runs in a row
    RECOVERED = "recovered"  # failing on the check before, passing now


@dataclass(frozen=True)
class UrlState:
    """The latest check of a URL and its failing streak."""

    url: str
    status: str
    code: int | None
    checked_at: str
    final_url: str | None
    suggested_url: str | None
    error: str | None
    failing_runs: int
    broken_since: str | None
    previous_failing_runs: int


def next_state(previous: UrlState | None, result: LinkResult, checked_at: str) -> UrlState:
    """The state after one more check (pure)."""
    streak = previous.failing_runs if previous else 0
    if result.failing:
        failing_runs = streak + 1
        broken_since = previous.broken_since if streak and previous.broken_since else checked_at
    else:
        failing_runs, broken_since = 0, None
    return UrlState(result.url, str(result.status), result.code, checked_at, result.final_url, result.suggested_url,
                    result.error, failing_runs, broken_since, streak)  # fmt: skip


def verdict(state: UrlState, confirm_after: int) -> Verdict | None:
    """The alarm rule (pure): newly broken exactly when the streak reaches confirm_after."""
    if state.failing_runs:
        if state.failing_runs == confirm_after:
            return Verdict.NEW
        return Verdict.STILL if state.failing_runs > confirm_after else Verdict.UNCONFIRMED
    return Verdict.RECOVERED if state.previous_failing_runs else None


class LinkHistory:
    """An open history database; use as a context manager."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, isolation_level=None)  # autocommit; we open transactions ourselves
            # WAL: a commit needs no fsync of the whole file, and readers never see half a transaction.
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
        except (sqlite3.Error, OSError) as error:
            raise HistoryError(f"cannot open the link history: {error}", path=self.path,
                               hint="check the folder is writable; if the file is damaged, move it aside "
                                    "(a new history starts) or pass another with --history") from None  # fmt: skip
        self.run_id: int | None = None

    def __enter__(self) -> LinkHistory:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def start_run(self, started_at: str, url_count: int) -> int:
        cursor = self.db.execute("INSERT INTO runs (started_at, url_count) VALUES (?, ?)", (started_at, url_count))
        self.run_id = cursor.lastrowid
        return self.run_id

    def finish_run(self, finished_at: str, *, interrupted: bool = False) -> None:
        self.db.execute("UPDATE runs SET finished_at = ?, interrupted = ? WHERE id = ?",
                        (finished_at, int(interrupted), self.run_id))  # fmt: skip

    def state(self, url: str) -> UrlState | None:
        row = self.db.execute(f"SELECT {', '.join(STATE_COLUMNS)} FROM url_state WHERE url = ?", (url,)).fetchone()
        return UrlState(*row) if row else None

    def record(self, result: LinkResult, checked_at: str) -> UrlState:
        """Store one check and the URL's new state in one transaction."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
            state = next_state(self.state(result.url), result, checked_at)
            self.db.execute(
                "INSERT INTO checks (run_id, url, checked_at, status, code, final_url, suggested_url, elapsed, error,"
                " detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.run_id, result.url, checked_at, str(result.status), result.code, result.final_url,
                 result.suggested_url, result.elapsed, result.error, result.detail),
            )  # fmt: skip
            self.db.execute(f"INSERT OR REPLACE INTO url_state VALUES ({', '.join('?' * len(STATE_COLUMNS))})",
                            tuple(getattr(state, name) for name in STATE_COLUMNS))  # fmt: skip
            self.db.execute("COMMIT")
        except sqlite3.Error as error:
            raise HistoryError(f"cannot write the link history: {error}", path=self.path,
                               hint="free some space or pass another file with --history") from None  # fmt: skip
        finally:
            if self.db.in_transaction:  # an error or a Ctrl-C between BEGIN and COMMIT: leave no half-open transaction
                self.db.execute("ROLLBACK")
        return state

    def states(self, urls: list[str]) -> dict[str, UrlState]:
        """The latest state of each of `urls` that was ever checked."""
        wanted = set(urls)
        rows = self.db.execute(f"SELECT {', '.join(STATE_COLUMNS)} FROM url_state").fetchall()
        return {row[0]: UrlState(*row) for row in rows if row[0] in wanted}

    def checks(self, url: str) -> list[tuple]:
        """Every check of `url`, oldest first: (checked_at, status, code, error)."""
        return self.db.execute("SELECT checked_at, status, code, error FROM checks WHERE url = ? ORDER BY id",
                               (url,)).fetchall()  # fmt: skip
