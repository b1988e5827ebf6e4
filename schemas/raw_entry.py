"""The table ingest makes: one row per entry of the raw guide."""

import pandera.pandas as pa
from pandera.typing import Series

from schemas.vocabulary import SECTIONS


class RawEntry(pa.DataFrameModel):
    """An entry of the raw guide as captured, before any repair."""

    section: Series[str] = pa.Field(isin=SECTIONS, description="Section heading the entry stands under.")
    position: Series[int] = pa.Field(ge=1, description="1-based position of the entry within its section.")
    paragraphs: Series[object] = pa.Field(description="The entry's paragraphs, as captured.")
    text: Series[str] = pa.Field(str_length={"min_value": 1}, description="The paragraphs joined by blank lines.")
    line_start: Series[int] = pa.Field(ge=1, description="First line of the entry in the raw guide.")
    line_end: Series[int] = pa.Field(ge=1, description="Last line of the entry in the raw guide.")

    @pa.check("paragraphs", element_wise=True, name="list_of_text")
    @classmethod
    def paragraphs_are_text(cls, value) -> bool:
        return isinstance(value, list) and bool(value) and all(isinstance(p, str) and p for p in value)

    class Config:
        strict = True
        ordered = True
