"""Link health apart from content: the link-health table (CSV, JSON) and its place in the data package.

The nightly link check's findings are not part of a version: `build` rewrites these files from the latest
link-status file, and the versioned files (resources.csv, resources.json, citations) never hold them.
"""

import pandas as pd
from pandera.typing import DataFrame

from pipeline import export
from pipeline.config import LINK_HEALTH_CSV, LINK_HEALTH_JSON
from pipeline.link_health import LinkHealth, health_for, last_checked, link_state
from schemas.link_health import LinkHealthRow


def link_health_table(resources: pd.DataFrame, health: dict[str, LinkHealth]) -> DataFrame[LinkHealthRow]:
    """One row per resource with an address, in the guide's order: its state, since when it fails, when checked."""
    rows = []
    for identifier, url in zip(resources["id"], resources["url"], strict=True):
        if not isinstance(url, str):
            continue
        found = health_for(health, url)
        failing_since = found.broken_since[:10] if found and found.broken_since else None
        rows.append(
            {
                "id": identifier,
                "url": url,
                "status": str(link_state(health, url)),
                "since": failing_since,
                "checked": found.checked_on if found else None,
            }
        )
    frame = pd.DataFrame(rows, columns=list(LinkHealthRow.to_schema().columns), dtype=object)
    return LinkHealthRow.validate(frame)


def link_health_files(table: DataFrame[LinkHealthRow]) -> dict[str, bytes]:
    return {LINK_HEALTH_CSV: export.to_csv(table), LINK_HEALTH_JSON: export.to_json(table)}


def checked_on(health: dict[str, LinkHealth]) -> str | None:
    """The date of the latest check the table reports (None before the first)."""
    latest = last_checked(health)
    return latest[:10] if latest else None


def package_resources() -> tuple[dict, ...]:
    """The link-health table in the data package: a resource of its own, with no size or hash (it changes
    nightly and is no part of the version), its `id` a foreign key to the resources table."""
    schema = export.table_schema(LinkHealthRow)
    schema["foreignKeys"] = [{"fields": "id", "reference": {"resource": "resources", "fields": "id"}}]
    nightly = "Rewritten after every link check; not part of the dataset's version (its size and hash change nightly)."
    return (
        {
            "name": "link-health",
            "path": LINK_HEALTH_CSV,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8-sig",
            "description": "What the nightly link check last found at each resource's address. " + nightly,
            "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": True},
            "schema": schema,
        },
        {
            "name": "link-health-json",
            "path": LINK_HEALTH_JSON,
            "profile": "data-resource",
            "format": "json",
            "mediatype": "application/json",
            "encoding": "utf-8",
            "description": "The same rows as link-health.csv; missing values are null. " + nightly,
        },
    )
