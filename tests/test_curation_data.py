"""The committed curation file: one record per entry, well-formed facts, each with its public source."""

import re
from dataclasses import asdict
from urllib.parse import urlsplit

import pytest

from pipeline.curation import parse_curation, read_curation, source_problem
from pipeline.errors import CurationError
from pipeline.ingest import read_guide
from pipeline.lookup import PLACEHOLDER
from pipeline.matching import match_guide
from pipeline.normalise import normalise, repair_text
from schemas.resource import DANGLING_FRAGMENT
from schemas.vocabulary import AUDIENCES, DENYLISTED_SOURCE_HOSTS, DOI_PATTERN, TAGS, TYPES
from tests.conftest import DATASET_ONLY, REAL_CURATION, REAL_GUIDE

# Words that belong to a research log, not to a library's record: talk of searches, queries, hits and
# rounds, and of stored copies rather than the pages themselves.
RESEARCH_LOG = re.compile(
    r"\bsearch(?:es|ed)?\b|\bstored (?:copy|excerpt|page|text)"
    r"|\bcorpus|\bcorpora\b|\bindex\b|\bround [a-z]\b|still not|\(negative\)|\bquer(?:y|ies)\b|\bhits?\b"
    r"|\bhelper\b|\bagent\b|\bsession\b|\bAI\b",
    re.IGNORECASE,
)
MAX_NOTE = 120
MAX_RESEARCH = 1000


@pytest.fixture(scope="module")
def curation():
    return read_curation(REAL_CURATION)


@pytest.fixture(scope="module")
def entries():
    return read_guide(REAL_GUIDE).entries


def test_every_entry_has_exactly_one_record_and_every_record_one_entry(curation, entries):
    texts = [repair_text(t) for t in entries["text"]]
    matched = match_guide(curation.records, texts, entries["line_start"].tolist(), REAL_CURATION).matched
    assert sorted(matched) == list(range(len(entries)))
    assert len(curation.records) == len(entries) == 45
    assert {record.id for record in matched.values()} == {record.id for record in curation.records}


def test_records_are_in_the_guides_order(curation, entries):
    texts = [repair_text(t) for t in entries["text"]]
    matched = match_guide(curation.records, texts, entries["line_start"].tolist(), REAL_CURATION).matched
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
            assert record.url in (f"https://doi.org/{record.doi}", None) or "doi.org" not in (record.url or ""), (
                record.id
            )


def test_terms_come_from_the_documented_vocabularies(curation):
    readme = (REAL_CURATION.parents[2] / "README.md").read_text(encoding="utf-8")
    for vocabulary in (TAGS, AUDIENCES, TYPES):
        for term in vocabulary:
            assert f"`{term}`" in readme, f"{term} is not documented in README.md"
    for record in curation.records:
        assert set(record.tags) <= set(TAGS) and record.tags, record.id
        assert set(record.audience) <= set(AUDIENCES) and record.audience, record.id
        assert record.type is None or record.type in TYPES


def host(address: str) -> str:
    return (urlsplit(address).hostname or "").removeprefix("www.")


def test_every_fact_carries_a_source(curation):
    for record in curation.records:
        if record.url or record.doi or record.year or record.publisher or record.title:
            assert record.sources, f"{record.id} states facts without a source"
        if record.url and record.url != f"https://doi.org/{record.doi}":
            assert host(record.url) in {host(source) for source in record.sources}, (
                f"{record.id}: url not on a source's site"
            )
        if record.doi:
            assert any(record.doi in source for source in record.sources) or "DOI" in (record.research or ""), record.id
        if record.year:
            assert str(record.year) in (record.research or "") + " ".join(record.sources), (
                f"{record.id}: year unsourced"
            )
        if not record.url:
            assert record.research, f"{record.id} has no URL and no research note of what was looked at"


def test_every_source_is_the_bare_address_of_a_public_page_on_no_denylisted_host(curation):
    sources = [source for record in curation.records for source in record.sources]
    assert len(sources) >= 80
    for source in sources:
        assert source_problem(source) is None, source
        parts = urlsplit(source)
        assert parts.scheme in ("http", "https") and "." in parts.netloc and not re.search(r"\s", source), source
        assert not any(host(source) == d or host(source).endswith("." + d) for d in DENYLISTED_SOURCE_HOSTS), source


