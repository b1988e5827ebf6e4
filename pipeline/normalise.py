"""Stage 2: repair the captured text, join curated facts, give each resource an id, a type and tags."""

import hashlib
import re
import unicodedata
from typing import Any, cast

import pandas as pd
from pandera.typing import DataFrame

from pipeline.curation import Curation, CurationRecord
from pipeline.errors import CurationError
from pipeline.findings import Finding, Slug
from pipeline.matching import Matching, match_guide, toml_text
from pipeline.text import UVM_MARK, fold
from schemas.raw_entry import RawEntry
from schemas.resource import PROVENANCE_COLUMNS, Resource
from schemas.vocabulary import INVISIBLE_CHARACTERS, SECTION_TYPES

TITLE_LINE_MAX = 60  # a first paragraph this short, without a full stop, is the entry's title
ID_SOURCE_WORDS = 10  # of an entry's own words, an id for a new record is suggested from
DEVISED_REPEAT_WORDS = 4  # a devised title opening with this many of the description's first words repeats it
# A sentence holding lost-link debris: "…key topic of the ." or a paragraph ending "Transcripts available at".
# Anchored at a sentence's start so the search stays linear in the text's length.
DEBRIS_SENTENCE = re.compile(r"(?:^|(?<=[.!?]))[^.!?]*\b(?:the|a|an|at|of|to)(?:\s+\.|$)", re.I | re.M)
EMPTY_PARENS = re.compile(r"\s*\(\s*\)")
# Bidi overrides, zero-width and other invisible characters (and stray controls) copied in with the page:
# they can reorder or hide what a reader sees, so the guide's text loses them, and the build says so.
INVISIBLE = re.compile(f"[{''.join(INVISIBLE_CHARACTERS)}]")

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
# Findings a person should act on, printed as warnings, by the file their line is in; --strict makes them errors.
WARNINGS = {
    Slug.UNCURATED_ENTRY: "guide",
    Slug.MATCH_PHRASE_REWORDED: "curation",
    Slug.MISSING_DEVISED_TITLE: "curation",
}
ID_WORDS = 5
SMALL_WORDS = {
    "a",
    "about",
    "an",
    "and",
    "are",
    "at",
    "by",
    "for",
    "from",
    "in",
    "is",
    "it",
    "its",
    "of",
    "on",
    "or",
    "that",
    "the",
    "their",
    "this",
    "to",
    "which",
    "who",
    "with",
}  # left out of suggested ids
AUDIENCE_RULES = {"students": r"\bstudent", "residents": r"\bresiden(?:t|cy)", "faculty": r"\bfaculty\b"}


def repair_text(text: str) -> str:
    """UVM for the capture's mark, spaces for no-break spaces, invisible characters out, white space folded."""
    text = INVISIBLE.sub("", text.replace(UVM_MARK, "UVM").replace("\u00a0", " "))
    return re.sub(r"[ \t]+", " ", text).strip()


def split_title_line(paragraphs: list[str]) -> tuple[str | None, list[str]]:
    first = paragraphs[0]
    if len(paragraphs) > 1 and len(first) <= TITLE_LINE_MAX and not first.endswith((".", "!", "?", ":")):
        return first, paragraphs[1:]
    return None, paragraphs


def apply_fixes(text: str, record: CurationRecord | None, entry_id: str, line: int, path) -> tuple[str, list[Finding]]:
    if record is None:
        return text, []
    findings = []
    for fix in record.fixes:
        if fix.find not in text:
            raise CurationError(
                f"record {record.id!r}: fix text {fix.find!r} is not in its entry (guide line {line})",
                path=path,
                line=fix.line or record.line,
                hint="copy the fix's find text exactly from the entry, or delete the fix",
            )
        text = text.replace(fix.find, fix.replace)
        findings.append(
            Finding(Slug.DANGLING_FRAGMENT_REPAIRED, entry_id, line, f"{fix.find!r} → {fix.replace!r}: {fix.reason}")
        )
    return text, findings


def remove_debris(text: str, entry_id: str, line: int) -> tuple[str, list[Finding]]:
    """Drop what is left of lost links (no curation repaired it), and say so."""
    findings = []
    for pattern in (EMPTY_PARENS, DEBRIS_SENTENCE):
        for match in pattern.finditer(text):
            findings.append(
                Finding(
                    Slug.DANGLING_FRAGMENT_REMOVED,
                    entry_id,
                    line,
                    f"removed {match.group().strip()!r}: the link it named was lost in capture",
                )
            )
        text = pattern.sub("", text)
    paragraphs = [re.sub(r" +([.,;:])", r"\1", p).strip() for p in text.split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p), findings


