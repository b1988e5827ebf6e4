"""Checks of single values where they enter from the curation file: version, addresses, e-mail, ISBN.

Each adds a Finding (slug, line, message) to the list it is given; the curation reader reports them all at once.
"""

import re

from stdnum import isbn as isbn_numbers
from stdnum.exceptions import InvalidChecksum, ValidationError

from pipeline.findings import Finding, Slug
from schemas.vocabulary import EMAIL_PATTERN, SEMVER_PATTERN, URL_PATTERN

ADDRESS_KEYS = ("homepage", "contact_url", "site_url")  # in [dataset]: http(s) addresses
Problems = list[Finding]


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
