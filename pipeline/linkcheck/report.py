"""Link-check reports: results gathered once into LinkStats, then small pure formatters (Markdown, JSON, HTML)."""

from __future__ import annotations

import functools
import html
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from pipeline.config import LINK_REPORT_HTML, LINK_REPORT_JSON, LINK_REPORT_MD, LINK_REPORT_TXT
from pipeline.linkcheck.archive import Snapshot
from pipeline.linkcheck.health import LinkHealth
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
ALL_LINKS = ("All links", lambda row: True)  # the HTML report lists every result, like the JSON
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
    state: LinkHealth | None
    resources: tuple[ResourceRef, ...]
    archived: Snapshot | None = None  # the closest archived copy of a failing URL: a suggestion, never a replacement

    @property
    def verdict(self) -> Verdict | None:
        return verdict(self.state) if self.state else None

    @property
    def failing_runs(self) -> int:
        return self.state.failing_runs if self.state else int(self.result.failing)

    @property
    def broken_since(self) -> str | None:
        return self.state.broken_since if self.state else None


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

    def count(self, which: Verdict) -> int:
        return self.verdicts[which]

    @functools.cached_property
    def failing(self) -> int:
        return sum(row.result.failing for row in self.rows)

    @functools.cached_property
    def sections(self) -> dict[str, tuple[LinkRow, ...]]:
        """The rows of each report section, by its title (a row may be in several)."""
        return {
            title: tuple(row for row in self.rows if keep(row))
            for title, keep in (*SECTIONS, HTTPS_UPGRADES, ALL_LINKS)
        }

    @property
    def alarm(self) -> bool:
        """Whether the run should exit 1, as --fail-on says."""
        if self.fail_on == "new":
            return self.count(Verdict.NEW) > 0
        if self.fail_on == "any":
            return self.failing > 0
        return False


def summarise(
    results: Sequence[LinkResult],
    states: Mapping[str, LinkHealth],
    resources: Mapping[str, Sequence[ResourceRef]],
    *,
    checked_at: str,
    elapsed: float,
    confirm_after: int,
    fail_on: str,
    snapshots: Mapping[str, Snapshot] | None = None,
) -> LinkStats:
    """Gather results, their history states, the resources that use each URL and archived copies into LinkStats."""
    snapshots = snapshots or {}
    rows = [
        LinkRow(result, states.get(result.url), tuple(resources.get(result.url, ())), snapshots.get(result.url))
        for result in results
    ]
    return gather(rows, checked_at=checked_at, elapsed=elapsed, confirm_after=confirm_after, fail_on=fail_on)


def gather(rows: Sequence[LinkRow], *, checked_at: str, elapsed: float, confirm_after: int, fail_on: str) -> LinkStats:
    """LinkStats of rows in report order, with the count of each status."""
    counts = {str(status): 0 for status in LinkStatus}
    for row in rows:
        counts[str(row.result.status)] += 1
    return LinkStats(checked_at, round(elapsed, 1), confirm_after, fail_on, counts, tuple(rows))


def status_text(result: LinkResult) -> str:
    """`broken (http-404)`, `timeout (deadline)`, `ok`, `soft-404: why`: the slug and what lies behind it."""
    if result.status is LinkStatus.SOFT_404:
        return f"{result.status}: {result.detail}"
    return f"{result.status} ({result.error})" if result.error else str(result.status)


def suggestion_text(row: LinkRow) -> str:
    """What to consider instead of the URL: a permanent move or https twin, and an archived copy of a failing link."""
    parts = []
    if row.result.suggested_url:
        parts.append(f"{row.result.suggested_url} ({row.result.suggestion or 'moved-permanently'})")
    if row.archived:
        parts.append(f"archived copy of {row.archived.date}: {row.archived.url}")
    return "; ".join(parts)


def suggestion_html(row: LinkRow) -> str:
    parts = []
    if row.result.suggested_url:
        parts.append(f"{link(row.result.suggested_url)} ({esc(row.result.suggestion or 'moved-permanently')})")
    if row.archived:
        parts.append(f"archived copy of {esc(row.archived.date)}: {link(row.archived.url)}")
    return "; ".join(parts)


def since_text(row: LinkRow) -> str:
    if row.verdict is Verdict.RECOVERED:
        return f"recovered after {row.state.previous_failing_runs if row.state else 0} failing run(s)"
    if row.broken_since:
        return f"since {row.broken_since[:10]} ({row.failing_runs} run(s))"
    return ""


def summary_line(stats: LinkStats) -> str:
    counts = ", ".join(f"{n} {slug}" for slug, n in stats.counts.items())
    return f"{len(stats.rows)} URLs of {stats.resource_count} resources checked in {stats.elapsed:g} s: {counts}."


