"""The catalogue of findings: one stable slug for every kind of problem a stage reports, and the finding record.

Tests, JSON reports and exit logic match on the slug, never on the message.
"""

from dataclasses import dataclass
from enum import StrEnum


class Slug(StrEnum):
    """Every kind of finding, by stage; the values are stable and appear in reports."""

    # normalise: what was repaired or is missing in an entry
    DANGLING_FRAGMENT_REPAIRED = "dangling-fragment-repaired"
    DANGLING_FRAGMENT_REMOVED = "dangling-fragment-removed"
    INVISIBLE_CHARACTERS_REMOVED = "invisible-characters-removed"
    UNCURATED_ENTRY = "uncurated-entry"
    DEVISED_TITLE = "devised-title"  # the title is not known; the curator's devised title stands for it
    MISSING_DEVISED_TITLE = "missing-devised-title"  # …and no devised title is curated: a stand-in is made
    MATCH_PHRASE_REWORDED = "match-phrase-reworded"
    CURATION_RECORD_UNMATCHED = "curation-record-unmatched"

    # the curation file: a malformed table, key or value
    UNKNOWN_TABLE = "unknown-table"
    NOT_A_TABLE = "not-a-table"
    MISSING_DATASET = "missing-dataset"
    UNKNOWN_KEY = "unknown-key"
    MISSING_KEY = "missing-key"
    WRONG_TYPE = "wrong-type"
    MALFORMED_ID = "malformed-id"
    DUPLICATE_ID = "duplicate-id"
    SHORT_MATCH_PHRASE = "short-match-phrase"
    UNKNOWN_TYPE = "unknown-type"
    YEAR_OUT_OF_RANGE = "year-out-of-range"
    NOT_A_URL = "not-a-url"
    URL_TOO_LONG = "url-too-long"
    NOT_AN_EMAIL = "not-an-email"
    NOT_A_VERSION = "not-a-version"
    NOT_AN_ISBN = "not-an-isbn"
    NOT_A_DOI = "not-a-doi"
    NOT_A_SEARCH_TEMPLATE = "not-a-search-template"
    UNUSABLE_SOURCE = "unusable-source"
    UNKNOWN_TERM = "unknown-term"
    EMPTY_FIX = "empty-fix"
    MALFORMED_DEVISED_TITLE = "malformed-devised-title"
    DEVISED_TITLE_REPEATS_DESCRIPTION = "devised-title-repeats-description"

    # matching curation records to the guide's entries
    SHARED_ENTRY = "shared-entry"
    AMBIGUOUS_MATCH_PHRASE = "ambiguous-match-phrase"
    AMBIGUOUS_CLOSE_VARIANT = "ambiguous-close-variant"

    # validate: a value (or a column) that breaks the schema, by the kind of check it fails
    SCHEMA_MISSING_COLUMN = "schema-missing-column"
    SCHEMA_MISSING_VALUE = "schema-missing-value"
    SCHEMA_WRONG_TYPE = "schema-wrong-type"
    SCHEMA_DUPLICATE = "schema-duplicate"
    SCHEMA_NOT_ALLOWED = "schema-not-allowed"
    SCHEMA_PATTERN = "schema-pattern"
    SCHEMA_OUT_OF_RANGE = "schema-out-of-range"
    SCHEMA_UNSAFE_TEXT = "schema-unsafe-text"  # line breaks, invisible characters, or a list delimiter in an item
    SCHEMA_CAPTURE_DEBRIS = "schema-capture-debris"
    SCHEMA_CHECK = "schema-check"  # any other check of the model

    # check-links: why a request failed before a usable answer (a failing status code is `http-NNN`)
    DNS_FAILURE = "dns-failure"
    DNS_TIMEOUT = "dns-timeout"
    CONNECT_TIMEOUT = "connect-timeout"
    CONNECTION_REFUSED = "connection-refused"
    CONNECTION_ERROR = "connection-error"
    TIMEOUT = "timeout"
    DEADLINE = "deadline"
    TLS_ERROR = "tls-error"
    MALFORMED_URL = "malformed-url"
    UNSUPPORTED_SCHEME = "unsupported-scheme"
    PRIVATE_REDIRECT = "private-redirect"
    REDIRECT_LOOP = "redirect-loop"
    BAD_REDIRECT = "bad-redirect"
    TOO_MANY_REDIRECTS = "too-many-redirects"
    SOFT_404 = "soft-404"


@dataclass(frozen=True)
class Finding:
    """Something about one entry or record that a person should know; not a stop by itself."""

    slug: Slug
    entry: str  # the entry's or record's id; empty when the finding is about the file as a whole
    line: int
    message: str
