"""Stage 3: check the resources table against its pandera model, lazily, so one run reports every problem."""

import json
from dataclasses import asdict, dataclass

import pandas as pd
import pandera.pandas as pa
from pandera.typing import DataFrame

from pipeline.findings import Slug
from schemas.resource import PROVENANCE_COLUMNS, Resource

# The catalogue's slug for each kind of check; the check's own name stays in the finding.
SCHEMA_SLUGS = {
    "column_in_dataframe": Slug.SCHEMA_MISSING_COLUMN,
    "not_nullable": Slug.SCHEMA_MISSING_VALUE,
    "dtype": Slug.SCHEMA_WRONG_TYPE,
    "coerce_dtype": Slug.SCHEMA_WRONG_TYPE,
    "field_uniqueness": Slug.SCHEMA_DUPLICATE,
    "unique": Slug.SCHEMA_DUPLICATE,
    "isin": Slug.SCHEMA_NOT_ALLOWED,
    "tags_in_vocabulary": Slug.SCHEMA_NOT_ALLOWED,
    "audience_in_vocabulary": Slug.SCHEMA_NOT_ALLOWED,
    "str_matches": Slug.SCHEMA_PATTERN,
    "str_length": Slug.SCHEMA_OUT_OF_RANGE,
    "greater_than_or_equal_to": Slug.SCHEMA_OUT_OF_RANGE,
    "in_range": Slug.SCHEMA_OUT_OF_RANGE,
    "visible_text_within_limits": Slug.SCHEMA_OUT_OF_RANGE,
    "fits_a_qr_code": Slug.SCHEMA_OUT_OF_RANGE,
    "isbn13_digits": Slug.SCHEMA_PATTERN,
    "list_of_text": Slug.SCHEMA_WRONG_TYPE,
    "single_line_visible_text": Slug.SCHEMA_UNSAFE_TEXT,
    "items_single_line_visible_text": Slug.SCHEMA_UNSAFE_TEXT,
    "list_items_splittable": Slug.SCHEMA_UNSAFE_TEXT,
    "no_capture_debris": Slug.SCHEMA_CAPTURE_DEBRIS,
}


@dataclass(frozen=True)
class SchemaFinding:
    """One value (or one missing column) that breaks the schema; `line` is the entry's first line in the guide."""

    slug: Slug
    entry: str
    line: int
    column: str
    check: str
    value: str


def validate_resources(frame: pd.DataFrame) -> tuple[DataFrame[Resource] | None, list[SchemaFinding]]:
    """The validated table (without the provenance columns), or None and every failure found."""
    published = frame.drop(columns=[name for name in PROVENANCE_COLUMNS if name in frame.columns])
    try:
        return Resource.validate(published, lazy=True), []
    except pa.errors.SchemaErrors as errors:
        return None, schema_findings(errors.failure_cases, frame)


def schema_findings(failures: pd.DataFrame, frame: pd.DataFrame) -> list[SchemaFinding]:
    ids = frame["id"].tolist() if "id" in frame.columns else []
    lines = frame["line"].tolist() if "line" in frame.columns else []
    findings = []
    for failure in failures.itertuples(index=False):
        row = failure.index
        entry = str(ids[row]) if isinstance(row, int) and row < len(ids) else "(table)"
        line = int(lines[row]) if isinstance(row, int) and row < len(lines) and is_line(lines[row]) else 0
        column = failure.column if failure.schema_context == "Column" else str(failure.failure_case)
        check = str(failure.check).split("(")[0]
        value = "" if failure.schema_context != "Column" else str(failure.failure_case)
        slug = SCHEMA_SLUGS.get(check, Slug.SCHEMA_CHECK)
        findings.append(SchemaFinding(slug, entry, line, column=str(column), check=check, value=value))
    return sorted(findings, key=lambda f: (f.entry, f.column, f.check))


def is_line(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def format_findings(findings: list[SchemaFinding]) -> str:
    """A plain-text table, one finding a line."""
    headers = ("entry", "column", "check", "value")
    rows = [(f.entry, f.column, f.check, shorten(f.value)) for f in findings]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [headers, *rows]
    ]
    return "\n".join(lines)


def findings_json(findings: list[SchemaFinding]) -> str:
    report = {"valid": not findings, "errors": [asdict(f) for f in findings]}
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def shorten(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