def alarm_line(stats: LinkStats) -> str:
    new, failing = stats.count(Verdict.NEW), stats.failing
    verdict_text = "ALARM" if stats.alarm else "no alarm"
    return (
        f"{verdict_text} (--fail-on {stats.fail_on}): {new} newly broken, {failing} failing now; "
        f"a URL is newly broken after {stats.confirm_after} failing run(s) in a row."
    )


def table_rows(rows: Sequence[LinkRow]) -> list[tuple[LinkRow, ResourceRef | None]]:
    """One line per (URL, resource that uses it); a URL no resource names still gets a line."""
    return [(row, ref) for row in rows for ref in (row.resources or (None,))]


def md_cell(text: object) -> str:
    """A table cell that stays text: no link, image, emphasis, code or HTML, and no line or cell break."""
    text = LINE_BREAKS.sub(" ", str(text if text is not None else ""))
    return MD_SPECIAL.sub(r"\\\1", text)


def to_markdown(stats: LinkStats) -> str:
    """The report for an e-mail or an issue."""
    lines = [f"# Link check {stats.checked_at}", "", summary_line(stats), "", alarm_line(stats)]
    titles = [title for title, _ in SECTIONS] + [HTTPS_UPGRADES[0]] * bool(stats.sections[HTTPS_UPGRADES[0]])
    for title in titles:
        found = table_rows(stats.sections[title])
        lines += ["", f"## {title} ({len({row.result.url for row, _ in found})})", ""]
        if not found:
            lines.append("None.")
            continue
        lines += ["| resource | section | id | URL | status | since | suggested URL |", "|---|---|---|---|---|---|---|"]
        for row, ref in found:
            cells = (
                ref.title if ref else "",
                ref.section if ref else "",
                ref.id if ref else "",
                row.result.url,
                status_text(row.result),
                since_text(row),
                suggestion_text(row),
            )
            lines.append("| " + " | ".join(md_cell(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def row_record(row: LinkRow) -> dict:
    result = row.result
    return {
        "url": result.url,
        "status": str(result.status),
        "code": result.code,
        "error": result.error,
        "detail": result.detail,
        "final_url": result.final_url,
        "suggested_url": result.suggested_url,
        "suggestion": str(result.suggestion) if result.suggestion else None,
        "archived": {"url": row.archived.url, "date": row.archived.date} if row.archived else None,
        "elapsed": result.elapsed,
        "attempts": result.attempts,
        "verdict": str(row.verdict) if row.verdict else None,
        "failing_runs": row.failing_runs,
        "broken_since": row.broken_since,
        "resources": [{"id": ref.id, "title": ref.title, "section": ref.section} for ref in row.resources],
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
        "verdicts": {str(which): n for which, n in stats.verdicts.items()},
        "urls": len(stats.rows),
        "resources": stats.resource_count,
        "results": [JsonText(compact_json(row_record(row))) for row in stats.rows],
    }
    return json_with_rows(report, "results")


def esc(value: object) -> str:
    return html.escape(str(value if value is not None else ""), quote=True)


def link(url: str | None) -> str:
    """A link only for http(s) URLs: a `javascript:` address from the data must never become clickable."""
    if not url:
        return ""
    if url.lower().startswith(("http://", "https://")):
        return f'<a href="{esc(url)}">{esc(url)}</a>'
    return esc(url)


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
        HTML_HEAD.format(title=esc(title)),
        f"<h1>{esc(title)}</h1>",
        f"<p>{esc(summary_line(stats))}</p>",
        f'<p class="{"alarm" if stats.alarm else "calm"}">{esc(alarm_line(stats))}</p>',
    ]
    for heading, found in stats.sections.items():
        parts.append(f"<h2>{esc(heading)} ({len({row.result.url for row in found})})</h2>")
        if not found:
            parts.append("<p>None.</p>")
            continue
        parts.append(
            "<table>\n<tr><th>resource</th><th>section</th><th>id</th><th>URL</th><th>status</th>"
            "<th>since</th><th>suggested URL</th></tr>"
        )
        parts.extend(html_line(row, ref) for row in found for ref in row.resources or (None,))
        parts.append("</table>")
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


def html_line(row: LinkRow, ref: ResourceRef | None) -> str:
    cells = (
        esc(ref.title if ref else ""),
        esc(ref.section if ref else ""),
        esc(ref.id if ref else ""),
        link(row.result.url),
        esc(status_text(row.result)),
        esc(since_text(row)),
        suggestion_html(row),
    )
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def report_files(stats: LinkStats, edits: Mapping[str, str] | None = None) -> dict[str, bytes]:
    """The four reports by file name, ready for `pipeline.publish.publish`; `edits` as `to_text` takes them."""
    return {
        LINK_REPORT_TXT: to_text(stats, edits or {}).encode("utf-8"),
        LINK_REPORT_MD: to_markdown(stats).encode("utf-8"),
        LINK_REPORT_JSON: to_json(stats).encode("utf-8"),
        LINK_REPORT_HTML: to_html(stats).encode("utf-8"),
    }


def routine_doi(result: LinkResult) -> bool:
    """A DOI that leads to its publisher's page, as every DOI does: nothing to act on (the JSON keeps it)."""
    return result.status is LinkStatus.REDIRECTED and (urlsplit(result.url).hostname or "") in DOI_HOSTS


# ---- the plain-text mail: what a person reads in a mail client, and acts on ----------------------

WORDS = {
    "http-404": "not found (HTTP 404)",
    "http-410": "gone (HTTP 410)",
    "dns-failure": "the site's name does not resolve",
    "dns-timeout": "the site's name did not resolve in time",
    "connection-refused": "the server refused the connection",
    "connection-error": "the connection failed",
    "connect-timeout": "no server answered",
    "tls-error": "the site's certificate or encryption failed",
    "timeout": "the server did not answer in time",
    "deadline": "the server did not finish answering in time",
    "redirect-loop": "it redirects in a loop",
    "too-many-redirects": "too many redirects",
    "private-redirect": "it redirects into a private network",
    "bad-redirect": "it redirects to an address that cannot be opened",
    "malformed-url": "not a valid web address",
    "unsupported-scheme": "not a web address",
}


def status_words(result: LinkResult) -> str:
    """The status as a person says it: "not found (HTTP 404)", "server error (HTTP 503)"."""
    if result.status is LinkStatus.SOFT_404:
        return f'a "not found" page sent as if all were well: {result.detail}'
    if result.error in WORDS:
        return WORDS[result.error]
    if result.code and result.code >= 500:
        return f"server error (HTTP {result.code})"
    return f"HTTP {result.code}" if result.code else str(result.status)


def text_entry(number: int, row: LinkRow, edits: Mapping[str, str]) -> list[str]:
    """One newly broken link: what it is, where it failed, why, since when, what to use, what to edit."""
    result, refs = row.result, row.resources or (ResourceRef("", "(no resource of the dataset)", ""),)
    lines = [""]
    for ref in refs:
        lines += (
            [f"{number}. {ref.title}", f"   Section: {ref.section}"] if ref is refs[0] else [f"   Also: {ref.title}"]
        )
    lines += ["   Address:", f"     {result.url}"]
    if result.final_url and result.final_url != result.url:
        lines += ["   The page that failed, behind it:", f"     {result.final_url}"]
    lines.append(f"   Status: {status_words(result)}")
    if row.broken_since:
        lines.append(f"   Failing since: {row.broken_since[:10]} ({row.failing_runs} checks in a row)")
    if row.archived:
        lines += [f"   Archived copy of {row.archived.date}:", f"     {row.archived.url}"]
    else:
        lines.append("   Archived copy: none found")
    if result.suggested_url:
        lines += [f"   Suggested address ({result.suggestion}):", f"     {result.suggested_url}"]
    lines += [f"   Edit: {edits.get(ref.id, 'no curation record names this resource')}" for ref in refs if ref.id]
    return lines


def to_text(stats: LinkStats, edits: Mapping[str, str]) -> str:
    """The mail: the alarm in one line, each newly broken link in full, then the counts of the rest.

    Plain text for any mail client: no tables, nothing escaped, every address whole on a line of its own.
    `edits` says, by resource id, which line of the curation file to edit."""
    new = stats.sections["Newly broken"]
    lines = [f"Link check {stats.checked_at}: {alarm_line(stats)}"]
    for number, row in enumerate(new, start=1):
        lines += text_entry(number, row, edits)
    if new:
        lines += ["", "After editing the curation file, run `mentor-guide build` again: the nightly rebuild has"]
        lines += ["put tonight's marks in the handbook and the web edition, the build puts your change there."]
    lines += ["", "The rest:"]
    for title, _ in SECTIONS[1:]:
        lines.append(f"  {title}: {len(stats.sections[title])}")
    if routine := sum(routine_doi(row.result) for row in stats.rows):
        lines.append(f"  DOIs that lead to their publisher's page, as they should (in the JSON report): {routine}")
    upgrades = stats.sections[HTTPS_UPGRADES[0]]
    lines.append(f"  {HTTPS_UPGRADES[0]}: {len(upgrades)}")
    for row in upgrades:
        lines += [f"    {row.result.url}", "      could be", f"    {row.result.suggested_url}"]
    lines += ["", summary_line(stats)]
    return "\n".join(LINE_BREAKS.sub(" ", line) for line in lines) + "\n"
