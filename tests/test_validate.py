"""Validation refuses what cannot be published, so that nothing `validate` accepts makes `build` fail later;
and the validation stage on its own, on the small fixture table."""

import json

import pytest

from pipeline.findings import Slug
from pipeline.ingest import read_guide
from pipeline.validate import SchemaFinding, findings_json, format_findings, validate_resources
from tests.conftest import REAL_CURATION, REAL_GUIDE

FIRST_URL = 'url = "https://resources.nejmcareercenter.org/article/physician-mentorship-why-its-important-and-how-to-find-and-sustain-relationships"'
FIRST_TITLE = 'title = "Physician Mentorship: Why It\'s Important, and How to Find and Sustain Relationships"'


def curation_with(tmp_path, old: str, new: str):
    text = REAL_CURATION.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "curation.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "column", "check"),
    [
        (
            'id = "physician-mentorship-nejm-careercenter"',
            'id = "physician-mentorship-nejm-careercenter\\n"',
            "id",
            "single_line_visible_text",
        ),
        (FIRST_URL, FIRST_URL[:-1] + '\\n"', "url", "single_line_visible_text"),
        ('doi = "10.52211/asra080123.008"', 'doi = "10.52211/asra080123.008\\n"', "doi", "single_line_visible_text"),
        (FIRST_TITLE, 'title = "Physician \\u202eMentorship"', "title", "single_line_visible_text"),
        (FIRST_TITLE, 'title = "Physician\\u200bMentorship"', "title", "single_line_visible_text"),
        (
            'creators = ["Darves, Bonnie"]',
            'creators = ["Darves,\\tBonnie"]',
            "creators",
            "items_single_line_visible_text",
        ),
    ],
)
def test_what_cannot_be_published_is_refused_by_validate_and_build(old, new, column, check, tmp_path, run_cli):
    curation = curation_with(tmp_path, old, new)
    for command in ("validate", "build"):
        out = ("--out", tmp_path / "out") if command == "build" else ()
        result = run_cli(command, "--curation", curation, "--processed", tmp_path / "p", *out)
        assert result.status == 3, result.err
        assert "Traceback" not in result.err
        report = json.loads((tmp_path / "p" / "validation-report.json").read_text(encoding="utf-8"))
        assert (column, check) in {(e["column"], e["check"]) for e in report["errors"]}
    assert not (tmp_path / "out").exists()


def test_invisible_characters_in_the_guide_are_removed_and_reported(tmp_path, run_cli):
    guide = tmp_path / "guide.txt"
    text = REAL_GUIDE.read_text(encoding="utf-8")
    guide.write_text(text.replace("Most physicians who", "Most\u200b physicians\u202e who", 1), encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli("build", "-q", "--raw", guide, "--out", out, "--processed", tmp_path / "p").status == 0
    records = json.loads((out / "resources.json").read_text(encoding="utf-8"))
    assert records[0]["description"].startswith("Most physicians who")
    quality = json.loads((out / "data-quality.json").read_text(encoding="utf-8"))
    assert ("invisible-characters-removed", "physician-mentorship-nejm-careercenter") in {
        (f["slug"], f["entry"]) for f in quality["findings"]
    }


def test_a_field_too_long_for_the_csv_reader_is_refused(tmp_path, run_cli):
    guide = tmp_path / "guide.txt"
    text = REAL_GUIDE.read_text(encoding="utf-8")
    padded = text.replace("Most physicians who", "Most " + "very " * 27_000 + "physicians who", 1)
    guide.write_text(padded, encoding="utf-8")
    result = run_cli("validate", "--raw", guide, "--processed", tmp_path / "p")
    assert result.status == 3
    report = json.loads((tmp_path / "p" / "validation-report.json").read_text(encoding="utf-8"))
    assert ("description", "visible_text_within_limits") in {(e["column"], e["check"]) for e in report["errors"]}


# Unit tests of the validation stage on the small fixture table: no build, no curation file rewritten.


def broken(frame):
    """The fixture table with three faults: an unknown section, a title on two lines, a missing column."""
    frame = frame.copy()
    frame.loc[frame.index[1], "section"] = "Recipes"
    frame.loc[frame.index[2], "title"] = "Two\nlines"
    return frame.drop(columns=["note"])


def test_a_valid_table_passes_with_no_findings(fixture_frame):
    validated, findings = validate_resources(fixture_frame)
    assert findings == []
    assert validated is not None and validated["id"].tolist() == fixture_frame["id"].tolist()


def test_every_fault_is_found_in_one_run_with_its_entry_column_and_check(fixture_frame):
    validated, findings = validate_resources(broken(fixture_frame))
    assert validated is None
    assert [(f.entry, f.column, f.check, f.value) for f in findings] == [
        ("(table)", "note", "column_in_dataframe", ""),
        ("making-the-most-of-mentors", "section", "isin", "Recipes"),
        ("the-night-shift", "title", "single_line_visible_text", "Two\nlines"),
    ]


def test_findings_as_a_plain_text_table(fixture_frame):
    _, findings = validate_resources(broken(fixture_frame))
    assert format_findings(findings) == (
        "entry                       column   check                     value\n"
        "(table)                     note     column_in_dataframe\n"
        "making-the-most-of-mentors  section  isin                      Recipes\n"
        "the-night-shift             title    single_line_visible_text  Two lines"
    )


def test_long_values_are_shortened_in_the_text_table_only():
    long = SchemaFinding(Slug.SCHEMA_OUT_OF_RANGE, entry="e", line=1, column="url", check="str_length", value="x" * 100)
    line = format_findings([long]).splitlines()[1]
    assert line.endswith("x" * 59 + "…")
    assert json.loads(findings_json([long]))["errors"][0]["value"] == "x" * 100


def test_findings_as_json(fixture_frame):
    _, findings = validate_resources(broken(fixture_frame))
    report = json.loads(findings_json(findings))
    assert report["valid"] is False
    assert [(e["entry"], e["column"], e["check"]) for e in report["errors"]] == [
        (f.entry, f.column, f.check) for f in findings
    ]
    assert findings_json([]) == '{\n  "valid": true,\n  "errors": []\n}\n'


def test_the_validation_report_names_each_finding_by_its_slug_and_line(tmp_path, run_cli):
    curation = curation_with(
        tmp_path, 'id = "physician-mentorship-nejm-careercenter"', 'id = "physician-mentorship-nejm-careercenter\\n"'
    )
    result = run_cli("validate", "--curation", curation, "--processed", tmp_path / "p")
    assert result.status == 3
    report = json.loads((tmp_path / "p" / "validation-report.json").read_text(encoding="utf-8"))
    first_line = int(read_guide(REAL_GUIDE).entries["line_start"].iloc[0])  # the record's entry is the guide's first
    assert [(e["slug"], e["line"]) for e in report["errors"]] == [("schema-unsafe-text", first_line)]
