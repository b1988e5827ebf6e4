"""The review file's text: any curated value survives the trip into a snippet and back (pipeline/find/review.py)."""

import tomllib

from hypothesis import given
from hypothesis import strategies as st

from pipeline.curation import CurationRecord, Fix, parse_record
from pipeline.find.review import Reviewed, multiline, snippet
from pipeline.find.score import Known, rank
from pipeline.find.services import Candidate

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@given(TEXT)
def test_any_text_survives_a_multiline_string(value):
    document = tomllib.loads(f"v = {multiline(value + chr(10))}")
    assert document["v"] == value + "\n"


@given(research=TEXT, find=TEXT.filter(bool), replace=TEXT)
def test_a_snippet_reads_back_as_the_record_with_the_proposed_fact(research, find, replace):
    record = CurationRecord(
        id="mentees-guide-zachary",
        match="companion guide to the best-selling book The Mentor's Guide",
        line=1,
        title="The Mentee's Guide: Making Mentoring Work for You",
        creators=("Zachary, Lois J.",),
        research=research or None,
        fixes=(Fix(find, replace, "why"),),
    )
    known = Known(id=record.id, type="book", section="Books & E-Books", title=record.title, creators=record.creators)
    candidate = Candidate(
        service="crossref",
        page="https://doi.org/10.5555/mentee",
        response="http://127.0.0.1:1/crossref/works?query.bibliographic=x",
        title=record.title,
        creators=("Zachary, Lois J.", "Fischler, Lory A."),
        year=2009,
        doi="10.5555/mentee",
        url="https://doi.org/10.5555/mentee",
    )
    reviewed = Reviewed(known, record, ("url", "year"), tuple(rank(known, [candidate])))
    text = snippet(record, reviewed, "2026-12-07")
    assert text is not None
    (table,) = tomllib.loads(text)["resource"]
    problems: list = []
    parsed = parse_record(table, 1, problems)
    assert problems == [] and parsed is not None
    assert (parsed.year, parsed.url, parsed.doi) == (2009, "https://doi.org/10.5555/mentee", None)  # a book: no DOI
    assert parsed.creators == record.creators  # known creators are never replaced
    assert parsed.sources == ("https://doi.org/10.5555/mentee",)
    assert (parsed.research or "").startswith(research or "Proposed by")
    assert (parsed.research or "").endswith("check each on its page.")
    assert [(f.find, f.replace) for f in parsed.fixes] == [(find, replace)]


def test_a_snippet_with_triple_quotes_backslashes_and_controls_still_reads_back():
    value = 'a \'\'\' b \\n c \\\\ " """ \x01 \x7f end\n'
    assert tomllib.loads(f"v = {multiline(value)}")["v"] == value
