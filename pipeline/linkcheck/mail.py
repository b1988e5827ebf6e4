"""The plain-text mail of a night: what a person reads in a mail client, and acts on (README shows one)."""

from __future__ import annotations

from collections.abc import Mapping

from pipeline.linkcheck.report import (
    HTTPS_UPGRADES,
    LINE_BREAKS,
    SECTIONS,
    LinkRow,
    LinkStats,
    ResourceRef,
    alarm_line,
    routine_doi,
    summary_line,
)
from pipeline.linkcheck.status import LinkResult, LinkStatus

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
    lines = ["", f"{number}. {refs[0].title}", f"   Section: {refs[0].section}"]
    lines += [f"   Also: {ref.title}" for ref in refs[1:]]
    lines += ["   Address:", f"     {result.url}"]
    if result.final_url and result.final_url != result.url:
        lines += ["   The page that failed, behind it:", f"     {result.final_url}"]
    lines.append(f"   Status: {status_words(result)}")
    if row.state.broken_since:
        lines.append(f"   Failing since: {row.state.broken_since[:10]} ({row.state.failing_runs} checks in a row)")
    if row.archived:
        lines += [f"   Archived copy of {row.archived.date}:", f"     {row.archived.url}"]
    else:
        lines.append("   Archived copy: none found")
    if result.suggested_url:
        lines += [f"   Suggested address ({result.suggestion}):", f"     {result.suggested_url}"]
    lines += [f"   Edit: {edits.get(ref.id, 'no curation record names this resource')}" for ref in refs if ref.id]
    return lines


def to_text(stats: LinkStats, edits: Mapping[str, str]) -> str:
    """The mail: the alarm in one line, each newly broken link in full, then the counts of the rest; no tables,
    nothing escaped, every address whole on a line of its own. `edits`: the curation file's line, by resource id."""
    new = stats.sections["Newly broken"]
    lines = [f"Link check {stats.checked_at}: {alarm_line(stats)}"]
    for number, row in enumerate(new, start=1):
        lines += text_entry(number, row, edits)
    if new:
        lines += ["", "After editing the curation file, run `mentor-guide build` again: the nightly rebuild has"]
        lines += ["put tonight's marks in the handbook and the web edition, the build puts your change there."]
    lines += ["", "The rest:"]
    lines += [f"  {title}: {len(stats.sections[title])}" for title, _ in SECTIONS[1:]]
    if routine := sum(routine_doi(row.result) for row in stats.rows):
        lines.append(f"  DOIs that lead to their publisher's page, as they should (in the JSON report): {routine}")
    upgrades = stats.sections[HTTPS_UPGRADES[0]]
    lines.append(f"  {HTTPS_UPGRADES[0]}: {len(upgrades)}")
    for row in upgrades:
        lines += [f"    {row.result.url}", "      could be", f"    {row.result.suggested_url}"]
    lines += ["", summary_line(stats)]
    return "\n".join(LINE_BREAKS.sub(" ", line) for line in lines) + "\n"