def opening_words(title_line: str | None, description: str) -> str:
    """The entry's title line, else its first words: what a suggested id is made from."""
    return title_line or " ".join(description.split()[:ID_SOURCE_WORDS])


def stand_in_title(kind: str, section: str, position: int) -> str:
    """A devised title for a resource whose record has none yet (the build warns): what and where it is."""
    return f"[{kind.replace('-', ' ').capitalize()} {position} of {section}]"


def repeats_description(devised: str, description: str) -> bool:
    """Whether a devised title only repeats the description's first words (it should say what the resource is)."""
    words = [w.casefold() for w in re.findall(r"\w+", devised)]
    opening = [w.casefold() for w in re.findall(r"\w+", description)]
    size = min(DEVISED_REPEAT_WORDS, len(words))
    return size > 0 and words[:size] == opening[:size]


def title_findings(record: CurationRecord | None, description: str, identifier: str, line: int, path) -> list[Finding]:
    """A resource without a known title: its devised title is checked, or its absence reported."""
    devised = record.devised_title if record else None
    if record and devised and repeats_description(devised, description):
        raise CurationError(
            f"record {record.id!r}: devised_title {devised!r} repeats the first words of the description",
            path=path,
            line=record.line,
            hint='a devised title says briefly what the resource is, e.g. "[Leadership webinar for women of color in '
            "medicine]\"; write it from what the guide's text says",
        )
    if devised:
        return [Finding(Slug.DEVISED_TITLE, identifier, line, f"title unknown: shown by its devised title {devised}")]
    findings = [Finding(Slug.DEVISED_TITLE, identifier, line, "title unknown: a stand-in devised title is shown")]
    if record:
        findings.append(
            Finding(
                Slug.MISSING_DEVISED_TITLE,
                identifier,
                record.line,
                f'record {record.id!r} has no title and no devised_title: add devised_title = "[…]", a short '
                "description of what the resource is, in square brackets",
            )
        )
    return findings


def derive_terms(text: str, rules: dict[str, str]) -> list[str]:
    return [term for term, pattern in rules.items() if re.search(pattern, text, re.I)]


def entry_id(record: CurationRecord | None, text: str) -> str:
    """The record's id; else a hash of the entry's own text, so moving or editing other entries keeps it."""
    if record:
        return record.id
    return "entry-" + hashlib.sha1(fold(text).encode()).hexdigest()[:10]


def normalise(
    entries: DataFrame[RawEntry], curation: Curation, *, strict: bool = False
) -> tuple[DataFrame[Resource], list[Finding]]:
    """Repair, join and classify every entry; returns the resources table and what a person should know."""
    texts = [repair_text(text) for text in entries["text"]]
    lines = entries["line_start"].tolist()
    matching = match_guide(curation.records, texts, lines, curation.path)
    matched = matching.matched
    rows, findings = [], matching_findings(matching, lines)
    refuse_unmatched(findings, curation.path)
    taken_ids = {record.id for record in curation.records}
    entry: Any  # a row of RawEntry; pandas types a row's fields only as scalars of any kind
    for number, entry in enumerate(entries.itertuples(index=False)):
        record = matched.get(number)
        identifier = entry_id(record, texts[number])
        title_line, paragraphs = split_title_line([repair_text(p) for p in entry.paragraphs])
        description, fixed = apply_fixes("\n\n".join(paragraphs), record, identifier, entry.line_start, curation.path)
        description, removed = remove_debris(description, identifier, entry.line_start)
        findings += fixed + removed
        if invisible := len(INVISIBLE.findall(entry.text)):
            findings.append(
                Finding(
                    Slug.INVISIBLE_CHARACTERS_REMOVED,
                    identifier,
                    entry.line_start,
                    f"removed {invisible} invisible character(s): bidi controls, zero-width or controls",
                )
            )
        if record is None:
            suggested_id = suggest_id(opening_words(title_line, description), taken_ids)
            stub = record_stub(suggested_id, matching.stub_phrases.get(number))
            message = f"no curation record ({entry.section} #{entry.position}); to curate it, add:\n{stub}"
            findings.append(Finding(Slug.UNCURATED_ENTRY, identifier, entry.line_start, message))
        if not (record and record.title) and not title_line:
            findings += title_findings(record, description, identifier, entry.line_start, curation.path)
        rows.append(resource_row(entry, record, identifier, title_line, description))
    if strict:
        refuse_warnings(findings, curation.path)
    frame = pd.DataFrame(rows, columns=[*Resource.to_schema().columns, *PROVENANCE_COLUMNS])
    frame["year"] = frame["year"].astype("Int64")
    return cast(DataFrame[Resource], frame), findings  # Resource's columns and the provenance; validate checks


