"""The streak rule (pure): a URL's failing streak after each completed run, and where that puts it in the alarms."""

from __future__ import annotations

from enum import StrEnum

from pipeline import config
from pipeline.link_health import LinkHealth
from pipeline.linkcheck.status import LinkResult


class Verdict(StrEnum):
    """Where a URL stands in the alarm rules; stable slugs."""

    NEW = "newly-broken"  # confirmed on this run: its streak reached confirm_after and no report said so yet
    STILL = "still-broken"  # confirmed and reported before, still failing
    UNCONFIRMED = "unconfirmed"  # failing, not yet for confirm_after runs in a row
    RECOVERED = "recovered"  # failing on the check before, passing now


def next_state(
    previous: LinkHealth | None, result: LinkResult, checked_at: str, confirm_after: int = config.CONFIRM_AFTER
) -> LinkHealth:
    """The state after one more completed run (pure). A confirmed streak stays confirmed while it lasts,
    so raising confirm_after never hides a broken link and lowering it confirms what it now reaches."""
    streak = previous.failing_runs if previous else 0
    was_confirmed = bool(previous and previous.confirmed_broken and streak)
    if result.failing:
        failing_runs = streak + 1
        broken_since = previous.broken_since if previous and streak and previous.broken_since else checked_at
        confirmed = was_confirmed or failing_runs >= confirm_after
    else:
        failing_runs, broken_since, confirmed = 0, None, False
    return LinkHealth(
        result.url,
        result.status,
        checked_at,
        failing_runs,
        confirmed,
        broken_since,
        result.suggested_url,
        result.code,
        result.final_url,
        result.error,
        streak,
        was_confirmed,
    )


def verdict(state: LinkHealth) -> Verdict | None:
    """The alarm rule (pure): newly broken on the one completed run that confirms the streak."""
    if state.failing_runs:
        if state.confirmed_broken:
            return Verdict.STILL if state.previous_confirmed else Verdict.NEW
        return Verdict.UNCONFIRMED
    return Verdict.RECOVERED if state.previous_failing_runs else None
