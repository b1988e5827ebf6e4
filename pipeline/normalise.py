"""Stage 2: repair the captured text, join curated facts, give each resource an id, a type and tags."""

import hashlib
import re
from dataclasses import dataclass

import pandas as pd
from pandera.typing import DataFrame

from pipeline.curation import Curation, CurationRecord, match_records
from pipeline.errors import CurationError
from pipeline.ingest import UVM_MARK, fold
from schemas.raw_entry import RawEntry
from schemas.resource import Resource
from schemas.vocabulary import SECTION_TYPES

TITLE_LINE_MAX = 60  # a first paragraph this short, without a full stop, is the entry's title
PROVISIONAL_TITLE_WORDS = 10
# A sentence holding lost-link debris: "…key topic of the ." or a paragraph ending "Transcripts available at".
# Anchored at a sentence's start so the search stays linear in the text's length.
DEBRIS_SENTENCE = re.compile(r"(?:^|(?<=[.!?]))[^.!?]*\b(?:the|a|an|at|of|to)(?:\s+\.|$)", re.I | re.M)
EMPTY_PARENS = re.compile(r"\s*\(\s*\)")

TAG_RULES = {
    "mentoring-relationships": r"\bmentor",
    "peer-mentoring": r"\bpeer[- ]mentor",
    "career-planning": r"\bcareer",
    "specialty-choice": r"\bspecialt",
    "professional-identity": r"professional identity",
    "diversity-equity-inclusion": r"\bdiversity|\binclusi|\bequity",
    "anti-racism": r"racism|anti-racis",
    "underrepresented-in-medicine": r"underrepresented|\bURiM\b|\bUIM\b|people of color",
    "women-in-medicine": r"\bwomen\b",
    "first-generation": r"first[- ]generation|first in their famil",
    "wellness": r"well-being|wellness|burnout|resilien",
    "leadership": r"\bleader",
    "research": r"\bresearch\b",
    "writing": r"\bwriting\b",
    "community-resources": r"housing|childcare|community resources",
}  # only for entries without a curation record
AUDIENCE_RULES = {"students": r"\bstudent", "residents": r"\bresiden(?:t|cy)", "faculty": r"\bfaculty\b"}


@dataclass(frozen=True)
class Finding:
    """Something about one entry that a person should know; not a stop."""

    slug: str
    entry: str
    line: int
    message: str


def repair_text(text: str) -> str:
    """UVM for the capture's mark, spaces for no-break spaces, runs of white space folded."""
    text = text.replace(UVM_MARK, "UVM").replace("\u00a0", " ")
    return re.sub(r"[ \t]+", " ", text).strip()


def split_title_line(paragraphs: list[str]) -> tuple[str | None, list[str]]:
    first = paragraphs[0]
    if len(paragraphs) > 1 and len(first) <= TITLE_LINE_MAX and not first.endswith((".", "!", "?", ":")):
        return first, paragraphs[1:]
    return None, paragraphs


def apply_fixes(
    text: str, record: CurationRecord | None, entry_id: str, line: int, path
) -> tuple[str, list[Finding]]:
    findings = []
    for fix in record.fixes if record else ():
        if fix.find not in text:
            raise CurationError(
                f"record {record.id!r}: fix text {fix.find!r} is not in its entry (guide line {line})",
                path=path,
                line=record.line,
                hint="copy the fix's find text exactly from the entry, or delete the fix",
            )
        text = text.replace(fix.find, fix.replace)
        findings.append(Finding("dangling-fragment-repaired", entry_id, line,
                                f"{fix.find!r} → {fix.replace!r}: {fix.reason}"))  # fmt: skip
    return text, findings


def remove_debris(text: str, entry_id: str, line: int) -> tuple[str, list[Finding]]:
    """Drop what is left of lost links (no curation repaired it), and say so."""
    findings = []
    for pattern in (EMPTY_PARENS, DEBRIS_SENTENCE):
        for match in pattern.finditer(text):
            findings.append(Finding("dangling-fragment-removed", entry_id, line,
                                    f"removed {match.group().strip()!r}: the link it named was lost in capture"))  # fmt: skip
        text = pattern.sub("", text)
    paragraphs = [re.sub(r" +([.,;:])", r"\1", p).strip() for p in text.split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p), findings