def test_no_field_holds_tool_names_or_research_log_phrases(curation):
    texts = [str(value) for value in asdict(curation.dataset).values()]
    for record in curation.records:
        texts += [str(value) for value in asdict(record).values()]
    texts = [text.replace(PLACEHOLDER, "") for text in texts]  # a search template's required placeholder
    for text in texts:
        assert not RESEARCH_LOG.search(text), RESEARCH_LOG.search(text).group(0) + " in: " + text[:120]
    raw = REAL_CURATION.read_text(encoding="utf-8").replace(PLACEHOLDER, "")
    assert not re.search(r"^notes\s*=", raw, re.M), "the old key `notes` is renamed `research`"
    assert not RESEARCH_LOG.search(raw)


def test_published_notes_are_one_short_plain_sentence_and_research_stays_short(curation):
    notes = [record.note for record in curation.records if record.note]
    assert notes
    for note in notes:
        assert len(note) <= MAX_NOTE and note[0].isupper() and note.endswith("."), note
        assert len(re.findall(r"[.!?](?:\s|$)", note)) == 1 and "http" not in note, note
    for record in curation.records:
        assert record.research is None or len(record.research) <= MAX_RESEARCH, record.id


def test_records_without_a_link_say_so_to_readers(curation):
    for record in curation.records:
        if not record.url and not record.sources:
            assert record.note, f"{record.id}: nothing found, and readers are not told"


RECORD_WITH_SOURCE = """
[[resource]]
id = "first"
match = "a phrase of five words"
sources = ["https://pubmed.ncbi.nlm.nih.gov/38284420/"]

[[resource]]
id = "second"
match = "another phrase of five words"
sources = ["{source}"]
"""


@pytest.mark.parametrize(
    "source, says",
    [
        ("https://www.scribd.com/document/399899044/Making-the-Most-of-Mentors-pdf", "is on scribd.com, a mirror"),
        ("https://fr.slideshare.net/AmyPrunuske/mentor-presentation-22749511", "is on slideshare.net, a mirror"),
        ("https://vdoc.pub/documents/mentorship-in-academic-medicine-vnbvlkaa6eo0", "is on vdoc.pub, a mirror"),
        ("http://47.251.13.51:8081/35446416", "is on a bare IP address"),
        ("http://[2001:db8::1]/35446416", "is on a bare IP address"),
        ("https://doaj.org/article/1d94 (DOAJ record: title and year)", "is not a bare http(s) address"),
        ("The guide entry itself names the podcast", "is not a bare http(s) address"),
    ],
)
def test_a_denylisted_or_not_bare_source_is_refused_with_its_records_line(source, says):
    text = DATASET_ONLY + RECORD_WITH_SOURCE.format(source=source)
    line = text.splitlines().index(f'sources = ["{source}"]') + 1  # the offending key's own line
    with pytest.raises(CurationError) as error:
        parse_curation(text, "curation.toml")
    assert error.value.line == line
    assert f"curation.toml:{line}: record 'second': source " in str(error.value) and f" {says}" in str(error.value)
    assert str(error.value).count("record '") == 1  # the first record is fine


def test_validate_refuses_a_denylisted_source_with_exit_3_and_the_line(run_cli, tmp_path):
    curation = tmp_path / "curation.toml"
    curation.write_text(DATASET_ONLY + RECORD_WITH_SOURCE.format(source="https://dokumen.tips/documents/x.html"))
    line = curation.read_text().splitlines().index('sources = ["https://dokumen.tips/documents/x.html"]') + 1
    result = run_cli("validate", "--curation", curation, "--processed", tmp_path)
    assert result.status == 3
    assert (
        f"{curation}:{line}: record 'second': source 'https://dokumen.tips/documents/x.html' is on dokumen.tips"
        in result.err
    )
    assert "Traceback" not in result.err


def test_most_resources_have_a_known_title_and_creators_and_the_others_say_why(curation, entries):
    resources, findings = normalise(entries, curation)
    devised = {f.entry for f in findings if f.slug == "devised-title"}
    assert len(resources) - len(devised) >= 38
    assert resources["creators"].map(bool).sum() >= 36
    why = re.compile(r"title|creator|author|host|not identified|not found", re.IGNORECASE)
    for record in curation.records:
        if record.id in devised or not record.creators:
            assert record.research and why.search(record.research), (
                f"{record.id}: research does not say what is missing"
            )


def test_no_published_description_holds_a_dangling_fragment(curation, entries):
    resources, findings = normalise(entries, curation)
    for description in resources["description"]:
        assert not DANGLING_FRAGMENT.search(description), description[-80:]
    assert not [f for f in findings if f.slug == "dangling-fragment-removed"]  # each repaired by its record
