"""The citation files of the real build, read back by maintained parsers and compared with the dataset."""

import json

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors, SplitNameParts
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from pylatexenc.latex2text import LatexNodes2Text

from pipeline.citations import CITATION_TYPES, bibtex_entry, person_name
from schemas.vocabulary import TYPES


@pytest.fixture(scope="module")
def dataset(real_build) -> dict[str, dict]:
    records = json.loads((real_build / "resources.json").read_text(encoding="utf-8"))
    assert len(records) == 45
    return {record["id"]: record for record in records}


def expected_title(record: dict) -> str:
    """A title that is not known is a devised one, already in square brackets in the table."""
    assert record["title_known"] != (record["title"].startswith("[") and record["title"].endswith("]"))
    return record["title"]


def cited_publisher(record: dict) -> str | None:
    """The publisher as cited: left out where it is one of the creators (named once, as in print and on the web)."""
    creators = {" ".join(name.casefold().split()) for name in record["creators"]}
    publisher = record["publisher"]
    bare = " ".join(publisher.split("(")[0].casefold().split()) if publisher else None
    return None if publisher is None or bare in creators else publisher


def test_a_body_that_is_creator_and_publisher_is_cited_once(real_build, dataset):
    items = {item["id"]: item for item in json.loads((real_build / "resources.csl.json").read_text(encoding="utf-8"))}
    apa = CitationStylesStyle("apa", validate=False)
    journal = items["academic-medicine-journal"]
    assert dataset["academic-medicine-journal"]["publisher"] == "Association of American Medical Colleges"
    bibliography = CitationStylesBibliography(apa, CiteProcJSON([journal]), formatter.plain)
    bibliography.register(Citation([CitationItem(journal["id"])]))
    text = str(bibliography.bibliography()[0])
    assert text.count("Association of American Medical Colleges") == 1, text


def test_every_type_of_the_vocabulary_has_citation_types():
    assert set(CITATION_TYPES) == set(TYPES)


@pytest.mark.parametrize(
    ("creator", "person"),
    [
        ("Darves, Bonnie", ("Darves", "Bonnie")),
        ("van der Velden, Gisela J.", ("van der Velden", "Gisela J.")),
        ("Association of American Medical Colleges", None),
        ("The Curbsiders", None),
        ("Wellness Committee, Larner College of Medicine", None),
        ("Student Admissions Leadership Team (SALT), Larner College of Medicine", None),
        ("Larner College of Medicine Office of Diversity, Equity, & Inclusion", None),
    ],
)
def test_people_are_family_and_given_and_organisations_are_names(creator, person):
    assert person_name(creator) == person


