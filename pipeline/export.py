"""Stage 4: the validated table → CSV, JSON and a Frictionless data package (written by pipeline.publish)."""

import csv
import hashlib
import io
import json

import pandas as pd
import pandera.pandas as pa

from pipeline.config import CSV_NAME, JSON_NAME
from pipeline.curation import DatasetInfo
from schemas.resource import FORMULA_STARTS, LIST_DELIMITER, Resource

FRICTIONLESS_TYPES = {"string": "string", "Int64": "integer", "int64": "integer", "bool": "boolean"}


def plain_value(value):
    """A cell as a JSON value: missing → None, numpy scalars → Python."""
    if isinstance(value, list):
        return value
    if value is None or pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value


def records(resources: pd.DataFrame) -> list[dict]:
    return [{key: plain_value(value) for key, value in row.items()} for row in resources.to_dict(orient="records")]


def neutralise_formula(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def to_csv(resources: pd.DataFrame) -> bytes:
    """RFC 4180 CSV (CRLF), UTF-8 with a byte-order mark so Excel reads it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(resources.columns)
    for row in records(resources):
        writer.writerow(neutralise_formula(csv_cell(value)) for value in row.values())
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return LIST_DELIMITER.join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_json(resources: pd.DataFrame) -> bytes:
    return (json.dumps(records(resources), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def table_schema(model: type[pa.DataFrameModel] = Resource) -> dict:
    """The Frictionless Table Schema of a pandera model, for its CSV (lists as Table Schema `list` fields)."""
    fields = []
    for name, column in model.to_schema().columns.items():
        is_list = (column.metadata or {}).get("list", False)
        field = {"name": name, "title": column.title, "description": column.description}
        if is_list:
            field.update(type="list", delimiter=LIST_DELIMITER, itemType="string")
            field["description"] += " In CSV the items are joined with line breaks, one item a line."
        else:
            field["type"] = FRICTIONLESS_TYPES.get(str(column.dtype), "string")
        constraints: dict[str, object] = {"required": True} if not column.nullable and not is_list else {}
        if column.unique:
            constraints["unique"] = True
        for check in column.checks:
            stats = check.statistics or {}
            if "allowed_values" in stats:
                constraints["enum"] = list(stats["allowed_values"])
            if "pattern" in stats:
                constraints["pattern"] = stats["pattern"].removeprefix("^").removesuffix("$")
            if "min_value" in stats and field["type"] == "integer":
                constraints["minimum"] = stats["min_value"]
            if "max_value" in stats and field["type"] == "integer":
                constraints["maximum"] = stats["max_value"]
            if check.name == "str_length" and stats.get("max_value") is not None:
                constraints["maxLength"] = stats["max_value"]
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    return {"fields": fields, "primaryKey": ["id"], "missingValues": [""]}


def file_facts(data: bytes) -> dict:
    return {"bytes": len(data), "hash": "sha256:" + hashlib.sha256(data).hexdigest()}


def datapackage(
    info: DatasetInfo, files: dict[str, bytes], created: str, described: dict, nightly: tuple[dict, ...] = ()
) -> bytes:
    """The Frictionless Data Package descriptor: the CSV as a tabular resource, the JSON as its twin.

    `described` holds the discovery fields (homepage, keywords, contributors, licences, sources; pipeline.metadata);
    `nightly`, the resources rewritten apart from the version (link health), declared without size or hash.
    """
    package = {
        "profile": "data-package",
        "name": info.name,
        "title": info.title,
        "description": info.description,
        "version": info.version,
        "created": created,
        **described,
        "resources": [
            {
                "name": "resources",
                "path": CSV_NAME,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig",
                **file_facts(files[CSV_NAME]),
                "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": True},
                "schema": table_schema(),
            },
            {
                "name": "resources-json",
                "path": JSON_NAME,
                "profile": "data-resource",
                "format": "json",
                "mediatype": "application/json",
                "encoding": "utf-8",
                **file_facts(files[JSON_NAME]),
                "description": "The same records as resources.csv, in the same order and with the same fields; "
                "list fields are JSON arrays and missing values are null.",
            },
            *nightly,
        ],
    }
    return (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
