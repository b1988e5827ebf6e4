"""The committed curation file: one record per entry, well-formed facts, each with its source."""

import re
from urllib.parse import urlsplit

import pytest

from pipeline.curation import match_records, read_curation
from pipeline.ingest import read_guide
from pipeline.normalise import normalise, repair_text
from schemas.resource import DANGLING_FRAGMENT
from schemas.vocabulary import AUDIENCES, DOI_PATTERN, TAGS, TYPES
from tests.conftest import REAL_CURATION, REAL_GUIDE


@pytest.fixture(scope="module")
def curation():
    return read_curation(REAL_CURATION)


@pytest.fixture(scope="module")
def entries():
    return read_guide(REAL_GUIDE).entries


def test_every_entry_has_exactly_one_record_and_every_record_one_entry(curation, entries):
    texts = [repair_text(t) for t in entries["text"]]
    matched = match_records(curation.records, texts, entries["line_start"].tolist(), REAL_CURATION)
    assert sorted(matched) == list(range(len(entries)))
    assert len(curation.records) == len(entries) == 45
    assert {record.id for record in matched.values()} == {record.id for record in curation.records}


def test_records_are_in_the_guides_order(curation, entries):
    texts = [repair_text(t) for t in entries["text"]]
    matched = match_records(curation.records, texts, entries["line_start"].tolist(), REAL_CURATION)
    assert [matched[n].id for n in range(len(entries))] == [r.id for r in curation.records]


def test_every_url_is_absolute_http(curation):
    for record in curation.records:
        if record.url:
            parts = urlsplit(record.url)
            assert parts.scheme in ("http", "https") and parts.netloc and "." in parts.netloc, record.id
            assert " " not in record.url


def test_every_doi_is_well_formed_and_its_url_resolves_through_doi_org(curation):
    for record in curation.records:
        if record.doi:
            assert re.match(DOI_PATTERN, record.doi), record.id
            assert record.url in (f"https://doi.org/{record.doi}", None) or "doi.org" not in (record.url or ""), record.id


def test_terms_come_from_the_documented_vocabularies(curation):
    readme = (REAL_CURATION.parents[2] / "README.md").read_text(encoding="utf-8")
    for vocabulary in (TAGS, AUDIENCES, TYPES):
        for term in vocabulary:
            assert f"`{term}`" in readme, f"{term} is not documented in README.md"
    for record in curation.records:
        assert set(record.tags) <= set(TAGS) and record.tags, record.id
        assert set(record.audience) <= set(AUDIENCES) and record.audience, record.id
        assert record.type is None or record.type in TYPES


def test_every_fact_carries_a_source(curation):
    for record in curation.records:
        has_facts = record.url or record.doi or record.year or record.publisher
        if has_facts:
            assert record.sources, f"{record.id} states facts without a source"
        if not record.url:
            assert record.research, f"{record.id} has no URL and no research note of what was looked at"


def test_most_resources_have_a_known_title_and_creators(curation, entries):
    resources, findings = normalise(entries, curation)
    provisional = {f.entry for f in findings if f.slug == "provisional-title"}
    assert len(resources) - len(provisional) >= 40
    assert resources["creators"].map(bool).sum() >= 40


def test_no_published_description_holds_a_dangling_fragment(curation, entries):
    resources, findings = normalise(entries, curation)
    for description in resources["description"]:
        assert not DANGLING_FRAGMENT.search(description), description[-80:]
    assert not [f for f in findings if f.slug == "dangling-fragment-removed"]  # each repaired by its record
