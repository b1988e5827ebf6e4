"""The published table: one row per resource of the guide. The data package's Table Schema derives from it."""

import re

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.vocabulary import (
    AUDIENCES,
    DOI_PATTERN,
    ID_PATTERN,
    INVISIBLE_CHARACTERS,
    ISBN13_PATTERN,
    MAX_CELL_LENGTH,
    MAX_URL_LENGTH,
    SECTIONS,
    TAGS,
    TYPES,
    URL_PATTERN,
    YEAR_STATUSES,
)

# Joins a list's items in a CSV cell, one item a line (Excel shows them so); no item may hold a line break
# (checked below), so splitting a cell gives the items back.
LIST_DELIMITER = "\n"
LIST = {"list": True}  # metadata: the column holds a list (a JSON array; its items joined with LIST_DELIMITER in CSV)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run a cell starting so as a formula
# Link text lost in capture leaves "()", "of the ." or a sentence ending "available at".
INVISIBLE = re.compile(f"[{''.join(INVISIBLE_CHARACTERS)}]")
LINE_BREAK = re.compile(r"[\t\n\r\u2028\u2029\x85]")
SINGLE_LINE_COLUMNS = ("id", "section", "type", "title", "publisher", "url", "doi", "note")
LIST_COLUMNS = ("creators", "isbn", "tags", "audience", "sources")
# Where an entry sat in the capture: the build's own provenance, kept in the normalised table (for messages,
# the data-quality report and data/processed/) and never published, so that a blank line changes no version.
PROVENANCE_COLUMNS = ("line",)
DANGLING_FRAGMENT = re.compile(r"\(\s*\)|\b(?:the|a|an|at|of|to)\s+\.|\b(?:the|a|an|at|of|to)$", re.I | re.M)


def all_in(vocabulary: tuple[str, ...]):
    def check(value) -> bool:
        return isinstance(value, list) and all(isinstance(item, str) and item in vocabulary for item in value)

    return check


