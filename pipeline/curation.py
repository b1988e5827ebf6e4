"""The librarian's curation file (TOML): dataset facts and one record per resource, matched by a phrase."""

import datetime as dt
import ipaddress
import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from pipeline.errors import CurationError, InputUnreadable
from pipeline.ingest import decode_text, fold
from schemas.vocabulary import AUDIENCES, DENYLISTED_SOURCE_HOSTS, DOI_PATTERN, ID_PATTERN, TAGS, TYPES, URL_PATTERN

MIN_PHRASE_WORDS = 3
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Fix:
    """Replace lost-link debris in an entry's text."""

    find: str
    replace: str
    reason: str


@dataclass(frozen=True)
class CurationRecord:
    """Facts about one resource, researched and sourced by a person."""

    id: str
    match: str
    line: int
    title: str | None = None
    creators: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    type: str | None = None
    year: int | None = None
    publisher: str | None = None
    url: str | None = None
    doi: str | None = None
    tags: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    note: str | None = None  # short and plain, published for readers ("link not confirmed; ...")
    research: str | None = None  # the librarian's research notes: kept in this file, never published
    fixes: tuple[Fix, ...] = ()


@dataclass(frozen=True)
class DatasetInfo:
    """Facts about the published dataset as a whole."""

    name: str
    title: str
    version: str
    updated: dt.date
    license: str
    institution: str
    corrections: str
    description: str = ""
    homepage: str | None = None  # the guide's or dataset's public page
    contact_email: str | None = None  # where readers send corrections
    contact_url: str | None = None
    keywords: tuple[str, ...] = ()
    contributors: tuple[dict, ...] = ()  # Frictionless contributors: {title, role, email?, path?}


@dataclass(frozen=True)
class Curation:
    path: Path | str
    dataset: DatasetInfo
    records: tuple[CurationRecord, ...] = field(default=())


RECORD_KEYS = {
    "id": str, "match": str, "title": str, "creators": list, "sources": list, "type": str, "year": int,
    "publisher": str, "url": str, "doi": str, "tags": list, "audience": list, "note": str, "research": str,
    "fix": list,
}  # fmt: skip
REQUIRED_KEYS = ("id", "match")
DATASET_KEYS = {
    "name": str, "title": str, "version": str, "updated": dt.date, "license": str, "institution": str,
    "corrections": str, "description": str, "homepage": str, "contact_email": str, "contact_url": str,
    "keywords": list, "contributors": list,
}  # fmt: skip
OPTIONAL_DATASET_KEYS = ("description", "homepage", "contact_email", "contact_url", "keywords", "contributors")


