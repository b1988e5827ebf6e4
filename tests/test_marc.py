"""MARC 21 records (issue 20): read back with pymarc, field by field, for every resource; yaz reads them too."""

import io
import json
import shutil
import subprocess

import pytest
from pymarc import MARCReader, parse_xml_to_array

from pipeline import config
from pipeline.citations import person_name
from pipeline.marc import MARC_KINDS, topic

LEVELS = {"a": "language material", "g": "projected medium", "i": "sound recording"}


@pytest.fixture(scope="module")
def dataset(real_build) -> list[dict]:
    return json.loads((real_build / config.JSON_NAME).read_text(encoding="utf-8"))


def binary_records(folder) -> list:
    return list(MARCReader((folder / config.MARC_NAME).read_bytes(), to_unicode=True, force_utf8=True))


def xml_records(folder) -> list:
    return parse_xml_to_array(io.BytesIO((folder / config.MARCXML_NAME).read_bytes()))


def subfields(record, tag: str, code: str = "a") -> list[str]:
    return [value for field in record.get_fields(tag) for value in field.get_subfields(code)]


@pytest.mark.parametrize("read", [binary_records, xml_records], ids=["binary", "marcxml"])
def test_every_record_reads_back_with_every_field_from_the_dataset(real_build, dataset, read):
    marc = read(real_build)
    assert len(marc) == len(dataset) == 45
    for record, resource in zip(marc, dataset, strict=True):
        assert record["001"].data == resource["id"]
        kind = MARC_KINDS[resource["type"]]
        assert (record.leader[6], record.leader[7], record.leader[9]) == (kind.record_type, kind.level, "a")
        fixed = record["008"].data
        assert len(fixed) == 40 and fixed[35:38] == "eng"
        if resource["year"] is None:
            assert fixed[6:11] == "nuuuu" and subfields(record, "264", "c") == ["[date of publication not identified]"]
        else:
            assert fixed[6:11] == f"s{resource['year']}" and subfields(record, "264", "c") == [str(resource["year"])]
        assert subfields(record, "020") == resource["isbn"]
        assert subfields(record, "024") == ([resource["doi"]] if resource["doi"] else [])
        people = [c for c in resource["creators"] if person_name(c)]
        bodies = [c for c in resource["creators"] if not person_name(c)]
        assert subfields(record, "100") + subfields(record, "700") == people
        assert subfields(record, "110") + subfields(record, "710") == bodies
        assert len(record.get_fields("100", "110")) == (1 if resource["creators"] else 0)
        title = resource["title"]
        assert resource["title_known"] or (title.startswith("[") and title.endswith("]") and "[[" not in title)
        assert subfields(record, "245") == [title]
        assert record["245"].indicators[0] == ("1" if resource["creators"] else "0")
        publisher = subfields(record, "264", "b") + subfields(record, "773", "t")
        assert publisher == ([resource["publisher"]] if resource["publisher"] else [])
        assert subfields(record, "520") == [" ".join(resource["description"].split())]
        assert subfields(record, "653") == [topic(tag) for tag in resource["tags"]]
        address = resource["url"] or (f"https://doi.org/{resource['doi']}" if resource["doi"] else None)
        assert subfields(record, "856", "u") == ([address] if address else [])
        [source] = subfields(record, "588")
        assert all(page in source for page in resource["sources"])
        assert subfields(record, "338") == ["online resource"]


def test_binary_and_marcxml_hold_the_same_records(real_build):
    for binary, xml in zip(binary_records(real_build), xml_records(real_build), strict=True):
        assert [str(field) for field in binary.fields] == [str(field) for field in xml.fields]


@pytest.mark.skipif(shutil.which("yaz-marcdump") is None, reason="needs yaz-marcdump (Debian package yaz)")
@pytest.mark.parametrize(("name", "syntax"), [(config.MARC_NAME, "marc"), (config.MARCXML_NAME, "marcxml")])
def test_yaz_reads_the_records_without_errors(real_build, name, syntax):
    result = subprocess.run(
        ["yaz-marcdump", "-i", syntax, "-o", "line", real_build / name], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert [line.removeprefix("001 ") for line in lines if line.startswith("001 ")] == [
        record["001"].data for record in binary_records(real_build)
    ]


def test_the_marc_files_are_downloads_of_the_landing_page_and_the_jsonld(real_build):
    page = (real_build / "site" / "dataset.html").read_text(encoding="utf-8")
    described = json.loads((real_build / config.JSONLD_NAME).read_text(encoding="utf-8"))
    formats = {download["name"]: download["encodingFormat"] for download in described["distribution"]}
    for name in (config.MARC_NAME, config.MARCXML_NAME):
        assert f'href="downloads/{name}"' in page and "MARC 21 records for a library catalogue" in page
    assert formats[config.MARC_NAME] == "application/marc"
    assert formats[config.MARCXML_NAME] == "application/marcxml+xml"
