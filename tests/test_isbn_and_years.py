"""ISBNs and unknown years (issue 20): checked by check digit at their line, published, cited; years explicit."""

import csv
import io
import json

import bibtexparser
import pytest
import rispy

from pipeline import config
from pipeline.curation import read_curation
from schemas.resource import Resource
from tests.conftest import REAL_CURATION

BOOK = 'id = "getting-most-mentoring-women-stem"'
EXAMPLE_ISBN = "978-0-306-40615-7"  # the standard example of an ISBN-13 (valid check digit); a test value only


def curation_with(tmp_path, addition: str):
    text = REAL_CURATION.read_text(encoding="utf-8")
    path = tmp_path / "curation.toml"
    path.write_text(text.replace(BOOK, f"{BOOK}\n{addition}", 1), encoding="utf-8")
    return path, text.splitlines().index(BOOK) + 2


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("978-0-306-40615-8", "has a wrong check digit"),
        ("0-306-40615-2", "is an ISBN-10; write it as its ISBN-13, 978-0-306-40615-7"),
        ("not an isbn", "is not an ISBN"),
    ],
)
def test_a_bad_isbn_is_exit_3_naming_its_curation_line(value, words, tmp_path, run_cli):
    curation, line = curation_with(tmp_path, f'isbn = ["{value}"]')
    run = run_cli("validate", "--curation", curation, "--processed", tmp_path / "p")
    assert run.status == 3 and "Traceback" not in run.err
    assert f"{curation}:{line}: record 'getting-most-mentoring-women-stem': isbn '{value}' {words}" in run.err


def test_an_isbn_is_published_as_a_list_and_cited_in_every_format(tmp_path, run_cli):
    curation, _ = curation_with(tmp_path, f'isbn = ["{EXAMPLE_ISBN}"]')
    out = tmp_path / "out"
    run = run_cli("build", "-q", "--curation", curation, "--out", out, "--processed", tmp_path / "p")
    assert run.status == 0, run.err
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO((out / config.CSV_NAME).read_text("utf-8-sig")))}
    assert rows["getting-most-mentoring-women-stem"]["isbn"] == "9780306406157"
    records = {r["id"]: r for r in json.loads((out / config.JSON_NAME).read_text(encoding="utf-8"))}
    assert records["getting-most-mentoring-women-stem"]["isbn"] == ["9780306406157"]
    assert records["physician-mentorship-nejm-careercenter"]["isbn"] == []
    fields = json.loads((out / config.PACKAGE_NAME).read_text(encoding="utf-8"))["resources"][0]["schema"]["fields"]
    isbn = {field["name"]: field for field in fields}["isbn"]
    assert (isbn["type"], isbn["itemType"]) == ("list", "string")
    csl = {item["id"]: item for item in json.loads((out / config.CSL_NAME).read_text(encoding="utf-8"))}
    assert csl["getting-most-mentoring-women-stem"]["ISBN"] == "9780306406157"
    ris = {entry["id"]: entry for entry in rispy.loads((out / config.RIS_NAME).read_text(encoding="utf-8"))}
    assert ris["getting-most-mentoring-women-stem"]["issn"] == "9780306406157"  # rispy names the SN tag issn
    bib = bibtexparser.parse_string((out / config.BIBTEX_NAME).read_text(encoding="utf-8"))
    assert {entry.key: entry for entry in bib.entries}["getting-most-mentoring-women-stem"]["isbn"] == "9780306406157"


def test_citation_files_carry_bibliographic_data_only(real_build):
    notes = [record.note for record in read_curation(REAL_CURATION).records if record.note]
    assert notes, "the real curation has reader notes"
    ris = (real_build / config.RIS_NAME).read_text(encoding="utf-8")
    bib = (real_build / config.BIBTEX_NAME).read_text(encoding="utf-8")
    csl = json.loads((real_build / config.CSL_NAME).read_text(encoding="utf-8"))
    assert "\nN1  - " not in ris and "  note = {" not in bib and not any("note" in item for item in csl)
    for note in notes:
        assert note not in ris and note not in bib
    published = json.loads((real_build / config.JSON_NAME).read_text(encoding="utf-8"))
    assert {record["note"] for record in published if record["note"]} == set(notes)  # kept in the dataset


def test_unknown_years_are_explicit_and_told_apart_from_years_not_researched(real_build):
    records = {r["id"]: r for r in json.loads((real_build / config.JSON_NAME).read_text(encoding="utf-8"))}
    curated = {record.id: record for record in read_curation(REAL_CURATION).records}
    for identifier, record in records.items():
        source = curated.get(identifier)
        if record["year"] is not None:
            assert record["year_status"] == "known"
        elif source is not None and source.year_unknown:
            assert record["year_status"] == "unknown"
        else:
            assert record["year_status"] == "not-researched"
    assert records["the-nocturnists"]["year_status"] == "unknown" and records["the-nocturnists"]["year"] is None
    described = Resource.to_schema().columns["year_status"].description
    assert "looked for, and no public page shows it" in described and "not looked for yet" in described
