"""The librarian's curation file (TOML): dataset facts and one record per resource, matched by a phrase."""

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from pipeline.errors import CurationError, InputUnreadable
from pipeline.findings import Finding, Slug
from pipeline.lookup import TEMPLATE_KEYS, SearchTemplates, template_problem, templates_from
from pipeline.text import decode_text
from pipeline.toml_lines import key_lines, line_of
from pipeline.value_checks import (
    Problems,
    check_address,
    check_dataset_values,
    check_email,
    check_keys,
    describe,
    did_you_mean,
    is_tables,
    isbn_problem,
    isbn_value,
    short,
    source_problem,
)
from schemas.vocabulary import (
    AUDIENCES,
    DOI_PATTERN,
    ID_PATTERN,
    MAX_URL_LENGTH,
    TAGS,
    TYPES,
    URL_PATTERN,
)

MIN_PHRASE_WORDS = 3
WORD = re.compile(r"\w+")
DEVISED_TITLE_MAX_WORDS = 12  # a devised title is short: what the resource is, not a summary


@dataclass(frozen=True)
class Fix:
    """Replace lost-link debris in an entry's text."""

    find: str
    replace: str
    reason: str
    line: int = 0  # of its `find` key in the curation file


@dataclass(frozen=True)
class CurationRecord:
    """Facts about one resource, researched and sourced by a person."""

    id: str
    match: str
    line: int
    title: str | None = None
    devised_title: str | None = None  # "[…]": the curator's short description, for a resource without a known title
    creators: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    type: str | None = None
    year: int | None = None
    year_unknown: bool = False  # `year = "unknown"`: looked for, and shown on no page
    publisher: str | None = None
    url: str | None = None
    doi: str | None = None
    isbn: tuple[str, ...] = ()  # ISBN-13s, 13 digits each
    tags: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    note: str | None = None  # short and plain, published for readers ("link not confirmed; ...")
    research: str | None = None  # the librarian's research notes: kept in this file, never published
    fixes: tuple[Fix, ...] = ()
    id_line: int = 0  # lines of the keys that messages point at
    match_line: int = 0


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
    catalogue_search: str | None = None  # search templates holding {query}: pipeline/lookup.py
    article_search: str | None = None
    site_search: str | None = None
    web_search: str | None = None
    site_url: str | None = None  # where the web edition is served (build --site-url overrides it)

    @property
    def searches(self) -> SearchTemplates:
        """Where the searches offered for a resource without a confirmed link go (defaults where not given)."""
        return templates_from({key: getattr(self, key) for key in TEMPLATE_KEYS})


@dataclass(frozen=True)
class Curation:
    path: Path | str
    dataset: DatasetInfo
    records: tuple[CurationRecord, ...] = field(default=())


RECORD_KEYS = {
    "id": str,
    "match": str,
    "title": str,
    "devised_title": str,
    "creators": list,
    "sources": list,
    "type": str,
    "year": int,
    "publisher": str,
    "url": str,
    "doi": str,
    "isbn": list,
    "tags": list,
    "audience": list,
    "note": str,
    "research": str,
    "fix": "[[resource.fix]] tables",
}
REQUIRED_KEYS = ("id", "match")
YEAR_UNKNOWN = "unknown"  # the one text `year` takes: the year was looked for and no page shows it
FIX_KEYS = {"find": str, "replace": str, "reason": str}
DATASET_KEYS = {
    "name": str,
    "title": str,
    "version": str,
    "updated": dt.date,
    "license": str,
    "institution": str,
    "corrections": str,
    "description": str,
    "homepage": str,
    "contact_email": str,
    "contact_url": str,
    "keywords": list,
    "contributors": "[[dataset.contributors]] tables",
    **dict.fromkeys(TEMPLATE_KEYS, str),
    "site_url": str,
}
OPTIONAL_DATASET_KEYS = (
    "description",
    "homepage",
    "contact_email",
    "contact_url",
    "keywords",
    "contributors",
    *TEMPLATE_KEYS,
    "site_url",
)
CONTRIBUTOR_KEYS = {"title": str, "role": str, "email": str, "path": str, "organization": str}
YEARS = range(1800, 2101)  # as the dataset's schema allows


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
    document = load_toml(text, path)
    lines = key_lines(text)
    problems: Problems = []
    for key in document.keys() - {"dataset", "resource"}:
        guess = did_you_mean(key, ("dataset", "resource"))
        problem = f"unknown table {short(key)}{guess}; the file holds a [dataset] table and [[resource]] tables"
        problems.append(Finding(Slug.UNKNOWN_TABLE, "", line_of(lines, key), problem))
    dataset = parse_dataset(document.get("dataset"), lines, problems)
    raw_records = document.get("resource", [])
    if not is_tables(raw_records):
        problem = f"resource is {describe(raw_records)}; each resource should be a table headed [[resource]]"
        problems.append(Finding(Slug.NOT_A_TABLE, "", line_of(lines, "resource"), problem))
        raw_records = []
    records = []
    for index, raw in enumerate(raw_records):
        key_line = partial(line_of, lines, "resource", index)
        record = parse_record(raw, key_line(), problems, key_line)
        if record:
            records.append(record)
    seen: dict[str, int] = {}
    for record in records:
        if record.id in seen:
            again = f"id {record.id!r} is used again (first at line {seen[record.id]})"
            problems.append(Finding(Slug.DUPLICATE_ID, record.id, record.id_line, again))
        seen.setdefault(record.id, record.id_line)
    raise_problems(problems, path, "the curation file")
    assert dataset is not None  # a missing or malformed [dataset] table is a problem raised above
    return Curation(path=path, dataset=dataset, records=tuple(records))