def matching_findings(matching: Matching, lines: list[int]) -> list[Finding]:
    """A reworded phrase names its new wording and the line to update; a vanished entry names its record."""
    findings = []
    for change in matching.reworded:
        record = change.record
        findings.append(
            Finding(
                Slug.MATCH_PHRASE_REWORDED,
                record.id,
                record.match_line,
                f"match phrase {record.match!r} is no longer in the guide; attached to the entry at guide line "
                f"{lines[change.entry]}, which now reads {change.wording!r}: update line {record.match_line} to\n"
                f"match = {toml_text(change.wording)}",
            )
        )
    for gone in matching.vanished:
        record = gone.record
        findings.append(
            Finding(
                Slug.CURATION_RECORD_UNMATCHED,
                record.id,
                record.match_line,
                f"no entry of the guide holds the match phrase {record.match!r} or a close variant, so this record is "
                f"not used: if its entry left the page, delete the record (from line {record.line}); else correct "
                f"match (nearest entries: {gone.nearest})",
            )
        )
    return findings


def refuse_unmatched(findings: list[Finding], path) -> None:
    """A record that matches no entry is an error: its curated facts would silently stop being published."""
    unmatched = [f for f in findings if f.slug == Slug.CURATION_RECORD_UNMATCHED]
    if unmatched:
        listing = "\n".join(f"  {path}:{f.line}: {f.entry}: {f.message}" for f in unmatched)
        raise CurationError(
            f"{len(unmatched)} curation record{'s match' if len(unmatched) > 1 else ' matches'} no entry of the guide:"
            f"\n{listing}",
            path=path,
            line=unmatched[0].line,
            hint="if the entry left the page, delete its record; else correct its match phrase",
        )


def refuse_warnings(findings: list[Finding], path) -> None:
    """--strict: an entry without a record, a reworded phrase or an unused record is an error."""
    warned = [f for f in findings if f.slug in WARNINGS]
    if not warned:
        return
    listing = "\n".join(f"  {WARNINGS[f.slug]} line {f.line}: {f.entry}: {f.slug}" for f in warned)
    uncurated = sum(f.slug == Slug.UNCURATED_ENTRY for f in warned)
    updates = len(warned) - uncurated
    counts = [
        f"{uncurated} {'entry has' if uncurated == 1 else 'entries have'} no curation record" if uncurated else "",
        f"{updates} {'record needs' if updates == 1 else 'records need'} updating" if updates else "",
    ]
    raise CurationError(
        f"{', '.join(filter(None, counts))} (--strict):\n{listing}",
        path=path,
        hint="add or update the records named above (a build without --strict prints each as a warning, "
        "with the text to paste)",
    )


def suggest_id(title: str, taken: set[str]) -> str:
    """A readable id from the title's first words, not yet used by another record."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    words = [word for word in re.findall(r"[a-z0-9]+", ascii_title) if word not in SMALL_WORDS][:ID_WORDS]
    base = "-".join(words) or "resource"
    suggestion, number = base, 1
    while suggestion in taken:
        number += 1
        suggestion = f"{base}-{number}"
    taken.add(suggestion)
    return suggestion


def record_stub(identifier: str, phrase: str | None) -> str:
    """A [[resource]] record to paste into the curation file."""
    match = toml_text(phrase) if phrase else '"… a phrase of 5 to 12 words that only this entry holds …"'
    return f"[[resource]]\nid = {toml_text(identifier)}\nmatch = {match}"


def resource_row(
    entry, record: CurationRecord | None, identifier: str, title_line: str | None, description: str
) -> dict:
    context = " ".join(filter(None, [title_line, description]))
    row = {
        "id": identifier,
        "section": entry.section,
        "type": SECTION_TYPES[entry.section],
        "title": title_line or stand_in_title(SECTION_TYPES[entry.section], entry.section, entry.position),
        "title_known": title_line is not None,
        "creators": [],
        "year": None,
        "year_status": "not-researched",
        "publisher": None,
        "description": description,
        "url": None,
        "doi": None,
        "isbn": [],
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
            title=record.title or (row["title"] if row["title_known"] else record.devised_title or row["title"]),
            title_known=bool(record.title) or row["title_known"],
            creators=list(record.creators),
            year=record.year,
            year_status="known" if record.year is not None else "unknown" if record.year_unknown else "not-researched",
            publisher=record.publisher,
            url=record.url,
            doi=record.doi,
            isbn=list(record.isbn),
            tags=list(record.tags) or row["tags"],
            audience=list(record.audience) or row["audience"],
            sources=list(record.sources),
            note=record.note,
        )
    return row
