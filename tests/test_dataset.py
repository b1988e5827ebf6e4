"""The published columns on the real build: list fields that split back, integer years, title_known, note."""

import csv
import json
import re

import pandas as pd
import pytest

from pipeline.curation import parse_curation, read_curation
from pipeline.errors import CurationError
from pipeline.ingest import read_guide
from pipeline.normalise import normalise
from pipeline.validate import validate_resources
from schemas.resource import LIST_DELIMITER, Resource
from tests.conftest import REAL_CURATION, REAL_GUIDE, REPO

LIST_COLUMNS = [name for name, column in Resource.to_schema().columns.items() if (column.metadata or {}).get("list")]
TEXT_OUTPUTS = (
    "resources.csv",
    "resources.json",
    "datapackage.json",
    "resources.csl.json",
    "resources.ris",
    "resources.bib",
    "dataset.jsonld",
    "data-quality.json",
)


def csv_rows(folder) -> list[dict]:
    with (folder / "resources.csv").open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def json_records(folder) -> list[dict]:
    return json.loads((folder / "resources.json").read_text(encoding="utf-8"))


def test_the_list_columns_are_the_five_documented():
    assert LIST_COLUMNS == ["creators", "isbn", "tags", "audience", "sources"]


def test_every_list_cell_splits_back_into_its_json_array(real_build):
    rows, records = csv_rows(real_build), json_records(real_build)
    assert len(rows) == len(records) == 45
    for row, record in zip(rows, records, strict=True):
        assert row["id"] == record["id"]
        for column in LIST_COLUMNS:
            cell = row[column]
            assert (cell.split(LIST_DELIMITER) if cell else []) == record[column], (record["id"], column)
    assert sum(len(record["sources"]) > 1 for record in records) > 10  # the split is exercised on real lists


def test_table_schema_declares_list_fields_with_the_delimiter(real_build):
    package = json.loads((real_build / "datapackage.json").read_text(encoding="utf-8"))
    fields = {field["name"]: field for field in package["resources"][0]["schema"]["fields"]}
    for column in LIST_COLUMNS:
        assert (fields[column]["type"], fields[column]["delimiter"], fields[column]["itemType"]) == (
            "list",
            LIST_DELIMITER,
            "string",
        )
    assert fields["title_known"]["type"] == "boolean"
    assert fields["note"]["type"] == "string" and "notes" not in fields and "research" not in fields


