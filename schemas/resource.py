"""The published table: one row per resource of the guide. The data package's Table Schema derives from it."""

import re

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipeline.linkcheck.health import LinkState
from schemas.vocabulary import AUDIENCES, DOI_PATTERN, ID_PATTERN, SECTIONS, TAGS, TYPES, URL_PATTERN

LIST = {"list": True}  # metadata: the column holds a list (a JSON array; joined with "; " in CSV)
# Link text lost in capture leaves "()", "of the ." or a sentence ending "available at".
# Link health comes from the nightly check, not from the guide: it is not content, and a version never
# changes for it (a changelog compares every column but these).
LINK_HEALTH_COLUMNS = ("link_status", "link_checked")
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
    title: Series[str] = pa.Field(str_length={"min_value": 1}, title="Title", description="The resource's own title.")
    creators: Series[object] = pa.Field(
        title="Creators",
        description="Authors, hosts, editors or the publishing office; people as 'Family, Given'.",
        metadata=LIST,
    )
    year: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, ge=1800, le=2100, title="Year", description="Year of publication, where one applies."
    )
    publisher: Series[str] = pa.Field(
        nullable=True, title="Publisher", description="Journal, publisher, podcast network or organisation."
    )
    description: Series[str] = pa.Field(
        str_length={"min_value": 1}, title="Description", description="The guide's description, repaired."
    )
    url: Series[str] = pa.Field(
        nullable=True, str_matches=URL_PATTERN, title="URL", description="Canonical address of the resource."
    )
    doi: Series[str] = pa.Field(
        nullable=True, str_matches=DOI_PATTERN, title="DOI", description="Digital Object Identifier, without resolver."
    )
    tags: Series[object] = pa.Field(
        title="Tags", description=f"Topics, from: {', '.join(TAGS)}.", metadata=LIST
    )
    audience: Series[object] = pa.Field(
        title="Audience", description=f"Intended readers, from: {', '.join(AUDIENCES)}.", metadata=LIST
    )
    position: Series[int] = pa.Field(ge=1, title="Position", description="1-based position within its section.")
    curated: Series[bool] = pa.Field(
        title="Curated", description="Whether a curation record supplies the resource's facts."
    )
    sources: Series[object] = pa.Field(
        title="Sources", description="Where each curated fact was seen.", metadata=LIST
    )
    notes: Series[str] = pa.Field(
        nullable=True, title="Notes", description="What is unconfirmed about the resource, and what was tried."
    )
    line: Series[int] = pa.Field(ge=1, title="Source line", description="First line of the entry in the raw guide.")
    link_status: Series[str] = pa.Field(
        nullable=True,
        isin=[str(state) for state in LinkState],
        title="Link status",
        description="What the nightly link check last found at the URL: ok; broken (failing on several checks "
        "in a row, confirmed); failing (failed its latest check, not confirmed: treat as working); blocked "
        "(the site refused the checker); unchecked (not checked yet). Empty without a URL.",
    )
    link_checked: Series[str] = pa.Field(
        nullable=True,
        str_matches=r"^\d{4}-\d{2}-\d{2}$",
        title="Link checked",
        description="Date (UTC) of the check that link_status reports. Empty when the URL was never checked.",
    )

    @pa.check("creators", "sources", element_wise=True, name="list_of_text")
    @classmethod
    def list_of_text(cls, value) -> bool:
        return isinstance(value, list) and all(isinstance(item, str) and item.strip() for item in value)

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

    class Config:
        strict = True
        ordered = True