def load_toml(text: str, path: Path | str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = int(match.group(1)) if (match := re.search(r"line (\d+)", str(error))) else None
        raise CurationError(
            f"not valid TOML: {error}", path=path, line=line, hint="fix the syntax; see README 'Curating'"
        ) from None
    except RecursionError:
        raise CurationError(
            "values are nested too deeply to read (arrays or tables inside one another hundreds of times)",
            path=path,
            line=deep_nesting_line(text),
            hint="a curation value is text, a number, a date or a list of text; remove the nesting",
        ) from None


def deep_nesting_line(text: str, depth: int = 100) -> int | None:
    """The first line where brackets open `depth` deep (strings are not told apart: this only aims a message)."""
    level = 0
    for number, line in enumerate(text.split("\n"), 1):
        level += line.count("[") + line.count("{") - line.count("]") - line.count("}")
        if level >= depth or line.count("[") + line.count("{") >= depth:
            return number
    return None


def parse_dataset(raw, lines: dict, problems: Problems) -> DatasetInfo | None:
    line = line_of(lines, "dataset")
    if raw is None:
        missing = "a [dataset] table is required (name, title, version, updated, license, ...)"
        problems.append(Finding(Slug.MISSING_DATASET, "", 1, missing))
        return None
    if not isinstance(raw, dict):
        problems.append(
            Finding(Slug.NOT_A_TABLE, "", line, f"dataset is {describe(raw)}; it should be a [dataset] table of keys")
        )
        return None
    required = tuple(k for k in DATASET_KEYS if k not in OPTIONAL_DATASET_KEYS)
    checked = check_keys(raw, DATASET_KEYS, required, partial(line_of, lines, "dataset"), problems, "[dataset]")
    if checked is None:
        return None
    before = len(problems)
    check_dataset_values(checked, partial(line_of, lines, "dataset"), problems, "[dataset]")
    contributors = tuple(checked.pop("contributors", ()))
    for number, contributor in enumerate(contributors):
        at = partial(line_of, lines, "dataset", "contributors", number)
        kept = check_keys(contributor, CONTRIBUTOR_KEYS, ("title",), at, problems, "[[dataset.contributors]]") or {}
        check_address(kept.get("path"), at("path"), problems, "[[dataset.contributors]]: path")
        check_email(kept.get("email"), at("email"), problems, "[[dataset.contributors]]: email")
    for key in TEMPLATE_KEYS:
        if key in checked and (problem := template_problem(checked[key])):
            where = line_of(lines, "dataset", key)
            problems.append(Finding(Slug.NOT_A_SEARCH_TEMPLATE, "", where, f"[dataset]: {key} {problem}"))
    if len(problems) > before:
        return None
    keywords = tuple(checked.pop("keywords", ()))
    return DatasetInfo(**checked, keywords=keywords, contributors=contributors)


def parse_record(raw: dict, line: int, problems: Problems, key_line=None) -> CurationRecord | None:
    at = key_line or (lambda *key: line)  # the line of one key of the record
    entry = raw["id"] if isinstance(raw.get("id"), str) else ""
    label = f"record {short(entry)}" if isinstance(raw.get("id"), str) else "[[resource]]"
    before = len(problems)
    year_unknown = raw.get("year") == YEAR_UNKNOWN
    if year_unknown:
        raw = {key: value for key, value in raw.items() if key != "year"}
    checked = check_keys(raw, RECORD_KEYS, REQUIRED_KEYS, at, problems, label, entry)
    if checked is None:
        return None
    name = f"record {short(checked['id'])}"

    def report(slug: Slug, line: int, problem: str) -> None:
        problems.append(Finding(slug, entry, line, f"{name}: {problem}"))

    if not re.match(ID_PATTERN, checked["id"]):
        report(Slug.MALFORMED_ID, at("id"), "id should be lowercase words joined by hyphens, like 'peer-mentoring'")
    if len(WORD.findall(checked["match"])) < MIN_PHRASE_WORDS:
        report(Slug.SHORT_MATCH_PHRASE, at("match"), f"match phrase needs at least {MIN_PHRASE_WORDS} words")
    devised = checked.get("devised_title")
    if devised is not None and (problem := devised_title_problem(devised, has_title="title" in checked)):
        report(
            Slug.MALFORMED_DEVISED_TITLE,
            at("devised_title"),
            f"devised_title {short(checked['devised_title'])} {problem}",
        )
    if checked.get("type") and checked["type"] not in TYPES:
        guess = did_you_mean(checked["type"], TYPES, every=True)
        report(Slug.UNKNOWN_TYPE, at("type"), f"type {short(checked['type'])} is not a known type{guess}")
    if "year" in checked and checked["year"] not in YEARS:
        wanted = f"should be a year from {YEARS[0]} to {YEARS[-1]}"
        report(Slug.YEAR_OUT_OF_RANGE, at("year"), f"year {checked['year']} {wanted}")
    if checked.get("url") and not re.match(URL_PATTERN, checked["url"]):
        report(Slug.NOT_A_URL, at("url"), f"url {short(checked['url'])} is not an http(s) address")
    for key, prefix in (("url", ""), ("doi", "https://doi.org/")):
        size = len((prefix + checked.get(key, "")).encode("utf-8"))
        if checked.get(key) and size > MAX_URL_LENGTH:
            too_long = f"{key} takes {size:,} bytes in UTF-8; a printed QR code holds an address of {MAX_URL_LENGTH:,}"
            report(Slug.URL_TOO_LONG, at(key), too_long)
    if checked.get("doi") and not re.match(DOI_PATTERN, checked["doi"]):
        report(Slug.NOT_A_DOI, at("doi"), f"doi {short(checked['doi'])} is not a DOI (10.NNNN/...)")
    for number in checked.get("isbn", []):
        if problem := isbn_problem(number):
            report(Slug.NOT_AN_ISBN, at("isbn"), f"isbn {short(number)} {problem}")
    for source in checked.get("sources", []):
        if problem := source_problem(source):
            report(Slug.UNUSABLE_SOURCE, at("sources"), f"source {short(source)} {problem}")
    for key, vocabulary in (("tags", TAGS), ("audience", AUDIENCES)):
        for term in checked.get(key, []):
            if term not in vocabulary:
                guess = did_you_mean(term, vocabulary, every=True)
                report(Slug.UNKNOWN_TERM, at(key), f"{key} {short(term)} is not in the vocabulary{guess}")
    fixes = []
    for number, fix in enumerate(checked.pop("fix", [])):
        fix_line = partial(at, "fix", number)
        if check_keys(fix, FIX_KEYS, ("find",), fix_line, problems, f"{name}: [[resource.fix]]", entry) is None:
            continue
        if not fix["find"]:
            report(Slug.EMPTY_FIX, fix_line("find"), "a fix's find text should not be empty")
            continue
        fixes.append(Fix(fix["find"], fix.get("replace", ""), fix.get("reason", ""), line=fix_line("find")))
    if len(problems) > before:
        return None
    creators, sources, tags, audience = (
        tuple(checked.pop(key, ())) for key in ("creators", "sources", "tags", "audience")
    )
    isbn = tuple(dict.fromkeys(isbn_value(number) for number in checked.pop("isbn", ())))
    return CurationRecord(
        line=line,
        year_unknown=year_unknown,
        isbn=isbn,
        fixes=tuple(fixes),
        creators=creators,
        sources=sources,
        tags=tags,
        audience=audience,
        **checked,
        id_line=at("id"),
        match_line=at("match"),
    )


def devised_title_problem(devised: str, *, has_title: bool = False) -> str | None:
    """Why a devised title cannot stand, or None: it is in square brackets, short, and only for a resource
    whose own title is not known."""
    if has_title:
        return "is for a resource without a known title; this record has a title: delete one of the two"
    inner = devised[1:-1].strip() if devised.startswith("[") and devised.endswith("]") else None
    if inner is None:
        return 'should be in square brackets, like "[Leadership webinar for women of color in medicine]"'
    if not WORD.search(inner) or "[" in inner or "]" in inner:
        return "should hold a short description between its one pair of square brackets"
    if len(WORD.findall(inner)) > DEVISED_TITLE_MAX_WORDS:
        return f"is too long: at most {DEVISED_TITLE_MAX_WORDS} words, saying what the resource is"
    return None


def raise_problems(problems: Problems, path: Path | str, what: str) -> None:
    if not problems:
        return
    problems.sort(key=lambda finding: (finding.line, finding.message))
    listing = "\n".join(f"  {path}:{finding.line}: {finding.message}" for finding in problems)
    count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
    raise CurationError(
        f"{count} in {what}:\n{listing}",
        path=path,
        line=problems[0].line,
        hint="correct the lines named above; README 'Curating' describes each key",
        findings=problems,
    )
