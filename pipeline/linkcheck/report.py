"""Link-check reports: results gathered once into LinkStats, then small pure formatters (Markdown, JSON, HTML)."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

from pipeline.config import LINK_REPORT_HTML, LINK_REPORT_JSON, LINK_REPORT_MD
from pipeline.link_health import LinkHealth
from pipeline.linkcheck.archive import Snapshot
from pipeline.linkcheck.status import LinkResult, LinkStatus, Suggestion
from pipeline.linkcheck.streak import Verdict, verdict
from pipeline.text import JsonText, compact_json, json_with_rows

SECTIONS = (  # (title, which rows), in the order a keeper reads them
    ("Newly broken", lambda row: row.verdict is Verdict.NEW),
    ("Still broken", lambda row: row.verdict is Verdict.STILL),
    ("Failing, not yet confirmed", lambda row: row.verdict is Verdict.UNCONFIRMED),
    ("Recovered", lambda row: row.verdict is Verdict.RECOVERED),
    ("Blocked (bot protection or login; not counted as broken)", lambda row: row.result.status is LinkStatus.BLOCKED),
    ("Redirected", lambda row: row.result.status is LinkStatus.REDIRECTED and not routine_doi(row.result)),
)
HTTPS_UPGRADES = ("Could use https", lambda row: row.result.suggestion is Suggestion.HTTPS)
DOI_HOSTS = ("doi.org", "dx.doi.org")
# Inline Markdown that text from the web or the curation file could otherwise start: code, emphasis,
# links and images, raw HTML and autolinks, entities, strikethrough, and table cells.
MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|!&~])")
LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")  # control characters end a table row


@dataclass(frozen=True)
class ResourceRef:
    """The resource of the dataset that links to a URL."""

    id: str
    title: str
    section: str


@dataclass(frozen=True)
class LinkRow:
    """One checked URL: its result, its state once the run is committed, and the resources that use it."""

    result: LinkResult
    state: LinkHealth
    resources: tuple[ResourceRef, ...]
    archived: Snapshot | None = None  # the closest archived copy of a failing URL: a suggestion, never a replacement

    @functools.cached_property  # each report section asks it of every row
    def verdict(self) -> Verdict | None:
        return verdict(self.state)


@dataclass(frozen=True)
class LinkStats:
    """Everything a report says, gathered once."""

    checked_at: str
    elapsed: float
    confirm_after: int
    fail_on: str
    counts: dict[str, int]
    rows: tuple[LinkRow, ...]

    # Figures each report states more than once, each worked out in one pass over the rows.
    @functools.cached_property
    def resource_count(self) -> int:
        return len({ref.id for row in self.rows for ref in row.resources})

    @functools.cached_property
    def verdicts(self) -> dict[Verdict, int]:
        counted = Counter(row.verdict for row in self.rows)
        return {which: counted[which] for which in Verdict}

    @functools.cached_property
    def failing(self) -> int:
        return sum(row.result.failing for row in self.rows)

    @functools.cached_property
    def sections(self) -> dict[str, tuple[LinkRow, ...]]:
        """The rows of each report section, by its title (a row may be in several)."""
        return {title: tuple(filter(keep, self.rows)) for title, keep in (*SECTIONS, HTTPS_UPGRADES)}

    @property
    def alarm(self) -> bool:
        """Whether the run should exit 1, as --fail-on says."""
        if self.fail_on == "new":
            return self.verdicts[Verdict.NEW] > 0
        if self.fail_on == "any":
            return self.failing > 0
        return False


def gather(rows: Sequence[LinkRow], *, checked_at: str, elapsed: float, confirm_after: int, fail_on: str) -> LinkStats:
    """LinkStats of rows in report order, with the count of each status."""
    counted = Counter(row.result.status for row in rows)
    counts = {str(status): counted[status] for status in LinkStatus}
    return LinkStats(checked_at, round(elapsed, 1), confirm_after, fail_on, counts, tuple(rows))


def status_text(result: LinkResult) -> str:
    """`broken (http-404)`, `timeout (deadline)`, `ok`, `soft-404: why`: the slug and what lies behind it."""
    if result.status is LinkStatus.SOFT_404:
        return f"{result.status}: {result.detail}"
    return f"{result.status} ({result.error})" if result.error else str(result.status)


def suggestion_text(row: LinkRow, address, text) -> str:
    """What to consider instead of the URL: a permanent move or https twin, and an archived copy of a failing link."""
    parts = []
    if row.result.suggested_url:
        parts.append(f"{address(row.result.suggested_url)} ({text(row.result.suggestion or 'moved-permanently')})")
    if row.archived:
        parts.append(f"archived copy of {text(row.archived.date)}: {address(row.archived.url)}")
    return "; ".join(parts)


def since_text(row: LinkRow) -> str:
    if row.verdict is Verdict.RECOVERED:
        return f"recovered after {row.state.previous_failing_runs} failing run(s)"
    if row.state.broken_since:
        return f"since {row.state.broken_since[:10]} ({row.state.failing_runs} run(s))"
    return ""


def summary_line(stats: LinkStats) -> str:
    counts = ", ".join(f"{n} {slug}" for slug, n in stats.counts.items())
    return f"{len(stats.rows)} URLs of {stats.resource_count} resources checked in {stats.elapsed:g} s: {counts}."


def alarm_line(stats: LinkStats) -> str:
    new, failing = stats.verdicts[Verdict.NEW], stats.failing
    verdict_text = "ALARM" if stats.alarm else "no alarm"
    return (
        f"{verdict_text} (--fail-on {stats.fail_on}): {new} newly broken, {failing} failing now; "
        f"a URL is newly broken after {stats.confirm_after} failing run(s) in a row."
    )


COLUMNS = ("resource", "section", "id", "URL", "status", "since", "suggested URL")


def table(rows: Sequence[LinkRow], address, text) -> list[tuple[str, ...]]:
    """The cells of a report table, one line per (URL, resource that uses it): a URL no resource names still
    gets a line. `address` and `text` write an address and other text as the report needs them escaped."""
    return [
        (
            *((text(ref.title), text(ref.section), text(ref.id)) if ref else ("", "", "")),
            address(row.result.url),
            text(status_text(row.result)),
            text(since_text(row)),
            suggestion_text(row, address, text),
        )
        for row in rows
        for ref in (row.resources or (None,))
    ]


def md_cell(text: str) -> str:
    """A table cell that stays text: no link, image, emphasis, code or HTML, and no line or cell break."""
    return MD_SPECIAL.sub(r"\\\1", LINE_BREAKS.sub(" ", text))


def to_markdown(stats: LinkStats) -> str:
    """The report for an e-mail or an issue."""
    lines = [f"# Link check {stats.checked_at}", "", summary_line(stats), "", alarm_line(stats)]
    titles = [title for title, _ in SECTIONS] + [HTTPS_UPGRADES[0]] * bool(stats.sections[HTTPS_UPGRADES[0]])
    for title in titles:
        found = stats.sections[title]
        lines += ["", f"## {title} ({len(found)})", ""]
        if not found:
            lines.append("None.")
            continue
        lines += ["| " + " | ".join(COLUMNS) + " |", "|---" * len(COLUMNS) + "|"]
        lines += ["| " + " | ".join(cells) + " |" for cells in table(found, md_cell, md_cell)]
    return "\n".join(lines) + "\n"


def row_record(row: LinkRow) -> dict:
    """Every field of the result (the slugs are str enums), with the row's own (`compact_json` sorts the keys)."""
    return vars(row.result) | {  # shallow: asdict's deep copies took 40 % of this report's time
        "archived": {"url": row.archived.url, "date": row.archived.date} if row.archived else None,
        "verdict": row.verdict,
        "failing_runs": row.state.failing_runs,
        "broken_since": row.state.broken_since,
        "resources": [vars(ref) for ref in row.resources],
    }


