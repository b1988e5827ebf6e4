"""Checks of what enters from the curation file: keys and their kinds, version, addresses, e-mail, ISBN, sources.

Each adds a Finding (slug, line, message) to the list it is given; the curation reader reports them all at once.
"""

import datetime as dt
import difflib
import ipaddress
import re
from urllib.parse import urlsplit

from stdnum import isbn as isbn_numbers
from stdnum.exceptions import InvalidChecksum, ValidationError

from pipeline.findings import Finding, Slug
from schemas.vocabulary import DENYLISTED_SOURCE_HOSTS, EMAIL_PATTERN, SEMVER_PATTERN, URL_PATTERN

ADDRESS_KEYS = ("homepage", "contact_url", "site_url")  # in [dataset]: http(s) addresses
Problems = list[Finding]
EXPECTED = {
    str: "text",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "a list of text",
    dict: "a table",
    dt.date: "a date (YYYY-MM-DD)",
}  # how messages name each kind of value a key expects


def short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…'"


def check_dataset_values(checked: dict, at, problems: Problems, table: str) -> None:
    """The version is SemVer, every address http(s) and every e-mail a plain address, checked where they enter."""
    version = checked.get("version")
    if isinstance(version, str) and not re.match(SEMVER_PATTERN, version):
        problem = f"{table}: version {short(version)} is not a version number like 2.1.0 (Semantic Versioning)"
        problems.append(Finding(Slug.NOT_A_VERSION, "", at("version"), problem))
    for key in ADDRESS_KEYS:
        check_address(checked.get(key), at(key), problems, f"{table}: {key}")
    check_email(checked.get("contact_email"), at("contact_email"), problems, f"{table}: contact_email")


def check_address(value, line: int, problems: Problems, name: str) -> None:
    if isinstance(value, str) and not re.match(URL_PATTERN, value):
        problems.append(Finding(Slug.NOT_A_URL, "", line, f"{name} {short(value)} is not an http(s) address"))


def check_email(value, line: int, problems: Problems, name: str) -> None:
    if isinstance(value, str) and not re.match(EMAIL_PATTERN, value):
        problem = f"{name} {short(value)} is not a plain e-mail address like library@example.edu"
        problems.append(Finding(Slug.NOT_AN_EMAIL, "", line, problem))


def isbn_problem(value: str) -> str | None:
    """Why `value` is not a valid ISBN-13 (hyphens and spaces allowed), or None."""
    try:
        isbn_numbers.validate(value)
    except InvalidChecksum:
        return "has a wrong check digit; copy it again from the page that shows it"
    except ValidationError:
        return "is not an ISBN (13 digits, starting 978 or 979)"
    if isbn_numbers.isbn_type(value) != "ISBN13":
        return f"is an ISBN-10; write it as its ISBN-13, {isbn_numbers.format(isbn_numbers.to_isbn13(value))}"
    return None


def isbn_value(value: str) -> str:
    """An ISBN-13 as published: its 13 digits, without hyphens."""
    return isbn_numbers.compact(value)


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
        return (
            f"is on {denied}, a mirror or copy site (schemas/vocabulary.py DENYLISTED_SOURCE_HOSTS); "
            "cite the publisher's, PubMed's, a library's or the organisation's page instead"
        )
    return None


def check_keys(
    raw: dict, types: dict, required: tuple[str, ...], at, problems: Problems, table: str, entry: str = ""
) -> dict | None:
    """Report unknown, missing and mistyped keys of one table; return its well-formed keys, so that their
    values can be checked too, or None when a required key is missing or mistyped."""
    for key in raw:
        if key not in types:
            known = did_you_mean(key, types) or f"; known keys: {', '.join(types)}"
            problems.append(Finding(Slug.UNKNOWN_KEY, entry, at(key), f"{table}: unknown key {short(key)}{known}"))
    for key in required:
        if key not in raw:
            problems.append(Finding(Slug.MISSING_KEY, entry, at(), f"{table}: missing key {key!r}"))
    for key, value in raw.items():
        expected = types.get(key)
        if expected is None or is_expected(value, expected):
            continue
        wanted = expected if isinstance(expected, str) else EXPECTED.get(expected, expected.__name__)
        problems.append(
            Finding(Slug.WRONG_TYPE, entry, at(key), f"{table}: {key} should be {wanted}, not {describe(value)}")
        )
    checked = {key: value for key, value in raw.items() if key in types and is_expected(value, types[key])}
    return checked if all(key in checked for key in required) else None


def is_expected(value, expected) -> bool:
    if isinstance(expected, str):  # an array of tables
        return is_tables(value)
    if expected is list:
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def is_tables(value) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def describe(value) -> str:
    """A value's kind in plain words, for messages."""
    kinds = [
        (bool, "true or false"),
        (int, "an integer"),
        (float, "a number"),
        (str, "text"),
        (dt.datetime, "a date and time"),
        (dt.date, "a date"),
        (dt.time, "a time of day"),
        (dict, "a table"),
    ]
    if isinstance(value, list):
        if all(isinstance(item, str) for item in value):
            return "a list of text"
        if all(isinstance(item, dict) for item in value):
            return "a list of tables"
        held = dict.fromkeys("lists" if isinstance(item, list) else describe(item) for item in value)
        return "a list holding " + " and ".join(held)
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)


def did_you_mean(word: str, choices, *, every: bool = False) -> str:
    """ "; did you mean 'x'?" for the nearest choice; with `every`, else the list of choices."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f" (one of {', '.join(choices)})" if every else ""
