"""The streak rule (pure): a URL's failing streak after each completed run, and where that puts it in the alarms.

A URL is *newly broken* on the completed run that confirms its streak (`confirm_after` failing runs
in a row), so one flaky night raises nothing; the history (`pipeline.linkcheck.history`) stores the states.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pipeline import config
from pipeline.linkcheck.status import LinkResult


class Verdict(StrEnum):
    """Where a URL stands in the alarm rules; stable slugs."""

    NEW = "newly-broken"  # confirmed on this run: its streak reached confirm_after and no report said so yet
    STILL = "still-broken"  # confirmed and reported before, still failing
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
    confirmed: bool = False  # the streak is confirm_after runs long (or was confirmed before): broken
    previous_confirmed: bool = False


def next_state(
    previous: UrlState | None, result: LinkResult, checked_at: str, confirm_after: int = config.CONFIRM_AFTER
) -> UrlState:
    """The state after one more completed run (pure). A confirmed streak stays confirmed while it lasts,
    so raising confirm_after never hides a broken link and lowering it confirms what it now reaches."""
    streak = previous.failing_runs if previous else 0
    was_confirmed = bool(previous and previous.confirmed and streak)
    if result.failing:
        failing_runs = streak + 1
        broken_since = previous.broken_since if previous and streak and previous.broken_since else checked_at
        confirmed = was_confirmed or failing_runs >= confirm_after
    else:
        failing_runs, broken_since, confirmed = 0, None, False
    return UrlState(
        result.url,
        str(result.status),
        result.code,
        checked_at,
        result.final_url,
        result.suggested_url,
        result.error,
        failing_runs,
        broken_since,
        streak,
        confirmed,
        was_confirmed,
    )


def verdict(state: UrlState) -> Verdict | None:
    """The alarm rule (pure): newly broken on the one completed run that confirms the streak."""
    if state.failing_runs:
        if state.confirmed:
            return Verdict.STILL if state.previous_confirmed else Verdict.NEW
        return Verdict.UNCONFIRMED
    return Verdict.RECOVERED if state.previous_failing_runs else None