def read_curation(path: Path) -> Curation:
    """Read and check the curation file; every problem is reported at once."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputUnreadable(
            "the curation file does not exist", path=path, hint="pass its path with --curation"
        ) from None
    except OSError as error:
        raise InputUnreadable(f"cannot read the curation file: {error.strerror}", path=path) from None
    return parse_curation(decode_text(data, path), path)


def parse_curation(text: str, path: Path | str = "<curation>") -> Curation:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = int(match.group(1)) if (match := re.search(r"line (\d+)", str(error))) else None
        raise CurationError(
            f"not valid TOML: {error}", path=path, line=line, hint="fix the syntax; see README 'Curating'"
        ) from None
    record_lines = [i + 1 for i, line in enumerate(text.splitlines()) if line.strip() == "[[resource]]"]
    problems: list[tuple[int, str]] = []
    for key in document.keys() - {"dataset", "resource"}:
        line = next((i + 1 for i, text_line in enumerate(text.splitlines()) if key in text_line), 1)
        problems.append((line, f"unknown table {key!r}; the file holds [dataset] and [[resource]] tables"))
    dataset = parse_dataset(document.get("dataset"), text, problems)
    raw_records = document.get("resource", [])
    records = []
    for index, raw in enumerate(raw_records):
        line = record_lines[index] if index < len(record_lines) else 1
        record = parse_record(raw, line, problems)
        if record:
            records.append(record)
    seen: dict[str, int] = {}
    for record in records:
        if record.id in seen:
            problems.append((record.line, f"id {record.id!r} is used again (first at line {seen[record.id]})"))
        seen.setdefault(record.id, record.line)
    raise_problems(problems, path, "the curation file")
    return Curation(path=path, dataset=dataset, records=tuple(records))


def parse_dataset(raw, text: str, problems: list[tuple[int, str]]) -> DatasetInfo | None:
    line = next((i + 1 for i, line in enumerate(text.splitlines()) if line.strip() == "[dataset]"), 1)
    if not isinstance(raw, dict):
        problems.append((1, "a [dataset] table is required (name, title, version, updated, license, ...)"))
        return None
    required = tuple(k for k in DATASET_KEYS if k not in OPTIONAL_DATASET_KEYS)
    checked = check_keys(raw, DATASET_KEYS, required, line, problems)
    if checked is None:
        return None
    contributors = checked.pop("contributors", [])
    if not all(isinstance(item, dict) and isinstance(item.get("title"), str) for item in contributors):
        problems.append((line, "each of [[dataset.contributors]] needs a title (and a role)"))
        return None
    keywords = tuple(checked.pop("keywords", ()))
    return DatasetInfo(**checked, keywords=keywords, contributors=tuple(contributors))


def parse_record(raw: dict, line: int, problems: list[tuple[int, str]]) -> CurationRecord | None:
    checked = check_keys(raw, RECORD_KEYS, REQUIRED_KEYS, line, problems)
    if checked is None:
        return None
    before = len(problems)
    name = f"record {checked['id']!r}"
    if not re.match(ID_PATTERN, checked["id"]):
        problems.append((line, f"{name}: id must be lowercase words joined by hyphens"))
    if len(WORD.findall(checked["match"])) < MIN_PHRASE_WORDS:
        problems.append((line, f"{name}: match phrase needs at least {MIN_PHRASE_WORDS} words"))
    if checked.get("type") and checked["type"] not in TYPES:
        problems.append((line, f"{name}: type {checked['type']!r} is not one of {', '.join(TYPES)}"))
    if checked.get("url") and not re.match(URL_PATTERN, checked["url"]):
        problems.append((line, f"{name}: url {checked['url']!r} is not an http(s) address"))
    if checked.get("doi") and not re.match(DOI_PATTERN, checked["doi"]):
        problems.append((line, f"{name}: doi {checked['doi']!r} is not a DOI (10.NNNN/...)"))
    for source in checked.get("sources", []):
        if problem := source_problem(source):
            problems.append((line, f"{name}: source {source!r} {problem}"))
    for key, vocabulary in (("tags", TAGS), ("audience", AUDIENCES)):
        unknown = [term for term in checked.get(key, []) if term not in vocabulary]
        if unknown:
            problems.append((line, f"{name}: {key} {unknown} not in the vocabulary ({', '.join(vocabulary)})"))
    fixes = []
    for fix in checked.pop("fix", []):
        if not isinstance(fix, dict) or not isinstance(fix.get("find"), str) or not fix.get("find"):
            problems.append((line, f"{name}: each [[resource.fix]] needs find, replace and reason"))
            continue
        fixes.append(Fix(find=fix["find"], replace=str(fix.get("replace", "")), reason=str(fix.get("reason", ""))))
    if len(problems) > before:
        return None
    lists = {key: tuple(checked.pop(key, ())) for key in ("creators", "sources", "tags", "audience")}
    return CurationRecord(line=line, fixes=tuple(fixes), **lists, **checked)


def source_problem(source: str) -> str | None:
    """Why a source cannot be cited, or None: a source is the bare address of a public page."""
    if not re.match(URL_PATTERN, source):
        return "is not a bare http(s) address; put what the page showed in `research`"
    try:
        host = (urlsplit(source).hostname or "").lower().rstrip(".")
    except ValueError:  # e.g. an unclosed [IPv6] bracket
        return "is not a well-formed address"
    try:
        ipaddress.ip_address(host)
        return "is on a bare IP address; cite the page by its site's name"
    except ValueError:
        pass
    denied = next((d for d in DENYLISTED_SOURCE_HOSTS if host == d or host.endswith("." + d)), None)
    if denied:
        return (f"is on {denied}, a mirror or copy site (schemas/vocabulary.py DENYLISTED_SOURCE_HOSTS); "
                "cite the publisher's, PubMed's, a library's or the organisation's page instead")
    return None


def check_keys(raw: dict, types: dict, required: tuple[str, ...], line: int, problems) -> dict | None:
    before = len(problems)
    for key in raw:
        if key not in types:
            problems.append((line, f"unknown key {key!r}; known keys: {', '.join(types)}"))
    for key in required:
        if key not in raw:
            problems.append((line, f"missing key {key!r}"))
    for key, value in raw.items():
        expected = types.get(key)
        if expected and not isinstance(value, expected):
            problems.append((line, f"{key!r} should be a {expected.__name__}, not {type(value).__name__}"))
        elif expected is list and key not in ("fix", "contributors") and not all(isinstance(item, str) for item in value):
            problems.append((line, f"{key!r} should be a list of strings"))
    return None if len(problems) > before else dict(raw)


def raise_problems(problems: list[tuple[int, str]], path: Path | str, what: str) -> None:
    if not problems:
        return
    problems.sort()
    listing = "\n".join(f"  {path}:{line}: {problem}" for line, problem in problems)
    count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
    raise CurationError(
        f"{count} in {what}:\n{listing}",
        path=path,
        line=problems[0][0],
        hint="correct the records named above; README 'Curating' describes each key",
    )


def match_records(
    records: tuple[CurationRecord, ...], texts: list[str], lines: list[int], path: Path | str
) -> dict[int, CurationRecord]:
    """Entry index → its record. Each record must match exactly one entry, each entry at most one record.

    Candidates come from an index of word trigrams, so the work grows with the text, not entries × records.
    """
    folded = [fold(text) for text in texts]
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for number, text in enumerate(folded):
        words = WORD.findall(text)
        for trigram in set(zip(words, words[1:], words[2:])):
            index[trigram].append(number)
    matched: dict[int, CurationRecord] = {}
    problems: list[tuple[int, str]] = []
    for record in records:
        phrase = fold(record.match)
        words = WORD.findall(phrase)
        trigrams = list(zip(words, words[1:], words[2:]))
        candidates = min((index.get(t, []) for t in trigrams), key=len, default=[])
        hits = [number for number in candidates if phrase in folded[number]]
        if len(hits) == 1 and hits[0] in matched:
            other = matched[hits[0]]
            problems.append((record.line, f"record {record.id!r} matches the same entry as record {other.id!r} "
                                          f"(line {other.line}): {preview(texts, lines, hits[0])}"))
        elif len(hits) == 1:
            matched[hits[0]] = record
        elif not hits:
            near = "; ".join(preview(texts, lines, n) for n in nearest(words, folded))
            problems.append((record.line, f"record {record.id!r}: match phrase {record.match!r} is in no entry; "
                                          f"nearest entries: {near}"))
        else:
            many = "; ".join(preview(texts, lines, n) for n in hits[:5])
            problems.append((record.line, f"record {record.id!r}: match phrase {record.match!r} is in "
                                          f"{len(hits)} entries, make it longer: {many}"))
    raise_problems(problems, path, "matching curation records to the guide")
    return matched


def nearest(words: list[str], folded: list[str], count: int = 3) -> list[int]:
    """Entries sharing the most words with a phrase (only on the error path)."""
    wanted = set(words)
    scores = [(len(wanted & set(WORD.findall(text))), -n) for n, text in enumerate(folded)]
    return [-n for score, n in sorted(scores, reverse=True)[:count] if score]


def preview(texts: list[str], lines: list[int], number: int, words: int = 8) -> str:
    head = " ".join(texts[number].split()[:words])
    return f"guide line {lines[number]} “{head}…”"
