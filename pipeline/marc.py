"""MARC 21 bibliographic records of the resources, for library systems (Alma, FOLIO, Koha): binary and MARCXML.

One record per resource, made from the validated table, in the guide's order. The fields a catalogue loads:
leader and 008 by kind of resource, 020 ISBN, 024 DOI, 1XX/7XX creators (persons apart from bodies), 245 title
(a title that is not known in square brackets, as a devised title), 264 publisher and year (773 the journal, blog
or magazine an article appeared in), 336-338 content, media and carrier, 520 summary, 588 source of description,
653 topics (the dataset's own vocabulary: uncontrolled terms), 856 the address.
"""

import datetime as dt
import io
from dataclasses import dataclass

import pandas as pd
from pymarc import Field, Indicators, MARCWriter, Record, Subfield, XMLWriter

from pipeline.citations import CITATION_TYPES, one_line, person_name
from pipeline.config import MARC_NAME, MARCXML_NAME
from pipeline.export import records

NONFILING_ARTICLES = ("the ", "a ", "an ")  # initial articles a catalogue skips when it files a title
UNKNOWN_YEAR = "uuuu"
NO_DATE = "[date of publication not identified]"  # RDA's wording


@dataclass(frozen=True)
class MarcKind:
    """How one kind of resource is coded: leader/06 type of record and /07 level, 008/18-34, and RDA 336."""

    record_type: str  # a language material, g projected medium, i nonmusical sound recording
    level: str  # m monograph, b serial component part, s serial, i integrating resource
    content: tuple[str, str]  # RDA content type term and code
    continuing: str = " "  # 008/21 for continuing resources: p periodical, w updating website, ' ' none


TEXT, MOVING_IMAGE, SPOKEN_WORD = ("text", "txt"), ("two-dimensional moving image", "tdi"), ("spoken word", "spw")
MARC_KINDS = {
    "article": MarcKind("a", "b", TEXT),
    "journal-article": MarcKind("a", "b", TEXT),
    "blog-post": MarcKind("a", "b", TEXT),
    "blog": MarcKind("a", "i", TEXT, continuing="w"),
    "book": MarcKind("a", "m", TEXT),
    "journal": MarcKind("a", "s", TEXT, continuing="p"),
    "video": MarcKind("g", "m", MOVING_IMAGE),
    "webinar": MarcKind("g", "m", MOVING_IMAGE),
    "podcast": MarcKind("i", "s", SPOKEN_WORD),
    "website": MarcKind("a", "i", TEXT, continuing="w"),
    "collection": MarcKind("a", "i", TEXT, continuing="w"),
    "campus-resource": MarcKind("a", "i", TEXT, continuing="w"),
}


def leader(kind: MarcKind) -> str:
    """New record, its type and level, UTF-8 (a), minimal level (7), ISBD punctuation omitted (c)."""
    return f"00000n{kind.record_type}{kind.level} a22000007c 4500"


def material_008(kind: MarcKind) -> str:
    """008/18-34 (17 characters): 'online' as form of item, in the place the kind of material puts it."""
    block = [" "] * 17
    if kind.record_type == "g":  # visual materials: running time not known, form of item 29, videorecording 33
        block[0:3], block[29 - 18], block[33 - 18] = list("|||"), "o", "v"
    elif kind.record_type == "i":  # sound recordings: form of composition not applicable, form of item 23
        block[0:2], block[23 - 18] = list("nn"), "o"
    elif kind.level in ("b", "i", "s"):  # continuing resources: frequency and regularity unknown, form of item 23
        block[0:2], block[21 - 18], block[23 - 18] = list("uu"), kind.continuing, "o"
    else:  # books: form of item 23
        block[23 - 18] = "o"
    return "".join(block)


def field_008(kind: MarcKind, year: int | None, entered: dt.date) -> str:
    """The fixed-length data elements: date entered, a single known date or an unknown one, English, online."""
    dates = f"s{year:04d}    " if year is not None else f"n{UNKNOWN_YEAR}{UNKNOWN_YEAR}"
    return f"{entered:%y%m%d}{dates}xx {material_008(kind)}eng d"


def nonfiling(title: str) -> str:
    """245 second indicator: how many characters a catalogue skips when filing (an initial article)."""
    lowered = title.lstrip("[").lower()
    skipped = next((len(article) for article in NONFILING_ARTICLES if lowered.startswith(article)), 0)
    return str(skipped + (len(title) - len(title.lstrip("[")) if skipped else 0))