def provisional_title(title_line: str | None, description: str) -> str:
    if title_line:
        return title_line
    words = description.split()
    head = " ".join(words[:PROVISIONAL_TITLE_WORDS]).rstrip(".,;:")
    return head + ("…" if len(words) > PROVISIONAL_TITLE_WORDS else "")


def derive_terms(text: str, rules: dict[str, str]) -> list[str]:
    return [term for term, pattern in rules.items() if re.search(pattern, text, re.I)]


def entry_id(record: CurationRecord | None, text: str) -> str:
    """The record's id; else a hash of the entry's own text, so moving or editing other entries keeps it."""
    if record:
        return record.id
    return "entry-" + hashlib.sha1(fold(text).encode()).hexdigest()[:10]


def normalise(entries: DataFrame[RawEntry], curation: Curation, *, strict: bool = False) -> tuple[DataFrame[Resource], list[Finding]]:
    """Repair, join and classify every entry; returns the resources table and what a person should know."""
    texts = [repair_text(text) for text in entries["text"]]
    lines = entries["line_start"].tolist()
    matched = match_records(curation.records, texts, lines, curation.path)
    rows, findings = [], []
    for number, entry in enumerate(entries.itertuples(index=False)):
        record = matched.get(number)
        identifier = entry_id(record, texts[number])
        title_line, paragraphs = split_title_line([repair_text(p) for p in entry.paragraphs])
        description, fixed = apply_fixes("\n\n".join(paragraphs), record, identifier, entry.line_start, curation.path)
        description, removed = remove_debris(description, identifier, entry.line_start)
        findings += fixed + removed
        if record is None:
            findings.append(Finding("uncurated-entry", identifier, entry.line_start,
                                    f"no curation record ({entry.section} #{entry.position})"))  # fmt: skip
        if not (record and record.title) and not title_line:
            findings.append(Finding("provisional-title", identifier, entry.line_start,
                                    "title unknown: a provisional one is taken from the description"))  # fmt: skip
        rows.append(resource_row(entry, record, identifier, title_line, description))
    if strict:
        uncurated = [f for f in findings if f.slug == "uncurated-entry"]
        if uncurated:
            listing = "\n".join(f"  guide line {f.line}: {f.entry}" for f in uncurated)
            raise CurationError(
                f"{len(uncurated)} entries have no curation record (--strict):\n{listing}",
                path=curation.path,
                hint="add a [[resource]] record for each, or build without --strict",
            )
    frame = pd.DataFrame(rows, columns=list(Resource.to_schema().columns))
    frame["year"] = frame["year"].astype("Int64")
    return frame, findings


def resource_row(entry, record: CurationRecord | None, identifier: str, title_line: str | None, description: str) -> dict:
    context = " ".join(filter(None, [title_line, description]))
    row = {
        "id": identifier,
        "section": entry.section,
        "type": SECTION_TYPES[entry.section],
        "title": provisional_title(title_line, description),
        "title_known": title_line is not None,
        "creators": [],
        "year": None,
        "publisher": None,
        "description": description,
        "url": None,
        "doi": None,
        "tags": derive_terms(context, TAG_RULES),
        "audience": derive_terms(context, AUDIENCE_RULES),
        "position": entry.position,
        "curated": record is not None,
        "sources": [],
        "note": None,
        "line": entry.line_start,
    }
    if record:
        row.update(
            type=record.type or row["type"],
            title=record.title or row["title"],
            title_known=bool(record.title) or row["title_known"],
            creators=list(record.creators),
            year=record.year,
            publisher=record.publisher,
            url=record.url,
            doi=record.doi,
            tags=list(record.tags) or row["tags"],
            audience=list(record.audience) or row["audience"],
            sources=list(record.sources),
            note=record.note,
        )
    return row