def readme_pandas_recipe() -> str:
    """The Python block of README's section 'The dataset'."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## The dataset\n", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_recipe_loads_year_as_integers_and_lists_as_lists(real_build, monkeypatch):
    monkeypatch.chdir(real_build)
    namespace: dict = {}
    exec(readme_pandas_recipe(), namespace)
    frame = namespace["frame"]
    records = json_records(real_build)
    assert str(frame["year"].dtype) == "Int64"
    assert [None if pd.isna(y) else int(y) for y in frame["year"]] == [r["year"] for r in records]
    assert frame["year"].notna().sum() > 10
    assert str(frame["title_known"].dtype) == "boolean"
    assert frame["title_known"].tolist() == [r["title_known"] for r in records]
    for column in LIST_COLUMNS:
        assert frame[column].tolist() == [r[column] for r in records]


DEVISED_TITLES = {
    "narath-carlile-blog": "[Narath Carlile’s blog on productivity and resiliency for medical professionals]",
    "women-of-color-leadership-webinar": "[Leadership webinar for women of color in academic medicine]",
    "amsa-ad-lib": "[Podcast of the American Medical Student Association]",
    "dei-resources-page": "[Web page of diversity, equity and inclusion resources in academic medicine]",
    "larner-salt-student-guidebook": "[Student guidebook by the Student Admissions Leadership Team]",
    "burlington-community-resources-student-guide": "[Student guide to community resources in the Burlington area]",
}


def test_a_title_not_known_is_the_curated_devised_title_in_brackets(real_build):
    quality = json.loads((real_build / "data-quality.json").read_text(encoding="utf-8"))
    records = json_records(real_build)
    unknown = {r["id"]: r["title"] for r in records if not r["title_known"]}
    assert unknown == DEVISED_TITLES
    assert set(quality["missing"]["title"]) == set(DEVISED_TITLES)
    assert {row["id"]: row["title"] for row in csv_rows(real_build) if row["title_known"] == "false"} == DEVISED_TITLES
    for record in records:
        bracketed = record["title"].startswith("[") and record["title"].endswith("]")
        assert bracketed is not record["title_known"], record["id"]
        if not record["title_known"]:  # says what the resource is; does not repeat the description's opening
            assert record["title"].strip("[]").split()[:3] != record["description"].split()[:3], record["id"]


def one_entry_guide(tmp_path, paragraphs: str):
    guide = tmp_path / "guide.txt"
    guide.write_text(f"Site\n\nMentoring Resources\n\nA guide\n\nArticles\n\nBody\n\n{paragraphs}\n", encoding="utf-8")
    return read_guide(guide).entries


@pytest.mark.parametrize(
    ("paragraphs", "record_title", "known"),
    [
        ("A plain description of a resource on mentoring and careers.", None, False),
        ("A plain description of a resource on mentoring and careers.", 'title = "The Real Title"', True),
        ("Short Title Line\n\nA plain description of a resource on mentoring and careers.", None, True),
    ],
)
def test_title_known_follows_curated_title_or_the_guides_title_line(tmp_path, paragraphs, record_title, known):
    from tests.conftest import DATASET_ONLY

    record = f'[[resource]]\nid = "the-resource"\nmatch = "resource on mentoring and careers"\n{record_title or ""}\n'
    curation = parse_curation(DATASET_ONLY + "\n" + record)
    frame, findings = normalise(one_entry_guide(tmp_path, paragraphs), curation)
    assert frame["title_known"].tolist() == [known]
    assert ("devised-title" in [f.slug for f in findings]) is not known
    assert ("missing-devised-title" in [f.slug for f in findings]) is not known  # the build warns
    title = frame["title"].tolist()[0]
    assert (title.startswith("[") and title.endswith("]")) is not known and "Untitled" not in title


DEVISED = 'devised_title = "[Lecture notes on mentoring careers]"'


def test_a_curated_devised_title_is_the_title_and_no_warning(tmp_path):
    from tests.conftest import DATASET_ONLY

    record = f'[[resource]]\nid = "the-resource"\nmatch = "resource on mentoring and careers"\n{DEVISED}\n'
    curation = parse_curation(DATASET_ONLY + "\n" + record)
    entries = one_entry_guide(tmp_path, "A plain description of a resource on mentoring and careers.")
    frame, findings = normalise(entries, curation, strict=True)
    assert frame["title"].tolist() == ["[Lecture notes on mentoring careers]"]
    assert frame["title_known"].tolist() == [False]
    assert "missing-devised-title" not in [f.slug for f in findings]


def test_a_missing_devised_title_is_an_error_with_strict_naming_the_records_line(tmp_path):
    from tests.conftest import DATASET_ONLY

    record = '[[resource]]\nid = "the-resource"\nmatch = "resource on mentoring and careers"\n'
    text = DATASET_ONLY + "\n" + record
    curation = parse_curation(text)
    entries = one_entry_guide(tmp_path, "A plain description of a resource on mentoring and careers.")
    with pytest.raises(CurationError) as error:
        normalise(entries, curation, strict=True)
    line = text.splitlines().index("[[resource]]") + 1
    assert f"curation line {line}: the-resource: missing-devised-title" in str(error.value)


@pytest.mark.parametrize(
    ("devised", "slug"),
    [
        ('"Lecture notes on mentoring"', "malformed-devised-title"),  # not in square brackets
        ('"[]"', "malformed-devised-title"),
        ('"[' + " ".join(["word"] * 13) + ']"', "malformed-devised-title"),  # too long
    ],
)
def test_a_malformed_devised_title_is_refused(devised, slug):
    from tests.conftest import DATASET_ONLY

    record = (
        f'[[resource]]\nid = "the-resource"\nmatch = "resource on mentoring and careers"\ndevised_title = {devised}\n'
    )
    with pytest.raises(CurationError) as error:
        parse_curation(DATASET_ONLY + "\n" + record)
    assert [f.slug for f in error.value.findings] == [slug]


def test_a_devised_title_repeating_the_description_is_refused(tmp_path):
    from tests.conftest import DATASET_ONLY

    devised = 'devised_title = "[A plain description of a resource]"'
    record = f'[[resource]]\nid = "the-resource"\nmatch = "resource on mentoring and careers"\n{devised}\n'
    curation = parse_curation(DATASET_ONLY + "\n" + record)
    entries = one_entry_guide(tmp_path, "A plain description of a resource on mentoring and careers.")
    with pytest.raises(CurationError, match="repeats the first words of the description"):
        normalise(entries, curation)


def test_note_is_published_and_research_never_is(tmp_path, run_cli):
    text = REAL_CURATION.read_text(encoding="utf-8")
    anchor = 'id = "physician-mentorship-nejm-careercenter"\n'
    assert anchor in text
    curation = tmp_path / "curation.toml"
    added = 'note = "Publication year not confirmed."\nresearch = "Looked at PRIVATE-RESEARCH-MARK pages."\n'
    first_record = text.index(anchor)
    end = text.index("[[resource]]", first_record)
    record = re.sub(r'^(note|research) = ".*"\n', "", text[first_record:end], flags=re.M)  # the record's own
    curation.write_text(text[:first_record] + record.replace(anchor, anchor + added) + text[end:], encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli("build", "-q", "--curation", curation, "--out", out, "--processed", tmp_path / "p").status == 0
    record = json_records(out)[0]
    assert record["note"] == "Publication year not confirmed." and "research" not in record and "notes" not in record
    assert csv_rows(out)[0]["note"] == "Publication year not confirmed."
    for name in TEXT_OUTPUTS:
        assert "PRIVATE-RESEARCH-MARK" not in (out / name).read_text(encoding="utf-8"), name


def test_no_research_text_of_the_real_curation_is_published(real_build):
    research = [r.research for r in read_curation(REAL_CURATION).records if r.research]
    assert research, "the real curation keeps research notes"
    published = "\n".join((real_build / name).read_text(encoding="utf-8") for name in TEXT_OUTPUTS)
    for text in research:
        assert text not in published
        assert text not in published.replace("\\n", "\n")


@pytest.fixture(scope="module")
def real_frame():
    curation = read_curation(REAL_CURATION)
    frame, _ = normalise(read_guide(REAL_GUIDE).entries, curation)
    return frame


@pytest.mark.parametrize(
    ("column", "item"),
    [
        ("sources", "https://example.org/a\nhttps://example.org/b"),  # the delimiter inside an item
        ("creators", " Darves, Bonnie"),  # white space a split would keep but a reader would not see
        ("creators", ""),
        ("creators", '=HYPERLINK("x")'),  # a CSV formula guard would change the cell, so it could not split back
        ("tags", "mentoring-relationships\nwellness"),
    ],
)
def test_schema_refuses_list_items_that_would_not_split_back(real_frame, column, item):
    frame = real_frame.copy()
    frame.at[3, column] = [*frame.at[3, column], item]
    validated, problems = validate_resources(frame)
    assert validated is None
    assert (frame.at[3, "id"], column, "list_items_splittable") in {(p.entry, p.column, p.check) for p in problems}


def test_real_data_passes_the_list_check(real_frame):
    validated, problems = validate_resources(real_frame)
    assert problems == [] and validated is not None


def test_frictionless_reads_the_list_fields_as_the_json_arrays(real_build):
    from frictionless import Package

    resource = Package(str(real_build / "datapackage.json"), basepath=str(real_build)).get_resource("resources")
    rows = resource.read_rows()
    records = json_records(real_build)
    assert len(rows) == len(records) == 45
    for row, record in zip(rows, records, strict=True):
        for column in LIST_COLUMNS:
            assert (row[column] or []) == record[column], (record["id"], column)
        assert row["year"] == record["year"] and row["title_known"] is record["title_known"]
