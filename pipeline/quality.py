"""The data-quality report: how complete the curated facts are, and what is missing or unconfirmed."""

import json
from dataclasses import asdict, dataclass, field

import pandas as pd

from pipeline.findings import Finding, Slug


@dataclass(frozen=True)
class QualityReport:
    """Counts of the curated facts, the ids missing each one, and every finding of normalise."""

    entries: int
    curated: int
    with_title: int
    with_url: int
    with_doi: int
    with_creators: int
    missing: dict[str, list[str]] = field(default_factory=dict)  # what → ids of the resources without it
    unconfirmed: dict[str, str] = field(default_factory=dict)  # id → the note saying what is not confirmed
    findings: list[Finding] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # id → first line of its entry in the raw guide


def quality_report(
    resources: pd.DataFrame, findings: list[Finding], lines: dict[str, int] | None = None
) -> QualityReport:
    """How complete the curated facts are, and what is missing or unconfirmed."""

    def ids(mask) -> list[str]:
        return resources.loc[mask, "id"].tolist()

    devised = list(dict.fromkeys(f.entry for f in findings if f.slug == Slug.DEVISED_TITLE))
    return QualityReport(
        entries=len(resources),
        curated=int(resources["curated"].sum()),
        with_title=len(resources) - len(devised),
        with_url=int(resources["url"].notna().sum()),
        with_doi=int(resources["doi"].notna().sum()),
        with_creators=int(resources["creators"].map(bool).sum()),
        missing={
            "curation": ids(~resources["curated"]),
            "title": devised,
            "url": ids(resources["url"].isna()),
            "creators": ids(~resources["creators"].map(bool)),
            "doi_for_journal_articles": ids((resources["type"] == "journal-article") & resources["doi"].isna()),
        },
        unconfirmed={str(row.id): row.note for row in resources.itertuples() if isinstance(row.note, str)},
        findings=list(findings),
        lines=dict(lines or {}),
    )


def quality_json(report: QualityReport) -> bytes:
    """The report as published in `data-quality.json`."""
    return (json.dumps(asdict(report), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def format_quality(report: QualityReport) -> str:
    """The report's summary for the terminal: counts, what is missing, and the repaired fragments."""
    lines = [
        f"{report.entries} resources: {report.curated} curated, {report.with_title} with a known title, "
        f"{report.with_url} with a URL, "
        f"{report.with_doi} with a DOI, {report.with_creators} with creators"
    ]
    for what, missing in report.missing.items():
        if missing:
            lines.append(f"  missing {what.replace('_', ' ')} ({len(missing)}): {', '.join(missing)}")
    for finding in report.findings:
        if finding.slug in (Slug.DANGLING_FRAGMENT_REPAIRED, Slug.DANGLING_FRAGMENT_REMOVED):
            lines.append(f"  {finding.slug}: {finding.entry}: {finding.message}")
    return "\n".join(lines)
