"""Export on its own: the validated fixture table → CSV, JSON, Table Schema and data package, read back;
and the small fixture guide's CSV and JSON compared with reviewed golden files."""

import csv
import hashlib
import io
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from pipeline.build import Paths, prepare
from pipeline.curation import read_curation
from pipeline.export import CSV_NAME, JSON_NAME, datapackage, table_schema, to_csv, to_json
from pipeline.validate import validate_resources
from schemas.resource import LIST_DELIMITER, Resource
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def resources(fixture_frame) -> pd.DataFrame:
    validated, problems = validate_resources(fixture_frame)
    assert problems == [] and validated is not None
    return validated


def read_back_csv(data: bytes) -> list[dict]:
    text = data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_is_utf8_with_bom_crlf_and_the_model_columns(resources):
    data = to_csv(resources)
    assert data.startswith("\ufeff".encode())
    assert data.decode("utf-8-sig").split("\r\n", 1)[0].split(",") == list(Resource.to_schema().columns)
    rows = read_back_csv(data)
    assert [row["id"] for row in rows] == resources["id"].tolist()


def test_csv_cells_lists_missing_values_and_booleans(resources):
    rows = {row["id"]: row for row in read_back_csv(to_csv(resources))}
    first = resources.iloc[0]
    row = rows[first["id"]]
    assert row["tags"].split(LIST_DELIMITER) == first["tags"]
    assert row["doi"] == ""  # missing → empty cell
    assert row["title_known"] == "true" and row["curated"] == "true"
    assert row["year"] == str(first["year"]) and row["position"] == str(first["position"])


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_csv_neutralises_cells_a_spreadsheet_would_run(resources, start):
    frame = resources.copy()
    frame.loc[frame.index[0], "title"] = f"{start}HYPERLINK(1)"
    rows = read_back_csv(to_csv(frame))
    assert rows[0]["title"] == f"'{start}HYPERLINK(1)"
    assert rows[1]["title"] == resources.iloc[1]["title"]  # other cells untouched


def test_json_is_the_same_records_with_lists_and_nulls(resources):
    data = to_json(resources)
    assert data.endswith(b"}\n]\n")
    records = json.loads(data)
    assert [record["id"] for record in records] == resources["id"].tolist()
    assert all(list(record) == list(resources.columns) for record in records)
    first = resources.iloc[0]
    assert records[0]["tags"] == first["tags"] and records[0]["creators"] == first["creators"]
    assert records[0]["doi"] is None and "link_checked" not in records[0] and "line" not in records[0]
    assert records[0]["year"] == int(first["year"]) and records[0]["title_known"] is True


def test_json_keeps_non_ascii_text_as_is(resources):
    frame = resources.copy()
    frame.loc[frame.index[0], "title"] = "Café “mentoring” — ü"
    data = to_json(frame)
    assert "Café “mentoring” — ü".encode() in data


def test_table_schema_follows_the_model(resources):
    schema = table_schema()
    fields = {field["name"]: field for field in schema["fields"]}
    assert list(fields) == list(Resource.to_schema().columns)
    assert (schema["primaryKey"], schema["missingValues"]) == (["id"], [""])
    assert fields["id"]["constraints"]["required"] and fields["id"]["constraints"]["unique"]
    assert (fields["tags"]["type"], fields["tags"]["delimiter"], fields["tags"]["itemType"]) == (
        "list",
        LIST_DELIMITER,
        "string",
    )
    assert (fields["year"]["type"], fields["title_known"]["type"]) == ("integer", "boolean")
    assert set(resources["section"]) <= set(fields["section"]["constraints"]["enum"])
    assert all(field["title"] and field["description"] for field in schema["fields"])


def test_datapackage_describes_the_files_it_is_given(resources):
    info = read_curation(FIXTURES / "handbook-curation.toml").dataset
    files = {CSV_NAME: to_csv(resources), JSON_NAME: to_json(resources)}
    created = "2026-01-02T00:00:00Z"
    package = json.loads(datapackage(info, files, created, {"keywords": ["mentoring"]}))
    assert (package["name"], package["version"], package["created"]) == (info.name, info.version, created)
    assert package["keywords"] == ["mentoring"]
    tabular, twin = package["resources"]
    assert (tabular["path"], twin["path"]) == (CSV_NAME, JSON_NAME)
    for described in (tabular, twin):
        data = files[described["path"]]
        assert described["bytes"] == len(data)
        assert described["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
    assert tabular["schema"] == table_schema()


# ---------------------------------------------------------------- golden files

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> dict[str, bytes]:
    """The small fixture guide's CSV and JSON, as `build` publishes them (with the fixture's link-check results)."""
    paths = Paths(
        raw=FIXTURES / "handbook-guide.txt",
        curation=FIXTURES / "handbook-curation.toml",
        processed=tmp_path_factory.mktemp("processed"),
        releases=tmp_path_factory.mktemp("releases"),  # its own: the fixture's version means nothing in data/releases
        link_status=FIXTURES / "handbook-link-status.json",
    )
    resources = prepare(paths).resources
    return {CSV_NAME: to_csv(resources), JSON_NAME: to_json(resources)}


@pytest.mark.parametrize("name", [CSV_NAME, JSON_NAME])
def test_dataset_matches_the_reviewed_golden_file(published, name):
    """Regenerate after a reviewed change with `UPDATE_GOLDEN=1 python -m pytest tests/test_export.py`."""
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_bytes(published[name])
    assert published[name] == golden.read_bytes(), "review the change, then regenerate with UPDATE_GOLDEN=1"