def to_json(stats: LinkStats) -> str:
    """Every result, machine-readable, with stable slugs."""
    report = {
        "checked_at": stats.checked_at,
        "elapsed": stats.elapsed,
        "fail_on": stats.fail_on,
        "confirm_after": stats.confirm_after,
        "alarm": stats.alarm,
        "counts": stats.counts,
        "verdicts": stats.verdicts,
        "urls": len(stats.rows),
        "resources": stats.resource_count,
        "results": [JsonText(compact_json(row_record(row))) for row in stats.rows],
    }
    return json_with_rows(report, "results")


def link(url: str) -> str:
    """A link only for http(s) URLs: a `javascript:` address from the data must never become clickable."""
    if url.lower().startswith(("http://", "https://")):
        return f'<a href="{escape(url)}">{escape(url)}</a>'
    return escape(url)


HTML_HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }}
td a {{ word-break: break-all; }}
.alarm {{ color: #a00; font-weight: bold; }}
</style>
</head>
<body>
"""


def to_html(stats: LinkStats) -> str:
    """The same report for people; every value escaped."""
    title = f"Link check {stats.checked_at}"
    parts = [
        HTML_HEAD.format(title=escape(title)),
        f"<h1>{escape(title)}</h1>",
        f"<p>{escape(summary_line(stats))}</p>",
        f'<p class="{"alarm" if stats.alarm else "calm"}">{escape(alarm_line(stats))}</p>',
    ]
    sections = {**stats.sections, "All links": stats.rows}  # the HTML report lists every result, like the JSON
    for heading, found in sections.items():
        parts.append(f"<h2>{escape(heading)} ({len(found)})</h2>")
        if not found:
            parts.append("<p>None.</p>")
            continue
        parts.append("<table>\n<tr><th>" + "</th><th>".join(COLUMNS) + "</th></tr>")
        parts += ["<tr><td>" + "</td><td>".join(cells) + "</td></tr>" for cells in table(found, link, escape)]
        parts.append("</table>")
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


def report_files(stats: LinkStats) -> dict[str, bytes]:
    """The three reports for people who look them up, by file name (the mail is `pipeline.linkcheck.mail`)."""
    return {
        LINK_REPORT_MD: to_markdown(stats).encode("utf-8"),
        LINK_REPORT_JSON: to_json(stats).encode("utf-8"),
        LINK_REPORT_HTML: to_html(stats).encode("utf-8"),
    }


def routine_doi(result: LinkResult) -> bool:
    """A DOI that leads to its publisher's page, as every DOI does: nothing to act on (the JSON keeps it)."""
    return result.status is LinkStatus.REDIRECTED and (urlsplit(result.url).hostname or "") in DOI_HOSTS