def creator_fields(creators: list[str]) -> list[Field]:
    """100 or 110 for the first creator, 700 or 710 for the others: persons (Family, Given) apart from bodies."""
    fields = []
    for number, creator in enumerate(creators):
        person = person_name(creator) is not None
        tag = ("1" if number == 0 else "7") + ("00" if person else "10")
        indicators = Indicators("1" if person else "2", " ")
        fields.append(Field(tag=tag, indicators=indicators, subfields=[Subfield("a", creator)]))
    return fields


def marc_record(resource: dict, entered: dt.date) -> Record:
    kind = MARC_KINDS[resource["type"]]
    record = Record(force_utf8=True, leader=leader(kind))
    record.add_field(Field(tag="001", data=resource["id"]))
    record.add_field(Field(tag="008", data=field_008(kind, resource["year"], entered)))
    for isbn in resource["isbn"]:
        record.add_field(Field(tag="020", indicators=Indicators(" ", " "), subfields=[Subfield("a", isbn)]))
    if resource["doi"]:
        doi = [Subfield("a", resource["doi"]), Subfield("2", "doi")]
        record.add_field(Field(tag="024", indicators=Indicators("7", " "), subfields=doi))
    creators = creator_fields(resource["creators"])
    record.add_field(*(field for field in creators if field.tag.startswith("1")))
    title = resource["title"]  # a title that is not known is the curator's devised title, already bracketed
    main_entry = "1" if creators else "0"
    record.add_field(
        Field(tag="245", indicators=Indicators(main_entry, nonfiling(title)), subfields=[Subfield("a", title)])
    )
    contained = CITATION_TYPES[resource["type"]].contained
    publication = [] if contained or not resource["publisher"] else [Subfield("b", resource["publisher"])]
    year = str(resource["year"]) if resource["year"] is not None else NO_DATE
    record.add_field(Field(tag="264", indicators=Indicators(" ", "1"), subfields=[*publication, Subfield("c", year)]))
    for tag, (term, code), source in (
        ("336", kind.content, "rdacontent"),
        ("337", ("computer", "c"), "rdamedia"),
        ("338", ("online resource", "cr"), "rdacarrier"),
    ):
        subfields = [Subfield("a", term), Subfield("b", code), Subfield("2", source)]
        record.add_field(Field(tag=tag, indicators=Indicators(" ", " "), subfields=subfields))
    record.add_field(
        Field(tag="520", indicators=Indicators(" ", " "), subfields=[Subfield("a", one_line(resource["description"]))])
    )
    record.add_field(
        Field(tag="588", indicators=Indicators(" ", " "), subfields=[Subfield("a", source_note(resource))])
    )
    for tag in resource["tags"]:
        record.add_field(Field(tag="653", indicators=Indicators(" ", " "), subfields=[Subfield("a", topic(tag))]))
    record.add_field(*(field for field in creators if field.tag.startswith("7")))
    if contained and resource["publisher"]:
        host = [Subfield("t", resource["publisher"])]
        record.add_field(Field(tag="773", indicators=Indicators("0", " "), subfields=host))
    address = resource["url"] or (f"https://doi.org/{resource['doi']}" if resource["doi"] else None)
    if address:
        record.add_field(Field(tag="856", indicators=Indicators("4", "0"), subfields=[Subfield("u", address)]))
    return record


def topic(tag: str) -> str:
    """A topic tag of the dataset's vocabulary as an index term: 'mentee-skills' → 'Mentee skills'."""
    return tag.replace("-", " ").capitalize()


def source_note(resource: dict) -> str:
    """588: what the description is based on."""
    if not resource["sources"]:
        return "Description based on the guide's entry only; no further source was consulted."
    return "Description based on the guide's entry and on: " + "; ".join(resource["sources"]) + "."


def marc_records(resources: pd.DataFrame, entered: dt.date) -> list[Record]:
    return [marc_record(resource, entered) for resource in records(resources)]


def to_marc(marc: list[Record]) -> bytes:
    """ISO 2709 binary MARC 21, UTF-8, records one after another."""
    buffer = io.BytesIO()
    writer = MARCWriter(buffer)
    for record in marc:
        writer.write(record)
    return buffer.getvalue()


def to_marcxml(marc: list[Record]) -> bytes:
    """MARCXML: one <collection> of the records, UTF-8."""
    buffer = io.BytesIO()
    writer = XMLWriter(buffer)
    for record in marc:
        writer.write(record)
    writer.close(close_fh=False)
    return buffer.getvalue()


def marc_files(resources: pd.DataFrame, entered: dt.date) -> dict[str, bytes]:
    marc = marc_records(resources, entered)
    return {MARC_NAME: to_marc(marc), MARCXML_NAME: to_marcxml(marc)}
