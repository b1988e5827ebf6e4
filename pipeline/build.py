"""The build: every stage in order, then one atomic publish. The CLI is a thin layer over these functions."""

import datetime as dt
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
from pandera.typing import DataFrame

from pipeline import citations, config, export, handbook, link_health_table, marc, metadata, releases, site
from pipeline.curation import Curation, read_curation
from pipeline.errors import PipelineError, ValidationFailed
from pipeline.ingest import Guide, read_guide
from pipeline.link_health import LinkHealth, read_link_health
from pipeline.locking import exclusive
from pipeline.normalise import WARNINGS, normalise
from pipeline.publish import LOCK_WAIT, publish, write_atomic
from pipeline.quality import QualityReport, quality_json, quality_report
from pipeline.validate import findings_json, format_findings, validate_resources
from schemas.resource import Resource

log = logging.getLogger("mentor_guide")


@dataclass(frozen=True)
class Paths:
    raw: Path = config.RAW_GUIDE
    curation: Path = config.CURATION
    out: Path = config.OUTPUT_DIR
    processed: Path = config.PROCESSED_DIR
    link_status: Path = config.LINK_STATUS
    releases: Path = field(default_factory=lambda: config.RELEASES_DIR)  # looked up when made: tests redirect it


@dataclass(frozen=True)
class Prepared:
    """Everything the outputs are made from, checked."""

    guide: Guide
    curation: Curation
    resources: DataFrame[Resource]
    quality: QualityReport  # with the findings a person should know
    history: list[releases.Snapshot] = field(default_factory=list)  # recorded releases up to this one
    new_release: bool = False  # this version is not recorded yet: build records it
    link_health: dict[str, LinkHealth] = field(default_factory=dict)


def build_date(curation: Curation) -> dt.datetime:
    """The edition's date: SOURCE_DATE_EPOCH when set, else the curation file's `updated` date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        except (ValueError, OverflowError):
            raise PipelineError(
                f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds", hint="unset it or give an integer"
            ) from None
    updated = curation.dataset.updated
    return dt.datetime(updated.year, updated.month, updated.day, tzinfo=dt.UTC)


def quiet(stage: str) -> None:
    """Progress that goes nowhere: the default when nobody is watching."""


def prepare(
    paths: Paths, *, strict: bool = False, site_url: str | None = None, progress: Callable[[str], None] = quiet
) -> Prepared:
    """Ingest, normalise and validate; raises ValidationFailed with every schema problem.

    `site_url`, where the web edition is served, overrides the curation file's `site_url`."""
    progress("reading the guide and the curation file")
    guide = read_guide(paths.raw)
    curation = read_curation(paths.curation)
    if site_url:
        curation = replace(curation, dataset=replace(curation.dataset, site_url=site_url))
    progress(f"normalising {len(guide.entries):,} entries")
    frame: pd.DataFrame
    frame, findings = normalise(guide.entries, curation, strict=strict)
    link_health = read_link_health(paths.link_status)
    progress(f"validating {len(frame):,} resources")
    validated, problems = validate_resources(frame)
    write_validation_report(paths.processed, findings_json(problems))
    if problems:
        raise ValidationFailed(
            f"{len(problems)} schema problem{'s' if len(problems) > 1 else ''} in the normalised data; "
            f"nothing was published:\n{format_findings(problems)}",
            path=paths.curation,
            hint="correct the curation records named above "
            f"(full report: {paths.processed / config.VALIDATION_REPORT})",
        )
    assert validated is not None  # no problem: the table passed validation
    lines = dict(zip(frame["id"], (int(line) for line in frame["line"]), strict=True))
    write_processed(paths.processed, config.PROVENANCE_NAME, provenance_json(paths.raw, lines))
    for finding in findings:
        if finding.slug in WARNINGS:
            where = paths.curation if WARNINGS[finding.slug] == "curation" else paths.raw
            log.warning("%s:%d: %s: %s", where, finding.line, finding.entry, finding.message)
    content = releases.published_content(export.records(validated))
    current = releases.Snapshot(curation.dataset.version, curation.dataset.updated.isoformat(), content)  # its date
    history, new_release = releases.place_release(paths.releases, current, paths.curation)
    if new_release and len(history) > 1 and history[-2].date == current.date:
        updated_line = f"{paths.curation}:{releases.key_line(paths.curation, 'updated')}"
        previous = f"release {history[-2].version} ({current.date})"
        log.warning(
            "%s: release %s has the same date as %s: is `updated` the date of this release?",
            updated_line,
            current.version,
            previous,
        )
    quality = quality_report(validated, findings, lines)
    return Prepared(guide, curation, validated, quality, history, new_release, link_health)