class Resource(pa.DataFrameModel):
    """A mentoring resource of the guide, repaired and joined with its curated facts."""

    id: Series[str] = pa.Field(
        unique=True, str_matches=ID_PATTERN, title="Identifier", description="Stable identifier of the resource."
    )
    section: Series[str] = pa.Field(isin=SECTIONS, title="Section", description="Section of the guide.")
    type: Series[str] = pa.Field(isin=TYPES, title="Type", description="Kind of resource.")
    title: Series[str] = pa.Field(
        str_length={"min_value": 1},
        title="Title",
        description="The resource's own title; when it is not known, a devised title in square brackets.",
    )
    title_known: Series[bool] = pa.Field(
        title="Title known",
        description="False when the resource's title is not known: the title is then a devised one, a short "
        "description in square brackets written by the curator.",
    )
    creators: Series[object] = pa.Field(
        title="Creators",
        description="Authors, hosts, editors or the publishing office; people as 'Family, Given'.",
        metadata=LIST,
    )
    year: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, ge=1800, le=2100, title="Year", description="Year of publication, where one applies."
    )
    year_status: Series[str] = pa.Field(
        isin=YEAR_STATUSES,
        title="Year status",
        description="Whether the year is known: known (in `year`); unknown (looked for, and no public page shows "
        "it); not-researched (not looked for yet). `year` is empty unless this is known.",
    )
    publisher: Series[str] = pa.Field(
        nullable=True, title="Publisher", description="Journal, publisher, podcast network or organisation."
    )
    description: Series[str] = pa.Field(
        str_length={"min_value": 1}, title="Description", description="The guide's description, repaired."
    )
    url: Series[str] = pa.Field(
        nullable=True,
        str_matches=URL_PATTERN,
        str_length={"max_value": MAX_URL_LENGTH},
        title="URL",
        description=f"Canonical address of the resource (at most {MAX_URL_LENGTH} bytes in UTF-8, so a QR code "
        "holds it).",
    )
    doi: Series[str] = pa.Field(
        nullable=True,
        str_matches=DOI_PATTERN,
        str_length={"max_value": MAX_URL_LENGTH - len("https://doi.org/")},
        title="DOI",
        description="Digital Object Identifier, without resolver.",
    )
    isbn: Series[object] = pa.Field(
        title="ISBN",
        description="ISBN-13s of a book, 13 digits each without hyphens, validated by their check digit.",
        metadata=LIST,
    )
    tags: Series[object] = pa.Field(title="Tags", description=f"Topics, from: {', '.join(TAGS)}.", metadata=LIST)
    audience: Series[object] = pa.Field(
        title="Audience", description=f"Intended readers, from: {', '.join(AUDIENCES)}.", metadata=LIST
    )
    position: Series[int] = pa.Field(ge=1, title="Position", description="1-based position within its section.")
    curated: Series[bool] = pa.Field(
        title="Curated", description="Whether a curation record supplies the resource's facts."
    )
    sources: Series[object] = pa.Field(title="Sources", description="Where each curated fact was seen.", metadata=LIST)
    note: Series[str] = pa.Field(
        nullable=True, title="Note", description="A short note for readers, e.g. what is not confirmed."
    )

    @pa.check("url", element_wise=True, name="fits_a_qr_code")
    @classmethod
    def fits_a_qr_code(cls, value) -> bool:
        """The address's UTF-8 bytes, which the printed QR code holds, are within the limit."""
        return not isinstance(value, str) or len(value.encode("utf-8")) <= MAX_URL_LENGTH

    @pa.check("isbn", element_wise=True, name="isbn13_digits")
    @classmethod
    def isbn13_digits(cls, value) -> bool:
        return isinstance(value, list) and all(
            isinstance(item, str) and re.match(ISBN13_PATTERN, item) for item in value
        )

    @pa.dataframe_check(name="year_status_matches_year")
    @classmethod
    def year_status_matches_year(cls, frame: pd.DataFrame) -> pd.Series:
        return (frame["year_status"] == "known") == frame["year"].notna()

    @pa.check("creators", "sources", element_wise=True, name="list_of_text")
    @classmethod
    def list_of_text(cls, value) -> bool:
        return isinstance(value, list) and all(isinstance(item, str) and item.strip() for item in value)

    @pa.check(*SINGLE_LINE_COLUMNS, element_wise=True, name="single_line_visible_text")
    @classmethod
    def single_line_visible_text(cls, value: str) -> bool:
        return not INVISIBLE.search(value) and not LINE_BREAK.search(value) and len(value) <= MAX_CELL_LENGTH

    @pa.check(*LIST_COLUMNS, element_wise=True, name="items_single_line_visible_text")
    @classmethod
    def items_single_line_visible_text(cls, value: list) -> bool:
        items = [item for item in value if isinstance(item, str)]
        return (
            not any(INVISIBLE.search(item) or LINE_BREAK.search(item) for item in items)
            and sum(len(item) + 2 for item in items) <= MAX_CELL_LENGTH
        )

    @pa.check("description", element_wise=True, name="visible_text_within_limits")
    @classmethod
    def visible_text_within_limits(cls, value: str) -> bool:
        return not INVISIBLE.search(value) and len(value) <= MAX_CELL_LENGTH

    @pa.check(*LIST_COLUMNS, element_wise=True, name="list_items_splittable")
    @classmethod
    def list_items_splittable(cls, value) -> bool:
        """Joined with the delimiter, the items split back as they were, and the CSV cell needs no formula guard."""
        items = value if isinstance(value, list) else []
        return all(
            isinstance(item, str)
            and item
            and item == item.strip()
            and LIST_DELIMITER not in item
            and not item.startswith(FORMULA_STARTS)
            for item in items
        )

    @pa.check("tags", element_wise=True, name="tags_in_vocabulary")
    @classmethod
    def tags_in_vocabulary(cls, value) -> bool:
        return all_in(TAGS)(value)

    @pa.check("audience", element_wise=True, name="audience_in_vocabulary")
    @classmethod
    def audience_in_vocabulary(cls, value) -> bool:
        return all_in(AUDIENCES)(value)

    @pa.check("title", "description", element_wise=True, name="no_capture_debris")
    @classmethod
    def no_capture_debris(cls, value: str) -> bool:
        return "\u033d" not in value and "\u00a0" not in value and not DANGLING_FRAGMENT.search(value)

    @pa.dataframe_check(name="devised_title_in_brackets")
    @classmethod
    def devised_title_in_brackets(cls, frame: pd.DataFrame) -> pd.Series:
        """A title that is not known is a devised one, in square brackets; a known title never is."""
        bracketed = frame["title"].str.startswith("[") & frame["title"].str.endswith("]")
        return bracketed != frame["title_known"].astype(bool)

    class Config:
        strict = True
        ordered = True
