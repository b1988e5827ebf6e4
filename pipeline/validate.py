"""Stage 3: check the resources table against its pandera model, lazily, so one run reports every problem."""

import json
from dataclasses import asdict, dataclass

import pandas as pd
import pandera.pandas as pa
from pandera.typing import DataFrame

from schemas.resource import Resource


@dataclass(frozen=True)
class SchemaFinding:
    """One value (or one missing column) that breaks the schema."""

    entry: str
    column: str
    check: str
    value: str


def validate_resources(frame: pd.DataFrame) -> tuple[DataFrame[Resource] | None, list[SchemaFinding]]:
    """The validated table, or None and every failure found."""
    try:
        return Resource.validate(frame, lazy=True), []
    except pa.errors.SchemaErrors as errors:
        return None, schema_findings(errors.failure_cases, frame)


def schema_findings(failures: pd.DataFrame, frame: pd.DataFrame) -> list[SchemaFinding]:
    ids = frame["id"].tolist() if "id" in frame.columns else []
    findings = []
    for failure in failures.itertuples(index=False):
        row = failure.index
        entry = str(ids[row]) if isinstance(row, int) and row < len(ids) else "(table)"
        column = failure.column if failure.schema_context == "Column" else str(failure.failure_case)
        check = str(failure.check).split("(")[0]
        value = "" if failure.schema_context != "Column" else str(failure.failure_case)
        findings.append(SchemaFinding(entry=entry, column=str(column), check=check, value=value))
    return sorted(findings, key=lambda f: (f.entry, f.column, f.check))


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
