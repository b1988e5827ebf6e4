"""The status file: the latest known health of every checked URL, with the one rule of "confirmed broken".

`check-links` writes it (`health_json`); `build` and the editions read it (`read_link_health`) and ask each
`LinkHealth` for its `state`. `build` imports it: nothing here sends a request.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pipeline.errors import LinkStatusFileError
from pipeline.linkcheck.status import FAILING, LinkStatus, without_credentials
from pipeline.text import JsonText, compact_json, json_with_rows

FORMAT = 2
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
HINT = (
    "the file is written by `mentor-guide check-links`, not by hand: run check-links to rewrite it, "
    "or move it aside (the handbook then prints no check dates)"
)


class LinkState(StrEnum):
    """What readers are told about a link; stable slugs (the dataset's `link_status` column)."""

    OK = "ok"  # the last check reached the page (directly or through redirects)
    BROKEN = "broken"  # confirmed broken: failing on --confirm-after runs in a row, and reported
    FAILING = "failing"  # failed its latest check(s), not confirmed: printed and published as usual
    BLOCKED = "blocked"  # the site refused the checker (bot protection, login): unknown
    UNCHECKED = "unchecked"  # no completed check yet


@dataclass(frozen=True)
class LinkHealth:
    """The latest real check of one URL (offline runs never change it) and its failing streak: the one
    record of a URL's state, in the status file and in the history (which adds the last three fields)."""

    url: str
    status: LinkStatus
    checked_at: str  # UTC, 2026-03-02T03:00:00Z
    failing_runs: int
    confirmed_broken: bool
    broken_since: str | None = None
    suggested_url: str | None = None
    code: int | None = None
    final_url: str | None = None
    error: str | None = None  # why the latest check failed (an error slug)
    previous_failing_runs: int = 0  # the streak just before the latest check
    previous_confirmed: bool = False

    @property
    def state(self) -> LinkState:
        if self.confirmed_broken:
            return LinkState.BROKEN
        if self.status in FAILING:
            return LinkState.FAILING
        if self.status is LinkStatus.BLOCKED:
            return LinkState.BLOCKED
        return LinkState.OK

    def record(self) -> dict[str, object]:
        """Its entry in the status file (under its URL)."""
        return {
            "status": str(self.status),
            "code": self.code,
            "checked_at": self.checked_at,
            "failing_runs": self.failing_runs,
            "confirmed_broken": self.confirmed_broken,
            "broken_since": self.broken_since,
            "final_url": self.final_url,
            "suggested_url": self.suggested_url,
        }

    @property
    def checked_on(self) -> str:
        """The date of the check, 2026-03-02."""
        return self.checked_at[:10]


def health_for(health: Mapping[str, LinkHealth], url: str | None) -> LinkHealth | None:
    """The health of `url` (the status file holds addresses without credentials)."""
    return health.get(without_credentials(url)) if url else None


def link_state(health: Mapping[str, LinkHealth], url: str | None) -> LinkState | None:
    """What a resource's link is known as: None without an address, `unchecked` before its first check."""
    if not url:
        return None
    found = health_for(health, url)
    return found.state if found else LinkState.UNCHECKED


def last_checked(health: Mapping[str, LinkHealth]) -> str | None:
    """When the latest check recorded in the file was made."""
    return max((entry.checked_at for entry in health.values()), default=None)


def health_json(
    health: Mapping[str, LinkHealth], *, checked_at: str, confirm_after: int, archived: Mapping[str, dict] | None = None
) -> str:
    """The status file's text: every URL's health, sorted, stable keys; `archived` ({"url", "date"} of an
    archived copy, by URL) adds a suggestion to the URLs that have one, and never replaces their address."""
    archived = archived or {}
    urls = {
        url: JsonText(compact_json(entry.record() | ({"archived": dict(archived[url])} if url in archived else {})))
        for url, entry in health.items()
    }
    document = {"format": FORMAT, "checked_at": checked_at, "confirm_after": confirm_after, "urls": urls}
    return json_with_rows(document, "urls")


def read_link_health(path: Path) -> dict[str, LinkHealth]:
    """The status file as LinkHealth by URL; {} when there is none. Raises LinkStatusFileError when malformed."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise LinkStatusFileError(f"cannot read the link-status file: {error}", path=path, hint=HINT) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise LinkStatusFileError(f"not JSON: {error.msg}", path=path, line=error.lineno, hint=HINT) from None
    except RecursionError:
        raise LinkStatusFileError("not a link-status file: nested too deep to read", path=path, hint=HINT) from None
    if not isinstance(document, dict) or not isinstance(document.get("urls"), dict):
        raise LinkStatusFileError("not a link-status file: no object `urls`", path=path, hint=HINT)
    if document.get("format") != FORMAT:
        raise LinkStatusFileError(
            f"written in another format ({document.get('format')!r}, expected {FORMAT}) "
            "by another version of check-links",
            path=path,
            hint=HINT,
        )
    return {url: parse_entry(url, entry, path) for url, entry in document["urls"].items()}


def is_time(value: object) -> bool:
    """Whether `value` is a real UTC time as check-links writes it (2026-03-02T03:00:00Z; no 13th month)."""
    try:
        return isinstance(value, str) and bool(TIME.match(value)) and bool(dt.datetime.strptime(value, TIME_FORMAT))
    except ValueError:
        return False


# What each field of an entry must be (checked in this order), and how a message says it: LinkHealth's fields.
FIELDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "status": (lambda value: value in tuple(LinkStatus), f"one of {', '.join(LinkStatus)}"),
    "checked_at": (is_time, "a UTC time like 2026-03-02T03:00:00Z"),
    "failing_runs": (lambda value: type(value) is int and value >= 0, "a whole number of runs"),
    "confirmed_broken": (lambda value: type(value) is bool, "true or false"),
    "broken_since": (lambda value: value is None or is_time(value), "null or a UTC time like 2026-02-20T03:00:00Z"),
    "suggested_url": (lambda value: value is None or isinstance(value, str), "null or an address"),
    "final_url": (lambda value: value is None or isinstance(value, str), "null or an address"),
    "code": (lambda value: value is None or type(value) is int, "null or an HTTP status code"),
}


def parse_entry(url: str, entry: object, path: Path) -> LinkHealth:
    values: dict[str, Any] = {field: entry.get(field) for field in FIELDS} if isinstance(entry, dict) else {}
    wrong = [
        (field, values[field], said) for field, (valid, said) in FIELDS.items() if values and not valid(values[field])
    ]
    if wrong or not values:  # the first field that is wrong, or an entry that is no object at all
        field, value, said = wrong[0] if wrong else ("urls", entry, "an object")
        raise LinkStatusFileError(
            f"{url}: `{field}` is {json.dumps(value)}, not {said}", path=path, line=line_of(path, url), hint=HINT
        )
    return LinkHealth(url=url, **values | {"status": LinkStatus(values["status"])})


def line_of(path: Path, url: str) -> int | None:
    """The line where `url`'s entry starts, to point the reader at it."""
    key = json.dumps(url, ensure_ascii=False) + ":"
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip().startswith(key):
            return number
    return None
