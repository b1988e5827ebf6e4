"""The link-health table: what the nightly link check last found at each resource's address.

A resource of the data package of its own, apart from the versioned resources: it changes every night,
the version of the dataset never does for it. Its `id` is a foreign key to the resources table.
"""

import pandera.pandas as pa
from pandera.typing import Series

from schemas.vocabulary import ID_PATTERN, LINK_STATES, URL_PATTERN

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


class LinkHealthRow(pa.DataFrameModel):
    """The latest check of one resource's address."""

    id: Series[str] = pa.Field(
        unique=True, str_matches=ID_PATTERN, title="Identifier", description="The resource's id in resources.csv."
    )
    url: Series[str] = pa.Field(str_matches=URL_PATTERN, title="URL", description="The address that was checked.")
    status: Series[str] = pa.Field(
        isin=LINK_STATES,
        title="Link status",
        description="What the nightly link check last found at the URL: ok; broken (failing on several checks "
        "in a row, confirmed); failing (failed its latest check, not confirmed: treat as working); blocked "
        "(the site refused the checker); unchecked (not checked yet).",
    )
    since: Series[str] = pa.Field(
        nullable=True,
        str_matches=DATE_PATTERN,
        title="Failing since",
        description="Date (UTC) of the first failing check of a broken or failing link; empty otherwise.",
    )
    checked: Series[str] = pa.Field(
        nullable=True,
        str_matches=DATE_PATTERN,
        title="Checked",
        description="Date (UTC) of the check that `status` reports; empty when the URL was never checked.",
    )

    class Config:
        strict = True
        ordered = True