def test_csl_json_renders_an_apa_bibliography_of_every_resource(real_build, dataset):
    items = json.loads((real_build / "resources.csl.json").read_text(encoding="utf-8"))
    assert [item["id"] for item in items] == list(dataset)
    apa = CitationStylesStyle("apa", validate=False)
    bibliography = CitationStylesBibliography(apa, CiteProcJSON(items), formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    rendered = {key: str(entry) for key, entry in zip(bibliography.keys, bibliography.bibliography(), strict=True)}
    assert set(rendered) == set(dataset)
    for key, text in rendered.items():
        record = dataset[key]
        assert expected_title(record) in text, text
        for creator in record["creators"][:19]:  # APA lists 19 authors at most, then the last
            person = person_name(creator)
            assert (person[0] if person else creator) in text, (key, creator, text)
        assert f"({record['year']})" in text if record["year"] else "(n.d.)" in text
        if record["doi"]:
            assert f"https://doi.org/{record['doi']}" in text
        elif record["url"]:
            assert record["url"] in text


def test_csl_json_fields_match_the_dataset(real_build, dataset):
    for item in json.loads((real_build / "resources.csl.json").read_text(encoding="utf-8")):
        record = dataset[item["id"]]
        kind = CITATION_TYPES[record["type"]]
        assert item["type"] == kind.csl and item["title"] == expected_title(record)
        names = [n["literal"] if "literal" in n else f"{n['family']}, {n['given']}" for n in item.get("author", [])]
        assert names == record["creators"]
        assert item.get("issued") == ({"date-parts": [[record["year"]]]} if record["year"] else None)
        assert (item.get("DOI"), item.get("URL")) == (record["doi"], record["url"])
        assert item.get("container-title" if kind.contained else "publisher") == cited_publisher(record)


@pytest.mark.parametrize(
    ("type_", "csl", "ris", "bibtex"),
    [
        ("journal-article", "article-journal", "JOUR", "article"),
        ("book", "book", "BOOK", "book"),
        ("website", "webpage", "ELEC", "online"),
        ("podcast", "broadcast", "SOUND", "audio"),
        ("video", "motion_picture", "VIDEO", "video"),
        ("collection", "collection", "ELEC", "online"),
    ],
)
def test_types_map_to_citation_types(type_, csl, ris, bibtex):
    kind = CITATION_TYPES[type_]
    assert (kind.csl, kind.ris, kind.bibtex) == (csl, ris, bibtex)


def test_ris_reads_back_in_rispy(real_build, dataset):
    entries = rispy.loads((real_build / "resources.ris").read_text(encoding="utf-8"))
    assert [entry["id"] for entry in entries] == list(dataset)
    for entry in entries:
        record = dataset[entry["id"]]
        kind = CITATION_TYPES[record["type"]]
        assert entry["type_of_reference"] == kind.ris
        assert entry["title"] == expected_title(record)
        assert entry.get("authors", []) == record["creators"]
        assert entry.get("year") == (str(record["year"]) if record["year"] else None)
        assert entry.get("doi") == record["doi"]
        assert entry.get("urls") == ([record["url"]] if record["url"] else None)
        assert entry.get("secondary_title" if kind.contained else "publisher") == cited_publisher(record)
        assert entry.get("keywords", []) == record["tags"]


def read_bibtex(text: str):
    names_then_latex = [SeparateCoAuthors(), SplitNameParts(), LatexDecodingMiddleware()]
    return bibtexparser.parse_string(text, append_middleware=names_then_latex)


def verbatim_fields(text: str) -> dict[str, dict]:
    """url and doi as written: biblatex reads them verbatim, so they are not LaTeX to decode."""
    verbatim = {}
    for entry in bibtexparser.parse_string(text).entries:
        verbatim[entry.key] = {
            name: entry.fields_dict[name].value for name in ("url", "doi") if name in entry.fields_dict
        }
    return verbatim


def bibtex_creator(name) -> str:
    """A parsed name back as the dataset writes it: 'Family, Given', or an organisation's braced name."""
    family = " ".join(name.von + name.last)
    if not name.first and family.startswith("{"):
        return LatexNodes2Text().latex_to_text(family)
    return f"{family}, {' '.join(name.first)}"


def test_bibtex_reads_back_in_bibtexparser(real_build, dataset):
    text = (real_build / "resources.bib").read_text(encoding="utf-8")
    library, verbatim = read_bibtex(text), verbatim_fields(text)
    assert library.failed_blocks == []
    assert [entry.key for entry in library.entries] == list(dataset)
    for entry in library.entries:
        record = dataset[entry.key]
        kind = CITATION_TYPES[record["type"]]
        fields = {name: field.value for name, field in entry.fields_dict.items()}
        assert entry.entry_type == kind.bibtex
        assert fields["title"] == expected_title(record)
        assert [bibtex_creator(name) for name in fields.get("author", [])] == record["creators"]
        assert fields.get("year") == (str(record["year"]) if record["year"] else None)
        assert (verbatim[entry.key].get("doi"), verbatim[entry.key].get("url")) == (record["doi"], record["url"])
        if cited_publisher(record):
            assert record["publisher"] in fields.values()


def test_bibtex_escapes_latex_specials():
    record = {
        "id": "odd",
        "type": "book",
        "title": "Costs & 100% {braces} of #1_2 $5 ~ back\\slash",
        "title_known": True,
        "creators": ["O'Neil, Ann", "Office of A & B, C"],
        "year": 2020,
        "publisher": "A & B",
        "doi": None,
        "url": "https://example.org/a_b%20c",
        "isbn": [],
        "tags": [],
    }
    text = bibtex_entry(record)
    [entry] = read_bibtex(text).entries
    fields = {name: field.value for name, field in entry.fields_dict.items()}
    assert fields["title"] == record["title"]
    assert [bibtex_creator(name) for name in fields["author"]] == record["creators"]
    assert verbatim_fields(text)["odd"]["url"] == record["url"] and fields["publisher"] == "A & B"