def provenance_json(raw: Path, lines: dict[str, int]) -> str:
    """Where each resource's entry starts in the capture: the build's own provenance, never in a version."""
    return json.dumps({"guide": str(raw), "lines": lines}, ensure_ascii=False, indent=2) + "\n"


def write_validation_report(processed: Path, text: str) -> None:
    write_processed(processed, config.VALIDATION_REPORT, text)


def write_processed(processed: Path, name: str, text: str) -> None:
    """An intermediate file of the build in the processed folder; a failure to write it is only a warning."""
    try:
        processed.mkdir(parents=True, exist_ok=True)
        write_atomic(processed / name, text.encode("utf-8"))
    except (OSError, PipelineError) as error:
        log.warning("could not write %s: %s", processed / name, getattr(error, "problem", error))


def dataset_files(prepared: Prepared, created: dt.datetime) -> dict[str, bytes]:
    """The library's files: CSV, JSON, the data package describing both, citations and the data-quality report."""
    resources = prepared.resources
    files = {config.CSV_NAME: export.to_csv(resources), config.JSON_NAME: export.to_json(resources)}
    files.update(citations.citation_files(resources))
    files.update(marc.marc_files(resources, prepared.curation.dataset.updated))
    info, guide_title, tags = prepared.curation.dataset, prepared.guide.title, metadata.tags_in_use(resources)
    described = metadata.package_metadata(info, guide_title, tags)
    created_at = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    nightly = link_health_table.package_resources()
    files[config.PACKAGE_NAME] = export.datapackage(info, files, created_at, described, nightly)
    files[config.JSONLD_NAME] = metadata.to_jsonld(info, dict(files), created.strftime("%Y-%m-%d"), guide_title, tags)
    files.update(releases.release_files(prepared.history, info.title))
    files[config.QUALITY_NAME] = quality_json(prepared.quality)
    # Last, and apart from the version: the nightly link check's findings (neither hashed nor compared).
    files.update(
        link_health_table.link_health_files(link_health_table.link_health_table(resources, prepared.link_health))
    )
    return files


def render_outputs(
    prepared: Prepared,
    created: dt.datetime,
    *,
    paper: str = config.PAPER,
    link_status: dict[str, LinkHealth] | None = None,
    omit_broken: bool = False,
    progress: Callable[[str], None] = quiet,
) -> dict[str, bytes]:
    progress("writing the dataset files")
    files = dataset_files(prepared, created)
    progress(f"laying out the handbook of {len(prepared.resources):,} resources")
    files[config.PDF_NAME] = handbook.render_handbook(
        prepared.resources,
        prepared.curation.dataset,
        prepared.guide.title,
        created,
        paper=paper,
        link_status=link_status,
        omit_broken=omit_broken,
    )
    # Last, because the landing page lists, sizes and hashes every other output.
    progress("writing the web edition")
    web_edition = site.render_site(
        prepared.resources, prepared.curation.dataset, prepared.guide.title, created, files, link_status=link_status
    )
    return files | web_edition


def build(
    paths: Paths,
    *,
    strict: bool = False,
    paper: str = config.PAPER,
    omit_broken: bool = False,
    wait: float = LOCK_WAIT,
    site_url: str | None = None,
    progress: Callable[[str], None] = quiet,
) -> Prepared:
    """The main job: raw guide + curation → every output, published together as one release or not at all.

    One build at a time per output folder: a second one waits up to `wait` seconds, then stops (Busy).
    """
    with exclusive(paths.out, "the build", wait=wait):
        prepared = prepare(paths, strict=strict, site_url=site_url, progress=progress)
        files = render_outputs(
            prepared,
            build_date(prepared.curation),
            paper=paper,
            link_status=prepared.link_health,
            omit_broken=omit_broken,
            progress=progress,
        )
        # A new version is recorded before the switch that makes it live, and forgotten if the switch fails:
        # a build that stops, however it stops, has published nothing and recorded nothing.
        try:
            if prepared.new_release:  # the librarian commits the snapshot
                releases.record_release(paths.releases, prepared.history[-1])
            progress(f"publishing {len(files)} files to {paths.out}")
            publish(files, paths.out, keep=config.is_link_report, locked=True)
        except BaseException:
            if prepared.new_release:
                releases.forget_release(paths.releases, prepared.history[-1])
            raise
    return prepared
